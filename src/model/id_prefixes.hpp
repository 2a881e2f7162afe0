#pragma once
// The enclosing ids of an id, as prefixes of its text (no ResourceId built per ancestor).
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace converge {

/// ResourceId::hash() of an id whose text is `text` (FNV-1a over the lower-cased bytes).
std::size_t id_hash(std::string_view text);

/// The ids that ResourceId::parent() walks through from the id with this text, nearest first,
/// as (length of the prefix of `text` that is its text, its id_hash). False, with `out` empty,
/// when the text is not in the canonical form every id is built in (then walk parent()).
bool enclosing_ids(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out);

/// enclosing_ids for ids taken one after another: the part of an id's text that it shares
/// with the previous one is not scanned or hashed again (siblings differ only in their names).
class EnclosingIds {
public:
    /// As enclosing_ids(text, out); the previous text must still be alive.
    bool of(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out);

private:
    std::string_view m_text;                                // the previous text
    std::vector<std::pair<std::size_t, std::size_t>> m_up;  // its enclosing ids, farthest first
    bool m_ok = false;
};

}  // namespace converge
