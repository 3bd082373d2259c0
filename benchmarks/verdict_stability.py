"""Do perfbench's verdicts hold on a rerun? `python -m perfbench run --quick` N times in a row.

Each run is a fresh `python -m perfbench run --quick` in an empty directory (the built-in
default suite, no configuration, as a new user runs it). For every SLA rule the script
counts how often each verdict (PASS, UNSURE, WARNING, ERROR, ...) came out, and reports a
rule's *flips*: the runs that disagree with its most common verdict. The goal (issue 9):
every rule gives the same verdict in at least 19 of 20 runs, with and without a second
CPU-bound process beside it (``--hog``), and the exit code holds too.

    python benchmarks/verdict_stability.py --runs 20
    python benchmarks/verdict_stability.py --runs 20 --hog
    python benchmarks/verdict_stability.py --runs 20 --fail-on-unsure
    python benchmarks/verdict_stability.py --runs 20 --json reports/verdict_stability.json \
        --markdown reports/verdict_stability.md
    python benchmarks/verdict_stability.py --runs 2 --lane api [--full]   # one lane; the full run

A verdict that flips is a bug in the verdict, or in what its rule measures -- never a
reason to loosen the threshold.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def cpu_hog(enabled: bool) -> Iterator[None]:
    """A second CPU-bound process (a Python busy loop) for the whole series, when asked."""
    if not enabled:
        yield
        return
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL)
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


def one_run(extra: list[str]) -> dict:
    from perfbench.store import open_store

    with tempfile.TemporaryDirectory(prefix="perfbench-verdicts-") as workdir:
        began = time.monotonic()
        completed = subprocess.run([sys.executable, "-m", "perfbench", "run", *extra],
                                   cwd=workdir, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        wall = time.monotonic() - began
        store_path = Path(workdir) / ".perfbench" / "results.db"
        verdicts: dict[str, str] = {}
        figures: dict[str, list[float | None]] = {}  # measured, interval low, high
        if store_path.exists():
            with open_store(store_path, create=False) as store:
                run_id = store.latest_run_id()
                for verdict in store.verdicts(run_id):
                    key = f"{verdict.benchmark} :: {verdict.rule}"
                    verdicts[key] = verdict.label
                    figures[key] = [verdict.measured, verdict.low, verdict.high]
    return {"exit_code": completed.returncode, "wall_seconds": wall, "verdicts": verdicts, "figures": figures,
            "stderr_tail": completed.stderr[-2000:] if completed.returncode not in (0, 1) else ""}


def load_average() -> float:
    return os.getloadavg()[0]


def summarize(runs: list[dict]) -> dict:
    rules: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for run in runs:
        for rule, label in run["verdicts"].items():
            rules[rule][label] += 1
    table = []
    for rule, counts in sorted(rules.items()):
        seen = sum(counts.values())
        common, common_count = counts.most_common(1)[0]
        table.append({"rule": rule, "verdicts": dict(counts), "most_common": common,
                      "flips": len(runs) - common_count, "seen_in": seen})
    exits = collections.Counter(run["exit_code"] for run in runs)
    common_exit_count = exits.most_common(1)[0][1] if exits else 0
    return {"rules": table, "exit_codes": {str(k): v for k, v in sorted(exits.items())},
            "exit_code_changes": len(runs) - common_exit_count,
            "rules_stable_19_of_20": sum(1 for row in table if row["flips"] <= len(runs) // 20),
            "rule_count": len(table)}


def markdown(summary: dict, meta: dict) -> str:
    lines = [f"# Verdict stability: `python -m perfbench run {' '.join(meta['extra'])}`".rstrip() + "",
             "", f"- runs: {meta['runs']}; second CPU-bound process: {'yes' if meta['hog'] else 'no'}; "
                 f"host: {meta['cpu']}; load average before: {meta['load_before']:.2f}, after: {meta['load_after']:.2f}",
             f"- command: `{meta['command']}`",
             f"- rules: {summary['rule_count']}; same verdict in at least {meta['runs'] - meta['runs'] // 20} of "
             f"{meta['runs']} runs: **{summary['rules_stable_19_of_20']}**",
             f"- exit codes: {summary['exit_codes']} (changes against the most common: {summary['exit_code_changes']})",
             "", "| rule | verdicts | flips |", "|---|---|---:|"]
    for row in sorted(summary["rules"], key=lambda r: (-r["flips"], r["rule"])):
        if row["flips"] == 0 and len(summary["rules"]) > 40:
            continue
        shown = ", ".join(f"{label} {count}" for label, count in sorted(row["verdicts"].items()))
        lines.append(f"| `{row['rule']}` | {shown} | {row['flips']} |")
    stable = sum(1 for row in summary["rules"] if row["flips"] == 0)
    lines += ["", f"{stable} rules gave one verdict in every run (not listed when the table would be long)."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hog", action="store_true", help="run a second CPU-bound process beside the series")
    parser.add_argument("--fail-on-unsure", action="store_true", help="pass --fail-on-unsure to every run")
    parser.add_argument("--json", type=Path, help="write the per-run verdicts and the summary here")
    parser.add_argument("--markdown", type=Path, help="write the summary table here")
    parser.add_argument("--lane", action="append", default=[], help="only this built-in lane (repeatable)")
    parser.add_argument("--full", action="store_true", help="the full runs instead of --quick")
    args = parser.parse_args()
    extra = ([] if args.full else ["--quick"]) + [arg for lane in args.lane for arg in ("--lane", lane)]
    extra += ["--fail-on-unsure"] if args.fail_on_unsure else []
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    meta = {"runs": args.runs, "hog": args.hog, "extra": extra, "cpu": cpu, "load_before": load_average(),
            "command": " ".join(["python", "benchmarks/verdict_stability.py", *sys.argv[1:]])}
    runs = []
    with cpu_hog(args.hog):
        for index in range(args.runs):
            run = one_run(extra)
            runs.append(run)
            print(f"run {index + 1}/{args.runs}: exit {run['exit_code']}, {run['wall_seconds']:.1f} s, "
                  f"{len(run['verdicts'])} verdicts, load {load_average():.2f}", file=sys.stderr, flush=True)
            if run["stderr_tail"]:
                print(run["stderr_tail"], file=sys.stderr)
    meta["load_after"] = load_average()
    summary = summarize(runs)
    text = markdown(summary, meta)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "summary": summary, "runs": runs}, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
