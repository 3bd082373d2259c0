"""The live process tree under one pid, and its resource counters since the first look.

`ProcessTree.read()` re-discovers the tree (the root and all its descendants) on every
call, reads each process's counters and folds them into tree totals that never go
backwards: a process that exits keeps the last value seen for it.

Two readers produce the per-process counters:

* On Linux, ``/proc`` is read directly. psutil's ``Process.children(recursive=True)``
  builds a parent map from the ``stat`` file of *every* process on the machine (1.1 ms
  per call with 90 processes here, 1.1 % of a core at 10 Hz on its own), and its
  per-process calls cost about twice the file reads they wrap. Here the tree is walked
  from the root through ``/proc/<pid>/task/<tid>/children``, and each process costs
  ``stat``, ``io`` and one ``status`` per thread (benchmarks/compare_sampler_overhead.py
  measures both readers). The kernel documents the children files as possibly incomplete
  while the tree changes; a process missed once is found at the next read.
* Elsewhere, and on kernels built without CONFIG_PROC_CHILDREN, psutil (with
  ``oneshot()``).

What the Linux reader sees that psutil does not:

* When a parent reaps a child (``wait``), the kernel adds the child's CPU time to the
  parent's ``cutime``/``cstime`` and its I/O counters to the parent's own
  ``/proc/<pid>/io`` (kernel/exit.c, ``wait_task_zombie``). Counting the parent's
  children times and I/O therefore sees children that lived and died between two reads,
  which sampling alone would miss (a shell running hundreds of 5 ms compiler
  invocations). For children this tree *did* see, the part already counted (their last
  seen totals) is taken off the parent's next increase, so nothing is counted twice. A
  child reaped outside the tree (an orphan adopted by init) is counted up to its last read.
* ``VmHWM``, the kernel's high-water mark of the resident set, which catches spikes
  between two reads.
* Context switches of every thread (``/proc/<pid>/task/<tid>/status``): the process-level
  figure, which psutil reads, is the main thread's alone. A thread that ends between two
  reads keeps its last count.
* A zombie's final counters (psutil refuses to read zombies).

A pid reused by an unrelated process inside the tree between two reads would be taken
for the old process; with Linux's pid allocation cycling through ``pid_max`` (4 million
by default on 64-bit) this does not happen within one sampling interval in practice.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import threading
from typing import Protocol

import psutil

_LINUX = sys.platform.startswith("linux")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if _LINUX else 4096
# What reading a file of a process that just exited can raise.
_GONE = (FileNotFoundError, ProcessLookupError)


@dataclasses.dataclass(frozen=True, slots=True)
class TreeReading:
    """The tree at one moment; cumulative fields count from the tree's first read."""

    processes: int  # live processes in the tree now (zombies included)
    threads: int  # their threads now
    rss_bytes: int  # sum of their RSS now (shared pages count once per process)
    cpu_seconds: float  # user + system CPU of the tree since the first read
    read_bytes: int  # storage I/O since the first read (0 where unreadable)
    write_bytes: int
    ctx_switches: int  # voluntary + involuntary since the first read
    peak_hwm_bytes: int  # the highest VmHWM any one process reached within the window (0: none seen)
    peak_hwm_pid: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class Counters:
    """One process's cumulative counters as the kernel reports them."""

    ppid: int
    own_cpu: float  # utime + stime, seconds
    children_cpu: float  # cutime + cstime of reaped children (0 where the reader cannot tell)
    rss: int
    read_bytes: int
    write_bytes: int
    ctx_switches: int
    threads: int
    hwm: int | None  # VmHWM in bytes, None where unavailable


class TreeReader(Protocol):
    # Whether children_cpu and the I/O counters include reaped children (see the module doc).
    folds_reaped_children: bool

    def snapshot(self, root: int) -> tuple[dict[int, Counters], set[int]]:
        """(counters of the tree's processes that could be read, pids present but unreadable now)."""
        ...

    def close(self) -> None:
        """Releases what the reader keeps open between snapshots."""
        ...


