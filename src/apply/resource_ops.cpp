#include "converge/resource_ops.hpp"

#include "converge/ownership.hpp"

#include <algorithm>
#include <cctype>

namespace converge {

namespace {

bool all_fields_match(const Change& change, const std::vector<std::string_view>& patterns) {
    return std::all_of(change.fields.begin(), change.fields.end(), [&](const FieldChange& f) {
        return std::any_of(patterns.begin(), patterns.end(),
                           [&](std::string_view p) { return path_matches(p, f.path); });
    });
}

// The desired body restricted to the patchable pointers it sets.
Json patch_subset(const Json& body, const std::vector<std::string_view>& patterns) {
    Json out = Json::object();
    for (const auto& pattern : patterns) {
        const Json::json_pointer ptr{std::string(pattern)};
        if (body.contains(ptr)) {
            out[ptr] = body.at(ptr);
        }
    }
    return out;
}

// What the manifest holds for converge alone: a Model's `path` (uploaded before the write,
// docs/model-upload.md) and a Job's `code` (docs/kinds.md "Jobs") are no fields of the ARM body.
Json sent_body(const Resource& desired) {
    Json body = desired.body;
    if (desired.kind->name == "Model") {
        body.erase("path");
    } else if (desired.kind->name == "Job") {
        body.erase("code");
    }
    return body;
}

}  // namespace

UpdateRequest update_request(const Resource& desired, const Change& change) {
    const KindInfo& kind = *desired.kind;
    // A repair (Failed, unsettled) writes the whole body again, as the service needs it.
    const bool repair = change.reason == Reason::failed || change.reason == Reason::unsettled;
    if (kind.update_verb == UpdateVerb::patch && !repair && !change.fields.empty() &&
        all_fields_match(change, kind.patchable)) {
        return {true, patch_subset(desired.body, kind.patchable)};
    }
    return {false, sent_body(desired)};
}

WriteRequest create_request(const Resource& desired) {
    WriteRequest request;
    request.verb = Verb::put;
    request.body = sent_body(desired);
    return request;
}

WriteRequest change_request(const Resource& desired, const Change& change) {
    UpdateRequest update = update_request(desired, change);
    WriteRequest request;
    request.verb = update.patch ? Verb::patch : Verb::put;
    request.body = std::move(update.body);
    return request;
}

WriteRequest delete_request(const ResourceId& id) {
    WriteRequest request;
    request.verb = Verb::remove;
    if (const KindInfo* kind = find_kind_by_type(id.type())) {
        for (const auto& [name, value] : kind->delete_query) {
            request.query[std::string(name)] = std::string(value);
        }
    }
    return request;
}

WriteRequest purge_soft_deleted_request(const Resource& desired) {
    std::string location;
    for (char c : desired.body.value("location", std::string())) {
        if (c != ' ') {
            location += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    WriteRequest request;
    request.verb = Verb::post;
    request.path = "/subscriptions/" + desired.id.subscription() + "/providers/Microsoft.KeyVault/locations/" + location +
                   "/deletedVaults/" + desired.id.name() + "/purge";
    return request;
}

Json model_container_body(const std::string& stack) {
    return Json{{"properties", {{"tags", ownership::tags(stack)}}}};
}

}  // namespace converge
