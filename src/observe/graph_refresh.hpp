#pragma once
// RefreshMode::graph (observe.cpp's helper): one Resource Graph query, paged, for every type it
// indexes, answering observe's lists of those types; every other request goes to ARM.
#include "converge/arm_api.hpp"
#include "converge/model.hpp"

#include <memory>

namespace converge {

/// Runs the query (all pages, honouring Resource Graph's quota headers) over the subscriptions
/// the manifests name and returns an ArmApi whose lists of indexed types are answered from its
/// rows; gets, other lists and writes go to `api`, which must outlive it.
ApiResult<std::unique_ptr<ArmApi>> graph_reader(const DesiredSet& desired, ArmApi& api);

}  // namespace converge
