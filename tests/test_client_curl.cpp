// CurlTransport against a local cpp-httplib server on 127.0.0.1 (plain HTTP: loopback only).
#include "arm/curl_transport.hpp"
#include "converge/parallel.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <set>
#include <thread>

using namespace converge;

namespace {
struct LocalServer {
    httplib::Server server;
    int port = 0;
    std::thread thread;
    std::mutex mutex;
    std::set<int> client_ports;

    LocalServer() {
        server.set_keep_alive_max_count(100000);
        auto record = [this](const httplib::Request& req) {
            std::lock_guard lock(mutex);
            client_ports.insert(req.remote_port);
        };
        server.Get("/echo", [record](const httplib::Request& req, httplib::Response& res) {
            record(req);
            res.set_header("X-Ms-Request-Id", "rid-7");
            res.set_content(req.get_header_value("X-Test"), "text/plain");
        });
        server.Put("/body", [record](const httplib::Request& req, httplib::Response& res) {
            record(req);
            res.status = 201;
            res.set_content(req.body + "|" + req.get_header_value("Content-Type"), "text/plain");
        });
        server.Delete("/gone", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
        while (!server.is_running()) {
            std::this_thread::yield();
        }
    }
    ~LocalServer() {
        server.stop();
        thread.join();
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};
}  // namespace

TEST_SUITE("client") {
TEST_CASE("curl transport: methods, bodies, headers") {
    LocalServer local;
    CurlTransport transport(CurlOptions{});
    HttpRequest get{"GET", local.url("/echo"), {{"X-Test", "hello"}}, ""};
    auto r = transport.send(get);
    REQUIRE(r.has_response());
    CHECK(r.status == 200);
    CHECK(r.body == "hello");
    CHECK(r.headers.get("x-ms-request-id") == "rid-7");
    auto put = transport.send(HttpRequest{"PUT", local.url("/body"), {{"Content-Type", "application/json"}}, R"({"a":1})"});
    CHECK(put.status == 201);
    CHECK(put.body == R"({"a":1}|application/json)");
    auto del = transport.send(HttpRequest{"DELETE", local.url("/gone"), {}, ""});
    CHECK(del.status == 204);
    auto head = transport.send(HttpRequest{"HEAD", local.url("/echo"), {}, ""});
    CHECK(head.status == 200);
    CHECK(head.body.empty());
}

TEST_CASE("curl transport: many parallel requests reuse a few connections") {
    LocalServer local;
    CurlTransport transport(CurlOptions{});
    std::vector<int> items(400);
    std::atomic<int> ok{0};
    parallel_for_each(items, 8, [&](int&) {
        auto r = transport.send(HttpRequest{"GET", local.url("/echo"), {}, ""});
        if (r.status == 200) {
            ++ok;
        }
    });
    CHECK(ok == 400);
    CHECK(transport.connections_opened() <= 8);
    std::lock_guard lock(local.mutex);
    CHECK(local.client_ports.size() <= 8);
}

TEST_CASE("curl transport: refused connection is a connect error; TLS without trust fails") {
    LocalServer local;
    const int port = local.port;
    local.server.stop();
    CurlTransport transport(CurlOptions{});
    auto r = transport.send(HttpRequest{"GET", "http://127.0.0.1:" + std::to_string(port) + "/echo", {}, ""});
    CHECK(r.error == TransportError::connect);
    CHECK_FALSE(r.error_message.empty());
}
}
