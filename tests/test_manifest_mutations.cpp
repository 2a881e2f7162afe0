// Mutated manifests: the loader never crashes and every error it reports names a line.
// The mutations (inserted YAML syntax, duplicated, dropped and re-indented lines) are the
// ones that found the duplicate-mapping-key crash; the seed is fixed, so a failure repeats.
#include "manifest_helpers.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace converge;
using converge::test::load_inline;

namespace {

std::vector<std::string> seed_documents() {
    std::vector<std::string> out;
    const std::filesystem::path root = std::filesystem::path(CONVERGE_SOURCE_DIR);
    for (const auto& dir : {root / "manifests" / "examples", root / "tests" / "data" / "malformed"}) {
        for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
            if (e.path().extension() == ".yaml" && e.path().filename() != "converge.yaml") {
                std::ifstream in(e.path());
                std::stringstream text;
                text << in.rdbuf();
                out.push_back(text.str());
            }
        }
    }
    std::sort(out.begin(), out.end());  // directory order differs between machines
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::string mutate(const std::string& text, std::mt19937& rng) {
    static const std::vector<std::string> k_tokens = {
        "{", "}", "[", "]", ": ", "- ", "&a ", "*a", "<<: *a", "<<: ", "---\n", "\"", "'", "${var:x}",
        "${ref:Workspace/x}", "${", "? ", "!!str ", "!!int ", "|\n  x\n", "~", "null", ": {a: 1}", " #", "\n  "};
    auto lines = lines_of(text);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % std::max<std::size_t>(n, 1)); };
    for (int k = 1 + static_cast<int>(rng() % 4); k > 0 && !lines.empty(); --k) {
        const std::size_t i = pick(lines.size());
        switch (rng() % 5) {
        case 0:
            lines[i].insert(pick(lines[i].size() + 1), k_tokens[pick(k_tokens.size())]);
            break;
        case 1:
            lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i), lines[pick(lines.size())]);
            break;
        case 2:
            lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
            break;
        case 3:
            lines[i] = std::string(pick(7), ' ') + lines[i].substr(lines[i].find_first_not_of(' ') == std::string::npos
                                                                      ? lines[i].size()
                                                                      : lines[i].find_first_not_of(' '));
            break;
        default:
            lines.push_back(lines[pick(lines.size())]);
            break;
        }
    }
    std::string out;
    for (const auto& line : lines) {
        out += line + "\n";
    }
    return out;
}

}  // namespace

TEST_SUITE("manifest") {

TEST_CASE("mutated manifests are reported with a line, never crash the loader") {
    const auto seeds = seed_documents();
    REQUIRE(seeds.size() > 10);
    std::mt19937 rng(7);
    const std::string config = "defaults: {subscription: 00000000-0000-0000-0000-000000000001, location: westeurope}\n"
                               "variables: {x: abc}\n";
    int with_errors = 0;
    for (int i = 0; i < 600; ++i) {
        const std::string text = mutate(seeds[rng() % seeds.size()], rng);
        CAPTURE(text);
        const auto r = load_inline({{"m.yaml", text}}, config);
        for (const auto& d : r.diagnostics.items()) {
            CHECK(d.location.file == "m.yaml");
            CHECK(d.location.line >= 1);
        }
        with_errors += r.diagnostics.has_errors() ? 1 : 0;
    }
    CHECK(with_errors > 100);  // the mutations do break manifests
}

}  // TEST_SUITE

