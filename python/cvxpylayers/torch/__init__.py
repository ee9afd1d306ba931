# SPDX-License-Identifier: Apache-2.0
"""``from cvxpylayers.torch import CvxpyLayer``: the layer as a torch.nn.Module (needs torch:
``pip install .[torch]``)."""

try:
    import torch  # noqa: F401
except ImportError as e:  # a clear message instead of a failure deep in the import
    raise ImportError(
        "cvxpylayers.torch needs PyTorch, which is not installed: pip install 'batchcone[torch]' "
        "(or pip install torch)"
    ) from e

from .cvxpylayer import CvxpyLayer, SolverError

__all__ = ["CvxpyLayer", "SolverError"]
