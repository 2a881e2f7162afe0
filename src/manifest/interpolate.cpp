// ${env:NAME}, ${var:name}, ${ref:Kind/name} and ${ref:Kind/name:field} in manifest strings;
// expressions nest (${ref:Workspace/${var:ws}}). "$${" is a literal "${".
#include "manifest/internal.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>

namespace converge::manifest {

namespace {

/// The value of one ${...} expression, before it is spliced into its string.
struct Piece {
    Json value;
    bool text = false;      ///< a string from the environment or --var
    bool deferred = false;  ///< a ${ref:...:field} left in place for apply
    bool ok = true;
};

std::vector<std::string> variable_names(const StackConfig& config) {
    std::vector<std::string> out;
    for (const auto& [name, v] : config.variables) {
        out.push_back(name);
    }
    return out;
}

class Expander {
public:
    Expander(const InterpolationContext& context, const std::string& pointer, Interpolated& out,
             Diagnostics& diagnostics)
        : m_context(context), m_pointer(pointer), m_out(out), m_diagnostics(diagnostics) {}

    bool sensitive = false;

    Piece expand(const std::string& source, const std::string& arg, const Location& at) {
        if (source == "env") {
            return env(arg, at);
        }
        if (source == "var") {
            return var(arg, at);
        }
        if (source == "ref") {
            return ref(arg, at);
        }
        return fail(at, fmt::format("unknown interpolation \"${{{}:...}}\" (expected env, var or ref)", source));
    }

private:
    Piece fail(const Location& at, std::string message) {
        m_diagnostics.error(at, std::move(message));
        return {Json(""), false, false, false};
    }

    Piece env(const std::string& name, const Location& at) {
        if (name.empty()) {
            return fail(at, "empty environment variable name in \"${env:}\"");
        }
        if (const char* v = std::getenv(name.c_str())) {
            return {Json(v), true};
        }
        if (m_context.require_environment) {
            return fail(at, fmt::format("environment variable \"{}\" is not set", name));
        }
        m_diagnostics.warning(at, fmt::format("environment variable \"{}\" is not set (plan and apply need it)", name));
        return {Json(fmt::format("<unset:{}>", name)), false};
    }

