// SPDX-License-Identifier: Apache-2.0
// The one way CUDA runtime errors become exceptions, for the backend and the FFI handlers.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace batchcone {

inline void check_cuda(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("batchcone: CUDA error in ") + what + ": " +
                             cudaGetErrorString(err));
}

}  // namespace batchcone
