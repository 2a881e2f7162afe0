#include "cli/table.hpp"

#include <algorithm>
#include <cstdlib>
#include <sys/ioctl.h>
#include <unistd.h>

namespace converge::cli {

namespace {

// Display width: code points (continuation bytes are not counted).
std::size_t width_of(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The first `n` code points of `s`.
std::string prefix(const std::string& s, std::size_t n) {
    std::size_t points = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && points++ == n) {
            return s.substr(0, i);
        }
    }
    return s;
}

std::string fit(const std::string& s, std::size_t width) {
    if (width_of(s) <= width) {
        return s + std::string(width - width_of(s), ' ');
    }
    return prefix(s, width - 1) + "\u2026";
}

}  // namespace

int terminal_width() {
    if (const char* columns = std::getenv("COLUMNS"); columns != nullptr && *columns != '\0') {
        const int n = std::atoi(columns);
        if (n > 0) {
            return n;
        }
    }
    winsize ws{};
    if (::isatty(1) != 0 && ::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        return ws.ws_col;
    }
    return 0;
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         int width) {
    std::vector<std::size_t> widths(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
        widths[c] = width_of(header[c]);
        for (const auto& row : rows) {
            if (c < row.size()) {
                widths[c] = std::max(widths[c], width_of(row[c]));
            }
        }
    }
    if (width > 0) {
        auto total = [&] {
            std::size_t t = 2 * (widths.size() - 1);
            for (const auto w : widths) {
                t += w;
            }
            return t;
        };
        constexpr std::size_t k_min = 5;
        while (total() > static_cast<std::size_t>(width)) {
            auto widest = std::max_element(widths.begin(), widths.end());
            if (*widest <= k_min) {
                break;
            }
            --*widest;
        }
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < widths.size(); ++c) {
            const std::string cell = c < cells.size() ? cells[c] : "";
            text += c + 1 == widths.size() ? (width_of(cell) <= widths[c] ? cell : fit(cell, widths[c])) : fit(cell, widths[c]) + "  ";
        }
        while (!text.empty() && text.back() == ' ') {
            text.pop_back();
        }
        out += text + "\n";
    };
    line(header);
    for (const auto& row : rows) {
        line(row);
    }
    return out;
}

}  // namespace converge::cli
