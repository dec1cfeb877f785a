#include "report/table.hpp"

#include <algorithm>

namespace jira_alerts::report {

std::size_t display_width(const std::string& text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void Table::print(Output& out) const {
  std::vector<std::size_t> widths(header_.size());
  for (std::size_t i = 0; i < header_.size(); ++i) widths[i] = display_width(header_[i]);
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string& o = out.buffer();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i + 1 == cells.size()) {
        o += cells[i];
      } else {
        o += cells[i];
        o.append(widths[i] - display_width(cells[i]) + 2, ' ');
      }
    }
    while (!o.empty() && o.back() == ' ') o.pop_back();
    o.push_back('\n');
    out.done();
  };
  if (out.headers()) line(header_);
  for (const auto& row : rows_) line(row);
}

}  // namespace jira_alerts::report
