// SPDX-License-Identifier: Apache-2.0
#include "core/memory.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <stdexcept>

namespace batchcone::core {
namespace {

// The first number in a file (a cgroup knob), or -1 ("max", missing or unreadable).
long long read_number(const char* path) {
  std::ifstream f(path);
  long long v = -1;
  if (!(f >> v)) return -1;
  return v;
}

long long meminfo_available() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  long long kib = -1;
  std::string unit;
  while (f >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return -1;
}

long long cgroup_headroom() {
  long long limit = read_number("/sys/fs/cgroup/memory.max");
  long long used = read_number("/sys/fs/cgroup/memory.current");
  if (limit < 0 || used < 0) {
    limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  }
  if (limit < 0 || used < 0 || limit >= (1LL << 60)) return -1;  // none, or "unlimited"
  return std::max(0LL, limit - used);
}

// BATCHCONE_HOST_MEMORY_LIMIT, a cap in bytes on what one call may use (for sharing a machine,
// and for tests); -1 when unset.
long long configured_limit() {
  const char* text = std::getenv("BATCHCONE_HOST_MEMORY_LIMIT");
  if (text == nullptr || *text == '\0') return -1;
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (*end != '\0' || v <= 0)
    throw std::invalid_argument(std::string("batchcone: BATCHCONE_HOST_MEMORY_LIMIT = '") + text +
                                "' is not a positive number of bytes");
  return v;
}

// A size in the largest binary unit (up to GiB) that leaves it at least 1.
std::string size_string(double bytes) {
  const char* unit = "bytes";
  double v = bytes;
  for (const char* u : {"KiB", "MiB", "GiB"}) {
    if (v < 1024) break;
    v /= 1024, unit = u;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f %s", v, unit);
  return buf;
}

}  // namespace

std::size_t host_memory_available() {
  long long least = -1;
  for (const long long v : {meminfo_available(), cgroup_headroom(), configured_limit()})
    if (v >= 0 && (least < 0 || v < least)) least = v;
  return least < 0 ? 0 : static_cast<std::size_t>(std::max(least, 1LL));  // (0 means unknown)
}

std::string memory_message(const char* what, double need, std::size_t available, long batch,
                           const char* kind) {
  std::ostringstream os;
  os << "batchcone: out of memory: " << what << " for " << batch << " problems needs "
     << size_string(need) << " of " << kind << " memory, but "
     << size_string(static_cast<double>(available)) << " is available";
  if (batch > 0 && need > 0) {
    const double per_problem = need / static_cast<double>(batch);
    const long fits = static_cast<long>(0.9 * static_cast<double>(available) / per_problem);
    os << "; split the batch into pieces of at most " << std::max(fits, 1L) << " problems (about "
       << size_string(per_problem) << " each)";
  }
  return os.str();
}

void check_memory(const char* what, double need, std::size_t available, long batch,
                  const char* kind) {
  if (available == 0 || need <= 0.9 * static_cast<double>(available)) return;
  throw OutOfMemory(memory_message(what, need, available, batch, kind));
}

double* allocate_host(const char* what, std::size_t bytes, long batch) {
  check_memory(what, static_cast<double>(bytes), host_memory_available(), batch);
  try {
    return new double[(bytes + sizeof(double) - 1) / sizeof(double)];
  } catch (const std::bad_alloc&) {
    throw OutOfMemory(
        memory_message(what, static_cast<double>(bytes), host_memory_available(), batch, "host"));
  }
}

}  // namespace batchcone::core