class ProcfsReader:
    """Reads the tree from Linux's /proc.

    The ``stat``, ``status``, ``io`` and main thread's ``children`` files of each process
    stay open between reads and are re-read with ``pread``: on a busy machine, where every
    tick finds the kernel's path lookup out of cache, opening four files costs ~300 µs per
    process and re-reading them ~180 µs. A file kept open also cannot show a newer process
    that reuses the pid: reading it fails with ESRCH once its process has exited. At most
    `MAX_OPEN_PROCESSES` processes keep files open (4 descriptors each); the rest are
    opened at every read. ``close()`` releases them.
    """

    folds_reaped_children = True
    MAX_OPEN_PROCESSES = 64

    _CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if _LINUX else 100
    _RSS = re.compile(rb"^VmRSS:\s+(\d+) kB", re.MULTILINE)
    _HWM = re.compile(rb"^VmHWM:\s+(\d+) kB", re.MULTILINE)
    _THREADS = re.compile(rb"^Threads:\s+(\d+)", re.MULTILINE)
    _CTXT = re.compile(rb"ctxt_switches:\s+(\d+)")
    _IO = re.compile(rb"^(read_bytes|write_bytes): (\d+)", re.MULTILINE)

    def __init__(self) -> None:
        self._open: dict[int, _ProcessFiles] = {}

    @staticmethod
    def available() -> bool:
        return _LINUX and os.path.exists(f"/proc/self/task/{threading.get_native_id()}/children")

    def close(self) -> None:
        for files in self._open.values():
            files.close()
        self._open.clear()

    def snapshot(self, root: int) -> tuple[dict[int, Counters], set[int]]:
        found: dict[int, Counters] = {}
        pending = [root]
        unreadable: set[int] = set()
        while pending:  # breadth first: parents before their children
            pid = pending.pop(0)
            if pid in found or pid in unreadable:
                continue  # listed twice: re-parented to a subreaper inside the tree mid-walk
            try:
                counters = self._read(pid, pending)
            except PermissionError:
                unreadable.add(pid)  # hidden by the /proc mount's hidepid: keeps its last values
                continue
            if counters is not None:
                found[pid] = counters
        for pid in [p for p in self._open if p not in found]:
            self._open.pop(pid).close()
        return found, unreadable  # a process whose files are gone is gone

    def _read(self, pid: int, children_out: list[int]) -> Counters | None:
        files = self._open.get(pid)
        try:
            if files is None:
                files = _ProcessFiles(pid)
                if len(self._open) < self.MAX_OPEN_PROCESSES:
                    self._open[pid] = files
            stat = files.read("stat")
            status = files.read("status")
            try:
                io = files.read("io")
            except PermissionError:
                io = None  # the process changed its user since: as in _ProcessFiles
            children_out.extend(int(child) for child in files.read("children").split())
        except _GONE:
            files = self._open.pop(pid, files)
            if files is not None:
                files.close()
            return None
        finally:
            if files is not None and pid not in self._open:
                files.close()
        threads = int(self._THREADS.search(status).group(1))
        ctx = sum(int(n) for n in self._CTXT.findall(status))  # the main thread's
        if threads > 1:
            ctx += self._other_threads(pid, children_out)
        read_bytes = write_bytes = 0
        if io is not None:
            counts = dict(self._IO.findall(io))
            read_bytes, write_bytes = int(counts[b"read_bytes"]), int(counts[b"write_bytes"])
        # The name in parentheses may itself contain spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2:].split()
        ticks = self._CLOCK_TICKS
        return Counters(ppid=int(fields[1]),
                        own_cpu=(int(fields[11]) + int(fields[12])) / ticks,
                        children_cpu=(int(fields[13]) + int(fields[14])) / ticks,
                        rss=_kilobytes(self._RSS, status) or 0,  # a zombie has no memory left
                        read_bytes=read_bytes, write_bytes=write_bytes, ctx_switches=ctx,
                        threads=threads, hwm=_kilobytes(self._HWM, status))

    def _other_threads(self, pid: int, children_out: list[int]) -> int:
        """Context switches of the threads but the main one; collects their children."""
        ctx = 0
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except _GONE:
            return 0
        for tid in tids:
            if tid == str(pid):
                continue
            try:
                children_out.extend(int(child) for child in _read_file(f"/proc/{pid}/task/{tid}/children").split())
                ctx += sum(int(n) for n in self._CTXT.findall(_read_file(f"/proc/{pid}/task/{tid}/status")))
            except _GONE:
                continue  # the thread ended since the listing
        return ctx


