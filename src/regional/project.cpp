// `converge run start`'s project: the run definition read and checked, the entry script found at
// the project's root, every file zipped (through zip_writer.hpp). Nothing here touches the network.
#include "converge/regional.hpp"

#include "regional/zip_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace converge {

namespace {

namespace fs = std::filesystem;

// "file:line:col" of a byte offset in `text` (1-based).
std::string position(const fs::path& file, const std::string& text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t col = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return fmt::format("{}:{}:{}", file.string(), line, col);
}

// Where the "Script" key is written (for the message about it), else the file's start.
std::string script_position(const fs::path& file, const std::string& text) {
    const auto at = text.find("\"Script\"");
    return position(file, text, at == std::string::npos ? 0 : at);
}

std::string root_scripts(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.is_regular_file() && e.path().extension() == ".py") {
            names.push_back(e.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : ", ") + n;
    }
    return names.empty() ? "it has no .py file at its root" : "its root has " + out;
}

}  // namespace

tl::expected<RunProject, std::string> pack_run_project(const fs::path& source, const fs::path& definition_file) {
    std::ifstream in(definition_file, std::ios::binary);
    if (!in) {
        return tl::unexpected(definition_file.string() + ": error: cannot read the run definition");
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    RunProject project;
    project.definition = buffer.str();
    Json definition;
    try {
        definition = Json::parse(project.definition);
    } catch (const Json::parse_error& e) {
        std::string what = e.what();
        if (const auto colon = what.rfind(": "); colon != std::string::npos) {
            what = what.substr(colon + 2);
        }
        return tl::unexpected(fmt::format("{}: error: the run definition is not JSON: {}",
                                          position(definition_file, project.definition, e.byte == 0 ? 0 : e.byte - 1), what));
    }
    const Json* script = nullptr;
    if (definition.is_object() && definition.contains("Configuration") && definition["Configuration"].is_object() &&
        definition["Configuration"].contains("Script")) {
        script = &definition["Configuration"]["Script"];
    }
    if (script == nullptr || !script->is_string() || script->get<std::string>().empty()) {
        return tl::unexpected(fmt::format(
            "{}: error: the run definition needs Configuration.Script, the entry script (e.g. "
            "{{\"Configuration\": {{\"Script\": \"train.py\", \"Target\": \"cpu-cluster\", ...}}}})",
            script == nullptr ? position(definition_file, project.definition, 0)
                              : script_position(definition_file, project.definition)));
    }
    project.script = script->get<std::string>();
    while (project.script.starts_with("./")) {
        project.script = project.script.substr(2);
    }
    if (project.script.find('/') != std::string::npos || project.script.find('\\') != std::string::npos ||
        project.script == "..") {
        return tl::unexpected(fmt::format("{}: error: Configuration.Script is \"{}\": the entry script must be a file at "
                                          "the root of the project ({})",
                                          script_position(definition_file, project.definition), project.script,
                                          source.string()));
    }
    std::error_code ec;
    if (!fs::is_regular_file(source / project.script, ec)) {
        return tl::unexpected(fmt::format("{}: error: the entry script {} is not at the root of {} ({}); nothing was sent",
                                          script_position(definition_file, project.definition), project.script,
                                          source.string(), root_scripts(source)));
    }
    std::vector<regional::ZipEntry> entries;
    for (auto it = fs::recursive_directory_iterator(source, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
            entries.push_back({fs::relative(it->path(), source).generic_string(), it->path()});
        }
    }
    if (ec) {
        return tl::unexpected(source.string() + ": error: cannot read the project directory: " + ec.message());
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    auto zip = regional::zip_files(entries);
    if (!zip) {
        return tl::unexpected(source.string() + ": error: cannot zip the project: " + zip.error());
    }
    project.zip = std::move(*zip);
    project.files = entries.size();
    return project;
}

}  // namespace converge
