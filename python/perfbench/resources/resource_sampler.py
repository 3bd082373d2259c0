"""Sampling the CPU, memory, disk, network and scheduling of a benchmark's process tree.

A `ResourceSampler` runs a daemon thread that reads the tree under one pid every
``interval_seconds`` (default 0.1 s) and keeps the time series; `stop()` turns it into a
`ResourceSummary` for the iteration. Run it in the runner's process, not in the one being
measured: its thread takes the GIL at every tick.

What the figures can and cannot say:

* CPU comes from the kernel's per-process user + system times, which Linux reports in
  clock ticks (``CLK_TCK`` = 100 Hz, i.e. 10 ms). One sample's CPU % is therefore
  quantised to 10 ms / interval: 10 % of a core at 10 Hz, 50 % at 50 Hz. Averages over
  many samples are not affected. On Linux, children reaped inside the tree are counted
  through their parent (see `perfbench.resources.process_tree`), so even processes that live less
  than one interval are counted; a process that exits unseen and is reaped *outside* the
  tree (an orphan adopted by init), and on other systems any process living less than
  one interval, can be missed. The caller has the exact totals for the root from the
  ``os.wait4`` rusage when it reaps it.
* Memory: the tree RSS is the sum of each process's RSS, so pages shared between them
  (shared libraries, copy-on-write pages after ``fork``) count once in each of them. The
  true peak (``peak_rss``) also uses the kernel's own high-water marks, which see spikes
  between samples; see `ResourceSummary.peak_rss`.
* Network counters are system-wide (every interface of the network namespace, loopback
  included): neither psutil nor the kernel keeps network counters per process, so
  traffic of anything else on the machine is included. Their names say so
  (``machine_net_sent_bytes``); disk bytes are the process tree's own.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import psutil

from perfbench.errors import UsageError
from perfbench.resources.machine_counters import MachineCounterReader
from perfbench.resources.process_tree import ProcessTree, TreeReading

DEFAULT_INTERVAL_SECONDS = 0.1
# stop() lands anywhere in an interval, so the last one is usually short; with CPU time
# counted in 10 ms ticks, a 5 ms interval can only read 0 % or >= 200 % of a core. For
# max / p95, such a short interval is merged into its neighbour rather than left out:
# left out, the CPU it carries still raised the average, and the maximum read below the
# average (47.5 % avg vs 44.9 % max in `analyze`). Merged, the windows still cover the
# whole run, so their maximum can never fall below the time average.
_MIN_INTERVAL_FRACTION_FOR_PEAKS = 0.5


def _machine_wide_names(data: Mapping[str, Any]) -> dict[str, Any]:
    """Data stored before the network counters were named machine-wide (``net_sent_bytes``)."""
    return {("machine_" + key if key.startswith("net_") else key): value for key, value in data.items()}


@dataclasses.dataclass(frozen=True, slots=True)
class ResourceSample:
    """One tick of the time series."""

    t: float  # seconds since the sampler started (the first sample is at 0)
    cpu_core_percent: float  # tree CPU in % of ONE core over the last interval (may exceed 100; 0 at t=0)
    cpu_total_percent: float  # the same normalised to the machine: cpu_core_percent / logical cores
    system_cpu_percent: float  # whole-system CPU % over the last interval
    rss_bytes: int  # sum of RSS over the live tree
    read_bytes: int  # cumulative tree storage I/O since start (0 where unavailable)
    write_bytes: int
    machine_net_sent_bytes: int  # system-wide network counters since start: psutil has none per process
    machine_net_recv_bytes: int
    ctx_switches: int  # cumulative voluntary + involuntary over the tree since start
    threads: int  # threads in the live tree now
    processes: int  # processes in the live tree now
    machine_steal_percent: float = 0.0  # share of the machine's CPU time the hypervisor took (steal)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> ResourceSample:
        return ResourceSample(**_machine_wide_names(data))


@dataclasses.dataclass(frozen=True, slots=True)
class ResourceSummary:
    """One iteration's resource use: aggregates and the time series they come from.

    Averages over time (``cpu_avg``, ``cpu_core_avg``, ``system_cpu_avg``) weight each
    sample by the length of its interval, so they equal the CPU time used over the whole
    window divided by its duration. ``rss_avg`` / ``rss_p95`` are over the samples.
    """

    duration_seconds: float
    sample_count: int
    interval_seconds: float
    cpu_avg: float  # fraction of the machine (0..1)
    cpu_max: float
    cpu_p95: float
    cpu_core_avg: float  # fraction of one core (may exceed 1)
    system_cpu_avg: float  # fraction of the machine
    rss_avg: float  # bytes
    rss_p95: float
    rss_max_sampled: int  # max of the sampled tree sums
    # The true peak: the highest of the sampled tree sums, the kernel's high-water mark
    # (VmHWM) of any one process in the tree, and the ru_maxrss the caller got from wait4.
    # The kernel's marks catch spikes between two samples; the tree sum can exceed any one
    # process's mark. Neither is the tree's true peak sum, which nothing records, so this
    # is a lower bound of it, and the best one available.
    peak_rss: int
    peak_rss_source: str  # "sampled tree sum" | "VmHWM of pid N" | "ru_maxrss"
    read_bytes: int
    write_bytes: int
    read_rate: float  # bytes/s over the window
    write_rate: float
    machine_net_sent_bytes: int
    machine_net_recv_bytes: int
    machine_net_sent_rate: float
    machine_net_recv_rate: float
    ctx_switches: int
    threads_max: int
    sampler_cpu_seconds: float  # CPU time of the sampler thread itself
    sampler_cpu_fraction: float  # sampler_cpu_seconds / duration_seconds (fraction of one core)
    timeseries: tuple[ResourceSample, ...]
    # Share of the machine's CPU time the hypervisor gave to others (steal), time-averaged;
    # 0 in summaries stored before it was recorded.
    machine_steal_avg: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["timeseries"] = [sample.to_dict() for sample in self.timeseries]
        return data

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> ResourceSummary:
        fields = _machine_wide_names(data)
        fields["timeseries"] = tuple(ResourceSample.from_dict(s) for s in data["timeseries"])
        return ResourceSummary(**fields)

    def metrics(self) -> list[tuple[str, float, str]]:
        """(name, value, unit) for SLA rules and reports (units: model.METRIC_UNITS). Disk bytes
        are the process tree's own; network bytes are the whole machine's, and say so."""
        return [
            ("cpu_avg", self.cpu_avg, "fraction"),
            ("cpu_max", self.cpu_max, "fraction"),
            ("cpu_p95", self.cpu_p95, "fraction"),
            ("cpu_core_avg", self.cpu_core_avg, "ratio"),
            ("system_cpu_avg", self.system_cpu_avg, "fraction"),
            ("machine_steal_avg", self.machine_steal_avg, "fraction"),
            ("rss_avg", self.rss_avg, "bytes"),
            ("rss_p95", self.rss_p95, "bytes"),
            ("max_rss", float(self.peak_rss), "bytes"),
            ("disk_read_bytes", float(self.read_bytes), "bytes"),
            ("disk_write_bytes", float(self.write_bytes), "bytes"),
            ("disk_read_rate", self.read_rate, "bytes_per_s"),
            ("disk_write_rate", self.write_rate, "bytes_per_s"),
            ("machine_net_sent_bytes", float(self.machine_net_sent_bytes), "bytes"),
            ("machine_net_recv_bytes", float(self.machine_net_recv_bytes), "bytes"),
            ("machine_net_sent_rate", self.machine_net_sent_rate, "bytes_per_s"),
            ("machine_net_recv_rate", self.machine_net_recv_rate, "bytes_per_s"),
            ("ctx_switches", float(self.ctx_switches), "count"),
            ("threads_max", float(self.threads_max), "count"),
        ]


class ResourceSampler:
    """Samples the process tree under ``pid`` on a background thread.

    ``start()`` takes the first sample before it returns, so everything after it is inside
    the window; ``stop()`` takes a last one and returns the summary. If
    ``rss_limit_bytes`` is set, ``on_limit(rss)`` is called once, on the sampler thread,
    the first time the sampled tree RSS exceeds it (the runner kills the tree there); it
    must be quick and must not call ``stop()``; an exception it raises ends the sampling
    and is raised again by ``stop()``.
    """

    def __init__(self, pid: int, interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
                 rss_limit_bytes: int | None = None, on_limit: Callable[[int], None] | None = None) -> None:
        if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
            raise UsageError(f"the sampled process id must be a positive integer, got {pid!r}")
        if (isinstance(interval_seconds, bool) or not isinstance(interval_seconds, (int, float))
                or not math.isfinite(interval_seconds) or interval_seconds <= 0):
            raise UsageError(f"the resource sampling interval must be a positive number of seconds "
                             f"(e.g. 0.1 or 1), got {interval_seconds!r}")
        if rss_limit_bytes is not None and (isinstance(rss_limit_bytes, bool) or not isinstance(rss_limit_bytes, int)
                                            or rss_limit_bytes <= 0):
            raise UsageError(f"the RSS limit must be a positive number of bytes, got {rss_limit_bytes!r}")
        self._pid = pid
        self._interval = float(interval_seconds)
        self._rss_limit = rss_limit_bytes
        self._on_limit = on_limit
        self._logical_cores = psutil.cpu_count(logical=True) or 1
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._first_taken = threading.Event()
        self._stopped = False
        self._samples: list[ResourceSample] = []
        self._last: TreeReading | None = None
        self._error: BaseException | None = None
        self._limit_exceeded: int | None = None
        self._sampler_cpu_seconds = 0.0
        # Baselines and the previous tick, written and read on the sampler thread only.
        self._t0 = 0.0
        self._prev_t = 0.0
        self._prev_cpu = 0.0
        self._prev_busy = self._prev_total = self._prev_steal = 0.0
        self._net0 = (0, 0)

    @property
    def limit_exceeded(self) -> int | None:
        """The sampled tree RSS that crossed ``rss_limit_bytes``, if it did."""
        return self._limit_exceeded

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a ResourceSampler can be started only once")
        self._thread = threading.Thread(target=self._run, name=f"perfbench-sampler-{self._pid}", daemon=True)
        self._thread.start()
        self._first_taken.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error

    def stop(self, ru_maxrss_bytes: int | None = None) -> ResourceSummary:
        """Takes a last sample, ends the thread and summarises the window.

        ``ru_maxrss_bytes``: the root's ``ru_maxrss`` from ``os.wait4`` in bytes (Linux
        reports kilobytes: multiply by 1024), if the caller has reaped it by now.
        """
        if self._thread is None:
            raise RuntimeError("stop() called before start()")
        if self._stopped:
            raise RuntimeError("stop() called twice")
        self._stopped = True
        self._stopping.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._last is not None  # the thread took at least the first sample
        return summarise(self._samples, interval_seconds=self._interval, tree=self._last,
                         sampler_cpu_seconds=self._sampler_cpu_seconds, ru_maxrss_bytes=ru_maxrss_bytes)

    # --------------------------------------------------------------- sampler thread

    def _run(self) -> None:
        began_cpu = time.thread_time()
        try:
            with ProcessTree(self._pid) as tree, MachineCounterReader() as machine:
                self._take_sample(tree, machine)
                self._first_taken.set()
                tick = 1
                while not self._stopping.wait(max(0.0, self._t0 + tick * self._interval - time.perf_counter())):
                    self._take_sample(tree, machine)
                    # A tick that came late (a busy machine) is not followed by a burst of
                    # catch-up ticks: the schedule resumes at the next slot still ahead.
                    tick = max(tick + 1, math.ceil((time.perf_counter() - self._t0) / self._interval))
                self._take_sample(tree, machine)
        except Exception as error:  # noqa: BLE001 - not swallowed: start() / stop() re-raise it in the caller
            self._error = error
        finally:
            self._sampler_cpu_seconds = time.thread_time() - began_cpu
            self._first_taken.set()

    def _take_sample(self, process_tree: ProcessTree, machine_reader: MachineCounterReader) -> None:
        now = time.perf_counter()
        tree = process_tree.read()
        machine = machine_reader.read()
        busy, total, steal = machine.cpu_busy_seconds, machine.cpu_total_seconds, machine.cpu_steal_seconds
        net_sent, net_recv = machine.net_sent_bytes, machine.net_recv_bytes
        if not self._samples:
            self._t0 = now
            self._net0 = (net_sent, net_recv)
            core_percent = system_percent = steal_percent = 0.0
        else:
            elapsed = now - self._prev_t
            core_percent = (tree.cpu_seconds - self._prev_cpu) / elapsed * 100.0 if elapsed > 0 else 0.0
            d_total = total - self._prev_total
            system_percent = (busy - self._prev_busy) / d_total * 100.0 if d_total > 0 else 0.0
            steal_percent = (steal - self._prev_steal) / d_total * 100.0 if d_total > 0 else 0.0
        self._prev_t, self._prev_cpu, self._prev_busy, self._prev_total = now, tree.cpu_seconds, busy, total
        self._prev_steal = steal
        self._last = tree
        self._samples.append(ResourceSample(
            t=now - self._t0, cpu_core_percent=core_percent,
            cpu_total_percent=core_percent / self._logical_cores,
            system_cpu_percent=min(100.0, max(0.0, system_percent)),
            rss_bytes=tree.rss_bytes, read_bytes=tree.read_bytes, write_bytes=tree.write_bytes,
            machine_net_sent_bytes=max(0, net_sent - self._net0[0]),
            machine_net_recv_bytes=max(0, net_recv - self._net0[1]),
            ctx_switches=tree.ctx_switches, threads=tree.threads, processes=tree.processes,
            machine_steal_percent=min(100.0, max(0.0, steal_percent))))
        if (self._rss_limit is not None and self._limit_exceeded is None
                and tree.rss_bytes > self._rss_limit):
            self._limit_exceeded = tree.rss_bytes
            if self._on_limit is not None:
                self._on_limit(tree.rss_bytes)


def summarise(samples: Sequence[ResourceSample], *, interval_seconds: float, tree: TreeReading,
              sampler_cpu_seconds: float, ru_maxrss_bytes: int | None = None) -> ResourceSummary:
    """The summary of one window; ``tree`` is the last reading (for the high-water marks)."""
    if not samples:
        raise ValueError("a resource summary needs at least one sample")
    duration = samples[-1].t

    def per_second(amount: float) -> float:
        return amount / duration if duration > 0 else 0.0

    # Samples after the first carry the CPU of the interval before them.
    rated = list(zip(samples, samples[1:]))
    lengths = np.array([b.t - a.t for a, b in rated])
    core = np.array([b.cpu_core_percent for _, b in rated]) / 100.0
    machine = np.array([b.cpu_total_percent for _, b in rated]) / 100.0
    system = np.array([b.system_cpu_percent for _, b in rated]) / 100.0
    steal = np.array([b.machine_steal_percent for _, b in rated]) / 100.0
    weight = lengths.sum()

    def time_average(values: np.ndarray) -> float:
        return float((values * lengths).sum() / weight) if weight > 0 else 0.0

    peak_values = _peak_windows(lengths, machine, _MIN_INTERVAL_FRACTION_FOR_PEAKS * interval_seconds)
    rss = np.array([s.rss_bytes for s in samples], dtype=np.float64)
    rss_max_sampled = max(s.rss_bytes for s in samples)
    peak_rss, peak_source = _true_peak(rss_max_sampled, tree, ru_maxrss_bytes)
    last = samples[-1]
    return ResourceSummary(
        duration_seconds=duration, sample_count=len(samples), interval_seconds=interval_seconds,
        cpu_avg=time_average(machine),
        cpu_max=float(peak_values.max()) if peak_values.size else 0.0,
        cpu_p95=float(np.percentile(peak_values, 95)) if peak_values.size else 0.0,
        cpu_core_avg=time_average(core), system_cpu_avg=time_average(system), machine_steal_avg=time_average(steal),
        rss_avg=float(rss.mean()), rss_p95=float(np.percentile(rss, 95)), rss_max_sampled=rss_max_sampled,
        peak_rss=peak_rss, peak_rss_source=peak_source,
        read_bytes=last.read_bytes, write_bytes=last.write_bytes,
        read_rate=per_second(last.read_bytes), write_rate=per_second(last.write_bytes),
        machine_net_sent_bytes=last.machine_net_sent_bytes, machine_net_recv_bytes=last.machine_net_recv_bytes,
        machine_net_sent_rate=per_second(last.machine_net_sent_bytes),
        machine_net_recv_rate=per_second(last.machine_net_recv_bytes),
        ctx_switches=last.ctx_switches, threads_max=max(s.threads for s in samples),
        sampler_cpu_seconds=sampler_cpu_seconds, sampler_cpu_fraction=per_second(sampler_cpu_seconds),
        timeseries=tuple(samples))


def _peak_windows(lengths: np.ndarray, values: np.ndarray, min_length: float) -> np.ndarray:
    """The rates over windows of at least ``min_length`` that cover the series: a shorter
    interval joins the window before it (the first one, the window after it), the rate of a
    window being its length-weighted mean. Unless the whole series is shorter than
    ``min_length``, every window is at least that long."""
    windows: list[list[float]] = []  # [length, length x rate]
    for length, value in zip(lengths.tolist(), values.tolist()):
        if windows and (length < min_length or windows[-1][0] < min_length):
            windows[-1][0] += length
            windows[-1][1] += length * value
        else:
            windows.append([length, length * value])
    return np.array([total / length for length, total in windows if length > 0])


def _true_peak(rss_max_sampled: int, tree: TreeReading, ru_maxrss_bytes: int | None) -> tuple[int, str]:
    """The highest of the three peaks and which one it was; on a tie the kernel's figure wins."""
    candidates = [(rss_max_sampled, "sampled tree sum")]
    if tree.peak_hwm_pid is not None:
        candidates.append((tree.peak_hwm_bytes, f"VmHWM of pid {tree.peak_hwm_pid}"))
    if ru_maxrss_bytes is not None:
        candidates.append((ru_maxrss_bytes, "ru_maxrss"))
    # max() keeps the first of equal values: walk from the kernel's figures to the sampled one.
    return max(reversed(candidates), key=lambda candidate: candidate[0])
