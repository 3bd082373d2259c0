"""The interleaved order of an A/B run (execution/interleave.py): balanced, seeded, recorded."""

from __future__ import annotations

import random

import pytest

from perfbench.execution.interleave import interleaved_order, plan_orders


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
