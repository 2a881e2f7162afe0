// Certificate credentials, workload identity federation and the Azure CLI's once-only probe:
// on scripted fakes (request shapes, the assertion's header and claims, file re-reads, counts of
// `az` runs) and end to end against the in-process emulator over HTTPS (the emulator trusts a
// registered certificate and a registered issuer, as Entra ID does), with keys made here.
#include "fakes.hpp"

#include "arm/client_assertion.hpp"
#include "converge/client_factory.hpp"
#include "converge/credentials.hpp"

#include <doctest/doctest.h>
#include <emulator.hpp>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

using namespace converge;
using namespace converge::testing;

namespace {

// --- keys and tokens made with OpenSSL for the tests --------------------------------------

std::string b64url(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=') {
        out.pop_back();
    }
    for (auto& c : out) {
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    return out;
}

std::string b64url_decode(std::string text) {
    for (auto& c : text) {
        c = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (text.size() % 4 != 0) {
        text += '=';
    }
    std::string out(text.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    REQUIRE(n >= 0);
    out.resize(static_cast<std::size_t>(n) - std::count(text.begin(), text.end(), '='));
    return out;
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

/// An RSA key with a self-signed certificate; PEM and PKCS#12 renderings.
struct TestCert {
    std::shared_ptr<EVP_PKEY> key;
    std::shared_ptr<X509> cert;

    TestCert() {
        key.reset(EVP_RSA_gen(2048), EVP_PKEY_free);
        REQUIRE(key);
        cert.reset(X509_new(), X509_free);
        X509_set_version(cert.get(), 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
        X509_NAME* name = X509_get_subject_name(cert.get());
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("converge-test"), -1,
                                   -1, 0);
        X509_set_issuer_name(cert.get(), name);
        X509_set_pubkey(cert.get(), key.get());
        REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
    }
    std::string cert_pem() const {
        std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new(BIO_s_mem()), BIO_free_all);
        PEM_write_bio_X509(bio.get(), cert.get());
        return bio_text(bio.get());
    }
    std::string key_pem() const {
        std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new(BIO_s_mem()), BIO_free_all);
        PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        return bio_text(bio.get());
    }
    std::string public_pem() const {
        std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new(BIO_s_mem()), BIO_free_all);
        PEM_write_bio_PUBKEY(bio.get(), key.get());
        return bio_text(bio.get());
    }
    std::string pkcs12(const std::string& password) const {
        std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(
            PKCS12_create(password.c_str(), "converge", key.get(), cert.get(), nullptr, 0, 0, 0, 0, 0), PKCS12_free);
        REQUIRE(p12);
        std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new(BIO_s_mem()), BIO_free_all);
        i2d_PKCS12_bio(bio.get(), p12.get());
        return bio_text(bio.get());
    }
    std::string x5t() const {
        unsigned char* der = nullptr;
        const int len = i2d_X509(cert.get(), &der);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        EVP_Digest(der, static_cast<std::size_t>(len), md, &md_len, EVP_sha1(), nullptr);
        OPENSSL_free(der);
        return b64url(std::string(reinterpret_cast<const char*>(md), md_len));
    }
    bool verify(const std::string& data, const std::string& signature) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
               EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    }
    /// An RS256 JWT over `claims` signed with this key (an external issuer's token).
    std::string jwt(const Json& claims, const std::string& kid = "k1") const {
        const std::string input = b64url(Json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid}}.dump()) + "." +
                                  b64url(claims.dump());
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        std::size_t size = 0;
        REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
        REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                               input.size()) == 1);
        std::string sig(size, '\0');
        REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                               reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
        sig.resize(size);
        return input + "." + b64url(sig);
    }
};

/// A temporary directory removed at the end of the test.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/converge-creds-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& content) const {
        const auto file = (path / name).string();
        std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
        return file;
    }
};

EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

/// The form fields of a token request body.
std::map<std::string, std::string> form_of(const std::string& body) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= body.size()) {
        const std::size_t end = std::min(body.find('&', start), body.size());
        const std::string pair = body.substr(start, end - start);
        const std::size_t eq = pair.find('=');
        std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
        std::string decoded;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (value[i] == '%' && i + 2 < value.size()) {
                decoded += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else {
                decoded += value[i] == '+' ? ' ' : value[i];
            }
        }
        out[pair.substr(0, eq)] = decoded;
        start = end + 1;
    }
    return out;
}

