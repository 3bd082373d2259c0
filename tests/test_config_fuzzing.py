"""Mutated configuration files never crash perfbench: each is accepted, or refused with exit 2
and one line. A seeded slice of the fuzzer (benchmarks/fuzz_config.py runs thousands of
variants, each in a process of its own).

The in-process part drives ``perfbench.cli.main(["list", "--config", ...])``, the very code
``python -m perfbench list`` runs after start-up; an exception escaping it is what a user
would see as a traceback. A few variants then go through real processes, ``list`` and a
short ``run``, as a user would start them.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from config_mutations import MUTATIONS, Variant, variants
from conftest import exit_code_the_store_implies
from perfbench.cli import main

VARIANTS = 400
SEED = 9


def list_in_process(config: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["list", "--config", str(config)])
    return code, out.getvalue(), err.getvalue()


def write_variant(directory: Path, variant: Variant) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / variant.seed.file_name
    path.write_bytes(variant.text)
    return path


def assert_accepted_or_refused_in_one_line(variant: Variant, code: int, stdout: str, stderr: str) -> None:
    """A fuzzed config has no expected verdict; what holds for every one of them: exit 0 with
    the listing, or exit 2 with one line naming the file. Nothing else."""
    if code == 0:
        assert "lane " in stdout and not stderr.strip(), variant.label
    else:
        assert code == 2, f"{variant.label}: exit {code}: {stderr}"
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("perfbench: error: "), f"{variant.label}: {stderr!r}"
        assert "Traceback" not in stderr, variant.label


@pytest.fixture(scope="module")
def seeded_variants() -> list[Variant]:
    return list(variants(VARIANTS, SEED))


def test_the_variants_cover_every_kind_of_mutation(seeded_variants: list[Variant]) -> None:
    applied = Counter(name for variant in seeded_variants for name in variant.mutations)
    assert set(applied) == {mutation.__name__ for mutation in MUTATIONS}
    assert len({variant.seed.name for variant in seeded_variants}) >= 4  # data files, README blocks, pyproject
    assert [v.text for v in variants(5, SEED)] == [v.text for v in seeded_variants[:5]]  # reproducible


def test_mutated_configs_are_accepted_or_refused_in_one_line(seeded_variants: list[Variant], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    verdicts = Counter()
    for variant in seeded_variants:
        config = write_variant(tmp_path / f"{variant.number:04d}", variant)
        try:
            code, stdout, stderr = list_in_process(config)
        except BaseException as error:  # noqa: BLE001 - a traceback, for a user; name the variant
            pytest.fail(f"{variant.label}: {type(error).__name__}: {error}")
        assert_accepted_or_refused_in_one_line(variant, code, stdout, stderr)
        verdicts[code] += 1
    # Both outcomes occur, so the slice exercises acceptance as well as every refusal path.
    assert verdicts[0] >= 10 and verdicts[2] >= 100, verdicts


def real_cli(*args: str, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfbench", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, env={**os.environ, "HOME": str(cwd)})


@pytest.mark.slow
def test_one_variant_of_each_mutation_in_real_processes(seeded_variants: list[Variant], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first variant mutated only one way, for each way, through ``run`` as a user starts it.
    A refused one gives exit 2 and one line from ``run`` too; an accepted one runs (``--quick``,
    one iteration, a 2 s timeout: the seeds' commands are short) to the exit code its stored
    results call for, within a bound only a hang would pass (TimeoutExpired fails the test)."""
    monkeypatch.chdir(tmp_path)
    firsts = {}
    for variant in seeded_variants:
        if len(set(variant.mutations)) == 1:
            firsts.setdefault(variant.mutations[0], variant)
    assert set(firsts) == {mutation.__name__ for mutation in MUTATIONS}
    for variant in firsts.values():
        directory = tmp_path / f"{variant.number:04d}"
        config = write_variant(directory, variant)
        listed, _, _ = list_in_process(config)
        completed = real_cli("run", "--quick", "--iterations", "1", "--timeout", "2s", "--config", str(config),
                             "--store", "fuzz.db", "--output-dir", "reports", cwd=directory, timeout=180)
        assert "Traceback" not in completed.stderr, f"{variant.label}: {completed.stderr}"
        if listed != 0:
            assert_accepted_or_refused_in_one_line(variant, completed.returncode, "", completed.stderr)
            continue
        # it ran, stored what it ran, and exits with the code its stored results call for
        assert completed.returncode == exit_code_the_store_implies(directory / "fuzz.db"), \
            f"{variant.label}: exit {completed.returncode}: {completed.stderr}"


FOUND = sorted((Path(__file__).parent / "data" / "fuzz_found").glob("*.toml"))


@pytest.mark.parametrize("found", FOUND, ids=[path.stem for path in FOUND])
def test_variants_the_fuzzer_found_are_refused_in_one_line(found: Path, tmp_path: Path) -> None:
    """Variants that once gave a traceback (a NUL byte reaching a system call), kept as a corpus."""
    config = tmp_path / "perfbench.toml"
    config.write_bytes(found.read_bytes())
    completed = real_cli("run", "--quick", "--iterations", "1", "--timeout", "2s", "--config", str(config),
                         "--store", "fuzz.db", "--output-dir", "reports", cwd=tmp_path, timeout=180)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr, completed.stderr
    (line,) = completed.stderr.strip().splitlines()
    assert "contains a NUL byte" in line
    assert not (tmp_path / "fuzz.db").exists()  # refused before anything ran
