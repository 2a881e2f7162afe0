#pragma once
// An in-process emulator plus a real client, and the load -> observe -> plan -> apply flow,
// for the end-to-end tests (TEST_SUITE("e2e")).
#include "converge/apply.hpp"
#include "converge/arm_client_api.hpp"
#include "converge/manifest.hpp"
#include "converge/observe.hpp"
#include "converge/planner.hpp"

#include "emulator.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace converge::testing {

/// Emulator options for tests: in-memory, tiny durations, fast Retry-After.
emulator::Options fast_emulator();

/// Wraps the client's transport (e.g. to record every request converge sends).
using TransportWrap = std::function<std::shared_ptr<Transport>(std::shared_ptr<Transport>)>;

class E2e {
public:
    /// With `wrap`, the client is assembled like make_arm_client does, around the wrapped transport.
    explicit E2e(emulator::Options options = fast_emulator(), const TransportWrap& wrap = {});
    ~E2e();

    /// Loads in-memory manifests ("name.yaml" -> text) with converge.yaml `config`;
    /// the emulator's subscription and tenant are the defaults (`${var:tenant}` is set when a manifest uses it).
    LoadResult load(const std::map<std::string, std::string>& files, const std::string& config) const;
    ObservedState observe(const DesiredSet& desired, bool orphans = false);
    PlanResult plan(const DesiredSet& desired, PlanOptions options = {});
    /// observe + plan + apply_plan; the plan must be valid.
    ApplyResult apply(const DesiredSet& desired, PlanOptions options = {}, ApplyObserver* observer = nullptr,
                      const std::atomic<bool>* cancel = nullptr);

    /// PUT, PATCH, DELETE and non-token POST requests the emulator received since reset_counts().
    std::uint64_t writes() const;
    void reset_counts();

    emulator::Emulator& emu() { return *m_emulator; }
    ArmApi& api() { return *m_api; }
    /// The client behind api(), for writes a test makes itself (someone else's resources).
    ArmClient& client() { return m_api->client(); }
    const std::string& subscription() const;
    /// A client of the same emulator acting as `creds` (another principal: Emulator::add_principal).
    std::unique_ptr<ArmClientApi> client_as(const emulator::Credentials& creds);

private:
    std::unique_ptr<emulator::Emulator> m_emulator;
    std::unique_ptr<ArmClientApi> m_api;
};

/// Requires an apply to have succeeded, naming every step that did not.
void require_ok(const ApplyResult& result);
/// The property every scenario ends with: the plan is valid and has nothing left to do.
void require_converged(E2e& e2e, const DesiredSet& desired, PlanOptions options = {});

/// The changes of a plan that are not no-ops, as "action Kind/name" lines.
std::string changes_of(const Plan& plan);

/// A resource group rg-NAME with a workspace ws-NAME and its three dependencies (stNAME, kv-NAME,
/// appi-NAME; the vault's tenant from ${var:tenant}): the base of most e2e estates.
std::string workspace_manifests(const std::string& name);

/// Text edits (from -> to) applied to manifest files by name; each `from` must occur somewhere.
using Edits = std::vector<std::pair<std::string, std::string>>;
void apply_edits(std::map<std::string, std::string>& files, const Edits& edits);

}  // namespace converge::testing
