#include "converge/diagnostic.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace converge {

std::string Location::to_string() const {
    if (file.empty()) {
        return "<unknown>";
    }
    if (line <= 0) {
        return file;
    }
    if (column <= 0) {
        return fmt::format("{}:{}", file, line);
    }
    return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
const char* severity_name(Severity s) {
    switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
    }
    return "error";
}
}  // namespace

std::string Diagnostic::to_string() const {
    if (!location.known()) {
        return fmt::format("{}: {}", severity_name(severity), message);
    }
    return fmt::format("{}: {}: {}", location.to_string(), severity_name(severity), message);
}

void Diagnostics::error(Location location, std::string message) {
    m_items.push_back({Severity::error, std::move(location), std::move(message)});
}
void Diagnostics::warning(Location location, std::string message) {
    m_items.push_back({Severity::warning, std::move(location), std::move(message)});
}
void Diagnostics::note(Location location, std::string message) {
    m_items.push_back({Severity::note, std::move(location), std::move(message)});
}
void Diagnostics::add(Diagnostic diagnostic) { m_items.push_back(std::move(diagnostic)); }
void Diagnostics::append(const Diagnostics& other) {
    m_items.insert(m_items.end(), other.m_items.begin(), other.m_items.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
    return static_cast<std::size_t>(std::count_if(m_items.begin(), m_items.end(),
        [](const Diagnostic& d) { return d.severity == Severity::error; }));
}

std::vector<Diagnostic> Diagnostics::sorted() const {
    std::vector<Diagnostic> out = m_items;
    std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
        const auto& x = a.location;
        const auto& y = b.location;
        return std::tie(x.file, x.line, x.column) < std::tie(y.file, y.line, y.column);
    });
    return out;
}

std::string Diagnostics::to_string() const {
    std::string out;
    for (const auto& d : sorted()) {
        out += d.to_string();
        out += '\n';
    }
    return out;
}

namespace {
bool same_letter(char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
}

/// Edits (insert, delete, substitute, swap two neighbours: "plna" is one from "plan").
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> before(b.size() + 1);  // row i - 2
    std::vector<std::size_t> prev(b.size() + 1);
    std::vector<std::size_t> cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        prev[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const bool same = same_letter(a[i - 1], b[j - 1]);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
            if (i > 1 && j > 1 && same_letter(a[i - 1], b[j - 2]) && same_letter(a[i - 2], b[j - 1])) {
                cur[j] = std::min(cur[j], before[j - 2] + 1);
            }
        }
        std::swap(before, prev);
        std::swap(prev, cur);
    }
    return prev[b.size()];
}
}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
    // Allow roughly one edit per three characters, at least one, so "Compte" finds "Compute"
    // but "foo" does not find "sku".
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::string best;
    std::size_t best_distance = limit + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best_distance <= limit ? best : std::string{};
}

}  // namespace converge
