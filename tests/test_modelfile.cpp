// Model files: exact round trips in memory for every family, and one test per bad file with the
// exact error.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "core/forest.h"
#include "core/crc32.h"
#include "core/dataset.h"
#include "core/io.h"
#include "core/logreg.h"
#include "core/model.h"
#include "core/record.h"
#include "core/train.h"
#include "test_util.h"

using core::Model;
using core::ModelSpec;

namespace {

Model make_vgg(int width, uint64_t seed) {
    core::ModelOptions o;
    o.width = width;
    auto spec = core::model_spec("vgg6", o);
    REQUIRE(spec.ok());
    auto m = Model::create(spec.value, seed);
    REQUIRE(m.ok());
    // make BN running statistics non-trivial so the test sees them travel
    for (core::nn::Param* b : m.value.network().buffers())
        for (size_t i = 0; i < b->value.size(); ++i) b->value[i] = 0.5f + 0.01f * (float)i;
    core::TrainRecord r;
    r.extra["note"] = "round trip";
    m.value.set_record(r);
    return std::move(m.value);
}

std::vector<uint8_t> some_images(int n) {
    std::vector<uint8_t> px((size_t)n * core::kImageBytes);
    core::Rng rng(3);
    for (auto& v : px) v = (uint8_t)rng.below(256);
    return px;
}

std::string load_error(const std::vector<uint8_t>& b, const ModelSpec* expect = nullptr) {
    auto r = Model::load(b.data(), b.size(), "m.bcm", expect);
    return r.ok() ? "(loaded)" : r.error;
}

// rewrite the trailing CRC after editing bytes, to reach the checks behind it
void fix_crc(std::vector<uint8_t>& b) {
    b.resize(b.size() - 4);
    core::append_crc32(b);
}

}  // namespace

TEST_CASE("model file: nn round trip is exact (weights, BN statistics, spec, meta, predictions)") {
    Model a = make_vgg(4, 1);
    auto bytes = a.save();
    auto b = Model::load(bytes.data(), bytes.size(), "m.bcm");
    REQUIRE_MESSAGE(b.ok(), b.error);
    CHECK(b.value.spec().str() == a.spec().str());
    CHECK(b.value.spec().name == "vgg6");
    CHECK(b.value.record().extra.at("note") == "round trip");
    auto pa = a.network().params(), pb = b.value.network().params();
    REQUIRE(pa.size() == pb.size());
    for (size_t i = 0; i < pa.size(); ++i) CHECK(pa[i]->value == pb[i]->value);
    auto ba = a.network().buffers(), bb = b.value.network().buffers();
    for (size_t i = 0; i < ba.size(); ++i) CHECK(ba[i]->value == bb[i]->value);
    auto px = some_images(5);
    CHECK(a.predict(px.data(), 5) == b.value.predict(px.data(), 5));
    CHECK(b.value.save() == bytes);  // byte-identical when saved again
}

TEST_CASE("model file: fcnn and cnn specs survive; the layer text form parses back") {
    for (const char* name : {"fcnn", "cnn"}) {
        auto spec = core::model_spec(name);
        REQUIRE(spec.ok());
        auto m = Model::create(spec.value, 2);
        REQUIRE(m.ok());
        auto bytes = m.value.save();
        auto back = Model::load(bytes.data(), bytes.size(), "m.bcm");
        REQUIRE(back.ok());
        CHECK(back.value.spec().input == spec.value.input);
        auto parsed = core::parse_layers(spec.value.str());
        REQUIRE(parsed.ok());
        ModelSpec again = spec.value;
        again.layers = parsed.value;
        CHECK(again.str() == spec.value.str());
    }
    auto cnn = core::model_spec("cnn");
    CHECK(cnn.value.str() == "conv3x3 32 same\nrelu\nmaxpool2\nconv3x3 64 same\nrelu\nmaxpool2\nflatten\ndense 128\nrelu\ndense 8 glorot");
}

