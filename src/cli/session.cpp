#include "cli/session.hpp"

#include "cli/client_options.hpp"
#include "cli/stack.hpp"

#include "converge/client_factory.hpp"
#include "converge/regional.hpp"

#include <cstdlib>
#include <filesystem>

namespace converge::cli {

std::unique_ptr<emulator::Emulator> start_embedded_emulator(const std::string& state_dir, ClientOptions& client) {
    emulator::Options emu;
    emu.state_dir = state_dir;
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    auto started = std::make_unique<emulator::Emulator>(emu);
    try {
        started->start();
    } catch (const std::exception& e) {
        print_error(std::string("cannot start the emulator: ") + e.what());
        return nullptr;
    }
    const auto& creds = started->credentials();
    client.arm_endpoint = started->base_url();
    client.ca_bundle = started->ca_path();
    client.credentials.authority_host = started->base_url();
    client.credentials.static_token.clear();
    client.credentials.azure_cli = false;
    // The emulator's operations take milliseconds: do not wait ARM's default 60 s between polls.
    client.lro_default_interval = std::chrono::milliseconds(200);
    client.credentials.service_principal =
        ServicePrincipal{started->base_url(), creds.tenant_id, creds.client_id, creds.client_secret, false};
    return started;
}

void add_session_options(CLI::App& command, SessionOptions& options) {
    options.client = client_options_from_env();
    command.add_option("--subscription", options.subscription, "Subscription id (also AZURE_SUBSCRIPTION_ID)");
    command.add_flag("--emulator", options.emulator, "Run against the embedded emulator (started in-process)");
    command.add_option("--emulator-state", options.emulator_state, "State directory of the embedded emulator")
        ->capture_default_str();
    add_client_options(command, options.client);
}

Session::~Session() = default;

std::unique_ptr<Session> Session::open(const SessionOptions& options, const GlobalOptions& global) {
    std::unique_ptr<Session> session(new Session());
    ClientOptions client = options.client;
    if (options.emulator) {
        session->m_emulator = start_embedded_emulator(options.emulator_state, client);
        if (!session->m_emulator) {
            return nullptr;
        }
        session->m_discovery_cache_dir = std::filesystem::path(options.emulator_state) / "regional-cache";
    } else {
        session->m_discovery_cache_dir = default_discovery_cache_dir();
    }
    const char* env = std::getenv("AZURE_SUBSCRIPTION_ID");
    session->m_subscription = !options.subscription.empty() ? options.subscription
                              : session->m_emulator        ? session->m_emulator->credentials().subscription_id
                              : env != nullptr             ? std::string(env)
                                                           : std::string();
    if (session->m_subscription.empty()) {
        print_error("no subscription: pass --subscription ID or set AZURE_SUBSCRIPTION_ID");
        return nullptr;
    }
    if (global.verbose > 0) {
        client.on_request = stderr_request_logger();
    }
    client.on_warning = stderr_warning_logger();
    auto made = make_arm_client(client);
    if (!made) {
        print_error(made.error());
        return nullptr;
    }
    session->m_api = std::make_unique<ArmClientApi>(*made);
    return session;
}

}  // namespace converge::cli
