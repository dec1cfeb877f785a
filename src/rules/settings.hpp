#pragma once
// A mapping as settings: the config file that reproduces it (what a state file records
// of the rules that built it), and how two mappings differ.

#include <string>
#include <vector>

#include "rules/mapping.hpp"

namespace jira_alerts::rules {

// MAPPING as a TOML config file (see the CONFIGURATION section of the man page): every
// setting, the whole priority table included, so that loading it gives MAPPING back.
// The scope is not a setting and is left out.
std::string config_text(const Mapping& mapping);

// The settings in which GIVEN differs from RECORDED, one line each, e.g.
// "priority.map.P1: CRITICAL here, HIGH in the state file". Statuses and priority names
// compare as the rules compare them (trimmed, case-insensitively). Empty when they agree.
std::vector<std::string> differences(const Mapping& recorded, const Mapping& given);

}  // namespace jira_alerts::rules
