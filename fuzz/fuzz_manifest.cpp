// libFuzzer target: the manifest loader (YAML, interpolation, JSON Schema, ids and references)
// on one in-memory file. The input is the manifest's text; a line "#=== converge.yaml" splits
// off a converge.yaml to use instead of the default one. See docs/reliability.md, "Fuzzing".
#include "converge/manifest.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

const char* const k_config = R"(stack: fuzz
subscription: 00000000-0000-0000-0000-000000000001
variables:
  region: westeurope
  size: 4
  names: [a, b]
  secret:
    sensitive: true
    value: hunter2
  from_env:
    env: CONVERGE_FUZZ_UNSET
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::string config = k_config;
    const std::string separator = "#=== converge.yaml\n";
    if (const auto at = text.find(separator); at != std::string::npos) {
        config = text.substr(at + separator.size());
        text.resize(at);
    }
    converge::LoadOptions options;
    options.require_environment = false;
    options.vars = {{"size", "8"}};
    const auto result = converge::load_sources({{"m.yaml", text}}, {"converge.yaml", config}, "fuzz", options);
    (void)result.diagnostics.to_string();
    return 0;
}
