// Phase 2 for one document: spec interpolation, secrets, schema checks, tags, the Resource.
#include "manifest/internal.hpp"
#include "schema/schema.hpp"

#include "converge/ownership.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace converge::manifest {

namespace {

bool under_spec(const std::string& pointer) {
    return pointer.starts_with("/spec") && (pointer.size() == 5 || pointer[5] == '/');
}

/// The object at /spec/tags or /spec/properties/tags, or null.
Json* tags_at(Json& root, bool nested) {
    Json* node = &root;
    for (const char* key : {"spec", nested ? "properties" : nullptr, "tags"}) {
        if (key == nullptr) {
            continue;
        }
        if (!node->is_object()) {
            return nullptr;
        }
        const auto it = node->find(key);
        if (it == node->end()) {
            return nullptr;
        }
        node = &*it;
    }
    return node->is_object() ? node : nullptr;
}

void stringify_tags(YamlDocument& doc, bool nested) {
    Json* tags = tags_at(doc.root, nested);
    if (tags == nullptr) {
        return;
    }
    const std::string pointer = nested ? "/spec/properties/tags" : "/spec/tags";
    for (auto& [k, v] : tags->items()) {
        if (v.is_number() || v.is_boolean()) {
            const std::string* raw = doc.raw(pointer + "/" + json_pointer::escape(k));
            v = raw != nullptr ? *raw : v.dump();
        }
    }
}

/// How far a secret-field pattern ("/a/*/c") matches a path below spec.
enum class Match { none, partial, whole };

Match match(std::string_view pattern, const std::vector<std::string_view>& path) {
    std::size_t i = 0;
    for (const std::string_view segment : path) {
        if (i >= pattern.size()) {
            return Match::whole;  // the pattern is a prefix of the path
        }
        const std::size_t next = std::min(pattern.find('/', i + 1), pattern.size());
        const std::string_view p = pattern.substr(i + 1, next - i - 1);
        if (p != "*" && !iequals(p, segment)) {
            return Match::none;
        }
        i = next;
    }
    return i >= pattern.size() ? Match::whole : Match::partial;
}

Match match_any(const KindInfo& kind, const std::vector<std::string_view>& path) {
    Match best = Match::none;
    for (const auto& pattern : kind.secret) {
        best = std::max(best, match(pattern, path));
    }
    return best;
}

/// Fields the kind lists as secret (write-only) are sensitive wherever they appear; the walk
/// only goes down keys that some pattern can still match.
void find_secrets(const KindInfo& kind, const Json& node, std::vector<std::string_view>& path, Interpolated& found) {
    if (node.is_object()) {
        for (const auto& [k, v] : node.items()) {
            path.push_back(k);
            if (match_any(kind, path) != Match::none) {
                find_secrets(kind, v, path, found);
            }
            path.pop_back();
        }
        return;
    }
    if (match_any(kind, path) == Match::whole) {
        std::string pointer = "/spec";
        for (const std::string_view segment : path) {
            json_pointer::append_segment(pointer, segment);
        }
        found.sensitive.push_back(std::move(pointer));
        if (node.is_string()) {
            found.secret_values.push_back(node.get<std::string>());
        }
    }
}

bool takes_tags(const KindInfo& kind, const Json& body) {
    return kind.tags != TagsAt::top_if_located || body.contains("location");
}

/// converge.yaml tags under the document's, then the ownership tags; in place, in the
/// document's own tags object.
void apply_tags(Resource& r, const YamlDocument& doc, const StackConfig& config, Diagnostics& diagnostics) {
    const bool model = r.kind->tags == TagsAt::properties;
    Json* holder = &r.body;
    if (model) {
        const auto it = r.body.find("properties");
        holder = it != r.body.end() ? &*it : &r.body["properties"];  // a missing one is added as null
    }
    if (!holder->is_object()) {
        return;
    }
    auto& tags = holder->get_ref<Json::object_t&>().emplace("tags", Json{}).first->second;
    if (!tags.is_object()) {
        tags = Json::object();
    }
    auto& members = tags.get_ref<Json::object_t&>();
    members.reserve(members.size() + config.tags.size() + 2);  // one allocation for what is added below
    for (const auto& [k, v] : config.tags.items()) {
        members.emplace(k, v);  // the document's value wins
    }
    const std::string pointer = model ? "/spec/properties/tags" : "/spec/tags";
    for (const auto& [key, want] : {std::pair{ownership::k_managed_by, ownership::k_managed_by_value},
                                    std::pair{ownership::k_stack, std::string_view(config.stack)}}) {
        const auto [it, inserted] = members.emplace(key, want);
        if (!inserted) {
            if (!it->second.is_string() || it->second.get_ref<const std::string&>() != want) {
                diagnostics.error(doc.key_at(pointer + "/" + std::string(key)),
                                  fmt::format("tag \"{}\" is set by converge and cannot be changed", key));
            }
            it->second = want;
        }
    }
}

void fill(Resource& r, Pending& p, const Identity& identity) {
    r.kind = p.kind;
    r.id = identity.id;
    r.arm_type = p.arm_type;
    r.api_version = p.api_version;
    r.location = identity.location;
    r.body = std::move(*p.doc.root.find("spec"));  // build_resource checked it is there
    if (r.kind->name == "ArmResource") {
        r.body.erase("type");
        r.body.erase("apiVersion");
    }
    const bool arm_resource = r.kind->name == "ArmResource";
    const std::uint64_t type_field = PointerHash::of("/type");
    const std::uint64_t api_version_field = PointerHash::of("/apiVersion");
    for (const auto& e : p.doc.positions) {
        if (e.area != Area::spec) {
            continue;
        }
        if (arm_resource && (e.spec_hash == type_field || e.spec_hash == api_version_field)) {
            continue;
        }
        r.field_locations.set(e.spec_hash, e.pos.value.line, e.pos.value.column);
    }
    const Json& metadata = *p.doc.root.find("metadata");  // identify found metadata.name
    if (const auto labels = metadata.find("labels"); labels != metadata.end() && labels->is_object()) {
        for (const auto& [k, v] : labels->items()) {
            if (v.is_string()) {
                r.labels[k] = v.get<std::string>();
            }
        }
    }
    const auto protect = metadata.find("protect");
    // A non-boolean is a schema error already reported: not protected, and no exception.
    r.protect = protect != metadata.end() && protect->is_boolean() && protect->get<bool>();
    if (const auto test = p.doc.root.find("smokeTest"); test != p.doc.root.end() && test->is_object()) {
        r.smoke_test = *test;
    }
    const auto adopt = metadata.find("adopt");
    r.adopt = adopt != metadata.end() && adopt->is_boolean() && adopt->get<bool>();
    // docs/sync.md "Ignore rules": the resource's own, then the stack's for every kind and for its kind.
    if (const auto ignore = metadata.find("ignore"); ignore != metadata.end() && ignore->is_array()) {
        for (const auto& path : *ignore) {
            if (path.is_string()) {
                r.ignore.push_back(path.get<std::string>());
            }
        }
    }
    r.depends_on = std::move(p.found.depends_on);
    for (auto& d : p.found.deferred) {
        if (under_spec(d.pointer)) {
            d.pointer = d.pointer.substr(5);
            r.deferred.push_back(std::move(d));
        }
    }
    for (const auto& s : p.found.sensitive) {
        if (under_spec(s)) {
            r.sensitive.insert(s.substr(5));
        }
    }
}

}  // namespace

