#pragma once
// Reads the names of the entries of a zip archive from its central directory (no inflate:
// startrun only needs to know whether the entry script is there).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emulator {

/// The entry names of a zip archive, in central-directory order; nullopt when `data` is not
/// a readable zip (no end-of-central-directory record, truncated, ZIP64).
std::optional<std::vector<std::string>> zip_entry_names(std::string_view data);

}  // namespace emulator
