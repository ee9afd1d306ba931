// SPDX-License-Identifier: Apache-2.0
#include "thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "float_mode.hpp"

namespace batchcone::backend::cpu {
namespace {

struct Job {
  const std::function<void(int)>* fn;
  int count;
  int max_helpers;           // workers allowed to join besides the caller
  std::atomic<int> next{0};  // next index to claim
  int helpers = 0;           // workers currently inside the job (guarded by the pool mutex)
  int finished = 0;          // indices done (guarded by the pool mutex)
  unsigned float_mode = 0;   // the caller's (float_mode.hpp), which helpers work in
};

class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }
  int workers() const { return static_cast<int>(threads_.size()); }

  void run(Job& job) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.push_back(&job);
    }
    work_cv_.notify_all();
    const int mine = work_on(job);
    std::unique_lock<std::mutex> lk(mu_);
    job.finished += mine;
    remove(job);
    done_cv_.wait(lk, [&] { return job.finished == job.count && job.helpers == 0; });
  }

 private:
  Pool() {
    const int hw = std::max(1u, std::thread::hardware_concurrency());
    for (int t = 0; t + 1 < hw; ++t) threads_.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  static int work_on(Job& job) {
    int done = 0;
    for (int i = job.next++; i < job.count; i = job.next++, ++done) (*job.fn)(i);
    return done;
  }

  void remove(Job& job) {  // caller holds mu_
    auto it = std::find(queue_.begin(), queue_.end(), &job);
    if (it != queue_.end()) queue_.erase(it);
  }

  void loop() {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      work_cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      Job& job = *queue_.front();
      if (++job.helpers >= job.max_helpers || job.next.load() >= job.count) remove(job);
      lk.unlock();
      int mine = 0;
      {
        const ScopedFloatMode mode(job.float_mode);
        mine = work_on(job);
      }
      lk.lock();
      job.finished += mine;
      --job.helpers;
      remove(job);
      done_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<Job*> queue_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

}  // namespace

int thread_count(int threads) {
  const int all = Pool::instance().workers() + 1;
  return threads > 0 ? std::min(threads, all) : all;
}

void parallel_for(int count, int threads, const std::function<void(int)>& fn) {
  Pool& pool = Pool::instance();
  const int helpers =
      std::min({threads > 0 ? threads - 1 : pool.workers(), pool.workers(), count - 1});
  if (helpers <= 0) {
    for (int i = 0; i < count; ++i) fn(i);
    return;
  }
  Job job;
  job.fn = &fn;
  job.count = count;
  job.max_helpers = helpers;
  job.float_mode = float_mode();
  pool.run(job);
}

}  // namespace batchcone::backend::cpu
