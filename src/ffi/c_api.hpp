// SPDX-License-Identifier: Apache-2.0
// The plain C entry points of libbatchcone_ffi.so besides the FFI handlers (the Python package
// calls them through ctypes; python/batchcone/_ffi.py declares the same signatures).
#pragma once

#include <cstdint>

extern "C" {

// Validates and registers a structure under `key`. Every array comes with its length, which
// is all that is read of it; the lengths are then checked against n, m and colptr[n] by
// make_structure. Cone kinds: 0 Zero, 1 NonNeg, 2 SOC, 3 PSD, 4 Exp, 5 Pow (cone_alphas: the
// power cones' alpha, ignored for other kinds). Returns 0, or 1 with a message in err (when
// errlen > 0).
int batchcone_register_structure(std::int64_t key, std::int64_t n, std::int64_t m,
                                 const int* p_colptr, std::int64_t p_colptr_len,
                                 const int* p_rowval, std::int64_t p_rowval_len,
                                 const int* a_colptr, std::int64_t a_colptr_len,
                                 const int* a_rowval, std::int64_t a_rowval_len,
                                 const int* cone_kinds, const int* cone_dims,
                                 const double* cone_alphas, std::int64_t cone_count, char* err,
                                 int errlen);

// Frees every symbolic analysis not in use; structures are analysed again on their next use.
void batchcone_clear_structures();

// Comma-separated settings field names, in the order of the FFI's settings attribute.
const char* batchcone_settings_fields();

// The XLA FFI API version of the headers this library was built against (major·1000 + minor).
int batchcone_ffi_api_version();

}  // extern "C"
