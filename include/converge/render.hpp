#pragma once
// Renderings of a Plan: text for terminals, JSON (the contract, schemas/plan.schema.json) and
// markdown for pull-request comments. Each returns a string; none prints. Values arrive already
// redacted from the differ and planner; renderers show sensitive fields as (sensitive).
#include "converge/json.hpp"
#include "converge/plan.hpp"

#include <cstddef>
#include <string>

namespace converge {

/// Text rendering options.
struct TextOptions {
    bool color = false;  ///< ANSI colours (the CLI sets this on a TTY, off with --no-color)
};

/// "Compute/cpu", "Model/m@1": the short name of a change's resource.
std::string change_label(const Change& change);
/// `Plan: 2 to create, 1 to update, 1 to replace, 0 to delete.` (`, 1 to adopt`, `, 1 kept` when
/// there are such); a destroy plan: `Destroy: 3 to delete, 1 kept.`
std::string summary_line(const Plan& plan);
/// The "Not in the manifests (kept; --prune deletes them)" section for Plan::orphans, or empty.
std::string orphans_text(const Plan& plan);

/// Terraform-like text, ending with the summary line, or
/// `No changes. Azure matches the manifests.` when there is nothing to do.
std::string render_text(const Plan& plan, const TextOptions& options = {});

/// Where a plan comes from: the top of the JSON contract (docs/plan.md "The JSON plan").
struct PlanHeader {
    std::string converge_version;            ///< converge's version ("0.1.0")
    std::string stack;                       ///< converge.yaml `stack:` (empty: none)
    std::vector<std::string> subscriptions;  ///< the subscriptions the plan's resources live in, sorted
    std::string created_at;                  ///< when the plan was made, ISO-8601 UTC ("2026-12-07T15:30:00Z")
    std::string inputs_digest;               ///< desired_digest() of the manifests ("sha256:...")
};

/// The JSON contract's version: "MAJOR.MINOR"; additive changes raise MINOR, others MAJOR.
inline constexpr const char* k_plan_format_version = "1.0";

/// The plan's changes and summary as JSON (what saved plans embed); no-op changes left out.
Json plan_to_json(const Plan& plan);
/// The JSON plan (schemas/plan.schema.json): format_version and the header, then
/// plan_to_json's fields; pretty-printed with a trailing newline.
std::string render_json(const Plan& plan, const PlanHeader& header = {});
/// Reads what plan_to_json wrote (for saved plans); nullopt with `error` set when malformed.
std::optional<Plan> plan_from_json(const Json& json, std::string& error);

/// Default bound for markdown: GitHub comments are limited to 65,536 characters.
inline constexpr std::size_t k_markdown_limit = 60000;
/// Markdown for a pull-request comment: summary first, destructive changes in a warning block,
/// one collapsible <details> per resource; at most `limit` characters, with a note when cut.
std::string render_markdown(const Plan& plan, std::size_t limit = k_markdown_limit);
/// The same with a heading that names the stack, the subscription(s) and, when given, the
/// environment (`plan --environment NAME`): "### converge plan: stack `prod` · subscription `…` · environment `production`".
std::string render_markdown(const Plan& plan, const PlanHeader& header, const std::string& environment,
                            std::size_t limit = k_markdown_limit);

/// A field value for display: strings quoted, JSON compact, sensitive as (sensitive).
std::string display_value(const std::optional<Json>& value, bool sensitive);

}  // namespace converge
