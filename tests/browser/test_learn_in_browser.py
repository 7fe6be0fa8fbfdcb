"""The Learn page in a real Chromium at projector and laptop sizes: nothing is cut off.

A display formula that is wider than its column gets a scroll bar (KaTeX's box scrolls),
and a table wider than the page is clipped; both are measured in the browser's layout.
"""

from __future__ import annotations

import re

import pytest

from bench import live_app
from ui.lessons import LAYER_EXAMPLES, LESSONS

# For each display formula: its box, the box's scroll width, and how far its glyphs reach;
# for each table: its box, its scroller and its header texts. All in CSS pixels.
MEASURE = """() => {
  const main = document.querySelector("[data-testid='stMainBlockContainer']");
  const style = getComputedStyle(main);
  const box = main.getBoundingClientRect();
  const left = box.left + parseFloat(style.paddingLeft);
  const right = box.right - parseFloat(style.paddingRight);
  const formulas = [...main.querySelectorAll('.katex-display')].map(display => {
    const glyphs = [...display.querySelectorAll('.katex-html .base')]
      .map(base => base.getBoundingClientRect());
    return {
      text: display.textContent.slice(0, 40),
      scrollWidth: display.scrollWidth, clientWidth: display.clientWidth,
      left: Math.min(...glyphs.map(g => g.left)), right: Math.max(...glyphs.map(g => g.right)),
    };
  });
  const tables = [...main.querySelectorAll("[data-testid='stDataFrame']")].map(table => {
    const scroller = table.querySelector('.dvn-scroller');
    const edge = table.getBoundingClientRect();
    return {
      headers: [...table.querySelectorAll('th')].map(th => th.textContent.trim()),
      scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth,
      scrollHeight: scroller.scrollHeight, clientHeight: scroller.clientHeight,
      left: edge.left, right: edge.right,
    };
  });
  return {left, right, formulas, tables};
}"""
TABLES = sum(lesson.key != "pictures" for lesson in LESSONS) + len(LAYER_EXAMPLES)
DRAWN_TABLES = """n => [...document.querySelectorAll("[data-testid='stDataFrame']")]
  .filter(table => table.querySelector('th')).length >= n"""
RAW_NAME = re.compile(r"^[a-z]+(_[a-z]+)+$")  # a program's column name: zeroed_fraction


@pytest.mark.parametrize("width, height", [(1024, 768), (1400, 900)])
def test_every_formula_and_table_of_learn_fits_the_column(server, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(120_000)
    try:
        tab = context.new_page()
        live_app.open_page(tab, server, "pages/6_Learn.py")
        assert live_app.exceptions(tab) == []
        tab.locator(".katex-display").first.wait_for()
        tab.wait_for_function(DRAWN_TABLES, arg=TABLES)  # every table with its header row
        shown = tab.evaluate(MEASURE)
    finally:
        context.close()
    column = (shown["left"], shown["right"])
    assert len(shown["formulas"]) == len(LESSONS) - 1, shown["formulas"]  # but "pictures"
    for formula in shown["formulas"]:
        assert formula["scrollWidth"] <= formula["clientWidth"], formula  # no scroll bar
        assert column[0] - 1 <= formula["left"] and formula["right"] <= column[1] + 1, formula
    tables = shown["tables"]
    assert len(tables) == TABLES
    for table in tables:
        assert table["headers"] and all(table["headers"]), table
        assert not [name for name in table["headers"] if RAW_NAME.match(name)], table
        assert table["scrollWidth"] <= table["clientWidth"], table  # no column cut off
        assert table["scrollHeight"] <= table["clientHeight"], table  # every row shown
        assert column[0] - 1 <= table["left"] and table["right"] <= column[1] + 1, table
    first = tables[0]["headers"]
    assert "a = mean |W|" in first and "mean_abs" not in first
