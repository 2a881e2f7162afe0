#include "arm/arm.hpp"

namespace emulator {

const std::vector<std::string>& arm_resource_api_versions() {
    static const std::vector<std::string> k_versions = {
        "2024-03-01", "2023-07-01", "2022-09-01", "2021-04-01", "2021-01-01", "2020-10-01", "2020-08-01",
        "2020-06-01", "2019-10-01", "2019-08-01", "2019-07-01", "2019-05-10", "2019-05-01", "2019-03-01",
        "2018-05-01", "2018-02-01", "2017-05-10", "2016-09-01", "2016-07-01", "2016-06-01", "2016-02-01",
        "2015-11-01", "2015-01-01", "2014-04-01"};
    return k_versions;
}

const std::vector<std::string>& arm_subscription_api_versions() {
    static const std::vector<std::string> k_versions = {"2022-12-01", "2021-01-01", "2020-01-01", "2019-11-01",
                                                        "2019-06-01", "2018-06-01", "2016-06-01", "2015-01-01",
                                                        "2014-04-01"};
    return k_versions;
}

Response ArmError::response() const {
    Json err = {{"code", code}, {"message", message}};
    if (!target.empty()) {
        err["target"] = target;
    }
    if (!details.is_null()) {
        err["details"] = details;
    }
    return Response::json(status, Json{{"error", err}});
}

std::string Context::param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

std::string Context::base_url() const { return svc.base_url; }

ArmError resource_not_found(const std::string& type, const std::string& name, const std::string& rg) {
    return {404, "ResourceNotFound",
            "The Resource '" + type + "/" + name + "' under resource group '" + rg +
                "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"};
}

ArmError resource_group_not_found(const std::string& rg) {
    return {404, "ResourceGroupNotFound", "Resource group '" + rg + "' could not be found."};
}

ArmError invalid_body(const std::string& why) {
    return {400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: " + why};
}

std::optional<ArmError> parse_body(const Request& req, Json& out) {
    if (req.body.empty()) {
        out = Json::object();
        return std::nullopt;
    }
    try {
        out = Json::parse(req.body);
    } catch (const Json::exception& e) {
        return invalid_body("the body is not valid JSON");
    }
    if (!out.is_object()) {
        return invalid_body("expected a JSON object");
    }
    return std::nullopt;
}

std::string resource_group_id(const std::string& sub, const std::string& rg) {
    return "/subscriptions/" + sub + "/resourceGroups/" + rg;
}

std::string new_etag(Services& svc) { return "\"" + svc.new_uuid() + "\""; }

namespace {
bool etag_matches(const std::string& header, const std::string& etag) {
    std::size_t pos = 0;
    while (pos <= header.size()) {
        std::size_t comma = header.find(',', pos);
        std::string one = header.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        one.erase(0, one.find_first_not_of(" \t"));
        one.erase(one.find_last_not_of(" \t") + 1);
        if (one == "*" || one == etag || "\"" + one + "\"" == etag) {
            return true;
        }
        if (comma == std::string::npos) {
            break;
        }
        pos = comma + 1;
    }
    return false;
}
}  // namespace

std::optional<ArmError> check_preconditions(const Context& ctx, const Record* existing, bool is_put) {
    std::string if_match = ctx.req.header("If-Match");
    std::string if_none = ctx.req.header("If-None-Match");
    const ArmError failed{412, "PreconditionFailed", "The condition specified using HTTP conditional header(s) is not met."};
    if (!if_match.empty()) {
        if (existing == nullptr) {
            // PUT with If-Match on an absent resource is 412; PATCH/DELETE fall through to 404/204.
            return is_put ? std::optional<ArmError>(failed) : std::nullopt;
        }
        if (!etag_matches(if_match, existing->etag)) {
            return failed;
        }
    }
    if (!if_none.empty() && existing != nullptr && etag_matches(if_none, existing->etag)) {
        return failed;
    }
    return std::nullopt;
}

std::size_t page_offset(const Context& ctx) {
    auto tok = ctx.req.param("$skiptoken");
    if (!tok) {
        tok = ctx.req.param("$skipToken");
    }
    if (!tok) {
        return 0;
    }
    try {
        return static_cast<std::size_t>(std::stoull(*tok));
    } catch (...) {
        return 0;
    }
}

// Written as Json::dump() writes {"nextLink":..., "value":[...]}: members in name order, compact.
Response list_page_text(const Context& ctx, const std::vector<std::string>& items, std::size_t next_offset, bool more) {
    std::size_t size = 32;
    for (const auto& item : items) {
        size += item.size() + 1;
    }
    std::string body;
    body.reserve(size);
    body += '{';
    if (more) {
        std::string url = ctx.base_url() + ctx.req.path + "?";
        bool first = true;
        for (const auto& [k, v] : ctx.req.query) {
            if (iequals(k, "$skiptoken")) {
                continue;
            }
            url += (first ? "" : "&") + url_encode(k) + "=" + url_encode(v);
            first = false;
        }
        url += (first ? "" : "&") + std::string("%24skiptoken=") + std::to_string(next_offset);
        body += "\"nextLink\":";
        body += Json(url).dump();
        body += ',';
    }
    body += "\"value\":[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            body += ',';
        }
        body += items[i];
    }
    body += "]}";
    Response res;
    res.status = 200;
    res.body = std::move(body);
    return res;
}

void set_retry_after(const Services& svc, Response& res) {
    res.set_header("Retry-After", std::to_string(svc.retry_after()));
    if (svc.options.retry_after_ms > 0) {
        res.set_header("retry-after-ms", std::to_string(svc.options.retry_after_ms));
    }
}

void merge_patch(Json& target, const Json& patch) {
    if (!patch.is_object()) {
        target = patch;
        return;
    }
    if (!target.is_object()) {
        target = Json::object();
    }
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it.value().is_null()) {
            target.erase(it.key());
        } else {
            merge_patch(target[it.key()], it.value());
        }
    }
}

void stamp_system_data(const Context& ctx, Json& body, bool create) {
    std::string now = ctx.svc.now_iso();
    std::string who = ctx.principal.app_id.empty() ? ctx.svc.credentials.client_id : ctx.principal.app_id;
    Json& sd = body["systemData"];
    if (create || !sd.is_object()) {
        sd = {{"createdBy", who}, {"createdByType", "Application"}, {"createdAt", now}};
    }
    sd["lastModifiedBy"] = who;
    sd["lastModifiedByType"] = "Application";
    sd["lastModifiedAt"] = now;
}

}  // namespace emulator
