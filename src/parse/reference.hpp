#pragma once
// The reference engine: RapidJSON's SAX reader, which decides every rejection.

#include <string>
#include <string_view>
#include <vector>

#include "parse/extract.hpp"

namespace jira_alerts::parse {

// Reads BYTES, already copied NUL-terminated into BUFFER, in place into PAYLOAD
// (integer ids as text in ID_DIGITS and CHANGELOG_DIGITS); false with REJECTION filled
// when the payload is unusable, worded and placed at the byte of the fault.
bool reference_extract(std::string_view bytes, std::vector<char>& buffer, Payload& payload,
                       std::string& id_digits, std::string& changelog_digits, Rejection& rejection);

}  // namespace jira_alerts::parse
