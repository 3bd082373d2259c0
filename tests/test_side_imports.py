"""Two checkouts' benchmarks loaded into one process (``perfbench ab`` pairing in one worker):
each side gets its own helper modules, files and working directory, and a compiled module
of a checkout's own, which cannot be loaded twice, is refused with what to run instead."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from perfbench.definition.user_modules import load_user_object
from perfbench.execution.side_imports import PairingImpossible, in_directory, side_imports


def checkout(root: Path, value: int) -> Path:
    """A checkout whose benchmark file imports a helper module named as in every checkout."""
    (root / "benchmarks").mkdir(parents=True)
    (root / "helper.py").write_text(f"VALUE = {value}\n")
    (root / "data.txt").write_text(f"data of {root.name}")
    (root / "benchmarks" / "bench_same_name.py").write_text(textwrap.dedent("""\
        import helper

        def value():
            return helper.VALUE

        def read_data():
            with open("data.txt") as data:
                return data.read()
        """))
    return root


def load(root: Path, function: str):
    with side_imports(str(root), str(root / "benchmarks")):
        return load_user_object(root / "benchmarks" / "bench_same_name.py", function)


def test_each_side_keeps_its_own_modules_and_the_process_is_left_as_it_was(tmp_path: Path) -> None:
    a, b = checkout(tmp_path / "a", 1), checkout(tmp_path / "b", 2)
    path_before, cwd_before, modules_before = list(sys.path), os.getcwd(), set(sys.modules)
    a_value, b_value = load(a, "value"), load(b, "value")
    assert (a_value(), b_value()) == (1, 2)  # the same file and helper names, each side's own code
    assert sys.path == path_before and os.getcwd() == cwd_before
    assert "helper" not in sys.modules and set(sys.modules) - modules_before == set()


def test_a_side_run_in_its_directory_reads_its_own_files(tmp_path: Path) -> None:
    a, b = checkout(tmp_path / "a", 1), checkout(tmp_path / "b", 2)
    read_a = in_directory(str(a), load(a, "read_data"))
    read_b = in_directory(str(b), load(b, "read_data"))
    cwd_before = os.getcwd()
    try:
        assert (read_a(), read_b(), read_a()) == ("data of a", "data of b", "data of a")
    finally:
        os.chdir(cwd_before)


def test_a_compiled_module_of_the_checkouts_own_is_refused_and_forgotten(tmp_path: Path) -> None:
    a = checkout(tmp_path / "a", 1)
    import _lsprof  # a real extension module of the standard library, copied into the checkout

    shutil.copy(_lsprof.__file__, a / Path(_lsprof.__file__).name)
    (a / "benchmarks" / "bench_same_name.py").write_text("import _lsprof\n\ndef value():\n    return 1\n")
    saved = sys.modules.pop("_lsprof")
    try:
        with pytest.raises(PairingImpossible, match=r"compiled module\(s\) _lsprof .* --pairing processes"):
            load(a, "value")
        assert "_lsprof" not in sys.modules  # the checkout's copy is not left for anyone else
    finally:
        sys.modules["_lsprof"] = saved
