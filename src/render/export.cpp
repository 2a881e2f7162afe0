#include "converge/export.hpp"

#include "converge/applied_digest.hpp"
#include "converge/secret_digest.hpp"

#include "converge/json_pointer.hpp"
#include "converge/ownership.hpp"
#include "converge/redact.hpp"
#include "converge/yaml_emit.hpp"

#include "schema/schema.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace converge {

namespace {


std::vector<std::string> segments(std::string_view pointer) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < pointer.size()) {
        const std::size_t next = pointer.find('/', at + 1);
        out.emplace_back(pointer.substr(at + 1, (next == std::string_view::npos ? pointer.size() : next) - at - 1));
        at = next == std::string_view::npos ? pointer.size() : next;
    }
    return out;
}

// Removes the field at `path` ("*" matches every member or element); names ignore case, as ARM's do.
void remove_at(Json& value, const std::vector<std::string>& path, std::size_t i = 0) {
    if (i >= path.size()) {
        return;
    }
    const bool last = i + 1 == path.size();
    if (value.is_object()) {
        auto& members = value.get_ref<Json::object_t&>();
        for (auto it = members.begin(); it != members.end();) {
            if (path[i] == "*" || iequals(it->first, path[i])) {
                if (last) {
                    it = members.erase(it);
                    continue;
                }
                remove_at(it->second, path, i + 1);
            }
            ++it;
        }
    } else if (value.is_array() && path[i] == "*") {
        for (auto& item : value) {
            if (!last) {
                remove_at(item, path, i + 1);
            }
        }
        if (last) {
            value = Json::array();
        }
    }
}

// Drops nulls, and objects that were not empty in `before` (what Azure returned) but are now:
// everything in them was read-only or null.
void drop_nulls(Json& value, const Json& before) {
    static const Json k_unknown;
    if (value.is_object()) {
        auto& members = value.get_ref<Json::object_t&>();
        for (auto it = members.begin(); it != members.end();) {
            const auto was = before.is_object() ? before.find(it->first) : before.end();
            const Json& prior = before.is_object() && was != before.end() ? *was : k_unknown;
            drop_nulls(it->second, prior);
            const bool emptied = it->second.is_object() && it->second.empty() && prior.is_object() && !prior.empty();
            if (it->second.is_null() || emptied) {
                it = members.erase(it);
            } else {
                ++it;
            }
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            drop_nulls(value[i], before.is_array() && i < before.size() ? before[i] : k_unknown);
        }
    }
}

// "${" in a value Azure returned is written "$${", so the loader reads it back as is.
void escape_interpolation(Json& value) {
    if (value.is_string()) {
        auto& s = value.get_ref<std::string&>();
        for (std::size_t at = s.find("${"); at != std::string::npos; at = s.find("${", at + 3)) {
            s.insert(at, "$");
        }
    } else if (value.is_structured()) {
        for (auto& v : value) {
            escape_interpolation(v);
        }
    }
}

void replace_ids(Json& value, const std::map<std::string, std::string>& refs) {
    if (value.is_string()) {
        std::string_view s = value.get_ref<const std::string&>();
        while (s.size() > 1 && s.back() == '/') {
            s.remove_suffix(1);
        }
        if (auto id = ResourceId::parse(s)) {
            if (auto it = refs.find(id->key()); it != refs.end()) {
                value = "${ref:" + it->second + "}";
            }
        }
    } else if (value.is_structured()) {
        for (auto& v : value) {
            replace_ids(v, refs);
        }
    }
}

Json* tag_map(Json& body, TagsAt where) {
    Json* holder = &body;
    if (where == TagsAt::properties) {
        if (!body.contains("properties") || !body["properties"].is_object()) {
            return nullptr;
        }
        holder = &body["properties"];
    } else if (where == TagsAt::top_if_located && !body.contains("location")) {
        return nullptr;
    }
    auto it = holder->find("tags");
    return it != holder->end() && it->is_object() ? &*it : nullptr;
}

// Does the loader give this resource tags (and so defaults.tags)?
bool takes_tags(const KindInfo& kind, const Json& spec) {
    return kind.tags != TagsAt::top_if_located || spec.contains("location");
}

