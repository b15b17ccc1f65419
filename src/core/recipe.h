// Run settings and the recipe table: one typed description of a training run (model, its knobs,
// the network and feature-model hyperparameters) that every front end fills the same way, starting
// from each model's recipe (the defaults below) and overriding single settings by name.
//
//   core::RunSettings s = core::recipe("vgg6");          // batch 64, cosine, dihedral augmentation...
//   core::set_option(s, "lr", "3e-3");                    // CLI flags, tune grids, the page's controls
//   auto spec = core::resolve(s);                         // Result<TrainJobSpec>: checked, ready to run
//
// Keys of set_option (also the keys of a tune grid): model, epochs, batch, lr, wd, momentum, patience,
// ema, seed, optimizer (adam|sgd), schedule (cosine|constant|step), augment (0|1), width (filters is a
// synonym), hidden, dropout, centered (1|0|-1), pixels (0|1), layers, trees, max-depth, iterations.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/model.h"
#include "core/train.h"

namespace core {

struct RunSettings {
    std::string model = "cnn";   // fcnn, cnn, vgg6, logreg, forest, or a label for a custom `layers` list
    ModelOptions options;        // width, hidden, dropout, pixels, centered
    std::string layers;          // a custom layer list on RGB input (parse_layers); empty = the named model
    TrainConfig train;           // networks
    FeatureFitConfig fit;        // feature models (lr and wd also set their rate and L2)
};

// The recipe of a named model: the defaults both front ends start from. Unknown names get the cnn's
// training defaults (resolve() then reports the unknown model).
RunSettings recipe(const std::string& model);

// The Train tab's "Quick demo": the run that takes a cold page to val ACC >= 0.90 on the teaching set
// (assets/teaching.npz, 2,868 training images) in the fewest images of work. Chosen by measurement
// (assets/README.md, one thread): the reference cnn needs ~8-10 epochs for 0.90 at its best rate
// (0.883 after 5, batch 16, lr 2e-3); vgg6, whose batch norm takes a high rate, gets there in 6
// epochs at w=16 (0.900/0.910, seeds 0/1, 35 s) and in 8 at w=8 (0.907/0.910, 17-20 s: a quarter of
// the arithmetic per image): vgg6 w=8, 8 epochs, batch 32, lr 4e-3 cosine, Adam, dihedral augmentation.
RunSettings quick_demo_settings();

// Sets one setting from text ("lr" = "3e-3"). Errors name the key and the accepted values.
Status set_option(RunSettings& s, const std::string& key, const std::string& value);
// Every setting as "key=value" pairs that set_option reads back to the same run (full precision).
std::vector<std::pair<std::string, std::string>> settings_pairs(const RunSettings& s);

// What a train job needs: the model's architecture and both configs, checked.
struct TrainJobSpec {
    ModelSpec model;
    TrainConfig train;
    FeatureFitConfig fit;
    // After training, fit the temperature and unsure threshold on val (calibration.h; needs val
    // images): 0 no, 1 the single view, 2 also the 8-view mean (networks: one 8-view pass over val).
    int calibrate = 2;
    double calibration_target = kDefaultTargetAccuracy;
    // Fine-tuning: the model file (bytes) whose weights the run starts from instead of a fresh
    // initialization; its architecture must be `model` (labelled.h fine_tune_spec makes such a run).
    std::shared_ptr<const std::vector<uint8_t>> init;
    std::string summary;  // one line: "vgg6 w=16, 5 epochs, batch 64, lr 1e-03 cosine, Adam, augmented"
};
Result<TrainJobSpec> resolve(const RunSettings& s);

// The validation images a run selects on, given the subset it trains on: the whole val split, or,
// when training is capped per class, a quarter of that cap per class (at least 8) so that a small
// teaching run validates quickly.
SubsetSpec validation_subset(const SubsetSpec& train_subset);

}  // namespace core
