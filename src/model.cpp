#include "converge/model.hpp"

namespace converge {

const Resource* DesiredSet::find(const ResourceId& id) const {
    for (const auto& r : resources) {
        if (r.id == id) {
            return &r;
        }
    }
    return nullptr;
}

}  // namespace converge
