"""The project the regression evidence runs: Python callables of about 50 ns to 5 ms, and
the code version they time, written into a directory as a user's checkout would hold them.

A slowdown is injected the way a real change slows code down: the callables do more work.
``evidence_code.py`` holds ``SLOWDOWN`` (0.05 is 5 % more work); each *injectable* callable
repeats its unit of work ``round(n * (1 + SLOWDOWN))`` times, so the injected change is the
work, never an edit of a result. Only callables whose work is at least 300 units are
injectable: below that, rounding the count would make the injected change inexact (a 5 %
slowdown of 10 units is no change or 10 %).
"""

from __future__ import annotations

from pathlib import Path

LANE = "evidence"

# (function, sizes): about 30 ns per unit of work in CPython 3.11 on these VMs, plus the call.
ARITH_SIZES = (1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 160_000)
DICT_SIZES = (1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000)
STRING_SIZES = (1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 50_000)
SORT_SIZES = (3, 10, 30, 100, 300, 1_000, 3_000, 10_000)
APPEND_SIZES = (3, 10, 30, 100, 300, 1_000, 3_000, 10_000)
TINY = ("noop", "attribute", "small_tuple")
INJECTABLE_FROM = 300


def injectable(name: str) -> bool:
    """Whether the callable named ``name`` (``arith[n=300]``...) carries the injected slowdown."""
    kind, _, rest = name.partition("[n=")
    return kind in ("arith", "dict_ops") and rest != "" and int(rest.rstrip("]")) >= INJECTABLE_FROM


BENCH_FILE = '''\
"""Callables of about 50 ns to 5 ms for the regression evidence (benchmarks/regression_evidence.py)."""

import perfbench

from evidence_code import SLOWDOWN, INJECTABLE_FROM


def _work(n):
    """The unit count a callable does: more by SLOWDOWN where the injected change applies."""
    return round(n * (1 + SLOWDOWN)) if n >= INJECTABLE_FROM else n


class _Holder:
    value = 1


_HOLDER = _Holder()


@perfbench.benchmark(lane="{lane}", params={{"n": {arith}}}, sweep=False)
def arith(n):
    acc = 0
    for i in range(_work(n)):
        acc = (acc * 31 + i) & 0xFFFF
    return acc


@perfbench.benchmark(lane="{lane}", params={{"n": {dict_sizes}}}, sweep=False)
def dict_ops(n):
    table = {{}}
    for i in range(_work(n)):
        table[i & 1023] = i
    return len(table)


@perfbench.benchmark(lane="{lane}", params={{"n": {string_sizes}}}, sweep=False)
def str_join(n):
    return "-".join(["ab"] * n)


@perfbench.benchmark(lane="{lane}", params={{"n": {sort_sizes}}}, sweep=False)
def list_sort(n):
    return sorted(range(n, 0, -1))


@perfbench.benchmark(lane="{lane}", params={{"n": {append_sizes}}}, sweep=False)
def list_append(n):
    items = []
    for i in range(n):
        items.append(i)
    return items


@perfbench.benchmark(lane="{lane}")
def noop():
    pass


@perfbench.benchmark(lane="{lane}")
def attribute():
    return _HOLDER.value


@perfbench.benchmark(lane="{lane}")
def small_tuple():
    return (1, 2, 3)
'''

CONFIG_FILE = '''\
benchmarks_dir = "benchmarks"
'''


def callable_count() -> int:
    return (len(ARITH_SIZES) + len(DICT_SIZES) + len(STRING_SIZES) + len(SORT_SIZES) + len(APPEND_SIZES)
            + len(TINY))


def write_project(directory: Path, slowdown: float) -> Path:
    """The checkout: ``perfbench.toml``, ``benchmarks/bench_evidence.py`` and the code version
    ``evidence_code.py`` (imported from the checkout's root, as a project's own code is)."""
    (directory / "benchmarks").mkdir(parents=True, exist_ok=True)
    (directory / "perfbench.toml").write_text(CONFIG_FILE)
    (directory / "benchmarks" / "bench_evidence.py").write_text(BENCH_FILE.format(
        lane=LANE, arith=list(ARITH_SIZES), dict_sizes=list(DICT_SIZES), string_sizes=list(STRING_SIZES),
        sort_sizes=list(SORT_SIZES), append_sizes=list(APPEND_SIZES)))
    set_slowdown(directory, slowdown)
    return directory


def set_slowdown(directory: Path, slowdown: float) -> None:
    """The code change: the injectable callables do ``slowdown`` more work from now on."""
    (directory / "evidence_code.py").write_text(
        f"SLOWDOWN = {slowdown!r}  # the injected change: this much more work\n"
        f"INJECTABLE_FROM = {INJECTABLE_FROM}  # units of work below which rounding would distort it\n")
