#include "arm/activity_log.hpp"

#include "arm/arm.hpp"

#include <cctype>
#include <ctime>

namespace emulator {

namespace {

constexpr std::int64_t k_retention_ms = 90LL * 24 * 3600 * 1000;  // Azure keeps 90 days
const char* const k_route = "/subscriptions/{subscriptionId}/providers/microsoft.insights/eventtypes/management/values";

Json localizable(const std::string& value, const std::string& localized = "") {
    return {{"value", value}, {"localizedValue", localized.empty() ? value : localized}};
}

/// "2026-01-02T03:04:05.1230000Z": ms precision, written with the 7 digits Azure sends.
std::string event_time(std::int64_t ms) {
    std::string iso = iso_time(ms);  // ...SS.mmmZ
    return iso.substr(0, iso.size() - 1) + "0000Z";
}

/// .NET ticks (100 ns since 0001-01-01), as the event id carries them.
std::string ticks(std::int64_t ms) { return std::to_string(ms * 10000 + 621355968000000000LL); }

std::string status_text(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    default: return status >= 500 ? "Internal Server Error" : "Status " + std::to_string(status);
    }
}

/// What a write path names: the resource, its group, provider namespace, type and operation.
struct Target {
    std::string resource_id;
    std::string resource_group;
    std::string provider;
    std::string type;
    std::string operation;
};

std::optional<Target> target_of(const Context& ctx) {
    auto segs = path_segments(ctx.req.path);
    if (segs.size() < 4 || !iequals(segs[0], "subscriptions")) {
        return std::nullopt;
    }
    const std::string& method = ctx.req.method;
    std::string verb = method == "DELETE" ? "delete" : "write";
    Target t;
    std::size_t p = 2;
    if (iequals(segs[2], "resourceGroups")) {
        t.resource_group = segs[3];
        p = 4;
        if (segs.size() <= 5) {  // the group itself, or an action on it
            t.provider = "Microsoft.Resources";
            t.type = "Microsoft.Resources/subscriptions/resourceGroups";
            t.resource_id = "/subscriptions/" + segs[1] + "/resourceGroups/" + segs[3];
            t.operation = t.type + "/" + (segs.size() == 5 ? segs[4] + "/action" : verb);
            return t;
        }
    }
    if (segs.size() < p + 4 || !iequals(segs[p], "providers")) {
        return std::nullopt;
    }
    std::vector<std::string> rest(segs.begin() + static_cast<std::ptrdiff_t>(p + 2), segs.end());
    std::string action;
    if (rest.size() % 2 == 1) {
        action = rest.back();
        rest.pop_back();
    }
    std::string id = "/subscriptions/" + segs[1];
    if (!t.resource_group.empty()) {
        id += "/resourceGroups/" + t.resource_group;
    }
    id += "/providers/" + segs[p + 1];
    std::string type = segs[p + 1];
    for (std::size_t i = 0; i < rest.size(); i += 2) {
        id += "/" + rest[i] + "/" + rest[i + 1];
        type += "/" + rest[i];
    }
    // The registered type's canonical casing when the route is typed.
    if (ctx.type != nullptr && iequals(ctx.type->type, type)) {
        type = ctx.type->type;
    }
    t.provider = type.substr(0, type.find('/'));
    t.type = type;
    t.resource_id = id;
    t.operation = type + "/" + (action.empty() ? verb : action + "/action");
    return t;
}

Json claims_of(const Principal& p) {
    Json out = Json::object();
    if (!p.claims || !p.claims->is_object()) {
        return out;
    }
    const Json& c = *p.claims;
    auto put = [&](const char* from, const std::string& to) {
        if (c.contains(from)) {
            const Json& v = c[from];
            out[to] = v.is_string() ? v.get<std::string>() : v.dump();
        }
    };
    for (const char* k : {"aud", "iss", "iat", "nbf", "exp", "appid", "appidacr", "idtyp", "ver"}) {
        put(k, k);
    }
    put("oid", "http://schemas.microsoft.com/identity/claims/objectidentifier");
    put("tid", "http://schemas.microsoft.com/identity/claims/tenantid");
    put("sub", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier");
    return out;
}

Json make_event(Context& ctx, const Target& t, std::int64_t now, const std::string& correlation,
                const std::string& operation_id, bool begin, int status) {
    const Principal& who = ctx.principal;
    std::string sub = ctx.param("subscriptionId");
    std::string event_id = ctx.svc.new_uuid();
    bool failed = !begin && status >= 400;
    std::string state = begin ? "Started" : failed ? "Failed" : status == 202 ? "Accepted" : "Succeeded";
    Json e = {
        {"authorization", {{"action", t.operation}, {"scope", t.resource_id}}},
        // Azure names a service principal by its object id here (a user by UPN/e-mail).
        {"caller", who.object_id},
        {"channels", "Operation"},
        {"claims", claims_of(who)},
        {"correlationId", correlation},
        {"description", ""},
        {"eventDataId", event_id},
        {"eventName", begin ? localizable("BeginRequest", "Begin request") : localizable("EndRequest", "End request")},
        {"category", localizable("Administrative")},
        {"httpRequest",
         {{"clientRequestId", ctx.req.header("x-ms-client-request-id")},
          {"clientIpAddress", ctx.req.remote_addr},
          {"method", ctx.req.method}}},
        {"id", t.resource_id + "/events/" + event_id + "/ticks/" + ticks(now)},
        {"level", failed ? "Error" : "Informational"},
        {"resourceGroupName", t.resource_group},
        {"resourceProviderName", localizable(t.provider)},
        {"resourceId", t.resource_id},
        {"resourceType", localizable(t.type)},
        // One per operation (its BeginRequest and EndRequest share it); the correlation id is the
        // client's and may span a whole run of many operations.
        {"operationId", operation_id},
        {"operationName", localizable(t.operation)},
        {"properties", Json::object()},
        {"status", localizable(state)},
        {"subStatus", begin ? localizable("", "")
                            : localizable(status_text(status), status_text(status) + " (HTTP Status Code: " +
                                                                    std::to_string(status) + ")")},
        {"eventTimestamp", event_time(now)},
        {"submissionTimestamp", event_time(now)},
        {"subscriptionId", sub},
        {"tenantId", who.tenant_id},
    };
    if (!begin) {
        e["properties"]["statusCode"] = status_text(status);
    } else {
        e["properties"]["requestbody"] = ctx.req.body.size() <= 4096 ? ctx.req.body : "";
    }
    return e;
}

// --- the query side -----------------------------------------------------------------------

Response bad_request(const std::string& message) {
    // ActivityLogs_List declares ErrorResponse {code, message} (not ARM's {"error":{...}}).
    return Response::json(400, Json{{"code", "BadRequest"}, {"message", message}});
}

struct Clause {
    std::string field;
    std::string op;
    std::string value;
};

/// `field op 'value' [and field op 'value']...`; quotes inside values are doubled ('').
std::optional<std::vector<Clause>> parse_filter(const std::string& f, std::string& why) {
    std::vector<Clause> out;
    std::size_t i = 0;
    auto skip_ws = [&] {
        while (i < f.size() && std::isspace(static_cast<unsigned char>(f[i]))) {
            ++i;
        }
    };
    auto word = [&] {
        std::size_t s = i;
        while (i < f.size() && (std::isalnum(static_cast<unsigned char>(f[i])) || f[i] == '_' || f[i] == '.')) {
            ++i;
        }
        return f.substr(s, i - s);
    };
    while (true) {
        skip_ws();
        Clause c;
        c.field = word();
        skip_ws();
        c.op = to_lower(word());
        skip_ws();
        if (c.field.empty() || c.op.empty() || i >= f.size() || f[i] != '\'') {
            why = "The $filter is not valid near position " + std::to_string(i) +
                  ": expected <property> <operator> '<value>'.";
            return std::nullopt;
        }
        ++i;
        bool closed = false;
        while (i < f.size()) {
            if (f[i] == '\'') {
                if (i + 1 < f.size() && f[i + 1] == '\'') {
                    c.value += '\'';
                    i += 2;
                    continue;
                }
                ++i;
                closed = true;
                break;
            }
            c.value += f[i++];
        }
        if (!closed) {
            why = "The $filter has an unterminated string literal.";
            return std::nullopt;
        }
        out.push_back(std::move(c));
        skip_ws();
        if (i >= f.size()) {
            return out;
        }
        if (!iequals(word(), "and")) {
            why = "The $filter may only join conditions with 'and'.";
            return std::nullopt;
        }
    }
}

const std::vector<std::string>& selectable() {
    static const std::vector<std::string> k = {
        "authorization",  "caller",           "channels",          "claims",        "correlationId",
        "description",    "eventDataId",      "eventName",         "category",      "eventTimestamp",
        "httpRequest",    "id",               "level",             "operationId",   "operationName",
        "properties",     "resourceGroupName", "resourceProviderName", "resourceId", "resourceType",
        "status",         "subStatus",        "submissionTimestamp", "subscriptionId", "tenantId"};
    return k;
}

Response list_events(Context& ctx) {
    Services& svc = ctx.svc;
    auto filter = ctx.req.param("$filter");
    if (!filter || filter->empty()) {
        return bad_request("The $filter query parameter is required: eventTimestamp ge '<start>' and eventTimestamp "
                           "le '<end>' [and resourceGroupName|resourceUri|resourceProvider|correlationId eq "
                           "'<value>'].");
    }
    std::string why;
    auto clauses = parse_filter(*filter, why);
    if (!clauses) {
        return bad_request(why);
    }
    EventQuery q;
    q.subscription = to_lower(ctx.param("subscriptionId"));
    std::optional<std::int64_t> from;
    std::optional<std::int64_t> to;
    int selectors = 0;
    std::optional<std::string> levels;
    for (const auto& c : *clauses) {
        if (iequals(c.field, "eventTimestamp")) {
            auto t = parse_iso_time(c.value);
            if (!t) {
                return bad_request("The eventTimestamp '" + c.value + "' is not a valid ISO 8601 date-time.");
            }
            if (c.op == "ge" && !from) {
                from = t;
            } else if (c.op == "le" && !to) {
                to = t;
            } else {
                return bad_request("eventTimestamp takes one 'ge' and one 'le' condition.");
            }
            continue;
        }
        if (c.op != "eq") {
            return bad_request("The operator '" + c.op + "' is not supported for '" + c.field + "'; use 'eq'.");
        }
        std::string v = to_lower(c.value);
        if (iequals(c.field, "resourceGroupName")) {
            q.resource_group = v;
        } else if (iequals(c.field, "resourceUri") || iequals(c.field, "resourceId")) {
            while (!v.empty() && v.back() == '/') {
                v.pop_back();
            }
            q.resource_key = v;
        } else if (iequals(c.field, "resourceProvider")) {
            q.provider = v;
        } else if (iequals(c.field, "correlationId")) {
            q.correlation = v;
        } else if (iequals(c.field, "eventChannels")) {
            continue;  // every recorded event is an Operation event
        } else if (iequals(c.field, "levels")) {
            levels = v;
            continue;
        } else {
            return bad_request("The property '" + c.field + "' is not supported in $filter.");
        }
        ++selectors;
    }
    if (!from) {
        return bad_request("Required property eventTimestamp ge not found in the $filter.");
    }
    if (selectors > 1) {
        return bad_request("The $filter may name only one of resourceGroupName, resourceUri, resourceProvider and "
                           "correlationId.");
    }
    q.from_ms = *from;
    q.to_ms = to.value_or(svc.now_ms());
    if (q.to_ms < q.from_ms) {
        return bad_request("The eventTimestamp range is empty: the 'ge' time is after the 'le' time.");
    }
    std::vector<std::string> select;
    if (auto s = ctx.req.param("$select"); s && !s->empty()) {
        std::size_t start = 0;
        while (start <= s->size()) {
            std::size_t comma = s->find(',', start);
            std::string name = s->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            name.erase(0, name.find_first_not_of(" \t"));
            name.erase(name.find_last_not_of(" \t") + 1);
            for (const auto& known : selectable()) {
                if (iequals(known, name)) {
                    select.push_back(known);
                }
            }
            if (comma == std::string::npos) {
                break;
            }
            start = comma + 1;
        }
    }
    q.before_seq = static_cast<std::int64_t>(page_offset(ctx));
    const std::size_t size = std::max<std::size_t>(1, svc.options.page_size);
    std::vector<std::string> texts;
    std::int64_t last_seq = 0;
    bool more = false;
    // A levels filter applies to the bodies: fetch pages until one is full or nothing is left.
    while (texts.size() < size) {
        auto rows = svc.store->list_events(q, size + 1);
        if (rows.empty()) {
            break;
        }
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (texts.size() == size) {
                more = true;
                break;
            }
            Json e = Json::parse(rows[i].body);
            last_seq = rows[i].seq;
            q.before_seq = rows[i].seq;
            if (levels && levels->find(to_lower(e.value("level", ""))) == std::string::npos) {
                continue;
            }
            if (!select.empty()) {
                Json picked = Json::object();
                for (const auto& k : select) {
                    if (e.contains(k)) {
                        picked[k] = e[k];
                    }
                }
                e = std::move(picked);
            }
            texts.push_back(e.dump());
        }
        if (more || rows.size() <= size) {
            break;
        }
    }
    return list_page_text(ctx, texts, static_cast<std::size_t>(last_seq), more);
}

}  // namespace

