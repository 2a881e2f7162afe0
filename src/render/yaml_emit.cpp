// The only file that includes yaml-cpp: its emitter writes what converge prints or exports as
// YAML. libyaml (src/manifest/yaml.cpp) stays the parser: it measured ~8x faster.
#include "converge/yaml_emit.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <string_view>

namespace converge {

namespace {

// Keys written first, in this order, wherever they occur; the rest follow sorted.
constexpr std::array<std::string_view, 22> k_yaml_key_order = {
    "$schema",    "apiVersion", "kind",     "metadata", "stack",        "defaults",      "variables", "spec",
    "name",       "subscription", "resourceGroup", "workspace", "version", "type", "computeType",
    "location",   "sku",      "identity", "description", "properties", "tags", "dependsOn"};

std::size_t rank(std::string_view key) {
    const auto it = std::find(k_yaml_key_order.begin(), k_yaml_key_order.end(), key);
    return static_cast<std::size_t>(it - k_yaml_key_order.begin());
}

bool iequal_any(std::string_view s, std::initializer_list<std::string_view> words) {
    return std::any_of(words.begin(), words.end(), [&](std::string_view w) {
        return s.size() == w.size() && std::equal(s.begin(), s.end(), w.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
               });
    });
}

// Would a YAML 1.2 core (or 1.1) reader take this plain scalar for something other than a string?
bool needs_quotes(const std::string& s) {
    if (s.empty() || std::isspace(static_cast<unsigned char>(s.front())) != 0 ||
        std::isspace(static_cast<unsigned char>(s.back())) != 0) {
        return true;
    }
    // A value that is one ${env:}/${var:} alone takes the type of what it stands for (a numeric
    // password would become a number): quoted, it stays a string.
    if (s.starts_with("${env:") || s.starts_with("${var:")) {
        return true;
    }
    if (iequal_any(s, {"true", "false", "null", "~", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf",
                       ".nan"})) {
        return true;
    }
    static const std::regex number(R"([-+]?(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|\d+(:\d+)+)");
    return std::any_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) &&
           std::regex_match(s, number);
}

void emit(YAML::Emitter& out, const Json& value) {
    switch (value.type()) {
    case Json::value_t::object: {
        if (value.empty()) {
            out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
            return;
        }
        std::vector<const Json::object_t::value_type*> members;
        for (const auto& member : value.get_ref<const Json::object_t&>()) {
            members.push_back(&member);
        }
        std::stable_sort(members.begin(), members.end(),
                         [](const auto* a, const auto* b) { return rank(a->first) < rank(b->first); });
        out << YAML::BeginMap;
        for (const auto* member : members) {
            out << YAML::Key;
            if (needs_quotes(member->first)) {
                out << YAML::DoubleQuoted;
            }
            out << member->first << YAML::Value;
            emit(out, member->second);
        }
        out << YAML::EndMap;
        return;
    }
    case Json::value_t::array:
        if (value.empty()) {
            out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
            return;
        }
        out << YAML::BeginSeq;
        for (const auto& item : value) {
            emit(out, item);
        }
        out << YAML::EndSeq;
        return;
    case Json::value_t::string: {
        const auto& s = value.get_ref<const std::string&>();
        if (needs_quotes(s)) {
            out << YAML::DoubleQuoted;
        }
        out << s;
        return;
    }
    case Json::value_t::boolean: out << (value.get<bool>() ? "true" : "false"); return;
    case Json::value_t::null:
    case Json::value_t::discarded: out << YAML::Null; return;
    default: out << value.dump(); return;  // numbers as JSON writes them: shortest round trip
    }
}

}  // namespace

std::string emit_yaml(const std::vector<YamlDocument>& documents) {
    std::string text;
    for (std::size_t i = 0; i < documents.size(); ++i) {
        if (i > 0) {
            text += "---\n";
        }
        for (const auto& line : documents[i].comments) {
            text += line.empty() ? "#\n" : "# " + line + "\n";
        }
        YAML::Emitter out;
        out.SetIndent(2);
        out.SetSeqFormat(YAML::Block);
        out.SetMapFormat(YAML::Block);
        emit(out, documents[i].value);
        text += out.c_str();
        text += "\n";
    }
    return text;
}

std::string emit_yaml(const Json& value) { return emit_yaml(std::vector<YamlDocument>{{{}, value}}); }

}  // namespace converge
