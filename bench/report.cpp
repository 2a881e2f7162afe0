#include "report.hpp"

#include <fmt/format.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

namespace bench {

namespace {

std::string figure(double v) {
    if (v == static_cast<double>(static_cast<long long>(v)) && v < 1e9) {
        return fmt::format("{}", static_cast<long long>(v));
    }
    return v >= 100 ? fmt::format("{:.1f}", v) : fmt::format("{:.3g}", v);
}

std::string target_text(const Row& r) {
    if (r.max_ratio) {
        return fmt::format("<= {}x", figure(*r.max_ratio));
    }
    if (r.min_ratio) {
        return fmt::format(">= {}x", figure(*r.min_ratio));
    }
    if (r.max_value) {
        return fmt::format("<= {}", figure(*r.max_value));
    }
    return "";
}

std::string first_line_of(const char* path, const char* prefix) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    }
    return "";
}

}  // namespace

std::optional<double> Row::ratio() const {
    if (!reference || *reference <= 0) {
        return std::nullopt;
    }
    return measured / *reference;
}

std::optional<bool> Row::passed() const {
    if (max_value) {
        return measured <= *max_value;
    }
    const auto r = ratio();
    if (!r) {
        return std::nullopt;
    }
    if (max_ratio) {
        return *r <= *max_ratio;
    }
    if (min_ratio) {
        return *r >= *min_ratio;
    }
    return std::nullopt;
}

std::string Report::table() const {
    std::string out = fmt::format("{:<8} {:<34} {:>11} {:>11} {:<14} {:>8} {:<9} {}\n", "phase", "metric",
                                  "measured", "reference", "(of)", "ratio", "target", "ok");
    out += std::string(104, '-') + "\n";
    for (const auto& r : m_rows) {
        const auto ratio = r.ratio();
        const auto ok = r.passed();
        out += fmt::format("{:<8} {:<34} {:>11} {:>11} {:<14} {:>8} {:<9} {}{}\n", r.phase, r.metric,
                           figure(r.measured), r.reference ? figure(*r.reference) : "", r.reference_name,
                           ratio ? fmt::format("{:.2f}x", *ratio) : "", target_text(r),
                           ok ? (*ok ? "yes" : "NO") : "", r.note.empty() ? "" : "  " + r.note);
    }
    return out;
}

converge::Json Report::to_json() const {
    converge::Json rows = converge::Json::array();
    for (const auto& r : m_rows) {
        converge::Json j = {{"phase", r.phase}, {"metric", r.metric}, {"measured", r.measured}};
        if (r.reference) {
            j["reference"] = *r.reference;
            j["reference_name"] = r.reference_name;
        }
        if (const auto ratio = r.ratio()) {
            j["ratio"] = *ratio;
        }
        if (!target_text(r).empty()) {
            j["target"] = target_text(r);
        }
        if (const auto ok = r.passed()) {
            j["passed"] = *ok;
        }
        if (!r.note.empty()) {
            j["note"] = r.note;
        }
        rows.push_back(std::move(j));
    }
    return {{"format", "converge-bench/1"}, {"info", m_info}, {"rows", rows}, {"details", m_details}};
}

std::vector<std::string> Report::failures() const {
    std::vector<std::string> out;
    for (const auto& r : m_rows) {
        const auto ok = r.passed();
        if (ok && !*ok) {
            const auto ratio = r.ratio();
            out.push_back(fmt::format("{}: {} = {}{} (target {})", r.phase, r.metric, figure(r.measured),
                                      ratio ? fmt::format(", {:.2f}x {}", *ratio, r.reference_name) : "",
                                      target_text(r)));
        }
    }
    return out;
}

converge::Json machine_info() {
    utsname u{};
    uname(&u);
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    return {{"nproc", std::thread::hardware_concurrency()},
            {"cpu", first_line_of("/proc/cpuinfo", "model name")},
            {"memory", first_line_of("/proc/meminfo", "MemTotal")},
            {"kernel", fmt::format("{} {}", u.sysname, u.release)},
            {"date", date},
            {"loadavg_at_start", {load[0], load[1], load[2]}}};
}

}  // namespace bench
