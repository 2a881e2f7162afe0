// libFuzzer target: the client's reading of ARM responses (resource bodies, list pages and
// nextLink, long-running-operation status, error bodies, Retry-After) through ArmClient on a
// transport that answers every request from the fuzz input. No network and no sleeping: the
// clock is manual. See docs/reliability.md, "Fuzzing".
#include "converge/api_error.hpp"
#include "converge/arm_client.hpp"
#include "converge/arm_client_api.hpp"
#include "converge/clock.hpp"
#include "converge/credentials.hpp"
#include "converge/http.hpp"
#include "converge/manifest.hpp"
#include "converge/observe.hpp"
#include "converge/operation_state.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

using namespace converge;

namespace {

const std::string k_arm = "https://management.azure.com";
const std::string k_path =
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/ws";

/// Answers each request with a status, headers and body taken from the input; once the input
/// is used up (or after 64 requests), with a terminal success so every loop ends.
class FuzzTransport final : public Transport {
public:
    explicit FuzzTransport(FuzzedDataProvider& input) : m_input(input) {}

    HttpResponse send(const HttpRequest& request) override {
        const std::lock_guard lock(m_mutex);  // observe may send from several threads
        HttpResponse r;
        if (m_input.remaining_bytes() == 0 || ++m_count > 64) {
            r.status = request.method == "DELETE" ? 404 : 200;
            r.body = R"({"status":"Succeeded","value":[],"properties":{"provisioningState":"Succeeded"}})";
            return r;
        }
        static const int k_statuses[] = {200, 200, 200, 201, 202, 204, 400, 401, 403, 404, 409, 412, 429, 500, 503};
        r.status = m_input.PickValueInArray(k_statuses);
        const auto flags = m_input.ConsumeIntegral<std::uint16_t>();
        if ((flags & 0x1) != 0) {
            r.headers.set("Azure-AsyncOperation", k_arm + "/subscriptions/s/providers/p/operations/op?api-version=1");
        }
        if ((flags & 0x2) != 0) {
            r.headers.set("Location", k_arm + "/subscriptions/s/operationResults/op?api-version=1");
        }
        if ((flags & 0x4) != 0) {
            r.headers.set("Retry-After", m_input.ConsumeRandomLengthString(12));
        }
        if ((flags & 0x8) != 0) {
            r.headers.set("retry-after-ms", m_input.ConsumeRandomLengthString(12));
        }
        if ((flags & 0x10) != 0) {
            r.headers.set("x-ms-request-id", m_input.ConsumeRandomLengthString(40));
        }
        if ((flags & 0x20) != 0) {
            r.headers.set("Content-Type", "application/json; charset=utf-8");
        }
        if ((flags & 0x1c0) == 0x1c0) {
            r.error = TransportError::reset;
            r.error_message = "fuzzed reset";
        }
        r.body = m_input.ConsumeRandomLengthString(1 << 16);
        return r;
    }

private:
    std::mutex m_mutex;
    FuzzedDataProvider& m_input;
    int m_count = 0;
};

/// What observe reads for: the examples of manifests/examples (every kind, refs between them).
const DesiredSet& desired() {
    static const DesiredSet set = [] {
        LoadOptions options;
        options.paths = {std::string(CONVERGE_SOURCE_DIR) + "/manifests/examples"};
        options.require_environment = false;
        options.default_subscription = "00000000-0000-0000-0000-000000000001";
        auto result = load_manifests(options);
        if (result.diagnostics.has_errors() || result.desired.resources.empty()) {
            std::fprintf(stderr, "fuzz_responses: manifests/examples do not load:\n%s\n",
                         result.diagnostics.to_string().c_str());
            std::abort();
        }
        return std::move(result.desired);
    }();
    return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    const int operation = input.ConsumeIntegralInRange(0, 10);
    {
        // The pure parsers on a body of their own.
        const std::string body = input.ConsumeRandomLengthString(1 << 12);
        (void)api_error_from_response(input.ConsumeIntegralInRange(100, 599), body, "req").to_string();
        const Json parsed = Json::parse(body, nullptr, false);
        if (!parsed.is_discarded()) {
            (void)resource_outcome(parsed);
            (void)provisioning_error(parsed);
            static const ObservedNeeds needs(desired());
            for (const auto& r : desired().resources) {
                (void)needs.project(r.id, parsed);
            }
        }
    }
    ClientOptions options;
    options.arm_endpoint = k_arm;
    options.retry.max_attempts = 3;
    options.lro_timeout = std::chrono::hours(2);
    auto clock = std::make_shared<ManualClock>();
    auto client_ptr = std::make_shared<ArmClient>(options, std::make_shared<FuzzTransport>(input),
                                                  std::make_shared<StaticTokenCredential>("token"), clock,
                                                  std::make_shared<FixedRandom>(0.5));
    ArmClient& client = *client_ptr;
    const Json body = {{"location", "westeurope"}, {"properties", {{"friendlyName", "x"}}}};
    switch (operation) {
    case 0: (void)client.get(k_path, "2025-12-01"); break;
    case 1: (void)client.find(k_path, "2025-12-01"); break;
    case 2: (void)client.head(k_path, "2025-12-01"); break;
    case 3: (void)client.list(k_path + "/computes", "2025-12-01"); break;
    case 4: (void)client.put(k_path, "2025-12-01", body); break;
    case 5: (void)client.patch(k_path, "2025-12-01", body); break;
    case 6: (void)client.post(k_path + "/listKeys", "2025-12-01", Json::object(), {.idempotent = true}); break;
    case 7: (void)client.remove(k_path, "2025-12-01"); break;
    case 9:
    case 10: {
        // Observe: lists per collection (or one GET per resource) and keeps what plan reads.
        ArmClientApi api(client_ptr);
        ObserveOptions observe_options;
        observe_options.mode = operation == 9 ? RefreshMode::list : RefreshMode::per_resource;
        observe_options.find_orphans = input.ConsumeBool();
        observe_options.parallelism = 1;
        (void)observe(desired(), api, observe_options);
        break;
    }
    default: {
        auto op = client.begin("PUT", k_path, "2025-12-01", body);
        for (int i = 0; op && !(*op)->done() && i < 100; ++i) {
            clock->sleep_for((*op)->wait());
            (*op)->poll();
        }
        break;
    }
    }
    return 0;
}
