"""The regression rules other tools apply, on the very samples perfbench judged, for the side by
side in ``regression_evidence.py``. Each gives, per benchmark, "slower", "faster" or "same":

* ``t-test``: pyperf's ``compare_to`` -- a two-sample Student t-test over all values of the two
  sides at 95 %, per benchmark, with no correction over the suite;
* ``U-test``: Google Benchmark's ``tools/compare.py`` -- a two-sided Mann-Whitney U test over the
  two sides' values at alpha 0.05, per benchmark, with no correction;
* ``10 % on the mean``: the fixed threshold many CI scripts use -- slower when the mean grew by
  more than 10 %, faster when it fell by more than 10 %.

The first two call a change whatever is significant, of any size: that is how those tools
flag it (pyperf prints "significant", compare.py colours the row).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

RULES = ("t-test", "U-test", "10 % on the mean")
ALPHA = 0.05
FIXED_THRESHOLD = 0.10


def _direction(base: np.ndarray, current: np.ndarray) -> str:
    return "slower" if float(np.mean(current)) > float(np.mean(base)) else "faster"


def judge(rule: str, base: Sequence[float], current: Sequence[float]) -> str:
    a = np.asarray(base, dtype=np.float64)
    b = np.asarray(current, dtype=np.float64)
    if a.size < 2 or b.size < 2:
        return "same"  # neither tool can test one value against one value
    if rule == "t-test":
        if np.ptp(a) == 0 and np.ptp(b) == 0:
            return "same" if a[0] == b[0] else _direction(a, b)
        p = stats.ttest_ind(a, b, equal_var=True).pvalue
        return _direction(a, b) if p < ALPHA else "same"
    if rule == "U-test":
        p = stats.mannwhitneyu(a, b, alternative="two-sided").pvalue
        return _direction(a, b) if p < ALPHA else "same"
    if rule == "10 % on the mean":
        change = float(np.mean(b)) / float(np.mean(a)) - 1.0
        return "slower" if change > FIXED_THRESHOLD else "faster" if change < -FIXED_THRESHOLD else "same"
    raise ValueError(f"unknown rule {rule!r}")
