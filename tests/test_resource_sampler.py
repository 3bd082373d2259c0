"""The resource sampler against real process trees: memory, peaks, CPU, I/O, vanishing
processes, the RSS limit, and the summary's format.

Every test drives real Python child processes through a line protocol on stdin/stdout
(the child prints a word when it reaches a point, and waits for a line before going on),
so that what the sampler must see happens at a known moment of the sampling window.
The machine these run on is shared: assertions compare the sampler with the kernel's own
accounting, or use wide bounds, never an exact speed.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from perfbench.errors import UsageError
from perfbench.resources.process_tree import ProcessTree, ProcfsReader, PsutilReader, TreeReading
from perfbench.resources.resource_sampler import ResourceSample, ResourceSampler, ResourceSummary, summarise

MiB = 1 << 20
LINUX = sys.platform.startswith("linux")
linux_only = pytest.mark.skipif(not LINUX, reason="reads Linux /proc (VmHWM, reaped-children accounting)")


class Child:
    """A Python child process in its own session, driven line by line."""

    def __init__(self, source: str, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(source)], cwd=cwd, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1, start_new_session=True)
        self.pid = self.process.pid

    def expect(self, word: str) -> str:
        """Waits for the child's next line, which must start with ``word``; returns the rest."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith(word), f"child printed {line!r} (exit status {self.process.poll()}), expected {word!r}"
        return line[len(word):].strip()

    def send(self, line: str = "go") -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def finish(self) -> None:
        """Ends the child's whole session (grandchildren included) and reaps it."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[[str], Child]]:
    children: list[Child] = []

    def start(source: str) -> Child:
        child = Child(source, tmp_path)
        children.append(child)
        return child

    yield start
    for child in children:
        child.finish()


def cumulative_cpu_seconds(summary: ResourceSummary) -> float:
    """The tree CPU over the window, back from the per-interval percentages."""
    series = summary.timeseries
    return sum(b.cpu_core_percent / 100 * (b.t - a.t) for a, b in zip(series, series[1:]))


def kernel_cpu_seconds(pid: int) -> float:
    """utime + stime of one process as the kernel accounts them (clock ticks)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- memory

GRANDCHILD_ALLOCATES = """
    import subprocess, sys
    grandchild = subprocess.Popen([sys.executable, "-c", '''
    import sys
    print("ready", flush=True)
    sys.stdin.readline()
    data = b"x" * (200 << 20)  # bytes(n) filled by memset: every page touched
    print("held", flush=True)
    sys.stdin.read()
    '''])
    grandchild.wait()
"""


@linux_only
def test_the_sampler_sees_a_grandchilds_memory(spawn) -> None:
    child = spawn(GRANDCHILD_ALLOCATES)
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.05)
    sampler.start()
    child.send()
    child.expect("held")
    time.sleep(0.3)
    summary = sampler.stop()

    assert summary.rss_max_sampled >= 200 * MiB  # seen in the sampled tree sum itself
    assert summary.peak_rss >= 200 * MiB
    assert max(s.processes for s in summary.timeseries) == 2  # the child and its grandchild
    assert summary.timeseries[-1].processes == 2


SPIKES_AND_FREES = """
    import sys, time
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.perf_counter()
    data = b"x" * (300 << 20)
    del data  # a large block: returned to the kernel at once
    print("freed", time.perf_counter() - began, flush=True)
    sys.stdin.read()
"""


@linux_only
def test_a_spike_between_two_samples_is_caught_by_the_kernels_high_water_mark(spawn) -> None:
    child = spawn(SPIKES_AND_FREES)
    child.expect("ready")
    # A long interval so the spike ends before the second tick even on a loaded machine
    # (stop() takes the second sample; a 1 s interval was missed under load).
    sampler = ResourceSampler(child.pid, interval_seconds=10.0)
    began = time.perf_counter()
    sampler.start()  # first sample now, the next one at stop()
    child.send()
    child.expect("freed")
    freed_at = time.perf_counter() - began
    summary = sampler.stop()

    assert freed_at < 9.0, "the spike must end before the second tick for this test to mean anything"
    assert summary.sample_count == 2
    assert summary.rss_max_sampled < 100 * MiB  # neither sample saw the 300 MiB
    assert summary.peak_rss >= 300 * MiB
    assert summary.peak_rss_source == f"VmHWM of pid {child.pid}"


