#include "aad/aad.hpp"

#include "arm/arm.hpp"

#include <openssl/crypto.h>

namespace emulator {

namespace {

bool known_tenant(const Services& svc, const std::string& tenant) {
    return iequals(tenant, svc.credentials.tenant_id) || iequals(tenant, "adfs") || iequals(tenant, "common") ||
           iequals(tenant, "organizations");
}

Response aad_error(const Services& svc, int status, const std::string& error, int code, const std::string& text) {
    std::string trace = crypto::random_uuid();
    std::string corr = crypto::random_uuid();
    std::string ts = svc.now_iso();
    std::string stamp = ts.substr(0, 10) + " " + ts.substr(11, 8) + "Z";
    Json body = {{"error", error},
                 {"error_description", "AADSTS" + std::to_string(code) + ": " + text + "\r\nTrace ID: " + trace +
                                           "\r\nCorrelation ID: " + corr + "\r\nTimestamp: " + stamp},
                 {"error_codes", {code}},
                 {"timestamp", stamp},
                 {"trace_id", trace},
                 {"correlation_id", corr},
                 {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(code)}};
    return Response::json(status, body);
}

Json openid_config(const Services& svc, const std::string& tenant, bool v2) {
    const std::string& b = svc.base_url;
    if (iequals(tenant, "adfs")) {
        return {{"issuer", b + "/adfs"},
                {"authorization_endpoint", b + "/adfs/oauth2/authorize"},
                {"token_endpoint", b + "/adfs/oauth2/token"},
                {"jwks_uri", b + "/adfs/discovery/keys"},
                {"token_endpoint_auth_methods_supported", {"client_secret_post", "client_secret_basic"}},
                {"response_types_supported", {"code", "token"}},
                {"grant_types_supported", {"client_credentials"}},
                {"subject_types_supported", {"pairwise"}},
                {"id_token_signing_alg_values_supported", {"RS256"}},
                {"access_token_issuer", b + "/adfs/services/trust"}};
    }
    // The issuer names the real tenant: az reads issuer.split("/")[3].
    std::string tid = known_tenant(svc, tenant) ? svc.credentials.tenant_id : tenant;
    std::string root = b + "/" + tenant;
    return {{"issuer", v2 ? b + "/" + tid + "/v2.0" : b + "/" + tid + "/"},
            {"authorization_endpoint", root + (v2 ? "/oauth2/v2.0/authorize" : "/oauth2/authorize")},
            {"token_endpoint", root + (v2 ? "/oauth2/v2.0/token" : "/oauth2/token")},
            {"jwks_uri", root + (v2 ? "/discovery/v2.0/keys" : "/discovery/keys")},
            {"token_endpoint_auth_methods_supported", {"client_secret_post", "private_key_jwt", "client_secret_basic"}},
            {"response_types_supported", {"code", "id_token", "code id_token", "token id_token", "token"}},
            {"scopes_supported", {"openid", "profile", "email", "offline_access"}},
            {"subject_types_supported", {"pairwise"}},
            {"id_token_signing_alg_values_supported", {"RS256"}},
            {"tenant_region_scope", "EU"},
            {"cloud_instance_name", "microsoftonline.com"}};
}

Response handle_openid(Context& ctx, bool v2) {
    std::string tenant = ctx.param("tenant");
    if (tenant.empty()) {
        tenant = "adfs";
    }
    if (!known_tenant(ctx.svc, tenant)) {
        return aad_error(ctx.svc, 400, "invalid_tenant", 90002,
                         "Tenant '" + tenant + "' not found. Check to make sure you have the correct tenant ID "
                                               "and are signing into the correct cloud.");
    }
    return Response::json(200, openid_config(ctx.svc, tenant, v2));
}

Response handle_keys(Context& ctx) {
    std::string n;
    std::string e;
    ctx.svc.jwt_key->public_numbers(n, e);
    Json key = {{"kty", "RSA"}, {"use", "sig"}, {"kid", ctx.svc.jwt_kid}, {"n", n}, {"e", e}, {"alg", "RS256"}};
    return Response::json(200, Json{{"keys", {key}}});
}

/// Client id and secret from the form or HTTP Basic (RFC 6749 2.3.1).
void client_credentials(const Request& req, std::string& id, std::optional<std::string>& secret) {
    id = req.form_field("client_id").value_or("");
    secret = req.form_field("client_secret");
    std::string auth = req.header("Authorization");
    if (auth.size() > 6 && iequals(auth.substr(0, 6), "Basic ")) {
        std::string decoded;
        std::string b64 = auth.substr(6);
        if (crypto::base64url_decode(b64, decoded)) {
            auto colon = decoded.find(':');
            if (colon != std::string::npos) {
                id = decoded.substr(0, colon);
                secret = decoded.substr(colon + 1);
            }
        }
    }
}

/// The audience a token request asks for: v1 `resource`, or v2 `scope` without "/.default".
std::string requested_audience(const Request& req) {
    if (auto resource = req.form_field("resource")) {
        return *resource;
    }
    std::string scope = req.form_field("scope").value_or("https://management.azure.com/.default");
    std::string first = scope.substr(0, scope.find(' '));
    const std::string suffix = "/.default";
    if (first.size() > suffix.size() && first.ends_with(suffix)) {
        first = first.substr(0, first.size() - suffix.size());  // ".../.default" names the resource before it
    }
    return first;
}

const char* const k_principal_type = "_emulator/serviceprincipals";

std::string principal_key(const std::string& app_id) { return "/_emulator/servicePrincipals/" + to_lower(app_id); }

/// An additional service principal (create_principal) by appId.
std::optional<Record> find_principal(Services& svc, const std::string& app_id) {
    if (app_id.empty() || app_id.find('/') != std::string::npos) {
        return std::nullopt;
    }
    return svc.store->get(principal_key(app_id));
}

Response handle_token(Context& ctx, bool v2_path) {
    const Services& svc = ctx.svc;
    std::string tenant = ctx.param("tenant");
    if (tenant.empty()) {
        tenant = "adfs";
    }
    if (!known_tenant(svc, tenant)) {
        return aad_error(svc, 400, "invalid_request", 90002, "Tenant '" + tenant + "' not found.");
    }
    std::string grant = ctx.req.form_field("grant_type").value_or("");
    if (grant != "client_credentials") {
        return aad_error(svc, 400, "unsupported_grant_type", 70003,
                         "The app requested an unsupported grant type '" + grant +
                             "'. This emulator supports client_credentials.");
    }
    std::string client_id;
    std::optional<std::string> secret;
    client_credentials(ctx.req, client_id, secret);
    std::string expected_secret = svc.credentials.client_secret;
    std::string app_id;
    std::string object_id;
    if (!iequals(client_id, svc.credentials.client_id)) {
        if (auto other = find_principal(ctx.svc, client_id)) {
            expected_secret = other->secrets.value("clientSecret", "");
            app_id = other->body.value("appId", "");
            object_id = other->body.value("objectId", "");
        }
    }
    if (!iequals(client_id, svc.credentials.client_id) && app_id.empty()) {
        return aad_error(svc, 400, "unauthorized_client", 700016,
                         "Application with identifier '" + client_id + "' was not found in the directory '" +
                             svc.credentials.tenant_id + "'.");
    }
    if (!secret || secret->empty()) {
        return aad_error(svc, 401, "invalid_client", 7000216,
                         "'client_assertion', 'client_secret' or 'request' is required for the "
                         "'client_credentials' grant type.");
    }
    if (!crypto::secret_equals(*secret, expected_secret)) {
        return aad_error(svc, 401, "invalid_client", 7000215,
                         "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                         "secret value, not the client secret ID, for a secret added to app '" +
                             client_id + "'.");
    }
    std::string aud = requested_audience(ctx.req);
    std::int64_t life = svc.options.token_lifetime.count();
    std::string token = mint_token(svc, aud, life, app_id, object_id);
    bool v1_shape = !v2_path && ctx.req.form_field("resource").has_value();
    if (v1_shape) {
        std::int64_t now = svc.now_ms() / 1000;
        return Response::json(200, Json{{"token_type", "Bearer"},
                                        {"expires_in", std::to_string(life)},
                                        {"ext_expires_in", std::to_string(life)},
                                        {"expires_on", std::to_string(now + life)},
                                        {"not_before", std::to_string(now)},
                                        {"resource", aud},
                                        {"access_token", token}});
    }
    return Response::json(200, Json{{"token_type", "Bearer"},
                                    {"expires_in", life},
                                    {"ext_expires_in", life},
                                    {"access_token", token}});
}

Response handle_instance_discovery(Context& ctx) {
    std::string b = ctx.svc.base_url;
    return Response::json(200, Json{{"tenant_discovery_endpoint",
                                     b + "/" + ctx.svc.credentials.tenant_id + "/v2.0/.well-known/openid-configuration"},
                                    {"api-version", "1.1"},
                                    {"metadata", Json::array()}});
}

const std::vector<std::string>& arm_audiences() {
    static const std::vector<std::string> k_auds = {
        "https://management.core.windows.net/", "https://management.core.windows.net",
        "https://management.azure.com/",        "https://management.azure.com",
        "https://ml.azure.com/",                "https://ml.azure.com"};
    return k_auds;
}

Response unauthorized(const Services& svc, const std::string& code, const std::string& message,
                      const std::string& description) {
    Response res = ArmError{401, code, message}.response();
    res.set_header("WWW-Authenticate", "Bearer authorization_uri=\"" + svc.base_url + "/" +
                                           svc.credentials.tenant_id + "\", error=\"invalid_token\", "
                                                                       "error_description=\"" +
                                           description + "\"");
    return res;
}

std::string arm_time(std::int64_t epoch_s) {
    std::string iso = iso_time(epoch_s * 1000);
    return iso.substr(0, 19);
}

}  // namespace

Credentials create_principal(Services& svc, const std::string& display_name) {
    Credentials c = svc.credentials;
    c.client_id = crypto::random_uuid();
    c.object_id = crypto::random_uuid();
    c.client_secret = crypto::random_secret(40);
    c.credentials_file.clear();
    Store::Transaction tx(*svc.store);
    Record r;
    r.id = principal_key(c.client_id);
    r.type = k_principal_type;
    r.created_ms = svc.now_ms();
    r.body = {{"appId", c.client_id},
              {"objectId", c.object_id},
              {"displayName", display_name.empty() ? "sp-" + c.client_id.substr(0, 8) : display_name},
              {"servicePrincipalType", "Application"}};
    r.secrets = {{"clientSecret", c.client_secret}};
    r.etag = "\"" + svc.new_uuid() + "\"";
    svc.store->put(r);
    if (auto sub = svc.store->get("/subscriptions/" + c.subscription_id)) {
        sub->body["_principals"].push_back(c.object_id);
        svc.store->put(*sub);
    }
    tx.commit();
    return c;
}

std::string mint_token(const Services& svc, const std::string& audience, std::int64_t lifetime_s,
                       const std::string& app_id, const std::string& object_id) {
    std::int64_t now = svc.now_ms() / 1000;
    Credentials c = svc.credentials;
    if (!app_id.empty()) {
        c.client_id = app_id;
        c.object_id = object_id;
    }
    Json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"kid", svc.jwt_kid}, {"x5t", svc.jwt_kid}};
    Json claims = {{"aud", audience},
                   {"iss", svc.base_url + "/" + c.tenant_id + "/"},
                   {"iat", now},
                   {"nbf", now},
                   {"exp", now + lifetime_s},
                   {"appid", c.client_id},
                   {"appidacr", "1"},
                   {"idp", svc.base_url + "/" + c.tenant_id + "/"},
                   {"oid", c.object_id},
                   {"sub", c.object_id},
                   {"tid", c.tenant_id},
                   {"idtyp", "app"},
                   {"ver", "1.0"}};
    std::string signing_input = crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());
    return signing_input + "." + crypto::base64url_encode(svc.jwt_key->sign(signing_input));
}

