# SPDX-License-Identifier: Apache-2.0
"""cvxpylayers-compatible differentiable convex optimization layers on batchcone.

``from cvxpylayers.jax import CvxpyLayer`` gives the layer of the cvxpylayers API, solved by the
native batched solver (jit, vmap, grad and forward mode). Importing this package also makes
``problem.solve(solver="BATCHCONE")`` available in cvxpy.
"""

from batchcone.cvxpy_interface import register as _register

_register()
__version__ = "0.1.0"
