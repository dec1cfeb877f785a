#pragma once
// Aligned text tables: collect rows, then print with each column as wide as its widest cell.

#include <string>
#include <vector>

#include "report/format.hpp"

namespace jira_alerts::report {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  // Adds a row; control characters in its cells are escaped.
  void add(std::vector<std::string> row);
  bool empty() const { return rows_.empty(); }
  // Prints the header (unless OUT's headers are off) and rows; the last column is not padded.
  void print(Output& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace jira_alerts::report
