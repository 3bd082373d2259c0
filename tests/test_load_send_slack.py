"""The open loop's send slack (``load_test(send_slack=)``, LoadConfig.send_slack_ns): sends due
close together share one wake-up, and none leaves before its intended time.

Run through ``load_test`` against the built-in C++ loopback server. A slack far larger than the
schedule's spacing makes the batching observable without reading any absolute time: the first
send of each batch waits for the batch's last, so its lag is close to the whole slack.
"""

from __future__ import annotations

import pytest

import perfbench
from perfbench import _core
from perfbench.errors import LoadArgumentError
from perfbench.load.options import load_options
from perfbench.load.server import LoopbackServer

MS = 1_000_000


@pytest.fixture(scope="module")
def server():
    with LoopbackServer() as s:
        yield s


def test_the_slack_batches_sends_but_never_sends_one_before_its_time(server):
    # 100/s for 1 s: a send every 10 ms. A 200 ms slack batches the ~20 sends due within 200 ms
    # of a batch's first, woken for at the batch's last intended time.
    r = perfbench.load_test(server.url("/bytes/64"), send_slack="200ms", rate=100, duration="1s", connections=32,
                            lag_bound="10s")
    c = r.counters
    assert c["scheduled"] == c["completed"] == c["ok"] == 100
    lag = r.lag
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


def test_a_negative_slack_is_one_line_naming_the_argument(server):
    with pytest.raises(LoadArgumentError, match=r"send_slack=-0.001 must not be negative"):
        perfbench.load_test(server.url("/"), rate=100, duration="1s", send_slack=-0.001)
    with pytest.raises(LoadArgumentError, match=r"send_slack='soon' is not a duration"):
        perfbench.load_test(server.url("/"), rate=100, duration="1s", send_slack="soon")

