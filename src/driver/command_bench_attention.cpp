// `astraea bench attention`: the block-sparse attention kernel against the strongest baselines on
// the same inputs, in the same run and on the same device: at::scaled_dot_product_attention
// (cuDNN on Hopper) dense, and, with --flex, FlexAttention on the identical block masks (the Python
// baselines script reads the masks this command writes). Where the sm_90a kernel cannot run, the
// kernel bridge's LibTorch reference runs instead and the table says so.
#include "attention/arm.h"
#include "attention/kernel_bridge.h"
#include "attention/layout_permutation.h"
#include "core/error.h"
#include "driver/commands.h"
#include "driver/environment.h"
#include "driver/model_setup.h"
#include "driver/table.h"
#include "pipeline/step_timer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>

namespace astraea::driver {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kBlock = attention::kKernelBlockSize;
constexpr double kTimedBudgetMs = 4000;  // N = clamp(budget / first launch, 5, iters)
constexpr int kMinIters = 5;

struct Shape {
  std::int64_t batch = 0, heads = 0, seq = 0, dim = 0;
  std::string text() const { return fmt::format("{},{},{},{}", batch, heads, seq, dim); }
  std::int64_t blocks() const { return (seq + kBlock - 1) / kBlock; }
  double dense_flops() const { return 4.0 * double(batch) * double(heads) * double(seq) * double(seq) * double(dim); }
};

// Four comma-separated integers, each at least its minimum, for the option `option` that names
// them `names` ("B,H,S,D").
std::array<std::int64_t, 4> parse_four(const std::string& text, const char* option, const char* names, const std::array<std::int64_t, 4>& least) {
  std::array<std::int64_t, 4> values{};
  std::size_t start = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto comma = text.find(',', start);
    const auto field = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    values[i] = std::strtoll(field.c_str(), &end, 10);
    if ((comma == std::string::npos) != (i == 3) || field.empty() || *end != '\0' || values[i] < least[i] || values[i] > (std::int64_t{1} << 40)) {
      fail(ErrorKind::kConfig, "bench attention: {} '{}' is not four integers {} (at least {},{},{},{})", option, text, names, least[0], least[1],
           least[2], least[3]);
    }
    start = comma + 1;
  }
  return values;
}

Shape parse_shape(const std::string& text) {
  const auto v = parse_four(text, "--shape", "B,H,S,D", {1, 1, 1, 1});
  return {v[0], v[1], v[2], v[3]};
}

// "text,frames,height,width" in patches.
attention::VideoLayout parse_layout(const std::string& text) {
  const auto v = parse_four(text, "--layout", "text,frames,height,width", {0, 1, 1, 1});
  if (*std::max_element(v.begin(), v.end()) > (1 << 20)) fail(ErrorKind::kConfig, "bench attention: --layout '{}' is too large", text);
  return {static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]), static_cast<int>(v[3])};
}

double parse_density(const std::string& text) {
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(d > 0.0 && d <= 1.0)) fail(ErrorKind::kConfig, "bench attention: --density {} is outside (0, 1]", text);
  return d;
}

// FlexAttention's layout: every query block keeps round(density x blocks) key blocks (at least
// its diagonal block), the diagonal and the others uniform without replacement, drawn per (batch,
// head, query block). counts int32 [B, H, M]; indices int32 [B, H, M, M], the kept blocks first.
struct BlockMask {
  at::Tensor counts;
  at::Tensor indices;
  double density = 0;
};

BlockMask random_block_mask(const Shape& s, double density, std::uint64_t seed) {
  const std::int64_t m = s.blocks();
  const auto keep = std::clamp<std::int64_t>(std::llround(density * double(m)), 1, m);
  auto generator = at::detail::createCPUGenerator(seed);
  // Random keys, the diagonal's forced below every other: sorting puts it first, the rest uniform.
  auto keys = at::rand({s.batch, s.heads, m, m}, generator);
  keys.diagonal(0, 2, 3).fill_(-1.0);
  BlockMask mask;
  mask.indices = std::get<1>(keys.sort(-1)).to(at::kInt).contiguous();
  mask.counts = at::full({s.batch, s.heads, m}, keep, at::kInt);
  mask.density = double(keep) / double(m);
  return mask;
}

