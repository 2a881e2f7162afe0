#pragma once
// JSON pointers (RFC 6901): the one place that escapes a segment ("~" -> "~0", "/" -> "~1"),
// appends one to a pointer, and splits a pointer back into segments. Header-only: the loader
// appends a segment for every field of 100,000 resources, so these stay inline and append in
// place.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace converge::json_pointer {

/// Calls `piece(std::string_view)` with the escaped form of `segment`, in pieces (runs of plain
/// text and "~0" / "~1"), so a caller can append or hash it without building it.
template <class Piece>
inline void for_each_escaped(std::string_view segment, Piece&& piece) {
    // Two memchr scans are several times faster than find_first_of's per-character loop, and
    // almost no segment has anything to escape.
    if (segment.find('~') == std::string_view::npos && segment.find('/') == std::string_view::npos) {
        piece(segment);
        return;
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i < segment.size(); ++i) {
        const char c = segment[i];
        if (c == '~' || c == '/') {
            if (i > start) {
                piece(segment.substr(start, i - start));
            }
            piece(std::string_view(c == '~' ? "~0" : "~1"));
            start = i + 1;
        }
    }
    if (start < segment.size()) {
        piece(segment.substr(start));
    }
}

/// Appends the escaped `segment` to `out` (no "/").
inline void append_escaped(std::string& out, std::string_view segment) {
    for_each_escaped(segment, [&](std::string_view p) { out += p; });
}

/// "a/b~c" -> "a~1b~0c": one segment, escaped.
inline std::string escape(std::string_view segment) {
    std::string out;
    append_escaped(out, segment);
    return out;
}

/// Appends "/" and the escaped segment to `pointer`, in place.
inline void append_segment(std::string& pointer, std::string_view segment) {
    pointer += '/';
    append_escaped(pointer, segment);
}

/// `pointer` + "/" + the escaped segment, as a new string.
inline std::string join(std::string_view pointer, std::string_view segment) {
    std::string out;
    out.reserve(pointer.size() + 1 + segment.size());
    out += pointer;
    append_segment(out, segment);
    return out;
}

/// "a~1b~0c" -> "a/b~c": one escaped segment, unescaped ("~" followed by anything else is kept).
inline std::string unescape(std::string_view segment) {
    std::string out;
    out.reserve(segment.size());
    for (std::size_t i = 0; i < segment.size(); ++i) {
        if (segment[i] == '~' && i + 1 < segment.size() && (segment[i + 1] == '0' || segment[i + 1] == '1')) {
            out += segment[++i] == '1' ? '/' : '~';
        } else {
            out += segment[i];
        }
    }
    return out;
}

/// Calls `fn(std::string_view escaped_segment)` for each segment of `pointer` ("" has none,
/// "/" has one empty segment). The segments are given escaped; pass them to unescape.
template <class Fn>
inline void for_each_segment(std::string_view pointer, Fn&& fn) {
    std::size_t i = 0;
    while (i < pointer.size()) {
        const auto next = pointer.find('/', i + 1);
        const auto end = next == std::string_view::npos ? pointer.size() : next;
        fn(pointer.substr(i + 1, end - i - 1));
        i = end;
    }
}

/// "/a~1b/c" -> {"a/b", "c"}; "" -> {}.
inline std::vector<std::string> parse(std::string_view pointer) {
    std::vector<std::string> out;
    for_each_segment(pointer, [&](std::string_view s) { out.push_back(unescape(s)); });
    return out;
}

}  // namespace converge::json_pointer
