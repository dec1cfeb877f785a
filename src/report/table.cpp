#include "report/table.hpp"

#include <algorithm>

#include "util/text.hpp"

namespace jira_alerts::report {

void Table::add(std::vector<std::string> row) {
  // Cells come from payloads: control characters must not reach the terminal.
  for (auto& cell : row) {
    std::string printable;
    util::append_printable(printable, cell);
    cell = std::move(printable);
  }
  rows_.push_back(std::move(row));
}

void Table::print(Output& out) const {
  std::vector<std::size_t> widths(header_.size());
  for (std::size_t i = 0; i < header_.size(); ++i) widths[i] = util::display_width(header_[i]);
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], util::display_width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string& o = out.buffer();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i + 1 == cells.size()) {
        o += cells[i];
      } else {
        o += cells[i];
        o.append(widths[i] - util::display_width(cells[i]) + 2, ' ');
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
