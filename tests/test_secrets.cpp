// Secret rotation (docs/secrets.md): the slow salted digest, plan's detection of a changed
// secret without showing it, and the scrubber on secrets with characters JSON escapes.
#include "plan_fixtures.hpp"

#include "converge/http.hpp"
#include "converge/planner.hpp"
#include "converge/redact.hpp"
#include "converge/render.hpp"
#include "converge/saved_plan.hpp"
#include "converge/secret_digest.hpp"

#include <doctest/doctest.h>

#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace converge;
using converge::test::make_resource;
using converge::test::rid;

namespace {

const std::string k_old = R"(Old"Secret\Value-A1)";
const std::string k_new = R"(New"Secret\Value-B2)";
const std::string k_stack = "rot";

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

std::string sha256_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
    std::string out;
    char buf[3];
    for (unsigned i = 0; i < size; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", digest[i]);
        out += buf;
    }
    return out;
}

// Every form a value could leak in: raw, JSON-escaped, and a fast hash of it.
void check_absent(const std::string& text, const std::string& secret) {
    const std::string escaped = Json(secret).dump();
    CHECK_FALSE(has(text, secret));
    CHECK_FALSE(has(text, escaped.substr(1, escaped.size() - 2)));
    CHECK_FALSE(has(text, sha256_hex(secret)));
    CHECK_FALSE(has(text, url_encode(secret)));
}

// A tracked resource whose properties.apiKey comes from a sensitive variable.
Resource thing(const std::string& secret) {
    Resource r = make_resource("ArmResource", rid("Microsoft.Example/things", "t1"),
                               Json{{"location", "westeurope"},
                                    {"properties", {{"apiKey", secret}, {"size", 2}}},
                                    {"tags", {{"managed-by", "converge"}, {"converge-stack", k_stack}}}});
    r.arm_type = "Microsoft.Example/things";
    r.api_version = "2024-01-01";
    r.sensitive.insert("/properties/apiKey");
    return r;
}

DesiredSet desired_with(const std::string& secret) {
    DesiredSet d;
    d.stack = k_stack;
    d.resources.push_back(thing(secret));
    d.secret_values = {secret};
    return d;
}

// What Azure holds after converge applied `secret` (with the record apply writes), or none.
ObservedState observed_with(const std::string& secret, bool recorded = true) {
    const Resource r = thing(secret);
    Json body = r.body;
    if (recorded) {
        secrets::stamp(body, r, k_stack, true);
    }
    body["id"] = r.id.str();
    ObservedState o;
    o.resources.emplace(r.id, std::move(body));
    return o;
}

}  // namespace

