// SPDX-License-Identifier: Apache-2.0
// XLA FFI handlers for the CPU platform, each in three thin steps: a typed implementation over
// decoded operands, the checks and dtype dispatch, and the handler symbol with its binding.
//
//   batchcone_solve         (P_vals, c, A_vals, b)
//                             -> (x, z, s, status, iterations, objective, x64, z64, s64)
//   batchcone_kkt_solve     (P_vals, c, A_vals, b, x, z, s, status, r_x, r_z) -> K⁻¹[r_x; r_z]
//   batchcone_kkt_multiply  (same operands) -> K [v_x; v_z]
//
// x64, z64, s64 are the float64 solution as uint32 pairs (last dimension 2n, 2m), or empty (last
// dimension 0) when not requested; the KKT handlers take the solution in the data's dtype or so.
//
// Leading dimensions of every operand are batch dimensions (broadcast numpy-style); attributes:
// structure_key (int64, see registry.hpp) and settings (float64 array, see settings_codec.hpp).
// Bad arguments are FFI errors; solver failures are per-problem statuses.
#include <cstring>
#include <exception>
#include <functional>
#include <vector>

#include "backend/cpu/thread_pool.hpp"
#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"
#include "core/memory.hpp"
#include "ffi/operands.hpp"
#include "ffi/registry.hpp"
#include "ffi/settings_codec.hpp"
#include "ffi/workspace_cache.hpp"
#include "xla/ffi/api/ffi.h"

namespace ffi = ::xla::ffi;

