#pragma once
// The webhook receiver: an HTTP/1.1 server whose handler verifies a delivery's
// signature, records it durably in the capture log and answers. It decides nothing.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "capture/log.hpp"
#include "capture/metrics.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace jira_alerts::capture {

struct ReceiverOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                     // 0: any free port
  std::uint64_t max_body = 16u << 20;  // larger bodies get 413
  std::optional<std::string> secret;   // X-Hub-Signature must match it (else 401)
  bool apply = false;                  // /metrics shows what --apply applied
};

// The envelope line for one delivery: {"received_at", "path", "headers", "body"}. A body
// that is not valid UTF-8 is kept as base64, with "body_encoding": "base64"; a path or
// header value that is not has those bytes written %XX (parse::escape_invalid_utf8).
std::string envelope_line(util::Millis received_at, std::string_view path,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body);

// Is a header of that (lower-case) name kept in the envelope?
bool keeps_header(std::string_view name);

class Receiver {
 public:
  Receiver(CaptureLog& log, Metrics& metrics, ReceiverOptions options);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Binds the listening socket; returns "ADDR:PORT". Throws Error when it cannot.
  std::string bind();
  // Serves until stop(); returns once every request in flight has been answered.
  void serve();
  // Stops accepting connections (safe from any thread, before serve() too: then
  // serve() returns at once).
  void stop();

 private:
  void deliver(const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& content);
  void refuse(httplib::Response& res, Outcome outcome, int status, const char* text);
  void log_limited(const char* what, const std::string& from);

  CaptureLog& log_;
  Metrics& metrics_;
  ReceiverOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<std::int64_t> last_log_{0};
  std::atomic<std::uint64_t> unlogged_{0};
  std::atomic<bool> stopping_{false}, served_{false};
};

}  // namespace jira_alerts::capture
