"""Raw samples kept compactly and exactly: an iteration's samples as one compressed block
beside its record, the record keeping how many samples each measurement had.

The encoding is lossless by construction: every sample is stored as the float64 it is (little
endian), and the block is zlib-compressed. No narrower type: float32 has a 24-bit
significand, so a 20-minute command's 1.2e12 ns would come back as a multiple of 131,072 ns, and
even a 20 ms sample loses its last nanoseconds. No rounding to integral nanoseconds either: a
micro-benchmark's sample is a mean over many calls (0.0513 ns per call of an empty loop)
and its digits matter.

Compression is what makes it small: samples are quantised by the clock (a sample is
whole ticks over a fixed call count), so few distinct values recur and zlib stores each
repeat as a back-reference. Measured on the default suite's stores (the same run's data at
schema 4 and migrated to 5): `run --quick`, 96,877 samples, 1,887,411 bytes as JSON text,
775,016 as raw float64, 207,287 as float64 + zlib; the full `run`, 439,067 samples,
8,597,471 bytes as JSON text, 792,245 as float64 + zlib. Byte-shuffling the floats first
(as Blosc does) made it worse (423,326 bytes on the quick run's samples), because it splits
each repeated value across eight planes.

A record's measurements are found where ``IterationRecord.to_dict`` puts a ``samples_ns``
list (the measurement, each sweep point's, the baseline), in document order; the same walk
puts them back, so this needs no knowledge of the record's layout beyond that key.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

SAMPLES_KEY = "samples_ns"  # where a measurement document holds its samples
COUNT_KEY = "samples_ns_count"  # what the stored record holds instead
_FLOAT64_LE = np.dtype("<f8")


class DamagedSamples(ValueError):
    """A sample block that does not decompress, or does not hold the samples its record counts."""


def _measurements(document: Any, key: str) -> Iterator[dict[str, Any]]:
    """Every dict holding ``key``, in document order (depth first)."""
    if isinstance(document, dict):
        if key in document:
            yield document
        for name, value in document.items():
            if name != key:
                yield from _measurements(value, key)
    elif isinstance(document, list):
        for value in document:
            yield from _measurements(value, key)


def pack(record: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
    """The record without its samples (each ``samples_ns`` replaced by its count), and every
    sample in one compressed block; None where the record holds no measurement."""
    stripped = _copy(record)
    found = list(_measurements(stripped, SAMPLES_KEY))
    if not found:
        return stripped, None
    arrays = [np.asarray(m.pop(SAMPLES_KEY), dtype=_FLOAT64_LE) for m in found]
    for measurement, samples in zip(found, arrays, strict=True):
        measurement[COUNT_KEY] = int(samples.size)
    return stripped, zlib.compress(np.concatenate(arrays).tobytes())


def unpack(stored: dict[str, Any], block: bytes | None) -> dict[str, Any]:
    """The record as ``pack`` was given it (samples as float64 arrays, bit for bit)."""
    found = list(_measurements(stored, COUNT_KEY))
    if not found:
        return stored
    if block is None:
        raise DamagedSamples("a record counts samples but its sample block is missing")
    try:
        raw = zlib.decompress(block)
    except zlib.error as error:
        raise DamagedSamples(f"a sample block does not decompress ({error})") from None
    if len(raw) % _FLOAT64_LE.itemsize:
        raise DamagedSamples(f"a sample block of {len(raw)} bytes, not a whole number of float64")
    samples = np.frombuffer(raw, dtype=_FLOAT64_LE).astype(np.float64)
    counts = [m[COUNT_KEY] for m in found]
    if sum(counts) != samples.size:
        raise DamagedSamples(f"a sample block of {samples.size} samples for a record that counts {sum(counts)}")
    start = 0
    for measurement, count in zip(found, counts, strict=True):
        del measurement[COUNT_KEY]
        measurement[SAMPLES_KEY] = samples[start:start + count]
        start += count
    return stored


def _copy(document: Any) -> Any:
    """A copy of the dicts and lists (the caller's record stays as it was; the sample lists,
    which are read, not changed, are shared)."""
    if isinstance(document, dict):
        return {key: value if key == SAMPLES_KEY else _copy(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_copy(value) for value in document]
    return document
