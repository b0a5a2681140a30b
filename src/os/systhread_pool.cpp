// The helper threads behind eio::os::run_in_systhread: a process-wide pool that starts a
// thread whenever a job finds none idle, and lets threads that stay idle for a while
// retire, so a burst of blocking calls does not leave threads behind.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "eio/detail/cancel_point.hpp"
#include "eio/os/systhread.hpp"
#include "eio/trigger.hpp"

namespace eio::os::detail {
namespace {

constexpr auto kIdleRetirement = std::chrono::milliseconds(200);

struct Job {
  eio::detail::Function_ref<void()> body;
  std::exception_ptr error;
  Trigger done;
};

class Thread_pool {
 public:
  void submit(Job* job) {
    std::unique_lock lock(m_);
    queue_.push_back(job);
    if (idle_ > 0) {
      cv_.notify_one();
      return;
    }
    ++threads_;
    lock.unlock();
    std::thread([this] { work(); }).detach();
  }

  // Removes `job` if no thread has picked it up yet.
  bool withdraw(Job* job) {
    std::scoped_lock lock(m_);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (*it == job) {
        queue_.erase(it);
        return true;
      }
    }
    return false;
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
      job->done.signal();  // the job's owner may free it from here on
      lock.lock();
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
  Job job{body, nullptr, {}};
  pool().submit(&job);
  if (!job.done.await_unless_cancelled()) {
    if (pool().withdraw(&job)) eio::detail::throw_cancelled();
    job.done.await_uncancellable();  // already running: it cannot be interrupted
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace eio::os::detail
