// SPDX-License-Identifier: Apache-2.0
// Tuning knobs of the CUDA backend, in one place.
#pragma once

namespace batchcone::backend::cuda {

struct LaunchPolicy {
  // One thread per problem; problems of a block run in lockstep over the shared schedule.
  static constexpr int kThreadsPerBlock = 128;
  // Per-problem statuses are counted on the device and read back every this many iterations
  // (one stream synchronization each); finished problems are masked in between.
  static constexpr int kStatusReadbackEvery = 4;
};

}  // namespace batchcone::backend::cuda
