// Endpoint keys and tokens: stored in the record's secrets, never in the representation.
#include "arm/arm.hpp"
#include "aad/crypto.hpp"
#include "arm/generic.hpp"
#include "ml/online.hpp"
#include "arm/operations.hpp"

namespace emulator {

namespace {

std::string auth_mode(const Record& record) {
    return record.body.value("properties", Json::object()).value("authMode", "Key");
}

}  // namespace

void endpoint_keys(WriteContext& w) {
    const Json sent = w.body.value("properties", Json::object()).value("keys", Json::object());
    for (const char* key : {"primaryKey", "secondaryKey"}) {
        if (sent.is_object() && sent.contains(key) && sent[key].is_string() && !sent[key].get<std::string>().empty()) {
            w.secrets[key] = sent[key];
        } else if (!w.secrets.contains(key)) {
            w.secrets[key] = crypto::random_secret(32);
        }
    }
    if (w.body.contains("properties") && w.body["properties"].is_object()) {
        w.body["properties"].erase("keys");
    }
}

Response list_endpoint_keys(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    if (!iequals(auth_mode(*rec), "Key")) {
        return ArmError{400, "BadRequest", "Keys are only available for endpoints with authMode 'Key'; this endpoint uses '" +
                                               auth_mode(*rec) + "' (use the token action)."}
            .response();
    }
    return Response::json(200, Json{{"primaryKey", rec->secrets.value("primaryKey", "")},
                                    {"secondaryKey", rec->secrets.value("secondaryKey", "")}});
}

Response regenerate_endpoint_keys(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return err->response();
    }
    const std::string type = body.value("keyType", "");
    if (!iequals(type, "Primary") && !iequals(type, "Secondary")) {
        return ArmError{400, "BadRequest", "keyType must be 'Primary' or 'Secondary'.", "keyType"}.response();
    }
    const std::string field = iequals(type, "Primary") ? "primaryKey" : "secondaryKey";
    const bool given = body.contains("keyValue") && body["keyValue"].is_string() && !body["keyValue"].get<std::string>().empty();
    rec->secrets[field] = given ? body["keyValue"].get<std::string>() : crypto::random_secret(32);
    ctx.svc.store->put(*rec);
    AsyncStart start{"action", rec->id, k_endpoint_type, k_endpoint_type + "#action", "",
                     rec->body.value("location", "global"), "mfeOperations"};
    start.result = Json::object();
    return accept_async(ctx, start);
}

Response endpoint_token(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    if (!iequals(auth_mode(*rec), "AMLToken")) {
        return ArmError{400, "BadRequest", "Tokens are only issued for endpoints with authMode 'AMLToken'."}.response();
    }
    const std::int64_t now_s = ctx.svc.now_ms() / 1000;
    const std::string token = crypto::random_secret(48);
    Json tokens = rec->secrets.value("tokens", Json::object());
    tokens[token] = now_s + 3600;
    rec->secrets["tokens"] = tokens;
    ctx.svc.store->put(*rec);
    return Response::json(200, Json{{"accessToken", token},
                                    {"expiryTimeUtc", now_s + 3600},
                                    {"refreshAfterTimeUtc", now_s + 1800},
                                    {"tokenType", "Bearer"}});
}

}  // namespace emulator
