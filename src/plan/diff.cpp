#include "converge/diff.hpp"

#include "converge/json_pointer.hpp"
#include "converge/normalize.hpp"
#include "converge/observe.hpp"
#include "converge/ownership.hpp"
#include "converge/applied_digest.hpp"
#include "converge/secret_digest.hpp"
#include "plan/diff_rules.hpp"

#include <cmath>
#include <cstdlib>

namespace converge {

using detail::RuleTree;

namespace {

constexpr std::uint8_t k_ignored = detail::k_read_only | detail::k_write_only;

std::optional<double> as_number(const std::string& s) {
    if (s.empty()) {
        return std::nullopt;
    }
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() ? std::optional<double>(v) : std::nullopt;
}

bool is_location_key(std::string_view key) { return iequals(key, "location") || iequals(key, "computeLocation"); }

// Scalars by meaning. A quoted number or boolean in YAML ("1", "true") equals the number or
// boolean of the same value: ARM's JSON would reject the wrong type anyway, so a difference in
// quoting is never drift.
bool scalars_equal(const Json& d, const Json& o, std::uint8_t flags, std::string_view key) {
    if (d.is_number() && o.is_number()) {
        if (d.is_number_integer() && o.is_number_integer()) {
            return d.get<std::int64_t>() == o.get<std::int64_t>();
        }
        return d.get<double>() == o.get<double>();
    }
    if (d.is_string() && o.is_string()) {
        const auto& a = d.get_ref<const std::string&>();
        const auto& b = o.get_ref<const std::string&>();
        if (a == b) {
            return true;
        }
        if (flags & detail::k_duration) {
            const auto x = duration_seconds(a);
            const auto y = duration_seconds(b);
            if (x && y) {
                return std::fabs(*x - *y) < 1e-6;
            }
        }
        if (is_location_key(key)) {
            return same_location(a, b);
        }
        if (looks_like_arm_id(a) && looks_like_arm_id(b)) {
            return same_arm_id(a, b);
        }
        return (flags & detail::k_case_insensitive) && iequals(a, b);
    }
    if (d.is_string() != o.is_string()) {
        const Json& s = d.is_string() ? d : o;
        const Json& other = d.is_string() ? o : d;
        const auto& text = s.get_ref<const std::string&>();
        if (other.is_number()) {
            const auto n = as_number(text);
            return n && *n == other.get<double>();
        }
        if (other.is_boolean()) {
            return iequals(text, other.get<bool>() ? "true" : "false");
        }
        return false;
    }
    return d == o;
}

// docs/sync.md "Ignore rules": a dotted pattern matches a pointer whose leading keys it names,
// ignoring case (`*` = any one key), so `tags.costCenter` matches /tags/costCenter and
// `properties.scaleSettings.*` every field under scaleSettings.
bool ignored_by(std::string_view pointer, const std::vector<std::string>& patterns) {
    for (const auto& pattern : patterns) {
        std::size_t from = 0;
        std::size_t at = 0;
        bool match = true;
        for (;;) {
            const auto dot = pattern.find('.', from);
            const std::string_view seg =
                std::string_view(pattern).substr(from, dot == std::string::npos ? std::string::npos : dot - from);
            if (at >= pointer.size() || pointer[at] != '/') {
                match = false;
                break;
            }
            const auto next = pointer.find('/', at + 1);
            const std::string key = json_pointer::unescape(
                pointer.substr(at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1));
            if (seg != "*" && !iequals(seg, key)) {
                match = false;
                break;
            }
            at = next == std::string_view::npos ? pointer.size() : next;
            if (dot == std::string::npos) {
                break;
            }
            from = dot + 1;
        }
        if (match) {
            return true;
        }
    }
    return false;
}

// Walks the desired body beside the observed one.
class Differ {
public:
    Differ(const Resource& desired, bool creating)
        : m_desired(desired), m_rules(RuleTree::of(desired.kind)), m_creating(creating) {}

    void visit(const Json& d, const Json* o, const RuleTree::Cursor& at, std::string_view key);
    bool equal(const Json& d, const Json& o, const RuleTree::Cursor& at, std::string_view key) const;

    const RuleTree& rules() const { return m_rules; }

