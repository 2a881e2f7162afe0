// load_manifests: files -> documents -> ids -> resources -> graph. Each pass is in its own
// manifest_*.cpp; this file finds the files and wires the passes.
#include "converge/manifest.hpp"

#include "manifest_internal.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

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

/// A resource built from the `seq`-th document, with its dependsOn list.
struct Built {
    std::size_t seq;
    Resource resource;
    std::vector<DeclaredDependency> declared;
};

/// Phase 2 for one document; the document is released once its resource is built.
void finish(std::size_t seq, Pending p, const StackConfig& config, const LoadOptions& options,
            const Identities& identities, std::vector<Built>& built, DesiredSet& desired, Diagnostics& diagnostics) {
    if (auto r = build_resource(p, config, options, identities, diagnostics)) {
        built.push_back({seq, std::move(*r), declared_dependencies(p.doc)});
    }
    auto& secrets = desired.secret_values;
    secrets.insert(secrets.end(), p.found.secret_values.begin(), p.found.secret_values.end());
}

}  // namespace

LoadResult load_sources(const std::vector<SourceFile>& files, const SourceFile& config_file,
                        const std::string& stack_dir, const LoadOptions& options) {
    LoadResult result;
    Diagnostics& diagnostics = result.diagnostics;
    const StackConfig config = load_config(config_file, stack_dir, options, diagnostics);
    result.desired.stack = config.stack;
    result.file_count = files.size();

    // Documents are built as they are read, so only one file's documents are held at a time;
    // those whose strings may hold a ${ref:...} wait until every id is known.
    Identities identities;
    std::vector<Built> built;
    std::vector<std::pair<std::size_t, Pending>> waiting;
    std::size_t seq = 0;
    for (const auto& file : files) {
        for (auto& doc : parse_yaml(file.path, file.text, diagnostics)) {
            Pending p = identify(std::move(doc), config, options, identities, diagnostics);
            if (p.doc.may_ref) {
                waiting.emplace_back(seq++, std::move(p));
            } else {
                finish(seq++, std::move(p), config, options, identities, built, result.desired, diagnostics);
            }
        }
    }
    const auto early = static_cast<std::ptrdiff_t>(built.size());
    for (auto& [at, p] : waiting) {
        finish(at, std::move(p), config, options, identities, built, result.desired, diagnostics);
    }
    waiting = {};
    std::inplace_merge(built.begin(), built.begin() + early, built.end(),
                       [](const Built& a, const Built& b) { return a.seq < b.seq; });
    std::vector<std::vector<DeclaredDependency>> declared;
    declared.reserve(built.size());
    result.desired.resources.reserve(built.size());
    for (auto& b : built) {
        result.desired.resources.push_back(std::move(b.resource));
        declared.push_back(std::move(b.declared));
    }
    built = {};
    resolve_graph(result.desired, std::move(declared), config, identities, diagnostics);

    auto& secrets = result.desired.secret_values;
    // Every sensitive variable's value, used or not: a value a manifest no longer uses can
    // still be in Azure (and so in a plan's "before" side) and must be scrubbed there too.
    for (const auto& [name, v] : config.variables) {
        if (v.sensitive && v.has_value) {
            secrets.push_back(v.value.is_string() ? v.value.get<std::string>() : v.value.dump());
        }
    }
    std::sort(secrets.begin(), secrets.end());
    secrets.erase(std::unique(secrets.begin(), secrets.end()), secrets.end());
    secrets.erase(std::remove(secrets.begin(), secrets.end(), std::string{}), secrets.end());
    return result;
}

LoadResult load_manifests(const LoadOptions& options) {
    Diagnostics diagnostics;
    const Found found = find_files(options, diagnostics);
    SourceFile config{found.config, {}};
    if (!found.config.empty()) {
        read_file(found.config, config.text, diagnostics);
    }
    std::vector<SourceFile> files;
    files.reserve(found.files.size());
    for (const auto& path : found.files) {
        SourceFile f{path, {}};
        if (read_file(path, f.text, diagnostics)) {
            files.push_back(std::move(f));
        }
    }
    if (files.empty() && !diagnostics.has_errors()) {
        diagnostics.error({options.paths.empty() ? std::string(".") : options.paths.front(), 0, 0},
                          "no manifests found (*.yaml or *.yml)");
    }
    LoadResult result = load_sources(files, config, found.stack_dir, options);
    diagnostics.append(result.diagnostics);
    result.diagnostics = std::move(diagnostics);
    return result;
}

}  // namespace converge
