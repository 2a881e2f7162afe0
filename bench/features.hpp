#pragma once
// Which parts of converge this tree has: the benchmark phases that need the in-process
// emulator (src/emulator/throttle.hpp) and the planner compile only when both exist.
#if __has_include("converge/planner.hpp")
#define CONVERGE_BENCH_PLANNER 1
#else
#define CONVERGE_BENCH_PLANNER 0
#endif

#if CONVERGE_BENCH_PLANNER && __has_include("throttle.hpp")
#define CONVERGE_BENCH_REMOTE 1
#else
#define CONVERGE_BENCH_REMOTE 0
#endif
