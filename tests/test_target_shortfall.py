"""The rule behind "target not reached: server-bound" (perfbench/load/target_shortfall.py), on
timeline rows written by hand: which windows count, the tolerance and its floor, and the worst
window. The engine's real runs that reach or miss their target are in test_load_engine.py."""

from __future__ import annotations

import pytest

from perfbench.load.target_shortfall import MIN_MISSING, TOLERANCE, target_shortfall


def row(second: int, scheduled: int, completed: int, span_s: float = 1.0) -> dict[str, object]:
    return {"second": second, "scheduled": scheduled, "completed": completed, "span_s": span_s,
            "partial": span_s < 1.0}


def shortfall_of(rows, *, rate: float = 1000.0, cancelled: int = 0):
    counters = {"scheduled": sum(r["scheduled"] for r in rows), "completed": sum(r["completed"] for r in rows),
                "cancelled": cancelled}
    seconds = sum(r["span_s"] for r in rows)
    return target_shortfall(target_rate=rate, achieved_rate=counters["completed"] / seconds, counters=counters,
                            timeline=rows)


def test_a_stall_caught_up_in_the_next_second_reaches_the_target():
    # A neighbour holding the server for 0.7 s: one second short, the next as much over. The
    # latency shows the stall; the server's capacity was not the limit. Nor was it when a whole
    # second was empty and the next answered both seconds' requests.
    assert shortfall_of([row(0, 1000, 1000), row(1, 1000, 300), row(2, 1000, 1700), row(3, 1000, 1000)]).reached
    assert shortfall_of([row(0, 1000, 1000), row(1, 1000, 1000), row(2, 1000, 1), row(3, 1000, 1999),
                         row(4, 1000, 1000)]).reached


def test_two_seconds_short_miss_the_target_even_when_the_total_is_met():
    result = shortfall_of([row(0, 1000, 1000), row(1, 1000, 300), row(2, 1000, 300), row(3, 1000, 2400)])
    assert result.shortfall == 0 and not result.overall_short
    assert (result.worst_window.second, result.worst_window.seconds) == (1, 2)
    assert result.worst_window.shortfall == pytest.approx(0.7)
    assert not result.reached
    assert "seconds 1-2: 600 responses for 2000 requests scheduled (70.0 % short" in result.reasons()[0]


def test_a_shortfall_within_the_tolerance_is_reached():
    missing = int(TOLERANCE * 1000)  # exactly 5 %: not more than the tolerance
    result = shortfall_of([row(0, 1000, 1000), row(1, 1000, 1000 - missing), row(2, 1000, 1000 + missing)])
    assert result.reached and result.reasons() == ()
    assert not shortfall_of([row(0, 1000, 1000), row(1, 1000, 1000 - missing - 1), row(2, 1000, 1000 - missing - 1),
                             row(3, 1000, 1000 + 2 * missing + 2)]).reached


def test_the_first_window_and_the_partial_last_one_are_not_judged():
    # The first holds the connection setup; the last, 0.2 s long, only the tail of responses.
    result = shortfall_of([row(0, 1000, 500), row(1, 1000, 1000), row(2, 1000, 1000), row(3, 0, 500, span_s=0.2)])
    assert result.worst_window.second in (1, 2) and result.worst_window.shortfall == 0
    assert result.reached


def test_a_few_requests_are_not_a_shortfall_at_a_low_rate():
    # At 20/s one request in flight across a window's edge is 5 %; two more is still noise.
    assert shortfall_of([row(0, 20, 20), row(1, 20, 20 - MIN_MISSING), row(2, 20, 22)], rate=20).reached
    assert not shortfall_of([row(0, 20, 20), row(1, 20, 20 - MIN_MISSING - 1), row(2, 20, 20 - MIN_MISSING - 1)],
                            rate=20).reached


def test_the_expected_count_is_what_was_scheduled_so_poisson_windows_are_not_short():
    # Poisson arrivals scheduled 930 in one second of a 1000/s run: all answered is reached.
    assert shortfall_of([row(0, 1000, 1000), row(1, 930, 930), row(2, 1070, 1070)]).reached


def test_an_overall_shortfall_is_reported_with_its_figures():
    result = shortfall_of([row(0, 1000, 900), row(1, 1000, 960), row(2, 1000, 960)])
    assert result.overall_short and not result.window_short
    assert result.shortfall == pytest.approx(180 / 3000)
    assert "2820 responses for 3000 requests scheduled" in result.reasons()[0]
    data = result.to_dict()
    assert (data["expected"], data["completed"], data["reached"], data["tolerance"]) == (3000, 2820, False, TOLERANCE)
    assert data["worst_window"]["second"] in (1, 2)


def test_requests_cancelled_by_a_stop_are_not_counted_missing():
    assert shortfall_of([row(0, 1000, 1000), row(1, 1000, 1000), row(2, 100, 40, span_s=0.1)], cancelled=60).reached
