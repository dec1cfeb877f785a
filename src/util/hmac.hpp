#pragma once
// HMAC-SHA256 signatures of webhook bodies (X-Hub-Signature: sha256=<hex>).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jira_alerts::util {

// HMAC-SHA256 of DATA under KEY, as 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// What checking a signature found.
enum class Signature : std::uint8_t {
  valid,     // sha256=<hex> of the body under the secret
  missing,   // no signature header
  mismatch,  // a signature that is not the body's (or not of the form sha256=<hex>)
};

// Checks HEADER, an X-Hub-Signature value, against BODY under SECRET in constant time.
Signature verify_signature(std::string_view secret, std::string_view body,
                           std::optional<std::string_view> header);

// Why a delivery failed the check, in words ("" for a valid one).
std::string_view signature_problem(Signature result);

// Reads the secret in FILE (one trailing newline dropped). Throws Error naming OPTION
// when FILE is a directory, cannot be read (the system's reason) or holds no secret.
std::string read_secret_file(const std::string& file, std::string_view option);

}  // namespace jira_alerts::util
