#pragma once
// Keeps secrets out of every output: plans, saved plans, logs, errors and progress lines. The
// Scrubber knows the secret values; the functions below know secret headers, query parameters
// and bearer tokens.
#include "converge/json.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace converge {

struct DesiredSet;

/// The text shown in place of a secret in logs and errors.
inline constexpr std::string_view k_redacted = "REDACTED";
/// The text shown in place of a secret in plans, saved plans and progress.
inline constexpr std::string_view k_sensitive = "(sensitive)";

/// The one scrubber of known secret values, used by every output path. A secret is found in
/// each form it can take in output: as is, escaped in JSON (a `"` or `\` in it is escaped when a
/// message is dumped as JSON), URL-encoded (as url_encode writes it) and base64 (with and
/// without padding). The encoded forms are only looked for when the secret has 4 characters or
/// more (shorter ones encode to text common in any output).
class Scrubber {
public:
    Scrubber() = default;
    /// Empty values are ignored.
    explicit Scrubber(const std::vector<std::string>& secrets, std::string_view replacement = k_sensitive);
    /// The secrets of a desired set: the values of sensitive variables and every value at a
    /// resource's sensitive pointers.
    static Scrubber for_desired(const DesiredSet& desired, std::string_view replacement = k_sensitive);

    bool empty() const { return m_forms.empty(); }
    /// True when `text` holds any form of any secret.
    bool contains(std::string_view text) const;
    /// `text` with every occurrence of a form of a secret replaced (longest first, so a secret
    /// containing another is replaced whole). Secrets under 4 characters are left: replacing
    /// them inside text would shred unrelated words.
    std::string operator()(std::string text) const;
    /// Replaces, whole, every string inside `value` that contains a secret; true when any was.
    bool scrub(Json& value) const;

private:
    struct Form {
        std::string text;
        bool replace_in_text;  ///< false for secrets too short to replace inside text
    };
    std::vector<Form> m_forms;  // longest first
    std::string m_replacement{k_sensitive};
};

/// True for header names whose values are credentials (Authorization, api-key, ...).
bool is_secret_header(std::string_view name);

/// True for query/form/JSON key names that carry secrets (client_secret, sig, token, key...).
bool is_secret_key(std::string_view name);

/// The URL with the values of secret query parameters replaced by REDACTED.
std::string redact_url(std::string_view url);

/// `text` with every occurrence of the given secret values (in any form Scrubber finds), and
/// any "Bearer <x>", replaced by REDACTED.
std::string redact_text(std::string_view text, const std::vector<std::string>& secrets = {});

/// A header value fit for logs: REDACTED when the header is secret, else the value.
std::string redact_header_value(std::string_view name, std::string_view value);

}  // namespace converge
