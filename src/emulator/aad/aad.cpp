#include "aad/aad.hpp"

#include "arm/arm.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <variant>

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

Response app_not_found(const Services& svc, const std::string& client_id) {
    return aad_error(svc, 400, "unauthorized_client", 700016,
                     "Application with identifier '" + client_id + "' was not found in the directory '" +
                         svc.credentials.tenant_id + "'.");
}

/// A compact JWS split and decoded; false when it is not one.
struct Jwt {
    Json header;
    Json claims;
    std::string signing_input;
    std::string signature;
};

bool parse_jwt(const std::string& text, Jwt& out) {
    std::size_t d1 = text.find('.');
    std::size_t d2 = d1 == std::string::npos ? d1 : text.find('.', d1 + 1);
    if (d2 == std::string::npos || text.find('.', d2 + 1) != std::string::npos) {
        return false;
    }
    std::string header;
    std::string claims;
    if (!crypto::base64url_decode(text.substr(0, d1), header) ||
        !crypto::base64url_decode(text.substr(d1 + 1, d2 - d1 - 1), claims) ||
        !crypto::base64url_decode(text.substr(d2 + 1), out.signature)) {
        return false;
    }
    out.header = Json::parse(header, nullptr, false);
    out.claims = Json::parse(claims, nullptr, false);
    out.signing_input = text.substr(0, d2);
    return out.header.is_object() && out.claims.is_object();
}

