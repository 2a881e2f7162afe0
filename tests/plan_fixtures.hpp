#pragma once
// Small builders for plan tests: resources without the manifest loader.
#include "converge/graph.hpp"
#include "converge/json.hpp"
#include "converge/kinds.hpp"
#include "converge/model.hpp"
#include "openapi_checker.hpp"

#include <fstream>
#include <string>

namespace converge::test {

inline const std::string k_sub = "00000000-0000-0000-0000-000000000001";

/// /subscriptions/<k_sub>/resourceGroups/rg[/providers/<type>/<name>]
inline ResourceId rid(const std::string& type = "", const std::string& name = "", const std::string& group = "rg") {
    if (type.empty()) {
        return ResourceId::for_resource_group(k_sub, group);
    }
    return ResourceId::for_resource(k_sub, group, type, name);
}

/// A desired resource of `kind` with `body`, declared at file:line.
inline Resource make_resource(const std::string& kind, const ResourceId& id, Json body,
                              const std::string& file = "m.yaml", int line = 1) {
    Resource r;
    r.kind = find_kind(kind);
    r.id = id;
    r.arm_type = r.kind ? std::string(r.kind->arm_type) : "";
    r.api_version = r.kind ? std::string(r.kind->api_version) : "";
    r.body = std::move(body);
    r.location = Location{file, line, 1};
    return r;
}

/// An official example file under spec/.../2025-12-01/examples, or null when shared/ is absent.
inline Json load_example(const std::string& rel) {
    std::ifstream in(spec_dir() + "/machinelearningservices/stable/2025-12-01/examples/" + rel);
    return in ? Json::parse(in) : Json();
}

}  // namespace converge::test
