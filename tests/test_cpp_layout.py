"""The C++ tree shows the architecture: each workload family's headers are private to its folder.

Only cpp/include/perfbench/ is public (users and peers include it). A family folder under
cpp/src/workloads/ may include public headers, the shared pieces beside the family folders
(catalogue, random stream, thread pool, allocation counter), and its own files; never another
family's files. Nothing outside cpp/src/workloads/ includes a family's header: not the bindings,
and not the Google Benchmark peer in benchmarks/, which links the compiled workloads.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CPP = Path(__file__).resolve().parents[1] / "cpp"
WORKLOADS = CPP / "src" / "workloads"
FAMILIES = sorted(p.name for p in WORKLOADS.iterdir() if p.is_dir())
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def quoted_includes(path: Path) -> list[str]:
    return INCLUDE.findall(path.read_text())


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".hpp", ".cpp"))


def test_the_five_families_have_a_folder_each():
    assert FAMILIES == ["basic", "messages", "nodes", "runtime", "workflow"]


def test_no_workload_header_is_public():
    assert not (CPP / "include" / "perfbench" / "workloads").exists()


@pytest.mark.parametrize("family", FAMILIES)
def test_a_family_includes_only_public_shared_or_its_own_headers(family):
    folder = WORKLOADS / family
    wrong = []
    for path in sources(folder):
        for name in quoted_includes(path):
            if name.startswith("perfbench/"):
                ok = (CPP / "include" / name).is_file()
            elif name.startswith("workloads/"):
                target = CPP / "src" / name
                ok = target.is_file() and target.parent == WORKLOADS
            else:
                ok = (folder / name).is_file() and "/" not in name
            if not ok:
                wrong.append(f"{path.relative_to(CPP)}: {name}")
    assert wrong == []


def test_nothing_outside_the_workloads_folder_includes_a_family_header():
    outside = [p for p in sources(CPP) if WORKLOADS not in p.parents]
    outside += sources(CPP.parent / "benchmarks")  # the peers link the compiled core instead
    family_prefixes = tuple(f"workloads/{family}/" for family in FAMILIES)
    wrong = [f"{p}: {name}" for p in outside for name in quoted_includes(p) if name.startswith(family_prefixes)]
    assert wrong == []
