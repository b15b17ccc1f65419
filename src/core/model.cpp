// Model catalogue, prediction (with dihedral test-time averaging) and the model file reader/writer.
#include "core/model.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <sstream>

#include "core/crc32.h"
#include "core/dataset.h"
#include "core/forest.h"
#include "core/logreg.h"
#include "core/preprocess.h"

namespace core {

using nn::LayerKind;
using nn::LayerSpec;

const char* family_name(Family f) {
    return f == Family::nn ? "nn" : f == Family::logreg ? "logreg" : "forest";
}

nn::Shape ModelSpec::input_shape() const {
    if (input == InputKind::rgb || input == InputKind::rgb_centered) return {kSide, kSide, kChannels};
    if (input == InputKind::gray) return {kSide, kSide, 1};
    return {1, 1, feature_count(*this)};
}

std::string ModelSpec::str() const {
    if (family != Family::nn) {
        std::string s = std::string(family_name(family)) + " on intensity + GLCM features (levels " +
                        std::to_string(features.glcm.levels) + ", distances";
        for (int d : features.glcm.distances) s += " " + std::to_string(d);
        return s + (with_pixels ? ") + 784 gray pixels" : ")");
    }
    std::string s;
    for (size_t i = 0; i < layers.size(); ++i) s += (i ? "\n" : "") + layers[i].str();
    return s;
}

// ---- [SECTION] catalogue ----------------------------------------------------------------------
namespace {
LayerSpec make(LayerKind k, int units = 0) {
    LayerSpec s;
    s.kind = k;
    s.units = units;
    return s;
}
LayerSpec conv3(int filters) { return make(LayerKind::conv2d, filters); }
LayerSpec head(int classes) {
    LayerSpec s = make(LayerKind::dense, classes);
    s.init = nn::Init::glorot;  // no ReLU after the logits
    return s;
}
}  // namespace

std::vector<std::string> model_names() { return {"fcnn", "cnn", "vgg6", "logreg", "forest"}; }

Result<ModelSpec> model_spec(const std::string& name, const ModelOptions& o) {
    ModelSpec m;
    m.name = name;
    auto dropout = [&](std::vector<LayerSpec>& L) {
        if (o.dropout > 0.f) {
            LayerSpec d = make(LayerKind::dropout);
            d.rate = o.dropout;
            L.push_back(d);
        }
    };
    if (o.width < 1 || o.width > 512) return Result<ModelSpec>::fail("width " + std::to_string(o.width) + ": want 1..512");
    if (o.hidden < 0 || o.hidden > 8192) return Result<ModelSpec>::fail("hidden " + std::to_string(o.hidden) + ": want 1..8192");
    if (name == "fcnn") {
        // 784 gray -> Dense 500 ReLU -> Dense 500 ReLU -> Dense 8
        int h = o.hidden ? o.hidden : 500;
        m.input = InputKind::gray;
        m.layers = {make(LayerKind::flatten), make(LayerKind::dense, h), make(LayerKind::relu),
                    make(LayerKind::dense, h), make(LayerKind::relu)};
        dropout(m.layers);
        m.layers.push_back(head(kClasses));
    } else if (name == "cnn") {
        // 28x28x3 -> Conv3x3 32 same ReLU -> MaxPool2 -> Conv3x3 64 same ReLU -> MaxPool2 -> Dense 128 ReLU -> Dense 8
        int h = o.hidden ? o.hidden : 128;
        // without batch norm the cnn trains much better on zero-centred input: 10 epochs gave
        // val ACC 0.917 centred vs 0.880 on x/255 (same seed and recipe)
        if (o.centered != 0) m.input = InputKind::rgb_centered;
        m.layers = {conv3(32), make(LayerKind::relu), make(LayerKind::maxpool2d), conv3(64), make(LayerKind::relu),
                    make(LayerKind::maxpool2d), make(LayerKind::flatten), make(LayerKind::dense, h), make(LayerKind::relu)};
        dropout(m.layers);
        m.layers.push_back(head(kClasses));
    } else if (name == "vgg6") {
        // [Conv3x3 w, BN, ReLU] x2 -> MaxPool2 -> [.. 2w ..] x2 -> MaxPool2 -> [.. 4w ..] x2 -> GAP -> Dense 8
        const int w = o.width;
        for (int block = 0; block < 3; ++block) {
            for (int r = 0; r < 2; ++r) {
                m.layers.push_back(conv3(w << block));
                m.layers.push_back(make(LayerKind::batchnorm));
                m.layers.push_back(make(LayerKind::relu));
            }
            m.layers.push_back(make(block < 2 ? LayerKind::maxpool2d : LayerKind::global_avg_pool));
        }
        dropout(m.layers);
        m.layers.push_back(head(kClasses));
    } else if (name == "logreg" || name == "forest") {
        m.family = name == "logreg" ? Family::logreg : Family::forest;
        m.input = InputKind::features;
        m.with_pixels = o.pixels;
    } else {
        return Result<ModelSpec>::fail("unknown model '" + name + "' (want fcnn, cnn, vgg6, logreg or forest)");
    }
    if (m.input == InputKind::rgb && o.centered == 1) m.input = InputKind::rgb_centered;
    return Result<ModelSpec>::of(m);
}

Result<std::vector<LayerSpec>> parse_layers(const std::string& text) {
    using R = Result<std::vector<LayerSpec>>;
    std::vector<LayerSpec> out;
    std::string norm = text;
    std::replace(norm.begin(), norm.end(), ';', '\n');
    std::istringstream lines(norm);
    std::string line;
    int index = 0;
    while (std::getline(lines, line)) {
        std::istringstream ws(line);
        std::vector<std::string> tok;
        for (std::string t; ws >> t;) tok.push_back(t);
        if (tok.empty()) continue;
        std::string where = "layer " + std::to_string(index) + " '" + line + "': ";
        LayerSpec s;
        const std::string& k = tok[0];
        auto number = [&](size_t i, int& v) {
            if (i >= tok.size()) return false;
            char* end = nullptr;
            long x = std::strtol(tok[i].c_str(), &end, 10);
            if (*end || x < 1 || x > 65536) return false;
            v = (int)x;
            return true;
        };
        if (k == "dense") {
            s.kind = LayerKind::dense;
            if (!number(1, s.units)) return R::fail(where + "want 'dense UNITS'");
            if (tok.size() > 2 && tok[2] == "glorot") s.init = nn::Init::glorot;
        } else if (k.rfind("conv", 0) == 0) {
            s.kind = LayerKind::conv2d;
            int a = 0, b = 0;
            if (std::sscanf(k.c_str(), "conv%dx%d", &a, &b) != 2 || a != b || a < 1)
                return R::fail(where + "want 'convKxK FILTERS [same|valid] [s2]'");
            s.kernel = a;
            if (!number(1, s.units)) return R::fail(where + "want 'convKxK FILTERS [same|valid] [s2]'");
            for (size_t i = 2; i < tok.size(); ++i) {
                if (tok[i] == "same") s.same = true;
                else if (tok[i] == "valid") s.same = false;
                else if (tok[i] == "s1") s.stride = 1;
                else if (tok[i] == "s2") s.stride = 2;
                else if (tok[i] == "glorot") s.init = nn::Init::glorot;
                else return R::fail(where + "unknown option '" + tok[i] + "'");
            }
        } else if (k.rfind("maxpool", 0) == 0) {
            s.kind = LayerKind::maxpool2d;
            s.pool = k.size() > 7 ? std::atoi(k.c_str() + 7) : 2;
        } else if (k == "gap") {
            s.kind = LayerKind::global_avg_pool;
        } else if (k == "relu") {
            s.kind = LayerKind::relu;
        } else if (k == "bn") {
            s.kind = LayerKind::batchnorm;
        } else if (k == "flatten") {
            s.kind = LayerKind::flatten;
        } else if (k == "dropout") {
            s.kind = LayerKind::dropout;
            s.rate = tok.size() > 1 ? (float)std::atof(tok[1].c_str()) : 0.5f;
        } else {
            return R::fail(where + "unknown layer (want dense, convKxK, maxpoolP, gap, relu, bn, flatten, dropout)");
        }
        out.push_back(s);
        ++index;
    }
    if (out.empty() || out.back().kind != LayerKind::dense || out.back().units != kClasses)
        return R::fail("the last layer must be 'dense 8' (one logit per class)");
    return R::of(out);
}

// ---- [SECTION] preprocessing and symmetry ------------------------------------------------------
void images_to_tensor(const uint8_t* images, int n, InputKind input, nn::Tensor& x) {
    const bool gray = input == InputKind::gray;
    x.resize(n, {kSide, kSide, gray ? 1 : kChannels});
    const size_t per = x.s.size();
    // per image, so a batch splits over the threads (the same bits however it is split)
    auto convert = [&](int i0, int i1, int) {
        float* dst = x.sample(i0);
        const uint8_t* src = images + (size_t)i0 * kImageBytes;
        if (gray) {
            grayscale_normalized(src, dst, (size_t)(i1 - i0) * kGrayPixels);
            return;
        }
        normalize(src, dst, (size_t)(i1 - i0) * per);
        if (input == InputKind::rgb_centered)
            for (size_t j = 0, m = (size_t)(i1 - i0) * per; j < m; ++j) dst[j] = 2.f * dst[j] - 1.f;
    };
    if (n >= 32) nn::parallel_for(n, convert);
    else convert(0, n, 0);
}

template <class T>
static void dihedral_t(const T* src, T* dst, int side, int C, int t) {
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            int sy = y, sx = x;
            if (t & 1) sx = side - 1 - sx;
            if (t & 2) sy = side - 1 - sy;
            if (t & 4) std::swap(sy, sx);
            T* d = dst + ((size_t)y * side + x) * C;
            const T* p = src + ((size_t)sy * side + sx) * C;
            if (C == 3) {  // RGB: three moves, not a call to memcpy per pixel (WebAssembly)
                d[0] = p[0];
                d[1] = p[1];
                d[2] = p[2];
            } else {
                std::memcpy(d, p, sizeof(T) * C);
            }
        }
}
void dihedral(const float* src, float* dst, int side, int C, int t) { dihedral_t(src, dst, side, C, t); }
void dihedral_u8(const uint8_t* src, uint8_t* dst, int side, int C, int t) { dihedral_t(src, dst, side, C, t); }

