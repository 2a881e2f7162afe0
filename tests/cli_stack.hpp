#pragma once
// Running the `converge` binary against a stack directory with the embedded emulator (its
// state in a directory, so several runs share one Azure). For TEST_SUITE("e2e").
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace converge::testing {

/// Exit code and output of one run.
struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

/// The whole text of a file ("" when missing).
inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A stack directory and an emulator state directory under a fresh temporary directory.
class CliStack {
public:
    explicit CliStack(const std::string& name)
        : m_root(std::filesystem::temp_directory_path() / ("converge-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(m_root);
        std::filesystem::create_directories(m_root / "stack");
    }
    ~CliStack() { std::filesystem::remove_all(m_root); }
    CliStack(const CliStack&) = delete;
    CliStack& operator=(const CliStack&) = delete;

    /// Writes stack/<name>.
    void write(const std::string& name, const std::string& text) const { std::ofstream(m_root / "stack" / name) << text; }

    const std::filesystem::path& root() const { return m_root; }
    std::filesystem::path stack_dir() const { return m_root / "stack"; }
    std::filesystem::path state_dir() const { return m_root / "state"; }

    /// Runs `converge <args> <stack> --emulator --emulator-state <state>` with stdin from /dev/null.
    Run converge(const std::string& args) const { return run(args + " " + stack_dir().string()); }

    /// Runs `converge <args> --emulator --emulator-state <state>` (no stack directory added).
    Run run(const std::string& args) const {
        return bare(args + " --emulator --emulator-state " + state_dir().string());
    }

    /// Runs `converge <args>`, nothing added.
    Run bare(const std::string& args) const {
        const std::string cmd = std::string(CONVERGE_BINARY) + " " + args + " </dev/null >" +
                                (m_root / "out").string() + " 2>" + (m_root / "err").string();
        const int status = std::system(cmd.c_str());
        return Run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(m_root / "out"), slurp(m_root / "err")};
    }

private:
    std::filesystem::path m_root;
};

}  // namespace converge::testing
