#include "converge/http.hpp"
#include "converge/model.hpp"
#include "converge/redact.hpp"

#include <doctest/doctest.h>

using namespace converge;

namespace {
bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }
}  // namespace

TEST_SUITE("scrubber") {
TEST_CASE("a secret is replaced as is, longest first") {
    const Scrubber s({"hunter22", "hunter22-long"});
    CHECK(s("pw=hunter22-long and hunter22.") == "pw=(sensitive) and (sensitive).");
    CHECK(s.contains("xhunter22x"));
    CHECK_FALSE(s.contains("hunter2"));
    CHECK(Scrubber({"abc"}, k_redacted)("abc") == "abc");  // too short to replace inside text
    CHECK(Scrubber({"s3cr3t-value"}, k_redacted)("a s3cr3t-value b") == "a REDACTED b");
}

TEST_CASE("a secret is found escaped in JSON output") {
    const std::string secret = R"(pa"ss\word)";
    const Scrubber s({secret});
    const std::string dumped = Json{{"message", "failed with " + secret}}.dump();
    REQUIRE_FALSE(has(dumped, secret));  // the raw form is not there: only the escaped one
    const std::string out = s(dumped);
    CHECK_FALSE(has(out, R"(pa\"ss\\word)"));
    CHECK(has(out, "(sensitive)"));
    CHECK(Json::parse(out)["message"] == "failed with (sensitive)");
    CHECK(s.contains(dumped));
    const std::string control = "line1\nline2";
    CHECK_FALSE(has(Scrubber({control})(Json(control).dump()), "line1\\nline2"));
}

TEST_CASE("a secret is found URL-encoded") {
    const std::string secret = "p@ss word/+=";
    const Scrubber s({secret});
    const std::string url = "https://h/x?password=" + url_encode(secret) + "&a=1";
    const std::string out = s(url);
    CHECK_FALSE(has(out, url_encode(secret)));
    CHECK(out == "https://h/x?password=(sensitive)&a=1");
    CHECK(s.contains(url));
}

TEST_CASE("a secret is found base64-encoded, with or without padding") {
    const Scrubber s({"secret!"});  // base64: c2VjcmV0IQ==
    CHECK(s("Basic c2VjcmV0IQ==") == "Basic (sensitive)");
    CHECK(s("jwt.c2VjcmV0IQ.sig") == "jwt.(sensitive).sig");
    CHECK(s.contains("c2VjcmV0IQ=="));
    const Scrubber three({"abcdef"});  // no padding: YWJjZGVm
    CHECK(three("x YWJjZGVm y") == "x (sensitive) y");
}

TEST_CASE("short secrets are matched as whole values only, never inside text") {
    const Scrubber s({"ab1"});
    CHECK(s("tab1e") == "tab1e");
    Json v = {{"a", "xab1x"}, {"b", "other"}};
    CHECK(s.scrub(v));
    CHECK(v["a"] == "(sensitive)");
    CHECK(v["b"] == "other");
    CHECK_FALSE(Scrubber({""}).contains("anything"));
    CHECK(Scrubber({""}).empty());
}

TEST_CASE("values holding a secret in any form are replaced whole inside JSON") {
    const Scrubber s({"t0p-secret"});
    Json v = {{"list", {"x", "prefix-t0p-secret"}}, {"encoded", "dDBwLXNlY3JldA=="}, {"n", 3}};
    CHECK(s.scrub(v));
    const Json want = {{"list", {"x", "(sensitive)"}}, {"encoded", "(sensitive)"}, {"n", 3}};
    CHECK(v == want);
    Json clean = {{"a", "b"}};
    CHECK_FALSE(s.scrub(clean));
}

TEST_CASE("a desired set's secrets: sensitive variables and the values at sensitive pointers") {
    DesiredSet set;
    set.secret_values = {"from-a-variable"};
    Resource r;
    r.body = {{"properties", {{"k/ey", {"nested-secret", 12345}}, {"other", "visible"}}}};
    r.sensitive.insert("/properties/k~1ey");
    set.resources.push_back(r);
    const Scrubber s = Scrubber::for_desired(set);
    CHECK(s("from-a-variable nested-secret 12345 visible") == "(sensitive) (sensitive) (sensitive) visible");
}

TEST_CASE("redact_text finds the encoded forms too, and bearer tokens") {
    CHECK(redact_text(R"({"error":"bad \"quoted\" secret"})", {R"(bad "quoted" secret)"}) == R"({"error":"REDACTED"})");
    CHECK(redact_text("Authorization: Bearer abc.def") == "Authorization: Bearer REDACTED");
}
}
