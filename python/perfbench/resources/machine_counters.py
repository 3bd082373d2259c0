"""Machine-wide cumulative counters the resource sampler reads at every tick: CPU time
busy / total, and network bytes.

On Linux ``/proc/stat`` and ``/proc/net/dev`` stay open and are re-read with ``pread``:
at 10 Hz on a busy machine every tick finds its code and data out of cache, and then
psutil's ``cpu_times()`` + ``net_io_counters()`` cost ~0.5 ms, opening and reading the
two files ~0.18 ms and re-reading them open ~0.09 ms (``time.thread_time`` after 50 ms
sleeps, load average 8 on 2 cores). Elsewhere psutil provides the same figures.
"""

from __future__ import annotations

import dataclasses
import os
import sys

import psutil

_LINUX = sys.platform.startswith("linux")


@dataclasses.dataclass(frozen=True, slots=True)
class MachineCounters:
    cpu_busy_seconds: float  # summed over all CPUs: busy = total - idle - iowait, as psutil.cpu_percent counts
    cpu_total_seconds: float
    # Time the hypervisor ran someone else while this VM's CPUs wanted to run (inside busy):
    # on a shared host it slows every figure without showing as load inside the VM.
    cpu_steal_seconds: float
    # Every interface of the network namespace, loopback included (a load generator on
    # 127.0.0.1 is the common case here), so loopback traffic counts as sent and received.
    net_sent_bytes: int
    net_recv_bytes: int


class MachineCounterReader:
    """Reads `MachineCounters`; ``close()`` releases the files it keeps open."""

    def __init__(self) -> None:
        self._stat: int | None = None
        self._net: int | None = None
        if _LINUX:
            self._stat = os.open("/proc/stat", os.O_RDONLY)
            try:
                self._net = os.open("/proc/net/dev", os.O_RDONLY)
            except OSError:
                self.close()
                raise

    def read(self) -> MachineCounters:
        if self._stat is None or self._net is None:
            return _read_psutil()
        stat = os.pread(self._stat, 65536, 0)
        # "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in clock ticks
        ticks = [int(v) for v in stat[:stat.index(b"\n")].split()[1:]]
        # guest and guest_nice are already inside user and nice.
        total = sum(ticks[:8])
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
        sent = received = 0
        for line in os.pread(self._net, 1 << 20, 0).splitlines()[2:]:  # two header lines
            fields = line.split(b":", 1)[1].split()
            received += int(fields[0])
            sent += int(fields[8])
        steal = ticks[7] if len(ticks) > 7 else 0
        return MachineCounters(cpu_busy_seconds=(total - idle) / _CLOCK_TICKS,
                               cpu_total_seconds=total / _CLOCK_TICKS, cpu_steal_seconds=steal / _CLOCK_TICKS,
                               net_sent_bytes=sent, net_recv_bytes=received)

    def __enter__(self) -> MachineCounterReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for fd in (self._stat, self._net):
            if fd is not None:
                os.close(fd)
        self._stat = self._net = None


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if _LINUX else 100


def _read_psutil() -> MachineCounters:
    times = psutil.cpu_times()
    total = sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0)
    idle = times.idle + getattr(times, "iowait", 0.0)
    net = psutil.net_io_counters()
    sent, received = (net.bytes_sent, net.bytes_recv) if net is not None else (0, 0)
    return MachineCounters(cpu_busy_seconds=total - idle, cpu_total_seconds=total,
                           cpu_steal_seconds=getattr(times, "steal", 0.0), net_sent_bytes=sent, net_recv_bytes=received)
