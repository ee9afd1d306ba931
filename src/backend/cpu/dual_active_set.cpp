// SPDX-License-Identifier: Apache-2.0
#include "dual_active_set.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dense_ops.hpp"

namespace batchcone::backend::cpu {
namespace {

// Cholesky pivots below this fraction of H's largest diagonal entry: not positive definite.
constexpr double kPivotTol = 1e-12;
// A step direction shorter than this fraction of Jᵀcₚ: p depends on the active rows.
constexpr double kDependentTol = 1e-12;
// A slack more negative than this times the row's scale (|dᵢ| + ‖Cᵢ‖·‖u‖∞, at least 1) is a
// violation the method still corrects; smaller ones are rounding.
constexpr double kViolationTol = 1e-13;
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

std::size_t DualActiveSetArrays::doubles(int n, int m) {
  const std::size_t nn = static_cast<std::size_t>(n) * n;
  return 3 * nn + 5 * static_cast<std::size_t>(n) + (n + 1) / 2 + (m + 7) / 8 + 2;
}

DualActiveSetArrays DualActiveSetArrays::carve(double*& at, int n, int m) {
  DualActiveSetArrays w{};
  const std::size_t nn = static_cast<std::size_t>(n) * n;
  w.J0 = take(at, nn), w.J = take(at, nn), w.R = take(at, nn);
  w.u = take(at, n), w.d = take(at, n), w.dir = take(at, n), w.r = take(at, n);
  w.mult = take(at, n);
  w.active = reinterpret_cast<int*>(take(at, (n + 1) / 2 + 1));
  w.is_active = reinterpret_cast<unsigned char*>(take(at, (m + 7) / 8 + 1));
  return w;
}

// H into J0's lower triangle, its Cholesky factor L in place (left-looking), then L⁻¹ by
// columns into J and its transpose into J0.
bool DualActiveSet::factor(int n, const double* H) {
  n_ = n;
  double* L = w_.J0;
  double largest = 0.0;  // diagonal entry
  for (int j = 0; j < n; ++j) {
    std::copy(col(H, n, j) + j, col(H, n, j) + n, col(L, n, j) + j);
    largest = std::max(largest, col(L, n, j)[j]);
  }
  for (int j = 0; j < n; ++j) {
    double* Lj = col(L, n, j);
    for (int k = 0; k < j; ++k) axpy(n - j, -col(L, n, k)[j], col(L, n, k) + j, Lj + j);
    if (!(Lj[j] > kPivotTol * largest)) return false;
    scale(n - j, Lj + j, 1.0 / std::sqrt(Lj[j]));
  }
  for (int j = 0; j < n; ++j) {  // L y = e_j
    double* y = col(w_.J, n, j);
    std::fill(y, y + n, 0.0);
    y[j] = 1.0;
    for (int k = j; k < n; ++k) {
      y[k] /= col(L, n, k)[k];
      axpy(n - k - 1, -y[k], col(L, n, k) + k + 1, y + k + 1);
    }
  }
  for (int j = 0; j < n; ++j)  // J0[i, j] = L⁻¹[j, i]
    for (int i = 0; i < n; ++i) col(w_.J0, n, j)[i] = i <= j ? col(w_.J, n, i)[j] : 0.0;
  return true;
}

double DualActiveSet::slack(int i) const {
  return d_[i] - dot(n_, C_ + static_cast<std::size_t>(i) * n_, w_.u);
}

// The most violated constraint, by slack over row norm; −1 when u is feasible.
int DualActiveSet::pick() const {
  int best = -1;
  double worst = 0.0;
  const double uinf = norm_inf(n_, w_.u);
  for (int i = 0; i < m_; ++i) {
    if (w_.is_active[i] || !(norm_[i] > 0.0)) continue;
    const double s = slack(i);
    const double tol = kViolationTol * std::max(1.0, std::abs(d_[i]) + norm_[i] * uinf);
    if (s < -tol && s / norm_[i] < worst) worst = s / norm_[i], best = i;
  }
  return best;
}

bool DualActiveSet::solve(const double* g, int m, const double* C, const double* norm,
                          const double* d, int max_steps) {
  m_ = m, C_ = C, norm_ = norm, d_ = d;
  const int n = n_;
  std::copy(w_.J0, w_.J0 + static_cast<std::size_t>(n) * n, w_.J);
  for (int j = 0; j < n; ++j) w_.d[j] = dot(n, col(w_.J, n, j), g);  // u = −J(Jᵀg)
  std::fill(w_.u, w_.u + n, 0.0);
  for (int j = 0; j < n; ++j) axpy(n, -w_.d[j], col(w_.J, n, j), w_.u);
  std::fill(w_.is_active, w_.is_active + m, 0);
  q_ = 0, steps_ = 0;
  for (int p = pick(); p >= 0; p = pick()) {
    double mult_p = 0.0;
    for (;;) {  // steps towards p until it is active, dropping constraints on the way
      if (++steps_ > max_steps) return false;
      const int added = step_towards(p, mult_p);
      if (added < 0) return false;  // no step exists: the constraints are infeasible
      if (added == 1) break;
    }
  }
  return true;
}

// One step towards constraint p: 1 when p became active, 0 when an active constraint was
// dropped first, −1 when no step exists. In the method's sign convention the row is −Cₚ.
int DualActiveSet::step_towards(int p, double& mult_p) {
  const int n = n_, q = q_;
  const double* cp = C_ + static_cast<std::size_t>(p) * n;
  for (int j = 0; j < n; ++j) w_.d[j] = -dot(n, col(w_.J, n, j), cp);  // d = Jᵀ(−cₚ)
  std::fill(w_.dir, w_.dir + n, 0.0);
  for (int j = q; j < n; ++j) axpy(n, w_.d[j], col(w_.J, n, j), w_.dir);
  for (int j = q - 1; j >= 0; --j) {  // r = R⁻¹d₁
    double v = w_.d[j];
    for (int l = j + 1; l < q; ++l) v -= col(w_.R, n, l)[j] * w_.r[l];
    w_.r[j] = v / col(w_.R, n, j)[j];
  }
  int drop = -1;
  double t1 = kInf;  // the longest dual step before an active multiplier reaches 0
  for (int j = 0; j < q; ++j)
    if (w_.r[j] > 0.0 && w_.mult[j] / w_.r[j] < t1) t1 = w_.mult[j] / w_.r[j], drop = j;
  const double d2 = dot(n - q, w_.d + q, w_.d + q);
  const bool dependent = !(d2 > kDependentTol * kDependentTol * dot(n, w_.d, w_.d));
  const double t2 = dependent ? kInf : -slack(p) / d2;  // the step that makes p active
  const double t = std::min(t1, t2);
  if (t == kInf) return -1;
  if (!dependent) axpy(n, t, w_.dir, w_.u);
  for (int j = 0; j < q; ++j) w_.mult[j] -= t * w_.r[j];
  mult_p += t;
  if (t2 <= t1) return add(p, mult_p), 1;
  remove(drop);
  return 0;
}

// Rotations zeroing d[q+1..n) into d[q] (J's columns follow), then R's column q = d[0..q].
void DualActiveSet::add(int p, double mult_p) {
  const int n = n_, q = q_;
  for (int i = n - 1; i > q; --i) {
    const double a = w_.d[i - 1], b = w_.d[i];
    if (b == 0.0) continue;
    const double h = norm2(a, b);
    w_.d[i - 1] = h, w_.d[i] = 0.0;
    rotate(n, a / h, b / h, col(w_.J, n, i - 1), col(w_.J, n, i));
  }
  std::copy(w_.d, w_.d + q + 1, col(w_.R, n, q));
  w_.active[q] = p, w_.mult[q] = mult_p;
  w_.is_active[p] = 1;
  q_ = q + 1;
}

// Drops active constraint j: R loses column j, and rotations of rows (l, l+1) make it upper
// triangular again (J's columns follow).
void DualActiveSet::remove(int j) {
  const int n = n_, q = q_ - 1;
  w_.is_active[w_.active[j]] = 0;
  for (int l = j; l < q; ++l) {
    w_.active[l] = w_.active[l + 1], w_.mult[l] = w_.mult[l + 1];
    std::copy(col(w_.R, n, l + 1), col(w_.R, n, l + 1) + l + 2, col(w_.R, n, l));
  }
  for (int l = j; l < q; ++l) {
    const double a = col(w_.R, n, l)[l], b = col(w_.R, n, l)[l + 1];
    const double h = norm2(a, b);
    const double c = a / h, s = b / h;
    col(w_.R, n, l)[l] = h, col(w_.R, n, l)[l + 1] = 0.0;
    for (int k = l + 1; k < q; ++k) {
      double* Rk = col(w_.R, n, k);
      const double x = Rk[l], y = Rk[l + 1];
      Rk[l] = c * x + s * y, Rk[l + 1] = -s * x + c * y;
    }
    rotate(n, c, s, col(w_.J, n, l), col(w_.J, n, l + 1));
  }
  q_ = q;
}

}  // namespace batchcone::backend::cpu
