"""Iterative pruning: Han's prune-and-retrain rounds, live, and the lottery-ticket rewind."""

from ui import iterative_page, page

baseline, reference = page.start_page("Iterative pruning")
iterative_page.show(baseline)
