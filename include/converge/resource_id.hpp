#pragma once
// ARM resource identity as a type, compared case-insensitively as ARM does.
#include <compare>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace converge {

/// An ARM resource id such as
/// /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{w}/computes/{c}.
/// Keeps the casing it was built with; equality, ordering and hashing ignore case.
/// Copies share one immutable text (an id is copied into every edge, plan step and observed entry).
class ResourceId {
public:
    ResourceId() = default;

    /// Parses any ARM id (subscription, resource group, provider resource, nested child);
    /// nullopt when the text is not an ARM id.
    static std::optional<ResourceId> parse(std::string_view text);
    static ResourceId for_subscription(std::string_view subscription);
    static ResourceId for_resource_group(std::string_view subscription, std::string_view group);
    /// A top-level provider resource: type is "Namespace/type[/childType...]", name may hold
    /// one segment per type level ("ws/cpu" for "Microsoft.MachineLearningServices/workspaces/computes").
    static ResourceId for_resource(std::string_view subscription, std::string_view group,
                                   std::string_view type, std::string_view name);

    /// A child of this resource: `ws.child("computes", "cpu")`.
    ResourceId child(std::string_view type, std::string_view name) const;
    /// The enclosing resource (child -> parent -> group -> subscription); empty at the top.
    ResourceId parent() const;

    const std::string& str() const { return m_text ? *m_text : empty_text(); }
    bool empty() const { return !m_text || m_text->empty(); }
    std::string subscription() const;
    /// Empty for subscription-level ids.
    std::string resource_group() const;
    /// "Microsoft.MachineLearningServices"; empty for subscriptions and groups.
    std::string provider_namespace() const;
    /// Full type: "Microsoft.MachineLearningServices/workspaces/computes",
    /// "Microsoft.Resources/resourceGroups", "Microsoft.Resources/subscriptions".
    std::string type() const;
    /// The last name segment.
    std::string name() const;
    bool is_resource_group() const;
    /// The lower-cased text (what comparison and hashing use).
    std::string key() const;
    /// A hash of the lower-cased text (computed once, when the id is built).
    std::size_t hash() const noexcept { return m_hash; }

    friend bool operator==(const ResourceId& a, const ResourceId& b);
    friend std::strong_ordering operator<=>(const ResourceId& a, const ResourceId& b);

private:
    /// The canonical text only: the parts are found in it on demand. `hash` is the hash of
    /// text[0, from) (a parent's, for a child), continued over the rest.
    static ResourceId from_text(std::string text, std::size_t hash, std::size_t from);
    static ResourceId from_text(std::string text);
    static const std::string& empty_text();

    std::shared_ptr<const std::string> m_text;  ///< null for the empty id
    std::size_t m_hash = 0;
};

/// ASCII case-insensitive equality, for ids, locations and enums.
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);

/// The one label of a resource in refs, plan output, apply progress and errors: "Kind/name",
/// and for a model version "Model/container@version" (the form `${ref:Model/churn@2}` takes;
/// '@' because ':' separates a ref's field).
std::string resource_label(std::string_view kind, const ResourceId& id);

}  // namespace converge

template <>
struct std::hash<converge::ResourceId> {
    std::size_t operator()(const converge::ResourceId& id) const noexcept {
        return id.hash();
    }
};