int feature_count(const ModelSpec& spec) {
    return (int)feature_names(spec.features).size() + (spec.with_pixels ? kGrayPixels : 0);
}

std::vector<double> model_features(const ModelSpec& spec, const uint8_t* images, int n, int threads) {
    std::vector<double> base = dataset_features(images, n, spec.features, threads);
    if (!spec.with_pixels) return base;
    const int F0 = (int)feature_names(spec.features).size(), F = F0 + kGrayPixels;
    std::vector<double> out((size_t)n * F);
    std::vector<uint8_t> g(kGrayPixels);
    for (int i = 0; i < n; ++i) {
        std::copy(base.begin() + (size_t)i * F0, base.begin() + (size_t)(i + 1) * F0, out.begin() + (size_t)i * F);
        grayscale(images + (size_t)i * kImageBytes, g.data(), kGrayPixels);
        for (int p = 0; p < kGrayPixels; ++p) out[(size_t)i * F + F0 + p] = g[p] / 255.0;
    }
    return out;
}

// ---- [SECTION] Model ----------------------------------------------------------------------------
Model::Model() = default;
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

void Model::set_logreg(std::unique_ptr<LogReg> m) { logreg_ = std::move(m); }
void Model::set_forest(std::unique_ptr<Forest> m) { forest_ = std::move(m); }

