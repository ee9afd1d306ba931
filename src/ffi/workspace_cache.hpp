// SPDX-License-Identifier: Apache-2.0
// The solver workspace of an FFI call, kept between calls. XLA calls the handlers again and again
// (from any thread of its pool); a fresh allocation of this size is mmapped and faults in page by
// page on every call, a few percent of a solve of many small problems. One buffer is kept for
// the whole process (at most kMaxCachedBytes); a call that finds it in use by a concurrent call
// allocates its own.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

#include "core/memory.hpp"

namespace batchcone::ffi_support {

constexpr std::size_t kMaxCachedBytes = std::size_t{512} << 20;

class WorkspaceCache {
 public:
  // run(workspace, bytes) with a workspace of at least `bytes` bytes; `batch` (the call's
  // problems) is for the message when the memory is not there (core/memory.hpp).
  template <class Run>
  static void with(std::size_t bytes, long batch, Run&& run) {
    WorkspaceCache& c = instance();
    std::unique_lock<std::mutex> lk(c.mu_);
    if (c.in_use_ || bytes > kMaxCachedBytes) {
      lk.unlock();
      std::unique_ptr<double[]> own(core::allocate_host("the solver workspace", bytes, batch));
      run(static_cast<void*>(own.get()), bytes);
      return;
    }
    if (bytes > c.bytes_) {  // (emptied first: a failed allocation leaves no stale size)
      c.buffer_.reset(), c.bytes_ = 0;
      c.buffer_.reset(core::allocate_host("the solver workspace", bytes, batch));
      c.bytes_ = bytes;
    }
    c.in_use_ = true;
    lk.unlock();
    struct Release {
      WorkspaceCache& c;
      ~Release() {
        std::lock_guard<std::mutex> g(c.mu_);
        c.in_use_ = false;
      }
    } release{c};
    run(static_cast<void*>(c.buffer_.get()), bytes);
  }

 private:
  static WorkspaceCache& instance() {
    static WorkspaceCache cache;
    return cache;
  }
  std::mutex mu_;
  std::unique_ptr<double[]> buffer_;
  std::size_t bytes_ = 0;
  bool in_use_ = false;
};

template <class Run>
void with_cached_workspace(std::size_t bytes, long batch, Run&& run) {
  WorkspaceCache::with(bytes, batch, run);
}

}  // namespace batchcone::ffi_support
