#include "converge/sync.hpp"

#include "converge/activity_log.hpp"

#include "converge/diagnostic.hpp"
#include "converge/kinds.hpp"
#include "converge/ownership.hpp"
#include "converge/resource_id.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace converge {

const char* change_class_name(ChangeClass c) {
    switch (c) {
    case ChangeClass::create: return "create";
    case ChangeClass::update: return "update";
    case ChangeClass::replace: return "replace";
    case ChangeClass::remove: return "delete";
    }
    return "?";
}

std::optional<ChangeClass> change_class(const Change& change) {
    switch (change.action) {
    case Action::noop:
    case Action::keep: return std::nullopt;
    case Action::create:
        // Purging a soft-deleted vault first destroys it for good: as destructive as a delete.
        return change.reason == Reason::purge_soft_deleted ? ChangeClass::remove : ChangeClass::create;
    case Action::update:
    case Action::adopt: return ChangeClass::update;
    case Action::replace: return ChangeClass::replace;
    case Action::remove: return ChangeClass::remove;
    }
    return std::nullopt;
}

bool AllowedClasses::allows(ChangeClass c) const {
    switch (c) {
    case ChangeClass::create: return create;
    case ChangeClass::update: return update;
    case ChangeClass::replace: return replace;
    case ChangeClass::remove: return remove;
    }
    return false;
}

std::string AllowedClasses::to_string() const {
    std::string out;
    for (auto c : {ChangeClass::create, ChangeClass::update, ChangeClass::replace, ChangeClass::remove}) {
        if (allows(c)) {
            out += out.empty() ? "" : ",";
            out += change_class_name(c);
        }
    }
    return out.empty() ? "none" : out;
}

