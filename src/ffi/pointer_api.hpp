// SPDX-License-Identifier: Apache-2.0
// The pointer API: C entry points that solve and differentiate a batch given raw float64
// pointers, for callers that hold their own tensors (the PyTorch operators,
// python/batchcone/torch_ops.py, through ctypes). The same registry keys and settings encoding
// as the FFI handlers; CPU functions take host pointers, the _cuda ones device pointers on the
// caller's stream.
//
// Data: problem k reads P + k·P_stride (nnz_P values), c + k·c_stride (n), A + k·A_stride
// (nnz_A), b + k·b_stride (m); a stride is the natural length (dense rows) or 0 (shared).
// Outputs are dense rows. Every function returns 0 on success, else writes a message into err
// (when errlen > 0) and returns kBadArgument or kOutOfMemory (any other failure: kInternal).
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

#include "batchcone/solver.hpp"
#include "core/memory.hpp"
#include "ffi/registry.hpp"
#include "ffi/settings_codec.hpp"

namespace batchcone::ffi_support {

constexpr int kBadArgument = 1, kOutOfMemory = 2, kInternal = 3;

// Runs `body`, mapping its exceptions to the return codes above.
template <class Body>
int pointer_call(char* err, int errlen, Body&& body) {
  const auto fail = [&](const std::exception& e, int code) {
    if (err != nullptr && errlen > 0) {
      std::strncpy(err, e.what(), static_cast<std::size_t>(errlen) - 1);
      err[errlen - 1] = '\0';
    }
    return code;
  };
  try {
    body();
    return 0;
  } catch (const std::invalid_argument& e) {
    return fail(e, kBadArgument);
  } catch (const core::OutOfMemory& e) {
    return fail(e, kOutOfMemory);
  } catch (const std::exception& e) {
    return fail(e, kInternal);
  }
}

// The data arguments every entry point takes, as passed.
struct PointerOperands {
  std::int64_t batch;
  const double* P;
  std::int64_t P_stride;
  const double* c;
  std::int64_t c_stride;
  const double* A;
  std::int64_t A_stride;
  const double* b;
  std::int64_t b_stride;
};

// Throws unless 0 ≤ batch ≤ 2^31 − 1 (the solver counts problems in int).
inline int checked_batch(std::int64_t batch) {
  if (batch < 0 || batch > 2147483647LL)
    throw std::invalid_argument("batchcone: batch = " + std::to_string(batch) +
                                " is outside [0, 2^31 - 1]");
  return static_cast<int>(batch);
}

// The BatchData of the pointer API's arguments, after checking the batch and the strides.
inline BatchData pointer_data(const Structure& st, const PointerOperands& in) {
  const int batch = checked_batch(in.batch);
  const auto check = [](const char* name, std::int64_t stride, std::int64_t size) {
    if (stride != 0 && stride != size)
      throw std::invalid_argument(std::string("batchcone: ") + name + " has stride " +
                                  std::to_string(stride) + "; expected 0 (shared) or " +
                                  std::to_string(size) + " (one row per problem)");
    return static_cast<long>(stride);
  };
  return {batch,
          in.P,
          check("P_vals", in.P_stride, st.nnz_P()),
          in.c,
          check("c", in.c_stride, st.n()),
          in.A,
          check("A_vals", in.A_stride, st.nnz_A()),
          in.b,
          check("b", in.b_stride, st.m())};
}

// A call's structure, settings and data, found, decoded and checked: every entry point's first
// step (throws std::invalid_argument for an unknown key, bad settings or bad operands).
struct PointerProblem {
  std::shared_ptr<const Structure> structure;
  Settings settings;
  BatchData data;
};

inline PointerProblem pointer_problem(std::int64_t key, const double* settings,
                                      std::int64_t settings_len, const PointerOperands& in) {
  PointerProblem pr{
      find_structure(key), decode_settings(settings, static_cast<std::size_t>(settings_len)), {}};
  pr.data = pointer_data(*pr.structure, in);
  return pr;
}

}  // namespace batchcone::ffi_support
