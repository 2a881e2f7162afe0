// YAML -> JSON with a position for every node. The only file that includes libyaml.
// libyaml's event parser gives the position of every key and value, strict error reports
// (an unclosed quote is an error) and parses ~8x faster than yaml-cpp did here.
#include "manifest/internal.hpp"

#include <yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace converge::manifest {

namespace {

// Limits on what one document may cost, whatever the input (as YAML libraries recommend
// against "billion laughs": SnakeYAML caps aliases and nesting depth, go-yaml and others
// the nodes that aliases expand to). A manifest document describes one resource; these are
// orders of magnitude above what one needs.
constexpr std::size_t k_max_depth = 64;                    ///< nested mappings and lists
constexpr std::size_t k_max_aliases = 1000;                ///< alias uses (*name) per document
constexpr std::size_t k_max_alias_nodes = 100000;          ///< nodes copied by aliases per document
constexpr std::size_t k_max_alias_bytes = 16 * 1024 * 1024;  ///< text copied by aliases per document
/// Keys of one mapping: objects are sorted vectors, so a key inserted out of order moves the
/// ones after it (200,000 keys in reverse order took 230 s; 5,000 take a few milliseconds).
constexpr std::size_t k_max_keys = 5000;

/// The UTF-8 byte order mark, accepted at the start of the file and of each document.
constexpr std::string_view k_bom = "\xEF\xBB\xBF";

bool all_digits(std::string_view s, int base) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        const bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                        : base == 8 ? (c >= '0' && c <= '7')
                                    : std::isdigit(static_cast<unsigned char>(c)) != 0;
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::optional<Json> parse_integer(std::string_view s) {
    std::string_view body = s;
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
        body.remove_prefix(1);
    }
    int base = 10;
    if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o')) {
        base = body[1] == 'x' ? 16 : 8;
        if (s[0] == '-' || s[0] == '+') {
            return std::nullopt;  // YAML 1.2 has no signed hex/octal
        }
        body.remove_prefix(2);
    }
    if (!all_digits(body, base)) {
        return std::nullopt;
    }
    const std::string text(body);
    errno = 0;
    const long long v = std::strtoll(text.c_str(), nullptr, base);
    if (errno == ERANGE) {
        return std::nullopt;
    }
    return Json(s[0] == '-' ? -v : v);
}

std::optional<Json> parse_float(std::string_view s) {
    if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "-.inf" || s == ".nan" ||
        s == ".NaN" || s == ".NAN") {
        return std::nullopt;  // not representable in JSON; kept as a string
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
        ++i;
    }
    std::size_t digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        ++i;
        ++digits;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
            ++i;
            ++digits;
        }
    }
    if (digits == 0) {
        return std::nullopt;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
            ++i;
        }
        if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) {
            return std::nullopt;
        }
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
            ++i;
        }
    }
    if (i != s.size()) {
        return std::nullopt;
    }
    return Json(std::strtod(std::string(s).c_str(), nullptr));
}

/// YAML 1.2 core schema resolution of a plain scalar.
Json resolve_plain(std::string_view s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
        return nullptr;
    }
    if (s == "true" || s == "True" || s == "TRUE") {
        return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
        return false;
    }
    const char c = s[0];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
        if (auto i = parse_integer(s)) {
            return *i;
        }
        if (auto f = parse_float(s)) {
            return *f;
        }
    }
    return std::string(s);
}

/// A node's JSON pointer, as hashes (see Positioned).
struct Path {
    std::uint64_t hash = PointerHash::k_empty;
    std::uint64_t spec_hash = PointerHash::k_empty;
    Area area = Area::other;
    bool root = true;

    Path child(std::string_view segment) const {
        Path c;
        c.root = false;
        c.hash = PointerHash::extend_segment(hash, segment);
        if (root) {
            c.area = segment == "spec" ? Area::spec : segment == "metadata" ? Area::metadata : Area::other;
        } else {
            c.area = area;
            c.spec_hash = area == Area::spec ? PointerHash::extend_segment(spec_hash, segment) : 0;
        }
        return c;
    }
    Positioned at(NodePosition pos) const { return {hash, spec_hash, pos, area}; }
};

