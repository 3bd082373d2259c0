"""Config fuzzing: what perfbench does with thousands of mutated configuration files.

    python benchmarks/fuzz_config.py [--variants 1000] [--seed 0] [--runs 150] [--run-timeout DURATION] [--keep DIR]

Every variant (tests/config_mutations.py: a valid seed config with byte flips, truncation,
deleted or duplicated lines, huge numbers, NUL bytes or byte-order marks) is given to
``python -m perfbench list --config VARIANT``; every variant that ``list`` accepts (up to
``--runs``) is then run for real, ``python -m perfbench run --quick --iterations 1``, with the
store and reports in the variant's own directory. The seeds' commands are short (a missing
``make`` target, an empty pytest session, a 0.3 s sleep); the variant's own timeouts stay in
force, as they are part of what is fuzzed (``--run-timeout 2s`` overrides them, for speed).

Goal (issue 9): over >= 1,000 variants, zero tracebacks, zero exit codes outside 0-3, zero
hangs. A hang is a ``list`` that takes over 60 s or a ``run`` over 300 s. Also counted: a bad
input (exit 2) whose message is not one line.

``list`` runs in a process forked from this one, which has imported perfbench once (with
``runpy``, exactly as ``python -m perfbench`` would go on from there; forking saves the
~0.9 s interpreter start-up per variant). ``run`` is a fresh ``python -m perfbench``
process. Run this script with another interpreter (``/path/to/venv/bin/python
benchmarks/fuzz_config.py``) to fuzz the perfbench installed there, e.g. a main checkout's.
"""

from __future__ import annotations

import os

# Forking a process whose BLAS has started threads is unsafe; keep numpy single-threaded.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import collections  # noqa: E402
import dataclasses  # noqa: E402
import runpy  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from config_mutations import Variant, variants  # noqa: E402

import perfbench.cli  # noqa: E402,F401  - imported once here, so forked children start warm

LIST_TIMEOUT_SECONDS = 60.0
RUN_TIMEOUT_SECONDS = 300.0
RUN_FLAGS = ("--quick", "--iterations", "1")


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    exit_code: int | None  # None: hung and killed
    stderr: str

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr

    @property
    def hung(self) -> bool:
        return self.exit_code is None

    @property
    def one_line_error(self) -> bool:
        return len(self.stderr.strip().splitlines()) == 1


def _forked_cli(args: list[str], cwd: Path, timeout_seconds: float) -> Outcome:
    """``python -m perfbench ARGS`` in a child forked from this warm process."""
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.chdir(cwd)
            for fd, path in ((1, out_path), (2, err_path)):
                target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(target, fd)
                os.close(target)
            os.setsid()
            sys.argv = ["python -m perfbench", *args]
            try:
                runpy.run_module("perfbench", run_name="__main__", alter_sys=True)
                code = 0
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
            except BaseException:  # noqa: BLE001 - what the interpreter would print for an uncaught error
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    pidfd = os.pidfd_open(pid)
    try:
        finished, _, _ = select.select([pidfd], [], [], timeout_seconds)
        if not finished:
            os.killpg(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(pidfd)
    code = None if not finished else os.waitstatus_to_exitcode(status)
    return Outcome(code, err_path.read_text(errors="replace"))


def _real_cli(args: list[str], cwd: Path, timeout_seconds: float) -> Outcome:
    """A fresh ``python -m perfbench ARGS`` process; its whole session is killed if it hangs."""
    env = {**os.environ, "HOME": str(cwd)}  # nothing a mutated config runs reaches the real home
    with open(cwd / "run-stdout.txt", "wb") as stdout, open(cwd / "run-stderr.txt", "wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "perfbench", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                                   stdout=stdout, stderr=stderr, env=env, start_new_session=True)
    try:
        code: int | None = process.wait(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        code = None
    return Outcome(code, (cwd / "run-stderr.txt").read_text(errors="replace"))


@dataclasses.dataclass
class Tally:
    command: str
    exit_codes: collections.Counter[int | None] = dataclasses.field(default_factory=collections.Counter)
    problems: list[str] = dataclasses.field(default_factory=list)

    def add(self, variant: Variant, outcome: Outcome) -> None:
        self.exit_codes[outcome.exit_code] += 1
        last = (outcome.stderr.strip().splitlines() or [""])[-1][:200]
        if outcome.hung:
            self.problems.append(f"hang: {variant.label}")
        elif outcome.traceback:
            self.problems.append(f"traceback: {variant.label}: {last}")
        elif not 0 <= outcome.exit_code <= 3:
            self.problems.append(f"exit {outcome.exit_code}: {variant.label}: {last}")
        elif outcome.exit_code == 2 and not outcome.one_line_error:
            self.problems.append(f"multi-line error: {variant.label}: {outcome.stderr.strip()[:200]!r}")

    def report(self) -> str:
        total = sum(self.exit_codes.values())
        codes = ", ".join(f"{'hung' if code is None else code}: {count}"
                          for code, count in sorted(self.exit_codes.items(), key=lambda item: (item[0] is None, item[0] or 0)))
        kinds = collections.Counter(problem.split(":")[0] for problem in self.problems)
        return (f"{self.command}: {total} variants; exit codes {{{codes}}}; tracebacks {kinds['traceback']}, "
                f"exit codes outside 0-3 {sum(n for k, n in kinds.items() if k.startswith('exit '))}, "
                f"hangs {kinds['hang']}, multi-line errors {kinds['multi-line error']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=150, help="at most this many accepted variants are run")
    parser.add_argument("--run-timeout", metavar="DURATION", help="give run --timeout DURATION (default: none)")
    parser.add_argument("--keep", type=Path, help="copy every variant with a problem into this directory")
    args = parser.parse_args()

    run_flags = [*RUN_FLAGS, *(("--timeout", args.run_timeout) if args.run_timeout else ())]
    listing, running = Tally("list"), Tally("run " + " ".join(run_flags))
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="perfbench-fuzz-") as scratch:
        for variant in variants(args.variants, args.seed):
            directory = Path(scratch) / f"{variant.number:05d}"
            directory.mkdir()
            config = directory / variant.seed.file_name
            config.write_bytes(variant.text)
            problems_before = len(listing.problems) + len(running.problems)
            outcome = _forked_cli(["list", "--config", str(config)], directory, LIST_TIMEOUT_SECONDS)
            listing.add(variant, outcome)
            if outcome.exit_code == 0 and sum(running.exit_codes.values()) < args.runs:
                running.add(variant, _real_cli(["run", *run_flags, "--config", str(config), "--store", "fuzz.db",
                                                "--output-dir", "fuzz-reports"], directory, RUN_TIMEOUT_SECONDS))
            if args.keep and len(listing.problems) + len(running.problems) > problems_before:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{variant.number:05d}-{variant.seed.file_name}").write_bytes(variant.text)
            if (variant.number + 1) % 100 == 0:
                print(f"... {variant.number + 1} variants, {time.monotonic() - began:.0f} s", file=sys.stderr)

    print(f"perfbench config fuzzing: {args.variants} variants, seed {args.seed}, "
          f"{time.monotonic() - began:.0f} s")
    print(listing.report())
    print(running.report())
    for problem in listing.problems + running.problems:
        print("  " + problem)
    return 1 if listing.problems or running.problems else 0


if __name__ == "__main__":
    sys.exit(main())
