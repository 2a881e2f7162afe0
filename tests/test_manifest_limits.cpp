// Hostile manifests: every input costs bounded time, memory and stack, and a limit that is hit
// is a located error naming it (issue 21). Inputs that are files live in tests/data/hostile/
// (also the fuzzers' seed corpus); the large ones are generated here.
#include "manifest_helpers.hpp"

#include <ctime>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/resource.h>

using namespace converge;
using converge::test::load_inline;

namespace {

const std::string k_head = "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata:\n  name: rg\nspec:\n  location: westeurope\n";

std::string hostile(const std::string& name) {
    std::ifstream in(std::string(CONVERGE_TEST_DATA) + "/hostile/" + name, std::ios::binary);
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

/// Loads one file and returns its diagnostics, checking its CPU time (not wall time: the
/// machine may be busy). Each takes under 0.15 s here; without the limits, seconds to minutes.
std::string load_fast(const std::string& text) {
    const double t0 = thread_cpu_seconds();
    const auto r = load_inline({{"m.yaml", text}});
    CHECK(thread_cpu_seconds() - t0 < 2.0);
    return r.diagnostics.to_string();
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    out.reserve(s.size() * n);
    for (int i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

}  // namespace

TEST_SUITE("manifest") {

TEST_CASE("limits: a billion laughs stops at the alias limit, fast and small") {
    const long before = peak_rss_kib();
    const auto d = load_fast(hostile("billion-laughs.yaml"));
    CHECK(d.find("m.yaml:14:") != std::string::npos);
    CHECK(d.find("error: aliases expand to more than 100000 nodes in one document (the limit)") != std::string::npos);
    // Unbounded it takes ~3 GB; the peak may only grow by what the limit allows.
    CHECK(peak_rss_kib() - before < 200 * 1024);
}

TEST_CASE("limits: alias count and alias text size") {
    // Many cheap aliases: the count limit.
    std::string many = k_head + "  tags:\n    a: &a x\n    b: [" + repeat("*a, ", 1200) + "*a]\n";
    auto d = load_fast(many);
    CHECK(d.find("m.yaml:9:4009:") != std::string::npos);
    CHECK(d.find("error: more than 1000 aliases in one document (the limit)") != std::string::npos);
    // Few aliases of a long string: the text limit.
    const std::string big(1 << 20, 'x');
    std::string wide = k_head + "  tags:\n    a: &a " + big + "\n    b: [" + repeat("*a, ", 20) + "*a]\n";
    d = load_fast(wide);
    CHECK(d.find("error: aliases expand to more than 16 MiB of text in one document (the limit)") != std::string::npos);
    // Ordinary anchors and merge keys are untouched.
    const auto ok = load_inline({{"m.yaml", k_head + "  tags:\n    base: &b {owner: x}\n    t: {<<: *b, team: y}\n"
                                                     "    u: *b\n"}});
    CHECK(ok.diagnostics.to_string().find("alias") == std::string::npos);
}

TEST_CASE("limits: a chain of merge keys stops at the alias limit, fast") {
    std::string chain = k_head + "  tags:\n    k0: &k0 {a0: x}\n";
    for (int i = 1; i < 3000; ++i) {
        chain += "    k" + std::to_string(i) + ": &k" + std::to_string(i) + " {<<: *k" + std::to_string(i - 1) + ", a" +
                 std::to_string(i) + ": x}\n";
    }
    const auto d = load_fast(chain);
    CHECK(d.find("error: aliases expand to more than 100000 nodes in one document (the limit)") != std::string::npos);
}

TEST_CASE("limits: nesting depth, flow and block") {
    const int n = 20000;
    auto d = load_fast(k_head + "  tags: {x: " + std::string(n, '[') + std::string(n, ']') + "}\n");
    CHECK(d.find("m.yaml:7:74: error: nesting deeper than 64 levels (the limit for mappings and lists)") !=
          std::string::npos);
    std::string block = k_head + "  tags:\n";
    std::string indent = "    ";
    for (int i = 0; i < 3000; ++i) {
        block += indent + "a:\n";
        indent += " ";
    }
    block += indent + "b\n";
    d = load_fast(block);
    CHECK(d.find("error: nesting deeper than 64 levels (the limit for mappings and lists)") != std::string::npos);
    // 64 levels are allowed.
    d = load_fast(k_head + "  tags: {x: " + std::string(61, '[') + std::string(61, ']') + "}\n");
    CHECK(d.find("nesting") == std::string::npos);
}

TEST_CASE("limits: keys of one mapping") {
    // In reverse order each key moved all the others (200,000 took 230 s); in order here, so
    // that the test stays fast in unoptimised sanitizer builds.
    const auto key = [](char prefix, int i) { return fmt::format("{}{:05}", prefix, i); };
    std::string wide = k_head + "  tags:\n";
    for (int i = 0; i < 6000; ++i) {
        wide += "    " + key('k', i) + ": x\n";
    }
    auto d = load_fast(wide);
    CHECK(d.find("m.yaml:5008:5: error: more than 5000 keys in one mapping (the limit)") != std::string::npos);
    // Through merge keys too.
    std::string merged = k_head + "  tags:\n    base: &b {";
    for (int i = 0; i < 3000; ++i) {
        merged += key('a', i) + ": x, ";
    }
    merged += "z: x}\n    t:\n      <<: *b\n";
    for (int i = 0; i < 2500; ++i) {
        merged += "      " + key('b', i) + ": x\n";
    }
    d = load_fast(merged);
    CHECK(d.find("error: more than 5000 keys in one mapping (the limit)") != std::string::npos);
}

TEST_CASE("limits: a very long string against a pattern is an error, not a stack overflow") {
    const std::string name(200000, 'a');
    std::string text = k_head;
    text.replace(text.find("name: rg"), 8, "name: " + name);
    const auto d = load_fast(text);
    CHECK(d.find("m.yaml:4:9: error: \"name\" is 200000 characters long, more than the 1024 that a pattern is "
                 "checked on (the limit)") != std::string::npos);
    // Long strings where no pattern applies are fine.
    const auto ok = load_inline({{"m.yaml", k_head + "  tags: {t: " + std::string(5000, 'x') + "}\n"}});
    CHECK(ok.diagnostics.to_string().find("the limit") == std::string::npos);
}

TEST_CASE("limits: ${ nested 10,000 deep is an error, not a stack overflow") {
    const int n = 10000;
    auto d = load_fast(k_head + "  tags: {t: '" + repeat("${", n) + std::string(n, '}') + "'}\n");
    CHECK(d.find("m.yaml:7:") != std::string::npos);
    CHECK(d.find("error: \"${\" nested 10000 levels deep (the limit is 16)") != std::string::npos);
    d = load_fast(k_head + "  tags: {t: '" + repeat("${", n) + "'}\n");
    CHECK(d.find("unterminated") != std::string::npos);
}

TEST_CASE("a UTF-8 byte order mark is accepted at the start of the file and of each document") {
    for (const char* file : {"bom-single.yaml", "bom-multi.yaml", "bom-each-document.yaml", "non-ascii-multi.yaml"}) {
        CAPTURE(file);
        const auto r = load_inline({{"m.yaml", hostile(file)}});
        CHECK(r.diagnostics.to_string() == "");
        CHECK(r.desired.resources.size() == (std::string(file) == "bom-single.yaml" ? 1U : 2U));
    }
    // Multi-byte characters in long lines before each '---' (libyaml counts characters).
    std::string text;
    for (int i = 0; i < 5; ++i) {
        std::string doc = k_head;
        doc.replace(doc.find("name: rg"), 8, "name: rg" + std::to_string(i));
        text += (i > 0 ? "---\n" : "") + doc + "  tags: {a: '" + repeat("é", 30 * i) + std::string(101, 'x') + repeat("日本", 5) + "'}\n";
    }
    const auto many = load_inline({{"m.yaml", text}});
    CHECK(many.diagnostics.to_string() == "");
    CHECK(many.desired.resources.size() == 5U);
    // Positions are unchanged by the mark.
    const auto r = load_inline({{"m.yaml", hostile("bom-each-document.yaml") + "  bad: 1\n"}});
    CHECK(r.diagnostics.to_string().find("m.yaml:14:3: error: unknown field \"bad\"") != std::string::npos);
}

}  // TEST_SUITE