Json jwt_part(const std::string& jwt, int part) {
    std::size_t begin = 0;
    for (int i = 0; i < part; ++i) {
        begin = jwt.find('.', begin) + 1;
    }
    return Json::parse(b64url_decode(jwt.substr(begin, jwt.find('.', begin) - begin)));
}

HttpResponse token_ok(const std::string& token = "AT") {
    return json_response(200, {{"token_type", "Bearer"}, {"expires_in", 3599}, {"access_token", token}});
}

/// `az` that counts its runs.
struct CountingAz {
    std::shared_ptr<std::atomic<int>> runs = std::make_shared<std::atomic<int>>(0);
    ProcessRunner not_logged_in() const {
        return [runs = runs](const std::vector<std::string>&) {
            ++*runs;
            return ProcessResult{1, "", "ERROR: Please run 'az login' to setup account.\n"};
        };
    }
    ProcessRunner logged_in(std::string subscription) const {
        return [runs = runs, subscription](const std::vector<std::string>&) {
            ++*runs;
            return ProcessResult{0,
                                 Json{{"accessToken", "CLI-" + std::to_string(runs->load())},
                                      {"expires_on", now_s() + 3600},
                                      {"subscription", subscription},
                                      {"tenant", "t1"},
                                      {"tokenType", "Bearer"}}
                                     .dump(),
                                 ""};
        };
    }
};

// --- the emulator, trusting a certificate and an issuer -----------------------------------

const char* k_app = "6a1d3c1e-0000-4000-8000-00000000c0de";
const char* k_issuer = "https://token.actions.githubusercontent.com";
const char* k_subject = "repo:contoso/ml-platform:ref:refs/heads/main";

struct Emu {
    emulator::Emulator emu;
    explicit Emu(emulator::Options o = {}) : emu(std::move(o)) { emu.start(); }

    Json admin_put(const std::string& path, const Json& body) {
        httplib::SSLClient c("127.0.0.1", emu.port());
        c.set_ca_cert_path(emu.ca_path().c_str());
        c.enable_server_certificate_verification(true);
        auto res = c.Put(path, body.dump(), "application/json");
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 200, res->body);
        return Json::parse(res->body);
    }
    /// A client whose credential chain sees only `env` (and no `az`).
    std::shared_ptr<ArmClient> client(const std::map<std::string, std::string>& env) {
        ClientOptions options;
        options.arm_endpoint = emu.base_url();
        options.ca_bundle = emu.ca_path();
        options.credentials.authority_host = emu.base_url();
        options.credentials.azure_cli = false;
        options.retry.base_delay = std::chrono::milliseconds(5);
        auto made = make_arm_client(options, env_of(env));
        REQUIRE(made);
        return *made;
    }
    /// The bootstrap app: the one with a role on the subscription (a new client id would get
    /// ARM's 403 AuthorizationFailed, as an app without a role assignment does in Azure).
    std::string app() const { return emu.credentials().client_id; }
    std::string groups() const { return "/subscriptions/" + emu.credentials().subscription_id + "/resourcegroups"; }
    std::map<std::string, std::string> federated_env(const std::string& token_file) const {
        return {{"AZURE_TENANT_ID", emu.credentials().tenant_id},
                {"AZURE_CLIENT_ID", app()},
                {"AZURE_FEDERATED_TOKEN_FILE", token_file}};
    }
    Json github_claims(std::int64_t exp_in = 600) const {
        return {{"iss", k_issuer}, {"sub", k_subject}, {"aud", "api://AzureADTokenExchange"},
                {"iat", now_s()},  {"nbf", now_s()},   {"exp", now_s() + exp_in},
                {"jti", "run-1"}};
    }
};

/// The failure's one line, checked to name the credential and carry no secret.
std::string one_line(const ApiError& error, const std::vector<std::string>& never) {
    const std::string text = error.to_string();
    CHECK(text.find('\n') == std::string::npos);
    for (const auto& secret : never) {
        CHECK_MESSAGE(text.find(secret) == std::string::npos, "secret printed: " << text);
    }
    return text;
}

}  // namespace

