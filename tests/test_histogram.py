"""The C++ latency histogram against numpy on known distributions, and its serialised form."""

from __future__ import annotations

import pickle
import threading
import zlib

import numpy as np
import numpy.typing as npt
import pytest

from perfbench._core import HISTOGRAM_FORMAT_VERSION, LatencyHistogram


@pytest.fixture(params=[2, 3], ids=["2-digits", "3-digits"])
def digits(request: pytest.FixtureRequest) -> int:
    return request.param


def test_percentiles_within_the_stated_precision(digits: int) -> None:
    values = np.random.default_rng(0).lognormal(10, 1.2, 200_000).astype(np.uint64)
    h = LatencyHistogram(digits)
    h.record_array(values)
    for q in (0, 50, 90, 99, 99.9, 100):
        exact = np.percentile(values, q, method="inverted_cdf")
        got = h.value_at_percentile(q)
        assert exact <= got <= exact * (1 + 10.0 ** -digits * 2) + 1  # upper edge, never below
    assert h.count == values.size
    assert h.min == values.min() and h.max == values.max()
    assert h.mean == pytest.approx(values.mean())
    assert h.stdev == pytest.approx(values.std(ddof=1), rel=1e-6)


def test_small_values_are_exact() -> None:
    h = LatencyHistogram(3)
    for v in range(1, 1001):
        h.record(v)
    assert h.value_at_percentile(50) == 500
    assert h.value_at_percentile(99) == 990


def test_values_beyond_the_range_are_clamped_and_counted() -> None:
    h = LatencyHistogram(3, highest_trackable=1 << 20)
    h.record(1 << 30)
    assert h.saturated == 1 and h.max == 1 << 20


def test_merge_equals_recording_everything_in_one() -> None:
    rng = np.random.default_rng(3)
    a_values, b_values = rng.integers(1, 10**7, 5000), rng.integers(1, 10**5, 5000)
    a, b, both = LatencyHistogram(3), LatencyHistogram(3), LatencyHistogram(3)
    a.record_array(a_values)
    b.record_array(b_values)
    both.record_array(np.concatenate([a_values, b_values]))
    a.merge(b)
    assert a.nonzero_buckets() == both.nonzero_buckets()
    with pytest.raises(ValueError):
        a.merge(LatencyHistogram(2))


def test_coordinated_omission_correction_fills_in_the_missed_requests() -> None:
    """A 100 ms stall with requests due every 10 ms hides nine more delayed requests."""
    h = LatencyHistogram(3)
    for _ in range(90):
        h.record_corrected(1_000_000, 10_000_000)  # 1 ms responses, on time
    h.record_corrected(100_000_000, 10_000_000)
    assert h.count == 100
    assert h.value_at_percentile(95) >= 40_000_000  # uncorrected it would read 1 ms


def test_empty_histogram_and_bad_arguments() -> None:
    h = LatencyHistogram()
    assert h.count == 0 and h.value_at_percentile(99) == 0 and h.min == 0
    with pytest.raises(ValueError):
        LatencyHistogram(0)


# ---------------------------------------------------------------- issue 12: the HDR-style histogram

ONE_US, ONE_HOUR = 1_000, 3_600 * 10**9
STANDARD_PERCENTILES = np.array([0, 50, 75, 90, 95, 99, 99.9, 99.99, 99.999, 100])
KIB = 1024


def lognormal_ns(n: int, seed: int) -> npt.NDArray[np.uint64]:
    """Request latencies around 200 µs with a tail reaching seconds."""
    return np.clip(np.random.default_rng(seed).lognormal(np.log(200_000), 1.5, n), ONE_US, ONE_HOUR).astype(np.uint64)


