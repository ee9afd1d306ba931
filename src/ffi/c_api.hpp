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

// ---- the pointer API (pointer_api.hpp): solve and differentiate on caller-owned float64 memory.
// settings: the encoded settings (settings_codec.hpp), settings_len values. Data strides are 0
// (shared) or the natural length; outputs are dense rows. Return 0, else an error code of
// pointer_api.hpp with the message in err.

int batchcone_solve_f64(std::int64_t key, const double* settings, std::int64_t settings_len,
                        std::int64_t batch, const double* P, std::int64_t P_stride, const double* c,
                        std::int64_t c_stride, const double* A, std::int64_t A_stride,
                        const double* b, std::int64_t b_stride, double* x, double* z, double* s,
                        std::int32_t* status, std::int32_t* iterations, double* objective,
                        char* err, int errlen);

// batchcone_solve_f64 through the CUDA backend's device steps run on the host (the emulated
// launch): what a GPU solve returns, without a GPU.
int batchcone_emulated_solve_f64(std::int64_t key, const double* settings,
                                 std::int64_t settings_len, std::int64_t batch, const double* P,
                                 std::int64_t P_stride, const double* c, std::int64_t c_stride,
                                 const double* A, std::int64_t A_stride, const double* b,
                                 std::int64_t b_stride, double* x, double* z, double* s,
                                 std::int32_t* status, std::int32_t* iterations,
                                 double* objective, char* err, int errlen);

// [ox; oz] = K⁻¹ [rx; rz] at each problem's solution (zeros for problems not Solved or
// AlmostSolved); one vector per problem.
int batchcone_kkt_solve_f64(std::int64_t key, const double* settings, std::int64_t settings_len,
                            std::int64_t batch, const double* P, std::int64_t P_stride,
                            const double* c, std::int64_t c_stride, const double* A,
                            std::int64_t A_stride, const double* b, std::int64_t b_stride,
                            const double* x, const double* z, const double* s,
                            const std::int32_t* status, const double* rx, const double* rz,
                            double* ox, double* oz, char* err, int errlen);

// Gradients of the data from cotangents of (x, z, s): batchcone::cpu_vjp (diff.hpp).
int batchcone_vjp_f64(std::int64_t key, const double* settings, std::int64_t settings_len,
                      std::int64_t batch, const double* P, std::int64_t P_stride, const double* c,
                      std::int64_t c_stride, const double* A, std::int64_t A_stride,
                      const double* b, std::int64_t b_stride, const double* x, const double* z,
                      const double* s, const std::int32_t* status, const double* gx,
                      const double* gz, const double* gs, double* gP, double* gc, double* gA,
                      double* gb, char* err, int errlen);

// The CUDA pointer API (present when the library was built with CUDA): device pointers, work
// queued on `stream` (a cudaStream_t), a caller's device workspace of
// batchcone_cuda_workspace_bytes(key, batch) bytes (-1 with a message in err for a bad key).
std::int64_t batchcone_cuda_workspace_bytes(std::int64_t key, std::int64_t batch, char* err,
                                            int errlen);
int batchcone_solve_cuda_f64(std::int64_t key, const double* settings, std::int64_t settings_len,
                             std::int64_t batch, const double* P, std::int64_t P_stride,
                             const double* c, std::int64_t c_stride, const double* A,
                             std::int64_t A_stride, const double* b, std::int64_t b_stride,
                             double* x, double* z, double* s, std::int32_t* status,
                             std::int32_t* iterations, double* objective, void* workspace,
                             std::int64_t workspace_bytes, void* stream, char* err, int errlen);
int batchcone_kkt_solve_cuda_f64(std::int64_t key, const double* settings,
                                 std::int64_t settings_len, std::int64_t batch, const double* P,
                                 std::int64_t P_stride, const double* c, std::int64_t c_stride,
                                 const double* A, std::int64_t A_stride, const double* b,
                                 std::int64_t b_stride, const double* x, const double* z,
                                 const double* s, const std::int32_t* status, const double* rx,
                                 const double* rz, double* ox, double* oz, void* workspace,
                                 std::int64_t workspace_bytes, void* stream, char* err, int errlen);

// The XLA FFI API version of the headers this library was built against (major·1000 + minor).
int batchcone_ffi_api_version();

}  // extern "C"
