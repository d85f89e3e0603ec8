"""Write ui/screenshot.png, the picture at the top of the README: the page after drawing a real pen digit.

    python tools/make_screenshot.py [--digit eight] [--out ui/screenshot.png]

A tool that makes a repository asset, so it lives in tools/, not in the app's ui/. Serves the app on a free
localhost port, draws the digit's pen strokes (tests/data/pen_strokes.json) on the stroke pad with the mouse in
headless Chromium (Debian's /usr/bin/chromium), waits for the reading, taps the strongest unit of C3 so the
inspector shows its arithmetic, and saves the page down to the inspector and the code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the app, and the pad-drawing helpers the browser tests use

from browser_helpers import LABEL_TEXT_JS, PAD_CANVAS, draw_digit, free_port, launch_chromium, pen_digits  # noqa: E402

VIEWPORT = {"width": 1280, "height": 1000}
# The strongest C3 unit's place on its canvas (canvas px), read from the view's own layout and the values it holds.
STRONGEST_C3_JS = """() => {
  const canvas = document.querySelector('#c3-maps canvas');
  const cells = JSON.parse(canvas.dataset.cells);
  const ctx = canvas.getContext('2d');
  let best = null;
  for (const c of cells) for (let i = 0; i < c.side; i++) for (let j = 0; j < c.side; j++) {
    const [r, g, b] = ctx.getImageData(c.x + j * c.scale + 1, c.y + i * c.scale + 1, 1, 1).data;
    const dark = 765 - r - g - b;  // the palette darkens towards the strongest
    if (!best || dark > best.dark) best = {dark, x: c.x + (j + 0.5) * c.scale, y: c.y + (i + 0.5) * c.scale};
  }
  const scale = canvas.getBoundingClientRect().width / canvas.width;
  return {x: best.x * scale, y: best.y * scale};
}"""
SETTLE_MS = 1000  # the last reading has arrived and been drawn


def main(argv: list[str] | None = None) -> None:
    """Draw the digit, wait for its reading and write the screenshot."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--digit", default="eight", help="name of a digit in tests/data/pen_strokes.json (default: eight)")
    p.add_argument("--out", type=Path, default=ROOT / "ui" / "screenshot.png", help="default: ui/screenshot.png")
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    import app

    digit = pen_digits()[args.digit]
    _, url, _ = app.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url)
            page.wait_for_selector(PAD_CANVAS)
            draw_digit(page, digit["strokes"])
            page.wait_for_function(f"() => ({LABEL_TEXT_JS})() === '{digit['label']}'", timeout=60_000)
            page.wait_for_timeout(SETTLE_MS)
            page.locator("#c3-maps canvas").click(position=page.evaluate(STRONGEST_C3_JS))
            page.wait_for_timeout(300)
            page.evaluate("() => window.scrollTo(0, 0)")
            # Down to the bottom of the inspector and the code: the pad, the reading, every stage, one unit explained.
            bottom = page.evaluate("() => document.querySelector('#model-code').getBoundingClientRect().bottom")
            clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": bottom + 16}
            page.screenshot(path=str(args.out), clip=clip, full_page=True)
            browser.close()
    finally:
        app.demo.close()
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