PEAKS_BEFORE_THE_WINDOW = """
    import sys
    data = b"x" * (200 << 20)
    del data
    print("ready", flush=True)
    sys.stdin.read()
"""


@linux_only
def test_a_high_water_mark_from_before_the_window_is_not_reported(spawn) -> None:
    child = spawn(PEAKS_BEFORE_THE_WINDOW)
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.05)
    sampler.start()
    time.sleep(0.2)
    summary = sampler.stop()

    assert summary.peak_rss < 100 * MiB
    assert summary.peak_rss_source == "sampled tree sum"


def test_ru_maxrss_from_the_caller_is_taken_when_it_is_the_highest(spawn) -> None:
    child = spawn("import sys; print('ready', flush=True); sys.stdin.read()")
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.05)
    sampler.start()
    time.sleep(0.1)
    summary = sampler.stop(ru_maxrss_bytes=10_000 * MiB)

    assert summary.peak_rss == 10_000 * MiB
    assert summary.peak_rss_source == "ru_maxrss"


# -------------------------------------------------------------------------------- CPU

@linux_only
def test_a_busy_child_uses_about_what_the_kernel_accounts_to_it(spawn) -> None:
    child = spawn("print('ready', flush=True)\nwhile True: pass")
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.1)
    before = kernel_cpu_seconds(child.pid)
    sampler.start()
    time.sleep(1.5)
    summary = sampler.stop()
    used = kernel_cpu_seconds(child.pid) - before

    sampled = cumulative_cpu_seconds(summary)
    assert sampled == pytest.approx(summary.cpu_core_avg * summary.duration_seconds)
    # The two reads of the kernel's counters bracket the sampler's first and last ones;
    # each side is quantised to one clock tick, and on a loaded machine the bracket widens
    # by however long this thread waits to be scheduled between the reads.
    assert sampled == pytest.approx(used, abs=0.05 + 0.1 * used)
    # One spinning thread: up to one core, and a visible share of one even when the
    # machine is loaded several times over.
    assert 0.05 < summary.cpu_core_avg < 1.1
    assert summary.cpu_avg == pytest.approx(summary.cpu_core_avg / os.cpu_count(), rel=1e-9)
    assert summary.cpu_max >= summary.cpu_p95 >= 0


def test_an_idle_child_uses_almost_no_cpu(spawn) -> None:
    child = spawn("import sys; print('ready', flush=True); sys.stdin.read()")
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.1)
    sampler.start()
    time.sleep(1.0)
    summary = sampler.stop()

    assert summary.cpu_core_avg < 0.05
    assert summary.sample_count >= 8


SHORT_LIVED_CPU_CHILDREN = """
    import json, resource, subprocess, sys
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(8):  # each lives ~50-100 ms, burning CPU, and is reaped right away
        subprocess.run([sys.executable, "-c", "import time\\nend = time.process_time() + 0.05\\n"
                        "while time.process_time() < end: pass"], check=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("done", json.dumps(usage.ru_utime + usage.ru_stime), flush=True)
    sys.stdin.read()
"""


@linux_only
@pytest.mark.parametrize("interval", [0.01, 30.0], ids=["children seen while alive", "children never seen"])
def test_short_lived_children_reaped_in_the_tree_are_counted_once(spawn, interval: float) -> None:
    child = spawn(SHORT_LIVED_CPU_CHILDREN)
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=interval)
    root_before = kernel_cpu_seconds(child.pid)
    sampler.start()
    child.send()
    children_cpu = json.loads(child.expect("done"))
    summary = sampler.stop()
    root_cpu = kernel_cpu_seconds(child.pid) - root_before

    expected = children_cpu + root_cpu  # exact: getrusage, and the root's own counters
    assert children_cpu > 8 * 0.04
    assert cumulative_cpu_seconds(summary) == pytest.approx(expected, abs=0.04 + 0.05 * expected)


