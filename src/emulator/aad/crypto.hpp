#pragma once
// Everything the emulator needs from OpenSSL: randomness, RS256 JWT signatures, and the
// CA + leaf certificate pair it serves HTTPS with.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace emulator::crypto {

/// `n` cryptographically random bytes as lower-case hex.
std::string random_hex(std::size_t n);
/// A random (version 4) UUID from the OS generator; used for secrets and identities.
std::string random_uuid();
/// A random URL-safe secret of about `n` characters (for client secrets and keys).
std::string random_secret(std::size_t n = 40);
/// Compares two secrets in time independent of where they differ (hashes, then CRYPTO_memcmp).
bool secret_equals(const std::string& given, const std::string& expected);

/// Base64url without padding.
std::string base64url_encode(std::string_view data);
/// Decodes base64url (padding optional); returns false on bad input.
bool base64url_decode(std::string_view in, std::string& out);
/// Standard base64 with padding.
std::string base64_encode(std::string_view data);

/// A freshly generated 2048-bit RSA private key, PEM (PKCS#8).
std::string generate_rsa_key_pem();
/// A parsed RSA private key that signs and verifies RS256 (thread-safe, cheap to copy).
class RsaKey {
public:
    /// Parses a PEM private key; throws std::runtime_error when it is not one.
    explicit RsaKey(const std::string& pem);
    /// RSASSA-PKCS1-v1_5 with SHA-256 signature of `data`.
    std::string sign(std::string_view data) const;
    /// Verifies a signature made by sign().
    bool verify(std::string_view data, std::string_view sig) const;
    /// The modulus and exponent as base64url (for a JWKS document).
    void public_numbers(std::string& n_b64url, std::string& e_b64url) const;

private:
    std::shared_ptr<void> m_key;  // EVP_PKEY
};
/// An RSA public key that verifies RS256 signatures: from a certificate (an app's registered
/// certificate credential) or from a JWK (a federated issuer's signing key).
class RsaPublicKey {
public:
    /// No key: verifies nothing.
    RsaPublicKey() = default;
    /// From a PEM certificate; fills the certificate's thumbprints (base64url SHA-1 = the JWT
    /// header's x5t, SHA-256 = x5t#S256). Throws std::runtime_error when it is not an RSA certificate.
    static RsaPublicKey from_certificate_pem(const std::string& pem, std::string& x5t, std::string& x5t_s256);
    /// From a JWK's modulus and exponent (base64url); throws when they are not a valid RSA key.
    static RsaPublicKey from_jwk(const std::string& n_b64url, const std::string& e_b64url);
    /// From a PEM public key ("BEGIN PUBLIC KEY"); throws when it is not one.
    static RsaPublicKey from_public_pem(const std::string& pem);
    /// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature.
    bool verify(std::string_view data, std::string_view sig) const;

private:
    std::shared_ptr<void> m_key;  // EVP_PKEY
};

/// SHA-256 of `data` as lower-case hex.
std::string sha256_hex(std::string_view data);

/// Paths of a CA and a leaf certificate signed by it.
struct TlsFiles {
    std::string ca_cert;
    std::string ca_key;
    std::string cert;
    std::string key;
};

/// Creates `dir`/ca.pem, ca.key, server.pem, server.key unless all exist (then reuses
/// them). The leaf carries subjectAltName IP:127.0.0.1, DNS:localhost and `extra_host`
/// when it is neither. Throws std::runtime_error on failure.
TlsFiles ensure_tls_files(const std::string& dir, const std::string& extra_host);

/// Writes `content` to `path` with mode 0600 (atomically, via a temporary file).
void write_private_file(const std::string& path, const std::string& content);
/// The whole file as a string; throws std::runtime_error when unreadable.
std::string read_file(const std::string& path);

}  // namespace emulator::crypto
