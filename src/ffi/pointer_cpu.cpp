// SPDX-License-Identifier: Apache-2.0
// The pointer API on the CPU (pointer_api.hpp): cpu_solve, cpu_kkt_solve and cpu_vjp on
// caller-owned float64 host memory, read and written in place, with the FFI handlers' workspace
// cache.
#include <cstdint>

#include "backend/cpu/float_mode.hpp"
#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"
#include "ffi/c_api.hpp"
#include "ffi/pointer_api.hpp"
#include "ffi/registry.hpp"
#include "ffi/settings_codec.hpp"
#include "ffi/workspace_cache.hpp"

using batchcone::ffi_support::pointer_call;
using batchcone::ffi_support::pointer_data;

extern "C" {

__attribute__((visibility("default"))) int batchcone_solve_f64(
    std::int64_t key, const double* settings, std::int64_t settings_len, std::int64_t batch,
    const double* P, std::int64_t P_stride, const double* c, std::int64_t c_stride, const double* A,
    std::int64_t A_stride, const double* b, std::int64_t b_stride, double* x, double* z, double* s,
    std::int32_t* status, std::int32_t* iterations, double* objective, char* err, int errlen) {
  return pointer_call(err, errlen, [&] {
    const batchcone::backend::cpu::ScopedFloatMode xla_mode(
        batchcone::backend::cpu::flush_denormals_mode());  // XLA's mode (float_mode.hpp)
    namespace fs = batchcone::ffi_support;
    const auto structure = fs::find_structure(key);
    const batchcone::Settings decoded = fs::decode_settings(settings, settings_len);
    const batchcone::BatchData data =
        pointer_data(*structure, batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride);
    fs::with_cached_workspace(batchcone::cpu_workspace_bytes(*structure, data.batch), data.batch,
                              [&](void* ws, std::size_t bytes) {
                                batchcone::cpu_solve(*structure, decoded, data,
                                                     {x, z, s, status, iterations, objective}, ws,
                                                     bytes);
                              });
  });
}

__attribute__((visibility("default"))) int batchcone_kkt_solve_f64(
    std::int64_t key, const double* settings, std::int64_t settings_len, std::int64_t batch,
    const double* P, std::int64_t P_stride, const double* c, std::int64_t c_stride, const double* A,
    std::int64_t A_stride, const double* b, std::int64_t b_stride, const double* x, const double* z,
    const double* s, const std::int32_t* status, const double* rx, const double* rz, double* ox,
    double* oz, char* err, int errlen) {
  return pointer_call(err, errlen, [&] {
    const batchcone::backend::cpu::ScopedFloatMode xla_mode(
        batchcone::backend::cpu::flush_denormals_mode());  // XLA's mode (float_mode.hpp)
    namespace fs = batchcone::ffi_support;
    const auto structure = fs::find_structure(key);
    const batchcone::Settings decoded = fs::decode_settings(settings, settings_len);
    const batchcone::BatchData data =
        pointer_data(*structure, batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride);
    fs::with_cached_workspace(batchcone::cpu_derivative_workspace_bytes(*structure, data.batch),
                              data.batch, [&](void* ws, std::size_t bytes) {
                                batchcone::cpu_kkt_solve(*structure, decoded, data,
                                                         {x, z, s, status}, {rx, rz, 1}, {ox, oz},
                                                         ws, bytes);
                              });
  });
}

// The reverse-mode derivative (diff.hpp, cpu_vjp): cotangents gx [B·n], gz, gs [B·m] (null:
// zero) to gradients of the data, each shaped like its input (a shared input's gradient is one
// block, summed over the batch; null: not wanted).
__attribute__((visibility("default"))) int batchcone_vjp_f64(
    std::int64_t key, const double* settings, std::int64_t settings_len, std::int64_t batch,
    const double* P, std::int64_t P_stride, const double* c, std::int64_t c_stride, const double* A,
    std::int64_t A_stride, const double* b, std::int64_t b_stride, const double* x, const double* z,
    const double* s, const std::int32_t* status, const double* gx, const double* gz,
    const double* gs, double* gP, double* gc, double* gA, double* gb, char* err, int errlen) {
  return pointer_call(err, errlen, [&] {
    const batchcone::backend::cpu::ScopedFloatMode xla_mode(
        batchcone::backend::cpu::flush_denormals_mode());  // XLA's mode (float_mode.hpp)
    namespace fs = batchcone::ffi_support;
    const auto structure = fs::find_structure(key);
    const batchcone::Settings decoded = fs::decode_settings(settings, settings_len);
    const batchcone::BatchData data =
        pointer_data(*structure, batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride);
    fs::with_cached_workspace(batchcone::cpu_derivative_workspace_bytes(*structure, data.batch),
                              data.batch, [&](void* ws, std::size_t bytes) {
                                batchcone::cpu_vjp(*structure, decoded, data, {x, z, s, status},
                                                   {gx, gz, gs}, {gP, gc, gA, gb}, ws, bytes);
                              });
  });
}

}  // extern "C"
