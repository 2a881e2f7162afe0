#include "converge/parallel.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>

using namespace converge;

TEST_SUITE("client") {
TEST_CASE("parallel_for_each visits every item with bounded concurrency") {
    std::vector<int> items(200, 1);
    std::atomic<int> in_flight{0};
    std::atomic<int> peak{0};
    std::atomic<int> sum{0};
    parallel_for_each(items, 4, [&](int& v) {
        const int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        sum += v;
        --in_flight;
    });
    CHECK(sum == 200);
    CHECK(peak <= 4);
}

TEST_CASE("parallel_for_each rethrows the first exception after all calls end") {
    std::vector<int> items{1, 2, 3};
    std::atomic<int> calls{0};
    CHECK_THROWS_AS(parallel_for_each(items, 2,
                                      [&](int v) {
                                          ++calls;
                                          if (v == 2) {
                                              throw std::runtime_error("boom");
                                          }
                                      }),
                    std::runtime_error);
    CHECK(calls == 3);
}

TEST_CASE("thread pool: tasks may submit tasks; wait_idle waits for all") {
    ThreadPool pool(3);
    std::atomic<int> done{0};
    for (int i = 0; i < 10; ++i) {
        pool.submit([&] {
            ++done;
            pool.submit([&] { ++done; });
        });
    }
    pool.wait_idle();
    CHECK(done == 20);
    pool.submit([] { throw std::runtime_error("x"); });
    CHECK_THROWS_AS(pool.wait_idle(), std::runtime_error);
}
}
