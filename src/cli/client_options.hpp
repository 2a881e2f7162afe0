#pragma once
// The client's command-line flags, shared by plan, apply and destroy.
#include "converge/arm_client.hpp"

#include <CLI/CLI.hpp>

namespace converge::cli {

/// Adds --arm-endpoint, --authority-host, --ca-bundle, --parallelism, --no-pacing,
/// --lro-interval, --lro-timeout, --max-retries, --managed-identity, --no-azure-cli,
/// --aad-v1 to `command`, writing into `options` (fill it from client_options_from_env first).
void add_client_options(CLI::App& command, ClientOptions& options);

/// Line-per-request logger for -v: writes RequestEvent::to_string() to stderr, thread-safe.
std::function<void(const RequestEvent&)> stderr_request_logger();

/// The client's warnings (ClientOptions::on_warning) to stderr as "converge: warning: ...".
std::function<void(const std::string&)> stderr_warning_logger();

}  // namespace converge::cli