class _ProcessFiles:
    """The /proc files of one process the reader needs, open."""

    __slots__ = ("_fds",)

    def __init__(self, pid: int) -> None:
        self._fds: dict[str, int | None] = {}
        try:
            for name in ("stat", "status", "io", f"task/{pid}/children"):
                try:
                    self._fds[name.rsplit("/", 1)[-1]] = os.open(f"/proc/{pid}/{name}", os.O_RDONLY)
                except PermissionError:
                    # Only io is private to the owner: another user's (setuid) process keeps
                    # its I/O uncounted, the rest is read.
                    if name != "io":
                        raise
                    self._fds[name] = None
        except OSError:
            self.close()
            raise

    def read(self, name: str) -> bytes | None:
        fd = self._fds[name]
        return None if fd is None else _pread_whole(fd)

    def close(self) -> None:
        for fd in self._fds.values():
            if fd is not None:
                os.close(fd)
        self._fds.clear()


class PsutilReader:
    """Reads the tree through psutil: any system psutil supports."""

    # The children times psutil reports are not folded in here: the fold-and-subtract
    # bookkeeping is only known to be right for Linux's wait().
    folds_reaped_children = False
    _HAS_IO = hasattr(psutil.Process, "io_counters")

    def __init__(self) -> None:
        self._processes: dict[int, psutil.Process] = {}

    def snapshot(self, root: int) -> tuple[dict[int, Counters], set[int]]:
        try:
            root_process = self._processes.get(root) or psutil.Process(root)
            tree = [root_process, *root_process.children(recursive=True)]
        except psutil.NoSuchProcess:
            self._processes.clear()
            return {}, set()
        found: dict[int, Counters] = {}
        unreadable: set[int] = set()
        processes: dict[int, psutil.Process] = {}
        for fresh in tree:
            process = self._processes.get(fresh.pid, fresh)  # keep the one that remembers its start time
            try:
                found[process.pid] = self._read(process)
            except psutil.NoSuchProcess as gone:
                if isinstance(gone, psutil.ZombieProcess):
                    unreadable.add(process.pid)  # exited, not reaped: keeps its last values
                    processes[process.pid] = process
                continue
            except psutil.AccessDenied:
                unreadable.add(process.pid)
            processes[process.pid] = process
        self._processes = processes
        return found, unreadable

    def close(self) -> None:
        self._processes.clear()

    def _read(self, process: psutil.Process) -> Counters:
        with process.oneshot():
            cpu = process.cpu_times()
            read_bytes = write_bytes = 0
            if self._HAS_IO:
                try:
                    io = process.io_counters()
                    read_bytes, write_bytes = io.read_bytes, io.write_bytes
                except psutil.AccessDenied:
                    pass  # as in ProcfsReader
            switches = process.num_ctx_switches()
            return Counters(ppid=process.ppid(), own_cpu=cpu.user + cpu.system, children_cpu=0.0,
                            rss=process.memory_info().rss, read_bytes=read_bytes, write_bytes=write_bytes,
                            ctx_switches=switches.voluntary + switches.involuntary,
                            threads=process.num_threads(), hwm=None)


def default_reader() -> TreeReader:
    return ProcfsReader() if ProcfsReader.available() else PsutilReader()


@dataclasses.dataclass(slots=True)
class _Tracked:
    last: Counters
    # The VmHWM the process had when first seen, if it already existed at the first read:
    # a high-water mark no higher than that may date from before the window.
    hwm_floor: int


@dataclasses.dataclass(slots=True)
class _Folded:
    """What a parent's counters will grow by when the kernel folds in a reaped child,
    and this tree has counted already."""

    children_cpu: float = 0.0
    read_bytes: int = 0
    write_bytes: int = 0
    until_read: int = 0


