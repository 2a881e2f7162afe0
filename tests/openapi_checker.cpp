// OpenAPI conformance checker for tests: see openapi_checker.hpp.
#include "openapi_checker.hpp"

#include "schema/valijson_json.hpp"
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace converge::test {

namespace {

bool ieq(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) {
            j = path.size();
        }
        if (j > i) {
            out.emplace_back(path.substr(i, j - i));
        }
        i = j + 1;
    }
    return out;
}

// "https://host/a/b?x=1&api-version=v" -> ("/a/b", "v")
std::pair<std::string, std::string> split_url(std::string_view url) {
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
        auto slash = url.find('/', scheme + 3);
        url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
    }
    std::string version;
    const auto q = url.find('?');
    if (q != std::string_view::npos) {
        std::string_view query = url.substr(q + 1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const auto item = query.substr(0, amp);
            if (item.rfind("api-version=", 0) == 0) {
                version = std::string(item.substr(12));
            }
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        }
        url = url.substr(0, q);
    }
    return {std::string(url), version};
}

// Drops members whose value is null, recursively (responses serialise absent fields as null).
void drop_nulls(Json& j) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end();) {
            if (it->is_null()) {
                it = j.erase(it);
            } else {
                drop_nulls(*it);
                ++it;
            }
        }
    } else if (j.is_array()) {
        for (auto& e : j) {
            drop_nulls(e);
        }
    }
}

struct PathParam {
    std::string name;
    std::string pattern;
};

struct Operation {
    std::string method;  // upper case
    std::vector<std::string> segments;
    std::string api_version;
    std::string file;
    std::string operation_id;
    bool has_api_version_param = false;
    std::optional<Json> body_schema;  // rewritten
    bool body_required = false;
    std::map<std::string, std::optional<Json>> responses;  // status -> rewritten schema
    std::map<std::string, std::string> param_patterns;      // path param name -> pattern
};

}  // namespace

struct OpenApiChecker::Impl {
    fs::path root;
    bool available = false;
    std::vector<std::pair<std::string, Json>> files;  // relative path, document
    Json merged = Json::object();                      // {"definitions": {...}}
    std::vector<Operation> operations;
    mutable std::mutex mutex;
    mutable std::map<std::string, std::unique_ptr<valijson::Schema>> compiled;

    void load();
    int file_index(const std::string& rel) const;
    std::optional<std::pair<int, std::string>> resolve(int from, const std::string& ref) const;
    Json rewrite(int file, const Json& node, bool in_all_of) const;
    void build_definitions();
    Json flatten(int file, const Json& def, int depth) const;
    void add_polymorphic(int file, const std::string& name, const Json& def);
    const Json* lookup(int file, const std::string& pointer) const;
    void collect_operations(int file);
    Json resolve_parameter(int file, const Json& param, int depth = 0) const;
    std::vector<std::string> validate(const std::string& target, const Json& body) const;
    std::vector<const Operation*> match(std::string_view method, const std::string& path,
                                        const std::string& version, bool any_version,
                                        std::string& why) const;
};

int OpenApiChecker::Impl::file_index(const std::string& rel) const {
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (files[i].first == rel) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

void OpenApiChecker::Impl::load() {
    std::vector<fs::path> found;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        const auto rel = fs::relative(entry.path(), root).generic_string();
        if (entry.is_regular_file() && entry.path().extension() == ".json" &&
            rel.find("examples/") == std::string::npos) {
            found.push_back(entry.path());
        }
    }
    std::sort(found.begin(), found.end());
    for (const auto& p : found) {
        std::ifstream in(p);
        files.emplace_back(fs::relative(p, root).generic_string(), Json::parse(in));
    }
    build_definitions();
    for (std::size_t i = 0; i < files.size(); ++i) {
        collect_operations(static_cast<int>(i));
    }
}

