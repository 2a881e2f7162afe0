#include "converge/applied_digest.hpp"

#include "converge/ownership.hpp"
#include "converge/resource_id.hpp"
#include "converge/secret_digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace converge::applied {

namespace {

constexpr std::size_t k_shown_bytes = 8;  // 16 hex digits: a change detector, not a secret

void drop_records(Json& tags) {
    for (auto it = tags.begin(); it != tags.end();) {
        it = is_record_tag(it.key()) || secrets::is_record_tag(it.key()) ? tags.erase(it) : std::next(it);
    }
}

}  // namespace

bool is_record_tag(std::string_view key) { return iequals(key, k_tag); }

std::string digest(const Resource& r) {
    Json body = r.body;
    for (const auto& pointer : r.sensitive) {
        const Json::json_pointer p(pointer);
        if (body.contains(p)) {
            body[p] = "(sensitive)";
        }
    }
    if (r.kind != nullptr) {
        if (Json* tags = secrets::tag_map(body, r.kind->tags, false)) {
            drop_records(*tags);
        }
    }
    const std::string text = body.dump();
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), md.data(), &size, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (std::size_t i = 0; i < k_shown_bytes; ++i) {
        out.push_back(digits[md[i] >> 4]);
        out.push_back(digits[md[i] & 15]);
    }
    return out;
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

void stamp(Json& body, const Resource& r, bool whole) {
    if (r.kind == nullptr || !secrets::can_record(r.body, *r.kind)) {
        return;
    }
    Json* tags = secrets::tag_map(body, r.kind->tags, whole);
    if (tags == nullptr) {
        return;
    }
    for (auto it = tags->begin(); it != tags->end();) {
        it = is_record_tag(it.key()) ? tags->erase(it) : std::next(it);
    }
    (*tags)[std::string(k_tag)] = digest(r);
}

}  // namespace converge::applied
