#pragma once
// Writing YAML (export, `get -o yaml`, `show -o yaml`): yaml-cpp's emitter behind one file,
// src/render/yaml_emit.cpp. Reading YAML stays with libyaml (src/manifest/yaml.cpp).
#include "converge/json.hpp"

#include <string>
#include <vector>

namespace converge {

/// One YAML document: comment lines written above it ("# " is added), then the value.
struct YamlDocument {
    std::vector<std::string> comments;
    Json value;
};

/// Block-style YAML of `documents`, separated by "---". Object keys come in a stable human
/// order: $schema (az ml files), apiVersion, kind, metadata, spec, name, ..., location, sku, identity, properties,
/// tags first (k_yaml_key_order in yaml_emit.cpp), every other key after them in sorted order.
/// A string YAML 1.2 (or 1.1) would read as something else ("true", "4711", "null", "0x1f",
/// "", "yes") is double-quoted, so it reads back as the same string, and so is one that starts
/// with "${env:" or "${var:" (alone, converge would give it the type of its value); empty lists and mappings
/// are written `[]` and `{}`.
std::string emit_yaml(const std::vector<YamlDocument>& documents);

/// One value as a YAML document without comments.
std::string emit_yaml(const Json& value);

}  // namespace converge
