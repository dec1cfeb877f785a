#pragma once
// The push client: HTTP POSTs with retries, exponential backoff with jitter,
// Retry-After, and one deadline for everything.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forward/target.hpp"
#include "util/time.hpp"

namespace httplib {
class Client;
}

namespace jira_alerts::forward {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The retry schedule: the wait doubles from FIRST up to CAP.
struct Backoff {
  milliseconds first{500};
  milliseconds cap{30'000};
};

// The wait before retry number ATTEMPT (0 for the first): half of min(cap, first * 2^attempt)
// plus a random part of the other half ("equal jitter"), RANDOM drawn uniformly from 64 bits.
milliseconds backoff_delay(unsigned attempt, const Backoff& backoff, std::uint64_t random);

// A Retry-After header: delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00
// GMT") against NOW; nothing when it is neither. A date in the past means no wait.
std::optional<milliseconds> parse_retry_after(std::string_view value, util::Millis now);

// Should a request that got HTTP STATUS be tried again (429, 408 and 5xx)?
constexpr bool retryable_status(int status) {
  return status == 429 || status == 408 || status >= 500;
}

// The vendor's words for a failed request: "message" (and "errors") of a JSON body,
// else the body's first line, cut short.
std::string vendor_message(std::string_view body);

// One header; a secret one is masked wherever requests are shown.
struct Header {
  std::string name, value;
  bool secret = false;
};

// One request to send.
struct HttpRequest {
  std::string path;  // below the target's URL, e.g. /api/v2/alerts
  std::string body;  // JSON
  std::vector<Header> headers;
};

// How a request ended.
struct Delivery {
  enum class Outcome : std::uint8_t {
    acknowledged,  // 2xx
    rejected,      // a permanent error (4xx other than 408 and 429): sending again will not help
    gave_up,       // network errors, 429 or 5xx until the deadline
  };
  Outcome outcome = Outcome::gave_up;
  int status = 0;  // the last HTTP status (0: no answer)
  unsigned attempts = 0;
  std::string message;  // why it was not acknowledged
};

// A deadline that another thread may bring forward (record's pusher on SIGTERM), as
// Clock ticks; unset: Clock::time_point::max().
using Cut = std::atomic<Clock::rep>;

// Sends requests to one target over a kept-alive connection, retrying within DEADLINE
// (or CUT, when it comes first).
class HttpSender {
 public:
  HttpSender(const Url& url, Clock::time_point deadline, Backoff backoff = {},
             const Cut* cut = nullptr);
  ~HttpSender();
  HttpSender(const HttpSender&) = delete;
  HttpSender& operator=(const HttpSender&) = delete;

  Delivery post(const HttpRequest& request);

  // Has the deadline passed?
  bool expired() const { return Clock::now() >= deadline(); }

 private:
  Clock::time_point deadline() const;

  Url url_;
  Clock::time_point deadline_;
  const Cut* cut_;
  Backoff backoff_;
  std::unique_ptr<httplib::Client> client_;
  std::uint64_t random_state_;
};

// The path REQUEST goes to below URL's origin: "/" when neither names one.
std::string request_path(const Url& url, const HttpRequest& request);

// REQUEST as an HTTP message for --dry-run: "POST URL", the headers with secrets masked,
// a blank line, the body, a blank line.
std::string show_request(const Url& url, const HttpRequest& request);

// TEXT with every occurrence of SECRET replaced by a mask.
std::string mask(std::string text, std::string_view secret);

}  // namespace jira_alerts::forward