Result<Model> Model::create(const ModelSpec& spec, uint64_t seed) {
    Model m;
    m.spec_ = spec;
    if (spec.family == Family::nn) {
        auto net = nn::Network::build(spec.input_shape(), spec.layers);
        if (!net) return Result<Model>::fail(spec.name + ": " + net.error);
        if (net.value.out_shape() != nn::Shape{1, 1, kClasses})
            return Result<Model>::fail(spec.name + ": the network ends in " + net.value.out_shape().str() +
                                       ", want 1x1x8 (one logit per class)");
        m.net_ = std::move(net.value);
        Rng rng(seed);
        m.net_.init(rng);
    }
    return Result<Model>::of(std::move(m));
}

size_t Model::param_count() {
    if (spec_.family == Family::nn) return net_.param_count();
    if (logreg_) return logreg_->W.size() + logreg_->b.size();
    if (forest_) return forest_->feature.size();
    return 0;
}

long Model::flops_per_image() const { return spec_.family == Family::nn ? net_.flops_per_sample() : 0; }

std::vector<float> Model::predict(const uint8_t* images, int n, bool tta) {
    std::vector<float> probs = predict_raw(images, n, tta);
    calibrate(probs.data(), n, tta);
    return probs;
}

void Model::calibrate(float* probs, int n, bool tta) const {
    apply_temperature(probs, n, calibration_.mode(tta && spec_.family == Family::nn).temperature);
}

