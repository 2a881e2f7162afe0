#pragma once
// The one JSON type of the core library: nlohmann::basic_json, behind a short name, with its
// objects stored as sorted vectors instead of std::map.
//
// Why: converge holds one body per resource twice (desired and observed); at 100,000 resources
// a std::map node per member (80 bytes + malloc's header, one allocation each) was most of the
// memory and much of the CPU. A sorted vector keeps std::map's semantics that plans and
// comparisons rely on (keys in sorted order, == independent of insertion order, one value per
// key) with one allocation per object. Unlike std::map, inserting into an object invalidates
// references to its other members (like nlohmann::ordered_json).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <string>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace converge {

/// A map as a vector of (key, value) sorted by key: the object type of converge::Json.
template <class Key, class T, class IgnoredLess = std::less<>, class Allocator = std::allocator<std::pair<const Key, T>>>
class SortedVectorMap : public std::vector<std::pair<Key, T>> {
public:
    using Container = std::vector<std::pair<Key, T>>;
    using key_type = Key;
    using mapped_type = T;
    using key_compare = std::less<>;
    using value_type = typename Container::value_type;
    using size_type = typename Container::size_type;
    using iterator = typename Container::iterator;
    using const_iterator = typename Container::const_iterator;

    SortedVectorMap() = default;
    explicit SortedVectorMap(const Allocator& /*unused*/) {}
    template <class It>
    SortedVectorMap(It first, It last, const Allocator& /*unused*/ = Allocator()) {
        for (; first != last; ++first) {
            emplace(first->first, first->second);  // like std::map: the first of equal keys wins
        }
    }
    SortedVectorMap(std::initializer_list<value_type> init, const Allocator& a = Allocator())
        : SortedVectorMap(init.begin(), init.end(), a) {}

    template <class K, class V>
    std::pair<iterator, bool> emplace(K&& key, V&& value) {
        const auto at = lower(key);
        if (at != this->end() && !less(key, at->first)) {
            return {at, false};
        }
        if (this->size() == this->capacity()) {
            // Most objects have a handful of members: grow by one up to 4, then by half,
            // instead of doubling (a third of the members' memory was spare capacity).
            const auto offset = at - this->begin();
            this->reserve(this->size() < 4 ? this->size() + 1 : this->size() + this->size() / 2);
            return {Container::emplace(this->begin() + offset, std::forward<K>(key), std::forward<V>(value)), true};
        }
        return {Container::emplace(at, std::forward<K>(key), std::forward<V>(value)), true};
    }

    std::pair<iterator, bool> insert(value_type&& v) { return emplace(std::move(v.first), std::move(v.second)); }
    std::pair<iterator, bool> insert(const value_type& v) { return emplace(v.first, v.second); }
    template <class It>
    void insert(It first, It last) {
        for (; first != last; ++first) {
            emplace(first->first, first->second);
        }
    }

    template <class K>
    T& operator[](K&& key) {
        return emplace(std::forward<K>(key), T{}).first->second;
    }
    template <class K>
    const T& operator[](const K& key) const {
        return at(key);
    }

    template <class K>
    T& at(const K& key) {
        const auto it = find(key);
        if (it == this->end()) {
            throw std::out_of_range("key not found");
        }
        return it->second;
    }
    template <class K>
    const T& at(const K& key) const {
        const auto it = find(key);
        if (it == this->end()) {
            throw std::out_of_range("key not found");
        }
        return it->second;
    }

    template <class K>
    iterator find(const K& key) {
        const auto it = static_cast<const SortedVectorMap&>(*this).find(key);
        return this->begin() + (it - this->cbegin());
    }
    template <class K>
    const_iterator find(const K& key) const {
        if constexpr (std::is_convertible_v<const K&, std::string_view>) {
            // Small objects (nearly all): compare lengths before bytes, no ordering needed.
            if (this->size() <= k_linear_find) {
                const std::string_view k(key);
                return std::find_if(this->cbegin(), this->cend(),
                                    [&](const value_type& v) { return std::string_view(v.first) == k; });
            }
        }
        const auto it = lower(key);
        return it != this->end() && !less(key, it->first) ? it : this->end();
    }
    template <class K>
    size_type count(const K& key) const {
        return find(key) == this->end() ? 0 : 1;
    }

    iterator erase(const_iterator pos) { return Container::erase(pos); }
    iterator erase(iterator pos) { return Container::erase(pos); }
    iterator erase(const_iterator first, const_iterator last) { return Container::erase(first, last); }
    iterator erase(iterator first, iterator last) { return Container::erase(first, last); }
    template <class K, std::enable_if_t<!std::is_convertible_v<K, const_iterator>, int> = 0>
    size_type erase(const K& key) {
        const auto it = find(key);
        if (it == this->end()) {
            return 0;
        }
        Container::erase(it);
        return 1;
    }

private:
    static constexpr std::size_t k_linear_find = 8;

    template <class A, class B>
    static bool less(const A& a, const B& b) {
        return std::less<>{}(a, b);
    }
    template <class K>
    iterator lower(const K& key) {
        return std::lower_bound(this->begin(), this->end(), key,
                                [](const value_type& v, const K& k) { return less(v.first, k); });
    }
    template <class K>
    const_iterator lower(const K& key) const {
        return std::lower_bound(this->begin(), this->end(), key,
                                [](const value_type& v, const K& k) { return less(v.first, k); });
    }
};

/// A JSON value (ARM request and response bodies, manifest specs, plans).
using Json = nlohmann::basic_json<SortedVectorMap>;

/// The string member `key` of `object`; "" when `object` is not an object or the member is
/// absent or not a string.
inline std::string string_field(const Json& object, const char* key) {
    if (!object.is_object()) {
        return {};
    }
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace converge
