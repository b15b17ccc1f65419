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
// Every setting of the model's family as "key=value" pairs that set_option reads back to the same
// run, numbers at full precision in their shortest form (lr 1e-3f is "0.001", 0.0031415926f stays
// "0.0031415926"): a network's training settings, a feature model's fit (logreg: lr and wd are its
// rate and L2). Settings the model does not use are left out.
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
    // Distillation (train.distill > 0) without train.teacher: the teacher's model file (bytes), whose
    // 8-view raw probabilities on the training images the job computes first, a chunk per step
    // (teacher_targets' definition), before the first batch. The page's teacher is its pretrained model.
    std::shared_ptr<const std::vector<uint8_t>> teacher;
    std::string summary;  // one line: "vgg6 w=16, 5 epochs, batch 64, lr 1e-03 cosine, Adam, augmented"
};
Result<TrainJobSpec> resolve(const RunSettings& s);

// The validation images a run selects on, given the subset it trains on: the whole val split, or,
// when training is capped per class, a quarter of that cap per class (at least 8) so that a small
// teaching run validates quickly.
SubsetSpec validation_subset(const SubsetSpec& train_subset);

// [SECTION] a run as one line of text: its card, the shareable link
// Everything that makes a run: the settings (model, every hyperparameter) and the subset of the data
// it trains on (its validation images follow from it: validation_subset). Same card, same data file,
// same build and thread count: the same run, loss for loss. The page keeps it in its URL fragment,
// `bloodcell train --settings` reads it, a model file records it (TrainRecord::settings).
constexpr int kRunCardVersion = 1;  // the "v=" of the text form
struct RunCard {
    RunSettings settings;
    SubsetSpec subset;  // split (the one trained on), per-class cap, fraction, seed
};
// The text form, URL-fragment safe: "v=1&" then settings_pairs() then the subset, as field=value
// joined by '&', values percent-encoded where needed (a custom layer list):
//   v=1&model=cnn&epochs=5&batch=64&lr=0.001&wd=0&optimizer=adam&momentum=0.9&schedule=cosine&augment=1&
//   seed=0&patience=0&ema=0&width=16&hidden=0&dropout=0&centered=-1&split=train&per-class=0&fraction=0.25&subset-seed=0
std::string format_run_card(const RunCard& card);
// Reads the text form (a leading '#' and surrounding blanks are ignored). A field left out takes the
// model's core recipe (recipe()) or the whole train split; `model` is required. Errors name the field
// and say what it accepts ("batch '0': want 1..4096", "fraction '2': want a number in (0,1]",
// "unknown field 'colour' (want ...)"); fields are checked in order, so the first bad one is named.
Result<RunCard> parse_run_card(const std::string& text);
// The fields of the text form in order, values as text (not percent-encoded): "v", settings_pairs(),
// then split, per-class, fraction, subset-seed. What a card shows, field by field.
std::vector<std::pair<std::string, std::string>> run_card_fields(const RunCard& card);
// One field of run_card_fields() in words for a card's table: {"batch size", "64"}, {"early stop
// after", "0 (never)"}. A key this build does not know keeps its key as the label.
std::pair<std::string, std::string> run_card_row(const std::string& model, const std::string& key, const std::string& value);
// The run in one line for people, numbers at full precision (a legend): "cnn, 5 epochs, batch 64,
// lr 0.001 cosine, Adam, augmented, seed 0; train split, 25% of each class". Settings at their off
// value (weight decay 0, no EMA, no early stop, no dropout) are left out.
// A network run that diverged and went on (TrainJob::resume) at other base rates, in the order used,
// names them all: "lr 10 then 0.0001 cosine". The card keeps the rate the run started with.
std::string describe_run(const RunCard& card, const std::vector<float>& resumed_lrs = {});
// The subset in words: "all of the train split", "train split, 25% of each class (subset seed 3)".
std::string describe_subset(const SubsetSpec& s);

}  // namespace core
