// The kinds table (src/kinds.cpp) is complete for every kind: a kind added half-described
// fails here. docs/kinds.md says what a new kind needs.
#include "converge/diff.hpp"
#include "converge/kinds.hpp"
#include "converge/observe.hpp"
#include "converge/ownership.hpp"
#include "converge/planner.hpp"
#include "converge/render.hpp"
#include "converge/resource_ops.hpp"
#include "plan_fixtures.hpp"
#include "schema/schema.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace converge;
using namespace converge::test;

namespace {

std::vector<std::string> segments(std::string_view pointer) {
    std::vector<std::string> out;
    for (std::size_t at = 1; at <= pointer.size();) {
        const std::size_t next = std::min(pointer.find('/', at), pointer.size());
        out.emplace_back(pointer.substr(at, next - at));
        at = next + 1;
    }
    return out;
}

// Does the schema `node` describe the body field at segs[i..]? `$ref`s name members of `defs`.
// Follows $ref, allOf/anyOf/oneOf and if/then/else branches; "*" is any member or item.
// Keywords that only annotate ("description") would make an open object look closed: the
// schemas under schemas/ write an open object as {"type": "object"}.
bool describes(const Json& defs, const Json& node, const std::vector<std::string>& segs, std::size_t i, int depth = 0) {
    if (!node.is_object() || depth > 32) {
        return false;
    }
    if (const auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
        const std::string prefix = "#/definitions/";
        const std::string target = ref->get<std::string>();
        const auto def = target.starts_with(prefix) ? defs.find(target.substr(prefix.size())) : defs.end();
        if (def != defs.end() && describes(defs, *def, segs, i, depth + 1)) {
            return true;
        }
    }
    if (i == segs.size()) {
        return true;
    }
    for (const char* branches : {"allOf", "anyOf", "oneOf"}) {
        if (const auto b = node.find(branches); b != node.end() && b->is_array()) {
            for (const auto& branch : *b) {
                if (describes(defs, branch, segs, i, depth + 1)) {
                    return true;
                }
            }
        }
    }
    for (const char* branch : {"then", "else"}) {
        if (const auto b = node.find(branch); b != node.end() && describes(defs, *b, segs, i, depth + 1)) {
            return true;
        }
    }
    if (const auto props = node.find("properties"); props != node.end() && props->is_object()) {
        if (const auto p = props->find(segs[i]); p != props->end() && describes(defs, *p, segs, i + 1, depth + 1)) {
            return true;
        }
    }
    if (segs[i] == "*") {
        for (const char* member : {"additionalProperties", "items"}) {
            if (const auto m = node.find(member); m != node.end() && describes(defs, *m, segs, i + 1, depth + 1)) {
                return true;
            }
        }
    }
    // An open object ({"type": "object"} and nothing else) takes any member as is.
    return node.size() == 1 && node.value("type", "") == "object";
}

// Does the kind's schema (of spec, the ARM body) describe the body field `pointer`? Its $refs
// resolve in its own definitions, then the envelope's (as schema.cpp composes them).
bool schema_describes(const KindInfo& kind, std::string_view pointer) {
    const Json spec = Json::parse(schema::embedded(schema::schema_name(kind)));
    Json defs = Json::object();
    for (const Json& source : {spec, Json::parse(schema::embedded("manifest"))}) {
        if (const auto d = source.find("definitions"); d != source.end() && d->is_object()) {
            for (const auto& [k, v] : d->items()) {
                defs.emplace(k, v);
            }
        }
    }
    return describes(defs, spec, segments(pointer), 0);
}

// One id of the kind, built as observe lists it: below its scope, along its collection.
ResourceId id_of(const KindInfo& kind) {
    switch (kind.parent) {
    case Parent::subscription: return ResourceId::for_resource_group(k_sub, "x");
    case Parent::resource_group:
        return ResourceId::for_resource(k_sub, "rg", kind.arm_type.empty() ? "Microsoft.Example/things" : kind.arm_type,
                                        "x");
    case Parent::workspace:
    case Parent::versioned_asset:
    case Parent::online_endpoint: break;
    }
    ResourceId id = ResourceId::for_resource(k_sub, "rg", scope_type(kind.parent), "ws");
    for (const auto segment : kind.collection.path) {
        id = id.child(segment, "x");
    }
    return id;
}

// Sets `pointer` in `body` ("*" as a member "x"), creating the objects on the way.
void set_field(Json& body, std::string_view pointer, const Json& value) {
    Json* node = &body;
    for (const auto& s : segments(pointer)) {
        node = &(*node)[s == "*" ? std::string("x") : s];
    }
    *node = value;
}

}  // namespace

