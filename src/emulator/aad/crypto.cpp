#include "aad/crypto.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace emulator::crypto {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("emulator: openssl: " + what); }

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
        fail("RAND_bytes");
    }
    return out;
}

PKey load_key(const std::string& pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        fail("cannot read private key");
    }
    return key;
}

std::string key_to_pem(EVP_PKEY* key) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        fail("cannot write private key");
    }
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string cert_to_pem(X509* cert) {
    Bio bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

PKey generate_ec_key() {
    PKey key(EVP_EC_gen("P-256"));
    if (!key) {
        fail("EC key generation");
    }
    return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) {
        fail(std::string("extension ") + OBJ_nid2sn(nid));
    }
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

Cert make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long days) {
    Cert cert(X509_new());
    X509_set_version(cert.get(), 2);
    std::string serial = random_bytes(16);
    serial[0] = static_cast<char>(serial[0] & 0x7f);
    BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), 16, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("converge emulator"), -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
    X509* signer = issuer != nullptr ? issuer : cert.get();
    add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    (void)issuer_key;
    return cert;
}

void sign_cert(X509* cert, EVP_PKEY* key) {
    if (X509_sign(cert, key, EVP_sha256()) == 0) {
        fail("X509_sign");
    }
}

bool is_ip(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::string random_hex(std::size_t n) {
    static const char* k_hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : random_bytes(n)) {
        out += k_hex[c >> 4];
        out += k_hex[c & 15];
    }
    return out;
}

std::string random_uuid() {
    std::string h = random_hex(16);
    h[12] = '4';
    h[16] = "89ab"[h[16] % 4];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string random_secret(std::size_t n) {
    std::string s = base64url_encode(random_bytes(n));
    return s.substr(0, n);
}

std::string base64url_encode(std::string_view data) {
    std::string s = base64_encode(data);
    while (!s.empty() && s.back() == '=') {
        s.pop_back();
    }
    for (auto& c : s) {
        c = c == '+' ? '-' : (c == '/' ? '_' : c);
    }
    return s;
}

std::string base64_encode(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                              reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(len));
    return out;
}

bool base64url_decode(std::string_view in, std::string& out) {
    std::string s(in);
    for (auto& c : s) {
        if (c == '-') {
            c = '+';
        } else if (c == '_') {
            c = '/';
        } else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
            return false;
        }
    }
    while (s.size() % 4 != 0) {
        s += '=';
    }
    out.assign(3 * s.size() / 4 + 1, '\0');
    int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                              reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
    if (len < 0) {
        return false;
    }
    std::size_t pad = 0;
    for (auto it = s.rbegin(); it != s.rend() && *it == '='; ++it) {
        ++pad;
    }
    out.resize(static_cast<std::size_t>(len) - pad);
    return true;
}

std::string generate_rsa_key_pem() {
    PKey key(EVP_RSA_gen(2048));
    if (!key) {
        fail("RSA key generation");
    }
    return key_to_pem(key.get());
}

RsaKey::RsaKey(const std::string& pem) : m_key(load_key(pem).release(), [](void* p) {
    EVP_PKEY_free(static_cast<EVP_PKEY*>(p));
}) {}

std::string RsaKey::sign(std::string_view data) const {
    auto* key = static_cast<EVP_PKEY*>(m_key.get());
    MdCtx ctx(EVP_MD_CTX_new());
    std::size_t len = 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, bytes, data.size()) != 1) {
        fail("sign init");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes, data.size()) != 1) {
        fail("sign");
    }
    sig.resize(len);
    return sig;
}

