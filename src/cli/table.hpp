#pragma once
// Plain-text tables for `get` and `show`, fitted to the terminal: COLUMNS, else the width of
// stdout when it is a terminal, else no limit. The widest columns are narrowed first and cut
// with an ellipsis.
#include <string>
#include <vector>

namespace converge::cli {

/// The width to fit: COLUMNS, else stdout's terminal width, else 0 (no limit).
int terminal_width();

/// Header and rows, columns two spaces apart, fitted to `width` (0: no limit).
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         int width);

}  // namespace converge::cli
