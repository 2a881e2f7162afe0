#pragma once
// Writing a zip archive in memory: the one seam over libzip (zip_writer.cpp is the only file
// that includes it).
#include <tl/expected.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace converge::regional {

/// One file of the archive: its name inside the zip ('/'-separated) and where its bytes are.
struct ZipEntry {
    std::string name;
    std::filesystem::path file;
};

/// The bytes of a zip archive holding `entries` (deflated), or what went wrong.
tl::expected<std::string, std::string> zip_files(const std::vector<ZipEntry>& entries);

}  // namespace converge::regional
