#include "cli/client_options.hpp"

#include <cstdio>
#include <mutex>

namespace converge::cli {

namespace {
// CLI11 parses numbers; these adapt seconds to the option's milliseconds.
void add_seconds(CLI::App& command, const std::string& name, std::chrono::milliseconds& target,
                 const std::string& help) {
    command.add_option_function<double>(
               name, [&target](double seconds) { target = std::chrono::milliseconds(static_cast<long long>(seconds * 1000)); },
               help)
        ->check(CLI::NonNegativeNumber);
}
}  // namespace

void add_client_options(CLI::App& command, ClientOptions& options) {
    command.add_option("--arm-endpoint", options.arm_endpoint, "ARM base URL (also CONVERGE_ARM_ENDPOINT)")
        ->capture_default_str();
    command.add_option("--authority-host", options.credentials.authority_host,
                       "Entra ID authority host (also AZURE_AUTHORITY_HOST)");
    command.add_option("--ca-bundle", options.ca_bundle, "PEM file of CAs to trust (also SSL_CERT_FILE, CURL_CA_BUNDLE)")
        ->check(CLI::ExistingFile);
    command.add_option("--parallelism", options.parallelism, "Requests in flight at once")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    command.add_flag_callback("--no-pacing", [&options] { options.pacing.enabled = false; },
                              "Do not pace requests to ARM's per-subscription limits");
    add_seconds(command, "--lro-interval", options.lro_default_interval,
                "Seconds between polls when the service sends no Retry-After (default 60)");
    add_seconds(command, "--lro-timeout", options.lro_timeout, "Seconds to wait for one long-running operation");
    command.add_option("--max-attempts", options.retry.max_attempts, "Attempts per request (429/5xx/resets)")
        ->check(CLI::Range(1, 50))
        ->capture_default_str();
    command.add_flag("--managed-identity", options.credentials.managed_identity,
                     "Allow managed identity (IMDS) in the credential chain");
    command.add_flag_callback("--no-azure-cli", [&options] { options.credentials.azure_cli = false; },
                              "Do not ask `az` for a token");
    command.add_flag("--aad-v1", options.credentials.aad_v1, "Use the v1 token endpoint (resource=) for the service principal");
}

std::function<void(const RequestEvent&)> stderr_request_logger() {
    auto mutex = std::make_shared<std::mutex>();
    return [mutex](const RequestEvent& event) {
        const std::string line = event.to_string() + "\n";
        std::lock_guard lock(*mutex);
        std::fputs(line.c_str(), stderr);
    };
}

std::function<void(const std::string&)> stderr_warning_logger() {
    auto mutex = std::make_shared<std::mutex>();
    return [mutex](const std::string& warning) {
        const std::string line = "converge: warning: " + warning + "\n";
        std::lock_guard lock(*mutex);
        std::fputs(line.c_str(), stderr);
    };
}

}  // namespace converge::cli
