"""The notebooks in notebooks/, executed in a real Jupyter kernel (nbclient + ipykernel, on
this interpreter) against the store that `python -m perfbench run --quick` makes, and the
committed notebooks checked for outputs (they carry none)."""

from __future__ import annotations

import json
from html import escape
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import exit_code_the_store_implies

import perfbench

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
NAMES = ("explore_results", "regression_review", "measure_in_a_notebook")
KERNEL = "perfbench-test-python"
STORE = Path(".perfbench") / "results.db"  # where `run` puts it, and where the notebooks look by default
# A cheap real run with two lanes to compare: the docs and core lanes of the quick suite (a few seconds).
QUICK = ("run", "--quick", "--lane", "docs", "--lane", "core")

pytestmark = pytest.mark.slow


def _run(workdir: Path, *args: str) -> None:
    completed = subprocess.run([sys.executable, "-m", "perfbench", *args], cwd=workdir, capture_output=True,
                               text=True, timeout=300, stdin=subprocess.DEVNULL, env=dict(os.environ))
    assert "Traceback" not in completed.stderr, completed.stderr
    # a timing SLA of the built-in suite may or may not hold on this machine: the exit code
    # must be the one the stored verdicts imply, and no benchmark may have failed
    assert completed.returncode == exit_code_the_store_implies(workdir / STORE), completed.stderr
    assert completed.returncode != 3, completed.stderr


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Working folders with a store: 'two' (run 1 saved as baseline 'main', then run 2) and
    'one' (run 1 and its baseline only)."""
    two = tmp_path_factory.mktemp("two-runs")
    _run(two, *QUICK, "--save-baseline", "main")
    one = tmp_path_factory.mktemp("one-run")
    (one / STORE).parent.mkdir()
    shutil.copyfile(two / STORE, one / STORE)
    _run(two, *QUICK)
    return {"one": one, "two": two}


@pytest.fixture(scope="module")
def kernel_environment(tmp_path_factory: pytest.TempPathFactory):
    """A kernelspec that starts ipykernel on this very interpreter (a user's own 'python3'
    kernelspec could point at another Python), found first through JUPYTER_PATH, and a private
    runtime folder for the connection files."""
    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = jupyter / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "perfbench tests", "language": "python"}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(jupyter))
        patch.setenv("JUPYTER_RUNTIME_DIR", str(jupyter / "runtime"))
        patch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's own future default; silences its notice
        patch.delenv("PERFBENCH_STORE", raising=False)
        patch.delenv("PERFBENCH_BASELINE", raising=False)
        yield


def execute(name: str, workdir: Path) -> nbformat.NotebookNode:
    """The notebook run top to bottom in ``workdir``; any cell's error fails the test."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name=KERNEL, resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(o.text for o in outputs(notebook) if o.output_type == "stream" and o.name == "stdout")


def shown(notebook: nbformat.NotebookNode, kind: str) -> list[str]:
    return [o.data[kind] for o in outputs(notebook) if o.output_type in ("display_data", "execute_result")
            and kind in o.data]


def assert_no_warnings(notebook: nbformat.NotebookNode) -> None:
    errors = "".join(o.text for o in outputs(notebook) if o.output_type == "stream" and o.name == "stderr")
    assert "Warning" not in errors, errors


def test_explore_results_shows_the_latest_runs_benchmarks(stores, kernel_environment) -> None:
    notebook = execute("explore_results", stores["two"])
    assert_no_warnings(notebook)
    with perfbench.open_store(stores["two"] / STORE) as store:
        latest = store.results("latest")
        rules = set(store.sla("latest")["rule"])
    html = "\n".join(shown(notebook, "text/html"))
    assert len(latest) > 1 and all(name in html for name in latest["benchmark"])
    assert f"latest = run {int(latest['run_id'].iloc[0])}: " in html  # the run's own view
    assert rules and all(escape(rule) in html for rule in rules)  # the SLA matrix's columns, escaped by pandas
    lanes = next(h for h in shown(notebook, "text/html") if "fastest_ns" in h)  # the lanes side by side
    assert all(f"<th>{lane}</th>" in lanes for lane in ("docs", "core"))
    assert len(shown(notebook, "image/png")) == 4  # distributions, histograms, lanes, resources


def test_regression_review_compares_with_the_baseline_and_plots_the_history(stores, kernel_environment) -> None:
    notebook = execute("regression_review", stores["two"])
    assert_no_warnings(notebook)
    text = printed(notebook)
    assert "2 run(s); baselines: main" in text
    assert "baseline 'main' = run 1" in text and "latest = run 2" in text
    with perfbench.open_store(stores["two"] / STORE) as store:
        keys = [v.key for v in store.compare("main", "latest").verdicts]
    comparison_html = next(h for h in shown(notebook, "text/html") if "baseline &#x27;main&#x27; = run 1" in h)
    assert all(key in comparison_html for key in keys) and comparison_html.count("<tr>") == 1 + len(keys)
    assert len(shown(notebook, "image/png")) == 2  # the changes with their intervals, the history


def test_regression_review_says_so_when_the_store_holds_one_run(stores, kernel_environment) -> None:
    notebook = execute("regression_review", stores["one"])
    text = printed(notebook)
    assert "holds 1 run(s): a comparison needs two" in text and "no comparison (see above)" in text
    assert len(shown(notebook, "image/png")) == 1  # the history of one point, still drawn


def test_measure_in_a_notebook_plots_each_callables_distribution(kernel_environment, tmp_path: Path) -> None:
    notebook = execute("measure_in_a_notebook", tmp_path)
    assert_no_warnings(notebook)
    html = "\n".join(shown(notebook, "text/html"))
    assert "Measurement: median" in html
    assert all(name in html for name in ("sorted(1000 ints)", "dict lookup", "join(200 strings)"))
    assert len(shown(notebook, "image/png")) == 2


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_carry_no_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert notebook.metadata.kernelspec.name == "python3"  # what a user's Jupyter offers


def test_the_notebooks_folder_holds_exactly_these() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
