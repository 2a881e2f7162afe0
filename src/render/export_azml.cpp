// `converge export --format azml`: an exported workspace, compute, model, environment,
// datastore, online endpoint or deployment written back as
// the az ml CLI v2 file that maps to the same body, through the table the loader reads them
// with (include/converge/azml.hpp), so loading the export plans nothing.
#include "converge/azml.hpp"
#include "converge/export.hpp"
#include "converge/json_pointer.hpp"
#include "converge/resource_id.hpp"

#include <set>

namespace converge {

namespace {

constexpr std::string_view k_schema_url = "https://azuremlschemas.azureedge.net/latest/";

/// Sets `value` at the dotted az ml path ("ssh_settings.admin_password").
void put(Json& doc, std::string_view dotted, Json value) {
    Json* node = &doc;
    std::size_t at = 0;
    while (true) {
        const std::size_t dot = dotted.find('.', at);
        const std::string key(dotted.substr(at, dot == std::string_view::npos ? std::string_view::npos : dot - at));
        if (dot == std::string_view::npos) {
            (*node)[key] = std::move(value);
            return;
        }
        node = &(*node)[key];
        at = dot + 1;
    }
}

bool covered(const std::set<std::string>& done, const std::string& pointer) {
    for (const auto& d : done) {
        if (pointer == d || (pointer.starts_with(d) && pointer[d.size()] == '/')) {
            return true;
        }
    }
    return false;
}

/// Leaves (and empty objects) of `value` no written field covers.
void left_out(const Json& value, const std::string& pointer, const std::set<std::string>& done,
              std::vector<std::string>& out) {
    if (covered(done, pointer)) {
        return;
    }
    if (value.is_object() && !value.empty()) {
        for (const auto& [k, v] : value.items()) {
            left_out(v, pointer + "/" + json_pointer::escape(k), done, out);
        }
        return;
    }
    out.push_back(pointer);
}

std::string dotted(std::string_view pointer) {
    std::string out;
    json_pointer::for_each_segment(pointer, [&](std::string_view s) {
        out += (out.empty() ? "" : ".") + json_pointer::unescape(s);
    });
    return out;
}

}  // namespace

std::optional<Json> azml_document(const KindInfo& kind, const std::string& name, const std::string& version,
                                  const std::string& endpoint, const Json& spec, const std::string& label,
                                  std::vector<std::string>& notes) {
    const azml::Type* type = azml::find_for_kind(kind.name, spec);
    if (type == nullptr) {
        return std::nullopt;
    }
    if (spec.contains(Json::json_pointer("/properties/condaFile"))) {
        // An az ml environment names its conda file by path: with no file to write next to
        // it, the environment stays a converge document (the text inline).
        notes.push_back(label + ": written as a converge document (its conda file has no az ml form without a file)");
        return std::nullopt;
    }
    Json doc = Json::object();
    doc["$schema"] = std::string(k_schema_url) + std::string(type->schema) + ".schema.json";
    doc["name"] = name;
    if (!version.empty()) {
        doc["version"] = version;
    }
    if (!endpoint.empty()) {
        doc["endpoint_name"] = endpoint;
    }
    const bool selects_by_type = !type->types.empty() && std::none_of(type->fields.begin(), type->fields.end(),
                                                                      [](const azml::Field& f) { return f.yaml == "type"; });
    if (selects_by_type) {
        doc["type"] = std::string(type->types.front());
    }
    std::set<std::string> done;
    for (const auto& [pointer, value] : type->fixed) {
        done.insert(std::string(pointer));
    }
    // From the last field: of two az ml fields for one REST field, the later (preferred) one
    // is written (idle_time_before_shutdown_minutes over idle_time_before_shutdown).
    for (auto f = type->fields.rbegin(); f != type->fields.rend(); ++f) {
        if (f->rest.empty()) {
            if (f->convert == azml::Convert::ignored && f->yaml == "location") {
                done.insert("/location");  // the workspace's region, implied
            }
            continue;
        }
        if (f->rest.starts_with("@") || done.count(std::string(f->rest)) > 0) {
            continue;
        }
        const Json::json_pointer p{std::string(f->rest)};
        if (!spec.contains(p)) {
            continue;
        }
        if (auto v = azml::to_azml(*f, spec.at(p))) {
            put(doc, f->yaml, std::move(*v));
            done.insert(std::string(f->rest));
        } else if (!f->fallback.empty() && f->fallback != "@name" && spec.at(p) == Json::parse(f->fallback)) {
            done.insert(std::string(f->rest));  // what the CLI sends when the field is absent
        }
    }
    std::vector<std::string> missing;
    left_out(spec, "", done, missing);
    for (const auto& m : missing) {
        notes.push_back(label + ": left out " + dotted(m) + " (no az ml " + std::string(type->what) +
                        " field for it; export without --format azml to keep it)");
    }
    return doc;
}

}  // namespace converge
