#include "platform/http.hpp"

#include <algorithm>
#include <cctype>

namespace emulator {

bool ILess::operator()(std::string_view a, std::string_view b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
    });
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string url_encode(std::string_view s) {
    static const char* k_hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

namespace {
template <class Map>
std::optional<std::string> first(const Map& m, std::string_view name) {
    auto it = m.find(std::string(name));
    if (it == m.end()) {
        return std::nullopt;
    }
    return it->second;
}
}  // namespace

std::string Request::header(std::string_view name) const { return first(headers, name).value_or(""); }
std::optional<std::string> Request::param(std::string_view name) const { return first(query, name); }
std::optional<std::string> Request::form_field(std::string_view name) const { return first(form, name); }

void Response::set_header(std::string name, std::string value) {
    remove_header(name);
    headers.emplace_back(std::move(name), std::move(value));
}

std::string Response::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) {
            return v;
        }
    }
    return "";
}

void Response::remove_header(std::string_view name) {
    std::erase_if(headers, [&](const auto& kv) { return iequals(kv.first, name); });
}

Response Response::json(int status, const Json& body) {
    Response r;
    r.status = status;
    // Replace, not throw: request paths and headers are echoed in messages and need not be
    // UTF-8 (a tenant of bytes 0xFF aborted the emulator; found by fuzz_emulator).
    r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    return r;
}

Response Response::empty(int status) {
    Response r;
    r.status = status;
    r.content_type.clear();
    return r;
}

}  // namespace emulator