TEST_SUITE("client") {

TEST_CASE("default chain: the Azure SDKs' order, workload identity after the environment's service principal") {
    auto transport = std::make_shared<FakeTransport>();
    auto clock = std::make_shared<ManualClock>();
    auto chain = make_default_credential(
        {}, env_of({{"IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"}, {"AZURE_FEDERATED_TOKEN_FILE", "/nonexistent"}}),
        transport, clock, CountingAz().not_logged_in());
    CHECK(chain->names() ==
          std::vector<std::string>{"environment", "workload-identity", "managed-identity", "azure-cli"});
}

TEST_CASE("certificate credential: a signed client assertion instead of a secret (PEM and PKCS#12)") {
    TestCert cert;
    TempDir dir;
    const std::string pem = dir.write("sp.pem", cert.cert_pem() + cert.key_pem());
    const std::string pfx = dir.write("sp.pfx", cert.pkcs12("pfx-PASSWORD-1"));
    for (const auto& [path_, password_] : std::vector<std::pair<std::string, std::string>>{{pem, ""}, {pfx, "pfx-PASSWORD-1"}}) {
        const auto& path = path_;  // a reference, not a binding: clang 14 lambdas cannot capture one
        const auto& password = password_;
        CAPTURE(path);
        auto transport = std::make_shared<FakeTransport>();
        transport->on("POST", "/tenant1/oauth2/v2.0/token", token_ok("AT-CERT"));
        auto clock = std::make_shared<ManualClock>();
        std::map<std::string, std::string> env = {{"AZURE_TENANT_ID", "tenant1"},
                                                  {"AZURE_CLIENT_ID", "app1"},
                                                  {"AZURE_CLIENT_CERTIFICATE_PATH", path}};
        if (!password.empty()) {
            env["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = password;
        }
        auto credential = EnvironmentCredential::from_env(env_of(env), "https://login.test", false, transport, clock);
        auto token = credential->get_token("https://management.azure.com");
        REQUIRE_MESSAGE(token, (token ? "" : token.error().to_string()));
        CHECK(token->token == "AT-CERT");
        const auto form = form_of(transport->requests().at(0).body);
        CHECK(form.at("grant_type") == "client_credentials");
        CHECK(form.at("client_id") == "app1");
        CHECK(form.count("client_secret") == 0);
        CHECK(form.at("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        CHECK(form.at("scope") == "https://management.azure.com/.default");
        const std::string assertion = form.at("client_assertion");
        const Json header = jwt_part(assertion, 0);
        const Json claims = jwt_part(assertion, 1);
        CHECK(header.at("alg") == "RS256");
        CHECK(header.at("x5t") == cert.x5t());
        CHECK(header.contains("x5t#S256"));
        CHECK(claims.at("aud") == "https://login.test/tenant1/oauth2/v2.0/token");
        CHECK(claims.at("iss") == "app1");
        CHECK(claims.at("sub") == "app1");
        CHECK(claims.at("exp").get<std::int64_t>() - claims.at("nbf").get<std::int64_t>() == 600);
        CHECK_FALSE(claims.at("jti").get<std::string>().empty());
        const auto last_dot = assertion.rfind('.');
        CHECK(cert.verify(assertion.substr(0, last_dot), b64url_decode(assertion.substr(last_dot + 1))));
        // The assertion and the password are among the values every output is scrubbed of.
        const auto secrets = credential->secrets();
        CHECK(std::find(secrets.begin(), secrets.end(), assertion) != secrets.end());
        if (!password.empty()) {
            CHECK(std::find(secrets.begin(), secrets.end(), password) != secrets.end());
        }
        // A second token gets a fresh assertion (a new jti).
        REQUIRE(credential->get_token("https://ml.azure.com"));
        CHECK(jwt_part(form_of(transport->requests().at(1).body).at("client_assertion"), 1).at("jti") != claims.at("jti"));
    }
}

TEST_CASE("certificate credential: unusable files fail in one line naming the variable, never the password") {
    TestCert cert;
    TestCert other;
    TempDir dir;
    const std::map<std::string, std::string> cases = {
        {dir.write("wrong.pfx", cert.pkcs12("right-PW")), "PKCS#12"},
        {dir.write("cert-only.pem", cert.cert_pem()), "no private key"},
        {dir.write("mismatch.pem", cert.cert_pem() + other.key_pem()), "does not belong"},
        {(dir.path / "missing.pem").string(), "cannot read"},
    };
    for (const auto& [path_, expected_] : cases) {
        const auto& path = path_;  // a reference, not a binding: clang 14 lambdas cannot capture one
        const auto& expected = expected_;
        CAPTURE(path);
        auto transport = std::make_shared<FakeTransport>();
        auto credential = EnvironmentCredential::from_env(
            env_of({{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_ID", "c"}, {"AZURE_CLIENT_CERTIFICATE_PATH", path},
                    {"AZURE_CLIENT_CERTIFICATE_PASSWORD", "wrong-PW-123"}}),
            "https://login.test", false, transport, std::make_shared<ManualClock>());
        auto token = credential->get_token("https://management.azure.com");
        REQUIRE_FALSE(token);
        CHECK_FALSE(token.error().unavailable);
        const std::string text = token.error().to_string();
        CHECK(text.find("environment: AZURE_CLIENT_CERTIFICATE_PATH: ") == 0);
        CHECK(text.find(expected) != std::string::npos);
        CHECK(text.find("wrong-PW-123") == std::string::npos);
        CHECK(text.find('\n') == std::string::npos);
        CHECK(transport->count("*") == 0);
    }
}

TEST_CASE("workload identity: the federated token file is the assertion, read again on every request") {
    TempDir dir;
    const std::string file = dir.write("token", "FEDERATED-ONE\n");
    auto transport = std::make_shared<FakeTransport>();
    transport->on("POST", "/tenant1/oauth2/v2.0/token", token_ok("AT-WI"));
    auto credential = WorkloadIdentityCredential::from_env(
        env_of({{"AZURE_TENANT_ID", "tenant1"}, {"AZURE_CLIENT_ID", "app1"}, {"AZURE_FEDERATED_TOKEN_FILE", file}}),
        "https://login.test/", false, transport, std::make_shared<ManualClock>());
    REQUIRE(credential->get_token("https://management.azure.com"));
    auto form = form_of(transport->requests().at(0).body);
    CHECK(transport->requests().at(0).url == "https://login.test/tenant1/oauth2/v2.0/token");
    CHECK(form.at("client_assertion") == "FEDERATED-ONE");
    CHECK(form.at("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    CHECK(form.at("client_id") == "app1");
    CHECK(form.count("client_secret") == 0);
    dir.write("token", "FEDERATED-TWO");  // the kubelet rotated it
    REQUIRE(credential->get_token("https://management.azure.com"));
    CHECK(form_of(transport->requests().at(1).body).at("client_assertion") == "FEDERATED-TWO");
    CHECK(credential->secrets() == std::vector<std::string>{"FEDERATED-TWO"});
    std::filesystem::remove(file);
    auto gone = credential->get_token("https://management.azure.com");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().to_string() == "workload-identity: cannot read AZURE_FEDERATED_TOKEN_FILE " + file);
    auto unset = WorkloadIdentityCredential::from_env(env_of({{"AZURE_CLIENT_ID", "app1"}}), "https://login.test", false,
                                                      transport, std::make_shared<ManualClock>());
    auto skipped = unset->get_token("x");
    REQUIRE_FALSE(skipped);
    CHECK(skipped.error().unavailable);
}

TEST_CASE("azure cli: run once when not logged in, however many tokens are asked for; its subscription is the default") {
    CountingAz az;
    auto transport = std::make_shared<FakeTransport>();
    auto clock = std::make_shared<ManualClock>();
    auto chain = make_default_credential({}, env_of({}), transport, clock, az.not_logged_in());
    TokenCache cache(chain, clock);
    for (const char* audience : {"https://management.azure.com", "https://ml.azure.com", "https://storage.azure.com"}) {
        for (int i = 0; i < 3; ++i) {
            auto token = cache.get(audience);
            REQUIRE_FALSE(token);
            const std::string text = token.error().to_string();
            CHECK(text == "no credential available: environment: not configured (AZURE_TENANT_ID, AZURE_CLIENT_ID and "
                          "AZURE_CLIENT_SECRET, AZURE_CLIENT_SECRET_FILE or AZURE_CLIENT_CERTIFICATE_PATH not set); "
                          "workload-identity: not configured (AZURE_TENANT_ID, AZURE_CLIENT_ID and "
                          "AZURE_FEDERATED_TOKEN_FILE not set); azure-cli: not logged in (ERROR: Please run 'az login' "
                          "to setup account.)");
        }
    }
    CHECK(az.runs->load() == 1);
    CHECK(transport->count("*") == 0);

    CountingAz logged_in;
    auto chain2 = make_default_credential({}, env_of({}), transport, clock, logged_in.logged_in("sub-from-az"));
    CHECK_FALSE(chain2->default_subscription());
    TokenCache cache2(chain2, clock);
    REQUIRE(cache2.get("https://management.azure.com"));
    REQUIRE(cache2.get("https://management.azure.com"));
    CHECK(logged_in.runs->load() == 1);  // cached
    CHECK(chain2->default_subscription() == "sub-from-az");
}

TEST_CASE("emulator: a certificate credential end to end; an unregistered certificate fails in one line") {
    Emu e;
    TestCert cert;
    TempDir dir;
    const Json app = e.admin_put("/_emulator/apps/" + e.app() + "/certificates", {{"certificate", cert.cert_pem()}});
    CHECK(app.at("certificates").at(0).at("x5t") == cert.x5t());
    const std::map<std::string, std::string> env = {{"AZURE_TENANT_ID", e.emu.credentials().tenant_id},
                                                    {"AZURE_CLIENT_ID", e.app()},
                                                    {"AZURE_CLIENT_CERTIFICATE_PATH", dir.write("sp.pem", cert.cert_pem() + cert.key_pem())}};
    auto client = e.client(env);
    auto groups = client->list(e.groups(), "2021-04-01");
    REQUIRE_MESSAGE(groups, (groups ? "" : groups.error().to_string()));
    // PKCS#12 with a password: the same app.
    auto env_pfx = env;
    env_pfx["AZURE_CLIENT_CERTIFICATE_PATH"] = dir.write("sp.pfx", cert.pkcs12("PFX-pw-42"));
    env_pfx["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = "PFX-pw-42";
    REQUIRE(e.client(env_pfx)->list(e.groups(), "2021-04-01"));

    TestCert unregistered;
    auto env_bad = env;
    env_bad["AZURE_CLIENT_CERTIFICATE_PATH"] = dir.write("other.pem", unregistered.cert_pem() + unregistered.key_pem());
    auto refused = e.client(env_bad)->list(e.groups(), "2021-04-01");
    REQUIRE_FALSE(refused);
    const std::string text = one_line(refused.error(), {});
    CHECK(text.find("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered") !=
          std::string::npos);
    CHECK(text.find("[credential environment]") != std::string::npos);
}

TEST_CASE("emulator: workload identity federation end to end; wrong subject, expired token and wrong key fail clearly") {
    Emu e;
    TestCert issuer;  // the OIDC issuer's signing key (GitHub's, the AKS cluster's)
    TempDir dir;
    e.admin_put("/_emulator/issuers", {{"issuer", k_issuer}, {"publicKey", issuer.public_pem()}, {"kid", "k1"}});
    e.admin_put("/_emulator/apps/" + e.app() + "/federatedIdentityCredentials/github-main",
                {{"issuer", k_issuer}, {"subject", k_subject}, {"audiences", {"api://AzureADTokenExchange"}}});

    const std::string good = issuer.jwt(e.github_claims());
    auto client = e.client(e.federated_env(dir.write("token", good)));
    auto groups = client->list(e.groups(), "2021-04-01");
    REQUIRE_MESSAGE(groups, (groups ? "" : groups.error().to_string()));

    struct Bad {
        std::string name;
        std::string token;
        std::string expected;
    };
    TestCert stranger;
    Json wrong_subject = e.github_claims();
    wrong_subject["sub"] = "repo:contoso/ml-platform:pull_request";
    Json wrong_audience = e.github_claims();
    wrong_audience["aud"] = "api://SomethingElse";
    Json unknown_issuer = e.github_claims();
    unknown_issuer["iss"] = "https://evil.test";
    const std::vector<Bad> cases = {
        {"wrong subject", issuer.jwt(wrong_subject),
         "AADSTS700213: No matching federated identity record found for presented assertion subject "
         "'repo:contoso/ml-platform:pull_request'"},
        {"expired", issuer.jwt(e.github_claims(-3600)), "AADSTS700024: Client assertion is not within its valid time range"},
        {"wrong key", stranger.jwt(e.github_claims()), "AADSTS50013: Assertion failed signature validation"},
        {"wrong audience", issuer.jwt(wrong_audience), "AADSTS700212: No matching federated identity record found for "
                                                         "presented assertion audience 'api://SomethingElse'"},
        {"unknown issuer", issuer.jwt(unknown_issuer), "AADSTS700211"},
    };
    for (const auto& bad : cases) {
        CAPTURE(bad.name);
        auto refused = e.client(e.federated_env(dir.write("token-" + std::to_string(&bad - cases.data()), bad.token)))
                           ->list(e.groups(), "2021-04-01");
        REQUIRE_FALSE(refused);
        const std::string text = one_line(refused.error(), {bad.token, good});
        CHECK_MESSAGE(text.find(bad.expected) != std::string::npos, text);
        CHECK(text.find("[credential workload-identity]") != std::string::npos);
    }
}

TEST_CASE("emulator: the certificate assertion is checked like Entra ID's (audience, lifetime, replay)") {
    Emu e;
    TestCert cert;
    TempDir dir;
    e.admin_put(std::string("/_emulator/apps/") + k_app + "/certificates", {{"certificate", cert.cert_pem()}});
    const std::string file = dir.write("sp.pem", cert.cert_pem() + cert.key_pem());
    auto loaded = ClientCertificate::load(file, "");
    REQUIRE(loaded);
    const std::string tenant = e.emu.credentials().tenant_id;
    const std::string endpoint = e.emu.base_url() + "/" + tenant + "/oauth2/v2.0/token";
    httplib::SSLClient c("127.0.0.1", e.emu.port());
    c.set_ca_cert_path(e.emu.ca_path().c_str());
    c.enable_server_certificate_verification(true);
    auto post = [&](const std::string& assertion) {
        httplib::Params form = {{"grant_type", "client_credentials"},
                                {"client_id", k_app},
                                {"scope", "https://management.azure.com/.default"},
                                {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                                {"client_assertion", assertion}};
        auto res = c.Post("/" + tenant + "/oauth2/v2.0/token", form);
        REQUIRE(res);
        return std::pair<int, std::string>(res->status, res->body);
    };
    const std::string good = (*loaded)->assertion(k_app, endpoint, now_s());
    CHECK(post(good).first == 200);
    auto replay = post(good);
    CHECK(replay.first == 400);
    CHECK(replay.second.find("was used before") != std::string::npos);
    auto wrong_aud = post((*loaded)->assertion(k_app, "https://login.microsoftonline.com/x/oauth2/v2.0/token", now_s()));
    CHECK(wrong_aud.second.find("AADSTS700023") != std::string::npos);
    auto expired = post((*loaded)->assertion(k_app, endpoint, now_s() - 7200));
    CHECK(expired.second.find("AADSTS700024") != std::string::npos);
    auto other_app = post((*loaded)->assertion("someone-else", endpoint, now_s()));
    CHECK(other_app.first == 400);
}

TEST_CASE("nothing configured: the client fails at once with every source's reason, and az ran once") {
    CountingAz az;
    ClientOptions options;
    options.arm_endpoint = "https://127.0.0.1:1";  // never contacted: no token, no request
    auto transport = std::make_shared<FakeTransport>();
    auto clock = std::make_shared<ManualClock>();
    auto chain = make_default_credential(options.credentials, env_of({}), transport, clock, az.not_logged_in());
    ArmClient client(options, transport, chain, clock, std::make_shared<FixedRandom>(0.5));
    for (int i = 0; i < 5; ++i) {
        auto r = client.get("/subscriptions/s/resourcegroups/rg" + std::to_string(i), "2021-04-01");
        REQUIRE_FALSE(r);
        const std::string text = r.error().to_string();
        CHECK(text.find("no credential available: environment: not configured") != std::string::npos);
        CHECK(text.find("azure-cli: not logged in") != std::string::npos);
        CHECK(text.find('\n') == std::string::npos);
    }
    CHECK(az.runs->load() == 1);
    CHECK(transport->count("*") == 0);
}

}  // TEST_SUITE
