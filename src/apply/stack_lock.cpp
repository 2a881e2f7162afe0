#include "converge/stack_lock.hpp"

#include "converge/activity_log.hpp"
#include "converge/arm_api.hpp"
#include "converge/resource_id.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace converge {

namespace {

// OAuth needs 2017-11-09 or later; a version every Azure region serves.
constexpr const char* k_storage_version = "2023-11-03";
const char* const k_meta[] = {"converge_user", "converge_host", "converge_pid", "converge_command", "converge_since"};

std::string new_lease_id() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uint64_t a = rng();
    std::uint64_t b = rng();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

/// Metadata values travel as HTTP headers: printable ASCII only.
std::string header_safe(const std::string& v) {
    std::string out;
    for (unsigned char c : v) {
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    return out.substr(0, 256);
}

bool is_loopback_url(const std::string& url) {
    auto start = url.find("://");
    if (start == std::string::npos) {
        return false;
    }
    std::string host = url.substr(start + 3);
    host = host.substr(0, host.find('/'));
    return host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
}

struct Storage {
    ArmClient& client;
    std::string url;  // .../container/blob

    std::string container_url() const { return url.substr(0, url.rfind('/')); }

    ApiResult<HttpResponse> send(const std::string& method, const std::string& target, HttpHeaders headers,
                                 const std::string& body = "") const {
        CallOptions options;
        options.audience = k_storage_audience;
        options.idempotent = true;
        headers.set("x-ms-version", k_storage_version);
        options.headers = std::move(headers);
        return client.send(method, target, "", body, options);
    }
};

std::string error_code(const HttpResponse& r) { return r.headers.get("x-ms-error-code").value_or(""); }

ApiError storage_error(const std::string& method, const std::string& url, const HttpResponse& r,
                       const std::string& what) {
    ApiError e = make_api_error(error_code(r).empty() ? "StorageError" : error_code(r),
                                what + ": HTTP " + std::to_string(r.status) +
                                    (error_code(r).empty() ? "" : " " + error_code(r)),
                                r.status);
    e.method = method;
    e.path = url;
    e.request_id = r.headers.get("x-ms-request-id").value_or("");
    return e;
}

LockHolder holder_from(const HttpResponse& r) {
    LockHolder h;
    std::string* fields[] = {&h.user, &h.host, &h.pid, &h.command, &h.since};
    for (std::size_t i = 0; i < 5; ++i) {
        *fields[i] = r.headers.get(std::string("x-ms-meta-") + k_meta[i]).value_or("");
    }
    return h;
}

bool held(const HttpResponse& r) {
    std::string state = r.headers.get("x-ms-lease-state").value_or("available");
    return state == "leased" || state == "breaking";
}

/// Creates the container and an empty blob when missing (both idempotent).
ApiResult<void> ensure_blob(const Storage& s) {
    auto container = s.send("PUT", s.container_url() + "?restype=container", {});
    if (!container) {
        return tl::unexpected(container.error());
    }
    if (container->status != 201 && !(container->status == 409 && error_code(*container) == "ContainerAlreadyExists")) {
        return tl::unexpected(storage_error("PUT", s.container_url(), *container, "cannot create the lock container"));
    }
    auto blob = s.send("PUT", s.url, {{"x-ms-blob-type", "BlockBlob"}, {"If-None-Match", "*"}});
    if (!blob) {
        return tl::unexpected(blob.error());
    }
    // 409 BlobAlreadyExists / 412: someone created it meanwhile, fine.
    if (blob->status != 201 && blob->status != 409 && blob->status != 412) {
        return tl::unexpected(storage_error("PUT", s.url, *blob, "cannot create the lock blob"));
    }
    return {};
}

}  // namespace

std::string LockHolder::describe() const {
    std::string who = (user.empty() ? "?" : user) + "@" + (host.empty() ? "?" : host);
    std::string what;
    if (!pid.empty()) {
        what += "pid " + pid;
    }
    if (!command.empty()) {
        what += std::string(what.empty() ? "" : ", ") + "converge " + command;
    }
    return who + (what.empty() ? "" : " (" + what + ")") + (since.empty() ? "" : " since " + since);
}

LockHolder this_process_holder(const std::string& command) {
    LockHolder h;
    if (const char* u = std::getenv("USER"); u != nullptr && *u != '\0') {
        h.user = u;
    } else if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) {
        h.user = pw->pw_name;
    } else {
        h.user = "uid" + std::to_string(::getuid());
    }
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) {
        h.host = host;
    }
    h.pid = std::to_string(::getpid());
    h.command = command;
    h.since = iso8601_utc(std::chrono::system_clock::now());
    return h;
}

std::string lock_blob_url(const StackLockConfig& config, const ClientOptions& client) {
    std::string base = config.blob_endpoint;
    if (base.empty()) {
        base = is_loopback_url(client.arm_endpoint) ? client.arm_endpoint + "/" + config.storage_account
                                                    : "https://" + config.storage_account + ".blob.core.windows.net";
    }
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    return base + "/" + config.container + "/" + url_encode(config.blob);
}

StackLock::StackLock(ArmClient& client, std::string url, std::string lease_id, int lease_seconds)
    : m_client(client), m_url(std::move(url)), m_lease_id(std::move(lease_id)), m_lease_seconds(lease_seconds) {}

