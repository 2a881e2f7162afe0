#pragma once
// A stack's cross-machine lock: a lease on a blob in an Azure Storage account named by
// converge.yaml `lock:` (the model is Terraform's azurerm backend). apply, destroy and each sync
// tick hold it while they write; a renewal thread keeps the lease (15-60 s) alive, so a killed
// process frees the stack when its lease expires. The holder (user, host, pid, command, time)
// is written to the blob's metadata, so a refused run can say who holds it. Part of apply:
// only observe and apply talk to Azure. See docs/lock.md.
#include "converge/arm_client.hpp"
#include "converge/lock_config.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace converge {

/// Who holds a lock (blob metadata converge_user, converge_host, converge_pid, converge_command,
/// converge_since).
struct LockHolder {
    std::string user;
    std::string host;
    std::string pid;
    std::string command;  ///< "apply", "destroy", "sync", ...
    std::string since;    ///< ISO 8601 UTC

    /// "alice@ci-runner-7 (pid 4242, converge apply) since 2026-12-07T10:00:00Z".
    std::string describe() const;
};

/// This process as a holder: $USER (or the uid), the host name, the pid, now.
LockHolder this_process_holder(const std::string& command);

/// The lock blob's URL: `blobEndpoint`, else https://<account>.blob.core.windows.net; when the
/// client's ARM endpoint is loopback (the emulator), path-style <arm endpoint>/<account>.
std::string lock_blob_url(const StackLockConfig& config, const ClientOptions& client);

/// The token audience of Azure Storage.
inline constexpr const char* k_storage_audience = "https://storage.azure.com";

/// How acquire waits.
struct LockWaitOptions {
    std::chrono::milliseconds timeout{0};          ///< 0 = fail at once when held
    std::chrono::milliseconds retry_interval{2000};  ///< between attempts while held
    /// Called before each wait with the current holder and the time waited so far.
    std::function<void(const LockHolder&, std::chrono::milliseconds waited)> on_wait;
};

/// ApiError::code of a refusal because another holder has the lock.
inline constexpr const char* k_stack_locked = "StackLocked";

/// A held lock. Releases it when destroyed (errors ignored; the lease then expires).
class StackLock {
public:
    /// Takes the lease (creating the container and the blob when absent), records this
    /// holder in the metadata and starts renewing. Refused (another holder past the timeout):
    /// an ApiError with code k_stack_locked, status 409, naming the holder.
    static ApiResult<std::unique_ptr<StackLock>> acquire(ArmClient& client, const StackLockConfig& config,
                                                         const LockHolder& me, const LockWaitOptions& wait = {});
    ~StackLock();
    StackLock(const StackLock&) = delete;
    StackLock& operator=(const StackLock&) = delete;

    /// Stops renewing and releases the lease.
    ApiResult<void> release();
    /// True when a renewal failed with the lease gone (expired and taken, or broken): writes
    /// made after that are no longer protected.
    bool lost() const { return m_lost.load(); }
    const std::string& lease_id() const { return m_lease_id; }
    /// How long we waited for it.
    std::chrono::milliseconds waited() const { return m_waited; }

private:
    StackLock(ArmClient& client, std::string url, std::string lease_id, int lease_seconds);
    void renew_loop();
    void stop_renewing();

    ArmClient& m_client;
    std::string m_url;
    std::string m_lease_id;
    int m_lease_seconds;
    std::chrono::milliseconds m_waited{0};
    std::atomic<bool> m_lost{false};
    bool m_released = false;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stop = false;
    std::thread m_renewer;
};

/// The current holder (nullopt when nobody holds the lease or the blob does not exist).
ApiResult<std::optional<LockHolder>> lock_holder(ArmClient& client, const StackLockConfig& config);

/// Breaks the lease at once (`converge force-unlock`); returns who held it (nullopt: nobody).
ApiResult<std::optional<LockHolder>> break_lock(ArmClient& client, const StackLockConfig& config);

}  // namespace converge
