#include "converge/model_upload.hpp"

#include "converge/local_tree.hpp"
#include "converge/resource_id.hpp"

#include <openssl/evp.h>

#include <fmt/format.h>

#include <fstream>
#include <map>

namespace converge {

namespace {

// OAuth needs 2017-11-09 or later; the version the stack lock sends too.
constexpr const char* k_storage_version = "2023-11-03";
constexpr const char* k_storage_audience_url = "https://storage.azure.com";
constexpr std::uint64_t k_block_size = 4ull * 1024 * 1024;  // above it: Put Block + Put Block List
constexpr const char* k_datastore_api = "2025-12-01";
constexpr const char* k_storage_api = "2023-01-01";

using Phase = std::function<void(const std::string&)>;

ApiResult<HttpResponse> storage_call(ArmClient& client, const std::string& method, const std::string& url,
                                     HttpHeaders headers, const std::string& body = "") {
    CallOptions options;
    options.audience = k_storage_audience_url;
    headers.set("x-ms-version", k_storage_version);
    options.headers = std::move(headers);
    return client.send(method, url, "", body, options);
}

ApiError storage_failure(const std::string& method, const std::string& url, const HttpResponse& r,
                         const std::string& what) {
    const std::string code = r.headers.get("x-ms-error-code").value_or("StorageError");
    ApiError e = make_api_error(code, fmt::format("{}: HTTP {} {}", what, r.status, code), r.status);
    e.method = method;
    e.path = url;
    return e;
}

/// Path segments percent-encoded, '/' kept.
std::string encode_path(const std::string& name) {
    std::string out;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = name.find('/', start);
        out += url_encode(name.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) {
            return out;
        }
        out += '/';
        start = slash + 1;
    }
}

std::string xml_unescape(std::string text) {
    const std::pair<const char*, const char*> entities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
    for (const auto& [from, to] : entities) {
        for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
            text.replace(at, std::string_view(from).size(), to);
        }
    }
    return text;
}

/// The text of the first <tag> in `xml` from `from` up to `to`, or nullopt.
std::optional<std::string> element(const std::string& xml, const std::string& tag, std::size_t from = 0,
                                   std::size_t to = std::string::npos) {
    const std::string open = "<" + tag + ">";
    const std::size_t at = xml.find(open, from);
    if (at == std::string::npos || at >= to) {
        return std::nullopt;
    }
    const std::size_t end = xml.find("</" + tag + ">", at);
    if (end == std::string::npos) {
        return std::nullopt;
    }
    return xml_unescape(xml.substr(at + open.size(), end - at - open.size()));
}

/// The container URL of the workspace's default datastore: its account and container from the
/// datastores API, the account's blob endpoint from ARM.
ApiResult<std::string> datastore_container(ArmClient& client, const ResourceId& workspace) {
    auto store = client.get(workspace.str() + "/datastores/workspaceblobstore", k_datastore_api);
    if (!store) {
        return tl::unexpected(store.error());
    }
    const Json props = store->value("properties", Json::object());
    const std::string account = props.value("accountName", "");
    const std::string container = props.value("containerName", "");
    if (account.empty() || container.empty()) {
        return tl::unexpected(make_api_error("DatastoreIncomplete",
                                             "the workspace's datastore workspaceblobstore names no account or container"));
    }
    const std::string subscription = props.value("subscriptionId", "").empty() ? workspace.subscription()
                                                                               : props.value("subscriptionId", "");
    const std::string group = props.value("resourceGroup", "").empty() ? workspace.resource_group()
                                                                       : props.value("resourceGroup", "");
    auto storage = client.get(ResourceId::for_resource(subscription, group, "Microsoft.Storage/storageAccounts",
                                                       account).str(),
                              k_storage_api);
    std::string endpoint = "https://" + account + ".blob." + props.value("endpoint", "core.windows.net") + "/";
    const std::string host = url_host(client.options().arm_endpoint);
    if (host.starts_with("127.") || host == "localhost" || host == "[::1]" || host == "::1") {
        // The emulator serves blobs path-style below its ARM endpoint (as the stack lock finds them).
        endpoint = client.options().arm_endpoint + "/" + account;
    } else if (storage && storage->contains("properties")) {
        const Json& p = (*storage)["properties"];
        if (p.contains("primaryEndpoints") && p["primaryEndpoints"].contains("blob")) {
            endpoint = p["primaryEndpoints"]["blob"].get<std::string>();
        }
    }
    while (!endpoint.empty() && endpoint.back() == '/') {
        endpoint.pop_back();
    }
    return endpoint + "/" + encode_path(container);
}

