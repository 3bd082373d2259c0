"""Quantities with units, as written in config files and on the command line.

Accepted forms (case-sensitive where SI makes it matter: `ms` vs `Ms` is not a thing here,
but `MB` vs `Mb` would be, so sizes are bytes only):

* durations: ``250ns``, ``3us`` (or ``µs``), ``2ms``, ``0.5s``, ``5m``, ``1h``
* sizes:     ``512B``, ``64KB``, ``512MB``, ``2GB`` (powers of 1000) and ``KiB``/``MiB``/``GiB``
* percent:   ``30%``
* rates:     ``10/s``, ``600/m``, ``20k/s``
* byte rates: ``512KB/s``, ``10MB/s``, ``1GiB/m`` (a size per period)

Each parser returns a float in base units (seconds, bytes, fraction 0..1, per second)
and raises UnitError with the accepted forms when it cannot.
"""

from __future__ import annotations

import re

from perfbench.errors import UnitError

_NUMBER = r"(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+)"

DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
SIZE_UNITS = {
    "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
    "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4,
}
RATE_PERIODS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
RATE_MULTIPLIERS = {"": 1.0, "k": 1e3, "M": 1e6}

_DURATION = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>ns|us|µs|ms|s|min|m|h)\s*$")
_SIZE = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$")
_PERCENT = re.compile(rf"^\s*{_NUMBER}\s*%\s*$")
_RATE = re.compile(rf"^\s*{_NUMBER}\s*(?P<mult>k|M)?\s*/\s*(?P<period>s|min|m|h)\s*$")
_BYTE_RATE = re.compile(rf"^\s*(?P<size>[^/]+?)\s*/\s*(?P<period>s|min|m|h)\s*$")

DURATION_HELP = "a duration such as 250ns, 3us, 2ms, 0.5s, 5m or 1h"
SIZE_HELP = "a size such as 512B, 64KB, 512MB, 2GB or 1GiB"
PERCENT_HELP = "a percentage such as 30%"
RATE_HELP = "a rate such as 10/s, 600/m or 20k/s"
BYTE_RATE_HELP = "a byte rate such as 512KB/s or 10MB/s"


def _fail(text: object, expected: str) -> UnitError:
    return UnitError(f"{text!r} is not {expected}")


def parse_duration(text: str | int | float) -> float:
    """Seconds. Bare numbers are refused: `budget = 5` could mean s, ms or minutes."""
    if not isinstance(text, str):
        raise _fail(text, DURATION_HELP + " (write the unit)")
    match = _DURATION.match(text)
    if not match:
        raise _fail(text, DURATION_HELP)
    return float(match["number"]) * DURATION_UNITS[match["unit"]]


def parse_size(text: str | int | float) -> float:
    """Bytes."""
    if not isinstance(text, str):
        raise _fail(text, SIZE_HELP + " (write the unit)")
    match = _SIZE.match(text)
    if not match:
        raise _fail(text, SIZE_HELP)
    return float(match["number"]) * SIZE_UNITS[match["unit"]]


def parse_percent(text: str | int | float) -> float:
    """A fraction: ``30%`` -> 0.3."""
    if not isinstance(text, str):
        raise _fail(text, PERCENT_HELP)
    match = _PERCENT.match(text)
    if not match:
        raise _fail(text, PERCENT_HELP)
    return float(match["number"]) / 100.0


def parse_rate(text: str | int | float) -> float:
    """Events per second."""
    if not isinstance(text, str):
        raise _fail(text, RATE_HELP)
    match = _RATE.match(text)
    if not match:
        raise _fail(text, RATE_HELP)
    return float(match["number"]) * RATE_MULTIPLIERS[match["mult"] or ""] / RATE_PERIODS[match["period"]]


def parse_byte_rate(text: str | int | float) -> float:
    """Bytes per second."""
    match = _BYTE_RATE.match(text) if isinstance(text, str) else None
    if not match:
        raise _fail(text, BYTE_RATE_HELP)
    try:
        size = parse_size(match["size"])
    except UnitError:
        raise _fail(text, BYTE_RATE_HELP) from None
    return size / RATE_PERIODS[match["period"]]


def format_duration_ns(ns: float | None) -> str:
    """Human scale for a duration in ns, 4 significant digits: 1.234 ms."""
    if ns is None or ns != ns:
        return "-"
    magnitude = abs(ns)
    for limit, divisor, unit in ((1e3, 1.0, "ns"), (1e6, 1e3, "µs"), (1e9, 1e6, "ms")):
        if magnitude < limit:
            return f"{ns / divisor:.4g} {unit}"
    return f"{ns / 1e9:.4g} s"


def format_size(num_bytes: float | None) -> str:
    if num_bytes is None:
        return "-"
    for limit, divisor, unit in ((1e3, 1, "B"), (1e6, 1e3, "KB"), (1e9, 1e6, "MB")):
        if abs(num_bytes) < limit:
            return f"{num_bytes / divisor:.4g} {unit}"
    return f"{num_bytes / 1e9:.4g} GB"


def format_byte_rate(bytes_per_second: float | None) -> str:
    """A byte rate with its unit: 516 KB/s, never a bare 516k/s."""
    return "-" if bytes_per_second is None else f"{format_size(bytes_per_second)}/s"