// "../../common-types/x.json#/definitions/A" seen from file `from` -> (file index, "/definitions/A")
std::optional<std::pair<int, std::string>> OpenApiChecker::Impl::resolve(int from,
                                                                         const std::string& ref) const {
    const auto hash = ref.find('#');
    const std::string file_part = ref.substr(0, hash);
    const std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
    if (file_part.empty()) {
        return std::make_pair(from, pointer);
    }
    std::string rel;
    if (const auto ct = file_part.find("common-types/"); ct != std::string::npos) {
        rel = file_part.substr(ct);
    } else {
        rel = (fs::path(files[from].first).parent_path() / file_part).lexically_normal().generic_string();
    }
    int idx = file_index(rel);
    if (idx < 0 && fs::path(rel).filename() == "machineLearningServices.json") {
        idx = file_index((fs::path(rel).parent_path() / "machineLearningServices.subset.json").generic_string());
    }
    if (idx < 0) {
        return std::nullopt;
    }
    return std::make_pair(idx, pointer);
}

const Json* OpenApiChecker::Impl::lookup(int file, const std::string& pointer) const {
    try {
        const Json& doc = files[file].second;
        const Json::json_pointer ptr(pointer);
        return doc.contains(ptr) ? &doc.at(ptr) : nullptr;
    } catch (const std::exception&) {
        return nullptr;
    }
}

static std::string def_name(int file, const std::string& name) { return "f" + std::to_string(file) + "." + name; }

// Copies a schema node, pointing every $ref into the merged table and adapting Swagger to draft 4.
Json OpenApiChecker::Impl::rewrite(int file, const Json& node, bool in_all_of) const {
    if (node.is_array()) {
        Json out = Json::array();
        for (const auto& e : node) {
            out.push_back(rewrite(file, e, in_all_of));
        }
        return out;
    }
    if (!node.is_object()) {
        return node;
    }
    if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
        const auto target = resolve(file, ref->get<std::string>());
        if (!target || target->second.rfind("/definitions/", 0) != 0 || !lookup(target->first, target->second)) {
            return Json::object();  // not copied here: accept anything
        }
        const std::string name = target->second.substr(13);
        const Json* def = lookup(target->first, target->second);
        const bool poly = def->contains("discriminator") && !in_all_of;
        return Json{{"$ref", "#/definitions/" + def_name(target->first, name) + (poly ? "@poly" : "")}};
    }
    Json out = Json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string& key = it.key();
        if (key == "format" || key == "discriminator" || key.rfind("x-ms-", 0) == 0 || key == "example") {
            continue;
        }
        if (key == "properties" && it->is_object()) {
            Json props = Json::object();
            for (auto p = it->begin(); p != it->end(); ++p) {
                props[p.key()] = rewrite(file, *p, false);
            }
            out[key] = std::move(props);
        } else {
            out[key] = rewrite(file, *it, key == "allOf");
        }
    }
    if (auto f = node.find("format"); f != node.end() && f->is_string()) {
        const auto fmt = f->get<std::string>();
        if (fmt == "date-time" || fmt == "date" || fmt == "time") {
            out["format"] = fmt;
        }
    }
    if (node.value("x-nullable", false) && out.contains("type") && out["type"].is_string()) {
        out["type"] = Json::array({out["type"], "null"});
    }
    if (out.contains("type") && out["type"] == "file") {
        out.erase("type");
    }
    return out;
}

void OpenApiChecker::Impl::build_definitions() {
    Json& defs = merged["definitions"];
    defs = Json::object();
    for (std::size_t f = 0; f < files.size(); ++f) {
        const int fi = static_cast<int>(f);
        const auto it = files[f].second.find("definitions");
        if (it == files[f].second.end()) {
            continue;
        }
        for (auto d = it->begin(); d != it->end(); ++d) {
            defs[def_name(fi, d.key())] = flatten(fi, *d, 0);
            if (d->contains("discriminator")) {
                add_polymorphic(fi, d.key(), *d);
            }
        }
    }
}

