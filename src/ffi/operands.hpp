// SPDX-License-Identifier: Apache-2.0
// Decoding FFI buffers into the solver's batch layout. Every operand is [lead..., core]; the
// leading dimensions are batch dimensions and broadcast numpy-style against the batch's (a size-1
// dimension is shared). Operands shared by the whole batch are passed with stride 0 (no copy);
// float32 data is widened to float64 (compute is always float64).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace batchcone::ffi_support {

namespace xffi = ::xla::ffi;
using Dims = std::vector<std::int64_t>;

// The leading (batch) dimensions of a buffer whose last dimension is its core size.
Dims leading_dims(const xffi::AnyBuffer& buf);

// Numpy broadcasting of leading dimensions; throws std::invalid_argument naming the operand.
Dims broadcast_dims(const Dims& a, const Dims& b, const char* name);

// The number of elements of `d`, saturating at INT64_MAX (dimensions come from the caller).
std::int64_t product(const Dims& d);

// One call solves at most this many problems (the solver's batch size is an int).
constexpr std::int64_t kMaxBatch = 2147483647;

// The batch dimensions of the data (P_vals, c, A_vals, b) broadcast with `extra`; throws
// std::invalid_argument when they hold more than kMaxBatch problems.
Dims data_batch_dims(const xffi::AnyBuffer& P, const xffi::AnyBuffer& c, const xffi::AnyBuffer& A,
                     const xffi::AnyBuffer& b, const Dims& extra = {});

// The float dtype of the call, taken from `reference` (c); throws unless F32 or F64.
xffi::DataType float_dtype(const xffi::AnyBuffer& reference);

// A float operand as the solver reads it: problem k at data + k·stride (stride 0: shared).
struct FloatOperand {
  const double* data = nullptr;
  long stride = 0;
  std::vector<double> storage;  // owns widened or broadcast copies
};

// The checks of every float operand, on either platform: dtype (F32/F64, equal to `dtype`; with
// `float64_bits` also uint32 pairs of last dimension 2·core holding float64 values, the exact
// solution behind a float32 caller's, see cpu.cc), core size, and batch dimensions that
// broadcast to `lead`. Returns the operand's batch dimensions and whether it holds float64 bits.
struct OperandShape {
  Dims batch;
  bool float64_bits;
};
OperandShape check_operand(const char* name, const xffi::AnyBuffer& buf, xffi::DataType dtype,
                           std::int64_t core, const Dims& lead, bool float64_bits = false);

// The host bytes float_operand (same arguments) allocates for its copy: 0 when it reads the
// buffer in place. A double: the estimate of a call that could never fit must not wrap.
double operand_copy_bytes(const char* name, const xffi::AnyBuffer& buf, xffi::DataType dtype,
                          std::int64_t core, const Dims& lead, bool dense,
                          bool float64_bits = false);

// Checks dtype (F32/F64, equal to `dtype`) and core size, then lays the operand out over `lead`.
// With `dense`, a shared operand is copied per problem too (for arrays read without strides).
// With `float64_bits`, float64 bits are also taken (check_operand) and read in place.
FloatOperand float_operand(const char* name, const xffi::AnyBuffer& buf, xffi::DataType dtype,
                           std::int64_t core, const Dims& lead, bool dense,
                           bool float64_bits = false);

// An int32 operand (per-problem statuses) laid out densely over `lead`.
std::vector<std::int32_t> int_operand(const char* name, const xffi::AnyBuffer& buf,
                                      const Dims& lead);

// Checks that an output has shape lead + [core] and the given dtype.
void check_output(const char* name, const xffi::AnyBuffer& buf, xffi::DataType dtype,
                  const Dims& lead, std::int64_t core, bool has_core = true);

// Checks an optional output of float64 values as uint32 pairs: shape lead + [2·core], or
// lead + [0] when the caller does not want it. Returns core or 0.
std::int64_t check_float64_bits_output(const char* name, const xffi::AnyBuffer& buf,
                                       const Dims& lead, std::int64_t core);

// Copies float64 results into an output of dtype F32 or F64.
void store(const std::vector<double>& values, xffi::AnyBuffer& out);

// A float64 view of an output buffer for the solver to write: the buffer itself when it is
// float64, else staging that store() narrows into it.
struct OutputRows {
  OutputRows(xffi::AnyBuffer& out, std::int64_t count)
      : buf(&out),
        staging(out.element_type() == xffi::DataType::F64 ? 0 : count),
        data(staging.empty() ? static_cast<double*>(out.untyped_data()) : staging.data()) {}
  void store() const {
    if (!staging.empty()) ffi_support::store(staging, *buf);
  }
  xffi::AnyBuffer* buf;
  std::vector<double> staging;
  double* data;
};

std::string dims_string(const Dims& d);

// Source offset (in core blocks) of problem k of `lead` in an operand with batch dimensions `op`
// (right-aligned, size-1 dimensions broadcast), computed on demand: no table of product(lead)
// entries is built for a broadcast over a large batch.
class BlockOffsets {
 public:
  BlockOffsets(const Dims& op, const Dims& lead);
  std::int64_t operator()(std::int64_t k) const;

 private:
  Dims lead_, stride_;
};

// The table of BlockOffsets for all product(lead) problems (uploaded by the CUDA handlers).
std::vector<std::int64_t> block_offsets(const Dims& op, const Dims& lead);

// The batch of a KKT call (batchcone_kkt_solve / _multiply): `lead`, the broadcast of the data's,
// the solution's and the vectors' batch dimensions, as problems × vectors per problem. Under vmap
// over tangents or cotangents only (jacfwd, jacrev), the vectors vary along outer batch axes
// where the data and the solution do not: K can then be factored once per problem for all its
// vectors (KktVectors::count), worth it while the problems alone number at least `min_problems`
// (the parallelism a call needs). Otherwise every vector is a problem of its own (count 1,
// problems = lead).
struct KktBatch {
  Dims lead;
  Dims problems;
  int count = 1;
};
KktBatch kkt_batch(const xffi::AnyBuffer& P, const xffi::AnyBuffer& c, const xffi::AnyBuffer& A,
                   const xffi::AnyBuffer& b, const xffi::AnyBuffer& x, const xffi::AnyBuffer& z,
                   const xffi::AnyBuffer& s, const xffi::AnyBuffer& status,
                   const xffi::AnyBuffer& vx, const xffi::AnyBuffer& vz, std::int64_t min_problems);

}  // namespace batchcone::ffi_support
