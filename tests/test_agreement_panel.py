"""The agreement panel's own logic (benchmarks/compare_agreement.py, benchmarks/_machine_code.py):
its three verdicts on constructed figures, and its comparison of the machine code two binaries
run, on real binaries made here with the real compiler and binutils."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import _machine_code  # noqa: E402
import compare_agreement as panel  # noqa: E402


@pytest.mark.parametrize(
    ("ratio", "spreads", "verdict"),
    [
        pytest.param(1.02, [0.01, 0.04], "yes", id="steady-and-close"),
        pytest.param(0.96, [0.01, 0.04], "NO", id="steady-and-apart"),
        pytest.param(1.00, [0.01, 0.11], panel.TOO_NOISY, id="peer-spread-beyond-band"),
        pytest.param(2.00, [1.71, 0.02], panel.TOO_NOISY, id="perfbench-spread-beyond-band"),
        pytest.param(0.975, [0.06, 0.06], "yes", id="spread-at-the-limit-is-judged"),
        pytest.param(1.05, [None, None], "NO", id="one-process-ratio-decides"),
    ],
)
def test_verdict_follows_ratio_and_between_process_spread(ratio, spreads, verdict):
    assert panel.judge(ratio, spreads) == verdict


def test_a_peer_that_waited_for_a_cpu_is_too_noisy_however_steady():
    assert panel.judge(0.33, [0.02, 0.03], peer_real_over_cpu=3.0) == panel.TOO_NOISY
    assert panel.judge(1.00, [0.02, 0.03], peer_real_over_cpu=1.02) == "yes"


def test_spread_is_range_over_minimum():
    assert panel.spread([10.0, 12.0, 11.0]) == pytest.approx(0.2)
    assert panel.spread([10.0]) is None


WORK = """
unsigned work(const unsigned* values, unsigned n) {
    unsigned sum = 0;
    for (unsigned i = 0; i < n; ++i) sum += values[i] > 7 ? values[i] : 3;
    return sum;
}
unsigned other(const unsigned* values, unsigned n) { return n ? values[0] * 3 : 0; }
"""


@pytest.fixture(scope="module")
def two_links(tmp_path_factory) -> tuple[Path, Path]:
    """One object file linked into two programs that place it at different addresses."""
    if shutil.which("g++") is None:
        pytest.skip("no g++")
    tmp = tmp_path_factory.mktemp("links")
    (tmp / "work.cpp").write_text(WORK)
    (tmp / "pad.cpp").write_text("volatile int sink; void pad() { " + "sink = 1; " * 300 + "}\n")
    (tmp / "main.cpp").write_text("unsigned work(const unsigned*, unsigned);\nunsigned other(const unsigned*, unsigned);\n"
                                  "int main(int argc, char**) { unsigned v[4] = {1, 9, 3, 12};\n"
                                  "  return (int)(work(v, (unsigned)argc) + other(v, 1)); }\n")
    for name in ("work", "pad", "main"):
        subprocess.run(["g++", "-O2", "-c", str(tmp / f"{name}.cpp"), "-o", str(tmp / f"{name}.o")], check=True)
    first, second = tmp / "first", tmp / "second"
    subprocess.run(["g++", str(tmp / "work.o"), str(tmp / "main.o"), "-o", str(first)], check=True)
    subprocess.run(["g++", str(tmp / "pad.o"), str(tmp / "main.o"), str(tmp / "work.o"), "-o", str(second)], check=True)
    return first, second


def test_the_same_object_code_linked_twice_is_the_same_machine_code(two_links):
    first, second = two_links
    a = _machine_code.find(first, "work(unsigned int const*, unsigned int)")
    b = _machine_code.find(second, "work(unsigned int const*, unsigned int)")
    assert a.address != b.address
    assert a.size == b.size and len(a.instructions) > 3
    assert a.same_code_as(b)


def test_a_different_function_is_not_the_same_machine_code(two_links):
    first, _ = two_links
    work = _machine_code.find(first, "work(unsigned int const*, unsigned int)")
    other = _machine_code.find(first, "other(unsigned int const*, unsigned int)")
    assert not work.same_code_as(other)


def test_a_missing_function_is_an_error_naming_it(two_links):
    first, _ = two_links
    with pytest.raises(_machine_code.MachineCodeError, match="no_such_function"):
        _machine_code.find(first, "no_such_function()")
