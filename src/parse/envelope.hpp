#pragma once
// Envelopes (SPEC §6): a JSON object whose "body" is a string holding the raw delivery,
// as `record` writes it, as Jira Cloud's failed-webhook list holds it, or that whole list.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jira_alerts::parse {

// One envelope found in a frame.
struct Envelope {
  std::uint64_t begin = 0, end = 0;  // its bytes in the frame: [begin, end)
  std::string body;                  // the raw delivery, decoded
  std::string delivery_id;           // X-Atlassian-Webhook-Identifier or the item's id ("": none)
  std::string path;                  // the URL path record received it at ("": not recorded)
  std::optional<std::string> signature;  // X-Hub-Signature as recorded
  std::string problem;                   // why a list item is not a usable envelope ("": it is)
};

// Reads frames as envelopes. Only frames that are not usable payloads need asking:
// an object with a "webhookEvent" member is a payload, never an envelope.
class EnvelopeReader {
 public:
  // Fills OUT with the envelopes BYTES holds: one for an envelope, one per item for a
  // failed-webhook list ({"values": [...]}). False when BYTES is not an envelope at all.
  bool read(std::string_view bytes, std::vector<Envelope>& out);
};

// Sets E's body from BODY as ENCODING says (none: BODY itself, "base64": decoded), or
// E's problem when that cannot be done.
void decode_body(std::string_view body, std::optional<std::string_view> encoding, Envelope& e);

// Is BODY valid UTF-8, so that an envelope can hold it as a plain JSON string?
bool is_valid_utf8(std::string_view body);

// TEXT with each byte that is not part of valid UTF-8 written as %XX (upper-case hex), the
// rest as it is: a request's path or a header value in an envelope, which must be UTF-8.
std::string escape_invalid_utf8(std::string_view text);

// Appends BASE64 of BYTES to OUT (RFC 4648, with padding).
void append_base64(std::string& out, std::string_view bytes);

// Decodes BASE64 into OUT; false when it is not valid base64.
bool decode_base64(std::string_view base64, std::string& out);

}  // namespace jira_alerts::parse
