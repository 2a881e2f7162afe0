#pragma once
// An in-process emulator on an ephemeral port with a manual clock, plus an HTTPS client that
// trusts its CA and carries a bearer token. Shared by tests/test_emulator*.cpp.
#include <emulator.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

namespace emutest {

using Json = nlohmann::json;

/// Starts an emulator (in-memory unless opts.state_dir is set) and a client for it.
struct Emu {
    std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(1'800'000'000'000);
    emulator::Emulator emu;
    std::unique_ptr<httplib::SSLClient> client;
    std::string token;

    static emulator::Options with_clock(emulator::Options o, const std::shared_ptr<std::atomic<std::int64_t>>& now) {
        if (!o.clock) {
            o.clock = [now] { return now->load(); };
        }
        return o;
    }

    explicit Emu(emulator::Options o = {}) : emu(with_clock(std::move(o), now)) {
        emu.start();
        client = make_client();
        token = emu.issue_token(std::chrono::seconds(3600));
    }

    std::unique_ptr<httplib::SSLClient> make_client() const {
        auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", emu.port());
        c->set_ca_cert_path(emu.ca_path().c_str());
        c->enable_server_certificate_verification(true);
        c->set_keep_alive(true);
        return c;
    }

    /// Moves the manual clock forward.
    void advance(std::int64_t ms) { *now += ms; }

    std::string sub() const { return emu.credentials().subscription_id; }
    std::string rg_path(const std::string& rg) const { return "/subscriptions/" + sub() + "/resourceGroups/" + rg; }

    httplib::Headers auth(httplib::Headers extra = {}) const {
        extra.emplace("Authorization", "Bearer " + token);
        return extra;
    }

    httplib::Result get(const std::string& path, httplib::Headers h = {}) { return client->Get(path, auth(h)); }
    httplib::Result head(const std::string& path) { return client->Head(path, auth()); }
    httplib::Result put(const std::string& path, const Json& body, httplib::Headers h = {}) {
        return client->Put(path, auth(h), body.dump(), "application/json");
    }
    httplib::Result patch(const std::string& path, const Json& body, httplib::Headers h = {}) {
        return client->Patch(path, auth(h), body.dump(), "application/json");
    }
    httplib::Result post(const std::string& path, const Json& body = Json::object()) {
        return client->Post(path, auth(), body.dump(), "application/json");
    }
    httplib::Result del(const std::string& path, httplib::Headers h = {}) { return client->Delete(path, auth(h)); }

    /// Path without the scheme and host (for following Location / nextLink URLs).
    std::string local(const std::string& url) const { return url.substr(emu.base_url().size()); }

    /// Creates a resource group (api 2021-04-01).
    void make_rg(const std::string& rg, const std::string& location = "westeurope") {
        put(rg_path(rg) + "?api-version=2021-04-01", Json{{"location", location}});
    }

    /// Creates storage, key vault and insights in `rg`; returns their ids.
    Json make_workspace_dependencies(const std::string& rg) {
        std::string base = rg_path(rg) + "/providers/";
        std::string st = base + "Microsoft.Storage/storageAccounts/st" + rg;
        std::string kv = base + "Microsoft.KeyVault/vaults/kv-" + rg;
        std::string ai = base + "Microsoft.Insights/components/ai-" + rg;
        put(st + "?api-version=2023-01-01", Json{{"location", "westeurope"}, {"kind", "StorageV2"},
                                                  {"sku", {{"name", "Standard_LRS"}}}});
        put(kv + "?api-version=2023-07-01",
            Json{{"location", "westeurope"}, {"properties", {{"sku", {{"family", "A"}, {"name", "standard"}}}}}});
        put(ai + "?api-version=2020-02-02", Json{{"location", "westeurope"}, {"kind", "web"},
                                                  {"properties", {{"Application_Type", "web"}}}});
        return Json{{"storageAccount", st}, {"keyVault", kv}, {"applicationInsights", ai}};
    }

    /// Creates `rg`, the workspace `ws` with its dependencies, and lets it provision (10 s of
    /// the manual clock); returns the workspace's path. `api_version` is the query string of the
    /// PUT. Throws when the PUT gets no response.
    std::string make_workspace(const std::string& rg, const std::string& ws,
                               const std::string& api_version = "?api-version=2025-12-01") {
        make_rg(rg);
        const std::string path = rg_path(rg) + "/providers/Microsoft.MachineLearningServices/workspaces/" + ws;
        if (!put(path + api_version,
                 Json{{"location", "westeurope"}, {"properties", make_workspace_dependencies(rg)}})) {
            throw std::runtime_error("no response to the workspace PUT");
        }
        advance(10'000);
        return path;
    }
};

}  // namespace emutest