std::optional<Resource> build_resource(Pending& p, const StackConfig& config, const LoadOptions& options,
                                       const Identities& identities, Diagnostics& diagnostics) {
    if (!p.doc.root.is_object()) {
        return std::nullopt;
    }
    if (p.kind == nullptr) {
        schema::validate_document(p.doc, nullptr, {}, diagnostics);
        return std::nullopt;
    }
    const InterpolationContext context{&config, &identities, options.require_environment};
    interpolate(p.doc, "/spec", context, p.found, diagnostics);
    stringify_tags(p.doc, false);
    stringify_tags(p.doc, true);
    const Json& root = p.doc.root;
    if (const auto spec = root.find("spec"); !p.kind->secret.empty() && spec != root.end()) {
        std::vector<std::string_view> path;
        find_secrets(*p.kind, *spec, path, p.found);
    }
    schema::validate_document(p.doc, p.kind, p.found.sensitive, diagnostics);
    if (const auto spec = root.find("spec"); !p.identity || spec == root.end() || !spec->is_object()) {
        return std::nullopt;
    }
    if (root.contains("smokeTest") && p.kind->name != "OnlineEndpoint") {
        diagnostics.error(p.doc.key_at("/smokeTest"),
                          fmt::format("smokeTest applies only to OnlineEndpoint, not {}", p.kind->name));
        return std::nullopt;
    }
    Resource r;
    fill(r, p, identities[*p.identity]);
    for (const std::string_view key : {std::string_view("*"), std::string_view(r.kind->name)}) {
        if (const auto it = config.ignore.find(std::string(key)); it != config.ignore.end()) {
            r.ignore.insert(r.ignore.end(), it->second.begin(), it->second.end());
        }
    }
    if (r.kind->name == "Job") {
        resolve_job(r, diagnostics);
    }
    if (takes_tags(*r.kind, r.body)) {
        apply_tags(r, p.doc, config, diagnostics);
    }
    if (r.kind->name == "Model") {
        resolve_model_path(r, diagnostics);
    }
    return r;
}

}  // namespace converge::manifest