# -------------------------------------------------------------------------------- I/O

@pytest.fixture
def write_bytes_accounted(tmp_path: Path) -> None:
    """Skips unless the kernel counts this process's storage writes in tmp_path."""
    try:
        with open(f"/proc/{os.getpid()}/io", "rb") as f:
            before = f.read()
    except OSError as error:
        pytest.skip(f"/proc/<pid>/io is not readable here ({error}): no per-process I/O counters")
    with open(tmp_path / "probe", "wb") as f:
        f.write(b"\1" * MiB)
        f.flush()
        os.fsync(f.fileno())
    with open(f"/proc/{os.getpid()}/io", "rb") as f:
        after = f.read()

    def write_bytes(io: bytes) -> int:
        return int(dict(line.split(b": ") for line in io.splitlines())[b"write_bytes"])

    if write_bytes(after) - write_bytes(before) < MiB:
        pytest.skip(f"the filesystem of {tmp_path} does not show writes in write_bytes (tmpfs?)")


WRITES_20_MIB = """
    import os, sys
    print("ready", flush=True)
    sys.stdin.readline()
    with open("out.bin", "wb") as f:
        f.write(os.urandom(20 << 20))
        f.flush()
        os.fsync(f.fileno())
    print("written", flush=True)
    sys.stdin.read()
"""


def test_a_childs_disk_writes_are_counted(spawn, write_bytes_accounted) -> None:
    child = spawn(WRITES_20_MIB)
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.05)
    sampler.start()
    child.send()
    child.expect("written")
    time.sleep(0.1)
    summary = sampler.stop()

    assert summary.write_bytes >= 20 * MiB
    assert summary.write_rate == pytest.approx(summary.write_bytes / summary.duration_seconds)


A_REAPED_CHILD_WRITES_20_MIB = WRITES_20_MIB.replace("""    with open("out.bin", "wb") as f:
        f.write(os.urandom(20 << 20))
        f.flush()
        os.fsync(f.fileno())
""", """    import subprocess
    subprocess.run([sys.executable, "-c", "import os, time\\nwith open('out.bin', 'wb') as f:\\n"
                    "    f.write(os.urandom(20 << 20)); f.flush(); os.fsync(f.fileno())\\ntime.sleep(0.1)"],
                   check=True)
""")


@linux_only
@pytest.mark.parametrize("interval", [0.01, 30.0], ids=["writer seen while alive", "writer never seen"])
def test_a_reaped_childs_writes_are_counted_once(spawn, write_bytes_accounted, interval: float) -> None:
    # The kernel adds a reaped child's I/O to its parent's own counters: without taking
    # off what was already counted for the child, 20 MiB would show as 40.
    child = spawn(A_REAPED_CHILD_WRITES_20_MIB)
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=interval)
    sampler.start()
    child.send()
    child.expect("written")
    summary = sampler.stop()

    assert 20 * MiB <= summary.write_bytes < 25 * MiB


# ------------------------------------------------------------------ threads, vanishing

THREADS_SWITCHING = """
    import sys, threading, time
    print("ready", flush=True)
    sys.stdin.readline()
    def naps():
        for _ in range(100):
            time.sleep(0.001)  # each sleep is a voluntary context switch of this thread
    threads = [threading.Thread(target=naps) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    print("running", flush=True)
    for t in threads:
        t.join()
    sys.stdin.read()
"""


