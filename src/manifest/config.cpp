// converge.yaml (stack name, defaults, variables), then --values files, then --var.
#include "manifest/internal.hpp"
#include "schema/schema.hpp"

#include <cstdlib>
#include <fmt/format.h>

namespace converge::manifest {

namespace {

bool valid_variable_name(const std::string& name) {
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
        return false;
    }
    return name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
           std::string::npos;
}

void read_variables(const YamlDocument& doc, StackConfig& config, Diagnostics& diagnostics) {
    const auto it = doc.root.find("variables");
    if (it == doc.root.end() || !it->is_object()) {
        return;
    }
    for (const auto& [name, v] : it->items()) {
        const std::string pointer = "/variables/" + json_pointer::escape(name);
        if (!valid_variable_name(name)) {
            diagnostics.error(doc.key_at(pointer), fmt::format("invalid variable name \"{}\" (letters, digits, "
                                                               "'_', '-' and '.', starting with a letter or '_')",
                                                               name));
            continue;
        }
        Variable var;
        var.declared = doc.key_at(pointer);
        var.in_config = true;
        if (v.is_object()) {
            // Anything but `false` counts as sensitive: a mistyped flag (a schema error) must
            // not print the value in the messages that follow.
            const auto flag = v.find("sensitive");
            var.sensitive = flag != v.end() && !(flag->is_boolean() && !flag->get<bool>());
            if (v.contains("env") && v["env"].is_string()) {
                var.env = v["env"].get<std::string>();
            }
            if (v.contains("value")) {
                var.value = v["value"];
                var.has_value = true;
            }
            if (!var.env.empty()) {
                if (const char* e = std::getenv(var.env.c_str())) {
                    var.value = e;
                    var.text = true;
                    var.has_value = true;
                }
            }
        } else {
            var.value = v;
            var.has_value = true;
        }
        config.variables[name] = std::move(var);
    }
}

void read_values_file(const std::string& path, StackConfig& config, Diagnostics& diagnostics) {
    std::string text;
    if (!read_file(path, text, diagnostics)) {
        return;
    }
    auto docs = parse_yaml(path, text, diagnostics);
    if (docs.empty()) {
        return;
    }
    const YamlDocument& doc = docs.front();
    if (docs.size() > 1 || !doc.root.is_object()) {
        diagnostics.error(doc.at(doc.start), "a values file must be one mapping of variable names to values");
        return;
    }
    for (const auto& [name, v] : doc.root.items()) {
        Variable& var = config.variables[name];
        if (!var.declared.known()) {
            var.declared = doc.key_at("/" + json_pointer::escape(name));
        }
        var.value = v;
        var.has_value = true;
        var.text = false;
    }
}

// `ignore:` (docs/sync.md "Ignore rules"): the path syntax is the schema's; the keys are "*" or a kind.
void read_ignore(const YamlDocument& doc, StackConfig& config, Diagnostics& diagnostics) {
    const auto ignore = doc.root.find("ignore");
    if (ignore == doc.root.end() || !ignore->is_object()) {
        return;
    }
    for (const auto& [key, paths] : ignore->items()) {
        if (key != "*" && find_kind(key) == nullptr) {
            std::vector<std::string> names = {"*"};
            for (const auto& k : all_kinds()) {
                names.push_back(std::string(k.name));
            }
            const std::string guess = did_you_mean(key, names);
            diagnostics.error(doc.key_at("/ignore/" + json_pointer::escape(key)),
                              "ignore: unknown kind \"" + key + "\"" +
                                  (guess.empty() ? "" : " (did you mean \"" + guess + "\"?)") +
                                  "; use \"*\" for every resource or a kind name");
            continue;
        }
        if (!paths.is_array()) {
            continue;  // a schema error, already reported
        }
        for (const auto& path : paths) {
            if (path.is_string()) {
                config.ignore[key].push_back(path.get<std::string>());
            }
        }
    }
}

/// A default that may use ${env:} and ${var:}; must end up a string.
std::string default_string(const YamlDocument& doc, const std::string& pointer, const InterpolationContext& context,
                           Interpolated& out, Diagnostics& diagnostics, StackConfig& config) {
    Json::json_pointer p(pointer);
    if (!doc.root.contains(p)) {
        return {};
    }
    if (!doc.root.at(p).is_string()) {
        config.unusable.push_back(pointer);  // a schema error: nothing more is said about it
        return {};
    }
    const std::string& s = doc.root.at(p).get_ref<const std::string&>();
    auto v = interpolate_string(s, false, pointer, doc.value_at(pointer), context, out, diagnostics);
    return v ? (v->is_string() ? v->get<std::string>() : v->dump()) : s;
}

void read_defaults(const YamlDocument& doc, StackConfig& config, bool require_environment, Diagnostics& diagnostics) {
    const InterpolationContext context{&config, nullptr, require_environment};
    Interpolated ignored;
    if (const auto d = doc.root.find("defaults"); d != doc.root.end() && !d->is_object()) {
        // A schema error: no resource says again that it has no default.
        config.unusable = {"/defaults/subscription", "/defaults/resourceGroup", "/defaults/location", "/defaults/workspace"};
    }
    config.subscription = default_string(doc, "/defaults/subscription", context, ignored, diagnostics, config);
    config.resource_group = default_string(doc, "/defaults/resourceGroup", context, ignored, diagnostics, config);
    config.location = default_string(doc, "/defaults/location", context, ignored, diagnostics, config);
    config.workspace = default_string(doc, "/defaults/workspace", context, ignored, diagnostics, config);
    if (doc.root.contains("stack")) {
        if (auto s = default_string(doc, "/stack", context, ignored, diagnostics, config); !s.empty()) {
            config.stack = s;
        }
    }
    if (const auto l = doc.root.find("lock"); l != doc.root.end() && l->is_object() && l->contains("storageAccount")) {
        StackLockConfig lock;
        lock.storage_account = default_string(doc, "/lock/storageAccount", context, ignored, diagnostics, config);
        if (l->contains("container")) {
            lock.container = default_string(doc, "/lock/container", context, ignored, diagnostics, config);
        }
        if (l->contains("blob")) {
            lock.blob = default_string(doc, "/lock/blob", context, ignored, diagnostics, config);
        }
        if (l->contains("blobEndpoint")) {
            lock.blob_endpoint = default_string(doc, "/lock/blobEndpoint", context, ignored, diagnostics, config);
        }
        if (const auto d = l->find("leaseSeconds"); d != l->end() && d->is_number_integer()) {
            lock.lease_seconds = d->get<int>();
        }
        config.lock = std::move(lock);
    }
    const Json::json_pointer tags("/defaults/tags");
    if (doc.root.contains(tags) && doc.root.at(tags).is_object()) {
        for (const auto& [k, v] : doc.root.at(tags).items()) {
            const std::string pointer = "/defaults/tags/" + json_pointer::escape(k);
            if (v.is_string()) {
                config.tags[k] = default_string(doc, pointer, context, ignored, diagnostics, config);
            } else if (const std::string* raw = doc.raw(pointer)) {
                config.tags[k] = *raw;
            } else if (!v.is_null()) {
                config.tags[k] = v.dump();
            }
        }
    }
}

}  // namespace

