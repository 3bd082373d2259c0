"""Opening an HTML report in real headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven with selenium), and reading what the page did: console errors,
network requests, first paint, the charts drawn, a screenshot.

Selenium Manager is never asked for a driver or a browser (it would download them): the
driver and the binary are Debian's, named by path.

Used by tests/test_dashboard_browser.py, docs/make_dashboard_screenshot.py and
benchmarks/dashboard_size.py, so the README's screenshot and the measured first paint come
from the code path the test checks.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHART_TIMEOUT_SECONDS = 20.0


def missing() -> str | None:
    """Why the browser check cannot run here, or None when it can."""
    absent = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if absent:
        return f"{' and '.join(absent)} not found: apt-get install chromium chromium-driver (.ci/run does)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"
    return None


@contextmanager
def chromium(width: int = 1280, height: int = 2300) -> Iterator[Any]:
    """A headless Chromium session recording console messages and network events."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="perfbench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: Chromium refuses to start as root with its sandbox (CI runs as root).
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={profile}", f"--window-size={width},{height}", "--hide-scrollbars",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--disable-default-apps", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver: Any, path: Path) -> None:
    driver.get(path.resolve().as_uri())
    deadline = time.monotonic() + CHART_TIMEOUT_SECONDS
    while driver.execute_script("return document.readyState") != "complete":
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not finish loading in {CHART_TIMEOUT_SECONDS} s")
        time.sleep(0.05)


def console_errors(driver: Any) -> list[str]:
    """The console's SEVERE messages since the last call (uncaught exceptions included)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested_urls(driver: Any) -> list[str]:
    """Every URL the page asked the network stack for since the last call (DevTools
    Network.requestWillBeSent events from the performance log): the document itself included."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def paint_timing(driver: Any) -> dict[str, float]:
    """Milliseconds from navigation start: first paint, first contentful paint, DOM content
    loaded, load (the page's own Performance API)."""
    return driver.execute_script("""
        const timing = {};
        for (const entry of performance.getEntriesByType("paint")) timing[entry.name] = entry.startTime;
        const navigation = performance.getEntriesByType("navigation")[0];
        timing["dom-content-loaded"] = navigation.domContentLoadedEventEnd;
        timing["load"] = navigation.loadEventEnd;
        return timing;""")


def draw_every_chart(driver: Any) -> list[dict[str, Any]]:
    """Scrolls each chart into view (they are drawn lazily), waits until it is drawn, and
    returns each one's kind, state and drawn size (of the canvas Bokeh drew into)."""
    charts = driver.find_elements("css selector", "div.chart[data-chart]")
    measured = []
    for chart in charts:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
        deadline = time.monotonic() + CHART_TIMEOUT_SECONDS
        while chart.get_attribute("data-rendered") not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
        measured.append(driver.execute_script("""
            const chart = arguments[0];
            // Bokeh draws into canvases inside its views' shadow roots.
            const canvases = [];
            const walk = (node) => {
                for (const child of node.children) {
                    if (child.tagName === "CANVAS") canvases.push(child);
                    if (child.shadowRoot) walk(child.shadowRoot);
                    walk(child);
                }
            };
            walk(chart);
            const box = chart.getBoundingClientRect();
            const largest = canvases.map((c) => c.getBoundingClientRect()).reduce(
                (best, r) => (r.width * r.height > best.width * best.height ? r : best), {width: 0, height: 0});
            return {kind: chart.dataset.chart, state: chart.dataset.rendered || "not drawn",
                    width: box.width, height: box.height, canvas_width: largest.width, canvas_height: largest.height};
            """, chart))
    driver.execute_script("window.scrollTo(0, 0)")
    return measured


# Recorded instead of shown: an alert() from injected markup would otherwise block the page.
_RECORD_ALERTS = ("window.alert = (message) => "
                  "{ (window.perfbenchAlerts = window.perfbenchAlerts || []).push(String(message)); };")


@dataclasses.dataclass
class Visit:
    """A page opened, with what loading it did."""

    driver: Any
    urls: list[str]  # every URL requested while it loaded and drew its charts
    errors: list[str]  # console errors meanwhile
    charts: list[dict[str, Any]]  # draw_every_chart's findings


def visit(driver: Any, path: Path) -> Visit:
    """Opens ``path`` (alert() recorded in ``window.perfbenchAlerts``), draws every chart."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORD_ALERTS})
    requested_urls(driver)  # forget what the fresh browser loaded for itself (its new-tab page)
    console_errors(driver)
    open_page(driver, path)
    charts = draw_every_chart(driver)
    return Visit(driver, requested_urls(driver), console_errors(driver), charts)


def screenshot(driver: Any, path: Path, colours: int = 128) -> Path:
    """The viewport as a PNG, reduced to ``colours`` (a page of flat colours loses nothing
    visible, and the file stays small enough to commit)."""
    from PIL import Image  # Pillow comes with bokeh

    path.parent.mkdir(parents=True, exist_ok=True)
    raw = path.with_suffix(".raw.png")
    driver.save_screenshot(str(raw))
    with Image.open(raw) as image:
        image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    os.remove(raw)
    return path
