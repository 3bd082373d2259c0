"""`analyze`: statistics per benchmark, a lane-to-lane comparison, and resource figures."""

from __future__ import annotations

import argparse

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from perfbench.cli.console import stdout_console
from perfbench.cli.measurement_errors import figure_cell, print_measurement_errors
from perfbench.cli.project_config import config_from, store_path
from perfbench.cli.stored_run import open_existing_store, resolve_run, results_in_lanes
from perfbench.model import BenchmarkResult, Metric
from perfbench.sla import format_interval, format_value
from perfbench.units import format_duration_ns

# Disk bytes are the benchmark's process tree's; network bytes are the whole machine's
# (no per-process counters exist), and their labels say so.
RESOURCE_COLUMNS = (("cpu_avg", "CPU avg"), ("cpu_max", "CPU max"), ("cpu_core_avg", "cores avg"),
                    ("max_rss", "peak RSS"), ("disk_read_bytes", "disk read"), ("disk_write_bytes", "disk write"),
                    ("machine_net_sent_bytes", "machine net sent"), ("machine_net_recv_bytes", "machine net recv"),
                    ("ctx_switches", "ctx sw"), ("threads_max", "threads"), ("sampler_cpu", "sampler CPU"))

# A sweep's growth, work per call over time, what a call allocates, hardware counts per call.
FIGURE_COLUMNS = (("exponent", "growth exponent"), ("r_squared", "r²"), ("items_per_s", "items/s"),
                  ("bytes_per_s", "bytes/s"), ("alloc_bytes_per_op", "allocated / call"),
                  ("alloc_blocks_per_op", "blocks / call"), ("instructions_per_op", "instructions / call"),
                  ("cycles_per_op", "cycles / call"), ("instructions_per_cycle", "IPC"))


def _shown(metric: Metric) -> str:
    value = format_value(metric.value, metric.unit)
    if not metric.has_interval:
        return value
    return f"{value} [{format_value(metric.ci_low, metric.unit)} – {format_value(metric.ci_high, metric.unit)}]"


def _print_metric_table(console: Console, results: list[BenchmarkResult], title: str,
                        columns: tuple[tuple[str, str], ...], label: str | None = None) -> None:
    """One row per benchmark that has any of the metrics, one column per metric present."""
    present = [(name, heading) for name, heading in columns if any(r.metric(name) for r in results)]
    if not present:
        return
    label = label if label and any(r.labels.get(label) for r in results) else None
    table = Table(title=title)
    table.add_column("benchmark")
    if label:
        table.add_column(label)
    for _, heading in present:
        table.add_column(heading, justify="right")
    for r in results:
        if any(r.metric(name) for name, _ in present):
            cells = [figure_cell(r, name, _shown(m)) if (m := r.metric(name)) else "-" for name, _ in present]
            table.add_row(r.key, *([r.labels.get(label, "-")] if label else []), *cells)
    console.print(table)


def _frame(results: list[BenchmarkResult]) -> pd.DataFrame:
    rows = []
    for r in results:
        m = r.measurement
        row = {"lane": r.lane, "benchmark": r.benchmark, "status": "ok" if r.ok else r.failure.kind,  # type: ignore[union-attr]
               "iterations": len(r.counted_iterations)}
        if m is not None:
            s = m.stats
            row.update(n=s.n, mean=s.mean, median=s.median, stdev=s.stdev, p95=s.p95, p99=s.p99, cv=s.cv,
                       ci_low=s.ci_low, ci_high=s.ci_high)
        for metric in r.metrics:
            row[metric.name] = metric.value
        rows.append(row)
    return pd.DataFrame(rows)


def cmd_analyze(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_existing_store(store_path(args, config)) as store:
        run = resolve_run(store, args.run)
        results = results_in_lanes(store, run, args.lane)
    console = stdout_console()
    frame = _frame(results)

    stats = Table(title=f"run {run.id}: statistics per benchmark (time per iteration)")
    for column in ("lane", "benchmark", "status", "n", "mean", "median", "95% CI of median", "p95", "p99", "CV"):
        stats.add_column(column, justify="left" if column in ("lane", "benchmark", "status") else "right")
    for r in results:
        m = r.measurement
        if m is None:
            stats.add_row(r.lane, r.benchmark, r.failure.kind, *[""] * 7)  # type: ignore[union-attr]
            continue
        s = m.stats
        stats.add_row(r.lane, r.benchmark, "ok" if r.ok else r.failure.kind, str(s.n),  # type: ignore[union-attr]
                      figure_cell(r, "mean", format_duration_ns(s.mean)),
                      figure_cell(r, "median", format_duration_ns(s.median)),
                      figure_cell(r, "median", format_interval(s.median, s.ci_low, s.ci_high, "ns") or "-"),
                      figure_cell(r, "p95", format_duration_ns(s.p95)),
                      figure_cell(r, "p99", format_duration_ns(s.p99)),
                      "-" if s.cv is None else f"{100 * s.cv:.2f} %")
    console.print(stats)

    if "median" in frame:
        lanes = frame.groupby("lane", sort=False).agg(
            benchmarks=("benchmark", "count"), failed=("status", lambda s: int((s != "ok").sum())),
            total_median=("median", "sum"), mean_cv=("cv", "mean"), worst_cv=("cv", "max"))
        comparison = Table(title="lane to lane")
        for column in ("lane", "benchmarks", "failed", "sum of medians", "mean CV", "worst CV"):
            comparison.add_column(column, justify="left" if column == "lane" else "right")
        for lane, row in lanes.iterrows():
            comparison.add_row(str(lane), str(row.benchmarks), str(row.failed), format_duration_ns(row.total_median),
                               "-" if pd.isna(row.mean_cv) else f"{100 * row.mean_cv:.2f} %",
                               "-" if pd.isna(row.worst_cv) else f"{100 * row.worst_cv:.2f} %")
        console.print(comparison)
        shared = frame.dropna(subset=["median"]).groupby("benchmark").filter(lambda g: g["lane"].nunique() > 1)
        if not shared.empty:
            same = Table(title="the same benchmark in several lanes (median, ratio to the first lane)")
            for column in ("benchmark", "lane", "median", "ratio"):
                same.add_column(column, justify="left" if column in ("benchmark", "lane") else "right")
            for name, group in shared.groupby("benchmark", sort=False):
                first = group["median"].iloc[0]
                for _, row in group.iterrows():
                    same.add_row(str(name), row.lane, format_duration_ns(row["median"]), f"{row['median'] / first:.3f}×")
            console.print(same)

    _print_metric_table(console, results, "figures beyond time per iteration (95 % interval in brackets)",
                        FIGURE_COLUMNS, label="big_o")
    _print_metric_table(console, results, "resources (sampler aggregates over the counted iterations)",
                        RESOURCE_COLUMNS)
    print_measurement_errors(results)

    failures = [r for r in results if r.failure is not None]
    for r in failures:
        console.print(Text(r.key, style="red") + Text(f": {r.failure.kind}: {r.failure.message}"),  # type: ignore[union-attr]
                      highlight=False)
        if r.failure.detail:  # type: ignore[union-attr]
            console.print(r.failure.detail, highlight=False, markup=False)  # type: ignore[union-attr]
    return 0
