"""The configuration a run ran with, as one hash: two runs with the same hash measured the
same benchmarks the same way, whatever files or flags said so.

It hashes the resolved definitions (config file, ``[tool.perfbench]``, decorators and command
line overrides already folded in), by their content: not a config file's bytes or times, so
reformatting a file, reordering its keys or touching it changes nothing, while a budget, an
iteration count, a rule or a target does. Benchmark code is not in it: that is the git
commit's to say.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from perfbench.definition.suite import BenchmarkDefinition


def _canonical(value: Any) -> Any:
    """JSON-able, the same for equal values: dataclasses by field (and type, so that two
    targets with equal fields differ), mappings with sorted keys, sequences as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__,
                **{field.name: _canonical(getattr(value, field.name)) for field in dataclasses.fields(value)}}
    if isinstance(value, Mapping):
        return {str(key): _canonical(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_canonical(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a definition holds a {type(value).__name__}, which the config hash cannot read: "
                    "definitions are data only")


def config_hash(definitions: Sequence[BenchmarkDefinition]) -> str:
    """sha256 (hex) of the definitions, in run order."""
    canonical = json.dumps([_canonical(d) for d in definitions], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
