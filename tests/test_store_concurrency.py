"""Real processes writing one real store file at once: nothing is lost, and a writer killed
in the middle leaves the store consistent with every iteration it committed."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from perfbench.store import open_store

ITERATIONS = 120
SAMPLES = 400

# One iteration per transaction, as a run stores them; each line on stdout is one commit.
WRITER = f"""
import sys, time
import numpy as np
from perfbench.model import IterationRecord, Measurement
from perfbench.store import open_store

path, writer, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
while time.time() < start:
    pass
with open_store(path) as store:
    run_id = store.begin_run({{}}, f"writer {{writer}}")
    result_id = store.begin_result(run_id, "l", "b", "python", {{}})
    for i in range({ITERATIONS}):
        samples = np.arange({SAMPLES}) * (writer + 1) + i / 3
        store.add_iteration(result_id, IterationRecord(index=i, warmup=False, wall_ns=1e6, process=writer,
            measurement=Measurement(samples_ns=samples, iterations_per_sample=1, overhead_ns=0.0,
                                    overhead_subtracted=False, clock="steady_clock", ticks_per_ns=1.0)))
        print(i, flush=True)
    store.save_baseline(f"writer-{{writer}}", run_id, by="test")
    store.finish_run(run_id, "complete")
"""


def _writers(path: Path, count: int) -> list[subprocess.Popen[str]]:
    start = time.time() + 1.5  # every process is up and spinning by then: they begin together
    return [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(writer), str(start)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for writer in range(count)]


def _expected(writer: int, i: int) -> np.ndarray:
    return np.arange(SAMPLES) * (writer + 1) + i / 3


@pytest.mark.slow
def test_two_processes_writing_one_store_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    processes = _writers(path, 2)
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM iterations").fetchone() == (2 * ITERATIONS,)
    db.close()
    with open_store(path, create=False) as store:
        runs = store.runs()
        assert sorted(run.command for run in runs) == ["writer 0", "writer 1"]
        assert [run.status for run in runs] == ["complete", "complete"]
        assert sorted((b.name, b.run_id) for b in store.baselines()) == sorted(
            (f"writer-{run.command[-1]}", run.id) for run in runs)
        for run in runs:
            writer = int(run.command[-1])
            [stored] = store.results(run.id)
            iterations = stored.result.iterations
            assert [r.index for r in iterations] == list(range(ITERATIONS))
            assert all(np.array_equal(r.measurement.samples_ns, _expected(writer, r.index)) for r in iterations)


@pytest.mark.slow
def test_a_writer_killed_mid_run_leaves_the_store_consistent(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    victim, survivor = _writers(path, 2)
    assert victim.stdout is not None
    committed = -1
    while committed < ITERATIONS // 3:  # killed a third of the way in, wherever it is then
        committed = int(victim.stdout.readline())
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    _, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    with open_store(path, create=False) as store:
        killed, finished = sorted(store.runs(), key=lambda run: run.command)
        assert (killed.status, finished.status) == ("running", "complete")
        [stored] = store.results(killed.id)
        kept = [r.index for r in stored.result.iterations]
        # every commit it reported is there, and nothing half-written: a whole prefix
        assert kept == list(range(len(kept))) and len(kept) > committed
        assert all(np.array_equal(r.measurement.samples_ns, _expected(0, r.index)) for r in stored.result.iterations)
        assert len(store.results(finished.id)[0].result.iterations) == ITERATIONS
