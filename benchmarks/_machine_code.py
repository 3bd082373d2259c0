"""The machine code a peer comparison timed: one function of an ELF binary (an executable or a
shared object), found by its demangled name with nm and disassembled with objdump (binutils).

Two links of the same object code put a function at different addresses, so calls and jumps
out of it and RIP-relative data references carry other displacements. The normalised form
keeps every instruction's length, mnemonic and operands, writes jump targets inside the
function as offsets from its start, and masks only those displacements: equal normalised
instructions mean the same machine code, relocated.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

_INSTRUCTION = re.compile(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(\S+)\s*(.*)$")
_RIP_RELATIVE = re.compile(r"-?0x[0-9a-f]+\(%rip\)")


class MachineCodeError(RuntimeError):
    """The function is not in the binary, or binutils could not read it."""


@dataclasses.dataclass(frozen=True)
class Function:
    binary: Path
    name: str
    address: int
    size: int
    instructions: tuple[tuple[int, str, str], ...]  # (length in bytes, mnemonic, operands), relocation-free

    def same_code_as(self, other: Function) -> bool:
        return self.instructions == other.instructions


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise MachineCodeError(f"{' '.join(cmd)}: {error}") from error


def _symbol(binary: Path, name: str) -> tuple[int, int]:
    # A stripped shared object (pybind11 strips _core in Release builds) keeps only its
    # dynamic symbols; an executable keeps its full table. Look in both.
    for table in (["--defined-only"], ["--dynamic", "--defined-only"]):
        listing = subprocess.run(["nm", "-C", "-S", *table, str(binary)], capture_output=True, text=True).stdout
        for line in listing.splitlines():
            parts = line.split(" ", 3)
            if len(parts) == 4 and parts[3] == name:
                return int(parts[0], 16), int(parts[1], 16)
    raise MachineCodeError(f"{binary}: no function {name!r}")


def _normalised(address: int, size: int, disassembly: str) -> tuple[tuple[int, str, str], ...]:
    out = []
    for line in disassembly.splitlines():
        match = _INSTRUCTION.match(line)
        if not match:
            continue
        length, mnemonic = len(match.group(2).split()), match.group(3)
        operands = re.sub(r"\s*<[^>]*>", "", match.group(4)).split("#")[0].strip()
        if re.fullmatch(r"[0-9a-f]+", operands) and (mnemonic.startswith(("j", "call", "loop", "xbegin"))):
            target = int(operands, 16)
            operands = f"+{target - address:#x}" if address <= target < address + size else "(outside)"
        out.append((length, mnemonic, _RIP_RELATIVE.sub("(rip)", operands)))
    return tuple(out)


def find(binary: Path, name: str) -> Function:
    """The function `name` (demangled, e.g. 'ns::Type::run(unsigned long)') in `binary`."""
    address, size = _symbol(binary, name)
    disassembly = _run(["objdump", "-d", "--insn-width=16", f"--start-address={address:#x}",
                        f"--stop-address={address + size:#x}", str(binary)])
    instructions = _normalised(address, size, disassembly)
    if not instructions:
        raise MachineCodeError(f"{binary}: objdump gave no instruction for {name!r}")
    return Function(binary, name, address, size, instructions)