bool Model::unsure(const float* probs, bool tta) const {
    return is_unsure(probs, kClasses, calibration_.mode(tta && spec_.family == Family::nn).threshold);
}

Status Model::set_calibration(const Calibration& c) {
    Status ok = c.check();
    if (ok) calibration_ = c;
    return ok;
}

std::vector<float> Model::predict_raw(const uint8_t* images, int n, bool tta, std::vector<float>* single) {
    std::vector<float> probs((size_t)n * kClasses, 0.f);
    if (single) single->assign((size_t)n * kClasses, 0.f);
    if (n <= 0) return probs;
    if (spec_.family != Family::nn) {
        std::vector<double> X = model_features(spec_, images, n, nn::num_threads());
        if (spec_.family == Family::logreg && logreg_) logreg_->predict(X.data(), n, probs.data());
        if (spec_.family == Family::forest && forest_) forest_->predict(X.data(), n, probs.data());
        if (single) *single = probs;
        return probs;
    }
    // Whole batches up to 256 images (the GEMMs then pack each weight matrix once per 256 images, not
    // per 64: natively the fcnn's batch-256 inference was 53k img/s in chunks of 64), fewer when the
    // widest activation would take more than 4M floats (16 MB) per buffer
    long widest = spec_.input_shape().size();
    for (int i = 0; i < net_.layer_count(); ++i) widest = std::max<long>(widest, net_.layer(i).out_shape().size());
    // With test-time averaging the 8 views of nb images go through the network as one batch of 8 nb
    // (view v of image i is sample v nb + i): the layers split a batch over the threads by samples,
    // so even one image (the app, or a job's chunk of one image for a wide network) keeps them busy.
    const int views = tta ? 8 : 1;
    const int B_max = (int)std::max(1L, std::clamp((4L << 20) / widest, 1L, 256L) / views);
    // equal batches under that cap: the cnn's 256 images as 128 + 128, not 167 + 89 (a batch of 89
    // uses the GEMMs' blocks less well)
    const int batches = (n + B_max - 1) / B_max;
    const int B = (n + batches - 1) / batches;
    nn::Tensor x, xv;
    const nn::Shape s = spec_.input_shape();
    std::vector<float> p(kClasses);
    for (int b0 = 0; b0 < n; b0 += B) {
        int nb = std::min(B, n - b0);
        images_to_tensor(images + (size_t)b0 * kImageBytes, nb, spec_.input, x);
        nn::Tensor* in = &x;
        if (views > 1) {
            xv.resize(nb * views, s);
            std::copy(x.v.begin(), x.v.end(), xv.v.begin());
            for (int v = 1; v < views; ++v)
                for (int i = 0; i < nb; ++i) dihedral(x.sample(i), xv.sample(v * nb + i), s.h, s.c, v);
            in = &xv;
        }
        const nn::Tensor& z = net_.infer(std::move(*in));  // x and xv are refilled for the next batch
        for (int v = 0; v < views; ++v) {
            for (int i = 0; i < nb; ++i) {
                nn::softmax(z.sample(v * nb + i), kClasses, p.data());
                for (int k = 0; k < kClasses; ++k) probs[(size_t)(b0 + i) * kClasses + k] += p[k] / views;
                if (single && v == 0)
                    std::copy(p.begin(), p.end(), single->begin() + (size_t)(b0 + i) * kClasses);
            }
        }
    }
    return probs;
}

TrainRecord Model::record() const {
    TrainRecord r = TrainRecord::from_meta(meta_);
    if (r.model.empty()) r.model = spec_.name;
    return r;
}

