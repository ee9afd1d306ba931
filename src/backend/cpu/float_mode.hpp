// SPDX-License-Identifier: Apache-2.0
// The calling thread's floating-point mode (x86's MXCSR: rounding, flush-to-zero FTZ and
// denormals-are-zero DAZ). The thread pool runs a job's work in its caller's mode, so a solve
// does not depend on which thread created the pool's workers. XLA runs CPU handlers with FTZ and
// DAZ on; the pointer API sets the same for its calls, so a problem solved through the PyTorch
// operators and through JAX gives the same bits (denormal operands, left on, also slow the PSD
// cone's eigendecompositions by ~15%). Elsewhere (no SSE) these are no-ops.
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define BATCHCONE_HAS_MXCSR 1
#endif

namespace batchcone::backend::cpu {

inline unsigned float_mode() {
#ifdef BATCHCONE_HAS_MXCSR
  return _mm_getcsr();
#else
  return 0;
#endif
}

inline void set_float_mode([[maybe_unused]] unsigned mode) {
#ifdef BATCHCONE_HAS_MXCSR
  _mm_setcsr(mode);
#endif
}

// Sets `mode` for a scope and restores the previous one.
class ScopedFloatMode {
 public:
  explicit ScopedFloatMode(unsigned mode) : saved_(float_mode()) { set_float_mode(mode); }
  ~ScopedFloatMode() { set_float_mode(saved_); }
  ScopedFloatMode(const ScopedFloatMode&) = delete;
  ScopedFloatMode& operator=(const ScopedFloatMode&) = delete;

 private:
  unsigned saved_;
};

// The current mode with flush-to-zero (bit 15) and denormals-are-zero (bit 6) set: XLA's.
inline unsigned flush_denormals_mode() { return float_mode() | 0x8040u; }

}  // namespace batchcone::backend::cpu
