#pragma once
// A client without manifests, for the commands that only read Azure (export, get): the
// subscription, the embedded emulator when --emulator is given, and the client flags.
#include "cli/cli.hpp"

#include "converge/arm_client_api.hpp"

#include "emulator.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace converge::cli {

/// Starts the embedded emulator with its state in `state_dir` and points `client` at it (its
/// endpoint, CA, service principal, short poll interval); prints the error and returns nullptr
/// when it cannot start. Shared by Stack and Session.
std::unique_ptr<emulator::Emulator> start_embedded_emulator(const std::string& state_dir, ClientOptions& client);

/// Flags of the read-only commands.
struct SessionOptions {
    std::string subscription;
    bool emulator = false;
    std::string emulator_state = ".converge/emulator";
    ClientOptions client;
};

/// Adds --subscription, --emulator, --emulator-state and the client flags.
void add_session_options(CLI::App& command, SessionOptions& options);

class Session {
public:
    /// nullptr (the error printed) when the emulator cannot start, no subscription is known or
    /// no client can be made.
    static std::unique_ptr<Session> open(const SessionOptions& options, const GlobalOptions& global);
    ~Session();
    ArmApi& api() { return *m_api; }
    /// The client behind api(), for the regional API's absolute URLs.
    ArmClient& client() { return m_api->client(); }
    /// Where discovery documents are cached: the embedded emulator's state directory when
    /// --emulator (its address changes every run), else the user's cache directory.
    std::filesystem::path discovery_cache_dir() const { return m_discovery_cache_dir; }
    /// --subscription, else the emulator's, else AZURE_SUBSCRIPTION_ID.
    const std::string& subscription() const { return m_subscription; }

private:
    Session() = default;
    std::unique_ptr<emulator::Emulator> m_emulator;
    std::string m_subscription;
    std::filesystem::path m_discovery_cache_dir;
    std::unique_ptr<ArmClientApi> m_api;
};

}  // namespace converge::cli
