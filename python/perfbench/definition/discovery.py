"""Finding ``@perfbench.benchmark`` functions in a directory's ``bench_*.py`` files.

Discovery imports user code, so it runs in a child process (``python -m perfbench.definition.discovery
DIR``) that prints a JSON description; an import error becomes a one-line DefinitionError
naming the file, and a crash in user code at import time cannot take the runner down.
"""

from __future__ import annotations

import json
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

from perfbench.definition.user_modules import load_user_module
from perfbench.errors import DefinitionError

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


def discover(directory: Path) -> list[dict[str, Any]]:
    """The decorated benchmarks under ``directory`` (none if it does not exist)."""
    if not directory.is_dir() or not any(directory.glob(PATTERN)):
        return []
    try:
        completed = subprocess.run([sys.executable, "-m", "perfbench.definition.discovery", str(directory)],
                                   capture_output=True, text=True, timeout=DISCOVERY_TIMEOUT_SECONDS,
                                   stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise DefinitionError(f"{directory}: importing the benchmark files took longer than "
                              f"{DISCOVERY_TIMEOUT_SECONDS:g} s") from None
    if completed.returncode != 0 or not completed.stdout.strip():
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise DefinitionError(f"{directory}: discovering benchmarks failed: {last}")
    described = json.loads(completed.stdout.strip().splitlines()[-1])
    if "error" in described:
        error = described["error"]
        raise DefinitionError(f"{error['path']}: cannot import: {error['message']}")
    return described["benchmarks"]


if __name__ == "__main__":
    # User modules may print while importing; the description is the last stdout line.
    print(json.dumps(_describe(Path(sys.argv[1]))))
