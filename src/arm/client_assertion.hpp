#pragma once
// Certificate credentials: a certificate with its private key read from a PEM or PKCS#12 file,
// and the client assertion (an RS256 JWT) Entra ID accepts in place of a client secret.
// client_assertion.cpp is the one file of the client's credentials that uses OpenSSL.
#include <tl/expected.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace converge {

class ClientCertificate {
public:
    /// Reads `path`: PEM holding the certificate and its (RSA) private key, in any order, or
    /// PKCS#12 (.pfx/.p12). `password` opens the PKCS#12 file or an encrypted PEM key. The
    /// error says what is wrong with the file (never the password).
    static tl::expected<std::shared_ptr<const ClientCertificate>, std::string> load(const std::string& path,
                                                                                   const std::string& password);
    /// base64url of the DER certificate's SHA-1 (the JWT header's x5t, Entra ID's thumbprint).
    const std::string& x5t() const { return m_x5t; }
    /// base64url of its SHA-256 (x5t#S256).
    const std::string& x5t_s256() const { return m_x5t_s256; }
    /// The signed client assertion: header {alg RS256, typ JWT, x5t, x5t#S256}; claims aud =
    /// `audience` (the token endpoint), iss = sub = `client_id`, a random jti, iat = nbf = `now`,
    /// exp = `now` + 10 minutes.
    std::string assertion(const std::string& client_id, const std::string& audience, std::int64_t now) const;

private:
    ClientCertificate() = default;
    std::shared_ptr<void> m_key;  // EVP_PKEY
    std::string m_x5t;
    std::string m_x5t_s256;
};

}  // namespace converge
