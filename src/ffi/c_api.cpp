// SPDX-License-Identifier: Apache-2.0
// The plain C functions the Python package calls through ctypes, besides the FFI handlers.
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <vector>

#include "ffi/registry.hpp"
#include "ffi/settings_codec.hpp"
#include "xla/ffi/api/c_api.h"

namespace {

void write_error(const std::exception& e, char* err, int errlen) {
  if (err == nullptr || errlen <= 0) return;
  std::strncpy(err, e.what(), static_cast<size_t>(errlen) - 1);
  err[errlen - 1] = '\0';
}

}  // namespace

extern "C" {

// Validates and registers a structure under `key`. Cone kinds: 0 Zero, 1 NonNeg, 2 SOC, 3 PSD,
// 4 Exp, 5 Pow (cone_alphas: the power cones' α, ignored for other kinds).
// Returns 0, or 1 with a message in err.
__attribute__((visibility("default"))) int batchcone_register_structure(
    std::int64_t key, int n, int m, const int* p_colptr, const int* p_rowval, int nnz_p,
    const int* a_colptr, const int* a_rowval, int nnz_a, const int* cone_kinds,
    const int* cone_dims, const double* cone_alphas, int cone_count, char* err, int errlen) {
  try {
    batchcone::StructureSpec spec;
    spec.n = n, spec.m = m;
    if (n < 0 || m < 0 || nnz_p < 0 || nnz_a < 0 || cone_count < 0)
      throw std::invalid_argument("batchcone: negative size");
    spec.P_colptr.assign(p_colptr, p_colptr + n + 1);
    spec.P_rowval.assign(p_rowval, p_rowval + nnz_p);
    spec.A_colptr.assign(a_colptr, a_colptr + n + 1);
    spec.A_rowval.assign(a_rowval, a_rowval + nnz_a);
    for (int i = 0; i < cone_count; ++i)
      spec.cones.push_back(
          {static_cast<batchcone::ConeKind>(cone_kinds[i]), cone_dims[i], cone_alphas[i]});
    batchcone::ffi_support::register_structure(key, std::move(spec));
    return 0;
  } catch (const std::exception& e) {
    write_error(e, err, errlen);
    return 1;
  }
}

__attribute__((visibility("default"))) void batchcone_clear_structures() {
  batchcone::ffi_support::clear_structures();
}

__attribute__((visibility("default"))) const char* batchcone_settings_fields() {
  return batchcone::ffi_support::settings_fields();
}

// The XLA FFI API version of the headers this library was built against (major·1000 + minor).
__attribute__((visibility("default"))) int batchcone_ffi_api_version() {
  return XLA_FFI_API_MAJOR * 1000 + XLA_FFI_API_MINOR;
}

}  // extern "C"