std::string string_claim(const Json& claims, const char* name) {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> time_claim(const Json& claims, const char* name) {
    auto it = claims.find(name);
    if (it == claims.end() || !it->is_number()) {
        return std::nullopt;
    }
    return it->get<std::int64_t>();
}

std::vector<std::string> audience_claim(const Json& claims) {
    auto it = claims.find("aud");
    if (it == claims.end()) {
        return {};
    }
    if (it->is_string()) {
        return {it->get<std::string>()};
    }
    std::vector<std::string> out;
    if (it->is_array()) {
        for (const auto& a : *it) {
            if (a.is_string()) {
                out.push_back(a.get<std::string>());
            }
        }
    }
    return out;
}

constexpr std::int64_t k_clock_skew_s = 300;  // Entra ID allows five minutes

/// exp (required) and nbf (when present) against now, with Entra ID's skew.
std::optional<Response> check_lifetime(const Services& svc, const Json& claims, bool nbf_required) {
    std::int64_t now = svc.now_ms() / 1000;
    auto exp = time_claim(claims, "exp");
    auto nbf = time_claim(claims, "nbf");
    if (!exp || (nbf_required && !nbf)) {
        return aad_error(svc, 400, "invalid_client", 50027,
                         std::string("JWT token is invalid or malformed: the assertion has no '") + (!exp ? "exp" : "nbf") +
                             "' claim.");
    }
    if (*exp + k_clock_skew_s <= now || (nbf && *nbf - k_clock_skew_s > now)) {
        return aad_error(svc, 400, "invalid_client", 700024,
                         "Client assertion is not within its valid time range. Current time: " + iso_time(now * 1000) +
                             ", assertion valid from " + (nbf ? iso_time(*nbf * 1000) : std::string("-")) +
                             ", expiry time of assertion " + iso_time(*exp * 1000) + ".");
    }
    return std::nullopt;
}

/// A certificate credential's assertion: iss = sub = the client id, signed by a registered
/// certificate (found by x5t or x5t#S256), aud = this token endpoint, a jti used once.
std::variant<App, Response> check_certificate_assertion(const Services& svc, const std::string& tenant,
                                                        const std::string& client_id, const Jwt& jwt) {
    auto app = svc.apps.find(client_id);
    if (!app && !iequals(client_id, svc.credentials.client_id)) {
        return app_not_found(svc, client_id);
    }
    const std::string x5t = string_claim(jwt.header, "x5t");
    const std::string x5t_s256 = string_claim(jwt.header, "x5t#S256");
    const AppCertificate* cert = nullptr;
    if (app) {
        for (const auto& c : app->certificates) {
            if ((!x5t.empty() && c.x5t == x5t) || (!x5t_s256.empty() && c.x5t_s256 == x5t_s256)) {
                cert = &c;
            }
        }
    }
    if (cert == nullptr) {
        return aad_error(svc, 401, "invalid_client", 700027,
                         "The certificate with identifier used to sign the client assertion is not registered on "
                         "application. [Reason - The key was not found., Thumbprint of key used by client: '" +
                             (x5t.empty() ? x5t_s256 : x5t) + "', Please visit the Azure Portal, Graph Explorer or "
                             "directly use MS Graph to see configured keys for app Id '" + client_id + "'.]");
    }
    if (!cert->key.verify(jwt.signing_input, jwt.signature)) {
        return aad_error(svc, 401, "invalid_client", 700027, "Client assertion failed signature validation.");
    }
    const auto auds = audience_claim(jwt.claims);
    bool aud_ok = false;
    for (const std::string& t : {tenant, svc.credentials.tenant_id}) {
        for (const char* path : {"/oauth2/v2.0/token", "/oauth2/token"}) {
            const std::string endpoint = svc.base_url + "/" + t + path;
            aud_ok = aud_ok || std::any_of(auds.begin(), auds.end(), [&](const std::string& a) { return iequals(a, endpoint); });
        }
    }
    if (!aud_ok) {
        return aad_error(svc, 400, "invalid_client", 700023,
                         "Client assertion audience claim does not match Realm issuer. Review the documentation at "
                         "https://learn.microsoft.com/entra/identity-platform/certificate-credentials . (aud '" +
                             (auds.empty() ? std::string() : auds.front()) + "', expected this token endpoint '" +
                             svc.base_url + "/" + tenant + "/oauth2/v2.0/token')");
    }
    if (auto bad = check_lifetime(svc, jwt.claims, true)) {
        return std::move(*bad);
    }
    const std::string jti = string_claim(jwt.claims, "jti");
    if (jti.empty()) {
        return aad_error(svc, 400, "invalid_client", 50027, "JWT token is invalid or malformed: the assertion has no 'jti' claim.");
    }
    if (!svc.apps.use_jti(client_id, jti, *time_claim(jwt.claims, "exp") + k_clock_skew_s, svc.now_ms() / 1000)) {
        return aad_error(svc, 400, "invalid_client", 7000250,
                         "The client assertion with jti '" + jti + "' was used before: each assertion is valid once.");
    }
    return *app;
}

/// A federated credential's assertion (an external token): a federated identity credential of
/// the app names its issuer and subject and one of its audiences; the issuer's registered key
/// verifies its signature; it has not expired.
std::variant<App, Response> check_federated_assertion(const Services& svc, const std::string& client_id, const Jwt& jwt) {
    auto app = svc.apps.find(client_id);
    if (!app) {
        if (client_id.empty()) {
            return aad_error(svc, 400, "invalid_request", 900144,
                             "The request body must contain the following parameter: 'client_id'.");
        }
        if (!iequals(client_id, svc.credentials.client_id)) {
            return app_not_found(svc, client_id);
        }
        app = App{svc.credentials.client_id, svc.credentials.object_id, {}, {}};
    }
    const std::string iss = string_claim(jwt.claims, "iss");
    const std::string sub = string_claim(jwt.claims, "sub");
    const auto auds = audience_claim(jwt.claims);
    const std::string aud = auds.empty() ? std::string() : auds.front();
    const std::string hint = " Please check your federated identity credential Subject, Audience and Issuer against "
                             "the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";
    bool issuer_known = false;
    const FederatedCredential* match = nullptr;
    for (const auto& f : app->federated) {
        if (f.issuer == iss) {
            issuer_known = true;
            if (f.subject == sub) {
                match = &f;
            }
        }
    }
    if (!issuer_known) {
        return aad_error(svc, 400, "invalid_client", 700211,
                         "No matching federated identity record found for presented assertion issuer '" + iss + "'." + hint);
    }
    if (match == nullptr) {
        return aad_error(svc, 400, "invalid_client", 700213,
                         "No matching federated identity record found for presented assertion subject '" + sub + "'." + hint);
    }
    const bool aud_ok = std::any_of(match->audiences.begin(), match->audiences.end(), [&](const std::string& a) {
        return std::find(auds.begin(), auds.end(), a) != auds.end();
    });
    if (!aud_ok) {
        return aad_error(svc, 400, "invalid_client", 700212,
                         "No matching federated identity record found for presented assertion audience '" + aud + "'." + hint);
    }
    const std::string kid = string_claim(jwt.header, "kid");
    const auto keys = svc.apps.issuer_keys(iss);
    if (keys.empty()) {
        return aad_error(svc, 400, "invalid_client", 50166,
                         "Request to External OIDC endpoint failed. (No signing keys are registered for issuer '" + iss +
                             "': PUT /_emulator/issuers.)");
    }
    bool key_found = false;
    bool verified = false;
    for (const auto& k : keys) {
        if (k.kid.empty() || kid.empty() || k.kid == kid) {
            key_found = true;
            verified = verified || k.key.verify(jwt.signing_input, jwt.signature);
        }
    }
    if (!verified) {
        return aad_error(svc, 400, "invalid_client", 50013,
                         std::string("Assertion failed signature validation. [Reason - ") +
                             (key_found ? "Key was found, but use of the key to verify the signature failed."
                                        : "The key was not found.") +
                             ", Thumbprint of key used by client: '" + kid + "']");
    }
    if (auto bad = check_lifetime(svc, jwt.claims, false)) {
        return std::move(*bad);
    }
    return *app;
}

std::variant<App, Response> check_client_assertion(Context& ctx, const std::string& tenant, const std::string& client_id,
                                                   const std::string& assertion) {
    const Services& svc = ctx.svc;
    const std::string type = ctx.req.form_field("client_assertion_type").value_or("");
    if (type != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
        return aad_error(svc, 400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'client_assertion_type' "
                         "(urn:ietf:params:oauth:client-assertion-type:jwt-bearer).");
    }
    Jwt jwt;
    if (!parse_jwt(assertion, jwt)) {
        return aad_error(svc, 400, "invalid_client", 50027, "JWT token is invalid or malformed.");
    }
    if (string_claim(jwt.header, "alg") != "RS256") {
        return aad_error(svc, 400, "invalid_client", 5002738,
                         "Invalid JWT token. '" + string_claim(jwt.header, "alg") +
                             "' is not a supported signature algorithm. Supported signing algorithms are: 'RS256'.");
    }
    const std::string iss = string_claim(jwt.claims, "iss");
    const std::string sub = string_claim(jwt.claims, "sub");
    // iss = sub = the app itself: a certificate credential; anything else: a federated token.
    if (!iss.empty() && iss == sub && (client_id.empty() || iequals(iss, client_id))) {
        return check_certificate_assertion(svc, tenant, iss, jwt);
    }
    return check_federated_assertion(svc, client_id, jwt);
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
    std::string app_id;
    std::string object_id;
    if (auto assertion = ctx.req.form_field("client_assertion")) {
        auto checked = check_client_assertion(ctx, tenant, client_id, *assertion);
        if (auto* error = std::get_if<Response>(&checked)) {
            return std::move(*error);
        }
        const App& app = std::get<App>(checked);
        app_id = app.client_id;
        object_id = app.object_id;
    } else {
        std::string expected_secret = svc.credentials.client_secret;
        if (!iequals(client_id, svc.credentials.client_id)) {
            if (auto other = find_principal(ctx.svc, client_id)) {
                expected_secret = other->secrets.value("clientSecret", "");
                app_id = other->body.value("appId", "");
                object_id = other->body.value("objectId", "");
            }
        }
        if (!iequals(client_id, svc.credentials.client_id) && app_id.empty()) {
            if (svc.apps.find(client_id)) {
                return aad_error(svc, 401, "invalid_client", 7000216,
                                 "'client_assertion', 'client_secret' or 'request' is required for the "
                                 "'client_credentials' grant type. (Application '" + client_id +
                                     "' has no client secret: use its certificate or federated credential.)");
            }
            return app_not_found(svc, client_id);
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

// --- admin API: certificate and federated credentials, trusted issuers -----------------

std::string object_id_for(Services& svc, const std::string& client_id) {
    if (iequals(client_id, svc.credentials.client_id)) {
        return svc.credentials.object_id;
    }
    auto app = svc.apps.find(client_id);
    return app ? app->object_id : crypto::random_uuid();
}

Json app_json(const App& app) {
    Json certs = Json::array();
    for (const auto& c : app.certificates) {
        certs.push_back({{"x5t", c.x5t}, {"x5t#S256", c.x5t_s256}});
    }
    Json feds = Json::array();
    for (const auto& f : app.federated) {
        feds.push_back({{"name", f.name}, {"issuer", f.issuer}, {"subject", f.subject}, {"audiences", f.audiences}});
    }
    return {{"clientId", app.client_id}, {"objectId", app.object_id}, {"certificates", certs},
            {"federatedIdentityCredentials", feds}};
}

/// PUT /_emulator/apps/{clientId}/certificates {"certificate": "<PEM>"}: the app may sign client
/// assertions with the certificate's key (Entra ID: keyCredentials of the app registration).
Response put_app_certificate(Context& ctx) {
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    if (!body.is_object() || !body.contains("certificate") || !body["certificate"].is_string()) {
        return ArmError{400, "InvalidRequestContent", "expected {\"certificate\": \"-----BEGIN CERTIFICATE-----...\"}"}.response();
    }
    AppCertificate cert{"", "", crypto::RsaPublicKey()};
    try {
        cert.key = crypto::RsaPublicKey::from_certificate_pem(body["certificate"].get<std::string>(), cert.x5t, cert.x5t_s256);
    } catch (const std::exception& e) {
        return ArmError{400, "InvalidCertificate", e.what()}.response();
    }
    const std::string client_id = ctx.param("clientId");
    return Response::json(200, app_json(ctx.svc.apps.add_certificate(client_id, object_id_for(ctx.svc, client_id), std::move(cert))));
}

/// PUT /_emulator/apps/{clientId}/federatedIdentityCredentials/{name} {"issuer", "subject",
/// "audiences"?}: as Microsoft Graph's federatedIdentityCredentials of an application.
Response put_federated_credential(Context& ctx) {
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    auto text = [&](const char* key) {
        return body.is_object() && body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : std::string();
    };
    FederatedCredential fic{ctx.param("name"), text("issuer"), text("subject"), {"api://AzureADTokenExchange"}};
    if (fic.issuer.empty() || fic.subject.empty()) {
        return ArmError{400, "InvalidRequestContent", "expected {\"issuer\": \"...\", \"subject\": \"...\", \"audiences\": [...]}"}
            .response();
    }
    if (body.contains("audiences")) {
        if (!body["audiences"].is_array() || body["audiences"].empty()) {
            return ArmError{400, "InvalidRequestContent", "audiences must be a non-empty array of strings"}.response();
        }
        fic.audiences.clear();
        for (const auto& a : body["audiences"]) {
            if (!a.is_string()) {
                return ArmError{400, "InvalidRequestContent", "audiences must be a non-empty array of strings"}.response();
            }
            fic.audiences.push_back(a.get<std::string>());
        }
    }
    const std::string client_id = ctx.param("clientId");
    return Response::json(200, app_json(ctx.svc.apps.add_federated(client_id, object_id_for(ctx.svc, client_id), std::move(fic))));
}

/// PUT /_emulator/issuers {"issuer": "https://token.actions.githubusercontent.com", "jwks":
/// {"keys": [{"kty": "RSA", "kid", "n", "e"}]}} or {"issuer", "publicKey": "<PEM>", "kid"?}:
/// the keys Entra ID would fetch from the issuer's OpenID configuration (jwks_uri).
Response put_issuer(Context& ctx) {
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    if (!body.is_object() || !body.contains("issuer") || !body["issuer"].is_string()) {
        return ArmError{400, "InvalidRequestContent", "expected {\"issuer\": \"...\", \"jwks\": {\"keys\": [...]}} or a \"publicKey\""}
            .response();
    }
    std::vector<IssuerKey> keys;
    try {
        if (body.contains("publicKey") && body["publicKey"].is_string()) {
            keys.push_back({body.value("kid", ""), crypto::RsaPublicKey::from_public_pem(body["publicKey"].get<std::string>())});
        }
        if (body.contains("jwks") && body["jwks"].is_object() && body["jwks"].contains("keys") && body["jwks"]["keys"].is_array()) {
            for (const auto& k : body["jwks"]["keys"]) {
                if (k.is_object() && k.value("kty", "") == "RSA") {
                    keys.push_back({k.value("kid", ""), crypto::RsaPublicKey::from_jwk(k.value("n", ""), k.value("e", ""))});
                }
            }
        }
    } catch (const std::exception& e) {
        return ArmError{400, "InvalidKey", e.what()}.response();
    }
    if (keys.empty()) {
        return ArmError{400, "InvalidKey", "no RSA key in \"publicKey\" or \"jwks\""}.response();
    }
    const std::string issuer = body["issuer"].get<std::string>();
    const std::size_t count = keys.size();
    ctx.svc.apps.set_issuer_keys(issuer, std::move(keys));
    return Response::json(200, Json{{"issuer", issuer}, {"keys", count}});
}

}  // namespace

std::string mint_token_for(const Services& svc, const std::string& audience, std::int64_t lifetime_s,
                           const std::string& app_id, const std::string& object_id) {
    return mint_token(svc, audience, lifetime_s, app_id, object_id);
}

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
    r.add_route({"PUT", "/_emulator/apps/{clientId}/certificates", put_app_certificate, Auth::none, {}});
    r.add_route({"PUT", "/_emulator/apps/{clientId}/federatedIdentityCredentials/{name}", put_federated_credential,
                 Auth::none, {}});
    r.add_route({"PUT", "/_emulator/issuers", put_issuer, Auth::none, {}});
}

}  // namespace emulator