std::optional<std::int64_t> parse_iso_time(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    std::size_t i = 0;
    auto digits = [&](int n, int& out) {
        out = 0;
        for (int k = 0; k < n; ++k, ++i) {
            if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) {
                return false;
            }
            out = out * 10 + (text[i] - '0');
        }
        return true;
    };
    auto expect = [&](char c) {
        if (i < text.size() && text[i] == c) {
            ++i;
            return true;
        }
        return false;
    };
    if (!digits(4, y) || !expect('-') || !digits(2, mo) || !expect('-') || !digits(2, d)) {
        return std::nullopt;
    }
    std::int64_t ms = 0;
    std::int64_t offset_min = 0;
    if (i < text.size()) {
        if (!(expect('T') || expect('t') || expect(' ')) || !digits(2, h) || !expect(':') || !digits(2, mi)) {
            return std::nullopt;
        }
        if (expect(':') && !digits(2, s)) {
            return std::nullopt;
        }
        if (expect('.')) {
            int n = 0;
            int frac = 0;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                if (n < 3) {
                    frac = frac * 10 + (text[i] - '0');
                }
                ++n;
                ++i;
            }
            if (n == 0) {
                return std::nullopt;
            }
            for (int k = n; k < 3; ++k) {
                frac *= 10;
            }
            ms = frac;
        }
        if (expect('Z') || expect('z')) {
        } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
            int sign = text[i++] == '-' ? -1 : 1;
            int oh = 0, om = 0;
            if (!digits(2, oh) || !(expect(':') || true) || !digits(2, om)) {
                return std::nullopt;
            }
            offset_min = sign * (oh * 60 + om);
        }
        if (i != text.size()) {
            return std::nullopt;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    std::int64_t secs = static_cast<std::int64_t>(timegm(&tm));
    return (secs - offset_min * 60) * 1000 + ms;
}

