// Certificate loading and client assertion signing with OpenSSL (see client_assertion.hpp).
#include "arm/client_assertion.hpp"

#include "converge/json.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace converge {

namespace {

template <class T, void (*F)(T*)>
struct Free {
    void operator()(T* p) const { F(p); }
};
using Bio = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;
using Cert = std::unique_ptr<X509, Free<X509, X509_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;
using P12 = std::unique_ptr<PKCS12, Free<PKCS12, PKCS12_free>>;

void free_ca_stack(STACK_OF(X509) * ca) { sk_X509_pop_free(ca, X509_free); }

std::string base64url(std::string_view data) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                           static_cast<unsigned char>(data[i + 2]);
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        out += k_alphabet[(n >> 6) & 63];
        out += k_alphabet[n & 63];
    }
    if (i + 1 == data.size()) {
        const unsigned n = static_cast<unsigned char>(data[i]) << 16;
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
    } else if (i + 2 == data.size()) {
        const unsigned n = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8);
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        out += k_alphabet[(n >> 6) & 63];
    }
    return out;
}

std::string digest(const EVP_MD* md, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(data.data(), data.size(), out, &size, md, nullptr);
    return std::string(reinterpret_cast<const char*>(out), size);
}

std::string random_jti() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += k_hex[bytes[i] >> 4];
        out += k_hex[bytes[i] & 15];
    }
    return out;
}

// PEM: the first certificate and the private key, wherever they are in the file.
void read_pem(const std::string& text, const std::string& password, Cert& cert, EVP_PKEY*& key) {
    Bio certs(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    cert.reset(PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr));
    Bio keys(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    key = PEM_read_bio_PrivateKey(keys.get(), nullptr, nullptr, const_cast<char*>(password.c_str()));
}

void read_pkcs12(const std::string& text, const std::string& password, Cert& cert, EVP_PKEY*& key, bool& is_p12) {
    Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    P12 p12(d2i_PKCS12_bio(bio.get(), nullptr));
    if (!p12) {
        return;
    }
    is_p12 = true;
    X509* c = nullptr;
    STACK_OF(X509)* ca = nullptr;
    if (PKCS12_parse(p12.get(), password.c_str(), &key, &c, &ca) == 1) {
        cert.reset(c);
    }
    if (ca != nullptr) {
        free_ca_stack(ca);
    }
}

}  // namespace

tl::expected<std::shared_ptr<const ClientCertificate>, std::string> ClientCertificate::load(const std::string& path,
                                                                                          const std::string& password) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return tl::unexpected("cannot read the certificate file " + path);
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    Cert cert;
    EVP_PKEY* raw_key = nullptr;
    bool is_p12 = false;
    if (text.find("-----BEGIN ") != std::string::npos) {
        read_pem(text, password, cert, raw_key);
    } else {
        read_pkcs12(text, password, cert, raw_key, is_p12);
    }
    std::shared_ptr<void> key(raw_key, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
    if (!is_p12 && text.find("-----BEGIN ") == std::string::npos) {
        return tl::unexpected("the certificate file " + path + " is neither PEM nor PKCS#12");
    }
    if (is_p12 && (!cert || raw_key == nullptr)) {
        return tl::unexpected("cannot open the PKCS#12 file " + path +
                              " (wrong AZURE_CLIENT_CERTIFICATE_PASSWORD, or no certificate and key in it)");
    }
    if (!cert) {
        return tl::unexpected("the certificate file " + path + " holds no certificate");
    }
    if (raw_key == nullptr) {
        return tl::unexpected("the certificate file " + path +
                              " holds no private key it can read (PEM needs the key next to the certificate; "
                              "an encrypted key needs AZURE_CLIENT_CERTIFICATE_PASSWORD)");
    }
    if (EVP_PKEY_get_base_id(raw_key) != EVP_PKEY_RSA) {
        return tl::unexpected("the private key in " + path + " is not an RSA key (Entra ID signs assertions with RS256)");
    }
    if (X509_check_private_key(cert.get(), raw_key) != 1) {
        return tl::unexpected("the private key in " + path + " does not belong to its certificate");
    }
    const int der_size = i2d_X509(cert.get(), nullptr);
    std::string der(static_cast<std::size_t>(der_size > 0 ? der_size : 0), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509(cert.get(), &out);
    std::shared_ptr<ClientCertificate> loaded(new ClientCertificate());
    loaded->m_key = std::move(key);
    loaded->m_x5t = base64url(digest(EVP_sha1(), der));
    loaded->m_x5t_s256 = base64url(digest(EVP_sha256(), der));
    return std::shared_ptr<const ClientCertificate>(std::move(loaded));
}

std::string ClientCertificate::assertion(const std::string& client_id, const std::string& audience,
                                         std::int64_t now) const {
    const Json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", m_x5t}, {"x5t#S256", m_x5t_s256}};
    const Json claims = {{"aud", audience}, {"iss", client_id}, {"sub", client_id}, {"jti", random_jti()},
                         {"iat", now},      {"nbf", now},       {"exp", now + 600}};
    const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
    MdCtx ctx(EVP_MD_CTX_new());
    std::size_t size = 0;
    auto* key = static_cast<EVP_PKEY*>(m_key.get());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
        throw std::runtime_error("cannot sign the client assertion");
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
        throw std::runtime_error("cannot sign the client assertion");
    }
    signature.resize(size);
    return input + "." + base64url(signature);
}

}  // namespace converge
