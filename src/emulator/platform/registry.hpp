#pragma once
// Extension points. Everything the emulator serves is registered here by an installer in
// modules.cpp: plain routes (add_route), ARM resource types with generic CRUD driven by a
// behaviour table (add_type), POST actions on a type (add_action), and completion hooks for
// async operations (add_operation_hook). See src/emulator/README.md.
#include "platform/http.hpp"
#include "platform/store.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace emulator {

struct Services;
struct TypeBehaviour;

/// An ARM error: `{"error":{"code","message","target"?,"details"?}}` with an HTTP status.
struct ArmError {
    int status = 400;
    std::string code;
    std::string message;
    std::string target;
    Json details = Json();

    /// The response (JSON body, no Retry-After).
    Response response() const;
};

/// The caller, from a verified bearer token.
struct Principal {
    std::string tenant_id;
    std::string object_id;
    std::string app_id;
    std::shared_ptr<const Json> claims;  ///< the verified token's claims (Activity Log `claims`)
};

/// Who may call a route.
enum class Auth {
    none,  ///< anonymous (token endpoint, discovery, metadata, admin)
    arm,   ///< bearer token, subscription visibility, throttling, fault injection
};

/// How a route checks ?api-version=.
struct ApiPolicy {
    enum class Kind { none, arm_own, provider };
    Kind kind = Kind::none;
    std::vector<std::string> versions;  ///< newest first
    std::string type;                   ///< for NoRegisteredProviderFound messages

    /// No check.
    static ApiPolicy none() { return {}; }
    /// ARM's own types: unknown version -> InvalidApiVersionParameter.
    static ApiPolicy arm_own(std::vector<std::string> v) { return {Kind::arm_own, std::move(v), ""}; }
    /// A resource provider's type: unknown version -> NoRegisteredProviderFound.
    static ApiPolicy provider(std::string type, std::vector<std::string> v) {
        return {Kind::provider, std::move(v), std::move(type)};
    }
};

/// Per-request state handed to handlers.
struct Context {
    Services& svc;
    const Request& req;
    std::map<std::string, std::string> params;  ///< "{name}" placeholders -> values as sent
    std::vector<std::string> names;  ///< typed routes: the resource names, outermost first
    const TypeBehaviour* type = nullptr;  ///< typed routes: the behaviour
    std::string route;                    ///< the matched pattern (for stats and logs)
    std::string api_version;
    Principal principal;
    std::uint64_t seq = 0;  ///< the request's sequence number (drives fault decisions)

    /// A placeholder's value ("" when absent).
    std::string param(const std::string& name) const;
    /// This emulator's base URL, no trailing slash.
    std::string base_url() const;
};

/// A request handler.
using Handler = std::function<Response(Context&)>;

/// A plain route. Patterns are '/'-separated; "{x}" matches one segment; literals match
/// case-insensitively. The most specific (most literals) match wins.
struct RouteSpec {
    std::string method;  ///< GET, PUT, PATCH, DELETE, POST, HEAD (HEAD falls back to GET)
    std::string pattern;
    Handler handler;
    Auth auth = Auth::arm;
    ApiPolicy api;
    std::vector<std::string> segments;  ///< the pattern split at '/' (set by Registry::add_route)
};

/// The non-empty '/'-separated segments of a path or route pattern.
std::vector<std::string> path_segments(const std::string& path);

/// A write in progress, given to behaviour hooks.
struct WriteContext {
    Context& ctx;
    std::string id;            ///< the resource id, last-used casing
    Json& body;                ///< the representation being stored (request merged in)
    Json& secrets;             ///< server-side secrets of the record (listKeys material)
    const Record* existing;    ///< the stored record, or null on create
    bool create = true;
    bool patch = false;
};

/// A hook that may refuse a write.
using Validator = std::function<std::optional<ArmError>(WriteContext&)>;
/// A hook that rewrites the representation being stored.
using Mutator = std::function<void(WriteContext&)>;
/// A hook applied to every representation returned (e.g. secret stripping).
using ReadFilter = std::function<void(const Context&, const Record&, Json& out)>;
/// Rewrites a PATCH body into an RFC 7396 merge patch of the stored representation.
using PatchTransform = std::function<std::optional<ArmError>(Context&, const Record&, Json& patch)>;

/// How a create or delete completes.
enum class AsyncMode {
    sync,             ///< 200/201 (create) or 200/204 (delete) at once
    location,         ///< 202 + Location + Retry-After; a create stays invisible until done
    async_operation,  ///< 201/202 + Azure-AsyncOperation (+ Location on delete)
};