ApiResult<std::unique_ptr<StackLock>> StackLock::acquire(ArmClient& client, const StackLockConfig& config,
                                                         const LockHolder& me, const LockWaitOptions& wait) {
    Storage s{client, lock_blob_url(config, client.options())};
    const std::string lease_id = new_lease_id();
    const int seconds = std::clamp(config.lease_seconds, 15, 60);
    const auto start = std::chrono::steady_clock::now();
    bool created = false;
    while (true) {
        auto r = s.send("PUT", s.url + "?comp=lease",
                        {{"x-ms-lease-action", "acquire"},
                         {"x-ms-lease-duration", std::to_string(seconds)},
                         {"x-ms-proposed-lease-id", lease_id}});
        if (!r) {
            return tl::unexpected(r.error());
        }
        if (r->status == 201 || r->status == 200) {
            break;
        }
        const std::string code = error_code(*r);
        if (r->status == 404 && !created) {  // ContainerNotFound / BlobNotFound: first use of this lock
            if (auto made = ensure_blob(s); !made) {
                return tl::unexpected(made.error());
            }
            created = true;
            continue;
        }
        if (r->status != 409 || (code != "LeaseAlreadyPresent" && code != "LeaseIsBreakingAndCannotBeAcquired")) {
            return tl::unexpected(storage_error("PUT", s.url, *r, "cannot acquire the stack lock"));
        }
        auto props = s.send("HEAD", s.url, {});
        LockHolder holder = props && props->ok() ? holder_from(*props) : LockHolder{};
        auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        if (waited >= wait.timeout) {
            ApiError e = make_api_error(k_stack_locked,
                                        "the stack is locked by " + holder.describe() + " (lease on " + s.url +
                                            (wait.timeout.count() > 0
                                                 ? "; waited " + std::to_string(waited.count() / 1000) + " s"
                                                 : "") +
                                            "); retry later, wait with --lock-timeout, or break it with "
                                            "`converge force-unlock` if that run is gone",
                                        409);
            e.method = "PUT";
            e.path = s.url;
            return tl::unexpected(e);
        }
        if (wait.on_wait) {
            wait.on_wait(holder, waited);
        }
        auto left = wait.timeout - waited;
        std::this_thread::sleep_for(std::min(wait.retry_interval, std::max(left, std::chrono::milliseconds(1))));
    }
    auto lock = std::unique_ptr<StackLock>(new StackLock(client, s.url, lease_id, seconds));
    lock->m_waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    HttpHeaders meta{{"x-ms-lease-id", lease_id}};
    const std::string values[] = {me.user, me.host, me.pid, me.command, me.since};
    for (std::size_t i = 0; i < 5; ++i) {
        meta.set(std::string("x-ms-meta-") + k_meta[i], header_safe(values[i]));
    }
    auto m = s.send("PUT", s.url + "?comp=metadata", meta);
    if (!m || !m->ok()) {
        ApiError e = m ? storage_error("PUT", s.url, *m, "cannot record the lock holder") : m.error();
        lock->release();
        return tl::unexpected(e);
    }
    lock->m_renewer = std::thread([raw = lock.get()] { raw->renew_loop(); });
    return lock;
}

void StackLock::renew_loop() {
    // Renew at a third of the lease: two renewals may fail (retried by the client) before it lapses.
    const auto period = std::chrono::milliseconds(m_lease_seconds * 1000 / 3);
    Storage s{m_client, m_url};
    std::unique_lock lk(m_mutex);
    while (!m_stop) {
        if (m_cv.wait_for(lk, period, [this] { return m_stop; })) {
            break;
        }
        lk.unlock();
        auto r = s.send("PUT", m_url + "?comp=lease", {{"x-ms-lease-action", "renew"}, {"x-ms-lease-id", m_lease_id}});
        if (r && r->status == 409) {
            m_lost.store(true);  // expired and taken, or broken: stop pretending
        }
        lk.lock();
        if (m_lost.load()) {
            break;
        }
    }
}

void StackLock::stop_renewing() {
    {
        std::lock_guard lk(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_renewer.joinable()) {
        m_renewer.join();
    }
}

ApiResult<void> StackLock::release() {
    stop_renewing();
    if (m_released) {
        return {};
    }
    m_released = true;
    Storage s{m_client, m_url};
    auto r = s.send("PUT", m_url + "?comp=lease", {{"x-ms-lease-action", "release"}, {"x-ms-lease-id", m_lease_id}});
    if (!r) {
        return tl::unexpected(r.error());
    }
    if (!r->ok() && !m_lost.load()) {
        return tl::unexpected(storage_error("PUT", m_url, *r, "cannot release the stack lock"));
    }
    return {};
}

StackLock::~StackLock() { (void)release(); }

ApiResult<std::optional<LockHolder>> lock_holder(ArmClient& client, const StackLockConfig& config) {
    Storage s{client, lock_blob_url(config, client.options())};
    auto r = s.send("HEAD", s.url, {});
    if (!r) {
        return tl::unexpected(r.error());
    }
    if (r->status == 404) {
        return std::optional<LockHolder>();
    }
    if (!r->ok()) {
        return tl::unexpected(storage_error("HEAD", s.url, *r, "cannot read the stack lock"));
    }
    return held(*r) ? std::optional<LockHolder>(holder_from(*r)) : std::nullopt;
}

ApiResult<std::optional<LockHolder>> break_lock(ArmClient& client, const StackLockConfig& config) {
    auto holder = lock_holder(client, config);
    if (!holder || !*holder) {
        return holder;
    }
    Storage s{client, lock_blob_url(config, client.options())};
    auto r = s.send("PUT", s.url + "?comp=lease", {{"x-ms-lease-action", "break"}, {"x-ms-lease-break-period", "0"}});
    if (!r) {
        return tl::unexpected(r.error());
    }
    if (r->status != 202 && !(r->status == 409 && error_code(*r) == "LeaseNotPresentWithLeaseOperation")) {
        return tl::unexpected(storage_error("PUT", s.url, *r, "cannot break the stack lock"));
    }
    return holder;
}

}  // namespace converge
