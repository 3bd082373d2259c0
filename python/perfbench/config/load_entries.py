"""``[[load]]`` entries: load tests defined in a configuration, run in lanes as benchmarks.

    [[load]]
    name = "api-1kb"
    lane = "heavy"                 # the default
    url = "/bytes/1024"            # a path on the built-in server below, or an http:// URL
    server = { threads = 1, faults = { rate_limited_share = 0.01 } }
    rate = "5k/s"                  # or stages = [{rate = 1000, duration = "10s"}, ...], burst = {...}, closed = true
    duration = "10s"
    connections = 32
    sla = ["p99 < 50ms", "error_rate < 1%"]          # judged on the whole run (every request)
    window_sla = ["p99 < 200ms"]                      # checked each second while it runs
    abort_on_fail = true                              # a breached window rule ends the run

Every argument of ``perfbench.load_test`` is a key (``request_timeout`` is its ``timeout``: a
lane's ``timeout`` bounds a whole iteration). The arguments are checked here, as the run would
check them, so that a wrong rate or a missing duration is a config error before anything runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from perfbench.config.fields import (
    Where, boolean, check_keys, duration, name_of, non_empty_string, regression_severity, regression_threshold, show,
    table_of,
)
from perfbench.config.schema import LoadBenchmark, LaneConfig
from perfbench.config.sla_rules import sla_rules
from perfbench.errors import LoadArgumentError

DEFAULT_LOAD_LANE = "heavy"
# The keys passed to load_test as they are (validated by load_options).
_ARGUMENT_KEYS = ("rate", "duration", "requests", "connections", "threads", "method", "body_size", "keep_alive",
                  "stages", "burst", "closed", "poisson", "headers", "lag_bound", "seed", "realtime", "send_slack")
_KEYS = ("name", "lane", "url", "server", *_ARGUMENT_KEYS, "request_timeout", "sla", "window_sla", "abort_on_fail",
         "timeout", "regression_threshold", "regression_severity")
# Any address will do to check the arguments of a test against the built-in server, whose port
# is only known once it runs.
_PLACEHOLDER_SERVER = "http://127.0.0.1:1"


def _window_rules(where: Where, key: str, value: object) -> tuple[str, ...]:
    from perfbench.load.window_rules import parse_window_rules

    if not isinstance(value, list) or not all(isinstance(rule, str) for rule in value):
        raise where.error(key, f'expected an array of rules such as ["p99 < 200ms", "error_rate < 1%"], got {show(value)}')
    try:
        parse_window_rules(value, closed=False)
    except LoadArgumentError as error:
        raise where.error(key, str(error).removeprefix("load_test: ")) from None
    return tuple(value)


def _server(where: Where, key: str, value: object) -> dict[str, Any]:
    from perfbench.load.server_process import server_from

    table = table_of(where, key, value, "{ threads = 1, body_bytes = 256, faults = { delay = \"1ms\" } }")
    try:
        server_from(table)
    except (ValueError, TypeError) as error:
        raise where.error(key, str(error).removeprefix("server: ").removeprefix("server.")) from None
    return dict(table)


def load_entry(where: Where, index: int, entry: object, lanes: Mapping[str, LaneConfig],
               defaults: LaneConfig) -> LoadBenchmark:
    from perfbench.load.options import load_options

    key = f"load[{index}]"
    table = table_of(where, key, entry, '[[load]] name = "api", url = "http://127.0.0.1:8080/", rate = "1k/s", '
                                        'duration = "10s"')
    check_keys(where, key, table, _KEYS)
    for required in ("name", "url"):
        if required not in table:
            raise where.error(key, f'missing key {required!r}; a [[load]] needs name and url, e.g. name = "api", '
                                   'url = "http://127.0.0.1:8080/" (or url = "/bytes/256" with server = {})')
    name = name_of(where, f"{key}.name", table["name"], '"api"')
    lane_name = non_empty_string(where, f"{key}.lane", table.get("lane", DEFAULT_LOAD_LANE), '"heavy"')
    if "lane" in table and lanes and lane_name not in lanes:
        raise where.error(f"{key}.lane", f"no lane named {show(lane_name)}; declared lanes: {', '.join(lanes)} "
                                         "(declare more with [lanes.NAME], or leave lane out for heavy)")
    lane = lanes.get(lane_name) or dataclasses.replace(defaults, name=lane_name)
    url = non_empty_string(where, f"{key}.url", table["url"], '"http://127.0.0.1:8080/"')
    server = _server(where, f"{key}.server", table["server"]) if "server" in table else None
    if server is not None and not url.startswith("/"):
        raise where.error(f"{key}.url", f"{show(url)}: with server = {{...}} the url is a path on it, e.g. \"/bytes/256\"")
    arguments = {k: table[k] for k in _ARGUMENT_KEYS if k in table}
    if "request_timeout" in table:
        arguments["timeout"] = table["request_timeout"]
    window = _window_rules(where, f"{key}.window_sla", table["window_sla"]) if "window_sla" in table else ()
    abort = boolean(where, f"{key}.abort_on_fail", table["abort_on_fail"]) if "abort_on_fail" in table else False
    if abort and not window:
        raise where.error(f"{key}.abort_on_fail", "needs window_sla rules to abort on, e.g. window_sla = [\"p99 < 200ms\"]")
    try:
        load_options(_PLACEHOLDER_SERVER + url if server is not None else url, **arguments)
    except LoadArgumentError as error:
        message = str(error).removeprefix("load_test: ")
        raise where.error(f"{key}.{message.split('=', 1)[0].split('[', 1)[0].split('.', 1)[0]}", message) from None
    if window:
        arguments.update(sla=list(window), abort_on_fail=abort)
    own_sla = sla_rules(where, f"{key}.sla", table["sla"]) if "sla" in table else ()
    return LoadBenchmark(
        name=name, lane=lane_name, url=url, server=server, arguments=arguments, sla=lane.sla + own_sla,
        timeout_seconds=duration(where, f"{key}.timeout", table["timeout"]) if "timeout" in table
        else lane.timeout_seconds,
        regression_threshold=(regression_threshold(where, f"{key}.regression_threshold", table["regression_threshold"])
                              if "regression_threshold" in table else lane.regression_threshold),
        regression_severity=(regression_severity(where, f"{key}.regression_severity", table["regression_severity"])
                             if "regression_severity" in table else lane.regression_severity))


def load_entries(where: Where, value: object, lanes: Mapping[str, LaneConfig],
                 defaults: LaneConfig) -> tuple[LoadBenchmark, ...]:
    if not isinstance(value, list):
        raise where.error("load", f"expected [[load]] entries (an array of tables), got {show(value)}; "
                                  "write [[load]], with double brackets, above each one")
    entries: list[LoadBenchmark] = []
    seen: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(value):
        load = load_entry(where, index, entry, lanes, defaults)
        earlier = seen.setdefault((load.lane, load.name), index)
        if earlier != index:
            raise where.error(f"load[{index}].name", f"{show(load.name)} is already the name of load[{earlier}] in "
                                                     f"lane {show(load.lane)}; names must be unique within a lane")
        entries.append(load)
    return tuple(entries)
