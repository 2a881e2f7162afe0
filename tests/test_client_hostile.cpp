// The real client (curl transport, TLS) against a small hostile HTTPS server on 127.0.0.1
// (issue 21): a body that claims 1 GiB, an endless body, a gzip bomb, a stalled body, a
// nextLink cycle of three pages, an Azure-AsyncOperation URL on a foreign host, and a 401 in
// the middle of polling. Every case must end in seconds with an error that names the limit.
#include "arm/curl_transport.hpp"
#include "converge/arm_client.hpp"
#include "converge/client_factory.hpp"

#include "aad/crypto.hpp"  // the emulator's throwaway CA + leaf generator (test-only use)

#include <doctest/doctest.h>
#include <httplib.h>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

using namespace converge;

namespace {
using Steady = std::chrono::steady_clock;

/// A CA and a leaf for 127.0.0.1 and localhost, made once per run in a temporary directory.
struct Certificates {
    std::filesystem::path dir;
    emulator::crypto::TlsFiles files;
    Certificates()
        : dir(std::filesystem::temp_directory_path() / ("converge-hostile-" + std::to_string(::getpid()))),
          files(emulator::crypto::ensure_tls_files(dir.string(), "")) {}
    ~Certificates() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

const emulator::crypto::TlsFiles& tls() {
    static const Certificates certificates;
    return certificates.files;
}

/// One request as the server saw it.
struct Seen {
    std::string host;           ///< the Host header
    std::string path;
    std::string authorization;  ///< "" when absent
};

/// An HTTPS server on 127.0.0.1 whose handlers the test installs; records every request.
struct HostileServer {
    httplib::SSLServer server{tls().cert.c_str(), tls().key.c_str()};
    int port = 0;
    std::thread thread;
    std::atomic<bool> stopping{false};
    std::mutex mutex;
    std::vector<Seen> seen;

    HostileServer() {
        REQUIRE(server.is_valid());
        server.set_tcp_nodelay(true);
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] {
            // Writing to a connection the client aborted must not kill the test with SIGPIPE;
            // the worker threads inherit this mask.
            sigset_t pipe;
            sigemptyset(&pipe);
            sigaddset(&pipe, SIGPIPE);
            pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
            server.listen_after_bind();
        });
        while (!server.is_running()) {
            std::this_thread::yield();
        }
    }
    ~HostileServer() {
        stopping = true;
        server.stop();
        thread.join();
    }
    std::string origin(const std::string& host = "127.0.0.1") const {
        return "https://" + host + ":" + std::to_string(port);
    }
    void record(const httplib::Request& req) {
        std::lock_guard lock(mutex);
        seen.push_back({req.get_header_value("Host"), req.path, req.get_header_value("Authorization")});
    }
    std::vector<Seen> requests(const std::string& path_part) {
        std::lock_guard lock(mutex);
        std::vector<Seen> out;
        for (const auto& s : seen) {
            if (s.path.find(path_part) != std::string::npos) {
                out.push_back(s);
            }
        }
        return out;
    }
    /// Sleeps up to `limit` in small steps, ending early when the server stops.
    void nap(std::chrono::milliseconds limit) const {
        const auto until = Steady::now() + limit;
        while (!stopping && Steady::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
};

EnvLookup no_env() {
    return [](const std::string&) { return std::optional<std::string>(); };
}

/// Options for a client of `server`: its CA trusted, a static token, no retry unless asked.
ClientOptions options_for(const HostileServer& server) {
    ClientOptions options;
    options.arm_endpoint = server.origin();
    options.ca_bundle = tls().ca_cert;
    options.credentials.azure_cli = false;
    options.credentials.static_token = "static-tok";
    options.retry.base_delay = std::chrono::milliseconds(1);
    options.retry.max_delay = std::chrono::milliseconds(5);
    options.lro_default_interval = std::chrono::milliseconds(10);
    return options;
}

std::shared_ptr<ArmClient> client_for(const ClientOptions& options) {
    auto made = make_arm_client(options, no_env());
    REQUIRE(made);
    return *made;
}

long long ms_since(Steady::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start).count();
}

/// Mints "token-1", "token-2", ... and counts how often it was asked.
struct CountingCredential final : TokenCredential {
    std::atomic<int> fetches{0};
    std::string name() const override { return "counting"; }
    tl::expected<AccessToken, AuthError> get_token(const std::string&) override {
        return AccessToken{"token-" + std::to_string(++fetches), 0};
    }
};
}  // namespace

