// SPDX-License-Identifier: Apache-2.0
// Solver settings. Defaults are Clarabel's (v0.11). One Settings applies to the whole batch.
#pragma once

namespace batchcone {

// How problems whose cones are all Zero and NonNeg, with a quadratic objective, are solved on
// the CPU (GPU and verbose solves always use the interior point):
//   Auto           a dense dual active-set method where its flop estimate beats the interior
//                  point's (small dense QPs), else the interior point;
//   InteriorPoint  always the interior point;
//   ActiveSet      the active-set method whenever the cones allow (n ≤ 512).
// The active-set method returns the exact optimum of the active set it finds (complementarity
// holds exactly, as after polishing). Problems it cannot solve to the tolerances (infeasible,
// P not positive definite on the equality constraints' null space, degenerate cycling) are
// solved by the interior point instead, so statuses and certificates are the interior point's.
enum class QpMethod : int { Auto = 0, InteriorPoint = 1, ActiveSet = 2 };

struct Settings {
  int max_iter = 200;
  double max_step_fraction = 0.99;
  // Full-accuracy termination (status Solved / PrimalInfeasible / DualInfeasible).
  double tol_gap_abs = 1e-8;
  double tol_gap_rel = 1e-8;
  double tol_feas = 1e-8;
  double tol_infeas_abs = 1e-8;
  double tol_infeas_rel = 1e-8;
  double tol_ktratio = 1e-6;
  // Reduced accuracy, tried after MaxIterations, NumericalError or InsufficientProgress
  // (status AlmostSolved / AlmostPrimalInfeasible / AlmostDualInfeasible).
  double reduced_tol_gap_abs = 5e-5;
  double reduced_tol_gap_rel = 5e-5;
  double reduced_tol_feas = 1e-4;
  double reduced_tol_infeas_abs = 5e-12;
  double reduced_tol_infeas_rel = 5e-5;
  double reduced_tol_ktratio = 1e-4;
  // Ruiz equilibration of [P Aᵀ; A 0].
  bool equilibrate_enable = true;
  int equilibrate_max_iter = 10;
  double equilibrate_min_scaling = 1e-4;
  double equilibrate_max_scaling = 1e4;
  double min_terminate_step_length = 1e-4;
  // Exponential and power cones: a combined step shorter than this switches from primal–dual
  // to dual scaling; step lengths are found by backtracking with this factor.
  double min_switch_step_length = 0.1;
  double linesearch_backtrack_step = 0.8;
  // KKT regularization: ε = constant + proportional·max|diag K|, and pivot replacement.
  bool static_regularization_enable = true;
  double static_regularization_constant = 1e-8;
  double static_regularization_proportional = 4.930380657631324e-32;  // machine ε²
  bool dynamic_regularization_enable = true;
  double dynamic_regularization_eps = 1e-13;
  double dynamic_regularization_delta = 2e-7;
  // Iterative refinement against the unregularized KKT matrix.
  bool iterative_refinement_enable = true;
  double iterative_refinement_reltol = 1e-13;
  double iterative_refinement_abstol = 1e-12;
  int iterative_refinement_max_iter = 10;
  double iterative_refinement_stop_ratio = 5.0;
  // Solution polishing after a Solved or AlmostSolved interior-point solve: at most
  // polish_max_iter Newton steps on the optimality conditions with exact complementarity
  // (kernels/ipm/polish.hpp); the result is kept only where it is more accurate.
  bool polish_enable = true;
  int polish_max_iter = 3;
  QpMethod qp_method = QpMethod::Auto;
  // CPU solves: print an iteration table (one problem) or a per-iteration batch summary.
  bool verbose = false;
  // CPU backend: worker threads (0: one per hardware thread).
  int num_threads = 0;
  // Data holding a NaN or an infinity. false: the call throws std::invalid_argument naming the
  // first such entry, and solves nothing. true: each problem with such an entry gets
  // Status::InvalidInput, zero iterations and NaN x, z, s, objective; the others are solved.
  // (Derivative calls skip problems that are not Solved or AlmostSolved either way.)
  bool nonfinite_as_status = false;
};

// Throws std::invalid_argument naming the first setting that is out of range.
void validate(const Settings& settings);

}  // namespace batchcone
