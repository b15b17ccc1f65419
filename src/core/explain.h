// "Why did it say that": gradient saliency maps of a network's prediction (Simonyan, Vedaldi &
// Zisserman 2014, "Deep Inside Convolutional Networks", section 3.1).
//
// For an image x and a class c the map is |d s_c / d x|, s_c the class's score (its logit, before the
// softmax), taken per input pixel as the largest magnitude over the input channels. It says which
// pixels, changed a little, would change the score most.
//
// Why the gradient and not Grad-CAM on the last convolution: it works for every network here (the
// fcnn has no convolution at all), it has the input's full 28x28 resolution (Grad-CAM on vgg6's last
// convolution is 7x7, on the cnn's 14x14), and it is exactly a derivative, so it is tested against
// finite differences. Its known weakness is noise: single pixels stand out; the display clips at the
// 99th percentile so that a few extreme pixels do not turn the rest dark.
//
// The networks run in inference mode (batch norm on its running statistics, dropout off), as when
// they predict; the model's parameter gradients are left as they were. Feature models (logreg,
// forest) have no gradient with respect to the pixels: explain() refuses them.
#pragma once
#include <cstdint>
#include <vector>

#include "core/model.h"
#include "core/nn/network.h"
#include "core/result.h"

namespace core {

// d logits[n][cls[n]] / d x for each sample n of x (a batch in the network's input shape), in
// inference mode. Writes the logits (N, classes) and the gradient (the shape of x). cls[n] < 0 means
// the sample's top class (written back into cls). The network's parameter gradients are unchanged.
void input_gradient(nn::Network& net, const nn::Tensor& x, std::vector<int>& cls, nn::Tensor& logits, nn::Tensor& grad);

struct Saliency {
    int cls = -1;                 // the class whose score is explained
    int top = -1;                 // the model's top class for the image (cls unless asked for another)
    std::vector<float> probs;     // kClasses, softmax of the logits (before calibration)
    std::vector<float> grad;      // d logit[cls] / d input, in the model's input shape and units
    std::vector<float> map;       // kSide x kSide in 0..1: max over channels of |grad| / clip, at most 1
    float clip = 0;               // the 99th percentile of max_c |grad| (0 when the gradient is all zero)
};

// Saliency of n images (n x 28x28x3 uint8, HWC, what the model sees). classes: n classes to explain,
// -1 (or a null pointer) for each image's top class. Errors: a feature model, a class out of range.
Result<std::vector<Saliency>> explain(Model& m, const uint8_t* images, int n, const int* classes = nullptr);

// Per-pixel max over channels of |grad| (pixels x channels) scaled by its 99th percentile and clipped
// to 1; writes that percentile to *clip.
std::vector<float> saliency_map(const float* grad, int pixels, int channels, float* clip = nullptr);

// The heat colour of a map value t in 0..1: RGB on a black-red-yellow-white ramp, and the opacity to
// draw it with over the image (transparent where nothing drove the score).
struct HeatColor {
    uint8_t r, g, b;
    float alpha;
};
HeatColor heat_color(float t);

// An RGB image (w x h x 3) with the map (mw x mh, 0..1, nearest-neighbour scaled to w x h) blended
// over it with heat_color.
std::vector<uint8_t> heat_overlay(const uint8_t* rgb, int w, int h, const float* map, int mw, int mh);

}  // namespace core
