"""A rendered report opened in headless Chromium (Debian's, installed by `make system-deps`):
every image loads with a real size, no error output, no console error, and no request leaves
the file. Never skipped: a missing browser or Playwright is a failure naming the fix."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from aigym.reports import RenderedReport

CHROMIUM = os.environ.get("AIGYM_CHROMIUM", "/usr/bin/chromium")


def test_rendered_report_is_self_contained_in_a_real_browser(
    cost_report: RenderedReport, tmp_path: Path
) -> None:
    assert shutil.which(CHROMIUM) or Path(CHROMIUM).is_file(), (
        f"no Chromium at {CHROMIUM}: run `make system-deps` (apt-get install -y chromium)"
    )
    from playwright.sync_api import Request, Route, sync_playwright  # dev extra

    outside: list[str] = []
    console: list[str] = []

    def guard(route: Route, request: Request) -> None:
        if request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    shot = Path(os.environ.get("AIGYM_SCREENSHOT_DIR", tmp_path)) / "cost_quality_report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.route("**/*", guard)
            page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: console.append(str(e)))
            page.goto(cost_report.html.resolve().as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])"
            )
            errors = page.eval_on_selector_all(
                "[data-mime-type='application/vnd.jupyter.stderr'], .jp-OutputArea-error",
                "els => els.length",
            )
            text = page.inner_text("body")
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    assert len(images) >= 5 and all(ok and w > 0 and h > 0 for ok, w, h in images), images
    assert errors == 0
    assert console == [] and outside == []
    assert "the next 30 days should cost" in text and "aigym" in text
    assert shot.stat().st_size > 10_000