void check_variables_used(const StackConfig& config, Diagnostics& diagnostics) {
    std::vector<std::string> known;
    for (const auto& [name, v] : config.variables) {
        if (v.in_config || v.used) {
            known.push_back(name);
        }
    }
    for (const auto& [name, v] : config.variables) {
        if (v.in_config || v.used) {
            continue;
        }
        const auto guess = did_you_mean(name, known);
        diagnostics.error(v.declared, fmt::format("unknown variable \"{}\": converge.yaml declares no such variable and "
                                                  "no manifest uses it{}", name,
                                                  guess.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", guess)));
    }
}

StackConfig load_config(const SourceFile& file, const std::string& stack_dir, const LoadOptions& options,
                        Diagnostics& diagnostics) {
    StackConfig config;
    config.stack = stack_dir;
    config.file = {file.path, 0, 0};
    std::vector<YamlDocument> docs;
    if (!file.text.empty()) {
        docs = parse_yaml(file.path, file.text, diagnostics);
    }
    if (docs.size() > 1) {
        diagnostics.error(docs[1].at(docs[1].start), "converge.yaml must hold a single document");
    }
    const bool have = !docs.empty() && docs.front().root.is_object();
    if (!docs.empty() && !have) {
        diagnostics.error(docs.front().at(docs.front().start),
                          "converge.yaml must be a mapping (stack, defaults, variables)");
    }
    if (have) {
        schema::validate_config(docs.front(), diagnostics);
        read_variables(docs.front(), config, diagnostics);
    }
    for (const auto& path : options.values_files) {
        read_values_file(path, config, diagnostics);
    }
    for (const auto& [name, value] : options.vars) {
        Variable& var = config.variables[name];
        if (!var.declared.known()) {
            var.declared = {"--var " + name, 0, 0};  // never the value: it may be a secret
        }
        var.value = value;
        var.has_value = true;
        var.text = true;
    }
    if (have) {
        read_defaults(docs.front(), config, options.require_environment, diagnostics);
        read_ignore(docs.front(), config, diagnostics);
    }
    return config;
}

}  // namespace converge::manifest
