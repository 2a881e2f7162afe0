// Tokens from the Azure CLI, and the fork/exec helper it needs.
#include "converge/credentials.hpp"

#include "converge/json.hpp"
#include "converge/redact.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <ctime>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace converge {

namespace {
std::string read_all(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            out.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(fd);
    return out;
}

// "2026-11-26 09:12:33.000000" in local time -> Unix seconds.
std::optional<std::int64_t> parse_local_time(const std::string& text) {
    std::tm tm{};
    if (::strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm) == nullptr) {
        return std::nullopt;
    }
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    return t == -1 ? std::nullopt : std::optional<std::int64_t>(t);
}
}  // namespace

ProcessRunner system_process_runner() {
    return [](const std::vector<std::string>& args) {
        ProcessResult result;
        int out_pipe[2];
        int err_pipe[2];
        if (args.empty() || ::pipe(out_pipe) != 0) {
            return result;
        }
        if (::pipe(err_pipe) != 0) {
            ::close(out_pipe[0]);
            ::close(out_pipe[1]);
            return result;
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
        posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
        posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
        std::vector<char*> argv;
        for (const auto& a : args) {
            argv.push_back(const_cast<char*>(a.c_str()));
        }
        argv.push_back(nullptr);
        pid_t pid = 0;
        const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out_pipe[1]);
        ::close(err_pipe[1]);
        if (rc != 0) {
            ::close(out_pipe[0]);
            ::close(err_pipe[0]);
            result.exit_code = 127;
            result.err = fmt::format("{}: not found", args[0]);
            return result;
        }
        // az writes little to stderr, so reading stdout to the end first cannot deadlock.
        result.out = read_all(out_pipe[0]);
        result.err = read_all(err_pipe[0]);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        return result;
    };
}

std::optional<std::string> AzureCliCredential::default_subscription() const {
    std::lock_guard lock(m_mutex);
    return m_subscription.empty() ? std::nullopt : std::optional<std::string>(m_subscription);
}

tl::expected<AccessToken, AuthError> AzureCliCredential::get_token(const std::string& audience) {
    {
        // `az` missing or logged out stays so for this run: asking again costs seconds each time.
        std::lock_guard lock(m_mutex);
        if (m_unavailable) {
            return tl::unexpected(*m_unavailable);
        }
    }
    const auto result = m_runner({"az", "account", "get-access-token", "--resource", audience, "-o", "json"});
    if (result.exit_code == 127) {
        AuthError error{name(), "", "az not found on PATH"};
        error.unavailable = true;
        std::lock_guard lock(m_mutex);
        m_unavailable = error;
        return tl::unexpected(error);
    }
    if (result.exit_code != 0) {
        // "Please run 'az login'" means this credential is simply not set up.
        std::string first = result.err.substr(0, result.err.find('\n'));
        while (!first.empty() && (first.back() == '\r' || first.back() == ' ')) {
            first.pop_back();
        }
        AuthError error{name(), "", first.empty() ? "az account get-access-token failed" : redact_text(first)};
        error.unavailable = result.err.find("az login") != std::string::npos;
        if (error.unavailable) {
            error.message = "not logged in (" + error.message + ")";
            std::lock_guard lock(m_mutex);
            m_unavailable = error;
        }
        return tl::unexpected(error);
    }
    const Json parsed = Json::parse(result.out, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("accessToken") || !parsed["accessToken"].is_string()) {
        return tl::unexpected(AuthError{name(), "invalid_response", "az printed no accessToken"});
    }
    AccessToken token{parsed["accessToken"].get<std::string>(), 0};
    if (parsed.contains("subscription") && parsed["subscription"].is_string()) {
        std::lock_guard lock(m_mutex);
        m_subscription = parsed["subscription"].get<std::string>();
    }
    if (parsed.contains("expires_on") && parsed["expires_on"].is_number()) {
        token.expires_on = parsed["expires_on"].get<std::int64_t>();
    } else if (parsed.contains("expires_on") && parsed["expires_on"].is_string()) {
        token.expires_on = std::strtoll(parsed["expires_on"].get<std::string>().c_str(), nullptr, 10);
    }
    if (token.expires_on != 0) {
    } else if (parsed.contains("expiresOn") && parsed["expiresOn"].is_string()) {
        token.expires_on = parse_local_time(parsed["expiresOn"].get<std::string>()).value_or(0);
    }
    if (token.expires_on == 0) {
        token.expires_on = m_clock->epoch_seconds() + 600;
    }
    return token;
}

}  // namespace converge
