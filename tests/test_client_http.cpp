#include "converge/http.hpp"
#include "converge/redact.hpp"
#include "converge/api_error.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace std::chrono_literals;

TEST_SUITE("client") {
TEST_CASE("header lookup ignores case and set replaces") {
    HttpHeaders h{{"Content-Type", "a"}, {"x-ms-request-id", "r1"}};
    CHECK(h.get("content-type") == "a");
    CHECK(h.get("X-MS-REQUEST-ID") == "r1");
    h.set("CONTENT-TYPE", "b");
    CHECK(h.get("content-type") == "b");
    CHECK(h.items().size() == 2);
    CHECK_FALSE(h.has("missing"));
}

TEST_CASE("retry-after: milliseconds headers win over seconds; junk is ignored") {
    CHECK(retry_after(HttpHeaders{{"Retry-After", "7"}}) == std::chrono::milliseconds(7000));
    CHECK(retry_after(HttpHeaders{{"Retry-After", "7"}, {"retry-after-ms", "15"}}) == 15ms);
    CHECK(retry_after(HttpHeaders{{"x-ms-retry-after-ms", "40"}}) == 40ms);
    CHECK_FALSE(retry_after(HttpHeaders{{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}));
    CHECK_FALSE(retry_after(HttpHeaders{{"Retry-After", "-3"}}));
    CHECK_FALSE(retry_after(HttpHeaders{}));
}

TEST_CASE("url helpers") {
    CHECK(url_encode("a b/c?d=é") == "a%20b%2Fc%3Fd%3D%C3%A9");
    CHECK(url_origin("HTTPS://Arm.Test:8443/x?y") == "https://arm.test:8443");
    CHECK(url_path_and_query("https://h/subscriptions/s?api-version=1") == "/subscriptions/s?api-version=1");
    CHECK(url_path_and_query("https://h?x=1") == "/?x=1");
    CHECK(is_loopback_url("http://127.0.0.1:8080/x"));
    CHECK(is_loopback_url("http://localhost/x"));
    CHECK(is_loopback_url("http://[::1]:80/"));
    CHECK_FALSE(is_loopback_url("http://169.254.169.254/metadata"));
    CHECK_FALSE(is_loopback_url("http://127.0.0.1.evil.test/"));
    CHECK(url_host("HTTPS://Arm.Test:8443/x?y") == "arm.test");
    CHECK(url_host("https://westeurope.api.azureml.ms") == "westeurope.api.azureml.ms");
    CHECK(url_host("https://[::1]:8443/x") == "[::1]");
    CHECK(url_host("https://management.azure.com@evil.test/x") == "");  // userinfo: no host to trust
    CHECK(url_host("https://evil.test\\@management.azure.com/") == "");
    CHECK(url_host("https://ev%69l.test/") == "");
    CHECK(url_host("/subscriptions/s") == "");
}

TEST_CASE("redaction: query secrets, bearer tokens, known values, headers") {
    CHECK(redact_url("https://h/p?api-version=1&sig=abc&$skiptoken=t1&client_secret=s3") ==
          "https://h/p?api-version=1&sig=REDACTED&$skiptoken=t1&client_secret=REDACTED");
    CHECK(redact_url("https://h/p") == "https://h/p");
    CHECK(redact_text("Authorization: Bearer eyJ0eXAi.abc.def, next") == "Authorization: Bearer REDACTED, next");
    CHECK(redact_text("bad secret hunter22 given", {"hunter22"}) == "bad secret REDACTED given");
    CHECK(redact_text("token tok-1 and tok-12345", {"tok-12345", "tok-1"}).find("tok-1") == std::string::npos);
    CHECK(redact_header_value("authorization", "Bearer x") == "REDACTED");
    CHECK(redact_header_value("X-IDENTITY-HEADER", "x") == "REDACTED");
    CHECK(redact_header_value("Accept", "application/json") == "application/json");
}

TEST_CASE("ARM error bodies become ApiError with code, message, target and request id") {
    auto e = api_error_from_response(
        409, R"({"error":{"code":"Conflict","message":"busy","target":"properties.x"}})", "rid-1");
    CHECK(e.code == "Conflict");
    CHECK(e.message == "busy");
    CHECK(e.target == "properties.x");
    e.method = "PUT";
    e.path = "/subscriptions/s/resourceGroups/g";
    CHECK(e.to_string() == "PUT /subscriptions/s/resourceGroups/g -> 409 Conflict: Conflict: busy [target properties.x] "
                           "(request id rid-1)");
    auto raw = api_error_from_response(502, "<html>bad gateway</html>", "");
    CHECK(raw.code.empty());
    CHECK(raw.message == "<html>bad gateway</html>");
}
}
