// SPDX-License-Identifier: Apache-2.0
// Packs of lanes: the element type with which the CPU runs the linear algebra of a block of
// kLanes problems at once (see kernels/vec.hpp). A block stores its problems batch-interleaved,
// value i of lane l at base[i·kLanes + l] (the GPU's layout with B = kLanes), so that
//   LaneView   sees value i of every lane as one Pack (one vector register), and
//   Interleaved<double, kLanes> (kernels/hd.hpp) sees one lane as an ordinary double view,
// both over the same memory. Pack arithmetic is lane-wise; comparisons give a Mask, and the v*
// overloads below are the pack half of the element-type interface of kernels/vec.hpp.
#pragma once

#include <cmath>

#include "kernels/hd.hpp"
#include "kernels/ipm/state.hpp"

namespace batchcone::backend::cpu::lanes {

// One register of doubles per pack on the build's target (see BATCHCONE_CPU_ARCH in
// CMakeLists.txt): wider packs than the registers make GCC keep them in memory.
#if defined(__AVX512F__)
constexpr int kLanes = 8;
#elif defined(__AVX__)
constexpr int kLanes = 4;
#else
constexpr int kLanes = 2;
#endif

typedef double VecD __attribute__((vector_size(8 * kLanes), may_alias));
typedef long VecL __attribute__((vector_size(8 * kLanes), may_alias));

struct Mask {
  VecL m;  // per lane: all ones (true) or zero
};

struct Pack {
  VecD v;
  Pack() = default;
  Pack(double s) : v(VecD{} + s) {}  // broadcast NOLINT(google-explicit-constructor)
  explicit Pack(VecD x) : v(x) {}
  double operator[](int l) const { return v[l]; }
  Pack& operator+=(Pack o) { return v += o.v, *this; }
  Pack& operator-=(Pack o) { return v -= o.v, *this; }
  Pack& operator*=(Pack o) { return v *= o.v, *this; }
  Pack& operator/=(Pack o) { return v /= o.v, *this; }
};

inline Pack operator+(Pack a, Pack b) { return Pack(a.v + b.v); }
inline Pack operator-(Pack a, Pack b) { return Pack(a.v - b.v); }
inline Pack operator*(Pack a, Pack b) { return Pack(a.v * b.v); }
inline Pack operator/(Pack a, Pack b) { return Pack(a.v / b.v); }
inline Pack operator-(Pack a) { return Pack(-a.v); }
inline Mask operator<(Pack a, Pack b) { return {a.v < b.v}; }
inline Mask operator>(Pack a, Pack b) { return {a.v > b.v}; }
inline Mask operator<=(Pack a, Pack b) { return {a.v <= b.v}; }
inline Mask operator>=(Pack a, Pack b) { return {a.v >= b.v}; }
inline Mask operator==(Pack a, Pack b) { return {a.v == b.v}; }

inline Pack vselect(Mask m, Pack a, Pack b) { return Pack(m.m ? a.v : b.v); }
inline Pack vmax(Pack a, Pack b) { return Pack(a.v > b.v ? a.v : b.v); }
inline Pack vmin(Pack a, Pack b) { return Pack(a.v < b.v ? a.v : b.v); }
inline Pack vabs(Pack a) {
  VecD r;
  for (int l = 0; l < kLanes; ++l) r[l] = __builtin_fabs(a.v[l]);
  return Pack(r);
}
inline Pack vsqrt(Pack a) {
  VecD r;
  for (int l = 0; l < kLanes; ++l) r[l] = __builtin_sqrt(a.v[l]);
  return Pack(r);
}
inline Mask vfinite(Pack a) { return {(a.v - a.v) == VecD{}}; }
inline Mask vand(Mask a, Mask b) { return {a.m & b.m}; }
inline Mask vor(Mask a, Mask b) { return {a.m | b.m}; }
inline Mask vnot(Mask a) { return {~a.m}; }
inline bool vany(Mask a) {
  long r = 0;
  for (int l = 0; l < kLanes; ++l) r |= a.m[l];
  return r != 0;
}
inline bool vall(Mask a) {
  long r = -1;
  for (int l = 0; l < kLanes; ++l) r &= a.m[l];
  return r != 0;
}
inline bool lane(Mask a, int l) { return a.m[l] != 0; }
inline Mask mask_of(const bool (&b)[kLanes]) {
  Mask r;
  for (int l = 0; l < kLanes; ++l) r.m[l] = b[l] ? -1L : 0L;
  return r;
}

// All lanes of a block: value i is the Pack at p + i·kLanes (aligned when p is 64-byte aligned).
struct LaneView {
  double* p;
  Pack& operator[](long i) const { return *reinterpret_cast<Pack*>(p + i * kLanes); }
  LaneView operator+(long k) const { return {p + k * kLanes}; }
};

// One lane of a block as an ordinary double view.
using LaneOf = kernels::Interleaved<double, kLanes>;

// A field of the per-lane scalars of a block (kernels/ipm/state.hpp: one Scalars per lane,
// consecutive) as one Pack, and back.
inline Pack sc_get(const kernels::Scalars* sc, double kernels::Scalars::*f, Pack) {
  Pack r;
  for (int l = 0; l < kLanes; ++l) r.v[l] = sc[l].*f;
  return r;
}
inline void sc_set(kernels::Scalars* sc, double kernels::Scalars::*f, Pack v) {
  for (int l = 0; l < kLanes; ++l) sc[l].*f = v.v[l];
}

// The per-problem cone operations that element-type-generic kernels call, on a block: applied
// lane by lane (found by argument-dependent lookup for LaneView arguments).
inline void cones_mul_H(const kernels::ConeTable& k, LaneView w, LaneView eta, LaneView x,
                        LaneView tmp, LaneView y) {
  for (int l = 0; l < kLanes; ++l)
    kernels::cones_mul_H(k, LaneOf{w.p + l}, LaneOf{eta.p + l}, LaneOf{x.p + l}, LaneOf{tmp.p + l},
                         LaneOf{y.p + l});
}

}  // namespace batchcone::backend::cpu::lanes
