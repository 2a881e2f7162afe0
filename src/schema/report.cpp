// Builds the messages for schema errors and near-miss warnings.
#include "schema/internal.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace converge::schema {

namespace {

const Json* member(const Json& j, std::string_view key) {
    if (!j.is_object()) {
        return nullptr;
    }
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

std::string type_name(const Json& v) {
    switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    case Json::value_t::string: return "string";
    case Json::value_t::array: return "list";
    case Json::value_t::object: return "mapping";
    default: return "value";
    }
}

std::string schema_type_name(const std::string& t) {
    if (t == "object") {
        return "mapping";
    }
    if (t == "array") {
        return "list";
    }
    return t;
}

std::string expected_type(const std::vector<const Json*>& schemas) {
    for (const Json* s : schemas) {
        if (!s->contains("type")) {
            continue;
        }
        const Json& t = (*s)["type"];
        if (t.is_string()) {
            return schema_type_name(t.get<std::string>());
        }
        std::string out;
        for (std::size_t i = 0; i < t.size(); ++i) {
            out += (i == 0 ? "" : i + 1 == t.size() ? " or " : ", ") + schema_type_name(t[i].get<std::string>());
        }
        return out;
    }
    return "another type";
}

const Json* keyword(const std::vector<const Json*>& schemas, const char* name) {
    for (const Json* s : schemas) {
        if (s->contains(name)) {
            return &(*s)[name];
        }
    }
    return nullptr;
}

std::vector<std::string> known_fields(const std::vector<const Json*>& schemas) {
    std::vector<std::string> out;
    for (const Json* s : schemas) {
        if (s->contains("properties")) {
            for (const auto& [k, v] : (*s)["properties"].items()) {
                if (std::find(out.begin(), out.end(), k) == out.end()) {
                    out.push_back(k);
                }
            }
        }
    }
    return out;
}

std::string quoted_list(const Json& values) {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += (i == 0 ? "" : ", ") + values[i].dump();
    }
    return out;
}

std::string where(const std::string& pointer) {
    return pointer.empty() ? "the document" : manifest::display_path(pointer);
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
    const auto guess = did_you_mean(word, candidates);
    return guess.empty() || guess == word ? "" : fmt::format(" (did you mean \"{}\"?)", guess);
}

/// "[spec]", "[0]" -> "/spec/0", deciding index vs key by the instance.
std::string to_pointer(const std::vector<std::string>& context, const Json& root) {
    std::string pointer;
    const Json* node = &root;
    for (std::size_t i = 1; i < context.size(); ++i) {
        const std::string& c = context[i];
        const std::string segment = c.size() >= 2 && c.front() == '[' && c.back() == ']' ? c.substr(1, c.size() - 2) : c;
        json_pointer::append_segment(pointer, segment);
        if (node != nullptr && node->is_object() && node->contains(segment)) {
            node = &(*node)[segment];
        } else if (node != nullptr && node->is_array()) {
            const auto k = static_cast<std::size_t>(std::strtoul(segment.c_str(), nullptr, 10));
            node = k < node->size() ? &(*node)[k] : nullptr;
        } else {
            node = nullptr;
        }
    }
    return pointer;
}

const Json* instance_at(const Json& root, const std::string& pointer) {
    try {
        const Json::json_pointer p(pointer);
        return root.contains(p) ? &root.at(p) : nullptr;
    } catch (const Json::exception&) {
        return nullptr;
    }
}

/// The keys of `object` that no closed schema (additionalProperties: false) among `schemas`
/// declares, in document order.
std::vector<std::string> unknown_keys(const std::vector<const Json*>& schemas, const Json* object) {
    std::vector<std::string> out;
    if (object == nullptr || !object->is_object()) {
        return out;
    }
    for (const auto& [k, v] : object->items()) {
        for (const Json* s : schemas) {
            const Json* additional = member(*s, "additionalProperties");
            if (additional == nullptr || *additional != false) {
                continue;
            }
            const Json* properties = member(*s, "properties");
            if (properties == nullptr || !properties->contains(k)) {
                out.push_back(k);
                break;
            }
        }
    }
    return out;
}