@linux_only
def test_threads_and_their_context_switches_are_counted(spawn) -> None:
    child = spawn(THREADS_SWITCHING)
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.02)
    sampler.start()
    child.send()
    child.expect("running")
    time.sleep(0.2)
    summary = sampler.stop()

    assert summary.threads_max >= 5
    # 4 x 100 naps in threads other than the main one, which meanwhile mostly sleeps:
    # the main thread's own count (what /proc/<pid>/status shows) could not reach this.
    # Switches in the tail of a thread's life between two reads are lost, hence the margin.
    assert summary.ctx_switches >= 200


CHURNS_CHILDREN = """
    import os, random, subprocess, sys, time
    print("ready", flush=True)
    sys.stdin.readline()
    random.seed(4)
    running = []
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        work = random.choice([
            "import time; time.sleep(%f)" % random.uniform(0.005, 0.08),
            "import time\\nend = time.process_time() + 0.02\\nwhile time.process_time() < end: pass",
            "import os\\nwith open('f%d', 'wb') as f: f.write(os.urandom(1 << 18)); f.flush(); os.fsync(f.fileno())"
            % random.randrange(1000),
        ])
        running.append(subprocess.Popen([sys.executable, "-c", work]))
        running = [p for p in running if p.poll() is None]
        time.sleep(0.01)
    for p in running:
        p.wait()
    print("done", flush=True)
    sys.stdin.read()
"""


def monotone(values: list[float]) -> bool:
    return all(b >= a for a, b in zip(values, values[1:]))


def test_children_exiting_mid_sampling_do_not_break_it_and_totals_never_decrease(spawn) -> None:
    child = spawn(CHURNS_CHILDREN)
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.01)
    sampler.start()
    child.send()
    child.expect("done")
    summary = sampler.stop()

    series = summary.timeseries
    assert max(s.processes for s in series) >= 2
    assert series[-1].processes == 1
    for field in ("read_bytes", "write_bytes", "ctx_switches", "machine_net_sent_bytes", "machine_net_recv_bytes"):
        assert monotone([getattr(s, field) for s in series]), field
    assert all(s.cpu_core_percent >= 0 for s in series)
    assert monotone([s.t for s in series])


@pytest.mark.parametrize("reader", [ProcfsReader, PsutilReader], ids=["procfs", "psutil"])
def test_each_reader_survives_a_churning_tree(spawn, reader) -> None:
    if reader is ProcfsReader and not ProcfsReader.available():
        pytest.skip("no /proc/<pid>/task/<tid>/children on this system")
    child = spawn(CHURNS_CHILDREN)
    child.expect("ready")
    readings: list[TreeReading] = []
    with ProcessTree(child.pid, reader()) as tree:
        readings.append(tree.read())
        child.send()
        end = time.monotonic() + 1.6
        while time.monotonic() < end:
            readings.append(tree.read())
            time.sleep(0.005)

    assert max(r.processes for r in readings) >= 2
    for field in ("cpu_seconds", "read_bytes", "write_bytes", "ctx_switches"):
        assert monotone([getattr(r, field) for r in readings]), field


FORKS_1000_CHILDREN = """
    import os, sys, time
    for _ in range(1000):
        if os.fork() == 0:
            sys.stdin.read()  # until the test ends the session
            os._exit(0)
    print("ready", flush=True)
    sys.stdin.read()
"""


@linux_only
def test_a_parent_with_more_children_than_one_page_of_pids_lists_them_all(spawn) -> None:
    # The kernel hands out a children list one page (~680 pids) per read.
    child = spawn(FORKS_1000_CHILDREN)
    child.expect("ready")
    with open(f"/proc/{child.pid}/task/{child.pid}/children", "rb") as f:
        assert len(f.read()) > os.sysconf("SC_PAGE_SIZE")
    with ProcessTree(child.pid) as tree:
        assert tree.read().processes == 1001


def test_a_root_that_has_already_exited_gives_an_empty_tree() -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    sampler = ResourceSampler(int(done.stdout), interval_seconds=0.05)
    sampler.start()
    time.sleep(0.1)
    summary = sampler.stop()

    assert all(s.processes == 0 and s.rss_bytes == 0 for s in summary.timeseries)
    assert summary.peak_rss == 0


