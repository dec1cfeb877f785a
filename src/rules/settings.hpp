#pragma once
// A mapping as settings: the config file that reproduces it (what a state file records
// of the rules that built it), and how two mappings differ.

#include <string>
#include <string_view>
#include <vector>

#include "rules/mapping.hpp"

namespace jira_alerts::rules {

// MAPPING as a TOML config file (see the CONFIGURATION section of the man page): every
// setting, the whole priority table included, so that loading it gives MAPPING back.
// The scope is not a setting and is left out. TABLE_PREFIX goes before each table's name
// ("source." for the settings of a [[source]] table).
std::string config_text(const Mapping& mapping, std::string_view table_prefix = "");

// TEXT as a TOML basic string, quotes and escapes included.
std::string toml_string(std::string_view text);

// The settings in which GIVEN differs from RECORDED, one line each, e.g.
// "priority.map.P1: CRITICAL here, HIGH in the state file". Statuses and priority names
// compare as the rules compare them (trimmed, case-insensitively). Empty when they agree.
std::vector<std::string> differences(const Mapping& recorded, const Mapping& given);

}  // namespace jira_alerts::rules
