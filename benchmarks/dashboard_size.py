"""How large is the HTML dashboard, and how soon does it paint (goals, issue 11: <= 5 MB and
first paint <= 1 s in headless Chromium, for 200 benchmarks with 500 history points each)?

Builds a synthetic ReportData of 200 benchmarks x 1,000 samples with 500 runs of history
each (tests/dashboard_reports.synthetic_report; every tenth benchmark with a step), writes
it with the html exporter (timed), and opens it ``--loads`` times in headless Chromium
(tests/headless_chromium, the browser check's own driver) reading the page's Performance
API: first paint, first contentful paint, DOM content loaded, load. Prints a table of the
medians; ``--json PATH`` writes the figures.

Also the weight of the two plotting libraries the dashboard could inline: BokehJS's bundles
(the two inlined, and all of ``bokeh.resources.INLINE``) and plotly.js
(``plotly.offline.get_plotlyjs()``, when plotly is installed: ``pip install -e '.[bench]'``).

    python benchmarks/dashboard_size.py [--benchmarks 200] [--history 500] [--loads 5] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import headless_chromium  # noqa: E402
from dashboard_reports import synthetic_report  # noqa: E402
from perfbench.export.html_report import HtmlExporter  # noqa: E402
from perfbench.export.inline_assets import BOKEH_BUNDLES, bokeh_script  # noqa: E402

MB = 1e6


def library_sizes() -> dict[str, float | None]:
    """Bytes of each candidate's script, as inlined."""
    from bokeh.resources import INLINE

    sizes: dict[str, float | None] = {
        f"BokehJS {' + '.join(BOKEH_BUNDLES)} (inlined)": len(str(bokeh_script()).encode()),
        "BokehJS, all of bokeh.resources.INLINE": sum(len(text.encode()) for text in INLINE.js_raw),
    }
    try:
        import plotly
        import plotly.offline
    except ImportError:
        sizes["plotly.js (plotly not installed)"] = None
    else:
        sizes[f"plotly.js {plotly.__version__} (plotly.offline.get_plotlyjs())"] = len(plotly.offline.get_plotlyjs().encode())
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmarks", type=int, default=200)
    parser.add_argument("--history", type=int, default=500)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    why_not = headless_chromium.missing()
    if why_not:
        raise SystemExit(why_not)

    started = time.perf_counter()
    report = synthetic_report(args.benchmarks, args.history, args.samples)
    built = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="perfbench-dashboard-size-") as directory:
        writes = []
        for _ in range(3):
            started = time.perf_counter()
            path = HtmlExporter().write(report, Path(directory))
            writes.append(time.perf_counter() - started)
        size = path.stat().st_size
        timings: list[dict[str, float]] = []
        with headless_chromium.chromium() as driver:
            for _ in range(args.loads):
                headless_chromium.open_page(driver, path)
                timings.append(headless_chromium.paint_timing(driver))
                errors = headless_chromium.console_errors(driver)
                if errors:
                    raise SystemExit(f"console errors: {errors}")
                driver.get("about:blank")

    figures = {
        "benchmarks": args.benchmarks, "history_points_each": args.history, "samples_each": args.samples,
        "report_built_seconds": built, "html_write_seconds_median_of_3": statistics.median(writes),
        "file_bytes": size, "loads": args.loads,
        **{f"{name}_ms_median": statistics.median(t[name] for t in timings)
           for name in ("first-paint", "first-contentful-paint", "dom-content-loaded", "load")},
        **{f"{name}_ms_max": max(t[name] for t in timings) for name in ("first-paint", "first-contentful-paint")},
        "libraries_bytes": library_sizes(),
    }
    print(f"dashboard of {args.benchmarks} benchmarks x {args.history} history points x {args.samples} samples")
    print(f"  {'file size':<44} {size / MB:8.2f} MB   (goal <= 5 MB)")
    print(f"  {'html write (median of 3)':<44} {figures['html_write_seconds_median_of_3']:8.3f} s")
    for name in ("first-paint", "first-contentful-paint", "dom-content-loaded", "load"):
        print(f"  {name + f' (median of {args.loads} loads)':<44} {figures[name + '_ms_median']:8.0f} ms"
              + ("   (goal <= 1000 ms)" if name == "first-contentful-paint" else ""))
    print("plotting libraries, script bytes as inlined")
    for name, value in figures["libraries_bytes"].items():
        print(f"  {name:<60} {'-' if value is None else f'{value / MB:.2f} MB'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
