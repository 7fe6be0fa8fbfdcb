"""Streamlit glue of the explorer: shared loaders, per-person state, widgets, formatting.

Pages import from here; all computation is in :mod:`compression`.
"""
