#pragma once
// Secret rotation (docs/secrets.md): a salted, deliberately slow digest of a resource's secret
// values, recorded by apply in a tag converge owns (`converge-secrets`) and compared by plan, so
// a changed secret is an update although Azure never returns the value. The digest covers the
// stack, the resource id and every (pointer, value) of Resource::sensitive; the salt and the
// work factor are stored with it. The KDF (PBKDF2-HMAC-SHA256 from OpenSSL) lives in
// src/model/secret_digest.cpp alone.
#include "converge/json.hpp"
#include "converge/kinds.hpp"
#include "converge/model.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace converge::secrets {

/// The tag that holds the record, in the kind's tag map (KindInfo::tags).
inline constexpr std::string_view k_tag = "converge-secrets";
/// PBKDF2-HMAC-SHA256 iterations of new records; a record with fewer is rewritten.
inline constexpr int k_iterations = 10000;
/// Salt bytes of new records.
inline constexpr std::size_t k_salt_bytes = 16;

/// Is `key` the record's tag (ignoring case, as ARM compares tag names)?
bool is_record_tag(std::string_view key);

/// Does the resource's body hold a secret value (a field at a Resource::sensitive pointer)?
bool has_secrets(const Resource& r);

/// The text the digest is taken of: stack, id and each sensitive (pointer, value), unambiguous
/// (length-prefixed). Holds the values: never print it or keep it beyond the digest.
std::string material(const Resource& r, std::string_view stack);

/// "pbkdf2-sha256:<iterations>:<salt hex>:<digest hex>" of `material` with this salt.
std::string record(std::string_view material, std::string_view salt, int iterations = k_iterations);
/// record() with a fresh random salt.
std::string new_record(std::string_view material);

enum class Check {
    same,        ///< the record matches the values
    changed,     ///< a secret changed (or the record is malformed or weaker than k_iterations)
    unrecorded,  ///< no record on the resource
};
/// Compares a recorded value (nullptr: none) with the current material.
Check check(const std::string* recorded, std::string_view material);

/// The record on an observed body of this kind, or nullptr.
const std::string* recorded(const Json& body, const KindInfo& kind);

/// Can a body of this kind carry the record (it carries tags where its kind says)?
bool can_record(const Json& body, const KindInfo& kind);

/// Writes a fresh record for `r` into `body` (a request body for r): into its tag map, which is
/// created for a PUT. For a PATCH (`whole` false) only when the body already carries the tag
/// map (a PATCH without tags leaves the recorded one in place). No-op without secrets.
void stamp(Json& body, const Resource& r, std::string_view stack, bool whole);

/// The tag map of a body whose kind keeps tags `where` (top level or under properties), or
/// nullptr; with `create` it is made when absent (a PUT). Shared by the record tags
/// (this one and applied_digest's).
Json* tag_map(Json& body, TagsAt where, bool create);

}  // namespace converge::secrets
