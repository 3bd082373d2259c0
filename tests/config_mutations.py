"""Mutated configuration files, for fuzzing what perfbench does with them.

Seeds are valid configs users are shown: ``tests/data/*.toml``, every ```toml block of the
README, and the small CI config as a ``pyproject.toml`` (``[tool.perfbench]``). A variant is
a seed with one to three mutations of the kinds a broken editor, a bad merge or a hostile
user produce: byte flips, truncation, deleted and duplicated lines, huge numbers, NUL bytes
and byte-order marks. Variants are a pure function of the random seed, so a failure is
reproduced by its number.

Used by tests/test_config_fuzzing.py (a few hundred variants, in CI) and
benchmarks/fuzz_config.py (thousands, each in a process of its own).
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
BOM = "\ufeff".encode()
# Numbers that break parsers and the system: beyond float range, beyond 64 bits, huge in
# every unit, negative, zero, not a number.
HUGE_NUMBERS = ("1e999", "9" * 40, "1" + "0" * 400, "1e308", "18446744073709551617", "9223372036854775808",
                "1000000000000", "-1", "0", "0.0000000001", "nan", "inf", "-0")
_NUMBER = re.compile(rb"[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


@dataclasses.dataclass(frozen=True, slots=True)
class Seed:
    name: str
    file_name: str  # perfbench.toml or pyproject.toml
    text: bytes


def _as_pyproject(toml: str) -> str:
    """A top-level perfbench.toml rewritten as the [tool.perfbench] table of a pyproject.toml."""
    lines = ['[project]\nname = "fuzzed"\nversion = "0"\n\n[tool.perfbench]']
    for line in toml.splitlines():
        line = re.sub(r"^\[\[(\w+)\]\]", r"[[tool.perfbench.\1]]", line)
        line = re.sub(r"^\[(\w[^\]]*)\]", r"[tool.perfbench.\1]", line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def seeds() -> list[Seed]:
    found = [Seed(path.name, "perfbench.toml", path.read_bytes())
             for path in sorted((REPOSITORY / "tests" / "data").glob("*.toml"))]
    readme = (REPOSITORY / "README.md").read_text()
    for index, block in enumerate(re.findall(r"```toml\n(.*?)```", readme, flags=re.S)):
        found.append(Seed(f"README.md#toml-{index}", "perfbench.toml", block.encode()))
    small = (REPOSITORY / "tests" / "data" / "ci_pipeline_small.toml").read_text()
    found.append(Seed("ci_pipeline_small.toml as pyproject", "pyproject.toml", _as_pyproject(small).encode()))
    return found


# --- mutations: each takes the bytes and a random source, returns new bytes ---------------


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(out))
        out[position] ^= 1 << rng.randrange(8)
    return bytes(out)


def replace_byte(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    position = rng.randrange(len(data))
    return data[:position] + bytes([rng.randrange(256)]) + data[position + 1:]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def delete_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    line = lines[rng.randrange(len(lines))]
    if not line.endswith(b"\n"):
        line += b"\n"
    lines.insert(rng.randrange(len(lines) + 1), line)
    return b"".join(lines)


def huge_number(data: bytes, rng: random.Random) -> bytes:
    """A number in the text (a count, or the figure of "10m", "512MB", "p99") made huge,
    negative, zero or not a number."""
    numbers = list(_NUMBER.finditer(data))
    if not numbers:
        return data
    match = rng.choice(numbers)
    return data[:match.start()] + rng.choice(HUGE_NUMBERS).encode() + data[match.end():]


def insert_nul(data: bytes, rng: random.Random) -> bytes:
    """A raw NUL byte anywhere, or an escaped one (\\u0000) inside a string, which TOML accepts."""
    if rng.random() < 0.5:
        position = rng.randrange(len(data) + 1)
        return data[:position] + b"\0" + data[position:]
    quotes = [m.start() for m in re.finditer(rb'"', data)]
    if not quotes:
        return data
    position = rng.choice(quotes) + 1
    return data[:position] + b"\\u0000" + data[position:]


def insert_bom(data: bytes, rng: random.Random) -> bytes:
    """A UTF-8 byte-order mark at the start (as some editors save), or at the start of a line."""
    if rng.random() < 0.6:
        return BOM + data
    lines = _lines(data)
    index = rng.randrange(len(lines))
    lines[index] = BOM + lines[index]
    return b"".join(lines)


MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    flip_bits, replace_byte, truncate, delete_line, duplicate_line, huge_number, insert_nul, insert_bom,
)


@dataclasses.dataclass(frozen=True, slots=True)
class Variant:
    number: int
    seed: Seed
    mutations: tuple[str, ...]
    text: bytes

    @property
    def label(self) -> str:
        return f"variant {self.number} of {self.seed.name} ({', '.join(self.mutations)})"


def variants(count: int, random_seed: int = 0) -> Iterator[Variant]:
    """``count`` variants, the same ones for the same ``random_seed``."""
    sources = seeds()
    for number in range(count):
        rng = random.Random(f"{random_seed}:{number}")
        seed = rng.choice(sources)
        text, applied = seed.text, []
        for mutation in rng.choices(MUTATIONS, k=rng.randint(1, 3)):
            text = mutation(text, rng)
            applied.append(mutation.__name__)
        yield Variant(number, seed, tuple(applied), text)
