#pragma once
// converge.yaml `lock:`: where a stack's cross-machine lock lives (a blob lease, see
// include/converge/stack_lock.hpp and docs/lock.md). Plain data, read by the manifest loader.
#include <string>

namespace converge {

struct StackLockConfig {
    std::string storage_account;              ///< lock.storageAccount (required)
    std::string container = "converge-locks";  ///< lock.container
    std::string blob;                          ///< lock.blob; default "<stack>.lock"
    std::string blob_endpoint;                 ///< lock.blobEndpoint; default https://<account>.blob.core.windows.net
    int lease_seconds = 60;                    ///< lock.leaseSeconds, 15..60 (Azure's fixed lease range)
};

}  // namespace converge
