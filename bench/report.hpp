#pragma once
// The benchmark's results: rows of (measured, reference, target) printed as a table and
// written as JSON, so the figures in README and docs/benchmarks.md come from one place.
#include "converge/json.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bench {

/// One measured figure, optionally against a reference (floor, bound, baseline) and a target ratio.
struct Row {
    std::string phase;        ///< "plan", "apply", "reapply", "cpu"
    std::string metric;       ///< "wall time (s)", "requests", ...
    double measured = 0;
    std::optional<double> reference;
    std::string reference_name;  ///< "floor", "per-resource", "bound"
    /// The target on measured/reference (or on measured alone when no reference): pass when
    /// ratio <= max_ratio, or ratio >= min_ratio.
    std::optional<double> max_ratio;
    std::optional<double> min_ratio;
    std::optional<double> max_value;
    std::string note;

    std::optional<double> ratio() const;
    /// nullopt when the row has no target.
    std::optional<bool> passed() const;
};

/// Everything one run produced.
class Report {
public:
    void add(Row row) { m_rows.push_back(std::move(row)); }
    /// Free-form facts about the run (machine, parameters, shape) for the JSON and the header.
    void set(const std::string& key, converge::Json value) { m_info[key] = std::move(value); }
    /// Raw per-phase data (counters, per-LRO polls) kept in the JSON only.
    void detail(const std::string& phase, converge::Json value) { m_details[phase] = std::move(value); }

    std::string table() const;
    converge::Json to_json() const;
    /// Targets that failed, one line each ("plan: wall time 1.4x floor > 1.25x").
    std::vector<std::string> failures() const;

private:
    std::vector<Row> m_rows;
    converge::Json m_info = converge::Json::object();
    converge::Json m_details = converge::Json::object();
};

/// nproc, CPU model, kernel, date (UTC), load average: "where were these figures measured".
converge::Json machine_info();

}  // namespace bench
