"""What a Python benchmark allocates per call: counted in a pass of its own after the timed
samples, cumulatively (what was freed counts too)."""

from __future__ import annotations

import functools
import sqlite3
import json
import sys
from pathlib import Path

from perfbench.measuring.call_binding import bind_parameters
from perfbench.measuring.raw_measurement import allocations_per_call

# A bytearray is two blocks: its object (no free list recycles it) and its buffer of n + 1
# bytes (a NUL terminator); sys.getsizeof reports exactly the two together.
PAGE = sys.getsizeof(bytearray(4096))


def allocate_page() -> None:
    bytearray(4096)


def allocate_and_free_ten(size: int) -> None:
    count = 0  # a while loop over cached small ints: a range() would add its own two objects
    while count < 10:
        bytearray(size)
        count += 1


def figures(fn, args=(), calls=1000) -> dict[str, float]:
    return {m["name"]: m["value"] for m in allocations_per_call(fn, args, calls)}


def test_a_page_is_two_blocks_of_exactly_its_size() -> None:
    assert figures(allocate_page) == {"alloc_bytes_per_op": PAGE, "alloc_blocks_per_op": 2.0}


def test_freed_temporaries_count_as_allocated() -> None:
    """tracemalloc would see at most one of these buffers alive at a time."""
    assert figures(allocate_and_free_ten, (1000,)) == {
        "alloc_bytes_per_op": 10 * sys.getsizeof(bytearray(1000)), "alloc_blocks_per_op": 20.0}


def test_parameters_are_bound_without_a_per_call_keyword_dict() -> None:
    call, args = bind_parameters(allocate_and_free_ten, {"size": 1000})
    assert (call, args) == (allocate_and_free_ten, (1000,))
    assert figures(call, args)["alloc_blocks_per_op"] == 20.0

    def keyword_only(*, size: int) -> None:
        bytearray(size)

    call, args = bind_parameters(keyword_only, {"size": 10})
    assert isinstance(call, functools.partial) and args == ()
    # the fallback's keyword dict is charged to the benchmark: why positional binding comes first
    assert figures(call, args)["alloc_blocks_per_op"] > 2.0


PROJECT = """
import perfbench

@perfbench.benchmark(params={"size": [4096], "mode": ["zeroed"]}, budget="30ms",
                     sla=["alloc_bytes_per_op < 5KB", "alloc_blocks_per_op <= 2", "alloc_bytes_per_op < 1KB"])
def page(size, mode):
    bytearray(size)
"""


def test_a_benchmark_reports_and_judges_its_allocations(write_module, run_cli, tmp_path: Path) -> None:
    write_module("benchmarks/bench_alloc.py", PROJECT)
    completed = run_cli("run", "--quick")
    # the 1KB rule is broken by 4 KB pages: an error-severity violation, exit 1
    assert completed.returncode == 1, completed.stderr
    with sqlite3.connect(tmp_path / ".perfbench" / "results.db") as db:
        metrics = json.loads(db.execute("SELECT metrics FROM results").fetchone()[0])
        verdicts = dict(db.execute("SELECT expression, status FROM sla_verdicts").fetchall())
    found = {m["name"]: (m["value"], m["unit"]) for m in metrics}
    assert found["alloc_bytes_per_op"] == (PAGE, "bytes")
    assert found["alloc_blocks_per_op"] == (2.0, "count")
    assert verdicts == {"alloc_bytes_per_op < 5KB": "pass", "alloc_blocks_per_op <= 2": "pass",
                        "alloc_bytes_per_op < 1KB": "violated"}


def test_keywords_after_positional_arguments_bind_positionally() -> None:
    def scaled(data: list[int], factor: int, *, offset: int = 0) -> None:
        pass

    assert bind_parameters(scaled, {"factor": 3}, ([1],)) == (scaled, ([1], 3))
    call, args = bind_parameters(scaled, {"offset": 1}, ([1], 3))
    assert isinstance(call, functools.partial) and call.keywords == {"offset": 1} and args == ([1], 3)
