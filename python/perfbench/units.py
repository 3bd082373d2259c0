"""Quantities with units, as written in config files and on the command line.

Accepted forms (case-sensitive where SI makes it matter: `ms` vs `Ms` is not a thing here,
but `MB` vs `Mb` would be, so sizes are bytes only):

* durations: ``250ns``, ``3us`` (or ``µs``), ``2ms``, ``0.5s``, ``5m``, ``1h``
* sizes:     ``512B``, ``64KB``, ``512MB``, ``2GB`` (powers of 1000) and ``KiB``/``MiB``/``GiB``
* percent:   ``30%``
* rates:     ``10/s``, ``600/m``, ``20k/s``, ``1M/s``, ``2G/s``
* byte rates: ``100MB/s``, ``1GB/s``, ``512MiB/s`` (a size per period)

Each parser returns a float in base units (seconds, bytes, fraction 0..1, per second)
and raises UnitError with the accepted forms when it cannot. A value must also be finite
and at most its family's bound (``MAX_*`` below): ``1e999s`` reads as infinity and
``1000000000000h`` overflows the operating system's timers, so neither may reach a timeout.
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
RATE_MULTIPLIERS = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}

_DURATION = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>ns|us|µs|ms|s|min|m|h)\s*$")
_SIZE = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$")
_PERCENT = re.compile(rf"^\s*{_NUMBER}\s*%\s*$")
_RATE = re.compile(rf"^\s*{_NUMBER}\s*(?P<mult>k|M|G)?\s*/\s*(?P<period>s|min|m|h)\s*$")
_BYTE_RATE = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*/\s*(?P<period>s|min|m|h)\s*$")

# The bounds are far beyond any sensible value, and far below what the system can represent
# (timeouts in select() and thread waits overflow at ~292 years; sizes as 64-bit integers).
MAX_DURATION_SECONDS, MAX_DURATION_TEXT = 365 * 24 * 3600.0, "8760h (a year)"
MAX_SIZE_BYTES, MAX_SIZE_TEXT = 1e15, "1000TB"
MAX_PERCENT_FRACTION, MAX_PERCENT_TEXT = 1e4, "1000000%"
MAX_RATE_PER_SECOND, MAX_RATE_TEXT = 1e12, "1000G/s"
MAX_BYTE_RATE, MAX_BYTE_RATE_TEXT = 1e15, "1000TB/s"

DURATION_HELP = "a duration such as 250ns, 3us, 2ms, 0.5s, 5m or 1h"
SIZE_HELP = "a size such as 512B, 64KB, 512MB, 2GB or 1GiB"
PERCENT_HELP = "a percentage such as 30%"
RATE_HELP = "a rate such as 10/s, 600/m, 20k/s or 1M/s"
BYTE_RATE_HELP = "a byte rate such as 100MB/s, 1GB/s or 512MiB/s"


def _fail(text: object, expected: str) -> UnitError:
    return UnitError(f"{text!r} is not {expected}")


def _match(text: str | int | float, pattern: re.Pattern[str], expected: str, bare_number_hint: str = "") -> re.Match[str]:
    if not isinstance(text, str):
        raise _fail(text, expected + bare_number_hint)
    match = pattern.match(text)
    if not match:
        raise _fail(text, expected)
    return match


def _bounded(text: str | int | float, value: float, maximum: float, maximum_text: str, family: str) -> float:
    if not value <= maximum:  # also catches infinity (and a NaN, should one ever get here)
        raise UnitError(f"{text!r} is beyond the largest {family} perfbench accepts, {maximum_text}")
    return value


def parse_duration(text: str | int | float) -> float:
    """Seconds. Bare numbers are refused: `budget = 5` could mean s, ms or minutes."""
    match = _match(text, _DURATION, DURATION_HELP, " (write the unit)")
    return _bounded(text, float(match["number"]) * DURATION_UNITS[match["unit"]], MAX_DURATION_SECONDS,
                    MAX_DURATION_TEXT, "duration")


def parse_size(text: str | int | float) -> float:
    """Bytes."""
    match = _match(text, _SIZE, SIZE_HELP, " (write the unit)")
    return _bounded(text, float(match["number"]) * SIZE_UNITS[match["unit"]], MAX_SIZE_BYTES, MAX_SIZE_TEXT, "size")


def parse_percent(text: str | int | float) -> float:
    """A fraction: ``30%`` -> 0.3."""
    fraction = float(_match(text, _PERCENT, PERCENT_HELP)["number"]) / 100.0
    return _bounded(text, fraction, MAX_PERCENT_FRACTION, MAX_PERCENT_TEXT, "percentage")


def parse_rate(text: str | int | float) -> float:
    """Events per second."""
    match = _match(text, _RATE, RATE_HELP)
    per_second = float(match["number"]) * RATE_MULTIPLIERS[match["mult"] or ""] / RATE_PERIODS[match["period"]]
    return _bounded(text, per_second, MAX_RATE_PER_SECOND, MAX_RATE_TEXT, "rate")


def parse_byte_rate(text: str | int | float) -> float:
    """Bytes per second."""
    match = _match(text, _BYTE_RATE, BYTE_RATE_HELP)
    per_second = float(match["number"]) * SIZE_UNITS[match["unit"]] / RATE_PERIODS[match["period"]]
    return _bounded(text, per_second, MAX_BYTE_RATE, MAX_BYTE_RATE_TEXT, "byte rate")


def duration_scale(ns: float) -> tuple[float, str]:
    """The unit a duration of ``ns`` reads best in, and its size in ns: (1e3, "µs") for 1234 ns."""
    magnitude = abs(ns)
    for limit, divisor, unit in ((1e3, 1.0, "ns"), (1e6, 1e3, "µs"), (1e9, 1e6, "ms")):
        if magnitude < limit:
            return divisor, unit
    return 1e9, "s"


def format_duration_ns(ns: float | None) -> str:
    """Human scale for a duration in ns, 4 significant digits: 1.234 ms."""
    if ns is None or ns != ns:
        return "-"
    divisor, unit = duration_scale(ns)
    return f"{ns / divisor:.4g} {unit}"


def format_size(num_bytes: float | None) -> str:
    if num_bytes is None:
        return "-"
    for limit, divisor, unit in ((1e3, 1, "B"), (1e6, 1e3, "KB"), (1e9, 1e6, "MB")):
        if abs(num_bytes) < limit:
            return f"{num_bytes / divisor:.4g} {unit}"
    return f"{num_bytes / 1e9:.4g} GB"
