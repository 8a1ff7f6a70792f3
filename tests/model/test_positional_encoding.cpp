// RoPE tables against diffusers' get_3d_rotary_pos_embed on grids with fractional positions,
// half-to-even rounding and slice grids smaller than the maximum (cogvideox_rope_grids fixture).
#include "model/oracle_fixture.h"
#include "model/positional_encoding.h"
#include "support/catch.h"

using namespace astraea::model;

TEST_CASE("rotary tables match diffusers on awkward grids", "[model][rope]") {
  SafetensorsFile file("tests/fixtures/cogvideox_rope_grids.safetensors");
  const auto grids = nlohmann::json::parse(file.metadata().at("grids"));
  REQUIRE(grids.size() >= 6);
  for (const auto& [name, g] : grids.items()) {
    INFO(name);
    const int dim = g.at("embed_dim"), grid_h = g.at("grid_size")[0], grid_w = g.at("grid_size")[1], frames = g.at("temporal_size");
    RotaryEmbedding table;
    if (g.at("grid_type") == "linspace") {
      CogVideoXConfig config;
      config.attention_head_dim = dim;
      config.patch_size = g.at("patch_size");
      config.sample_height = g.at("sample_height");
      config.sample_width = g.at("sample_width");
      const auto crop = resize_crop_region_for_grid(grid_h, grid_w, config.sample_width / config.patch_size, config.sample_height / config.patch_size);
      CHECK(crop.start[0] == g.at("crops_coords")[0][0].get<int>());
      CHECK(crop.start[1] == g.at("crops_coords")[0][1].get<int>());
      CHECK(crop.stop[0] == g.at("crops_coords")[1][0].get<int>());
      CHECK(crop.stop[1] == g.at("crops_coords")[1][1].get<int>());
      table = cogvideox_rotary_embedding(config, frames, g.at("latent_height"), g.at("latent_width"));
    } else {
      table = rotary_3d_slice(dim, grid_h, grid_w, frames, g.at("max_size")[0], g.at("max_size")[1], g.at("theta").get<double>());
    }
    const auto cos = file.tensor("oracle.rope_" + name + "_cos"), sin = file.tensor("oracle.rope_" + name + "_sin");
    REQUIRE(table.cos.sizes() == cos.sizes());
    CHECK(astraea::testing::max_relative_error(table.cos, cos) <= 1e-6);
    CHECK(astraea::testing::max_relative_error(table.sin, sin) <= 1e-6);
  }
}

TEST_CASE("sincos positions follow the hand-worked formula", "[model][sincos]") {
  // D = 16: temporal 4 dims, spatial 12 (6 for w, 6 for h). Token (t=1, h=0, w=1) on a 2x3 grid.
  const auto table = sincos_positions_3d(16, 3, 2, 2, 1.0, 1.0);
  REQUIRE(table.sizes() == at::IntArrayRef({2 * 2 * 3, 16}));
  const auto row = table[1 * 6 + 0 * 3 + 1];
  // temporal: omega_j = 1/10000^(j/2), j = 0, 1 -> [sin(1), sin(0.01), cos(1), cos(0.01)]
  CHECK(row[0].item<double>() == Approx(std::sin(1.0)));
  CHECK(row[1].item<double>() == Approx(std::sin(0.01)));
  CHECK(row[2].item<double>() == Approx(std::cos(1.0)));
  // spatial w half (6 dims): omega_j = 1/10000^(j/3); w = 1 -> sin(1) first
  CHECK(row[4].item<double>() == Approx(std::sin(1.0)));
  // spatial h half: h = 0 -> sin(0) = 0, cos(0) = 1
  CHECK(row[10].item<double>() == Approx(0.0));
  CHECK(row[13].item<double>() == Approx(1.0));
}
