#include "capture/receiver.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "parse/envelope.hpp"
#include "report/json.hpp"
#include "util/error.hpp"
#include "util/hmac.hpp"
#include "util/text.hpp"

namespace jira_alerts::capture {
namespace {

// Connections served at once: each keep-alive connection holds a worker.
constexpr std::size_t workers = 64;

util::Millis now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::uint64_t> content_length(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return std::nullopt;
  const std::string text = req.get_header_value("Content-Length");
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Ends the connection of REQ once its response is out: the rest of a refused body is
// never read. The server library keeps no way to reach the socket, so it is found by
// its addresses; it is this thread's own connection, so it cannot close meanwhile.
void stop_reading(const httplib::Request& req) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    const std::string name = entry.path().filename().string();
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc()) continue;
    sockaddr_storage peer{}, local{};
    socklen_t peer_size = sizeof peer, local_size = sizeof local;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0)
      continue;
    const auto port_of = [](const sockaddr_storage& a) {
      return a.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port)
                                     : ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
    };
    char host[INET6_ADDRSTRLEN] = {};
    const void* address =
        peer.ss_family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6&>(peer).sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in&>(peer).sin_addr);
    ::inet_ntop(peer.ss_family, address, host, sizeof host);
    if (port_of(peer) == req.remote_port && port_of(local) == req.local_port &&
        req.remote_addr == host) {
      ::shutdown(fd, SHUT_RDWR);  // after the answer; the server's next read ends the connection
      return;
    }
  }
}

// HOST:PORT as --listen and URLs take it: an IPv6 address in brackets.
std::string host_port(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The library parses a multipart/form-data body itself and cannot hand it over raw; a
// delivery is recorded as sent, so its Content-Type is hidden while the body is read.
// The request is the server's own (not const) object, the one its reader reads.
class PlainContent {
 public:
  explicit PlainContent(const httplib::Request& req)
      : headers_(const_cast<httplib::Headers&>(req.headers)) {
    if (!req.is_multipart_form_data()) return;
    type_ = headers_.find("Content-Type");
    saved_ = std::exchange(type_->second, "application/octet-stream");
  }
  ~PlainContent() {
    if (type_ != headers_.end()) type_->second = std::move(saved_);
  }
  PlainContent(const PlainContent&) = delete;
  PlainContent& operator=(const PlainContent&) = delete;

 private:
  httplib::Headers& headers_;
  httplib::Headers::iterator type_ = headers_.end();
  std::string saved_;
};

}  // namespace

bool keeps_header(std::string_view name) {
  return name.rfind("x-atlassian-", 0) == 0 || name == "x-hub-signature" ||
         name == "content-type" || name == "user-agent";
}

std::string envelope_line(util::Millis received_at, std::string_view path,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body) {
  std::string line;
  line.reserve(body.size() + body.size() / 8 + 256);
  report::JsonWriter w;
  // The line is JSON text, so UTF-8: a path or header value that is not (a %FF in the
  // URL, a Latin-1 header) has those bytes written %XX; readers route by the path as is.
  w.reset(line).begin_object().members("received_at", received_at, "path",
                                       parse::escape_invalid_utf8(path));
  w.key("headers").begin_object();
  for (const auto& [name, value] : headers) w.members(name, parse::escape_invalid_utf8(value));
  w.end_object();
  if (parse::is_valid_utf8(body)) {
    w.members("body", body);
  } else {
    std::string encoded;
    parse::append_base64(encoded, body);
    w.members("body_encoding", "base64", "body", encoded);
  }
  w.end_object();
  return line;
}

Receiver::Receiver(CaptureLog& log, Metrics& metrics, ReceiverOptions options)
    : log_(log),
      metrics_(metrics),
      options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {
  auto& s = *server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(workers); };
  // The library's default adds SO_REUSEPORT, with which a second record on the same port
  // would share it; SO_REUSEADDR alone still allows a restart while old connections linger.
  s.set_socket_options([](int sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_keep_alive_max_count(1000);
  s.set_payload_max_length(options_.max_body);
  // A client that asks before sending a large body learns at once that it is too large.
  s.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    const auto length = content_length(req);
    if (!length || *length <= options_.max_body) return 100;
    log_limited("body larger than --max-body refused (413)", req.remote_addr);
    refuse(res, Outcome::too_large, 413, "body larger than the limit\n");
    res.set_header("Connection", "close");
    return 413;
  });
  // The logger runs once the response is written: a refused body's connection ends there.
  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (res.status == 413 && res.get_header_value("Connection") == "close") stop_reading(req);
  });
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(options_.apply), "text/plain; version=0.0.4");
  });
  const auto deliver = [this](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& content) {
    this->deliver(req, res, content);
  };
  s.Post(".*", deliver);
  const auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST");
    res.set_content("deliveries are POST requests\n", "text/plain");
  };
  s.Get(".*", not_allowed);
  s.Put(".*", not_allowed);
  s.Patch(".*", not_allowed);
  s.Delete(".*", not_allowed);
  s.Options(".*", not_allowed);
}

