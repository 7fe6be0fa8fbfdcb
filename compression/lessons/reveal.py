"""A question's answer next to the measured number, in one sentence.

The measure's number is in the unit the question asks for (:data:`UNITS`): accuracy in
percent, size in KB (1 KB = 1,000 bytes, as the app's readouts), ratio as a factor.
"""

from __future__ import annotations

import math

from compression.lessons.schema import MEASURES

# units as the app shows its readouts
UNITS = {"accuracy": " %", "size_kb": " KB", "ratio": "×", "retrained_accuracy": " %"}
GAP_UNITS = {"accuracy": " points", "size_kb": " KB", "ratio": "×", "retrained_accuracy": " points"}
DIGITS = {"accuracy": 2, "size_kb": 1, "ratio": 1, "retrained_accuracy": 2}
CLOSE = 0.05  # a guess within 5% of the measured number counts as close


def measured_number(measure: str, accuracy: float, size_bytes: int, ratio: float) -> float:
    """The number a question about ``measure`` reveals, from a measurement's readouts
    (``accuracy`` a fraction; ``retrained_accuracy`` is given the retrained one)."""
    if measure in ("accuracy", "retrained_accuracy"):
        return 100 * accuracy
    if measure == "size_kb":
        return size_bytes / 1000
    if measure == "ratio":
        return ratio
    raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")


def reveal_sentence(measure: str, guess: float, measured: float) -> str:
    """``"You said 60.00 %; measured: 48.37 %, 11.63 points lower than your guess."``"""
    unit, digits = UNITS[measure], DIGITS[measure]
    said = f"{guess:,.{digits}f}{unit}"
    actual = f"{measured:,.{digits}f}{unit}"
    gap = measured - guess
    if math.isclose(measured, guess, rel_tol=CLOSE, abs_tol=10**-digits):
        return f"You said {said}; measured: {actual}. Close!"
    side = "higher" if gap > 0 else "lower"
    difference = f"{abs(gap):,.{digits}f}{GAP_UNITS[measure]}"
    return f"You said {said}; measured: {actual}, {difference} {side} than your guess."
