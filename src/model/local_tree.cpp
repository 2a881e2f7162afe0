#include "converge/local_tree.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>

namespace converge {

namespace fs = std::filesystem;

namespace {

using Digest = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string hex(const unsigned char* data, unsigned size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

// Each file contributes "<relative>\0<size>\0<bytes>", so that moving bytes between files or
// renaming one changes the hash.
bool hash_file(EVP_MD_CTX* ctx, const fs::path& path, const LocalFile& file) {
    const std::string head = file.relative + '\0' + std::to_string(file.size) + '\0';
    if (EVP_DigestUpdate(ctx, head.data(), head.size()) != 1) {
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    std::array<char, 1 << 16> buffer{};
    std::uint64_t read = 0;
    while (in) {
        in.read(buffer.data(), buffer.size());
        const auto n = in.gcount();
        if (n > 0 && EVP_DigestUpdate(ctx, buffer.data(), static_cast<std::size_t>(n)) != 1) {
            return false;
        }
        read += static_cast<std::uint64_t>(std::max<std::streamsize>(n, 0));
    }
    return read == file.size;
}

tl::unexpected<std::string> fail(std::string why) { return tl::unexpected<std::string>(std::move(why)); }

}  // namespace

std::string LocalTree::blob_name(const LocalFile& file) const {
    std::string out = prefix() + "/" + basename;
    if (!file.relative.empty()) {
        out += "/" + file.relative;
    }
    return out;
}

tl::expected<LocalTree, std::string> read_local_tree(const fs::path& root) {
    std::error_code ec;
    const auto status = fs::status(root, ec);
    if (ec || !fs::exists(status)) {
        return fail("does not exist");
    }
    LocalTree tree;
    tree.root = root;
    tree.basename = fs::path(root).lexically_normal().filename().string();
    if (tree.basename.empty()) {
        tree.basename = fs::path(root).lexically_normal().parent_path().filename().string();
    }
    std::vector<std::pair<LocalFile, fs::path>> found;
    if (fs::is_regular_file(status)) {
        found.push_back({{"", static_cast<std::uint64_t>(fs::file_size(root, ec))}, root});
    } else if (fs::is_directory(status)) {
        tree.directory = true;
        for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file()) {
                found.push_back({{it->path().lexically_relative(root).generic_string(),
                                  static_cast<std::uint64_t>(it->file_size())},
                                 it->path()});
            }
        }
        if (ec) {
            return fail("cannot be read: " + ec.message());
        }
        if (found.empty()) {
            return fail("is an empty directory");
        }
    } else {
        return fail("is neither a file nor a directory");
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.first.relative < b.first.relative; });
    Digest ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
        return fail("cannot be hashed (OpenSSL)");
    }
    for (const auto& [file, path] : found) {
        if (!hash_file(ctx.get(), path, file)) {
            return fail("cannot be read: " + path.string());
        }
        tree.bytes += file.size;
        tree.files.push_back(file);
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned size = 0;
    if (EVP_DigestFinal_ex(ctx.get(), md.data(), &size) != 1) {
        return fail("cannot be hashed (OpenSSL)");
    }
    tree.sha256 = hex(md.data(), size);
    return tree;
}

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned size = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &size, EVP_sha256(), nullptr) != 1) {
        return {};
    }
    return hex(md.data(), size);
}

fs::path resolve_against_manifest(const std::string& manifest_file, const std::string& path) {
    const fs::path p(path);
    if (p.is_absolute()) {
        return p.lexically_normal();
    }
    const fs::path base = fs::absolute(fs::path(manifest_file)).parent_path();
    return (base / p).lexically_normal();
}

}  // namespace converge