namespace batchcone::ffi_support {
namespace {

// ---- shared decoding ---------------------------------------------------------------------------

struct Problem {
  std::shared_ptr<const Structure> structure;
  Settings settings;
  ffi::DataType dtype;
  Dims lead;  // batch dimensions
  FloatOperand P, c, A, b;
  BatchData data;
};

// ---- memory ------------------------------------------------------------------------------------
// A call allocates host memory for its operand copies (float32 widened, broadcasts expanded), its
// float64 staging of float32 outputs and its workspace. All of it is estimated and checked
// against what the host has before any of it is allocated (core/memory.hpp): a batch too large
// fails at once with the sizes and a batch size that fits, never with a bare std::bad_alloc or
// an out-of-memory kill.

double staging_bytes(const ffi::AnyBuffer& out, std::int64_t count) {
  return out.element_type() == ffi::DataType::F64 ? 0 : sizeof(double) * static_cast<double>(count);
}

// The workspace bytes for `batch` problems, as a double that does not wrap for a batch that
// could never fit (`bytes_for` is cpu_workspace_bytes or cpu_derivative_workspace_bytes).
template <class BytesFor>
double workspace_estimate(const Structure& st, std::int64_t batch, BytesFor bytes_for) {
  const double linear = static_cast<double>(bytes_for(st, 1)) * static_cast<double>(batch);
  return linear > 0x1p62 ? linear : static_cast<double>(bytes_for(st, static_cast<int>(batch)));
}

void check_host_memory(double need, std::int64_t batch) {
  core::check_memory("the call's operand copies, staging and workspace", need,
                     core::host_memory_available(), static_cast<long>(batch));
}

double data_copy_bytes(const ffi::AnyBuffer& P, const ffi::AnyBuffer& c, const ffi::AnyBuffer& A,
                       const ffi::AnyBuffer& b, ffi::DataType dtype, const Structure& st,
                       const Dims& lead) {
  return operand_copy_bytes("P_vals", P, dtype, st.nnz_P(), lead, false) +
         operand_copy_bytes("c", c, dtype, st.n(), lead, false) +
         operand_copy_bytes("A_vals", A, dtype, st.nnz_A(), lead, false) +
         operand_copy_bytes("b", b, dtype, st.m(), lead, false);
}

// `extra` are further batch dimensions to broadcast with (those of other operands); `other_bytes`
// the call's host memory besides the data's copies, checked with them before anything is copied.
Problem decode_problem(const ffi::AnyBuffer& P, const ffi::AnyBuffer& c, const ffi::AnyBuffer& A,
                       const ffi::AnyBuffer& b, std::int64_t key, const Settings& settings,
                       const std::function<double(const Problem&)>& other_bytes,
                       const Dims& extra = {}) {
  Problem pr;
  pr.structure = find_structure(key);
  pr.settings = settings;
  pr.dtype = float_dtype(c);
  const Structure& st = *pr.structure;
  pr.lead = data_batch_dims(P, c, A, b, extra);
  check_host_memory(data_copy_bytes(P, c, A, b, pr.dtype, st, pr.lead) + other_bytes(pr),
                    product(pr.lead));
  pr.P = float_operand("P_vals", P, pr.dtype, st.nnz_P(), pr.lead, false);
  pr.c = float_operand("c", c, pr.dtype, st.n(), pr.lead, false);
  pr.A = float_operand("A_vals", A, pr.dtype, st.nnz_A(), pr.lead, false);
  pr.b = float_operand("b", b, pr.dtype, st.m(), pr.lead, false);
  const int batch = static_cast<int>(product(pr.lead));
  pr.data = {batch,     pr.P.data,   pr.P.stride, pr.c.data,  pr.c.stride,
             pr.A.data, pr.A.stride, pr.b.data,   pr.b.stride};
  return pr;
}

ffi::Error as_ffi_error(const std::exception& e) {
  if (dynamic_cast<const core::OutOfMemory*>(&e))
    return ffi::Error(ffi::ErrorCode::kResourceExhausted, e.what());
  return ffi::Error::InvalidArgument(e.what());
}

// The float64 solution behind a float32 caller's. Rounding a converged solution to float32 moves
// cone pairs near the boundary by more than their distance to it (μ ~ 1e-9 against a 6e-8
// relative rounding), and the cone scaling H at the rounded point is meaningless (exponential
// cones: infinite). The solve therefore also returns, on request, its float64 x, z, s as uint32
// pairs (a float32 caller may have no float64 arrays: jax_enable_x64 off), and the KKT handlers
// take derivatives there.
void store_float64_bits(const double* values, std::int64_t count, ffi::AnyBuffer& out) {
  if (count > 0) std::memcpy(out.untyped_data(), values, sizeof(double) * count);
}

// ---- batchcone_solve ---------------------------------------------------------------------------

ffi::Error solve_impl(ffi::AnyBuffer P, ffi::AnyBuffer c, ffi::AnyBuffer A, ffi::AnyBuffer b,
                      ffi::Result<ffi::AnyBuffer> x, ffi::Result<ffi::AnyBuffer> z,
                      ffi::Result<ffi::AnyBuffer> s, ffi::Result<ffi::AnyBuffer> status,
                      ffi::Result<ffi::AnyBuffer> iterations, ffi::Result<ffi::AnyBuffer> objective,
                      ffi::Result<ffi::AnyBuffer> x64, ffi::Result<ffi::AnyBuffer> z64,
                      ffi::Result<ffi::AnyBuffer> s64, std::int64_t key,
                      ffi::Span<const double> settings) {
  try {
    const auto other_bytes = [&](const Problem& p) {
      const std::int64_t B = product(p.lead), n = p.structure->n(), m = p.structure->m();
      return staging_bytes(*x, B * n) + staging_bytes(*z, B * m) + staging_bytes(*s, B * m) +
             staging_bytes(*objective, B) +
             workspace_estimate(*p.structure, B, cpu_workspace_bytes);
    };
    Problem pr = decode_problem(P, c, A, b, key, decode_settings(settings.begin(), settings.size()),
                                other_bytes);
    const Structure& st = *pr.structure;
    check_output("x", *x, pr.dtype, pr.lead, st.n());
    check_output("z", *z, pr.dtype, pr.lead, st.m());
    check_output("s", *s, pr.dtype, pr.lead, st.m());
    check_output("status", *status, ffi::DataType::S32, pr.lead, 0, false);
    check_output("iterations", *iterations, ffi::DataType::S32, pr.lead, 0, false);
    check_output("objective", *objective, pr.dtype, pr.lead, 0, false);
    const std::int64_t B = pr.data.batch;
    const std::int64_t nx64 = B * check_float64_bits_output("x64", *x64, pr.lead, st.n());
    const std::int64_t nz64 = B * check_float64_bits_output("z64", *z64, pr.lead, st.m());
    const std::int64_t ns64 = B * check_float64_bits_output("s64", *s64, pr.lead, st.m());
    OutputRows xs(*x, B * st.n()), zs(*z, B * st.m()), ss(*s, B * st.m()), obj(*objective, B);
    with_cached_workspace(
        cpu_workspace_bytes(st, pr.data.batch), pr.data.batch, [&](void* ws, std::size_t bytes) {
          cpu_solve(st, pr.settings, pr.data,
                    {xs.data, zs.data, ss.data, static_cast<std::int32_t*>(status->untyped_data()),
                     static_cast<std::int32_t*>(iterations->untyped_data()), obj.data},
                    ws, bytes);
        });
    store_float64_bits(xs.data, nx64, *x64), store_float64_bits(zs.data, nz64, *z64);
    store_float64_bits(ss.data, ns64, *s64);
    xs.store(), zs.store(), ss.store(), obj.store();
    return ffi::Error::Success();
  } catch (const std::exception& e) {
    return as_ffi_error(e);
  }
}

// ---- batchcone_kkt_solve / batchcone_kkt_multiply ----------------------------------------------

template <bool kMultiply>
ffi::Error kkt_impl(ffi::AnyBuffer P, ffi::AnyBuffer c, ffi::AnyBuffer A, ffi::AnyBuffer b,
                    ffi::AnyBuffer x, ffi::AnyBuffer z, ffi::AnyBuffer s, ffi::AnyBuffer status,
                    ffi::AnyBuffer vx, ffi::AnyBuffer vz, ffi::Result<ffi::AnyBuffer> ox,
                    ffi::Result<ffi::AnyBuffer> oz, std::int64_t key,
                    ffi::Span<const double> settings) {
  try {
    // The solution and the vectors may carry batch dimensions the data does not (e.g. under
    // vmap over tangents only); K is factored once per problem for all its vectors when the
    // problems alone still give every thread one.
    const Settings decoded = decode_settings(settings.begin(), settings.size());
    const KktBatch kb = kkt_batch(P, c, A, b, x, z, s, status, vx, vz,
                                  backend::cpu::thread_count(decoded.num_threads));
    const Dims& lead = kb.lead;
    const auto other_bytes = [&](const Problem& p) {
      const Structure& q = *p.structure;
      const Dims& at = p.lead;  // the problems
      const std::int64_t rows = product(lead);
      return operand_copy_bytes("x", x, p.dtype, q.n(), at, true, true) +
             operand_copy_bytes("z", z, p.dtype, q.m(), at, true, true) +
             operand_copy_bytes("s", s, p.dtype, q.m(), at, true, true) +
             sizeof(std::int32_t) * static_cast<double>(product(at)) +
             operand_copy_bytes("v_x", vx, p.dtype, q.n(), lead, true) +
             operand_copy_bytes("v_z", vz, p.dtype, q.m(), lead, true) +
             staging_bytes(*ox, rows * q.n()) + staging_bytes(*oz, rows * q.m()) +
             workspace_estimate(q, product(at), cpu_derivative_workspace_bytes);
    };
    Problem pr = decode_problem(P, c, A, b, key, decoded, other_bytes, kb.problems);
    const Structure& st = *pr.structure;
    const FloatOperand xs = float_operand("x", x, pr.dtype, st.n(), pr.lead, true, true);
    const FloatOperand zs = float_operand("z", z, pr.dtype, st.m(), pr.lead, true, true);
    const FloatOperand ss = float_operand("s", s, pr.dtype, st.m(), pr.lead, true, true);
    const std::vector<std::int32_t> stat = int_operand("status", status, pr.lead);
    const FloatOperand vxs = float_operand("v_x", vx, pr.dtype, st.n(), lead, true);
    const FloatOperand vzs = float_operand("v_z", vz, pr.dtype, st.m(), lead, true);
    check_output("out_x", *ox, pr.dtype, lead, st.n());
    check_output("out_z", *oz, pr.dtype, lead, st.m());
    const std::int64_t rows = product(lead);  // kb.count vectors for each of the problems
    OutputRows rx(*ox, rows * st.n()), rz(*oz, rows * st.m());
    const SolutionView sol{xs.data, zs.data, ss.data, stat.data()};
    with_cached_workspace(
        cpu_derivative_workspace_bytes(st, pr.data.batch), pr.data.batch,
        [&](void* ws, std::size_t bytes) {
          if (kMultiply)
            cpu_kkt_multiply(st, pr.settings, pr.data, sol, {vxs.data, vzs.data, kb.count},
                             {rx.data, rz.data}, ws, bytes);
          else
            cpu_kkt_solve(st, pr.settings, pr.data, sol, {vxs.data, vzs.data, kb.count},
                          {rx.data, rz.data}, ws, bytes);
        });
    rx.store(), rz.store();
    return ffi::Error::Success();
  } catch (const std::exception& e) {
    return as_ffi_error(e);
  }
}

}  // namespace
}  // namespace batchcone::ffi_support