/// " (did you mean ...?)" for an unknown key; at the root of converge.yaml, a key that belongs
/// under `defaults:` (or nearly matches one there) says so.
std::string unknown_hint(const Subject& s, const std::string& pointer, const std::string& name,
                         const std::vector<std::string>& known) {
    const std::string near = suggestion(name, known);
    if (!near.empty() || !pointer.empty()) {
        return near;
    }
    const Json* properties = member(s.schema, "properties");
    const Json* defaults = properties != nullptr ? member(*properties, "defaults") : nullptr;
    const Json* fields = defaults != nullptr ? member(*defaults, "properties") : nullptr;
    if (fields == nullptr || !fields->is_object()) {
        return "";
    }
    std::vector<std::string> names;
    for (const auto& [k, v] : fields->items()) {
        names.push_back(k);
    }
    const auto guess = did_you_mean(name, names);
    if (guess.empty()) {
        return "";
    }
    return guess == name ? " (it belongs under \"defaults:\")"
                         : fmt::format(" (did you mean \"{}\" under \"defaults:\"?)", guess);
}

struct Reporter {
    const Subject& s;
    Diagnostics& out;
    std::set<std::pair<std::string, std::string>> seen;

    bool is_sensitive(const std::string& pointer) const {
        return std::find(s.sensitive.begin(), s.sensitive.end(), pointer) != s.sensitive.end();
    }

    void emit(const Location& at, std::string message) {
        if (seen.emplace(at.to_string(), message).second) {
            out.error(at, std::move(message));
        }
    }

    std::string shown(const std::string& pointer, const Json& v) const {
        return is_sensitive(pointer) ? "" : " " + v.dump();
    }

    bool case_insensitive_enum(const std::string& pointer, const Json& v, const Json& values) const {
        if (s.kind == nullptr || !v.is_string() || !pointer.starts_with("/spec")) {
            return false;
        }
        const std::string body = pointer.substr(5);
        const bool listed = std::any_of(s.kind->case_insensitive.begin(), s.kind->case_insensitive.end(),
                                        [&](std::string_view p) { return path_matches(p, body) && p.size() >= 2; });
        return listed && std::any_of(values.begin(), values.end(), [&](const Json& e) {
                   return e.is_string() && iequals(e.get_ref<const std::string&>(), v.get_ref<const std::string&>());
               });
    }

    void report(const RawError& e) {
        const std::string pointer = to_pointer(e.context, s.doc.root);
        const std::string& d = e.description;
        if (d.starts_with("Failed to validate against") || d.starts_with("Failed to validate item")) {
            return;  // wrappers around the errors of children
        }
        if (!s.config && (pointer == "/apiVersion" || pointer == "/kind")) {
            return;  // checked first, with better messages, by the loader
        }
        const auto schemas = schemas_at(s.schema, s.doc.root, pointer);
        const Json* v = instance_at(s.doc.root, pointer);
        if (v != nullptr && v->is_string() && !d.starts_with("Value type not permitted") &&
            (v->get_ref<const std::string&>().find("<unset:") != std::string::npos ||
             v->get_ref<const std::string&>().find("${") != std::string::npos)) {
            // validate's placeholder for an unset environment variable (warned about where it is
            // used), an interpolation that failed (reported) or a ${ref:...:field} that apply
            // fills in: its value is not the one to check.
            return;
        }
        const std::string path = where(pointer);
        if (d.starts_with("Missing required property '")) {
            const std::string name = d.substr(27, d.size() - 29);
            if (pointer.empty() && (name == "apiVersion" || name == "kind")) {
                return;
            }
            emit(s.doc.key_at(pointer),
                 pointer.empty() ? fmt::format("missing required field \"{}\"", name)
                                 : fmt::format("missing required field \"{}\" in {}", name, path));
        } else if (d.starts_with("Object contains a property that could not be validated")) {
            // The validator names only the first unknown key of an object: report them all.
            const std::string in = pointer.empty() ? "" : " in " + path;
            const auto known = known_fields(schemas);
            for (const std::string& name : unknown_keys(schemas, v)) {
                emit(s.doc.key_at(pointer + "/" + json_pointer::escape(name)),
                     fmt::format("unknown field \"{}\"{}{}", name, in, unknown_hint(s, pointer, name, known)));
            }
        } else if (v == nullptr) {
            emit(s.doc.value_at(pointer), fmt::format("{}: {}", path, d));
        } else if (d.starts_with("Value type not permitted")) {
            emit(s.doc.value_at(pointer),
                 fmt::format("wrong type for {}: expected {}, got {}", path, expected_type(schemas), type_name(*v)));
        } else if (d.starts_with("Failed to match against any enum")) {
            report_enum(pointer, path, *v, schemas);
        } else if (d.starts_with("Failed to match expected value set by 'const'")) {
            const Json* c = keyword(schemas, "const");
            emit(s.doc.value_at(pointer), fmt::format("invalid value{} for {}: expected {}", shown(pointer, *v), path,
                                                      c ? c->dump() : "another value"));
        } else if (d.starts_with("Failed to match regex")) {
            report_pattern(pointer, path, *v, schemas);
        } else {
            report_range(pointer, path, *v, schemas, d);
        }
    }

