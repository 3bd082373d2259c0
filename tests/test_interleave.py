"""The interleaved order of an A/B run (execution/interleave.py): balanced, seeded, recorded; and
which benchmarks pair their two versions inside one worker process."""

from __future__ import annotations

import dataclasses
import random

import pytest

from perfbench.definition.suite import BenchmarkDefinition, CommandTarget, PythonTarget, Sweep
from perfbench.execution.interleave import interleaved_order, pairing_problem, plan_orders
from perfbench.measuring.sampling import SamplingOptions


@pytest.mark.parametrize("pairs", [1, 2, 5, 6, 11])
def test_each_pair_is_one_a_and_one_b_side_by_side(pairs: int) -> None:
    order = interleaved_order(pairs, random.Random(pairs))
    assert len(order) == 2 * pairs
    assert all(sorted(order[2 * k:2 * k + 2]) == ["A", "B"] for k in range(pairs))


def test_blocks_of_two_pairs_mirror_each_other_so_each_side_goes_first_as_often() -> None:
    order = interleaved_order(40, random.Random(7))
    blocks = [order[i:i + 4] for i in range(0, len(order), 4)]
    assert set(blocks) == {"ABBA", "BAAB"}  # both drawn, and nothing else
    assert sum(1 for k in range(40) if order[2 * k] == "A") == 20


def test_the_same_seed_gives_the_same_orders_and_another_seed_others() -> None:
    keys = [f"lane/b{i}" for i in range(20)]
    pairs = dict.fromkeys(keys, 6)
    first = plan_orders(keys, pairs, seed=1234)
    assert plan_orders(keys, pairs, seed=1234) == first
    assert plan_orders(keys, pairs, seed=1235) != first
    assert len(set(first.values())) > 1  # the order is drawn per benchmark, not once for all
    assert list(first) == keys


def test_an_odd_last_pair_gets_a_drawn_order_of_its_own() -> None:
    lasts = {interleaved_order(3, random.Random(seed))[4:] for seed in range(20)}
    assert lasts == {"AB", "BA"}


def _python_benchmark(**changes) -> BenchmarkDefinition:
    base = BenchmarkDefinition(name="f", lane="l", target=PythonTarget("/a/bench_f.py", "f"), cwd="/a")
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(("b", "b_python", "problem"), [
    (_python_benchmark(cwd="/b"), "/venv/bin/python", None),
    (_python_benchmark(target=CommandTarget("true")), "/venv/bin/python", "only Python callables share a process"),
    (_python_benchmark(), "/other-venv/bin/python", "the sides run in different interpreters"),
    (_python_benchmark(env={"X": "1"}), "/venv/bin/python", "the sides set different environment variables"),
    (_python_benchmark(sampling=SamplingOptions(budget_seconds=2.0)), "/venv/bin/python",
     "the sides' configs sample differently"),
    (_python_benchmark(sweep=Sweep("n", (1.0, 2.0))), "/venv/bin/python",
     "a sweep or a baseline measures in rounds of its own"),
])
def test_only_python_callables_run_alike_by_one_interpreter_share_a_process(
        b: BenchmarkDefinition, b_python: str, problem: str | None) -> None:
    assert pairing_problem(_python_benchmark(), b, "/venv/bin/python", b_python) == problem
