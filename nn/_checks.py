"""Argument checks shared by the modules and the optimizers."""

import math
import numbers


def is_finite_real(x: object) -> bool:
    """Whether x is a finite real number; bools do not count, and neither do ints too big for a float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False
