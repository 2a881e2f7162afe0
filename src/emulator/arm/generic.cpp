#include "arm/generic.hpp"

#include "arm/arm.hpp"
#include "arm/operations.hpp"

#include <algorithm>
#include <regex>

namespace emulator {

namespace {

/// ARM's generic name rule: 1-260 chars, none of < > % & : \ ? / or control characters.
std::optional<ArmError> check_name(const TypeBehaviour& type, const std::string& name) {
    bool ok = !name.empty() && name.size() <= 260 &&
              name.find_first_of("<>%&:\\?/") == std::string::npos &&
              std::none_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (ok && !type.name_pattern.empty()) {
        ok = std::regex_match(name, std::regex(type.name_pattern));
    }
    if (ok) {
        return std::nullopt;
    }
    std::string rule = type.name_pattern.empty() ? "" : " It must match the pattern '" + type.name_pattern + "'.";
    return ArmError{400, "InvalidResourceName",
                    "The resource name '" + name + "' is invalid for type '" + type.type + "'." + rule};
}

std::string canonical_location(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c != ' ') {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

std::optional<ArmError> check_create_only(const TypeBehaviour& type, const Json& before, const Json& after) {
    for (const auto& ptr : type.create_only) {
        Json::json_pointer p(ptr);
        if (!after.contains(p)) {
            continue;
        }
        const Json& now = after.at(p);
        Json was = before.contains(p) ? before.at(p) : Json();
        bool same = was == now || (was.is_string() && now.is_string() &&
                                   iequals(was.get<std::string>(), now.get<std::string>()));
        if (!same) {
            std::string field = ptr.substr(1);
            std::replace(field.begin(), field.end(), '/', '.');
            return ArmError{400, "PropertyChangeNotAllowed",
                            "Changing property '" + field + "' is not allowed: it can only be set when the " +
                                type.type.substr(type.type.rfind('/') + 1) +
                                " is created. Delete and recreate the resource to change it.",
                            field};
        }
    }
    return std::nullopt;
}

std::optional<ArmError> check_location_change(const Target& t, const Json& before, const Json& after) {
    if (!before.contains("location") || !after.contains("location") || !after["location"].is_string()) {
        return std::nullopt;
    }
    std::string was = before["location"].get<std::string>();
    std::string now = after["location"].get<std::string>();
    if (canonical_location(was) == canonical_location(now)) {
        return std::nullopt;
    }
    return ArmError{400, "InvalidResourceLocation",
                    "The resource '" + t.name + "' already exists in location '" + was + "' in resource group '" +
                        t.resource_group + "'. A resource with the same name cannot be created in location '" + now +
                        "'. Please select a new resource name."};
}

/// Runs normalise (+ defaults on create), location/create-only checks, validate, server fields.
std::optional<ArmError> prepare_write(WriteContext& w, const Target& t) {
    const TypeBehaviour& type = *w.ctx.type;
    for (const auto& n : type.normalise) {
        n(w);
    }
    if (w.create) {
        for (const auto& [ptr, value] : type.defaults) {
            Json::json_pointer p(ptr);
            if (!w.body.contains(p)) {
                w.body[p] = value;
            }
        }
    }
    if (w.existing != nullptr) {
        if (auto err = check_location_change(t, w.existing->body, w.body)) {
            return err;
        }
        if (auto err = check_create_only(type, w.existing->body, w.body)) {
            return err;
        }
    }
    for (const auto& v : type.validate) {
        if (auto err = v(w)) {
            return err;
        }
    }
    for (const auto& s : type.server_fields) {
        s(w);
    }
    return std::nullopt;
}

Record new_record(const Context& ctx, const Target& t) {
    Record r;
    r.id = t.id;
    r.type = ctx.type->key();
    r.parent = to_lower(t.parent_id);
    r.subscription = to_lower(t.subscription);
    r.resource_group = to_lower(t.resource_group);
    r.created_ms = ctx.svc.now_ms();
    return r;
}

Response with_etag(Response res, const Record& r) {
    if (!r.etag.empty()) {
        res.set_header("ETag", r.etag);
    }
    return res;
}

std::string resource_location(const Json& body) {
    return body.contains("location") && body["location"].is_string() ? body["location"].get<std::string>()
                                                                       : std::string("global");
}

Response start_create_async(Context& ctx, Record& rec, const Target& t) {
    const TypeBehaviour& type = *ctx.type;
    AsyncStart start{"create", t.id, type.type, "", type.completion_hook, canonical_location(resource_location(rec.body)),
                     type.operation_prefix};
    set_provisioning_state(rec.body, "Creating");
    rec.visible = type.create_mode != AsyncMode::location;
    ctx.svc.store->put(rec);
    AsyncUrls urls = start_async(ctx, start);
    if (type.create_mode == AsyncMode::location) {
        return accepted(ctx.svc, urls);
    }
    Response res = with_etag(Response::json(201, render(ctx, rec)), rec);
    res.set_header("Azure-AsyncOperation", urls.status_url);
    set_retry_after(ctx.svc, res);
    return res;
}

}  // namespace

void set_provisioning_state(Json& body, const std::string& state) {
    if (!body.contains("properties") || !body["properties"].is_object()) {
        body["properties"] = Json::object();
    }
    body["properties"]["provisioningState"] = state;
}

Target target_of(const Context& ctx) {
    Target t;
    t.subscription = ctx.param("subscriptionId");
    t.resource_group = ctx.param("resourceGroupName");
    std::string id = t.resource_group.empty() ? "/subscriptions/" + t.subscription
                                              : resource_group_id(t.subscription, t.resource_group);
    t.parent_id = id;
    id += "/providers/" + ctx.type->provider_namespace();
    auto segs = ctx.type->type_segments();
    for (std::size_t i = 0; i < segs.size() && i < ctx.names.size(); ++i) {
        if (i > 0) {
            t.parent_id = id;
        }
        id += "/" + segs[i] + "/" + ctx.names[i];
    }
    t.id = id;
    t.name = ctx.names.empty() ? "" : ctx.names.back();
    return t;
}

std::optional<ArmError> check_parents(Context& ctx, const Target& t) {
    if (!t.resource_group.empty() &&
        !ctx.svc.store->get(resource_group_id(t.subscription, t.resource_group))) {
        return resource_group_not_found(t.resource_group);
    }
    if (ctx.names.size() > 1 && !ctx.svc.store->get(t.parent_id)) {
        return ArmError{404, "ParentResourceNotFound",
                        "Can not perform requested operation on nested resource. Parent resource '" +
                            t.parent_id.substr(t.parent_id.rfind('/') + 1) + "' not found."};
    }
    return std::nullopt;
}

std::optional<Record> load_item(Context& ctx, Response& not_found) {
    Target t = target_of(ctx);
    if (auto err = check_parents(ctx, t)) {
        not_found = err->response();
        return std::nullopt;
    }
    auto rec = ctx.svc.store->get(t.id);
    if (!rec) {
        not_found = resource_not_found(ctx.type->type, t.name, t.resource_group).response();
    }
    return rec;
}

Json render(const Context& ctx, const Record& record) {
    Json out = record.body;
    const TypeBehaviour* type = ctx.svc.registry.find_type(record.type);
    if (type == nullptr) {
        return out;
    }
    for (const auto& ptr : type->write_only) {
        Json::json_pointer p(ptr);
        if (out.contains(p)) {
            out.at(p.parent_pointer()).erase(p.back());
        }
    }
    for (const auto& f : type->on_read) {
        f(ctx, record, out);
    }
    return out;
}

bool may_hold_member(std::string_view text, std::string_view name) {
    const std::string key = Json(name).dump() + ":";  // as dump() writes a member's name
    return text.find(key) != std::string_view::npos;
}

// Stored bodies are Json::dump() output, which parsing and dumping again reproduces byte for
// byte: a list can splice them unless a read filter or a present write-only field applies.
std::string render_text(const Context& ctx, StoredRecord stored) {
    const TypeBehaviour* type = ctx.svc.registry.find_type(stored.record.type);
    // A pointer's last token names the member; "~" escapes are rare enough to parse properly.
    auto last_token = [](const std::string& ptr) {
        const std::string last = ptr.substr(ptr.rfind('/') + 1);
        return last.find('~') == std::string::npos ? last : Json::json_pointer(ptr).back();
    };
    const bool unchanged =
        type == nullptr || (type->on_read.empty() && std::none_of(type->write_only.begin(), type->write_only.end(),
                                                                  [&](const std::string& ptr) {
                                                                      return may_hold_member(stored.body, last_token(ptr));
                                                                  }));
    if (unchanged) {
        return std::move(stored.body);
    }
    return render(ctx, std::move(stored).parse()).dump();
}

Response generic_get(Context& ctx) {
    Response res;
    auto rec = load_item(ctx, res);
    if (!rec) {
        return res;
    }
    return with_etag(Response::json(200, render(ctx, *rec)), *rec);
}

Response generic_head(Context& ctx) {
    Response res;
    auto rec = load_item(ctx, res);
    return Response::empty(rec ? 204 : 404);
}

Response generic_put(Context& ctx) {
    const TypeBehaviour& type = *ctx.type;
    Target t = target_of(ctx);
    if (auto err = check_parents(ctx, t)) {
        return err->response();
    }
    auto existing = ctx.svc.store->get(t.id, true);
    if (existing && !existing->visible) {
        return ArmError{409, "Conflict", "The resource '" + t.name + "' is being created; wait for that to finish."}
            .response();
    }
    if (auto err = check_preconditions(ctx, existing ? &*existing : nullptr, true)) {
        return err->response();
    }
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    if (auto err = check_name(type, t.name)) {
        return err->response();
    }
    if (type.tracked && (!body.contains("location") || !body["location"].is_string())) {
        return ArmError{400, "LocationRequired", "The location property is required for this definition."}
            .response();
    }
    body["id"] = t.id;
    body["name"] = t.name;
    body["type"] = type.type;
    if (existing && existing->body.contains("systemData")) {
        body["systemData"] = existing->body["systemData"];
    }
    Record rec = existing ? *existing : new_record(ctx, t);
    rec.id = t.id;
    Json secrets = existing ? existing->secrets : Json::object();
    WriteContext w{ctx, t.id, body, secrets, existing ? &*existing : nullptr, !existing, false};
    if (auto err = prepare_write(w, t)) {
        return err->response();
    }
    stamp_system_data(ctx, body, !existing);
    rec.body = body;
    rec.secrets = secrets;
    rec.etag = new_etag(ctx.svc);
    if (!existing && type.create_mode != AsyncMode::sync) {
        return start_create_async(ctx, rec, t);
    }
    set_provisioning_state(rec.body, "Succeeded");
    ctx.svc.store->put(rec);
    return with_etag(Response::json(existing ? 200 : 201, render(ctx, rec)), rec);
}

namespace {

// The stored record a PATCH or DELETE acts on (nullopt: absent), once its parents exist and
// If-Match/If-None-Match hold; `refused` is the answer when a check failed.
std::optional<Record> load_checked(Context& ctx, const Target& t, std::optional<Response>& refused) {
    if (auto err = check_parents(ctx, t)) {
        refused = err->response();
        return std::nullopt;
    }
    auto existing = ctx.svc.store->get(t.id);
    if (auto err = check_preconditions(ctx, existing ? &*existing : nullptr, false)) {
        refused = err->response();
        return std::nullopt;
    }
    return existing;
}

}  // namespace

Response generic_patch(Context& ctx) {
    Target t = target_of(ctx);
    std::optional<Response> refused;
    auto existing = load_checked(ctx, t, refused);
    if (refused) {
        return std::move(*refused);
    }
    if (!existing) {
        return resource_not_found(ctx.type->type, t.name, t.resource_group).response();
    }
    Json patch;
    if (auto err = parse_body(ctx.req, patch)) {
        return err->response();
    }
    if (ctx.type->patch_transform) {
        if (auto err = ctx.type->patch_transform(ctx, *existing, patch)) {
            return err->response();
        }
    }
    Json body = existing->body;
    for (const char* fixed : {"id", "name", "type"}) {
        patch.erase(fixed);
    }
    if (patch.contains("tags")) {
        body["tags"] = patch["tags"];  // tags are replaced wholesale, not merged
        if (body["tags"].is_null()) {
            body.erase("tags");
        }
        patch.erase("tags");
    }
    merge_patch(body, patch);
    Json secrets = existing->secrets;
    WriteContext w{ctx, existing->id, body, secrets, &*existing, false, true};
    if (auto err = prepare_write(w, t)) {
        return err->response();
    }
    stamp_system_data(ctx, body, false);
    Record rec = *existing;
    rec.body = body;
    rec.secrets = secrets;
    rec.etag = new_etag(ctx.svc);
    ctx.svc.store->put(rec);
    return with_etag(Response::json(200, render(ctx, rec)), rec);
}

Response generic_delete(Context& ctx) {
    const TypeBehaviour& type = *ctx.type;
    Target t = target_of(ctx);
    std::optional<Response> refused;
    auto existing = load_checked(ctx, t, refused);
    if (refused) {
        return std::move(*refused);
    }
    if (type.on_delete) {
        if (auto err = type.on_delete(ctx, existing ? &*existing : nullptr)) {
            return err->response();
        }
    }
    if (!existing) {
        return Response::empty(204);
    }
    if (type.delete_mode == AsyncMode::sync) {
        ctx.svc.store->remove_tree(existing->id);
        return Response::empty(200);
    }
    Record rec = *existing;
    set_provisioning_state(rec.body, "Deleting");
    ctx.svc.store->put(rec);
    AsyncStart start{"delete", rec.id, type.type, type.type + "#delete", type.completion_hook,
                     canonical_location(resource_location(rec.body)), type.operation_prefix};
    return accept_async(ctx, start, type.delete_mode == AsyncMode::async_operation);
}

namespace {
Response page_of(Context& ctx, const RecordQuery& q) {
    return list_paged(
        ctx, [&](std::size_t offset, std::size_t count) { return ctx.svc.store->list_stored(q, offset, count); },
        [&](StoredRecord& r) { return render_text(ctx, std::move(r)); });
}
}  // namespace

Response generic_list(Context& ctx) {
    Target t = target_of(ctx);  // on a list route, names hold only the parents
    if (!t.resource_group.empty() && !ctx.svc.store->exists(resource_group_id(t.subscription, t.resource_group))) {
        return resource_group_not_found(t.resource_group).response();
    }
    std::string parent = t.parent_id;
    if (!ctx.names.empty()) {
        parent = t.id;
        if (!ctx.svc.store->exists(parent)) {
            return ArmError{404, "ParentResourceNotFound",
                            "Can not perform requested operation on nested resource. Parent resource '" + t.name +
                                "' not found."}
                .response();
        }
    }
    RecordQuery q;
    q.type = ctx.type->key();
    q.parent = to_lower(parent);
    return page_of(ctx, q);
}

Response generic_list_by_subscription(Context& ctx) {
    RecordQuery q;
    q.type = ctx.type->key();
    q.subscription = to_lower(ctx.param("subscriptionId"));
    return page_of(ctx, q);
}

}  // namespace emulator
