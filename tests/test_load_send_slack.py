"""The open loop's send slack (LoadConfig.send_slack_ns): sends due close together share one
wake-up, and none leaves before its intended time.

The engine is driven through ``perfbench._core.LoadEngine`` with the settings ``load_test``
builds, plus the slack, against the built-in C++ loopback server. A slack far larger than the
schedule's spacing makes the batching observable without reading any absolute time: the first
send of each batch waits for the batch's last, so its lag is close to the whole slack.
"""

from __future__ import annotations

import pytest

from perfbench import _core
from perfbench.load.options import load_options
from perfbench.load.server import LoopbackServer

MS = 1_000_000


@pytest.fixture(scope="module")
def server():
    with LoopbackServer() as s:
        yield s


def run_engine(url: str, *, send_slack_ns: int, **arguments):
    engine = _core.LoadEngine({**load_options(url, **arguments).engine_config(), "send_slack_ns": send_slack_ns})
    engine.start()
    assert engine.wait(60)
    return engine.result()


def test_the_slack_batches_sends_but_never_sends_one_before_its_time(server):
    # 100/s for 1 s: a send every 10 ms. A 200 ms slack batches the ~20 sends due within 200 ms
    # of a batch's first, woken for at the batch's last intended time.
    raw = run_engine(server.url("/bytes/64"), send_slack_ns=200 * MS, rate=100, duration="1s", connections=32)
    c = raw["counters"]
    assert c["scheduled"] == c["completed"] == c["ok"] == 100
    lag = raw["lag"]
    assert lag.count == 100
    # A send before its intended time would have a negative lag, which the unsigned histogram
    # would hold as a value clamped to its top (1 h): the largest lag stays below a second.
    assert lag.max < 1_000 * MS
    # The first send of a batch waited for the batch's last, 190 ms later on the schedule (the
    # thread cannot wake earlier: nothing else is due and responses come back in microseconds).
    assert lag.max >= 150 * MS
    # The last send of a batch goes at its own time: some lags are far below the slack.
    assert lag.min < 100 * MS


def test_a_negative_slack_is_refused(server):
    with pytest.raises(ValueError, match="send slack must not be negative"):
        _core.LoadEngine({**load_options(server.url("/"), rate=100, duration="1s").engine_config(),
                          "send_slack_ns": -1})
