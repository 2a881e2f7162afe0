// The only file that knows libcurl. Easy handles are pooled and all share one connection
// cache, DNS cache and TLS session cache through a share handle, so parallel senders reuse
// warm connections instead of opening one per request, and a new connection resumes the TLS
// session of an earlier one instead of a full handshake.
#include "arm/curl_transport.hpp"

#include <curl/curl.h>

#include <array>
#include <cctype>
#include <chrono>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace converge {

namespace {
std::once_flag g_curl_init;

// Response headers larger than this in all are hostile (ARM sends a few KiB).
constexpr std::size_t k_max_header_bytes = std::size_t{1} << 20;

// What one transfer's callbacks share: where the response goes, its limits, and why an
// abort happened (curl only reports "write error" or "aborted by callback").
struct Transfer {
    std::string* body = nullptr;
    HttpHeaders* headers = nullptr;
    std::size_t max_body = 0;
    std::size_t header_bytes = 0;
    std::chrono::milliseconds stall_timeout{0};
    bool responding = false;  // a status line arrived: from now on a silence is a stall
    curl_off_t received = 0;  // raw bytes seen by the progress callback
    std::chrono::steady_clock::time_point last_data;
    std::string too_large;    // why the size limit was hit, when it was
    bool stalled = false;
};

// "64 MiB", "1 GiB", or a byte count when not a round number of KiB.
std::string size_text(std::size_t bytes) {
    static constexpr const char* k_units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (unit < 4 && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        ++unit;
    }
    return std::to_string(bytes) + " " + k_units[unit];
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t n = size * count;
    transfer->last_data = std::chrono::steady_clock::now();
    if (transfer->body->size() + n > transfer->max_body) {
        // Counted after decoding: a few KiB of gzip that inflate past the limit stop here.
        transfer->too_large = "response body exceeds the limit of " + size_text(transfer->max_body) +
                              " (max_response_bytes, counted after decompression)";
        return 0;  // aborts the transfer
    }
    transfer->body->append(data, n);
    return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t n = size * count;
    transfer->last_data = std::chrono::steady_clock::now();
    transfer->header_bytes += n;
    if (transfer->header_bytes > k_max_header_bytes) {
        transfer->too_large = "response headers exceed the limit of " + size_text(k_max_header_bytes);
        return 0;
    }
    auto* headers = transfer->headers;
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
        *headers = HttpHeaders();  // a new response (after 100 Continue): start over
        transfer->responding = true;
        return n;
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
    return n;
}

// Called about once a second while idle, more often while data flows.
int on_progress(void* user, curl_off_t /*dltotal*/, curl_off_t dlnow, curl_off_t, curl_off_t) {
    auto* transfer = static_cast<Transfer*>(user);
    const auto now = std::chrono::steady_clock::now();
    if (dlnow != transfer->received) {
        transfer->received = dlnow;
        transfer->last_data = now;
    }
    if (transfer->responding && now - transfer->last_data > transfer->stall_timeout) {
        transfer->stalled = true;
        return 1;  // aborts the transfer
    }
    return 0;
}

// "5ad8a5d6.0": the subject-hash links OpenSSL looks issuers up by (c_rehash, update-ca-certificates).
bool is_hash_link(const std::string& name) {
    if (name.size() < 10 || name[8] != '.') {
        return false;
    }
    for (std::size_t i = 0; i < 8; ++i) {
        if (std::isxdigit(static_cast<unsigned char>(name[i])) == 0) {
            return false;
        }
    }
    return std::isdigit(static_cast<unsigned char>(name[9])) != 0;
}

bool has_hash_links(const char* dir) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (is_hash_link(entry.path().filename().string())) {
            return true;
        }
    }
    return false;
}

// libcurl's built-in CA directory when it has one that OpenSSL can look issuers up in, else "".
std::string default_ca_directory() {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    if (info == nullptr || info->age < CURLVERSION_SEVENTH || info->capath == nullptr) {
        return "";
    }
    return has_hash_links(info->capath) ? info->capath : "";
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
    std::string ca_directory;  // trust the CAs here, looked up per issuer, when no bundle is given
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

    // Which CAs verify the server. OpenSSL 3 takes ~25 ms of CPU to parse the system bundle
    // (~140 CAs), and libcurl 7.88 keeps a parsed bundle (per easy handle) only when no CA
    // directory is set, while Debian's libcurl sets both its bundle and /etc/ssl/certs by
    // default: each new connection parsed the whole bundle again. So a given bundle is used
    // alone (parsed once per pooled handle), and without one the default directory is, where
    // OpenSSL reads only the issuers a handshake needs (the same CAs on Debian).
    void set_trust(CURL* h) const {
        if (!options.ca_bundle.empty()) {
            curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_bundle.c_str());
            curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
        } else if (!ca_directory.empty()) {
            curl_easy_setopt(h, CURLOPT_CAINFO, nullptr);
            curl_easy_setopt(h, CURLOPT_CAPATH, ca_directory.c_str());
        }
    }

    void configure(CURL* h, const HttpRequest& request, curl_slist* headers, Transfer* transfer) const {
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_SHARE, share);
        curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
        set_trust(h);
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
        curl_easy_setopt(h, CURLOPT_WRITEDATA, transfer);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, transfer);
        // A declared Content-Length over the limit fails before any body byte is read.
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_response_bytes));
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, transfer);
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
    if (m_impl->options.ca_bundle.empty()) {
        m_impl->ca_directory = default_ca_directory();
    }
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
    Transfer transfer;
    transfer.body = &response.body;
    transfer.headers = &response.headers;
    transfer.max_body = m_impl->options.max_response_bytes;
    transfer.stall_timeout = m_impl->options.stall_timeout;
    transfer.last_data = std::chrono::steady_clock::now();
    m_impl->configure(handle, request, headers, &transfer);
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    const CURLcode code = curl_easy_perform(handle);
    if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        response.status = static_cast<int>(status);
    } else if (!transfer.too_large.empty() || code == CURLE_FILESIZE_EXCEEDED) {
        response.error = TransportError::too_large;
        response.error_message = transfer.too_large;
        if (response.error_message.empty()) {
            // Content-Length over CURLOPT_MAXFILESIZE: the headers are still here to quote it.
            const auto declared = response.headers.get("Content-Length");
            response.error_message = "response declares " + (declared ? *declared + " bytes" : std::string("a body")) +
                                     " (Content-Length), over the limit of " +
                                     size_text(m_impl->options.max_response_bytes) + " (max_response_bytes)";
        }
    } else if (transfer.stalled) {
        response.error = TransportError::timeout;
        response.error_message = "the response stalled: no data for " +
                                 std::to_string(m_impl->options.stall_timeout.count()) + " ms (stall_timeout)";
    } else {
        response.error = classify(code);
        response.error_message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    }
    if (code != CURLE_OK) {
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