// Swagger's allOf is inheritance: `additionalProperties: false` applies to the union of the
// chain, which draft-4 allOf cannot express; so the chain is merged into one object schema.
Json OpenApiChecker::Impl::flatten(int file, const Json& def, int depth) const {
    Json own = def;
    const Json all_of = own.contains("allOf") ? own["allOf"] : Json::array();
    own.erase("allOf");
    Json out = rewrite(file, own, false);
    if (depth > 8) {
        return out;
    }
    for (const auto& part : all_of) {
        Json base;
        if (part.contains("$ref")) {
            const auto target = resolve(file, part["$ref"].get<std::string>());
            const Json* b = target ? lookup(target->first, target->second) : nullptr;
            if (!b) {
                continue;
            }
            base = flatten(target->first, *b, depth + 1);
        } else {
            base = flatten(file, part, depth + 1);
        }
        Json props = base.value("properties", Json::object());
        for (auto p = props.begin(); p != props.end(); ++p) {
            if (!out["properties"].contains(p.key())) {
                out["properties"][p.key()] = *p;
            }
        }
        for (const auto& r : base.value("required", Json::array())) {
            out["required"].push_back(r);
        }
        if (base.contains("additionalProperties") && !out.contains("additionalProperties")) {
            out["additionalProperties"] = base["additionalProperties"];
        }
        if (!out.contains("type") && base.contains("type")) {
            out["type"] = base["type"];
        }
    }
    return out;
}

// Base B with discriminator P: anyOf( {P = v_i} and S_i ..., {P not in {v_i}} and B ).
void OpenApiChecker::Impl::add_polymorphic(int file, const std::string& name, const Json& def) {
    const std::string prop = def["discriminator"].get<std::string>();
    const std::string base_ref = "#/definitions/" + name;
    Json branches = Json::array();
    Json values = Json::array();
    for (auto d = files[file].second["definitions"].begin(); d != files[file].second["definitions"].end(); ++d) {
        const auto all_of = d->find("allOf");
        if (all_of == d->end()) {
            continue;
        }
        const bool derives = std::any_of(all_of->begin(), all_of->end(), [&](const Json& e) {
            return e.is_object() && e.value("$ref", "") == base_ref;
        });
        if (!derives) {
            continue;
        }
        const std::string value = d->value("x-ms-discriminator-value", d.key());
        values.push_back(value);
        branches.push_back({{"allOf", Json::array({
            Json{{"properties", {{prop, {{"enum", Json::array({value})}}}}}, {"required", Json::array({prop})}},
            Json{{"$ref", "#/definitions/" + def_name(file, d.key())}}})}});
    }
    branches.push_back({{"allOf", Json::array({
        Json{{"properties", {{prop, {{"not", {{"enum", values}}}}}}}},
        Json{{"$ref", "#/definitions/" + def_name(file, name)}}})}});
    merged["definitions"][def_name(file, name) + "@poly"] = Json{{"anyOf", branches}};
}

Json OpenApiChecker::Impl::resolve_parameter(int file, const Json& param, int depth) const {
    if (depth < 4 && param.contains("$ref")) {
        if (auto target = resolve(file, param["$ref"].get<std::string>())) {
            if (const Json* p = lookup(target->first, target->second)) {
                Json out = resolve_parameter(target->first, *p, depth + 1);
                out["x-file"] = target->first;
                return out;
            }
        }
        return Json::object();
    }
    Json out = param;
    out["x-file"] = file;
    return out;
}

void OpenApiChecker::Impl::collect_operations(int file) {
    const Json& doc = files[file].second;
    const auto paths = doc.find("paths");
    if (paths == doc.end()) {
        return;
    }
    const std::string version = doc["info"].value("version", "");
    for (auto p = paths->begin(); p != paths->end(); ++p) {
        const Json common = p->value("parameters", Json::array());
        for (auto m = p->begin(); m != p->end(); ++m) {
            if (m.key() == "parameters" || !m->is_object()) {
                continue;
            }
            Operation op;
            op.method = m.key();
            std::transform(op.method.begin(), op.method.end(), op.method.begin(), ::toupper);
            op.segments = split_path(p.key());
            op.api_version = version;
            op.file = files[file].first;
            op.operation_id = m->value("operationId", "");
            Json params = common;
            for (const auto& x : m->value("parameters", Json::array())) {
                params.push_back(x);
            }
            for (const auto& raw : params) {
                const Json param = resolve_parameter(file, raw);
                const std::string in = param.value("in", "");
                const int pf = param.value("x-file", file);
                if (in == "body" && param.contains("schema")) {
                    op.body_schema = rewrite(pf, param["schema"], false);
                    op.body_required = param.value("required", false);
                } else if (in == "query" && param.value("name", "") == "api-version") {
                    op.has_api_version_param = true;
                } else if (in == "path" && param.contains("pattern")) {
                    op.param_patterns[param.value("name", "")] = param["pattern"].get<std::string>();
                }
            }
            for (auto r = (*m)["responses"].begin(); r != (*m)["responses"].end(); ++r) {
                op.responses[r.key()] = r->contains("schema")
                                            ? std::optional<Json>(rewrite(file, (*r)["schema"], false))
                                            : std::nullopt;
            }
            operations.push_back(std::move(op));
        }
    }
}