# -------------------------------------------------------------------------- RSS limit

ALLOCATES_100_MIB = """
    import sys
    print("ready", flush=True)
    sys.stdin.readline()
    data = b"x" * (100 << 20)
    print("held", flush=True)
    sys.stdin.read()
"""


def test_the_rss_limit_calls_on_limit_once_and_the_tree_can_be_killed_there(spawn) -> None:
    child = spawn(ALLOCATES_100_MIB)
    child.expect("ready")
    calls: list[int] = []

    def kill_tree(rss: int) -> None:
        calls.append(rss)
        os.killpg(child.pid, signal.SIGKILL)

    sampler = ResourceSampler(child.pid, interval_seconds=0.02, rss_limit_bytes=50 * MiB, on_limit=kill_tree)
    sampler.start()
    child.send()
    child.process.wait(timeout=30)  # killed by on_limit
    time.sleep(0.1)  # more ticks: no second call
    summary = sampler.stop()

    assert len(calls) == 1
    assert calls[0] > 50 * MiB
    assert sampler.limit_exceeded == calls[0]
    assert summary.timeseries[-1].processes == 0  # the sampler went on after the root died


# ---------------------------------------------------------------- summary and format

def test_the_summary_round_trips_through_json(spawn) -> None:
    child = spawn("import sys; print('ready', flush=True); sys.stdin.read()")
    child.expect("ready")
    sampler = ResourceSampler(child.pid, interval_seconds=0.05)
    sampler.start()
    time.sleep(0.2)
    summary = sampler.stop()

    data = json.loads(json.dumps(summary.to_dict()))
    assert isinstance(data["timeseries"], list) and isinstance(data["timeseries"][0], dict)
    assert ResourceSummary.from_dict(data) == summary


def test_a_summary_stored_before_network_bytes_were_named_machine_wide_reads_back() -> None:
    summary = summarise(SERIES, interval_seconds=0.1, tree=reading(), sampler_cpu_seconds=0.001)
    data = json.loads(json.dumps(summary.to_dict()).replace('"machine_net_', '"net_'))
    assert "net_sent_bytes" in data and "net_sent_bytes" in data["timeseries"][0]
    assert ResourceSummary.from_dict(data) == summary


def test_metrics_names_and_units() -> None:
    summary = summarise(SERIES, interval_seconds=0.1, tree=reading(), sampler_cpu_seconds=0.001)
    assert [(name, unit) for name, _, unit in summary.metrics()] == [
        ("cpu_avg", "fraction"), ("cpu_max", "fraction"), ("cpu_p95", "fraction"), ("cpu_core_avg", "ratio"),
        ("system_cpu_avg", "fraction"), ("machine_steal_avg", "fraction"), ("rss_avg", "bytes"), ("rss_p95", "bytes"),
        ("max_rss", "bytes"), ("disk_read_bytes", "bytes"), ("disk_write_bytes", "bytes"), ("disk_read_rate", "bytes_per_s"),
        ("disk_write_rate", "bytes_per_s"), ("machine_net_sent_bytes", "bytes"), ("machine_net_recv_bytes", "bytes"),
        ("machine_net_sent_rate", "bytes_per_s"), ("machine_net_recv_rate", "bytes_per_s"), ("ctx_switches", "count"),
        ("threads_max", "count"),
    ]
    values = {name: value for name, value, _ in summary.metrics()}
    assert values["max_rss"] == summary.peak_rss
    assert values["disk_write_rate"] == summary.write_rate
    assert all(isinstance(v, float) and math.isfinite(v) for v in values.values())


