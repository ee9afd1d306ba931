// SPDX-License-Identifier: Apache-2.0
// XLA FFI handlers for the CPU platform, each in three thin steps: a typed implementation over
// decoded operands, the checks and dtype dispatch, and the handler symbol with its binding.
//
//   batchcone_solve         (P_vals, c, A_vals, b) -> (x, z, s, status, iterations, objective)
//   batchcone_kkt_solve     (P_vals, c, A_vals, b, x, z, s, status, r_x, r_z) -> K⁻¹[r_x; r_z]
//   batchcone_kkt_multiply  (same operands) -> K [v_x; v_z]
//
// Leading dimensions of every operand are batch dimensions (broadcast numpy-style); attributes:
// structure_key (int64, see registry.hpp) and settings (float64 array, see settings_codec.hpp).
// Bad arguments are FFI errors; solver failures are per-problem statuses.
#include <exception>
#include <vector>

#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"
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

// `extra` are further batch dimensions to broadcast with (those of other operands).
Problem decode_problem(const ffi::AnyBuffer& P, const ffi::AnyBuffer& c, const ffi::AnyBuffer& A,
                       const ffi::AnyBuffer& b, std::int64_t key, ffi::Span<const double> settings,
                       const Dims& extra = {}) {
  Problem pr;
  pr.structure = find_structure(key);
  pr.settings = decode_settings(settings.begin(), settings.size());
  pr.dtype = float_dtype(c);
  const Structure& st = *pr.structure;
  pr.lead = data_batch_dims(P, c, A, b, extra);
  pr.P = float_operand("P_vals", P, pr.dtype, st.nnz_P(), pr.lead, false);
  pr.c = float_operand("c", c, pr.dtype, st.n(), pr.lead, false);
  pr.A = float_operand("A_vals", A, pr.dtype, st.nnz_A(), pr.lead, false);
  pr.b = float_operand("b", b, pr.dtype, st.m(), pr.lead, false);
  const int batch = static_cast<int>(product(pr.lead));
  pr.data = {batch,     pr.P.data,   pr.P.stride, pr.c.data,  pr.c.stride,
             pr.A.data, pr.A.stride, pr.b.data,   pr.b.stride};
  return pr;
}

ffi::Error as_ffi_error(const std::exception& e) { return ffi::Error::InvalidArgument(e.what()); }

// The float64 solution behind a float32 caller's. Rounding a converged solution to float32 moves
// cone pairs near the boundary by more than their distance to it (μ ~ 1e-9 against a 6e-8
// relative rounding), and the cone scaling H at the rounded point is meaningless (exponential
// cones: infinite). The data widen exactly, so solving again in float64 reproduces, bit for bit,
// the solution the caller's was rounded from; derivatives are taken there.
struct Float64Solution {
  std::vector<double> x, z, s, objective;
  std::vector<std::int32_t> status, iterations;

  SolutionView resolve(const Structure& st, const Settings& settings, const BatchData& data) {
    const std::int64_t B = data.batch;
    x.resize(B * st.n()), z.resize(B * st.m()), s.resize(B * st.m()), objective.resize(B);
    status.resize(B), iterations.resize(B);
    with_cached_workspace(cpu_workspace_bytes(st, data.batch), [&](void* ws, std::size_t bytes) {
      cpu_solve(st, settings, data,
                {x.data(), z.data(), s.data(), status.data(), iterations.data(), objective.data()},
                ws, bytes);
    });
    return {x.data(), z.data(), s.data(), status.data()};
  }
};

// ---- batchcone_solve ---------------------------------------------------------------------------

ffi::Error solve_impl(ffi::AnyBuffer P, ffi::AnyBuffer c, ffi::AnyBuffer A, ffi::AnyBuffer b,
                      ffi::Result<ffi::AnyBuffer> x, ffi::Result<ffi::AnyBuffer> z,
                      ffi::Result<ffi::AnyBuffer> s, ffi::Result<ffi::AnyBuffer> status,
                      ffi::Result<ffi::AnyBuffer> iterations, ffi::Result<ffi::AnyBuffer> objective,
                      std::int64_t key, ffi::Span<const double> settings) {
  try {
    Problem pr = decode_problem(P, c, A, b, key, settings);
    const Structure& st = *pr.structure;
    check_output("x", *x, pr.dtype, pr.lead, st.n());
    check_output("z", *z, pr.dtype, pr.lead, st.m());
    check_output("s", *s, pr.dtype, pr.lead, st.m());
    check_output("status", *status, ffi::DataType::S32, pr.lead, 0, false);
    check_output("iterations", *iterations, ffi::DataType::S32, pr.lead, 0, false);
    check_output("objective", *objective, pr.dtype, pr.lead, 0, false);
    const std::int64_t B = pr.data.batch;
    OutputRows xs(*x, B * st.n()), zs(*z, B * st.m()), ss(*s, B * st.m()), obj(*objective, B);
    with_cached_workspace(cpu_workspace_bytes(st, pr.data.batch), [&](void* ws, std::size_t bytes) {
      cpu_solve(st, pr.settings, pr.data,
                {xs.data, zs.data, ss.data, static_cast<std::int32_t*>(status->untyped_data()),
                 static_cast<std::int32_t*>(iterations->untyped_data()), obj.data},
                ws, bytes);
    });
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
    // vmap over tangents only).
    Dims extra = broadcast_dims(leading_dims(x), leading_dims(vx), "v_x");
    extra = broadcast_dims(extra, leading_dims(vz), "v_z");
    Problem pr = decode_problem(P, c, A, b, key, settings, extra);
    const Structure& st = *pr.structure;
    const FloatOperand xs = float_operand("x", x, pr.dtype, st.n(), pr.lead, true);
    const FloatOperand zs = float_operand("z", z, pr.dtype, st.m(), pr.lead, true);
    const FloatOperand ss = float_operand("s", s, pr.dtype, st.m(), pr.lead, true);
    const std::vector<std::int32_t> stat = int_operand("status", status, pr.lead);
    const FloatOperand vxs = float_operand("v_x", vx, pr.dtype, st.n(), pr.lead, true);
    const FloatOperand vzs = float_operand("v_z", vz, pr.dtype, st.m(), pr.lead, true);
    check_output("out_x", *ox, pr.dtype, pr.lead, st.n());
    check_output("out_z", *oz, pr.dtype, pr.lead, st.m());
    const std::int64_t B = pr.data.batch;
    OutputRows rx(*ox, B * st.n()), rz(*oz, B * st.m());
    SolutionView sol{xs.data, zs.data, ss.data, stat.data()};
    Float64Solution exact;
    if (pr.dtype == ffi::DataType::F32) sol = exact.resolve(st, pr.settings, pr.data);
    with_cached_workspace(cpu_derivative_workspace_bytes(st, pr.data.batch),
                          [&](void* ws, std::size_t bytes) {
                            if (kMultiply)
                              cpu_kkt_multiply(st, pr.settings, pr.data, sol, {vxs.data, vzs.data},
                                               {rx.data, rz.data}, ws, bytes);
                            else
                              cpu_kkt_solve(st, pr.settings, pr.data, sol, {vxs.data, vzs.data},
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
