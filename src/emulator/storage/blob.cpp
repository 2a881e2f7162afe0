// Azure Blob Storage data plane, as far as a lock on a blob lease and a model upload need it
// (blob.json, 2027-03-07 in the reference spec; the Lease Blob REST page): containers, List
// Blobs, block blobs (Put Blob, Put Block + Put Block List) with metadata, Get Blob with a range,
// and the lease state machine (acquire / renew / change / release / break, 15-60 s
// or infinite, break periods, expiry). Blob names may hold '/'. Served path-style like Azurite and the SDKs expect for
// an IP host: https://127.0.0.1:PORT/{account}/{container}/{blob}. The account must exist as a
// Microsoft.Storage/storageAccounts resource. Auth: an Entra ID bearer token for
// https://storage.azure.com/ (x-ms-version required); no RBAC beyond the tenant.
#include "storage/blob.hpp"

#include "aad/aad.hpp"
#include "arm/arm.hpp"

#include <ctime>
#include <limits>

namespace emulator {

namespace {

const char* const k_container_type = "_storage/containers";
const char* const k_blob_type = "_storage/blobs";
const char* const k_block_type = "_storage/blocks";

const std::vector<std::string>& storage_audiences() {
    static const std::vector<std::string> k = {"https://storage.azure.com/", "https://storage.azure.com"};
    return k;
}

std::string http_date(std::int64_t ms) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

std::string xml_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

/// A Storage error: XML body (none for HEAD) and x-ms-error-code.
Response storage_error(const Context& ctx, int status, const std::string& code, const std::string& message) {
    Response res;
    res.status = status;
    res.set_header("x-ms-error-code", code);
    if (ctx.req.method != "HEAD") {
        res.content_type = "application/xml";
        res.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code + "</Code><Message>" +
                   xml_escape(message) + "\nRequestId:" + crypto::random_uuid() +
                   "\nTime:" + ctx.svc.now_iso() + "</Message></Error>";
    } else {
        res.content_type.clear();
    }
    return res;
}

Response plain(int status) {
    Response res;
    res.status = status;
    res.content_type.clear();
    return res;
}

std::string container_key(const std::string& account, const std::string& container) {
    return "/_storage/" + to_lower(account) + "/" + container;
}

/// A blob name as one store key segment: '/' and '%' escaped, so that removing blob "a" (a
/// store tree) leaves blob "a/b" alone.
std::string key_part(const std::string& name) {
    std::string out;
    for (char c : name) {
        out += c == '/' ? std::string("%2F") : c == '%' ? std::string("%25") : std::string(1, c);
    }
    return out;
}

std::string name_of_key_part(const std::string& part) {
    std::string out;
    for (std::size_t i = 0; i < part.size(); ++i) {
        if (part[i] == '%' && part.compare(i, 3, "%2F") == 0) {
            out += '/';
            i += 2;
        } else if (part[i] == '%' && part.compare(i, 3, "%25") == 0) {
            out += '%';
            i += 2;
        } else {
            out += part[i];
        }
    }
    return out;
}

/// Lease state now: available, leased, expired, breaking, broken.
std::string lease_state(const Json& lease, std::int64_t now) {
    std::string state = lease.value("state", "available");
    if (state == "leased" && lease.value("duration", -1) != -1 && now >= lease.value("expiresMs", std::int64_t{0})) {
        return "expired";
    }
    if (state == "breaking" && now >= lease.value("breakMs", std::int64_t{0})) {
        return "broken";
    }
    return state;
}

bool lease_active(const std::string& state) { return state == "leased" || state == "breaking"; }

void lease_headers(Response& res, const Json& lease, std::int64_t now) {
    std::string state = lease_state(lease, now);
    res.set_header("x-ms-lease-state", state);
    res.set_header("x-ms-lease-status", lease_active(state) ? "locked" : "unlocked");
    if (state == "leased") {
        res.set_header("x-ms-lease-duration", lease.value("duration", -1) == -1 ? "infinite" : "fixed");
    }
}

void common_headers(const Context& ctx, Response& res) {
    std::string version = ctx.req.header("x-ms-version");
    if (!version.empty()) {
        res.set_header("x-ms-version", version);
    }
    res.set_header("Date", http_date(ctx.svc.now_ms()));
    res.set_header("Server", "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0");
}

Json metadata_from(const Request& req) {
    Json meta = Json::object();
    for (const auto& [name, value] : req.headers) {
        if (name.size() > 9 && iequals(name.substr(0, 9), "x-ms-meta")) {
            meta[to_lower(name.substr(10))] = value;
        }
    }
    return meta;
}

void metadata_headers(Response& res, const Json& meta) {
    for (auto it = meta.begin(); it != meta.end(); ++it) {
        res.set_header("x-ms-meta-" + it.key(), it.value().get<std::string>());
    }
}

/// Checks the bearer token and x-ms-version; nullopt when the request may proceed.
std::optional<Response> authenticate(Context& ctx) {
    std::string auth = ctx.req.header("Authorization");
    const std::string challenge = "Bearer authorization_uri=" + ctx.svc.base_url + "/" +
                                  ctx.svc.credentials.tenant_id + "/oauth2/authorize resource_id=https://storage.azure.com";
    if (auth.empty()) {
        Response res = storage_error(ctx, 401, "NoAuthenticationInformation",
                                     "Server failed to authenticate the request. Please refer to the information in "
                                     "the www-authenticate header.");
        res.set_header("WWW-Authenticate", challenge);
        return res;
    }
    if (auto denied = authenticate_bearer(ctx.svc, ctx.req, ctx.principal, storage_audiences())) {
        bool expired = denied->body.find("ExpiredAuthenticationToken") != std::string::npos;
        Response res = storage_error(ctx, 401, expired ? "InvalidAuthenticationInfo" : "InvalidAuthenticationInfo",
                                     expired ? "Lifetime validation failed. The token is expired."
                                             : "Server failed to authenticate the request. The token is invalid or "
                                               "its audience is not https://storage.azure.com.");
        res.set_header("WWW-Authenticate", challenge);
        return res;
    }
    if (ctx.req.header("x-ms-version").empty()) {
        return storage_error(ctx, 400, "MissingRequiredHeader",
                             "An HTTP header that's mandatory for this request is not specified: x-ms-version.");
    }
    return std::nullopt;
}

bool account_exists(Services& svc, const std::string& account) {
    RecordQuery q;
    q.type = "microsoft.storage/storageaccounts";
    for (const auto& r : svc.store->list_stored(q)) {
        auto slash = r.record.key.rfind('/');
        if (slash != std::string::npos && r.record.key.substr(slash + 1) == to_lower(account)) {
            return true;
        }
    }
    return false;
}

/// Runs `body` for a request on an existing account (else ARM's own "no route" 404, so that
/// paths that were never blob paths answer as before), authenticated.
template <class F>
Response on_account(Context& ctx, F&& body) {
    std::string account = ctx.param("account");
    if (!account_exists(ctx.svc, account)) {
        return ArmError{404, "NotFound",
                        "No HTTP resource was found that matches the request URI '" + ctx.req.path + "'."}
            .response();
    }
    if (auto denied = authenticate(ctx)) {
        common_headers(ctx, *denied);
        return *denied;
    }
    Response res = body(account);
    common_headers(ctx, res);
    return res;
}

// --- blocks and lists ----------------------------------------------------------------------

std::string hex_of(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

/// A block id (base64, at most 64 bytes decoded) as hex, the form the store keys it by (the
/// store compares keys ignoring case; base64 is case-sensitive).
std::optional<std::string> block_hex(std::string id) {
    while (!id.empty() && id.back() == '=') {
        id.pop_back();
    }
    for (char& c : id) {
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    std::string raw;
    if (id.empty() || !crypto::base64url_decode(id, raw) || raw.size() > 64) {
        return std::nullopt;
    }
    return hex_of(raw);
}

std::string block_key(const std::string& blob_key, const std::string& hex) {
    return "/_storageblocks" + blob_key.substr(std::string("/_storage").size()) + "/" + hex;
}

std::string content_of(const Json& body) {
    std::string content;
    crypto::base64url_decode(body.value("content", ""), content);
    return content;
}

/// The uncommitted blocks of a blob, by hex id.
std::map<std::string, Record> uncommitted_blocks(Services& svc, const std::string& blob_key, const std::string& name) {
    RecordQuery q;
    q.type = k_block_type;
    q.key_prefix = to_lower(block_key(blob_key, ""));
    std::map<std::string, Record> out;
    for (auto& r : svc.store->list(q)) {
        if (r.body.value("blob", "") == name) {
            out[r.body.value("hex", "")] = std::move(r);
        }
    }
    return out;
}

Response put_block(Context& ctx, const std::string& blob_key, const std::string& name) {
    auto hex = block_hex(ctx.req.param("blockid").value_or(""));
    if (!hex) {
        return storage_error(ctx, 400, "InvalidQueryParameterValue",
                             "Value for one of the query parameters specified in the request URI is invalid: blockid.");
    }
    if (ctx.req.body.size() > 4000ull * 1024 * 1024) {
        return storage_error(ctx, 413, "RequestBodyTooLarge", "The request body is too large.");
    }
    Record r;
    r.id = block_key(blob_key, *hex);
    r.type = k_block_type;
    r.created_ms = ctx.svc.now_ms();
    r.body = {{"blob", name}, {"hex", *hex}, {"id", ctx.req.param("blockid").value_or("")},
              {"content", crypto::base64url_encode(ctx.req.body)}, {"size", ctx.req.body.size()}};
    ctx.svc.store->put(r);
    Response res = plain(201);
    res.set_header("x-ms-request-server-encrypted", "true");
    return res;
}

/// The <Committed>/<Uncommitted>/<Latest> entries of a Put Block List body, in order.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_block_list(const std::string& xml) {
    std::vector<std::pair<std::string, std::string>> out;
    if (xml.find("<BlockList>") == std::string::npos) {
        return std::nullopt;
    }
    for (std::size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
        for (const char* tag : {"Committed", "Uncommitted", "Latest"}) {
            const std::string open = std::string("<") + tag + ">";
            if (xml.compare(at, open.size(), open) != 0) {
                continue;
            }
            const std::size_t end = xml.find("</" + std::string(tag) + ">", at);
            if (end == std::string::npos) {
                return std::nullopt;
            }
            out.emplace_back(tag, xml.substr(at + open.size(), end - at - open.size()));
        }
    }
    return out;
}

std::string xml_text(const std::string& tag, const std::string& value) {
    return "<" + tag + ">" + xml_escape(value) + "</" + tag + ">";
}

std::string blob_xml(const Record& blob, const std::string& name, bool with_metadata, std::int64_t now) {
    const Json& b = blob.body;
    const std::string state = lease_state(b.value("lease", Json::object()), now);
    std::string out = "<Blob>" + xml_text("Name", name) + "<Properties>" +
                      xml_text("Creation-Time", http_date(blob.created_ms)) +
                      xml_text("Last-Modified", http_date(b.value("lastModifiedMs", std::int64_t{0}))) +
                      xml_text("Etag", blob.etag) + xml_text("Content-Length", std::to_string(b.value("length", 0))) +
                      xml_text("Content-Type", b.value("contentType", "application/octet-stream")) +
                      "<BlobType>BlockBlob</BlobType>" + xml_text("LeaseStatus", lease_active(state) ? "locked" : "unlocked") +
                      xml_text("LeaseState", state) + "<ServerEncrypted>true</ServerEncrypted></Properties>";
    if (with_metadata) {
        out += "<Metadata>";
        const Json metadata = b.value("metadata", Json::object());
        for (const auto& [k, v] : metadata.items()) {
            out += xml_text(k, v.is_string() ? v.get<std::string>() : v.dump());
        }
        out += "</Metadata>";
    }
    return out + "</Blob>";
}

// List Blobs: prefix, delimiter (BlobPrefix entries), marker and maxresults, include=metadata;
// names in lexicographic order.
Response list_blobs(Context& ctx, const std::string& account, const std::string& container) {
    const std::string ckey = container_key(account, container);
    const std::string prefix = ctx.req.param("prefix").value_or("");
    const std::string delimiter = ctx.req.param("delimiter").value_or("");
    const std::string marker = ctx.req.param("marker").value_or("");
    const std::string include = ctx.req.param("include").value_or("");
    long max = std::strtol(ctx.req.param("maxresults").value_or("5000").c_str(), nullptr, 10);
    if (max <= 0 || max > 5000) {
        max = 5000;
    }
    RecordQuery q;
    q.type = k_blob_type;
    q.key_prefix = to_lower(ckey + "/");
    std::map<std::string, Record> blobs;
    for (auto& r : ctx.svc.store->list(q)) {
        const std::string name = name_of_key_part(r.id.substr(ckey.size() + 1));
        if (name.compare(0, prefix.size(), prefix) == 0) {
            blobs.emplace(name, std::move(r));
        }
    }
    const std::int64_t now = ctx.svc.now_ms();
    std::string items;
    std::string next;
    std::string last_prefix;
    long count = 0;
    for (auto it = blobs.lower_bound(marker); it != blobs.end(); ++it) {
        const std::string& name = it->first;
        const std::size_t cut = delimiter.empty() ? std::string::npos : name.find(delimiter, prefix.size());
        if (cut != std::string::npos) {
            const std::string group = name.substr(0, cut + delimiter.size());
            if (group == last_prefix) {
                continue;
            }
            if (count == max) {
                next = name;
                break;
            }
            last_prefix = group;
            items += "<BlobPrefix>" + xml_text("Name", group) + "</BlobPrefix>";
        } else {
            if (count == max) {
                next = name;
                break;
            }
            items += blob_xml(it->second, name, include.find("metadata") != std::string::npos, now);
        }
        ++count;
    }
    Response res = plain(200);
    res.content_type = "application/xml";
    res.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"" +
               xml_escape(ctx.base_url() + "/" + account + "/") + "\" ContainerName=\"" + xml_escape(container) +
               "\">" + (prefix.empty() ? "" : xml_text("Prefix", prefix)) +
               (marker.empty() ? "" : xml_text("Marker", marker)) +
               (ctx.req.param("maxresults") ? xml_text("MaxResults", std::to_string(max)) : "") +
               (delimiter.empty() ? "" : xml_text("Delimiter", delimiter)) + "<Blobs>" + items + "</Blobs>" +
               (next.empty() ? "<NextMarker />" : xml_text("NextMarker", next)) + "</EnumerationResults>";
    return res;
}

/// A "bytes=a-b" or "bytes=a-" range of a blob of `size` bytes: (first, last), or nullopt.
std::optional<std::pair<std::uint64_t, std::uint64_t>> byte_range(const std::string& header, std::uint64_t size) {
    if (!header.starts_with("bytes=")) {
        return std::nullopt;
    }
    const std::size_t dash = header.find('-');
    if (dash == std::string::npos) {
        return std::nullopt;
    }
    const std::uint64_t first = std::strtoull(header.c_str() + 6, nullptr, 10);
    std::uint64_t last = dash + 1 < header.size() ? std::strtoull(header.c_str() + dash + 1, nullptr, 10) : size - 1;
    if (size == 0 || first >= size) {
        return std::pair<std::uint64_t, std::uint64_t>{first, first - 1};  // unsatisfiable: first > last
    }
    return std::pair<std::uint64_t, std::uint64_t>{first, std::min(last, size - 1)};
}

// --- containers ----------------------------------------------------------------------------

Response container_op(Context& ctx) {
    return on_account(ctx, [&](const std::string& account) -> Response {
        if (!iequals(ctx.req.param("restype").value_or(""), "container")) {
            return storage_error(ctx, 400, "InvalidQueryParameterValue",
                                 "Value for one of the query parameters specified in the request URI is invalid: "
                                 "restype.");
        }
        Services& svc = ctx.svc;
        std::string container = ctx.param("container");
        std::string key = container_key(account, container);
        Store::Transaction tx(*svc.store);
        auto existing = svc.store->get(key);
        const std::string& m = ctx.req.method;
        if (m == "GET" && iequals(ctx.req.param("comp").value_or(""), "list")) {
            if (!existing) {
                return storage_error(ctx, 404, "ContainerNotFound", "The specified container does not exist.");
            }
            return list_blobs(ctx, account, container);
        }
        if (m == "PUT") {
            if (existing) {
                return storage_error(ctx, 409, "ContainerAlreadyExists", "The specified container already exists.");
            }
            Record r;
            r.id = key;
            r.type = k_container_type;
            r.created_ms = svc.now_ms();
            r.etag = "\"0x" + crypto::random_hex(15) + "\"";
            r.body = {{"name", container}, {"metadata", metadata_from(ctx.req)}, {"lastModifiedMs", r.created_ms}};
            svc.store->put(r);
            tx.commit();
            Response res = plain(201);
            res.set_header("ETag", r.etag);
            res.set_header("Last-Modified", http_date(r.created_ms));
            return res;
        }
        if (!existing) {
            return storage_error(ctx, 404, "ContainerNotFound", "The specified container does not exist.");
        }
        if (m == "DELETE") {
            svc.store->remove_tree(key);
            tx.commit();
            return plain(202);
        }
        Response res = plain(200);
        res.set_header("ETag", existing->etag);
        res.set_header("Last-Modified", http_date(existing->body.value("lastModifiedMs", std::int64_t{0})));
        metadata_headers(res, existing->body["metadata"]);
        res.set_header("x-ms-lease-state", "available");
        res.set_header("x-ms-lease-status", "unlocked");
        return res;
    });
}

// --- blobs ---------------------------------------------------------------------------------

void blob_headers(Response& res, const Record& blob, std::int64_t now) {
    const Json& b = blob.body;
    res.set_header("ETag", blob.etag);
    res.set_header("Last-Modified", http_date(b.value("lastModifiedMs", std::int64_t{0})));
    res.set_header("x-ms-creation-time", http_date(blob.created_ms));
    res.set_header("x-ms-blob-type", "BlockBlob");
    res.set_header("x-ms-server-encrypted", "true");
    metadata_headers(res, b["metadata"]);
    lease_headers(res, b["lease"], now);
}

/// A write on a blob (put, metadata, delete) must carry the active lease's id (412 otherwise).
std::optional<Response> check_write_lease(const Context& ctx, const Json& lease, std::int64_t now) {
    std::string state = lease_state(lease, now);
    std::string given = ctx.req.header("x-ms-lease-id");
    if (lease_active(state)) {
        if (given.empty()) {
            return storage_error(ctx, 412, "LeaseIdMissing",
                                 "There is currently a lease on the blob and no lease ID was specified in the request.");
        }
        if (!iequals(given, lease.value("id", ""))) {
            return storage_error(ctx, 412, "LeaseIdMismatchWithBlobOperation",
                                 "The lease ID specified did not match the lease ID for the blob.");
        }
        return std::nullopt;
    }
    if (!given.empty()) {
        return storage_error(ctx, 412, "LeaseNotPresentWithBlobOperation",
                             "There is currently no lease on the blob.");
    }
    return std::nullopt;
}

std::optional<int> int_header(const Request& req, const char* name) {
    std::string v = req.header(name);
    if (v.empty()) {
        return std::nullopt;
    }
    try {
        std::size_t used = 0;
        int n = std::stoi(v, &used);
        if (used != v.size()) {
            return std::numeric_limits<int>::min();
        }
        return n;
    } catch (...) {
        return std::numeric_limits<int>::min();
    }
}

Response invalid_header(const Context& ctx, const std::string& name) {
    Response res = storage_error(ctx, 400, "InvalidHeaderValue",
                                 "The value for one of the HTTP headers is not in the correct format: " + name + ".");
    return res;
}

Response lease_op(Context& ctx, Record& blob) {
    Services& svc = ctx.svc;
    const std::int64_t now = svc.now_ms();
    Json& lease = blob.body["lease"];
    if (!lease.is_object()) {
        lease = Json{{"state", "available"}};
    }
    std::string action = to_lower(ctx.req.header("x-ms-lease-action"));
    std::string state = lease_state(lease, now);
    std::string current = lease.value("id", "");
    std::string given = ctx.req.header("x-ms-lease-id");
    std::string proposed = ctx.req.header("x-ms-proposed-lease-id");
    auto conflict = [&](const std::string& code, const std::string& message) {
        return storage_error(ctx, 409, code, message);
    };
    auto need_id = [&]() -> std::optional<Response> {
        if (given.empty()) {
            return storage_error(ctx, 400, "MissingRequiredHeader",
                                 "An HTTP header that's mandatory for this request is not specified: x-ms-lease-id.");
        }
        return std::nullopt;
    };
    auto mismatch = [&] {
        return conflict("LeaseIdMismatchWithLeaseOperation",
                        "The lease ID specified did not match the lease ID for the blob.");
    };
    auto not_present = [&] {
        return conflict("LeaseNotPresentWithLeaseOperation", "There is currently no lease on the blob.");
    };
    Response res = plain(200);
    if (action == "acquire") {
        auto duration = int_header(ctx.req, "x-ms-lease-duration");
        if (!duration) {
            return storage_error(ctx, 400, "MissingRequiredHeader",
                                 "An HTTP header that's mandatory for this request is not specified: "
                                 "x-ms-lease-duration.");
        }
        if (*duration != -1 && (*duration < 15 || *duration > 60)) {
            return invalid_header(ctx, "x-ms-lease-duration");
        }
        if (state == "breaking") {
            return conflict("LeaseIsBreakingAndCannotBeAcquired",
                            "There is already a breaking lease on the blob and it cannot be acquired.");
        }
        if (state == "leased" && !(proposed.empty() ? false : iequals(proposed, current))) {
            return conflict("LeaseAlreadyPresent", "There is already a lease present.");
        }
        std::string id = proposed.empty() ? crypto::random_uuid() : proposed;
        lease = Json{{"state", "leased"}, {"id", id}, {"duration", *duration},
                     {"expiresMs", *duration == -1 ? std::int64_t{0} : now + *duration * 1000LL}};
        res.status = 201;
        res.set_header("x-ms-lease-id", id);
    } else if (action == "renew") {
        if (auto e = need_id()) {
            return *e;
        }
        if (state == "available") {
            return not_present();
        }
        if (!iequals(given, current)) {
            return mismatch();
        }
        if (state == "breaking" || state == "broken") {
            return conflict("LeaseIsBrokenAndCannotBeRenewed",
                            "The lease ID matched, but the lease has been broken explicitly and cannot be renewed.");
        }
        int duration = lease.value("duration", -1);
        lease["state"] = "leased";
        lease["expiresMs"] = duration == -1 ? std::int64_t{0} : now + duration * 1000LL;
        res.set_header("x-ms-lease-id", current);
    } else if (action == "change") {
        if (auto e = need_id()) {
            return *e;
        }
        if (proposed.empty()) {
            return storage_error(ctx, 400, "MissingRequiredHeader",
                                 "An HTTP header that's mandatory for this request is not specified: "
                                 "x-ms-proposed-lease-id.");
        }
        if (state == "breaking") {
            return conflict("LeaseIsBreakingAndCannotBeChanged",
                            "The lease ID matched, but the lease is currently in breaking state and cannot be changed.");
        }
        if (state != "leased") {
            return not_present();
        }
        if (!iequals(given, current) && !iequals(proposed, current)) {
            return mismatch();
        }
        lease["id"] = proposed;
        res.set_header("x-ms-lease-id", proposed);
    } else if (action == "release") {
        if (auto e = need_id()) {
            return *e;
        }
        if (state == "available") {
            return not_present();
        }
        if (!iequals(given, current)) {
            return mismatch();
        }
        lease = Json{{"state", "available"}};
    } else if (action == "break") {
        auto period = int_header(ctx.req, "x-ms-lease-break-period");
        if (period && (*period < 0 || *period > 60)) {
            return invalid_header(ctx, "x-ms-lease-break-period");
        }
        if (state == "available" || state == "expired") {
            return not_present();
        }
        std::int64_t remaining_ms = 0;
        if (state == "leased") {
            int duration = lease.value("duration", -1);
            std::int64_t left = duration == -1 ? 0 : lease.value("expiresMs", now) - now;
            // Infinite lease: immediately unless a period is given; fixed: the shorter of both.
            remaining_ms = period ? (duration == -1 ? *period * 1000LL : std::min<std::int64_t>(*period * 1000LL, left))
                                  : left;
        } else if (state == "breaking") {
            remaining_ms = lease.value("breakMs", now) - now;
            if (period) {
                remaining_ms = std::min<std::int64_t>(remaining_ms, *period * 1000LL);
            }
        }
        if (remaining_ms <= 0) {
            lease["state"] = "broken";
        } else {
            lease["state"] = "breaking";
            lease["breakMs"] = now + remaining_ms;
        }
        res.status = 202;
        res.set_header("x-ms-lease-time", std::to_string((std::max<std::int64_t>(remaining_ms, 0) + 999) / 1000));
    } else if (action.empty()) {
        return storage_error(ctx, 400, "MissingRequiredHeader",
                             "An HTTP header that's mandatory for this request is not specified: x-ms-lease-action.");
    } else {
        return invalid_header(ctx, "x-ms-lease-action");
    }
    svc.store->put(blob);  // a lease operation changes neither ETag nor Last-Modified
    res.set_header("ETag", blob.etag);
    res.set_header("Last-Modified", http_date(blob.body.value("lastModifiedMs", std::int64_t{0})));
    return res;
}

Response blob_op(Context& ctx) {
    return on_account(ctx, [&](const std::string& account) -> Response {
        Services& svc = ctx.svc;
        const std::string& m = ctx.req.method;
        std::string ckey = container_key(account, ctx.param("container"));
        std::string key = ckey + "/" + key_part(ctx.param("blob"));
        std::string comp = to_lower(ctx.req.param("comp").value_or(""));
        Store::Transaction tx(*svc.store);
        if (!svc.store->exists(ckey)) {
            return storage_error(ctx, 404, "ContainerNotFound", "The specified container does not exist.");
        }
        auto existing = svc.store->get(key);
        const std::int64_t now = svc.now_ms();
        if (m == "PUT" && comp == "block") {
            Response res = put_block(ctx, key, ctx.param("blob"));
            tx.commit();
            return res;
        }
        if (m == "PUT" && (comp.empty() || comp == "blocklist")) {  // Put Blob, Put Block List
            std::string content = ctx.req.body;
            Json blocks = Json::array();
            if (comp == "blocklist") {
                auto list = parse_block_list(ctx.req.body);
                if (!list) {
                    return storage_error(ctx, 400, "InvalidXmlDocument", "XML specified is not syntactically valid.");
                }
                auto pending = uncommitted_blocks(svc, key, ctx.param("blob"));
                const Json committed = existing ? existing->body.value("blocks", Json::array()) : Json::array();
                const std::string old = existing ? content_of(existing->body) : std::string();
                content.clear();
                for (const auto& [where, id] : *list) {
                    auto hex = block_hex(id);
                    const Record* fresh = nullptr;
                    if (hex && where != "Committed" && pending.count(*hex) != 0) {
                        fresh = &pending[*hex];
                    }
                    std::optional<std::pair<std::uint64_t, std::uint64_t>> kept;  // (offset, size) in `old`
                    for (std::uint64_t offset = 0; const auto& b : committed) {
                        const std::uint64_t size = b.value("size", std::uint64_t{0});
                        if (!kept && hex && where != "Uncommitted" && b.value("hex", "") == *hex) {
                            kept = std::pair{offset, size};
                        }
                        offset += size;
                    }
                    if (fresh == nullptr && !kept) {
                        return storage_error(ctx, 400, "InvalidBlockList", "The specified block list is invalid.");
                    }
                    std::string data = fresh != nullptr ? content_of(fresh->body) : old.substr(kept->first, kept->second);
                    blocks.push_back({{"hex", *hex}, {"size", data.size()}});
                    content += data;
                }
            } else if (ctx.req.header("x-ms-blob-type").empty()) {
                return storage_error(ctx, 400, "MissingRequiredHeader",
                                     "An HTTP header that's mandatory for this request is not specified: "
                                     "x-ms-blob-type.");
            } else if (!iequals(ctx.req.header("x-ms-blob-type"), "BlockBlob")) {
                return invalid_header(ctx, "x-ms-blob-type");
            }
            if (existing && ctx.req.header("If-None-Match") == "*") {
                return storage_error(ctx, 409, "BlobAlreadyExists", "The specified blob already exists.");
            }
            Json lease = existing ? existing->body["lease"] : Json{{"state", "available"}};
            if (existing) {
                if (auto refused = check_write_lease(ctx, lease, now)) {
                    return *refused;
                }
            } else if (!ctx.req.header("x-ms-lease-id").empty()) {
                return storage_error(ctx, 412, "LeaseNotPresentWithBlobOperation",
                                     "There is currently no lease on the blob.");
            }
            Record r;
            r.id = key;
            r.type = k_blob_type;
            r.created_ms = existing ? existing->created_ms : now;
            r.etag = "\"0x" + crypto::random_hex(15) + "\"";
            std::string type = ctx.req.header("x-ms-blob-content-type");
            r.body = {{"content", crypto::base64url_encode(content)},
                      {"length", content.size()},
                      {"blocks", std::move(blocks)},
                      {"contentType", type.empty() ? "application/octet-stream" : type},
                      {"metadata", metadata_from(ctx.req)},
                      {"lastModifiedMs", now},
                      {"lease", lease}};
            svc.store->put(r);
            for (const auto& [hex, block] : uncommitted_blocks(svc, key, ctx.param("blob"))) {
                svc.store->remove_tree(block.id);  // a commit discards the blob's uncommitted blocks
            }
            tx.commit();
            Response res = plain(201);
            res.set_header("ETag", r.etag);
            res.set_header("Last-Modified", http_date(now));
            res.set_header("x-ms-request-server-encrypted", "true");
            return res;
        }
        if (!existing) {
            return storage_error(ctx, 404, "BlobNotFound", "The specified blob does not exist.");
        }
        Record blob = std::move(*existing);
        if (m == "PUT" && comp == "lease") {
            Response res = lease_op(ctx, blob);
            if (res.status < 300) {
                tx.commit();
            }
            return res;
        }
        if (m == "PUT" && comp == "metadata") {
            if (auto refused = check_write_lease(ctx, blob.body["lease"], now)) {
                return *refused;
            }
            blob.body["metadata"] = metadata_from(ctx.req);
            blob.body["lastModifiedMs"] = now;
            blob.etag = "\"0x" + crypto::random_hex(15) + "\"";
            svc.store->put(blob);
            tx.commit();
            Response res = plain(200);
            res.set_header("ETag", blob.etag);
            res.set_header("Last-Modified", http_date(now));
            return res;
        }
        if (m == "DELETE" && comp.empty()) {
            if (auto refused = check_write_lease(ctx, blob.body["lease"], now)) {
                return *refused;
            }
            svc.store->remove_tree(key);
            tx.commit();
            return plain(202);
        }
        if ((m == "GET" || m == "HEAD") && (comp.empty() || comp == "metadata")) {
            Response res = plain(200);
            blob_headers(res, blob, now);
            if (comp.empty()) {
                std::string content = content_of(blob.body);
                res.content_type = blob.body.value("contentType", "application/octet-stream");
                res.set_header("Content-Type", res.content_type);
                res.set_header("Accept-Ranges", "bytes");
                std::string range = ctx.req.header("x-ms-range");
                range = range.empty() ? ctx.req.header("Range") : range;
                if (auto r = byte_range(range, content.size()); r && m == "GET") {
                    if (r->first > r->second) {
                        Response refused = storage_error(ctx, 416, "InvalidRange",
                                                         "The range specified is invalid for the current size of the "
                                                         "resource.");
                        refused.set_header("Content-Range", "bytes */" + std::to_string(content.size()));
                        return refused;
                    }
                    res.status = 206;
                    res.set_header("Content-Range", "bytes " + std::to_string(r->first) + "-" +
                                                        std::to_string(r->second) + "/" +
                                                        std::to_string(content.size()));
                    content = content.substr(r->first, r->second - r->first + 1);
                }
                res.body = std::move(content);  // the server sends no body for HEAD
            }
            return res;
        }
        return storage_error(ctx, 400, "UnsupportedHttpVerb",
                             "The resource doesn't support the specified HTTP verb or query (emulator: " + m +
                                 (comp.empty() ? "" : " comp=" + comp) + ").");
    });
}

}  // namespace

void ensure_blob_container(Services& svc, const std::string& account, const std::string& container) {
    const std::string key = container_key(account, container);
    if (svc.store->exists(key)) {
        return;
    }
    Record r;
    r.id = key;
    r.type = k_container_type;
    r.created_ms = svc.now_ms();
    r.etag = "\"0x" + crypto::random_hex(15) + "\"";
    r.body = {{"name", container}, {"metadata", Json::object()}, {"lastModifiedMs", r.created_ms}};
    svc.store->put(r);
}

void install_blob_storage(Registry& r) {
    for (const char* m : {"PUT", "GET", "DELETE"}) {
        r.add_route({m, "/{account}/{container}", container_op, Auth::none, {}});
        r.add_route({m, "/{account}/{container}/{blob*}", blob_op, Auth::none, {}});
    }
}

}  // namespace emulator