TEST_SUITE("kinds") {

TEST_CASE("every kind is fully described: schema, collection, tags and consistent field lists") {
    for (const auto& kind : all_kinds()) {
        CAPTURE(kind.name);
        REQUIRE_FALSE(schema::embedded(schema::schema_name(kind)).empty());
        CHECK(find_kind(kind.name) == &kind);
        CHECK((kind.arm_type.empty() || !kind.api_version.empty()));
        // A kind of a fixed type is listed by observe; only ArmResource (any type) is not.
        CHECK(kind.collection.path.empty() == kind.arm_type.empty());
        if (!kind.arm_type.empty()) {
            const ResourceId id = id_of(kind);
            CAPTURE(id.str());
            CHECK(iequals(id.type(), kind.arm_type));
            CHECK(find_kind_by_type(id.type()) == &kind);
            if (kind.parent == Parent::subscription || kind.parent == Parent::resource_group) {
                // Listed in one step below its scope, as observe's desired lists are built.
                REQUIRE(kind.collection.path.size() == 1);
                CHECK(iequals(collection_path(id), id.parent().str() + "/" + std::string(kind.collection.path[0])));
            }
        }
        CHECK((!kind.collection.subscription_wide || kind.parent == Parent::resource_group));
        // Tags live where the body keeps them; a kind without a location keeps them in properties.
        CHECK((kind.tags == TagsAt::properties) == !kind.tracked);
        // PATCH is the verb only with something to patch, and a patchable field is neither
        // server-populated nor create-only.
        CHECK((kind.update_verb == UpdateVerb::patch) == !kind.patchable.empty());
        for (const auto field : kind.patchable) {
            CAPTURE(field);
            CHECK(schema_describes(kind, field));
            for (const auto other : kind.read_only) {
                CHECK_FALSE(path_matches(other, field));
            }
            for (const auto other : kind.create_only) {
                CHECK_FALSE(path_matches(other, field));
            }
        }
        // Every field the table names that a manifest may set is a field of the kind's schema.
        for (const auto* list : {&kind.create_only, &kind.secret, &kind.dependencies, &kind.durations, &kind.write_only}) {
            for (const auto field : *list) {
                CAPTURE(field);
                CHECK(schema_describes(kind, field));
                for (const auto other : kind.read_only) {
                    CHECK_FALSE(path_matches(other, field));
                }
            }
        }
        for (const auto& resolved : kind.resolved_at_create) {
            const auto& field = resolved.first;  // a reference, not a binding: clang 14 lambdas cannot capture one
            CAPTURE(field);
            CHECK(schema_describes(kind, field));
        }
    }
}

TEST_CASE("the schema walk of the completeness test finds fields and misses others") {
    const KindInfo& compute = *find_kind("Compute");
    CHECK(schema_describes(compute, "/properties/properties/scaleSettings/maxNodeCount"));
    CHECK(schema_describes(compute, "/properties/properties/userAccountCredentials/adminUserPassword"));
    CHECK_FALSE(schema_describes(*find_kind("Model"), "/properties/isAnonymus"));
    CHECK_FALSE(schema_describes(compute, "/properties/nope"));
}

TEST_CASE("a secret field of every kind is redacted in every rendering of a plan") {
    for (const auto& kind : all_kinds()) {
        for (const auto field : kind.secret) {
            CAPTURE(kind.name);
            CAPTURE(field);
            const std::string value = "s3cr3t-" + std::string(kind.name) + "-value";
            DesiredSet desired;
            desired.stack = "s";
            Json body = Json::object();
            set_field(body, field, value);
            desired.resources.push_back(make_resource(std::string(kind.name), id_of(kind), body));
            for (const bool exists : {false, true}) {
                ObservedState observed;
                if (exists) {  // GET never returns a secret; another value there is no drift either
                    Json seen = body;
                    set_field(seen, field, "other-" + value);
                    observed.resources[desired.resources[0].id] = seen;
                }
                const PlanResult r = build_plan(desired, observed, {});
                CHECK(r.plan.has_changes() == !exists);
                for (const std::string& out : {render_text(r.plan), render_json(r.plan), render_markdown(r.plan)}) {
                    CHECK(out.find(value) == std::string::npos);
                    CHECK(out.find("other-") == std::string::npos);
                }
                if (!exists) {
                    CHECK(render_text(r.plan).find(std::string(k_sensitive)) != std::string::npos);
                }
            }
        }
    }
    CHECK_FALSE(find_kind("Compute")->secret.empty());  // the loop above tests something
}

TEST_CASE("an update is sent with the kind's verb: PATCH of the patchable fields, else PUT") {
    for (const auto& kind : all_kinds()) {
        CAPTURE(kind.name);
        Json body = Json::object();
        for (const auto field : kind.patchable) {
            set_field(body, field, Json("p"));
        }
        set_field(body, "/properties/notPatchable", "n");
        const Resource r = make_resource(std::string(kind.name), id_of(kind), body);
        Change patchable;
        patchable.action = Action::update;
        if (!kind.patchable.empty()) {
            patchable.fields.push_back({std::string(kind.patchable.front()), Json("old"), Json("p")});
        }
        Change other = patchable;
        other.fields.push_back({"/properties/notPatchable", Json("old"), Json("n")});
        const UpdateRequest first = update_request(r, patchable);
        CHECK(first.patch == (kind.update_verb == UpdateVerb::patch));
        if (first.patch) {
            Json expected = body;
            expected["properties"].erase("notPatchable");
            if (expected["properties"].empty()) {
                expected.erase("properties");
            }
            CHECK(first.body == expected);
            CHECK(change_request(r, patchable).verb == Verb::patch);
        }
        const UpdateRequest second = update_request(r, other);
        CHECK_FALSE(second.patch);
        CHECK(second.body == body);
        CHECK(change_request(r, other).verb == Verb::put);
    }
}

}  // TEST_SUITE