std::optional<AllowedClasses> parse_allowed_classes(std::string_view text, std::string& error) {
    AllowedClasses out{false, false, false, false};
    const std::vector<std::string> names = {"create", "update", "replace", "delete"};
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const std::string word(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        bool* slot = word == "create"    ? &out.create
                     : word == "update"  ? &out.update
                     : word == "replace" ? &out.replace
                     : word == "delete"  ? &out.remove
                                         : nullptr;
        if (slot == nullptr) {
            const std::string guess = word.empty() ? std::string() : did_you_mean(word, names);
            error = "unknown change class \"" + word + "\"" + (guess.empty() ? "" : " (did you mean \"" + guess + "\"?)") +
                    "; the classes are create, update, replace and delete";
            return std::nullopt;
        }
        if (*slot) {
            error = "change class \"" + word + "\" given twice";
            return std::nullopt;
        }
        *slot = true;
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

Correction correction_of(const Plan& plan, const AllowedClasses& allowed) {
    Correction out;
    out.plan = plan;
    // Held-back ids whose change others may wait for (creates, updates, replaces), with the label
    // the dependents' reason names.
    std::unordered_map<ResourceId, std::string> held_writes;
    auto hold = [&](Change& change, std::string why) {
        if (auto c = change_class(change); c && *c != ChangeClass::remove) {
            held_writes.emplace(change.id, resource_label(change.kind, change.id));
        }
        out.held.push_back(HeldChange{change, std::move(why)});
        change.action = Action::noop;
        change.fields.clear();
    };
    for (auto& change : out.plan.changes) {
        const auto c = change_class(change);
        if (c && !allowed.allows(*c)) {
            hold(change, std::string(change_class_name(*c)) + " is not allowed (--allow " + change_class_name(*c) + ")");
        }
    }
    // Changes come in dependency order for creates and updates, so one pass in order would do;
    // repeat until stable so the result does not depend on it.
    for (bool again = !held_writes.empty(); again;) {
        again = false;
        for (auto& change : out.plan.changes) {
            const auto c = change_class(change);
            if (!c || *c == ChangeClass::remove) {
                continue;
            }
            for (const auto& dep : change.depends_on) {
                if (auto it = held_writes.find(dep); it != held_writes.end()) {
                    hold(change, "waits for " + it->second + ", held back");
                    again = true;
                    break;
                }
            }
        }
    }
    return out;
}

DifferenceClass difference_class(const Change& change) {
    switch (change.origin) {
    case Origin::drift: return DifferenceClass::drift;
    case Origin::pending: return DifferenceClass::pending;
    case Origin::unknown: return DifferenceClass::unknown;
    case Origin::none: break;
    }
    if (change.action == Action::create) {
        return DifferenceClass::absent;
    }
    if (change.action == Action::remove && change.reason == Reason::pruned) {
        return DifferenceClass::pruned;
    }
    return DifferenceClass::other;
}

const char* difference_class_name(DifferenceClass c) {
    switch (c) {
    case DifferenceClass::drift: return "drift";
    case DifferenceClass::pending: return "pending";
    case DifferenceClass::unknown: return "unknown";
    case DifferenceClass::absent: return "absent";
    case DifferenceClass::pruned: return "pruned";
    case DifferenceClass::other: return "other";
    }
    return "other";
}

std::vector<Unmanaged> unmanaged_in_scope(const DesiredSet& desired, const ObservedState& observed) {
    std::unordered_set<ResourceId> named;
    for (const auto& r : desired.resources) {
        for (ResourceId up = r.id; !up.empty(); up = up.parent()) {
            named.insert(up);
        }
    }
    std::vector<Unmanaged> out;
    for (const auto& [id, body] : observed.resources) {
        const KindInfo* kind = find_kind_by_type(id.type());
        if (kind == nullptr || named.count(id) != 0 || created_with_parent(*kind, id.name())) {
            continue;
        }
        const ownership::Ownership o = ownership::owner_of(body, desired.stack, kind->tags);
        if (o.owner == ownership::Owner::this_stack) {
            continue;  // Plan::orphans
        }
        out.push_back(Unmanaged{id, std::string(kind->name), o.owner == ownership::Owner::other_stack ? o.stack : ""});
    }
    std::sort(out.begin(), out.end(), [](const Unmanaged& a, const Unmanaged& b) { return a.id < b.id; });
    return out;
}

std::size_t SyncTickResult::count(DifferenceClass c) const {
    return static_cast<std::size_t>(std::count_if(plan.changes.begin(), plan.changes.end(), [c](const Change& ch) {
        return ch.action != Action::noop && difference_class(ch) == c;
    }));
}

bool SyncTickResult::ok() const {
    return error.empty() && (!applied || applied->ok());
}

std::size_t SyncTickResult::differences() const {
    return static_cast<std::size_t>(std::count_if(plan.changes.begin(), plan.changes.end(),
                                                  [](const Change& c) { return c.action != Action::noop; }));
}

std::size_t SyncTickResult::corrected() const {
    return applied ? applied->count(StepStatus::succeeded) : 0;
}

std::string attribute_drift(Plan& plan, ArmApi& api, std::chrono::system_clock::time_point now) {
    std::vector<ResourceId> drifted;
    for (const auto& c : plan.changes) {
        if (c.origin == Origin::drift) {
            drifted.push_back(c.id);
        }
    }
    if (drifted.empty()) {
        return {};
    }
    const ActivityWindow window{now - std::chrono::hours(24 * 89), now};
    auto changes = latest_changes(api, drifted, window);
    if (!changes) {
        return "reading the Activity Log: " + changes.error().to_string();
    }
    for (auto& c : plan.changes) {
        if (c.origin != Origin::drift) {
            continue;
        }
        if (auto it = changes->find(c.id.key()); it != changes->end()) {
            c.changed_by = Attribution{it->second.caller, it->second.time, it->second.operation};
        }
    }
    return {};
}

std::vector<ResourceId> graph_candidates(const Plan& plan) {
    std::vector<ResourceId> out;
    for (const auto& c : plan.changes) {
        if (c.action != Action::noop) {
            out.push_back(c.id);
        }
    }
    for (const auto& c : plan.orphans) {
        out.push_back(c.id);
    }
    return out;
}

SyncTickResult sync_tick(const DesiredSet& desired, ArmApi& api, const SyncTickOptions& options,
                         ApplyObserver* observer) {
    SyncTickResult out;
    ObserveOptions observe_options = options.observe;
    observe_options.find_orphans = true;  // as plan: orphans listed, deletes check what they hold
    auto observed = observe(desired, api, observe_options);
    if (!observed) {
        out.error = "reading current state: " + observed.error().to_string();
        return out;
    }
    out.unmanaged = unmanaged_in_scope(desired, *observed);
    PlanResult planned = build_plan(desired, *observed, options.plan);
    if (observe_options.mode == RefreshMode::graph && !planned.diagnostics.has_errors()) {
        // Resource Graph lags ARM: every candidate change is read again from ARM, then planned.
        std::vector<ResourceId> candidates = graph_candidates(planned.plan);
        for (const auto& u : out.unmanaged) {
            candidates.push_back(u.id);
        }
        auto confirmed = confirm_observed(desired, *observed, candidates, api, observe_options.parallelism);
        if (!confirmed) {
            out.error = "reading current state: " + confirmed.error().to_string();
            return out;
        }
        if (*confirmed > 0) {
            out.unmanaged = unmanaged_in_scope(desired, *observed);
            planned = build_plan(desired, *observed, options.plan);
        }
    }
    out.diagnostics = std::move(planned.diagnostics);
    out.plan = std::move(planned.plan);
    if (out.diagnostics.has_errors()) {
        out.error = "the plan cannot be applied";
        return out;
    }
    if (options.attribute) {
        out.attribution_error = attribute_drift(out.plan, api, std::chrono::system_clock::now());
    }
    if (options.on_plan) {
        options.on_plan(out.plan);
    }
    if (options.mode == SyncMode::detect || !out.plan.has_changes()) {
        return out;
    }
    Correction correction = correction_of(out.plan, options.allow);
    out.held = std::move(correction.held);
    if (!correction.plan.has_changes()) {
        return out;
    }
    if (options.apply.cancel != nullptr && options.apply.cancel->load()) {
        out.interrupted = true;
        return out;
    }
    out.applied = apply_plan(correction.plan, desired, *observed, api, options.apply, observer);
    out.interrupted = out.applied->interrupted;
    return out;
}

Clock::Duration next_wait(const SyncSchedule& schedule, int failures, Random& random) {
    using D = Clock::Duration;
    D nominal = schedule.interval;
    if (failures > 0) {
        nominal = schedule.backoff_initial;
        for (int i = 1; i < failures && nominal < schedule.backoff_max; ++i) {
            nominal *= 2;
        }
        nominal = std::min(nominal, schedule.backoff_max);
    }
    const double jitter = std::clamp(schedule.jitter, 0.0, 0.99);
    const double factor = 1.0 - jitter + 2.0 * jitter * random.uniform();
    return D(static_cast<D::rep>(std::llround(static_cast<double>(nominal.count()) * factor)));
}

std::optional<Clock::Duration> parse_duration(std::string_view text) {
    using namespace std::chrono;
    if (text.empty()) {
        return std::nullopt;
    }
    Clock::Duration total{0};
    std::size_t i = 0;
    bool any = false;
    while (i < text.size()) {
        std::int64_t value = 0;
        const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
        if (ec != std::errc() || value < 0) {
            return std::nullopt;
        }
        i = static_cast<std::size_t>(ptr - text.data());
        std::string unit;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0) {
            unit += text[i++];
        }
        if (unit.empty() && i != text.size()) {
            return std::nullopt;
        }
        if (unit.empty() && any) {
            return std::nullopt;  // "1m30" is ambiguous
        }
        if (unit.empty() || unit == "s") {
            total += seconds(value);
        } else if (unit == "ms") {
            total += milliseconds(value);
        } else if (unit == "m") {
            total += minutes(value);
        } else if (unit == "h") {
            total += hours(value);
        } else {
            return std::nullopt;
        }
        any = true;
    }
    if (total <= Clock::Duration::zero()) {
        return std::nullopt;
    }
    return total;
}

std::optional<double> parse_jitter(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    const bool percent = text.back() == '%';
    const std::string number(percent ? text.substr(0, text.size() - 1) : text);
    try {
        std::size_t used = 0;
        double v = std::stod(number, &used);
        if (used != number.size() || number.empty()) {
            return std::nullopt;
        }
        if (percent) {
            v /= 100.0;
        }
        if (!(v >= 0.0 && v < 1.0)) {
            return std::nullopt;
        }
        return v;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

SyncLoopResult run_sync_loop(const SyncLoopHooks& hooks, const SyncSchedule& schedule, Clock& clock, Random& random,
                             const std::atomic<bool>& stop, bool once, Clock::Duration poll) {
    SyncLoopResult out;
    int failures = 0;
    while (!stop.load()) {
        ++out.ticks;
        const bool ok = hooks.tick(out.ticks);
        out.last_ok = ok;
        if (!ok) {
            ++out.failed;
            ++failures;
        } else {
            failures = 0;
        }
        if (once || stop.load()) {
            break;
        }
        const Clock::Duration wait = next_wait(schedule, failures, random);
        if (hooks.waiting) {
            hooks.waiting(wait, failures);
        }
        const auto until = clock.now() + wait;
        while (!stop.load()) {
            const auto now = clock.now();
            if (now >= until) {
                break;
            }
            clock.sleep_for(std::min(poll, until - now));
        }
    }
    return out;
}

}  // namespace converge
