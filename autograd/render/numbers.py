"""How drawings and the step-through page write numbers: few digits, but never a rounder number.

``digits(x)`` is what a learner reads: 4 significant digits, or more where 4 would make the number
look rounder than it is. tanh(-6) = -0.99998771... is "-0.99999", not "-1" (which would not
check against its gradient 1 - tanh**2 = 2.458e-05), 0.1 + 0.2 is "0.30000000000000004", not
"0.3". A number that 4 digits write exactly stays short (2, 0.5, 1e-09). ``full(x)`` is the whole
float, as Python's repr writes it: what the page shows on hover.
"""

from __future__ import annotations

import math

FEWEST = 4  # significant digits a number gets at least (unless it takes fewer to write exactly)
MOST = 17  # digits that write any float exactly (repr never needs more)


def digits(x: float) -> str:
    """``x`` with the fewest significant digits, at least 4, that either write it exactly or end in
    a digit other than 0 (so the text is not a rounder number than ``x``): 0.3333, -0.99999,
    1.235e+05, 2, 0.30000000000000004. -0.0 is "0"; inf, -inf and nan as Python writes them."""
    x = float(x) + 0.0  # -0.0 + 0.0 is 0.0
    if not math.isfinite(x):
        return repr(x)
    for p in range(FEWEST, MOST):
        text = f"{x:.{p}g}"
        if float(text) == x or _last_digit(text) != "0" and _significant(text) == p:
            return text
    return repr(x)  # no text of fewer than 17 digits is exact, and every one is rounder: all of them


def full(x: float) -> str:
    """Every digit of the float ``x``: the shortest text that reads back as exactly ``x`` (repr)."""
    return repr(float(x))


def _mantissa(text: str) -> str:
    """The digits of a number's text, without sign, point, exponent and leading zeros."""
    return text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")


def _significant(text: str) -> int:
    return len(_mantissa(text))


def _last_digit(text: str) -> str:
    return _mantissa(text)[-1:]
