// SPDX-License-Identifier: Apache-2.0
// Goldfarb and Idnani's dual active-set method for a dense, strictly convex QP
//
//   minimize ½uᵀHu + gᵀu   subject to  C u ≤ d      (H ≻ 0, n variables, m rows).
//
// It starts at the unconstrained minimizer −H⁻¹g and adds violated constraints one at a time,
// dropping those whose multipliers would turn negative, so every iterate is dual feasible and the
// first primal feasible one is optimal (exact up to rounding, with exact complementarity).
//
// The basis: with H = LLᵀ and N the active rows of C (as columns), the method keeps J = L⁻ᵀQ and
// an upper triangular R with JᵀN = [R; 0]. J's columns past the q active ones span the moves
// that keep every active constraint unchanged, in H's metric: a step towards constraint p moves
// u along −J₂J₂ᵀcₚ, and the active multipliers change by R⁻¹J₁ᵀcₚ per unit of p's. Adding or
// dropping a constraint re-triangularizes by Givens rotations that J's columns follow. Each step
// costs O(n² + mn); a small QP needs about as many steps as it has active constraints.
#pragma once

#include <cstddef>

namespace batchcone::backend::cpu {

// Scratch for problems of at most n variables (carved from the CPU workspace).
struct DualActiveSetArrays {
  double *J0, *J, *R;              // n×n, column-major
  double *u, *d, *dir, *r, *mult;  // n
  int* active;                     // n: the active rows, in R's column order
  unsigned char* is_active;        // m
  static std::size_t doubles(int n, int m);
  static DualActiveSetArrays carve(double*& at, int n, int m);
};

class DualActiveSet {
 public:
  explicit DualActiveSet(const DualActiveSetArrays& w) : w_(w) {}

  // Factors H (n×n, column-major, symmetric) into the starting basis J0 = L⁻ᵀ; false unless H
  // is numerically positive definite.
  bool factor(int n, const double* H);

  // Solves with the last factored H: C is m×n row-major with row norms `norm`. False when it
  // finds no solution within max_steps (infeasible constraints, or cycling).
  bool solve(const double* g, int m, const double* C, const double* norm, const double* d,
             int max_steps);

  // J0 = L⁻ᵀ for the last factored H = LLᵀ (upper triangular, column-major): H⁻¹ = J0·J0ᵀ.
  const double* inverse_factor() const { return w_.J0; }
  const double* u() const { return w_.u; }
  int active_count() const { return q_; }
  int active(int j) const { return w_.active[j]; }
  double multiplier(int j) const { return w_.mult[j]; }
  int steps() const { return steps_; }

 private:
  int pick() const;
  int step_towards(int p, double& mult_p);
  void add(int p, double mult_p);
  void remove(int j);
  double slack(int i) const;

  DualActiveSetArrays w_;
  int n_ = 0, m_ = 0, q_ = 0, steps_ = 0;
  const double *C_ = nullptr, *norm_ = nullptr, *d_ = nullptr;
};

}  // namespace batchcone::backend::cpu
