#include "converge/normalize.hpp"

#include "converge/resource_id.hpp"

#include <cctype>
#include <cstdlib>

namespace converge {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Reads "12" or "0.5" at text[i]; advances i. nullopt when there is no number.
std::optional<double> read_number(std::string_view text, std::size_t& i) {
    const std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == ',')) {
        ++i;
    }
    if (i == start) {
        return std::nullopt;
    }
    std::string number(text.substr(start, i - start));
    for (auto& c : number) {
        c = c == ',' ? '.' : c;  // ISO 8601 allows a decimal comma
    }
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) {
        return std::nullopt;
    }
    return v;
}

double unit_seconds(char unit, bool in_time) {
    switch (unit) {
    case 'Y': return in_time ? -1 : 365.0 * 86400;
    case 'M': return in_time ? 60 : 30.0 * 86400;
    case 'W': return in_time ? -1 : 7.0 * 86400;
    case 'D': return in_time ? -1 : 86400;
    case 'H': return in_time ? 3600 : -1;
    case 'S': return in_time ? 1 : -1;
    default: return -1;
    }
}

}  // namespace

std::optional<double> duration_seconds(std::string_view text) {
    // P[nY][nM][nW][nD][T[nH][nM][nS]], e.g. PT120S = PT2M = 120, P1D = PT24H.
    if (text.size() < 3 || (text[0] != 'P' && text[0] != 'p')) {
        return std::nullopt;
    }
    double total = 0;
    bool in_time = false;
    bool any = false;
    std::size_t i = 1;
    while (i < text.size()) {
        if (text[i] == 'T' || text[i] == 't') {
            if (in_time) {
                return std::nullopt;
            }
            in_time = true;
            ++i;
            continue;
        }
        const auto value = read_number(text, i);
        if (!value || i >= text.size()) {
            return std::nullopt;
        }
        const double unit = unit_seconds(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i]))), in_time);
        if (unit < 0) {
            return std::nullopt;
        }
        total += *value * unit;
        any = true;
        ++i;
    }
    if (!any) {
        return std::nullopt;
    }
    return total;
}

std::string canonical_location(std::string_view text) {
    std::string collapsed;
    collapsed.reserve(text.size());
    for (char c : text) {
        if (is_alnum(c)) {
            collapsed.push_back(lower(c));
        }
    }
    for (const auto& region : azure_regions()) {
        if (same_location(region.display, collapsed)) {
            return std::string(region.name);
        }
    }
    return collapsed;
}

bool same_location(std::string_view a, std::string_view b) {
    // Compare the alphanumeric characters only, ignoring case: "West Europe" == "westeurope".
    std::size_t i = 0;
    std::size_t j = 0;
    while (true) {
        while (i < a.size() && !is_alnum(a[i])) {
            ++i;
        }
        while (j < b.size() && !is_alnum(b[j])) {
            ++j;
        }
        if (i == a.size() || j == b.size()) {
            return i == a.size() && j == b.size();
        }
        if (lower(a[i]) != lower(b[j])) {
            return false;
        }
        ++i;
        ++j;
    }
}

bool looks_like_arm_id(std::string_view text) {
    constexpr std::string_view prefix = "/subscriptions/";
    return text.size() > prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool same_arm_id(std::string_view a, std::string_view b) {
    if (!a.empty() && a.back() == '/') {
        a.remove_suffix(1);
    }
    if (!b.empty() && b.back() == '/') {
        b.remove_suffix(1);
    }
    return iequals(a, b);
}

}  // namespace converge