/// An open mapping or sequence while events arrive.
struct Frame {
    Json* node = nullptr;
    Path path;
    std::string anchor;  ///< "" when the node has none
    bool is_map = false;
    bool have_key = false;
    std::string key;
    Pos key_pos;
    bool merge_key = false;  ///< the pending key is "<<"
    int complex_key_depth = 0;
    Json merge_value;                 ///< the value of "<<" while it is built
    std::unordered_set<std::string> merged;  ///< keys that came from "<<" (explicit keys override them)
    std::size_t nodes_at_open = 0;    ///< the document's node count when this node opened
    std::size_t bytes_at_open = 0;    ///< and its text size
};

/// An anchored value and what copying it costs.
struct Anchor {
    Json value;
    std::size_t nodes = 1;
    std::size_t bytes = 0;
};

/// The position of a libyaml mark, 1-based.
Pos pos(const yaml_mark_t& mark) {
    return {static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1};
}

std::string_view text_of(const yaml_char_t* s) {
    return s == nullptr ? std::string_view() : reinterpret_cast<const char*>(s);
}

/// How a scalar's type is decided: untagged plain (resolved), untagged quoted or block
/// (a string), or by an explicit tag.
enum class Style { plain, quoted, tagged };

/// Sizes seen in earlier documents, per thread and across files: what to reserve next.
struct Hints {
    std::unordered_map<std::uint64_t, std::uint32_t> sizes;  ///< mapping members, by pointer hash
    std::size_t positions = 0;                               ///< nodes of the last document
    std::size_t documents = 0;                               ///< documents of the last file

    void note(std::uint64_t path, std::size_t size) {
        if (sizes.size() >= 4096 && !sizes.contains(path)) {
            sizes.clear();  // stays small whatever the input
        }
        sizes[path] = static_cast<std::uint32_t>(size);
    }
};

Hints& hints() {
    thread_local Hints h;
    return h;
}

/// Builds JSON documents from libyaml's events.
class Builder {
public:
    Builder(const std::string& file, std::string_view text, Diagnostics& diagnostics)
        : m_file(file), m_text(text), m_diagnostics(diagnostics) {}

    std::vector<YamlDocument> documents;
    bool failed = false;
    bool stopped = false;  ///< a limit was hit: the rest of the file is not read

    void handle(const yaml_event_t& e) {
        if (e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT) {
            // Counted here, not in open(): complex keys nest too. Stopping early also keeps
            // libyaml from its quadratic scan of deeply nested flow collections.
            if (++m_nesting > k_max_depth) {
                limit(e.start_mark, fmt::format("nesting deeper than {} levels (the limit for mappings and lists)",
                                                k_max_depth));
                return;
            }
        } else if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
            --m_nesting;
        }
        switch (e.type) {
        case YAML_DOCUMENT_START_EVENT:
            document_start(e.start_mark);
            break;
        case YAML_ALIAS_EVENT:
            alias(e.start_mark, text_of(e.data.alias.anchor));
            break;
        case YAML_SCALAR_EVENT: {
            const auto& sc = e.data.scalar;
            const Style style = sc.tag != nullptr                      ? Style::tagged
                                : sc.style == YAML_PLAIN_SCALAR_STYLE ? Style::plain
                                                                      : Style::quoted;
            on_scalar(e.start_mark, style, text_of(sc.tag), text_of(sc.anchor),
                      std::string_view(reinterpret_cast<const char*>(sc.value), sc.length));
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
            open(e.start_mark, Json::array(), std::string(text_of(e.data.sequence_start.anchor)), false);
            break;
        case YAML_MAPPING_START_EVENT:
            open(e.start_mark, Json::object(), std::string(text_of(e.data.mapping_start.anchor)), true);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            close();
            break;
        default:
            break;
        }
    }

private:
    void document_start(const yaml_mark_t& mark) {
        if (documents.empty()) {
            documents.reserve(m_hints.documents);
        }
        if (m_doc != nullptr) {
            m_hints.positions = m_doc->positions.size();
        }
        documents.emplace_back();
        m_doc = &documents.back();
        m_doc->file = m_file;
        m_doc->start = pos(mark);
        m_doc->positions.reserve(m_hints.positions);
        m_doc->root = nullptr;
        m_have_root = false;
        m_anchors.clear();
        m_nodes = 0;
        m_bytes = 0;
        m_aliases = 0;
        m_alias_nodes = 0;
        m_alias_bytes = 0;
        if (documents.size() > 1 && !starts_document(mark)) {
            error(pos(mark), "unexpected content after the end of the document "
                             "(wrong indentation, or a missing '---'?)");
        }
    }

