// Cross-field rules Azure enforces on a request body, which a JSON Schema of one field cannot
// say: checked offline so that `validate` finds them before an apply fails half-way. Each rule
// names its source; docs/manifests.md lists them, and the emulator enforces the same ones
// (src/emulator/ml/computes.cpp, src/emulator/arm/dependency_types.cpp).
#include "schema/internal.hpp"

#include <fmt/format.h>

namespace converge::schema {

namespace {

const Json* at(const Json& node, std::initializer_list<const char*> path) {
    const Json* n = &node;
    for (const char* key : path) {
        if (!n->is_object()) {
            return nullptr;
        }
        const auto it = n->find(key);
        if (it == n->end()) {
            return nullptr;
        }
        n = &*it;
    }
    return n;
}

/// An ARM id ("/subscriptions/...") that is not ".../virtualNetworks/{vnet}/subnets/{subnet}":
/// a virtual network without its subnet, or a subnet without its virtual network. Other text
/// (the API reference's own examples write "test-subnet-resource-id") is left to Azure.
bool incomplete_subnet_id(const std::string& id) {
    if (id.size() < 15 || !iequals(std::string_view(id).substr(0, 15), "/subscriptions/")) {
        return false;
    }
    const auto parsed = ResourceId::parse(id);
    return !parsed || !iequals(parsed->type(), "Microsoft.Network/virtualNetworks/subnets");
}

/// AmlCompute and ComputeInstance (properties.properties of a Compute).
void compute_rules(const manifest::YamlDocument& doc, const Json& spec, Diagnostics& out) {
    const Json* type = at(spec, {"properties", "computeType"});
    const Json* inner = at(spec, {"properties", "properties"});
    if (type == nullptr || !type->is_string() || inner == nullptr || !inner->is_object()) {
        return;
    }
    const std::string& compute_type = type->get_ref<const std::string&>();
    const bool cluster = compute_type == "AmlCompute";
    if (!cluster && compute_type != "ComputeInstance") {
        return;
    }
    const std::string base = "/spec/properties/properties";
    if (cluster) {
        // ScaleSettings (machineLearningServices.json 2025-12-01): min and max number of nodes.
        const Json* min = at(*inner, {"scaleSettings", "minNodeCount"});
        const Json* max = at(*inner, {"scaleSettings", "maxNodeCount"});
        if (min != nullptr && max != nullptr && min->is_number_integer() && max->is_number_integer() &&
            min->get<long long>() > max->get<long long>()) {
            out.error(doc.value_at(base + "/scaleSettings/minNodeCount"),
                      fmt::format("scaleSettings.minNodeCount ({}) must not be greater than maxNodeCount ({})",
                                  min->get<long long>(), max->get<long long>()));
        }
    }
    // subnet is a ResourceId: "for a subnet, it is the resource URL for the subnet", which
    // names the virtual network too.
    const Json* subnet = at(*inner, {"subnet", "id"});
    if (subnet != nullptr && subnet->is_string() && incomplete_subnet_id(subnet->get_ref<const std::string&>())) {
        out.error(doc.value_at(base + "/subnet/id"),
                  fmt::format("subnet.id must be a subnet's ARM id, /subscriptions/.../resourceGroups/.../providers/"
                              "Microsoft.Network/virtualNetworks/VNET/subnets/SUBNET (got \"{}\")",
                              subnet->get_ref<const std::string&>()));
    }
    // No public IP needs the compute in a virtual network (how-to-secure-training-vnet).
    const Json* public_ip = at(*inner, {"enableNodePublicIp"});
    if (public_ip != nullptr && public_ip->is_boolean() && !public_ip->get<bool>() && subnet == nullptr &&
        at(*inner, {"subnet"}) == nullptr) {
        out.error(doc.value_at(base + "/enableNodePublicIp"),
                  fmt::format("enableNodePublicIp: false needs a subnet: set properties.properties.subnet.id "
                              "(a {} without a public IP must be in a virtual network)",
                              cluster ? "compute cluster" : "compute instance"));
    }
}

/// VaultProperties (keyvault.json 2025-05-01).
void key_vault_rules(const manifest::YamlDocument& doc, const Json& spec, Diagnostics& out) {
    // "Enabling this functionality is irreversible - that is, the property does not accept
    // false as its value."
    const Json* purge = at(spec, {"properties", "enablePurgeProtection"});
    if (purge != nullptr && purge->is_boolean() && !purge->get<bool>()) {
        out.error(doc.value_at("/spec/properties/enablePurgeProtection"),
                  "enablePurgeProtection does not accept false: leave it out, or set true (which cannot be undone)");
    }
}

}  // namespace

void check_rules(const manifest::YamlDocument& doc, const KindInfo& kind, Diagnostics& diagnostics) {
    const auto spec = doc.root.find("spec");
    if (spec == doc.root.end() || !spec->is_object()) {
        return;
    }
    if (kind.name == "Compute") {
        compute_rules(doc, *spec, diagnostics);
    } else if (kind.name == "KeyVault") {
        key_vault_rules(doc, *spec, diagnostics);
    }
}

}  // namespace converge::schema
