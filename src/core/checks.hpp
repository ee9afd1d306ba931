// SPDX-License-Identifier: Apache-2.0
// Argument checks shared by the public entry points; each throws std::invalid_argument with a
// message that names the fault.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "batchcone/diff.hpp"
#include "batchcone/solver.hpp"

namespace batchcone::core {

[[noreturn]] void fail(const std::string& msg);

// One input of the batch: pointer, stride and finite values ("c[3] of problem 7 is NaN").
void check_input(const char* name, const double* p, long stride, int len, int batch,
                 bool nullable = false);
void check_data(const Structure& s, const BatchData& d);
// check_input for `rows` rows of which only row r with only[r mod only.size()] set has its
// values checked (the derivative calls' differentiable problems); a shared input (stride 0) is
// always checked.
void check_input_rows(const char* name, const double* p, long stride, int len, int rows,
                      const std::vector<char>& only, bool nullable = false);
// The batch size, then check(name, pointer, stride, row length, batch) for each data operand.
template <class Check>
void check_operands(const Structure& s, const BatchData& d, Check check) {
  if (d.batch < 0) fail("batch size " + std::to_string(d.batch) + " is negative");
  check("P_vals", d.P_vals, d.P_stride, s.nnz_P(), d.batch);
  check("c", d.c, d.c_stride, s.n(), d.batch);
  check("A_vals", d.A_vals, d.A_stride, s.nnz_A(), d.batch);
  check("b", d.b, d.b_stride, s.m(), d.batch);
}
// check_data without the finite-value checks (batch size, pointers, strides).
void check_data_layout(const Structure& s, const BatchData& d);

// check_input in two halves, for values the host cannot read (device memory): the pointer and
// stride checks, returning how many problems hold distinct values (0: none to read), and the
// message for the non-finite `value` at flat index k·len + i of those.
int check_input_layout(const char* name, const double* p, long stride, int len, int batch,
                       bool nullable = false);
[[noreturn]] void fail_nonfinite(const char* name, long flat, int len, double value);
// The flat index k·len + i of the first non-finite p[k·stride + i], k < distinct, or −1.
long first_nonfinite(const double* p, long stride, int len, int distinct);
void check_outputs(const Structure& s, int batch, const BatchSolution& o);
void check_workspace(const void* workspace, std::size_t bytes, std::size_t need, const char* query);

}  // namespace batchcone::core
