// libFuzzer target: the emulator's request pipeline (routing, authentication, api-version
// checks, handlers, the store) fed method, path, query and body in-process, without a
// network. The input picks a registered route and fills its parameters, or sends a path of
// its own. See docs/reliability.md, "Fuzzing".
#include "aad/aad.hpp"
#include "platform/dispatch.hpp"
#include "platform/services.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

using namespace emulator;

namespace {

std::atomic<std::int64_t> g_now{1'700'000'000'000};

/// The emulator, with the state earlier inputs left (as a long-lived emulator has), opened
/// afresh every 2,000 inputs so that memory stays bounded in long runs; time moves a second
/// per reading, so async operations finish without sleeping.
std::unique_ptr<Services> g_services;
std::string g_token;
std::size_t g_inputs = 0;

Services& services() {
    if (!g_services || ++g_inputs % 2000 == 0) {
        Options o;
        o.throttling = false;
        o.clock = [] { return g_now.fetch_add(1000); };
        g_services.reset();
        g_services = open_in_process(o);
        g_token = mint_token(*g_services, "https://management.azure.com/", 3600 * 24 * 365);
    }
    return *g_services;
}

const std::string& token() { return g_token; }

/// A route's pattern with its "{param}" segments filled from the input.
std::string fill(const Services& svc, const RouteSpec& route, FuzzedDataProvider& input) {
    std::string path;
    for (const auto& segment : route.segments) {
        path += '/';
        if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
            if (segment == "{subscriptionId}" && input.ConsumeBool()) {
                path += svc.credentials.subscription_id;
            } else {
                static const char* const k_names[] = {"rg", "ws", "c1", "m", "1", "default", "westeurope"};
                path += input.ConsumeBool() ? std::string(input.PickValueInArray(k_names))
                                            : input.ConsumeRandomLengthString(24);
            }
        } else {
            path += segment;
        }
    }
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Services& svc = services();
    FuzzedDataProvider input(data, size);
    const auto& routes = svc.registry.routes();
    Request req;
    static const char* const k_methods[] = {"GET", "PUT", "PATCH", "POST", "DELETE", "HEAD"};
    const RouteSpec* route = nullptr;
    if (!routes.empty() && input.ConsumeIntegralInRange(0, 7) != 0) {
        route = &routes[input.ConsumeIntegralInRange<std::size_t>(0, routes.size() - 1)];
        req.method = input.ConsumeIntegralInRange(0, 7) != 0 ? route->method : input.PickValueInArray(k_methods);
        req.path = fill(svc, *route, input);
    } else {
        req.method = input.PickValueInArray(k_methods);
        req.path = input.ConsumeRandomLengthString(256);
    }
    if (route != nullptr && !route->api.versions.empty() && input.ConsumeBool()) {
        req.query.emplace("api-version", route->api.versions[input.ConsumeIntegralInRange<std::size_t>(
                                             0, route->api.versions.size() - 1)]);
    } else if (input.ConsumeBool()) {
        req.query.emplace("api-version", input.ConsumeRandomLengthString(16));
    }
    if (input.ConsumeBool()) {
        req.query.emplace(input.ConsumeRandomLengthString(12), input.ConsumeRandomLengthString(32));
    }
    if (input.ConsumeIntegralInRange(0, 7) != 0) {
        req.headers.emplace("authorization", "Bearer " + token());
    } else {
        req.headers.emplace("authorization", input.ConsumeRandomLengthString(64));
    }
    req.headers.emplace("content-type", "application/json");
    req.remote_addr = "127.0.0.1";
    req.body = input.ConsumeRemainingBytesAsString();
    (void)dispatch(svc, req);
    return 0;
}
