#pragma once
// Helpers for the manifest tests: load inline YAML, find resources, write temp trees.
#include "converge/manifest.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace converge::test {

/// Loads inline files (path, text) with an optional converge.yaml text.
inline LoadResult load_inline(const std::vector<SourceFile>& files, const std::string& config = "",
                              LoadOptions options = {}) {
    options.require_environment = false;
    return load_sources(files, SourceFile{"converge.yaml", config}, "stack", options);
}

/// The resource whose id ends with `suffix` (case-sensitive), or nullptr.
inline const Resource* find_suffix(const DesiredSet& desired, const std::string& suffix) {
    for (const auto& r : desired.resources) {
        if (r.id.str().ends_with(suffix)) {
            return &r;
        }
    }
    return nullptr;
}

/// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
public:
    explicit TempDir(const std::string& name)
        : m_path(std::filesystem::temp_directory_path() / ("converge-test-" + name)) {
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    void write(const std::string& relative, const std::string& text) const {
        const auto p = m_path / relative;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p) << text;
    }
    std::string path() const { return m_path.string(); }

private:
    std::filesystem::path m_path;
};

}  // namespace converge::test
