#include "forward/change.hpp"

namespace jira_alerts::forward {

std::string platform_key(std::string_view source, std::string_view fingerprint) {
  if (!named_source(source)) return std::string(fingerprint);
  std::string key(source);
  key += '/';
  key += fingerprint;
  return key;
}

std::string_view severity(rules::Level level) {
  switch (level) {
    case rules::Level::critical:
      return "critical";
    case rules::Level::high:
      return "error";
    case rules::Level::medium:
      return "warning";
    case rules::Level::low:
      return "info";
  }
  return "warning";
}

std::string_view opsgenie_priority(rules::Level level) {
  switch (level) {
    case rules::Level::critical:
      return "P1";
    case rules::Level::high:
      return "P2";
    case rules::Level::medium:
      return "P3";
    case rules::Level::low:
      return "P4";
  }
  return "P3";
}

std::string browse_url(std::optional<std::string_view> site, std::string_view key) {
  if (!site || site->empty()) return {};
  std::string url(*site);
  url += "/browse/";
  url += escape_path_segment(key);
  return url;
}

std::string_view site_host(std::optional<std::string_view> site, std::string_view fallback) {
  if (!site || site->empty()) return fallback;
  std::string_view host = *site;
  if (const auto scheme = host.find("://"); scheme != std::string_view::npos)
    host.remove_prefix(scheme + 3);
  host = host.substr(0, host.find('/'));
  return host.empty() ? fallback : host;
}

std::string headline(std::string_view key, std::optional<std::string_view> summary) {
  std::string text(key);
  if (summary && !summary->empty()) {
    text += ": ";
    text += *summary;
  }
  return text;
}

std::string cut_utf8(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  static constexpr std::string_view ellipsis = "\xE2\x80\xA6";  // …
  if (max < ellipsis.size()) return {};
  std::size_t end = max - ellipsis.size();
  // Back up to the first byte of a character: continuation bytes are 10xxxxxx.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  std::string out(text.substr(0, end));
  out += ellipsis;
  return out;
}

std::string escape_path_segment(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0xF]);
    }
  }
  return out;
}

void put(Writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void member(Writer& w, std::string_view name, std::string_view value) {
  put(w, name);
  put(w, value);
}

void member_if(Writer& w, std::string_view name, std::optional<std::string_view> value) {
  if (value && !value->empty()) member(w, name, *value);
}

}  // namespace jira_alerts::forward
