# SPDX-License-Identifier: Apache-2.0
from .cvxpylayer import CvxpyLayer, SolverError

__all__ = ["CvxpyLayer", "SolverError"]
