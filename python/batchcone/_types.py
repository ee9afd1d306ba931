# SPDX-License-Identifier: Apache-2.0
"""Type tests for values users pass as sizes and settings (bools are not numbers here)."""

import numbers

import numpy as np


def is_integer(v) -> bool:
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def is_real(v) -> bool:
    return isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, (bool, np.bool_))