std::optional<Response> authenticate_arm(const Services& svc, const Request& req, Principal& who) {
    return authenticate_bearer(svc, req, who, arm_audiences());
}

std::optional<Response> authenticate_bearer(const Services& svc, const Request& req, Principal& who,
                                            const std::vector<std::string>& audiences) {
    std::string auth = req.header("Authorization");
    if (auth.empty()) {
        return unauthorized(svc, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                            "The authentication failed because of missing 'Authorization' header.");
    }
    if (auth.size() < 8 || !iequals(auth.substr(0, 7), "Bearer ")) {
        return unauthorized(svc, "AuthenticationFailed",
                            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                            "The authentication failed because of invalid 'Authorization' header format.");
    }
    std::string token = auth.substr(7);
    auto invalid = [&] {
        return unauthorized(svc, "InvalidAuthenticationToken", "The access token is invalid.",
                            "The access token is invalid.");
    };
    auto verified = svc.verified_tokens.find(token);
    if (!verified) {
        std::size_t d1 = token.find('.');
        std::size_t d2 = d1 == std::string::npos ? d1 : token.find('.', d1 + 1);
        if (d2 == std::string::npos) {
            return invalid();
        }
        std::string claims_raw;
        std::string sig;
        if (!crypto::base64url_decode(token.substr(d1 + 1, d2 - d1 - 1), claims_raw) ||
            !crypto::base64url_decode(token.substr(d2 + 1), sig) || !svc.jwt_key->verify(token.substr(0, d2), sig)) {
            return invalid();
        }
        verified = std::make_shared<const Json>(Json::parse(claims_raw, nullptr, false));
        svc.verified_tokens.add(token, verified);
    }
    const Json& claims = *verified;
    if (!claims.is_object() || !claims.contains("exp") || !claims["exp"].is_number()) {
        return invalid();
    }
    std::int64_t now = svc.now_ms() / 1000;
    std::int64_t exp = claims["exp"].get<std::int64_t>();
    if (exp <= now) {
        return unauthorized(svc, "ExpiredAuthenticationToken",
                            "The access token expiry UTC time '" + arm_time(exp) +
                                "' is earlier than current UTC time '" + arm_time(now) + "'.",
                            "The access token has expired.");
    }
    std::string aud = claims.value("aud", "");
    if (std::find(audiences.begin(), audiences.end(), aud) == audiences.end()) {
        std::string allowed;
        if (&audiences == &arm_audiences()) {
            allowed = "'https://management.core.windows.net/','https://management.core.windows.net',"
                      "'https://management.azure.com/','https://management.azure.com'";
        } else {
            for (const auto& a : audiences) {
                allowed += (allowed.empty() ? "'" : ",'") + a + "'";
            }
        }
        return unauthorized(svc, "InvalidAuthenticationTokenAudience",
                            "The access token has been obtained for wrong audience or resource '" + aud +
                                "'. It should exactly match with one of the allowed audiences " + allowed + ".",
                            "The access token audience is invalid.");
    }
    who.tenant_id = claims.value("tid", "");
    who.object_id = claims.value("oid", "");
    who.app_id = claims.value("appid", "");
    who.claims = verified;
    return std::nullopt;
}

void install_aad(Registry& r) {
    auto openid_v2 = [](Context& c) { return handle_openid(c, true); };
    auto openid_v1 = [](Context& c) { return handle_openid(c, false); };
    auto token_v2 = [](Context& c) { return handle_token(c, true); };
    auto token_v1 = [](Context& c) { return handle_token(c, false); };
    r.add_route({"GET", "/{tenant}/v2.0/.well-known/openid-configuration", openid_v2, Auth::none, {}});
    r.add_route({"GET", "/{tenant}/.well-known/openid-configuration", openid_v1, Auth::none, {}});
    r.add_route({"POST", "/{tenant}/oauth2/v2.0/token", token_v2, Auth::none, {}});
    r.add_route({"POST", "/{tenant}/oauth2/token", token_v1, Auth::none, {}});
    r.add_route({"GET", "/{tenant}/discovery/v2.0/keys", handle_keys, Auth::none, {}});
    r.add_route({"GET", "/{tenant}/discovery/keys", handle_keys, Auth::none, {}});
    r.add_route({"GET", "/common/discovery/instance", handle_instance_discovery, Auth::none, {}});
}

}  // namespace emulator
