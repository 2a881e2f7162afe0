// `converge sync --metrics-listen` scraped by a real Prometheus (issue 16): the exposition passes
// `promtool check metrics`, and a converge metric comes back through Prometheus' HTTP API.
// Skipped, with a message, when prometheus/promtool/curl are not installed (scripts/setup
// installs them).
#include "cli_stack.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>

using converge::testing::slurp;

namespace {

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

/// Output of a shell command (stdout), and its exit code.
std::pair<int, std::string> shell(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) {
        return {-1, out};
    }
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
        out.append(buf, n);
    }
    const int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

pid_t spawn(const std::string& cmd, const std::filesystem::path& log) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool installed(const char* path) { return ::access(path, X_OK) == 0; }

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("converge sync --metrics-listen: promtool accepts it and a real Prometheus scrapes it") {
    if (!installed("/usr/bin/prometheus") || !installed("/usr/bin/promtool") || !installed("/usr/bin/curl")) {
        MESSAGE("skipped: /usr/bin/prometheus, promtool or curl is not installed (scripts/setup installs them)");
        return;
    }
    converge::testing::CliStack stack("e2e-sync-metrics");
    stack.write("converge.yaml", "apiVersion: converge/v1\nstack: metrics\ndefaults:\n  resourceGroup: rg-metrics\n"
                                 "  location: westeurope\n");
    stack.write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-metrics}\nspec: {}\n");
    const int port = free_port();
    const std::string metrics_url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
    const pid_t sync = spawn(std::string(CONVERGE_BINARY) + " sync " + stack.stack_dir().string() +
                                 " --emulator --emulator-state " + stack.state_dir().string() +
                                 " --mode correct --interval 1s --jitter 0 --metrics-listen 127.0.0.1:" +
                                 std::to_string(port),
                             stack.root() / "sync.log");
    std::string exposition;
    for (int i = 0; i < 600 && exposition.find("converge_sync_last_tick_success 1") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        exposition = shell("curl -s " + metrics_url).second;
    }
    REQUIRE_MESSAGE(exposition.find("converge_sync_last_tick_success 1") != std::string::npos,
                    (exposition + slurp(stack.root() / "sync.log")));
    CHECK(exposition.find("converge_sync_corrections_total{action=\"create\"} 1") != std::string::npos);
    CHECK(exposition.find("converge_sync_requests_total{class=\"read\",status=\"200\"}") != std::string::npos);
    const auto checked = shell("curl -s " + metrics_url + " | /usr/bin/promtool check metrics 2>&1");
    CHECK_MESSAGE(checked.first == 0, checked.second);

    const int prom_port = free_port();
    const auto config = stack.root() / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: converge\n"
                             "    static_configs:\n      - targets: ['127.0.0.1:"
                          << port << "']\n";
    const pid_t prom = spawn("/usr/bin/prometheus --config.file=" + config.string() + " --storage.tsdb.path=" +
                                 (stack.root() / "tsdb").string() + " --web.listen-address=127.0.0.1:" +
                                 std::to_string(prom_port),
                             stack.root() / "prometheus.log");
    const std::string query = "curl -s 'http://127.0.0.1:" + std::to_string(prom_port) +
                              "/api/v1/query?query=converge_sync_ticks_total%7Bresult%3D%22success%22%7D'";
    std::string answer;
    for (int i = 0; i < 600 && answer.find("\"job\":\"converge\"") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        answer = shell(query).second;
    }
    CHECK_MESSAGE(answer.find("\"__name__\":\"converge_sync_ticks_total\"") != std::string::npos,
                  (answer + slurp(stack.root() / "prometheus.log")));
    CHECK(answer.find("\"status\":\"success\"") != std::string::npos);
    ::kill(prom, SIGTERM);
    wait_exit(prom);
    ::kill(sync, SIGTERM);
    CHECK(wait_exit(sync) == 0);
    const auto plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
}

}  // TEST_SUITE