def test_the_samplers_own_cpu_is_reported(spawn) -> None:
    child = spawn("import sys; print('ready', flush=True); sys.stdin.read()")
    child.expect("ready")
    sampler = ResourceSampler(child.pid)
    sampler.start()
    time.sleep(0.5)
    summary = sampler.stop()

    assert summary.sampler_cpu_seconds > 0
    assert math.isfinite(summary.sampler_cpu_fraction)
    assert summary.sampler_cpu_fraction == pytest.approx(summary.sampler_cpu_seconds / summary.duration_seconds)
    assert summary.interval_seconds == 0.1


def sample(t: float, core: float, rss: int, **counters: int) -> ResourceSample:
    return ResourceSample(t=t, cpu_core_percent=core, cpu_total_percent=core / 2, system_cpu_percent=core / 2,
                          rss_bytes=rss, read_bytes=counters.get("read", 0), write_bytes=counters.get("write", 0),
                          machine_net_sent_bytes=counters.get("sent", 0), machine_net_recv_bytes=counters.get("recv", 0),
                          ctx_switches=counters.get("ctx", 0), threads=counters.get("threads", 1), processes=1)


def reading(hwm: int = 0, hwm_pid: int | None = None) -> TreeReading:
    return TreeReading(processes=1, threads=1, rss_bytes=0, cpu_seconds=0.0, read_bytes=0, write_bytes=0,
                       ctx_switches=0, peak_hwm_bytes=hwm, peak_hwm_pid=hwm_pid)


# Four full 0.1 s intervals at 100 % of a core, then a 5 ms last interval that read one
# 10 ms clock tick: 200 %.
SERIES = [sample(0.0, 0.0, 10 * MiB)] + [sample(0.1 * i, 100.0, 20 * MiB, write=i * 1000, ctx=i)
                                         for i in range(1, 5)] + [sample(0.405, 200.0, 30 * MiB, write=5000, ctx=9)]


def test_averages_weight_each_interval_by_its_length() -> None:
    summary = summarise(SERIES, interval_seconds=0.1, tree=reading(), sampler_cpu_seconds=0.00405)
    cpu_seconds = 0.4 * 1.0 + 0.005 * 2.0
    assert summary.cpu_core_avg == pytest.approx(cpu_seconds / 0.405)
    assert summary.cpu_avg == pytest.approx(cpu_seconds / 0.405 / 2)
    assert summary.duration_seconds == pytest.approx(0.405)
    assert summary.sampler_cpu_fraction == pytest.approx(0.01)
    assert summary.write_bytes == 5000 and summary.write_rate == pytest.approx(5000 / 0.405)
    assert summary.ctx_switches == 9
    assert summary.rss_avg == pytest.approx((10 + 4 * 20 + 30) / 6 * MiB)


def test_a_short_last_interval_joins_the_one_before_it() -> None:
    summary = summarise(SERIES, interval_seconds=0.1, tree=reading(), sampler_cpu_seconds=0.0)
    # Not the 200 % blip of the 5 ms interval, and not 50 % either: left out, its tick still
    # raised the average (50.6 %) above the maximum. The last window is 0.1 s at 100 % and
    # 5 ms at 200 % of one of two cores.
    last_window = (0.1 * 1.0 + 0.005 * 2.0) / 0.105 / 2
    assert summary.cpu_max == pytest.approx(last_window)
    assert summary.cpu_max >= summary.cpu_avg


@pytest.mark.parametrize("cores", [
    [100.0, 100.0, 200.0],  # a tick landing in the short last interval
    [0.0, 40.0, 400.0],  # the short interval first
    [90.0, 95.0, 100.0],
], ids=["last", "first", "rising"])
def test_the_maximum_and_p95_never_fall_below_the_average(cores: list[float]) -> None:
    times = [0.0, 0.004, 0.104, 0.108] if cores[1] == 40.0 else [0.0, 0.1, 0.2, 0.203]
    series = [sample(t, core, MiB) for t, core in zip(times, [0.0, *cores])]
    summary = summarise(series, interval_seconds=0.1, tree=reading(), sampler_cpu_seconds=0.0)
    rounding = 1e-12  # one window may cover the whole series: its rate is the average, to rounding
    assert summary.cpu_max >= summary.cpu_avg - rounding
    assert summary.cpu_max >= summary.cpu_p95