TEST_CASE("model file: logreg and forest round trips give the same probabilities") {
    core::Dataset d;
    d.images = some_images(40);
    for (int i = 0; i < 40; ++i) d.labels.push_back((uint8_t)(i % 8));
    core::FeatureFitConfig cfg;
    cfg.iterations = 50;
    cfg.trees = 5;
    for (const char* name : {"logreg", "forest"}) {
        auto spec = core::model_spec(name);
        auto m = core::fit_features(spec.value, d, cfg);
        REQUIRE_MESSAGE(m.ok(), m.error);
        auto bytes = m.value.save();
        auto back = Model::load(bytes.data(), bytes.size(), "m.bcm");
        REQUIRE_MESSAGE(back.ok(), back.error);
        CHECK(back.value.predict(d.images.data(), 40) == m.value.predict(d.images.data(), 40));
        CHECK(back.value.save() == bytes);
    }
}

TEST_CASE("model file: bad inputs fail with a clear error") {
    Model a = make_vgg(2, 1);
    const auto good = a.save();

    SUBCASE("empty and foreign files") {
        CHECK(load_error({}) == "m.bcm: not a bloodcell model file (no BCMODEL magic; make one with 'bloodcell train')");
        std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0};
        CHECK(load_error(png) == "m.bcm: not a bloodcell model file (no BCMODEL magic; make one with 'bloodcell train')");
        CHECK(load_error(std::vector<uint8_t>(good.begin(), good.begin() + 5)) == "m.bcm: truncated (ends inside the header)");
    }
    SUBCASE("truncated anywhere") {
        CHECK(load_error(std::vector<uint8_t>(good.begin(), good.begin() + 10)) ==
              "m.bcm: truncated: 10 bytes end inside the format version");
        CHECK(load_error(std::vector<uint8_t>(good.begin(), good.begin() + 30)) ==
              "m.bcm: truncated: 30 bytes end inside the layer count");
        CHECK(load_error(std::vector<uint8_t>(good.begin(), good.begin() + 34)) ==
              "m.bcm: truncated: 34 bytes end inside a layer");
        std::vector<uint8_t> cut(good.begin(), good.end() - 100);
        CHECK(load_error(cut) == "m.bcm: truncated: " + std::to_string(cut.size()) + " bytes end inside array 'L21.W'");
        std::vector<uint8_t> no_crc(good.begin(), good.end() - 2);
        CHECK(load_error(no_crc) == "m.bcm: truncated: " + std::to_string(no_crc.size()) + " bytes end inside the checksum");
        // every prefix fails (and none crashes)
        for (size_t n = 0; n < good.size(); n += 97) CHECK(load_error(std::vector<uint8_t>(good.begin(), good.begin() + n)) != "(loaded)");
    }
    SUBCASE("another format version") {
        auto b = good;
        b[8] = 3;
        CHECK(load_error(b) == "m.bcm: model file format version 3, this build reads versions 1 to 2 (retrain or use a matching bloodcell)");
        b[8] = 0;
        CHECK(load_error(b) == "m.bcm: model file format version 0, this build reads versions 1 to 2 (retrain or use a matching bloodcell)");
    }
    SUBCASE("a flipped bit in the weights") {
        auto b = good;
        b[b.size() / 2] ^= 0x10;
        CHECK(load_error(b) == "m.bcm: corrupt: checksum mismatch (the file was damaged; re-download or retrain)");
    }
    SUBCASE("bytes after the checksum") {
        auto b = good;
        b.push_back(0);
        CHECK(load_error(b) == "m.bcm: corrupt: 1 unexpected bytes after the checksum");
    }
    SUBCASE("unknown family and layer kind, with a valid checksum") {
        auto b = good;
        b[12] = 9;
        fix_crc(b);
        CHECK(load_error(b) == "m.bcm: unknown model family 9");
        b = good;
        b[24] = 7;  // input kind, after magic(8) version(4) family(4) name(4+4)
        fix_crc(b);
        CHECK(load_error(b) == "m.bcm: unknown input kind 7");
        b = good;
        // first layer kind sits after magic(8) version(4) family(4) name(4+4 "vgg6") input(4) count(4)
        b[32] = 42;
        fix_crc(b);
        CHECK(load_error(b) == "m.bcm: layer 0: unknown kind 42");
    }
    SUBCASE("weights that do not fit the architecture") {
        auto b = good;
        b[36] = 3;  // layer 0 units 2 -> 3: the stored arrays no longer match
        fix_crc(b);
        CHECK(load_error(b) == "m.bcm: corrupt: weights 'L0.W' have 54 values, the architecture needs 81");
    }
    SUBCASE("another architecture than expected") {
        auto cnn = core::model_spec("cnn");
        CHECK(load_error(good, &cnn.value) ==
              "m.bcm: architecture mismatch: the file holds 'vgg6' (nn), expected 'cnn' (nn)");
        core::ModelOptions o;
        o.width = 2;
        auto same = core::model_spec("vgg6", o);
        CHECK(load_error(good, &same.value) == "(loaded)");
        // the same name, another width: the message says which layer differs
        o.width = 4;
        auto wider = core::model_spec("vgg6", o);
        const std::string e = load_error(good, &wider.value);
        CHECK(e.rfind("m.bcm: architecture mismatch: the file holds another 'vgg6': layer 1 is '", 0) == 0);
        CHECK(e.find("expected '") != std::string::npos);
    }
}