std::vector<std::string> OpenApiChecker::Impl::validate(const std::string& key, const Json& body) const {
    std::lock_guard lock(mutex);
    auto& schema = compiled[key];
    if (!schema) {
        Json root = merged;  // valijson resolves "#/definitions/..." against this root
        root["$ref"] = "#/definitions/" + key;
        schema = std::make_unique<valijson::Schema>();
        valijson::SchemaParser parser;
        valijson::adapters::NlohmannJsonAdapter adapter(root);
        parser.populateSchema(adapter, *schema);
    }
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(body);
    std::vector<std::string> errors;
    if (!validator.validate(*schema, target, &results)) {
        valijson::ValidationResults::Error error;
        while (results.popError(error)) {
            std::string where;
            for (const auto& c : error.context) {
                where += c == "<root>" ? "" : c;
            }
            errors.push_back((where.empty() ? "/" : where) + ": " + error.description);
        }
        if (errors.empty()) {
            errors.emplace_back("/: does not match the schema");
        }
    }
    return errors;
}

std::vector<const Operation*> OpenApiChecker::Impl::match(std::string_view method, const std::string& path,
                                                          const std::string& version, bool any_version,
                                                          std::string& why) const {
    const auto segs = split_path(path);
    std::vector<const Operation*> by_path;
    for (const auto& op : operations) {
        if (!ieq(op.method, method) || op.segments.size() != segs.size()) {
            continue;
        }
        bool ok = true;
        for (std::size_t i = 0; ok && i < segs.size(); ++i) {
            const auto& t = op.segments[i];
            ok = (t.size() > 2 && t.front() == '{' && t.back() == '}') || ieq(t, segs[i]);
        }
        if (ok) {
            by_path.push_back(&op);
        }
    }
    std::vector<const Operation*> exact;
    for (const auto* op : by_path) {
        if (op->api_version == version) {
            exact.push_back(op);
        }
    }
    if (exact.empty() && any_version && !by_path.empty()) {
        exact = by_path;
        std::sort(exact.begin(), exact.end(),
                  [](const Operation* a, const Operation* b) { return a->api_version > b->api_version; });
    }
    if (by_path.empty()) {
        why = std::string(method) + " " + path + ": no operation in the spec matches this path";
    } else if (exact.empty()) {
        why = std::string(method) + " " + path + ": no operation for api-version '" + version +
              "' (the spec has " + by_path.front()->api_version + ")";
    }
    // Prefer the template with the most literal segments.
    std::stable_sort(exact.begin(), exact.end(), [](const Operation* a, const Operation* b) {
        auto lit = [](const Operation* o) {
            return std::count_if(o->segments.begin(), o->segments.end(),
                                 [](const std::string& s) { return s.empty() || s.front() != '{'; });
        };
        return lit(a) > lit(b);
    });
    return exact;
}

std::string SpecCheck::to_string() const {
    std::ostringstream out;
    out << (operation_id.empty() ? "(no operation)" : operation_id);
    if (!spec_file.empty()) {
        out << " [" << spec_file << "]";
    }
    for (const auto& e : errors) {
        out << "\n  " << e;
    }
    return out.str();
}

std::string shared_dir() {
    if (const char* env = std::getenv("CONVERGE_SHARED"); env && *env) {
        return env;
    }
    return (fs::path(CONVERGE_SOURCE_DIR) / ".." / "shared").lexically_normal().string();
}

std::string spec_dir() { return (fs::path(shared_dir()) / "reference/azure-ml-rest/spec").string(); }

OpenApiChecker::OpenApiChecker(const std::string& spec_directory) : m_impl(std::make_unique<Impl>()) {
    m_impl->root = spec_directory;
    std::error_code ec;
    if (fs::is_directory(m_impl->root, ec)) {
        m_impl->load();
        m_impl->available = true;
    }
}