// ---- [SECTION] model file --------------------------------------------------------------------
namespace {

const char kMagic[8] = {'B', 'C', 'M', 'O', 'D', 'E', 'L', 0};

struct Writer {
    std::vector<uint8_t> b;
    void u32(uint32_t v) {
        for (int i = 0; i < 4; ++i) b.push_back((uint8_t)(v >> (8 * i)));
    }
    void u64(uint64_t v) {
        for (int i = 0; i < 8; ++i) b.push_back((uint8_t)(v >> (8 * i)));
    }
    void i32(int32_t v) { u32((uint32_t)v); }
    void f32(float v) {
        uint32_t u;
        std::memcpy(&u, &v, 4);
        u32(u);
    }
    void str(const std::string& s) {
        u32((uint32_t)s.size());
        b.insert(b.end(), s.begin(), s.end());
    }
    template <class T>
    void array(const std::string& name, const std::vector<T>& v) {
        str(name);
        u32(std::is_same<T, float>::value ? 0 : 1);
        u64(v.size());
        for (const T& x : v) {
            uint32_t u;
            std::memcpy(&u, &x, 4);
            u32(u);
        }
    }
};

struct Reader {
    const uint8_t* p;
    size_t n, at = 0;
    std::string what;  // what was being read when the bytes ran out
    bool short_read = false;
    bool need(size_t k, const char* w) {
        if (short_read) return false;
        if (n - at < k) {
            short_read = true;
            what = w;
            return false;
        }
        return true;
    }
    uint32_t u32(const char* w) {
        if (!need(4, w)) return 0;
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= (uint32_t)p[at + i] << (8 * i);
        at += 4;
        return v;
    }
    uint64_t u64(const char* w) {
        uint64_t lo = u32(w), hi = u32(w);
        return lo | (hi << 32);
    }
    int32_t i32(const char* w) { return (int32_t)u32(w); }
    float f32(const char* w) {
        uint32_t u = u32(w);
        float f;
        std::memcpy(&f, &u, 4);
        return f;
    }
    std::string str(const char* w) {
        uint32_t len = u32(w);
        if (!need(len, w)) return {};
        std::string s((const char*)p + at, len);
        at += len;
        return s;
    }
};

struct RawArray {
    uint32_t dtype = 0;
    std::vector<uint32_t> bits;  // raw 4-byte elements
};

template <class T>
std::vector<T> as(const RawArray& a) {
    std::vector<T> v(a.bits.size());
    if (!v.empty()) std::memcpy(v.data(), a.bits.data(), v.size() * 4);
    return v;
}

// Floats (weights and BN statistics) a layer list needs on its input shape, by nn::plan_layer's
// rules. Only a plausibility bound for Model::load: it stops at the first layer that cannot be
// built, which Network::build then rejects with the reason.
double weights_needed(const ModelSpec& spec) {
    nn::Shape s = spec.input_shape();
    double total = 0;
    for (size_t i = 0; i < spec.layers.size(); ++i) {
        auto p = nn::plan_layer(spec.layers[i], s, (int)i);
        if (!p) break;
        total += (double)p.value.floats;
        s = p.value.out;
    }
    return total;
}

}  // namespace

