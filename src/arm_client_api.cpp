#include "converge/arm_client_api.hpp"

#if __has_include("converge/arm_client.hpp")

namespace converge {

namespace {
CallOptions with_query(const Query& query) {
    CallOptions options;
    options.query.assign(query.begin(), query.end());
    return options;
}

// The client's LroOperation behind the ArmApi seam; a DELETE that finds nothing is done.
class ClientOperation final : public PendingOperation {
public:
    ClientOperation(std::unique_ptr<LroOperation> op, bool remove, OnOperationEnd on_end)
        : m_op(std::move(op)), m_remove(remove), m_on_end(std::move(on_end)) {}

    std::chrono::milliseconds wait() const override { return m_op->wait(); }
    int polls() const override { return m_op->report().polls; }
    bool done() const { return m_op->done(); }

    ApiResult<std::optional<Json>> poll() override {
        m_op->poll();
        if (!m_op->done()) {
            return std::optional<Json>();
        }
        auto body = outcome();
        if (!body) {
            return tl::unexpected(body.error());
        }
        return std::optional<Json>(std::move(*body));
    }

    // The final body or error of a done operation (reported to on_end once).
    ApiResult<Json> outcome() {
        if (m_on_end) {
            m_on_end(m_op->report());
            m_on_end = nullptr;
        }
        const auto& result = m_op->result();
        if (!result) {
            if (m_remove && result.error().is_not_found()) {
                return Json();
            }
            return tl::unexpected(result.error());
        }
        return m_remove ? Json() : *result;
    }

private:
    std::unique_ptr<LroOperation> m_op;
    bool m_remove;
    OnOperationEnd m_on_end;
};
}  // namespace

ApiResult<WriteStarted> begin_write(ArmClient& client, std::string_view method, const std::string& path,
                                    const std::string& api_version, const Json& body, CallOptions options,
                                    OnOperationEnd on_end) {
    const bool remove = method == "DELETE";
    auto started = client.begin(method, path, api_version, body, options);
    if (!started) {
        if (remove && started.error().is_not_found()) {
            return WriteStarted{Json(), nullptr};  // already gone
        }
        return tl::unexpected(started.error());
    }
    auto op = std::make_unique<ClientOperation>(std::move(*started), remove, std::move(on_end));
    if (!op->done()) {
        return WriteStarted{Json(), std::move(op)};
    }
    auto result = op->outcome();
    if (!result) {
        return tl::unexpected(result.error());
    }
    return WriteStarted{std::move(*result), nullptr};
}

ApiResult<Json> ArmClientApi::get(const std::string& path, const std::string& api_version) {
    return m_client->get(path, api_version);
}

ApiResult<std::vector<Json>> ArmClientApi::list(const std::string& path, const std::string& api_version,
                                                const Query& query) {
    return m_client->list(path, api_version, with_query(query));
}

ApiResult<Json> ArmClientApi::put(const std::string& path, const std::string& api_version, const Json& body) {
    return m_client->put(path, api_version, body);
}

ApiResult<Json> ArmClientApi::patch(const std::string& path, const std::string& api_version, const Json& body) {
    return m_client->patch(path, api_version, body);
}

ApiResult<Json> ArmClientApi::remove(const std::string& path, const std::string& api_version, const Query& query) {
    auto done = m_client->remove(path, api_version, with_query(query));
    if (!done) {
        return tl::unexpected(done.error());
    }
    return Json();
}

ApiResult<WriteStarted> ArmClientApi::begin_put(const std::string& path, const std::string& api_version,
                                                const Json& body) {
    return begin_write(*m_client, "PUT", path, api_version, body, {});
}

ApiResult<WriteStarted> ArmClientApi::begin_patch(const std::string& path, const std::string& api_version,
                                                  const Json& body) {
    return begin_write(*m_client, "PATCH", path, api_version, body, {});
}

ApiResult<WriteStarted> ArmClientApi::begin_remove(const std::string& path, const std::string& api_version,
                                                   const Query& query) {
    return begin_write(*m_client, "DELETE", path, api_version, nullptr, with_query(query));
}

}  // namespace converge

#endif
