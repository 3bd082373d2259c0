from __future__ import annotations

import argparse
import json

from rich.table import Table

from perfbench.cli.console import stdout_console
from perfbench.measuring.timing import clock_info


def cmd_calibrate(args: argparse.Namespace) -> int:
    info = clock_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    console = stdout_console()
    console.print(f"clock source      {info['source']}  ({info['selection_reason']})")
    if info["source"] == "steady_clock":
        origin = "nanoseconds already"
    elif info["calibration_inherited"]:
        origin = "inherited from PERFBENCH_CLOCK_CALIBRATION, not calibrated here"
    else:
        origin = f"calibrated against CLOCK_MONOTONIC_RAW over {info['calibration_seconds'] * 1e3:.0f} ms"
    console.print(f"ticks per ns      {info['ticks_per_ns']:.6f}  ({origin})")
    console.print(f"resolution        {info['resolution_ns']:.2f} ns  (smallest step between two reads)")
    invariant = "yes" if info["tsc_invariant"] else "no"
    evidence = f" ({info['tsc_invariant_evidence']})" if info["tsc_invariant_evidence"] else ""
    console.print(f"TSC present       {'yes' if info['tsc_present'] else 'no'}; invariant: {invariant}{evidence}")
    table = Table(title="cost of one read (median of 15 batches of 20,000 back-to-back reads)")
    table.add_column("clock")
    table.add_column("ns per read", justify="right")
    for cost in info["read_costs"]:
        table.add_row(cost["clock"], f"{cost['ns_per_read']:.2f}")
    console.print(table)
    return 0
