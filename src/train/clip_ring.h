// A faint ring of another colour around the object: the checker's second augmentation. The tiny
// vDiT draws a one-pixel fringe around its objects (cyan around red), and a checker trained on
// clean renders reads every fringed diamond as a triangle (scripts/checker_probe.py), so the
// shape it reports of generated clips measures the fringe as much as the shape. Training on
// fringed clips, and scoring the held-out world fringed too, makes and shows it robust to that.
#pragma once

#include <ATen/core/Tensor.h>

namespace astraea::train {

// A pixel counts as the object's when its chroma (max - min over RGB) exceeds this: the world's
// backgrounds are grey (chroma 0) and every object colour is saturated, so a pixel the object
// covers by even a few percent is above it.
inline constexpr double kObjectChroma = 0.02;

// clips [B, F, 3, H, W] float in [0, 1], rendered without noise; colours [B, 3], the ring's RGB;
// strengths [B] in [0, 1]. Each frame's ring is the pixels outside the object (chroma at most
// kObjectChroma) with an object pixel among their 8 neighbours; each is blended towards the
// clip's ring colour by its strength. Every other pixel is returned unchanged.
at::Tensor ring_clips(const at::Tensor& clips, const at::Tensor& colours, const at::Tensor& strengths);

// The colour each clip's ring takes by default: the complement (1 - RGB) of its object's colour,
// the fringe the vDiT draws. object_colours [B, 3].
inline at::Tensor complementary(const at::Tensor& object_colours) { return 1 - object_colours; }

}  // namespace astraea::train
