// Models: a small spec (what the UI shows and edits, and what a model file records), the trained
// model that predicts class probabilities for 28x28x3 images, and the versioned model file.
// Families: `nn` (a layer list on pixels: fcnn, cnn, vgg6, or a custom list), and the feature
// models `logreg` and `forest` (see logreg.h, forest.h) on standardized intensity + GLCM features.
//
// Model file (.bcm), little-endian:
//   "BCMODEL\0"  u32 version (= kModelFileVersion)  u32 family
//   str name     u32 input kind (0 rgb x/255 28x28x3, 1 gray x/255 28x28x1, 2 features,
//                3 rgb x/127.5 - 1)
//   u32 n_layers, per layer: u32 kind, i32 units, kernel, stride, same, pool, f32 rate, u32 init
//   u32 glcm levels, u32 n_distances, i32 distances..., u32 pixels (the feature definition)
//   (version 2) the calibration (calibration.h): u32 flags (bit 0: single view fitted, bit 1: 8-view
//   fitted), f32 temperature, f32 threshold, f32 8-view temperature, f32 8-view threshold,
//   f32 target accuracy, u32 validation images; version 1 files have none and load with T = 1
//   and the default threshold
//   u32 n_meta,   per entry: str key, str value    (the training record, record.h; sorted by key)
//   u32 n_arrays, per array: str name, u32 dtype (0 f32, 1 i32), u64 count, count x 4 bytes
//   u32 CRC-32 (zlib polynomial) of every byte before it
// where str = u32 length + bytes. nn arrays are "L<i>.<param>" for each layer's parameters and
// batch-norm running statistics.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/calibration.h"
#include "core/features.h"
#include "core/nn/network.h"
#include "core/record.h"
#include "core/result.h"

namespace core {

constexpr uint32_t kModelFileVersion = 2;   // written; versions 1 and 2 are read

enum class Family { nn = 0, logreg = 1, forest = 2 };
// rgb: x/255 (DESIGN.md's normalize); rgb_centered: x/127.5 - 1, zero-centred, which networks
// without batch norm (cnn) train better on.
enum class InputKind { rgb = 0, gray = 1, features = 2, rgb_centered = 3 };
const char* family_name(Family f);

struct ModelSpec {
    std::string name = "cnn";  // fcnn, cnn, vgg6, logreg, forest, or any label for a custom list
    Family family = Family::nn;
    InputKind input = InputKind::rgb;
    std::vector<nn::LayerSpec> layers;  // nn only
    FeatureSpec features;               // logreg/forest only
    bool with_pixels = false;           // logreg/forest: append the 784 gray pixels / 255
    nn::Shape input_shape() const;      // 28x28x3, 28x28x1, or 1x1xF
    std::string str() const;            // one line per layer, e.g. "conv3x3 32 same\nbn\nrelu\n..."
};

// Knobs of the named models (defaults are DESIGN.md's definitions).
struct ModelOptions {
    int width = 32;         // vgg6: filters of the first block (w, 2w, 4w)
    int hidden = 0;         // fcnn: units of both hidden layers (0 = 500); cnn: its dense layer (0 = 128)
    float dropout = 0.f;    // optional dropout before the last dense layer (0 = none)
    int trees = 200;        // forest
    int max_depth = 0;      // forest, 0 = unlimited
    bool pixels = false;    // forest: also use the 784 gray pixels as features
    int centered = -1;      // nn on RGB: 1 = x/127.5 - 1, 0 = x/255, -1 = the model's default (cnn: 1)
};

// The named model catalogue: "fcnn", "cnn", "vgg6", "logreg", "forest" (DESIGN.md "Models").
Result<ModelSpec> model_spec(const std::string& name, const ModelOptions& options = {});
std::vector<std::string> model_names();

// Parses a layer list, one layer per line or ';'-separated, in LayerSpec::str() form:
// "conv3x3 32 same", "conv5x5 16 valid s2", "bn", "relu", "maxpool2", "gap", "flatten",
// "dropout 0.3", "dense 128", "dense 8 glorot". The last layer must be dense 8.
Result<std::vector<nn::LayerSpec>> parse_layers(const std::string& text);

class LogReg;
class Forest;

// A trained (or freshly initialized) model. Not copyable; move it.
class Model {
public:
    Model();
    ~Model();
    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;