Receiver::~Receiver() = default;

std::string Receiver::bind() {
  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.host);
    if (port < 0) port = 0;
  } else if (!server_->bind_to_port(options_.host, port)) {
    port = 0;
  }
  if (port == 0) {
    throw Error("--listen: cannot listen on " + host_port(options_.host, options_.port) +
                " (address in use, or not an address of this host)");
  }
  return host_port(options_.host, port);
}

void Receiver::serve() {
  if (!stopping_) server_->listen_after_bind();
  served_ = true;
}

void Receiver::stop() {
  stopping_ = true;
  // The server's stop() does nothing until it runs: a stop that comes between bind()
  // and serve() (a SIGTERM right after 'listening on') waits until serve() has either
  // seen it or started the server.
  while (!served_ && !server_->is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->stop();
}

void Receiver::refuse(httplib::Response& res, Outcome outcome, int status, const char* text) {
  metrics_.delivery(outcome, 0);
  res.status = status;
  res.set_content(text, "text/plain");
}

void Receiver::log_limited(const char* what, const std::string& from) {
  // One line a second at most: a misconfigured sender must not flood the log.
  const util::Millis now = now_ms();
  std::int64_t last = last_log_.load();
  if (now - last < 1000 || !last_log_.compare_exchange_strong(last, now)) {
    unlogged_.fetch_add(1);
    return;
  }
  const std::uint64_t more = unlogged_.exchange(0);
  std::fprintf(stderr, "jira-alerts: record: %s from %s%s\n", what, from.c_str(),
               more == 0 ? "" : (" (and " + std::to_string(more) + " more refused)").c_str());
}

void Receiver::deliver(const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& content) {
  const util::Millis received_at = now_ms();
  if (const auto length = content_length(req); length && *length > options_.max_body) {
    // Refused before the body is read; the connection cannot be reused after it.
    res.set_header("Connection", "close");
    log_limited("body larger than --max-body refused (413)", req.remote_addr);
    return refuse(res, Outcome::too_large, 413, "body larger than the limit\n");
  }
  std::string body;
  bool too_large = false;
  bool read = false;
  {
    const PlainContent plain(req);
    read = content([&](const char* data, std::size_t size) {
      if (body.size() + size > options_.max_body) {
        too_large = true;
        return false;
      }
      body.append(data, size);
      return true;
    });
  }
  if (too_large) {
    res.set_header("Connection", "close");
    log_limited("body larger than --max-body refused (413)", req.remote_addr);
    return refuse(res, Outcome::too_large, 413, "body larger than the limit\n");
  }
  // A body sent with a Content-Encoding (gzip, deflate, br) arrives decoded: its length
  // is no longer the header's.
  const auto length = req.has_header("Content-Encoding") ? std::nullopt : content_length(req);
  if (!read || (length && body.size() != *length)) {
    // The connection closed, or the sender went silent past the read timeout: a torn body
    // is not recorded, and the sender (Jira retries) sends it again.
    res.set_header("Connection", "close");
    log_limited("body cut short refused (400)", req.remote_addr);
    return refuse(res, Outcome::cut_short, 400, "the body was cut short; send it again\n");
  }
  if (options_.secret) {
    std::optional<std::string> signature;
    if (req.has_header("X-Hub-Signature")) signature = req.get_header_value("X-Hub-Signature");
    const auto result = util::verify_signature(
        *options_.secret, body,
        signature ? std::optional<std::string_view>(*signature) : std::nullopt);
    if (result != util::Signature::valid) {
      log_limited(std::string(util::signature_problem(result)).append(" (401)").c_str(),
                  req.remote_addr);
      return refuse(res, Outcome::unauthorized, 401, "signature required\n");
    }
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : req.headers) {
    std::string lower = util::to_lower(name);
    if (keeps_header(lower)) headers.emplace_back(std::move(lower), value);
  }
  const std::string line = envelope_line(received_at, req.path, headers, body);
  if (!log_.append(line, log_.file_for(received_at))) {
    return refuse(res, Outcome::failed, 503, "the delivery could not be recorded; retry\n");
  }
  metrics_.delivery(Outcome::recorded, body.size());
  res.status = 204;
}

}  // namespace jira_alerts::capture