    std::vector<FieldChange> changes;
    std::size_t ignored = 0;  ///< differences an ignore rule hid
    std::string path;

private:
    bool sensitive(std::uint8_t flags) const {
        return (flags & detail::k_secret) || (!m_desired.sensitive.empty() && m_desired.sensitive.count(path));
    }
    void record(const Json* d, const Json* o, std::uint8_t flags);
    void visit_object(const Json& d, const Json* o, const RuleTree::Cursor& at);
    void visit_tags(const Json& d, const Json* o, const RuleTree::Cursor& at);
    bool arrays_equal(const Json& d, const Json& o, const RuleTree::Cursor& at) const;

    const Resource& m_desired;
    const RuleTree& m_rules;
    bool m_creating;
};

void Differ::record(const Json* d, const Json* o, std::uint8_t flags) {
    if (!m_creating && !m_desired.ignore.empty() && ignored_by(path, m_desired.ignore)) {
        ++ignored;
        return;
    }
    FieldChange fc;
    fc.path = path;
    fc.sensitive = sensitive(flags);
    fc.forces_replace = !m_creating && (flags & detail::k_create_only);
    if (o && !o->is_null()) {
        fc.before = fc.sensitive ? Json(k_sensitive) : *o;
    }
    if (d && !d->is_null()) {
        fc.after = fc.sensitive ? Json(k_sensitive) : *d;
    }
    changes.push_back(std::move(fc));
}

void Differ::visit(const Json& d, const Json* o, const RuleTree::Cursor& at, std::string_view key) {
    if (at.flags & k_ignored) {
        return;
    }
    if (sensitive(at.flags)) {
        // Write-only: never drift; shown as (sensitive) when the resource is created.
        if (m_creating && !d.is_null()) {
            record(&d, nullptr, at.flags);
        }
        return;
    }
    if ((at.flags & detail::k_placeholder) && d.is_string() && o &&
        d.get_ref<const std::string&>() == m_rules.placeholder(at)) {
        return;
    }
    if (d.is_object()) {
        if (path.size() == 5 && path == "/tags") {
            visit_tags(d, o, at);
        } else {
            visit_object(d, o, at);
        }
        return;
    }
    if (!o || o->is_null()) {
        if (!d.is_null() && !(d.is_array() && d.empty())) {
            record(&d, nullptr, at.flags);
        }
        return;
    }
    const bool same = d.is_array() ? (o->is_array() && arrays_equal(d, *o, at)) : scalars_equal(d, *o, at.flags, key);
    if (!same && !(d.is_null())) {
        record(&d, o, at.flags);
    } else if (d.is_null() && !o->is_null()) {
        record(nullptr, o, at.flags);
    }
}

void Differ::visit_object(const Json& d, const Json* o, const RuleTree::Cursor& at) {
    if (o && !o->is_null() && !o->is_object()) {
        record(&d, o, at.flags);
        return;
    }
    detail::MemberCursor members(o);
    for (auto it = d.begin(); it != d.end(); ++it) {
        const std::size_t len = path.size();
        json_pointer::append_segment(path, it.key());
        visit(*it, members.find(it.key()), m_rules.step(at, it.key()), it.key());
        path.resize(len);
    }
}

// Top-level tags are one map: a tag Azure has that the manifest lacks is drift (it will be
// removed), except the ownership tags, the secrets record (docs/secrets.md) and the applied digest (docs/sync.md) apply adds. Keys compare ignoring case, values exactly.
void Differ::visit_tags(const Json& d, const Json* o, const RuleTree::Cursor& at) {
    visit_object(d, o, at);
    if (!o || !o->is_object() || m_creating) {
        return;
    }
    for (auto it = o->begin(); it != o->end(); ++it) {
        if (ownership::is_ownership_tag(it.key()) || secrets::is_record_tag(it.key()) || applied::is_record_tag(it.key()) ||
            detail::find_member(d, it.key())) {
            continue;
        }
        const std::size_t len = path.size();
        json_pointer::append_segment(path, it.key());
        if (!m_desired.sensitive.count(path)) {  // a secret tag is never shown, even to remove it
            record(nullptr, &*it, at.flags);
        }
        path.resize(len);
    }
}

// Arrays compare as wholes. Elements that are objects with a "name" (or "id") are matched by
// it, so order does not matter there; other arrays compare position by position.
bool Differ::arrays_equal(const Json& d, const Json& o, const RuleTree::Cursor& at) const {
    if (d.size() != o.size()) {
        return false;
    }
    const auto elem = m_rules.step(at, "*");
    for (std::size_t i = 0; i < d.size(); ++i) {
        const Json* match = &o[i];
        for (const char* k : {"name", "id"}) {
            if (d[i].is_object() && d[i].contains(k) && d[i][k].is_string()) {
                match = nullptr;
                for (const auto& cand : o) {
                    if (cand.is_object() && cand.contains(k) && cand[k].is_string() &&
                        scalars_equal(d[i][k], cand[k], detail::k_case_insensitive, k)) {
                        match = &cand;
                        break;
                    }
                }
                break;
            }
        }
        if (!match || !equal(d[i], *match, elem, {})) {
            return false;
        }
    }
    return true;
}

// The same rules as visit, as a yes/no answer (inside arrays).
bool Differ::equal(const Json& d, const Json& o, const RuleTree::Cursor& at, std::string_view key) const {
    if ((at.flags & (k_ignored | detail::k_secret)) || d.is_null()) {
        return true;
    }
    if (d.is_object()) {
        if (!o.is_object()) {
            return false;
        }
        detail::MemberCursor members(&o);
        for (auto it = d.begin(); it != d.end(); ++it) {
            const Json* c = members.find(it.key());
            const auto sub = m_rules.step(at, it.key());
            if (!(sub.flags & (k_ignored | detail::k_secret)) && !it->is_null() && (!c || !equal(*it, *c, sub, it.key()))) {
                return false;
            }
        }
        return true;
    }
    if (d.is_array()) {
        return o.is_array() && arrays_equal(d, o, at);
    }
    return scalars_equal(d, o, at.flags, key);
}

std::string join_fields(const std::vector<FieldChange>& fields) {
    std::string out;
    for (const auto& f : fields) {
        if (f.forces_replace) {
            out += (out.empty() ? "" : ", ") + dotted_path(f.path);
        }
    }
    return out;
}

}  // namespace

std::string dotted_path(std::string_view pointer) {
    std::string out;
    out.reserve(pointer.size());
    bool first = true;
    json_pointer::for_each_segment(pointer, [&](std::string_view segment) {
        if (!first) {
            out.push_back('.');
        }
        first = false;
        out += json_pointer::unescape(segment);
    });
    return out;
}

Change diff_resource(const Resource& desired, const Json* observed) {
    Change change;
    detail::diff_fields(desired, observed, change);
    change.depends_on.reserve(desired.depends_on.size());
    for (const auto& dep : desired.depends_on) {
        change.depends_on.push_back(dep.target);
    }
    return change;
}

void detail::diff_fields(const Resource& desired, const Json* observed, Change& change) {
    change.id = desired.id;
    change.kind = desired.kind ? std::string(desired.kind->name) : std::string();
    change.location = desired.location;
    Differ differ(desired, observed == nullptr);
    differ.visit(desired.body, observed, differ.rules().root(), {});
    change.fields = std::move(differ.changes);
    change.ignored = differ.ignored;
    if (!observed) {
        change.action = Action::create;
        change.reason = Reason::absent;
    } else if (const auto replace = join_fields(change.fields); !replace.empty()) {
        change.action = Action::replace;
        change.reason = Reason::create_only_field;
        change.reason_detail = replace + " cannot be changed in place";
    } else if (!change.fields.empty()) {
        change.action = Action::update;
        change.reason = Reason::drift;
    }
    // A Model's path (docs/model-upload.md) is never diffed (write-only), but a version written
    // anew uploads it: the plan says what (files, bytes, content hash).
    const auto upload = desired.body.find("path");
    if ((change.action == Action::create || change.action == Action::replace) && desired.kind != nullptr &&
        desired.kind->name == "Model" && upload != desired.body.end() && upload->is_object()) {
        FieldChange fc;
        fc.path = "/path";
        fc.after = *upload;
        change.fields.push_back(std::move(fc));
    }
}

std::vector<std::string> projection_drift(const Resource& desired, const Json& projection, const Json& now) {
    Resource saved = desired;  // only at apply time, once per resource
    saved.body = projection;
    Differ differ(saved, false);
    differ.visit(projection, &now, RuleTree::of(desired.kind).root(), {});
    std::vector<std::string> out;
    for (const auto& f : differ.changes) {
        out.push_back(f.path);
    }
    return out;
}

}  // namespace converge
