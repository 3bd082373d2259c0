"""Sending a run's OpenMetrics gauges to a Prometheus Pushgateway (``report --push URL``).

A Pushgateway takes Prometheus' text format 0.0.4, not OpenMetrics, so the OpenMetrics text
the exporter wrote is parsed back with ``prometheus_client``'s own OpenMetrics parser and
sent with its ``push_to_gateway`` (which writes 0.0.4: a state set becomes a gauge per
state). The same figures reach both, and a file that would not parse is never pushed.

The push replaces the group ``job="perfbench", host=<host id>``: a later run of the same host
replaces the earlier one's series instead of piling up beside it.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, push_to_gateway
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from perfbench.errors import PerfbenchError

JOB = "perfbench"


class PushError(PerfbenchError):
    """The Pushgateway could not be reached or refused the push (the reports are written)."""


class _Parsed:
    """A collector that yields the metric families parsed from the exporter's text."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return iter(self._families)


def push_openmetrics(text: str, url: str, *, host: str, timeout: float) -> None:
    """Push the OpenMetrics ``text`` to the Pushgateway at ``url`` within ``timeout`` seconds.
    Raises PushError naming the URL and what went wrong."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Parsed(list(text_string_to_metric_families(text))))  # type: ignore[arg-type]
    try:
        push_to_gateway(url, job=JOB, registry=registry, grouping_key={"host": host}, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise PushError(f"--push {url}: the Pushgateway answered HTTP {error.code} {error.reason}; the reports are "
                        "written, push them again with `python -m perfbench report --format openmetrics --push URL`") \
            from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise PushError(f"--push {url}: could not reach the Pushgateway ({reason}); the reports are written, push "
                        "them again with `python -m perfbench report --format openmetrics --push URL`") from None