// The baselines script's file: the counts, then the indices, as raw int32.
void write_mask(const BlockMask& mask, const fs::path& dir, const Shape& s, const std::string& density_text) {
  const auto path = dir / fmt::format("mask_{}_{}_{}_{}_{}.bin", s.batch, s.heads, s.seq, s.dim, density_text);
  std::ofstream out(path, std::ios::binary);
  for (const auto* t : {&mask.counts, &mask.indices}) {
    out.write(reinterpret_cast<const char*>(t->data_ptr<std::int32_t>()), static_cast<std::streamsize>(t->numel() * sizeof(std::int32_t)));
  }
  if (!out) fail(ErrorKind::kStorage, "bench attention: cannot write the mask file {}", path.string());
}

struct Timing {
  double ms = 0;
  int iters = 0;
};

// Median of N launches, each timed on its own (CUDA events on a GPU), after one untimed launch.
Timing time_launches(const std::function<void()>& launch, c10::Device device, int cap) {
  pipeline::StepTimer timer(device);
  launch();
  timer.start();
  launch();
  const double first = timer.stop_ms();
  const int iters = std::clamp(static_cast<int>(kTimedBudgetMs / std::max(first, 1e-3)), std::min(kMinIters, cap), cap);
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    timer.start();
    launch();
    ms.push_back(timer.stop_ms());
  }
  return {median(std::move(ms)), iters};
}

// ARM's pattern choice for every head of a shape, against the dense attention it steers.
struct ArmRow {
  std::string shape, layout;
  Timing timing;
};

struct Row {
  std::string shape, kernel, implementation, density_text;
  double density = 1.0;
  Timing timing;
  double tflops = 0;
};

// FlexAttention's times from the baselines script, keyed by (shape, density as typed).
struct PermuteRow {
  std::string shape, what, implementation;
  Timing timing;
  double bytes = 0;
};

// RainFusion's temporal heads in band order: Q, K and V with every other head permuted to
// token-major order, by the fused kernel and by ATen's index_select / index_copy_, beside a plain
// copy of the same bytes (the bandwidth floor). The two permutes must agree exactly.
void time_permutes(const Shape& s, const attention::VideoLayout& layout, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                   c10::Device device, int iters, std::vector<PermuteRow>& rows) {
  const std::int64_t bh = s.batch * s.heads;
  const std::vector<at::Tensor> xs{q.reshape({bh, s.seq, s.dim}), k.reshape({bh, s.seq, s.dim}), v.reshape({bh, s.seq, s.dim})};
  const at::Tensor order = attention::band_order(layout, attention::TokenOrder::kTokenMajor, kBlock, true).to(device);
  const at::Tensor flags = (at::arange(bh) % 2 == 0).to(device);
  const double bytes = 2.0 * 3.0 * static_cast<double>(q.numel()) * static_cast<double>(q.element_size());
  const auto fused = attention::permute_rows(xs, order, flags);
  const auto reference = attention::permute_rows_reference(xs, order, flags);
  for (std::size_t t = 0; t < xs.size(); ++t) {
    if (!at::equal(fused[t], reference[t])) fail("bench attention: the fused permute of tensor {} differs from index_select's for {}", t, s.text());
  }
  const std::string fused_impl = attention::attention_kernels_available(q, k, v) ? "sm90a kernel, one launch" : "LibTorch reference";
  rows.push_back({s.text(), "permute Q,K,V (fused)", fused_impl, time_launches([&] { attention::permute_rows(xs, order, flags); }, device, iters), bytes});
  rows.push_back({s.text(), "permute Q,K,V (index_select, index_copy_)", "ATen",
                  time_launches([&] { attention::permute_rows_reference(xs, order, flags); }, device, iters), bytes});
  rows.push_back({s.text(), "copy Q,K,V (the floor)", "ATen clone", time_launches([&] {
                    for (const auto& x : xs) x.clone();
                  }, device, iters), bytes});
}

