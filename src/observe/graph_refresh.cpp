#include "graph_refresh.hpp"

#include "converge/kinds.hpp"
#include "converge/observe.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

namespace converge {

namespace {

const char* const k_path = "/providers/Microsoft.ResourceGraph/resources";
const char* const k_api_version = "2024-04-01";
constexpr int k_page = 1000;          // Resource Graph's largest page
constexpr int k_throttle_retries = 5;  // 429s after the client's own retries

// The types Resource Graph's `resources` table holds among converge's kinds
// (docs/resource-graph.md). Workspace children other than online endpoints (computes,
// datastores, assets) are not indexed there: observe lists them.
constexpr std::string_view k_indexed[] = {
    "Microsoft.MachineLearningServices/workspaces",
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Insights/components",
    "Microsoft.ContainerRegistry/registries",
};

std::string kql_string(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

/// "hh:mm:ss" -> milliseconds (nullopt when malformed).
std::optional<std::chrono::milliseconds> parse_hms(const std::string& text) {
    int h = 0;
    int m = 0;
    int s = 0;
    char c1 = 0;
    char c2 = 0;
    if (std::sscanf(text.c_str(), "%d%c%d%c%d", &h, &c1, &m, &c2, &s) != 5 || c1 != ':' || c2 != ':' || h < 0 ||
        m < 0 || s < 0) {
        return std::nullopt;
    }
    return std::chrono::milliseconds((h * 3600LL + m * 60LL + s) * 1000LL);
}

/// How long the quota headers say to wait before the next query (zero when quota is left).
std::chrono::milliseconds quota_wait(const ArmReply& reply) {
    auto remaining = reply.headers.find("x-ms-user-quota-remaining");
    if (reply.status != 429 && (remaining == reply.headers.end() || std::atoi(remaining->second.c_str()) > 0)) {
        return std::chrono::milliseconds(0);
    }
    auto resets = reply.headers.find("x-ms-user-quota-resets-after");
    if (resets != reply.headers.end()) {
        if (auto ms = parse_hms(resets->second)) {
            return *ms;
        }
    }
    auto retry = reply.headers.find("retry-after");
    if (retry != reply.headers.end()) {
        return std::chrono::milliseconds(std::max(1, std::atoi(retry->second.c_str())) * 1000LL);
    }
    return std::chrono::milliseconds(reply.status == 429 ? 5000 : 0);
}

ApiError reply_error(const ArmReply& reply) {
    std::string code = "ResourceGraphError";
    std::string message = "Resource Graph answered HTTP " + std::to_string(reply.status);
    if (reply.body.is_object() && reply.body.contains("error") && reply.body["error"].is_object()) {
        const Json& e = reply.body["error"];
        code = e.value("code", code);
        // The top-level message is a support note; the details say what was wrong.
        if (e.contains("details") && e["details"].is_array()) {
            for (const auto& d : e["details"]) {
                if (d.is_object() && d.contains("message") && d["message"].is_string()) {
                    message += ": " + d["message"].get<std::string>();
                }
            }
        } else {
            message += ": " + e.value("message", std::string());
        }
    }
    return make_api_error(code, message, reply.status);
}

bool indexed(std::string_view type) {
    return std::any_of(std::begin(k_indexed), std::end(k_indexed), [&](std::string_view t) { return iequals(t, type); });
}

/// The resource type a collection path lists: ".../providers/NS/a/x/b" -> "NS/a/b"; "" when the
/// path is not a typed collection (resource groups, a group's generic `/resources`).
std::string collection_type(const std::string& path) {
    std::vector<std::string> segs;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string::npos) {
            j = path.size();
        }
        if (j > i) {
            segs.push_back(path.substr(i, j - i));
        }
        i = j + 1;
    }
    std::size_t p = segs.size();
    for (std::size_t k = 0; k < segs.size(); ++k) {
        if (iequals(segs[k], "providers")) {
            p = k;
        }
    }
    if (p >= segs.size() || segs.size() < p + 3 || (segs.size() - p - 2) % 2 != 1) {
        return "";
    }
    std::string type = segs[p + 1];
    for (std::size_t k = p + 2; k < segs.size(); k += 2) {
        type += "/" + segs[k];
    }
    return type;
}

/// Observe's lists of indexed types answered from the query's rows; the rest forwarded.
class GraphReader : public ArmApi {
public:
    explicit GraphReader(ArmApi& api) : m_api(api) {}

