// Saved plans: the desired resources as JSON, secrets removed, and the inputs digest.
#include "converge/saved_plan.hpp"

#include "converge/json_pointer.hpp"

#include "plan/diff_rules.hpp"
#include "render/saved_plan_internal.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

namespace converge {

namespace {

Json location_json(const Location& l) { return {{"file", l.file}, {"line", l.line}, {"column", l.column}}; }

Location location_from(const Json& j) {
    if (!j.is_object()) {
        return {};
    }
    return {j.value("file", ""), j.value("line", 0), j.value("column", 0)};
}

ResourceId id_from(const Json& j) {
    auto id = ResourceId::parse(j.get<std::string>());
    if (!id) {
        throw std::runtime_error("not an ARM id: " + j.get<std::string>());
    }
    return *id;
}

struct Stripper {
    const Resource& resource;
    const Scrubber& scrubber;
    const detail::RuleTree& rules;
    std::vector<std::string>& removed;
    std::string path;

    bool secret_text(const Json& j) const { return j.is_string() && scrubber.contains(j.get_ref<const std::string&>()); }

    // Removes secret members from `j` in place, recording their pointers.
    void strip(Json& j, const detail::RuleTree::Cursor& at) {
        if (!j.is_structured()) {
            return;
        }
        std::vector<std::string> drop;
        std::size_t index = 0;
        for (auto it = j.begin(); it != j.end(); ++it, ++index) {
            const std::string key = j.is_object() ? it.key() : std::to_string(index);
            const auto sub = rules.step(at, key);
            const std::size_t len = path.size();
            json_pointer::append_segment(path, key);
            if ((sub.flags & detail::k_secret) || resource.sensitive.count(path) || secret_text(*it)) {
                removed.push_back(path);
                drop.push_back(key);
            } else {
                strip(*it, sub);
            }
            path.resize(len);
        }
        for (auto k = drop.rbegin(); k != drop.rend(); ++k) {
            if (j.is_object()) {
                j.erase(*k);
            } else {
                j[std::stoul(*k)] = nullptr;  // keep positions; restore_secrets puts the value back
            }
        }
    }
};

}  // namespace

namespace detail {

Json body_without_secrets(const Resource& r, const Scrubber& scrubber, std::vector<std::string>& removed) {
    Json body = r.body;
    const auto& rules = RuleTree::of(r.kind);
    Stripper s{r, scrubber, rules, removed, {}};
    s.strip(body, rules.root());
    return body;
}

Json resource_to_json(const Resource& r, Json body) {
    Json deps = Json::array();
    for (const auto& d : r.depends_on) {
        deps.push_back({{"target", d.target.str()}, {"why", d.why}, {"location", location_json(d.location)}});
    }
    Json deferred = Json::array();
    for (const auto& d : r.deferred) {
        deferred.push_back({{"pointer", d.pointer}, {"text", d.text}, {"target", d.target.str()}, {"field", d.field},
                            {"location", location_json(d.location)}});
    }
    return {{"id", r.id.str()},
            {"kind", r.kind ? std::string(r.kind->name) : std::string()},
            {"arm_type", r.arm_type},
            {"api_version", r.api_version},
            {"body", std::move(body)},
            {"location", location_json(r.location)},
            {"depends_on", std::move(deps)},
            {"deferred", std::move(deferred)},
            {"sensitive", Json(std::vector<std::string>(r.sensitive.begin(), r.sensitive.end()))},
            {"labels", r.labels},
            {"protect", r.protect}};
}

Resource resource_from_json(const Json& j) {
    Resource r;
    r.kind = find_kind(j.at("kind").get<std::string>());
    if (!r.kind) {
        throw std::runtime_error("unknown kind " + j.at("kind").dump());
    }
    r.id = id_from(j.at("id"));
    r.arm_type = j.at("arm_type").get<std::string>();
    r.api_version = j.at("api_version").get<std::string>();
    r.body = j.at("body");
    r.location = location_from(j.at("location"));
    for (const auto& d : j.at("depends_on")) {
        r.depends_on.push_back({id_from(d.at("target")), location_from(d.at("location")), d.at("why").get<std::string>()});
    }
    for (const auto& d : j.at("deferred")) {
        r.deferred.push_back({d.at("pointer").get<std::string>(), d.at("text").get<std::string>(), id_from(d.at("target")),
                              d.at("field").get<std::string>(), location_from(d.at("location"))});
    }
    for (const auto& s : j.at("sensitive")) {
        r.sensitive.insert(s.get<std::string>());
    }
    r.labels = j.at("labels").get<std::map<std::string, std::string>>();
    r.protect = j.at("protect").get<bool>();
    return r;
}

}  // namespace detail

std::string desired_digest(const DesiredSet& desired) {
    std::vector<const Resource*> sorted;
    for (const auto& r : desired.resources) {
        sorted.push_back(&r);
    }
    std::sort(sorted.begin(), sorted.end(), [](const Resource* a, const Resource* b) { return a->id < b->id; });
    std::string text = "stack=" + desired.stack + "\n";
    const Scrubber scrubber(desired.secret_values);
    for (const auto* r : sorted) {
        std::vector<std::string> removed;
        text += r->id.key() + " " + r->api_version + " " + detail::body_without_secrets(*r, scrubber, removed).dump() + "\n";
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 15]);
    }
    return out;
}

}  // namespace converge
