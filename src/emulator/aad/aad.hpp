#pragma once
// Entra ID (Azure AD) as far as client-credential clients need it: OpenID discovery, the v1,
// v2 and ADFS token endpoints, the signing keys, and bearer-token checks for ARM.
#include "platform/registry.hpp"
#include "platform/services.hpp"

namespace emulator {

/// Registers the discovery, token and key routes.
void install_aad(Registry& registry);

/// A signed RS256 JWT for the bootstrap principal (`lifetime` may be negative: expired), or for
/// the principal with this appId / objectId when given.
std::string mint_token(const Services& svc, const std::string& audience, std::int64_t lifetime_s,
                       const std::string& app_id = "", const std::string& object_id = "");

/// Creates another service principal in the tenant with a random secret and lets it see the
/// subscription (stored, so it survives restarts of a state directory). Returns its
/// credentials (tenant, subscription, client id, object id, secret).
Credentials create_principal(Services& svc, const std::string& display_name);

/// The same for another application (one with a certificate or federated credential).
std::string mint_token_for(const Services& svc, const std::string& audience, std::int64_t lifetime_s,
                           const std::string& app_id, const std::string& object_id);

/// Checks an ARM request's Authorization header; fills `who` or returns the 401 to send.
std::optional<Response> authenticate_arm(const Services& svc, const Request& req, Principal& who);
/// The same check for another audience list (e.g. Azure Storage's "https://storage.azure.com/").
std::optional<Response> authenticate_bearer(const Services& svc, const Request& req, Principal& who,
                                            const std::vector<std::string>& audiences);

}  // namespace emulator
