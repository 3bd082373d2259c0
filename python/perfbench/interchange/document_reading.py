"""Taking values out of a JSON document that someone else wrote, with messages that say
where it is wrong.

A reader takes each value it needs with ``take(document, key, kind, where)``: a missing key,
or a value of another kind than expected, is a ``Malformed`` naming its place in the
document (``benchmarks[3].real_time``) and what was expected there. Values that a model
constructor checks itself (a measurement without samples, segments that do not add up) are
read inside ``located(where)``, which gives the constructor's complaint the same place.
``reading.read_run_file`` puts the file's name in front: one line, file, place and reason.
"""

from __future__ import annotations

import contextlib
import datetime
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any


class Malformed(Exception):
    """A document that is not what its format says: where in it, and what is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# kind -> (what a message calls it, the test a value must pass)
KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "number": ("a finite number", _number),
    "count": ("a whole number >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "index": ("a whole number >= 0", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
    "text": ("a string", lambda v: isinstance(v, str)),
    "flag": ("true or false", lambda v: isinstance(v, bool)),
    "object": ("an object", lambda v: isinstance(v, dict)),
    "list": ("a list", lambda v: isinstance(v, list)),
    "numbers": ("a list of finite numbers", lambda v: isinstance(v, list) and all(_number(x) for x in v)),
}

_REQUIRED = object()


def take(document: Mapping[str, Any], key: str, kind: str, where: str, default: Any = _REQUIRED) -> Any:
    """``document[key]``, which must be of ``kind`` (a key of KINDS); ``default`` when it is
    absent or null, if one is given."""
    place = f"{where}.{key}" if where else key
    value = document.get(key)
    if value is None:
        if default is not _REQUIRED:
            return default
        raise Malformed(place, f"missing (expected {KINDS[kind][0]})")
    described, test = KINDS[kind]
    if not test(value):
        raise Malformed(place, f"expected {described}, got {_shown(value)}")
    return value


def iso_time(text: str, where: str) -> str:
    """A timestamp as ISO 8601 (``2024-05-01T12:00:00+00:00``): the form runs keep their
    times in. A time written without a zone stays without one: the file does not say which."""
    try:
        return datetime.datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise Malformed(where, f"expected a date and time, got {_shown(text)}") from None


@contextlib.contextmanager
def located(where: str) -> Iterator[None]:
    """What a model constructor refuses inside, as a Malformed at ``where``."""
    try:
        yield
    except KeyError as error:
        raise Malformed(where, f"missing {error.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError) as error:
        raise Malformed(where, str(error)) from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
