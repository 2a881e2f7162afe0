// Azure ML CLI v2 documents in a manifest directory: each one becomes the converge document
// (kind, metadata, spec in the ARM body's shape) the az ml CLI would send, before identify and
// schema validation, with every node positioned at the az ml field it came from. The fields
// and conversions are the table of include/converge/azml.hpp; docs/azml-yaml.md.
#include "converge/azml.hpp"

#include "manifest/internal.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <unordered_map>
#include <unordered_set>

namespace converge::manifest {

namespace {

namespace fs = std::filesystem;
using azml::Convert;
using azml::Field;
using azml::Type;

/// Keys only an az ml workspace file has (files without $schema, like mvnet-*.yml).
constexpr std::string_view k_workspace_keys[] = {
    "managed_network", "display_name", "hbi_workspace", "storage_account", "key_vault", "application_insights",
    "container_registry", "customer_managed_key", "image_build_compute", "public_network_access",
    "primary_user_assigned_identity", "serverless_compute", "enable_data_isolation", "system_datastores_auth_mode"};

const Type* workspace_type() {
    for (const auto& t : azml::types()) {
        if (t.schema == "workspace") {
            return &t;
        }
    }
    return nullptr;
}

const std::string* string_member(const Json& root, const char* key) {
    const auto it = root.find(key);
    return it != root.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

/// The type the document is, and the pointer of what said so ("/type", "/$schema", "").
const Type* detect(const YamlDocument& doc, std::string& by) {
    const Json& root = doc.root;
    if (const std::string* t = string_member(root, "type")) {
        if (const Type* type = azml::find_by_type(*t)) {
            by = "/type";  // the SDK picks the class by type; $schema is a hint
            return type;
        }
    }
    if (const std::string* s = string_member(root, "$schema"); s != nullptr && !azml::schema_name(*s).empty()) {
        by = "/$schema";
        return azml::find_by_schema(*s);
    }
    for (const auto key : k_workspace_keys) {
        if (root.contains(key)) {
            by = "";
            return workspace_type();
        }
    }
    return nullptr;
}

std::string supported_list() {
    std::string out;
    for (const auto& t : azml::types()) {
        if (!t.kind.empty()) {
            out += (out.empty() ? "" : ", ") + std::string(t.schema);
        }
    }
    return out;
}

/// "user_assigned_identities[0].resource_id" -> "/user_assigned_identities/0/resource_id".
std::string sub_pointer(std::string_view dotted) {
    std::string out;
    std::string segment;
    for (const char c : dotted) {
        if (c == '.' || c == '[' || c == ']') {
            if (!segment.empty()) {
                json_pointer::append_segment(out, segment);
                segment.clear();
            }
        } else {
            segment += c;
        }
    }
    if (!segment.empty()) {
        json_pointer::append_segment(out, segment);
    }
    return out;
}

class Translator {
public:
    Translator(const YamlDocument& src, const Type& type, const AzmlContext& context, Diagnostics& diagnostics)
        : m_src(src), m_type(type), m_context(context), m_diagnostics(diagnostics) {
        for (std::size_t i = 0; i < src.positions.size(); ++i) {
            m_by_hash[src.positions[i].hash] = i;  // the last wins, as in YamlDocument::find
        }
        for (const auto h : src.plain_templates) {
            m_plain.insert(h);
        }
    }

    /// The converge document, or nullopt when it could not be identified (reported).
    std::optional<YamlDocument> run(const std::string& by) {
        m_out.file = m_src.file;
        m_out.start = m_src.start;
        m_out.may_ref = m_src.may_ref;
        m_out.has_expressions = m_src.has_expressions;
        m_out.root = Json{{"apiVersion", "converge/v1"}, {"kind", std::string(m_type.kind)},
                          {"metadata", Json::object()}, {"spec", Json::object()}};
        const NodePosition head = by.empty() ? NodePosition{m_src.start, m_src.start} : position(by);
        for (const char* p : {"", "/apiVersion", "/kind", "/metadata", "/spec"}) {
            place(p, head);
        }
        for (const auto& [key, value] : m_src.root.items()) {
            top_level(key, value);
        }
        defaults();
        for (const auto& [pointer, text] : m_type.fixed) {
            set(std::string("/spec") + std::string(pointer), Json::parse(text), head);
        }
        finish();
        if (m_unidentified) {
            return std::nullopt;
        }
        return std::move(m_out);
    }

private:
    NodePosition position(const std::string& pointer) const {
        const auto it = m_by_hash.find(PointerHash::of(pointer));
        return it != m_by_hash.end() ? m_src.positions[it->second].pos : NodePosition{m_src.start, m_src.start};
    }

    void place(const std::string& pointer, NodePosition pos) {
        Positioned p{PointerHash::of(pointer), 0, pos, Area::other};
        if (pointer == "/spec" || pointer.starts_with("/spec/")) {
            p.area = Area::spec;
            p.spec_hash = PointerHash::of(std::string_view(pointer).substr(5));
        } else if (pointer == "/metadata" || pointer.starts_with("/metadata/")) {
            p.area = Area::metadata;
        }
        m_out.positions.push_back(p);
    }

    /// Sets the value at `pointer` (creating objects on the way), positioned at `pos`.
    void set(const std::string& pointer, Json value, NodePosition pos) {
        Json* node = &m_out.root;
        std::string at;
        json_pointer::for_each_segment(pointer, [&](std::string_view segment) {
            at += "/" + json_pointer::escape(segment);
            if (!node->is_object()) {
                *node = Json::object();
            }
            const std::string key = json_pointer::unescape(segment);
            if (!node->contains(key)) {
                place(at, pos);
            }
            node = &(*node)[key];
        });
        *node = std::move(value);
    }

    bool has(const std::string& pointer) const { return m_out.root.contains(Json::json_pointer(pointer)); }

    /// Positions of a converted value's members: the same keys below the az ml value keep
    /// their own positions (tags, properties), the rest take the field's.
    void place_below(const std::string& out, const Json& value, const std::string& src, NodePosition fallback) {
        if (!value.is_object() && !value.is_array()) {
            return;
        }
        const auto each = [&](const std::string& segment, const Json& child) {
            const std::string o = out + "/" + json_pointer::escape(segment);
            const std::string s = src.empty() ? std::string() : src + "/" + json_pointer::escape(segment);
            const bool known = !s.empty() && m_by_hash.contains(PointerHash::of(s));
            const NodePosition pos = known ? position(s) : fallback;
            place(o, pos);
            if (known && m_plain.contains(PointerHash::of(s))) {
                m_out.plain_templates.push_back(PointerHash::of(o));
            }
            place_below(o, child, known ? s : std::string(), fallback);
        };
        if (value.is_object()) {
            for (const auto& [k, v] : value.items()) {
                each(k, v);
            }
        } else {
            for (std::size_t i = 0; i < value.size(); ++i) {
                each(std::to_string(i), value[i]);
            }
        }
    }

    /// A number or boolean as its source text ("abc: 0123" stays "0123"), for string fields.
    Json as_written(const Json& value, const std::string& pointer) const {
        if (value.is_number() || value.is_boolean()) {
            if (const std::string* raw = m_src.raw(pointer)) {
                return *raw;
            }
        }
        if (value.is_object()) {
            Json out = value;
            for (auto& [k, v] : out.items()) {
                v = as_written(v, pointer + "/" + json_pointer::escape(k));
            }
            return out;
        }
        return value;
    }

    const Field* field(std::string_view yaml) const {
        for (const auto& f : m_type.fields) {
            if (f.yaml == yaml) {
                return &f;
            }
        }
        return nullptr;
    }

    std::vector<std::string> names_below(std::string_view group) const {
        std::vector<std::string> out;
        for (const auto& f : m_type.fields) {
            const std::string_view y = f.yaml;
            if (group.empty() ? true : y.starts_with(group) && y.size() > group.size() && y[group.size()] == '.') {
                const std::string_view rest = group.empty() ? y : y.substr(group.size() + 1);
                std::string name(rest.substr(0, rest.find('.')));
                if (std::find(out.begin(), out.end(), name) == out.end()) {
                    out.push_back(std::move(name));
                }
            }
        }
        return out;
    }

    void unknown(const std::string& dotted, const std::string& key, const std::string& pointer, std::string_view group) {
        const auto known = names_below(group);
        const auto guess = did_you_mean(key, known);
        m_diagnostics.error(m_src.key_at(pointer),
                            fmt::format("unknown field \"{}\" in an az ml {} file{}", dotted, m_type.what,
                                        guess.empty() ? fmt::format(" (expected one of {})", fmt::join(known, ", "))
                                                      : fmt::format(" (did you mean \"{}\"?)", guess)));
    }

    void top_level(const std::string& key, const Json& value) {
        const std::string pointer = "/" + json_pointer::escape(key);
        if (key == "$schema" || (key == "type" && field("type") == nullptr && !m_type.types.empty())) {
            return;  // what selected the type
        }
        if (const Field* f = field(key)) {
            convert(*f, value, pointer, &m_src.root);
            return;
        }
        const auto below = names_below(key);
        if (below.empty()) {
            unknown(key, key, pointer, "");
            return;
        }
        if (!value.is_object()) {
            m_diagnostics.error(m_src.value_at(pointer),
                                fmt::format("az ml field \"{}\": expected a mapping with {}", key, fmt::join(below, ", ")));
            return;
        }
        for (const auto& [k, v] : value.items()) {
            const std::string dotted = key + "." + k;
            const std::string p = pointer + "/" + json_pointer::escape(k);
            if (const Field* f = field(dotted)) {
                convert(*f, v, p, &value);
            } else {
                unknown(dotted, k, p, key);
            }
        }
        if (key == "network_settings" && value.contains("vnet_name") && !value.contains("subnet")) {
            m_diagnostics.error(m_src.key_at(pointer + "/vnet_name"),
                                "az ml field \"network_settings.vnet_name\" needs network_settings.subnet");
        }
    }

    void convert(const Field& f, const Json& value, const std::string& pointer, const Json* group) {
        const NodePosition pos = position(pointer);
        m_out.azml_fields.emplace_back(pos.key, std::string(f.yaml));
        m_out.azml_fields.emplace_back(pos.value, std::string(f.yaml));
        m_present.emplace_back(f.yaml);
        switch (f.convert) {
        case Convert::unsupported:
            m_diagnostics.error(m_src.key_at(pointer), fmt::format("az ml field \"{}\" is not supported yet: {}", f.yaml,
                                                                   f.note));
            return;
        case Convert::output_only:
            m_diagnostics.error(m_src.key_at(pointer),
                                fmt::format("az ml field \"{}\" is set by Azure (output only) and cannot be written",
                                            f.yaml));
            return;
        case Convert::ignored:
            m_diagnostics.warning(m_src.key_at(pointer), fmt::format("az ml field \"{}\" is not sent: {}", f.yaml, f.note));
            return;
        case Convert::consumed: return;
        default: break;
        }
        const bool as_text = f.convert == Convert::text || f.convert == Convert::string_map ||
                             f.convert == Convert::flavors || f.rest.starts_with("@");
        const Json input = as_text ? as_written(value, pointer) : value;
        if (f.rest.starts_with("@")) {
            metadata(f, input, pointer, pos);
            return;
        }
        if (f.convert == Convert::model_path && input.is_string() && !azml::is_remote_uri(input.get<std::string>()) &&
            input.get_ref<const std::string&>().find("${") == std::string::npos) {
            // A local file or directory: the Model kind's upload (docs/model-upload.md).
            set("/spec/path", input, pos);
            return;
        }
        Json read = input;
        if (f.convert == Convert::conda_file && input.is_string() &&
            input.get_ref<const std::string&>().find("${") == std::string::npos) {
            // The az ml CLI reads the file (relative to this one) and sends its text.
            const fs::path file = fs::path(m_src.file).parent_path() / input.get<std::string>();
            std::string text;
            Diagnostics ignored;
            if (!read_file(file.string(), text, ignored)) {
                m_diagnostics.error(m_src.value_at(pointer),
                                    fmt::format("az ml field \"{}\": cannot read \"{}\" (a conda file, relative to "
                                                "this file)", f.yaml, file.lexically_normal().generic_string()));
                return;
            }
            read = std::move(text);
        }
        azml::Context context{group, m_context.subscription, m_context.resource_group, m_context.workspace};
        const azml::Converted c = azml::to_rest(f, read, context);
        for (const auto& w : c.warnings) {
            m_diagnostics.warning(m_src.key_at(pointer), fmt::format("az ml field \"{}\": {}", f.yaml, w));
        }
        if (!c.error.empty()) {
            const std::string dotted = c.at.empty() ? std::string(f.yaml) : fmt::format("{}.{}", f.yaml, c.at);
            const std::string at = c.at.empty() ? pointer : pointer + sub_pointer(c.at);
            m_diagnostics.error(m_src.value_at(at), fmt::format("az ml field \"{}\": {}", dotted, c.error));
            return;
        }
        if (!c.value) {
            return;  // nothing to send (idle_time_before_scale_down: 0)
        }
        const std::string out = "/spec" + std::string(f.rest);
        set(out, *c.value, pos);
        if (m_plain.contains(PointerHash::of(pointer)) && c.value->is_string()) {
            m_out.plain_templates.push_back(PointerHash::of(out));
        }
        const bool same_shape = f.convert == Convert::string_map;
        place_below(out, *c.value, same_shape ? pointer : std::string(), pos);
    }

    void metadata(const Field& f, const Json& value, const std::string& pointer, NodePosition pos) {
        const std::string key = std::string(f.rest.substr(1));
        if (!value.is_string()) {
            m_diagnostics.error(m_src.value_at(pointer), fmt::format("az ml field \"{}\": expected a string", f.yaml));
            return;
        }
        set("/metadata/" + key, value, pos);
        if (m_plain.contains(PointerHash::of(pointer))) {
            m_out.plain_templates.push_back(PointerHash::of("/metadata/" + key));
        }
    }

    bool present(std::string_view yaml) const {
        return std::find(m_present.begin(), m_present.end(), yaml) != m_present.end();
    }

    /// What the az ml CLI sends when a field is absent (mapping doc section 7).
    void defaults() {
        const NodePosition at{m_src.start, m_src.start};
        for (const auto& f : m_type.fields) {
            if (f.fallback.empty() || present(f.yaml) || f.rest.starts_with("@")) {
                continue;
            }
            const std::string out = "/spec" + std::string(f.rest);
            if (has(out)) {
                continue;
            }
            if (f.fallback == "@name") {
                const auto name = m_out.root["metadata"].find("name");
                if (name != m_out.root["metadata"].end()) {
                    set(out, *name, at);
                }
                continue;
            }
            set(out, Json::parse(f.fallback), at);
        }
    }

    /// The rules of one type that are not one field each.
    void finish() {
        const NodePosition head{m_src.start, m_src.start};
        if (m_type.schema == "computeInstance") {
            // Newer SDK: sshSettings only when a field is set, and then access defaults to Disabled.
            const std::string ssh = "/spec/properties/properties/sshSettings";
            if (has(ssh) && !has(ssh + "/sshPublicAccess")) {
                set(ssh + "/sshPublicAccess", "Disabled", head);
            }
        }
        if (m_type.schema == "workspace") {
            if (has("/spec/properties/encryption")) {
                set("/spec/properties/encryption/status", "Enabled", position("/customer_managed_key"));
            }
            std::vector<std::string> missing;
            for (const char* f : {"storage_account", "key_vault", "application_insights"}) {
                if (!present(f)) {
                    missing.emplace_back(f);
                }
            }
            if (!missing.empty()) {
                m_diagnostics.warning(
                    m_src.value_at("/name"),
                    fmt::format("az ml workspace without {}: the az ml CLI creates them, converge does not; declare "
                                "them as converge documents (StorageAccount, KeyVault, ApplicationInsights) and write "
                                "e.g. storage_account: ${{ref:StorageAccount/NAME}}",
                                fmt::join(missing, ", ")));
            }
        }
        const bool versioned = m_type.schema == "model" || m_type.schema == "environment";
        if (versioned && !m_out.root["metadata"].contains("version") && present("name")) {
            m_diagnostics.error(m_src.value_at("/name"),
                                fmt::format("az ml {0} without version: the az ml CLI picks the next version, converge "
                                            "declares one {0} version per document; set version:",
                                            m_type.what));
            m_unidentified = true;  // not also "missing metadata.version"
        }
        if (!m_out.root["metadata"].contains("name") && !present("name")) {
            m_diagnostics.error(m_out.at(m_src.start), fmt::format("missing required field \"name\" in an az ml {} file",
                                                                   m_type.what));
            m_unidentified = true;
        }
    }

    const YamlDocument& m_src;
    const Type& m_type;
    const AzmlContext& m_context;
    Diagnostics& m_diagnostics;
    YamlDocument m_out;
    std::unordered_map<std::uint64_t, std::size_t> m_by_hash;
    std::unordered_set<std::uint64_t> m_plain;
    std::vector<std::string_view> m_present;
    bool m_unidentified = false;
};

}  // namespace

bool is_azml(const YamlDocument& doc) {
    const Json& root = doc.root;
    if (!root.is_object() || root.contains("apiVersion") || root.contains("metadata") || root.contains("spec")) {
        return false;
    }
    if (const std::string* s = string_member(root, "$schema"); s != nullptr && !azml::schema_name(*s).empty()) {
        return true;
    }
    std::string by;
    return detect(doc, by) != nullptr;
}

std::optional<YamlDocument> translate_azml(const YamlDocument& doc, const AzmlContext& context,
                                           Diagnostics& diagnostics) {
    std::string by;
    const Type* type = detect(doc, by);
    if (type == nullptr) {
        const std::string* s = string_member(doc.root, "$schema");
        diagnostics.error(doc.value_at("/$schema"),
                          fmt::format("az ml schema \"{}\" is not supported yet (converge reads az ml {} files)",
                                      s != nullptr ? std::string(azml::schema_name(*s)) : std::string(),
                                      supported_list()));
        return std::nullopt;
    }
    if (type->kind.empty()) {
        diagnostics.error(doc.value_at(by.empty() ? "/$schema" : by),
                          fmt::format("az ml {} files ({}.schema.json) are not supported yet{}; converge reads az ml "
                                      "{} files",
                                      type->what, type->schema,
                                      type->planned.empty() ? std::string()
                                                            : fmt::format(" (they will be read as {} documents)",
                                                                          type->planned),
                                      supported_list()));
        return std::nullopt;
    }
    return Translator(doc, *type, context, diagnostics).run(by);
}

void append_naming_azml(const YamlDocument& doc, const Diagnostics& local, Diagnostics& out) {
    for (Diagnostic d : local.items()) {
        if (d.location.file == doc.file && d.message.find("az ml") == std::string::npos) {
            for (const auto& [pos, name] : doc.azml_fields) {
                if (pos.line == d.location.line && pos.column == d.location.column) {
                    d.message += fmt::format(" (az ml field \"{}\")", name);
                    break;
                }
            }
        }
        out.add(std::move(d));
    }
}

}  // namespace converge::manifest
