#include "converge/secret_digest.hpp"

#include "converge/ownership.hpp"
#include "converge/resource_id.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <stdexcept>

namespace converge::secrets {

namespace {

constexpr std::string_view k_scheme = "pbkdf2-sha256";
constexpr std::size_t k_digest_bytes = 32;

std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 15]);
    }
    return out;
}

std::optional<std::string> unhex(std::string_view text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
        if (ec != std::errc() || end != text.data() + i + 2) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(value));
    }
    return out;
}

void append_field(std::string& out, std::string_view text) {
    out += std::to_string(text.size());
    out.push_back(':');
    out += text;
}

}  // namespace

bool is_record_tag(std::string_view key) { return iequals(key, k_tag); }

Json* tag_map(Json& body, TagsAt where, bool create) {
    Json* holder = &body;
    if (where == TagsAt::properties) {
        if (!body.is_object() || (!create && !body.contains("properties"))) {
            return nullptr;
        }
        holder = &body["properties"];
    }
    if (!holder->is_object() && !(create && holder->is_null())) {
        return nullptr;
    }
    if (!create && !holder->contains("tags")) {
        return nullptr;
    }
    Json& tags = (*holder)["tags"];
    if (tags.is_null()) {
        tags = Json::object();
    }
    return tags.is_object() ? &tags : nullptr;
}

bool has_secrets(const Resource& r) {
    for (const auto& pointer : r.sensitive) {
        if (r.body.contains(Json::json_pointer(pointer))) {
            return true;
        }
    }
    return false;
}

std::string material(const Resource& r, std::string_view stack) {
    std::string out;
    append_field(out, stack);
    append_field(out, r.id.str());
    for (const auto& pointer : r.sensitive) {  // a std::set: sorted, so the order is stable
        const Json::json_pointer at(pointer);
        if (!r.body.contains(at)) {
            continue;
        }
        const Json& value = r.body.at(at);
        append_field(out, pointer);
        append_field(out, value.is_string() ? value.get_ref<const std::string&>() : value.dump());
    }
    return out;
}

std::string record(std::string_view material, std::string_view salt, int iterations) {
    std::array<unsigned char, k_digest_bytes> digest{};
    if (PKCS5_PBKDF2_HMAC(material.data(), static_cast<int>(material.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                          EVP_sha256(), static_cast<int>(digest.size()), digest.data()) != 1) {
        throw std::runtime_error("PBKDF2 failed");
    }
    std::string out(k_scheme);
    out += ":" + std::to_string(iterations) + ":" +
           hex(reinterpret_cast<const unsigned char*>(salt.data()), salt.size()) + ":" + hex(digest.data(), digest.size());
    OPENSSL_cleanse(digest.data(), digest.size());
    return out;
}

std::string new_record(std::string_view material) {
    std::array<unsigned char, k_salt_bytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        throw std::runtime_error("no random bytes for a secret digest's salt");
    }
    return record(material, std::string_view(reinterpret_cast<const char*>(salt.data()), salt.size()));
}

Check check(const std::string* recorded, std::string_view material) {
    if (recorded == nullptr) {
        return Check::unrecorded;
    }
    // scheme:iterations:salt:digest
    const std::string_view text = *recorded;
    const auto a = text.find(':');
    const auto b = a == std::string_view::npos ? a : text.find(':', a + 1);
    const auto c = b == std::string_view::npos ? b : text.find(':', b + 1);
    if (c == std::string_view::npos || text.substr(0, a) != k_scheme) {
        return Check::changed;
    }
    int iterations = 0;
    const auto count = text.substr(a + 1, b - a - 1);
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), iterations);
    const auto salt = unhex(text.substr(b + 1, c - b - 1));
    if (ec != std::errc() || end != count.data() + count.size() || iterations < k_iterations || !salt ||
        salt->size() < k_salt_bytes) {
        return Check::changed;  // malformed or weaker than now: rewritten
    }
    const std::string expected = record(material, *salt, iterations);
    const bool same = expected.size() == text.size() && CRYPTO_memcmp(expected.data(), text.data(), text.size()) == 0;
    return same ? Check::same : Check::changed;
}

const std::string* recorded(const Json& body, const KindInfo& kind) {
    const Json* tags = ownership::tags_of(body, kind.tags);
    if (tags == nullptr) {
        return nullptr;
    }
    for (auto it = tags->begin(); it != tags->end(); ++it) {
        if (is_record_tag(it.key()) && it->is_string()) {
            return &it->get_ref<const std::string&>();
        }
    }
    return nullptr;
}

bool can_record(const Json& body, const KindInfo& kind) {
    return kind.tags != TagsAt::top_if_located || (body.is_object() && body.contains("location"));
}

void stamp(Json& body, const Resource& r, std::string_view stack, bool whole) {
    if (r.kind == nullptr || !has_secrets(r) || !can_record(r.body, *r.kind)) {
        return;
    }
    Json* tags = tag_map(body, r.kind->tags, whole);
    if (tags == nullptr) {
        return;
    }
    for (auto it = tags->begin(); it != tags->end();) {
        it = is_record_tag(it.key()) ? tags->erase(it) : std::next(it);
    }
    (*tags)[std::string(k_tag)] = new_record(material(r, stack));
}

}  // namespace converge::secrets
