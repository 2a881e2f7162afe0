// Value conversions of the az ml table, both ways (include/converge/azml.hpp). Each one follows
// what the azure-ai-ml SDK's entity sends (../shared/reference/az-ml-yaml-mapping.md).
#include "converge/azml.hpp"

#include "converge/normalize.hpp"
#include "converge/resource_id.hpp"

#include <algorithm>

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

/// A model path: the loader sends a remote one as modelUri and a local one as the Model's
/// `path` upload (src/manifest/azml.cpp); here only its type is checked.
Converted model_path(const Json& value) {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return fail(fmt::format("expected a path or URI, got {}", type_name(value)));
    }
    return ok(value);
}

Converted build_context(const Json& value) {
    if (!value.is_string()) {
        return fail(fmt::format("expected a directory or URI, got {}", type_name(value)));
    }
    const std::string s = value.get<std::string>();
    if (is_remote_uri(s) || s.starts_with("git+") || s.find("${") != std::string::npos) {
        return ok(s);
    }
    return fail(fmt::format("a local build context (\"{}\", uploaded by the az ml CLI) is not supported yet: upload "
                            "it and write its azureml:// or https:// URI, or use image: (and conda_file:)", s));
}

/// traffic, mirror_traffic: {deployment: percentage}.
Converted weights(const Json& value) {
    if (!value.is_object()) {
        return fail(fmt::format("expected a mapping of deployment name to percentage, got {}", type_name(value)));
    }
    for (const auto& [k, v] : value.items()) {
        if (!whole(v) || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 100) {
            return fail("expected a whole percentage from 0 to 100", k);
        }
    }
    return ok(value);
}

/// Milliseconds as the SDK writes them (isodate.duration_isoformat(timedelta(milliseconds=n))):
/// 5000 -> PT5S, 1500 -> PT1.5S, 90000 -> PT1M30S.
std::string iso_duration_ms(std::int64_t ms) {
    const std::int64_t fraction = ms % 1000;
    if (fraction == 0) {
        return iso_duration(ms / 1000);
    }
    std::string text = iso_duration(ms / 1000 - ms / 1000 % 60);  // whole minutes and up
    if (text == "PT0S") {
        text = "PT";
    }
    if (text.find('T') == std::string::npos) {
        text += "T";
    }
    std::string frac = fmt::format("{:03}", fraction);
    while (frac.back() == '0') {
        frac.pop_back();
    }
    return text + fmt::format("{}.{}S", ms / 1000 % 60, frac);
}

const std::vector<std::pair<std::string_view, std::string_view>> k_probe_fields = {
    {"initial_delay", "initialDelay"}, {"period", "period"}, {"timeout", "timeout"},
    {"failure_threshold", "failureThreshold"}, {"success_threshold", "successThreshold"}};

/// {initial_delay, period, timeout: seconds; failure_threshold, success_threshold} (ProbeSettings).
Converted probe(const Json& value) {
    if (!value.is_object()) {
        return fail(fmt::format("expected a mapping, got {}", type_name(value)));
    }
    Json out = Json::object();
    for (const auto& [k, v] : value.items()) {
        const std::string& key = k;  // clang 14 lambdas cannot capture a structured binding
        const auto it = std::find_if(k_probe_fields.begin(), k_probe_fields.end(),
                                     [&](const auto& f) { return f.first == key; });
        if (it == k_probe_fields.end()) {
            return fail("unknown field of a probe (expected initial_delay, period, timeout, failure_threshold, "
                        "success_threshold)", k);
        }
        if (!whole(v) || v.get<std::int64_t>() < 0) {
            return fail(k.ends_with("threshold") ? "expected a whole number" : "expected a whole number of seconds", k);
        }
        const bool seconds = !k.ends_with("threshold");
        out[std::string(it->second)] = seconds ? Json(iso_duration(v.get<std::int64_t>())) : v;
    }
    return ok(std::move(out));
}

/// model, environment, code_configuration.code: a registered asset (mapping doc 5).
Converted asset_ref(const Field& field, const Json& value, const Context& context) {
    const std::string_view segment = field.values.empty() ? std::string_view("models") : field.values.front();
    const std::string_view what = segment == "models" ? "model" : segment == "environments" ? "environment" : "code";
    const std::string hint =
        what == "code" ? std::string("register the code and write code: azureml:NAME:VERSION")
                       : fmt::format("declare it in its own az ml {} file (with a version) and write {}: "
                                     "azureml:NAME:VERSION",
                                     what, field.yaml);
    if (value.is_object()) {
        return fail(fmt::format("an inline {} (registered by the az ml CLI as an anonymous asset) is not supported "
                                "yet: {}", what, hint));
    }
    if (!value.is_string()) {
        return fail(fmt::format("expected azureml:NAME:VERSION or an ARM id, got {}", type_name(value)));
    }
    const std::string s = value.get<std::string>();
    if (s.find("${") != std::string::npos || s.starts_with("/subscriptions/") || s.starts_with("azureml://")) {
        return ok(s);
    }
    if (s.starts_with("azureml:/subscriptions/")) {
        return ok(s.substr(8));
    }
    if (s.starts_with("azureml:")) {
        const std::string rest = s.substr(8);
        const auto colon = rest.rfind(':');
        if (rest.find('@') != std::string::npos) {
            return fail(fmt::format("\"{}\" names a label, which the az ml CLI resolves when it runs; write the "
                                    "version: azureml:NAME:VERSION", s));
        }
        if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
            return fail(fmt::format("\"{}\": expected azureml:NAME:VERSION", s));
        }
        if (context.workspace.empty()) {
            return fail(fmt::format("\"{}\" names an asset of the default workspace: set defaults.workspace in "
                                    "converge.yaml", s));
        }
        return ok(fmt::format("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/"
                              "workspaces/{}/{}/{}/versions/{}",
                              context.subscription, context.resource_group, context.workspace, segment,
                              rest.substr(0, colon), rest.substr(colon + 1)));
    }
    return fail(fmt::format("a local {} (\"{}\", uploaded by the az ml CLI) is not supported yet: {}", what, s,
                            hint));
}