TEST_CASE("model file: the fuzz seeds (one tiny real file per family) load and predict") {
    const char* seeds[] = {"logreg.bcm", "forest.bcm", "forest_pixels.bcm", "fcnn.bcm", "cnn.bcm", "vgg6.bcm", "small_bn.bcm"};
    auto px = some_images(2);
    for (const char* f : seeds) {
        auto b = testutil::read(testutil::repo(std::string("tests/fuzz/corpus/model/") + f));
        CHECK_MESSAGE(b.size() > 0, f);
        CHECK_MESSAGE(b.size() < 100000, f);
        auto m = Model::load(b.data(), b.size(), f);
        REQUIRE_MESSAGE(m.ok(), m.error);
        auto p = m.value.predict(px.data(), 2);
        REQUIRE(p.size() == 16);
        float sum = 0;
        for (int k = 0; k < 8; ++k) sum += p[k];
        CHECK_MESSAGE(std::abs(sum - 1.f) < 1e-4f, f);
    }
}

// A small nn file whose layer fields are then patched (offsets follow the layout in model.h).
static std::vector<uint8_t> small_cnn_file(size_t& first_layer) {
    auto layers = core::parse_layers("conv3x3 2 same;relu;conv3x3 2 same;gap;dense 8");
    REQUIRE(layers.ok());
    ModelSpec spec;
    spec.name = "tiny";
    spec.layers = layers.value;
    auto m = Model::create(spec, 1);
    REQUIRE(m.ok());
    first_layer = 8 + 4 + 4 + 4 + spec.name.size() + 4 + 4;  // magic version family name input count
    return m.value.save();
}
static int f_count(const std::vector<uint8_t>& forest_file) {
    auto m = Model::load(forest_file.data(), forest_file.size(), "forest.bcm");
    return m.ok() && m.value.forest() ? m.value.forest()->features() : -1;
}
static void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = (uint8_t)(v >> (8 * i));
}

TEST_CASE("model file: fields that would allocate without bound are refused (fuzzer finds)") {
    SUBCASE("GLCM levels of 16 million in a forest file (tests/fuzz/regressions/model_glcm_levels.bcm)") {
        // the checksum was valid; predict() then asked for a levels x levels matrix (2^48 doubles)
        auto b = testutil::read(testutil::repo("tests/fuzz/regressions/model_glcm_levels.bcm"));
        REQUIRE(b.size() > 0);
        CHECK(load_error(b) == "m.bcm: corrupt: GLCM levels 16711936 outside 2..256");
    }
    SUBCASE("GLCM distance outside the image") {
        auto b = testutil::read(testutil::repo("tests/fuzz/corpus/model/logreg.bcm"));
        REQUIRE(b.size() > 60);
        // logreg header: magic(8) version(4) family(4) name(4+6) input(4) layers(4) levels(4) count(4) d0 at 42
        REQUIRE(b[42] == 1);
        put_u32(b, 42, 0x7fffffff);
        fix_crc(b);
        CHECK(load_error(b) == "m.bcm: corrupt: GLCM distance 2147483647 outside 1..27");
    }
    SUBCASE("a conv layer of 4096 11x11 filters on 4096 channels, with a valid checksum") {
        size_t at = 0;
        auto b = small_cnn_file(at);
        // layer 0 and layer 2 (32 bytes per layer): units at +4, kernel at +8
        put_u32(b, at + 4, 4096);
        put_u32(b, at + 8, 11);
        put_u32(b, at + 2 * 32 + 4, 4096);
        put_u32(b, at + 2 * 32 + 8, 11);
        fix_crc(b);
        // 11*11*3*4096 + 4096 + 11*11*4096*4096 + 4096 + 4096*8 + 8 = 2,031,570,952 weights: 16 GB with gradients
        CHECK(load_error(b) == "m.bcm: corrupt: the architecture needs 2031570952 weights, the file holds 118");
    }
    SUBCASE("a dense layer of 2^31 - 1 units: refused by the layer rules before anything is allocated") {
        size_t at = 0;
        auto b = small_cnn_file(at);
        put_u32(b, at + 4 * 32 + 4, 0x7fffffff);  // layer 4, dense 8
        fix_crc(b);
        CHECK(load_error(b) == "m.bcm: tiny: layer 4 (dense 2147483647): units must be in 1..65536");
    }
    SUBCASE("a network on feature input") {
        size_t at = 0;
        auto b = small_cnn_file(at);
        put_u32(b, at - 8, 2);  // input kind features
        fix_crc(b);
        CHECK(load_error(b) == "m.bcm: corrupt: input kind 2 does not fit a nn model");
    }
}