std::map<std::pair<std::string, std::string>, double> run_flex(const BenchAttentionCommand& c, const fs::path& mask_dir) {
  if (!fs::exists(c.baselines_script)) {
    fail(ErrorKind::kConfig, "bench attention --flex: no baselines script at '{}' (--baselines-script; paths start from {})", c.baselines_script,
         fs::current_path().string());
  }
  const auto json = mask_dir / "flex_baselines.json";
  std::string shapes, densities;
  for (const auto& s : c.shapes) shapes += " --shape " + s;
  for (const auto& d : c.densities) densities += (densities.empty() ? "" : ",") + d;
  const char* python = std::getenv("PYTHON");
  const auto command = fmt::format("'{}' '{}' measure{} --density {} --mask-dir '{}' --iters {} --json '{}'", python ? python : "python3",
                                   c.baselines_script, shapes, densities, mask_dir.string(), c.iters, json.string());
  fmt::print(stderr, "bench attention: FlexAttention through {}\n", command);
  if (std::system(command.c_str()) != 0) fail("bench attention --flex: the baselines script failed: {}", command);
  std::ifstream in(json);
  const auto report = nlohmann::json::parse(in);
  std::map<std::pair<std::string, std::string>, double> flex;
  for (const auto& row : report.at("rows")) {
    if (row.at("kernel") != "flex_attention") continue;
    const auto shape = row.at("shape");
    const auto key = fmt::format("{},{},{},{}", shape[0].get<std::int64_t>(), shape[1].get<std::int64_t>(), shape[2].get<std::int64_t>(),
                                 shape[3].get<std::int64_t>());
    for (const auto& d : c.densities) {
      if (std::abs(parse_density(d) - row.at("requested_density").get<double>()) < 1e-9) flex[{key, d}] = row.at("ms").get<double>();
    }
  }
  return flex;
}

}  // namespace

