#pragma once
// Bounded parallelism for callers of the client: observe fans out list calls with
// parallel_for_each; apply walks its DAG on a ThreadPool, submitting a step when its
// dependencies finish. The client paces and retries; these only bound requests in flight.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <deque>
#include <thread>
#include <vector>

namespace converge {

/// Fixed set of worker threads running submitted tasks in FIFO order.
class ThreadPool {
public:
    /// Starts `threads` workers (at least one).
    explicit ThreadPool(std::size_t threads);
    /// Finishes queued tasks, then joins.
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    /// Queues a task; tasks may submit more tasks. An exception escaping a task is kept
    /// and rethrown by wait_idle.
    void submit(std::function<void()> task);
    /// Blocks until the queue is empty and no task runs; rethrows the first task exception.
    void wait_idle();
    std::size_t size() const { return m_workers.size(); }

private:
    void run();

    std::mutex m_mutex;
    std::condition_variable m_work;
    std::condition_variable m_idle;
    std::deque<std::function<void()>> m_queue;
    std::vector<std::thread> m_workers;
    std::size_t m_running = 0;
    bool m_stop = false;
    std::exception_ptr m_error;
};

/// Calls fn(item) for every item with at most `max_in_flight` calls at once; returns when
/// all are done. The first exception thrown by fn is rethrown after all calls end.
template <class Items, class Fn>
void parallel_for_each(Items& items, std::size_t max_in_flight, Fn fn) {
    const std::size_t n = std::size(items);
    const std::size_t workers = std::max<std::size_t>(1, std::min(max_in_flight, n));
    std::atomic<std::size_t> next{0};
    std::mutex error_mutex;
    std::exception_ptr error;
    auto worker = [&] {
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                fn(*(std::begin(items) + static_cast<std::ptrdiff_t>(i)));
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!error) {
                    error = std::current_exception();
                }
            }
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t t = 1; t < workers; ++t) {
        threads.emplace_back(worker);
    }
    worker();
    for (auto& t : threads) {
        t.join();
    }
    if (error) {
        std::rethrow_exception(error);
    }
}

}  // namespace converge