    void alias(const yaml_mark_t& mark, std::string_view anchor) {
        if (skip_complex_key(false, false)) {
            return;
        }
        auto it = m_anchors.find(std::string(anchor));
        if (it == m_anchors.end()) {
            value(pos(mark), Json(nullptr), {}, {}, false);
            return;
        }
        const Anchor& a = it->second;
        m_alias_nodes += a.nodes;
        m_alias_bytes += a.bytes;
        if (++m_aliases > k_max_aliases) {
            limit(mark, fmt::format("more than {} aliases in one document (the limit)", k_max_aliases));
            return;
        }
        if (m_alias_nodes > k_max_alias_nodes) {
            limit(mark, fmt::format("aliases expand to more than {} nodes in one document (the limit)",
                                    k_max_alias_nodes));
            return;
        }
        if (m_alias_bytes > k_max_alias_bytes) {
            limit(mark, fmt::format("aliases expand to more than {} MiB of text in one document (the limit)",
                                    k_max_alias_bytes / (1024 * 1024)));
            return;
        }
        // The copy counts as nodes of the document (an anchor around it copies them again).
        m_nodes += a.nodes;
        m_bytes += a.bytes;
        m_counted = true;
        value(pos(mark), a.value, {}, {}, false);
        m_counted = false;
    }

    /// Reports a limit and stops reading the file.
    void limit(const yaml_mark_t& mark, std::string message) { limit(pos(mark), std::move(message)); }
    void limit(Pos p, std::string message) {
        error(p, std::move(message));
        stopped = true;
    }

    /// False (and reported) when a mapping has more keys than k_max_keys.
    bool keys_within_limit(const Frame& f, Pos p) {
        if (f.node->size() <= k_max_keys) {
            return true;
        }
        limit(p, fmt::format("more than {} keys in one mapping (the limit)", k_max_keys));
        return false;
    }

    void on_scalar(const yaml_mark_t& mark, Style style, std::string_view tag, std::string_view anchor,
                   std::string_view text) {
        if (skip_complex_key(false, false)) {
            return;
        }
        if (m_depth > 0 && top().is_map && !top().have_key) {
            set_key(pos(mark), text, style == Style::plain);
            return;
        }
        value(pos(mark), scalar(mark, style, tag, text), anchor, text, style == Style::plain);
    }

    void error(Pos p, std::string message) {
        m_diagnostics.error({m_file, p.line, p.column}, std::move(message));
        failed = true;
    }

    bool starts_document(const yaml_mark_t& mark) {
        const std::size_t start = byte_offset(mark.index - mark.column);
        const std::string_view line = m_text.substr(std::min(start, m_text.size()));
        return line.starts_with("---") || line.starts_with("%");
    }