/// Blob name -> size of every blob below `prefix` (List Blobs, following NextMarker).
ApiResult<std::map<std::string, std::uint64_t>> listed(ArmClient& client, const std::string& container_url,
                                                       const std::string& prefix) {
    std::map<std::string, std::uint64_t> out;
    std::string marker;
    do {
        const std::string url = container_url + "?restype=container&comp=list&prefix=" + url_encode(prefix) +
                                (marker.empty() ? "" : "&marker=" + url_encode(marker));
        auto r = storage_call(client, "GET", url, {});
        if (!r) {
            return tl::unexpected(r.error());
        }
        if (r->status != 200) {
            return tl::unexpected(storage_failure("GET", url, *r, "cannot list the datastore's blobs"));
        }
        const std::string& xml = r->body;
        for (std::size_t at = xml.find("<Blob>"); at != std::string::npos; at = xml.find("<Blob>", at + 1)) {
            const std::size_t end = xml.find("</Blob>", at);
            auto name = element(xml, "Name", at, end);
            auto size = element(xml, "Content-Length", at, end);
            if (name && size) {
                out[*name] = std::strtoull(size->c_str(), nullptr, 10);
            }
        }
        marker = element(xml, "NextMarker").value_or("");
    } while (!marker.empty());
    return out;
}

std::string block_id(std::size_t index) {
    const std::string raw = fmt::format("{:012d}", index);  // 12 bytes: 16 base64 characters, no padding
    std::string out(16, '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(raw.data()),
                    static_cast<int>(raw.size()));
    return out;
}

ApiResult<void> put(ArmClient& client, const std::string& url, HttpHeaders headers, const std::string& body,
                    const std::string& what) {
    auto r = storage_call(client, "PUT", url, std::move(headers), body);
    if (!r) {
        return tl::unexpected(r.error());
    }
    if (r->status != 201) {
        return tl::unexpected(storage_failure("PUT", url, *r, what));
    }
    return {};
}

/// One file: Put Blob, or its blocks and the block list.
ApiResult<void> upload_file(ArmClient& client, const std::string& url, const std::filesystem::path& path,
                            std::uint64_t size) {
    std::ifstream in(path, std::ios::binary);
    const std::string what = "cannot upload " + path.string();
    std::string chunk;
    if (size <= k_block_size) {
        chunk.resize(size);
        in.read(chunk.data(), static_cast<std::streamsize>(size));
        return put(client, url,
                   {{"x-ms-blob-type", "BlockBlob"}, {"Content-Type", "application/octet-stream"}}, chunk, what);
    }
    std::string list = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
    for (std::size_t i = 0; in; ++i) {
        chunk.resize(k_block_size);
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        chunk.resize(static_cast<std::size_t>(in.gcount()));
        if (chunk.empty()) {
            break;
        }
        const std::string id = block_id(i);
        if (auto sent = put(client, url + "?comp=block&blockid=" + url_encode(id),
                            {{"Content-Type", "application/octet-stream"}}, chunk, what);
            !sent) {
            return sent;
        }
        list += "<Latest>" + id + "</Latest>";
    }
    list += "</BlockList>";
    return put(client, url + "?comp=blocklist",
               {{"Content-Type", "application/xml"}, {"x-ms-blob-content-type", "application/octet-stream"}}, list,
               what);
}

/// The files of `tree` below its prefix in the container at `container` (the workspace's default
/// datastore): those already there with their size are not sent again.
ApiResult<UploadSummary> upload_tree(ArmClient& client, const std::string& container, const LocalTree& tree,
                                     const Phase& phase) {
    UploadSummary summary;
    auto present = listed(client, container, tree.prefix() + "/");
    if (!present) {
        return tl::unexpected(present.error());
    }
    std::uint64_t pending = 0;
    std::size_t missing = 0;
    for (const auto& file : tree.files) {
        const auto it = present->find(tree.blob_name(file));
        if (it == present->end() || it->second != file.size) {
            pending += file.size;
            ++missing;
        }
    }
    if (missing > 0) {
        phase(fmt::format("uploading {} file(s), {} bytes, to {}/", missing, pending, tree.prefix()));
    }
    for (const auto& file : tree.files) {
        const std::string name = tree.blob_name(file);
        const auto it = present->find(name);
        if (it != present->end() && it->second == file.size) {
            ++summary.present;
            continue;
        }
        const auto local = file.relative.empty() ? tree.root : tree.root / file.relative;
        if (auto sent = upload_file(client, container + "/" + encode_path(name), local, file.size); !sent) {
            return tl::unexpected(sent.error());
        }
        ++summary.sent;
        summary.bytes_sent += file.size;
    }
    return summary;
}

