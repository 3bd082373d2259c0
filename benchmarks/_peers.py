"""Shared plumbing of the peer comparisons: fresh processes, peer runners, tables, output.

Every figure in the compare_*.py scripts comes from a separate process started here, and
its wall time is taken around that process (start-up included), so "how long did the tool
take" means the same thing for every tool.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PYTHON = sys.executable
WORKER = BENCH_DIR / "_worker.py"
PYPERF_SCRIPT = BENCH_DIR / "_pyperf_bench.py"
GBENCH_SOURCE = BENCH_DIR / "gbench_workloads.cpp"
INCLUDE_DIR = REPO_ROOT / "cpp" / "include"
# scikit-build-core keeps the CMake build here (pyproject.toml: build-dir = "build/{wheel_tag}"),
# for `pip install .` and `pip install -e .` alike.
CMAKE_BUILDS = REPO_ROOT / "build"

# The C++ workloads of the panel (perfbench's built-in names = Google Benchmark names in
# gbench_workloads.cpp), ordered from ~2 ns to ~5 ms. `empty` is kept apart: it reads ~0
# after perfbench's overhead correction, so a ratio against it means nothing.
CPP_WORKLOADS = ("add_chain_8", "hash_lookup_1k", "memcpy_4KiB", "sort_1k", "memcpy_1MiB", "sort_100k")

_TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class PeerError(RuntimeError):
    """A tool's process failed; the message carries its command and stderr tail."""


# ---------------------------------------------------------------------------- processes

@dataclasses.dataclass
class ProcessRun:
    stdout: str
    stderr: str
    wall_seconds: float  # around the whole process, start-up included


def run_process(cmd: Sequence[str], *, timeout: float = 900, cwd: str | Path | None = None,
                env: dict[str, str] | None = None) -> ProcessRun:
    began = time.perf_counter()
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=env)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-25:])
        raise PeerError(f"exit {done.returncode}: {shlex.join(str(c) for c in cmd)}\n{tail}")
    return ProcessRun(done.stdout, done.stderr, wall)


def run_worker(*args: str | float) -> tuple[dict[str, Any], float]:
    """One perfbench/timeit/clock measurement in a fresh Python process (see _worker.py)."""
    run = run_process([PYTHON, WORKER, *map(str, args)])
    return json.loads(run.stdout.strip().splitlines()[-1]), run.wall_seconds


# ------------------------------------------------------------------- Google Benchmark

def core_library() -> Path:
    """The perfbench_core archive that the imported perfbench._core was linked from.

    Of the CMake builds in build/, it is the one whose _core module has the very bytes of the
    imported module; the peer links that archive, so both tools run the same object code.
    """
    from perfbench import _core

    imported = Path(_core.__file__)
    for module in sorted(CMAKE_BUILDS.glob(f"*/{imported.name}")):
        archive = module.with_name("libperfbench_core.a")
        if archive.is_file() and module.read_bytes() == imported.read_bytes():
            return archive
    raise PeerError(f"no CMake build in {CMAKE_BUILDS}/ made the imported {imported}: run "
                    f"`pip install --no-build-isolation -e .` in {REPO_ROOT}, then run this script again")


def build_gbench(build_dir: Path | None = None) -> Path:
    """Links gbench_workloads.cpp against the core's compiled workloads (core_library()), once
    per content of the harness, the archive and the public headers.

    The harness itself (Google Benchmark's loop around one run() call, the clock reads) is
    compiled with the core's Release flags (-O3 -DNDEBUG, C++20); the workloads are not
    compiled here at all.
    """
    archive = core_library()
    digest = hashlib.sha256()
    for path in [GBENCH_SOURCE, archive, *sorted(INCLUDE_DIR.rglob("*.hpp"))]:
        digest.update(path.read_bytes())
    flags = ["-O3", "-DNDEBUG", "-std=c++20", "-Wall", "-Wextra", "-Wpedantic"]
    digest.update(" ".join(flags).encode())
    build_dir = build_dir or Path(tempfile.gettempdir()) / "perfbench-peer-build"
    build_dir.mkdir(parents=True, exist_ok=True)
    binary = build_dir / f"gbench_workloads-{digest.hexdigest()[:12]}"
    if not binary.exists():
        compiler = os.environ.get("CXX", "g++")
        cmd = [compiler, *flags, f"-I{INCLUDE_DIR}", str(GBENCH_SOURCE), str(archive), "-o", f"{binary}.tmp",
               "-lbenchmark", "-lpthread"]
        print(f"compiling: {shlex.join(cmd)}", file=sys.stderr)
        run_process(cmd, timeout=600)
        os.replace(f"{binary}.tmp", binary)
    return binary


