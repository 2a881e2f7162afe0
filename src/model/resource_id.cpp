#include "converge/resource_id.hpp"

#include "model/bytes.hpp"
#include "model/id_prefixes.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace converge {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    // Equal bytes are skipped eight at a time (ids usually agree in case); case is folded only
    // where the bytes differ.
    const std::size_t n = a.size();
    std::size_t i = 0;
    while (true) {
        i = first_difference(a, b, i);
        if (i == n) {
            return true;
        }
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
        ++i;
    }
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

namespace {

std::vector<std::string_view> split_path(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t j = text.find('/', i);
        const std::size_t end = j == std::string_view::npos ? text.size() : j;
        if (end > i) {
            parts.push_back(text.substr(i, end - i));
        }
        i = end + 1;
    }
    return parts;
}

/// The parts of an id, as views into its text.
struct Parts {
    std::string_view subscription;
    std::string_view group;
    std::string_view ns;
    std::vector<std::pair<std::string_view, std::string_view>> segments;  // (type, name) below ns
};

/// /subscriptions/{s}[/resourceGroups/{g}[/providers/{ns}/{type}/{name}(/{type}/{name})*]]
std::optional<Parts> split_id(std::string_view text) {
    if (text.empty() || text.front() != '/') {
        return std::nullopt;
    }
    const auto parts = split_path(text);
    if (parts.size() < 2 || !iequals(parts[0], "subscriptions")) {
        return std::nullopt;
    }
    Parts out;
    out.subscription = parts[1];
    std::size_t i = 2;
    if (i < parts.size()) {
        if (!iequals(parts[i], "resourceGroups") || i + 1 >= parts.size()) {
            return std::nullopt;
        }
        out.group = parts[i + 1];
        i += 2;
    }
    if (i < parts.size()) {
        if (!iequals(parts[i], "providers") || i + 1 >= parts.size()) {
            return std::nullopt;
        }
        out.ns = parts[i + 1];
        i += 2;
        const std::size_t rest = parts.size() - i;
        if (rest == 0 || rest % 2 != 0) {
            return std::nullopt;
        }
        for (; i < parts.size(); i += 2) {
            out.segments.emplace_back(parts[i], parts[i + 1]);
        }
    }
    return out;
}

/// The canonical text of an id made of these parts.
std::string compose(const Parts& p) {
    std::string text;
    text.reserve(64);
    text += "/subscriptions/";
    text += p.subscription;
    if (!p.group.empty()) {
        text += "/resourceGroups/";
        text += p.group;
    }
    if (!p.segments.empty()) {
        text += "/providers/";
        text += p.ns;
        for (const auto& [type, name] : p.segments) {
            text += '/';
            text += type;
            text += '/';
            text += name;
        }
    }
    return text;
}

Parts parts_of(const std::string& text) {
    auto p = split_id(text);
    return p ? std::move(*p) : Parts{};
}

constexpr std::size_t k_fnv_basis = 14695981039346656037ull;
constexpr std::size_t k_fnv_prime = 1099511628211ull;
static_assert(sizeof(std::size_t) == 8, "ids hash with 64-bit FNV-1a");

/// FNV-1a over the lower-cased text, continuing `h`.
std::size_t hash_from(std::size_t h, std::string_view text) {
    for (const char c : text) {
        h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * k_fnv_prime;
    }
    return h;
}

constexpr std::string_view k_subscriptions = "/subscriptions/";
constexpr std::string_view k_resource_groups = "/resourceGroups/";
constexpr std::string_view k_providers = "/providers/";

/// Where the parts of a canonical id are: one whose text compose(split_id(text)) gives back
/// unchanged (every id built here, unless a part held a '/' or was empty). Offsets of the '/'
/// that ends segment 2 (the subscription), 4 (the group), 6 (the namespace) and count - 2, and
/// where the last segment starts.
struct Shape {
    std::size_t count = 0;
    std::size_t end2 = 0;
    std::size_t end4 = 0;
    std::size_t end6 = 0;
    std::size_t cut = 0;
    std::size_t last = 0;
};

/// Calls `segment(number, start, end)` for each '/'-separated segment of `t` (numbered from 1)
/// while it returns true; false when `t` does not start with '/', has an empty segment or the
/// callback stopped.
template <typename Segment>
bool for_each_segment(std::string_view t, Segment segment) {
    if (t.empty() || t.front() != '/') {
        return false;
    }
    std::size_t count = 0;
    std::size_t start = 1;
    while (true) {
        const std::size_t slash = t.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? t.size() : slash;
        if (end == start || !segment(++count, start, end)) {
            return false;  // an empty segment (or a trailing '/')
        }
        if (slash == std::string_view::npos) {
            return true;
        }
        start = slash + 1;
    }
}

/// The fixed words of canonical ids, at segments 1, 3 and 5.
bool keyword_ok(std::string_view t, std::size_t count, std::size_t start, std::size_t end) {
    const std::string_view seg = t.substr(start, end - start);
    return !((count == 1 && seg != "subscriptions") || (count == 3 && seg != "resourceGroups") ||
             (count == 5 && seg != "providers"));
}

