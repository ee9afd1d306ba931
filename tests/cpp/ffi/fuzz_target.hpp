// SPDX-License-Identifier: Apache-2.0
// The fuzz target's entry point (fuzz_target.cpp) and counts of how far its inputs got.
#pragma once

#include <cstddef>
#include <cstdint>

struct FuzzReach {
  long registered = 0;        // structures the C API accepted
  long solves = 0;            // solves started on them
  long solved = 0;            // ... that returned (the others threw: NaN data, say)
  long settings_decoded = 0;  // settings arrays accepted
};
extern FuzzReach fuzz_reach;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
