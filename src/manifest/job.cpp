// A Job (docs/kinds.md "Jobs"): its `code:` directory read and hashed at load, like a Model's
// `path:` (the same LocalTree and LocalUpload/<hash>/ layout), properties.codeId naming the code
// asset apply registers for it, and the job's ARM name made from metadata.name and a hash of the
// code's content and the spec: the same inputs always give the same name (a second apply finds
// the job and submits nothing), and any change gives a new name (a new job).
#include "manifest/internal.hpp"

#include "converge/local_tree.hpp"

#include <fmt/format.h>

namespace converge::manifest {

namespace {

// Hex digits of the spec hash appended to metadata.name.
constexpr std::size_t k_name_hash_digits = 10;

}  // namespace

std::string job_name_hash(const Json& spec_without_code, const std::string& code_sha256) {
    // nlohmann's objects are ordered by key: dump() is canonical.
    const std::string text = "code:" + code_sha256 + "\nspec:" + spec_without_code.dump();
    return sha256_hex(text).substr(0, k_name_hash_digits);
}

void resolve_job(Resource& r, Diagnostics& diagnostics) {
    Json& properties = r.body["properties"];
    if (!properties.is_object()) {
        return;  // reported by the schema
    }
    std::string code_sha;
    if (const auto code = r.body.find("code"); code != r.body.end() && code->is_string()) {
        const std::string source = code->get<std::string>();
        if (properties.contains("codeId")) {
            diagnostics.error(r.field_location("/code"),
                              "code and properties.codeId are exclusive: code is uploaded and becomes the codeId");
            return;
        }
        const auto resolved = resolve_against_manifest(r.location.file, source);
        auto tree = read_local_tree(resolved);
        if (tree && !tree->directory) {
            tree = tl::unexpected(std::string("is a file, not a directory"));
        }
        if (!tree) {
            diagnostics.error(r.field_location("/code"),
                              fmt::format("code \"{}\" {} (resolved against the manifest's directory: {})", source,
                                          tree.error(), resolved.string()));
            return;
        }
        code_sha = tree->sha256;
        const ResourceId workspace = r.id.parent();
        properties["codeId"] = fmt::format("{}/codes/{}/versions/1", workspace.str(), tree->sha256.substr(0, 32));
        *code = Json{{"source", source}, {"files", tree->files.size()}, {"bytes", tree->bytes}, {"sha256", tree->sha256}};
    }
    Json spec = r.body;
    spec.erase("code");
    const std::string name = fmt::format("{}-{}", r.id.name(), job_name_hash(spec, code_sha));
    if (auto id = ResourceId::parse(r.id.parent().str() + "/jobs/" + name)) {
        r.id = std::move(*id);
    }
}

}  // namespace converge::manifest
