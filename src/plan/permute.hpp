#pragma once
// Reordering a vector in place by a permutation (no second copy of its elements).
#include <cstddef>
#include <utility>
#include <vector>

namespace converge {

/// Reorders `v` in place so that the new v[i] is the old v[from[i]] (one cycle at a time);
/// `from` must be a permutation of 0..v.size()-1.
template <typename T>
void permute(std::vector<T>& v, const std::vector<std::size_t>& from) {
    std::vector<bool> done(v.size(), false);
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (done[i] || from[i] == i) {
            continue;
        }
        T first = std::move(v[i]);
        std::size_t j = i;
        while (true) {
            done[j] = true;
            const std::size_t k = from[j];
            if (k == i) {
                v[j] = std::move(first);
                break;
            }
            v[j] = std::move(v[k]);
            j = k;
        }
    }
}

}  // namespace converge
