"""How far apart do two measurements of the same code land, by how they are paired?

The figure behind ``perfbench ab``'s pairing inside one process (execution/interleave.py):
for a few Python callables, the standard deviation over fresh processes of

* one version's median in a process (what a new process draws: layout, pages, hash seed,
  the machine's seconds), with the hash seed random, fixed (``PYTHONHASHSEED=0``), and with
  address-space randomisation off (``setarch -R``);
* the log ratio of two versions' medians measured in two processes one after the other
  (A then B: ``ab --pairing processes``);
* the log ratio of two versions' medians measured in one process, in alternating rounds
  (``ab``'s default).

The two versions are the same source compiled twice (two code objects, as two checkouts
give), the second doing 5 % more work, so the ratio's mean should read +5 %.

    python benchmarks/pairing_noise.py [--processes 24] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = r'''
import math, random, statistics, sys, time
SOURCE = """
def arith(n):
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) & 0xFFFF
    return acc

def dict_ops(n):
    d = {}
    for i in range(n):
        d[str(i)] = i
    s = 0
    for k in d:
        s += d[k]
    return s

def list_sort(n):
    return sorted([(i * 7919) % 1000 for i in range(n)])
"""
a, b = {}, {}
exec(compile(SOURCE, "a/bench.py", "exec"), a)
exec(compile(SOURCE, "b/bench.py", "exec"), b)
mode = sys.argv[1]  # "A" or "B" (that version alone in this process) or "both" (alternating rounds)
cases = (("arith", 1000), ("dict_ops", 1000), ("list_sort", 3000))
rng = random.Random()
out = []
for name, n in cases:
    times = {"A": [], "B": []}
    versions = {"A": ("A", a[name], n), "B": ("B", b[name], round(n * 1.05))}
    sides = list(versions.values()) if mode == "both" else [versions[mode]]
    for round_ in range(150):
        rng.shuffle(sides)
        for side, fn, work in sides:
            began = time.perf_counter_ns()
            for _ in range(5):
                fn(work)
            times[side].append((time.perf_counter_ns() - began) / 5)
    medians = {side: statistics.median(v[10:]) for side, v in times.items() if v}
    out.append(math.log(medians["B"] / medians["A"]) if mode == "both" else math.log(medians[mode]))
print(*out)
'''
CASES = ("arith[n=1000]", "dict_ops[n=1000]", "list_sort[n=3000]")


def probe(mode: str, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()) -> list[float]:
    completed = subprocess.run([*prefix, sys.executable, "-c", PROBE, mode], capture_output=True, text=True,
                               env={**os.environ, **(env or {})}, check=True)
    return [float(x) for x in completed.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=24)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    designs: dict[str, list[list[float]]] = {"one version, hash seed random": [],
                                             "one version, PYTHONHASHSEED=0": [],
                                             "A then B in two processes (ratio)": [],
                                             "A and B in one process (ratio)": []}
    if shutil.which("setarch"):
        designs["one version, ASLR off (setarch -R)"] = []
    for _ in range(args.processes):  # the designs interleaved, so that the machine's drift falls on all
        designs["one version, hash seed random"].append(probe("A"))
        designs["one version, PYTHONHASHSEED=0"].append(probe("A", {"PYTHONHASHSEED": "0"}))
        if "one version, ASLR off (setarch -R)" in designs:
            designs["one version, ASLR off (setarch -R)"].append(probe("A", prefix=("setarch", "-R")))
        first, second = probe("A"), probe("B")  # A's process, then B's
        designs["A then B in two processes (ratio)"].append([s - f for f, s in zip(first, second)])
        designs["A and B in one process (ratio)"].append(probe("both"))
    table = {}
    print(f"sd over {args.processes} processes of log(median) or log(B/A); B does 5 % more work\n")
    print(f"| design | {' | '.join(CASES)} |")
    print(f"|---|{'---|' * len(CASES)}")
    for design, rows in designs.items():
        columns = list(zip(*rows))
        sds = [100 * statistics.stdev(c) for c in columns]
        means = [100 * math.expm1(statistics.mean(c)) for c in columns] if "ratio" in design else None
        table[design] = {"sd_percent": dict(zip(CASES, sds)),
                         "mean_change_percent": dict(zip(CASES, means)) if means else None}
        cells = [f"{sd:.2f} %" + (f" (mean {m:+.1f} %)" if means else "") for sd, m in zip(sds, means or sds)]
        print(f"| {design} | {' | '.join(cells)} |")
    if args.json:
        args.json.write_text(json.dumps({"command": "python benchmarks/pairing_noise.py " + " ".join(sys.argv[1:]),
                                         "processes": args.processes, "load_average": os.getloadavg(),
                                         "designs": table}, indent=2) + "\n")


if __name__ == "__main__":
    main()
