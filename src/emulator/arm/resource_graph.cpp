#include "arm/resource_graph.hpp"

#include "aad/crypto.hpp"
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "platform/modules.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <set>

namespace emulator {

// --- the index ------------------------------------------------------------------------------

void GraphIndex::bootstrap(const std::vector<Record>& records) {
    std::lock_guard lock(m_mutex);
    for (const auto& r : records) {
        Version v{0, r.visible, r};
        v.record.secrets = Json::object();
        std::string key = to_lower(r.id);
        m_versions[key] = {std::move(v)};
        m_order.emplace(key, ++m_seq);
    }
}

void GraphIndex::add(const std::string& key, Version v) {
    std::lock_guard lock(m_mutex);
    auto& versions = m_versions[key];
    m_order.emplace(key, ++m_seq);
    versions.push_back(std::move(v));
    // Versions every query can no longer see: all but the newest one older than the lag.
    const std::int64_t horizon = versions.back().ms - m_lag_ms;
    std::size_t keep_from = 0;
    for (std::size_t i = 0; i + 1 < versions.size(); ++i) {
        if (versions[i + 1].ms <= horizon) {
            keep_from = i + 1;
        }
    }
    versions.erase(versions.begin(), versions.begin() + static_cast<std::ptrdiff_t>(keep_from));
}

void GraphIndex::stored(const std::string& key, bool created, const Record& record) {
    Version v{m_clock(), record.visible, record};
    v.record.secrets = Json::object();
    add(key, std::move(v));
    if (m_next != nullptr) {
        m_next->stored(key, created, record);
    }
}

void GraphIndex::removed(const std::string& key) {
    add(key, Version{m_clock(), false, Record{}});
    if (m_next != nullptr) {
        m_next->removed(key);
    }
}

std::int64_t GraphIndex::lag_ms() const {
    std::lock_guard lock(m_mutex);
    return m_lag_ms;
}

void GraphIndex::set_lag_ms(std::int64_t lag_ms) {
    std::lock_guard lock(m_mutex);
    m_lag_ms = std::max<std::int64_t>(0, lag_ms);
}

std::vector<Record> GraphIndex::visible(std::int64_t now_ms) const {
    std::lock_guard lock(m_mutex);
    const std::int64_t as_of = now_ms - m_lag_ms;
    std::vector<std::pair<std::uint64_t, const Record*>> out;
    for (const auto& [key, versions] : m_versions) {
        const Version* seen = nullptr;
        for (const auto& v : versions) {
            if (v.ms <= as_of) {
                seen = &v;
            }
        }
        if (seen != nullptr && seen->present) {
            out.emplace_back(m_order.at(key), &seen->record);
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Record> records;
    records.reserve(out.size());
    for (const auto& [seq, r] : out) {
        records.push_back(*r);
    }
    return records;
}

// --- the quota ------------------------------------------------------------------------------

bool GraphQuota::take(const std::string& user, std::int64_t now_ms, int& remaining, std::int64_t& resets_ms) {
    std::lock_guard lock(m_mutex);
    Window& w = m_users[user];
    if (w.used == 0 || now_ms >= w.start_ms + m_window_ms) {
        w = Window{now_ms, 0};
    }
    resets_ms = w.start_ms + m_window_ms - now_ms;
    if (w.used >= m_limit) {
        remaining = 0;
        return false;
    }
    ++w.used;
    remaining = m_limit - w.used;
    return true;
}

void GraphQuota::set(int limit, std::int64_t window_ms) {
    std::lock_guard lock(m_mutex);
    m_limit = std::max(1, limit);
    m_window_ms = std::max<std::int64_t>(1, window_ms);
    m_users.clear();
}

int GraphQuota::limit() const {
    std::lock_guard lock(m_mutex);
    return m_limit;
}

std::int64_t GraphQuota::window_ms() const {
    std::lock_guard lock(m_mutex);
    return m_window_ms;
}

namespace {

// --- the query language subset --------------------------------------------------------------
//
//   query     := table { '|' operator } [ ';' ]
//   table     := 'resources' | 'Resources'
//   operator  := where | project | order
//   where     := 'where' condition { 'and' condition }
//   condition := column ( 'in~' | 'in' | '!in~' | '!in' ) '(' string { ',' string } ')'
//              | column ( '=~' | '==' | '!~' | '!=' ) string
//   project   := 'project' column { ',' column }
//   order     := ( 'order' | 'sort' ) 'by' column [ 'asc' | 'desc' ]
//   column    := one of k_columns; string := '...' or "..." (backslash escapes)
//
// Anything else is answered with Resource Graph's 400 (InvalidQuery + ParserFailure).

const std::vector<std::string> k_columns = {"id",         "name",     "type",     "tenantId",      "kind",
                                            "location",   "resourceGroup", "subscriptionId", "managedBy",
                                            "sku",        "plan",     "properties", "tags",         "identity",
                                            "zones",      "extendedLocation"};
const std::set<std::string> k_string_columns = {"id",       "name",          "type",           "tenantId", "kind",
                                                "location", "resourceGroup", "subscriptionId", "managedBy"};

struct Token {
    enum Kind { word, string, symbol, end } kind = end;
    std::string text;
    std::size_t line = 1;
    std::size_t column = 0;  ///< 0-based character position in the line
};

struct ParseError {
    std::string message;
    Token at;
};

struct Condition {
    std::string column;
    std::string op;  ///< in, in~, !in, !in~, ==, =~, !=, !~
    std::vector<std::string> values;
};

struct Operator {
    enum Kind { where, project, order } kind = where;
    std::vector<Condition> conditions;
    std::vector<std::string> columns;
    bool descending = false;
};

std::vector<Token> tokenize(const std::string& q, std::optional<ParseError>& error) {
    std::vector<Token> out;
    std::size_t i = 0;
    std::size_t line = 1;
    std::size_t line_start = 0;
    while (i < q.size()) {
        char c = q[i];
        if (c == '\n') {
            ++line;
            line_start = ++i;
            continue;
        }
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        Token t;
        t.line = line;
        t.column = i - line_start;
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t s = i;
            while (i < q.size() && (std::isalnum(static_cast<unsigned char>(q[i])) || q[i] == '_')) {
                ++i;
            }
            t.kind = Token::word;
            t.text = q.substr(s, i - s);
            // `in~` is one token
            if (t.text == "in" && i < q.size() && q[i] == '~') {
                t.text = "in~";
                ++i;
            }
        } else if (c == '\'' || c == '"') {
            ++i;
            std::string value;
            bool closed = false;
            while (i < q.size()) {
                char d = q[i++];
                if (d == '\\' && i < q.size()) {
                    value += q[i++];
                } else if (d == c) {
                    closed = true;
                    break;
                } else if (d == '\n') {
                    break;
                } else {
                    value += d;
                }
            }
            if (!closed) {
                t.text = std::string(1, c);
                error = ParseError{"unterminated string literal", t};
                return out;
            }
            t.kind = Token::string;
            t.text = value;
        } else {
            static const std::vector<std::string> symbols = {"!in~", "!in", "=~", "==", "!~", "!=", "|", "(",
                                                             ")",    ",",   ";"};
            bool found = false;
            for (const auto& s : symbols) {
                if (q.compare(i, s.size(), s) == 0) {
                    // "!in" must not be the start of a longer word ("!index")
                    std::size_t after = i + s.size();
                    if (s.starts_with("!in") && s.back() == 'n' && after < q.size() &&
                        (std::isalnum(static_cast<unsigned char>(q[after])) || q[after] == '_')) {
                        continue;
                    }
                    t.kind = Token::symbol;
                    t.text = s;
                    i = after;
                    found = true;
                    break;
                }
            }
            if (!found) {
                t.text = std::string(1, c);
                error = ParseError{"unexpected character '" + t.text + "'", t};
                return out;
            }
        }
        out.push_back(std::move(t));
    }
    Token end;
    end.line = line;
    end.column = i - line_start;
    end.text = "<EOF>";
    out.push_back(end);
    return out;
}

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : m_t(std::move(tokens)) {}

    std::optional<ParseError> parse(std::vector<Operator>& ops) {
        const Token& table = next();
        if (table.kind != Token::word || !iequals(table.text, "resources")) {
            return ParseError{table.kind == Token::word ? "table '" + table.text + "' is not supported (only resources)"
                                                        : "a table name was expected",
                              table};
        }
        while (peek().kind == Token::symbol && peek().text == "|") {
            next();
            const Token& op = next();
            Operator o;
            if (op.kind == Token::word && op.text == "where") {
                o.kind = Operator::where;
                do {
                    Condition c;
                    if (auto e = condition(c)) {
                        return e;
                    }
                    o.conditions.push_back(std::move(c));
                } while (accept_word("and"));
            } else if (op.kind == Token::word && op.text == "project") {
                o.kind = Operator::project;
                do {
                    std::string col;
                    if (auto e = column(col)) {
                        return e;
                    }
                    o.columns.push_back(col);
                } while (accept_symbol(","));
            } else if (op.kind == Token::word && (op.text == "order" || op.text == "sort")) {
                o.kind = Operator::order;
                if (!accept_word("by")) {
                    return ParseError{"'by' expected", peek()};
                }
                std::string col;
                if (auto e = column(col)) {
                    return e;
                }
                o.columns.push_back(col);
                if (accept_word("desc")) {
                    o.descending = true;
                } else if (!accept_word("asc")) {
                    o.descending = true;  // KQL's default order is descending
                }
            } else {
                return ParseError{"operator '" + op.text + "' is not supported (where, project, order by)", op};
            }
            ops.push_back(std::move(o));
        }
        accept_symbol(";");
        if (peek().kind != Token::end) {
            return ParseError{"unexpected '" + peek().text + "'", peek()};
        }
        return std::nullopt;
    }

private:
    const Token& peek() const { return m_t[std::min(m_i, m_t.size() - 1)]; }
    const Token& next() {
        const Token& t = peek();
        if (m_i < m_t.size() - 1) {
            ++m_i;
        }
        return t;
    }
    bool accept_word(const std::string& w) {
        if (peek().kind == Token::word && peek().text == w) {
            next();
            return true;
        }
        return false;
    }
    bool accept_symbol(const std::string& s) {
        if (peek().kind == Token::symbol && peek().text == s) {
            next();
            return true;
        }
        return false;
    }
    std::optional<ParseError> column(std::string& out) {
        const Token& t = next();
        if (t.kind != Token::word || std::find(k_columns.begin(), k_columns.end(), t.text) == k_columns.end()) {
            return ParseError{"unknown column '" + t.text + "'", t};
        }
        out = t.text;
        return std::nullopt;
    }
    std::optional<ParseError> string(std::string& out) {
        const Token& t = next();
        if (t.kind != Token::string) {
            return ParseError{"a string literal was expected", t};
        }
        out = t.text;
        return std::nullopt;
    }
    std::optional<ParseError> condition(Condition& c) {
        const Token& col = peek();
        if (auto e = column(c.column)) {
            return e;
        }
        if (k_string_columns.count(c.column) == 0) {
            return ParseError{"column '" + c.column + "' is not a string column", col};
        }
        const Token& op = next();
        bool list_op = (op.kind == Token::word && op.text == "in~") || (op.kind == Token::word && op.text == "in") ||
                       (op.kind == Token::symbol && (op.text == "!in~" || op.text == "!in"));
        bool scalar_op = op.kind == Token::symbol && (op.text == "=~" || op.text == "==" || op.text == "!~" ||
                                                      op.text == "!=");
        if (!list_op && !scalar_op) {
            return ParseError{"a comparison (in~, in, =~, ==) was expected", op};
        }
        c.op = op.text;
        if (scalar_op) {
            std::string v;
            if (auto e = string(v)) {
                return e;
            }
            c.values.push_back(v);
            return std::nullopt;
        }
        if (!accept_symbol("(")) {
            return ParseError{"'(' expected", peek()};
        }
        do {
            std::string v;
            if (auto e = string(v)) {
                return e;
            }
            c.values.push_back(v);
        } while (accept_symbol(","));
        if (!accept_symbol(")")) {
            return ParseError{"')' expected", peek()};
        }
        return std::nullopt;
    }

    std::vector<Token> m_t;
    std::size_t m_i = 0;
};

bool matches(const Condition& c, const std::string& value) {
    bool ci = c.op.find('~') != std::string::npos;
    bool negated = c.op[0] == '!';
    bool any = std::any_of(c.values.begin(), c.values.end(),
                           [&](const std::string& v) { return ci ? iequals(v, value) : v == value; });
    return negated ? !any : any;
}

// --- rows -----------------------------------------------------------------------------------

Json value_or(const Json& body, const char* key, Json fallback) {
    auto it = body.find(key);
    return it == body.end() || it->is_null() ? fallback : *it;
}

/// One `resources` row as Resource Graph returns it: the type, location and resource group
/// lower-cased, the id as written, empty strings / objects / null for what the resource lacks.
Json row_of(const Context& ctx, const Record& r) {
    Json body = render(ctx, r);
    std::string id = r.id;
    Json row = Json::object();
    row["id"] = id;
    row["name"] = id.substr(id.rfind('/') + 1);
    row["type"] = to_lower(r.type);
    row["tenantId"] = ctx.principal.tenant_id;
    row["kind"] = value_or(body, "kind", "");
    std::string location = value_or(body, "location", "").get<std::string>();
    location.erase(std::remove(location.begin(), location.end(), ' '), location.end());
    row["location"] = to_lower(location);
    row["resourceGroup"] = to_lower(r.resource_group);
    row["subscriptionId"] = to_lower(r.subscription);
    row["managedBy"] = value_or(body, "managedBy", "");
    row["sku"] = value_or(body, "sku", nullptr);
    row["plan"] = value_or(body, "plan", nullptr);
    row["properties"] = value_or(body, "properties", Json::object());
    row["tags"] = value_or(body, "tags", Json::object());
    row["identity"] = value_or(body, "identity", nullptr);
    row["zones"] = value_or(body, "zones", nullptr);
    row["extendedLocation"] = value_or(body, "extendedLocation", nullptr);
    return row;
}

std::string column_type(const std::string& column) {
    return k_string_columns.count(column) != 0 ? "string" : "object";
}

// --- the route ------------------------------------------------------------------------------

std::string support_note(Context& ctx) {
    std::string corr = ctx.req.header("x-ms-correlation-request-id");
    return "Please provide below info when asking for support: timestamp = " + ctx.svc.now_iso() +
           ", correlationId = " + (corr.empty() ? ctx.svc.new_uuid() : corr) + ".";
}

Response invalid_query(Context& ctx, const ParseError& e) {
    ArmError err{400, "BadRequest", support_note(ctx)};
    err.details = Json::array(
        {Json{{"code", "InvalidQuery"},
              {"message", "Query is invalid. Please refer to the documentation for the Azure Resource Graph service "
                          "and fix the query before retrying."}},
         Json{{"code", "ParserFailure"},
              {"message", "ParserFailure: " + e.message},
              {"line", e.at.line},
              {"characterPositionInLine", e.at.column},
              {"token", e.at.text}}});
    return err.response();
}

Response bad_request(Context& ctx, const std::string& code, const std::string& message) {
    ArmError err{400, "BadRequest", support_note(ctx)};
    err.details = Json::array({Json{{"code", code}, {"message", message}}});
    return err.response();
}

std::string hhmmss(std::int64_t ms) {
    std::int64_t s = (std::max<std::int64_t>(0, ms) + 999) / 1000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    return buf;
}

/// The skip token: the next row's offset and a digest of query + scopes (a token is only good
/// for the query that made it), base64url.
std::string make_token(std::size_t offset, const std::string& digest) {
    return crypto::base64url_encode(Json{{"o", offset}, {"q", digest}}.dump());
}

std::optional<std::size_t> read_token(const std::string& token, const std::string& digest) {
    std::string text;
    if (!crypto::base64url_decode(token, text)) {
        return std::nullopt;
    }
    Json j = Json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("o") || !j["o"].is_number_unsigned() || j.value("q", "") != digest) {
        return std::nullopt;
    }
    return j["o"].get<std::size_t>();
}

Response query_resources(Context& ctx) {
    Services& svc = ctx.svc;
    int remaining = 0;
    std::int64_t resets_ms = 0;
    bool allowed = svc.graph_quota.take(ctx.principal.object_id, svc.now_ms(), remaining, resets_ms);
    auto with_quota = [&](Response res) {
        res.set_header("x-ms-user-quota-remaining", std::to_string(remaining));
        res.set_header("x-ms-user-quota-resets-after", hhmmss(resets_ms));
        return res;
    };
    if (!allowed) {
        ArmError err{429, "RateLimiting", support_note(ctx)};
        err.details = Json::array(
            {Json{{"code", "RateLimiting"},
                  {"message", "Client application has been throttled and should not attempt to repeat the request "
                              "until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling "
                              "for help."}}});
        svc.stats.record_throttled();
        Response res = with_quota(err.response());
        res.set_header("Retry-After", std::to_string(std::max<std::int64_t>(1, (resets_ms + 999) / 1000)));
        return res;
    }
    Json body;
    if (auto err = parse_body(ctx.req, body)) {
        return with_quota(err->response());
    }
    if (!body.is_object() || !body.contains("query") || !body["query"].is_string()) {
        return with_quota(bad_request(ctx, "InvalidRequestContent", "The request content is missing 'query'."));
    }
    if (body.contains("managementGroups") && !body["managementGroups"].empty()) {
        return with_quota(bad_request(ctx, "UnsupportedScope",
                                      "The emulator has no management groups; query by subscriptions."));
    }
    const std::string query = body["query"].get<std::string>();
    std::optional<ParseError> perr;
    auto tokens = tokenize(query, perr);
    std::vector<Operator> ops;
    if (!perr) {
        Parser parser(std::move(tokens));
        perr = parser.parse(ops);
    }
    if (perr) {
        return with_quota(invalid_query(ctx, *perr));
    }

    // Scope: the subscriptions named (all the caller may read when none), those the caller may
    // not read left out, as Resource Graph does.
    std::vector<std::string> subs;
    if (body.contains("subscriptions") && body["subscriptions"].is_array() && !body["subscriptions"].empty()) {
        for (const auto& s : body["subscriptions"]) {
            if (!s.is_string()) {
                return with_quota(bad_request(ctx, "InvalidRequestContent", "subscriptions must be strings."));
            }
            subs.push_back(to_lower(s.get<std::string>()));
        }
    } else {
        for (const auto& rec : svc.store->list(RecordQuery{.type = std::string("microsoft.resources/subscriptions")})) {
            subs.push_back(to_lower(rec.subscription));
        }
    }
    std::set<std::string> readable;
    for (const auto& s : subs) {
        auto rec = svc.store->get("/subscriptions/" + s);
        if (!rec) {
            continue;
        }
        const Json& owners = rec->body["_principals"];
        if (owners.is_array() && std::find(owners.begin(), owners.end(), ctx.principal.object_id) != owners.end()) {
            readable.insert(s);
        }
    }

    const Json& options = body.contains("options") && body["options"].is_object() ? body["options"] : Json::object();
    std::size_t top = 1000;
    std::size_t skip = 0;
    std::string format = "objectArray";
    if (options.contains("$top") && !options["$top"].is_null()) {
        if (!options["$top"].is_number_integer() || options["$top"].get<long long>() < 1 ||
            options["$top"].get<long long>() > 1000) {
            return with_quota(bad_request(ctx, "InvalidRequestContent", "options.$top must be between 1 and 1000."));
        }
        top = options["$top"].get<std::size_t>();
    }
    if (options.contains("$skip") && !options["$skip"].is_null()) {
        if (!options["$skip"].is_number_integer() || options["$skip"].get<long long>() < 0) {
            return with_quota(bad_request(ctx, "InvalidRequestContent", "options.$skip must be 0 or more."));
        }
        skip = options["$skip"].get<std::size_t>();
    }
    if (options.contains("resultFormat") && options["resultFormat"].is_string()) {
        format = options["resultFormat"].get<std::string>();
        if (format != "objectArray" && format != "table") {
            return with_quota(bad_request(ctx, "InvalidRequestContent", "resultFormat must be table or objectArray."));
        }
    }
    std::string digest = query;
    for (const auto& s : readable) {
        digest += "|" + s;
    }
    digest = crypto::sha256_hex(digest).substr(0, 16);
    if (options.contains("$skipToken") && options["$skipToken"].is_string()) {
        auto offset = read_token(options["$skipToken"].get<std::string>(), digest);
        if (!offset) {
            return with_quota(bad_request(ctx, "InvalidSkipToken",
                                          "The $skipToken is not valid for this query and scope."));
        }
        // $skip, when also given, overrides the token's offset (QueryRequestOptions).
        if (!options.contains("$skip") || options["$skip"].is_null()) {
            skip = *offset;
        }
    }

    // Evaluate: every indexed resource of the readable subscriptions (not resource groups or
    // subscriptions: they are in resourcecontainers), then the operators in order.
    std::vector<Json> rows;
    for (const auto& r : svc.graph.visible(svc.now_ms())) {
        if (readable.count(to_lower(r.subscription)) == 0 || r.resource_group.empty()) {
            continue;
        }
        // Tracked types only: resource groups are not registered types (they are in
        // resourcecontainers), and proxy resources (computes, datastores, assets) are not indexed.
        const TypeBehaviour* type = svc.registry.find_type(r.type);
        if (type == nullptr || !type->tracked) {
            continue;
        }
        rows.push_back(row_of(ctx, r));
    }
    std::vector<std::string> columns = k_columns;
    for (const auto& op : ops) {
        auto has = [&](const std::string& c) { return std::find(columns.begin(), columns.end(), c) != columns.end(); };
        if (op.kind == Operator::where) {
            for (const auto& c : op.conditions) {
                if (!has(c.column)) {
                    return with_quota(bad_request(ctx, "InvalidQuery", "column '" + c.column + "' was projected away"));
                }
            }
            std::erase_if(rows, [&](const Json& row) {
                return !std::all_of(op.conditions.begin(), op.conditions.end(), [&](const Condition& c) {
                    return matches(c, row[c.column].get<std::string>());
                });
            });
        } else if (op.kind == Operator::project) {
            for (const auto& c : op.columns) {
                if (!has(c)) {
                    return with_quota(bad_request(ctx, "InvalidQuery", "column '" + c + "' was projected away"));
                }
            }
            columns = op.columns;
            for (auto& row : rows) {
                Json kept = Json::object();
                for (const auto& c : columns) {
                    kept[c] = row[c];
                }
                row = std::move(kept);
            }
        } else {
            const std::string& c = op.columns[0];
            if (!has(c)) {
                return with_quota(bad_request(ctx, "InvalidQuery", "column '" + c + "' was projected away"));
            }
            std::stable_sort(rows.begin(), rows.end(), [&](const Json& a, const Json& b) {
                std::string x = a[c].is_string() ? a[c].get<std::string>() : a[c].dump();
                std::string y = b[c].is_string() ? b[c].get<std::string>() : b[c].dump();
                return op.descending ? y < x : x < y;
            });
        }
    }

    const std::size_t total = rows.size();
    const std::size_t begin = std::min(skip, total);
    const std::size_t end = std::min(total, begin + top);
    const bool more = end < total;
    // Paging needs the id column (without it Resource Graph truncates instead).
    const bool pageable = std::find(columns.begin(), columns.end(), "id") != columns.end();
    Json data;
    if (format == "table") {
        Json cols = Json::array();
        for (const auto& c : columns) {
            cols.push_back({{"name", c}, {"type", column_type(c)}});
        }
        Json out_rows = Json::array();
        for (std::size_t i = begin; i < end; ++i) {
            Json r = Json::array();
            for (const auto& c : columns) {
                r.push_back(rows[i][c]);
            }
            out_rows.push_back(std::move(r));
        }
        data = {{"columns", cols}, {"rows", out_rows}};
    } else {
        data = Json::array();
        for (std::size_t i = begin; i < end; ++i) {
            data.push_back(std::move(rows[i]));
        }
    }
    Json out = {{"totalRecords", total},
                {"count", end - begin},
                {"resultTruncated", more && !pageable ? "true" : "false"},
                {"facets", Json::array()},
                {"data", data}};
    if (more && pageable) {
        out["$skipToken"] = make_token(end, digest);
    }
    return with_quota(Response::json(200, out));
}

}  // namespace

void install_resource_graph(Registry& r) {
    r.add_route({"POST", "/providers/Microsoft.ResourceGraph/resources", query_resources, Auth::arm,
                 ApiPolicy::provider("Microsoft.ResourceGraph/resources",
                                     {"2024-04-01", "2022-10-01", "2021-06-01-preview", "2021-03-01"})});
}

}  // namespace emulator
