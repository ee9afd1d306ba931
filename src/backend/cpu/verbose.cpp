// SPDX-License-Identifier: Apache-2.0
#include "verbose.hpp"

#include <algorithm>
#include <cstdio>

#include "kernels/ipm/info.hpp"

namespace batchcone::backend::cpu {
namespace {

const char* kRule =
    "------------------------------------------------------------------------------------------";

}  // namespace

VerboseMonitor::VerboseMonitor(const detail::Symbolic& sym, const Settings& settings,
                               const BatchSolution& out, int batch)
    : out_(out), batch_(batch), start_(std::chrono::steady_clock::now()) {
  header(sym, settings);
}

void VerboseMonitor::header(const detail::Symbolic& sym, const Settings& s) const {
  const StructureSpec& sp = sym.spec;
  int count[6] = {0, 0, 0, 0, 0, 0};
  for (const Cone& c : sp.cones) ++count[static_cast<int>(c.kind)];
  std::printf("%s\n  batchcone interior-point solver: %d problem%s\n%s\n", kRule, batch_,
              batch_ == 1 ? "" : "s", kRule);
  std::printf("  n = %d, m = %d, nnz(P) = %zu, nnz(A) = %zu\n", sp.n, sp.m, sp.P_rowval.size(),
              sp.A_rowval.size());
  std::printf("  cones: zero %d, nonneg %d, soc %d, psd %d, exp %d, pow %d\n", count[0], count[1],
              count[2], count[3], count[4], count[5]);
  std::printf("  tol_gap_abs %.1e, tol_gap_rel %.1e, tol_feas %.1e, max_iter %d, polish %s\n\n",
              s.tol_gap_abs, s.tol_gap_rel, s.tol_feas, s.max_iter, s.polish_enable ? "on" : "off");
  if (batch_ == 1)
    std::printf(
        "iter    pcost         dcost        gap       pres      dres      k/t       mu        "
        "step\n");
  else
    std::printf(
        "iter  active  finished  worst gap  worst pres  worst dres   (over the active problems)\n");
  std::printf("%s\n", kRule);
}

void VerboseMonitor::problem_row(const kernels::Scalars& sc) const {
  char step[16] = "   ------";
  if (rows_ > 0) std::snprintf(step, sizeof step, "%9.2e", sc.alpha);
  std::printf("%3d  %+.5e  %+.5e  %8.2e  %8.2e  %8.2e  %8.2e  %8.2e  %s\n", sc.iterations,
              sc.cost_p, sc.cost_d, kernels::gap_measure(sc), sc.res_p, sc.res_d, sc.ktratio, sc.mu,
              step);
}

void VerboseMonitor::batch_row(const CpuBackend& be, int active) const {
  double gap = 0.0, pres = 0.0, dres = 0.0;
  for (int k = 0; k < batch_; ++k) {
    const kernels::Scalars& sc = *be.state(k).sc;
    if (sc.status != Status::Unsolved) continue;
    gap = std::max(gap, kernels::gap_measure(sc)), pres = std::max(pres, sc.res_p),
    dres = std::max(dres, sc.res_d);
  }
  if (active == 0) {
    std::printf("%4d  %6d  %8d  %9s  %10s  %10s\n", rows_, 0, batch_, "-", "-", "-");
    return;
  }
  std::printf("%4d  %6d  %8d  %9.2e  %10.2e  %10.2e\n", rows_, active, batch_ - active, gap, pres,
              dres);
}

void VerboseMonitor::iteration(const CpuBackend& be, int active) {
  if (batch_ == 1)
    problem_row(*be.state(0).sc);
  else
    batch_row(be, active);
  ++rows_;
  std::fflush(stdout);
}

void VerboseMonitor::done(const CpuBackend& be) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::printf("%s\n", kRule);
  if (batch_ == 1) {
    const kernels::Scalars& sc = *be.state(0).sc;
    std::printf("status %s after %d iterations, objective %+.10e\n",
                to_string(static_cast<Status>(out_.status[0])), out_.iterations[0],
                out_.objective[0]);
    std::printf("%s: gap %.2e, pres %.2e, dres %.2e\n",
                sc.polished ? "polished solution" : "interior-point solution (not polished)",
                kernels::gap_measure(sc), sc.res_p, sc.res_d);
  } else {
    int count[10] = {}, iters = 0, polished = 0;
    for (int k = 0; k < batch_; ++k)
      ++count[out_.status[k]], iters += out_.iterations[k], polished += be.state(k).sc->polished;
    std::printf("statuses:");
    for (int s = 1; s < 10; ++s)
      if (count[s] > 0) std::printf(" %s %d", to_string(static_cast<Status>(s)), count[s]);
    std::printf("; mean iterations %.2f; polished %d\n", static_cast<double>(iters) / batch_,
                polished);
  }
  std::printf("solve time %.3e s\n%s\n", seconds, kRule);
  std::fflush(stdout);
}

}  // namespace batchcone::backend::cpu
