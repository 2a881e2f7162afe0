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