@pytest.mark.parametrize(("hwm", "ru_maxrss", "peak", "source"), [
    (0, None, 30 * MiB, "sampled tree sum"),
    (50 * MiB, None, 50 * MiB, "VmHWM of pid 42"),
    (50 * MiB, 60 * MiB, 60 * MiB, "ru_maxrss"),
    (30 * MiB, None, 30 * MiB, "VmHWM of pid 42"),  # a tie: the kernel's figure is named
], ids=["sampled", "hwm", "ru_maxrss", "tie"])
def test_the_true_peak_and_where_it_came_from(hwm: int, ru_maxrss: int | None, peak: int, source: str) -> None:
    tree = reading(hwm, 42) if hwm else reading()
    summary = summarise(SERIES, interval_seconds=0.1, tree=tree, sampler_cpu_seconds=0.0, ru_maxrss_bytes=ru_maxrss)
    assert (summary.peak_rss, summary.peak_rss_source) == (peak, source)
    assert summary.rss_max_sampled == 30 * MiB


# ------------------------------------------------------------------------ validation

@pytest.mark.parametrize("interval", [0, -0.1, float("nan"), float("inf"), "0.1", True],
                         ids=["zero", "negative", "nan", "inf", "string", "bool"])
def test_a_bad_interval_is_refused(interval: object) -> None:
    with pytest.raises(UsageError, match="interval must be a positive number of seconds"):
        ResourceSampler(os.getpid(), interval_seconds=interval)  # type: ignore[arg-type]


@pytest.mark.parametrize("interval", [0.1, 1, 1.0, 0.02])
def test_any_positive_interval_is_accepted(interval: float) -> None:
    ResourceSampler(os.getpid(), interval_seconds=interval)


def test_bad_pid_and_limit_are_refused() -> None:
    with pytest.raises(UsageError, match="process id"):
        ResourceSampler(0)
    with pytest.raises(UsageError, match="RSS limit"):
        ResourceSampler(os.getpid(), rss_limit_bytes=0)


def test_start_and_stop_are_used_once_in_order() -> None:
    sampler = ResourceSampler(os.getpid(), interval_seconds=0.05)
    with pytest.raises(RuntimeError, match="before start"):
        sampler.stop()
    sampler.start()
    with pytest.raises(RuntimeError, match="only once"):
        sampler.start()
    sampler.stop()
    with pytest.raises(RuntimeError, match="twice"):
        sampler.stop()


def test_steal_is_the_share_of_machine_cpu_time_the_hypervisor_took() -> None:
    from perfbench.resources.resource_sampler import ResourceSample

    def tick(t: float, steal_percent: float) -> ResourceSample:
        return ResourceSample(t=t, cpu_core_percent=0.0, cpu_total_percent=0.0, system_cpu_percent=50.0,
                              rss_bytes=1, read_bytes=0, write_bytes=0, machine_net_sent_bytes=0,
                              machine_net_recv_bytes=0, ctx_switches=0, threads=1, processes=1,
                              machine_steal_percent=steal_percent)

    # 0.1 s at 10 % steal, then 0.3 s at 2 %: time-averaged 4 %
    series = [tick(0.0, 0.0), tick(0.1, 10.0), tick(0.4, 2.0)]
    summary = summarise(series, interval_seconds=0.1, tree=reading(), sampler_cpu_seconds=0.001)
    assert summary.machine_steal_avg == pytest.approx(0.04)
    # stored before steal was recorded: reads back as none
    data = summary.to_dict()
    del data["machine_steal_avg"]
    for sample in data["timeseries"]:
        del sample["machine_steal_percent"]
    assert type(summary).from_dict(data).machine_steal_avg == 0.0
