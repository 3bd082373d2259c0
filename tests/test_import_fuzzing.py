"""Every file an import is given is either imported or refused with an InputFileError (exit 2,
one line): real files of each format, each changed at one random place (a key removed, a value
of another type or out of range), never give a traceback, and what is read stores cleanly."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from perfbench.errors import InputFileError
from perfbench.interchange import read_run_file, run_document, serialize, store_imported
from perfbench.store import open_store
from test_import_formats import google_benchmark_file, pyperf_file, pytest_benchmark_file
from test_store import baseline_result, command_result, python_result, store_run, sweep_result

VARIANTS_PER_FORMAT = 150
REPLACEMENTS: tuple[Any, ...] = (None, "x", "", -1, 0, 0.5, 1e308, -1e308, True, [], {}, [1, "a"], {"a": 1})


def places(document: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index of the document, depth first."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append(path + (key,))
            found += places(value, path + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document[:3]):  # a few of each list: the rest is alike
            found.append(path + (index,))
            found += places(value, path + (index,))
    return found


def mutated(document: Any, rng: random.Random) -> Any:
    copy = json.loads(json.dumps(document))
    *parent_path, last = rng.choice(places(copy))
    parent = copy
    for step in parent_path:
        parent = parent[step]
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[last]
    else:
        parent[last] = rng.choice(REPLACEMENTS)
    return copy


@pytest.fixture(scope="module")
def real_files(tmp_path_factory) -> dict[str, Path]:
    where = tmp_path_factory.mktemp("tools")
    pytest_benchmark_file(where, "--benchmark-json=pt.json")
    with open_store(where / "s.db") as store:
        run_id = store_run(store, python_result(), sweep_result(), baseline_result(), command_result())
        (where / "export.json").write_bytes(serialize(run_document(
            store.run(run_id), [r.result for r in store.results(run_id)], store.verdicts(run_id))))
    return {"google-benchmark": google_benchmark_file(where), "pyperf": pyperf_file(where, "pp.json"),
            "pytest-benchmark": where / "pt.json", "perfbench": where / "export.json"}


@pytest.mark.parametrize("source", ["google-benchmark", "pyperf", "pytest-benchmark", "perfbench"])
def test_a_file_changed_anywhere_is_imported_or_refused_in_one_line(real_files, tmp_path: Path, source: str) -> None:
    original = json.loads(real_files[source].read_text())
    rng = random.Random(f"{source}-fuzz")
    refused = readable = 0
    for variant in range(VARIANTS_PER_FORMAT):
        path = tmp_path / f"{variant}.json"
        path.write_text(json.dumps(mutated(original, rng)))
        try:
            run = read_run_file(path)
        except InputFileError as error:
            assert "\n" not in str(error) and str(path) in str(error)
            refused += 1
            continue
        readable += 1
        with open_store(tmp_path / f"{variant}.db") as store:
            (run_id,) = store_imported(store, [run])
            assert len(store.results(run_id)) == len(run.results)
    assert refused > 0 and readable > 0  # both ways exercised: the changes reach the readers' checks