TEST_SUITE("client") {
TEST_CASE("hostile server: a body that claims 1 GiB fails at once on Content-Length, not retried") {
    HostileServer hostile;
    hostile.server.Get("/huge", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.set_content_provider(std::size_t{1} << 30, "application/json",
                                 [&](std::size_t, std::size_t, httplib::DataSink& sink) {
                                     const std::string chunk(64 * 1024, ' ');
                                     return !hostile.stopping && sink.write(chunk.data(), chunk.size());
                                 });
    });
    auto client = client_for(options_for(hostile));  // the default limit: 64 MiB
    const auto start = Steady::now();
    auto r = client->get("/huge", "1");
    REQUIRE_FALSE(r);
    CHECK(ms_since(start) < 3000);
    CHECK(r.error().kind == ApiErrorKind::transport);
    CHECK(r.error().code == "too_large");
    CHECK_FALSE(r.error().retryable);
    const std::string text = r.error().to_string();
    CHECK(text.find("GET /huge?api-version=1") != std::string::npos);
    CHECK(text.find("1073741824 bytes") != std::string::npos);
    CHECK(text.find("64 MiB (max_response_bytes)") != std::string::npos);
    CHECK(hostile.requests("/huge").size() == 1);  // not retried although GET is idempotent
}

TEST_CASE("hostile server: an endless body stops at the size limit") {
    HostileServer hostile;
    std::atomic<long long> sent{0};
    hostile.server.Get("/endless", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.set_chunked_content_provider("application/octet-stream", [&](std::size_t, httplib::DataSink& sink) {
            const std::string chunk(64 * 1024, 'x');
            sent += static_cast<long long>(chunk.size());
            return !hostile.stopping && sent < (1LL << 32) && sink.write(chunk.data(), chunk.size());
        });
    });
    ClientOptions options = options_for(hostile);
    options.max_response_bytes = std::size_t{1} << 20;
    auto client = client_for(options);
    const auto start = Steady::now();
    auto r = client->get("/endless", "1");
    REQUIRE_FALSE(r);
    CHECK(ms_since(start) < 3000);
    CHECK(r.error().code == "too_large");
    CHECK(r.error().message.find("exceeds the limit of 1 MiB") != std::string::npos);
    CHECK(hostile.requests("/endless").size() == 1);
    CHECK(sent < (64LL << 20));  // the client hung up long before a runaway amount
}

TEST_CASE("hostile server: a gzip bomb is counted after decompression") {
    // 16 MiB of spaces compress to about 16 KiB: far under the limit on the wire.
    std::string bomb;
    {
        httplib::detail::gzip_compressor gzip;
        const std::string block(1 << 20, ' ');
        for (int i = 0; i < 16; ++i) {
            REQUIRE(gzip.compress(block.data(), block.size(), i == 15, [&](const char* data, std::size_t n) {
                bomb.append(data, n);
                return true;
            }));
        }
    }
    REQUIRE(bomb.size() < 64 * 1024);
    HostileServer hostile;
    hostile.server.Get("/bomb", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.set_header("Content-Encoding", "gzip");
        res.set_content(bomb, "application/octet-stream");
    });
    hostile.server.Get("/small", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.set_header("Content-Encoding", "gzip");
        std::string small;
        httplib::detail::gzip_compressor gzip;
        const std::string body = R"({"name":"ok"})";
        gzip.compress(body.data(), body.size(), true, [&](const char* data, std::size_t n) {
            small.append(data, n);
            return true;
        });
        res.set_content(small, "application/octet-stream");
    });
    ClientOptions options = options_for(hostile);
    options.max_response_bytes = std::size_t{1} << 20;
    auto client = client_for(options);
    auto ok = client->get("/small", "1");  // gzip itself is fine
    REQUIRE(ok);
    CHECK((*ok)["name"] == "ok");
    const auto start = Steady::now();
    auto r = client->get("/bomb", "1");
    REQUIRE_FALSE(r);
    CHECK(ms_since(start) < 3000);
    CHECK(r.error().code == "too_large");
    CHECK(r.error().message.find("counted after decompression") != std::string::npos);
    CHECK(hostile.requests("/bomb").size() == 1);
}

