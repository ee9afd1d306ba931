// SPDX-License-Identifier: Apache-2.0
// The pointer API on the CPU (pointer_api.hpp): cpu_solve, cpu_kkt_solve and cpu_vjp on
// caller-owned float64 host memory, read and written in place, with the FFI handlers' workspace
// cache.
#include <cstdint>

#include "backend/cpu/float_mode.hpp"
#include "backend/cuda/device_backend.hpp"
#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"
#include "ffi/c_api.hpp"
#include "ffi/pointer_api.hpp"
#include "ffi/workspace_cache.hpp"

namespace {

namespace fs = batchcone::ffi_support;
namespace cpu = batchcone::backend::cpu;

// One CPU entry point: the problem resolved (pointer_problem), XLA's floating-point mode
// (float_mode.hpp), then run(problem, workspace, bytes) with a cached workspace of
// bytes_for(structure, batch) bytes; exceptions become the API's error codes.
template <class BytesFor, class Run>
int cpu_call(char* err, int errlen, std::int64_t key, const double* settings,
             std::int64_t settings_len, const fs::PointerOperands& in, BytesFor bytes_for,
             Run&& run) {
  return fs::pointer_call(err, errlen, [&] {
    const cpu::ScopedFloatMode xla_mode(cpu::flush_denormals_mode());
    const fs::PointerProblem pr = fs::pointer_problem(key, settings, settings_len, in);
    fs::with_cached_workspace(bytes_for(*pr.structure, pr.data.batch), pr.data.batch,
                              [&](void* ws, std::size_t bytes) { run(pr, ws, bytes); });
  });
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int batchcone_solve_f64(
    std::int64_t key, const double* settings, std::int64_t settings_len, std::int64_t batch,
    const double* P, std::int64_t P_stride, const double* c, std::int64_t c_stride, const double* A,
    std::int64_t A_stride, const double* b, std::int64_t b_stride, double* x, double* z, double* s,
    std::int32_t* status, std::int32_t* iterations, double* objective, char* err, int errlen) {
  return cpu_call(err, errlen, key, settings, settings_len,
                  {batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride},
                  batchcone::cpu_workspace_bytes,
                  [&](const fs::PointerProblem& pr, void* ws, std::size_t bytes) {
                    batchcone::cpu_solve(*pr.structure, pr.settings, pr.data,
                                         {x, z, s, status, iterations, objective}, ws, bytes);
                  });
}

__attribute__((visibility("default"))) int batchcone_kkt_solve_f64(
    std::int64_t key, const double* settings, std::int64_t settings_len, std::int64_t batch,
    const double* P, std::int64_t P_stride, const double* c, std::int64_t c_stride, const double* A,
    std::int64_t A_stride, const double* b, std::int64_t b_stride, const double* x, const double* z,
    const double* s, const std::int32_t* status, const double* rx, const double* rz, double* ox,
    double* oz, char* err, int errlen) {
  return cpu_call(err, errlen, key, settings, settings_len,
                  {batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride},
                  batchcone::cpu_derivative_workspace_bytes,
                  [&](const fs::PointerProblem& pr, void* ws, std::size_t bytes) {
                    batchcone::cpu_kkt_solve(*pr.structure, pr.settings, pr.data, {x, z, s, status},
                                             {rx, rz, 1}, {ox, oz}, ws, bytes);
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
  return cpu_call(err, errlen, key, settings, settings_len,
                  {batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride},
                  batchcone::cpu_derivative_workspace_bytes,
                  [&](const fs::PointerProblem& pr, void* ws, std::size_t bytes) {
                    batchcone::cpu_vjp(*pr.structure, pr.settings, pr.data, {x, z, s, status},
                                       {gx, gz, gs}, {gP, gc, gA, gb}, ws, bytes);
                  });
}

// batchcone_solve_f64 through the CUDA backend's device steps on the host (emulated launch,
// device_backend.hpp): the GPU's interior-point path, run without a GPU, for tests and
// measurements of what a GPU solve returns.
__attribute__((visibility("default"))) int batchcone_emulated_solve_f64(
    std::int64_t key, const double* settings, std::int64_t settings_len, std::int64_t batch,
    const double* P, std::int64_t P_stride, const double* c, std::int64_t c_stride, const double* A,
    std::int64_t A_stride, const double* b, std::int64_t b_stride, double* x, double* z, double* s,
    std::int32_t* status, std::int32_t* iterations, double* objective, char* err, int errlen) {
  return fs::pointer_call(err, errlen, [&] {
    const fs::PointerProblem pr = fs::pointer_problem(
        key, settings, settings_len, {batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride});
    batchcone::device_backend::emulated_solve(*pr.structure, pr.settings, pr.data,
                                              {x, z, s, status, iterations, objective});
  });
}

}  // extern "C"
