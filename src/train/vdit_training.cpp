#include "train/vdit_training.h"

#include "attention/dense_accelerator.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/prompt.h"
#include "model/checkpoint.h"
#include "model/cogvideox_transformer.h"
#include "model/positional_encoding.h"
#include "model/safetensors_file.h"
#include "pipeline/prompt_embeddings.h"
#include "train/clip_sampling.h"
#include "train/object_weight.h"
#include "train/v_prediction.h"
#include "train/weight_init.h"
#include "train/world_dataset.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/nn/modules/embedding.h>

namespace astraea::train {
namespace {

constexpr std::uint64_t kInitStream = 11;
constexpr std::uint64_t kEmbeddingStream = 12;
constexpr std::uint64_t kStepStream = 13;

// bf16 autocast on CUDA for the guard's lifetime.
class CudaAutocast {
 public:
  explicit CudaAutocast(bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
    at::autocast::set_autocast_enabled(at::kCUDA, true);
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  }
  ~CudaAutocast() {
    if (!enabled_) return;
    at::autocast::set_autocast_enabled(at::kCUDA, false);
    at::autocast::clear_cache();
  }
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

 private:
  bool enabled_;
};

class VditTask final : public TrainingTask {
 public:
  VditTask(const config::TrainingOptions& options, const model::CogVideoXConfig& config, c10::Device device)
      : options_(options), transformer_(config), device_(device) {
    validate_shape_weights(options.train.shape_weights);
    if (config.in_channels != data::kChannels || config.out_channels != data::kChannels) {
      fail(ErrorKind::kConfig, "train: the pixel-space model needs in_channels = out_channels = 3, got {} and {}", config.in_channels,
           config.out_channels);
    }
    if (options.video.height % config.patch_size || options.video.width % config.patch_size) {
      fail(ErrorKind::kConfig, "train: video {}x{} is not a multiple of patch_size {}", options.video.height, options.video.width, config.patch_size);
    }
    embedding_ = torch::nn::Embedding(data::kWorldVocabularySize, config.text_embed_dim);
    if (options.train.init_from.empty()) {
      init_for_training(*transformer_, derive_seed(static_cast<std::uint64_t>(options.seed), {kInitStream}));
      at::NoGradGuard no_grad;
      auto generator = at::detail::createCPUGenerator(derive_seed(static_cast<std::uint64_t>(options.seed), {kEmbeddingStream}));
      embedding_->weight.copy_(at::randn(embedding_->weight.sizes(), generator, at::kFloat));
    } else {
      with_context(fmt::format("train.init_from '{}'", options.train.init_from), [&] {
        const model::TensorSource weights(options.train.init_from);
        model::load_state_dict(*transformer_, weights, at::kFloat, c10::Device(c10::kCPU), "", {"text_embedding."});
        model::load_state_dict(*embedding_, weights, at::kFloat, c10::Device(c10::kCPU), "text_embedding.");
      });
    }
    transformer_->to(device);
    embedding_->to(device);
    transformer_->train();

    const auto world = world_for(options.video);
    auto dataset = render_world_dataset(static_cast<std::uint64_t>(options.train.dataset_seed), options.train.dataset_size, world,
                                        config.max_text_seq_length);
    clips_ = (dataset.clips * 2 - 1).to(device);
    token_ids_ = dataset.token_ids.to(device);
    background_ids_ = dataset.background_ids.to(device);
    clip_weights_ = clip_weights(dataset.shape_ids.to(device), options.train.shape_weights);
    background_table_ = background_table(world.height).to(device);
    empty_prompt_ = dataset.empty_prompt.to(device);
    alpha_bar_ = alpha_bar_table(pipeline::NoiseSchedule(schedule_options(options))).to(device);
    if (config.use_rotary_positional_embeddings) {
      const auto rope = model::cogvideox_rotary_embedding(config, world.frames, world.height, world.width);
      rope_ = model::RotaryEmbedding{rope.cos.to(device), rope.sin.to(device)};
    }
  }

  std::string name() const override { return "vdit"; }

  NamedTensors parameters() override {
    NamedTensors named;
    for (auto& item : transformer_->named_parameters()) named.emplace_back(item.key(), item.value());
    named.emplace_back(pipeline::kTextEmbeddingTensor, embedding_->weight);
    return named;
  }

  at::Tensor loss(int, std::map<std::string, double>&) override {
    const auto long_options = at::TensorOptions().dtype(at::kLong).device(device_);
    const std::int64_t batch = options_.train.batch_size;
    const auto index = draw_clip_indices(clip_weights_, clips_.size(0), batch, device_);
    const auto x0 = clips_.index_select(0, index);
    auto ids = token_ids_.index_select(0, index);
    const auto dropped = at::rand({batch, 1}, at::TensorOptions().device(device_)) < options_.train.cfg_dropout;
    ids = at::where(dropped, empty_prompt_.unsqueeze(0).expand_as(ids), ids);
    const auto t = at::randint(alpha_bar_.size(0), {batch}, long_options);
    const auto sample = v_prediction_sample(alpha_bar_, x0, at::randn_like(x0), t);
    at::Tensor prediction;
    {
      const CudaAutocast autocast(options_.train.mixed_precision && device_.is_cuda());
      prediction = transformer_->forward(sample.noisy, embedding_(ids), t, rope_, accelerator_);
    }
    const double weight = options_.train.object_weight;
    const auto mask = weight > 0 ? object_mask((x0 + 1) * 0.5, background_ids_.index_select(0, index), background_table_) : at::Tensor();
    return object_weighted_mse(prediction.to(at::kFloat), sample.target, mask, weight);
  }

 private:
  static pipeline::NoiseScheduleOptions schedule_options(const config::TrainingOptions& options) {
    pipeline::NoiseScheduleOptions schedule;
    schedule.snr_shift_scale = options.sampler.snr_shift_scale;
    return schedule;
  }

  const config::TrainingOptions& options_;
  model::CogVideoXTransformer3D transformer_;
  torch::nn::Embedding embedding_{nullptr};
  c10::Device device_;
  attention::DenseAccelerator accelerator_;
  at::Tensor clips_, token_ids_, clip_weights_, background_ids_, background_table_, empty_prompt_, alpha_bar_;
  std::optional<model::RotaryEmbedding> rope_;
};

}  // namespace

TrainingReport train_vdit(const config::TrainingOptions& options, const model::CogVideoXConfig& config, c10::Device device, const RunControl& control) {
  VditTask task(options, config, device);
  auto report = run_training(task, options.train, derive_seed(static_cast<std::uint64_t>(options.seed), {kStepStream}), control);
  const auto path = std::filesystem::path(options.train.out) / kVditWeightsName;
  const auto tmp = path.string() + ".tmp";
  model::save_safetensors(tmp, report.ema,
                          {{"format", "astraea tiny vdit (EMA weights)"}, {"steps", std::to_string(report.steps)},
                           {"of_steps", std::to_string(options.train.steps)}, {"ema_decay", std::to_string(options.train.ema_decay)}});
  std::filesystem::rename(tmp, path);
  return report;
}

}  // namespace astraea::train
