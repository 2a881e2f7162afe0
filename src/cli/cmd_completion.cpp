// `converge completion bash|zsh`: a shell completion script generated from the CLI's own
// definition (subcommands, options, choices), so it cannot drift from the parser. The
// package installs its output (CMakeLists.txt); users of a source build source it.
#include "cli/cli.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <string>
#include <vector>

namespace converge::cli {

namespace {

/// One option as completion sees it.
struct OptionSpec {
    std::vector<std::string> names;  ///< "-v", "--verbose"
    std::string description;
    bool takes_value = false;
    std::vector<std::string> choices;  ///< from CLI::IsMember, empty when free-form
};

struct CommandSpec {
    std::string name;
    std::string description;
    std::vector<OptionSpec> options;
    bool has_positional = false;
    std::vector<std::string> positional_choices;  ///< "completion bash|zsh"
};

/// CLI::IsMember shows its set in the type name: "TEXT:{text,json}".
std::vector<std::string> choices_of(const CLI::Option& option) {
    const std::string type = option.get_type_name();
    const auto open = type.find('{');
    const auto close = type.find('}', open == std::string::npos ? 0 : open);
    std::vector<std::string> out;
    if (open == std::string::npos || close == std::string::npos) {
        return out;
    }
    std::string item;
    for (char c : type.substr(open + 1, close - open - 1)) {
        if (c == ',') {
            out.push_back(item);
            item.clear();
        } else if (c != ' ') {
            item.push_back(c);
        }
    }
    if (!item.empty()) {
        out.push_back(item);
    }
    return out;
}

std::vector<OptionSpec> options_of(const CLI::App& app, bool& has_positional,
                                   std::vector<std::string>* positional_choices = nullptr) {
    std::vector<OptionSpec> out;
    for (const CLI::Option* option : app.get_options()) {
        if (!option->nonpositional()) {
            has_positional = true;
            if (positional_choices != nullptr) {
                const auto choices = choices_of(*option);
                positional_choices->insert(positional_choices->end(), choices.begin(), choices.end());
            }
            continue;
        }
        OptionSpec spec;
        for (const auto& s : option->get_snames()) {
            spec.names.push_back("-" + s);
        }
        for (const auto& l : option->get_lnames()) {
            spec.names.push_back("--" + l);
        }
        spec.description = option->get_description();
        spec.takes_value = option->get_items_expected_max() > 0;
        if (spec.takes_value) {
            spec.choices = choices_of(*option);
        }
        out.push_back(std::move(spec));
    }
    return out;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : sep) + item;
    }
    return out;
}

std::string bash_script(const CommandSpec& root, const std::vector<CommandSpec>& commands) {
    std::string value_cases;
    std::string option_cases;
    auto add_value_cases = [&](const std::string& command, const std::vector<OptionSpec>& options) {
        for (const auto& option : options) {
            if (!option.takes_value) {
                continue;
            }
            for (const auto& name : option.names) {
                value_cases += fmt::format("        {}:{}) ", command, name);
                value_cases += option.choices.empty()
                                   ? "COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
                                   : fmt::format("COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n",
                                                 join(option.choices, " "));
            }
        }
    };
    std::vector<std::string> root_words;
    for (const auto& option : root.options) {
        root_words.insert(root_words.end(), option.names.begin(), option.names.end());
    }
    add_value_cases("*", root.options);
    std::vector<std::string> command_names;
    std::vector<std::string> value_options;
    for (const auto& option : root.options) {
        if (option.takes_value) {
            value_options.insert(value_options.end(), option.names.begin(), option.names.end());
        }
    }
    for (const auto& command : commands) {
        command_names.push_back(command.name);
        add_value_cases(command.name, command.options);
        std::vector<std::string> words = root_words;
        for (const auto& option : command.options) {
            words.insert(words.end(), option.names.begin(), option.names.end());
            if (option.takes_value) {
                value_options.insert(value_options.end(), option.names.begin(), option.names.end());
            }
        }
        option_cases += fmt::format("        {}) opts=\"{}\"; files={}; words=\"{}\" ;;\n", command.name,
                                    join(words, " "), command.has_positional ? 1 : 0,
                                    join(command.positional_choices, " "));
    }
    std::string s;
    s += "# bash completion for converge. Generated by `converge completion bash` from the CLI's own\n";
    s += "# definition; install as /usr/share/bash-completion/completions/converge or source it.\n";
    s += "_converge() {\n";
    s += "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\" cmd=\"\" i w skip=0\n";
    s += "    (( COMP_CWORD > 0 )) && prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n";
    s += "    for ((i = 1; i < COMP_CWORD; i++)); do\n";
    s += "        w=\"${COMP_WORDS[i]}\"\n";
    s += "        if (( skip )); then skip=0; continue; fi\n";
    std::sort(value_options.begin(), value_options.end());
    value_options.erase(std::unique(value_options.begin(), value_options.end()), value_options.end());
    s += fmt::format("        case \"$w\" in\n            {}) skip=1 ;;\n", join(value_options, "|"));
    s += "            --*=*|-*) ;;\n";
    s += "            *) [[ -z \"$cmd\" ]] && cmd=\"$w\" ;;\n        esac\n    done\n";
    s += "    if [[ \"$cur\" != -* ]]; then\n        case \"${cmd:-*}:$prev\" in\n";
    s += value_cases;
    s += "        esac\n    fi\n";
    s += "    if [[ -z \"$cmd\" ]]; then\n";
    s += fmt::format("        COMPREPLY=($(compgen -W \"{} {}\" -- \"$cur\")); return\n    fi\n",
                     join(command_names, " "), join(root_words, " "));
    s += "    local opts=\"\" files=0 words=\"\"\n    case \"$cmd\" in\n";
    s += option_cases;
    s += "    esac\n";
    s += "    if [[ \"$cur\" == -* || $files == 0 ]]; then\n";
    s += "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n";
    s += "    elif [[ -n \"$words\" ]]; then\n        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n";
    s += "    else\n        COMPREPLY=($(compgen -f -- \"$cur\"))\n    fi\n";
    s += "}\n";
    s += "complete -o filenames -o bashdefault -F _converge converge\n";
    return s;
}

