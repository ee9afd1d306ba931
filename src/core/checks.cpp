// SPDX-License-Identifier: Apache-2.0
#include "core/checks.hpp"

#include <cmath>
#include <stdexcept>

namespace batchcone::core {

void fail(const std::string& msg) { throw std::invalid_argument("batchcone: " + msg); }

int check_input_layout(const char* name, const double* p, long stride, int len, int batch,
                       bool nullable) {
  if (len == 0 || batch == 0 || (nullable && p == nullptr)) return 0;
  if (p == nullptr) fail(std::string(name) + " is null");
  if (stride != kDense && stride < 0)
    fail(std::string(name) + " stride " + std::to_string(stride) + " is negative");
  return stride == 0 ? 1 : batch;
}

void fail_nonfinite(const char* name, long flat, int len, double value) {
  fail(std::string(name) + "[" + std::to_string(flat % len) + "] of problem " +
       std::to_string(flat / len) + " is " + (std::isnan(value) ? "NaN" : "infinite"));
}

long first_nonfinite(const double* p, long stride, int len, int distinct) {
  for (int k = 0; k < distinct; ++k)
    for (int i = 0; i < len; ++i)
      if (!std::isfinite(p[k * stride + i])) return static_cast<long>(k) * len + i;
  return -1;
}

void check_input(const char* name, const double* p, long stride, int len, int batch,
                 bool nullable) {
  const int distinct = check_input_layout(name, p, stride, len, batch, nullable);
  const long st = stride == kDense ? len : stride;
  const long bad = first_nonfinite(p, st, len, distinct);
  if (bad >= 0) fail_nonfinite(name, bad, len, p[(bad / len) * st + bad % len]);
}

void check_input_rows(const char* name, const double* p, long stride, int len, int rows,
                      const std::vector<char>& only, bool nullable) {
  const int distinct = check_input_layout(name, p, stride, len, rows, nullable);
  if (distinct == 0 || only.empty()) return;
  const long st = stride == kDense ? len : stride;
  for (int r = 0; r < distinct; ++r) {
    if (distinct > 1 && !only[r % only.size()]) continue;
    const long bad = first_nonfinite(p + r * st, st, len, 1);
    if (bad >= 0) fail_nonfinite(name, static_cast<long>(r) * len + bad, len, p[r * st + bad]);
  }
}

void check_data(const Structure& s, const BatchData& d) {
  check_operands(s, d, [](auto... operand) { check_input(operand...); });
}

void check_data_layout(const Structure& s, const BatchData& d) {
  check_operands(s, d, [](auto... operand) { check_input_layout(operand...); });
}

void check_outputs(const Structure& s, int batch, const BatchSolution& o) {
  if (batch > 0 &&
      (o.status == nullptr || o.iterations == nullptr || o.objective == nullptr ||
       (s.n() > 0 && o.x == nullptr) || (s.m() > 0 && (o.z == nullptr || o.s == nullptr))))
    fail("an output pointer (x, z, s, status, iterations or objective) is null");
}

void check_workspace(const void* workspace, std::size_t bytes, std::size_t need,
                     const char* query) {
  if (workspace == nullptr || bytes < need)
    fail("workspace of " + std::to_string(bytes) + " bytes is too small: " + std::to_string(need) +
         " needed (" + query + ")");
}

}  // namespace batchcone::core
