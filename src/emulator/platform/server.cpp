#include "platform/server.hpp"
#include "tls_stats.hpp"

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace emulator {

struct HttpServer::Impl {
    std::unique_ptr<httplib::Server> server;
    std::thread thread;
    std::atomic<bool> listening_done{false};
    Handler handler;
    int listen_socket = -1;
};

namespace {

Request convert(const httplib::Request& in) {
    Request r;
    r.method = in.method;
    r.path = in.path;
    r.body = in.body;
    r.remote_addr = in.remote_addr;
    for (const auto& [k, v] : in.headers) {
        r.headers.emplace(k, v);
    }
    for (const auto& [k, v] : in.params) {
        r.query.emplace(k, v);
    }
    if (in.get_header_value("Content-Type").find("application/x-www-form-urlencoded") == 0) {
        httplib::Params form;
        httplib::detail::parse_query_text(in.body, form);
        for (const auto& [k, v] : form) {
            r.form.emplace(k, v);
        }
    }
    for (const auto& [name, file] : in.files) {
        r.parts.push_back({file.name, file.filename, file.content_type, file.content});
    }
    return r;
}

void write(const Response& in, httplib::Response& out) {
    out.status = in.status;
    for (const auto& [k, v] : in.headers) {
        out.set_header(k, v);
    }
    if (in.drop_connection) {
        // Headers go out, then the content provider fails: the client sees the connection drop.
        out.set_content_provider(
            in.body.size() + 1, in.content_type.empty() ? "application/json" : in.content_type,
            [](size_t, size_t, httplib::DataSink&) { return false; });
        return;
    }
    if (!in.body.empty() || !in.content_type.empty()) {
        out.set_content(in.body, in.content_type.empty() ? "application/json" : in.content_type);
    }
}

std::mutex g_tls_mutex;
std::map<int, TlsHandshakes> g_tls_by_port;

int local_port(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (fd < 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        return 0;
    }
    return ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

// Counts each completed handshake once, by the port the client connected to (TLS 1.3 servers
// may report a handshake done again after they send session tickets).
void on_tls_info(const SSL* ssl, int where, int /*ret*/) {
    static char counted;
    if ((where & SSL_CB_HANDSHAKE_DONE) == 0 || SSL_get_app_data(ssl) == &counted) {
        return;
    }
    SSL_set_app_data(const_cast<SSL*>(ssl), &counted);
    const bool resumed = SSL_session_reused(ssl) == 1;
    std::lock_guard lock(g_tls_mutex);
    TlsHandshakes& counts = g_tls_by_port[local_port(SSL_get_fd(ssl))];
    ++counts.total;
    counts.resumed += resumed ? 1 : 0;
}

}  // namespace

TlsHandshakes tls_handshakes(int port) {
    std::lock_guard lock(g_tls_mutex);
    const auto found = g_tls_by_port.find(port);
    return found == g_tls_by_port.end() ? TlsHandshakes{} : found->second;
}

constexpr std::size_t k_worker_threads = 96;

HttpServer::HttpServer(const std::string& cert_path, const std::string& key_path, Handler handler)
    : m_impl(std::make_unique<Impl>()) {
    if (!cert_path.empty()) {
        auto tls = std::make_unique<httplib::SSLServer>(cert_path.c_str(), key_path.c_str());
        if (SSL_CTX* ctx = tls->ssl_context()) {
            SSL_CTX_set_info_callback(ctx, on_tls_info);
        }
        m_impl->server = std::move(tls);
    } else {
        m_impl->server = std::make_unique<httplib::Server>();
    }
    if (!m_impl->server->is_valid()) {
        throw std::runtime_error("emulator: cannot set up the HTTPS server (certificate " + cert_path + ")");
    }
    m_impl->handler = std::move(handler);
    auto& s = *m_impl->server;
    // Headers and body are written separately; without TCP_NODELAY every response would
    // wait ~40 ms for Nagle + delayed ACK.
    s.set_tcp_nodelay(true);
    s.set_keep_alive_max_count(100000);
    s.set_keep_alive_timeout(30);
    s.set_payload_max_length(64 * 1024 * 1024);
    // Each keep-alive connection holds a worker for its lifetime, so the pool must exceed the
    // clients' in-flight limit (converge defaults to 16, benchmarks go higher) or requests stall.
    s.new_task_queue = [] { return new httplib::ThreadPool(k_worker_threads); };
    s.set_socket_options([impl = m_impl.get()](socket_t sock) {
        httplib::default_socket_options(sock);
        impl->listen_socket = sock;
    });
    auto h = [impl = m_impl.get()](const httplib::Request& req, httplib::Response& res) {
        write(impl->handler(convert(req)), res);
    };
    const std::string all = ".*";
    s.Get(all, h);
    s.Post(all, h);
    s.Put(all, h);
    s.Patch(all, h);
    s.Delete(all, h);
    s.Options(all, h);
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        res.status = 500;
        nlohmann::json body = {{"error", {{"code", "InternalServerError"}, {"message", "emulator bug: " + what}}}};
        res.set_content(body.dump(), "application/json");
    });
}

HttpServer::~HttpServer() { stop(); }

std::string HttpServer::bound_host() const {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getsockname(m_impl->listen_socket, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        return "";
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr, text, sizeof(text));
    } else {
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr, text, sizeof(text));
    }
    return text;
}

int HttpServer::start(const std::string& host, int port) {
    auto& s = *m_impl->server;
    int bound = port;
    if (port == 0) {
        bound = s.bind_to_any_port(host);
        if (bound <= 0) {
            throw std::runtime_error("emulator: cannot bind " + host + " on an ephemeral port");
        }
    } else if (!s.bind_to_port(host, port)) {
        throw std::runtime_error("emulator: cannot listen on " + host + ":" + std::to_string(port) +
                                 " (address in use or not permitted)");
    }
    {
        std::lock_guard lock(g_tls_mutex);
        g_tls_by_port.erase(bound);  // counts since this start
    }
    // httplib listens with a backlog of 5: a client opening its connections at once (converge
    // opens 16) would see SYNs dropped and retried a second later. Azure's front doors do not.
    ::listen(m_impl->listen_socket, SOMAXCONN);
    m_impl->listening_done = false;
    m_impl->thread = std::thread([&s, impl = m_impl.get()] {
        s.listen_after_bind();
        impl->listening_done = true;
    });
    return bound;
}

void HttpServer::stop() {
    if (m_impl && m_impl->thread.joinable()) {
        // httplib's stop() does nothing until the listen loop is running; a stop right after
        // start (e.g. manifests that fail to validate) must retry until the loop has ended.
        while (!m_impl->listening_done) {
            m_impl->server->stop();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        m_impl->thread.join();
    }
}

}  // namespace emulator
