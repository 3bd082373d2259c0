"""Finding ``@perfbench.benchmark`` functions in a directory's ``bench_*.py`` files.

Discovery imports user code, so it runs in a child process (``python -m perfbench.definition.discovery
DIR OUT``) that writes a JSON description to OUT; an import error becomes a one-line DefinitionError
naming the file, and a crash in user code at import time cannot take the runner down.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from perfbench.definition.user_modules import load_user_module
from perfbench.errors import DefinitionError
from perfbench.execution.process_termination import wait_or_kill_tree

PATTERN = "bench_*.py"
DISCOVERY_TIMEOUT_SECONDS = 120.0


def _describe(directory: Path) -> dict[str, Any]:
    found = []
    for path in sorted(directory.glob(PATTERN)):
        try:
            module = load_user_module(path)
        except BaseException as error:  # noqa: BLE001 - reported to the parent, which exits 2
            return {"error": {"path": str(path), "message": f"{type(error).__name__}: {error}",
                              "traceback": traceback.format_exc()}}
        for attribute, value in vars(module).items():
            marker = getattr(value, "__perfbench__", None)
            if marker is not None and callable(value) and getattr(value, "__module__", None) == module.__name__:
                found.append({"path": str(path.resolve()), "function": attribute, **marker.to_dict()})
    return {"benchmarks": found}


def discover(directory: Path, *, python: str = sys.executable, cwd: Path | None = None) -> list[dict[str, Any]]:
    """The decorated benchmarks under ``directory`` (none if it does not exist), imported by
    the interpreter ``python`` in ``cwd`` (default: this one, here), as its workers will."""
    if not directory.is_dir() or not any(directory.glob(PATTERN)):
        return []
    # Files, not pipes: a process user code starts while importing (a server, a daemon) would
    # hold a pipe open, and the parent would wait for it; and the description gets a file of
    # its own, so whatever user code prints cannot garble it.
    with tempfile.TemporaryDirectory(prefix="perfbench-discovery-") as scratch:
        described_path, stderr_path = Path(scratch) / "described.json", Path(scratch) / "stderr.txt"
        with open(stderr_path, "wb") as stderr:
            process = subprocess.Popen([python, "-m", "perfbench.definition.discovery", str(directory.resolve()),
                                        str(described_path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=stderr, start_new_session=True, cwd=cwd)
        returncode = wait_or_kill_tree(process, DISCOVERY_TIMEOUT_SECONDS)
        if returncode is None:
            raise DefinitionError(f"{directory}: importing the benchmark files took longer than "
                                  f"{DISCOVERY_TIMEOUT_SECONDS:g} s")
        try:
            described = json.loads(described_path.read_text())
        except (OSError, ValueError):
            described = None
        if returncode != 0 or not isinstance(described, dict):
            last = (stderr_path.read_text(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise DefinitionError(f"{directory}: discovering benchmarks failed: {last}")
    if "error" in described:
        error = described["error"]
        raise DefinitionError(f"{error['path']}: cannot import: {error['message']}")
    return described["benchmarks"]


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(_describe(Path(sys.argv[1]))))
