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
import functools
import math
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any


class Malformed(Exception):
    """A document that is not what its format says: where in it, and what is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)


# No measured figure comes near these; beyond them a value is damage, and statistics over it
# (a square, a sum) would overflow instead of saying so.
MAX_MAGNITUDE = 1e100
MAX_TIME_NS = 1e15  # 11.6 days for one iteration


def _number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and abs(value) <= MAX_MAGNITUDE)


# kind -> (what a message calls it, the test a value must pass)
KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "number": ("a finite number", _number),
    "time": ("a time above zero", lambda v: _number(v) and v > 0),
    "count": ("a whole number >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "index": ("a whole number >= 0", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
    "text": ("a string", lambda v: isinstance(v, str)),
    "flag": ("true or false", lambda v: isinstance(v, bool)),
    "object": ("an object", lambda v: isinstance(v, dict)),
    "list": ("a list", lambda v: isinstance(v, list)),
    "numbers": ("a list of finite numbers", lambda v: isinstance(v, list) and all(_number(x) for x in v)),
    "times": ("a list of times above zero", lambda v: isinstance(v, list) and all(_number(x) and x > 0 for x in v)),
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


def in_ns(value: float, scale: float, where: str) -> float:
    """A time the file gives in some unit (``scale`` ns each), in ns, held to what one
    iteration can take."""
    ns = value * scale
    if not 0 < ns <= MAX_TIME_NS:
        raise Malformed(where, f"expected a time per iteration above zero and at most {MAX_TIME_NS:g} ns, "
                               f"got {_shown(value)}")
    return ns


def iso_time(text: str, where: str) -> str:
    """A timestamp as ISO 8601 (``2024-05-01T12:00:00+00:00``): the form runs keep their
    times in. A time written without a zone stays without one: the file does not say which."""
    try:
        return datetime.datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise Malformed(where, f"expected a date and time, got {_shown(text)}") from None


# What a model field of a primitive type accepts: the constructors of the frozen dataclasses
# take any value, and a dict where a number belongs would reach the store's columns.
_PRIMITIVE: dict[type, tuple[str, Callable[[Any], bool]]] = {
    str: ("a string", lambda v: isinstance(v, str)),
    int: ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    # NaN and infinities included: a statistic of a zero mean is NaN, and that is what was stored
    float: ("a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    bool: ("true or false", lambda v: isinstance(v, bool)),
    type(None): ("null", lambda v: v is None),
}


@functools.lru_cache(maxsize=None)
def _primitive_fields(cls: type) -> dict[str, tuple[type, ...]]:
    """The fields of dataclass ``cls`` whose type is made of primitives only (``float | None``)."""
    found = {}
    for name, hint in typing.get_type_hints(cls).items():
        allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union \
            else (hint,)
        if all(kind in _PRIMITIVE for kind in allowed):
            found[name] = allowed
    return found


def check_fields(cls: type, document: Any, where: str) -> Mapping[str, Any]:
    """``document``, an object whose fields of primitive type in dataclass ``cls`` hold values
    of that type (the rest its constructor checks)."""
    if not isinstance(document, dict):
        raise Malformed(where, f"expected an object, got {_shown(document)}")
    for name, allowed in _primitive_fields(cls).items():
        if name in document and not any(_PRIMITIVE[kind][1](document[name]) for kind in allowed):
            described = " or ".join(_PRIMITIVE[kind][0] for kind in allowed)
            raise Malformed(f"{where}.{name}", f"expected {described}, got {_shown(document[name])}")
    return document


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
