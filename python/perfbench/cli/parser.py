"""The command line: argparse, with usage errors as one line and exit code 2."""

from __future__ import annotations

import argparse
from typing import NoReturn

from perfbench import __version__
from perfbench.errors import UsageError

# What `run --baseline --until-sure` may spend on rerunning unsure benchmarks when no budget is given.
DEFAULT_SETTLE_BUDGET = "2m"


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse prints the whole usage block and exits; perfbench raises a one-line error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def build_parser() -> OneLineArgumentParser:
    parser = OneLineArgumentParser(
        prog="python -m perfbench",
        description="Precise performance benchmarks: a C++ measurement core with a Python analysis front end.",
        epilog="exit codes: 0 ok, 1 a check failed, 2 bad input, 3 a benchmark failed to run, "
               "130 / 143 / 129 interrupted by Ctrl-C / SIGTERM / SIGHUP",
    )
    parser.add_argument("--version", action="version", version=f"perfbench {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    commands.required = True

    def comparison_arguments(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--threshold", metavar="PERCENT",
                         help="the change of a median that counts as slower / faster, e.g. 5%% (wins over the "
                              "config's regression_threshold; default: the larger of 5%% and what each benchmark's "
                              "noise can resolve)")
        sub.add_argument("--allow-mixed-hosts", action="store_true",
                         help="compare runs measured on different hosts (refused by default)")

    run = commands.add_parser("run", help="run the benchmarks and write results and reports",
                              description="Run the benchmarks, store every result as it finishes, "
                                          "and write CSV and HTML reports.")
    run.add_argument("--config", metavar="PATH",
                     help="perfbench.toml or pyproject.toml to use (default: found from the working directory)")
    run.add_argument("--quick", action="store_true", help="scaled-down budgets: the default suite in <= 30 s")
    run.add_argument("--budget", metavar="DURATION",
                     help="time budget per micro-benchmark, e.g. 0.5s (default 0.5s, 0.1s with --quick)")
    run.add_argument("--lane", action="append", metavar="NAME",
                     help="run only this lane (repeatable); built-in lanes by name or as builtin:NAME")
    run.add_argument("--benchmark", action="append", metavar="PATTERN",
                     help="run only benchmarks whose NAME or LANE/NAME matches this glob (repeatable)")
    run.add_argument("--iterations", type=int, metavar="N", help="counted iterations per benchmark")
    run.add_argument("--processes", type=int, metavar="N",
                     help="spread each micro-benchmark's counted iterations over N fresh worker processes "
                          "(raises --iterations to N where fewer)")
    run.add_argument("--timeout", metavar="DURATION", help="timeout per iteration, e.g. 10m")
    run.add_argument("--builtin", action="store_true",
                     help="run the built-in suite even where the project has benchmarks of its own")
    run.add_argument("--store", metavar="PATH", help="result store: a SQLite file or sqlite:///PATH "
                                                      "(default .perfbench/results.db)")
    run.add_argument("--output-dir", metavar="DIR", help="where reports go (default reports/)")
    run.add_argument("--report", metavar="FORMATS",
                     help="more report formats besides html and csv, comma-separated: md, json, junit, openmetrics "
                          "(with --baseline they carry the comparison)")
    run.add_argument("--fail-on-unsure", action="store_true",
                     help="an UNSURE verdict (its interval straddles a limit) fails the run as its worse outcome "
                          "would (config: fail_on_unsure = true)")
    run.add_argument("--save-baseline", metavar="NAME",
                     help="save the run as baseline NAME if it completes (moves NAME there if it exists; who: "
                          "$PERFBENCH_USER or the OS user)")
    run.add_argument("--baseline", metavar="NAME",
                     help="at the end, compare the run with this baseline (a baseline name, a run id or 'latest') "
                          "and fail on a regression")
    comparison_arguments(run)
    run.add_argument("--until-sure", nargs="?", const=DEFAULT_SETTLE_BUDGET, metavar="BUDGET",
                     help="with --baseline: rerun the benchmarks that read unsure in more worker processes until "
                          f"each is settled or BUDGET is spent: a duration or a number of processes "
                          f"(default {DEFAULT_SETTLE_BUDGET})")

    listing = commands.add_parser("list", help="show the lanes, benchmarks and SLAs that `run` would run",
                                  description="Show lanes, benchmarks, what each measures and its SLAs.")
    listing.add_argument("--quick", action="store_true", help="show the --quick variant of the suite")
    listing.add_argument("--config", metavar="PATH", help="perfbench.toml or pyproject.toml to use")

    def store_arguments(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--store", metavar="PATH", help="result store: a SQLite file or sqlite:///PATH "
                                                         "(default .perfbench/results.db)")
        sub.add_argument("--config", metavar="PATH", help="perfbench.toml or pyproject.toml to use")

    def stored_run_arguments(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--run", metavar="ID", help="a run id or 'latest' (default)")
        sub.add_argument("--lane", action="append", metavar="NAME", help="only this lane (repeatable)")
        store_arguments(sub)

    validate = commands.add_parser("validate-sla", help="check a stored run against the SLAs; exit 1 on violation",
                                   description="Print the SLO compliance matrix of a stored run. Exit 1 if an "
                                               "error or critical violation is found (warnings, insufficient samples "
                                               "and measurement errors too with --fail-on warning).")
    stored_run_arguments(validate)
    validate.add_argument("--fail-on", choices=("warning", "error", "critical"), default="error",
                          help="lowest severity that fails the check (default: error)")
    validate.add_argument("--fail-on-unsure", action="store_true",
                          help="an UNSURE verdict fails the check as its worse outcome would")
    analyze = commands.add_parser("analyze", help="statistics, lane comparison and resources of a stored run",
                                  description="Per-benchmark statistics, lane-to-lane comparison and the "
                                              "resource sampler's aggregates for a stored run.")
    stored_run_arguments(analyze)
    optimize = commands.add_parser("optimize", help="recommendations with the evidence behind each",
                                   description="Rule-based recommendations for a stored run: evidence, priority "
                                               "1-5, effort, steps and estimated improvement.")
    stored_run_arguments(optimize)

    gc = commands.add_parser("gc", help="delete old runs (never a baseline's) and give the space back",
                             description="Delete every run but the newest N and those a baseline points at, "
                                         "with their results, then compact the store.")
    gc.add_argument("--keep", type=int, required=True, metavar="N", help="how many of the newest runs to keep")
    gc.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    store_arguments(gc)

    baseline = commands.add_parser("baseline", help="list, show, delete or accept the saved baselines",
                                   description="Baselines are named runs later runs are compared with; accepting "
                                               "moves one to a newer run and records who, when and why.")
    actions = baseline.add_subparsers(dest="action", metavar="ACTION", parser_class=OneLineArgumentParser)
    actions.required = True
    store_arguments(actions.add_parser("list", help="every baseline, its run and its last acceptance"))
    for action, text in (("show", "a baseline's run, its commit, host and date, and its acceptance history"),
                         ("delete", "delete a baseline (its run stays until gc)")):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("name", metavar="NAME")
        store_arguments(sub)
    accept = actions.add_parser("accept", help="move a baseline to another run, recording who, when and why")
    accept.add_argument("name", metavar="NAME")
    accept.add_argument("--run", metavar="ID", help="a run id or 'latest' (default)")
    accept.add_argument("--reason", required=True, metavar="TEXT", help="why the new figures are the expected ones")
    store_arguments(accept)

    compare = commands.add_parser(
        "compare", help="compare two stored runs benchmark by benchmark; exit 1 on a regression",
        description="Compare CURRENT with BASE benchmark by benchmark: slower / faster (the whole 95 % interval of "
                    "the median's change beyond the threshold, at a 1 % error over the whole suite), same (within "
                    "it), unsure (what would settle it). Exit 1 if a benchmark is slower at error severity.")
    compare.add_argument("base", nargs="?", metavar="BASE",
                         help="a baseline name, a run id or 'latest' (default: the run before CURRENT)")
    compare.add_argument("current", nargs="?", metavar="CURRENT",
                         help="a baseline name, a run id or 'latest' (default: latest)")
    compare.add_argument("--store", metavar="PATH", help="result store: a SQLite file or sqlite:///PATH "
                                                         "(default .perfbench/results.db)")
    compare.add_argument("--config", metavar="PATH", help="perfbench.toml or pyproject.toml to use (thresholds)")
    compare.add_argument("--json", action="store_true", help="the comparison as JSON")
    comparison_arguments(compare)

    ab = commands.add_parser(
        "ab", help="A against B: two versions of the same benchmarks, processes interleaved A B B A",
        description="Compare two versions of the same benchmarks in one job, in pairs: Python callables run "
                    "by one interpreter pair inside each worker process (both versions imported, each from its "
                    "own checkout, and timed in alternating rounds); others run their worker processes in "
                    "interleaved pairs (A B B A / B A A B, seeded). B is judged against A from the paired "
                    "differences: slower / faster / same / unsure against the threshold, Holm at 1 % over the "
                    "benchmarks. A and B are each a checkout directory (its benchmarks/ and config), a venv or "
                    "Python interpreter (the current directory's benchmarks, run by it), or a directory with "
                    "--a-python/--b-python. Exit 1 if any benchmark is slower beyond its threshold.")
    ab.add_argument("a", nargs="?", metavar="A", help="the base: a checkout directory, a venv or a Python interpreter")
    ab.add_argument("b", nargs="?", metavar="B", help="the version judged against A, named the same way")
    ab.add_argument("--a-python", metavar="PY", help="the interpreter that runs A's benchmarks (A a directory)")
    ab.add_argument("--b-python", metavar="PY", help="the interpreter that runs B's benchmarks (B a directory)")
    ab.add_argument("--a-command", metavar="CMD", help="compare two commands: A's (A, if given, is its directory)")
    ab.add_argument("--b-command", metavar="CMD", help="B's command (with --a-command)")
    ab.add_argument("--lane", action="append", metavar="NAME", help="only this lane (repeatable)")
    ab.add_argument("--benchmark", action="append", metavar="PATTERN",
                    help="only benchmarks whose NAME or LANE/NAME matches this glob (repeatable)")
    # 6 pairs: t(0.975, 5) = 2.57; 3 pairs leave t(0.975, 2) = 4.30, every interval 1.7x as wide
    ab.add_argument("--processes", type=int, default=6, metavar="N",
                    help="worker processes per side and benchmark, i.e. pairs (default 6)")
    ab.add_argument("--threshold", metavar="PERCENT",
                    help="the change that matters, e.g. 5%% (default: the larger of 5%% and what the noise resolves)")
    ab.add_argument("--seed", type=int, metavar="S", help="seed of the interleaved order (default: drawn and printed)")
    ab.add_argument("--pairing", choices=("auto", "processes"), default="auto",
                    help="auto (default): both versions in each worker process where they can share one, "
                         "else pairs of processes; processes: always pairs of processes (e.g. for code whose "
                         "import has side effects on the whole process)")
    ab.add_argument("--budget", metavar="DURATION", help="sampling budget per process, e.g. 0.2s")
    ab.add_argument("--timeout", metavar="DURATION", help="timeout per iteration, e.g. 10m")
    ab.add_argument("--store", metavar="PATH", help="result store: a SQLite file or sqlite:///PATH "
                                                    "(default .perfbench/results.db); both sides are stored as runs")
    ab.add_argument("--json", action="store_true", help="the comparison, pairs and orders as JSON on stdout")

    report = commands.add_parser("report", help="write the reports of a stored run (html, csv, md, json, junit, "
                                                "openmetrics)",
                                 description="Write the reports of a stored run, the latest by default, as `run` "
                                             "writes them at the end of a run: the same files, from the store; "
                                             "with --baseline or --compare, with the run compared.")
    report.add_argument("--format", default="html,csv", metavar="FORMATS",
                        help="comma-separated: html, csv, md, json, junit, openmetrics (default html,csv)")
    report.add_argument("--output-dir", default="reports", metavar="DIR", help="where they go (default reports/)")
    against = report.add_mutually_exclusive_group()
    against.add_argument("--baseline", metavar="NAME", help="compare the run with this saved baseline")
    against.add_argument("--compare", metavar="RUN", help="compare the run with this run (an id or 'latest')")
    comparison_arguments(report)
    report.add_argument("--push", metavar="URL",
                        help="also push the OpenMetrics gauges to this Prometheus Pushgateway (job perfbench, "
                             "grouped by host)")
    report.add_argument("--push-timeout", default="10s", metavar="DURATION",
                        help="give up on the Pushgateway after this long (default 10s)")
    stored_run_arguments(report)
    export = commands.add_parser("export", help="write one stored run as versioned JSON",
                                 description="Write one stored run (metadata, results with their statistics and "
                                             "intervals, SLA verdicts, raw samples per iteration and process) in "
                                             "perfbench's JSON format (README: 'JSON export format').")
    export.add_argument("--run", metavar="ID", help="a run id or 'latest' (default)")
    export.add_argument("--format", choices=("json",), default="json", help="the format (json, the default)")
    export.add_argument("--output", metavar="FILE", help="where to write it (default: stdout; FILE.gz: compressed)")
    store_arguments(export)
    importing = commands.add_parser("import", help="store runs from perfbench, Google Benchmark, pyperf or "
                                                   "pytest-benchmark JSON files",
                                    description="Read each FILE (a perfbench export, Google Benchmark "
                                                "--benchmark_out_format=json, pyperf -o FILE[.gz], pytest-benchmark "
                                                "--benchmark-json) and store it as a run. All or nothing: a file "
                                                "that cannot be read stores none of them (exit 2).")
    importing.add_argument("files", nargs="+", metavar="FILE", help="the files, one run each")
    importing.add_argument("--lane", metavar="LANE",
                           help="the lane other tools' results go to (default: the tool's name)")
    store_arguments(importing)

    def history_arguments(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("benchmarks", nargs="*", metavar="BENCHMARK",
                         help="LANE/NAME or NAME, or a glob on either (default: every stored benchmark)")
        sub.add_argument("--host", metavar="HOST_ID",
                         help="only runs from this host id (or a unique prefix), 'current' or 'all' "
                              "(default: this machine where the store has runs from it, else all)")
        sub.add_argument("--last", type=int, metavar="N", help="only the last N runs on the host")
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        store_arguments(sub)

    history = commands.add_parser("history", help="each benchmark's median over the stored runs",
                                  description="Each benchmark's series over the stored runs: run, date, commit, "
                                              "median with its 95 % interval, and the processes behind it.")
    history_arguments(history)
    trend = commands.add_parser("trend", help="step changes in each benchmark's history (informational)",
                                description="Step changes in each benchmark's history (E-divisive means with a "
                                            "permutation test; a single spike is never a step): the runs and "
                                            "commits between which each happened, its size with a 95 % interval, "
                                            "and its p-value. Exit 0 whatever is found, 2 on bad input.")
    history_arguments(trend)
    trend.add_argument("--min-segment", type=int, metavar="N",
                       help="fewest runs at a level for it to count as one (default 3)")

    load = commands.add_parser(
        "load", help="a load test of an HTTP URL at a target rate, with corrected and uncorrected latencies",
        description="Send HTTP/1.1 requests to URL at a target rate (open loop) or as fast as answered (--closed) "
                    "for a bounded time, show progress each second, then the percentile spectrum from the intended "
                    "send times (corrected) and from the actual ones (uncorrected). Exit 1 when an --sla rule broke.")
    load.add_argument("url", metavar="URL", help="http://HOST:PORT/PATH")
    load.add_argument("--rate", metavar="RATE", help="requests per second over all connections, e.g. 20000 or 20k/s")
    load.add_argument("--duration", metavar="DURATION", help="how long to send, e.g. 30s (or give --requests)")
    load.add_argument("--requests", type=int, metavar="N", help="how many requests to send")
    load.add_argument("--stages", metavar="RATE:DURATION,...", help="ramping stages, e.g. 1000:10s,5000:30s")
    load.add_argument("--burst", metavar="BASELINE:RATE:BEFORE:DURING:AFTER",
                      help="baseline -> burst -> baseline, e.g. 1000:50000:5s:2s:10s (reports the recovery time)")
    load.add_argument("--closed", action="store_true", help="closed loop: each connection sends when answered")
    load.add_argument("--poisson", action="store_true", help="Poisson arrivals instead of evenly spaced ones")
    load.add_argument("--connections", type=int, default=16, metavar="N", help="connections (default 16)")
    load.add_argument("--threads", type=int, default=1, metavar="N", help="engine threads (default 1)")
    load.add_argument("--method", default="GET", help="HTTP method (default GET)")
    load.add_argument("--body-size", metavar="SIZE", help="a request body of this size, e.g. 1KB")
    load.add_argument("--header", action="append", metavar="'NAME: VALUE'", help="an extra header (repeatable)")
    load.add_argument("--new-connection", action="store_true", help="a new connection per request (no keep-alive)")
    load.add_argument("--timeout", default="2s", metavar="DURATION", help="per-request timeout (default 2s)")
    load.add_argument("--lag-bound", default="1ms", metavar="DURATION",
                      help="send lag p99 above which the run is invalid: generator-bound (default 1ms)")
    load.add_argument("--sla", action="append", metavar="RULE",
                      help="checked every second, e.g. 'p99 < 50ms', 'error_rate < 1%%', 'rate >= 95%% of target'")
    load.add_argument("--realtime", action="store_true",
                      help="run the engine threads under SCHED_FIFO where permitted (wake-ups on time on a busy machine)")
    load.add_argument("--abort-on-fail", action="store_true", help="stop the run when an --sla rule breaks")
    load.add_argument("--send-slack", metavar="DURATION", help="open loop: sends due within this of each other go "
                                                               "out in one wake-up (default 90us; 0: one per send)")
    load.add_argument("--json", action="store_true", help="print the whole result as JSON on stdout")
    load.add_argument("--save", metavar="NAME", help="store the result as benchmark LANE/NAME of a run of its own, "
                                                   "for history, baselines, compare and reports")
    load.add_argument("--lane", default="heavy", metavar="LANE", help="the lane --save stores it in (default heavy)")
    load.add_argument("--store", metavar="PATH", help="result store for --save: a SQLite file or sqlite:///PATH "
                                                     "(default: the config's, else .perfbench/results.db)")
    load.add_argument("--config", metavar="PATH", help="perfbench.toml or pyproject.toml to use (its store)")

    calibrate = commands.add_parser("calibrate", help="show the clock perfbench uses and what it costs",
                                    description="Calibrate and describe the clock: source, ticks per ns, "
                                                "resolution, read costs, TSC invariance.")
    calibrate.add_argument("--json", action="store_true", help="machine-readable output")
    return parser
