#include "converge/parallel.hpp"

namespace converge {

ThreadPool::ThreadPool(std::size_t threads) {
    const std::size_t n = std::max<std::size_t>(1, threads);
    for (std::size_t i = 0; i < n; ++i) {
        m_workers.emplace_back([this] { run(); });
    }
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_work.notify_all();
    for (auto& worker : m_workers) {
        worker.join();
    }
}

void ThreadPool::submit(std::function<void()> task) {
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(task));
    }
    m_work.notify_one();
}

void ThreadPool::wait_idle() {
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_queue.empty() && m_running == 0; });
    if (m_error) {
        auto error = m_error;
        m_error = nullptr;
        std::rethrow_exception(error);
    }
}

void ThreadPool::run() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_work.wait(lock, [this] { return m_stop || !m_queue.empty(); });
        if (m_queue.empty()) {
            return;  // stopping and nothing left to do
        }
        auto task = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_running;
        lock.unlock();
        try {
            task();
        } catch (...) {
            std::lock_guard error_lock(m_mutex);
            if (!m_error) {
                m_error = std::current_exception();
            }
        }
        lock.lock();
        --m_running;
        if (m_queue.empty() && m_running == 0) {
            m_idle.notify_all();
        }
    }
}

}  // namespace converge
