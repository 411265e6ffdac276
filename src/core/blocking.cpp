#include "core/blocking.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>
#include <vector>

namespace devagent {

namespace {

// The pool's threads run at a lower scheduling priority than the rest of
// the process (nice + kNice, for these threads only): under load, the I/O
// threads that accept requests and write events get the cores first, so a
// client hears from the server at once however much work is queued here
// (docs/benchmarks.md, "The agent path"). They are not starved: the kernel
// still gives them the cores the I/O threads leave, which is most of them.
constexpr int kNice = 10;

class Pool {
 public:
  Pool(int threads, int nice) : pool_(0) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this, nice] {
        // On Linux the nice value is per thread; PRIO_PROCESS with a thread
        // id sets this thread's alone. Failure (a restricted container)
        // leaves the default priority, which is only slower under load.
        if (nice != 0) {
          const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
          const int now = ::getpriority(PRIO_PROCESS, tid);
          (void)::setpriority(PRIO_PROCESS, tid, now + nice);
        }
        pool_.attach();
      });
    }
  }
  ~Pool() {
    pool_.stop();
    for (auto& t : threads_) t.join();
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  boost::asio::thread_pool& get() { return pool_; }

 private:
  boost::asio::thread_pool pool_;
  std::vector<std::thread> threads_;
};

}  // namespace

boost::asio::thread_pool& blocking_pool() {
  static Pool pool(4, kNice);
  return pool.get();
}

boost::asio::thread_pool& admission_pool() {
  static Pool pool(2, 0);
  return pool.get();
}

}  // namespace devagent
