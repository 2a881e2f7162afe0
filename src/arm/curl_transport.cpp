// The only file that knows libcurl. Easy handles are pooled and all share one connection
// cache, DNS cache and TLS session cache through a share handle, so parallel senders reuse
// warm connections instead of opening one per request.
#include "arm/curl_transport.hpp"

#include <curl/curl.h>

#include <array>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace converge {

namespace {
std::once_flag g_curl_init;

size_t on_body(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* headers = static_cast<HttpHeaders*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        *headers = HttpHeaders();  // a new response (after 100 Continue): start over
        return size * count;
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
            value.remove_suffix(1);
        }
        headers->add(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * count;
}

TransportError classify(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return TransportError::connect;
    case CURLE_OPERATION_TIMEDOUT: return TransportError::timeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return TransportError::reset;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR: return TransportError::tls;
    default: return TransportError::other;
    }
}
}  // namespace

struct CurlTransport::Impl {
    CurlOptions options;
    CURLSH* share = nullptr;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;
    std::mutex pool_mutex;
    std::vector<CURL*> pool;
    std::atomic<long> connections{0};

    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
        static_cast<Impl*>(user)->locks[data].lock();
    }
    static void unlock(CURL*, curl_lock_data data, void* user) { static_cast<Impl*>(user)->locks[data].unlock(); }

    CURL* take() {
        {
            std::lock_guard guard(pool_mutex);
            if (!pool.empty()) {
                CURL* handle = pool.back();
                pool.pop_back();
                return handle;
            }
        }
        CURL* handle = curl_easy_init();
        if (handle == nullptr) {
            throw std::runtime_error("curl_easy_init failed");
        }
        return handle;
    }

    void give_back(CURL* handle) {
        std::lock_guard guard(pool_mutex);
        pool.push_back(handle);
    }

    void configure(CURL* h, const HttpRequest& request, curl_slist* headers, std::string* body,
                   HttpHeaders* response_headers) const {
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_SHARE, share);
        curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (!options.ca_bundle.empty()) {
            curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_bundle.c_str());
        }
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
        curl_easy_setopt(h, CURLOPT_MAXCONNECTS, static_cast<long>(options.max_connections));
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                         options.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate/br/zstd as offered
        curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // Location is an LRO header, not a redirect here
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, response_headers);
        if (request.method == "HEAD") {
            curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else if (request.method != "GET") {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
            request.method == "PATCH") {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
        }
    }
};

CurlTransport::CurlTransport(CurlOptions options) : m_impl(std::make_unique<Impl>()) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_impl->options = std::move(options);
    m_impl->share = curl_share_init();
    curl_share_setopt(m_impl->share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl_share_setopt(m_impl->share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl_share_setopt(m_impl->share, CURLSHOPT_USERDATA, m_impl.get());
    curl_share_setopt(m_impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(m_impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(m_impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

CurlTransport::~CurlTransport() {
    for (CURL* handle : m_impl->pool) {
        curl_easy_cleanup(handle);
    }
    curl_share_cleanup(m_impl->share);
}

long CurlTransport::connections_opened() const { return m_impl->connections; }

HttpResponse CurlTransport::send(const HttpRequest& request) {
    HttpResponse response;
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers.items()) {
        headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip on bodies
    CURL* handle = m_impl->take();
    m_impl->configure(handle, request, headers, &response.body, &response.headers);
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    const CURLcode code = curl_easy_perform(handle);
    if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        response.status = static_cast<int>(status);
    } else {
        response.error = classify(code);
        response.error_message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
        response.headers = HttpHeaders();
        response.body.clear();
    }
    long opened = 0;
    curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &opened);
    m_impl->connections += opened;
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    m_impl->give_back(handle);
    curl_slist_free_all(headers);
    return response;
}

}  // namespace converge
