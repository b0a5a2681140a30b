// The helper threads behind eio::os::run_in_systhread: a process-wide pool that starts a
// thread whenever a job finds none idle, and lets threads that stay idle for a while
// retire, so a burst of blocking calls does not leave threads behind.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "eio/detail/cancel_point.hpp"
#include "eio/os/systhread.hpp"
#include "eio/trigger.hpp"
#include "os/systhread_pool.hpp"

namespace eio::os::detail {
namespace {

constexpr auto kIdleRetirement = std::chrono::milliseconds(200);

struct Job {
  eio::detail::Function_ref<void()> body;
  std::function<void()> owned;  // a detached job's function; body refers to it
  std::exception_ptr error;
  Trigger done;             // awaited cancellably; ignores a signal once that was cancelled
  Trigger late;             // what a cancelled caller waits on while the job runs
  bool waits_late = false;  // under the pool's lock
  bool finished = false;    // under the pool's lock
  bool detached = false;    // nobody waits: the thread deletes the job
};

class Thread_pool {
 public:
  void submit(Job* job) {
    std::unique_lock lock(m_);
    queue_.push_back(job);
    // An idle thread stays counted in idle_ until it wakes up, so jobs submitted in a row
    // must not all count on the same one: start a thread for each job beyond them.
    if (queue_.size() <= static_cast<std::size_t>(idle_)) {
      cv_.notify_one();
      return;
    }
    ++threads_;
    lock.unlock();
    std::thread([this] { work(); }).detach();
  }

  // For a cancelled caller: removes `job` if no thread has picked it up yet; else, unless
  // it has finished, makes its end signal job->late (`done` ignores it after the cancel).
  enum class After_cancel { withdrawn, wait_late, finished };
  After_cancel withdraw(Job* job) {
    std::scoped_lock lock(m_);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (*it == job) {
        queue_.erase(it);
        return After_cancel::withdrawn;
      }
    }
    if (job->finished) return After_cancel::finished;
    job->waits_late = true;
    return After_cancel::wait_late;
  }

 private:
  void work() {
    std::unique_lock lock(m_);
    for (;;) {
      if (queue_.empty()) {
        ++idle_;
        bool woken = cv_.wait_for(lock, kIdleRetirement, [&] { return !queue_.empty(); });
        --idle_;
        if (!woken) {
          --threads_;
          return;
        }
      }
      Job* job = queue_.front();
      queue_.pop_front();
      lock.unlock();
      try {
        job->body();
      } catch (...) {
        job->error = std::current_exception();
      }
      if (job->detached) {
        delete job;
        lock.lock();
        continue;
      }
      lock.lock();
      job->finished = true;
      (job->waits_late ? job->late : job->done).signal();  // its owner may free it now
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  int idle_ = 0;
  int threads_ = 0;
};

// Never destroyed: detached helpers may still be retiring while the process exits.
Thread_pool& pool() {
  static auto* p = new Thread_pool;
  return *p;
}

}  // namespace

void run_in_systhread_raw(eio::detail::Function_ref<void()> body) {
  eio::detail::check_cancelled();
  Job job{body, {}, nullptr, {}, {}, false, false, false};
  pool().submit(&job);
  if (!job.done.await_unless_cancelled()) {
    switch (pool().withdraw(&job)) {
      case Thread_pool::After_cancel::withdrawn:
        eio::detail::throw_cancelled();
      case Thread_pool::After_cancel::wait_late:
        job.late.await_uncancellable();  // already running: it cannot be interrupted
        break;
      case Thread_pool::After_cancel::finished:
        break;
    }
  }
  if (job.error) std::rethrow_exception(job.error);
}

void post_detached(std::function<void()> fn) {
  static constexpr auto nothing = [] {};
  auto* job = new Job{nothing, std::move(fn), nullptr, {}, {}, false, false, true};
  job->body = job->owned;  // now that `owned` has its final address
  pool().submit(job);
}

}  // namespace eio::os::detail
