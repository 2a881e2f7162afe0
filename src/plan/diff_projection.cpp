// What a saved plan records of the observed state: the fields the manifest sets.
#include "converge/diff.hpp"

#include "converge/json_pointer.hpp"
#include "converge/resource_id.hpp"
#include "converge/secret_digest.hpp"
#include "plan/diff_rules.hpp"

namespace converge {

namespace {

struct Projector {
    const detail::RuleTree& rules;
    const std::set<std::string>& sensitive;
    std::string path;

    // Scalars, arrays and the whole top-level tags map are taken as observed (null when absent).
    Json project(const Json& d, const Json* o, const detail::RuleTree::Cursor& at) {
        if (path == "/tags") {
            return tags(o);
        }
        if (!d.is_object()) {
            return o ? *o : Json();
        }
        Json out = Json::object();
        for (auto it = d.begin(); it != d.end(); ++it) {
            const auto sub = rules.step(at, it.key());
            const std::size_t len = path.size();
            json_pointer::append_segment(path, it.key());
            if (!(sub.flags & (detail::k_read_only | detail::k_write_only | detail::k_secret)) &&
                !sensitive.count(path)) {
                out[it.key()] = project(*it, o ? detail::find_member(*o, it.key()) : nullptr, sub);
            }
            path.resize(len);
        }
        return out;
    }

    // The observed tags map without the tags whose value is secret (a saved plan holds no secret)
    // and without the secrets record (no digest of a secret either; docs/secrets.md).
    Json tags(const Json* o) const {
        if (!o || !o->is_object()) {
            return o ? *o : Json();
        }
        Json out = *o;
        for (auto it = o->begin(); it != o->end(); ++it) {
            if (sensitive.count(json_pointer::join("/tags", it.key())) || secrets::is_record_tag(it.key())) {
                out.erase(it.key());
            }
        }
        return out;
    }
};

}  // namespace

Json observed_projection(const Resource& desired, const Json& observed) {
    const auto& rules = detail::RuleTree::of(desired.kind);
    Projector projector{rules, desired.sensitive, {}};
    return projector.project(desired.body, &observed, rules.root());
}

}  // namespace converge
