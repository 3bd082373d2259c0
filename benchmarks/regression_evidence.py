"""Do perfbench's regression verdicts hold on this noisy machine, and do they see real changes?

Side by side with the rules other tools use, on the very same samples (``_peer_rules.py``).
Two designs, as a user runs them:

* ``--design baseline``: a saved baseline and later separate runs. One fresh store; run 0 of
  the suite is saved as baseline ``ref``; then ``--runs`` runs of the unchanged code, each
  judged with ``python -m perfbench compare ref RUN`` (A/A: every call of slower or faster is
  a false alarm); then ``--runs`` runs with ``--slowdown`` injected into the injectable
  callables (power: the share of them read slower). The runs accumulate in the store's
  history, as a CI job's do, and the comparison's between-run noise comes from it.
* ``--design ab``: interleaved ``python -m perfbench ab A B`` of two checkouts, ``--runs``
  times with A and B identical (A/A), then ``--runs`` times with B slowed down (power).

The suite is the built-in default suite (``--quick``; in the baseline design) plus the
Python callables of ``_evidence_project.py`` (about 50 ns to 5 ms). A slowdown is injected as
more work in the callables' code (``evidence_code.SLOWDOWN``), never by editing a result.

Goals (issue 10): A/A: anything called slower or faster in <= 1 % of suite runs, in both
designs; power: a 5 % slowdown found by ``ab`` in >= 95 % of cases, a 20 % slowdown found
against a saved baseline in >= 90 %.

    python benchmarks/regression_evidence.py --design baseline --runs 20 --slowdown 0.20 \
        --json reports/regression_evidence_baseline.json --markdown reports/regression_evidence_baseline.md
    python benchmarks/regression_evidence.py --design ab --runs 20 --slowdown 0.05 --threshold 2% \
        --json reports/regression_evidence_ab.json --markdown reports/regression_evidence_ab.md
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _evidence_project as project  # noqa: E402
import _peer_rules as peers  # noqa: E402

BUILTIN_LANES = ("core", "docs", "standard", "heavy")  # the built-in default suite
PERFBENCH = "perfbench"


def perfbench(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perfbench", *args], cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def checked(completed: subprocess.CompletedProcess, allowed: Sequence[int]) -> subprocess.CompletedProcess:
    if completed.returncode not in allowed:
        raise SystemExit(f"perfbench exited {completed.returncode}: {' '.join(completed.args[1:])}\n"
                         f"{completed.stderr[-3000:]}")
    return completed


def parsed(completed: subprocess.CompletedProcess) -> dict:
    try:
        return json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"perfbench {' '.join(completed.args[3:])} exited {completed.returncode} without JSON:\n"
                         f"{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}") from None


def stored_samples(store_path: Path, run_id: int) -> dict[str, list[float]]:
    """Every benchmark's samples in a run, as the peers' rules see them: the pooled samples
    of its measurement (a command: one wall time per run of it)."""
    from perfbench.store import open_store

    with open_store(store_path, create=False) as store:
        return {stored.result.key: stored.result.measurement.samples_ns.tolist()
                for stored in store.results(run_id)
                if stored.result.measurement is not None and stored.result.measurement.samples_ns.size}


def latest_run_id(store_path: Path) -> int:
    from perfbench.store import open_store

    with open_store(store_path, create=False) as store:
        run_id = store.latest_run_id()
    assert run_id is not None
    return run_id


def peer_verdicts(base: dict[str, list[float]], current: dict[str, list[float]]) -> dict[str, dict[str, str]]:
    return {rule: {key: peers.judge(rule, base[key], current[key]) for key in base if key in current}
            for rule in peers.RULES}


def comparison_statuses(document: dict) -> dict[str, str]:
    """``lane/benchmark`` -> slower | faster | same | unsure (and the not-compared kinds)."""
    return {f"{v['lane']}/{v['benchmark']}": v["status"] for v in document["verdicts"]}


def comparison_changes(document: dict) -> dict[str, list]:
    """``lane/benchmark`` -> [change, 95 % low, high, threshold, MDE]: what each verdict read,
    so that a series can be examined beyond its verdicts."""
    return {f"{v['lane']}/{v['benchmark']}": [v.get(k) for k in ("change", "low", "high", "threshold", "mde")]
            for v in document["verdicts"] if v.get("change") is not None}


# -- the two designs -----------------------------------------------------------------------


def baseline_design(args: argparse.Namespace, workdir: Path) -> list[dict]:
    checkout = project.write_project(workdir / "checkout", 0.0)
    store = workdir / "results.db"
    lanes = [arg for lane in (project.LANE, *BUILTIN_LANES) for arg in ("--lane", lane)]
    processes = ["--processes", str(args.processes)] if args.processes else []
    budget = ["--budget", args.budget] if args.budget else []
    run = ["run", "--quick", *lanes, *processes, *budget, "--store", str(store), "--output-dir",
           str(workdir / "reports")]
    threshold = ["--threshold", args.threshold] if args.threshold else []
    checked(perfbench([*run, "--save-baseline", "ref"], checkout), (0, 1))
    base_samples = stored_samples(store, latest_run_id(store))
    rounds = []
    for phase, slowdown in (("A/A", 0.0), ("power", args.slowdown)):
        if phase not in args.phases:
            continue
        project.set_slowdown(checkout, slowdown)
        for index in range(runs_in(args, phase)):
            began = time.monotonic()
            checked(perfbench(run, checkout), (0, 1))
            run_seconds = time.monotonic() - began
            run_id = latest_run_id(store)
            began = time.monotonic()
            compared = checked(perfbench(["compare", "ref", str(run_id), "--store", str(store), "--json",
                                          *threshold], checkout), (0, 1))
            compare_seconds = time.monotonic() - began
            document = parsed(compared)
            rounds.append({"phase": phase, "index": index, "slowdown": slowdown, "run_id": run_id,
                           "run_seconds": run_seconds, "compare_seconds": compare_seconds,
                           "exit_code": compared.returncode, "perfbench": comparison_statuses(document),
                           "changes": comparison_changes(document),
                           "peers": peer_verdicts(base_samples, stored_samples(store, run_id)),
                           "load_average": os.getloadavg()[0]})
            keep_round(args, rounds[-1])
    return rounds


def injectable_patterns() -> list[str]:
    """``--benchmark`` globs naming exactly the injectable callables (``[`` and ``]`` are
    glob syntax, so each stands as ``?``)."""
    names = [f"{kind}[n={n}]" for kind, sizes in (("arith", project.ARITH_SIZES), ("dict_ops", project.DICT_SIZES))
             for n in sizes if n >= project.INJECTABLE_FROM]
    return [f"{project.LANE}/" + name.replace("[", "?").replace("]", "?") for name in names]


def ab_design(args: argparse.Namespace, workdir: Path) -> list[dict]:
    side_a = project.write_project(workdir / "a", 0.0)
    side_b = project.write_project(workdir / "b", 0.0)
    store = workdir / "results.db"
    threshold = ["--threshold", args.threshold] if args.threshold else []
    budget = ["--budget", args.budget] if args.budget else []
    rounds = []
    phases = [("A/A", 0.0, args.processes, []), ("power", args.slowdown, args.power_processes or args.processes,
                                                 [a for p in injectable_patterns() for a in ("--benchmark", p)]
                                                 if args.power_subset_only else [])]
    for phase, slowdown, processes, selection in phases:
        if phase not in args.phases:
            continue
        project.set_slowdown(side_b, slowdown)
        for index in range(runs_in(args, phase)):
            began = time.monotonic()
            compared = checked(perfbench(["ab", str(side_a), str(side_b), "--store", str(store), "--json",
                                          "--seed", str(1000 * (phase == "power") + index), *threshold, *budget,
                                          *selection, *(["--processes", str(processes)] if processes else [])],
                                         workdir), (0, 1))
            seconds = time.monotonic() - began
            document = parsed(compared)
            run_a, run_b = document["base"]["run_id"], document["current"]["run_id"]
            rounds.append({"phase": phase, "index": index, "slowdown": slowdown, "runs": [run_a, run_b],
                           "processes": processes, "run_seconds": seconds, "exit_code": compared.returncode,
                           "perfbench": comparison_statuses(document), "changes": comparison_changes(document),
                           "peers": peer_verdicts(stored_samples(store, run_a), stored_samples(store, run_b)),
                           "load_average": os.getloadavg()[0]})
            keep_round(args, rounds[-1])
    return rounds


# -- what the rounds show --------------------------------------------------------------------


def runs_in(args: argparse.Namespace, phase: str) -> int:
    """Suite runs in a phase: ``--runs``, or ``--power-runs`` for the power phase if given."""
    return args.power_runs if phase == "power" and args.power_runs else args.runs


def keep_round(args: argparse.Namespace, round_: dict) -> None:
    """Says how the round went, and appends it to ``--json``'s ``.rounds.jsonl`` as it ends, so
    that a long series stopped part way keeps what it measured."""
    print(f"{round_['phase']} {round_['index'] + 1}/{runs_in(args, round_['phase'])}: {summary_line(round_)}",
          file=sys.stderr, flush=True)
    if args.json:
        with args.json.with_suffix(".rounds.jsonl").open("a") as partial:
            partial.write(json.dumps(round_) + "\n")


def summary_line(round_: dict) -> str:
    counts = collections.Counter(round_["perfbench"].values())
    return (", ".join(f"{n} {status}" for status, n in counts.most_common())
            + f" ({round_['run_seconds']:.0f} s, load {round_['load_average']:.1f})")


def alarms(verdicts: dict[str, str]) -> list[str]:
    return sorted(key for key, status in verdicts.items() if status in ("slower", "faster"))


def summarize(rounds: list[dict]) -> dict:
    methods = ("perfbench", *peers.RULES)

    def verdicts_of(round_: dict, method: str) -> dict[str, str]:
        return round_["perfbench"] if method == "perfbench" else round_["peers"][method]

    aa = [r for r in rounds if r["phase"] == "A/A"]
    power = [r for r in rounds if r["phase"] == "power"]
    summary: dict = {"methods": {}}
    for method in methods:
        alarmed = [r for r in aa if alarms(verdicts_of(r, method))]
        detected = total = 0
        for r in power:
            for key, status in verdicts_of(r, method).items():
                if project.injectable(key.split("/", 1)[1]):
                    total += 1
                    detected += status == "slower"
        false_in_power = sum(1 for r in power for key, status in verdicts_of(r, method).items()
                             if not project.injectable(key.split("/", 1)[1]) and status in ("slower", "faster"))
        summary["methods"][method] = {
            "aa_suite_runs": len(aa), "aa_suite_runs_with_an_alarm": len(alarmed),
            "aa_alarms": sum(len(alarms(verdicts_of(r, method))) for r in aa),
            "aa_benchmarks_judged": sum(len(verdicts_of(r, method)) for r in aa),
            "power_cases": total, "power_detected": detected,
            "power_false_alarms_outside_subset": false_in_power,
        }
    statuses = collections.Counter(s for r in rounds for s in r["perfbench"].values())
    summary["perfbench_statuses"] = dict(statuses)
    summary["aa_unsure_per_run"] = [sum(s == "unsure" for s in r["perfbench"].values()) for r in aa]
    summary["aa_change_spread"] = change_spread(aa)
    summary["seconds"] = {"run_median": _median([r["run_seconds"] for r in rounds]),
                          "compare_median": _median([r["compare_seconds"] for r in rounds if "compare_seconds" in r])}
    return summary


def change_spread(aa: list[dict]) -> dict | None:
    """How much each benchmark's change moved over the A/A rounds (the standard deviation of
    log(1 + change), in per cent; each round is a new comparison of unchanged code): its
    median and quartiles over the benchmarks, and for the injectable ones. This is the noise
    any verdict on one comparison has to see through."""
    series: dict[str, list[float]] = {}
    for round_ in aa:
        for key, figures in round_.get("changes", {}).items():
            series.setdefault(key, []).append(math.log1p(figures[0]))
    spreads = {key: 100 * statistics.stdev(v) for key, v in series.items() if len(v) >= 3}
    if not spreads:
        return None
    ordered = sorted(spreads.values())
    injectable = sorted(v for k, v in spreads.items() if project.injectable(k.split("/", 1)[1]))
    return {"benchmarks": len(ordered), "median_percent": statistics.median(ordered),
            "quartiles_percent": [ordered[len(ordered) // 4], ordered[(3 * len(ordered)) // 4]],
            "injectable_percent": [injectable[0], injectable[-1]] if injectable else None}


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def markdown(args: argparse.Namespace, summary: dict, rounds: list[dict], command: str) -> str:
    lines = [f"# Regression verdicts: {args.design} design", "",
             f"`{command}` on {platform.node()} ({platform.processor() or platform.machine()}), "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, perfbench at `{_git_head()}`.", "",
             f"A/A: {sum(r['phase'] == 'A/A' for r in rounds)} suite runs of unchanged code. Power: "
             f"{sum(r['phase'] == 'power' for r in rounds)} suite runs with "
             f"{100 * args.slowdown:g} % more work in the injectable callables "
             f"({sum(project.injectable(k.split('/', 1)[1]) for k in rounds[-1]['perfbench'])} of "
             f"{len(rounds[-1]['perfbench'])} benchmarks). Threshold: "
             f"{args.threshold or 'the default, max(5 %, MDE)'}.", "",
             "| rule | A/A suite runs with any slower/faster | A/A alarms / benchmarks judged | "
             "power: injected read slower | power: others called slower/faster |",
             "|---|---|---|---|---|"]
    for method, figures in summary["methods"].items():
        share = (f"{figures['power_detected']}/{figures['power_cases']} "
                 f"({100 * figures['power_detected'] / max(figures['power_cases'], 1):.0f} %)")
        lines.append(f"| {method} | {figures['aa_suite_runs_with_an_alarm']}/{figures['aa_suite_runs']} | "
                     f"{figures['aa_alarms']}/{figures['aa_benchmarks_judged']} | {share} | "
                     f"{figures['power_false_alarms_outside_subset']} |")
    lines += ["", f"perfbench's verdicts over all rounds: {summary['perfbench_statuses']}; unsure per A/A run: "
              f"{summary['aa_unsure_per_run']}.",
              f"Median wall time per suite run: {summary['seconds']['run_median']:.1f} s"
              + (f"; per `compare` (a new process, store read included): "
                 f"{summary['seconds']['compare_median']:.2f} s" if summary["seconds"]["compare_median"] else "")
              + ".", ""]
    spread = summary.get("aa_change_spread")
    if spread:
        injectable = spread["injectable_percent"]
        lines += [f"Spread of each benchmark's change over the A/A rounds (sd of log(1 + change)): median "
                  f"{spread['median_percent']:.1f} %, quartiles {spread['quartiles_percent'][0]:.1f} % and "
                  f"{spread['quartiles_percent'][1]:.1f} % over {spread['benchmarks']} benchmarks"
                  + (f"; the injectable ones {injectable[0]:.1f} % to {injectable[1]:.1f} %" if injectable else "")
                  + ".", ""]
    alarmed = [(r["phase"], r["index"], alarms(r["perfbench"])) for r in rounds if r["phase"] == "A/A"
               and alarms(r["perfbench"])]
    if alarmed:
        lines += ["perfbench's A/A alarms:", ""] + [f"- run {i + 1}: {', '.join(keys)}" for _, i, keys in alarmed]
    return "\n".join(lines) + "\n"


def _git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--design", choices=("baseline", "ab"), required=True)
    parser.add_argument("--runs", type=int, default=20, help="suite runs in each phase (A/A, then power)")
    parser.add_argument("--power-runs", type=int, help="suite runs in the power phase (default: --runs)")
    parser.add_argument("--slowdown", type=float, default=0.20, help="injected in the power phase: 0.05 is 5 %%")
    parser.add_argument("--threshold", help="passed to compare/ab, e.g. 2%% (default: perfbench's)")
    parser.add_argument("--processes", type=int, help="worker processes per micro-benchmark: per run (baseline design), or "
                                                          "per side (ab: pairs)")
    parser.add_argument("--power-processes", type=int, help="ab: pairs in the power phase (default: --processes)")
    parser.add_argument("--power-subset-only", action="store_true",
                        help="ab: the power phase runs only the injectable callables (a smaller suite)")
    parser.add_argument("--budget", help="sampling budget per micro-benchmark iteration (baseline design: "
                                                 "passed to run; ab: per process), e.g. 0.01s")
    parser.add_argument("--phases", nargs="+", choices=("A/A", "power"), default=["A/A", "power"])
    parser.add_argument("--from-rounds", type=Path, help="summarize the rounds a series kept (its .rounds.jsonl) "
                                                         "instead of running one")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    command = "python benchmarks/regression_evidence.py " + " ".join(sys.argv[1:])
    if args.from_rounds:
        rounds = [json.loads(line) for line in args.from_rounds.read_text().splitlines() if line.strip()]
        command += f"  (summarized from the {len(rounds)} rounds it kept)"
    else:
        with tempfile.TemporaryDirectory(prefix="perfbench-regression-") as workdir:
            design = baseline_design if args.design == "baseline" else ab_design
            rounds = design(args, Path(workdir))
    summary = summarize(rounds)
    text = markdown(args, summary, rounds, command)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"command": command, "summary": summary, "rounds": rounds}, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
