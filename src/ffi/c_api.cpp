// SPDX-License-Identifier: Apache-2.0
// The plain C functions the Python package calls through ctypes, besides the FFI handlers.
#include "xla/ffi/api/c_api.h"

#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "ffi/c_api.hpp"
#include "ffi/registry.hpp"
#include "ffi/settings_codec.hpp"

namespace {

void write_error(const std::exception& e, char* err, int errlen) {
  if (err == nullptr || errlen <= 0) return;
  std::strncpy(err, e.what(), static_cast<size_t>(errlen) - 1);
  err[errlen - 1] = '\0';
}

// Copies `len` entries of a caller's array; a null pointer is allowed only for len = 0.
std::vector<int> copy_ints(const char* name, const int* data, std::int64_t len) {
  if (len < 0 || len > 2147483647LL)
    throw std::invalid_argument(std::string("batchcone: ") + name + " has length " +
                                std::to_string(len) + ", outside [0, 2^31 - 1]");
  if (len > 0 && data == nullptr)
    throw std::invalid_argument(std::string("batchcone: ") + name + " is null but has length " +
                                std::to_string(len));
  return len ? std::vector<int>(data, data + len) : std::vector<int>();
}

int checked_size(const char* name, std::int64_t v) {
  if (v < 0 || v > 2147483647LL)
    throw std::invalid_argument(std::string("batchcone: ") + name + " = " + std::to_string(v) +
                                " is outside [0, 2^31 - 1]");
  return static_cast<int>(v);
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int batchcone_register_structure(
    std::int64_t key, std::int64_t n, std::int64_t m, const int* p_colptr,
    std::int64_t p_colptr_len, const int* p_rowval, std::int64_t p_rowval_len, const int* a_colptr,
    std::int64_t a_colptr_len, const int* a_rowval, std::int64_t a_rowval_len,
    const int* cone_kinds, const int* cone_dims, const double* cone_alphas, std::int64_t cone_count,
    char* err, int errlen) {
  try {
    batchcone::StructureSpec spec;
    spec.n = checked_size("n", n), spec.m = checked_size("m", m);
    spec.P_colptr = copy_ints("P_colptr", p_colptr, p_colptr_len);
    spec.P_rowval = copy_ints("P_rowval", p_rowval, p_rowval_len);
    spec.A_colptr = copy_ints("A_colptr", a_colptr, a_colptr_len);
    spec.A_rowval = copy_ints("A_rowval", a_rowval, a_rowval_len);
    const std::vector<int> kinds = copy_ints("cone_kinds", cone_kinds, cone_count);
    const std::vector<int> dims = copy_ints("cone_dims", cone_dims, cone_count);
    if (cone_count > 0 && cone_alphas == nullptr)
      throw std::invalid_argument("batchcone: cone_alphas is null");
    for (size_t i = 0; i < kinds.size(); ++i)
      spec.cones.push_back({static_cast<batchcone::ConeKind>(kinds[i]), dims[i], cone_alphas[i]});
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

__attribute__((visibility("default"))) int batchcone_ffi_api_version() {
  return XLA_FFI_API_MAJOR * 1000 + XLA_FFI_API_MINOR;
}

}  // extern "C"