TEST_CASE("model file: forest node indices that would loop or read outside the trees are refused") {
    // a checksum only proves the bytes are the ones written: a node pointing back at itself would
    // make predict() loop forever, one outside the arrays would read out of bounds
    auto seed = testutil::read(testutil::repo("tests/fuzz/corpus/model/forest.bcm"));
    auto resave = [&](const std::function<void(core::Forest&)>& edit) {
        auto m = Model::load(seed.data(), seed.size(), "forest.bcm");
        REQUIRE(m.ok());
        REQUIRE(m.value.forest() != nullptr);
        REQUIRE(m.value.forest()->feature[0] >= 0);  // the root of the first tree splits
        edit(*m.value.forest());
        return load_error(m.value.save());
    };
    CHECK(resave([](core::Forest&) {}) == "(loaded)");
    CHECK(resave([](core::Forest& f) { f.left[0] = 0; }) == "m.bcm: corrupt: forest node 0 has children out of range");
    CHECK(resave([](core::Forest& f) { f.right[0] = 1 << 30; }) == "m.bcm: corrupt: forest node 0 has children out of range");
    CHECK(resave([](core::Forest& f) { f.feature[0] = 9999; }) == "m.bcm: corrupt: forest node 0 uses feature 9999 of " + std::to_string(f_count(seed)));
    CHECK(resave([](core::Forest& f) { f.roots.push_back(-1); }) == "m.bcm: corrupt: forest root out of range");
    CHECK(resave([](core::Forest& f) { f.value.pop_back(); }) == "m.bcm: corrupt: forest arrays disagree in length");
}

TEST_CASE("model file: a failed save reports the path and leaves the existing file intact") {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("bloodcell_save_test_" + std::to_string(std::rand()));
    fs::remove_all(dir);
    REQUIRE(fs::create_directories(dir));
    Model a = make_vgg(2, 1);
    const auto bytes = a.save();

    SUBCASE("into a directory that does not exist") {
        std::string p = (dir / "missing" / "m.bcm").string();
        auto st = core::io::write_file_atomic(p, bytes.data(), bytes.size());
        CHECK(!st.ok);
        CHECK(st.message == p + ": cannot write (No such file or directory)");
        CHECK(!fs::exists(p));
    }
    SUBCASE("over an existing model when the temporary file cannot be created") {
        std::string p = (dir / "m.bcm").string();
        REQUIRE(core::io::write_file_atomic(p, bytes.data(), bytes.size()).ok);
        fs::create_directory(p + ".tmp");  // stands in for a full or read-only disk (tests run as root)
        Model b = make_vgg(2, 2);
        auto other = b.save();
        REQUIRE(other != bytes);
        auto st = core::io::write_file_atomic(p, other.data(), other.size());
        CHECK(st.message == p + ": cannot write (Is a directory)");
        CHECK(testutil::read(p) == bytes);
        auto back = testutil::read(p);
        CHECK(Model::load(back.data(), back.size(), "m.bcm").ok());
    }
    SUBCASE("when the rename fails, no temporary file is left behind") {
        std::string p = (dir / "taken").string();
        fs::create_directories(fs::path(p) / "x");  // a non-empty directory where the file should go
        auto st = core::io::write_file_atomic(p, bytes.data(), bytes.size());
        CHECK(st.message.rfind(p + ": cannot replace (", 0) == 0);
        CHECK(!fs::exists(p + ".tmp"));
        CHECK(fs::is_directory(p));
    }
    fs::remove_all(dir);
}

