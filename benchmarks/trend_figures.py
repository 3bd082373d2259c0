"""How often `trend` sees a step that is not there, and how often it finds one that is.

Simulated histories of per-run medians (nothing is timed: the figures are about the method,
so they hold on any machine): 5 % lognormal noise between runs, and in each run a 4 %
chance of a single run 30 % slower (a noisy neighbour). Four sets, each of ``--series``
histories with a fixed seed:

* flat, 50 runs: the share with any step (the false-step rate; goal: small), and the
  same over ten times as many histories for a finer estimate;
* a 10 % step at run 25 of 50, and at run 40 of 50 (ten runs after it): the share with
  exactly one step, placed exactly / within one / within two runs, and how often the
  step's 95 % interval holds the true 10 %;
* the same placement by a least-squares split (what a t-test based method locates), on
  the same histories, as the reference for how exactly a 2-sigma step can be placed.

Then the cost of ``find_steps`` per history of 50, 200 and 500 runs, flat and with a step
(wall time on this machine: these are the only timed figures).

    python benchmarks/trend_figures.py --json reports/trend_figures.json --markdown reports/trend_figures.md
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from perfbench.analysis.change_points import DEFAULT_MAX_P_VALUE, DEFAULT_MIN_SEGMENT, find_steps

NOISE = 0.05
SPIKE_SHARE = 0.04
SPIKE = 1.3
STEP = 1.10


def history(rng: np.random.Generator, runs: int, step_at: int | None) -> np.ndarray:
    values = 1000.0 * np.exp(rng.normal(0.0, NOISE, runs))
    values[rng.random(runs) < SPIKE_SHARE] *= SPIKE
    if step_at is not None:
        values[step_at:] *= STEP
    return values


def least_squares_split(values: np.ndarray, min_segment: int) -> int:
    logs = np.log(values)
    return min(range(min_segment, logs.size - min_segment + 1),
               key=lambda t: float(((logs[:t] - logs[:t].mean()) ** 2).sum() + ((logs[t:] - logs[t:].mean()) ** 2).sum()))


def flat_rate(series: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    with_step = sum(bool(find_steps(history(rng, 50, None))) for _ in range(series))
    return {"series": series, "runs": 50, "with_any_step": with_step, "share": with_step / series}


def detection(series: int, seed: int, runs: int, step_at: int) -> dict:
    rng = np.random.default_rng(seed)
    one = exact = within1 = within2 = covered = ls_exact = ls_within1 = 0
    none = several = 0
    for _ in range(series):
        values = history(rng, runs, step_at)
        steps = find_steps(values)
        split = least_squares_split(values, DEFAULT_MIN_SEGMENT)
        ls_exact += split == step_at
        ls_within1 += abs(split - step_at) <= 1
        none += not steps
        several += len(steps) > 1
        if len(steps) != 1:
            continue
        (step,) = steps
        one += 1
        off = abs(step.index - step_at)
        exact += off == 0
        within1 += off <= 1
        within2 += off <= 2
        covered += step.change_low is not None and step.change_low <= STEP - 1 <= step.change_high  # type: ignore[operator]
    return {"series": series, "runs": runs, "step_at": step_at, "step": STEP - 1, "exactly_one_step": one,
            "no_step": none, "several_steps": several, "placed_exactly": exact, "placed_within_1": within1,
            "placed_within_2": within2, "interval_holds_true_change": covered,
            "least_squares_placed_exactly": ls_exact, "least_squares_placed_within_1": ls_within1}


def cost(seed: int, repeats: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for runs in (50, 200, 500):
        for step_at in (None, runs // 2):
            histories = [history(rng, runs, step_at) for _ in range(repeats)]
            began = time.perf_counter()
            for values in histories:
                find_steps(values)
            rows.append({"runs": runs, "step": step_at is not None,
                         "ms_per_history": 1000 * (time.perf_counter() - began) / repeats})
    return rows


def markdown(figures: dict) -> str:
    flat = figures["flat"]
    lines = [
        "## trend_figures", "",
        f"`{figures['command']}`, {figures['wall_s']:.0f} s wall, {figures['when']} UTC, "
        f"Python {figures['python']}; E-divisive means at p <= {figures['max_p_value']}, "
        f"minimum segment {figures['min_segment']} runs.", "",
        f"Histories: {int(100 * NOISE)} % lognormal noise between runs, a {int(100 * SPIKE_SHARE)} % chance per "
        f"run of one run {int(round(100 * (SPIKE - 1)))} % slower.", "",
        f"**False steps**: {flat['with_any_step']} of {flat['series']} flat histories of {flat['runs']} runs "
        f"show any step ({100 * flat['share']:.1f} %); {figures['flat_more']['with_any_step']} of "
        f"{figures['flat_more']['series']} more ({100 * figures['flat_more']['share']:.2f} %).", "",
        "| step | histories | exactly one step | none | several | placed exactly | within 1 run | within 2 runs "
        "| 95 % interval holds +10 % | least-squares split exactly | within 1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for d in figures["detection"]:
        lines.append(f"| +10 % at run {d['step_at']} of {d['runs']} | {d['series']} | {d['exactly_one_step']} | "
                     f"{d['no_step']} | {d['several_steps']} | {d['placed_exactly']} | {d['placed_within_1']} | "
                     f"{d['placed_within_2']} | {d['interval_holds_true_change']} of {d['exactly_one_step']} | "
                     f"{d['least_squares_placed_exactly']} | {d['least_squares_placed_within_1']} |")
    lines += ["", "- A +10 % step is two standard deviations of this noise: the runs beside it fall on the wrong side "
              "by chance, so no method places it exactly in much more than half of the histories (least squares, "
              "what a t-test based method places, is the best placement for Gaussian noise without spikes).", "",
              "**Cost** of find_steps per history (wall time, this machine):", "",
              "| runs | with a step | ms per history |", "|---:|---|---:|"]
    lines += [f"| {c['runs']} | {'yes' if c['step'] else 'no'} | {c['ms_per_history']:.1f} |" for c in figures["cost"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=200, help="histories per set (default 200)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--markdown", type=Path, help="write a Markdown summary here")
    args = parser.parse_args()
    began = time.monotonic()
    figures = {
        "flat": flat_rate(args.series, args.seed),
        "flat_more": flat_rate(10 * args.series, args.seed + 10),
        "detection": [detection(args.series, args.seed + 1, 50, 25), detection(args.series, args.seed + 2, 50, 40)],
        "cost": cost(args.seed + 3, repeats=5),
    }
    figures.update(wall_s=time.monotonic() - began, when=time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                   python=platform.python_version(), max_p_value=DEFAULT_MAX_P_VALUE, min_segment=DEFAULT_MIN_SEGMENT,
                   command="python benchmarks/trend_figures.py" + (f" --series {args.series}" if args.series != 200
                                                                  else "")
                   + " --json reports/trend_figures.json --markdown reports/trend_figures.md")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown(figures))
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
