#include "cli/usage.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::cli {
namespace {

std::vector<CLI::App*> subcommands(const CLI::App& app) {
  return const_cast<CLI::App&>(app).get_subcommands([](CLI::App*) { return true; });
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : subcommands(app)) names.push_back(sub->get_name());
  return names;
}

// The chain of parsed commands, the root first.
std::vector<const CLI::App*> parsed_chain(const CLI::App& app) {
  std::vector<const CLI::App*> chain{&app};
  for (bool found = true; found;) {
    found = false;
    for (const CLI::App* sub : subcommands(*chain.back()))
      if (sub->parsed()) {
        chain.push_back(sub);
        found = true;
        break;
      }
  }
  return chain;
}

// TEXT after PREFIX, or nothing when it does not start with it.
std::optional<std::string> after(const std::string& text, std::string_view prefix) {
  if (text.rfind(prefix, 0) != 0) return std::nullopt;
  return text.substr(prefix.size());
}

// "Could not convert: --max-open = x" → "--max-open: 'x' is not a number".
std::optional<std::string> conversion_text(const std::string& what) {
  const auto rest = after(what, "Could not convert: ");
  if (!rest) return std::nullopt;
  const auto eq = rest->find(" = ");
  if (eq == std::string::npos) return std::nullopt;
  const std::string name = rest->substr(0, eq), value = rest->substr(eq + 3);
  const bool negative = value.size() > 1 && value[0] == '-' &&
                        value.find_first_not_of("0123456789", 1) == std::string::npos;
  return name + ": '" + value + (negative ? "' is negative: give 0 or more" : "' is not a number");
}

// "--state: opne not in {open,resolved,all}" → "--state: 'opne' is not one of open,
// resolved, all; did you mean 'open'?".
std::optional<std::string> membership_text(const std::string& what) {
  const auto colon = what.find(": ");
  const auto in = what.rfind(" not in {");
  if (colon == std::string::npos || in == std::string::npos || in < colon || what.back() != '}')
    return std::nullopt;
  const std::string value = what.substr(colon + 2, in - colon - 2);
  const std::string list = what.substr(in + 9, what.size() - in - 10);
  std::vector<std::string> names;
  for (std::size_t from = 0; from <= list.size();) {
    const auto comma = std::min(list.find(',', from), list.size());
    names.push_back(list.substr(from, comma - from));
    from = comma + 1;
  }
  std::string words;
  for (const auto& n : names) words += (words.empty() ? "" : ", ") + n;
  return what.substr(0, colon) + ": '" + value + "' is not one of " + words +
         util::did_you_mean(value, names);
}

// "--top: 1 required N missing" → "--top: needs a value (N)".
std::optional<std::string> missing_value_text(const std::string& what) {
  const auto colon = what.find(": ");
  const auto required = what.find(" required ");
  if (colon == std::string::npos || required == std::string::npos || what.size() < 8 ||
      what.compare(what.size() - 8, 8, " missing") != 0)
    return std::nullopt;
  const std::string type = what.substr(required + 10, what.size() - required - 18);
  return what.substr(0, colon) + ": needs a value" + (type.empty() ? "" : " (" + type + ")");
}

// "--db: At Most 1 required but received 2" → "--db: given 2 times; it takes one value".
std::optional<std::string> repeated_text(const std::string& what) {
  const auto colon = what.find(": At Most 1 required but received ");
  if (colon == std::string::npos) return std::nullopt;
  return what.substr(0, colon) + ": given " + what.substr(colon + 34) +
         " times; it takes one value";
}

std::string required_text(const CLI::App& app, const std::string& what) {
  if (what.rfind("A subcommand", 0) == 0) return "no command given";
  const CLI::App& command = *parsed_chain(app).back();
  const auto name = what.substr(0, what.find(" is required"));
  for (const CLI::Option* option : command.get_options())
    if (option->get_name() == name && option->get_positional())
      return command.get_name() + ": " + option->get_type_name() + " is required";
  return what;
}

}  // namespace

void keep_extras(CLI::App& app) {
  app.allow_extras();
  for (CLI::App* sub : subcommands(app)) keep_extras(*sub);
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& n : option->get_lnames()) names.push_back("--" + n);
    for (const auto& n : option->get_snames()) names.push_back("-" + n);
  }
  return names;
}

std::optional<std::string> extras_error(const CLI::App& app) {
  for (const CLI::App* command : parsed_chain(app)) {
    const auto extras = command->remaining();
    if (extras.empty()) continue;
    const std::string& arg = extras.front();
    const std::string where = command == &app ? "" : " for '" + command->get_name() + "'";
    if (arg.size() > 1 && arg[0] == '-') {
      const std::string name = arg.substr(0, arg.find('='));
      return "unknown option '" + name + "'" + where +
             util::did_you_mean(name, option_names(*command));
    }
    return "unexpected argument '" + arg + "'" + where;
  }
  return std::nullopt;
}

std::string help_hint(const CLI::App& app) {
  const auto chain = parsed_chain(app);
  if (chain.size() < 2) return "Run 'jira-alerts --help' for the commands.";
  std::string path;
  for (const CLI::App* a : chain) path += (path.empty() ? "" : " ") + a->get_name();
  return "Run '" + path + " --help' for its options and examples.";
}

std::string parse_error_text(const CLI::App& app, const CLI::ParseError& error) {
  const std::string what = error.what();
  std::optional<std::string> text;
  if (dynamic_cast<const CLI::ConversionError*>(&error) != nullptr)
    text = conversion_text(what);
  else if (dynamic_cast<const CLI::ValidationError*>(&error) != nullptr)
    text = membership_text(what);
  else if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr)
    text = missing_value_text(what).value_or(repeated_text(what).value_or(what));
  else if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr)
    text = required_text(app, what);
  return text.value_or(what);
}

std::optional<std::string> command_error(const CLI::App& app, int argc, char** argv) {
  if (argc < 2) return std::nullopt;
  const std::string word = argv[1];
  if (word.size() > 1 && word[0] == '-') {
    const auto names = option_names(app);
    if (std::find(names.begin(), names.end(), word.substr(0, word.find('='))) != names.end())
      return std::nullopt;
    return "unknown option '" + word + "'" + util::did_you_mean(word, names) +
           " (options go after the command: jira-alerts COMMAND --option)";
  }
  const auto names = command_names(app);
  if (std::find(names.begin(), names.end(), word) != names.end()) return std::nullopt;
  return "unknown command '" + word + "'" + util::did_you_mean(word, names);
}

Command setup_help(CLI::App& parent) {
  auto command = std::make_shared<std::string>();
  CLI::App* app = parent.add_subcommand("help", "Print the help of jira-alerts or of a COMMAND");
  app->add_option("command", *command, "The command to describe")->type_name("COMMAND");
  app->footer(R"(Examples:
  jira-alerts help
  jira-alerts help replay)");
  return {
      app, [&parent, command] {
        // App::help() would describe the parsed command: help itself.
        auto print = [](const CLI::App& about, const std::string& path) {
          std::fputs(
              about.get_formatter()->make_help(&about, path, CLI::AppFormatMode::Normal).c_str(),
              stdout);
          return 0;
        };
        if (command->empty()) return print(parent, parent.get_name());
        for (CLI::App* sub : subcommands(parent))
          if (sub->get_name() == *command)
            return print(*sub, parent.get_name() + " " + sub->get_name());
        throw Error("help: unknown command '" + *command + "'" +
                    util::did_you_mean(*command, command_names(parent)));
      }};
}

}  // namespace jira_alerts::cli