/// Datastore credentials (mapping doc 5): an account key or a SAS token; the values are
/// secrets (write them as ${env:NAME}).
Converted credentials(const Json& value) {
    if (!value.is_object() || value.size() != 1) {
        return fail("expected a mapping with account_key or sas_token");
    }
    const std::string k = value.begin().key();
    const Json& v = value.begin().value();
    if (k != "account_key" && k != "sas_token") {
        if (k == "tenant_id" || k == "client_id" || k == "client_secret") {
            return fail("service principal credentials are not supported for an Azure Blob datastore yet (converge "
                        "sends an account key, a SAS token, or none)", k);
        }
        return fail("unknown field of datastore credentials (expected account_key or sas_token)", k);
    }
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
        return fail("expected a string (a secret: write it as ${env:NAME})", k);
    }
    const bool key = k == "account_key";
    const char* type = key ? "AccountKey" : "Sas";
    return ok(Json{{"credentialsType", type}, {"secrets", {{"secretsType", type}, {key ? "key" : "sasToken", v}}}});
}

Converted route(const Json& value) {
    if (!value.is_object()) {
        return fail(fmt::format("expected a mapping with port and path, got {}", type_name(value)));
    }
    for (const auto& [k, v] : value.items()) {
        if (k == "port" ? !whole(v) : k == "path" ? !v.is_string() : true) {
            return fail(k == "port" || k == "path" ? "expected port: a whole number, path: a string"
                                                   : "unknown field of a route (expected port, path)",
                        k);
        }
    }
    return ok(value);
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

bool is_remote_uri(std::string_view path) {
    for (const std::string_view scheme : {"azureml://", "https://", "http://", "runs:/", "wasbs://", "abfss://"}) {
        if (path.size() >= scheme.size() && iequals(path.substr(0, scheme.size()), scheme)) {
            return true;
        }
    }
    return false;
}

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
    case Convert::weights: return weights(value);
    case Convert::milliseconds:
        if (!whole(value) || value.get<std::int64_t>() < 0) {
            return fail("expected a whole number of milliseconds");
        }
        return ok(iso_duration_ms(value.get<std::int64_t>()));
    case Convert::probe: return probe(value);
    case Convert::asset_ref: return asset_ref(field, value, context);
    case Convert::credentials: return credentials(value);
    case Convert::conda_file:
        // The loader reads the file and passes its text.
        return value.is_string() ? ok(value) : fail(fmt::format("expected a path, got {}", type_name(value)));
    case Convert::route: return route(value);
    case Convert::build_context: return build_context(value);
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
    case Convert::string_map:
    case Convert::weights:
    case Convert::route: return rest.is_object() ? std::optional<Json>(rest) : std::nullopt;
    case Convert::build_context: return rest.is_string() ? std::optional<Json>(rest) : std::nullopt;
    case Convert::conda_file: return std::nullopt;  // text, not a file: export keeps a converge document
    case Convert::milliseconds: {
        const auto s = rest.is_string() ? converge::duration_seconds(rest.get<std::string>()) : std::nullopt;
        if (!s || *s < 0) {
            return std::nullopt;
        }
        return Json(static_cast<std::int64_t>(*s * 1000 + 0.5));
    }
    case Convert::probe: {
        if (!rest.is_object()) {
            return std::nullopt;
        }
        Json out = Json::object();
        for (const auto& [az, name] : k_probe_fields) {
            const auto it = rest.find(std::string(name));
            if (it == rest.end() || it->is_null()) {
                continue;
            }
            if (az.ends_with("threshold")) {
                out[std::string(az)] = *it;
                continue;
            }
            const auto s = it->is_string() ? duration_seconds(it->get<std::string>()) : std::nullopt;
            if (!s) {
                return std::nullopt;
            }
            out[std::string(az)] = *s;
        }
        return out;
    }
    case Convert::asset_ref: {
        if (!rest.is_string()) {
            return std::nullopt;
        }
        const std::string& s = rest.get_ref<const std::string&>();
        // An exported one is ${ref:Model/name@version}; another workspace's, azureml:<ARM id>.
        return s.starts_with("/subscriptions/") ? Json("azureml:" + s) : Json(s);
    }
    case Convert::credentials: {
        if (!rest.is_object() || !rest.contains("secrets") || !rest["secrets"].is_object()) {
            return std::nullopt;  // None: what the CLI sends when the field is absent
        }
        const Json& secrets = rest["secrets"];
        const std::string type = rest.value("credentialsType", "");
        if (iequals(type, "AccountKey") && secrets.contains("key")) {
            return Json{{"account_key", secrets["key"]}};
        }
        if (iequals(type, "Sas") && secrets.contains("sasToken")) {
            return Json{{"sas_token", secrets["sasToken"]}};
        }
        return std::nullopt;
    }
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
