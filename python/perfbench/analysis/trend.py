"""Step changes in a benchmark's history, placed on the runs and commits where they happened.

``change_points.find_steps`` works on a bare series; this puts its steps back on the runs:
the first run after the step (its id, date, commit) and the last run before it, so the
commits between the two are where to look.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from perfbench.analysis.change_points import DEFAULT_MAX_P_VALUE, DEFAULT_MIN_SEGMENT, Step, find_steps
from perfbench.analysis.history import BenchmarkHistory

if TYPE_CHECKING:
    import pandas as pd


@dataclasses.dataclass(frozen=True, slots=True)
class TrendStep:
    """A step between run ``previous_run_id`` and run ``run_id`` (the first at the new
    level); ``step`` holds its size, interval and p-value (medians in ns; ``step.index`` is
    its position among the benchmark's measured runs)."""

    run_id: int
    date: str
    commit: str | None
    dirty: bool | None
    previous_run_id: int
    previous_commit: str | None
    step: Step

    def to_dict(self) -> dict[str, Any]:
        """Flat: the runs, then the step's figures."""
        placed = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "step"}
        return {**placed, **self.step.to_dict()}


@dataclasses.dataclass(frozen=True, slots=True)
class BenchmarkTrend:
    history: BenchmarkHistory
    steps: tuple[TrendStep, ...]
    min_segment: int

    @property
    def judged(self) -> bool:
        """Whether the history is long enough to hold a step (two segments of min_segment)."""
        return len(self.history.measured) >= 2 * self.min_segment

    def to_dict(self) -> dict[str, Any]:
        return {**self.history.to_dict(), "judged": self.judged, "min_segment": self.min_segment,
                "steps": [s.to_dict() for s in self.steps]}

    def steps_frame(self) -> pd.DataFrame:
        import pandas as pd

        placed = [f.name for f in dataclasses.fields(TrendStep) if f.name != "step"]
        return pd.DataFrame([s.to_dict() for s in self.steps], columns=placed + [f.name for f in dataclasses.fields(Step)])


def trend(history: BenchmarkHistory, *, min_segment: int = DEFAULT_MIN_SEGMENT,
          max_p_value: float = DEFAULT_MAX_P_VALUE) -> BenchmarkTrend:
    """The steps in a benchmark's measured runs (failed runs are left out of the series)."""
    points = history.measured
    steps = find_steps([p.median for p in points], min_segment=min_segment,  # type: ignore[misc]
                       max_p_value=max_p_value)
    placed = tuple(TrendStep(run_id=points[s.index].run_id, date=points[s.index].date, commit=points[s.index].commit,
                             dirty=points[s.index].dirty, previous_run_id=points[s.index - 1].run_id,
                             previous_commit=points[s.index - 1].commit, step=s) for s in steps)
    return BenchmarkTrend(history, placed, min_segment)
