#pragma once
// What converge last wrote (docs/sync.md "Drift or pending"): apply records a short digest of
// the desired body it sends in a tag converge owns (`converge-applied`), next to the ownership
// tags and the secrets record. Plan compares it with the digest of the desired body now: equal
// means the manifests did not change since converge wrote the resource, so every difference is
// drift (Azure changed); different means the manifests changed (pending); no tag means converge
// cannot tell (unknown). The digest leaves secret values out (their changes are the secrets
// record's, docs/secrets.md), so the tag says nothing about them.
#include "converge/json.hpp"
#include "converge/kinds.hpp"
#include "converge/model.hpp"

#include <string>
#include <string_view>

namespace converge::applied {

/// The tag that holds the digest, in the kind's tag map (KindInfo::tags).
inline constexpr std::string_view k_tag = "converge-applied";

/// Is `key` the digest's tag (ignoring case, as ARM compares tag names)?
bool is_record_tag(std::string_view key);

/// "sha256:<16 hex digits>" of the desired body (its canonical JSON, keys sorted), with the
/// value at every Resource::sensitive pointer and converge's own records left out.
std::string digest(const Resource& r);

/// The digest recorded on an observed body of this kind, or nullptr.
const std::string* recorded(const Json& body, const KindInfo& kind);

/// Writes digest(r) into `body` (a request body for r), in its tag map, created for a PUT
/// (`whole`); a PATCH without tags leaves the recorded one in place. No-op where the kind
/// carries no tags (an ArmResource without a location).
void stamp(Json& body, const Resource& r, bool whole);

}  // namespace converge::applied
