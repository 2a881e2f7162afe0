#pragma once
// Azure Blob Storage data plane (containers, block blobs, metadata, leases), path-style:
// /{account}/{container}[/{blob}]. See blob.cpp and docs/emulator.md "Blob storage".
#include "platform/registry.hpp"

namespace emulator {

/// Registers the container and blob routes.
void install_blob_storage(Registry& registry);
/// Creates blob container `container` of `account` unless it exists (a service creating its
/// own container, e.g. a workspace's default datastore).
void ensure_blob_container(Services& svc, const std::string& account, const std::string& container);

}  // namespace emulator
