// The metrics endpoint over cpp-httplib: the CLI's only file that includes it.
#include "cli/metrics.hpp"

#include <httplib.h>

#include <thread>

namespace converge::cli {

struct MetricsServer::Impl {
    httplib::Server server;
    std::thread thread;
};

MetricsServer::MetricsServer() : m_impl(std::make_unique<Impl>()) {}

MetricsServer::~MetricsServer() { stop(); }

std::string MetricsServer::start(const std::string& address, const SyncMetrics& metrics) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
        return "expected HOST:PORT or :PORT, got \"" + address + "\"";
    }
    std::string host = address.substr(0, colon);
    if (host.empty()) {
        host = "0.0.0.0";
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    int port = 0;
    try {
        port = std::stoi(address.substr(colon + 1));
    } catch (const std::exception&) {
        return "expected a port number in \"" + address + "\"";
    }
    if (port <= 0 || port > 65535) {
        return "port out of range in \"" + address + "\"";
    }
    m_impl->server.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics.exposition(), "text/plain; version=0.0.4; charset=utf-8");
    });
    m_impl->server.Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("converge sync: metrics at /metrics\n", "text/plain; charset=utf-8");
    });
    if (!m_impl->server.bind_to_port(host, port)) {
        return "cannot listen on " + address;
    }
    m_impl->thread = std::thread([this] { m_impl->server.listen_after_bind(); });
    return {};
}

void MetricsServer::stop() {
    if (m_impl && m_impl->thread.joinable()) {
        m_impl->server.stop();
        m_impl->thread.join();
    }
}

}  // namespace converge::cli