def run_gbench(binary: Path, name: str, *, repetitions: int | None = None,
               min_time: float | None = None) -> dict[str, Any]:
    """One Google Benchmark process timing one benchmark (an exact-name filter).

    Without repetitions GB reports one run: the loop's total real time / iterations (a
    mean over all iterations of a run that lasted >= min_time, default 0.5 s). With
    repetitions it repeats that run and adds aggregates (mean, median, stddev, cv) of the
    per-repetition figures. Real (wall) time is used: perfbench's TSC is a wall clock too.
    """
    cmd = [str(binary), f"--benchmark_filter=^{re.escape(name)}$", "--benchmark_format=json"]
    if repetitions:
        cmd.append(f"--benchmark_repetitions={repetitions}")
    if min_time is not None:
        cmd.append(f"--benchmark_min_time={min_time:g}")  # GB 1.7: plain seconds
    run = run_process(cmd)
    data = json.loads(run.stdout)
    out: dict[str, Any] = {"wall_seconds": run.wall_seconds, "command": shlex.join(cmd),
                           "library_build_type": data.get("context", {}).get("library_build_type")}
    iteration_runs = []
    for entry in data["benchmarks"]:
        unit = _TIME_UNIT_NS[entry.get("time_unit", "ns")]
        ns = entry["real_time"] * unit
        if entry.get("run_type") == "aggregate":
            if entry.get("aggregate_unit", "time") == "time":
                out[f"{entry['aggregate_name']}_ns"] = ns
                out[f"{entry['aggregate_name']}_cpu_ns"] = entry["cpu_time"] * unit
        else:
            iteration_runs.append({"ns": ns, "cpu_ns": entry["cpu_time"] * unit, "iterations": entry["iterations"]})
            out.setdefault("label", entry.get("label"))  # a workload's: the C++ type whose run() was timed
    if not iteration_runs:
        raise PeerError(f"Google Benchmark produced no run for {name!r}: {shlex.join(cmd)}")
    out["runs"] = iteration_runs
    # Real over CPU time of the process: ~1.0 when it ran undisturbed; above 1 it was
    # descheduled for part of the run, and GB's real-time figure includes that time.
    out["real_over_cpu"] = sum(r["ns"] for r in iteration_runs) / sum(r["cpu_ns"] for r in iteration_runs)
    if not repetitions:
        out["mean_ns"] = iteration_runs[0]["ns"]
        out["mean_cpu_ns"] = iteration_runs[0]["cpu_ns"]
        out["iterations"] = iteration_runs[0]["iterations"]
    return out


# --------------------------------------------------------------------- pyperf, pytest

def run_pyperf(workload: str, workdir: Path, extra: Sequence[str] = ()) -> dict[str, Any]:
    """A real pyperf run (master + worker processes) of one bench_func; its median.

    pyperf's median is over every value of every worker process (20 x 3 by default),
    warm-ups excluded.
    """
    import pyperf

    output = Path(tempfile.mkstemp(suffix=".json", prefix=f"pyperf-{workload}-", dir=workdir)[1])
    output.unlink()  # pyperf refuses to overwrite an existing file
    cmd = [PYTHON, str(PYPERF_SCRIPT), "--workload", workload, "--quiet", "-o", str(output), *extra]
    run = run_process(cmd)
    bench = pyperf.Benchmark.load(str(output))
    output.unlink()
    # One figure per worker process (the median of its values), for the between-process spread.
    per_process = [statistics.median(r.values) * 1e9 for r in bench.get_runs() if r.values]
    return {"median_ns": bench.median() * 1e9, "mean_ns": bench.mean() * 1e9,
            "processes": bench.get_nrun(), "values": bench.get_nvalue(), "loops": bench.get_loops(),
            "per_process_ns": per_process, "wall_seconds": run.wall_seconds, "command": shlex.join(cmd)}


_PYTEST_TEMPLATE = '''\
import sys
sys.path.insert(0, {bench_dir!r})
from _pyworkloads import make


def test_{workload}(benchmark):
    fn, args = make({workload!r})
    benchmark(fn, *args)
'''