// ---- handler symbols ----------------------------------------------------------------------------

XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeSolveCpu, batchcone::ffi_support::solve_impl,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()  // P_vals [..., nnz_P]
                                  .Arg<ffi::AnyBuffer>()  // c [..., n]
                                  .Arg<ffi::AnyBuffer>()  // A_vals [..., nnz_A]
                                  .Arg<ffi::AnyBuffer>()  // b [..., m]
                                  .Ret<ffi::AnyBuffer>()  // x [..., n]
                                  .Ret<ffi::AnyBuffer>()  // z [..., m]
                                  .Ret<ffi::AnyBuffer>()  // s [..., m]
                                  .Ret<ffi::AnyBuffer>()  // status [...] int32
                                  .Ret<ffi::AnyBuffer>()  // iterations [...] int32
                                  .Ret<ffi::AnyBuffer>()  // objective [...]
                                  .Ret<ffi::AnyBuffer>()  // x64 [..., 2n or 0] uint32
                                  .Ret<ffi::AnyBuffer>()  // z64 [..., 2m or 0] uint32
                                  .Ret<ffi::AnyBuffer>()  // s64 [..., 2m or 0] uint32
                                  .Attr<std::int64_t>("structure_key")
                                  .Attr<ffi::Span<const double>>("settings"));

