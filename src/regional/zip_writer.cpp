// The only file with libzip: an archive built in a memory source, then read back as bytes.
#include "regional/zip_writer.hpp"

#include <zip.h>

#include <memory>

namespace converge::regional {

namespace {

std::string zip_message(zip_error_t* error) {
    std::string text = zip_error_strerror(error);
    zip_error_fini(error);
    return text;
}

std::string archive_message(zip_t* archive) { return zip_strerror(archive); }

}  // namespace

tl::expected<std::string, std::string> zip_files(const std::vector<ZipEntry>& entries) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (buffer == nullptr) {
        return tl::unexpected(zip_message(&error));
    }
    zip_source_keep(buffer);  // still ours after zip_close, to read the archive back
    const auto free_buffer = std::unique_ptr<zip_source_t, decltype(&zip_source_free)>(buffer, zip_source_free);
    zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
    if (archive == nullptr) {
        return tl::unexpected(zip_message(&error));
    }
    for (const auto& entry : entries) {
        zip_source_t* file = zip_source_file(archive, entry.file.c_str(), 0, -1);  // -1: to the end of the file
        if (file == nullptr) {
            const std::string why = entry.file.string() + ": " + archive_message(archive);
            zip_discard(archive);
            return tl::unexpected(why);
        }
        if (zip_file_add(archive, entry.name.c_str(), file, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(file);
            const std::string why = entry.name + ": " + archive_message(archive);
            zip_discard(archive);
            return tl::unexpected(why);
        }
    }
    if (zip_close(archive) < 0) {  // reads the files and writes the archive into the buffer
        const std::string why = archive_message(archive);
        zip_discard(archive);
        return tl::unexpected(why);
    }
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_source_stat(buffer, &stat) < 0 || zip_source_open(buffer) < 0) {
        return tl::unexpected(std::string(zip_error_strerror(zip_source_error(buffer))));
    }
    std::string bytes(static_cast<std::size_t>(stat.size), '\0');
    const zip_int64_t read = zip_source_read(buffer, bytes.data(), stat.size);
    zip_source_close(buffer);
    if (read < 0 || static_cast<zip_uint64_t>(read) != stat.size) {
        return tl::unexpected(std::string("cannot read the archive back from memory"));
    }
    return bytes;
}

}  // namespace converge::regional