def run_pytest_benchmark(workload: str, workdir: Path) -> dict[str, Any]:
    """A real pytest session on a generated one-test file; pytest-benchmark's median.

    pytest-benchmark (defaults) calibrates rounds to >= 10 x the timer's precision, then
    runs rounds for max_time = 1 s (at least 5); each round's time / iterations is one
    value, and the median of those is taken. Its Python loop is not subtracted either.
    """
    session = Path(tempfile.mkdtemp(prefix=f"pytest-{workload}-", dir=workdir))
    (session / "pytest.ini").write_text("[pytest]\n")  # no config from elsewhere applies
    test_file = session / f"test_{workload}.py"
    test_file.write_text(_PYTEST_TEMPLATE.format(bench_dir=str(BENCH_DIR), workload=workload))
    output = session / "benchmark.json"
    cmd = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--rootdir={session}",
           f"--benchmark-json={output}", str(test_file)]
    run = run_process(cmd, cwd=session)
    bench = json.loads(output.read_text())["benchmarks"][0]
    shutil.rmtree(session, ignore_errors=True)
    stats = bench["stats"]
    return {"median_ns": stats["median"] * 1e9, "mean_ns": stats["mean"] * 1e9,
            "rounds": stats["rounds"], "iterations": stats["iterations"],
            "wall_seconds": run.wall_seconds, "command": shlex.join(cmd)}


# ----------------------------------------------------------------------- statistics

def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def cv(values: Sequence[float]) -> float:
    """stdev / mean, sample stdev (ddof=1): the spread of one tool's figure across runs."""
    return statistics.stdev(values) / statistics.fmean(values)


# --------------------------------------------------------------------------- output

def fmt_ns(ns: float | None) -> str:
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.4g} {unit}"
    return f"{ns:.4g} ns"


def fmt_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.3f}x"


def fmt_pct(pct: float | None, digits: int = 2) -> str:
    return "-" if pct is None else f"{pct:+.{digits}f} %"


def yes_no(flag: bool | None) -> str:
    return "n/a" if flag is None else ("yes" if flag else "NO")


@dataclasses.dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def add(self, *cells: Any) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append([str(c) for c in cells])

    def text(self) -> str:
        widths = [max(len(c), *(len(r[i]) for r in self.rows)) if self.rows else len(c)
                  for i, c in enumerate(self.columns)]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(cell.rjust(w) if _numeric(cell) else cell.ljust(w)
                             for cell, w in zip(cells, widths)).rstrip()

        out = [self.title, line(self.columns), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in self.rows]
        out += [textwrap.fill(n, 100, initial_indent="* ", subsequent_indent="  ") for n in self.notes]
        return "\n".join(out)

    def markdown(self) -> str:
        def esc(cell: str) -> str:
            return cell.replace("|", "\\|")

        out = [f"### {self.title}", "", "| " + " | ".join(map(esc, self.columns)) + " |",
               "|" + "|".join("---:" if _numeric(self.rows[0][i]) else "---" for i in range(len(self.columns))) + "|"
               if self.rows else "|" + "|".join("---" for _ in self.columns) + "|"]
        out += ["| " + " | ".join(map(esc, r)) + " |" for r in self.rows]
        if self.notes:
            out += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(out)


def _numeric(cell: str) -> bool:
    return bool(re.match(r"^[+\-]?[\d.]+(e[+\-]?\d+)?( ?(ns|µs|ms|s|x|%))?$", cell.strip()))


def common_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (fewer processes)")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the results as JSON")
    parser.add_argument("--markdown", metavar="PATH", type=Path, help="also write the tables as Markdown")
    return parser


def panel_parser(description: str) -> argparse.ArgumentParser:
    """common_parser plus --only, for the scripts that run a panel of workloads."""
    parser = common_parser(description)
    parser.add_argument("--only", help="comma-separated workload names (default: the whole panel)")
    return parser


def chosen(names: Any, only: str | None) -> list[str]:
    """The panel's workloads that --only keeps (all of them without it), in panel order."""
    if not only:
        return list(names)
    wanted = set(only.split(","))
    return [name for name in names if name in wanted]