    // nn: builds the network and initializes it from `seed`. Feature families start untrained
    // (fit them with logreg.h / forest.h).
    static Result<Model> create(const ModelSpec& spec, uint64_t seed = 0);

    const ModelSpec& spec() const { return spec_; }
    // Calibrated class probabilities for n images (n x 28x28x3 uint8, HWC) -> n x 8 floats:
    // predict_raw() with the temperature of calibration().mode(tta) applied.
    std::vector<float> predict(const uint8_t* images, int n, bool tta = false);
    // The probabilities before calibration. tta averages the probabilities of the 8 dihedral views
    // (nn only; feature models are rotation-invariant enough and ignore it); with tta and `single`,
    // the first (identity) view's probabilities also go to *single (n x 8), at no extra cost.
    // Works in batches; uses nn::num_threads().
    std::vector<float> predict_raw(const uint8_t* images, int n, bool tta = false, std::vector<float>* single = nullptr);
    // Applies calibration().mode(tta)'s temperature to n rows of predict_raw() output, in place.
    void calibrate(float* probs, int n, bool tta) const;
    // Whether a calibrated prediction (8 probabilities) is "unsure": its confidence is below the
    // threshold of calibration().mode(tta).
    bool unsure(const float* probs, bool tta) const;

    // Temperature and unsure threshold (calibration.h), kept in the model file. set_calibration
    // refuses values outside their ranges.
    const Calibration& calibration() const { return calibration_; }
    Status set_calibration(const Calibration& c);
    size_t param_count();
    long flops_per_image() const;

    nn::Network& network() { return net_; }
    LogReg* logreg() { return logreg_.get(); }
    Forest* forest() { return forest_.get(); }
    void set_logreg(std::unique_ptr<LogReg> m);
    void set_forest(std::unique_ptr<Forest> m);

    // How the model was trained (record.h), kept in the file's key/value section. Read and write it
    // through record() / set_record(); record().model falls back to spec().name.
    TrainRecord record() const;
    void set_record(const TrainRecord& r) { meta_ = r.to_meta(); }
    // The key/value section exactly as the file holds it (for tests and tools; write it through
    // set_record()).
    const std::map<std::string, std::string>& meta() const { return meta_; }

    std::vector<uint8_t> save() const;
    // Parses a model file from memory; `name` labels errors ("model.bcm: truncated ...").
    // If `expect` is given, a file of another family/architecture/input is refused.
    static Result<Model> load(const uint8_t* bytes, size_t size, const std::string& name,
                              const ModelSpec* expect = nullptr);

private:
    ModelSpec spec_;
    nn::Network net_;
    std::unique_ptr<LogReg> logreg_;
    std::unique_ptr<Forest> forest_;
    std::map<std::string, std::string> meta_;
    Calibration calibration_;
};

// Preprocessing of nn inputs: images (n x 28x28x3 uint8) -> x (n, input shape) floats.
void images_to_tensor(const uint8_t* images, int n, InputKind input, nn::Tensor& x);
// The 8 symmetries of the square applied to one HWC image (H == W): t in 0..7; bit 2 transposes,
// then bit 0 flips left-right and bit 1 flips up-down. t = 0 is the identity.
void dihedral(const float* src, float* dst, int side, int channels, int t);
void dihedral_u8(const uint8_t* src, uint8_t* dst, int side, int channels, int t);

// The feature rows a feature model sees: n x feature_count(spec), row-major.
std::vector<double> model_features(const ModelSpec& spec, const uint8_t* images, int n, int threads = 1);
int feature_count(const ModelSpec& spec);

}  // namespace core
