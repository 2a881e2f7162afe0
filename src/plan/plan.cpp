#include "converge/plan.hpp"

#include <algorithm>

namespace converge {

bool Plan::has_changes() const {
    return std::any_of(changes.begin(), changes.end(),
                       [](const Change& c) { return c.action != Action::noop; });
}

bool Plan::destructive() const {
    return std::any_of(changes.begin(), changes.end(), [](const Change& c) {
        return c.action == Action::remove || c.action == Action::replace || c.reason == Reason::purge_soft_deleted;
    });
}

std::size_t Plan::count(Action action) const {
    return static_cast<std::size_t>(std::count_if(
        changes.begin(), changes.end(), [action](const Change& c) { return c.action == action; }));
}

const char* action_name(Action action) {
    switch (action) {
    case Action::noop: return "no-op";
    case Action::create: return "create";
    case Action::update: return "update";
    case Action::replace: return "replace";
    case Action::remove: return "delete";
    case Action::adopt: return "adopt";
    case Action::keep: return "keep";
    }
    return "no-op";
}

const char* reason_name(Reason reason) {
    switch (reason) {
    case Reason::none: return "none";
    case Reason::absent: return "absent";
    case Reason::drift: return "drift";
    case Reason::create_only_field: return "create-only-field";
    case Reason::pruned: return "pruned";
    case Reason::destroy: return "destroy";
    case Reason::untagged: return "untagged";
    case Reason::take_over: return "take-over";
    case Reason::not_owned: return "not-owned";
    case Reason::holds_unowned: return "holds-unowned";
    case Reason::used_by_kept: return "used-by-kept";
    case Reason::failed: return "failed";
    case Reason::unsettled: return "unsettled";
    case Reason::recover: return "recover";
    case Reason::purge_soft_deleted: return "purge-soft-deleted";
    }
    return "none";
}

const char* origin_name(Origin origin) {
    switch (origin) {
    case Origin::none: return "";
    case Origin::drift: return "drift";
    case Origin::pending: return "pending";
    case Origin::unknown: return "unknown";
    }
    return "";
}

std::string attribution_text(const Attribution& a) {
    std::string out = "changed by " + (a.caller.empty() ? std::string("an unknown caller") : a.caller);
    if (!a.time.empty()) {
        out += " at " + a.time;
    }
    if (!a.operation.empty()) {
        out += " via " + a.operation;
    }
    return out;
}

}  // namespace converge
