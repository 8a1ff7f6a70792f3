// Plain-text tables for the terminal: a header, aligned columns, numbers right-aligned.
#pragma once

#include <string>
#include <vector>

namespace astraea::driver {

class Table {
 public:
  explicit Table(std::vector<std::string> header, std::vector<bool> right_aligned = {});
  void add_row(std::vector<std::string> cells);
  std::string render() const;
  std::size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace astraea::driver
