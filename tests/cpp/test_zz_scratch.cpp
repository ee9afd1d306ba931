#include <gtest/gtest.h>
#include <cstdio>
#include <random>
#include "solve_util.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "kernels/cone_table.hpp"
namespace batchcone::testing {
TEST(Scratch, Soc1Drive) {
  std::mt19937 rng(1);
  std::normal_distribution<double> g;
  int calls = 0, wrong = 0, blocking_wrong = 0;
  for (int t = 0; t < 100; ++t) {
    int n = 3, m = 2 * n + 2;
    StructureSpec s; s.n = n; s.m = m; s.P_colptr.assign(n + 1, 0);
    s.A_colptr.push_back(0);
    std::vector<double> A, b(m), c(n);
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < m; ++i) { s.A_rowval.push_back(i); A.push_back(i == j ? 1.0 : i == n + j ? -1.0 : (i >= 2*n ? g(rng) : 0.0)); }
      s.A_colptr.push_back(s.A_rowval.size());
      c[j] = g(rng);
    }
    for (int i = 0; i < m; ++i) b[i] = 1.0 + std::abs(g(rng));
    for (int i = 0; i < m; ++i) s.cones.push_back({ConeKind::SOC, 1});
    Structure st = make_structure(s);
    Result r; r.x.resize(n); r.z.resize(m); r.s.resize(m); r.objective.resize(1); r.status.resize(1); r.iterations.resize(1);
    BatchData d{1, nullptr, 0, c.data(), 0, A.data(), 0, b.data(), 0};
    BatchSolution o{r.x.data(), r.z.data(), r.s.data(), r.status.data(), r.iterations.data(), r.objective.data()};
    std::vector<double> ws(cpu_workspace_bytes(st, 1) / 8 + 1);
    backend::cpu::CpuBackend be(st.symbolic(), Settings{}, d, o, ws.data());
    be.setup();
    while (be.check_termination() > 0) {
      be.scale_and_factor();
      auto S = be.state(0);
      std::vector<double> s0(S.s, S.s + m), z0(S.z, S.z + m);
      be.predictor_corrector();
      for (int i = 0; i < m; ++i) {
        for (int which = 0; which < 2; ++which) {
          double x = which ? s0[i] : z0[i], dx = which ? S.ds[i] : S.dz[i];
          double a1 = kernels::soc_step_length(1, &x, &dx, 1.0), a2 = kernels::nonneg_step_length(1, &x, &dx, 1.0);
          ++calls;
          if (std::abs(a1 - a2) > 1e-6 * a2) { ++wrong; } if (a2 < 1) { ++blocking_wrong; double A_ = dx*dx, B_ = 2*(x*dx), C_ = x*x; if (blocking_wrong < 15) printf("%.17g %.17g disc %g a1 %.17g a2 %.17g\n", x, dx, B_*B_-4*A_*C_, a1, a2); }
        }
      }
    }
    be.finalize();
  }
  printf("calls %d wrong %d root<1 %d\n", calls, wrong, blocking_wrong);
}
}
