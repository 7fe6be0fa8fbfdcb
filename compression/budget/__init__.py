"""Fit a model in a byte budget: a setting per layer that keeps the most accuracy.

:mod:`~compression.budget.options` measures each layer's options alone (accuracy and
bytes), :mod:`~compression.budget.allocate` picks one option per layer, and
:mod:`~compression.budget.fit` measures the best few picks for real and writes the file.
"""
