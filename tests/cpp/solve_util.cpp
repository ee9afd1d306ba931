// SPDX-License-Identifier: Apache-2.0
#include "solve_util.hpp"

#include "kernels/cones/psd.hpp"

#include <algorithm>
#include <cmath>

namespace batchcone::testing {

Result empty_result(const Structure& st, int batch) {
  Result r;
  r.x.resize(static_cast<size_t>(batch) * st.n());
  r.z.resize(static_cast<size_t>(batch) * st.m());
  r.s.resize(static_cast<size_t>(batch) * st.m());
  r.objective.resize(batch);
  r.status.resize(batch);
  r.iterations.resize(batch);
  return r;
}

Result solve_values(const Structure& st, int batch, const double* P, long P_stride, const double* c,
                    long c_stride, const double* A, long A_stride, const double* b, long b_stride,
                    const Settings& settings) {
  Result r = empty_result(st, batch);
  BatchData d{batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride};
  BatchSolution o{r.x.data(), r.z.data(), r.s.data(), r.status.data(), r.iterations.data(),
                  r.objective.data()};
  cpu_solve(st, settings, d, o);
  return r;
}

Result solve_fixture(const Fixture& f, const Settings& settings) {
  const Structure st = make_structure(f.spec);
  return solve_values(st, 1, f.P_vals.data(), kDense, f.c.data(), kDense, f.A_vals.data(),
                      kDense, f.b.data(), kDense, settings);
}

namespace {

// How far v is outside the exponential cone (or its dual), from the closed-form definitions:
// K = cl{y·exp(x/y) ≤ z, y > 0},  K* = cl{−x·exp(y/x − 1) ≤ z, x < 0}.
double exp_violation(const double* v, bool dual) {
  if (!dual)
    return v[1] > 0 ? std::max(0.0, v[1] * std::exp(v[0] / v[1]) - v[2])
                    : std::max({-v[1], v[0], -v[2], 0.0});
  return v[0] < 0 ? std::max(0.0, -v[0] * std::exp(v[1] / v[0] - 1) - v[2])
                  : std::max({v[0], -v[1], -v[2], 0.0});
}

// Pow: K = {x^α y^(1−α) ≥ |z|, x, y ≥ 0},  K* = {(x/α)^α (y/(1−α))^(1−α) ≥ |z|, x, y ≥ 0}.
double pow_violation(const double* v, double a, bool dual) {
  const double x = std::max(v[0], 0.0) / (dual ? a : 1.0), y = std::max(v[1], 0.0) / (dual ? 1 - a : 1.0);
  return std::max({-v[0], -v[1], std::abs(v[2]) - std::pow(x, a) * std::pow(y, 1 - a), 0.0});
}

double cone_violation(const std::vector<Cone>& cones, const double* v, bool dual) {
  double worst = 0.0;
  int o = 0;
  for (const Cone& k : cones) {
    if (k.kind == ConeKind::Zero && !dual)
      for (int i = 0; i < k.dim; ++i) worst = std::max(worst, std::abs(v[o + i]));
    if (k.kind == ConeKind::NonNeg)
      for (int i = 0; i < k.dim; ++i) worst = std::max(worst, -v[o + i]);
    if (k.kind == ConeKind::SOC) {
      double r = 0.0;
      for (int i = 1; i < k.dim; ++i) r += v[o + i] * v[o + i];
      worst = std::max(worst, std::sqrt(r) - v[o]);
    }
    if (k.kind == ConeKind::PSD) {  // −λ_min of the matrix
      std::vector<double> m(k.dim * k.dim), eig(k.dim);
      kernels::psd_mat(k.dim, v + o, m.data());
      kernels::dense_eigenvalues(k.dim, m.data(), eig.data());
      worst = std::max(worst, -*std::min_element(eig.begin(), eig.end()));
    }
    if (k.kind == ConeKind::Exp) worst = std::max(worst, exp_violation(v + o, dual));
    if (k.kind == ConeKind::Pow) worst = std::max(worst, pow_violation(v + o, k.alpha, dual));
    o += k.kind == ConeKind::PSD ? k.dim * (k.dim + 1) / 2 : k.dim;
  }
  return worst;
}

double norm_inf(const std::vector<double>& v) {
  double r = 0.0;
  for (double t : v) r = std::max(r, std::abs(t));
  return r;
}

double norm2(const std::vector<double>& v) {
  double r = 0.0;
  for (double t : v) r += t * t;
  return std::sqrt(r);
}

}  // namespace

Residuals residuals(const Fixture& f, const double* x, const double* z, const double* s) {
  const StructureSpec& sp = f.spec;
  std::vector<double> rp(sp.m), rd(sp.n);
  for (int i = 0; i < sp.m; ++i) rp[i] = s[i] - f.b[i];
  for (int j = 0; j < sp.n; ++j) rd[j] = f.c[j];
  for (int j = 0; j < sp.n; ++j) {
    for (int p = sp.A_colptr[j]; p < sp.A_colptr[j + 1]; ++p) {
      rp[sp.A_rowval[p]] += f.A_vals[p] * x[j];
      rd[j] += f.A_vals[p] * z[sp.A_rowval[p]];
    }
    for (int p = sp.P_colptr[j]; p < sp.P_colptr[j + 1]; ++p) {
      const int i = sp.P_rowval[p];
      rd[i] += f.P_vals[p] * x[j];
      if (i != j) rd[j] += f.P_vals[p] * x[i];
    }
  }
  // Relative to the size of the data and of the solution, exactly as Clarabel's termination test
  // defines them (2-norms of residual and iterate, ∞-norms of the data).
  std::vector<double> xv(x, x + sp.n), zv(z, z + sp.m), sv(s, s + sp.m);
  const double scale_p = std::max(1.0, norm_inf(f.b) + norm2(xv) + norm2(sv));
  const double scale_d = std::max(1.0, norm_inf(f.c) + norm2(xv) + norm2(zv));
  double sz = 0.0, cx = 0.0, bz = 0.0;
  for (int i = 0; i < sp.m; ++i) sz += s[i] * z[i], bz += f.b[i] * z[i];
  for (int j = 0; j < sp.n; ++j) cx += f.c[j] * x[j];
  return {norm2(rp) / scale_p, norm2(rd) / scale_d, cone_violation(sp.cones, s, false),
          cone_violation(sp.cones, z, true), std::abs(sz) / (1.0 + std::abs(cx) + std::abs(bz))};
}

}  // namespace batchcone::testing