TEST_CASE("centered RGB input: x/127.5 - 1, recorded in the file") {
    core::ModelOptions o;
    o.centered = 1;
    auto spec = core::model_spec("cnn", o);
    REQUIRE(spec.ok());
    CHECK(spec.value.input == core::InputKind::rgb_centered);
    std::vector<uint8_t> px(core::kImageBytes, 0);
    px[1] = 255;
    core::nn::Tensor x;
    core::images_to_tensor(px.data(), 1, spec.value.input, x);
    CHECK(x.v[0] == -1.f);
    CHECK(x.v[1] == 1.f);
    auto m = Model::create(spec.value, 1);
    auto bytes = m.value.save();
    auto back = Model::load(bytes.data(), bytes.size(), "m.bcm");
    REQUIRE(back.ok());
    CHECK(back.value.spec().input == core::InputKind::rgb_centered);
    CHECK(back.value.predict(px.data(), 1) == m.value.predict(px.data(), 1));
}

TEST_CASE("model spec: unknown names and bad layer lists") {
    CHECK(core::model_spec("resnet").error == "unknown model 'resnet' (want fcnn, cnn, vgg6, logreg or forest)");
    core::ModelOptions o;
    o.width = 0;
    CHECK(core::model_spec("vgg6", o).error == "width 0: want 1..512");
    CHECK(core::parse_layers("conv3x3 8 same; relu; gap; dense 4").error == "the last layer must be 'dense 8' (one logit per class)");
    CHECK(core::parse_layers("conv3x3 8 sideways; dense 8").error == "layer 0 'conv3x3 8 sideways': unknown option 'sideways'");
    CHECK(core::parse_layers("pool; dense 8").error ==
          "layer 0 'pool': unknown layer (want dense, convKxK, maxpoolP, gap, relu, bn, flatten, dropout)");
    auto ok = core::parse_layers("conv5x5 16 valid s2\nbn\nrelu\nmaxpool2\ndropout 0.25\ngap\ndense 8");
    REQUIRE(ok.ok());
    CHECK(ok.value[0].kernel == 5);
    CHECK(ok.value[0].stride == 2);
    CHECK(!ok.value[0].same);
    CHECK(ok.value[4].rate == 0.25f);
}

TEST_CASE("dihedral views: 8 distinct symmetries, t=0 is the identity, each an involution or a rotation") {
    std::vector<float> img(3 * 3), out(9), back(9);
    for (int i = 0; i < 9; ++i) img[i] = (float)i;
    std::vector<std::vector<float>> seen;
    for (int t = 0; t < 8; ++t) {
        core::dihedral(img.data(), out.data(), 3, 1, t);
        for (auto& s : seen) CHECK(s != out);
        seen.push_back(out);
    }
    CHECK(seen[0] == img);
    CHECK(seen[1] == std::vector<float>{2, 1, 0, 5, 4, 3, 8, 7, 6});  // left-right flip
    CHECK(seen[4] == std::vector<float>{0, 3, 6, 1, 4, 7, 2, 5, 8});  // transpose
}

// ---- the training record (record.h) -------------------------------------------------------------
namespace {
core::TrainRecord full_record() {
    core::TrainRecord r;
    r.model = "vgg6";
    r.data = "../shared/data/bloodmnist.npz";
    r.train_images = 11959;
    r.seed = 5;
    r.epochs_planned = 80;
    r.epochs_run = 80;
    r.best_epoch = 74;
    r.batch = 64;
    r.lr = 0.003;
    r.optimizer = "adam";
    r.schedule = "cosine";
    r.weight_decay = 0.05;
    r.augment = true;
    r.ema = 0.999;
    r.val_acc = 0.980724;
    r.val_auc = 0.999312;
    r.train_seconds = 1675.9;
    r.extra["note"] = "from a newer build";  // an unknown key travels unchanged
    return r;
}
}  // namespace