std::string region(std::string_view location) {
    std::string out;
    for (const char c : location) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

// "properties.properties.userAccountCredentials.adminUserPassword" of "/properties/properties/...".
std::string dotted(std::string_view pointer) {
    std::string out;
    for (const auto& s : segments(pointer)) {
        out += (out.empty() ? "" : ".") + s;
    }
    return out;
}

// CPU_CLUSTER_ADMIN_USER_PASSWORD: the resource's name and the field's, in upper snake case.
std::string env_name(std::string_view name, std::string_view field) {
    std::string out;
    auto add = [&](std::string_view text) {
        for (std::size_t i = 0; i < text.size(); ++i) {
            const unsigned char c = static_cast<unsigned char>(text[i]);
            if (std::isupper(c) != 0 && i > 0 && std::islower(static_cast<unsigned char>(text[i - 1])) != 0) {
                out += '_';
            }
            out += std::isalnum(c) != 0 ? static_cast<char>(std::toupper(c)) : '_';
        }
    };
    add(name);
    out += '_';
    add(field);
    if (!out.empty() && std::isdigit(static_cast<unsigned char>(out.front())) != 0) {
        out.insert(0, "_");
    }
    return out;
}

// The top-level fields the kind's schema describes; empty when it allows any.
std::set<std::string> schema_fields(const KindInfo& kind) {
    std::set<std::string> out;
    const std::string_view text = schema::embedded(schema::schema_name(kind));
    if (text.empty()) {
        return out;
    }
    const Json doc = Json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("properties") || doc.value("additionalProperties", true) != false) {
        return out;
    }
    for (const auto& [key, v] : doc["properties"].items()) {
        out.insert(key);
    }
    return out;
}

struct Doc {
    const DiscoveredResource* found = nullptr;
    const KindInfo* kind = nullptr;
    std::string name;       // metadata.name
    std::string version;    // Model
    std::string endpoint;   // OnlineDeployment
    std::string workspace;  // the kinds in a workspace
    std::string label;      // Compute/cpu
    Json spec;
    std::vector<ExportedSecret> secrets;
    std::size_t order = 0;  // the kind's place in the table
};

std::size_t kind_order(const KindInfo* kind) {
    const auto kinds = all_kinds();
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        if (&kinds[i] == kind) {
            // ArmResource after the kinds of known types.
            return kind->name == "ArmResource" ? kinds.size() : i;
        }
    }
    return kinds.size() + 1;
}

void redact_keys(Json& value) {
    if (value.is_object()) {
        for (auto& [key, v] : value.items()) {
            if (v.is_string() && is_secret_key(key)) {
                v = std::string(k_sensitive);
            } else {
                redact_keys(v);
            }
        }
    } else if (value.is_array()) {
        for (auto& v : value) {
            redact_keys(v);
        }
    }
}

void redact_at(Json& value, const std::vector<std::string>& path, std::size_t i) {
    if (i >= path.size()) {
        if (!value.is_null()) {
            value = std::string(k_sensitive);
        }
        return;
    }
    if (value.is_object()) {
        for (auto& [key, v] : value.items()) {
            if (path[i] == "*" || iequals(key, path[i])) {
                redact_at(v, path, i + 1);
            }
        }
    } else if (value.is_array() && path[i] == "*") {
        for (auto& v : value) {
            redact_at(v, path, i + 1);
        }
    }
}

}  // namespace

Json redact_body(Json body, const KindInfo* kind) {
    if (kind != nullptr) {
        for (const auto& p : kind->secret) {
            redact_at(body, segments(p), 0);
        }
    }
    redact_keys(body);
    return body;
}

std::string export_file_name(std::string_view kind, std::string_view name) {
    std::string out = to_lower(kind) + "-";
    for (const char c : name) {
        const unsigned char u = static_cast<unsigned char>(c);
        out += std::isalnum(u) != 0 || c == '.' || c == '_' || c == '-' ? static_cast<char>(std::tolower(u)) : '-';
    }
    return out + ".yaml";
}

