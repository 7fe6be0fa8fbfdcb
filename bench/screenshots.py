"""Screenshots of the running app for the README: start the server, open each page, save PNGs.

Run from the repository root:

    python bench/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

It starts ``streamlit run app.py`` headless on a free port, drives a real Chromium
through Playwright, moves a few sliders so the pictures show compression at work,
and stops the server again (the What-if picture runs the default sweep and grid, and
fits the suggested byte budget).
A page that shows an exception fails the run. The Train
picture trains a real model first (3 epochs on 60,000 images: a minute or two).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import live_app  # importable by path: the line above puts the root first

ROOT = live_app.ROOT
WIDTH = 1280
SHOTS = (
    "home", "binarize", "prune", "quantize", "combine", "whatif", "learned", "learn", "draw",
    "lesson", "compare", "iterate", "train",
)  # fmt: skip
TEACHING_LINK = "model=mlp&prune_sparsity=0.9&binarize=0.7&layers=all"


def settle(page: Page) -> None:
    """Wait for the run, the charts and a quiet second; a page with an exception fails."""
    live_app.settle(page)
    if live_app.exceptions(page):
        raise RuntimeError(f"{page.url} shows an exception: {live_app.exceptions(page)}")


def move_slider(page: Page, label: str, presses: int) -> None:
    """Move the slider labelled ``label`` right by ``presses`` key steps."""
    live_app.press_slider(page, label, "ArrowRight", presses)
    settle(page)


def to_top(page: Page) -> None:
    """Scroll the main area back to the page title (a button press scrolls it down)."""
    page.locator("[data-testid='stMain']").evaluate("element => element.scrollTo(0, 0)")
    page.evaluate("window.scrollTo(0, 0)")


def draw_seven(page: Page) -> None:
    """Two mouse strokes on the Draw page's pad: a bar, then a slanted stem."""
    box = page.locator("canvas.ink").bounding_box()
    for stroke in (((0.25, 0.2), (0.75, 0.2)), ((0.75, 0.2), (0.45, 0.85))):
        points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=12)
        page.mouse.up()
        time.sleep(0.5)


def shoot(page: Page, path: Path, height: int) -> None:
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.mouse.move(1, height - 1)  # no tooltip over the picture
    settle(page)
    page.screenshot(path=str(path))
    print(f"wrote {path} ({path.stat().st_size // 1000} KB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument(
        "--pages",
        default=",".join(SHOTS),
        help=f"comma-separated pictures to take (default all: {','.join(SHOTS)})",
    )
    args = parser.parse_args()
    wanted = {name.strip() for name in args.pages.split(",") if name.strip()}
    if not wanted <= set(SHOTS):
        parser.error(f"--pages: choose from {', '.join(SHOTS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server = live_app.start_server(Path(tempfile.mkdtemp(prefix="shots-")) / "streamlit.log")
    base = server.url
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, args=live_app.CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            if "home" in wanted:
                page.goto(base + "/")
                shoot(page, out / "home.png", 1150)

            if "binarize" in wanted:
                page.goto(base + "/Binarize")
                settle(page)
                move_slider(page, "Binarization threshold", 14)  # 0.00 -> 0.70, the TWN rule
                shoot(page, out / "binarize.png", 1500)

            if "prune" in wanted:
                page.goto(base + "/Prune")
                settle(page)
                move_slider(page, "Pruning threshold", 13)  # 0.024 -> 0.050 in steps of 0.002
                shoot(page, out / "prune.png", 1500)

            if "quantize" in wanted:
                page.goto(base + "/Quantize")
                settle(page)  # at the slider's start, 4 bits
                shoot(page, out / "quantize.png", 1100)

            if "combine" in wanted:
                page.goto(base + "/Combine")
                settle(page)
                page.get_by_role("button", name="ternary: t = 0.7").click()
                shoot(page, out / "combine.png", 1500)

            if "whatif" in wanted:  # reached by its link, so Combine's setting is the star
                if "combine" not in wanted:
                    page.goto(base + "/Combine")
                    settle(page)
                    page.get_by_role("button", name="ternary: t = 0.7").click()
                    settle(page)
                page.get_by_role("link", name="What if").click()  # same session: Combine's ★
                settle(page)
                main = page.get_by_test_id("stMainBlockContainer")
                main.get_by_role("button", name="Run the sweep").click()
                settle(page)
                main.get_by_role("button", name="Run the grid").click()
                settle(page)
                main.get_by_role("button", name="Fit", exact=True).click()  # the budget box
                settle(page)
                to_top(page)
                shoot(page, out / "whatif.png", 2600)

            if "learned" in wanted:  # a shared link: 90% pruned, ternary survivors
                page.goto(base + "/Combine?" + TEACHING_LINK)
                settle(page)
                section = page.get_by_text("What the network learned and lost").first
                section.scroll_into_view_if_needed()
                page.set_viewport_size({"width": WIDTH, "height": 1100})
                section.evaluate("e => e.scrollIntoView({block: 'start'})")
                time.sleep(1.0)
                page.screenshot(path=str(out / "learned.png"))
                print(f"wrote {out / 'learned.png'}")

            if "learn" in wanted:
                page.goto(base + "/Learn?" + TEACHING_LINK)
                shoot(page, out / "learn.png", 1700)

            if "draw" in wanted:  # a seven, drawn with the mouse, under Combine's link
                page.goto(base + "/Draw?" + TEACHING_LINK)
                settle(page)
                draw_seven(page)
                settle(page)
                shoot(page, out / "draw.png", 900)

            if "lesson" in wanted:  # the first shipped lesson, opened by its link
                page.goto(base + "/Prune?lesson=zero-cost")
                settle(page)
                shoot(page, out / "lesson.png", 1100)

            if "compare" in wanted:  # Prune at its start pinned as A, then a higher cut as B
                page.goto(base + "/Prune")
                settle(page)
                page.get_by_role("button", name="Pin as A").click()
                settle(page)
                move_slider(page, "Pruning threshold", 20)
                page.get_by_role("link", name="Compare with A").click()
                settle(page)
                shoot(page, out / "compare.png", 2200)

            if "iterate" in wanted:  # 4 rounds to 95% on 10,000 images, then the rewind
                page.goto(base + "/Iterative_pruning")
                settle(page)
                main = page.get_by_test_id("stMainBlockContainer")
                main.get_by_role("button", name="Run 4 rounds").click()
                page.get_by_role("button", name="Rewind and retrain").wait_for(timeout=900_000)
                settle(page)
                main.get_by_role("button", name="Rewind and retrain").click()
                settle(page)
                to_top(page)
                shoot(page, out / "iterate.png", 2000)

            if "train" not in wanted:
                browser.close()
                return 0
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