/// The files a resource's record of a local tree names (a Model's "/path", a Job's "/code"), read
/// and hashed again: an error when they changed since the plan hashed them.
ApiResult<LocalTree> planned_tree(const Resource& resource, const Json& record, const char* what) {
    const std::string source = record.value("source", "");
    auto tree = read_local_tree(resolve_against_manifest(resource.location.file, source));
    if (!tree) {
        return tl::unexpected(make_api_error("LocalPathUnreadable", fmt::format("{} \"{}\" {}", what, source, tree.error())));
    }
    if (tree->sha256 != record.value("sha256", "")) {
        return tl::unexpected(make_api_error(
            "LocalPathChanged", fmt::format("the files of {} \"{}\" changed since they were planned: run plan again",
                                            what, source)));
    }
    return std::move(*tree);
}

}  // namespace

ApiResult<UploadSummary> upload_model_path(ArmClient& client, const Resource& model, const Phase& phase) {
    const auto path = model.body.find("path");
    if (model.kind == nullptr || model.kind->name != "Model" || path == model.body.end() || !path->is_object()) {
        return UploadSummary{};
    }
    auto tree = planned_tree(model, *path, "path");
    if (!tree) {
        return tl::unexpected(tree.error());
    }
    phase("resolving the workspace's default datastore");
    auto container = datastore_container(client, model.id.parent().parent());
    if (!container) {
        return tl::unexpected(container.error());
    }
    return upload_tree(client, *container, *tree, phase);
}

ApiResult<UploadSummary> upload_job_code(ArmClient& client, const Resource& job, const Phase& phase) {
    const auto code = job.body.find("code");
    if (job.kind == nullptr || job.kind->name != "Job" || code == job.body.end() || !code->is_object()) {
        return UploadSummary{};
    }
    const std::string code_id = job.body.contains("properties") ? job.body["properties"].value("codeId", "") : "";
    if (code_id.empty()) {
        return UploadSummary{};
    }
    auto tree = planned_tree(job, *code, "code");
    if (!tree) {
        return tl::unexpected(tree.error());
    }
    // A code version that exists names these files already (its name is their hash).
    phase("looking for the code asset");
    auto existing = client.get(code_id, k_datastore_api);
    if (existing) {
        UploadSummary summary;
        summary.present = tree->files.size();
        return summary;
    }
    if (!existing.error().is_not_found()) {
        return tl::unexpected(existing.error());
    }
    phase("resolving the workspace's default datastore");
    auto container = datastore_container(client, job.id.parent());
    if (!container) {
        return tl::unexpected(container.error());
    }
    auto summary = upload_tree(client, *container, *tree, phase);
    if (!summary) {
        return summary;
    }
    // CodeVersions_CreateOrUpdate (mfe.json): codeUri is where the files are, as az ml registers it.
    phase("registering the code asset");
    auto registered = client.put(code_id, k_datastore_api,
                                 Json{{"properties", {{"codeUri", *container + "/" + tree->prefix() + "/" + tree->basename},
                                                      {"isAnonymous", true}}}});
    if (!registered) {
        return tl::unexpected(registered.error());
    }
    return summary;
}

std::function<ApiResult<void>(const Resource&, const Phase&)> model_uploader(ArmClient& client) {
    return [&client](const Resource& resource, const Phase& phase) -> ApiResult<void> {
        auto done = resource.kind != nullptr && resource.kind->name == "Job" ? upload_job_code(client, resource, phase)
                                                                            : upload_model_path(client, resource, phase);
        if (!done) {
            return tl::unexpected(done.error());
        }
        return {};
    };
}

}  // namespace converge
