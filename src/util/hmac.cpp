#include "util/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "util/error.hpp"
#include "util/shared_library.hpp"

namespace jira_alerts::util {
namespace {

using Digest = std::array<unsigned char, 32>;

// The three functions of libcrypto a signature needs, loaded on the first signature.
struct Libcrypto {
  decltype(&HMAC) hmac;
  decltype(&EVP_sha256) sha256;
  decltype(&CRYPTO_memcmp) memcmp;
};

const Libcrypto& libcrypto() {
  static const Libcrypto functions = [] {
    const SharedLibrary library(JIRA_ALERTS_LIBCRYPTO_SONAME, "a webhook signature (HMAC-SHA256)");
    return Libcrypto{JIRA_ALERTS_FUNCTION(library, HMAC), JIRA_ALERTS_FUNCTION(library, EVP_sha256),
                     JIRA_ALERTS_FUNCTION(library, CRYPTO_memcmp)};
  }();
  return functions;
}

Digest hmac_sha256(std::string_view key, std::string_view data) {
  const Libcrypto& crypto = libcrypto();
  Digest out{};
  unsigned int size = 0;
  crypto.hmac(crypto.sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : hmac_sha256(key, data)) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

Signature verify_signature(std::string_view secret, std::string_view body,
                           std::optional<std::string_view> header) {
  if (!header) return Signature::missing;
  constexpr std::string_view scheme = "sha256=";
  std::string_view given = *header;
  if (given.size() != scheme.size() + 64 || given.substr(0, scheme.size()) != scheme)
    return Signature::mismatch;
  given.remove_prefix(scheme.size());
  Digest claimed{};
  for (std::size_t i = 0; i < claimed.size(); ++i) {
    const int high = hex_digit(given[2 * i]);
    const int low = hex_digit(given[2 * i + 1]);
    if (high < 0 || low < 0) return Signature::mismatch;
    claimed[i] = static_cast<unsigned char>(high << 4 | low);
  }
  const Digest expected = hmac_sha256(secret, body);
  return libcrypto().memcmp(expected.data(), claimed.data(), expected.size()) == 0
             ? Signature::valid
             : Signature::mismatch;
}

std::string_view signature_problem(Signature result) {
  switch (result) {
    case Signature::valid:
      return "";
    case Signature::missing:
      return "not signed: no X-Hub-Signature";
    case Signature::mismatch:
      break;
  }
  return "signature mismatch: X-Hub-Signature is not the HMAC-SHA256 of the body under the secret";
}

std::string read_secret_file(const std::string& file, std::string_view option) {
  // A directory opens like a file on Linux and reads as nothing: say what it is.
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw Error(std::string(option) + ": '" + file + "' is a directory, not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error(std::string(option) + ": cannot read '" + file + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) throw Error(std::string(option) + ": '" + file + "' holds no secret");
  return secret;
}

}  // namespace jira_alerts::util
