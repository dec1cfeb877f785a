#pragma once
// The envelope lines `record` writes, read in one simdjson pass: the capture log's
// common case, which otherwise took a payload attempt, a reference parse to explain
// why it is no payload, and a SAX pass to find the envelope.

#include <memory>
#include <string_view>
#include <vector>

#include "parse/envelope.hpp"

namespace simdjson::dom {
class parser;
}

namespace jira_alerts::parse {

class RecordedReader {
 public:
  RecordedReader();
  ~RecordedReader();
  RecordedReader(const RecordedReader&) = delete;
  RecordedReader& operator=(const RecordedReader&) = delete;

  // Fills OUT with the one envelope BYTES holds when BYTES is a line as `record` writes
  // it: an object that starts with "received_at" (a number) and has no members but
  // "path" (a string), "headers" (an object of strings), "body" and "body_encoding"
  // (strings), each once. False for anything else, which EnvelopeReader::read then
  // reads as any frame: what this reads, it reads as that would.
  bool read(std::string_view bytes, std::vector<Envelope>& out);

  // Could BYTES be such a line (does it start as one)?
  static bool may_read(std::string_view bytes);

 private:
  std::unique_ptr<simdjson::dom::parser> parser_;
};

}  // namespace jira_alerts::parse
