// load_manifests: files -> documents -> ids -> resources -> graph. Each pass is in its own
// manifest_*.cpp; this file finds the files and wires the passes.
#include "converge/manifest.hpp"

#include "manifest/internal.hpp"
#include "plan/permute.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <string_view>
#include <utility>

namespace converge {

namespace fs = std::filesystem;
using namespace manifest;

namespace {

constexpr const char* k_config_name = "converge.yaml";

bool is_manifest(const fs::path& p) {
    const auto ext = p.extension().string();
    return ext == ".yaml" || ext == ".yml";
}

bool hidden(const fs::path& relative) {
    for (const auto& part : relative) {
        const auto s = part.string();
        if (s.size() > 1 && s[0] == '.' && s != "..") {
            return true;
        }
    }
    return false;
}

/// Display path: the argument joined with the path below it ("manifests/examples/ws.yaml").
std::string join(const std::string& root, const fs::path& relative) {
    return (fs::path(root) / relative).lexically_normal().generic_string();
}

struct Found {
    std::vector<std::string> files;
    std::string config;
    std::string stack_dir;
};

void scan_directory(const std::string& root, Found& found, Diagnostics& diagnostics) {
    std::vector<std::string> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        const fs::path relative = it->path().lexically_relative(root);
        if (hidden(relative)) {
            if (it->is_directory()) {
                it.disable_recursion_pending();
            }
            continue;
        }
        if (!it->is_regular_file() || !is_manifest(it->path())) {
            continue;
        }
        if (relative == k_config_name) {
            if (!found.config.empty()) {
                diagnostics.error({join(root, relative), 0, 0},
                                  fmt::format("a second converge.yaml (the first is {}); pass one stack at a time",
                                              found.config));
            } else {
                found.config = join(root, relative);
            }
            continue;
        }
        if (relative.filename() == k_config_name) {
            diagnostics.warning({join(root, relative), 0, 0},
                                "converge.yaml is only read at the root of a manifest directory; ignored");
            continue;
        }
        files.push_back(join(root, relative));
    }
    if (ec) {
        diagnostics.error({root, 0, 0}, fmt::format("cannot read directory: {}", ec.message()));
    }
    std::sort(files.begin(), files.end());
    found.files.insert(found.files.end(), files.begin(), files.end());
    if (found.stack_dir.empty()) {
        const fs::path absolute = fs::weakly_canonical(fs::absolute(root), ec);
        found.stack_dir = absolute.filename().string();
    }
}

Found find_files(const LoadOptions& options, Diagnostics& diagnostics) {
    Found found;
    for (const auto& path : options.paths) {
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (ec || !fs::exists(status)) {
            diagnostics.error({path, 0, 0}, "no such file or directory");
        } else if (fs::is_directory(status)) {
            scan_directory(path, found, diagnostics);
        } else if (fs::path(path).filename() == k_config_name) {
            found.config = path;
        } else {
            found.files.push_back(fs::path(path).lexically_normal().generic_string());
        }
    }
    if (found.stack_dir.empty() && !found.files.empty()) {
        // Files only: the stack is named after the first file's directory.
        std::error_code ec;
        found.stack_dir = fs::weakly_canonical(fs::absolute(found.files.front()), ec).parent_path().filename().string();
    }
    return found;
}

/// Resources as they are built, with their documents' order and dependsOn lists.
struct Building {
    std::vector<Resource>& resources;
    std::vector<std::size_t> seq;
    std::vector<std::vector<DeclaredDependency>> declared;
};

/// Phase 2 for one document; the document is released once its resource is built.
void finish(std::size_t seq, Pending p, const StackConfig& config, const LoadOptions& options,
            const Identities& identities, Building& out, DesiredSet& desired, Diagnostics& diagnostics) {
    std::optional<Resource> r;
    if (p.doc.azml_fields.empty()) {
        r = build_resource(p, config, options, identities, diagnostics);
    } else {
        Diagnostics local;  // an az ml document's problems also name the az ml field
        r = build_resource(p, config, options, identities, local);
        append_naming_azml(p.doc, local, diagnostics);
    }
    if (r) {
        out.resources.push_back(std::move(*r));
        out.seq.push_back(seq);
        out.declared.push_back(declared_dependencies(p.doc));
    }
    auto& secrets = desired.secret_values;
    secrets.insert(secrets.end(), p.found.secret_values.begin(), p.found.secret_values.end());
}

/// Puts resources built late (those that waited for refs) back in document order.
void restore_document_order(Building& b) {
    if (std::is_sorted(b.seq.begin(), b.seq.end())) {
        return;
    }
    std::vector<std::size_t> from(b.seq.size());
    for (std::size_t i = 0; i < from.size(); ++i) {
        from[i] = i;
    }
    std::sort(from.begin(), from.end(), [&](std::size_t a, std::size_t c) { return b.seq[a] < b.seq[c]; });
    permute(b.resources, from);
    permute(b.declared, from);
}

/// Loads documents from `count` files; `read(i)` gives file i's path and text (nullopt when
/// it cannot be read, already reported), one file at a time.
template <typename Read>
LoadResult load_files(std::size_t count, const Read& read, const SourceFile& config_file, const std::string& stack_dir,
                      const LoadOptions& options, Diagnostics diagnostics) {
    LoadResult result;
    const StackConfig config = load_config(config_file, stack_dir, options, diagnostics);
    result.desired.stack = config.stack;
    result.lock = config.lock;
    if (result.lock && result.lock->blob.empty()) {
        result.lock->blob = config.stack + ".lock";
    }

    // Documents are built as they are read, so only one file's documents are held at a time;
    // those whose strings may hold a ${ref:...} wait until every id is known.
    AzmlContext azml;
    azml.subscription = !config.subscription.empty()            ? config.subscription
                        : !options.default_subscription.empty() ? options.default_subscription
                                                                : std::string(k_placeholder_subscription);
    azml.resource_group = config.resource_group;
    azml.workspace = config.workspace;
    Identities identities;
    Building building{result.desired.resources, {}, {}};
    std::vector<std::pair<std::size_t, Pending>> waiting;
    std::size_t seq = 0;
    // Every document was interpolated (none lost to a YAML error or an unknown kind): only
    // then can a variable nothing used be called unknown.
    bool all_interpolated = true;
    for (std::size_t i = 0; i < count; ++i) {
        const auto file = read(i, diagnostics);
        if (!file) {
            continue;
        }
        ++result.file_count;
        const std::size_t before = diagnostics.items().size();
        auto docs = parse_yaml(*file->first, file->second, diagnostics);
        for (std::size_t k = before; k < diagnostics.items().size(); ++k) {
            all_interpolated = all_interpolated && diagnostics.items()[k].severity != Severity::error;
        }
        for (auto& doc : docs) {
            // An az ml CLI v2 document is read as the converge document it maps to.
            const bool azml_doc = is_azml(doc);
            Diagnostics local;
            if (azml_doc) {
                auto translated = translate_azml(doc, azml, local);
                if (!translated) {
                    diagnostics.append(local);
                    all_interpolated = false;
                    continue;
                }
                doc = std::move(*translated);
            }
            Pending p = identify(std::move(doc), config, options, identities, azml_doc ? local : diagnostics);
            if (azml_doc) {
                append_naming_azml(p.doc, local, diagnostics);
            }
            all_interpolated = all_interpolated && p.kind != nullptr;
            if (p.doc.may_ref) {
                waiting.emplace_back(seq++, std::move(p));
            } else {
                finish(seq++, std::move(p), config, options, identities, building, result.desired, diagnostics);
            }
        }
    }
    for (auto& [at, p] : waiting) {
        finish(at, std::move(p), config, options, identities, building, result.desired, diagnostics);
    }
    waiting = {};
    restore_document_order(building);
    building.seq = {};
    resolve_graph(result.desired, std::move(building.declared), config, identities, diagnostics);
    if (all_interpolated) {
        check_variables_used(config, diagnostics);
    }

    auto& secrets = result.desired.secret_values;
    // Every sensitive variable's value, used or not: a value a manifest no longer uses can
    // still be in Azure (and so in a plan's "before" side) and must be scrubbed there too.
    for (const auto& [name, v] : config.variables) {
        if (v.sensitive && v.has_value) {
            secrets.push_back(v.value.is_string() ? v.value.template get<std::string>() : v.value.dump());
        }
    }
    std::sort(secrets.begin(), secrets.end());
    secrets.erase(std::unique(secrets.begin(), secrets.end()), secrets.end());
    secrets.erase(std::remove(secrets.begin(), secrets.end(), std::string{}), secrets.end());
    result.diagnostics = std::move(diagnostics);
    return result;
}

}  // namespace

