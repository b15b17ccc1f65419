// CutMix (Yun et al., ICCV 2019) for a training batch: an image gets a rectangle cut from another
// image of the same batch, and its target becomes the two targets mixed by the rectangle's share
// of the image. A regulariser for long schedules: the network cannot lean on one region alone.
#pragma once
#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace core {

struct CutBox {
    int partner = -1;  // the batch index the rectangle comes from; -1: the image is left as it is
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // the rectangle, [x0, x1) x [y0, y1)
    float area = 0;                      // its share of the image, (x1 - x0)(y1 - y0) / side^2
};

// For each of the n images (HWC uint8, side x side x channels, contiguous) with probability p: a
// partner j != i drawn uniformly from the batch, a rectangle whose share lambda ~ U(0, 1) (CutMix's
// Beta(1, 1)) gives sides round(side * sqrt(lambda)), centred at a uniform pixel and clipped to the
// image; the pixels inside it are copied from image j as it was before any paste, and the image's
// target row (of `classes` floats) becomes (1 - area) * its own + area * j's (both rows as they
// were). With n < 2 or p == 0 nothing changes and rng is not drawn from. Returns the boxes drawn.
std::vector<CutBox> cutmix_batch(uint8_t* images, int n, int side, int channels, float* targets, int classes, float p,
                                 Rng& rng);

}  // namespace core