std::vector<uint8_t> Model::save() const {
    Writer w;
    w.b.insert(w.b.end(), kMagic, kMagic + 8);
    w.u32(kModelFileVersion);
    w.u32((uint32_t)spec_.family);
    w.str(spec_.name);
    w.u32((uint32_t)spec_.input);
    w.u32((uint32_t)spec_.layers.size());
    for (const LayerSpec& l : spec_.layers) {
        w.u32((uint32_t)l.kind);
        w.i32(l.units);
        w.i32(l.kernel);
        w.i32(l.stride);
        w.i32(l.same ? 1 : 0);
        w.i32(l.pool);
        w.f32(l.rate);
        w.u32((uint32_t)l.init);
    }
    w.u32((uint32_t)spec_.features.glcm.levels);
    w.u32((uint32_t)spec_.features.glcm.distances.size());
    for (int d : spec_.features.glcm.distances) w.i32(d);
    w.u32(spec_.with_pixels ? 1 : 0);
    const Calibration& c = calibration_;
    w.u32((c.single.fitted ? 1u : 0u) | (c.tta.fitted ? 2u : 0u));
    w.f32(c.single.temperature);
    w.f32(c.single.threshold);
    w.f32(c.tta.temperature);
    w.f32(c.tta.threshold);
    w.f32(c.target);
    w.u32((uint32_t)c.images);
    w.u32((uint32_t)meta_.size());
    for (auto& [k, v] : meta_) {
        w.str(k);
        w.str(v);
    }
    // arrays
    std::vector<std::pair<std::string, const std::vector<float>*>> f32s;
    std::vector<std::pair<std::string, const std::vector<int32_t>*>> i32s;
    Model& self = const_cast<Model&>(*this);  // params() hands out pointers; nothing is modified
    if (spec_.family == Family::nn) {
        for (int i = 0; i < self.net_.layer_count(); ++i) {
            for (nn::Param* p : self.net_.layer(i).tensors()) f32s.push_back({"L" + std::to_string(i) + "." + p->name, &p->value});
        }
    } else if (logreg_) {
        f32s = {{"mean", &logreg_->mean}, {"scale", &logreg_->scale}, {"W", &logreg_->W}, {"b", &logreg_->b}};
    } else if (forest_) {
        f32s = {{"threshold", &forest_->threshold}, {"value", &forest_->value}};
        i32s = {{"feature", &forest_->feature}, {"left", &forest_->left}, {"right", &forest_->right}, {"roots", &forest_->roots}};
    }
    w.u32((uint32_t)(f32s.size() + i32s.size()));
    for (auto& [name, v] : f32s) w.array(name, *v);
    for (auto& [name, v] : i32s) w.array(name, *v);
    append_crc32(w.b);
    return w.b;
}

