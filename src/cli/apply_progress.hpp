#pragma once
// How `converge apply` and `destroy` show progress: a live view on a TTY, one line per event
// otherwise, or JSON events with --log-format json. All write to one FILE*.
#include "converge/apply.hpp"
#include "converge/redact.hpp"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace converge::cli {

/// Progress style chosen from --log-format and whether the output is a terminal.
enum class ProgressStyle { live, lines, json };

/// An ApplyObserver that prints; `finish` prints the summary.
class ProgressPrinter : public ApplyObserver {
public:
    virtual void finish(const ApplyResult& result) = 0;
    std::string name = "Apply";  ///< the summary's first word: "Apply", "Destroy"
};

/// Makes the printer for a style; `color` adds ANSI colours to text styles.
std::unique_ptr<ProgressPrinter> make_progress(ProgressStyle style, std::FILE* out, bool color, Scrubber redact);

/// "create", "update", "delete", "replace (delete)", "replace (create)".
std::string step_label(const Step& step);

}  // namespace converge::cli
