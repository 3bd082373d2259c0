"""User text (benchmark names, rules, messages) made safe for GitHub-flavoured Markdown.

A name such as ``a|b`` would split a table cell, one with a backtick would end its code
span early, and one such as ``<img src=x onerror=...>`` would reach the page as HTML (GitHub
sanitises it, other renderers may not). Names go in code spans whose fence is longer than
any run of backticks inside them; in a table a pipe is escaped as ``\\|`` (GFM strips the
backslash inside code spans in tables, and only there); prose has its Markdown and HTML
characters escaped.
"""

from __future__ import annotations

import html
import re

_PROSE_SPECIALS = re.compile(r"([\\`*_\[\]{}|~#!])")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def code(text: str, *, in_table: bool = False) -> str:
    """``text`` as an inline code span showing it verbatim."""
    text = _one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # A span that starts or ends with a backtick needs a space inside its fence (stripped on render).
    padded = f" {text} " if text.startswith("`") or text.endswith("`") or not text.strip() else text
    if in_table:
        padded = padded.replace("|", "\\|")
    return f"{fence}{padded}{fence}"


def prose(text: str) -> str:
    """``text`` as literal Markdown text: no emphasis, links, raw HTML or cell breaks."""
    return _PROSE_SPECIALS.sub(r"\\\1", html.escape(_one_line(text), quote=False))


def row(cells: list[str]) -> str:
    """One table row from cells already escaped for a table."""
    return "| " + " | ".join(cells) + " |"


def table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    """A GFM table's lines; ``align``: one letter per column, l or r (default left)."""
    marks = {"l": ":--", "r": "--:"}
    return [row(header), row([marks[align[i]] if i < len(align) else "---" for i in range(len(header))]),
            *(row(cells) for cells in rows)]
