"""One loader for user benchmark files, used by discovery and by the worker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from perfbench.definition.user_modules import load_user_module, load_user_object, module_name_for


def test_a_file_is_imported_once_and_can_import_its_siblings(tmp_path: Path) -> None:
    (tmp_path / "helpers_for_loader_test.py").write_text("VALUE = 41\n")
    path = tmp_path / "bench_loader_once.py"
    path.write_text("import helpers_for_loader_test\nIMPORTS = []\nIMPORTS.append(1)\n"
                    "class Suite:\n    @staticmethod\n    def answer():\n        return helpers_for_loader_test.VALUE + 1\n")
    try:
        first = load_user_module(path)
        assert load_user_module(path) is first and first.IMPORTS == [1]
        assert load_user_object(path, "Suite.answer")() == 42
    finally:
        sys.modules.pop(module_name_for(path), None)
        sys.modules.pop("helpers_for_loader_test", None)


def test_a_failed_import_leaves_no_half_module(tmp_path: Path) -> None:
    path = tmp_path / "bench_loader_broken.py"
    path.write_text("PARTIAL = 1\nraise RuntimeError('broken on purpose')\n")
    with pytest.raises(RuntimeError, match="broken on purpose"):
        load_user_module(path)
    assert module_name_for(path) not in sys.modules


def test_discovery_and_the_worker_share_the_loader() -> None:
    import perfbench.definition.discovery as discovery
    import perfbench.execution.worker as worker

    assert discovery.load_user_module is load_user_module
    assert worker.load_user_object is load_user_object
    assert not hasattr(worker, "_load_python_function") and not hasattr(discovery, "_import")
