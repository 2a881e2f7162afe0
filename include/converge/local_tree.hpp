#pragma once
// The files a Model's `path:` names on the local disk: one file or a directory tree, listed in
// a stable order with their sizes, and a content hash over names and bytes, so that the same
// content always gets the same blob prefix (LocalUpload/<hash>/...) and an unchanged model is
// not uploaded again (docs/model-upload.md). Reads the disk only: no network.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace converge {

/// One regular file of a tree.
struct LocalFile {
    std::string relative;  ///< '/'-separated, below the tree's root ("" for a single file)
    std::uint64_t size = 0;
};

/// A file or directory on the local disk, hashed.
struct LocalTree {
    std::filesystem::path root;   ///< as resolved
    std::string basename;         ///< the root's last name ("model", "model.pkl")
    bool directory = false;
    std::vector<LocalFile> files;  ///< sorted by relative name
    std::uint64_t bytes = 0;
    std::string sha256;  ///< hex, over each file's relative name, size and bytes in order

    /// "LocalUpload/<first 32 hex digits of sha256>": where the content goes in the datastore.
    std::string prefix() const { return "LocalUpload/" + sha256.substr(0, 32); }
    /// The blob name of `file`: prefix()/basename[/relative].
    std::string blob_name(const LocalFile& file) const;
};

/// Reads `root` (a regular file or a directory; symlinks followed), or says why it cannot.
tl::expected<LocalTree, std::string> read_local_tree(const std::filesystem::path& root);

/// Hex SHA-256 of `data` (a Job's name hash, src/manifest/job.cpp).
std::string sha256_hex(std::string_view data);

/// `path` made absolute against the directory of `manifest_file` (relative manifest files are
/// relative to the working directory).
std::filesystem::path resolve_against_manifest(const std::string& manifest_file, const std::string& path);

}  // namespace converge