    void report_enum(const std::string& pointer, const std::string& path, const Json& v,
                     const std::vector<const Json*>& schemas) {
        const Json* values = keyword(schemas, "enum");
        if (values == nullptr) {
            return;
        }
        if (case_insensitive_enum(pointer, v, *values)) {
            return;
        }
        std::vector<std::string> names;
        for (const auto& e : *values) {
            if (e.is_string()) {
                names.push_back(e.get<std::string>());
            }
        }
        const std::string hint = v.is_string() && !is_sensitive(pointer) ? suggestion(v.get<std::string>(), names) : "";
        emit(s.doc.value_at(pointer), fmt::format("invalid value{} for {}: expected one of {}{}", shown(pointer, v),
                                                  path, quoted_list(*values), hint));
    }

    void report_pattern(const std::string& pointer, const std::string& path, const Json& v,
                        const std::vector<const Json*>& schemas) {
        const Json* description = keyword(schemas, "x-converge-description");
        if (pointer == "/metadata/name" && s.kind != nullptr) {
            emit(s.doc.value_at(pointer), fmt::format("invalid name{} for {}: expected {}", shown(pointer, v),
                                                      s.kind->name, description ? description->get<std::string>()
                                                                                : "another name"));
            return;
        }
        // Every pattern in schemas/ carries an x-converge-description (a unit test checks it):
        // a message says what to write, never the regex.
        emit(s.doc.value_at(pointer),
             fmt::format("invalid value{} for {}: expected {}", shown(pointer, v), path,
                         description ? description->get<std::string>() : "another value"));
    }

    void report_range(const std::string& pointer, const std::string& path, const Json& v,
                      const std::vector<const Json*>& schemas, const std::string& d) {
        const Json* min_length = keyword(schemas, "minLength");
        if (d.starts_with("String should be no fewer") && min_length && *min_length == 1) {
            emit(s.doc.value_at(pointer), fmt::format("{} must not be empty", path));
        } else if (d.starts_with("String should be no fewer") && min_length) {
            emit(s.doc.value_at(pointer), fmt::format("{} must have at least {} characters", path, min_length->dump()));
        } else if (d.starts_with("String should be no more") && keyword(schemas, "maxLength")) {
            emit(s.doc.value_at(pointer),
                 fmt::format("{} must have at most {} characters", path, keyword(schemas, "maxLength")->dump()));
        } else if (d.starts_with("Expected number greater") && keyword(schemas, "minimum")) {
            emit(s.doc.value_at(pointer), fmt::format("invalid value{} for {}: must be at least {}", shown(pointer, v),
                                                      path, keyword(schemas, "minimum")->dump()));
        } else if (d.starts_with("Expected number less") && keyword(schemas, "maximum")) {
            emit(s.doc.value_at(pointer), fmt::format("invalid value{} for {}: must be at most {}", shown(pointer, v),
                                                      path, keyword(schemas, "maximum")->dump()));
        } else {
            std::string text = d;
            if (!text.empty()) {
                text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
            }
            if (text.ends_with(".")) {
                text.pop_back();
            }
            emit(s.doc.value_at(pointer), fmt::format("{}: {}", path, text));
        }
    }
};

}  // namespace

void report_errors(const Subject& subject, const std::vector<RawError>& errors, Diagnostics& diagnostics) {
    Reporter reporter{subject, diagnostics, {}};
    // "metdata" is reported as unknown (did you mean "metadata"?); saying that "metadata"
    // is missing as well would be noise.
    std::set<std::pair<std::string, std::string>> misspelled;
    for (const auto& e : errors) {
        if (e.description.starts_with("Object contains a property that could not be validated")) {
            const std::string pointer = to_pointer(e.context, subject.doc.root);
            const auto schemas = schemas_at(subject.schema, subject.doc.root, pointer);
            const auto known = known_fields(schemas);
            for (const auto& name : unknown_keys(schemas, instance_at(subject.doc.root, pointer))) {
                misspelled.emplace(pointer, did_you_mean(name, known));
            }
        }
    }
    for (const auto& e : errors) {
        if (e.description.starts_with("Missing required property '")) {
            const std::string name = e.description.substr(27, e.description.size() - 29);
            if (misspelled.contains({to_pointer(e.context, subject.doc.root), name})) {
                continue;
            }
        }
        reporter.report(e);
    }
}

}  // namespace converge::schema
