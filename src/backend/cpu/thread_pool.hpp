// SPDX-License-Identifier: Apache-2.0
// A process-wide pool of worker threads for the CPU backend. parallel_for may be called from
// several threads at once: each call is a job that the caller works on too and waits for.
#pragma once

#include <functional>

namespace batchcone::backend::cpu {

// Runs fn(i) for i in [0, count) on up to `threads` threads (0: all hardware threads),
// returning when all calls have returned. Exceptions escaping fn terminate the process:
// per-problem work reports failure through statuses, never by throwing.
void parallel_for(int count, int threads, const std::function<void(int)>& fn);

// The number of threads parallel_for(…, threads, …) may use: min(threads, pool + caller), or
// all of them for threads = 0.
int thread_count(int threads);

}  // namespace batchcone::backend::cpu