    /// libyaml's marks count characters; the byte offset of character `index` in m_text.
    /// Marks mostly move forward, so the walk resumes from the last answer.
    std::size_t byte_offset(std::size_t index) {
        if (index < m_offset_chars) {
            m_offset_chars = 0;
            m_offset_bytes = 0;
        }
        while (index - m_offset_chars >= 8 && m_text.size() - m_offset_bytes >= 9) {
            std::uint64_t word = 0;
            std::memcpy(&word, m_text.data() + m_offset_bytes + 1, 8);
            if ((word & 0x8080808080808080ULL) != 0) {
                break;  // not ASCII: one character at a time below
            }
            m_offset_bytes += 8;
            m_offset_chars += 8;
        }
        while (m_offset_chars < index && m_offset_bytes < m_text.size()) {
            ++m_offset_bytes;
            while (m_offset_bytes < m_text.size() && (static_cast<unsigned char>(m_text[m_offset_bytes]) & 0xC0) == 0x80) {
                ++m_offset_bytes;  // a UTF-8 continuation byte
            }
            ++m_offset_chars;
        }
        return m_offset_bytes;
    }

    Json scalar(const yaml_mark_t& mark, Style style, std::string_view tag, std::string_view text) {
        if (style == Style::quoted) {
            return std::string(text);
        }
        if (style == Style::plain) {
            return resolve_plain(text);
        }
        if (tag == "tag:yaml.org,2002:str") {
            return std::string(text);
        }
        if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
            tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
            return resolve_plain(text);
        }
        error(pos(mark), fmt::format("unsupported YAML tag \"{}\"", tag));
        return std::string(text);
    }

    /// Complex keys (a mapping or sequence used as a key) are skipped, with one error;
    /// the usual cause is an unsubstituted `{{PLACEHOLDER}}` template.
    bool skip_complex_key(bool opening, bool closing) {
        if (m_depth == 0) {
            return false;
        }
        Frame& f = top();
        if (f.complex_key_depth > 0) {
            f.complex_key_depth += opening ? 1 : closing ? -1 : 0;
            if (f.complex_key_depth == 0) {
                f.have_key = true;
                f.key.clear();
            }
            return true;
        }
        return false;
    }

    void report_complex_key(const yaml_mark_t& mark) {
        // `a: {{X}}` parses as a mapping whose key is the mapping {X: null}.
        const std::size_t p = byte_offset(mark.index);
        if (p > 0 && m_text.substr(p - 1).starts_with("{{")) {
            const auto end = m_text.find("}}", p);
            const auto text = m_text.substr(p - 1, end == std::string_view::npos ? 2 : end + 3 - p);
            error({static_cast<int>(mark.line) + 1, static_cast<int>(mark.column)}, fmt::format("unsubstituted template placeholder \"{}\" "
                                                            "(use ${{var:NAME}} instead)", text));
            return;
        }
        error(pos(mark), "a mapping key must be a scalar");
    }

    void open(const yaml_mark_t& mark, Json empty, std::string anchor, bool is_map) {
        if (skip_complex_key(true, false)) {
            return;
        }
        if (m_depth > 0 && top().is_map && !top().have_key) {
            report_complex_key(mark);
            top().complex_key_depth = 1;
            return;
        }
        Json* node = nullptr;
        Path path;
        place(pos(mark), std::move(empty), node, path);
        if (node != nullptr && is_map) {
            // Reserve what the mapping at the same path had last time (documents of one kind
            // repeat their shape): one allocation instead of one per growth step.
            if (const auto hint = m_hints.sizes.find(path.hash); hint != m_hints.sizes.end()) {
                node->get_ref<Json::object_t&>().reserve(hint->second);
            }
        }
        push(node, path, std::move(anchor), is_map);
    }

    void close() {
        if (skip_complex_key(false, true)) {
            return;
        }
        const Frame& f = top();
        if (f.is_map && f.node != nullptr && f.node->is_object()) {
            auto& members = f.node->get_ref<Json::object_t&>();
            if (members.capacity() > members.size()) {
                members.shrink_to_fit();  // the hint was too large (or growth left spare room)
            }
            m_hints.note(f.path.hash, members.size());
        }
        if (!f.anchor.empty()) {
            m_anchors[f.anchor] = Anchor{*f.node, m_nodes - f.nodes_at_open, m_bytes - f.bytes_at_open};
        }
        if (m_depth > 1 && m_frames[m_depth - 2].merge_key) {
            merge(m_frames[m_depth - 2], *f.node);  // *f.node is the parent's merge_value
        }
        pop();
    }

    void set_key(Pos p, std::string_view text, bool plain) {
        Frame& f = top();
        f.key = text;
        f.key_pos = p;
        f.have_key = true;
        f.merge_key = plain && text == "<<";
    }

    void value(Pos p, Json v, std::string_view anchor, std::string_view text, bool plain) {
        if (!anchor.empty()) {
            m_anchors[std::string(anchor)] = Anchor{v, 1, v.is_string() ? v.get_ref<const std::string&>().size() : 0};
        }
        if (m_depth > 0 && top().merge_key) {
            merge(top(), v);
            return;
        }
        const bool is_string = v.is_string();
        const bool typed = plain && !is_string && !v.is_null() && !text.empty();
        Json* node = nullptr;
        Path path;
        place(p, std::move(v), node, path);
        if (node == nullptr) {
            return;
        }
        if (typed) {
            m_doc->raw_scalars.emplace_back(path.hash, text);
        }
        if (is_string) {
            const auto& s = node->get_ref<const std::string&>();
            check_template(p, s);
            if (s.find("${") != std::string::npos) {
                m_doc->has_expressions = true;
                m_doc->may_ref = m_doc->may_ref || may_ref(s);
            }
            if (plain && text.find("${") != std::string::npos) {
                m_doc->plain_templates.push_back(path.hash);
            }
        }
    }

    /// "${ref:" or an expression inside another, which can build a ref's source text.
    static bool may_ref(const std::string& s) {
        const auto first = s.find("${");
        return first != std::string::npos &&
               (s.find("${ref:") != std::string::npos || s.find("${", first + 2) != std::string::npos);
    }

    void check_template(Pos p, const std::string& s) {
        if (s.size() > 4 && s.starts_with("{{") && s.ends_with("}}") && s.find('\n') == std::string::npos) {
            error(p, fmt::format("unsubstituted template placeholder \"{}\" (use ${{var:NAME}} instead)", s));
        }
    }

    /// `<<: *base` merges the keys of `v` that the mapping does not set itself.
    void merge(Frame& f, const Json& v) {
        f.have_key = false;
        f.merge_key = false;
        const auto add = [&](const Json& m) {
            if (stopped) {
                return;
            }
            if (!m.is_object()) {
                error(f.key_pos, "a merge key ('<<') needs a mapping or a list of mappings");
                return;
            }
            for (const auto& [k, item] : m.items()) {
                if (!f.node->contains(k)) {
                    (*f.node)[k] = item;
                    f.merged.insert(k);
                    m_doc->positions.push_back(f.path.child(k).at(NodePosition{f.key_pos, f.key_pos}));
                    if (!keys_within_limit(f, f.key_pos)) {
                        return;
                    }
                }
            }
        };
        if (v.is_array()) {
            for (const auto& m : v) {
                add(m);
            }
        } else {
            add(v);
        }
    }

    /// Inserts a value into the innermost container (or as the root).
    const NodePosition* find(std::uint64_t hash) const {
        for (auto it = m_doc->positions.rbegin(); it != m_doc->positions.rend(); ++it) {
            if (it->hash == hash) {
                return &it->pos;
            }
        }
        return nullptr;
    }

    void place(Pos p, Json v, Json*& node, Path& path) {
        if (!m_counted) {
            ++m_nodes;
            if (v.is_string()) {
                m_bytes += v.get_ref<const std::string&>().size();
            }
        }
        if (m_depth == 0) {
            if (m_have_root) {
                return;
            }
            m_have_root = true;
            m_doc->root = std::move(v);
            node = &m_doc->root;
            path = Path{};
            m_doc->positions.push_back(path.at(NodePosition{p, p}));
            return;
        }
        Frame& f = top();
        if (f.is_map && f.merge_key) {
            f.merge_value = std::move(v);
            node = &f.merge_value;
            path = f.path.child("<<");
            return;
        }
        if (f.is_map) {
            f.have_key = false;
            path = f.path.child(f.key);
            m_bytes += f.key.size();
            if (!f.merged.empty() && f.merged.erase(f.key) > 0) {
                f.node->erase(f.key);
            }
            const auto [it, inserted] = f.node->emplace(f.key, std::move(v));
            if (!inserted) {
                const auto* first = find(path.hash);
                const Pos at = first ? first->key : Pos{};
                error(f.key_pos, fmt::format("duplicate key \"{}\" (first at line {}, column {})", f.key,
                                             at.line, at.column));
                // The document is dropped, but a mapping or list under the duplicate still
                // receives its children: give it a place of its own.
                m_discarded.push_back(std::move(v));
                node = &m_discarded.back();
                return;
            }
            m_doc->positions.push_back(path.at(NodePosition{f.key_pos, p}));
            node = &*it;
            keys_within_limit(f, f.key_pos);  // when over, the file's reading stops after this event
            return;
        }
        path = f.path.child(std::to_string(f.node->size()));
        m_doc->positions.push_back(path.at(NodePosition{p, p}));
        f.node->push_back(std::move(v));
        node = &f.node->back();
    }

    const std::string& m_file;
    std::string_view m_text;
    Diagnostics& m_diagnostics;
    YamlDocument* m_doc = nullptr;
    bool m_have_root = false;
    // Frames are kept and reused as the depth goes up and down (no allocation per mapping);
    // a deque, because a frame's node can point into its parent frame (merge_value).
    std::deque<Frame> m_frames;
    std::size_t m_depth = 0;

    Frame& top() { return m_frames[m_depth - 1]; }

    void push(Json* node, const Path& path, std::string anchor, bool is_map) {
        if (m_depth == m_frames.size()) {
            m_frames.emplace_back();
        }
        Frame& f = m_frames[m_depth++];
        f.node = node;
        f.path = path;
        f.anchor = std::move(anchor);
        f.is_map = is_map;
        f.have_key = false;
        f.key.clear();
        f.key_pos = {};
        f.merge_key = false;
        f.complex_key_depth = 0;
        f.merged.clear();
        f.nodes_at_open = m_nodes - 1;  // place() counted the node itself
        f.bytes_at_open = m_bytes;
    }

    void pop() {
        Frame& f = top();
        if (!f.merge_value.is_null()) {
            f.merge_value = nullptr;
        }
        --m_depth;
    }
    std::unordered_map<std::string, Anchor> m_anchors;
    bool m_counted = false;         ///< the value being placed is an alias's copy, already counted
    std::size_t m_nesting = 0;      ///< open mappings and lists, complex keys included
    std::size_t m_nodes = 0;        ///< nodes of the current document, alias copies included
    std::size_t m_bytes = 0;        ///< and the size of their text (strings and keys)
    std::size_t m_aliases = 0;      ///< aliases used in the current document
    std::size_t m_alias_nodes = 0;  ///< nodes they copied
    std::size_t m_alias_bytes = 0;  ///< text they copied
    std::size_t m_offset_chars = 0; ///< byte_offset()'s last answer: a character index
    std::size_t m_offset_bytes = 0; ///< and its byte offset
    Hints& m_hints = hints();
    std::deque<Json> m_discarded;  // values of duplicate keys (a deque: frames point into it)
};

