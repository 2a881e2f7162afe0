#pragma once
// Test doubles at the client's seams: a scripted Transport that records what it was sent.
// ManualClock and FixedRandom live in converge/clock.hpp.
#include "converge/arm_client.hpp"
#include "converge/http.hpp"
#include "converge/json.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace converge::testing {

/// A workspace and its Azure-AsyncOperation status URL, for the LRO tests on a scripted transport.
inline const std::string k_ws =
    "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1";
inline const std::string k_op =
    "https://arm.test/subscriptions/sub1/providers/Microsoft.MachineLearningServices/locations/westeurope/"
    "workspaceOperationsStatus/op1?api-version=2025-12-01";

/// A response with a JSON body (or none when `body` is null).
inline HttpResponse json_response(int status, const Json& body = nullptr, HttpHeaders headers = {}) {
    HttpResponse r;
    r.status = status;
    r.headers = std::move(headers);
    if (!body.is_null()) {
        r.body = body.dump();
        r.headers.set("Content-Type", "application/json");
    }
    return r;
}

/// A transport failure of the given kind.
inline HttpResponse failure(TransportError kind, std::string message = "fake failure") {
    HttpResponse r;
    r.error = kind;
    r.error_message = std::move(message);
    return r;
}

/// Scripted transport: routes match method + URL substring and answer from their queue
/// (the last response repeats); requests nobody scripted get a 599 and are recorded.
class FakeTransport final : public Transport {
public:
    /// Queues `response` for requests whose method is `method` ("*" = any) and whose URL
    /// contains `url_part`.
    void on(std::string method, std::string url_part, HttpResponse response) {
        std::lock_guard lock(m_mutex);
        for (auto& route : m_routes) {
            if (route.method == method && route.url_part == url_part) {
                route.responses.push_back(std::move(response));
                return;
            }
        }
        m_routes.push_back(Route{std::move(method), std::move(url_part), {std::move(response)}});
    }
    /// Answers matching requests by calling `handler` (after scripted queues are tried).
    void handle(std::function<HttpResponse(const HttpRequest&)> handler) { m_handler = std::move(handler); }

    HttpResponse send(const HttpRequest& request) override {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(request);
        for (auto& route : m_routes) {
            if ((route.method == "*" || route.method == request.method) &&
                request.url.find(route.url_part) != std::string::npos) {
                HttpResponse r = route.responses.front();
                if (route.responses.size() > 1) {
                    route.responses.pop_front();
                }
                return r;
            }
        }
        if (m_handler) {
            return m_handler(request);
        }
        return json_response(599, Json{{"error", {{"code", "Unscripted"}, {"message", request.method + " " + request.url}}}});
    }

    /// Every request sent so far.
    std::vector<HttpRequest> requests() const {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    /// How many requests matched method ("*" = any) and URL substring.
    int count(const std::string& method, const std::string& url_part = "") const {
        std::lock_guard lock(m_mutex);
        int n = 0;
        for (const auto& r : m_requests) {
            if ((method == "*" || r.method == method) && r.url.find(url_part) != std::string::npos) {
                ++n;
            }
        }
        return n;
    }

private:
    struct Route {
        std::string method;
        std::string url_part;
        std::deque<HttpResponse> responses;
    };
    mutable std::mutex m_mutex;
    std::vector<Route> m_routes;
    std::vector<HttpRequest> m_requests;
    std::function<HttpResponse(const HttpRequest&)> m_handler;
};

/// An ArmClient wired to fakes: static token "tok-SECRET-123", ManualClock, jitter fixed at 0.5.
struct ClientHarness {
    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::vector<RequestEvent> events;
    std::mutex events_mutex;
    std::unique_ptr<ArmClient> client;

    explicit ClientHarness(ClientOptions options = {},
                           std::shared_ptr<TokenCredential> credential = nullptr) {
        options.arm_endpoint = "https://arm.test";
        options.on_request = [this](const RequestEvent& e) {
            std::lock_guard lock(events_mutex);
            events.push_back(e);
        };
        if (!credential) {
            credential = std::make_shared<StaticTokenCredential>("tok-SECRET-123");
        }
        client = std::make_unique<ArmClient>(options, transport, credential, clock, std::make_shared<FixedRandom>(0.5));
    }
};

}  // namespace converge::testing