TEST_CASE("hostile server: a body that stalls fails after the stall timeout, not the request timeout") {
    HostileServer hostile;
    hostile.server.Get("/stall", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.set_chunked_content_provider("application/json", [&](std::size_t offset, httplib::DataSink& sink) {
            if (offset == 0) {
                const std::string start = R"({"value": [)";
                return sink.write(start.data(), start.size());
            }
            hostile.nap(std::chrono::seconds(20));  // headers and a few bytes, then silence
            return false;
        });
    });
    ClientOptions options = options_for(hostile);
    options.stall_timeout = std::chrono::milliseconds(300);
    options.retry.max_attempts = 2;  // a stall is a timeout: retried like one, and bounded
    auto client = client_for(options);
    const auto start = Steady::now();
    auto r = client->get("/stall", "1");
    REQUIRE_FALSE(r);
    CHECK(ms_since(start) < 6000);  // 2 attempts of about 1 s; the request timeout is 120 s
    CHECK(r.error().code == "timeout");
    CHECK(r.error().message.find("stalled: no data for 300 ms (stall_timeout)") != std::string::npos);
    CHECK(hostile.requests("/stall").size() == 2);
}

TEST_CASE("hostile server: a nextLink cycle of three pages is an error naming the list") {
    HostileServer hostile;
    const std::map<std::string, std::string> next = {{"/list/a", "/list/b"}, {"/list/b", "/list/c"}, {"/list/c", "/list/a"}};
    hostile.server.Get("/list/.*", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        const nlohmann::json page = {{"value", {{{"name", req.path}}}},
                                     {"nextLink", hostile.origin() + next.at(req.path) + "?api-version=1"}};
        res.set_content(page.dump(), "application/json");
    });
    auto client = client_for(options_for(hostile));
    const auto start = Steady::now();
    auto r = client->list("/list/a", "1");
    REQUIRE_FALSE(r);
    CHECK(ms_since(start) < 3000);
    CHECK(r.error().kind == ApiErrorKind::decode);
    CHECK(r.error().path == "/list/a?api-version=1");
    CHECK(r.error().message.find("nextLink cycle: page 3") != std::string::npos);
    CHECK(hostile.requests("/list/").size() == 3);  // each page once
}

TEST_CASE("hostile server: endless distinct pages stop at max_pages and max_list_bytes") {
    HostileServer hostile;
    hostile.server.Get(R"(/pages/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        const int n = std::stoi(req.matches[1].str());
        const nlohmann::json page = {{"value", nlohmann::json::array()},
                                     {"nextLink", hostile.origin() + "/pages/" + std::to_string(n + 1)}};
        res.set_content(page.dump(), "application/json");
    });
    ClientOptions options = options_for(hostile);
    options.max_pages = 5;
    auto client = client_for(options);
    auto r = client->list("/pages/1", "1");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("more than 5 pages (max_pages)") != std::string::npos);
    CHECK(r.error().path == "/pages/1?api-version=1");
    CHECK(hostile.requests("/pages/").size() == 5);

    // Pages each under the response limit that add up past the list's.
    options.max_pages = 10'000;
    options.max_list_bytes = std::size_t{1} << 20;
    hostile.server.Get(R"(/fat/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        const int n = std::stoi(req.matches[1].str());
        const nlohmann::json page = {{"value", {{{"pad", std::string(100 * 1024, 'x')}}}},
                                     {"nextLink", hostile.origin() + "/fat/" + std::to_string(n + 1)}};
        res.set_content(page.dump(), "application/json");
    });
    auto fat = client_for(options)->list("/fat/1", "1");
    REQUIRE_FALSE(fat);
    CHECK(fat.error().message.find("more than 1 MiB (max_list_bytes); stopped at page 11") != std::string::npos);
    CHECK(hostile.requests("/fat/").size() == 11);
}

