#pragma once
// The built-in model every online deployment serves: deterministic, so tests can check it.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace emulator {

/// The prediction for a scoring request, or an error message for a malformed one.
struct ScoreResult {
    nlohmann::json predictions;  ///< a JSON array, one number per input row
    std::string error;           ///< non-empty: the request was malformed (answer 400)
};

/// Scores `{"data": [...]}` (or `{"input_data": {"data": [...]}}`): each row is a number or
/// an array of numbers; its prediction is the row's sum. `[[1,2],[3]]` -> `[3,3]`.
ScoreResult score(const nlohmann::json& request);

}  // namespace emulator
