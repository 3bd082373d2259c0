"""``perfbench.load_test``: run a load test against a URL and return what it measured.

    >>> r = perfbench.load_test("http://127.0.0.1:8080/", rate=2000, duration="10s", connections=32)
    >>> r.corrected_spectrum, r.uncorrected_spectrum     # ns at r.percentiles
    >>> r.achieved_rate, r.errors, r.verdict, r.timeline_frame()

The engine runs on its own C++ threads with the GIL released; this thread only polls the
per-second timeline (for ``on_progress`` and the per-second SLA rules). ``start_load_test``
returns the running test instead, for callers that poll or stop it themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from perfbench.load.options import LoadOptions, load_options
from perfbench.load.result import LoadResult, with_rates
from perfbench.load.window_rules import WindowRule, first_breach, parse_window_rules

# How often the caller's thread looks at the engine: often enough that a breached rule stops the
# run within a fraction of a second of its window closing; each look costs microseconds.
POLL_S = 0.1


class LoadTest:
    """A load test running on the engine's threads."""

    def __init__(self, options: LoadOptions) -> None:
        from perfbench import _core  # the compiled core only when a test actually runs

        self.options = options
        try:
            self._engine = _core.LoadEngine(options.engine_config())
        except ValueError as error:  # what the engine refuses, said as an argument error
            from perfbench.errors import LoadArgumentError

            raise LoadArgumentError(f"load_test: {error}") from None
        self._rows: list[dict[str, Any]] = []
        self._stop_reason: str | None = None
        self._raw: dict[str, Any] | None = None

    def start(self) -> LoadTest:
        self._engine.start()
        return self

    def timeline(self) -> list[dict[str, Any]]:
        """Every finished 1 s window so far (the rows grow while the test runs)."""
        # A stopped run's last window is partial whatever its schedule said (see with_rates).
        scheduled_until_s = None if self._stop_reason else self.options.sending_s
        self._rows.extend(with_rates(row, scheduled_until_s) for row in self._engine.timeline(len(self._rows)))
        return self._rows

    def stop(self, reason: str = "stopped") -> None:
        """End the run now (from any thread); what finished is kept."""
        if self._stop_reason is None:
            self._stop_reason = reason
        self._engine.stop()

    def wait(self, timeout_s: float) -> bool:
        return self._engine.wait(timeout_s)

    @property
    def finished(self) -> bool:
        return self._engine.finished

    def result(self, sla_breach: Mapping[str, Any] | None = None) -> LoadResult:
        if self._raw is None:
            self._raw = self._engine.result()  # joins the engine's threads; merges their figures once
        raw = self._raw
        self.timeline()
        stopped = raw["stopped_early"]
        return LoadResult(
            options=self.options, counters=raw["counters"], corrected=raw["corrected"],
            uncorrected=raw["uncorrected"], lag=raw["lag"], stage_corrected=tuple(raw["stage_corrected"]),
            stage_starts_s=tuple(ns / 1e9 for ns in raw["stage_starts_ns"]), timeline=tuple(self._rows),
            wall_s=raw["wall_ns"] / 1e9, thread_cpu_s=tuple(raw["thread_cpu_s"]),
            realtime_threads=raw["realtime_threads"],
            stop_reason=(self._stop_reason or "stopped") if stopped else "completed", sla_breach=sla_breach)


def start_load_test(url: str, **arguments: Any) -> LoadTest:
    """Validate the arguments (see ``load_test``) and start the run; returns at once."""
    return LoadTest(load_options(url, **arguments)).start()


def load_test(url: str, *, rate: float | str | None = None, duration: float | str | None = None,
              connections: int = 16, threads: int = 1, method: str = "GET", body_size: int | str = 0,
              keep_alive: bool = True, stages: list[Mapping[str, Any]] | None = None,
              burst: Mapping[str, Any] | None = None, requests: int | None = None, closed: bool = False,
              poisson: bool = False, headers: Mapping[str, str] | None = None, timeout: float | str = "2s",
              lag_bound: float | str = "1ms", seed: int = 1, realtime: bool = False,
              send_slack: float | str | None = None,
              sla: Iterable[str] | str | None = None,
              abort_on_fail: bool = False,
              on_progress: Callable[[list[dict[str, Any]]], None] | None = None) -> LoadResult:
    """Run a bounded load test and return its ``LoadResult``.

    Load models (pick one): ``rate=`` (open loop at a constant rate), ``stages=[{'rate': 1000,
    'duration': '10s'}, ...]`` (ramping), ``burst={'baseline': .., 'rate': .., 'before': ..,
    'during': .., 'after': ..}``, or ``closed=True`` (each connection sends when its previous
    response arrived). ``poisson=True`` makes open-loop arrivals Poisson. A run needs a
    ``duration`` or ``requests`` (stages and bursts carry their own durations).

    ``sla`` rules (``'p99 < 50ms'``, ``'error_rate < 1%'``, ``'rate >= 95% of target'``) are checked
    on every 1 s window; the first breach is recorded in ``result.sla_breach`` and, with
    ``abort_on_fail``, ends the run early. ``on_progress(rows)`` is called from this thread with
    the timeline so far each time a window closes. Ctrl-C stops the run and returns what finished
    (``result.stop_reason == 'interrupted'``). ``realtime=True`` runs the engine threads under
    SCHED_FIFO where the process may (``result.realtime_threads`` says how many did): on a busy
    machine the default scheduler delays wake-ups by milliseconds, which makes runs generator-bound;
    but a busy realtime thread also starves a server on the same cores, so use it when the server
    runs on other cores or machines.
    ``send_slack`` (default 90 us): open-loop sends due within it of each other go out in one
    wake-up, none before its intended time; it saves CPU (1.67x -> 1.14x wrk's per request at
    30k/s) and adds at most that much send lag; 0 wakes for every send.
    """
    options = load_options(url, rate=rate, duration=duration, connections=connections, threads=threads,
                           method=method, body_size=body_size, keep_alive=keep_alive, stages=stages, burst=burst,
                           requests=requests, closed=closed, poisson=poisson, headers=headers, timeout=timeout,
                           lag_bound=lag_bound, seed=seed, realtime=realtime, send_slack=send_slack)
    rules = parse_window_rules(sla, closed=options.closed)
    test = LoadTest(options).start()
    breach = None
    try:
        breach = _watch(test, rules, on_progress, abort_on_fail)
    except KeyboardInterrupt:
        test.stop("interrupted")
    except BaseException:
        test.stop("interrupted")
        test.result()  # joins the engine's threads before the error propagates
        raise
    return test.result(breach)


def _watch(test: LoadTest, rules: tuple[WindowRule, ...], on_progress: Callable[..., None] | None,
           abort_on_fail: bool) -> dict[str, Any] | None:
    breach = None
    checked = 0
    while True:
        done = test.wait(POLL_S)
        rows = test.timeline()
        if len(rows) > checked:
            if breach is None and rules:
                breach = first_breach(rules, rows[checked:], test.options.stages)
                if breach and abort_on_fail:
                    test.stop("sla")
            checked = len(rows)
            if on_progress is not None:
                on_progress(rows)
        if done:
            return breach
