// Value conversions of the az ml table, both ways (include/converge/azml.hpp). Each one follows
// what the azure-ai-ml SDK's entity sends (../shared/reference/az-ml-yaml-mapping.md).
#include "converge/azml.hpp"

#include "converge/resource_id.hpp"

#include <charconv>
#include <fmt/format.h>

namespace converge::azml {

namespace {

Converted fail(std::string message, std::string at = {}) { return {std::nullopt, std::move(message), std::move(at), {}}; }
Converted ok(Json value) { return {std::move(value), {}, {}, {}}; }

std::string type_name(const Json& v) {
    if (v.is_string()) {
        return "a string";
    }
    if (v.is_boolean()) {
        return "a boolean";
    }
    if (v.is_number()) {
        return "a number";
    }
    if (v.is_array()) {
        return "a list";
    }
    if (v.is_object()) {
        return "a mapping";
    }
    return "null";
}

/// A scalar as the string the SDK sends (tags: `abc: 123` -> "123").
std::optional<std::string> scalar_text(const Json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_boolean()) {
        return v.get<bool>() ? "true" : "false";
    }
    if (v.is_number()) {
        return v.dump();
    }
    return std::nullopt;
}

std::string_view az_side(std::string_view pair) { return pair.substr(0, pair.find(':')); }
std::string_view rest_side(std::string_view pair) { return pair.substr(pair.find(':') + 1); }

std::string allowed(const std::vector<std::string_view>& values) {
    std::string out;
    for (const auto& v : values) {
        out += (out.empty() ? "" : ", ") + std::string(az_side(v));
    }
    return out;
}

/// "low_priority" or "LowPriority" (any case) -> "LowPriority".
std::optional<std::string> choose(const std::vector<std::string_view>& values, const std::string& text) {
    for (const auto& v : values) {
        if (iequals(az_side(v), text) || iequals(rest_side(v), text)) {
            return std::string(rest_side(v));
        }
    }
    return std::nullopt;
}

std::optional<std::string> unchoose(const std::vector<std::string_view>& values, const Json& rest) {
    if (!rest.is_string()) {
        return std::nullopt;
    }
    for (const auto& v : values) {
        if (iequals(rest_side(v), rest.get<std::string>())) {
            return std::string(az_side(v));
        }
    }
    return std::nullopt;
}

bool whole(const Json& v) { return v.is_number_integer() || v.is_number_unsigned(); }

Converted string_map(const Json& value) {
    if (!value.is_object()) {
        return fail(fmt::format("expected a mapping, got {}", type_name(value)));
    }
    Json out = Json::object();
    for (const auto& [k, v] : value.items()) {
        const auto text = scalar_text(v);
        if (!text) {
            return fail(fmt::format("expected a string, number or boolean, got {}", type_name(v)), k);
        }
        out[k] = *text;
    }
    return ok(std::move(out));
}

const std::vector<std::string_view> k_identity_types = {
    "system_assigned:SystemAssigned", "user_assigned:UserAssigned",
    "system_assigned,user_assigned:SystemAssigned,UserAssigned", "none:None"};

Converted identity(const Json& value) {
    if (!value.is_object()) {
        return fail(fmt::format("expected a mapping with type, got {}", type_name(value)));
    }
    Converted out = ok(Json::object());
    for (const auto& [k, v] : value.items()) {
        if (k == "type") {
            const auto t = v.is_string() ? choose(k_identity_types, v.get<std::string>()) : std::nullopt;
            if (!t) {
                return fail(fmt::format("expected one of {}", allowed(k_identity_types)), "type");
            }
            (*out.value)["type"] = *t;
        } else if (k == "user_assigned_identities") {
            Json ids = Json::object();
            if (v.is_array()) {  // [{resource_id: ...}] (compute; SDK test configs)
                for (std::size_t i = 0; i < v.size(); ++i) {
                    const auto id = v[i].is_object() && v[i].contains("resource_id") ? v[i]["resource_id"] : Json();
                    if (!id.is_string()) {
                        return fail("expected a mapping with resource_id (an ARM id)",
                                    fmt::format("user_assigned_identities[{}]", i));
                    }
                    ids[id.get<std::string>()] = Json::object();
                }
            } else if (v.is_object()) {  // {armId: {principal_id, client_id}} (workspace, uai.yml)
                bool detailed = false;
                for (const auto& [id, detail] : v.items()) {
                    ids[id] = Json::object();
                    detailed = detailed || (detail.is_object() && !detail.empty());
                }
                if (detailed) {
                    out.warnings.push_back("user_assigned_identities: principal_id and client_id are set by Azure; "
                                           "not sent");
                }
            } else {
                return fail("expected a list of {resource_id} or a mapping keyed by ARM id", k);
            }
            (*out.value)["userAssignedIdentities"] = std::move(ids);
        } else if (k == "principal_id" || k == "tenant_id") {
            out.warnings.push_back(fmt::format("{} is set by Azure; not sent", k));
        } else {
            return fail("unknown field (expected type or user_assigned_identities)", k);
        }
    }
    if (!out.value->contains("type")) {
        return fail("missing required field \"type\"");
    }
    return out;
}

Converted subnet(const Json& value, const Context& context) {
    if (!value.is_string()) {
        return fail(fmt::format("expected a subnet name or ARM id, got {}", type_name(value)));
    }
    const std::string s = value.get<std::string>();
    if (s.starts_with("/") || s.find("${") != std::string::npos) {
        return ok(Json{{"id", s}});
    }
    const Json* vnet = nullptr;
    if (context.group != nullptr && context.group->is_object() && context.group->contains("vnet_name")) {
        vnet = &(*context.group)["vnet_name"];
    }
    if (vnet == nullptr || !vnet->is_string()) {
        return fail(fmt::format("\"{}\" is a subnet name: set network_settings.vnet_name too, or write the subnet's "
                                "ARM id", s));
    }
    return ok(Json{{"id", fmt::format("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/"
                                      "virtualNetworks/{}/subnets/{}",
                                      context.subscription, context.resource_group, vnet->get<std::string>(), s)}});
}

Converted model_path(const Json& value) {
    if (!value.is_string()) {
        return fail(fmt::format("expected a path or URI, got {}", type_name(value)));
    }
    const std::string s = value.get<std::string>();
    for (const std::string_view scheme : {"azureml://", "https://", "http://", "runs:/", "wasbs://", "abfss://"}) {
        if (s.size() >= scheme.size() && iequals(std::string_view(s).substr(0, scheme.size()), scheme)) {
            return ok(s);
        }
    }
    if (s.find("${") != std::string::npos) {
        return ok(s);
    }
    return fail(fmt::format("a local path (\"{}\", uploaded by the az ml CLI) is not supported yet: upload it and "
                            "write its azureml:// or https:// URI", s));
}

Converted flavors(const Json& value) {
    if (!value.is_object()) {
        return fail(fmt::format("expected a mapping of flavors, got {}", type_name(value)));
    }
    Json out = Json::object();
    for (const auto& [name, data] : value.items()) {
        Json d = Json::object();
        if (data.is_object()) {
            auto m = string_map(data);
            if (!m.value) {
                m.at = name + "." + m.at;
                return m;
            }
            d = std::move(*m.value);
        } else if (!data.is_null()) {
            return fail(fmt::format("expected a mapping, got {}", type_name(data)), name);
        }
        out[name] = Json{{"data", std::move(d)}};
    }
    return ok(std::move(out));
}

/// One outbound rule's destination (mapping doc 3): fqdn is a string, the others mappings.
Converted destination(const std::string& type, const Json& d) {
    if (type == "FQDN") {
        return d.is_string() ? ok(d) : fail("expected a host name");
    }
    const std::vector<std::pair<std::string_view, std::string_view>> names =
        type == "PrivateEndpoint"
            ? std::vector<std::pair<std::string_view, std::string_view>>{{"service_resource_id", "serviceResourceId"},
                                                                         {"subresource_target", "subresourceTarget"},
                                                                         {"spark_enabled", "sparkEnabled"}}
            : std::vector<std::pair<std::string_view, std::string_view>>{{"service_tag", "serviceTag"},
                                                                         {"protocol", "protocol"},
                                                                         {"port_ranges", "portRanges"},
                                                                         {"address_prefixes", "addressPrefixes"}};
    if (!d.is_object()) {
        return fail(fmt::format("expected a mapping, got {}", type_name(d)));
    }
    Json out = Json::object();
    for (const auto& [k, v] : d.items()) {
        bool known = false;
        for (const auto& [az, rest] : names) {
            if (k == az) {
                out[std::string(rest)] = v.is_number() ? Json(v.dump()) : v;
                known = true;
            }
        }
        if (!known) {
            return fail(fmt::format("unknown field of a {} destination", type), k);
        }
    }
    return ok(std::move(out));
}

const std::vector<std::string_view> k_rule_types = {"fqdn:FQDN", "private_endpoint:PrivateEndpoint",
                                                    "service_tag:ServiceTag"};

Converted outbound_rules(const Json& value) {
    if (!value.is_array()) {
        return fail(fmt::format("expected a list of rules, got {}", type_name(value)));
    }
    Json out = Json::object();
    for (std::size_t i = 0; i < value.size(); ++i) {
        const Json& rule = value[i];
        const std::string at = fmt::format("[{}]", i);
        if (!rule.is_object() || !rule.contains("name") || !rule["name"].is_string()) {
            return fail("expected a mapping with name, type and destination", at);
        }
        const auto type = rule.contains("type") && rule["type"].is_string()
                              ? choose(k_rule_types, rule["type"].get<std::string>())
                              : std::nullopt;
        if (!type) {
            return fail(fmt::format("expected type: one of {}", allowed(k_rule_types)), at + ".type");
        }
        Json r{{"type", *type}, {"category", "UserDefined"}};
        for (const auto& [k, v] : rule.items()) {
            if (k == "destination") {
                auto d = destination(*type, v);
                if (!d.value) {
                    d.at = at + ".destination" + (d.at.empty() ? "" : "." + d.at);
                    return d;
                }
                r["destination"] = std::move(*d.value);
            } else if (k == "category") {
                r["category"] = v;
            } else if (k != "name" && k != "type") {
                return fail("unknown field of an outbound rule (expected name, type, destination)", at + "." + k);
            }
        }
        out[rule["name"].get<std::string>()] = std::move(r);
    }
    return ok(std::move(out));
}

/// compute_start_stop[] -> computeStartStop[] (mapping doc 2.2).
Converted schedules(const Json& value) {
    if (!value.is_array()) {
        return fail(fmt::format("expected a list of schedules, got {}", type_name(value)));
    }
    Json out = Json::array();
    const std::vector<std::string_view> actions = {"start:Start", "stop:Stop"};
    const std::vector<std::string_view> states = {"enabled:Enabled", "disabled:Disabled"};
    const std::vector<std::pair<std::string_view, std::string_view>> cron = {
        {"expression", "expression"}, {"start_time", "startTime"}, {"time_zone", "timeZone"}};
    const std::vector<std::pair<std::string_view, std::string_view>> recurrence = {
        {"frequency", "frequency"}, {"interval", "interval"}, {"start_time", "startTime"}, {"time_zone", "timeZone"},
        {"schedule", "schedule"}};
    for (std::size_t i = 0; i < value.size(); ++i) {
        const Json& s = value[i];
        const std::string at = fmt::format("[{}]", i);
        if (!s.is_object()) {
            return fail("expected a mapping with action and trigger", at);
        }
        Json r{{"status", "Enabled"}};
        for (const auto& [k, v] : s.items()) {
            if (k == "action" || k == "state") {
                const auto c = v.is_string() ? choose(k == "action" ? actions : states, v.get<std::string>())
                                             : std::nullopt;
                if (!c) {
                    return fail(fmt::format("expected one of {}", allowed(k == "action" ? actions : states)),
                                at + "." + k);
                }
                r[k == "action" ? "action" : "status"] = *c;
            } else if (k == "trigger" && v.is_object()) {
                const std::string type = v.contains("type") && v["type"].is_string() ? v["type"].get<std::string>() : "";
                const bool is_cron = iequals(type, "cron");
                if (!is_cron && !iequals(type, "recurrence")) {
                    return fail("expected trigger.type cron or recurrence", at + ".trigger.type");
                }
                r["triggerType"] = is_cron ? "Cron" : "Recurrence";
                Json t = Json::object();
                for (const auto& [tk, tv] : v.items()) {
                    if (tk == "type") {
                        continue;
                    }
                    bool known = false;
                    for (const auto& [az, rest] : is_cron ? cron : recurrence) {
                        if (tk == az) {
                            if (tk == "schedule" && tv.is_object()) {
                                Json sch = tv;
                                if (sch.contains("week_days")) {
                                    sch["weekDays"] = sch["week_days"];
                                    sch.erase("week_days");
                                }
                                t["schedule"] = std::move(sch);
                            } else {
                                t[std::string(rest)] = tv;
                            }
                            known = true;
                        }
                    }
                    if (!known && tk != "end_time") {
                        return fail("unknown field of a trigger", at + ".trigger." + tk);
                    }
                }
                r[is_cron ? "cron" : "recurrence"] = std::move(t);
            } else {
                return fail("unknown field of a schedule (expected action, state, trigger)", at + "." + k);
            }
        }
        out.push_back(std::move(r));
    }
    return ok(std::move(out));
}

Converted setup_script(const Json& value) {
    if (!value.is_object()) {
        return fail(fmt::format("expected a mapping with path, got {}", type_name(value)));
    }
    Json out{{"scriptSource", "workspaceStorage"}};
    for (const auto& [k, v] : value.items()) {
        if (k == "path") {
            out["scriptData"] = v;
        } else if (k == "command") {
            out["scriptArguments"] = v;
        } else if (k == "timeout_minutes" && whole(v)) {
            out["timeout"] = fmt::format("{}m", v.get<std::int64_t>());
        } else {
            return fail("unknown field of a setup script (expected path, command, timeout_minutes)", k);
        }
    }
    return ok(std::move(out));
}

std::optional<std::int64_t> parse_int(std::string_view s) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

/// computeStartStop[] -> compute_start_stop[] (the reverse of schedules()).
std::optional<Json> schedules_back(const Json& rest) {
    if (!rest.is_array()) {
        return std::nullopt;
    }
    const std::vector<std::string_view> actions = {"start:Start", "stop:Stop"};
    const std::vector<std::pair<std::string_view, std::string_view>> names = {
        {"expression", "expression"}, {"start_time", "startTime"}, {"time_zone", "timeZone"},
        {"frequency", "frequency"}, {"interval", "interval"}, {"schedule", "schedule"}};
    Json out = Json::array();
    for (const Json& r : rest) {
        const auto action = r.is_object() && r.contains("action") ? unchoose(actions, r["action"]) : std::nullopt;
        const std::string type = r.is_object() ? r.value("triggerType", "") : "";
        const bool is_cron = iequals(type, "Cron");
        if (!action || (!is_cron && !iequals(type, "Recurrence"))) {
            return std::nullopt;
        }
        Json s{{"action", *action}};
        if (r.contains("status") && r["status"].is_string() && !iequals(r["status"].get<std::string>(), "Enabled")) {
            s["state"] = to_lower(r["status"].get<std::string>());
        }
        Json trigger{{"type", is_cron ? "cron" : "recurrence"}};
        const char* holder = is_cron ? "cron" : "recurrence";
        if (r.contains(holder) && r[holder].is_object()) {
            for (const auto& [k, v] : r[holder].items()) {
                for (const auto& [az, name] : names) {
                    if (k == name) {
                        Json value = v;
                        if (k == "schedule" && value.is_object() && value.contains("weekDays")) {
                            value["week_days"] = value["weekDays"];
                            value.erase("weekDays");
                        }
                        trigger[std::string(az)] = std::move(value);
                    }
                }
            }
        }
        s["trigger"] = std::move(trigger);
        out.push_back(std::move(s));
    }
    return out;
}

/// {scriptSource: workspaceStorage, scriptData, scriptArguments, timeout} -> {path, command, timeout_minutes}.
std::optional<Json> setup_script_back(const Json& rest) {
    if (!rest.is_object() || rest.value("scriptSource", "") != "workspaceStorage") {
        return std::nullopt;
    }
    Json out = Json::object();
    if (rest.contains("scriptData")) {
        out["path"] = rest["scriptData"];
    }
    if (rest.contains("scriptArguments")) {
        out["command"] = rest["scriptArguments"];
    }
    const std::string timeout = rest.value("timeout", "");
    if (!timeout.empty()) {
        const auto minutes = timeout.back() == 'm' ? parse_int(std::string_view(timeout).substr(0, timeout.size() - 1))
                                                   : std::nullopt;
        if (!minutes) {
            return std::nullopt;
        }
        out["timeout_minutes"] = *minutes;
    }
    return out;
}


}  // namespace

