"""What the dashboard inlines so that it opens from file:// with no network request: BokehJS
(read from the installed ``bokeh`` package, never fetched), the dashboard's own script and
style, and data as JSON that is safe inside a ``<script>`` element.

BokehJS rather than plotly.js, by size: bokeh.min.js + bokeh-api.min.js (the plotting API the
charts are built with in the page) are 1.39 MB against plotly.js's 4.8 MB, which alone would
leave 0.2 MB of the 5 MB budget for 200 benchmarks' data (README, "The HTML dashboard").
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

from markupsafe import Markup

from perfbench.errors import ConfigError

# The BokehJS bundles the charts need: the library and its plotting API. Widgets, tables,
# WebGL and MathJax (2.6 MB more) are left out.
BOKEH_BUNDLES = ("bokeh.min.js", "bokeh-api.min.js")

# Characters that must not appear literally in JSON inside <script>: "</script>" or "<!--"
# would end or change the element, "&" could start a character reference in an attribute,
# and U+2028/U+2029 end a line in older JavaScript parsers.
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE_PATTERN = re.compile("[<>&\u2028\u2029]")
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


def script_json(value: Any) -> Markup:
    """``value`` as compact JSON that can stand inside <script> as it is (NaN is not JSON: pass None)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return Markup(_SCRIPT_UNSAFE_PATTERN.sub(lambda match: _SCRIPT_UNSAFE[match.group()], text))


def _inline_script(text: str) -> Markup:
    # A library's "</script" could only stand inside a string or a comment, where "<\/" means
    # the same; none of the shipped bundles has one today, this keeps it so.
    return Markup(_SCRIPT_END.sub(r"<\\/\1", text))


def _bokeh_static() -> Path:
    spec = importlib.util.find_spec("bokeh")  # its location only: importing bokeh costs 0.25 s
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the HTML report needs the 'bokeh' package for its charts: pip install bokeh")
    return Path(next(iter(spec.submodule_search_locations))) / "server" / "static" / "js"


@functools.cache
def bokeh_script() -> Markup:
    """BokehJS and its plotting API, as one script to inline."""
    static = _bokeh_static()
    return _inline_script("\n".join((static / name).read_text(encoding="utf-8") for name in BOKEH_BUNDLES))


@functools.cache
def dashboard_asset(name: str) -> Markup:
    """The dashboard's own script or style (``templates/<name>``), to inline."""
    return _inline_script((files("perfbench") / "templates" / name).read_text(encoding="utf-8"))