class ProcessTree:
    """Reads one process tree repeatedly; one reader thread at a time."""

    def __init__(self, root_pid: int, reader: TreeReader | None = None) -> None:
        self._root = root_pid
        self._reader = reader if reader is not None else default_reader()
        self._tracked: dict[int, _Tracked] = {}
        self._folded: dict[int, _Folded] = {}  # by parent pid
        self._reads = 0
        self._cpu = 0.0
        self._read_bytes = 0
        self._write_bytes = 0
        self._ctx = 0
        self._peak_hwm = 0
        self._peak_hwm_pid: int | None = None

    def read(self) -> TreeReading:
        first = self._reads == 0
        self._reads += 1
        found, unreadable = self._reader.snapshot(self._root)
        self._forget_vanished(found, unreadable)
        threads = rss = 0
        for pid, counters in found.items():
            self._account(pid, counters, first)
            threads += counters.threads
            rss += counters.rss
        return TreeReading(processes=len(found) + len(unreadable), threads=threads, rss_bytes=rss,
                           cpu_seconds=self._cpu, read_bytes=self._read_bytes, write_bytes=self._write_bytes,
                           ctx_switches=self._ctx, peak_hwm_bytes=self._peak_hwm, peak_hwm_pid=self._peak_hwm_pid)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> ProcessTree:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _forget_vanished(self, found: dict[int, Counters], unreadable: set[int]) -> None:
        """Drops processes that are gone; notes what their parents' counters will absorb."""
        for pid in [p for p in self._tracked if p not in found and p not in unreadable]:
            last = self._tracked.pop(pid).last
            self._folded.pop(pid, None)
            if self._reader.folds_reaped_children and last.ppid in self._tracked:
                folded = self._folded.setdefault(last.ppid, _Folded())
                folded.children_cpu += last.own_cpu + last.children_cpu
                folded.read_bytes += last.read_bytes
                folded.write_bytes += last.write_bytes
                # The parent may have been read just before the reap: its increase may show
                # only at the next read. After that, stop taking anything off (a parent
                # that ignores SIGCHLD never absorbs its children).
                folded.until_read = self._reads + 1

    def _account(self, pid: int, counters: Counters, first: bool) -> None:
        tracked = self._tracked.get(pid)
        if tracked is None:
            # At the first read the window starts: what a process did before counts for
            # nothing. A process that appears later started inside the window: all of it counts.
            baseline = counters if first else Counters(ppid=counters.ppid, own_cpu=0.0, children_cpu=0.0, rss=0,
                                                       read_bytes=0, write_bytes=0, ctx_switches=0, threads=0,
                                                       hwm=None)
            tracked = self._tracked[pid] = _Tracked(baseline, hwm_floor=(counters.hwm or 0) if first else 0)
        last = tracked.last
        d_own = max(0.0, counters.own_cpu - last.own_cpu)
        d_children = max(0.0, counters.children_cpu - last.children_cpu)
        d_read = max(0, counters.read_bytes - last.read_bytes)
        d_write = max(0, counters.write_bytes - last.write_bytes)
        # A sum over live threads drops when a thread ends; the drop is not negative work.
        d_ctx = max(0, counters.ctx_switches - last.ctx_switches)
        folded = self._folded.get(pid)
        if folded is not None:
            taken = min(d_children, folded.children_cpu)
            d_children, folded.children_cpu = d_children - taken, folded.children_cpu - taken
            taken = min(d_read, folded.read_bytes)
            d_read, folded.read_bytes = d_read - taken, folded.read_bytes - taken
            taken = min(d_write, folded.write_bytes)
            d_write, folded.write_bytes = d_write - taken, folded.write_bytes - taken
            if self._reads >= folded.until_read:
                del self._folded[pid]
        self._cpu += d_own + d_children
        self._read_bytes += d_read
        self._write_bytes += d_write
        self._ctx += d_ctx
        tracked.last = counters
        # A high-water mark counts only once it has risen within the window: one already
        # there at the first read may be a peak from before the benchmark started.
        if counters.hwm is not None and counters.hwm > tracked.hwm_floor and counters.hwm > self._peak_hwm:
            self._peak_hwm = counters.hwm
            self._peak_hwm_pid = pid


def _read_file(path: str) -> bytes:
    # os.open/os.read: a third cheaper than open() for these small files, read every tick.
    fd = os.open(path, os.O_RDONLY)
    try:
        return _pread_whole(fd)
    finally:
        os.close(fd)


def _pread_whole(fd: int) -> bytes:
    """The whole file from its start.

    /proc files are generated at each read. ``stat``, ``status`` and ``io`` are generated
    whole into one buffer, so one read of 64 KiB returns all of them. A ``children`` list
    comes at most one page per read (~680 pids; the kernel stops at the first pid that
    does not fit), so while reads come back nearly a page long, the next part is read:
    otherwise the pids past the first page would be missed.
    """
    chunks = [os.pread(fd, 65536, 0)]
    while chunks[-1] and len(chunks[-1]) >= _PAGE_SIZE - 64:
        chunks.append(os.pread(fd, 65536, sum(map(len, chunks))))
    return b"".join(chunks)


def _kilobytes(pattern: re.Pattern[bytes], status: bytes) -> int | None:
    match = pattern.search(status)
    return int(match.group(1)) * 1024 if match else None
