// SPDX-License-Identifier: Apache-2.0
// One macro marks every per-problem function as callable from host and device code.
#pragma once

#if defined(__CUDACC__)
#define BC_HD __host__ __device__ inline
#else
#define BC_HD inline
#endif

// Before a loop whose iterations write no location that another iteration reads (the caller's
// views do not overlap): lets the host compiler vectorize it without alias checks.
#if defined(__CUDACC__) || !defined(__GNUC__)
#define BC_INDEPENDENT
#else
#define BC_INDEPENDENT _Pragma("GCC ivdep")
#endif

namespace batchcone::kernels {

// A strided view: element i of one problem lives at p[i * stride]. The CPU backend stores each
// problem contiguously and uses plain pointers; a batch-interleaved GPU layout (value i of problem
// b at i * B + b) uses Strided with stride B. Every kernel is templated on the view type V, which
// must support v[i] and v + k.
template <class T>
struct Strided {
  T* p;
  long stride;
  BC_HD T& operator[](long i) const { return p[i * stride]; }
  BC_HD Strided operator+(long k) const { return {p + k * stride, stride}; }
};

// Strided with a stride fixed at compile time: one lane of a CPU block of W problems stored
// batch-interleaved (src/backend/cpu/lanes.hpp).
template <class T, int W>
struct Interleaved {
  T* p;
  BC_HD T& operator[](long i) const { return p[i * W]; }
  BC_HD Interleaved operator+(long k) const { return {p + k * W}; }
};

}  // namespace batchcone::kernels
