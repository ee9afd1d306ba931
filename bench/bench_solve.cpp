// SPDX-License-Identifier: Apache-2.0
// Batched solve benchmark on the CPU backend: random feasible LP / QP / SOCP / SDP families and
// ℓ2-regularized logistic regression (exponential cones).
// One row per (family, n, m, batch): problems per second for the solve and for solve + one VJP
// per problem (medians of repeats), the backward/forward time ratio, mean iterations, the worst
// relative primal/dual residual of the batch, and how many problems were Solved.
//
//   bench_solve                 the default table (QP n=20,m=40 and n=100,m=200; B = 1, 64, 1024),
//                               then the cost of solution polishing per family (--polish alone)
//   bench_solve --quick         a small smoke run (used by CI)
//   bench_solve FAMILY N M DENSITY B [B ...]   one custom configuration (FAMILY: lp, qp, socp,
//                                              sdp: one PSD cone with ≤ M rows; exp: logistic
//                                              regression, N features, M samples, dense)
//   bench_solve --once FAMILY N M DENSITY B    one solve and one VJP of B problems on one thread,
//                                              nothing else: for instruction counts under
//                                              `valgrind --tool=callgrind` (repeatable, unlike time)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"

namespace {

using batchcone::Cone;
using batchcone::ConeKind;

struct Family {
  batchcone::StructureSpec spec;
  std::vector<double> P, c, A, b;  // B value sets, concatenated
};

// Random sparse column pattern with the given density; `upper` keeps rows ≤ col and the diagonal.
void random_pattern(std::mt19937& rng, int rows, int cols, double density, bool upper,
                    std::vector<int>& colptr, std::vector<int>& rowval) {
  std::uniform_real_distribution<double> u(0, 1);
  colptr.assign(1, 0);
  rowval.clear();
  for (int j = 0; j < cols; ++j) {
    for (int i = 0; i < (upper ? j + 1 : rows); ++i)
      if ((upper && i == j) || u(rng) < density) rowval.push_back(i);
    colptr.push_back(static_cast<int>(rowval.size()));
  }
}

// Problem k: P = diag shift + random upper entries (diagonally dominant, so P ≻ 0 for QPs),
// A random, b = A x₀ + s₀ with s₀ strictly inside K (feasible), c random. LPs add the box
// −1 ≤ x ≤ 1 (bounded); SOCPs group the rows into cones of dimension 5 with s₀ = (2‖·‖+1, ·).
Family make_family(const std::string& kind, int n, int m, double density, int batch) {
  std::mt19937 rng(1234);
  std::normal_distribution<double> g(0, 1);
  Family f;
  auto& sp = f.spec;
  sp.n = n;
  const bool lp = kind == "lp", socp = kind == "socp", sdp = kind == "sdp";
  int side = 0;  // SDP: one PSD cone of the largest side k with k(k+1)/2 ≤ m rows
  while (sdp && (side + 1) * (side + 2) / 2 <= m) ++side;
  if (sdp) m = side * (side + 1) / 2;
  const int box = lp ? 2 * n : 0;
  sp.m = m + box;
  random_pattern(rng, n, n, lp ? 0.0 : density, true, sp.P_colptr, sp.P_rowval);
  if (lp) sp.P_colptr.assign(n + 1, 0), sp.P_rowval.clear();
  std::vector<int> cp, rv;
  random_pattern(rng, m, n, density, false, cp, rv);
  sp.A_colptr.assign(1, 0);
  sp.A_rowval.clear();
  for (int j = 0; j < n; ++j) {  // append the box rows I and −I under the random rows
    for (int p = cp[j]; p < cp[j + 1]; ++p) sp.A_rowval.push_back(rv[p]);
    if (lp) sp.A_rowval.push_back(m + j), sp.A_rowval.push_back(m + n + j);
    sp.A_colptr.push_back(static_cast<int>(sp.A_rowval.size()));
  }
  if (socp) {
    for (int r = 0; r < m; r += 5) sp.cones.push_back({ConeKind::SOC, std::min(5, m - r)});
  } else if (sdp) {
    sp.cones.push_back({ConeKind::PSD, side});
  } else {
    sp.cones.push_back({ConeKind::NonNeg, sp.m});
  }
  for (int k = 0; k < batch; ++k) {
    for (int j = 0; j < n; ++j)
      for (int p = sp.P_colptr[j]; p < sp.P_colptr[j + 1]; ++p)
        f.P.push_back(sp.P_rowval[p] == j ? 1.0 + n * density + std::abs(g(rng)) : 0.5 * g(rng));
    for (int j = 0; j < n; ++j)
      for (int p = sp.A_colptr[j]; p < sp.A_colptr[j + 1]; ++p)
        f.A.push_back(sp.A_rowval[p] < m ? g(rng) : (sp.A_rowval[p] < m + n ? 1.0 : -1.0));
    std::vector<double> x0(n), b(sp.m, 0.0);
    for (double& v : x0) v = 0.5 * g(rng) / std::sqrt(n);
    for (int j = 0; j < n; ++j)
      for (int p = sp.A_colptr[j]; p < sp.A_colptr[j + 1]; ++p)
        b[sp.A_rowval[p]] += f.A[f.A.size() - sp.A_rowval.size() + p] * x0[j];
    for (int j = 0; sdp && j < side; ++j) b[j * (j + 1) / 2 + j] += 1.0;  // s₀ = I ≻ 0
    for (int r = 0; !sdp && r < sp.m;) {
      const int d = socp ? std::min(5, m - r) : 1;
      double tail = 0.0;
      for (int i = 1; i < d; ++i) {
        const double v = g(rng);
        b[r + i] += v;
        tail += v * v;
      }
      b[r] += (socp ? 2.0 * std::sqrt(tail) : 0.0) + 1.0 + std::abs(g(rng));
      r += d;
    }
    f.b.insert(f.b.end(), b.begin(), b.end());
    for (int j = 0; j < n; ++j) f.c.push_back(g(rng));
  }
  return f;
}

// ℓ2-regularized logistic regression, min (1/N)·Σᵢ log(1 + exp(−yᵢaᵢᵀw)) + λ‖w‖², written as
// cvxpy writes it: tᵢ ≥ log(1 + exp(uᵢ)) ⇔ v₁ᵢ + v₂ᵢ ≤ 1, (uᵢ − tᵢ, 1, v₁ᵢ) ∈ K_exp,
// (−tᵢ, 1, v₂ᵢ) ∈ K_exp with uᵢ = −yᵢaᵢᵀw. Variables (w, t, v₁, v₂): n = d + 3N; rows: N
// NonNeg, then 2N exponential cones. Problem k has its own features aᵢ and labels yᵢ.
Family make_logistic_family(int d, int N, int batch) {
  std::mt19937 rng(99);
  std::normal_distribution<double> g(0, 1);
  Family f;
  auto& sp = f.spec;
  const int n = d + 3 * N, t0 = d, v1 = d + N, v2 = d + 2 * N;
  sp.n = n;
  sp.m = N + 6 * N;
  sp.P_colptr.assign(1, 0);
  for (int j = 0; j < n; ++j) {
    if (j < d) sp.P_rowval.push_back(j);
    sp.P_colptr.push_back(static_cast<int>(sp.P_rowval.size()));
  }
  // Row of cone i's first component: N + 6i (first cone), N + 6i + 3 (second).
  auto cone_row = [N](int i, int which, int comp) { return N + 6 * i + 3 * which + comp; };
  std::vector<std::vector<int>> rows(n);
  for (int j = 0; j < d; ++j)
    for (int i = 0; i < N; ++i) rows[j].push_back(cone_row(i, 0, 0));
  for (int i = 0; i < N; ++i) {
    rows[t0 + i] = {cone_row(i, 0, 0), cone_row(i, 1, 0)};
    rows[v1 + i] = {i, cone_row(i, 0, 2)};
    rows[v2 + i] = {i, cone_row(i, 1, 2)};
  }
  sp.A_colptr.assign(1, 0);
  for (int j = 0; j < n; ++j) {
    sp.A_rowval.insert(sp.A_rowval.end(), rows[j].begin(), rows[j].end());
    sp.A_colptr.push_back(static_cast<int>(sp.A_rowval.size()));
  }
  sp.cones = {{ConeKind::NonNeg, N}};
  for (int i = 0; i < 2 * N; ++i) sp.cones.push_back({ConeKind::Exp, 3});
  const double lambda = 0.1;
  for (int k = 0; k < batch; ++k) {
    for (int j = 0; j < d; ++j) f.P.push_back(2.0 * lambda);
    std::vector<double> ya(static_cast<size_t>(N) * d);
    for (int i = 0; i < N; ++i) {
      const double y = g(rng) > 0 ? 1.0 : -1.0;
      for (int j = 0; j < d; ++j) ya[static_cast<size_t>(i) * d + j] = y * (g(rng) + 0.5 * y);
    }
    for (int j = 0; j < n; ++j)  // values in the order of rows[j]
      for (size_t r = 0; r < rows[j].size(); ++r) {
        if (j < d) f.A.push_back(ya[r * d + j]);                   // s₀ = −yaᵀw − t
        else if (j < v1) f.A.push_back(1.0);                       // t in both cones' s₀
        else f.A.push_back(r == 0 ? 1.0 : -1.0);                   // v in the sum row, s₂ = v
      }
    std::vector<double> b(sp.m, 0.0);
    for (int i = 0; i < N; ++i) b[i] = 1.0, b[cone_row(i, 0, 1)] = 1.0, b[cone_row(i, 1, 1)] = 1.0;
    f.b.insert(f.b.end(), b.begin(), b.end());
    for (int j = 0; j < n; ++j) f.c.push_back(j >= t0 && j < v1 ? 1.0 / N : 0.0);
  }
  return f;
}

struct Row {
  double per_second, per_second_fb, bwd_over_fwd, mean_iter, worst_res;
  int solved;
};

// Median wall time of `run` over at least 3 repeats, more while within a 0.7 s budget.
template <class Run>
double median_seconds(Run&& run) {
  std::vector<double> times;
  const auto budget = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
  do {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  } while (times.size() < 3 || (std::chrono::steady_clock::now() < budget && times.size() < 50));
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

double worst_residual(const Family& f, int batch, const std::vector<double>& x,
                      const std::vector<double>& z, const std::vector<double>& s) {
  const auto& sp = f.spec;
  const size_t np = sp.P_rowval.size(), na = sp.A_rowval.size();
  double worst = 0.0;
  for (int k = 0; k < batch; ++k) {
    std::vector<double> rp(sp.m), rd(sp.n);
    const double *xk = &x[k * sp.n], *zk = &z[k * sp.m], *sk = &s[k * sp.m];
    for (int i = 0; i < sp.m; ++i) rp[i] = sk[i] - f.b[k * sp.m + i];
    for (int j = 0; j < sp.n; ++j) rd[j] = f.c[k * sp.n + j];
    for (int j = 0; j < sp.n; ++j) {
      for (int p = sp.A_colptr[j]; p < sp.A_colptr[j + 1]; ++p) {
        rp[sp.A_rowval[p]] += f.A[k * na + p] * xk[j];
        rd[j] += f.A[k * na + p] * zk[sp.A_rowval[p]];
      }
      for (int p = sp.P_colptr[j]; p < sp.P_colptr[j + 1]; ++p) {
        const int i = sp.P_rowval[p];
        rd[i] += f.P[k * np + p] * xk[j];
        if (i != j) rd[j] += f.P[k * np + p] * xk[i];
      }
    }
    double a = 0, b = 0, nx = 0;
    for (double v : rp) a = std::max(a, std::abs(v));
    for (double v : rd) b = std::max(b, std::abs(v));
    for (int j = 0; j < sp.n; ++j) nx = std::max(nx, std::abs(xk[j]));
    worst = std::max(worst, std::max(a, b) / std::max(1.0, nx));
  }
  return worst;
}

// The first `batch` value sets of a family, one per problem.
batchcone::BatchData dense_data(const Family& f, int batch) {
  return {batch,      f.P.data(),        batchcone::kDense, f.c.data(),       batchcone::kDense,
          f.A.data(), batchcone::kDense, f.b.data(),        batchcone::kDense};
}

// Output arrays for a batch, and the BatchSolution over them.
struct Outputs {
  std::vector<double> x, z, s, obj;
  std::vector<std::int32_t> status, iters;
  Outputs(const batchcone::Structure& st, int batch)
      : x(batch * st.n()), z(batch * st.m()), s(batch * st.m()), obj(batch), status(batch),
        iters(batch) {}
  batchcone::BatchSolution view() {
    return {x.data(), z.data(), s.data(), status.data(), iters.data(), obj.data()};
  }
};

Family make_any_family(const std::string& kind, int n, int m, double density, int batch) {
  return kind == "exp" ? make_logistic_family(n, m, batch) : make_family(kind, n, m, density, batch);
}

Row run(const Family& f, const batchcone::Structure& st, int batch,
        const batchcone::Settings& settings = batchcone::Settings{}) {
  Outputs out(st, batch);
  const batchcone::BatchData d = dense_data(f, batch);
  const batchcone::BatchSolution o = out.view();
  std::vector<char> ws(batchcone::cpu_workspace_bytes(st, batch) + 64);
  void* aligned =
      reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(ws.data()) + 63) & ~63ULL);
  const double fwd =
      median_seconds([&] { batchcone::cpu_solve(st, settings, d, o, aligned, ws.size() - 64); });
  // Backward: one VJP per problem with cotangent x̄ = 1 (the gradient of Σ x).
  const std::vector<double> xbar(out.x.size(), 1.0);
  std::vector<double> gP(f.P.size()), gc(f.c.size()), gA(f.A.size()), gb(f.b.size());
  const double bwd = median_seconds([&] {
    batchcone::cpu_vjp(st, settings, d, {out.x.data(), out.z.data(), out.s.data(), out.status.data()},
                       {xbar.data(), nullptr, nullptr}, {gP.data(), gc.data(), gA.data(), gb.data()},
                       aligned, ws.size() - 64);
  });
  Row r{};
  r.per_second = batch / fwd;
  r.per_second_fb = batch / (fwd + bwd);
  r.bwd_over_fwd = bwd / fwd;
  for (int k = 0; k < batch; ++k) {
    r.mean_iter += out.iters[k] / static_cast<double>(batch);
    r.solved += out.status[k] == static_cast<std::int32_t>(batchcone::Status::Solved);
  }
  r.worst_res = worst_residual(f, batch, out.x, out.z, out.s);
  return r;
}

