#include "cli/cli.hpp"

#include <emulator.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pthread.h>

namespace converge::cli {

namespace {

struct EmulatorArgs {
    std::string listen = "127.0.0.1:8443";
    std::string state;
    bool http = false;
    bool allow_remote = false;
    int latency_ms = 0;
    double time_scale = 1.0;
    std::string durations = "test";
    std::vector<std::string> duration;
    std::uint64_t seed = 1;
    std::vector<std::string> faults;
    int slow_ms = 2000;
    int retry_after = 1;
    int retry_after_ms = 10;
    bool no_throttling = false;
    double throttle_scale = 1.0;
    long graph_lag_ms = 0;
    int graph_quota = 15;
    std::size_t page_size = 100;
    bool no_realism = false;
};

std::string default_state_dir() {
    const char* xdg = std::getenv("XDG_STATE_HOME");
    if (xdg != nullptr && *xdg != '\0') {
        return std::string(xdg) + "/converge/emulator";
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.local/state/converge/emulator";
}

/// "KIND=RATE" -> the rate field; returns an error message or "".
std::string apply_fault(const std::string& spec, emulator::FaultRates& f) {
    auto eq = spec.find('=');
    if (eq == std::string::npos) {
        return "--fault-rate expects KIND=RATE, got '" + spec + "'";
    }
    std::string kind = spec.substr(0, eq);
    double rate = 0;
    try {
        rate = std::stod(spec.substr(eq + 1));
    } catch (...) {
        return "--fault-rate: '" + spec.substr(eq + 1) + "' is not a number";
    }
    if (rate < 0 || rate > 1) {
        return "--fault-rate: rate must be between 0 and 1";
    }
    if (kind == "5xx") {
        f.server_error = rate;
    } else if (kind == "429") {
        f.throttle = rate;
    } else if (kind == "reset") {
        f.connection_reset = rate;
    } else if (kind == "slow") {
        f.slow_response = rate;
    } else if (kind == "async") {
        f.async_failure = rate;
    } else {
        return "--fault-rate: unknown kind '" + kind + "' (expected 5xx, 429, reset, slow or async)";
    }
    return "";
}

std::string build_options(const EmulatorArgs& a, emulator::Options& o) {
    auto colon = a.listen.rfind(':');
    if (colon == std::string::npos) {
        return "--listen expects HOST:PORT, got '" + a.listen + "'";
    }
    o.allow_remote = a.allow_remote;
    o.listen_host = a.listen.substr(0, colon);
    if (o.listen_host.size() > 2 && o.listen_host.front() == '[') {
        o.listen_host = o.listen_host.substr(1, o.listen_host.size() - 2);
    }
    try {
        o.port = std::stoi(a.listen.substr(colon + 1));
    } catch (...) {
        return "--listen: bad port in '" + a.listen + "'";
    }
    o.state_dir = a.state.empty() ? default_state_dir() : a.state;
    o.tls = !a.http;
    o.latency = std::chrono::milliseconds(a.latency_ms);
    o.time_scale = a.time_scale;
    if (a.durations == "realistic") {
        o.durations = emulator::realistic_durations();
    } else if (a.durations != "test") {
        return "--durations expects 'test' or 'realistic'";
    }
    for (const auto& d : a.duration) {
        auto eq = d.find('=');
        if (eq == std::string::npos) {
            return "--duration expects TYPE=MILLISECONDS, got '" + d + "'";
        }
        try {
            o.durations[d.substr(0, eq)] = std::chrono::milliseconds(std::stol(d.substr(eq + 1)));
        } catch (...) {
            return "--duration: '" + d.substr(eq + 1) + "' is not a number of milliseconds";
        }
    }
    o.seed = a.seed;
    for (const auto& f : a.faults) {
        if (auto err = apply_fault(f, o.faults); !err.empty()) {
            return err;
        }
    }
    o.faults.slow_delay = std::chrono::milliseconds(a.slow_ms);
    o.retry_after_seconds = a.retry_after;
    o.retry_after_ms = a.retry_after_ms;
    o.throttling = !a.no_throttling;
    o.throttle_scale = a.throttle_scale;
    o.graph_lag = std::chrono::milliseconds(a.graph_lag_ms);
    o.graph_quota = a.graph_quota;
    o.page_size = a.page_size;
    o.realism = !a.no_realism;
    return "";
}

void print_banner(const emulator::Emulator& emu) {
    const auto& c = emu.credentials();
    std::string state = emu.state_dir().empty() ? "(in memory)" : emu.state_dir();
    std::cout << "converge emulator listening on " << emu.base_url() << "\n"
              << "  state:           " << state << "\n";
    if (!emu.ca_path().empty()) {
        std::cout << "  CA certificate:  " << emu.ca_path() << "\n";
    }
    if (!emu.admin_token_file().empty()) {
        std::cout << "  admin API token: in " << emu.admin_token_file()
                  << " (mode 0600; send 'Authorization: Bearer <token>' to /_emulator/*)\n";
    }
    std::cout << "  tenant id:       " << c.tenant_id << "\n"
              << "  subscription id: " << c.subscription_id << "\n"
              << "  client id:       " << c.client_id << "\n";
    if (!c.credentials_file.empty()) {
        std::cout << "  client secret:   in " << c.credentials_file << " (mode 0600)\n";
    }
    if (emu.first_start()) {
        // Printed once, when the principal is created (issue 3); later starts only name the file.
        std::cout << "  new client secret (shown once): " << c.client_secret << "\n";
    }
    std::cout << "\nEnvironment for the Azure SDKs and az (see docs/emulator.md):\n"
              << "  export AZURE_AUTHORITY_HOST=" << emu.base_url() << "\n"
              << "  export AZURE_TENANT_ID=" << c.tenant_id << "\n"
              << "  export AZURE_CLIENT_ID=" << c.client_id << "\n";
    if (!c.credentials_file.empty()) {
        std::cout << "  export AZURE_CLIENT_SECRET=\"$(sed -n 's/.*\"clientSecret\": \"\\(.*\\)\".*/\\1/p' "
                  << c.credentials_file << ")\"\n";
    }
    std::cout << "  export AZURE_SUBSCRIPTION_ID=" << c.subscription_id << "\n";
    if (!emu.ca_path().empty()) {
        std::cout << "  export SSL_CERT_FILE=" << emu.ca_path() << " REQUESTS_CA_BUNDLE=" << emu.ca_path() << "\n";
    }
    std::cout << "Press Ctrl-C to stop." << std::endl;
}

int run_emulator(const EmulatorArgs& args) {
    emulator::Options opts;
    if (auto err = build_options(args, opts); !err.empty()) {
        std::cerr << "converge emulator: error: " << err << "\n";
        return k_exit_error;
    }
    // Block the stop signals before any server thread starts, then wait for them here.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    emulator::Emulator emu(opts);
    try {
        emu.start();
    } catch (const std::exception& e) {
        std::cerr << "converge emulator: error: " << e.what() << "\n";
        return k_exit_error;
    }
    print_banner(emu);
    int sig = 0;
    sigwait(&set, &sig);
    std::cout << "stopping (" << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ")" << std::endl;
    emu.stop();
    return k_exit_ok;
}

}  // namespace

void register_emulator(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
    auto args = std::make_shared<EmulatorArgs>();
    auto* sub = app.add_subcommand("emulator", "Run the local Azure emulator (Entra ID + ARM + Azure ML)");
    sub->add_option("--listen", args->listen, "HOST:PORT to listen on (loopback unless told)")
        ->capture_default_str();
    sub->add_option("--state", args->state,
                    "State directory (SQLite, credentials, TLS); ':memory:' for none. "
                    "Default: $XDG_STATE_HOME/converge/emulator or ~/.local/state/converge/emulator");
    sub->add_flag("--allow-remote", args->allow_remote,
                  "Allow a non-loopback --listen address; the admin API then requires a token");
    sub->add_flag("--http", args->http, "Serve plain HTTP instead of HTTPS (most Azure clients refuse it)");
    sub->add_option("--latency-ms", args->latency_ms, "Latency added to every request")->capture_default_str();
    sub->add_option("--time-scale", args->time_scale, "Multiplies every provisioning duration")
        ->capture_default_str();
    sub->add_option("--durations", args->durations, "Duration preset: test (tens of ms) or realistic (minutes)")
        ->capture_default_str();
    sub->add_option("--duration", args->duration, "Override one duration: TYPE[#delete|#action]=MILLISECONDS");
    sub->add_option("--seed", args->seed, "Seed for fault injection and generated ids")->capture_default_str();
    sub->add_option("--fault-rate", args->faults, "KIND=RATE with KIND in 5xx, 429, reset, slow, async");
    sub->add_option("--slow-ms", args->slow_ms, "Delay of a 'slow' fault")->capture_default_str();
    sub->add_option("--retry-after", args->retry_after, "Retry-After seconds on 202/201/429 (min 1)")
        ->capture_default_str();
    sub->add_option("--retry-after-ms", args->retry_after_ms, "retry-after-ms header value (0 = omit)")
        ->capture_default_str();
    sub->add_flag("--no-throttling", args->no_throttling, "Disable ARM's token-bucket throttling");
    sub->add_option("--graph-lag-ms", args->graph_lag_ms, "Resource Graph's lag behind ARM (ms)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub->add_option("--graph-quota", args->graph_quota, "Resource Graph queries per user per 5 s window")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    sub->add_option("--throttle-scale", args->throttle_scale, "Multiplies throttling bucket sizes and refill rates")
        ->capture_default_str();
    sub->add_option("--page-size", args->page_size, "Items per list page")->capture_default_str();
    sub->add_flag("--no-realism", args->no_realism, "Disable Azure's server-side normalisations (emulator tests)");
    sub->callback([args, &exit_code] { exit_code = run_emulator(*args); });
}

}  // namespace converge::cli