namespace {

/// One value of every YAML/JSON type, as YAML text, with the type's name.
const std::vector<std::pair<std::string, std::string>> k_typed_values = {
    {"boolean", "true"}, {"integer", "7"}, {"number", "1.5"}, {"string", "\"text\""},
    {"null", "null"},    {"list", "[a, b]"}, {"mapping", "{a: 1}"}};

/// A manifest document and converge.yaml that load without an error, with one line marked
/// "@FIELD" to substitute.
const std::string k_model = "apiVersion: converge/v1\n"
                            "kind: Model\n"
                            "metadata:\n"
                            "  name: churn\n"
                            "  version: 1\n"
                            "  workspace: ws\n"
                            "  resourceGroup: rg\n"
                            "  subscription: 00000000-0000-0000-0000-000000000002\n"
                            "  apiVersion: 2025-12-01\n"
                            "  labels: {team: ml}\n"
                            "  dependsOn: []\n"
                            "  protect: false\n"
                            "spec:\n"
                            "  properties: {modelUri: \"azureml://x\"}\n";

const std::string k_config = "apiVersion: converge/v1\n"
                             "stack: demo\n"
                             "defaults:\n"
                             "  subscription: 00000000-0000-0000-0000-000000000001\n"
                             "  resourceGroup: rg\n"
                             "  location: westeurope\n"
                             "  workspace: ws\n"
                             "  tags:\n"
                             "    owner: dev\n"
                             "variables:\n"
                             "  team: ml\n"
                             "  pw:\n"
                             "    value: abc\n"
                             "    env: CONVERGE_TEST_UNSET_PW\n"
                             "    sensitive: true\n"
                             "    description: a password\n";

/// `text` with the line whose key is `key` (at `indent` spaces) given `value`.
std::string with_value(const std::string& text, const std::string& key, int indent, const std::string& value) {
    const std::string prefix = std::string(static_cast<std::size_t>(indent), ' ') + key + ":";
    std::string out;
    bool replaced = false;
    for (const auto& line : lines_of(text)) {
        if (!replaced && line.starts_with(prefix)) {
            out += prefix + " " + value + "\n";
            replaced = true;
            // A replaced mapping's members (deeper lines) go with it.
            continue;
        }
        out += line + "\n";
    }
    REQUIRE_MESSAGE(replaced, key);
    return out;
}

/// Drops the lines below a key that `with_value` replaced (its nested members).
std::string drop_children(const std::string& text, const std::string& key, int indent) {
    const std::string prefix = std::string(static_cast<std::size_t>(indent), ' ') + key + ":";
    std::string out;
    bool inside = false;
    for (const auto& line : lines_of(text)) {
        const auto depth = static_cast<int>(line.find_first_not_of(' '));
        if (inside && depth > indent) {
            continue;
        }
        inside = line.starts_with(prefix);
        out += line + "\n";
    }
    return out;
}

struct Field {
    std::string key;
    int indent;
    std::vector<std::string> accepted;  ///< type names that are not an error
};

/// Loads, and checks: no exception, every diagnostic in a file with a line, and an error
/// when the value's type is not accepted.
void check_typed(const std::string& manifest, const std::string& config, const Field& f, const std::string& type) {
    CAPTURE(f.key);
    CAPTURE(type);
    CAPTURE(manifest);
    CAPTURE(config);
    LoadResult r;
    REQUIRE_NOTHROW(r = load_inline({{"m.yaml", manifest}}, config));
    for (const auto& d : r.diagnostics.items()) {
        CAPTURE(d.to_string());
        CHECK((d.location.file == "m.yaml" || d.location.file == "converge.yaml"));
        CHECK(d.location.line >= 1);
    }
    const bool accepted = std::find(f.accepted.begin(), f.accepted.end(), type) != f.accepted.end();
    if (!accepted) {
        CHECK_MESSAGE(r.diagnostics.has_errors(), r.diagnostics.to_string());
    }
}

}  // namespace

TEST_SUITE("manifest") {

TEST_CASE("every metadata field given every wrong type: located errors, never an exception") {
    REQUIRE_FALSE(load_inline({{"m.yaml", k_model}}, k_config).diagnostics.has_errors());
    const std::vector<Field> fields = {
        {"name", 2, {"string"}},
        {"version", 2, {"string", "integer", "number", "boolean"}},  // written as numbers, sent as text
        {"workspace", 2, {"string"}},
        {"resourceGroup", 2, {"string"}},
        {"subscription", 2, {"string"}},
        {"apiVersion", 2, {}},  // "text" is a string but not an api-version
        {"labels", 2, {"mapping"}},
        {"dependsOn", 2, {"list"}},  // [a, b] are refs to nothing: an error too
        {"protect", 2, {"boolean"}},
    };
    int cases = 0;
    for (const auto& f : fields) {
        for (const auto& [type, value] : k_typed_values) {
            const std::string manifest = with_value(drop_children(k_model, f.key, f.indent), f.key, f.indent, value);
            check_typed(manifest, k_config, f, type);
            ++cases;
        }
    }
    CHECK(cases == static_cast<int>(fields.size() * k_typed_values.size()));
}

TEST_CASE("every converge.yaml field given every wrong type: located errors, never an exception") {
    const std::vector<Field> fields = {
        {"apiVersion", 0, {}},  // only "converge/v1"
        {"stack", 0, {"string"}},
        {"defaults", 0, {}},  // {a: 1}: "a" is not a default
        {"subscription", 2, {"string"}},
        {"resourceGroup", 2, {"string"}},
        {"location", 2, {"string"}},
        {"workspace", 2, {"string"}},
        {"tags", 2, {"mapping"}},
        {"owner", 4, {"string", "boolean", "integer", "number"}},  // a tag value: sent as text
        {"variables", 0, {"mapping"}},  // {a: 1}: a variable "a"
        {"team", 2, {"boolean", "integer", "number", "string", "null", "list", "mapping"}},  // any value
        {"value", 4, {"boolean", "integer", "number", "string", "null", "list", "mapping"}},
        {"env", 4, {"string"}},
        {"sensitive", 4, {"boolean"}},
        {"description", 4, {"string"}},
    };
    const std::string manifest = "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg}\nspec: {}\n";
    REQUIRE_FALSE(load_inline({{"m.yaml", manifest}}, k_config).diagnostics.has_errors());
    for (const auto& f : fields) {
        for (const auto& [type, value] : k_typed_values) {
            check_typed(manifest, with_value(drop_children(k_config, f.key, f.indent), f.key, f.indent, value), f, type);
        }
    }
}

}  // TEST_SUITE
