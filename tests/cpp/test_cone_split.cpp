// SPDX-License-Identifier: Apache-2.0
// The Minty split of every cone kind (kernels/cone_table.hpp, cones_split_pair): for random v,
//   1. it is the Moreau decomposition: v = z − s, s ∈ K, z ∈ K*, ⟨s, z⟩ = 0, which determines
//      z = Π_{K*}(v) and s = Π_K(−v) uniquely (checked against the cones' closed-form
//      definitions, not against another projection code);
//   2. its scaling H is the derivative: central differences of z(v) along dv equal
//      (I + H)⁻¹dv (from dz = DΔv and H = D⁺(I − D)), to the model error ~1/kInfiniteScaling of
//      H's infinite directions;
//   3. the exp/pow boundary search finds the pair from the true pair's neighbourhood and from a
//      poor start.
// Points: v = z − s for planted pairs of every kind (z interior / s interior / boundary pairs /
// PSD pairs of complementary rank), away from the boundaries between those cases, where the
// split is differentiable.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "cone_test_util.hpp"
#include "kernels/cone_table.hpp"

namespace batchcone::kernels {
namespace {

using namespace testing;

struct Table {
  std::vector<int> kind, offset, dim, woff;
  std::vector<double> alpha;
  int m = 0, w = 0;
  void add(int k, int d, double a = 0.0) {
    kind.push_back(k), offset.push_back(m), dim.push_back(d), woff.push_back(w), alpha.push_back(a);
    m += d;
    w += (k == kPsdCone) ? psd_w_size(psd_side(d)) : (is_nonsym(k) ? kNonsymWSize : d);
  }
  ConeTable view() const {
    ConeTable t{
        static_cast<int>(kind.size()), kind.data(), offset.data(), dim.data(), woff.data(), w, 0};
    t.alpha = alpha.data();
    return t;
  }
};

Table every_kind() {
  Table t;
  t.add(kZeroCone, 2);
  t.add(kNonNegCone, 5);
  t.add(kSocCone, 1);
  t.add(kSocCone, 3);
  t.add(kSocCone, 7);
  t.add(kPsdCone, 6);   // 3×3
  t.add(kPsdCone, 10);  // 4×4
  t.add(kExpCone, 3);
  t.add(kExpCone, 3);
  t.add(kPowCone, 3, 0.3);
  t.add(kPowCone, 3, 0.8);
  return t;
}

std::mt19937 rng(11);
double unif(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

// A planted complementary pair (s, z) of one cone, of a random kind: z interior and s = 0,
// s interior and z = 0, or (where the cone has them) a boundary pair.
void planted_pair(const Table& t, int c, double* s, double* z) {
  const int d = t.dim[c], kind = t.kind[c];
  const int role = static_cast<int>(unif(0, 3));  // 0: z interior, 1: s interior, 2: boundary
  for (int i = 0; i < d; ++i) s[i] = z[i] = 0.0;
  if (kind == kZeroCone) {
    for (int i = 0; i < d; ++i) z[i] = unif(-2, 2);
  } else if (kind == kNonNegCone) {
    for (int i = 0; i < d; ++i) (unif(0, 1) < 0.5 ? s[i] : z[i]) = unif(0.1, 3);
  } else if (kind == kSocCone) {
    const Vec u = normal_vec(rng, d);
    const double r = std::sqrt(sumsq(d - 1, u.data() + 1));
    double* in = role == 1 ? s : z;
    if (role < 2 || d == 1) {
      in[0] = r + unif(0.1, 2);
      for (int i = 1; i < d; ++i) in[i] = u[i];
    } else {
      const double a = unif(0.2, 3), b = unif(0.2, 3);
      s[0] = a, z[0] = b;
      for (int i = 1; i < d; ++i) s[i] = -a * u[i] / r, z[i] = b * u[i] / r;
    }
  } else if (kind == kPsdCone) {  // S = Q diag(σ) Qᵀ, Z = Q diag(ζ) Qᵀ, complementary supports
    const int k = psd_side(d);
    const Vec q = random_orthogonal(rng, k);
    std::vector<double> sig(k, 0.0), zet(k, 0.0), sm(k * k), zm(k * k);
    for (int i = 0; i < k; ++i) (unif(0, 1) < 0.5 ? sig[i] : zet[i]) = unif(0.2, 3);
    for (int c2 = 0; c2 < k; ++c2)
      for (int r2 = 0; r2 < k; ++r2) {
        double a = 0, b = 0;
        for (int i = 0; i < k; ++i)
          a += q[r2 + k * i] * sig[i] * q[c2 + k * i], b += q[r2 + k * i] * zet[i] * q[c2 + k * i];
        sm[r2 + k * c2] = a, zm[r2 + k * c2] = b;
      }
    psd_svec(k, sm.data(), s);
    psd_svec(k, zm.data(), z);
  } else {
    with_nonsym_cone(t.view(), c, [&](const auto& cone) {
      double sh[3], zh[3], a[3], b[3];
      cone.curve(unif(-2, 2), unif(0, 1) < 0.5 ? 1.0 : -1.0, sh, zh, a, b);
      const double y = unif(0.2, 3), r = unif(0.2, 3);
      for (int i = 0; i < 3; ++i) {
        if (role != 0) s[i] = y * sh[i] * (role == 1 ? 1.3 : 1.0);  // role 1: s pushed inside
        if (role != 1) z[i] = r * zh[i] * (role == 0 ? 1.3 : 1.0);
      }
      if (role == 1 && kind == kExpCone) s[2] = y * sh[2] * 2.0;  // inside: raise s₂
      if (role == 0 && kind == kExpCone) z[2] = r * zh[2] * 2.0;
      if (role == 1 && kind == kPowCone) s[2] = y * sh[2] * 0.5;  // inside: shrink |s₂|
      if (role == 0 && kind == kPowCone) z[2] = r * zh[2] * 0.5;
    });
  }
}

// min over the cone of the membership margins (≥ −tol·scale when x ∈ K, or K* with dual).
double margin(const Table& t, int c, const double* x, bool dual) {
  const int d = t.dim[c], kind = t.kind[c];
  switch (kind) {
    case kZeroCone: {
      double r = 0;
      if (!dual)
        for (int i = 0; i < d; ++i) r = std::min(r, -std::abs(x[i]));
      return r;
    }
    case kNonNegCone: {
      double r = INFINITY;
      for (int i = 0; i < d; ++i) r = std::min(r, x[i]);
      return r;
    }
    case kSocCone:
      return x[0] - std::sqrt(sumsq(d - 1, x + 1));
    case kPsdCone: {
      const int k = psd_side(d);
      std::vector<double> m(k * k), w(k);
      psd_mat(k, x, m.data());
      dense_eigenvalues(k, m.data(), w.data());
      double r = INFINITY;
      for (double v : w) r = std::min(r, v);
      return r;
    }
    case kExpCone:  // K: s₁e^{s₀/s₁} ≤ s₂ (s₁ ≥ 0); K*: −z₀e^{z₁/z₀−1} ≤ z₂ (z₀ ≤ 0)
      if (!dual)
        return std::min(
            {x[1], x[2] - (x[1] > 0 ? x[1] * std::exp(x[0] / x[1]) : 0.0), x[1] > 0 ? 0.0 : -x[0]});
      return std::min({-x[0], x[2] - (x[0] < 0 ? -x[0] * std::exp(x[1] / x[0] - 1) : 0.0),
                       x[0] < 0 ? 0.0 : x[1]});
    default: {
      const double a = t.alpha[c];
      const double g = dual ? std::pow(x[0] / a, a) * std::pow(x[1] / (1 - a), 1 - a)
                            : std::pow(x[0], a) * std::pow(x[1], 1 - a);
      return std::min({x[0], x[1], g - std::abs(x[2])});
    }
  }
}

struct Split {
  Vec z, s, w, eta;
  bool ok;
};

Split split_of(const Table& t, const Vec& v, const Vec& z_hint, const Vec& s_hint) {
  Split r{z_hint, s_hint, Vec(t.w), Vec(t.kind.size()), false};
  r.ok = cones_split_pair(t.view(), v.data(), r.z.data(), r.s.data(), r.w.data(), r.eta.data());
  return r;
}

// A random v = z − s from planted pairs, with the pairs themselves.
void planted_point(const Table& t, Vec& v, Vec& z, Vec& s) {
  v.assign(t.m, 0.0), z.assign(t.m, 0.0), s.assign(t.m, 0.0);
  for (size_t c = 0; c < t.kind.size(); ++c)
    planted_pair(t, c, s.data() + t.offset[c], z.data() + t.offset[c]);
  for (int i = 0; i < t.m; ++i) v[i] = z[i] - s[i];
}

TEST(ConeSplit, IsTheMoreauDecompositionOfPlantedPairs) {
  const Table t = every_kind();
  for (int trial = 0; trial < 200; ++trial) {
    Vec v, z, s;
    planted_point(t, v, z, s);
    Vec zh = z, sh = s;  // hints: the planted pair, perturbed
    for (int i = 0; i < t.m; ++i) zh[i] *= 1 + 1e-3 * unif(-1, 1), sh[i] *= 1 + 1e-3 * unif(-1, 1);
    const Split r = split_of(t, v, zh, sh);
    ASSERT_TRUE(r.ok) << "trial " << trial;
    expect_vec_near(r.z, z, 1e-12, "z");
    expect_vec_near(r.s, s, 1e-12, "s");
  }
}

TEST(ConeSplit, IsTheMoreauDecompositionOfRandomPoints) {
  const Table t = every_kind();
  int failures = 0;
  for (int trial = 0; trial < 500; ++trial) {
    const Vec v = normal_vec(rng, t.m, 2.0);
    Vec z(t.m, 1.0), s(t.m, 1.0);  // poor hints
    const Split r = split_of(t, v, z, s);
    if (!r.ok) {  // only exp/pow can fail, near degenerate faces; count those
      ++failures;
      continue;
    }
    const double scale = std::max(1.0, max_abs(v));
    for (int i = 0; i < t.m; ++i) EXPECT_NEAR(r.z[i] - r.s[i], v[i], 1e-14 * scale);
    for (size_t c = 0; c < t.kind.size(); ++c) {
      const int o = t.offset[c];
      EXPECT_GE(margin(t, c, r.s.data() + o, false), -1e-12 * scale) << "s in K, cone " << c;
      EXPECT_GE(margin(t, c, r.z.data() + o, true), -1e-12 * scale) << "z in K*, cone " << c;
      EXPECT_NEAR(dot(t.dim[c], r.s.data() + o, r.z.data() + o), 0.0, 1e-12 * scale * scale)
          << "cone " << c;
    }
  }
  EXPECT_LE(failures, 5);  // 4 exp/pow cones × 500 points; ~0.2% of random points per cone fail
}

// Explicit H (m×m) from the stored scaling, by cones_mul_H on unit vectors.
Vec explicit_H(const Table& t, Split& r) {
  Vec h(t.m * t.m), e(t.m), tmp(t.m), col(t.m);
  for (int j = 0; j < t.m; ++j) {
    std::fill(e.begin(), e.end(), 0.0);
    e[j] = 1.0;
    cones_mul_H(t.view(), r.w.data(), r.eta.data(), e.data(), tmp.data(), col.data());
    for (int i = 0; i < t.m; ++i) h[i + t.m * j] = col[i];
  }
  return h;
}

// x ← M⁻¹b by Gaussian elimination with partial pivoting (M n×n column-major, copied).
Vec dense_solve(Vec m, Vec b) {
  const int n = static_cast<int>(b.size());
  for (int k = 0; k < n; ++k) {
    int p = k;
    for (int i = k + 1; i < n; ++i)
      if (std::abs(m[i + n * k]) > std::abs(m[p + n * k])) p = i;
    for (int j = 0; j < n; ++j) std::swap(m[k + n * j], m[p + n * j]);
    std::swap(b[k], b[p]);
    for (int i = k + 1; i < n; ++i) {
      const double f = m[i + n * k] / m[k + n * k];
      for (int j = k; j < n; ++j) m[i + n * j] -= f * m[k + n * j];
      b[i] -= f * b[k];
    }
  }
  for (int k = n - 1; k >= 0; --k) {
    for (int j = k + 1; j < n; ++j) b[k] -= m[k + n * j] * b[j];
    b[k] /= m[k + n * k];
  }
  return b;
}

TEST(ConeSplit, ScalingIsTheDerivativeOfTheSplit) {
  const Table t = every_kind();
  const double h = 1e-6;
  for (int trial = 0; trial < 100; ++trial) {
    Vec v, z, s;
    planted_point(t, v, z, s);
    Split r = split_of(t, v, z, s);
    ASSERT_TRUE(r.ok);
    Vec ih = explicit_H(t, r);
    for (int i = 0; i < t.m; ++i) ih[i + t.m * i] += 1.0;  // I + H
    const Vec dv = normal_vec(rng, t.m);
    Vec vp = v, vm = v;
    for (int i = 0; i < t.m; ++i) vp[i] += h * dv[i], vm[i] -= h * dv[i];
    const Split up = split_of(t, vp, r.z, r.s), down = split_of(t, vm, r.z, r.s);
    ASSERT_TRUE(up.ok && down.ok);
    Vec fd(t.m);
    for (int i = 0; i < t.m; ++i) fd[i] = (up.z[i] - down.z[i]) / (2 * h);
    expect_vec_near(dense_solve(ih, dv), fd, 1e-6, "dz = (I + H)⁻¹dv");
  }
}

TEST(ConeSplit, ExpPowBoundarySearchFromAPoorStart) {
  for (const double alpha : {0.0, 0.2, 0.5, 0.9}) {  // 0: the exponential cone
    int found = 0;
    for (int trial = 0; trial < 200; ++trial) {
      double sh[3], zh[3], a[3], b[3], hs[9];
      const double tt = unif(-3, 3), sign = unif(0, 1) < 0.5 ? 1.0 : -1.0;
      alpha == 0.0 ? ExpCone{}.curve(tt, sign, sh, zh, a, b)
                   : PowCone{alpha}.curve(tt, sign, sh, zh, a, b);
      const double y = unif(0.2, 3), r = unif(0.2, 3);
      double v[3], z[3] = {-1, 0.5, 2}, s[3] = {1, 1, 3},
                   frame[kNonsymSplitFrameSize];  // poor hints
      for (int i = 0; i < 3; ++i) v[i] = r * zh[i] - y * sh[i];
      const bool ok = alpha == 0.0
                          ? nonsym_split(ExpCone{}, v, z, s, hs, frame, kInfiniteScaling)
                          : nonsym_split(PowCone{alpha}, v, z, s, hs, frame, kInfiniteScaling);
      if (!ok) continue;
      ++found;
      for (int i = 0; i < 3; ++i) {
        EXPECT_NEAR(s[i], y * sh[i], 1e-10 * (1 + y * std::abs(sh[i])));
        EXPECT_NEAR(z[i], r * zh[i], 1e-10 * (1 + r * std::abs(zh[i])));
      }
    }
    EXPECT_EQ(found, 200) << "alpha " << alpha;
  }
}

}  // namespace
}  // namespace batchcone::kernels
