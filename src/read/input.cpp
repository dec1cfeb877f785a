#include "read/input.hpp"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include "util/error.hpp"
#include "util/text.hpp"

namespace jira_alerts::read {
namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Does a walk read NAME by default? *.json, *.ndjson, *.jsonl, compressed or not.
bool capture_name(std::string name) {
  name = util::to_lower(name);
  for (const std::string_view compressed : {".gz", ".xz", ".zst", ".bz2"}) {
    if (ends_with(name, compressed)) {
      name.resize(name.size() - compressed.size());
      break;
    }
  }
  return ends_with(name, ".json") || ends_with(name, ".ndjson") || ends_with(name, ".jsonl");
}

// Does GLOB match the entry NAME at RELATIVE (its path below the walked directory)?
// A glob with a '/' is matched against the relative path, others against the name.
bool matches(const std::string& glob, const std::string& name, const std::string& relative) {
  if (glob.find('/') != std::string::npos)
    return fnmatch(glob.c_str(), relative.c_str(), FNM_PATHNAME) == 0;
  return fnmatch(glob.c_str(), name.c_str(), 0) == 0;
}

bool any_match(const std::vector<std::string>& globs, const std::string& name,
               const std::string& relative) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return matches(g, name, relative); });
}

std::optional<FileId> file_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

bool is_state_file(const WalkFilter& filter, const std::optional<FileId>& id) {
  return id && std::find(filter.not_inputs.begin(), filter.not_inputs.end(), *id) !=
                   filter.not_inputs.end();
}

void walk(const fs::path& dir, const WalkFilter& filter, Inputs& inputs) {
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    const auto relative = it->path().lexically_relative(dir).string();
    const bool directory = it->is_directory(ec);
    const bool hidden = !name.empty() && name[0] == '.';
    if (hidden || any_match(filter.exclude, name, relative)) {
      if (directory)
        it.disable_recursion_pending();
      else if (!hidden && it->is_regular_file(ec))
        ++inputs.skipped;  // hidden files are not counted: nobody meant them as input
      continue;
    }
    if (directory || !it->is_regular_file(ec)) continue;
    const bool wanted =
        filter.include.empty() ? capture_name(name) : any_match(filter.include, name, relative);
    // The state file and its companions are never input, whatever their names.
    if (!wanted || is_state_file(filter, file_id(it->path().string()))) {
      ++inputs.skipped;
      continue;
    }
    found.push_back(it->path().string());
  }
  if (ec) throw Error("cannot read directory '" + dir.string() + "': " + ec.message());
  if (found.empty()) inputs.empty_directories.push_back(dir.string());
  // Byte order of the whole path, so that the walk does not depend on the file system.
  std::sort(found.begin(), found.end());
  inputs.files.insert(inputs.files.end(), found.begin(), found.end());
}

}  // namespace

std::vector<FileId> state_file_ids(const std::string& db) {
  std::vector<FileId> ids;
  std::vector<std::string> names{db};
  std::error_code ec;
  // SQLite keeps the WAL and the journal beside the file a link points to.
  if (const auto real = fs::canonical(db, ec); !ec) names.push_back(real.string());
  for (const auto& name : names) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      if (const auto id = file_id(name + suffix)) ids.push_back(*id);
    }
  }
  return ids;
}

Inputs expand_operands(const std::vector<std::string>& operands, const WalkFilter& filter) {
  Inputs inputs;
  for (const auto& operand : operands) {
    const std::string path = operand == stdin_name ? "/dev/stdin" : operand;
    if (is_state_file(filter, file_id(path)))
      throw Error("'" + operand + "' is the state file or one of its companions, not an input");
    if (operand == stdin_name) {
      // A second '-' would read nothing and reject it as empty input.
      if (std::find(inputs.files.begin(), inputs.files.end(), stdin_name) != inputs.files.end())
        throw Error("'-' is given twice: standard input can be read only once");
      inputs.files.push_back(operand);
      continue;
    }
    std::error_code ec;
    const auto status = fs::status(operand, ec);
    if (ec || !fs::exists(status))
      throw Error("cannot open '" + operand +
                  "': " + (ec ? ec.message() : std::string("No such file or directory")));
    // Files named on the command line are read whatever their names.
    if (fs::is_directory(status))
      walk(operand, filter, inputs);
    else
      inputs.files.push_back(operand);
  }
  // Refuse unreadable inputs before anything is applied.
  for (const auto& file : inputs.files) {
    if (file != stdin_name && access(file.c_str(), R_OK) != 0)
      throw Error("cannot open '" + file + "': " + std::strerror(errno));
  }
  return inputs;
}

}  // namespace jira_alerts::read