TEST_CASE("hostile server: an Azure-AsyncOperation URL on a foreign host gets no Authorization header") {
    HostileServer hostile;
    const std::string rg = "/subscriptions/s1/resourceGroups/rg1";
    // ARM is https://127.0.0.1:port; "localhost" is the same server under another host name.
    hostile.server.Put(rg, [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.status = 201;
        res.set_header("Azure-AsyncOperation", hostile.origin("localhost") + "/foreign/op1?api-version=1");
        res.set_header("Retry-After", "0");
        res.set_content(R"({"name":"rg1","properties":{"provisioningState":"Accepted"}})", "application/json");
    });
    hostile.server.Get(rg, [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.set_content(R"({"name":"rg1","properties":{"provisioningState":"Succeeded"}})", "application/json");
    });
    hostile.server.Get("/foreign/.*", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.set_content(R"({"status":"Succeeded"})", "application/json");
    });
    ClientOptions options = options_for(hostile);
    std::mutex warnings_mutex;
    std::vector<std::string> warnings;
    options.on_warning = [&](const std::string& w) {
        std::lock_guard lock(warnings_mutex);
        warnings.push_back(w);
    };
    auto client = client_for(options);
    REQUIRE(client->put(rg, "2021-04-01", nlohmann::json{{"location", "westeurope"}}));
    REQUIRE(client->put(rg, "2021-04-01", nlohmann::json{{"location", "westeurope"}}));  // a second operation
    const auto foreign = hostile.requests("/foreign/");
    REQUIRE(foreign.size() == 2);
    for (const auto& s : foreign) {
        CHECK(s.host.starts_with("localhost"));
        CHECK(s.authorization.empty());
    }
    const auto arm = hostile.requests(rg);
    REQUIRE(arm.size() == 4);  // two PUTs and two final GETs
    for (const auto& s : arm) {
        CHECK(s.host.starts_with("127.0.0.1"));
        CHECK(s.authorization == "Bearer static-tok");
    }
    std::lock_guard lock(warnings_mutex);
    REQUIRE(warnings.size() == 1);  // once per host
    CHECK(warnings[0].find("without the bearer token: host localhost") != std::string::npos);
    CHECK(warnings[0].find("static-tok") == std::string::npos);
}

TEST_CASE("hostile server: a 401 mid-poll refreshes the token once and polls again at once") {
    HostileServer hostile;
    const std::string ws = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1";
    std::atomic<bool> always_reject{false};
    hostile.server.Put(ws, [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.status = 201;
        res.set_header("Azure-AsyncOperation", hostile.origin() + "/operations/op1?api-version=1");
        res.set_header("Retry-After", "0");
        res.set_content(R"({"name":"ws1"})", "application/json");
    });
    hostile.server.Get(ws, [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        res.set_content(R"({"name":"ws1","properties":{"provisioningState":"Succeeded"}})", "application/json");
    });
    hostile.server.Get("/operations/op1", [&](const httplib::Request& req, httplib::Response& res) {
        hostile.record(req);
        // The token the PUT used was revoked while the operation ran.
        if (always_reject || req.get_header_value("Authorization") == "Bearer token-1") {
            res.status = 401;
            res.set_content(R"({"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}})",
                            "application/json");
            return;
        }
        res.set_content(R"({"status":"Succeeded"})", "application/json");
    });
    ClientOptions options = options_for(hostile);
    options.lro_default_interval = std::chrono::seconds(60);  // any wait on a 401 would show
    auto transport = std::make_shared<CurlTransport>(CurlOptions{.ca_bundle = tls().ca_cert});
    auto credential = std::make_shared<CountingCredential>();
    ArmClient client(options, transport, credential, std::make_shared<SystemClock>(), std::make_shared<DefaultRandom>());

    auto start = Steady::now();
    LroReport report;
    CallOptions call;
    call.report = &report;
    REQUIRE(client.put(ws, "2025-12-01", nlohmann::json::object(), call));
    CHECK(ms_since(start) < 3000);
    CHECK(credential->fetches == 2);  // the first token, and one refresh
    CHECK(client.stats().auth_refreshes == 1);
    CHECK(report.polls == 2);  // the status poll (401, then 200 at once) and the final GET
    const auto polls = hostile.requests("/operations/op1");
    REQUIRE(polls.size() == 2);
    CHECK(polls[0].authorization == "Bearer token-1");
    CHECK(polls[1].authorization == "Bearer token-2");

    // A token the service keeps rejecting: an auth error naming the audience, at once.
    always_reject = true;
    start = Steady::now();
    auto denied = client.put(ws, "2025-12-01", nlohmann::json::object());
    REQUIRE_FALSE(denied);
    CHECK(ms_since(start) < 3000);
    CHECK(denied.error().kind == ApiErrorKind::auth);
    CHECK(denied.error().status == 401);
    CHECK(denied.error().credential == "counting");
    CHECK(denied.error().message.find("audience https://management.azure.com") != std::string::npos);
    CHECK(hostile.requests("/operations/op1").size() == 4);  // one poll, refreshed once: 2 more requests
    CHECK(credential->fetches == 3);
}
}