void record_activity(Context& ctx, Response& res) {
    const std::string& m = ctx.req.method;
    if (m == "GET" || m == "HEAD" || ctx.principal.object_id.empty() || res.status == 429 ||
        ctx.param("subscriptionId").empty()) {
        return;
    }
    auto target = target_of(ctx);
    if (!target) {
        return;
    }
    Services& svc = ctx.svc;
    std::string correlation = ctx.req.header("x-ms-correlation-request-id");
    if (correlation.empty()) {
        correlation = svc.new_uuid();
    }
    res.set_header("x-ms-correlation-request-id", correlation);  // standard_headers keeps it
    std::int64_t now = svc.now_ms();
    EventRow row;
    row.subscription = to_lower(ctx.param("subscriptionId"));
    row.timestamp_ms = now;
    row.resource_key = to_lower(target->resource_id);
    row.resource_group = to_lower(target->resource_group);
    row.provider = to_lower(target->provider);
    row.correlation = to_lower(correlation);
    std::int64_t min_ms = now - k_retention_ms;
    const std::string operation_id = svc.new_uuid();
    row.body = make_event(ctx, *target, now, correlation, operation_id, true, res.status).dump(-1, ' ', false, Json::error_handler_t::replace);
    svc.store->add_event(row, min_ms, svc.options.activity_log_capacity);
    row.body = make_event(ctx, *target, now, correlation, operation_id, false, res.status).dump(-1, ' ', false, Json::error_handler_t::replace);
    svc.store->add_event(row, min_ms, svc.options.activity_log_capacity);
}

void install_activity_log(Registry& r) {
    r.add_route({"GET", k_route, list_events, Auth::arm,
                 ApiPolicy::provider("Microsoft.Insights/eventtypes", {"2015-04-01"})});
}

}  // namespace emulator