/// Tabs in indentation are the most common YAML mistake and parsers report them as a
/// confusing error elsewhere; find them first.
bool check_tabs(const std::string& file, std::string_view text, Diagnostics& diagnostics) {
    bool ok = true;
    int line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t col = 0;
        while (i + col < text.size() && (text[i + col] == ' ' || text[i + col] == '\t')) {
            if (text[i + col] == '\t') {
                diagnostics.error({file, line, static_cast<int>(col) + 1},
                                  "tab character in indentation (YAML indents with spaces only)");
                ok = false;
                break;
            }
            ++col;
        }
        const auto nl = text.find('\n', i);
        if (nl == std::string_view::npos) {
            break;
        }
        i = nl + 1;
        ++line;
    }
    return ok;
}

/// libyaml's report, with what the user most likely has to fix.
Diagnostic parse_error(const std::string& file, const yaml_parser_t& parser) {
    const std::string problem = parser.problem != nullptr ? parser.problem : "cannot parse";
    const std::string context = parser.context != nullptr ? parser.context : "";
    const Pos at = pos(parser.problem_mark);
    const Pos opened = pos(parser.context_mark);
    const std::string where = fmt::format("line {}, column {}", opened.line, opened.column);
    std::string hint;
    if (problem == "mapping values are not allowed in this context") {
        hint = " (a value containing ': ' needs quotes; or is the indentation wrong?)";
    } else if (context == "while parsing a flow sequence") {
        hint = fmt::format(" (the '[' at {} is not closed)", where);
    } else if (context == "while parsing a flow mapping") {
        hint = fmt::format(" (the '{{' at {} is not closed; quote values that contain '{{' or '}}')", where);
    } else if (context.starts_with("while scanning a quoted scalar")) {
        hint = fmt::format(" (the quote at {} is not closed)", where);
    } else if (context.starts_with("while parsing a block") && at.column == 1 && opened.column == 1) {
        return {Severity::error, {file, at.line, at.column},
                "unexpected content after the end of the document (wrong indentation, or a missing '---'?)"};
    } else if (context.starts_with("while parsing a block")) {
        hint = " (check the indentation)";
    } else if (!context.empty()) {
        hint = fmt::format(" ({} at {})", context, where);
    }
    return {Severity::error, {file, at.line, at.column}, fmt::format("invalid YAML: {}{}", problem, hint)};
}


