#pragma once
// Generic ARM helpers: ids, errors, pagination, ETags, api-version lists.
#include "platform/registry.hpp"
#include "platform/services.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>
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

/// A page of a list, its items already rendered as JSON text: `{"nextLink"?,"value":[...]}` as
/// Json::dump writes it; nextLink keeps every query parameter except $skiptoken and points at
/// this emulator.
Response list_page_text(const Context& ctx, const std::vector<std::string>& items, std::size_t next_offset, bool more);
/// The $skiptoken offset of this request (0 when absent or invalid).
std::size_t page_offset(const Context& ctx);

/// The page a list request asks for: `fetch(offset, count)` returns up to `count` items from
/// `offset` ($skiptoken) on; `render(item&)` writes one as JSON text. One item more than the
/// emulator's page size is fetched: it says whether more follow.
template <class Fetch, class Render>
Response list_paged(const Context& ctx, Fetch&& fetch, Render&& render) {
    const std::size_t offset = page_offset(ctx);
    const std::size_t size = std::max<std::size_t>(1, ctx.svc.options.page_size);
    auto items = fetch(offset, size + 1);
    const bool more = items.size() > size;
    std::vector<std::string> texts;
    texts.reserve(std::min(items.size(), size));
    for (std::size_t i = 0; i < items.size() && i < size; ++i) {
        texts.push_back(render(items[i]));
    }
    return list_page_text(ctx, texts, offset + size, more);
}

/// list_paged over items all in memory (they are moved from).
template <class T, class Render>
Response list_paged_all(const Context& ctx, std::vector<T>& all, Render&& render) {
    auto slice = [&](std::size_t offset, std::size_t count) {
        const auto first = all.begin() + static_cast<std::ptrdiff_t>(std::min(offset, all.size()));
        const auto last = first + static_cast<std::ptrdiff_t>(std::min<std::size_t>(count, all.end() - first));
        return std::vector<T>(std::make_move_iterator(first), std::make_move_iterator(last));
    };
    return list_paged(ctx, slice, render);
}

/// Sets "Retry-After" (and retry-after-ms when configured).
void set_retry_after(const Services& svc, Response& res);

/// RFC 7396 merge patch.
void merge_patch(Json& target, const Json& patch);

/// systemData for a create or an update by the caller.
void stamp_system_data(const Context& ctx, Json& body, bool create);

}  // namespace emulator
