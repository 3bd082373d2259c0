"""A load test's arguments, checked once at the edge into a frozen ``LoadOptions``.

Every run is bounded: a duration, a request count, or stages that all have a duration.
Quantities take units as strings (``"30s"``, ``"20k/s"``, ``"1KB"``) or plain numbers in base
units (seconds, requests per second, bytes), as is natural from Python. Bad input raises
``LoadArgumentError`` (a ValueError) whose one line names the argument, the value and the fix.
"""

from __future__ import annotations

import dataclasses
import math
import re
import socket
import urllib.parse
from collections.abc import Callable, Mapping, Sequence

from perfbench.errors import LoadArgumentError, UnitError
from perfbench.units import DURATION_HELP, RATE_HELP, SIZE_HELP, parse_duration, parse_rate, parse_size

_METHOD = re.compile(r"^[A-Z]+$")


@dataclasses.dataclass(frozen=True, slots=True)
class Stage:
    rate: float  # requests per second, over all connections
    duration_s: float


@dataclasses.dataclass(frozen=True, slots=True)
class LoadOptions:
    url: str
    address: str  # the numeric address the host resolved to
    port: int
    host_header: str
    target: str
    method: str
    body_size: int
    headers: tuple[tuple[str, str], ...]
    keep_alive: bool
    connections: int
    threads: int
    closed: bool
    stages: tuple[Stage, ...]  # open loop; empty for a closed loop
    burst_stage: int | None  # the index of the burst among the stages, when the run is a burst
    poisson: bool
    duration_s: float | None  # closed loop (open loops take theirs from the stages)
    requests: int | None
    timeout_s: float
    lag_bound_s: float  # the send lag p99 beyond which the run is generator-bound
    seed: int
    realtime: bool = False  # engine threads under SCHED_FIFO where permitted (see engine.hpp)
    # Open loop: sends due within this of each other go out in one wake-up (None: the engine's
    # default, 90 us; 0: a wake-up per send). See send_slack_ns in engine.hpp.
    send_slack_s: float | None = None

    @property
    def sending_s(self) -> float | None:
        """How long the run sends for, when that is known in advance."""
        if self.closed:
            return self.duration_s
        if any(math.isinf(s.duration_s) for s in self.stages):
            return None
        return sum(s.duration_s for s in self.stages)

    def engine_config(self) -> dict[str, object]:
        """The settings ``perfbench._core.LoadEngine`` takes."""
        return {
            "address": self.address, "port": self.port, "host": self.host_header, "target": self.target,
            "method": self.method, "body_size": self.body_size, "headers": list(self.headers),
            "keep_alive": self.keep_alive, "connections": self.connections, "threads": self.threads,
            "closed": self.closed, "poisson": self.poisson,
            "stages": [(s.rate, -1 if math.isinf(s.duration_s) else round(s.duration_s * 1e9)) for s in self.stages],
            "duration_ns": round((self.duration_s or 0) * 1e9), "requests": self.requests or 0,
            "timeout_ns": round(self.timeout_s * 1e9), "seed": self.seed, "realtime": self.realtime,
            **({"send_slack_ns": round(self.send_slack_s * 1e9)} if self.send_slack_s is not None else {}),
        }

    def to_dict(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["stages"] = [{"rate": s.rate, "duration_s": None if math.isinf(s.duration_s) else s.duration_s}
                          for s in self.stages]
        data["headers"] = [list(h) for h in self.headers]
        return data


def _error(argument: str, value: object, fix: str) -> LoadArgumentError:
    return LoadArgumentError(f"load_test: {argument}={value!r} {fix}")


def _quantity(argument: str, value: object, parse: Callable[[str], float], help_text: str) -> float:
    """A string with its unit through ``parse``, or a plain number already in base units."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _error(argument, value, f"is not {help_text}")
    try:
        result = parse(value) if isinstance(value, str) else float(value)
    except UnitError:
        raise _error(argument, value, f"is not {help_text}") from None
    if not math.isfinite(result) or result < 0:
        raise _error(argument, value, f"must not be negative: {help_text}")
    return result


def seconds(argument: str, value: object) -> float:
    result = _quantity(argument, value, parse_duration, f"{DURATION_HELP} (or a number of seconds)")
    if result == 0:
        raise _error(argument, value, "must be a positive duration such as 30s")
    return result


def per_second(argument: str, value: object) -> float:
    return _quantity(argument, value, parse_rate, f"{RATE_HELP} (or a number per second)")


def _count(argument: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _error(argument, value, f"must be a whole number of at least {minimum}")
    return value


def _bytes(argument: str, value: object) -> int:
    if isinstance(value, str):
        try:
            value = parse_size(value)
        except UnitError:
            raise _error(argument, value, f"is not {SIZE_HELP} (or a number of bytes)") from None
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value):
        raise _error(argument, value, f"is not {SIZE_HELP} (or a number of bytes >= 0)")
    return int(value)


def _resolve(url: object) -> tuple[str, str, int, str, str]:
    if not isinstance(url, str):
        raise _error("url", url, "is not a URL; write one such as http://127.0.0.1:8080/path")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        fix = "https is not supported yet; " if parts.scheme == "https" else ""
        raise _error("url", url, f"is not an http:// URL; {fix}write one such as http://127.0.0.1:8080/path")
    try:
        port = parts.port or 80
    except ValueError:
        raise _error("url", url, "has a port that is not a number from 1 to 65535") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise _error("url", url, f"names a host that does not resolve ({error.strerror}); "
                                 "check the host name or use an address") from None
    address = infos[0][4][0]
    host_header = parts.netloc.rsplit("@", 1)[-1]
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return url, address, port, host_header, target


def parse_stages(stages: object) -> tuple[Stage, ...]:
    if not isinstance(stages, Sequence) or isinstance(stages, (str, bytes)) or not stages:
        raise _error("stages", stages, "must be a non-empty list such as [{'rate': 1000, 'duration': '10s'}, "
                                       "{'rate': 5000, 'duration': '30s'}]")
    parsed = []
    for index, stage in enumerate(stages):
        if not isinstance(stage, Mapping) or set(stage) != {"rate", "duration"}:
            raise _error(f"stages[{index}]", stage, "must be a mapping with exactly 'rate' and 'duration', "
                                                    "e.g. {'rate': 1000, 'duration': '10s'}")
        parsed.append(Stage(per_second(f"stages[{index}].rate", stage["rate"]),
                            seconds(f"stages[{index}].duration", stage["duration"])))
    return tuple(parsed)


_BURST_KEYS = ("baseline", "rate", "before", "during", "after")


def parse_burst(burst: object) -> tuple[Stage, ...]:
    """baseline -> burst -> baseline: {'baseline': 1000, 'rate': 50000, 'before': '5s', 'during': '2s', 'after': '10s'}."""
    if not isinstance(burst, Mapping) or set(burst) != set(_BURST_KEYS):
        raise _error("burst", burst, "must be a mapping with exactly " + ", ".join(_BURST_KEYS) +
                     ", e.g. {'baseline': 1000, 'rate': 50000, 'before': '5s', 'during': '2s', 'after': '10s'}")
    baseline = per_second("burst.baseline", burst["baseline"])
    return (Stage(baseline, seconds("burst.before", burst["before"])),
            Stage(per_second("burst.rate", burst["rate"]), seconds("burst.during", burst["during"])),
            Stage(baseline, seconds("burst.after", burst["after"])))


def load_options(url: object, *, rate: object = None, duration: object = None, connections: object = 16,
                 threads: object = 1, method: object = "GET", body_size: object = 0, keep_alive: object = True,
                 stages: object = None, burst: object = None, requests: object = None, closed: object = False,
                 poisson: object = False, headers: object = None, timeout: object = "2s",
                 lag_bound: object = "1ms", seed: object = 1, realtime: object = False,
                 send_slack: object = None) -> LoadOptions:
    url, address, port, host_header, target = _resolve(url)
    if not isinstance(method, str) or not _METHOD.match(method):
        raise _error("method", method, "must be an HTTP method in capitals, such as 'GET' or 'POST'")
    connections = _count("connections", connections, 1)
    threads = _count("threads", threads, 1)
    if connections < threads:
        raise _error("connections", connections, f"must be at least threads={threads}: each thread drives its own")
    request_count = None if requests is None else _count("requests", requests, threads)
    duration_s = None if duration is None else seconds("duration", duration)
    header_pairs: tuple[tuple[str, str], ...] = ()
    if headers is not None:
        if not isinstance(headers, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                        for k, v in headers.items()):
            raise _error("headers", headers, "must be a mapping of header names to string values")
        header_pairs = tuple(headers.items())
    models = [name for name, given in (("rate", rate is not None), ("stages", stages is not None),
                                       ("burst", burst is not None), ("closed", bool(closed))) if given]
    if len(models) > 1:
        raise _error(models[1], {"rate": rate, "stages": stages, "burst": burst, "closed": closed}[models[1]],
                     f"cannot be combined with {models[0]}: pick one load model (rate, stages, burst or closed)")
    burst_stage = None
    if closed:
        plan: tuple[Stage, ...] = ()
        if duration_s is None and request_count is None:
            raise _error("duration", None, "is required (or requests=N): every run is bounded")
    elif stages is not None or burst is not None:
        if duration_s is not None:
            raise _error("duration", duration, "cannot be given with stages or burst: their durations bound the run")
        plan = parse_stages(stages) if stages is not None else parse_burst(burst)
        burst_stage = None if burst is None else 1
    elif rate is not None:
        target_rate = per_second("rate", rate)
        if target_rate == 0:
            raise _error("rate", rate, "must be above 0 (for a pause, use stages)")
        if duration_s is None and request_count is None:
            raise _error("duration", None, "is required (or requests=N): every run is bounded")
        plan = (Stage(target_rate, duration_s if duration_s is not None else math.inf),)
        duration_s = None
    else:
        raise _error("rate", None, "is required: give rate= (open loop), stages=, burst=, or closed=True")
    if plan and not any(s.rate > 0 for s in plan):
        raise _error("stages", stages, "send nothing: at least one stage needs a rate above 0")
    return LoadOptions(
        url=url, address=address, port=port, host_header=host_header, target=target, method=method,
        body_size=_bytes("body_size", body_size), headers=header_pairs, keep_alive=bool(keep_alive),
        connections=connections, threads=threads, closed=bool(closed), stages=plan, burst_stage=burst_stage,
        poisson=bool(poisson), duration_s=duration_s, requests=request_count,
        timeout_s=seconds("timeout", timeout), lag_bound_s=seconds("lag_bound", lag_bound),
        seed=_count("seed", seed, 0), realtime=bool(realtime),
        send_slack_s=None if send_slack is None else _quantity(
            "send_slack", send_slack, parse_duration, f"{DURATION_HELP} (or a number of seconds; 0 for none)"))