OpenApiChecker::~OpenApiChecker() = default;

const OpenApiChecker& OpenApiChecker::shared() {
    static const OpenApiChecker checker(spec_dir());
    return checker;
}

bool OpenApiChecker::available() const { return m_impl->available; }

std::size_t OpenApiChecker::operation_count() const { return m_impl->operations.size(); }

namespace {

void check_path_params(const Operation& op, const std::string& path, SpecCheck& out) {
    const auto segs = split_path(path);
    for (std::size_t i = 0; i < segs.size(); ++i) {
        const auto& t = op.segments[i];
        if (t.empty() || t.front() != '{') {
            continue;
        }
        const auto it = op.param_patterns.find(t.substr(1, t.size() - 2));
        if (it == op.param_patterns.end()) {
            continue;
        }
        try {
            if (!std::regex_search(segs[i], std::regex(it->second))) {
                out.errors.push_back("path parameter " + it->first + " '" + segs[i] + "' does not match " +
                                     it->second);
            }
        } catch (const std::regex_error&) {
            // An ECMAScript-incompatible pattern: not checked.
        }
    }
}

// A definitions key usable in a JSON pointer.
std::string safe_key(std::string key) {
    std::replace(key.begin(), key.end(), '/', '_');
    std::replace(key.begin(), key.end(), '~', '_');
    return key;
}

}  // namespace

SpecCheck OpenApiChecker::check_request(std::string_view method, std::string_view url, const Json* body,
                                        SpecOptions options) const {
    SpecCheck out;
    const auto [path, version] = split_url(url);
    std::string why;
    const auto ops = m_impl->match(method, path, version, options.any_api_version, why);
    if (ops.empty()) {
        out.errors.push_back(why);
        return out;
    }
    const Operation& op = *ops.front();
    out.matched = true;
    out.operation_id = op.operation_id;
    out.spec_file = op.file;
    if (op.has_api_version_param && version.empty()) {
        out.errors.emplace_back("missing api-version query parameter");
    }
    check_path_params(op, path, out);
    if (!op.body_schema) {
        if (body && !body->is_null()) {
            out.errors.emplace_back("body: the operation takes no body");
        }
        return out;
    }
    if (!body || body->is_null()) {
        if (op.body_required) {
            out.errors.emplace_back("body: required but absent");
        }
        return out;
    }
    std::string key;
    {
        std::lock_guard lock(m_impl->mutex);
        key = safe_key("request." + op.file + "." + op.method + "." + op.operation_id);
        if (!m_impl->merged["definitions"].contains(key)) {
            m_impl->merged["definitions"][key] = *op.body_schema;
        }
    }
    for (auto& e : m_impl->validate(key, *body)) {
        out.errors.push_back("body: " + e);
    }
    return out;
}

SpecCheck OpenApiChecker::check_response(std::string_view method, std::string_view url, int status,
                                         const Json* body, SpecOptions options) const {
    SpecCheck out;
    const auto [path, version] = split_url(url);
    std::string why;
    const auto ops = m_impl->match(method, path, version, options.any_api_version, why);
    if (ops.empty()) {
        out.errors.push_back(why);
        return out;
    }
    const Operation& op = *ops.front();
    out.matched = true;
    out.operation_id = op.operation_id;
    out.spec_file = op.file;
    std::string code = std::to_string(status);
    if (!op.responses.count(code)) {
        if (!op.responses.count("default") || status < 400) {
            out.errors.push_back("status " + code + " is not declared by " + op.operation_id);
            return out;
        }
        code = "default";
    }
    const auto& schema = op.responses.at(code);
    if (!schema || !body || body->is_null()) {
        return out;
    }
    std::string key;
    {
        std::lock_guard lock(m_impl->mutex);
        key = safe_key("response." + op.file + "." + op.method + "." + op.operation_id + "." + code);
        if (!m_impl->merged["definitions"].contains(key)) {
            m_impl->merged["definitions"][key] = *schema;
        }
    }
    Json copy = *body;
    drop_nulls(copy);
    for (auto& e : m_impl->validate(key, copy)) {
        out.errors.push_back("body: " + e);
    }
    return out;
}

}  // namespace converge::test
