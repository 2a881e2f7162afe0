// JSON Schema validation with valijson: the only file that includes it. Each kind's schema
// is composed with the envelope and compiled once, on first use.
#include "schema/internal.hpp"

#include "schema/valijson_json.hpp"
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <fmt/format.h>

#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <utility>

namespace converge::schema {

extern const std::pair<std::string_view, std::string_view> k_embedded_schemas[];
extern const std::size_t k_embedded_schema_count;

namespace {

/// The longest string checked against a schema "pattern". valijson matches patterns with
/// std::regex, whose matcher recurses once per character: with an 8 MiB stack it overflows
/// between 10,000 and 30,000 characters on patterns such as "^[A-Za-z_][A-Za-z0-9_]*$" and takes
/// ~80 ms at 10,000 (docs/reliability.md). Every pattern in schemas/ describes a name, id, type
/// or duration of at most 260 characters; a longer value is an error anyway.
constexpr std::size_t k_max_pattern_input = 1024;

/// A schema as JSON (for messages) and compiled (for validation).
struct Compiled {
    Json json;
    valijson::Schema schema;
    /// Names of the properties whose value (or items) some "pattern" checks; "" for the root.
    std::set<std::string, std::less<>> patterned;
};

/// Collects into `out` the property names under which `node` (reached as `name`) can apply a
/// "pattern", following every branch ($ref, allOf, if/then/else, items...): over-inclusive on
/// purpose, since a missed one would let a long string reach std::regex.
void collect_patterned(const Json& root, const Json& node, const std::string& name, std::set<std::string, std::less<>>& out,
                       std::set<const Json*>& seen) {
    if (!node.is_object() || !seen.insert(&node).second) {
        return;
    }
    if (node.contains("pattern")) {
        out.insert(name);
    }
    for (const auto& [k, v] : node.items()) {
        if (k == "properties" && v.is_object()) {
            for (const auto& [child, schema] : v.items()) {
                collect_patterned(root, schema, child, out, seen);
            }
        } else if (k == "$ref" && v.is_string()) {
            const auto& ref = v.get_ref<const std::string&>();
            if (ref.starts_with("#")) {
                const Json::json_pointer pointer(ref.substr(1));
                if (root.contains(pointer)) {
                    collect_patterned(root, root.at(pointer), name, out, seen);
                }
            }
        } else if (k == "definitions" || k == "enum" || k == "const" || k == "default" || k == "examples") {
            // not applied here: definitions are reached through $ref
        } else if (k == "additionalProperties" || k == "patternProperties") {
            // Applies under any key: "*" makes every long string an error.
            if (k == "patternProperties" && v.is_object()) {
                for (const auto& [re, schema] : v.items()) {
                    collect_patterned(root, schema, "*", out, seen);
                }
            } else {
                collect_patterned(root, v, "*", out, seen);
            }
        } else if (v.is_array()) {
            for (const auto& item : v) {
                collect_patterned(root, item, name, out, seen);
            }
        } else {
            collect_patterned(root, v, name, out, seen);
        }
    }
}

bool has_long_string(const Json& node) {
    if (node.is_string()) {
        return node.get_ref<const std::string&>().size() > k_max_pattern_input;
    }
    if (node.is_object()) {
        for (const auto& [k, v] : node.items()) {
            if (has_long_string(v)) {
                return true;
            }
        }
    } else if (node.is_array()) {
        for (const auto& v : node) {
            if (has_long_string(v)) {
                return true;
            }
        }
    }
    return false;
}

/// Reports the strings too long for a pattern check; true when there was one.
bool report_long_strings(const Compiled& compiled, const manifest::YamlDocument& doc, const Json& node,
                         const std::string& name, std::string& pointer, Diagnostics& diagnostics) {
    bool found = false;
    if (node.is_string()) {
        const auto size = node.get_ref<const std::string&>().size();
        if (size > k_max_pattern_input && (compiled.patterned.contains(name) || compiled.patterned.contains("*"))) {
            diagnostics.error(doc.value_at(pointer),
                              fmt::format("\"{}\" is {} characters long, more than the {} that a pattern is checked on "
                                          "(the limit)", name, size, k_max_pattern_input));
            found = true;
        }
    } else if (node.is_object()) {
        for (const auto& [k, v] : node.items()) {
            const std::size_t mark = pointer.size();
            json_pointer::append_segment(pointer, k);
            found = report_long_strings(compiled, doc, v, k, pointer, diagnostics) || found;
            pointer.resize(mark);
        }
    } else if (node.is_array()) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::size_t mark = pointer.size();
            pointer += "/" + std::to_string(i);
            found = report_long_strings(compiled, doc, node[i], name, pointer, diagnostics) || found;
            pointer.resize(mark);
        }
    }
    return found;
}

