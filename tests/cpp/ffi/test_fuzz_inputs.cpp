// SPDX-License-Identifier: Apache-2.0
// Drives the fuzz target (fuzz_target.cpp) with random inputs: random bytes, and the same bytes
// with the first byte fixed so that both branches (settings, structures) get their share. In the
// ASan + UBSan build (make test-asan) an out-of-bounds read, an overflow or a crash fails here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "fuzz_target.hpp"

TEST(FuzzInputs, RandomInputsEndInSuccessOrAnError) {
  std::mt19937_64 rng(20261206);
  std::uniform_int_distribution<int> byte(0, 255), length(0, 400);
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<std::uint8_t> input(length(rng));
    for (auto& b : input) b = static_cast<std::uint8_t>(byte(rng));
    if (!input.empty()) input[0] = static_cast<std::uint8_t>(trial % 4);
    ASSERT_EQ(LLVMFuzzerTestOneInput(input.data(), input.size()), 0);
  }
  // The inputs reach past validation: structures register, solves run and return, settings
  // decode (else the harness would test only the first checks).
  std::printf("registered %ld, solves %ld, solved %ld, settings %ld\n", fuzz_reach.registered,
              fuzz_reach.solves, fuzz_reach.solved, fuzz_reach.settings_decoded);
  EXPECT_GT(fuzz_reach.registered, 4000);
  EXPECT_GT(fuzz_reach.solved, 1500);
  EXPECT_GT(fuzz_reach.settings_decoded, 1500);
}

TEST(FuzzInputs, EmptyAndTinyInputs) {
  for (std::size_t size = 0; size < 16; ++size) {
    const std::vector<std::uint8_t> zeros(size, 0), ones(size, 0xff);
    EXPECT_EQ(LLVMFuzzerTestOneInput(zeros.data(), size), 0);
    EXPECT_EQ(LLVMFuzzerTestOneInput(ones.data(), size), 0);
  }
}