/// The text without the byte order marks YAML allows at the start of each document: at the
/// start of the file (libyaml reads it but its marks then count from after it) and before a
/// "---" or "%" line (libyaml takes it for content). `storage` holds the copy when one is needed.
std::string_view without_boms(std::string_view text, std::string& storage) {
    if (text.starts_with(k_bom)) {
        text.remove_prefix(k_bom.size());
    }
    const auto document_bom = [&](std::size_t from) {
        for (auto at = text.find(k_bom, from); at != std::string_view::npos; at = text.find(k_bom, at + 1)) {
            const auto rest = text.substr(at + k_bom.size());
            if (text[at - 1] == '\n' && (rest.starts_with("---") || rest.starts_with("%"))) {
                return at;
            }
        }
        return std::string_view::npos;
    };
    auto at = text.empty() ? std::string_view::npos : document_bom(1);
    if (at == std::string_view::npos) {
        return text;
    }
    storage.reserve(text.size());
    std::size_t from = 0;
    for (; at != std::string_view::npos; at = document_bom(at + k_bom.size())) {
        storage.append(text.substr(from, at - from));
        from = at + k_bom.size();
    }
    storage.append(text.substr(from));
    return storage;
}

}  // namespace

Json resolve_plain_scalar(const std::string& text) { return resolve_plain(text); }

std::vector<YamlDocument> parse_yaml(const std::string& file, std::string_view original,
                                     Diagnostics& diagnostics) {
    std::string storage;
    const std::string_view text = without_boms(original, storage);
    if (!check_tabs(file, text, diagnostics)) {
        return {};
    }
    Builder builder(file, text, diagnostics);
    yaml_parser_t parser;
    if (yaml_parser_initialize(&parser) == 0) {
        throw std::bad_alloc();
    }
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    bool ok = true;
    for (bool done = false; !done;) {
        yaml_event_t event;
        if (yaml_parser_parse(&parser, &event) == 0) {
            diagnostics.add(parse_error(file, parser));
            ok = false;
            break;
        }
        builder.handle(event);
        done = event.type == YAML_STREAM_END_EVENT || builder.stopped;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    hints().documents = builder.documents.size();
    if (!ok) {
        return {};
    }
    if (builder.failed) {
        return {};
    }
    std::vector<YamlDocument> out;
    for (auto& d : builder.documents) {
        if (!d.root.is_null()) {
            out.push_back(std::move(d));
        }
    }
    return out;
}

}  // namespace converge::manifest
