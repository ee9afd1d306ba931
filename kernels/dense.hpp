// SPDX-License-Identifier: Apache-2.0
// Small dense symmetric linear algebra for per-cone blocks (PSD cones), column-major k×k arrays
// a[i + k·j], written for one thread: Cholesky, one-sided Jacobi SVD, symmetric eigenvalues.
// No allocation: callers pass work arrays. Meant for the small blocks of layer problems (k up to
// a few tens); cost O(k³) per sweep.
#pragma once

#include <math.h>

#include "hd.hpp"
#include "vec.hpp"

namespace batchcone::kernels {

// In-place lower Cholesky A = LLᵀ (the strict upper triangle is zeroed). False unless A ≻ 0.
template <class M>
BC_HD bool dense_cholesky(int k, M a) {
  for (int j = 0; j < k; ++j) {
    double d = a[j + k * j];
    for (int p = 0; p < j; ++p) d -= a[j + k * p] * a[j + k * p];
    if (!(d > 0.0)) return false;
    d = sqrt(d);
    a[j + k * j] = d;
    for (int i = j + 1; i < k; ++i) {
      double v = a[i + k * j];
      for (int p = 0; p < j; ++p) v -= a[i + k * p] * a[j + k * p];
      a[i + k * j] = v / d;
    }
    for (int i = 0; i < j; ++i) a[i + k * j] = 0.0;
  }
  return true;
}

// c ← op(a)·op(b) for k×k matrices, op = transpose when the flag is set. c must not alias.
template <class A, class B, class C>
BC_HD void dense_gemm(int k, A a, bool ta, B b, bool tb, C c) {
  for (int j = 0; j < k; ++j)
    for (int i = 0; i < k; ++i) {
      double acc = 0.0;
      for (int p = 0; p < k; ++p)
        acc += (ta ? a[p + k * i] : a[i + k * p]) * (tb ? b[j + k * p] : b[p + k * j]);
      c[i + k * j] = acc;
    }
}

// One-sided Jacobi (Hestenes) SVD: a = U Σ Vᵀ. On return a holds U (columns scaled to unit
// norm), sigma the singular values, v the orthogonal V. Columns are orthogonalized pairwise by
// plane rotations until every pair is orthogonal to machine precision.
template <class A, class S, class V>
BC_HD void dense_svd(int k, A a, S sigma, V v) {
  for (int j = 0; j < k; ++j)
    for (int i = 0; i < k; ++i) v[i + k * j] = (i == j) ? 1.0 : 0.0;
  for (int sweep = 0; sweep < 60; ++sweep) {
    bool rotated = false;
    for (int p = 0; p < k - 1; ++p)
      for (int q = p + 1; q < k; ++q) {
        double alpha = 0.0, beta = 0.0, gamma = 0.0;
        for (int i = 0; i < k; ++i) {
          alpha += a[i + k * p] * a[i + k * p];
          beta += a[i + k * q] * a[i + k * q];
          gamma += a[i + k * p] * a[i + k * q];
        }
        if (fabs(gamma) <= 1e-15 * sqrt(alpha * beta) || gamma == 0.0) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2.0 * gamma);
        const double t = copysign(1.0, zeta) / (fabs(zeta) + sqrt(1.0 + zeta * zeta));
        const double c = 1.0 / sqrt(1.0 + t * t), s = c * t;
        for (int i = 0; i < k; ++i) {
          const double ap = a[i + k * p], aq = a[i + k * q];
          a[i + k * p] = c * ap - s * aq;
          a[i + k * q] = s * ap + c * aq;
          const double vp = v[i + k * p], vq = v[i + k * q];
          v[i + k * p] = c * vp - s * vq;
          v[i + k * q] = s * vp + c * vq;
        }
      }
    if (!rotated) break;
  }
  for (int j = 0; j < k; ++j) {
    double nrm = 0.0;
    for (int i = 0; i < k; ++i) nrm += a[i + k * j] * a[i + k * j];
    nrm = sqrt(nrm);
    sigma[j] = nrm;
    for (int i = 0; i < k; ++i) a[i + k * j] = nrm > 0.0 ? a[i + k * j] / nrm : 0.0;
  }
}

// Symmetric eigen-decomposition a = V diag(w) Vᵀ (a destroyed; v written only if `vectors`):
// cyclic Jacobi rotations to diagonal, accumulated into v.
template <class A, class W, class V>
BC_HD void dense_eigh(int k, A a, W w, V v, bool vectors) {
  if (vectors)
    for (int j = 0; j < k; ++j)
      for (int i = 0; i < k; ++i) v[i + k * j] = (i == j) ? 1.0 : 0.0;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int j = 0; j < k; ++j)
      for (int i = 0; i < k; ++i) (i == j ? diag : off) += a[i + k * j] * a[i + k * j];
    if (off <= 1e-30 * diag || off == 0.0) break;
    for (int p = 0; p < k - 1; ++p)
      for (int q = p + 1; q < k; ++q) {
        const double apq = a[p + k * q];
        if (apq == 0.0) continue;
        const double theta = (a[q + k * q] - a[p + k * p]) / (2.0 * apq);
        const double t = copysign(1.0, theta) / (fabs(theta) + sqrt(1.0 + theta * theta));
        const double c = 1.0 / sqrt(1.0 + t * t), s = c * t;
        for (int i = 0; i < k; ++i) {  // columns p, q
          const double aip = a[i + k * p], aiq = a[i + k * q];
          a[i + k * p] = c * aip - s * aiq;
          a[i + k * q] = s * aip + c * aiq;
        }
        for (int j = 0; j < k; ++j) {  // rows p, q
          const double apj = a[p + k * j], aqj = a[q + k * j];
          a[p + k * j] = c * apj - s * aqj;
          a[q + k * j] = s * apj + c * aqj;
        }
        if (vectors)
          for (int i = 0; i < k; ++i) {  // V ← V J
            const double vip = v[i + k * p], viq = v[i + k * q];
            v[i + k * p] = c * vip - s * viq;
            v[i + k * q] = s * vip + c * viq;
          }
      }
  }
  for (int i = 0; i < k; ++i) w[i] = a[i + k * i];
}

// Eigenvalues of the symmetric a (destroyed) into w.
template <class A, class W>
BC_HD void dense_eigenvalues(int k, A a, W w) {
  dense_eigh(k, a, w, a, false);
}

// Solves L y = b in place (L lower triangular, column-major).
template <class L, class B>
BC_HD void dense_lower_solve(int k, L l, B b) {
  for (int i = 0; i < k; ++i) {
    double v = b[i];
    for (int p = 0; p < i; ++p) v -= l[i + k * p] * b[p];
    b[i] = v / l[i + k * i];
  }
}

}  // namespace batchcone::kernels
