"""Binding a benchmark's parameters to its function once, so that each timed call costs
only the call.

``functools.partial(fn, n=1000)`` calls through C, but builds a keyword dict on every call:
~2 allocations and tens of ns that the benchmark would be charged for (measured with the
worker's allocation pass: a call of ``partial(f, n=4096)`` allocated 2 blocks, 136 bytes
more than ``f(4096)``). A plain Python function's positional-or-keyword parameters are
therefore passed positionally, as a tuple the C++ loop hands to every vectorcall; only what
cannot go that way (keyword-only parameters, callables without ``__code__``) goes through
``functools.partial``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any


def bind_parameters(fn: Callable[..., Any], params: Mapping[str, Any],
                    args: tuple[Any, ...] = ()) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """(callable, positional arguments) that call ``fn(*args, **params)``."""
    if not params:
        return fn, tuple(args)
    code = getattr(fn, "__code__", None)
    if code is not None and not hasattr(fn, "__self__"):  # a bound method's first name is its self
        following = code.co_varnames[len(args):code.co_argcount]
        leading = following[:len(params)]
        if set(leading) == set(params):
            return fn, (*args, *(params[name] for name in leading))
    return functools.partial(fn, **params), tuple(args)