def bimodal_ns(n: int, seed: int) -> npt.NDArray[np.uint64]:
    """A fast path near 50 µs and a slow one near 20 ms (a cache miss, a retry)."""
    rng = np.random.default_rng(seed)
    fast = rng.normal(50_000, 5_000, n - n // 10)
    slow = rng.normal(20_000_000, 3_000_000, n // 10)
    return np.clip(np.concatenate([fast, slow]), ONE_US, ONE_HOUR).astype(np.uint64)


@pytest.fixture(params=[lognormal_ns, bimodal_ns], ids=["lognormal", "bimodal"])
def latencies(request: pytest.FixtureRequest) -> npt.NDArray[np.uint64]:
    return request.param(1_000_000, 12)


def filled(values: npt.NDArray[np.uint64]) -> LatencyHistogram:
    h = LatencyHistogram.request_latency()
    h.record_array(values)
    return h


def test_percentiles_are_within_a_tenth_of_a_percent_of_the_sorted_samples(latencies) -> None:
    h = filled(latencies)
    got = h.percentiles(STANDARD_PERCENTILES)
    exact = np.percentile(latencies, STANDARD_PERCENTILES, method="inverted_cdf").astype(np.uint64)
    assert got.dtype == np.uint64 and got.shape == STANDARD_PERCENTILES.shape
    assert np.all(got >= exact)  # the bucket's upper edge: a tail is never under-stated
    assert np.all((got - exact) / exact <= 0.001), (got - exact) / exact
    assert got[0] == latencies.min() and got[-1] == latencies.max()


def test_percentiles_answer_in_the_order_asked_and_match_one_at_a_time(latencies) -> None:
    h = filled(latencies)
    asked = np.array([99.9, 50, 100, 0, 99, 75, 50])
    assert h.percentiles(asked).tolist() == [h.value_at_percentile(p) for p in asked]
    assert h.percentiles([]).shape == (0,)


@pytest.mark.parametrize("bad", [-0.1, 100.5, float("nan")], ids=["negative", "above-100", "nan"])
def test_a_percentile_outside_0_to_100_is_refused(bad: float) -> None:
    h = filled(lognormal_ns(100, 1))
    with pytest.raises(ValueError, match="outside 0..100"):
        h.percentiles([50, bad])


def test_counts_and_bucket_edges_are_numpy_histogram_bins(latencies) -> None:
    h = filled(latencies)
    counts, edges = h.counts(), h.bucket_edges()
    assert counts.dtype == np.uint64 and edges.dtype == np.uint64
    assert edges.size == counts.size + 1 and np.all(np.diff(edges.astype(np.int64)) > 0)
    assert int(counts.sum()) == h.count == latencies.size
    assert np.array_equal(np.histogram(latencies, bins=edges.astype(np.float64))[0], counts)


def test_the_range_is_1us_to_1h_at_three_digits_with_both_edges_exact() -> None:
    h = LatencyHistogram.request_latency()
    assert (h.significant_digits, h.lowest_discernible, h.highest_trackable) == (3, ONE_US, ONE_HOUR)
    h.record(ONE_US)
    h.record(ONE_HOUR)
    assert h.saturated == 0
    assert h.percentiles([0, 50, 100]).tolist() == [ONE_US, ONE_US, ONE_HOUR]
    for value in (ONE_US + 1, 1_234_567, ONE_HOUR - 1):  # 3 digits everywhere between
        one = LatencyHistogram.request_latency()
        one.record_n(value, 2)
        one.record(ONE_US)  # so the percentile is a bucket edge, not the exact max
        assert value <= one.value_at_percentile(50) <= value * 1.001
    h.record(ONE_HOUR + 1)
    assert h.saturated == 1 and h.max == ONE_HOUR


def test_values_below_lowest_discernible_are_counted_in_one_bucket() -> None:
    h = LatencyHistogram.request_latency()
    h.record_array(np.array([0, 5, 999], dtype=np.uint64))
    h.record(ONE_US)
    assert h.count == 4 and h.min == 0 and h.max == ONE_US
    assert h.counts()[:2].tolist() == [3, 1]
    assert h.bucket_edges()[:3].tolist() == [0, ONE_US, ONE_US + 1]
    assert h.mean == pytest.approx((5 + 999 + ONE_US) / 4)


def test_a_histogram_takes_at_most_256_kib() -> None:
    assert LatencyHistogram.request_latency().memory_bytes() <= 256 * KIB
    assert LatencyHistogram().memory_bytes() <= 256 * KIB  # the workloads' default (1 ns .. 2^40 ns)
    assert LatencyHistogram(2).memory_bytes() < LatencyHistogram(3).memory_bytes()


@pytest.mark.parametrize(("args", "message"), [
    ((3, ONE_HOUR, 0), "lowest_discernible must be at least 1"),
    ((3, 1_000, 1_000), "must be above lowest_discernible"),
    ((3, 2**49, 1), "above the limit of 2\\^48"),
    ((6, ONE_HOUR, 1), "between 1 and 5"),
], ids=["lowest-0", "highest-not-above-lowest", "highest-above-limit", "six-digits"])
def test_an_impossible_layout_is_refused_with_its_reason(args, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LatencyHistogram(*args)


def test_merging_per_thread_histograms_equals_one_histogram_of_the_union() -> None:
    parts = [lognormal_ns(50_000, seed) for seed in range(4)] + [bimodal_ns(50_000, 9)]
    merged, union = LatencyHistogram.request_latency(), filled(np.concatenate(parts))
    for part in parts:
        merged.merge(filled(part))
    assert merged == union
    assert np.array_equal(merged.counts(), union.counts())
    assert (merged.count, merged.min, merged.max) == (union.count, union.min, union.max)
    assert (merged.mean, merged.stdev) == (union.mean, union.stdev)  # exact integer sums
    assert np.array_equal(merged.percentiles(STANDARD_PERCENTILES), union.percentiles(STANDARD_PERCENTILES))


def test_threads_record_into_their_own_histograms_at_once_and_merge_exactly() -> None:
    """record_array releases the GIL, so the four threads really record concurrently."""
    parts = [lognormal_ns(200_000, seed) for seed in range(4)]
    per_thread = [LatencyHistogram.request_latency() for _ in parts]
    threads = [threading.Thread(target=h.record_array, args=(values,)) for h, values in zip(per_thread, parts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged = LatencyHistogram.request_latency()
    for h in per_thread:
        merged.merge(h)
    assert merged == filled(np.concatenate(parts))


def test_merging_an_empty_histogram_changes_nothing() -> None:
    h = filled(lognormal_ns(1_000, 2))
    before = LatencyHistogram.from_bytes(h.to_bytes())
    h.merge(LatencyHistogram.request_latency())
    assert h == before


def test_histograms_of_different_layouts_do_not_merge() -> None:
    with pytest.raises(ValueError, match="different layouts .*3 digits, 1000 ns .. 3600000000000 ns vs 3 digits, 1 ns"):
        LatencyHistogram.request_latency().merge(LatencyHistogram())


@pytest.mark.parametrize("compress", [True, False], ids=["deflated", "plain"])
def test_serialisation_round_trip_is_exact(latencies, compress: bool) -> None:
    h = filled(latencies)
    h.record(ONE_HOUR * 2)  # saturated values survive too
    blob = h.to_bytes(compress=compress)
    back = LatencyHistogram.from_bytes(blob)
    assert back == h
    assert (back.count, back.saturated, back.min, back.max, back.mean, back.stdev) == (
        h.count, h.saturated, h.min, h.max, h.mean, h.stdev)
    assert np.array_equal(back.percentiles(STANDARD_PERCENTILES), h.percentiles(STANDARD_PERCENTILES))
    assert len(blob) < 64 * KIB  # compact: the non-empty buckets only
    assert blob[:4] == b"PBHS" and blob[4] == HISTOGRAM_FORMAT_VERSION


def test_an_empty_histogram_and_a_pickled_one_round_trip() -> None:
    for h in (LatencyHistogram(), LatencyHistogram(2, 1 << 30, 100), filled(bimodal_ns(10_000, 3))):
        assert LatencyHistogram.from_bytes(h.to_bytes()) == h
        assert pickle.loads(pickle.dumps(h)) == h


def test_histograms_from_several_processes_merge_from_their_bytes() -> None:
    blobs = [filled(lognormal_ns(20_000, seed)).to_bytes() for seed in range(3)]
    merged = LatencyHistogram.request_latency()
    for blob in blobs:
        merged.merge(LatencyHistogram.from_bytes(blob))
    assert merged == filled(np.concatenate([lognormal_ns(20_000, seed) for seed in range(3)]))


@pytest.fixture(params=[True, False], ids=["deflated", "plain"])
def small_blob(request: pytest.FixtureRequest) -> bytes:
    return filled(bimodal_ns(300, 5)).to_bytes(compress=request.param)


def test_every_flipped_byte_is_rejected(small_blob: bytes) -> None:
    for at in range(len(small_blob)):
        corrupt = bytearray(small_blob)
        corrupt[at] ^= 0x01
        with pytest.raises(ValueError, match="histogram"):
            LatencyHistogram.from_bytes(bytes(corrupt))


def test_every_truncation_is_rejected(small_blob: bytes) -> None:
    for length in range(len(small_blob)):
        with pytest.raises(ValueError, match="histogram"):
            LatencyHistogram.from_bytes(small_blob[:length])
    with pytest.raises(ValueError, match="corrupt histogram"):
        LatencyHistogram.from_bytes(small_blob + b"\0")  # bytes after the body


def test_a_blob_of_something_else_is_rejected_by_its_magic() -> None:
    with pytest.raises(ValueError, match="not a perfbench histogram"):
        LatencyHistogram.from_bytes(b"HISTFAAAAAAAAAAAAAAAAA")


def test_a_newer_format_version_is_rejected_with_what_to_do(small_blob: bytes) -> None:
    newer = small_blob[:4] + bytes([HISTOGRAM_FORMAT_VERSION + 1]) + small_blob[5:]
    with pytest.raises(ValueError, match="version 2 is unknown.*reads version 1; upgrade perfbench"):
        LatencyHistogram.from_bytes(newer)


def varints(*values: int) -> bytes:
    out = bytearray()
    for value in values:
        while value >= 0x80:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)


def forged(saturated: int, min_: int, max_: int, total: int, buckets: list[tuple[int, int]]) -> bytes:
    """A version-1 blob with a correct checksum around the given (possibly inconsistent) state."""
    body = varints(3, 1, 1 << 20, saturated, min_, max_, total * min_, 0, total * min_ * min_, 0, len(buckets))
    for gap, count in buckets:
        body += varints(gap, count)
    return b"PBHS" + bytes([1, 0]) + len(body).to_bytes(4, "little") + zlib.crc32(body).to_bytes(4, "little") + body


@pytest.mark.parametrize(("blob", "message"), [
    (forged(0, 6, 6, 3, [(5, 3)]), "min or max is not in the first or last non-empty bucket"),
    (forged(4, 5, 5, 3, [(5, 3)]), "more values saturated than were counted"),
    (forged(0, 5, 5, 3, [(10**6, 3)]), "beyond the layout"),
    (forged(0, 5, 5, 3, [(5, 0)]), "empty or out of order"),
], ids=["min-outside-its-bucket", "saturated-above-count", "bucket-beyond-layout", "empty-bucket"])
def test_a_blob_with_a_valid_checksum_but_inconsistent_state_is_rejected(blob: bytes, message: str) -> None:
    assert LatencyHistogram.from_bytes(forged(0, 5, 5, 3, [(5, 3)])).percentiles([50]).tolist() == [5]
    with pytest.raises(ValueError, match="corrupt histogram: .*" + message):
        LatencyHistogram.from_bytes(blob)
