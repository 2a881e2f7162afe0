// One manifest document: envelope checks, metadata, the ARM id (identify), then spec,
// tags, secrets and schema checks (build_resource).
#include "manifest/internal.hpp"
#include "schema/schema.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <initializer_list>
#include <string_view>

namespace converge::manifest {

namespace {

constexpr std::string_view k_api_version = "converge/v1";

const std::string* string_at(const Json& root, const char* section, const char* key) {
    const auto s = root.find(section);
    if (s == root.end() || !s->is_object()) {
        return nullptr;
    }
    const auto v = s->find(key);
    return v != s->end() && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

/// Scalars that must be strings but are often written as numbers (version: 2, labels).
void stringify(YamlDocument& doc, Json& node, const std::string& pointer) {
    if (node.is_number() || node.is_boolean()) {
        const std::string* raw = doc.raw(pointer);
        node = raw != nullptr ? *raw : node.dump();
    }
}

void stringify_map(YamlDocument& doc, const std::string& pointer) {
    Json::json_pointer p(pointer);
    if (!doc.root.contains(p) || !doc.root.at(p).is_object()) {
        return;
    }
    for (auto& [k, v] : doc.root.at(p).items()) {
        stringify(doc, v, pointer + "/" + json_pointer::escape(k));
    }
}

bool check_envelope(const YamlDocument& doc, const KindInfo*& kind, Diagnostics& diagnostics) {
    const Json& root = doc.root;
    if (!root.is_object()) {
        diagnostics.error(doc.at(doc.start), "expected a mapping with apiVersion, kind, metadata and spec");
        return false;
    }
    const auto api = root.find("apiVersion");
    if (api == root.end()) {
        diagnostics.error(doc.at(doc.start), fmt::format("missing required field \"apiVersion\" (expected \"{}\")",
                                                         k_api_version));
    } else if (!api->is_string() || *api != k_api_version) {
        diagnostics.error(doc.value_at("/apiVersion"), fmt::format("unsupported apiVersion {} (expected \"{}\")",
                                                                   api->dump(), k_api_version));
    }
    const auto k = root.find("kind");
    if (k == root.end()) {
        diagnostics.error(doc.at(doc.start), "missing required field \"kind\"");
    } else if (!k->is_string()) {
        diagnostics.error(doc.value_at("/kind"), fmt::format("wrong type for kind: expected string, got {}", k->dump()));
    } else if ((kind = find_kind(k->get<std::string>())) == nullptr) {
        const auto guess = did_you_mean(k->get<std::string>(), kind_names());
        diagnostics.error(doc.value_at("/kind"),
                          fmt::format("unknown kind {}{}", k->dump(),
                                      guess.empty() ? fmt::format(" (expected one of {})", fmt::join(kind_names(), ", "))
                                                    : fmt::format(" (did you mean \"{}\"?)", guess)));
    }
    return true;
}

/// A metadata member that is there but not a string (the schema reports its type).
bool mistyped(const YamlDocument& doc, const char* key) {
    const auto m = doc.root.find("metadata");
    if (m == doc.root.end() || !m->is_object()) {
        return false;
    }
    const auto v = m->find(key);
    return v != m->end() && !v->is_string();
}

/// metadata.<key>, else the converge.yaml default, else an error naming both; "" without a
/// message when either is there with a wrong type (one root cause, one error).
std::string scoped(const YamlDocument& doc, const char* key, const std::string& fallback, const StackConfig& config,
                   const KindInfo& kind, const std::string& name, Diagnostics& diagnostics) {
    if (const std::string* v = string_at(doc.root, "metadata", key)) {
        return *v;
    }
    if (mistyped(doc, key)) {
        return {};
    }
    if (!fallback.empty()) {
        return fallback;
    }
    if (config.is_unusable(std::string("/defaults/") + key)) {
        return {};
    }
    diagnostics.error(doc.value_at("/metadata/name"),
                      fmt::format("no {} for {}/{}: set metadata.{} or defaults.{} in converge.yaml", key, kind.name,
                                  name, key, key));
    return {};
}

void reject(const YamlDocument& doc, const char* key, const std::string& why, Diagnostics& diagnostics) {
    if (string_at(doc.root, "metadata", key) != nullptr) {
        diagnostics.error(doc.key_at(std::string("/metadata/") + key), fmt::format("metadata.{} {}", key, why));
    }
}

bool arm_type_of(Pending& p, Diagnostics& diagnostics) {
    const std::string* type = string_at(p.doc.root, "spec", "type");
    const std::string* version = string_at(p.doc.root, "spec", "apiVersion");
    if (type == nullptr || version == nullptr) {
        return false;  // reported by the schema
    }
    p.arm_type = *type;
    p.api_version = *version;
    if (find_kind_by_type(*type) != nullptr && find_kind_by_type(*type)->parent != Parent::versioned_asset) {
        diagnostics.warning(p.doc.value_at("/spec/type"),
                            fmt::format("type \"{}\" has its own kind \"{}\" (which knows its read-only fields)",
                                        *type, find_kind_by_type(*type)->name));
    }
    reject(p.doc, "apiVersion", "does not apply to ArmResource (set spec.apiVersion)", diagnostics);
    return true;
}

constexpr std::string_view k_workspaces = "Microsoft.MachineLearningServices/workspaces";

/// The id of a resource of `type` (k_workspaces and one level per name) below workspace `ws`.
/// Built in one step when no part holds a '/' (the text child() per level would give);
/// otherwise level by level, as child() canonicalises such parts.
ResourceId in_workspace_id(std::string_view subscription, std::string_view group, std::string_view ws,
                           std::string_view type, std::initializer_list<std::string_view> names) {
    const auto plain = [](std::string_view part) { return !part.empty() && part.find('/') == std::string_view::npos; };
    bool one_step = plain(subscription) && plain(group) && plain(ws);
    std::size_t size = ws.size();
    for (const std::string_view name : names) {
        one_step = one_step && plain(name);
        size += name.size() + 1;
    }
    if (one_step) {
        std::string joined;
        joined.reserve(size);
        joined += ws;
        for (const std::string_view name : names) {
            joined += '/';
            joined += name;
        }
        return ResourceId::for_resource(subscription, group, type, joined);
    }
    ResourceId id = ResourceId::for_resource(subscription, group, k_workspaces, ws);
    std::size_t at = k_workspaces.size();
    for (const std::string_view name : names) {
        const std::size_t next = std::min(type.find('/', at + 1), type.size());
        id = id.child(type.substr(at + 1, next - at - 1), name);
        at = next;
    }
    return id;
}

}  // namespace

Pending identify(YamlDocument doc, const StackConfig& config, const LoadOptions& options, Identities& identities,
                 Diagnostics& diagnostics) {
    Pending p;
    p.doc = std::move(doc);
    if (!check_envelope(p.doc, p.kind, diagnostics) || p.kind == nullptr) {
        return p;
    }
    const InterpolationContext context{&config, nullptr, options.require_environment};
    interpolate(p.doc, "/metadata", context, p.found, diagnostics);
    if (p.kind->name == "ArmResource") {
        interpolate(p.doc, "/spec/type", context, p.found, diagnostics);
        interpolate(p.doc, "/spec/apiVersion", context, p.found, diagnostics);
    }
    if (const auto metadata = p.doc.root.find("metadata");
        metadata != p.doc.root.end() && metadata->is_object()) {
        if (const auto version = metadata->find("version"); version != metadata->end()) {
            stringify(p.doc, *version, "/metadata/version");
        }
        stringify_map(p.doc, "/metadata/labels");
    }
    const std::string* name = string_at(p.doc.root, "metadata", "name");
    if (name == nullptr || name->empty()) {
        return p;  // reported by the schema
    }
    const KindInfo& kind = *p.kind;
    p.arm_type = std::string(kind.arm_type);
    p.api_version = std::string(kind.api_version);
    if (const std::string* v = string_at(p.doc.root, "metadata", "apiVersion")) {
        p.api_version = *v;
    }
    if (kind.name == "ArmResource" && !arm_type_of(p, diagnostics)) {
        return p;
    }
    Identity identity{p.kind, *name, {}, {}, {}, p.doc.key_at("/kind")};
    std::string subscription = config.subscription.empty() ? options.default_subscription : config.subscription;
    if (const std::string* s = string_at(p.doc.root, "metadata", "subscription")) {
        subscription = *s;
    }
    if (subscription.empty()) {
        if (mistyped(p.doc, "subscription") || config.is_unusable("/defaults/subscription")) {
            return p;  // the schema reports the type
        }
        if (options.require_subscription) {
            diagnostics.error(p.doc.value_at("/metadata/name"),
                              fmt::format("no subscription for {}/{}: set defaults.subscription in converge.yaml, "
                                          "metadata.subscription, --subscription or AZURE_SUBSCRIPTION_ID",
                                          kind.name, *name));
            return p;
        }
        subscription = k_placeholder_subscription;
    }
    const bool in_workspace = kind.parent == Parent::workspace || kind.parent == Parent::versioned_asset ||
                              kind.parent == Parent::online_endpoint;
    if (!in_workspace) {
        reject(p.doc, "workspace", "applies only to the kinds in a workspace (Compute, Datastore, Model, Environment, "
                                   "OnlineEndpoint, OnlineDeployment, Job)", diagnostics);
    }
    if (kind.parent != Parent::versioned_asset) {
        reject(p.doc, "version", "applies only to Model and Environment", diagnostics);
    }
    if (kind.parent != Parent::online_endpoint) {
        reject(p.doc, "endpoint", "applies only to OnlineDeployment", diagnostics);
    }
    if (kind.parent == Parent::subscription) {
        reject(p.doc, "resourceGroup", "does not apply to a ResourceGroup (its name is the group)", diagnostics);
        identity.id = ResourceId::for_resource_group(subscription, *name);
    } else {
        const std::string group = scoped(p.doc, "resourceGroup", config.resource_group, config, kind, *name, diagnostics);
        if (group.empty()) {
            return p;
        }
        identity.scope = group;
        if (!in_workspace) {
            const auto levels = std::count(p.arm_type.begin(), p.arm_type.end(), '/');
            const auto parts = std::count(name->begin(), name->end(), '/') + 1;
            if (levels != parts) {
                diagnostics.error(p.doc.value_at("/metadata/name"),
                                  fmt::format("name \"{}\" needs {} part(s) separated by '/' for type \"{}\"", *name,
                                              levels, p.arm_type));
                return p;
            }
            identity.id = ResourceId::for_resource(subscription, group, p.arm_type, *name);
        } else {
            const std::string ws = scoped(p.doc, "workspace", config.workspace, config, kind, *name, diagnostics);
            if (ws.empty()) {
                return p;
            }
            identity.scope = ws;
            if (kind.parent == Parent::workspace) {
                identity.id = in_workspace_id(subscription, group, ws, kind.arm_type, {*name});
            } else if (kind.parent == Parent::online_endpoint) {
                const std::string* endpoint = string_at(p.doc.root, "metadata", "endpoint");
                if (endpoint == nullptr) {
                    if (!mistyped(p.doc, "endpoint")) {
                        diagnostics.error(p.doc.key_at("/metadata"),
                                          "missing required field \"endpoint\" in metadata (the OnlineEndpoint "
                                          "this deployment belongs to)");
                    }
                    return p;
                }
                identity.scope = *endpoint;
                identity.id = in_workspace_id(subscription, group, ws, p.arm_type, {*endpoint, *name});
            } else {
                const std::string* version = string_at(p.doc.root, "metadata", "version");
                if (version == nullptr && mistyped(p.doc, "version")) {
                    return p;  // the schema reports the type
                }
                if (version == nullptr) {
                    diagnostics.error(p.doc.key_at("/metadata"),
                                      fmt::format("missing required field \"version\" in metadata ({} {} is one "
                                                  "{} version)", kind.name[0] == 'E' ? "an" : "a", kind.name,
                                                  to_lower(kind.name)));
                    return p;
                }
                const bool valid = !version->empty() && version->size() <= 255 && std::isalnum(
                    static_cast<unsigned char>((*version)[0])) && version->find_first_not_of(
                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == std::string::npos;
                if (!valid) {
                    diagnostics.error(p.doc.value_at("/metadata/version"),
                                      fmt::format("invalid version \"{}\" for {}: expected 1-255 letters, digits, "
                                                  "'.', '_' and '-', starting with a letter or digit", *version,
                                                  kind.name));
                    return p;
                }
                identity.version = *version;
                identity.id = in_workspace_id(subscription, group, ws, kind.arm_type, {*name, *version});
            }
        }
    }
    p.identity = identities.size();
    identities.add(std::move(identity));
    return p;
}

}  // namespace converge::manifest
