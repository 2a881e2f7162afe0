// ISO-8601 durations as Azure's .NET services read and write them (System.TimeSpan through
// XmlConvert): read any valid form, write the shortest day/hour/minute/second form.
#include "realism/realism.hpp"

#include <fmt/format.h>

#include <cctype>
#include <limits>

namespace emulator::realism {

namespace {

constexpr std::int64_t k_tick = 1;
constexpr std::int64_t k_second = 10'000'000 * k_tick;
constexpr std::int64_t k_minute = 60 * k_second;
constexpr std::int64_t k_hour = 60 * k_minute;
constexpr std::int64_t k_day = 24 * k_hour;

// Reads "<digits>[.<digits>]" at text[pos]; fraction only where `allow_fraction`.
// Returns the value in units of 1e-7 (ticks per unit) so "0.5" -> 5'000'000.
std::optional<std::int64_t> read_number(std::string_view text, std::size_t& pos, bool allow_fraction) {
    std::int64_t whole = 0;
    std::size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (whole > std::numeric_limits<std::int64_t>::max() / 100 / k_second) {
            return std::nullopt;
        }
        whole = whole * 10 + (text[pos++] - '0');
    }
    if (pos == start) {
        return std::nullopt;
    }
    std::int64_t fraction = 0;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        if (!allow_fraction) {
            return std::nullopt;
        }
        ++pos;
        std::size_t digits = 0;
        std::int64_t scale = k_second;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            scale /= 10;
            fraction += (text[pos++] - '0') * scale;  // digits past 1e-7 fall off (scale 0)
            ++digits;
        }
        if (digits == 0) {
            return std::nullopt;
        }
    }
    return whole * k_second + fraction;
}

std::int64_t unit_ticks(char designator, bool in_time) {
    if (in_time) {
        switch (designator) {
            case 'H': return k_hour;
            case 'M': return k_minute;
            case 'S': return k_second;
            default: return 0;
        }
    }
    switch (designator) {
        case 'Y': return 365 * k_day;  // XmlConvert: a year is 365 days,
        case 'M': return 30 * k_day;   // a month 30 days
        case 'W': return 7 * k_day;
        case 'D': return k_day;
        default: return 0;
    }
}

// Order of designators within each part, so "PT5M1H" is refused as TimeSpan refuses it.
int rank(char designator, bool in_time) {
    const std::string_view order = in_time ? "HMS" : "YMWD";
    return static_cast<int>(order.find(designator));
}

}  // namespace

std::optional<std::int64_t> parse_duration(std::string_view text) {
    if (text.size() < 3 || text[0] != 'P') {
        return std::nullopt;
    }
    std::size_t pos = 1;
    bool in_time = false;
    bool any = false;
    bool time_component = false;
    int last_rank = -1;
    std::int64_t total = 0;
    while (pos < text.size()) {
        if (text[pos] == 'T') {
            if (in_time) {
                return std::nullopt;
            }
            in_time = true;
            last_rank = -1;
            ++pos;
            continue;
        }
        const std::size_t number_start = pos;
        bool has_fraction_room = in_time;
        auto value = read_number(text, pos, has_fraction_room);
        if (!value || pos >= text.size()) {
            return std::nullopt;
        }
        const char designator = text[pos++];
        const std::int64_t unit = unit_ticks(designator, in_time);
        const int r = rank(designator, in_time);
        const bool fractional = text.substr(number_start).find_first_of(".,") < pos - number_start;
        if (unit == 0 || r <= last_rank || (fractional && designator != 'S')) {
            return std::nullopt;
        }
        last_rank = r;
        // value is in "units of 1e-7": scale back to the designator's unit.
        const std::int64_t whole = *value / k_second;
        const std::int64_t frac = *value % k_second;
        if (whole > (std::numeric_limits<std::int64_t>::max() - total) / unit) {
            return std::nullopt;
        }
        total += whole * unit + frac * (unit / k_second);
        any = true;
        time_component = time_component || in_time;
    }
    if (!any || (in_time && !time_component)) {
        return std::nullopt;
    }
    return total;
}

std::string format_duration(std::int64_t ticks) {
    if (ticks <= 0) {
        return "PT0S";
    }
    const std::int64_t days = ticks / k_day;
    const std::int64_t hours = ticks % k_day / k_hour;
    const std::int64_t minutes = ticks % k_hour / k_minute;
    const std::int64_t seconds = ticks % k_minute / k_second;
    const std::int64_t fraction = ticks % k_second;
    std::string out = "P";
    if (days > 0) {
        out += fmt::format("{}D", days);
    }
    if (hours == 0 && minutes == 0 && seconds == 0 && fraction == 0) {
        return out;
    }
    out += "T";
    if (hours > 0) {
        out += fmt::format("{}H", hours);
    }
    if (minutes > 0) {
        out += fmt::format("{}M", minutes);
    }
    if (seconds > 0 || fraction > 0) {
        out += fmt::format("{}", seconds);
        if (fraction > 0) {
            std::string digits = fmt::format("{:07}", fraction);
            digits.erase(digits.find_last_not_of('0') + 1);
            out += "." + digits;
        }
        out += "S";
    }
    return out;
}

std::optional<std::string> canonical_duration(std::string_view text) {
    auto ticks = parse_duration(text);
    if (!ticks) {
        return std::nullopt;
    }
    return format_duration(*ticks);
}

}  // namespace emulator::realism
