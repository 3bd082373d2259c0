"""A plain pyperf script: one `bench_func` over a workload from _pyworkloads.py.

Run the way pyperf users run their scripts (a master process spawning worker processes,
20 x (1 warm-up + 3 values) by default), e.g.

    python benchmarks/_pyperf_bench.py --workload py_noop -o /tmp/noop.json

pyperf reports per-call time as (time of `loops` calls in a Python for-loop) / loops; the
loop's own cost is not subtracted, and arguments are bound with functools.partial.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyperf  # noqa: E402

from _pyworkloads import make  # noqa: E402


def add_cmdline_args(cmd, args):
    # pyperf re-runs this script for each worker; the workload name must go along.
    cmd.extend(("--workload", args.workload))


if __name__ == "__main__":
    runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
    runner.argparser.add_argument("--workload", required=True)
    args = runner.parse_args()
    fn, fn_args = make(args.workload)
    runner.bench_func(args.workload, fn, *fn_args)
