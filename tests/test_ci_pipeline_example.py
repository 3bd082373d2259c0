"""The README's CI pipeline (three lanes of commands), scaled down, run end to end."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from conftest import exit_code_the_store_implies

DATA = Path(__file__).parent / "data"


def test_the_small_ci_pipeline_runs_and_is_judged(run_cli, tmp_path: Path) -> None:
    shutil.copy(DATA / "ci_pipeline_small.toml", tmp_path / "perfbench.toml")
    completed = run_cli("run", timeout=300)
    # every lane ran its command 3 times (+1 warm-up); p95/p99 from 3 iterations are refused
    store = tmp_path / ".perfbench" / "results.db"
    assert completed.returncode == exit_code_the_store_implies(store), completed.stderr
    assert "INSUFFICIENT SAMPLES" in completed.stdout
    with sqlite3.connect(tmp_path / ".perfbench" / "results.db") as db:
        results = dict(db.execute("SELECT lane || '/' || benchmark, status FROM results").fetchall())
        iterations = db.execute("SELECT COUNT(*), SUM(warmup) FROM iterations").fetchone()
        verdicts = {(b, r): s for b, r, s in db.execute("SELECT benchmark, rule, status FROM sla_verdicts")}
    assert results == {"docs/docs-build": "ok", "standard/unit-and-integration": "ok", "heavy/full-suite": "ok"}
    assert iterations == (12, 3)
    # the commands allocate 8 / 32 / 64 MB: the peaks are theirs, far below the runner's own image
    assert verdicts[("docs/docs-build", "max_rss < 64MB")] == "pass"
    assert verdicts[("heavy/full-suite", "heavy never doubles")] == "pass"
    assert verdicts[("docs/docs-build", "p99 < 1000ms")] == "insufficient"

    validated = run_cli("validate-sla", "--lane", "docs")
    with sqlite3.connect(store) as db:
        docs_breaking = db.execute("SELECT COUNT(*) FROM sla_verdicts WHERE benchmark LIKE 'docs/%' AND "
                                   "status = 'violated' AND severity IN ('error', 'critical')").fetchone()[0]
    assert validated.returncode == (1 if docs_breaking else 0) and "docs/docs-build" in validated.stdout
    analyzed = run_cli("analyze")
    assert analyzed.returncode == 0 and "peak RSS" in analyzed.stdout and "CPU avg" in analyzed.stdout


def test_lanes_and_benchmarks_can_be_chosen_and_overridden(run_cli, tmp_path: Path) -> None:
    shutil.copy(DATA / "ci_pipeline_small.toml", tmp_path / "perfbench.toml")
    completed = run_cli("run", "--lane", "heavy", "--iterations", "1", timeout=120)
    assert completed.returncode == exit_code_the_store_implies(tmp_path / ".perfbench" / "results.db"), \
        completed.stderr
    with sqlite3.connect(tmp_path / ".perfbench" / "results.db") as db:
        rows = db.execute("SELECT r.lane, COUNT(*) FROM iterations i JOIN results r ON r.id = i.result_id "
                          "WHERE i.warmup = 0 GROUP BY r.lane").fetchall()
    assert rows == [("heavy", 1)]
