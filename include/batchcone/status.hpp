// SPDX-License-Identifier: Apache-2.0
// Per-problem solve status. The numeric values are part of the ABI (they cross the XLA FFI).
#pragma once

#include <cstdint>

namespace batchcone {

enum class Status : std::int32_t {
  Unsolved = 0,
  Solved = 1,
  AlmostSolved = 2,
  PrimalInfeasible = 3,
  DualInfeasible = 4,
  AlmostPrimalInfeasible = 5,
  AlmostDualInfeasible = 6,
  MaxIterations = 7,
  NumericalError = 8,
  InsufficientProgress = 9,
  // Not solved: the problem's data hold a NaN or an infinity (Settings::nonfinite_as_status).
  InvalidInput = 10,
};

inline const char* to_string(Status s) {
  switch (s) {
    case Status::Unsolved:
      return "Unsolved";
    case Status::Solved:
      return "Solved";
    case Status::AlmostSolved:
      return "AlmostSolved";
    case Status::PrimalInfeasible:
      return "PrimalInfeasible";
    case Status::DualInfeasible:
      return "DualInfeasible";
    case Status::AlmostPrimalInfeasible:
      return "AlmostPrimalInfeasible";
    case Status::AlmostDualInfeasible:
      return "AlmostDualInfeasible";
    case Status::MaxIterations:
      return "MaxIterations";
    case Status::NumericalError:
      return "NumericalError";
    case Status::InsufficientProgress:
      return "InsufficientProgress";
    case Status::InvalidInput:
      return "InvalidInput";
  }
  return "Unknown";
}

}  // namespace batchcone
