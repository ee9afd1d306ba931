// SPDX-License-Identifier: Apache-2.0
// Up-front memory checks: a call that would need more memory than is available fails before it
// allocates anything, with the sizes and the batch size that would fit, rather than with a bare
// std::bad_alloc or an out-of-memory kill halfway through.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace batchcone::core {

// The error of a call that needs more memory than there is (FFI: RESOURCE_EXHAUSTED).
class OutOfMemory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bytes the process can still allocate on the host: the least of MemAvailable (/proc/meminfo),
// the cgroup's limit less its usage (v2, else v1) and BATCHCONE_HOST_MEMORY_LIMIT (bytes, when
// set); 0 when none is known.
std::size_t host_memory_available();

// Throws OutOfMemory when `need` bytes for `batch` problems exceed `available` (0:
// unknown, no check): the message gives both sizes, what the memory is for (`what`) and the
// largest batch that fits in 90% of what is available.
// `need` is a double so that an estimate past 2^64 bytes still compares (and fails) correctly.
void check_memory(const char* what, double need, std::size_t available, long batch,
                  const char* kind = "host");

// The message of check_memory, for callers that learn of the shortage from a failed allocation.
std::string memory_message(const char* what, double need, std::size_t available, long batch,
                           const char* kind);

// new double[] for `bytes` bytes after check_memory against the host; a std::bad_alloc
// becomes the same message.
double* allocate_host(const char* what, std::size_t bytes, long batch);

}  // namespace batchcone::core
