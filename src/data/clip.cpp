#include "data/clip.h"

#include "core/error.h"

namespace astraea::data {

Clip Clip::zeros(int frames, int height, int width, int channels) {
  if (frames <= 0 || height <= 0 || width <= 0 || channels <= 0) {
    fail("clip: every dimension must be positive, got {}x{}x{}x{} (TxHxWxC)", frames, height, width, channels);
  }
  Clip clip{frames, height, width, channels, {}};
  clip.samples.assign(clip.frame_size() * static_cast<std::size_t>(frames), 0.0F);
  return clip;
}

}  // namespace astraea::data
