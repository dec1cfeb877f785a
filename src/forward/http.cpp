#include "forward/http.hpp"

#include <httplib.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <thread>

#include "util/text.hpp"

namespace jira_alerts::forward {
namespace {

constexpr milliseconds longest_attempt{10'000};  // a hung server costs at most this a try
constexpr std::string_view masked = "********";

// splitmix64: a small, good generator for jitter; seeded from the clock.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::optional<util::Millis> parse_http_date(std::string_view v) {
  // IMF-fixdate, the form HTTP/1.1 senders must use: "Sun, 06 Nov 1994 08:49:37 GMT".
  static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (v.size() != 29 || v[3] != ',' || v.substr(25) != " GMT") return std::nullopt;
  const auto month = months.find(v.substr(8, 3));
  if (month == std::string_view::npos || month % 3 != 0) return std::nullopt;
  const std::size_t m = month / 3 + 1;
  std::string iso(v.substr(12, 4));
  iso += '-';
  iso += static_cast<char>('0' + m / 10);
  iso += static_cast<char>('0' + m % 10);
  iso += '-';
  iso += v.substr(5, 2);
  iso += 'T';
  iso += v.substr(17, 8);
  iso += 'Z';
  return util::parse_iso8601(iso);
}

// The client's error in words.
std::string network_error(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect";
    case httplib::Error::ConnectionTimeout:
      return "connecting timed out";
    case httplib::Error::Read:
      return "no answer (the connection failed or timed out while waiting)";
    case httplib::Error::Write:
      return "sending failed";
    case httplib::Error::SSLConnection:
      return "TLS connection failed";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate is not trusted";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the trusted TLS certificates";
    default:
      return "network error (" + httplib::to_string(error) + ")";
  }
}

}  // namespace

milliseconds backoff_delay(unsigned attempt, const Backoff& backoff, std::uint64_t random) {
  const auto cap = static_cast<std::uint64_t>(backoff.cap.count());
  std::uint64_t step = static_cast<std::uint64_t>(backoff.first.count());
  for (unsigned i = 0; i < attempt && step < cap; ++i) step *= 2;
  step = std::min(step, cap);
  const std::uint64_t half = step / 2;
  return milliseconds(static_cast<std::int64_t>(half + (half > 0 ? random % (half + 1) : 0)));
}

std::optional<milliseconds> parse_retry_after(std::string_view value, util::Millis now) {
  value = util::trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return milliseconds(999'999'999'000);  // far beyond any deadline
    return milliseconds(std::stoll(std::string(value)) * 1000);
  }
  const auto at = parse_http_date(value);
  if (!at) return std::nullopt;
  return milliseconds(std::max<util::Millis>(0, *at - now));
}

std::string vendor_message(std::string_view body) {
  constexpr std::size_t longest = 300;
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  std::string out;
  if (!d.HasParseError() && d.IsObject()) {
    // HasMember and operator[] rather than FindMember: clang's C++20 mode calls
    // RapidJSON's iterator comparison ambiguous.
    if (d.HasMember("message") && d["message"].IsString()) out = d["message"].GetString();
    if (d.HasMember("errors") && d["errors"].IsArray()) {
      for (const auto& item : d["errors"].GetArray())
        if (item.IsString()) out += (out.empty() ? "" : ": ") + std::string(item.GetString());
    }
  }
  if (out.empty()) out = util::trim(body.substr(0, body.find('\n')));
  if (out.size() > longest) out = out.substr(0, longest) + "...";
  return out;
}

std::string mask(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  // Past each mask: a secret found inside the mask itself would be found again forever.
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + masked.size()))
    text.replace(at, secret.size(), masked);
  return text;
}

std::string request_path(const Url& url, const HttpRequest& request) {
  const std::string path = url.path + request.path;
  return path.empty() ? "/" : path;
}

std::string show_request(const Url& url, const HttpRequest& r) {
  std::string out = "POST " + url.origin + request_path(url, r) + "\n";
  for (const Header& h : r.headers) {
    std::string value = h.value;
    if (h.secret) {
      // "GenieKey abc" shows its scheme: "GenieKey ********".
      const auto space = value.find(' ');
      value = space == std::string::npos ? std::string(masked)
                                         : value.substr(0, space + 1) + std::string(masked);
    }
    out += h.name + ": " + value + "\n";
  }
  out += "Content-Type: application/json\n\n" + r.body + "\n\n";
  return out;
}

HttpSender::HttpSender(const Url& url, Clock::time_point deadline, Backoff backoff, const Cut* cut)
    : url_(url),
      deadline_(deadline),
      cut_(cut),
      backoff_(backoff),
      client_(std::make_unique<httplib::Client>(url.origin)),
      random_state_(static_cast<std::uint64_t>(Clock::now().time_since_epoch().count())) {
  client_->set_keep_alive(true);
  client_->enable_server_certificate_verification(true);
}

HttpSender::~HttpSender() = default;

Clock::time_point HttpSender::deadline() const {
  if (cut_ == nullptr) return deadline_;
  return std::min(deadline_, Clock::time_point(Clock::duration(cut_->load())));
}

Delivery HttpSender::post(const HttpRequest& request) {
  httplib::Headers headers;
  for (const Header& h : request.headers) headers.emplace(h.name, h.value);
  const std::string path = request_path(url_, request);
  Delivery d;
  std::string answered;  // the last answer the server gave, kept past a later network error
  const auto give_up = [&d, &answered] {
    if (d.status == 0 && !answered.empty()) d.message = answered + ", then " + d.message;
    d.message = "deadline reached after " + std::to_string(d.attempts) + " attempt" +
                (d.attempts == 1 ? "" : "s") + (d.message.empty() ? "" : ": " + d.message);
    return d;
  };
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline() - Clock::now());
    if (left <= milliseconds(0)) return give_up();
    const auto timeout = std::min(left, longest_attempt);
    client_->set_connection_timeout(timeout);
    client_->set_read_timeout(timeout);
    client_->set_write_timeout(timeout);
    ++d.attempts;
    const httplib::Result result = client_->Post(path, headers, request.body, "application/json");
    std::optional<milliseconds> wait;
    if (!result) {
      d.status = 0;
      d.message = network_error(result.error());
    } else {
      d.status = result->status;
      if (d.status >= 200 && d.status < 300) {
        d.outcome = Delivery::Outcome::acknowledged;
        d.message.clear();
        return d;
      }
      d.message = "HTTP " + std::to_string(d.status);
      if (const std::string words = vendor_message(result->body); !words.empty())
        d.message += ": " + words;
      if (!retryable_status(d.status)) {
        d.outcome = Delivery::Outcome::rejected;
        return d;
      }
      answered = d.message;
      if (result->has_header("Retry-After"))
        wait = parse_retry_after(result->get_header_value("Retry-After"), util::now_millis());
    }
    if (!wait) wait = backoff_delay(d.attempts - 1, backoff_, next_random(random_state_));
    // The wait, in short steps: the deadline may be brought forward meanwhile.
    for (const auto until = Clock::now() + *wait; Clock::now() < until;) {
      if (until >= deadline()) return give_up();
      std::this_thread::sleep_for(
          std::min<Clock::duration>(until - Clock::now(), milliseconds(50)));
    }
  }
}

}  // namespace jira_alerts::forward
