#pragma once
// The libcurl Transport: pooled easy handles over one share handle (connections, DNS and
// TLS sessions shared), so thousands of requests reuse a few connections.
#include "converge/http.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace converge {

/// libcurl settings. TLS verification cannot be turned off.
struct CurlOptions {
    std::string ca_bundle;                              ///< PEM file of trusted CAs; empty = system
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds request_timeout{120'000};  ///< total per request
    int max_connections = 32;                           ///< idle connections kept for reuse
    bool http2 = true;                                  ///< negotiate HTTP/2 over TLS when offered
    std::string user_agent = "converge";
};

/// Transport over libcurl. Thread-safe; blocking send.
class CurlTransport final : public Transport {
public:
    explicit CurlTransport(CurlOptions options);
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    HttpResponse send(const HttpRequest& request) override;
    /// Connections opened so far (reuse shows as few connections for many requests).
    long connections_opened() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace converge
