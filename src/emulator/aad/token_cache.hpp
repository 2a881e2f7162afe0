#pragma once
// Bearer tokens whose RS256 signature the emulator has verified, by exact token text, with
// their decoded claims: a client sends one token on every request, and checking its signature
// each time was a few percent of the emulator's CPU. Only the signature check is remembered;
// expiry and audience are checked on every request from the cached claims. A tampered token
// is different text, so it is verified (and refused) like any other.
#include "platform/http.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace emulator {

/// Verified tokens and their claims; thread-safe, bounded.
class TokenCache {
public:
    /// The claims of a token verified before, or null.
    std::shared_ptr<const Json> find(const std::string& token) const {
        std::lock_guard lock(m_mutex);
        auto it = m_claims.find(token);
        return it == m_claims.end() ? nullptr : it->second;
    }
    /// Remembers a token whose signature verified (forgets everything when full).
    void add(const std::string& token, std::shared_ptr<const Json> claims) {
        std::lock_guard lock(m_mutex);
        if (m_claims.size() >= k_capacity) {
            m_claims.clear();
        }
        m_claims.emplace(token, std::move(claims));
    }

private:
    static constexpr std::size_t k_capacity = 1024;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, std::shared_ptr<const Json>> m_claims;
};

}  // namespace emulator