TEST_CASE("training record: every field survives save/load; unknown keys and unparsable values are kept verbatim") {
    Model m = make_vgg(4, 1);
    const core::TrainRecord r = full_record();
    m.set_record(r);
    auto bytes = m.save();
    auto back = Model::load(bytes.data(), bytes.size(), "m.bcm");
    REQUIRE_MESSAGE(back.ok(), back.error);
    CHECK(back.value.record() == r);
    CHECK(back.value.record().extra.at("note") == "from a newer build");
    CHECK(back.value.save() == bytes);

    // a known key whose value does not parse is not lost nor guessed: it stays in extra
    auto odd = core::TrainRecord::from_meta({{"batch", "sixty-four"}, {"lr", "0.001"}, {"augment", "maybe"}});
    CHECK_FALSE(odd.batch.has_value());
    CHECK_FALSE(odd.augment.has_value());
    CHECK(odd.lr == 0.001);
    CHECK(odd.extra == std::map<std::string, std::string>{{"augment", "maybe"}, {"batch", "sixty-four"}});
    CHECK(odd.to_meta() == std::map<std::string, std::string>{{"augment", "maybe"}, {"batch", "sixty-four"}, {"lr", "0.001"}});
    // the old spelling "epochs" reads as the epochs run
    CHECK(core::TrainRecord::from_meta({{"epochs", "12"}}).epochs_run == 12);
    // nothing recorded: the model's name is all there is to say
    Model bare = make_vgg(4, 1);
    bare.set_record(core::TrainRecord{});
    CHECK(bare.record().model == "vgg6");
    CHECK(bare.record().summary() == "vgg6");
    CHECK(core::TrainRecord{}.summary() == "");
}

TEST_CASE("training record: the one-line summary") {
    core::TrainRecord r = full_record();
    CHECK(r.summary() == "vgg6, 80 epochs (best 74), 11959 images, batch 64, lr 3.0e-03 cosine, AdamW wd 0.05, augmented, EMA 0.999, seed 5");
    r.epochs_run = 12;
    r.optimizer = "sgd";
    r.momentum = 0.9;
    r.weight_decay.reset();
    r.augment = false;
    r.ema.reset();
    r.divergences = 1;
    CHECK(r.summary() == "vgg6, 12 of 80 epochs (best 74), 11959 images, batch 64, lr 3.0e-03 cosine, SGD momentum 0.9, resumed after 1 divergence, seed 5");
    core::TrainRecord f;
    f.model = "forest";
    f.trees = 200;
    f.max_depth = 12;
    f.seed = 0;
    CHECK(f.summary() == "forest, 200 trees of depth 12, seed 0");
    // soft targets, from the run card's text: smoothing and distillation (0 or absent: not named)
    core::TrainRecord k = full_record();
    k.ema.reset();
    k.settings = "v=1&model=vgg6&epochs=80&smoothing=0.1&distill=0.5&distill-temp=2&split=train";
    CHECK(k.summary() == "vgg6, 80 epochs (best 74), 11959 images, batch 64, lr 3.0e-03 cosine, AdamW wd 0.05, augmented, "
                         "label smoothing 0.1, distilled 0.5 at T 2, seed 5");
    k.settings = "v=1&model=vgg6&smoothing=0&distill=0&distill-temp=1";
    CHECK(k.summary() == "vgg6, 80 epochs (best 74), 11959 images, batch 64, lr 3.0e-03 cosine, AdamW wd 0.05, augmented, seed 5");
}

TEST_CASE("training record: a model trained by the Trainer carries its hyperparameters through save/load") {
    auto sample = core::load_bloodmnist_file(testutil::repo("assets/teaching.npz"));
    REQUIRE_MESSAGE(sample.ok(), sample.error);
    core::SubsetSpec sub;
    sub.per_class = 2;
    core::Dataset train = core::make_subset(sample.value.train, sub), val = core::make_subset(sample.value.val, sub);
    REQUIRE(train.size() == 16);
    core::ModelSpec spec;
    spec.name = "tiny";
    auto layers = core::parse_layers("conv3x3 4 same s2; bn; relu; gap; dense 8");
    REQUIRE(layers.ok());
    spec.layers = layers.value;
    core::TrainConfig cfg;
    cfg.epochs = 2;
    cfg.batch = 8;
    cfg.lr = 0.003f;
    cfg.weight_decay = 0.05f;
    cfg.augment = true;
    cfg.seed = 7;
    auto t = core::Trainer::create(spec, train, val, cfg);
    REQUIRE_MESSAGE(t.ok(), t.error);
    while (t.value->step(64)) {
    }
    const core::TrainMetrics metrics = t.value->metrics();
    Model m = t.value->take_model();
    auto bytes = m.save();
    auto back = Model::load(bytes.data(), bytes.size(), "tiny.bcm");
    REQUIRE_MESSAGE(back.ok(), back.error);
    core::TrainRecord r = back.value.record();
    CHECK(r.model == "tiny");
    CHECK(r.train_images == 16);
    CHECK(r.seed == 7u);
    CHECK(r.epochs_planned == 2);
    CHECK(r.epochs_run == 2);
    CHECK(r.best_epoch == metrics.best_epoch);
    REQUIRE(metrics.best_epoch >= 1);
    CHECK(r.batch == 8);
    CHECK(r.lr == doctest::Approx(0.003));
    CHECK(r.optimizer == "adam");
    CHECK(r.schedule == "cosine");
    CHECK(r.weight_decay == doctest::Approx(0.05));
    CHECK(r.augment == true);
    CHECK_FALSE(r.ema.has_value());
    CHECK(*r.val_acc == doctest::Approx(metrics.best_val_acc).epsilon(1e-6));
    CHECK(*r.val_auc == doctest::Approx(metrics.history[metrics.best_epoch - 1].val_auc).epsilon(1e-6));
    CHECK(*r.train_seconds >= 0);
    CHECK(r.extra.empty());
    CHECK(r.summary() == "tiny, 2 epochs (best " + std::to_string(metrics.best_epoch) +
                             "), 16 images, batch 8, lr 3.0e-03 cosine, AdamW wd 0.05, augmented, seed 7");
}

