// A Model's `path:` (docs/model-upload.md), read and hashed at load so that the plan knows the
// model's modelUri (content-addressed: LocalUpload/<hash>/<name>) and what apply will upload.
#include "manifest/internal.hpp"

#include "converge/local_tree.hpp"

#include <fmt/format.h>

namespace converge::manifest {

namespace {

// Remote locations azure-ai-ml passes through unchanged as modelUri.
bool remote(const std::string& path) {
    for (const char* scheme : {"azureml://", "https://", "http://", "runs:/", "wasbs://", "abfss://"}) {
        if (path.starts_with(scheme)) {
            return true;
        }
    }
    return false;
}

}  // namespace

void resolve_model_path(Resource& r, Diagnostics& diagnostics) {
    const auto path = r.body.find("path");
    if (path == r.body.end() || !path->is_string()) {
        return;  // none, or a type error the schema reported
    }
    const std::string source = path->get<std::string>();
    Json& properties = r.body["properties"];
    if (!properties.is_object()) {
        return;  // reported by the schema
    }
    if (properties.contains("modelUri")) {
        diagnostics.error(r.field_location("/path"),
                          "path and properties.modelUri are exclusive: path is uploaded and becomes the modelUri");
        return;
    }
    if (remote(source)) {
        properties["modelUri"] = source;
        r.body.erase(path);
        return;
    }
    const auto resolved = resolve_against_manifest(r.location.file, source);
    auto tree = read_local_tree(resolved);
    if (!tree) {
        diagnostics.error(r.field_location("/path"),
                          fmt::format("path \"{}\" {} (resolved against the manifest's directory: {})", source,
                                      tree.error(), resolved.string()));
        return;
    }
    const ResourceId workspace = r.id.parent().parent();
    properties["modelUri"] = fmt::format(
        "azureml://subscriptions/{}/resourcegroups/{}/workspaces/{}/datastores/workspaceblobstore/paths/"
        "{}/{}",
        r.id.subscription(), r.id.resource_group(), workspace.name(), tree->prefix(), tree->basename);
    *path = Json{{"source", source}, {"files", tree->files.size()}, {"bytes", tree->bytes}, {"sha256", tree->sha256}};
}

}  // namespace converge::manifest