/// An ARM resource type and how the generic handlers treat it.
struct TypeBehaviour {
    std::string type;  ///< canonical casing, e.g. "Microsoft.MachineLearningServices/workspaces/computes"
    std::vector<std::string> api_versions;  ///< newest first
    bool tracked = true;                    ///< has a location (required on PUT)
    bool resource_group_scope = true;       ///< lives under a resource group
    std::string name_pattern;               ///< ECMAScript regex for the last name; "" = ARM's rule
    AsyncMode create_mode = AsyncMode::sync;
    AsyncMode delete_mode = AsyncMode::sync;
    std::string operation_prefix;  ///< async URL names, e.g. "computeOperations" -> ...Status / ...Results
    bool patch_allowed = true;
    bool list_by_subscription = true;  ///< top-level types: GET /subscriptions/{s}/providers/{ns}/{t}
    std::vector<std::string> create_only;       ///< JSON pointers that cannot change after create
    std::vector<std::string> write_only;        ///< JSON pointers stored but never returned
    std::vector<Validator> validate;            ///< PUT and PATCH, on the merged representation
    std::vector<Mutator> normalise;             ///< realism (issue 8): canonical forms, defaults
    std::vector<Mutator> server_fields;         ///< server-generated fields (create and update)
    std::vector<ReadFilter> on_read;            ///< every representation returned
    PatchTransform patch_transform;             ///< optional: non-merge-patch PATCH bodies
    /// Runs before a DELETE (record null when absent); may refuse (e.g. a required parameter).
    std::function<std::optional<ArmError>(Context&, const Record*)> on_delete;
    std::string completion_hook;  ///< hook run when this type's create/delete operations finish
    std::vector<std::pair<std::string, Json>> defaults;  ///< pointer -> value, filled on create

    /// Provider namespace ("Microsoft.Storage").
    std::string provider_namespace() const;
    /// Type segments below the namespace ({"workspaces","computes"}).
    std::vector<std::string> type_segments() const;
    /// Lower-cased type.
    std::string key() const;
};

/// Completion hook: runs inside the store transaction when an async operation finishes.
using OperationHook = std::function<void(Services&, const Json& operation, bool succeeded)>;

/// The registry of routes, types and hooks.
class Registry {
public:
    /// Adds a plain route.
    void add_route(RouteSpec spec);
    /// Adds a type and its generic routes (PUT/GET/PATCH/DELETE item, list, list by subscription).
    TypeBehaviour& add_type(TypeBehaviour behaviour);
    /// A POST action on an item of `type` ("listKeys"); the handler sees ctx.names/ctx.type.
    void add_action(const std::string& type, const std::string& action, Handler handler);
    /// Adds a GET/POST sub-route on an item of `type` (e.g. "listNodes").
    void add_item_route(const std::string& type, const std::string& method, const std::string& suffix,
                        Handler handler);
    /// Registers a named completion hook for async operations.
    void add_operation_hook(const std::string& name, OperationHook hook);

    /// The behaviour for a type (case-insensitive), or null.
    TypeBehaviour* find_type(const std::string& type);
    /// Every registered type.
    const std::vector<std::unique_ptr<TypeBehaviour>>& types() const { return m_types; }
    /// The hook with this name, or null.
    const OperationHook* find_hook(const std::string& name) const;
    /// Every route (in registration order).
    const std::vector<RouteSpec>& routes() const { return m_routes; }

    /// Provider namespaces -> api-versions for GET /subscriptions/{s}/providers/{ns}.
    std::vector<std::string> namespaces() const;

    /// Hooks applied to a resource group body before it is stored (realism: location).
    std::vector<std::function<void(Context&, Json& body)>> rg_normalise;
    /// Checks run on a resource group PUT body before anything else; may rewrite or refuse it.
    std::vector<std::function<std::optional<ArmError>(Context&, Json& body)>> rg_validate;

    /// Canonical region name -> display name; realism may extend it.
    std::vector<std::pair<std::string, std::string>> locations;

    /// Item pattern for a type, e.g. ".../workspaces/{name1}/computes/{name2}".
    static std::string item_pattern(const TypeBehaviour& t);

private:
    std::vector<RouteSpec> m_routes;
    std::vector<std::unique_ptr<TypeBehaviour>> m_types;
    std::map<std::string, OperationHook> m_hooks;
};

}  // namespace emulator
