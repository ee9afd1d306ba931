// SPDX-License-Identifier: Apache-2.0
// Dense vector helpers over one problem's views (see hd.hpp for the view contract).
#pragma once

#include <math.h>

#include "hd.hpp"

namespace batchcone::kernels {

BC_HD double dmax(double a, double b) { return a > b ? a : b; }
BC_HD double dmin(double a, double b) { return a < b ? a : b; }

template <class U, class V>
BC_HD double dot(int n, U a, V b) {
  double acc = 0.0;
  for (int i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

template <class V>
BC_HD double sumsq(int n, V a) {
  return dot(n, a, a);
}

template <class V>
BC_HD double norm_inf(int n, V a) {
  double r = 0.0;
  for (int i = 0; i < n; ++i) r = dmax(r, fabs(a[i]));
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

template <class V>
BC_HD void fill(int n, V a, double value) {
  for (int i = 0; i < n; ++i) a[i] = value;
}

template <class V>
BC_HD void scale(int n, V a, double alpha) {
  for (int i = 0; i < n; ++i) a[i] *= alpha;
}

// y ← αx + y
template <class U, class V>
BC_HD void axpy(int n, double alpha, U x, V y) {
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
}

// y ← αx + βy
template <class U, class V>
BC_HD void axpby(int n, double alpha, U x, double beta, V y) {
  for (int i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
}

template <class V>
BC_HD bool all_finite(int n, V a) {
  for (int i = 0; i < n; ++i)
    if (!isfinite(a[i])) return false;
  return true;
}

}  // namespace batchcone::kernels
