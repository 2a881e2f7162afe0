#pragma once
// What Entra ID knows about applications beyond the bootstrap principal's secret: certificate
// credentials (public keys by thumbprint), federated identity credentials (issuer, subject,
// audiences), and the signing keys of the external issuers it trusts. Filled at runtime through
// the admin API (/_emulator/apps/..., /_emulator/issuers); kept in memory only.
#include "aad/crypto.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace emulator {

struct AppCertificate {
    std::string x5t;       ///< base64url SHA-1 of the DER certificate
    std::string x5t_s256;  ///< base64url SHA-256
    crypto::RsaPublicKey key;
};

struct FederatedCredential {
    std::string name;
    std::string issuer;
    std::string subject;
    std::vector<std::string> audiences;  ///< "api://AzureADTokenExchange" by default
};

struct App {
    std::string client_id;
    std::string object_id;
    std::vector<AppCertificate> certificates;
    std::vector<FederatedCredential> federated;
};

struct IssuerKey {
    std::string kid;  ///< empty: matches any kid
    crypto::RsaPublicKey key;
};

/// Registered applications and trusted issuers; thread-safe.
class AppDirectory {
public:
    /// The app (a copy), or nullopt when nothing was registered for `client_id`.
    std::optional<App> find(const std::string& client_id) const {
        std::lock_guard lock(m_mutex);
        auto it = m_apps.find(lower(client_id));
        return it == m_apps.end() ? std::nullopt : std::optional<App>(it->second);
    }
    /// Adds (or replaces, by thumbprint) a certificate; creates the app with `object_id` if new.
    App add_certificate(const std::string& client_id, const std::string& object_id, AppCertificate cert) {
        std::lock_guard lock(m_mutex);
        App& app = slot(client_id, object_id);
        std::erase_if(app.certificates, [&](const AppCertificate& c) { return c.x5t == cert.x5t; });
        app.certificates.push_back(std::move(cert));
        return app;
    }
    /// Adds (or replaces, by name) a federated credential.
    App add_federated(const std::string& client_id, const std::string& object_id, FederatedCredential fic) {
        std::lock_guard lock(m_mutex);
        App& app = slot(client_id, object_id);
        std::erase_if(app.federated, [&](const FederatedCredential& f) { return f.name == fic.name; });
        app.federated.push_back(std::move(fic));
        return app;
    }
    /// Replaces the signing keys trusted for `issuer`.
    void set_issuer_keys(const std::string& issuer, std::vector<IssuerKey> keys) {
        std::lock_guard lock(m_mutex);
        m_issuers[issuer] = std::move(keys);
    }
    /// The keys trusted for `issuer` (empty: an issuer the emulator cannot verify).
    std::vector<IssuerKey> issuer_keys(const std::string& issuer) const {
        std::lock_guard lock(m_mutex);
        auto it = m_issuers.find(issuer);
        return it == m_issuers.end() ? std::vector<IssuerKey>{} : it->second;
    }
    /// Records a client assertion's jti until `exp`; false when it was used before (a replay).
    bool use_jti(const std::string& client_id, const std::string& jti, std::int64_t exp, std::int64_t now) {
        std::lock_guard lock(m_mutex);
        std::erase_if(m_jtis, [now](const auto& entry) { return entry.second < now; });
        return m_jtis.emplace(lower(client_id) + "|" + jti, exp).second;
    }

private:
    static std::string lower(std::string s) {
        for (auto& c : s) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        return s;
    }
    App& slot(const std::string& client_id, const std::string& object_id) {
        App& app = m_apps[lower(client_id)];
        if (app.client_id.empty()) {
            app.client_id = client_id;
            app.object_id = object_id;
        }
        return app;
    }

    mutable std::mutex m_mutex;
    std::map<std::string, App> m_apps;
    std::map<std::string, std::vector<IssuerKey>> m_issuers;
    std::map<std::string, std::int64_t> m_jtis;
};

}  // namespace emulator
