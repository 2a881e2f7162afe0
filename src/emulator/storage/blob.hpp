#pragma once
// Azure Blob Storage data plane (containers, block blobs, metadata, leases), path-style:
// /{account}/{container}[/{blob}]. See blob.cpp and docs/emulator.md "Blob storage".
#include "platform/registry.hpp"

namespace emulator {

/// Registers the container and blob routes.
void install_blob_storage(Registry& registry);

}  // namespace emulator