TEST_SUITE("ownership") {

TEST_CASE("owned by this stack: both tags, exact values, where the kind keeps its tags") {
    const KindInfo& ws = *find_kind("Workspace");
    const KindInfo& model = *find_kind("Model");
    const Json tags = ownership::tags("prod");
    CHECK(tags == Json{{"managed-by", "converge"}, {"converge-stack", "prod"}});
    CHECK(ownership::owned(Json{{"tags", tags}}, "prod", ws));
    CHECK(ownership::owned(Json{{"properties", {{"tags", tags}}}}, "prod", model));
    CHECK_FALSE(ownership::owned(Json{{"properties", {{"tags", tags}}}}, "prod", ws));  // not where ws keeps tags
    CHECK_FALSE(ownership::owned(Json{{"tags", tags}}, "prod", model));
    CHECK_FALSE(ownership::owned(Json{{"tags", tags}}, "dev", ws));
    CHECK_FALSE(ownership::owned(Json{{"tags", tags}}, "", ws));
    CHECK_FALSE(ownership::owned(Json{{"tags", {{"converge-stack", "prod"}}}}, "prod", ws));
    CHECK_FALSE(ownership::owned(Json{{"tags", {{"managed-by", "converge"}}}}, "prod", ws));
    CHECK_FALSE(ownership::owned(Json{{"tags", {{"managed-by", "someone"}, {"converge-stack", "prod"}}}}, "prod", ws));
    CHECK_FALSE(ownership::owned(Json{{"tags", {{"managed-by", "converge"}, {"converge-stack", 1}}}}, "prod", ws));
    // Split across the two maps is not owned either.
    CHECK_FALSE(ownership::owned(Json{{"tags", {{"managed-by", "converge"}}},
                                      {"properties", {{"tags", {{"converge-stack", "prod"}}}}}},
                                 "prod", model));
    CHECK_FALSE(ownership::owned(Json("text"), "prod", ws));
    CHECK_FALSE(ownership::owned(Json{{"properties", 3}}, "prod", model));
    CHECK(ownership::is_ownership_tag("Managed-By"));
    CHECK(ownership::is_ownership_tag("converge-stack"));
    CHECK_FALSE(ownership::is_ownership_tag("team"));
}

}  // TEST_SUITE