#define BC_KKT_BINDING                             \
  ffi::Ffi::Bind()                                 \
      .Arg<ffi::AnyBuffer>() /* P_vals */          \
      .Arg<ffi::AnyBuffer>() /* c */               \
      .Arg<ffi::AnyBuffer>() /* A_vals */          \
      .Arg<ffi::AnyBuffer>() /* b */               \
      .Arg<ffi::AnyBuffer>() /* x: the solution */ \
      .Arg<ffi::AnyBuffer>() /* z */               \
      .Arg<ffi::AnyBuffer>() /* s */               \
      .Arg<ffi::AnyBuffer>() /* status (int32) */  \
      .Arg<ffi::AnyBuffer>() /* v_x [..., n] */    \
      .Arg<ffi::AnyBuffer>() /* v_z [..., m] */    \
      .Ret<ffi::AnyBuffer>() /* out_x [..., n] */  \
      .Ret<ffi::AnyBuffer>() /* out_z [..., m] */  \
      .Attr<std::int64_t>("structure_key")         \
      .Attr<ffi::Span<const double>>("settings")

XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeKktSolveCpu, batchcone::ffi_support::kkt_impl<false>,
                              BC_KKT_BINDING);
XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeKktMultiplyCpu, batchcone::ffi_support::kkt_impl<true>,
                              BC_KKT_BINDING);
