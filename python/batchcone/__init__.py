# SPDX-License-Identifier: Apache-2.0
"""batchcone: batches of convex cone programs sharing one structure, solved natively and
differentiable in JAX (jit, vmap, grad, jvp)."""

from ._ffi import clear_structures
from .settings import Settings
from .solve import STATUS_NAMES, Solution, solve
from .structure import PSD, SOC, Cone, Exp, NonNeg, Pow, Structure, Zero

__all__ = [
    "Cone", "Exp", "NonNeg", "PSD", "Pow", "SOC", "STATUS_NAMES", "Settings", "Solution", "Structure", "Zero",
    "clear_structures", "solve",
]  # fmt: skip
__version__ = "0.1.0"
