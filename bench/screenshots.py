"""Screenshots of the running app for the README: start the server, open each page, save PNGs.

Run from the repository root:

    python -m bench.screenshots [--out docs/screenshots] [--chromium /usr/bin/chromium]

It starts ``streamlit run app.py`` headless on a free port, drives a real Chromium
through Playwright, moves a few sliders so the pictures show compression at work,
and stops the server again. A page that shows an exception fails the run. The Train
picture trains a real model first (3 epochs on 60,000 images: a minute or two).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from bench import live_app
from bench.live_app import ROOT, settle

WIDTH = 1280


def shoot(page: Page, path: Path, height: int) -> None:
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.mouse.move(1, height - 1)  # no tooltip over the picture
    settle(page)
    if shown := live_app.exceptions(page):
        raise RuntimeError(f"{page.url} shows an exception: {shown[0]}")
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1000} KB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default=live_app.CHROMIUM)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server = live_app.start_server(out / "streamlit.log")
    base = server.url
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, args=live_app.CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.goto(base + "/")
            shoot(page, out / "home.png", 1150)

            page.goto(base + "/Binarize")
            settle(page)
            live_app.move_slider(page, "Binarization threshold", 14)  # 0.00 -> 0.70, the TWN rule
            shoot(page, out / "binarize.png", 1500)

            page.goto(base + "/Prune")
            settle(page)
            live_app.move_slider(page, "Pruning threshold", 26)  # 0.024 -> 0.050
            shoot(page, out / "prune.png", 1500)

            page.goto(base + "/Combine")
            settle(page)
            page.get_by_role("button", name="ternary: t = 0.7").click()
            shoot(page, out / "combine.png", 1500)

            # last: the trained model becomes this session's baseline
            page.goto(base + "/Train")
            settle(page)
            main = page.get_by_test_id("stMainBlockContainer")
            main.get_by_role("button", name="Train", exact=True).click()
            page.get_by_text("It is now your baseline").wait_for(timeout=900_000)
            shoot(page, out / "train.png", 1100)
            browser.close()
    finally:
        server.stop()
        (out / "streamlit.log").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