std::string iso_duration(std::int64_t seconds) {
    const std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    std::string out = "P";
    if (days > 0) {
        out += fmt::format("{}D", days);
    }
    if (rest > 0 || days == 0) {
        out += "T";
        const std::int64_t h = rest / 3600;
        const std::int64_t m = rest % 3600 / 60;
        const std::int64_t s = rest % 60;
        out += h > 0 ? fmt::format("{}H", h) : "";
        out += m > 0 ? fmt::format("{}M", m) : "";
        out += s > 0 || rest == 0 ? fmt::format("{}S", s) : "";
    }
    return out;
}

std::optional<std::int64_t> duration_seconds(std::string_view iso) {
    if (iso.size() < 2 || (iso[0] != 'P' && iso[0] != 'p')) {
        return std::nullopt;
    }
    std::int64_t total = 0;
    bool time = false;
    std::size_t i = 1;
    while (i < iso.size()) {
        if (iso[i] == 'T' || iso[i] == 't') {
            time = true;
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < iso.size() && iso[j] >= '0' && iso[j] <= '9') {
            ++j;
        }
        if (j == i || j >= iso.size()) {
            return std::nullopt;
        }
        const auto n = parse_int(iso.substr(i, j - i));
        const char unit = static_cast<char>(iso[j] & ~0x20);
        if (!n) {
            return std::nullopt;
        }
        if (!time && unit == 'D') {
            total += *n * 86400;
        } else if (!time && unit == 'W') {
            total += *n * 7 * 86400;
        } else if (time && unit == 'H') {
            total += *n * 3600;
        } else if (time && unit == 'M') {
            total += *n * 60;
        } else if (time && unit == 'S') {
            total += *n;
        } else {
            return std::nullopt;  // years, months: not a fixed number of seconds
        }
        i = j + 1;
    }
    return total;
}