TEST_SUITE("secrets") {

TEST_CASE("the digest: stable for a salt, different per value, salt, stack and id; slow parameters") {
    const std::string salt(secrets::k_salt_bytes, 's');
    const std::string a = secrets::material(thing(k_old), k_stack);
    const std::string b = secrets::material(thing(k_new), k_stack);
    CHECK(secrets::record(a, salt) == secrets::record(a, salt));
    CHECK(secrets::record(a, salt) != secrets::record(b, salt));
    CHECK(secrets::record(a, salt) != secrets::record(a, std::string(secrets::k_salt_bytes, 't')));
    CHECK(secrets::record(a, salt) != secrets::record(secrets::material(thing(k_old), "other"), salt));
    Resource elsewhere = thing(k_old);
    elsewhere.id = rid("Microsoft.Example/things", "t2");
    CHECK(secrets::record(a, salt) != secrets::record(secrets::material(elsewhere, k_stack), salt));

    // Fresh salts differ; the record names its scheme and work factor, and holds no value.
    const std::string r1 = secrets::new_record(a);
    const std::string r2 = secrets::new_record(a);
    CHECK(r1 != r2);
    CHECK(r1.rfind("pbkdf2-sha256:" + std::to_string(secrets::k_iterations) + ":", 0) == 0);
    CHECK(r1.size() <= 256);  // an Azure tag value's limit
    CHECK(secrets::k_iterations >= 10000);
    CHECK(secrets::k_salt_bytes >= 16);
    check_absent(r1, k_old);

    CHECK(secrets::check(&r1, a) == secrets::Check::same);
    CHECK(secrets::check(&r2, a) == secrets::Check::same);
    CHECK(secrets::check(&r1, b) == secrets::Check::changed);
    CHECK(secrets::check(nullptr, a) == secrets::Check::unrecorded);
    // Malformed or weaker records count as changed (rewritten), never as the same.
    const std::string weak = secrets::record(a, salt, 1);
    CHECK(secrets::check(&weak, a) == secrets::Check::changed);
    for (const std::string& bad : std::vector<std::string>{"", "x", "pbkdf2-sha256:10000:zz:00", "md5:10000:" + std::string(32, '0') + ":00",
                                  "pbkdf2-sha256:10000:00:" + std::string(64, '0')}) {
        CHECK(secrets::check(&bad, a) == secrets::Check::changed);
    }
}

TEST_CASE("stamp writes the record into the kind's tag map; a PATCH without tags keeps Azure's") {
    const Resource r = thing(k_old);
    Json put = Json{{"location", "westeurope"}, {"properties", {{"apiKey", k_old}}}};
    secrets::stamp(put, r, k_stack, true);
    REQUIRE(secrets::recorded(put, *r.kind) != nullptr);
    CHECK(secrets::check(secrets::recorded(put, *r.kind), secrets::material(r, k_stack)) == secrets::Check::same);

    Json patch = Json{{"properties", {{"size", 3}}}};
    secrets::stamp(patch, r, k_stack, false);
    CHECK_FALSE(patch.contains("tags"));

    Resource plain = thing(k_old);
    plain.sensitive.clear();
    Json body = plain.body;
    secrets::stamp(body, plain, k_stack, true);
    CHECK(secrets::recorded(body, *plain.kind) == nullptr);  // no secrets: nothing recorded
}

TEST_CASE("plan: the same secret is no change (the record tag on Azure is not drift); a rotated one is an update showing neither value") {
    {
        const auto same = build_plan(desired_with(k_old), observed_with(k_old), {});
        CHECK_FALSE(same.diagnostics.has_errors());
        CHECK_MESSAGE(!same.plan.has_changes(), render_text(same.plan));
    }
    const DesiredSet desired = desired_with(k_new);
    const ObservedState observed = observed_with(k_old);
    const auto planned = build_plan(desired, observed, {});
    REQUIRE(planned.plan.changes.size() == 1);
    const Change& c = planned.plan.changes[0];
    CHECK(c.action == Action::update);
    CHECK(c.reason_detail == "a secret value changed");
    REQUIRE(c.fields.size() == 1);
    CHECK(c.fields[0].path == "/properties/apiKey");
    CHECK(c.fields[0].sensitive);
    CHECK_FALSE(c.fields[0].forces_replace);

    const std::string text = render_text(planned.plan);
    CHECK(has(text, "~ properties.apiKey: (sensitive) -> (sensitive)"));
    const std::string json = render_json(planned.plan);
    const std::string markdown = render_markdown(planned.plan);
    const std::string saved = save_plan(planned.plan, desired, observed);
    for (const std::string* out : {&text, &json, &markdown, &saved}) {
        check_absent(*out, k_old);
        check_absent(*out, k_new);
        CHECK_FALSE(has(*out, "pbkdf2"));  // the record is Azure's, not the plan's
    }
}

TEST_CASE("plan: a resource with secrets but no record is updated once to record it; no replace for that alone") {
    const auto planned = build_plan(desired_with(k_old), observed_with(k_old, false), {});
    REQUIRE(planned.plan.changes.size() == 1);
    CHECK(planned.plan.changes[0].action == Action::update);
    CHECK(planned.plan.changes[0].reason_detail == "no digest of its secret values is recorded yet");

    // Compute's admin password is create-only: a missing record only notes, a changed one replaces.
    auto compute = [](const std::string& pw) {
        Resource r = make_resource("Compute", ResourceId::parse(rid("Microsoft.MachineLearningServices/workspaces", "ws").str() + "/computes/c").value(),
                                   Json{{"properties",
                                         {{"computeType", "AmlCompute"},
                                          {"properties", {{"userAccountCredentials", {{"adminUserName", "u"}, {"adminUserPassword", pw}}}}}}},
                                        {"tags", {{"managed-by", "converge"}, {"converge-stack", k_stack}}}});
        r.sensitive.insert("/properties/properties/userAccountCredentials/adminUserPassword");
        return r;
    };
    auto observed = [&](const std::string& pw, bool recorded) {
        const Resource r = compute(pw);
        Json body = r.body;
        body["location"] = "westeurope";
        if (recorded) {
            secrets::stamp(body, r, k_stack, true);
        }
        ObservedState o;
        o.resources.emplace(r.id, std::move(body));
        return o;
    };
    DesiredSet d;
    d.stack = k_stack;
    d.resources.push_back(compute(k_new));
    d.secret_values = {k_new};
    const auto unrecorded = build_plan(d, observed(k_new, false), {});
    CHECK_MESSAGE(!unrecorded.plan.has_changes(), render_text(unrecorded.plan));
    CHECK(has(unrecorded.diagnostics.to_string(), "no digest of its secret values is recorded"));
    const auto rotated = build_plan(d, observed(k_old, true), {});
    REQUIRE(rotated.plan.changes.size() == 1);
    CHECK(rotated.plan.changes[0].action == Action::replace);
    CHECK(has(rotated.plan.changes[0].reason_detail, "a secret value changed"));
    check_absent(render_text(rotated.plan), k_old);
    check_absent(render_text(rotated.plan), k_new);
}

TEST_CASE("plan: a resource that carries no tags warns that rotation is not detected") {
    DesiredSet d = desired_with(k_old);
    d.resources[0].body.erase("location");
    d.resources[0].body.erase("tags");
    ObservedState o;
    o.resources.emplace(d.resources[0].id, d.resources[0].body);
    const auto planned = build_plan(d, o, {});
    CHECK_FALSE(planned.plan.has_changes());
    CHECK(has(planned.diagnostics.to_string(), "a change of its secret values is not detected"));
}

}  // TEST_SUITE

// Not run by default (timing, not a check): ./build/converge_tests -ts=secrets-bench --no-skip -s
TEST_SUITE("secrets-bench" * doctest::skip()) {
TEST_CASE("digest cost") {
    const std::string m = secrets::material(thing(k_old), k_stack);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        (void)secrets::new_record(m);
    }
    const auto one = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 20;
    DesiredSet d;
    d.stack = k_stack;
    ObservedState o;
    for (int i = 0; i < 1000; ++i) {
        Resource r = thing(k_new);
        r.id = rid("Microsoft.Example/things", "t" + std::to_string(i));
        Resource old = r;
        old.body["properties"]["apiKey"] = k_old;
        Json body = old.body;
        secrets::stamp(body, old, k_stack, true);
        o.resources.emplace(r.id, std::move(body));
        d.resources.push_back(std::move(r));
    }
    const auto t1 = std::chrono::steady_clock::now();
    const auto planned = build_plan(d, o, {});
    const auto plan_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
    CHECK(planned.plan.count(Action::update) == 1000);
    std::printf("secret digest: %.2f ms each; plan of 1000 rotated secret-bearing resources: %.0f ms (%u threads)\n", one,
                plan_ms, std::thread::hardware_concurrency());
}
}