void table(const std::string& kind, int n, int m, double density, const std::vector<int>& batches) {
  const int bmax = *std::max_element(batches.begin(), batches.end());
  const Family f = make_any_family(kind, n, m, density, bmax);
  const batchcone::Structure st = batchcone::make_structure(f.spec);
  for (int batch : batches) {
    const Row r = run(f, st, batch);
    std::printf(
        "| %-4s | %4d | %4d | %5.2f | %5d | %10.1f | %10.1f | %7.2f | %6.2f | %9.1e | %5d/%-5d |\n",
        kind.c_str(), st.n(), st.m(), density, batch, r.per_second, r.per_second_fb, r.bwd_over_fwd,
        r.mean_iter, r.worst_res, r.solved, batch);
  }
}

// The cost of solution polishing (Settings::polish_enable): forward time without and with it,
// one thread, the two configurations alternating repeat by repeat so that the machine's drift
// affects both alike; medians, the extra forward time, and the worst residual of each.
void polish_table(const std::string& kind, int n, int m, double density, int batch) {
  const Family f = make_any_family(kind, n, m, density, batch);
  const batchcone::Structure st = batchcone::make_structure(f.spec);
  Outputs out(st, batch);
  const batchcone::BatchData d = dense_data(f, batch);
  const batchcone::BatchSolution o = out.view();
  batchcone::Settings cfg[2];
  cfg[0].polish_enable = false;
  cfg[0].num_threads = cfg[1].num_threads = 1;
  std::vector<double> times[2];
  double res[2] = {0.0, 0.0};
  const auto budget = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  for (int rep = 0; rep < 3 || (rep < 40 && std::chrono::steady_clock::now() < budget); ++rep)
    for (int k = 0; k < 2; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      batchcone::cpu_solve(st, cfg[k], d, o);
      times[k].push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      res[k] = worst_residual(f, batch, out.x, out.z, out.s);
    }
  double med[2];
  for (int k = 0; k < 2; ++k) {
    std::nth_element(times[k].begin(), times[k].begin() + times[k].size() / 2, times[k].end());
    med[k] = times[k][times[k].size() / 2];
  }
  std::printf("| %-4s | %4d | %4d | %5d | %10.1f | %10.1f | %+9.1f%% | %9.1e | %9.1e |\n",
              kind.c_str(), st.n(), st.m(), batch, batch / med[0], batch / med[1],
              100.0 * (med[1] / med[0] - 1.0), res[0], res[1]);
}