bool canonical_count(std::size_t count) { return count == 2 || count == 4 || (count >= 8 && count % 2 == 0); }

bool shape_of(std::string_view t, Shape& s) {
    std::size_t ends[2] = {0, 0};  // ends of the previous two segments
    const bool ok = for_each_segment(t, [&](std::size_t count, std::size_t start, std::size_t end) {
        if (!keyword_ok(t, count, start, end)) {
            return false;
        }
        s.count = count;
        s.end2 = count == 2 ? end : s.end2;
        s.end4 = count == 4 ? end : s.end4;
        s.end6 = count == 6 ? end : s.end6;
        s.cut = ends[0];
        ends[0] = ends[1];
        ends[1] = end;
        s.last = start;
        return true;
    });
    return ok && canonical_count(s.count);
}

/// The next non-empty '/'-separated segment of `text` at or after `i` (as split_path finds them).
std::optional<std::string_view> next_segment(std::string_view text, std::size_t& i) {
    while (i < text.size()) {
        const std::size_t j = text.find('/', i);
        const std::size_t end = j == std::string_view::npos ? text.size() : j;
        const std::size_t from = i;
        i = end + 1;
        if (end > from) {
            return text.substr(from, end - from);
        }
    }
    return std::nullopt;
}

}  // namespace

std::size_t id_hash(std::string_view text) { return hash_from(k_fnv_basis, text); }

bool enclosing_ids(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out) {
    EnclosingIds scanner;
    return scanner.of(text, out);
}

bool EnclosingIds::of(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out) {
    // parent() drops the last (type, name) pair, then the namespace with the last pair, then
    // the group: the ids end where segments 2, 4, 8, 10, ..., count - 2 end. The k-th of those
    // (from 1) ends segment 2, 4, then 2k + 2.
    std::size_t keep = 0;
    if (m_ok) {
        const std::size_t same = first_difference(m_text, text, 0);
        while (keep < m_up.size() && m_up[keep].first < same) {
            ++keep;
        }
    }
    m_up.resize(keep);
    m_text = text;
    std::size_t count = 0;     // segments read
    std::size_t start = 1;     // where the next segment starts
    std::size_t h = k_fnv_basis;
    std::size_t hashed = 0;    // text[0, hashed) is in h
    if (keep > 0) {
        count = keep == 1 ? 2 : keep == 2 ? 4 : 2 * keep + 2;
        hashed = m_up.back().first;
        h = m_up.back().second;
        start = hashed + 1;
    }
    m_ok = !text.empty() && text.front() == '/';
    while (m_ok) {
        const std::size_t slash = text.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? text.size() : slash;
        ++count;
        if (end == start || !keyword_ok(text, count, start, end)) {
            m_ok = false;  // an empty segment (or a trailing '/'), or not a canonical word
            break;
        }
        if (slash == std::string_view::npos) {
            m_ok = canonical_count(count);
            break;
        }
        if (canonical_count(count)) {
            h = hash_from(h, text.substr(hashed, end - hashed));
            hashed = end;
            m_up.emplace_back(end, h);
        }
        start = slash + 1;
    }
    out.clear();
    if (!m_ok) {
        m_up.clear();
        return false;
    }
    out.assign(m_up.rbegin(), m_up.rend());
    return true;
}

std::optional<ResourceId> ResourceId::parse(std::string_view text) {
    const auto parts = split_id(text);
    if (!parts) {
        return std::nullopt;
    }
    return from_text(compose(*parts));
}

ResourceId ResourceId::for_subscription(std::string_view subscription) {
    Parts p;
    p.subscription = subscription;
    return from_text(compose(p));
}

ResourceId ResourceId::for_resource_group(std::string_view subscription, std::string_view group) {
    Parts p;
    p.subscription = subscription;
    p.group = group;
    return from_text(compose(p));
}

ResourceId ResourceId::for_resource(std::string_view subscription, std::string_view group,
                                    std::string_view type, std::string_view name) {
    // compose() of: the namespace (first type segment), then one (type, name) pair per further
    // type segment, the name segments taken in order (empty when they run out).
    std::string text;
    text.reserve(k_subscriptions.size() + subscription.size() + k_resource_groups.size() + group.size() +
                 k_providers.size() + type.size() + name.size() + 8);
    text += k_subscriptions;
    text += subscription;
    if (!group.empty()) {
        text += k_resource_groups;
        text += group;
    }
    std::size_t t = 0;
    std::size_t n = 0;
    const auto ns = next_segment(type, t);
    bool first = true;
    while (ns) {
        const auto level = next_segment(type, t);
        if (!level) {
            break;
        }
        if (first) {
            text += k_providers;
            text += *ns;
            first = false;
        }
        text += '/';
        text += *level;
        text += '/';
        text += next_segment(name, n).value_or(std::string_view{});
    }
    return from_text(std::move(text));
}

