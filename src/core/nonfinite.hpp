// SPDX-License-Identifier: Apache-2.0
// Settings::nonfinite_as_status on the CPU: the problems whose data hold a NaN or an infinity
// are found before the solve and given the data of a finite problem of the batch (so that every
// solver path runs unchanged, at the cost of a typical problem), then their outputs are replaced
// by kernels/ipm/invalid_input.hpp's once the batch is solved.
#pragma once

#include <vector>

#include "batchcone/solver.hpp"

namespace batchcone::core {

class NonfiniteScreen {
 public:
  // Scans `data` (whose layout check_data_layout passed).
  NonfiniteScreen(const Structure& st, const BatchData& data);

  bool any_invalid() const { return invalid_count_ > 0; }
  bool all_invalid() const { return invalid_count_ == batch_; }
  // The data to solve: `data` itself, or copies in which invalid problems hold finite data.
  const BatchData& data() const { return data_; }
  // Writes Status::InvalidInput and NaN outputs for every invalid problem.
  void mark_invalid(const BatchSolution& out) const;

 private:
  const Structure& st_;
  int batch_;
  int invalid_count_ = 0;
  std::vector<char> invalid_;
  BatchData data_;
  std::vector<double> copies_[4];
};

}  // namespace batchcone::core