void polish_tables() {
  std::printf(
      "\nSolution polishing: forward problems/s on one thread without and with it (alternating\n"
      "repeats, medians), the extra forward time, the worst relative residual of each\n\n");
  std::printf(
      "| kind |    n |    m | batch | no polish  |  polish    | extra time | res (off) | res (on)  "
      "|\n");
  std::printf(
      "|------|------|------|-------|------------|------------|------------|-----------|-----------"
      "|\n");
  polish_table("qp", 20, 40, 0.2, 256);
  polish_table("qp", 100, 200, 0.05, 64);
  polish_table("qp", 100, 100, 1.0, 16);  // dense, as the rivals' OptNet-style QP
  polish_table("lp", 50, 100, 0.1, 256);
  polish_table("socp", 50, 100, 0.1, 256);
  polish_table("sdp", 20, 45, 0.3, 256);
  polish_table("exp", 10, 30, 1.0, 256);
}

// One forward solve and one VJP (x̄ = 1) of `batch` problems on one thread.
void once(const std::string& kind, int n, int m, double density, int batch) {
  const Family f = make_any_family(kind, n, m, density, batch);
  const batchcone::Structure st = batchcone::make_structure(f.spec);
  batchcone::Settings settings;
  settings.num_threads = 1;
  Outputs out(st, batch);
  const batchcone::BatchData d = dense_data(f, batch);
  batchcone::cpu_solve(st, settings, d, out.view());
  const std::vector<double> xbar(out.x.size(), 1.0);
  std::vector<double> gP(f.P.size()), gc(f.c.size()), gA(f.A.size()), gb(f.b.size());
  batchcone::cpu_vjp(st, settings, d, {out.x.data(), out.z.data(), out.s.data(), out.status.data()},
                     {xbar.data(), nullptr, nullptr}, {gP.data(), gc.data(), gA.data(), gb.data()});
  double iters = 0.0;
  for (int k = 0; k < batch; ++k) iters += out.iters[k];
  std::printf("%s n=%d m=%d B=%d: mean iterations %.2f, worst residual %.1e\n", kind.c_str(),
              st.n(), st.m(), batch, iters / batch, worst_residual(f, batch, out.x, out.z, out.s));
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("batchcone CPU benchmark: %u hardware threads, all used; times are medians\n",
              std::thread::hardware_concurrency());
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "--once" && argc == 7) {
    once(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atof(argv[5]), std::atoi(argv[6]));
    return 0;
  }
  if (mode == "--polish") {
    polish_tables();
    return 0;
  }
  std::printf("\n");
  std::printf(
      "| kind |    n |    m | dens. | batch |  fwd /s    |  fwd+bwd/s | bwd/fwd | iters  | worst "
      "res | solved      |\n");
  std::printf(
      "|------|------|------|-------|-------|------------|------------|---------|--------|---------"
      "--|-------------|\n");
  if (mode == "--quick") {
    table("qp", 20, 40, 0.2, {1, 16});
    table("lp", 20, 30, 0.2, {16});
    table("socp", 20, 40, 0.2, {16});
    table("sdp", 10, 15, 0.3, {16});
    table("exp", 5, 10, 1.0, {16});
  } else if (argc >= 6) {
    std::vector<int> batches;
    for (int i = 5; i < argc; ++i) batches.push_back(std::atoi(argv[i]));
    table(argv[1], std::atoi(argv[2]), std::atoi(argv[3]), std::atof(argv[4]), batches);
  } else {
    table("qp", 20, 40, 0.2, {1, 64, 1024});
    table("qp", 100, 200, 0.05, {1, 64, 1024});
    table("lp", 50, 100, 0.1, {1, 64, 1024});
    table("socp", 50, 100, 0.1, {1, 64, 1024});
    table("sdp", 20, 45, 0.3, {1, 64, 1024});  // one 9×9 PSD cone
    table("exp", 10, 30, 1.0, {1, 64, 1024});  // logistic regression: 10 features, 30 samples
    polish_tables();
  }
  return 0;
}
