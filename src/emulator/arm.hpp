#pragma once
// Generic ARM helpers: ids, errors, pagination, ETags, api-version lists.
#include "registry.hpp"
#include "services.hpp"

#include <string>
#include <vector>

namespace emulator {

/// Api-versions ARM accepts for its own types (resource groups, resources, providers).
const std::vector<std::string>& arm_resource_api_versions();
/// Api-versions for /subscriptions.
const std::vector<std::string>& arm_subscription_api_versions();

/// 404 ResourceNotFound for a resource id ("The Resource '<type>/<name>' under resource
/// group '<rg>' was not found.").
ArmError resource_not_found(const std::string& type, const std::string& name, const std::string& rg);
/// 404 ResourceGroupNotFound.
ArmError resource_group_not_found(const std::string& rg);
/// 400 InvalidRequestContent for an unparsable body.
ArmError invalid_body(const std::string& why);

/// The request body as JSON (an object); an error when it is not.
std::optional<ArmError> parse_body(const Request& req, Json& out);

/// "/subscriptions/{s}/resourceGroups/{rg}" with the casing given.
std::string resource_group_id(const std::string& sub, const std::string& rg);
/// A fresh quoted ETag value.
std::string new_etag(Services& svc);

/// Evaluates If-Match / If-None-Match against a record (CONTRACT 3.5); returns 412 on failure.
std::optional<ArmError> check_preconditions(const Context& ctx, const Record* existing, bool is_put);

/// A page of a list: `{"value":[...],"nextLink"?}`; nextLink keeps every query parameter
/// except $skiptoken and points at this emulator.
Response list_page(const Context& ctx, std::vector<Json> items, std::size_t next_offset, bool more);
/// list_page for items already rendered as JSON text (the same bytes as list_page's dump).
Response list_page_text(const Context& ctx, const std::vector<std::string>& items, std::size_t next_offset, bool more);
/// The $skiptoken offset of this request (0 when absent or invalid).
std::size_t page_offset(const Context& ctx);

/// Sets "Retry-After" (and retry-after-ms when configured).
void set_retry_after(const Services& svc, Response& res);

/// RFC 7396 merge patch.
void merge_patch(Json& target, const Json& patch);

/// systemData for a create or an update by the caller.
void stamp_system_data(const Context& ctx, Json& body, bool create);

}  // namespace emulator
