// SPDX-License-Identifier: Apache-2.0
// XLA FFI handlers for the CUDA platform, under the same target names as the CPU ones. The CUDA
// backend is a later issue: until it lands these decode their operands like the CPU handlers
// and return a clear error instead of running, so a GPU program fails with a message that says
// what to do rather than "no FFI handler registered".
#include <cuda_runtime_api.h>

#include "xla/ffi/api/ffi.h"

namespace ffi = ::xla::ffi;

namespace {

ffi::Error not_yet() {
  return ffi::Error(ffi::ErrorCode::kUnimplemented,
                    "batchcone: the CUDA backend is not available yet; run on the CPU "
                    "(JAX_PLATFORMS=cpu, or jax.device_put the inputs on a CPU device)");
}

ffi::Error solve_cuda(cudaStream_t, ffi::AnyBuffer, ffi::AnyBuffer, ffi::AnyBuffer, ffi::AnyBuffer,
                      ffi::Result<ffi::AnyBuffer>, ffi::Result<ffi::AnyBuffer>,
                      ffi::Result<ffi::AnyBuffer>, ffi::Result<ffi::AnyBuffer>,
                      ffi::Result<ffi::AnyBuffer>, ffi::Result<ffi::AnyBuffer>, std::int64_t,
                      ffi::Span<const double>) {
  return not_yet();
}

ffi::Error kkt_cuda(cudaStream_t, ffi::AnyBuffer, ffi::AnyBuffer, ffi::AnyBuffer, ffi::AnyBuffer,
                    ffi::AnyBuffer, ffi::AnyBuffer, ffi::AnyBuffer, ffi::AnyBuffer, ffi::AnyBuffer,
                    ffi::AnyBuffer, ffi::Result<ffi::AnyBuffer>, ffi::Result<ffi::AnyBuffer>,
                    std::int64_t, ffi::Span<const double>) {
  return not_yet();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeSolveCuda, solve_cuda,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::PlatformStream<cudaStream_t>>()
                                  .Arg<ffi::AnyBuffer>()  // P_vals
                                  .Arg<ffi::AnyBuffer>()  // c
                                  .Arg<ffi::AnyBuffer>()  // A_vals
                                  .Arg<ffi::AnyBuffer>()  // b
                                  .Ret<ffi::AnyBuffer>()  // x
                                  .Ret<ffi::AnyBuffer>()  // z
                                  .Ret<ffi::AnyBuffer>()  // s
                                  .Ret<ffi::AnyBuffer>()  // status
                                  .Ret<ffi::AnyBuffer>()  // iterations
                                  .Ret<ffi::AnyBuffer>()  // objective
                                  .Attr<std::int64_t>("structure_key")
                                  .Attr<ffi::Span<const double>>("settings"));

#define BC_KKT_CUDA_BINDING                                                  \
  ffi::Ffi::Bind()                                                           \
      .Ctx<ffi::PlatformStream<cudaStream_t>>()                              \
      .Arg<ffi::AnyBuffer>()   /* P_vals */                                  \
      .Arg<ffi::AnyBuffer>()   /* c */                                       \
      .Arg<ffi::AnyBuffer>()   /* A_vals */                                  \
      .Arg<ffi::AnyBuffer>()   /* b */                                       \
      .Arg<ffi::AnyBuffer>()   /* x */                                       \
      .Arg<ffi::AnyBuffer>()   /* z */                                       \
      .Arg<ffi::AnyBuffer>()   /* s */                                       \
      .Arg<ffi::AnyBuffer>()   /* status */                                  \
      .Arg<ffi::AnyBuffer>()   /* v_x */                                     \
      .Arg<ffi::AnyBuffer>()   /* v_z */                                     \
      .Ret<ffi::AnyBuffer>()   /* out_x */                                   \
      .Ret<ffi::AnyBuffer>()   /* out_z */                                   \
      .Attr<std::int64_t>("structure_key")                                   \
      .Attr<ffi::Span<const double>>("settings")

XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeKktSolveCuda, kkt_cuda, BC_KKT_CUDA_BINDING);
XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeKktMultiplyCuda, kkt_cuda, BC_KKT_CUDA_BINDING);
