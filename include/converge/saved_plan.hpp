#pragma once
// Saved plans: `converge plan -o plan.json` writes the plan together with the desired bodies it
// needs and a fingerprint of what was observed; `converge apply plan.json` applies exactly that
// plan and refuses when anything it touches changed since, naming the resource and the field.
//
// Secrets are never written. Secret fields (the kind's write-only secrets, the loader's
// Resource::sensitive pointers, and any string containing a DesiredSet::secret_values value)
// are removed from the saved bodies and listed in SavedPlan::secrets; before applying, the CLI
// reloads the manifests and calls restore_secrets(), which copies the values back and refuses
// when the manifests no longer produce the saved bodies.
#include "converge/diagnostic.hpp"
#include "converge/json.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace converge {

/// A secret value the saved plan needs but does not contain.
struct SecretRef {
    ResourceId id;
    std::string pointer;  ///< JSON pointer in the resource body
};

/// How the manifests were loaded, so `converge apply plan.json` can load them again.
/// Holds no secret: save_plan drops every --var whose value is a secret (its name goes to
/// `withheld_vars`, and apply must be given it again, e.g. from the environment).
struct PlanInputs {
    /// Manifest directories or files and --values files, relative to the stack root (the
    /// directory plan ran in) when inside it, else absolute; apply resolves them against its own
    /// working directory, so a saved plan works from another checkout of the same commit.
    std::vector<std::string> paths;
    std::vector<std::string> values_files;
    std::vector<std::pair<std::string, std::string>> vars;  ///< --var name=value, secrets left out
    std::vector<std::string> withheld_vars;  ///< names of the --var values that were secret
    std::string subscription;               ///< the default subscription the ids were built with
    std::string arm_endpoint;    ///< the ARM endpoint plan observed (empty in older files)
    std::string authority_host;  ///< the Entra ID authority host the token came from
    bool emulator = false;       ///< made with --emulator (whose address changes from run to run)
};

/// A plan read back from disk.
struct SavedPlan {
    Plan plan;
    DesiredSet desired;  ///< the resources the changes need, secret fields removed
    std::string inputs_digest;  ///< desired_digest() of the manifests the plan was made from
    /// What plan saw of every resource a change touches: nullopt = absent, else the observed
    /// values of the fields the manifest sets (observed_projection), or {} for deletes.
    std::map<ResourceId, std::optional<Json>> observed;
    std::vector<SecretRef> secrets;
    PlanInputs inputs;
};

/// The saved-plan file text (JSON, format "converge-saved-plan", format_version 1); contains no secret.
std::string save_plan(const Plan& plan, const DesiredSet& desired, const ObservedState& observed,
                      const PlanInputs& inputs = {});

/// A loaded plan or the reasons it cannot be used (`file` names it in diagnostics).
struct LoadedPlan {
    std::optional<SavedPlan> saved;
    Diagnostics diagnostics;
};
LoadedPlan load_saved_plan(std::string_view text, const std::string& file = "plan.json");

/// Errors naming each resource and field that changed in Azure since the plan was saved.
/// Call it after restore_secrets, which supplies the secret values to scrub `now` with.
Diagnostics check_still_valid(const SavedPlan& saved, const ObservedState& now);

/// Copies the secret values listed in saved.secrets from freshly loaded manifests; errors when
/// the manifests changed since the plan was saved (their digest differs) or a value is missing.
Diagnostics restore_secrets(SavedPlan& saved, const DesiredSet& fresh);

/// "sha256:<hex>" over the stack and every resource's id, api-version and body, secret fields
/// left out: equal digests mean the manifests still say the same thing.
std::string desired_digest(const DesiredSet& desired);

}  // namespace converge