ResourceId ResourceId::child(std::string_view type, std::string_view name) const {
    Shape s;
    if (shape_of(str(), s) && s.count >= 8) {
        // compose() would give back this text followed by the new pair.
        std::string text;
        text.reserve(str().size() + type.size() + name.size() + 2);
        text += str();
        text += '/';
        text += type;
        text += '/';
        text += name;
        const std::size_t from = str().size();
        return from_text(std::move(text), m_hash, from);
    }
    Parts p = parts_of(str());
    p.segments.emplace_back(type, name);
    return from_text(compose(p));
}

ResourceId ResourceId::parent() const {
    Shape s;
    if (shape_of(str(), s)) {
        // The enclosing id's text is a prefix: drop the last pair, the group, or the subscription.
        const std::size_t end = s.count >= 10 ? s.cut : s.count == 8 ? s.end4 : s.count == 4 ? s.end2 : 0;
        return end == 0 ? ResourceId{} : from_text(str().substr(0, end));
    }
    Parts p = parts_of(str());
    if (!p.segments.empty()) {
        p.segments.pop_back();
    } else if (!p.group.empty()) {
        p.group = {};
    } else {
        return ResourceId{};
    }
    return from_text(compose(p));
}

std::string ResourceId::subscription() const {
    Shape s;
    if (shape_of(str(), s)) {
        return str().substr(k_subscriptions.size(), s.end2 - k_subscriptions.size());
    }
    return std::string(parts_of(str()).subscription);
}

std::string ResourceId::resource_group() const {
    Shape s;
    if (shape_of(str(), s)) {
        const std::size_t from = s.end2 + k_resource_groups.size();
        return s.count >= 4 ? str().substr(from, s.end4 - from) : std::string{};
    }
    return std::string(parts_of(str()).group);
}

std::string ResourceId::provider_namespace() const {
    Shape s;
    if (shape_of(str(), s)) {
        const std::size_t from = s.end4 + k_providers.size();
        return s.count >= 8 ? str().substr(from, s.end6 - from) : std::string{};
    }
    const Parts p = parts_of(str());
    return p.segments.empty() ? std::string{} : std::string(p.ns);
}

std::string ResourceId::type() const {
    const Parts p = parts_of(str());
    if (p.segments.empty()) {
        return p.group.empty() ? "Microsoft.Resources/subscriptions" : "Microsoft.Resources/resourceGroups";
    }
    std::string out(p.ns);
    for (const auto& [type, name] : p.segments) {
        out += '/';
        out += type;
    }
    return out;
}

std::string ResourceId::name() const {
    Shape s;
    if (shape_of(str(), s)) {
        return str().substr(s.last);
    }
    const Parts p = parts_of(str());
    if (!p.segments.empty()) {
        return std::string(p.segments.back().second);
    }
    return std::string(p.group.empty() ? p.subscription : p.group);
}

bool ResourceId::is_resource_group() const {
    Shape s;
    if (shape_of(str(), s)) {
        return s.count == 4;
    }
    const Parts p = parts_of(str());
    return !p.group.empty() && p.segments.empty();
}

std::string ResourceId::key() const { return to_lower(str()); }

const std::string& ResourceId::empty_text() {
    static const std::string empty;
    return empty;
}

ResourceId ResourceId::from_text(std::string text) { return from_text(std::move(text), k_fnv_basis, 0); }

ResourceId ResourceId::from_text(std::string text, std::size_t hash, std::size_t from) {
    ResourceId id;
    id.m_hash = hash_from(hash, std::string_view(text).substr(from));  // FNV-1a over the lower-cased text
    id.m_text = std::make_shared<const std::string>(std::move(text));
    return id;
}

bool operator==(const ResourceId& a, const ResourceId& b) {
    return a.m_hash == b.m_hash && (a.m_text == b.m_text || iequals(a.str(), b.str()));
}

std::strong_ordering operator<=>(const ResourceId& a, const ResourceId& b) {
    const std::string& x = a.str();
    const std::string& y = b.str();
    const std::size_t n = std::min(x.size(), y.size());
    std::size_t i = 0;
    while (true) {
        i = first_difference(x, y, i);
        if (i == n) {
            return x.size() <=> y.size();
        }
        const char p = ascii_lower(x[i]);
        const char q = ascii_lower(y[i]);
        if (p != q) {
            return static_cast<unsigned char>(p) <=> static_cast<unsigned char>(q);
        }
        ++i;
    }
}

std::string resource_label(std::string_view kind, const ResourceId& id) {
    std::string out(kind);
    out += '/';
    // Versioned assets (Parent::versioned_asset) read name@version.
    if (iequals(id.type(), "Microsoft.MachineLearningServices/workspaces/models/versions") ||
        iequals(id.type(), "Microsoft.MachineLearningServices/workspaces/environments/versions")) {
        out += id.parent().name();
        out += '@';
    }
    out += id.name();
    return out;
}

}  // namespace converge
