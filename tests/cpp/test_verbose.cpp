// SPDX-License-Identifier: Apache-2.0
// Settings::verbose on the CPU: one table row per iteration for a single problem (the first row
// is the starting point, the last the final iterate), one summary row per iteration for a batch,
// the final statuses; and the same solutions as a quiet solve (verbose only watches).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "solve_util.hpp"

namespace batchcone::testing {
namespace {

int count_lines_starting_with_digits(const std::string& text) {
  std::istringstream in(text);
  int rows = 0;
  for (std::string line; std::getline(in, line);) {
    const size_t first = line.find_first_not_of(' ');
    rows += first != std::string::npos && std::isdigit(static_cast<unsigned char>(line[first])) &&
            line.find("e") != std::string::npos;
  }
  return rows;
}

Result solve_printing(const Fixture& f, int batch, std::string& printed) {
  Settings loud;
  loud.verbose = true;
  const Structure st = make_structure(f.spec);
  ::testing::internal::CaptureStdout();
  Result r = solve_values(st, batch, f.P_vals.data(), 0, f.c.data(), 0, f.A_vals.data(), 0,
                          f.b.data(), 0, loud);
  printed = ::testing::internal::GetCapturedStdout();
  return r;
}

TEST(Verbose, OneProblemPrintsAnIterationTable) {
  const Fixture f = load_fixtures("socp").front();
  std::string printed;
  const Result r = solve_printing(f, 1, printed);
  EXPECT_NE(printed.find("pcost"), std::string::npos);
  EXPECT_NE(printed.find("status Solved after " + std::to_string(r.iterations[0]) + " iterations"),
            std::string::npos)
      << printed;
  EXPECT_EQ(count_lines_starting_with_digits(printed), r.iterations[0] + 1) << printed;
  const Result quiet = solve_fixture(f);
  EXPECT_EQ(quiet.x, r.x);
  EXPECT_EQ(quiet.iterations, r.iterations);
}

TEST(Verbose, BatchPrintsSummaryRowsAndStatusCounts) {
  const Fixture f = load_fixtures("exp").front();
  std::string printed;
  const Result r = solve_printing(f, 5, printed);
  EXPECT_NE(printed.find("worst gap"), std::string::npos);
  EXPECT_NE(printed.find("statuses: Solved 5"), std::string::npos) << printed;
  // One row per iteration while problems are active (the last row, all finished, has no numbers).
  EXPECT_EQ(count_lines_starting_with_digits(printed), r.iterations[0]) << printed;
  const Result quiet = solve_values(make_structure(f.spec), 5, f.P_vals.data(), 0, f.c.data(), 0,
                                    f.A_vals.data(), 0, f.b.data(), 0);
  EXPECT_EQ(quiet.x, r.x);
}

}  // namespace
}  // namespace batchcone::testing