def environment() -> dict[str, Any]:
    """What the figures were measured on, recorded with every result."""
    def version(package: str) -> str | None:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return None

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        clocksource = Path("/sys/devices/system/clocksource/clocksource0/current_clocksource").read_text().strip()
    except OSError:
        clocksource = None
    try:
        commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "cpp", "python"],
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += "+dirty" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = None
    try:
        gbench = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libbenchmark-dev"],
                                capture_output=True, text=True).stdout.strip() or None
    except OSError:
        gbench = None
    return {
        "cpu": cpu, "logical_cpus": os.cpu_count(), "kernel": platform.release(),
        "kernel_clocksource": clocksource, "load_average": list(os.getloadavg()),
        "python": platform.python_version(), "perfbench": version("perfbench"), "pyperf": version("pyperf"),
        "pytest_benchmark": version("pytest-benchmark"), "google_benchmark": gbench,
        "compiler": os.environ.get("CXX", "g++"), "git_commit": commit,
    }


class Report:
    """Collects the tables and raw results of one script run, then prints and writes them."""

    def __init__(self, name: str, args: argparse.Namespace, *, warn_on_load: bool = True) -> None:
        """warn_on_load: add a warning when the load average shows other processes competing
        for the CPUs (pass False for a script that loads the machine on purpose)."""
        self.name = name
        self.args = args
        self.warn_on_load = warn_on_load
        self.command = shlex.join(["python", *[os.path.relpath(sys.argv[0], REPO_ROOT)], *sys.argv[1:]])
        self.started = time.time()
        self.began = time.perf_counter()
        self.env_before = environment()
        self.tables: list[Table] = []
        self.results: dict[str, Any] = {}
        self.warnings: list[str] = []

    def finish(self) -> None:
        wall = time.perf_counter() - self.began
        load_after = list(os.getloadavg())
        header = (f"{self.name}: `{self.command}` (run from the repo root), {wall:.0f} s wall, "
                  f"{'quick' if self.args.quick else 'full'} run, "
                  f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(self.started))}")
        env = self.env_before
        busiest = max(env["load_average"][0], load_after[0], _peak_load)
        if self.warn_on_load and busiest > 0.75 * (env["logical_cpus"] or 1):
            # Each of these scripts keeps about one CPU busy itself.
            self.warnings.append(
                f"load average reached {busiest:.2f} on {env['logical_cpus']} logical CPUs: other processes "
                "competed for the CPUs. Figures averaged over wall time (Google Benchmark's real time, "
                "timeit, pytest-benchmark, pyperf) absorb the time a process was descheduled; perfbench's "
                "median of short samples mostly does not. Re-run on a quiet machine before quoting ratios.")
        machine = (f"{env['cpu']}, {env['logical_cpus']} logical CPUs, kernel {env['kernel']} "
                   f"(clocksource {env['kernel_clocksource']}), Python {env['python']}, perfbench "
                   f"{env['perfbench']} ({env['git_commit']}), pyperf {env['pyperf']}, pytest-benchmark "
                   f"{env['pytest_benchmark']}, Google Benchmark {env['google_benchmark']}; load average "
                   f"{env['load_average'][0]:.2f} before, {load_after[0]:.2f} after, {busiest:.2f} at the highest "
                   "seen")
        print()
        print(header)
        print(machine)
        for warning in self.warnings:
            print(f"WARNING: {warning}")
        for table in self.tables:
            print()
            print(table.text())
        if self.args.json:
            payload = {"script": self.name, "command": self.command, "quick": self.args.quick,
                       "started_unix": self.started, "wall_seconds": wall,
                       "environment": env, "load_average_after": load_after, "warnings": self.warnings,
                       "tables": [dataclasses.asdict(t) for t in self.tables], "results": self.results}
            self.args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n")
            print(f"\nJSON written to {self.args.json}")
        if self.args.markdown:
            parts = [f"## {self.name}", "", header + ".", "", machine + ".", ""]
            parts += [f"**Warning:** {w}\n" for w in self.warnings]
            parts += [t.markdown() + "\n" for t in self.tables]
            self.args.markdown.write_text("\n".join(parts))
            print(f"Markdown written to {self.args.markdown}")


_peak_load = 0.0


def progress(message: str) -> None:
    """Progress goes to stderr so stdout holds only the final tables; notes the load."""
    global _peak_load
    _peak_load = max(_peak_load, os.getloadavg()[0])
    print(message, file=sys.stderr, flush=True)
