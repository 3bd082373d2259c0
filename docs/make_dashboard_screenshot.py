"""Writes docs/dashboard.png, the README's screenshot of the HTML dashboard, the way the
browser check makes its own (tests/test_dashboard_browser.py): the same constructed store
and report (tests/dashboard_reports.py), the same headless Chromium visit drawing every
chart (tests/headless_chromium.py), then the top of the page.

    python docs/make_dashboard_screenshot.py [OUTPUT.png]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import headless_chromium  # noqa: E402
from dashboard_reports import stored_dashboard_report  # noqa: E402
from perfbench.export.html_report import HtmlExporter  # noqa: E402


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "dashboard.png"
    why_not = headless_chromium.missing()
    if why_not:
        raise SystemExit(why_not)
    with tempfile.TemporaryDirectory(prefix="perfbench-screenshot-") as directory:
        page = HtmlExporter().write(stored_dashboard_report(Path(directory) / "results.db"), Path(directory))
        with headless_chromium.chromium() as driver:
            visit = headless_chromium.visit(driver, page)
            if visit.errors or any(chart["state"] != "done" for chart in visit.charts):
                raise SystemExit(f"the dashboard did not draw cleanly: {visit.errors} {visit.charts}")
            headless_chromium.screenshot(driver, output)
    print(f"{output}: {output.stat().st_size / 1e3:.0f} KB")


if __name__ == "__main__":
    main()
