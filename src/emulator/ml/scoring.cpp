// The deterministic built-in model: the sum of each row.
#include "ml/scoring.hpp"

#include <fmt/format.h>

namespace emulator {

namespace {

std::optional<double> row_sum(const nlohmann::json& row) {
    if (row.is_number()) {
        return row.get<double>();
    }
    if (!row.is_array()) {
        return std::nullopt;
    }
    double sum = 0;
    for (const auto& value : row) {
        if (!value.is_number()) {
            return std::nullopt;
        }
        sum += value.get<double>();
    }
    return sum;
}

nlohmann::json as_number(double value) {
    const auto whole = static_cast<long long>(value);
    if (static_cast<double>(whole) == value) {
        return whole;
    }
    return value;
}

}  // namespace

ScoreResult score(const nlohmann::json& request) {
    const nlohmann::json* data = nullptr;
    if (request.is_object() && request.contains("data")) {
        data = &request["data"];
    } else if (request.is_object() && request.contains("input_data") && request["input_data"].is_object() &&
               request["input_data"].contains("data")) {
        data = &request["input_data"]["data"];
    }
    if (data == nullptr || !data->is_array()) {
        return {nullptr, "expected a JSON object with \"data\": an array of rows"};
    }
    nlohmann::json predictions = nlohmann::json::array();
    for (std::size_t i = 0; i < data->size(); ++i) {
        auto sum = row_sum((*data)[i]);
        if (!sum) {
            return {nullptr, fmt::format("row {} is not a number or an array of numbers", i)};
        }
        predictions.push_back(as_number(*sum));
    }
    return {predictions, ""};
}

}  // namespace emulator