Converted to_rest(const Field& field, const Json& value, const Context& context) {
    if (value.is_string() && value.get_ref<const std::string&>().find("${") != std::string::npos &&
        field.convert != Convert::identity) {
        return ok(value);  // interpolated later; the schema checks the result
    }
    switch (field.convert) {
    case Convert::text: {
        const auto t = scalar_text(value);
        return t ? ok(*t) : fail(fmt::format("expected a string, got {}", type_name(value)));
    }
    case Convert::integer:
        return whole(value) ? ok(value) : fail(fmt::format("expected a whole number, got {}", type_name(value)));
    case Convert::max_nodes:
        if (!whole(value)) {
            return fail(fmt::format("expected a whole number, got {}", type_name(value)));
        }
        return ok(value.get<std::int64_t>() == 0 ? Json(1) : value);  // the SDK sends `max_instances or 1`
    case Convert::boolean:
        return value.is_boolean() ? ok(value) : fail(fmt::format("expected true or false, got {}", type_name(value)));
    case Convert::choice: {
        const auto c = value.is_string() ? choose(field.values, value.get<std::string>()) : std::nullopt;
        return c ? ok(*c) : fail(fmt::format("expected one of {}", allowed(field.values)));
    }
    case Convert::enabled:
        return value.is_boolean() ? ok(value.get<bool>() ? "Enabled" : "Disabled")
                                  : fail(fmt::format("expected true or false, got {}", type_name(value)));
    case Convert::seconds:
        if (!whole(value) || value.get<std::int64_t>() < 0) {
            return fail("expected a whole number of seconds");
        }
        // 0 is not sent (the service default, 120 s, applies), as in the SDK.
        return value.get<std::int64_t>() == 0 ? Converted{} : ok(iso_duration(value.get<std::int64_t>()));
    case Convert::minutes:
        if (!whole(value) || value.get<std::int64_t>() < 0) {
            return fail("expected a whole number of minutes");
        }
        return ok(fmt::format("PT{}M", value.get<std::int64_t>()));
    case Convert::string_map: return string_map(value);
    case Convert::identity: return identity(value);
    case Convert::subnet: return subnet(value, context);
    case Convert::model_path: return model_path(value);
    case Convert::flavors: return flavors(value);
    case Convert::outbound_rules: return outbound_rules(value);
    case Convert::schedules: return schedules(value);
    case Convert::setup_script: return setup_script(value);
    case Convert::consumed:
    case Convert::ignored:
    case Convert::output_only:
    case Convert::unsupported: return {};
    }
    return {};
}