bool RsaKey::verify(std::string_view data, std::string_view sig) const {
    auto* key = static_cast<EVP_PKEY*>(m_key.get());
    MdCtx ctx(EVP_MD_CTX_new());
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

void RsaKey::public_numbers(std::string& n_b64url, std::string& e_b64url) const {
    auto* key = static_cast<EVP_PKEY*>(m_key.get());
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
    auto enc = [](BIGNUM* b) {
        std::string buf(static_cast<std::size_t>(BN_num_bytes(b)), '\0');
        BN_bn2bin(b, reinterpret_cast<unsigned char*>(buf.data()));
        return base64url_encode(buf);
    };
    n_b64url = enc(n);
    e_b64url = enc(e);
    BN_free(n);
    BN_free(e);
}

namespace {
std::shared_ptr<void> share_key(EVP_PKEY* key) {
    return std::shared_ptr<void>(key, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

std::string digest_of(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    return std::string(reinterpret_cast<const char*>(out), len);
}
}  // namespace

RsaPublicKey RsaPublicKey::from_certificate_pem(const std::string& pem, std::string& x5t, std::string& x5t_s256) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
        fail("not a PEM certificate");
    }
    EVP_PKEY* key = X509_get_pubkey(cert.get());
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        fail("the certificate's key is not RSA");
    }
    const int size = i2d_X509(cert.get(), nullptr);
    std::string der(static_cast<std::size_t>(size > 0 ? size : 0), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509(cert.get(), &out);
    x5t = base64url_encode(digest_of(EVP_sha1(), der));
    x5t_s256 = base64url_encode(digest_of(EVP_sha256(), der));
    RsaPublicKey k;
    k.m_key = share_key(key);
    return k;
}

RsaPublicKey RsaPublicKey::from_jwk(const std::string& n_b64url, const std::string& e_b64url) {
    std::string n;
    std::string e;
    if (!base64url_decode(n_b64url, n) || !base64url_decode(e_b64url, e) || n.empty() || e.empty()) {
        fail("bad JWK modulus or exponent");
    }
    std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> bn_n(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr));
    std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> bn_e(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr));
    std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>> bld(OSSL_PARAM_BLD_new());
    if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
        fail("JWK parameters");
    }
    std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>> params(OSSL_PARAM_BLD_to_param(bld.get()));
    std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>> ctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        fail("JWK is not an RSA public key");
    }
    RsaPublicKey k;
    k.m_key = share_key(key);
    return k;
}

RsaPublicKey RsaPublicKey::from_public_pem(const std::string& pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        fail("not a PEM RSA public key");
    }
    RsaPublicKey k;
    k.m_key = share_key(key);
    return k;
}

bool RsaPublicKey::verify(std::string_view data, std::string_view sig) const {
    auto* key = static_cast<EVP_PKEY*>(m_key.get());
    MdCtx ctx(EVP_MD_CTX_new());
    if (key == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    static const char* k_hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += k_hex[md[i] >> 4];
        out += k_hex[md[i] & 15];
    }
    return out;
}

TlsFiles ensure_tls_files(const std::string& dir, const std::string& extra_host) {
    namespace fs = std::filesystem;
    TlsFiles f{dir + "/ca.pem", dir + "/ca.key", dir + "/server.pem", dir + "/server.key"};
    if (fs::exists(f.ca_cert) && fs::exists(f.ca_key) && fs::exists(f.cert) && fs::exists(f.key)) {
        return f;
    }
    fs::create_directories(dir);
    PKey ca_key = generate_ec_key();
    Cert ca = make_cert(ca_key.get(), "converge emulator local CA", nullptr, nullptr, 3650);
    add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    sign_cert(ca.get(), ca_key.get());

    PKey leaf_key = generate_ec_key();
    Cert leaf = make_cert(leaf_key.get(), "localhost", ca.get(), ca_key.get(), 397);
    std::string san = "IP:127.0.0.1,DNS:localhost,IP:::1";
    if (!extra_host.empty() && extra_host != "127.0.0.1" && extra_host != "localhost" && extra_host != "0.0.0.0" &&
        extra_host != "::1" && extra_host != "::") {
        san += (is_ip(extra_host) ? ",IP:" : ",DNS:") + extra_host;
    }
    add_ext(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_ext(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    add_ext(leaf.get(), ca.get(), NID_subject_alt_name, san.c_str());
    sign_cert(leaf.get(), ca_key.get());

    write_private_file(f.ca_key, key_to_pem(ca_key.get()));
    write_private_file(f.key, key_to_pem(leaf_key.get()));
    write_private_file(f.cert, cert_to_pem(leaf.get()) + cert_to_pem(ca.get()));
    write_private_file(f.ca_cert, cert_to_pem(ca.get()));
    fs::permissions(f.ca_cert, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                   fs::perms::others_read);
    return f;
}

bool secret_equals(const std::string& given, const std::string& expected) {
    const std::string a = sha256_hex(given);
    const std::string b = sha256_hex(expected);
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void write_private_file(const std::string& path, const std::string& content) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        throw std::runtime_error("emulator: cannot write " + tmp);
    }
    ::fchmod(fd, 0600);
    std::size_t off = 0;
    while (off < content.size()) {
        ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n <= 0) {
            ::close(fd);
            throw std::runtime_error("emulator: cannot write " + tmp);
        }
        off += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    std::filesystem::rename(tmp, path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("emulator: cannot read " + path);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace emulator::crypto
