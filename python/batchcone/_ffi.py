# SPDX-License-Identifier: Apache-2.0
"""Loading the native library (ctypes) and registering its XLA FFI handlers with JAX, once."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from pathlib import Path

import jax

_LIB_NAME = "libbatchcone_ffi.so"
_lock = threading.Lock()
_lib: ctypes.CDLL | None = None

# FFI target names; the handler symbols are <Name>Cpu and <Name>Cuda.
TARGETS = {
    "batchcone_solve": "BatchconeSolve",
    "batchcone_kkt_solve": "BatchconeKktSolve",
    "batchcone_kkt_multiply": "BatchconeKktMultiply",
}

# XLA FFI API versions (major*1000 + minor) that each jaxlib accepts at most.
_JAXLIB_FFI_API = [((0, 6), 1), ((0, 8, 1), 2), ((0, 9, 1), 3), ((0, 11, 1), 4)]


def _library_path() -> Path:
    """BATCHCONE_FFI_LIBRARY, else next to this file, else batchcone/ on sys.path (where an
    editable install puts the compiled library while the Python files stay in the source tree)."""
    override = os.environ.get("BATCHCONE_FFI_LIBRARY")
    if override:
        return Path(override)
    candidates = [Path(__file__).with_name(_LIB_NAME)]
    candidates += [Path(p) / "batchcone" / _LIB_NAME for p in sys.path if p]
    return next((c for c in candidates if c.exists()), candidates[0])


def _runtime_ffi_api() -> int:
    import jaxlib

    version = tuple(int(p) for p in jaxlib.__version__.split(".")[:3] if p.isdigit())
    api = 0
    for since, minor in _JAXLIB_FFI_API:
        if version >= since:
            api = minor
    return api


def library() -> ctypes.CDLL:
    """The native library, loaded and registered with JAX on first use."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        path = _library_path()
        if not path.exists():
            raise ImportError(
                f"batchcone: native library {path} not found; install the package with "
                "`pip install .` (or set BATCHCONE_FFI_LIBRARY)"
            )
        lib = ctypes.CDLL(str(path))
        _declare(lib)
        built = lib.batchcone_ffi_api_version() % 1000
        runtime = _runtime_ffi_api()
        if built > runtime:
            raise ImportError(
                f"batchcone: the native library was built against XLA FFI API 0.{built}, but the "
                f"installed jaxlib accepts at most 0.{runtime}; rebuild batchcone against this jaxlib"
            )
        for target, symbol in TARGETS.items():
            jax.ffi.register_ffi_target(
                target, jax.ffi.pycapsule(getattr(lib, symbol + "Cpu")), platform="cpu"
            )
        _register_cuda(lib)
        _lib = lib
        return lib


def _register_cuda(lib: ctypes.CDLL) -> None:
    """Registers the CUDA handlers when the library was built with them
    (-C cmake.define.BATCHCONE_ENABLE_CUDA=ON) and JAX has a GPU backend."""
    if not hasattr(lib, "BatchconeSolveCuda"):
        return
    try:
        if not any(d.platform == "gpu" for d in jax.devices()):
            return
    except RuntimeError:
        return
    for target, symbol in TARGETS.items():
        jax.ffi.register_ffi_target(
            target, jax.ffi.pycapsule(getattr(lib, symbol + "Cuda")), platform="CUDA"
        )


def _declare(lib: ctypes.CDLL) -> None:
    # The arrays go as plain addresses (register_structure keeps them alive for the call and
    # has checked their dtypes): ctypes' typed-pointer casts cost more than the analysis of a
    # small structure.
    addr = ctypes.c_void_p
    lib.batchcone_register_structure.restype = ctypes.c_int
    i64 = ctypes.c_int64
    lib.batchcone_register_structure.argtypes = [
        i64, i64, i64,
        addr, i64, addr, i64,
        addr, i64, addr, i64,
        addr, addr, addr, i64,
        ctypes.c_char_p, ctypes.c_int,
    ]  # fmt: skip
    _declare_pointer_api(lib)
    lib.batchcone_settings_fields.restype = ctypes.c_char_p
    lib.batchcone_ffi_api_version.restype = ctypes.c_int
    lib.batchcone_clear_structures.restype = None


# The pointer API (src/ffi/c_api.hpp): per operand a pointer and a stride, then outputs.
_DATA = [ctypes.c_void_p, ctypes.c_int64] * 4
_ERR = [ctypes.c_char_p, ctypes.c_int]
POINTER_API = {
    "batchcone_solve_f64": _DATA + [ctypes.c_void_p] * 6 + _ERR,
    "batchcone_emulated_solve_f64": _DATA + [ctypes.c_void_p] * 6 + _ERR,  # the GPU's path, on the host
    "batchcone_kkt_solve_f64": _DATA + [ctypes.c_void_p] * 8 + _ERR,
    "batchcone_vjp_f64": _DATA + [ctypes.c_void_p] * 11 + _ERR,
    "batchcone_solve_cuda_f64": _DATA + [ctypes.c_void_p] * 7 + [ctypes.c_int64, ctypes.c_void_p] + _ERR,
    "batchcone_kkt_solve_cuda_f64": _DATA + [ctypes.c_void_p] * 9 + [ctypes.c_int64, ctypes.c_void_p] + _ERR,
}


_NULL_SAFE = ctypes.c_double()
NULL_SAFE_ADDRESS = ctypes.addressof(_NULL_SAFE)  # a valid address for empty operands (an LP's P_vals)


def call_pointer_api(lib: ctypes.CDLL, name: str, key: int, settings, batch: int, args) -> tuple[int, str]:
    """lib.<name>(key, settings, batch, *args, err): a pointer-API call on the encoded settings
    (float64, kept alive by the caller) and the pointer arguments `args`; (return code, message)."""
    err = ctypes.create_string_buffer(1024)
    rc = getattr(lib, name)(key, settings.ctypes.data, settings.size, batch, *args, err, len(err))
    return rc, err.value.decode()


def _declare_pointer_api(lib: ctypes.CDLL) -> None:
    head = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]  # key, settings, len, batch
    for name, args in POINTER_API.items():
        if hasattr(lib, name):
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = ctypes.c_int, head + args
    if hasattr(lib, "batchcone_cuda_workspace_bytes"):
        fn = lib.batchcone_cuda_workspace_bytes
        fn.restype, fn.argtypes = ctypes.c_int64, [ctypes.c_int64, ctypes.c_int64] + _ERR


def settings_fields() -> list[str]:
    return library().batchcone_settings_fields().decode().split(",")


def register_structure(key, n, m, p_indptr, p_indices, a_indptr, a_indices, kinds, dims,
                       alphas) -> None:
    """Registers a structure with the native registry; raises ValueError naming the fault."""
    lib = library()

    def ptr(a):  # int32 (float64 alphas) and C-contiguous, as Structure made them
        return a.ctypes.data

    err = ctypes.create_string_buffer(512)
    rc = lib.batchcone_register_structure(
        key, n, m,
        ptr(p_indptr), len(p_indptr), ptr(p_indices), len(p_indices),
        ptr(a_indptr), len(a_indptr), ptr(a_indices), len(a_indices),
        ptr(kinds), ptr(dims), ptr(alphas), len(kinds),
        err, len(err),
    )  # fmt: skip
    if rc != 0:
        raise ValueError(err.value.decode())


def clear_structures() -> None:
    """Frees the symbolic analyses of every registered structure (those of calls still running
    are freed when they finish). Structures stay registered: a later solve, compiled or not,
    analyses its structure again on first use."""
    library().batchcone_clear_structures()
