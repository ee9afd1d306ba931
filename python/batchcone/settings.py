# SPDX-License-Identifier: Apache-2.0
"""Solver settings (Clarabel's defaults). Hashable: a Settings is a static argument of jit."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from . import _ffi
from ._types import is_integer, is_real


QP_METHODS = {"auto": 0, "ipm": 1, "active_set": 2}  # include/batchcone/settings.hpp QpMethod


@dataclass(frozen=True)
class Settings:
    max_iter: int = 200
    max_step_fraction: float = 0.99
    tol_gap_abs: float = 1e-8
    tol_gap_rel: float = 1e-8
    tol_feas: float = 1e-8
    tol_infeas_abs: float = 1e-8
    tol_infeas_rel: float = 1e-8
    tol_ktratio: float = 1e-6
    reduced_tol_gap_abs: float = 5e-5
    reduced_tol_gap_rel: float = 5e-5
    reduced_tol_feas: float = 1e-4
    reduced_tol_infeas_abs: float = 5e-12
    reduced_tol_infeas_rel: float = 5e-5
    reduced_tol_ktratio: float = 1e-4
    equilibrate_enable: bool = True
    equilibrate_max_iter: int = 10
    equilibrate_min_scaling: float = 1e-4
    equilibrate_max_scaling: float = 1e4
    min_terminate_step_length: float = 1e-4
    min_switch_step_length: float = 0.1
    linesearch_backtrack_step: float = 0.8
    static_regularization_enable: bool = True
    static_regularization_constant: float = 1e-8
    static_regularization_proportional: float = 4.930380657631324e-32
    dynamic_regularization_enable: bool = True
    dynamic_regularization_eps: float = 1e-13
    dynamic_regularization_delta: float = 2e-7
    iterative_refinement_enable: bool = True
    iterative_refinement_reltol: float = 1e-13
    iterative_refinement_abstol: float = 1e-12
    iterative_refinement_max_iter: int = 10
    iterative_refinement_stop_ratio: float = 5.0
    polish_enable: bool = True
    polish_max_iter: int = 3
    # "auto": a dense active-set method for small QPs with only zero and nonnegative cones,
    # where it is cheaper (CPU); "ipm": always the interior point; "active_set": the active-set
    # method whenever the cones allow. See include/batchcone/settings.hpp.
    qp_method: str = "auto"
    verbose: bool = False
    num_threads: int = 0

    def __post_init__(self):
        for f in fields(self):
            _check_field(f.name, f.type, getattr(self, f.name))

    def attribute(self, nonfinite_as_status: bool = False) -> np.ndarray:
        """The FFI attribute: every field as float64, in the native library's order, and the
        native-only nonfinite_as_status (include/batchcone/settings.hpp), which ``solve`` sets
        when it cannot raise (traced) instead of the user."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["nonfinite_as_status"] = nonfinite_as_status
        order = _ffi.settings_fields()
        missing = set(order) ^ set(values)
        if missing:
            raise RuntimeError(f"batchcone: settings fields differ from the native library: {missing}")
        values["qp_method"] = QP_METHODS[self.qp_method]
        return np.array([float(values[name]) for name in order], np.float64)


_INT_MAX = 2**31 - 1  # the native settings are C ints


def _check_field(name: str, kind: str, value) -> None:
    """A setting's type and basic range (the native library checks the rest: tolerances > 0, a
    fraction in (0, 1], ...), with the user's value in the message."""
    got = f"got {value!r} ({type(value).__name__})"
    if kind == "str":
        if value not in QP_METHODS:
            raise ValueError(f"batchcone: {name} must be one of {sorted(QP_METHODS)}, {got}")
    elif kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"batchcone: setting {name} must be a bool, {got}")
    elif kind == "int":
        if not is_integer(value):
            raise TypeError(f"batchcone: setting {name} must be an integer, {got}")
        if not 0 <= int(value) <= _INT_MAX:
            raise ValueError(f"batchcone: setting {name} = {int(value)} must be in [0, 2^31 - 1]")
    else:
        if not is_real(value):
            raise TypeError(f"batchcone: setting {name} must be a real number, {got}")
        if not math.isfinite(float(value)):
            raise ValueError(f"batchcone: setting {name} = {value!r} must be finite")


# Options other solvers take, translated: eps sets every tolerance, max_iters is max_iter.
# Keys that mean nothing here (acceleration_lookback, verbose, solve_method, ...) are ignored.
def settings_from_options(options: dict | None, base: Settings | None = None) -> Settings:
    """Settings from a solver-options dict (cvxpy solver_opts or cvxpylayers solver_args)."""
    from dataclasses import replace

    base = base or Settings()
    names = {f.name for f in fields(Settings)}
    updates = {}
    options = dict(options or {})
    # Moreau's nesting (cvxpylayers' docs: solver_args={"ipm_settings": {"tol_gap_abs": ...}}):
    # the inner keys are ours too.
    nested = options.pop("ipm_settings", None)
    if isinstance(nested, dict):
        options.update(nested)
    for key, value in options.items():
        if key in names:
            updates[key] = value
        elif key == "eps":
            updates.update(tol_gap_abs=value, tol_gap_rel=value, tol_feas=value)
        elif key == "max_iters":
            updates["max_iter"] = value
    return replace(base, **updates)