Json parse_embedded(std::string_view name) {
    const auto text = embedded(name);
    if (text.empty()) {
        throw std::logic_error("schema not embedded: " + std::string(name));
    }
    return Json::parse(text);
}

/// envelope + the kind's spec schema in one document: spec's definitions move to the root
/// so "#/definitions/x" refs resolve in both.
Json compose(const Json& envelope, const Json& kind_schema) {
    Json out = envelope;
    Json spec = kind_schema;
    for (const char* key : {"$schema", "title", "description"}) {
        spec.erase(key);
    }
    if (spec.contains("definitions")) {
        for (auto& [k, v] : spec["definitions"].items()) {
            out["definitions"][k] = std::move(v);
        }
        spec.erase("definitions");
    }
    if (spec.contains("x-converge-name")) {
        Json& name = out["definitions"]["metadata"]["properties"]["name"];
        for (auto& [k, v] : spec["x-converge-name"].items()) {
            name[k == "description" ? "x-converge-description" : k] = v;
        }
    }
    out["properties"]["spec"] = std::move(spec);
    // The loader checks apiVersion and kind first, with better messages, and picks this schema
    // by kind: checking them again here (a 9-value enum) is work for every document.
    out["properties"]["apiVersion"] = Json::object();
    out["properties"]["kind"] = Json::object();
    return out;
}

std::unique_ptr<Compiled> compile(Json json) {
    auto c = std::make_unique<Compiled>();
    c->json = std::move(json);
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(c->json);
    parser.populateSchema(adapter, c->schema);
    std::set<const Json*> seen;
    collect_patterned(c->json, c->json, "", c->patterned, seen);
    return c;
}

struct Registry {
    std::map<std::string_view, std::unique_ptr<Compiled>> kinds;  // by kind name
    std::unique_ptr<Compiled> envelope;
    std::unique_ptr<Compiled> config;
};

const Registry& registry() {
    static const Registry r = [] {
        Registry reg;
        const Json envelope = parse_embedded("manifest");
        for (const auto& kind : all_kinds()) {
            reg.kinds[kind.name] = compile(compose(envelope, parse_embedded(schema_name(kind))));
        }
        reg.envelope = compile(envelope);
        reg.config = compile(parse_embedded("converge"));
        return reg;
    }();
    return r;
}

void validate(const Compiled& compiled, const manifest::YamlDocument& doc, const KindInfo* kind,
              const std::vector<std::string>& sensitive, Diagnostics& diagnostics, bool config = false) {
    // One validator per thread: it caches compiled regexes, which cost more than a check.
    thread_local valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::adapters::NlohmannJsonAdapter target(doc.root);
    const Subject subject{doc, compiled.json, kind, sensitive, config};
    if (has_long_string(doc.root)) {
        std::string pointer;
        if (report_long_strings(compiled, doc, doc.root, "", pointer, diagnostics)) {
            return;  // std::regex could overflow the stack on it
        }
    }
    // Fast path: stop at the first error and collect nothing when the document is valid.
    if (!validator.validate(compiled.schema, target, nullptr)) {
        valijson::ValidationResults results;
        validator.validate(compiled.schema, target, &results);
        std::vector<RawError> errors;
        for (const auto& e : results) {
            errors.push_back({e.context, e.description});
        }
        report_errors(subject, errors, diagnostics);
    }
    warn_near_misses(subject, diagnostics);
}

}  // namespace

std::string_view embedded(std::string_view name) {
    for (std::size_t i = 0; i < k_embedded_schema_count; ++i) {
        if (k_embedded_schemas[i].first == name) {
            return k_embedded_schemas[i].second;
        }
    }
    return {};
}

std::string schema_name(const KindInfo& kind) { return to_lower(kind.name); }

void validate_document(const manifest::YamlDocument& doc, const KindInfo* kind,
                       const std::vector<std::string>& sensitive, Diagnostics& diagnostics) {
    const Registry& reg = registry();
    const Compiled& compiled = kind != nullptr ? *reg.kinds.at(kind->name) : *reg.envelope;
    validate(compiled, doc, kind, sensitive, diagnostics);
    if (kind != nullptr) {
        check_rules(doc, *kind, diagnostics);
    }
}

void validate_config(const manifest::YamlDocument& doc, Diagnostics& diagnostics) {
    validate(*registry().config, doc, nullptr, {}, diagnostics, true);
}

}  // namespace converge::schema
