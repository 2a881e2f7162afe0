#include "converge/diff.hpp"
#include "converge/render.hpp"

namespace converge {

namespace {

Json location_json(const Location& l) {
    if (!l.known()) {
        return nullptr;
    }
    return {{"file", l.file}, {"line", l.line}, {"column", l.column}};
}

Json field_json(const FieldChange& f) {
    Json j = {{"path", f.path}, {"sensitive", f.sensitive}, {"forces_replace", f.forces_replace}};
    // Redacted again here so that no caller can put a secret into the contract by mistake.
    if (f.before) {
        j["before"] = f.sensitive ? Json(k_sensitive) : *f.before;
    }
    if (f.after) {
        j["after"] = f.sensitive ? Json(k_sensitive) : *f.after;
    }
    return j;
}

Json change_json(const Change& c) {
    Json fields = Json::array();
    for (const auto& f : c.fields) {
        fields.push_back(field_json(f));
    }
    Json deps = Json::array();
    for (const auto& d : c.depends_on) {
        deps.push_back(d.str());
    }
    Json out = {{"id", c.id.str()},
                {"kind", c.kind},
                {"name", change_label(c)},
                {"action", action_name(c.action)},
                {"reason", reason_name(c.reason)},
                {"reason_detail", c.reason_detail},
                {"fields", std::move(fields)},
                {"depends_on", std::move(deps)},
                {"location", location_json(c.location)}};
    if (c.origin != Origin::none) {  // docs/sync.md "Drift or pending"
        out["origin"] = origin_name(c.origin);
    }
    if (c.ignored > 0) {
        out["ignored"] = c.ignored;
    }
    if (c.changed_by) {
        out["changed_by"] = {{"caller", c.changed_by->caller},
                             {"time", c.changed_by->time},
                             {"operation", c.changed_by->operation}};
    }
    return out;
}

std::optional<Origin> parse_origin(const std::string& s) {
    for (Origin o : {Origin::drift, Origin::pending, Origin::unknown}) {
        if (s == origin_name(o)) {
            return o;
        }
    }
    return std::nullopt;
}

std::optional<Action> parse_action(const std::string& s) {
    for (Action a : {Action::noop, Action::create, Action::update, Action::replace, Action::remove, Action::adopt,
                     Action::keep}) {
        if (s == action_name(a)) {
            return a;
        }
    }
    return std::nullopt;
}

std::optional<Reason> parse_reason(const std::string& s) {
    for (Reason r : {Reason::none, Reason::absent, Reason::drift, Reason::create_only_field, Reason::pruned,
                     Reason::destroy, Reason::untagged, Reason::take_over, Reason::not_owned, Reason::holds_unowned,
                     Reason::used_by_kept, Reason::failed, Reason::unsettled, Reason::recover,
                     Reason::purge_soft_deleted}) {
        if (s == reason_name(r)) {
            return r;
        }
    }
    return std::nullopt;
}

Change change_from_json(const Json& j) {
    Change c;
    const auto id = ResourceId::parse(j.at("id").get<std::string>());
    if (!id) {
        throw std::runtime_error("not an ARM id: " + j.at("id").get<std::string>());
    }
    c.id = *id;
    c.kind = j.at("kind").get<std::string>();
    const auto action = parse_action(j.at("action").get<std::string>());
    const auto reason = parse_reason(j.at("reason").get<std::string>());
    if (!action || !reason) {
        throw std::runtime_error("unknown action or reason");
    }
    c.action = *action;
    c.reason = *reason;
    c.reason_detail = j.value("reason_detail", "");
    if (j.contains("origin")) {
        const auto origin = parse_origin(j.at("origin").get<std::string>());
        if (!origin) {
            throw std::runtime_error("unknown origin");
        }
        c.origin = *origin;
    }
    c.ignored = j.value("ignored", std::size_t{0});
    if (const auto it = j.find("changed_by"); it != j.end() && it->is_object()) {
        c.changed_by = Attribution{it->value("caller", ""), it->value("time", ""), it->value("operation", "")};
    }
    for (const auto& f : j.at("fields")) {
        FieldChange fc;
        fc.path = f.at("path").get<std::string>();
        fc.sensitive = f.value("sensitive", false);
        fc.forces_replace = f.value("forces_replace", false);
        if (f.contains("before")) {
            fc.before = f["before"];
        }
        if (f.contains("after")) {
            fc.after = f["after"];
        }
        c.fields.push_back(std::move(fc));
    }
    for (const auto& d : j.at("depends_on")) {
        if (auto dep = ResourceId::parse(d.get<std::string>())) {
            c.depends_on.push_back(*dep);
        }
    }
    if (const auto& l = j.at("location"); l.is_object()) {
        c.location = Location{l.at("file").get<std::string>(), l.value("line", 0), l.value("column", 0)};
    }
    return c;
}

}  // namespace

Json plan_to_json(const Plan& plan) {
    Json changes = Json::array();
    for (const auto& c : plan.changes) {
        if (c.action != Action::noop) {
            changes.push_back(change_json(c));
        }
    }
    Json orphans = Json::array();
    for (const auto& c : plan.orphans) {
        orphans.push_back({{"id", c.id.str()}, {"kind", c.kind}, {"name", change_label(c)}});
    }
    return {{"format_version", Plan::k_format_version},
            {"summary",
             {{"create", plan.count(Action::create)},
              {"update", plan.count(Action::update)},
              {"replace", plan.count(Action::replace)},
              {"delete", plan.count(Action::remove)},
              {"adopt", plan.count(Action::adopt)},
              {"keep", plan.count(Action::keep)},
              {"no_op", plan.count(Action::noop)},
              {"orphans", plan.orphans.size()},
              {"has_changes", plan.has_changes()},
              {"destructive", plan.destructive()}}},
            {"changes", std::move(changes)},
            {"orphans", std::move(orphans)}};
}

std::string render_json(const Plan& plan, const PlanHeader& header) {
    // The header first (an ordered object); below it, plan_to_json's fields as before.
    Json body = plan_to_json(plan);
    nlohmann::ordered_json doc;
    doc["format_version"] = k_plan_format_version;
    doc["converge_version"] = header.converge_version;
    doc["stack"] = header.stack;
    doc["subscriptions"] = header.subscriptions;
    doc["created_at"] = header.created_at;
    doc["inputs_digest"] = header.inputs_digest;
    for (const char* key : {"summary", "changes", "orphans"}) {
        doc[key] = nlohmann::ordered_json(std::move(body[key]));
    }
    return doc.dump(2) + "\n";
}

namespace {
// The JSON plan's "1.x" (any minor: additions only) or the embedded form's integer 1.
bool readable_format_version(const Json& v) {
    if (v.is_number_integer()) {
        return v.get<int>() == Plan::k_format_version;
    }
    return v.is_string() && v.get<std::string>().starts_with(std::to_string(Plan::k_format_version) + ".");
}
}  // namespace

std::optional<Plan> plan_from_json(const Json& json, std::string& error) {
    try {
        if (!readable_format_version(json.at("format_version"))) {
            error = "unsupported plan format_version " + json.at("format_version").dump() + " (expected " +
                    std::to_string(Plan::k_format_version) + ")";
            return std::nullopt;
        }
        Plan plan;
        for (const auto& c : json.at("changes")) {
            plan.changes.push_back(change_from_json(c));
        }
        if (const auto it = json.find("orphans"); it != json.end()) {
            for (const auto& o : *it) {
                Change c;
                const auto id = ResourceId::parse(o.at("id").get<std::string>());
                if (!id) {
                    throw std::runtime_error("not an ARM id: " + o.at("id").get<std::string>());
                }
                c.id = *id;
                c.kind = o.at("kind").get<std::string>();
                c.reason = Reason::pruned;
                plan.orphans.push_back(std::move(c));
            }
        }
        return plan;
    } catch (const std::exception& e) {
        error = std::string("malformed plan: ") + e.what();
        return std::nullopt;
    }
}

}  // namespace converge
