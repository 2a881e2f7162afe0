#pragma once
// The HTTP(S) listener (the only file that includes cpp-httplib).
#include "platform/http.hpp"

#include <functional>
#include <memory>
#include <string>

namespace emulator {

/// A listener that turns httplib requests into Request/Response for `handler`.
class HttpServer {
public:
    using Handler = std::function<Response(const Request&)>;

    /// TLS when cert/key paths are given, plain HTTP otherwise.
    HttpServer(const std::string& cert_path, const std::string& key_path, Handler handler);
    ~HttpServer();

    /// Binds (port 0 = ephemeral) and serves on a background thread; returns the port.
    /// Throws std::runtime_error when binding fails.
    int start(const std::string& host, int port);
    /// The address the listening socket is bound to ("127.0.0.1", "::1"), from getsockname.
    std::string bound_host() const;
    /// Stops serving and joins the thread.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace emulator
