#include "train/world_dataset.h"

#include "data/batch.h"
#include "data/prompt.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace astraea::train {
namespace {

constexpr int kChunk = 64;

at::Tensor int64_tensor(const std::vector<std::int64_t>& values, at::IntArrayRef shape) {
  return at::from_blob(const_cast<std::int64_t*>(values.data()), shape, at::kLong).clone();
}

}  // namespace

data::WorldOptions world_for(const config::VideoOptions& video) {
  data::WorldOptions world;
  world.frames = video.frames;
  world.height = video.height;
  world.width = video.width;
  return world;
}

WorldDataset render_world_dataset(std::uint64_t seed, int count, const data::WorldOptions& world, int max_tokens, unsigned threads) {
  const data::BatchOptions options{world, max_tokens};
  // Validates the options (and count) before any thread starts.
  const data::Batch first = data::make_batch(seed, 0, std::min(count, kChunk), options);
  const int chunks = (count + kChunk - 1) / kChunk;
  std::vector<data::Batch> batches(static_cast<std::size_t>(chunks));
  batches[0] = first;
  std::atomic<int> next{1};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (int c = next++; c < chunks; c = next++) {
      try {
        const int begin = c * kChunk;
        batches[static_cast<std::size_t>(c)] = data::make_batch(seed, static_cast<std::uint64_t>(begin), std::min(kChunk, count - begin), options);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  const unsigned workers = std::max(1u, threads ? threads : std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);

  const std::int64_t n = count, f = world.frames, h = world.height, w = world.width, c = data::kChannels;
  WorldDataset dataset;
  auto clips = at::empty({n, f, h, w, c}, at::kFloat);
  std::vector<std::int64_t> tokens, shapes, colours, directions, backgrounds;
  float* out = clips.data_ptr<float>();
  for (const auto& batch : batches) {
    std::memcpy(out, batch.videos.data(), batch.videos.size() * sizeof(float));
    out += batch.videos.size();
    tokens.insert(tokens.end(), batch.token_ids.begin(), batch.token_ids.end());
    shapes.insert(shapes.end(), batch.shape_ids.begin(), batch.shape_ids.end());
    colours.insert(colours.end(), batch.colour_ids.begin(), batch.colour_ids.end());
    directions.insert(directions.end(), batch.direction_ids.begin(), batch.direction_ids.end());
    backgrounds.insert(backgrounds.end(), batch.background_ids.begin(), batch.background_ids.end());
  }
  dataset.clips = clips.permute({0, 1, 4, 2, 3}).contiguous();
  dataset.token_ids = int64_tensor(tokens, {n, max_tokens});
  dataset.shape_ids = int64_tensor(shapes, {n});
  dataset.colour_ids = int64_tensor(colours, {n});
  dataset.direction_ids = int64_tensor(directions, {n});
  dataset.background_ids = int64_tensor(backgrounds, {n});
  dataset.empty_prompt = int64_tensor(data::world_tokenizer().encode("", max_tokens).ids, {max_tokens});
  return dataset;
}

}  // namespace astraea::train