int bench_attention_command(const BenchAttentionCommand& c) {
  if (c.shapes.empty() || c.densities.empty()) fail(ErrorKind::kConfig, "bench attention: needs at least one --shape and one --density");
  if (c.iters < 1) fail(ErrorKind::kConfig, "bench attention: --iters {} must be at least 1", c.iters);
  if (c.decide_every < 1) fail(ErrorKind::kConfig, "bench attention: --decide-every {} must be at least 1", c.decide_every);
  std::vector<Shape> shapes;
  for (const auto& text : c.shapes) shapes.push_back(parse_shape(text));
  std::vector<std::pair<std::string, attention::VideoLayout>> layouts;
  for (const auto& text : c.layouts) layouts.emplace_back(text, parse_layout(text));
  for (const auto& d : c.densities) parse_density(d);
  const auto device = pick_device(c.device);
  const auto dtype = pick_dtype(c.dtype);
  if (c.flex && !device.is_cuda()) fail(ErrorKind::kConfig, "bench attention --flex: FlexAttention is timed on a CUDA device; this run is on {}", device.str());
  if (c.flex && dtype != at::kBFloat16) {
    fail(ErrorKind::kConfig, "bench attention --flex: the baselines script times bfloat16; this run is {} (use --dtype bfloat16)", c.dtype);
  }
  std::optional<fs::path> mask_dir;
  if (!c.mask_dir.empty()) mask_dir = c.mask_dir;
  if (c.flex && !mask_dir) mask_dir = fs::temp_directory_path() / fmt::format("astraea_masks_{}", std::chrono::steady_clock::now().time_since_epoch().count());
  if (mask_dir) fs::create_directories(*mask_dir);

  std::vector<Row> rows;
  std::vector<ArmRow> arm_rows;
  std::vector<PermuteRow> permute_timings;
  nlohmann::json checks = nlohmann::json::array();
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const auto& s = shapes[i];
    fmt::print(stderr, "bench attention: {} ({} key blocks of {})\n", s.text(), s.blocks(), kBlock);
    const auto options = at::TensorOptions().dtype(dtype).device(device);
    at::Tensor q, k, v;
    if (device.is_cuda()) {
      at::manual_seed(c.seed + i);
      q = at::randn({s.batch, s.heads, s.seq, s.dim}, options), k = at::randn_like(q), v = at::randn_like(q);
    } else {
      auto generator = at::detail::createCPUGenerator(c.seed + i);
      q = at::randn({s.batch, s.heads, s.seq, s.dim}, generator, at::kFloat).to(dtype);
      k = at::randn({s.batch, s.heads, s.seq, s.dim}, generator, at::kFloat).to(dtype);
      v = at::randn({s.batch, s.heads, s.seq, s.dim}, generator, at::kFloat).to(dtype);
    }
    const std::string implementation = attention::attention_kernels_available(q, k, v) ? "sm90a kernel" : "LibTorch reference";
    const auto sdpa = [&] { at::scaled_dot_product_attention(q, k, v); };
    for (const auto start = std::chrono::steady_clock::now();
         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() < c.warmup_ms;) {
      sdpa();
      if (device.is_cuda()) torch::cuda::synchronize();
    }
    const auto add = [&](std::string kernel, std::string impl, std::string density_text, double density, Timing t) {
      rows.push_back({s.text(), std::move(kernel), std::move(impl), std::move(density_text), density, t, s.dense_flops() * density / t.ms / 1e9});
    };
    add("SDPA dense", device.is_cuda() ? "ATen (cuDNN / flash)" : "ATen", "1", 1.0, time_launches(sdpa, device, c.iters));
    add("astraea (dense policy)", implementation, "1", 1.0,
        time_launches([&] { attention::block_sparse_attention(q, k, v, at::Tensor(), at::Tensor()); }, device, c.iters));
    // The kernel's dense answer against SDPA's on these inputs: a guard that the timed kernel is the right one.
    const auto ours = attention::block_sparse_attention(q, k, v, at::Tensor(), at::Tensor()).out.to(at::kFloat);
    checks.push_back({{"shape", s.text()}, {"max_abs_diff_dense_vs_sdpa", (ours - at::scaled_dot_product_attention(q, k, v).to(at::kFloat)).abs().max().item<double>()}});
    const auto layout = std::find_if(layouts.begin(), layouts.end(), [&](const auto& l) { return l.second.total_tokens() == s.seq; });
    if (layout != layouts.end()) {
      // q and k in frame-major order, as RainFusion hands them to ARM; the result lands on the host.
      const attention::ArmOptions arm;
      arm_rows.push_back({s.text(), layout->first, time_launches([&] { attention::recognise_patterns(q, k, layout->second, arm); }, device, c.iters)});
      time_permutes(s, layout->second, q, k, v, device, c.iters, permute_timings);
    } else {
      fmt::print(stderr, "bench attention: no --layout has {} tokens; ARM's pattern choice is not timed for {}\n", s.seq, s.text());
    }
    for (std::size_t d = 0; d < c.densities.size(); ++d) {
      const auto& text = c.densities[d];
      const auto mask = random_block_mask(s, parse_density(text), c.seed * 1000003 + i * 101 + d);
      if (mask_dir) write_mask(mask, *mask_dir, s, text);
      const auto counts = mask.counts.to(device), indices = mask.indices.to(device);
      add("astraea (block list)", implementation, text, mask.density,
          time_launches([&] { attention::block_sparse_attention(q, k, v, counts, indices); }, device, c.iters));
    }
  }
  std::map<std::pair<std::string, std::string>, double> flex;
  if (c.flex) flex = run_flex(c, *mask_dir);

  const auto env = capture_environment();
  fmt::print("astraea bench attention: {} on {}, commit {}{}; forward, non-causal, {}x{} blocks; median of N launches\n", c.dtype,
             device.is_cuda() ? env.gpu : std::string("cpu"), env.git_commit.substr(0, 12), env.git_dirty ? " (dirty)" : "", kBlock, kBlock);
  Table table({"shape (B,H,S,D)", "kernel", "runs as", "density", "ms", "N", "eff TF/s", "x SDPA dense", "x Flex"},
              {false, false, false, true, true, true, true, true, true});
  nlohmann::json json_rows = nlohmann::json::array();
  for (const auto& r : rows) {
    const auto sdpa = std::find_if(rows.begin(), rows.end(), [&](const Row& x) { return x.shape == r.shape && x.kernel == "SDPA dense"; });
    const auto f = r.kernel == "astraea (block list)" ? flex.find({r.shape, r.density_text}) : flex.end();
    table.add_row({r.shape, r.kernel, r.implementation, fmt::format("{:.3f}", r.density), fmt::format("{:.3f}", r.timing.ms),
                   std::to_string(r.timing.iters), fmt::format("{:.1f}", r.tflops), fmt::format("{:.2f}", sdpa->timing.ms / r.timing.ms),
                   f != flex.end() ? fmt::format("{:.2f}", f->second / r.timing.ms) : ""});
    json_rows.push_back({{"shape", r.shape}, {"kernel", r.kernel}, {"implementation", r.implementation}, {"density", r.density},
                         {"requested_density", r.density_text}, {"ms", r.timing.ms}, {"iters", r.timing.iters}, {"tflops", r.tflops},
                         {"x_sdpa_dense", sdpa->timing.ms / r.timing.ms}});
    if (f != flex.end()) json_rows.back()["flex_ms"] = f->second;
  }
  for (const auto& [key, ms] : flex) {
    const auto sdpa = std::find_if(rows.begin(), rows.end(), [&](const Row& x) { return x.shape == key.first && x.kernel == "SDPA dense"; });
    const auto& s = *std::find_if(shapes.begin(), shapes.end(), [&](const Shape& x) { return x.text() == key.first; });
    const auto density = double(std::clamp<std::int64_t>(std::llround(parse_density(key.second) * double(s.blocks())), 1, s.blocks())) / double(s.blocks());
    table.add_row({key.first, "FlexAttention", "torch.compile", fmt::format("{:.3f}", density), fmt::format("{:.3f}", ms), "",
                   fmt::format("{:.1f}", s.dense_flops() * density / ms / 1e9), fmt::format("{:.2f}", sdpa->timing.ms / ms), "1.00"});
  }
  fmt::print("{}", table.render());
  nlohmann::json json_arm = nlohmann::json::array();
  if (!arm_rows.empty()) {
    std::vector<std::string> header{"shape (B,H,S,D)", "layout (text,T,H,W)", "ARM ms", "N", "% of SDPA dense", "% of astraea dense"};
    const std::string per_step = fmt::format("% of SDPA dense per step (r={})", c.decide_every);
    if (c.decide_every > 1) header.push_back(per_step);
    std::vector<bool> right(header.size(), true);
    right[0] = right[1] = false;
    Table arm_table(header, right);
    for (const auto& a : arm_rows) {
      const auto of = [&](const std::string& kernel) {
        const auto r = std::find_if(rows.begin(), rows.end(), [&](const Row& x) { return x.shape == a.shape && x.kernel == kernel; });
        return 100.0 * a.timing.ms / r->timing.ms;
      };
      std::vector<std::string> cells{a.shape, a.layout, fmt::format("{:.3f}", a.timing.ms), std::to_string(a.timing.iters),
                                     fmt::format("{:.2f}", of("SDPA dense")), fmt::format("{:.2f}", of("astraea (dense policy)"))};
      json_arm.push_back({{"shape", a.shape}, {"layout", a.layout}, {"ms", a.timing.ms}, {"iters", a.timing.iters},
                          {"percent_of_sdpa_dense", of("SDPA dense")}, {"percent_of_astraea_dense", of("astraea (dense policy)")}});
      if (c.decide_every > 1) {
        cells.push_back(fmt::format("{:.2f}", of("SDPA dense") / c.decide_every));
        json_arm.back()["decide_every"] = c.decide_every;
        json_arm.back()["percent_of_sdpa_dense_per_step"] = of("SDPA dense") / c.decide_every;
      }
      arm_table.add_row(cells);
    }
    fmt::print("RainFusion's ARM pattern choice for every head (two samples, band recall, result on the host):\n{}", arm_table.render());
  }
  nlohmann::json json_permute = nlohmann::json::array();
  if (!permute_timings.empty()) {
    Table permute_table({"shape (B,H,S,D)", "what", "runs as", "ms", "N", "GB/s"}, {false, false, false, true, true, true});
    for (const auto& p : permute_timings) {
      const double gbs = p.bytes / p.timing.ms / 1e6;
      permute_table.add_row({p.shape, p.what, p.implementation, fmt::format("{:.3f}", p.timing.ms), std::to_string(p.timing.iters), fmt::format("{:.0f}", gbs)});
      json_permute.push_back({{"shape", p.shape}, {"what", p.what}, {"implementation", p.implementation}, {"ms", p.timing.ms},
                              {"iters", p.timing.iters}, {"bytes", p.bytes}, {"gb_per_s", gbs}});
    }
    fmt::print("Token-major permutes of Q, K and V with every other head temporal (bytes read + written):\n{}", permute_table.render());
  }
  if (!c.json_out.empty()) {
    const nlohmann::json report = {{"gpu", device.is_cuda() ? env.gpu : std::string("cpu")}, {"commit", env.git_commit}, {"dirty", env.git_dirty},
                                   {"dtype", c.dtype}, {"rows", json_rows}, {"arm", json_arm}, {"permute", json_permute}, {"checks", checks}};
    std::ofstream(c.json_out) << report.dump(2) << "\n";
  }
  return 0;
}

}  // namespace astraea::driver
