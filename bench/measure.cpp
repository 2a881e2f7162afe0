#include "measure.hpp"

#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

extern char** environ;

namespace bench {

namespace {

// "VmHWM:     1234 kB" -> 1.263616 MB; -1 when absent.
double status_field_mb(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(field) + ":";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) {
            return std::stod(line.substr(prefix.size())) * 1024.0 / 1e6;
        }
    }
    return -1;
}

std::string read_all(int fd) {
    std::string out;
    char buf[65536];
    ssize_t n = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

double peak_rss_mb() {
    const double hwm = status_field_mb("VmHWM");
    if (hwm >= 0) {
        return hwm;
    }
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) * 1024.0 / 1e6;
}

double rss_mb() { return status_field_mb("VmRSS"); }

bool pin_to_one_cpu() {
    const int cpu = sched_getcpu();
    if (cpu < 0) {
        return false;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
}

Stopwatch::Stopwatch() : m_wall(std::chrono::steady_clock::now()), m_cpu(cpu_seconds()) {}

double Stopwatch::wall() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall).count();
}

double Stopwatch::cpu() const { return cpu_seconds() - m_cpu; }

converge::Json run_child(const std::vector<std::string>& args) {
    int out_pipe[2];
    if (pipe(out_pipe) != 0) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    std::vector<std::string> all = {"/proc/self/exe"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        throw std::runtime_error("cannot start the benchmark child process");
    }
    const std::string out = read_all(out_pipe[0]);
    close(out_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("benchmark child process failed (its stderr is above)");
    }
    return converge::Json::parse(out);
}

namespace {

std::vector<char*> c_strings(std::vector<std::string>& items) {
    std::vector<char*> out;
    for (auto& item : items) {
        out.push_back(item.data());
    }
    out.push_back(nullptr);
    return out;
}

}  // namespace

CommandRun run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    int err_pipe[2];
    if (pipe(err_pipe) != 0) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
    std::vector<std::string> args = argv;
    std::vector<std::string> vars = env;
    auto c_args = c_strings(args);
    auto c_env = c_strings(vars);
    CommandRun run;
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args.front().c_str(), &actions, nullptr, c_args.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    close(err_pipe[1]);
    if (rc != 0) {
        close(err_pipe[0]);
        throw std::runtime_error("cannot start " + args.front());
    }
    run.stderr_text = read_all(err_pipe[0]);  // the child's stderr is small: read it to the end
    close(err_pipe[0]);
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    run.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    run.cpu = sec(usage.ru_utime) + sec(usage.ru_stime);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

}  // namespace bench
