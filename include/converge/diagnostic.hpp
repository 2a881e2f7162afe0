#pragma once
// Problems the user can fix, with a location, collected and printed once.
#include <string>
#include <vector>

namespace converge {

/// A position in a manifest file; line and column are 1-based, 0 when unknown.
struct Location {
    std::string file;
    int line = 0;
    int column = 0;

    /// "file:line:col", or fewer parts when they are unknown.
    std::string to_string() const;
    bool known() const { return !file.empty(); }
    friend bool operator==(const Location&, const Location&) = default;
};

enum class Severity { error, warning, note };

/// One problem: `manifests/ws.yaml:12:5: error: unknown kind "Compte" (did you mean "Compute"?)`.
struct Diagnostic {
    Severity severity = Severity::error;
    Location location;
    std::string message;

    std::string to_string() const;
};

/// An ordered collection of diagnostics; sorted by location when printed.
class Diagnostics {
public:
    void error(Location location, std::string message);
    void warning(Location location, std::string message);
    void note(Location location, std::string message);
    void add(Diagnostic diagnostic);
    void append(const Diagnostics& other);

    bool has_errors() const;
    std::size_t error_count() const;
    bool empty() const { return m_items.empty(); }
    const std::vector<Diagnostic>& items() const { return m_items; }

    /// Sorted by file, line, column (stable for equal locations), one per line.
    std::string to_string() const;
    std::vector<Diagnostic> sorted() const;

private:
    std::vector<Diagnostic> m_items;
};

/// The closest candidate to `word` by edit distance, or "" when none is close enough.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace converge
