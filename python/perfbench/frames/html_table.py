"""The ``_repr_html_`` shape every perfbench object uses in Jupyter: a one-line summary and
one small table. Every text is escaped here, once, so a benchmark named
``<img src=x onerror=alert(1)>`` shows as text; no scripts, no styles."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

# A notebook cell is for a glance: the full table is one ``to_dataframe()`` away.
MAX_ROWS = 60


def html_table(summary: str, header: Sequence[str], rows: Iterable[Sequence[object]], *,
               max_rows: int = MAX_ROWS) -> str:
    """``summary`` as a paragraph, then the rows (cells rendered with ``str``; None as
    "-"), the first ``max_rows`` of them and a line saying how many more there are; without
    a ``header``, the summary alone."""
    rows = list(rows)
    if not header:
        return f"<div><p>{html.escape(summary)}</p></div>"
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('-' if cell is None else str(cell))}</td>" for cell in row)
                   + "</tr>" for row in rows[:max_rows])
    more = (f"<p>… {len(rows) - max_rows} more rows: <code>to_dataframe()</code> has them all</p>"
            if len(rows) > max_rows else "")
    return (f"<div><p>{html.escape(summary)}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{more}</div>")