    void add_row(Json row) {
        if (!row.is_object() || !row.contains("id") || !row["id"].is_string()) {
            return;
        }
        auto id = ResourceId::parse(row["id"].get<std::string>());
        if (!id) {
            return;
        }
        // A row is the ARM body plus Resource Graph's own columns; absent fields are null or "".
        for (const char* own : {"resourceGroup", "subscriptionId", "tenantId"}) {
            row.erase(own);
        }
        for (auto it = row.begin(); it != row.end();) {
            bool empty = it->is_null() || (it->is_string() && it->get<std::string>().empty() && it.key() != "name");
            it = empty ? row.erase(it) : std::next(it);
        }
        if (const KindInfo* kind = find_kind_by_type(id->type())) {
            row["type"] = std::string(kind->arm_type);  // Resource Graph lower-cases it
        }
        m_by_collection[to_lower(collection_path(*id))].push_back(row);
        if (id->parent().is_resource_group()) {
            m_by_collection[to_lower("/subscriptions/" + id->subscription() + "/providers/" + id->type())].push_back(row);
        }
    }

    ApiResult<Json> get(const std::string& path, const std::string& api_version) override {
        return m_api.get(path, api_version);
    }
    ApiResult<std::vector<Json>> list(const std::string& path, const std::string& api_version,
                                      const Query& query) override {
        const std::string type = collection_type(path);
        if (type.empty() || !indexed(type) || !query.empty()) {
            return m_api.list(path, api_version, query);
        }
        auto it = m_by_collection.find(to_lower(path));
        return it == m_by_collection.end() ? std::vector<Json>{} : it->second;
    }
    ApiResult<std::unique_ptr<Operation>> begin(const WriteRequest& request) override { return m_api.begin(request); }
    ApiResult<DataResponse> send_data(const DataRequest& request) override { return m_api.send_data(request); }
    ApiResult<ArmReply> post_query(const std::string& path, const std::string& api_version, const Json& body) override {
        return m_api.post_query(path, api_version, body);
    }

private:
    ArmApi& m_api;
    std::map<std::string, std::vector<Json>> m_by_collection;  // lower-case collection path -> rows
};

}  // namespace

bool graph_indexed(std::string_view arm_type) { return indexed(arm_type); }

ApiResult<std::unique_ptr<ArmApi>> graph_reader(const DesiredSet& desired, ArmApi& api) {
    std::set<std::string> subscriptions;
    for (const auto& r : desired.resources) {
        if (!r.id.subscription().empty()) {
            subscriptions.insert(to_lower(r.id.subscription()));
        }
    }
    auto reader = std::make_unique<GraphReader>(api);
    if (subscriptions.empty()) {
        return std::unique_ptr<ArmApi>(std::move(reader));
    }
    std::string types;
    for (auto t : k_indexed) {
        types += (types.empty() ? "" : ", ") + kql_string(t);
    }
    std::string subs;
    Json sub_list = Json::array();
    for (const auto& s : subscriptions) {
        subs += (subs.empty() ? "" : ", ") + kql_string(s);
        sub_list.push_back(s);
    }
    const std::string query = "resources | where type in~ (" + types + ") and subscriptionId in (" + subs +
                              ") | project id, name, type, location, tags, properties, sku, identity, kind, "
                              "resourceGroup, subscriptionId";
    std::string skip_token;
    int throttled = 0;
    while (true) {
        Json options = {{"resultFormat", "objectArray"}, {"$top", k_page}};
        if (!skip_token.empty()) {
            options["$skipToken"] = skip_token;
        }
        auto reply = api.post_query(k_path, k_api_version,
                                    Json{{"subscriptions", sub_list}, {"query", query}, {"options", options}});
        if (!reply) {
            return tl::unexpected(reply.error());
        }
        const auto wait = quota_wait(*reply);
        if (reply->status == 429) {
            if (++throttled > k_throttle_retries) {
                return tl::unexpected(reply_error(*reply));
            }
            std::this_thread::sleep_for(wait);
            continue;
        }
        if (reply->status != 200 || !reply->body.is_object() || !reply->body.contains("data") ||
            !reply->body["data"].is_array()) {
            return tl::unexpected(reply->status == 200
                                      ? make_api_error("InvalidResponse", "Resource Graph: the answer has no data rows", 200)
                                      : reply_error(*reply));
        }
        if (reply->body.value("resultTruncated", "false") == "true") {
            return tl::unexpected(make_api_error("InvalidResponse", "Resource Graph truncated the result", 200));
        }
        for (auto& row : reply->body["data"]) {
            reader->add_row(std::move(row));
        }
        const Json& token = reply->body.contains("$skipToken") ? reply->body["$skipToken"] : Json();
        if (!token.is_string() || token.get<std::string>().empty()) {
            break;
        }
        skip_token = token.get<std::string>();
        // The quota is spent: wait for it to reset before the next page (docs: "staggering").
        if (wait.count() > 0) {
            std::this_thread::sleep_for(wait);
        }
    }
    return std::unique_ptr<ArmApi>(std::move(reader));
}

}  // namespace converge