TEST_CASE("training record: the shipped vgg6_w32.bcm says how it was trained (issue 14, protocol F)") {
    auto bytes = testutil::read(testutil::repo("assets/vgg6_w32.bcm"));
    REQUIRE(!bytes.empty());
    auto m = Model::load(bytes.data(), bytes.size(), "vgg6_w32.bcm");
    REQUIRE_MESSAGE(m.ok(), m.error);
    core::TrainRecord r = m.value.record();
    CHECK(r.model == "vgg6");
    CHECK(r.data == "../shared/data/bloodmnist.npz");
    CHECK(r.epochs_planned == 100);
    CHECK(r.epochs_run == 100);
    CHECK(r.best_epoch == 78);
    CHECK(r.batch == 64);
    CHECK(r.lr == 0.001);
    CHECK(r.optimizer == "adam");
    CHECK(r.schedule == "cosine");
    CHECK(r.augment == true);
    CHECK(r.seed == 71u);
    CHECK(r.train_images == 11959);
    CHECK(r.weight_decay == 0.05);
    CHECK(r.val_acc == 0.984813);
    // the distillation settings travel in the settings string (the run's shareable link)
    CHECK(r.settings.find("smoothing=0.1&distill=0.5&distill-temp=1") != std::string::npos);
    CHECK(r.summary().rfind("vgg6, 100 epochs (best 78), 11959 images, batch 64, lr 1.0e-03 cosine, AdamW wd 0.05, augmented, label smoothing 0.1, "
                            "distilled 0.5 at T 1, seed 71", 0) == 0);
    // and writing it again gives the same key/value section
    CHECK(m.value.record().to_meta() == m.value.meta());
}

TEST_CASE("plan_layer: the shapes and float counts of the built layers, and make_layer's errors") {
    for (const char* name : {"fcnn", "cnn", "vgg6"}) {
        auto spec = core::model_spec(name);
        REQUIRE(spec.ok());
        auto m = Model::create(spec.value, 1);
        REQUIRE(m.ok());
        core::nn::Network& net = m.value.network();
        core::nn::Shape in = spec.value.input_shape();
        for (int i = 0; i < net.layer_count(); ++i) {
            auto p = core::nn::plan_layer(spec.value.layers[i], in, i);
            REQUIRE_MESSAGE(p.ok(), p.error);
            CHECK(p.value.out == net.layer(i).out_shape());
            int64_t floats = 0;
            for (core::nn::Param* t : net.layer(i).tensors()) floats += (int64_t)t->value.size();
            CHECK_MESSAGE(p.value.floats == floats, name, " layer ", i);
            in = p.value.out;
        }
    }
    core::nn::LayerSpec pool;
    pool.kind = core::nn::LayerKind::maxpool2d;
    auto p = core::nn::plan_layer(pool, {1, 1, 64}, 3);
    CHECK(p.error == "layer 3 (maxpool2): input 1x1x64 is smaller than the 2x2 window");
    CHECK(core::nn::make_layer(pool, {1, 1, 64}, 3).error == p.error);
}
