#pragma once
// The libcurl Transport: pooled easy handles over one share handle (connections, DNS and
// TLS sessions shared), so thousands of requests reuse a few connections.
#include "converge/http.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace converge {

/// libcurl settings. TLS verification cannot be turned off.
struct CurlOptions {
    std::string ca_bundle;                              ///< PEM file of trusted CAs; empty = system
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds request_timeout{120'000};  ///< total per request
    /// Largest body accepted, counted after decoding (gzip, br, ...) and checked against
    /// Content-Length before the body is read; past it the transfer is aborted (too_large).
    std::size_t max_response_bytes = std::size_t{64} << 20;
    /// Once the response has started (status line received), a transfer that receives no byte
    /// for this long is aborted as a timeout. Before that, only request_timeout applies.
    std::chrono::milliseconds stall_timeout{20'000};
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