std::optional<Json> to_azml(const Field& field, const Json& rest) {
    switch (field.convert) {
    case Convert::text:
    case Convert::model_path: return rest.is_string() ? std::optional<Json>(rest) : std::nullopt;
    case Convert::integer: return whole(rest) ? std::optional<Json>(rest) : std::nullopt;
    case Convert::max_nodes:
        return whole(rest) && rest.get<std::int64_t>() > 0 ? std::optional<Json>(rest) : std::nullopt;
    case Convert::boolean: return rest.is_boolean() ? std::optional<Json>(rest) : std::nullopt;
    case Convert::choice: {
        const auto c = unchoose(field.values, rest);
        return c ? std::optional<Json>(*c) : std::nullopt;
    }
    case Convert::enabled:
        if (rest.is_string() && iequals(rest.get<std::string>(), "Enabled")) {
            return Json(true);
        }
        if (rest.is_string() && iequals(rest.get<std::string>(), "Disabled")) {
            return Json(false);
        }
        return std::nullopt;  // NotSpecified: what the CLI sends when the field is absent
    case Convert::seconds: {
        const auto s = rest.is_string() ? duration_seconds(rest.get<std::string>()) : std::nullopt;
        return s && *s > 0 ? std::optional<Json>(*s) : std::nullopt;
    }
    case Convert::minutes: {
        const auto s = rest.is_string() ? duration_seconds(rest.get<std::string>()) : std::nullopt;
        return s && *s % 60 == 0 ? std::optional<Json>(*s / 60) : std::nullopt;
    }
    case Convert::string_map: return rest.is_object() ? std::optional<Json>(rest) : std::nullopt;
    case Convert::identity: {
        const auto t = rest.is_object() && rest.contains("type") ? unchoose(k_identity_types, rest["type"])
                                                                 : std::nullopt;
        if (!t) {
            return std::nullopt;
        }
        Json out{{"type", *t}};
        if (rest.contains("userAssignedIdentities") && rest["userAssignedIdentities"].is_object()) {
            Json list = Json::array();
            for (const auto& [id, v] : rest["userAssignedIdentities"].items()) {
                list.push_back(Json{{"resource_id", id}});
            }
            out["user_assigned_identities"] = std::move(list);
        }
        return out;
    }
    case Convert::subnet:
        return rest.is_object() && rest.contains("id") && rest["id"].is_string() ? std::optional<Json>(rest["id"])
                                                                                 : std::nullopt;
    case Convert::flavors: {
        if (!rest.is_object()) {
            return std::nullopt;
        }
        Json out = Json::object();
        for (const auto& [name, f] : rest.items()) {
            out[name] = f.is_object() && f.contains("data") ? f["data"] : Json::object();
        }
        return out;
    }
    case Convert::outbound_rules: {
        if (!rest.is_object()) {
            return std::nullopt;
        }
        Json out = Json::array();
        for (const auto& [name, r] : rest.items()) {
            // Required and Recommended rules come from the service.
            if (!r.is_object() || (r.contains("category") && r["category"] != "UserDefined")) {
                continue;
            }
            const auto type = r.contains("type") ? unchoose(k_rule_types, r["type"]) : std::nullopt;
            if (!type) {
                continue;
            }
            Json rule{{"name", name}, {"type", *type}};
            if (r.contains("destination")) {
                const Json& d = r["destination"];
                if (d.is_object()) {
                    Json dd = Json::object();
                    for (const auto& [k, v] : d.items()) {
                        std::string snake;
                        for (const char c : k) {
                            if (c >= 'A' && c <= 'Z') {
                                snake += '_';
                                snake += static_cast<char>(c - 'A' + 'a');
                            } else {
                                snake += c;
                            }
                        }
                        dd[snake] = v;
                    }
                    rule["destination"] = std::move(dd);
                } else {
                    rule["destination"] = d;
                }
            }
            out.push_back(std::move(rule));
        }
        return out.empty() ? std::nullopt : std::optional<Json>(out);
    }
    case Convert::schedules: return schedules_back(rest);
    case Convert::setup_script: return setup_script_back(rest);
    case Convert::consumed:
    case Convert::ignored:
    case Convert::output_only:
    case Convert::unsupported: return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace converge::azml
