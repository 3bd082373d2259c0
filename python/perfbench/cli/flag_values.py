"""Command-line values checked at the edge: a flag's bad value is one line naming the flag."""

from __future__ import annotations

from perfbench.config.fields import MAX_WHOLE_NUMBER
from perfbench.errors import UnitError, UsageError
from perfbench.units import parse_duration


def duration_flag(flag: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = parse_duration(text)
    except UnitError as error:
        raise UsageError(f"{flag}: {error}") from None
    if value <= 0:
        raise UsageError(f"{flag}: must be positive, got {text!r}")
    return value


def count_flag(flag: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise UsageError(f"{flag}: must be at least 1, got {value}")
    if value is not None and value > MAX_WHOLE_NUMBER:
        raise UsageError(f"{flag}: must be at most {MAX_WHOLE_NUMBER:,}, got {value}")