/// zsh's _arguments specs quote with '...'; descriptions lose the characters it treats specially.
std::string zsh_text(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\'') {
            out += "'\\''";
        } else if (c == '[' || c == ']') {
            out += c == '[' ? '(' : ')';
        } else if (c == ':') {
            out += "\\:";
        } else if (c != '\n') {
            out += c;
        }
    }
    return out;
}

std::string zsh_specs(const std::vector<OptionSpec>& options) {
    std::string out;
    for (const auto& option : options) {
        const std::string action =
            !option.takes_value ? ""
            : option.choices.empty() ? ":value:_files"
                                     : fmt::format(":value:({})", join(option.choices, " "));
        for (const auto& name : option.names) {
            out += fmt::format("      '{}[{}]{}' \\\n", name, zsh_text(option.description), action);
        }
    }
    return out;
}

std::string zsh_script(const CommandSpec& root, const std::vector<CommandSpec>& commands) {
    std::string s;
    s += "#compdef converge\n";
    s += "# zsh completion for converge. Generated by `converge completion zsh` from the CLI's own\n";
    s += "# definition; install as _converge on $fpath (Debian: /usr/share/zsh/vendor-completions).\n";
    s += "_converge() {\n  local -a commands\n  commands=(\n";
    for (const auto& command : commands) {
        s += fmt::format("    '{}:{}'\n", command.name, zsh_text(command.description));
    }
    s += "  )\n  local curcontext=\"$curcontext\" state line\n  _arguments -C \\\n";
    s += zsh_specs(root.options);
    s += "      '1:command:->command' \\\n      '*::arg:->args'\n";
    s += "  case $state in\n    command) _describe 'converge command' commands ;;\n";
    s += "    args)\n      case $words[1] in\n";
    for (const auto& command : commands) {
        s += fmt::format("        {})\n          _arguments \\\n", command.name);
        std::string specs = zsh_specs(command.options);
        specs += zsh_specs(root.options);
        // indent to match
        std::string indented;
        for (std::size_t at = 0; at < specs.size();) {
            const auto nl = specs.find('\n', at);
            indented += "    " + specs.substr(at, nl - at + 1);
            at = nl + 1;
        }
        s += indented;
        s += !command.positional_choices.empty()
                 ? fmt::format("          '1:value:({})'\n", join(command.positional_choices, " "))
             : command.has_positional ? "          '*:path:_files'\n"
                                      : "          \n";
        s += "          ;;\n";
    }
    s += "      esac ;;\n  esac\n}\n_converge \"$@\"\n";
    return s;
}

}  // namespace

void register_completion(CLI::App& app, int& exit_code) {
    auto* sub = app.add_subcommand("completion", "Print a shell completion script (bash or zsh)");
    auto shell = std::make_shared<std::string>();
    sub->add_option("shell", *shell, "Shell to complete for")->required()->check(CLI::IsMember({"bash", "zsh"}));
    sub->callback([&app, &exit_code, shell] {
        CommandSpec root;
        root.options = options_of(app, root.has_positional);
        std::vector<CommandSpec> commands;
        for (const CLI::App* command : app.get_subcommands({})) {
            CommandSpec spec;
            spec.name = command->get_name();
            spec.description = command->get_description();
            spec.options = options_of(*command, spec.has_positional, &spec.positional_choices);
            commands.push_back(std::move(spec));
        }
        const std::string script = *shell == "bash" ? bash_script(root, commands) : zsh_script(root, commands);
        std::fwrite(script.data(), 1, script.size(), stdout);
        exit_code = k_exit_ok;
    });
}

}  // namespace converge::cli