Result<Model> Model::load(const uint8_t* bytes, size_t size, const std::string& name, const ModelSpec* expect) {
    using R = Result<Model>;
    auto err = [&](const std::string& m) { return R::fail(name + ": " + m); };
    if (size < 8 || std::memcmp(bytes, kMagic, 8) != 0)
        return err(size < 8 && size > 0 && std::memcmp(bytes, kMagic, size) == 0
                       ? "truncated (ends inside the header)"
                       : "not a bloodcell model file (no BCMODEL magic; make one with 'bloodcell train')");
    Reader r{bytes, size, 8, {}, false};
    uint32_t version = r.u32("the format version");
    if (!r.short_read && (version < 1 || version > kModelFileVersion))
        return err("model file format version " + std::to_string(version) + ", this build reads versions 1 to " +
                   std::to_string(kModelFileVersion) + " (retrain or use a matching bloodcell)");
    ModelSpec spec;
    uint32_t family = r.u32("the model family");
    spec.name = r.str("the model name");
    uint32_t input = r.u32("the input kind");
    if (!r.short_read && family > 2) return err("unknown model family " + std::to_string(family));
    if (!r.short_read && input > 3) return err("unknown input kind " + std::to_string(input));
    spec.family = (Family)family;
    spec.input = (InputKind)input;
    uint32_t nl = r.u32("the layer count");
    if (!r.short_read && nl > 1000) return err("implausible layer count " + std::to_string(nl) + " (corrupt file?)");
    for (uint32_t i = 0; i < nl && !r.short_read; ++i) {
        LayerSpec l;
        uint32_t kind = r.u32("a layer");
        if (!r.short_read && kind > (uint32_t)LayerKind::flatten) return err("layer " + std::to_string(i) + ": unknown kind " + std::to_string(kind));
        l.kind = (LayerKind)kind;
        l.units = r.i32("a layer");
        l.kernel = r.i32("a layer");
        l.stride = r.i32("a layer");
        l.same = r.i32("a layer") != 0;
        l.pool = r.i32("a layer");
        l.rate = r.f32("a layer");
        l.init = r.u32("a layer") ? nn::Init::glorot : nn::Init::he;
        spec.layers.push_back(l);
    }
    spec.features.glcm.levels = (int)r.u32("the feature definition");
    uint32_t nd = r.u32("the feature definition");
    if (!r.short_read && nd > 64) return err("implausible GLCM distance count (corrupt file?)");
    spec.features.glcm.distances.clear();
    for (uint32_t i = 0; i < nd; ++i) spec.features.glcm.distances.push_back(r.i32("the feature definition"));
    spec.with_pixels = r.u32("the feature definition") != 0;
    Model m;
    uint32_t cal_flags = 0;
    if (version >= 2) {  // version 1 files have no calibration: Calibration{} (T = 1)
        cal_flags = r.u32("the calibration");
        m.calibration_.single.fitted = (cal_flags & 1) != 0;
        m.calibration_.tta.fitted = (cal_flags & 2) != 0;
        m.calibration_.single.temperature = r.f32("the calibration");
        m.calibration_.single.threshold = r.f32("the calibration");
        m.calibration_.tta.temperature = r.f32("the calibration");
        m.calibration_.tta.threshold = r.f32("the calibration");
        m.calibration_.target = r.f32("the calibration");
        m.calibration_.images = (int)std::min<uint32_t>(r.u32("the calibration"), INT32_MAX);
    }
    uint32_t nmeta = r.u32("the metadata");
    for (uint32_t i = 0; i < nmeta && !r.short_read; ++i) {
        std::string k = r.str("the metadata");
        m.meta_[k] = r.str("the metadata");
    }
    std::map<std::string, RawArray> arrays;
    uint32_t na = r.u32("the weights");
    for (uint32_t i = 0; i < na && !r.short_read; ++i) {
        std::string an = r.str("the weights");
        RawArray a;
        a.dtype = r.u32("the weights");
        uint64_t count = r.u64("the weights");
        if (r.short_read) break;
        if (count > (size - r.at) / 4) {
            r.short_read = true;
            r.what = "array '" + an + "'";
            break;
        }
        a.bits.resize(count);
        for (uint64_t j = 0; j < count; ++j) a.bits[j] = r.u32("the weights");
        arrays[an] = std::move(a);
    }
    size_t body = r.at;
    uint32_t stored = r.u32("the checksum");
    if (r.short_read) return err("truncated: " + std::to_string(size) + " bytes end inside " + r.what);
    if (r.at != size) return err("corrupt: " + std::to_string(size - r.at) + " unexpected bytes after the checksum");
    if (crc32(bytes, body) != stored) return err("corrupt: checksum mismatch (the file was damaged; re-download or retrain)");

    // The checksum only proves the bytes are the ones written, not that a writer was sane: check
    // what the file asks us to allocate before building anything (fuzzer finds, tests/fuzz/regressions).
    if (cal_flags > 3) return err("corrupt: unknown calibration flags " + std::to_string(cal_flags));
    if (Status ok = m.calibration_.check(); !ok) return err("corrupt: " + ok.message);
    if (spec.family == Family::nn ? spec.input == InputKind::features : spec.input != InputKind::features)
        return err("corrupt: input kind " + std::to_string(input) + " does not fit a " + family_name(spec.family) + " model");
    if (spec.family != Family::nn) {
        // GLCM matrices are levels x levels per image: a stored levels of 2^31 must not reach them
        if (spec.features.glcm.levels < 2 || spec.features.glcm.levels > 256)
            return err("corrupt: GLCM levels " + std::to_string(spec.features.glcm.levels) + " outside 2..256");
        if (spec.features.glcm.distances.empty()) return err("corrupt: no GLCM distances");
        for (int d : spec.features.glcm.distances)
            if (d < 1 || d > 27) return err("corrupt: GLCM distance " + std::to_string(d) + " outside 1..27");
    } else {
        // Network::build allocates every layer's weights (and gradients) at once, and a conv layer
        // may legally ask for 11x11x4096x4096 of them: bound the weights the architecture needs by
        // the values the file actually holds (the exact match is checked per array below).
        uint64_t stored = 0;
        for (auto& [an, a] : arrays) stored += a.bits.size();
        if (double need = weights_needed(spec); need > 2.0 * stored + 4096)
            return err("corrupt: the architecture needs " + std::to_string((uint64_t)std::min(need, 1e19)) +
                       " weights, the file holds " + std::to_string(stored));
    }
    if (expect) {
        const bool differs = expect->family != spec.family || expect->input != spec.input || expect->str() != spec.str();
        if (differs && (expect->name != spec.name || expect->family != spec.family))
            return err("architecture mismatch: the file holds '" + spec.name + "' (" + family_name(spec.family) +
                       "), expected '" + expect->name + "' (" + family_name(expect->family) + ")");
        if (differs) {  // the same name: say where (a width, a hidden size, the input)
            size_t i = 0;
            const size_t n = std::min(spec.layers.size(), expect->layers.size());
            while (i < n && spec.layers[i].str() == expect->layers[i].str()) ++i;
            std::string where = i < n ? "layer " + std::to_string(i + 1) + " is '" + spec.layers[i].str() + "', expected '" +
                                            expect->layers[i].str() + "'"
                                : spec.layers.size() != expect->layers.size()
                                    ? std::to_string(spec.layers.size()) + " layers, expected " + std::to_string(expect->layers.size())
                                    : std::string("another input preprocessing");
            return err("architecture mismatch: the file holds another '" + spec.name + "': " + where);
        }
    }
    auto made = Model::create(spec, 0);
    if (!made) return err(made.error);
    m.spec_ = spec;
    m.net_ = std::move(made.value.net_);
    auto take_f32 = [&](const std::string& an, std::vector<float>& dst, size_t want) -> std::string {
        auto it = arrays.find(an);
        if (it == arrays.end()) return "missing weights '" + an + "'";
        if (it->second.dtype != 0) return "weights '" + an + "' are not float32";
        if (want != (size_t)-1 && it->second.bits.size() != want)
            return "weights '" + an + "' have " + std::to_string(it->second.bits.size()) + " values, the architecture needs " +
                   std::to_string(want);
        dst = as<float>(it->second);
        return "";
    };
    auto take_i32 = [&](const std::string& an, std::vector<int32_t>& dst) -> std::string {
        auto it = arrays.find(an);
        if (it == arrays.end()) return "missing array '" + an + "'";
        if (it->second.dtype != 1) return "array '" + an + "' is not int32";
        dst = as<int32_t>(it->second);
        return "";
    };
    std::string e;
    if (spec.family == Family::nn) {
        for (int i = 0; i < m.net_.layer_count() && e.empty(); ++i) {
            for (nn::Param* p : m.net_.layer(i).tensors()) {
                e = take_f32("L" + std::to_string(i) + "." + p->name, p->value, p->value.size());
                if (!e.empty()) break;
            }
        }
    } else if (spec.family == Family::logreg) {
        auto lr = std::make_unique<LogReg>();
        lr->F = feature_count(spec);
        for (auto [an, dst, want] : {std::make_tuple("mean", &lr->mean, (size_t)lr->F), std::make_tuple("scale", &lr->scale, (size_t)lr->F),
                                     std::make_tuple("W", &lr->W, (size_t)lr->F * kClasses), std::make_tuple("b", &lr->b, (size_t)kClasses)})
            if (e.empty()) e = take_f32(an, *dst, want);
        if (e.empty()) m.logreg_ = std::move(lr);
    } else {
        auto f = std::make_unique<Forest>();
        f->F = feature_count(spec);
        e = take_f32("threshold", f->threshold, (size_t)-1);
        if (e.empty()) e = take_f32("value", f->value, (size_t)-1);
        for (auto [an, dst] : {std::make_pair("feature", &f->feature), std::make_pair("left", &f->left),
                               std::make_pair("right", &f->right), std::make_pair("roots", &f->roots)})
            if (e.empty()) e = take_i32(an, *dst);
        // every node index must stay inside the arrays, so a crafted file cannot crash predict()
        size_t nodes = f->feature.size();
        if (e.empty() && (f->left.size() != nodes || f->right.size() != nodes || f->threshold.size() != nodes ||
                          f->value.size() != nodes * kClasses))
            e = "forest arrays disagree in length";
        for (size_t i = 0; e.empty() && i < nodes; ++i) {
            if (f->feature[i] >= f->F) e = "forest node " + std::to_string(i) + " uses feature " + std::to_string(f->feature[i]) + " of " + std::to_string(f->F);
            else if (f->feature[i] >= 0 && (f->left[i] <= (int)i || f->right[i] <= (int)i || f->left[i] >= (int)nodes || f->right[i] >= (int)nodes))
                e = "forest node " + std::to_string(i) + " has children out of range";
        }
        for (int32_t root : f->roots)
            if (e.empty() && (root < 0 || (size_t)root >= nodes)) e = "forest root out of range";
        if (e.empty()) m.forest_ = std::move(f);
    }
    if (!e.empty()) return err("corrupt: " + e);
    return R::of(std::move(m));
}

}  // namespace core
