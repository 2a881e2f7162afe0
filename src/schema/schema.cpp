// JSON Schema validation with valijson: the only file that includes it. Each kind's schema
// is composed with the envelope and compiled once, on first use.
#include "schema/internal.hpp"

#include "schema/valijson_json.hpp"
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <map>
#include <memory>
#include <stdexcept>
#include <utility>

namespace converge::schema {

extern const std::pair<std::string_view, std::string_view> k_embedded_schemas[];
extern const std::size_t k_embedded_schema_count;

namespace {

/// A schema as JSON (for messages) and compiled (for validation).
struct Compiled {
    Json json;
    valijson::Schema schema;
};

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
