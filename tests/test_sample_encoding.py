"""Raw samples stored compactly and read back exactly, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from test_store import measurement

from perfbench.model import IterationRecord
from perfbench.store import open_store, sample_encoding

# Values float32 (24-bit significand) or integral nanoseconds would change: a 20-minute
# command with a fraction, neighbours one ulp apart, sub-nanosecond means, extremes.
AWKWARD = np.array([1.2e12 + 0.5, np.nextafter(1.2e12, np.inf), 16_777_217.0, 0.0513, 1e-300, 5e-324, -0.0,
                    2.0 ** 53 + 2, np.finfo(np.float64).max, 3.141592653589793, 1 / 3], dtype=np.float64)


def _bits(values: np.ndarray) -> bytes:
    return np.asarray(values, dtype="<f8").tobytes()


def test_samples_pack_and_unpack_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    noisy = rng.lognormal(8, 1, 5000)
    record = {"index": 0, "measurement": {"samples_ns": AWKWARD.tolist(), "clock": "tsc"},
              "sweep": [{"value": 10, "measurement": {"samples_ns": noisy.tolist()}},
                        {"value": 20, "measurement": {"samples_ns": []}}],
              "baseline": {"samples_ns": [1.0, 2.0]}, "resources": {"sample_count": 3}}
    stored, block = sample_encoding.pack(record)
    assert "'samples_ns'" not in str(stored) and stored["resources"] == {"sample_count": 3}
    assert stored["measurement"]["samples_ns_count"] == AWKWARD.size
    assert len(record["measurement"]["samples_ns"]) == AWKWARD.size  # the caller's record is left as it was
    back = sample_encoding.unpack(stored, block)
    assert _bits(back["measurement"]["samples_ns"]) == _bits(AWKWARD)
    assert _bits(back["sweep"][0]["measurement"]["samples_ns"]) == _bits(noisy)
    assert back["sweep"][1]["measurement"]["samples_ns"].size == 0
    assert back["baseline"]["samples_ns"].tolist() == [1.0, 2.0] and back["measurement"]["clock"] == "tsc"


def test_a_record_without_measurements_has_no_block() -> None:
    stored, block = sample_encoding.pack({"index": 1, "wall_ns": 5.0, "measurement": None})
    assert block is None and sample_encoding.unpack(stored, None) == {"index": 1, "wall_ns": 5.0, "measurement": None}


def test_samples_read_back_from_the_store_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    exact = [IterationRecord(index=i, warmup=False, wall_ns=1e6, process=i,
                             measurement=measurement(list(AWKWARD if i == 0 else rng.lognormal(20, 2, 300)), i),
                             baseline=measurement([float(i) + 0.1, 1e12 / 3]))
             for i in range(3)]
    with open_store(tmp_path / "s.db") as store:
        run_id = store.begin_run({}, "test")
        result_id = store.begin_result(run_id, "l", "b", "python", {})
        for record in exact:
            store.add_iteration(result_id, record)
    with open_store(tmp_path / "s.db") as store:
        [stored] = store.results(run_id)
    for written, read in zip(exact, stored.result.iterations, strict=True):
        assert _bits(read.measurement.samples_ns) == _bits(written.measurement.samples_ns)
        assert _bits(read.baseline.samples_ns) == _bits(written.baseline.samples_ns)
        assert read.to_dict() == written.to_dict()
