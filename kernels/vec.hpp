// SPDX-License-Identifier: Apache-2.0
// Dense vector helpers over one problem's views (see hd.hpp for the view contract).
//
// Element types. The linear algebra that dominates a solve (equilibration, KKT assembly, LDLᵀ,
// triangular solves, refinement, residual products) is templated on the element type T of its
// views: double when a view holds one problem, and a pack of W doubles (one lane per problem,
// src/backend/cpu/lanes.hpp) when a CPU view holds a block of W problems in batch-interleaved
// storage. Data-dependent choices are then written as per-lane selects over masks (bool for
// double) with the v* helpers below, whose pack overloads live with the pack type; code that
// branches per problem (cones, step lengths, termination) stays on double views.
#pragma once

#include <math.h>

#include <type_traits>
#include <utility>

#include "hd.hpp"

namespace batchcone::kernels {

// The element type of a view (double, or a pack of lanes).
template <class V>
using value_t = std::remove_cv_t<std::remove_reference_t<decltype(std::declval<V>()[0])>>;

BC_HD double dmax(double a, double b) { return a > b ? a : b; }
BC_HD double dmin(double a, double b) { return a < b ? a : b; }

// The scalar (one-lane) half of the element-type interface.
BC_HD double vmax(double a, double b) { return dmax(a, b); }
BC_HD double vmin(double a, double b) { return dmin(a, b); }
BC_HD double vabs(double a) { return fabs(a); }
BC_HD double vsqrt(double a) { return sqrt(a); }
BC_HD double vselect(bool m, double a, double b) { return m ? a : b; }
BC_HD bool vfinite(double a) { return a - a == 0.0; }  // false for NaN and ±∞
BC_HD bool vand(bool a, bool b) { return a && b; }
BC_HD bool vor(bool a, bool b) { return a || b; }
BC_HD bool vnot(bool a) { return !a; }
BC_HD bool vany(bool a) { return a; }
BC_HD bool vall(bool a) { return a; }

// The mask type of an element type (bool for double).
template <class T>
using mask_t = decltype(std::declval<T>() < std::declval<T>());

template <class U, class V>
BC_HD value_t<U> dot(int n, U a, V b) {
  value_t<U> acc = 0.0;
  for (int i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

// Σ a[i]·b[i] over [from, to) in a fixed order, so that a problem gets the same bits in any
// element type while one problem's loop still vectorizes (a single running sum cannot be
// reordered): whole blocks of kSumWays terms go to kSumWays partial sums (by i mod kSumWays from
// `from`) combined pairwise, the remaining terms to one running sum added last. Short ranges (the
// runs of a sparse column) therefore skip the partial sums: indexing them by a run-time position
// would keep them in memory, and their pairwise combination then waits on stores that cannot be
// forwarded.
constexpr int kSumWays = 8;

// (b is read at i + b_shift.)
template <class U, class V>
BC_HD value_t<V> dot_range(int from, int to, U a, V b, int b_shift = 0) {
  using T = value_t<V>;
  T blocks = 0.0;
  int i = from;
  if (to - from >= kSumWays) {
    T part[kSumWays];
    for (int k = 0; k < kSumWays; ++k) part[k] = 0.0;
    for (; i + kSumWays <= to; i += kSumWays)
      for (int k = 0; k < kSumWays; ++k) part[k] += a[i + k] * b[i + k + b_shift];
    for (int w = kSumWays / 2; w > 0; w /= 2)
      for (int k = 0; k < w; ++k) part[k] += part[k + w];
    blocks = part[0];
  }
  T rest = 0.0;
  for (; i < to; ++i) rest += a[i] * b[i + b_shift];
  return blocks + rest;
}

template <class V>
BC_HD value_t<V> sumsq(int n, V a) {
  return dot(n, a, a);
}

template <class V>
BC_HD value_t<V> norm_inf(int n, V a) {
  value_t<V> r = 0.0;
  for (int i = 0; i < n; ++i) r = vmax(r, vabs(a[i]));
  return r;
}

// ‖a ∘ scale‖₂: the 2-norm of a after elementwise scaling (used to undo equilibration).
template <class U, class V>
BC_HD double norm_scaled(int n, U a, V scale) {
  double acc = 0.0;
  for (int i = 0; i < n; ++i) {
    const double t = a[i] * scale[i];
    acc += t * t;
  }
  return sqrt(acc);
}

template <class U, class V>
BC_HD void copy(int n, U src, V dst) {
  for (int i = 0; i < n; ++i) dst[i] = src[i];
}

template <class V, class S>
BC_HD void fill(int n, V a, S value) {
  for (int i = 0; i < n; ++i) a[i] = value;
}

template <class V, class S>
BC_HD void scale(int n, V a, S alpha) {
  for (int i = 0; i < n; ++i) a[i] *= alpha;
}

// y ← αx + y
template <class S, class U, class V>
BC_HD void axpy(int n, S alpha, U x, V y) {
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
}

// y ← αx + βy
template <class S, class U, class V>
BC_HD void axpby(int n, S alpha, U x, S beta, V y) {
  for (int i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
}

// Per lane: every entry finite.
template <class V>
BC_HD mask_t<value_t<V>> finite_mask(int n, V a) {
  mask_t<value_t<V>> ok = vfinite(value_t<V>(0.0));
  for (int i = 0; i < n; ++i) ok = vand(ok, vfinite(a[i]));
  return ok;
}

template <class V>
BC_HD bool all_finite(int n, V a) {
  for (int i = 0; i < n; ++i)
    if (!isfinite(a[i])) return false;
  return true;
}

}  // namespace batchcone::kernels