LoadResult load_sources(const std::vector<SourceFile>& files, const SourceFile& config_file,
                        const std::string& stack_dir, const LoadOptions& options) {
    const auto read = [&](std::size_t i, Diagnostics&) {
        return std::optional<std::pair<const std::string*, std::string_view>>({&files[i].path, files[i].text});
    };
    return load_files(files.size(), read, config_file, stack_dir, options, {});
}

LoadResult load_manifests(const LoadOptions& options) {
    Diagnostics diagnostics;
    const Found found = find_files(options, diagnostics);
    SourceFile config{found.config, {}};
    if (!found.config.empty()) {
        read_file(found.config, config.text, diagnostics);
    }
    if (found.files.empty() && !diagnostics.has_errors()) {
        diagnostics.error({options.paths.empty() ? std::string(".") : options.paths.front(), 0, 0},
                          "no manifests found (*.yaml or *.yml)");
    }
    // One file's text at a time (36 MB for 100,000 resources if all were held).
    std::string text;
    const auto read = [&](std::size_t i,
                          Diagnostics& d) -> std::optional<std::pair<const std::string*, std::string_view>> {
        if (!read_file(found.files[i], text, d)) {
            return std::nullopt;
        }
        return std::pair<const std::string*, std::string_view>{&found.files[i], text};
    };
    return load_files(found.files.size(), read, config, found.stack_dir, options, std::move(diagnostics));
}

}  // namespace converge