    Piece var(const std::string& name, const Location& at) {
        const auto& vars = m_context.config->variables;
        const auto it = vars.find(name);
        if (it == vars.end()) {
            const auto guess = did_you_mean(name, variable_names(*m_context.config));
            return fail(at, fmt::format("unknown variable \"{}\"{}", name,
                                        guess.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", guess)));
        }
        const Variable& v = it->second;
        v.used = true;
        sensitive = sensitive || v.sensitive;
        if (!v.has_value) {
            if (!v.env.empty() && !m_context.require_environment) {
                m_diagnostics.warning(at, fmt::format("variable \"{}\" has no value: environment variable \"{}\" is not "
                                                      "set (plan and apply need it, or --var {}=...)", name, v.env, name));
                return {Json(fmt::format("<unset:{}>", v.env)), false};
            }
            return fail(at, v.env.empty() ? fmt::format("variable \"{}\" has no value (pass --var {}=...)", name, name)
                                          : fmt::format("variable \"{}\" has no value: set environment variable \"{}\" "
                                                        "or pass --var {}=...", name, v.env, name));
        }
        if (v.sensitive) {
            m_out.secret_values.push_back(v.value.is_string() ? v.value.get<std::string>() : v.value.dump());
        }
        return {v.value, v.text};
    }

    Piece ref(const std::string& arg, const Location& at) {
        if (m_context.identities == nullptr) {
            return fail(at, "${ref:...} is not allowed here (only in spec)");
        }
        const auto colon = arg.find(':');
        const std::string target = arg.substr(0, colon);
        const std::string field = colon == std::string::npos ? "" : arg.substr(colon + 1);
        const RefLookup found = m_context.identities->find(target);
        if (found.target == nullptr) {
            return fail(at, found.error);
        }
        m_out.depends_on.push_back({found.target->id, at, "ref"});
        if (field.empty() || field == "id") {
            return {Json(found.target->id.str())};
        }
        if (field == "name") {
            return {Json(found.target->name)};
        }
        if (field.find_first_of(" ${}") != std::string::npos || field.front() == '.' || field.back() == '.') {
            return fail(at, fmt::format("invalid field \"{}\" in \"${{ref:{}}}\" (expected a dotted path such as "
                                        "properties.discoveryUrl)", field, arg));
        }
        m_out.deferred.push_back({m_pointer, "", found.target->id, field, at});
        return {Json(fmt::format("${{ref:{}}}", arg)), false, true};
    }

    const InterpolationContext& m_context;
    const std::string& m_pointer;
    Interpolated& m_out;
    Diagnostics& m_diagnostics;
};

/// How deeply expressions may nest: ${ref:Workspace/${var:ws}} is 2. Each level is expanded by
/// a recursive call, so without a limit a long enough "${${${..." overflows the stack.
constexpr int k_max_nesting = 16;

/// The '}' that closes the "${" before `from`, skipping nested "${...}" pairs; npos if none.
/// `*nesting` is set to the deepest level of "${" inside, the outer one counted.
std::size_t find_close(const std::string& text, std::size_t from, int* nesting) {
    int depth = 0;
    *nesting = 1;
    for (std::size_t i = from; i < text.size(); ++i) {
        if (text.compare(i, 2, "${") == 0) {
            ++depth;
            *nesting = std::max(*nesting, depth + 1);
            ++i;
        } else if (text[i] == '}') {
            if (depth == 0) {
                return i;
            }
            --depth;
        }
    }
    return std::string::npos;
}

void walk(YamlDocument& doc, Json& node, std::string& pointer, const InterpolationContext& context,
          Interpolated& out, Diagnostics& diagnostics) {
    if (node.is_string()) {
        const auto& s = node.get_ref<const std::string&>();
        if (s.find('$') != std::string::npos) {
            if (auto v = interpolate_string(s, doc.is_plain(pointer), pointer, doc.value_at(pointer), context, out,
                                            diagnostics)) {
                node = std::move(*v);
            }
        }
    } else if (node.is_object()) {
        for (auto& [k, v] : node.items()) {
            const std::size_t mark = pointer.size();
            json_pointer::append_segment(pointer, k);
            walk(doc, v, pointer, context, out, diagnostics);
            pointer.resize(mark);
        }
    } else if (node.is_array()) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::size_t mark = pointer.size();
            fmt::format_to(std::back_inserter(pointer), "/{}", i);
            walk(doc, node[i], pointer, context, out, diagnostics);
            pointer.resize(mark);
        }
    }
}

}  // namespace

std::optional<Json> interpolate_string(const std::string& text, bool plain, const std::string& pointer,
                                       const Location& where, const InterpolationContext& context,
                                       Interpolated& out, Diagnostics& diagnostics) {
    if (text.find("${") == std::string::npos) {
        return std::nullopt;
    }
    Expander expander(context, pointer, out, diagnostics);
    const std::size_t deferred_before = out.deferred.size();
    const bool single_line = text.find('\n') == std::string::npos;
    std::string result;
    std::optional<Json> whole;
    std::size_t i = 0;
    while (true) {
        const auto p = text.find("${", i);
        if (p == std::string::npos) {
            result.append(text, i, std::string::npos);
            break;
        }
        if (p > 0 && text[p - 1] == '$') {  // "$${" is a literal "${"
            result.append(text, i, p - 1 - i);
            result += "${";
            i = p + 2;
            continue;
        }
        result.append(text, i, p - i);
        Location at = where;
        if (plain && single_line && at.column > 0) {
            at.column += static_cast<int>(p);
        }
        int nesting = 0;
        const auto close = find_close(text, p + 2, &nesting);
        if (close == std::string::npos) {
            diagnostics.error(at, "unterminated \"${\" (expected \"}\")");
            return std::nullopt;
        }
        if (nesting > k_max_nesting) {
            diagnostics.error(at, fmt::format("\"${{\" nested {} levels deep (the limit is {})", nesting, k_max_nesting));
            return std::nullopt;
        }
        std::string inner = text.substr(p + 2, close - p - 2);
        if (inner.find("${") != std::string::npos) {
            // `${ref:Workspace/${var:ws}}`: the inner expressions are expanded first, as text.
            const std::size_t errors = diagnostics.error_count();
            const auto expanded = interpolate_string(inner, false, pointer, at, context, out, diagnostics);
            if (diagnostics.error_count() > errors) {
                return std::nullopt;  // reported; the string stays as written
            }
            if (!expanded || !expanded->is_string()) {
                diagnostics.error(at, fmt::format("\"${{{}}}\": a nested expression must give text", inner));
                return std::nullopt;
            }
            inner = expanded->get<std::string>();
        }
        const auto colon = inner.find(':');
        Piece piece = colon == std::string::npos
                                ? Piece{Json(""), false, false, false}
                                : expander.expand(inner.substr(0, colon), inner.substr(colon + 1), at);
        if (colon == std::string::npos) {
            piece.ok = false;
            diagnostics.error(at, fmt::format("invalid interpolation \"${{{}}}\" (expected ${{env:NAME}}, ${{var:name}} "
                                              "or ${{ref:Kind/name}})", inner));
        }
        const bool is_whole = p == 0 && close + 1 == text.size();
        // A failed expression stays as written, so later checks do not pile up on an empty string.
        const Json v = piece.ok ? piece.value : Json(text.substr(p, close + 1 - p));
        if (is_whole && plain && piece.ok && !piece.deferred) {
            whole = v.is_string() && piece.text ? resolve_plain_scalar(v.get<std::string>()) : v;
        }
        if (v.is_string()) {
            result += v.get_ref<const std::string&>();
        } else if (v.is_array() || v.is_object()) {
            if (!whole) {
                diagnostics.error(at, fmt::format("\"${{{}}}\" is a {} and can only be used as a whole unquoted value",
                                                  inner, v.is_array() ? "list" : "mapping"));
            }
        } else {
            result += v.dump();
        }
        i = close + 1;
    }
    if (expander.sensitive) {
        out.sensitive.push_back(pointer);
    }
    for (std::size_t k = deferred_before; k < out.deferred.size(); ++k) {
        out.deferred[k].text = result;
    }
    return whole ? std::move(*whole) : Json(std::move(result));
}

void interpolate(YamlDocument& doc, const std::string& pointer, const InterpolationContext& context,
                 Interpolated& out, Diagnostics& diagnostics) {
    if (!doc.has_expressions) {
        return;
    }
    Json::json_pointer p(pointer);
    if (!doc.root.contains(p)) {
        return;
    }
    std::string path = pointer;
    walk(doc, doc.root.at(p), path, context, out, diagnostics);
}

}  // namespace converge::manifest