ExportResult export_manifests(const std::vector<DiscoveredResource>& found, const ExportOptions& options) {
    ExportResult result;
    std::vector<Doc> docs;
    std::map<std::string, std::set<std::string>> fields_of;  // kind -> schema top-level fields
    for (const auto& f : found) {
        if (f.kind == nullptr) {
            continue;
        }
        Doc d;
        d.found = &f;
        d.kind = f.kind;
        d.order = kind_order(f.kind);
        if (f.kind->parent == Parent::versioned_asset) {
            d.name = f.id.parent().name();
            d.version = f.id.name();
            d.workspace = f.id.parent().parent().name();
        } else if (f.kind->parent == Parent::workspace) {
            d.name = f.id.name();
            d.workspace = f.id.parent().name();
        } else if (f.kind->parent == Parent::online_endpoint) {
            d.name = f.id.name();
            d.endpoint = f.id.parent().name();
            d.workspace = f.id.parent().parent().name();
        } else if (f.kind->name == "ArmResource") {
            // One name segment per type level: "vnet/default".
            const std::string& s = f.id.str();
            const std::string type = f.id.type();
            const std::size_t levels = static_cast<std::size_t>(std::count(type.begin(), type.end(), '/'));
            std::vector<std::string> names;
            for (ResourceId p = f.id; names.size() < levels && !p.empty(); p = p.parent()) {
                names.insert(names.begin(), p.name());
            }
            for (const auto& n : names) {
                d.name += (d.name.empty() ? "" : "/") + n;
            }
            (void)s;
            if (f.api_version.empty()) {
                result.notes.push_back(f.id.str() + ": not exported: its provider names no stable api-version to read it with");
                continue;
            }
        } else {
            d.name = f.id.name();
        }
        Json spec = f.body.is_object() ? f.body : Json::object();
        for (const char* envelope : {"id", "name", "type", "systemData", "etag"}) {
            spec.erase(envelope);
        }
        for (const auto& p : f.kind->read_only) {
            remove_at(spec, segments(p));
        }
        for (const auto& p : f.kind->write_only) {
            remove_at(spec, segments(p));
        }
        drop_nulls(spec, f.body);
        if (f.kind->name == "ArmResource") {
            spec["type"] = f.id.type();
            spec["apiVersion"] = f.api_version;
        } else {
            auto [it, fresh] = fields_of.try_emplace(std::string(f.kind->name));
            if (fresh) {
                it->second = schema_fields(*f.kind);
            }
            if (!it->second.empty()) {
                auto& members = spec.get_ref<Json::object_t&>();
                for (auto m = members.begin(); m != members.end();) {
                    if (it->second.count(m->first) == 0) {
                        result.notes.push_back(resource_label(f.kind->name, f.id) + ": left out " + m->first +
                                               " (not a field of converge's " + std::string(f.kind->name) + " spec)");
                        m = members.erase(m);
                    } else {
                        ++m;
                    }
                }
            }
        }
        if (Json* tags = tag_map(spec, f.kind->tags)) {
            auto& members = tags->get_ref<Json::object_t&>();
            std::erase_if(members, [](const auto& m) {
                // converge's own record tags: ownership, the secrets digest, the last-applied digest.
                return ownership::is_ownership_tag(m.first) || iequals(m.first, secrets::k_tag) ||
                       iequals(m.first, applied::k_tag);
            });
        }
        escape_interpolation(spec);
        d.spec = std::move(spec);
        docs.push_back(std::move(d));
    }

    // Labels, qualified where a plain one would be ambiguous (a compute of the same name in two workspaces).
    std::map<std::string, int> plain;
    for (const auto& d : docs) {
        ++plain[to_lower(resource_label(d.kind->name, d.found->id))];
    }
    std::map<std::string, std::string> refs;  // id key -> label
    std::map<std::string, int> labels;
    for (auto& d : docs) {
        const std::string simple = resource_label(d.kind->name, d.found->id);
        d.label = simple;
        if (plain[to_lower(simple)] > 1 && !d.workspace.empty()) {
            d.label = std::string(d.kind->name) + "/" + d.workspace + "/" + d.name + (d.version.empty() ? "" : "@" + d.version);
        }
        ++labels[to_lower(d.label)];
    }
    for (const auto& d : docs) {
        if (labels[to_lower(d.label)] == 1) {
            refs[d.found->id.key()] = d.label;
        }
    }

    // Secrets Azure never returns: a placeholder where the enclosing object exists, one per
    // object (the first of the kind's list there: a cluster's password; its SSH key is the
    // alternative the comment names).
    for (auto& d : docs) {
        std::set<const Json*> filled;
        // A datastore's secrets object is never returned at all: its credentialsType says
        // which secret it holds (an account key or a SAS token).
        std::string datastore_secret;
        const Json::json_pointer credentials{"/properties/credentials"};
        if (d.kind->name == "Datastore" && d.spec.contains(credentials) && d.spec.at(credentials).is_object()) {
            Json& c = d.spec.at(credentials);
            const std::string type = c.value("credentialsType", "");
            datastore_secret = iequals(type, "AccountKey") ? "key" : iequals(type, "Sas") ? "sasToken" : "";
            if (!datastore_secret.empty() && !c.contains("secrets")) {
                c["secrets"] = Json{{"secretsType", iequals(type, "Sas") ? "Sas" : "AccountKey"}};
            }
        }
        for (const auto& p : d.kind->secret) {
            const auto path = segments(p);
            if (d.kind->name == "Datastore" && path.back() != datastore_secret) {
                continue;
            }
            Json* at = &d.spec;
            for (std::size_t i = 0; i + 1 < path.size() && at != nullptr; ++i) {
                auto it = at->is_object() ? at->find(path[i]) : at->end();
                at = at->is_object() && it != at->end() && it->is_object() ? &*it : nullptr;
            }
            if (at == nullptr) {
                continue;
            }
            if (!filled.insert(at).second) {
                if (!d.secrets.empty()) {
                    d.secrets.back().alternatives.push_back(path.back());
                }
                continue;
            }
            ExportedSecret s{env_name(d.name, path.back()), d.label, dotted(p), {}};
            (*at)[path.back()] = "${env:" + s.env + "}";
            d.secrets.push_back(s);
        }
        result.secrets.insert(result.secrets.end(), d.secrets.begin(), d.secrets.end());
        replace_ids(d.spec, refs);
    }

    // Defaults: the most common location, the tags every resource carries, the one workspace.
    std::map<std::string, std::pair<int, std::string>> locations;  // region -> (count, first spelling)
    std::string ws_location;
    std::map<std::string, std::string> ws_locations;  // workspace name (lower) -> region
    for (const auto& d : docs) {
        if (d.kind->tracked && d.kind->name != "ArmResource" && d.spec.contains("location") && d.spec["location"].is_string()) {
            const std::string loc = d.spec["location"].get<std::string>();
            auto& e = locations[region(loc)];
            if (e.first++ == 0) {
                e.second = loc;
            }
            if (d.kind->name == "Workspace") {
                ws_locations[to_lower(d.name)] = region(loc);
            }
        }
    }
    std::string default_location;
    int best = 0;
    for (const auto& [r, e] : locations) {
        if (e.first > best) {
            best = e.first;
            default_location = e.second;
        }
    }
    std::set<std::string> workspaces;
    for (const auto& d : docs) {
        if (d.kind->name == "Workspace") {
            workspaces.insert(d.name);
        }
    }
    const std::string default_workspace = workspaces.size() == 1 ? *workspaces.begin() : std::string();
    for (auto& d : docs) {
        if (!d.kind->tracked || d.kind->name == "ArmResource" || !d.spec.contains("location") ||
            !d.spec["location"].is_string()) {
            continue;
        }
        const std::string here = region(d.spec["location"].get<std::string>());
        std::string inherited = region(default_location);
        if (d.kind->parent == Parent::workspace) {
            if (auto it = ws_locations.find(to_lower(d.workspace)); it != ws_locations.end()) {
                inherited = it->second;  // the loader gives a compute its workspace's location
            }
        }
        if (here == inherited) {
            d.spec.erase("location");
        }
    }
    Json common_tags;
    bool first = true;
    for (auto& d : docs) {
        if (!takes_tags(*d.kind, d.found->body)) {
            continue;
        }
        Json* tags = tag_map(d.spec, d.kind->tags == TagsAt::top_if_located ? TagsAt::top : d.kind->tags);
        Json mine = tags != nullptr ? *tags : Json::object();
        if (first) {
            common_tags = mine;
            first = false;
            continue;
        }
        auto& members = common_tags.get_ref<Json::object_t&>();
        std::erase_if(members, [&](const auto& m) { return !mine.contains(m.first) || mine[m.first] != m.second; });
    }
    if (common_tags.is_object() && !common_tags.empty()) {
        for (auto& d : docs) {
            if (!takes_tags(*d.kind, d.found->body)) {
                continue;
            }
            Json* holder = d.kind->tags == TagsAt::properties ? &d.spec["properties"] : &d.spec;
            Json& tags = (*holder)["tags"];
            for (const auto& [k, v] : common_tags.items()) {
                tags.erase(k);
            }
            if (tags.empty()) {
                holder->erase("tags");
            }
        }
    } else {
        common_tags = Json();
    }
    for (auto& d : docs) {  // an empty tag map says nothing
        Json* tags = tag_map(d.spec, d.kind->tags == TagsAt::top_if_located ? TagsAt::top : d.kind->tags);
        if (tags != nullptr && tags->empty()) {
            (d.kind->tags == TagsAt::properties ? d.spec["properties"] : d.spec).erase("tags");
        }
    }

    // Whose the resources are, for what to do next.
    for (const auto& d : docs) {
        if (takes_tags(*d.kind, d.found->body)) {
            const auto owner = ownership::owner_of(d.found->body, options.stack, d.kind->tags);
            if (owner.owner == ownership::Owner::untagged) {
                ++result.untagged;
            } else if (owner.owner == ownership::Owner::other_stack) {
                result.other_stacks.push_back(d.label + " (stack " + owner.stack + ")");
            }
        }
    }

    // converge.yaml
    Json config = {{"apiVersion", "converge/v1"}, {"stack", options.stack}};
    Json defaults = {{"subscription", options.subscription}, {"resourceGroup", options.resource_group}};
    if (!default_location.empty()) {
        defaults["location"] = default_location;
    }
    if (!default_workspace.empty()) {
        defaults["workspace"] = default_workspace;
    }
    if (!common_tags.is_null()) {
        defaults["tags"] = common_tags;
    }
    config["defaults"] = defaults;
    std::vector<std::string> header = {
        "Written by `" + (options.command_line.empty() ? std::string("converge export") : options.command_line) + "`."};
    if (result.untagged > 0) {
        header.push_back(std::to_string(result.untagged) + " of the resources are owned by no converge stack: `converge plan DIR --adopt`");
        header.push_back("shows them as adopted (<=), and `converge apply DIR --adopt` tags them as this stack's.");
    }
    if (!result.other_stacks.empty()) {
        header.push_back(std::to_string(result.other_stacks.size()) +
                         " are another stack's: plan with --take-over-from STACK to move them.");
    }
    if (result.untagged == 0 && result.other_stacks.empty()) {
        header.push_back("This stack owns every resource exported: `converge plan DIR` shows no change.");
    }
    if (!result.secrets.empty()) {
        header.push_back("Values Azure never returns are ${env:NAME} placeholders; set these before plan or apply:");
        for (const auto& s : result.secrets) {
            header.push_back("  " + s.env + "  (" + s.label + " " + s.field + ")");
        }
    }
    result.files.push_back({"converge.yaml", emit_yaml({YamlDocument{header, config}})});

    // The documents, in the kinds table's order, then by id.
    std::stable_sort(docs.begin(), docs.end(), [](const Doc& a, const Doc& b) {
        return a.order != b.order ? a.order < b.order : a.found->id < b.found->id;
    });
    std::vector<YamlDocument> all;
    std::set<std::string> names;
    for (auto& d : docs) {
        Json metadata = {{"name", d.name}};
        if (!d.version.empty()) {
            metadata["version"] = d.version;
        }
        if (!d.endpoint.empty()) {
            metadata["endpoint"] = d.endpoint;
        }
        if (!d.workspace.empty() && !iequals(d.workspace, default_workspace)) {
            metadata["workspace"] = d.workspace;
        }
        Json doc = {{"apiVersion", "converge/v1"}, {"kind", d.kind->name}, {"metadata", metadata}, {"spec", d.spec}};
        std::vector<std::string> comments = {d.label + ", exported from " + d.found->id.str()};
        if (options.format == ExportFormat::azml && !metadata.contains("workspace")) {
            // az ml files have no workspace field: one outside the default stays a converge document.
            if (auto az = azml_document(*d.kind, d.name, d.version, d.endpoint, d.spec, d.label, result.notes)) {
                doc = std::move(*az);
                comments.front() += " (az ml CLI v2 YAML, docs/azml-yaml.md)";
            }
        }
        for (const auto& s : d.secrets) {
            std::string alternatives;
            for (const auto& a : s.alternatives) {
                alternatives += (alternatives.empty() ? "" : " or ") + a;
            }
            comments.push_back("Azure never returns " + s.field + ": set " + s.env +
                               (alternatives.empty() ? "" : " (or write " + alternatives + " in its place)"));
        }
        ++result.resources;
        if (options.single_file) {
            all.push_back({comments, doc});
            continue;
        }
        std::string file = export_file_name(d.kind->name, d.name + (d.version.empty() ? "" : "-" + d.version));
        if (d.label.find('/') != d.label.rfind('/')) {  // a qualified label: the workspace in the name too
            file = export_file_name(d.kind->name, d.workspace + "-" + d.name + (d.version.empty() ? "" : "-" + d.version));
        }
        for (int n = 2; !names.insert(file).second; ++n) {
            file = file.substr(0, file.size() - 5) + "-" + std::to_string(n) + ".yaml";
        }
        std::vector<YamlDocument> one = {{comments, doc}};
        result.files.push_back({file, emit_yaml(one)});
    }
    if (options.single_file && !all.empty()) {
        if (!result.secrets.empty()) {
            std::vector<std::string> top = {"Values Azure never returns are ${env:NAME} placeholders; set these before plan or apply:"};
            for (const auto& s : result.secrets) {
                top.push_back("  " + s.env + "  (" + s.label + " " + s.field + ")");
            }
            top.emplace_back();
            all.front().comments.insert(all.front().comments.begin(), top.begin(), top.end());
        }
        result.files.push_back({"resources.yaml", emit_yaml(all)});
    }
    return result;
}

}  // namespace converge
