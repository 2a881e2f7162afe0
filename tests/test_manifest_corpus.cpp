// Malformed manifests under tests/data/malformed/<NN-name>/: each directory is loaded as a
// stack and its diagnostics must equal expected.txt exactly (paths relative to the directory).
#include "converge/manifest.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace converge;

namespace {

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t i = 0; (i = s.find(from, i)) != std::string::npos; i += to.size()) {
        s.replace(i, from.size(), to);
    }
    return s;
}

/// The diagnostics of one case directory, with the directory prefix removed.
std::string diagnose(const fs::path& dir) {
    LoadOptions options;
    options.paths = {dir.string()};
    options.require_environment = false;
    const auto result = load_manifests(options);
    return replace_all(result.diagnostics.to_string(), dir.string() + "/", "");
}

std::vector<fs::path> cases() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(fs::path(CONVERGE_TEST_DATA) / "malformed")) {
        if (e.is_directory()) {
            out.push_back(e.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_SUITE("manifest") {

TEST_CASE("every malformed manifest gives exactly its expected diagnostics") {
    const auto all = cases();
    CHECK(all.size() >= 30);
    for (const auto& dir : all) {
        CAPTURE(dir.filename().string());
        const auto expected = dir / "expected.txt";
        REQUIRE_MESSAGE(fs::exists(expected), "missing " << expected.string());
        const std::string actual = diagnose(dir);
        CHECK(actual == read_text(expected));
        CHECK(actual.find("error: ") != std::string::npos);  // every case must fail
    }
}

}  // TEST_SUITE
