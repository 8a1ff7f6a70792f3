#include "driver/pareto_formats.h"

#include "core/error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace astraea::driver {
namespace {

struct Cells {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string number(double v, int digits) { return std::isnan(v) ? "" : fmt::format("{:.{}f}", v, digits); }
std::string general(double v) { return std::isnan(v) ? "" : fmt::format("{:.4g}", v); }

Cells cells_of(const ParetoTable& t, bool plus_minus_ascii) {
  Cells c;
  c.header = {"trial", "configuration", "latency ms", "speedup", t.quality_metric, "quality proxy delta %", "on front", "rank", "crowding"};
  const std::string pm = plus_minus_ascii ? " +- " : " ± ";
  for (const auto& r : t.rows) {
    c.rows.push_back({std::to_string(r.trial_id), r.label, number(r.latency_ms, 1) + pm + number(r.latency_spread_ms, 1),
                      std::isnan(r.speedup) ? "" : number(r.speedup, 2) + "x", r.dense && std::isnan(r.quality) ? "reference" : general(r.quality),
                      r.quality_proxy_delta_pct ? number(*r.quality_proxy_delta_pct, 2) : "n/a", r.on_front ? "yes" : "",
                      std::to_string(r.rank), std::isinf(r.crowding) ? "inf" : number(r.crowding, 3)});
  }
  return c;
}

std::string footer(const ParetoTable& t) {
  auto text = fmt::format("hypervolume {:.6g} in (latency ms, {} loss) against reference point ({:.6g}, {:.6g}); {} trial(s) without the metrics left out",
                          t.hypervolume, t.quality_metric, t.reference_point[0], t.reference_point[1], t.skipped);
  const bool has_dense = std::any_of(t.rows.begin(), t.rows.end(), [](const ParetoRow& r) { return r.dense; });
  if (!has_dense && t.paired == 0) {
    text += "; no speedup: the study has neither a dense trial (add method=dense to the sweep) nor paired timings (study.paired_dense=true)";
  }
  if (t.paired > 0) {
    text += fmt::format("; speedup of {} row(s) paired: the median ratio to dense generations timed alternately with the trial's own "
                        "(study.paired_dense), and the front uses the dense row's latency / that speedup", t.paired);
  }
  return text;
}

std::string markdown(const ParetoTable& t) {
  const auto c = cells_of(t, false);
  std::string out = fmt::format("Pareto table of study `{}` ({} {})\n\n", t.study, t.quality_metric,
                                t.quality_higher_is_better ? "higher is better" : "lower is better");
  if (!t.common_overrides.empty()) out += fmt::format("Every sweep row below also sets: `{}`\n\n", fmt::join(t.common_overrides, " "));
  out += fmt::format("| {} |\n|{}|\n", fmt::join(c.header, " | "), fmt::join(std::vector<std::string>(c.header.size(), "---"), "|"));
  for (const auto& row : c.rows) out += fmt::format("| {} |\n", fmt::join(row, " | "));
  return out + "\n" + footer(t) + "\n";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

std::string csv(const ParetoTable& t) {
  std::vector<std::string> header{"trial", "configuration", "latency_ms", "latency_spread_ms", "speedup", t.quality_metric,
                                  "quality_proxy_delta_pct", "on_front", "rank", "crowding"};
  std::string out;
  for (std::size_t i = 0; i < header.size(); ++i) out += (i ? "," : "") + csv_field(header[i]);
  out += "\n";
  for (const auto& r : t.rows) {
    const std::vector<std::string> row{std::to_string(r.trial_id), csv_field(r.label), general(r.latency_ms), general(r.latency_spread_ms),
                                       general(r.speedup), general(r.quality),
                                       r.quality_proxy_delta_pct ? general(*r.quality_proxy_delta_pct) : "", r.on_front ? "1" : "0",
                                       std::to_string(r.rank), std::isinf(r.crowding) ? "inf" : general(r.crowding)};
    out += fmt::format("{}\n", fmt::join(row, ","));
  }
  return out;
}

std::string latex_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': case '%': case '$': case '#': case '_': case '{': case '}': out += '\\'; out += ch; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '\\': out += "\\textbackslash{}"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string latex(const ParetoTable& t) {
  auto c = cells_of(t, true);
  std::string out = "% requires \\usepackage{booktabs}\n\\begin{tabular}{rlrrrrlrr}\n\\toprule\n";
  std::vector<std::string> header;
  for (const auto& h : c.header) header.push_back(latex_escape(h));
  out += fmt::format("{} \\\\\n\\midrule\n", fmt::join(header, " & "));
  for (auto& row : c.rows) {
    for (auto& cell : row) {
      const auto pm = cell.find(" +- ");
      cell = pm == std::string::npos ? latex_escape(cell) : latex_escape(cell.substr(0, pm)) + " $\\pm$ " + latex_escape(cell.substr(pm + 4));
    }
    out += fmt::format("{} \\\\\n", fmt::join(row, " & "));
  }
  out += "\\bottomrule\n\\end{tabular}\n% " + footer(t) + "\n";
  if (!t.common_overrides.empty()) out += fmt::format("% every sweep row also sets: {}\n", fmt::join(t.common_overrides, " "));
  return out;
}

nlohmann::json number_json(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string json(const ParetoTable& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : t.rows) {
    rows.push_back({{"trial", r.trial_id},
                    {"configuration", r.label},
                    {"dense", r.dense},
                    {"latency_ms", r.latency_ms},
                    {"latency_spread_ms", r.latency_spread_ms},
                    {"speedup", number_json(r.speedup)},
                    {"speedup_paired", r.paired},
                    {"quality", number_json(r.quality)},
                    {"quality_proxy_delta_pct", r.quality_proxy_delta_pct ? number_json(*r.quality_proxy_delta_pct) : nullptr},
                    {"on_front", r.on_front},
                    {"rank", r.rank},
                    {"crowding", std::isinf(r.crowding) ? nlohmann::json("inf") : number_json(r.crowding)}});
  }
  return nlohmann::json{{"study", t.study},
                        {"quality_metric", t.quality_metric},
                        {"quality_higher_is_better", t.quality_higher_is_better},
                        {"hypervolume", t.hypervolume},
                        {"reference_point", t.reference_point},
                        {"skipped", t.skipped},
                        {"common_overrides", t.common_overrides},
                        {"rows", rows}}
             .dump(2) +
         "\n";
}

}  // namespace

std::string render_pareto_table(const ParetoTable& table, const std::string& format) {
  if (format == "md") return markdown(table);
  if (format == "csv") return csv(table);
  if (format == "latex") return latex(table);
  if (format == "json") return json(table);
  fail(ErrorKind::kConfig, "export pareto: unknown format '{}' (md, csv, latex, json)", format);
}

}  // namespace astraea::driver
