#pragma once
// Keeps secrets out of logs and errors: header values, query parameters, known values.
#include <string>
#include <string_view>
#include <vector>

namespace converge {

/// The text shown in place of a secret.
inline constexpr std::string_view k_redacted = "REDACTED";

/// True for header names whose values are credentials (Authorization, api-key, ...).
bool is_secret_header(std::string_view name);

/// True for query/form/JSON key names that carry secrets (client_secret, sig, token, key...).
bool is_secret_key(std::string_view name);

/// The URL with the values of secret query parameters replaced by REDACTED.
std::string redact_url(std::string_view url);

/// `text` with every occurrence of the given secret values, and any "Bearer <x>", replaced.
std::string redact_text(std::string_view text, const std::vector<std::string>& secrets = {});

/// A header value fit for logs: REDACTED when the header is secret, else the value.
std::string redact_header_value(std::string_view name, std::string_view value);

}  // namespace converge
