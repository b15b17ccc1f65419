// The training record of a model: how it was trained (hyperparameters, data, seed) and what came of
// it (best epoch, val ACC/AUC, seconds). One typed struct that every writer (Trainer, fit_features,
// the CLI, the app) fills and every reader (the app's model list, `bloodcell eval`) asks, so nobody
// spells meta keys by hand.
//
// In a model file it is the key/value section (model.h): to_meta() writes the keys below, from_meta()
// reads them. Keys this build does not know, and known keys whose value does not parse, go to `extra`
// and are written back unchanged, so files from other versions round-trip. Older files simply lack
// some keys: their fields stay empty (std::nullopt / ""), and summary() leaves them out.
//
//   key             field           example        key             field           example
//   model           model           vgg6           weight_decay    weight_decay    0.05
//   data            data            bloodmnist.npz momentum        momentum        0.9   (sgd)
//   train_images    train_images    11959          augment         augment         dihedral | none
//   seed            seed            5              ema             ema             0.999
//   epochs_planned  epochs_planned  80             patience        patience        10
//   epochs_run      epochs_run      80             divergences     divergences     1
//   best_epoch      best_epoch      63             iterations      iterations      500   (logreg)
//   batch           batch           64             l2              l2              1e-4  (logreg)
//   lr              lr              0.001          trees           trees           200   (forest)
//   optimizer       optimizer       adam | sgd     max_depth       max_depth       0     (forest)
//   schedule        schedule        cosine         val_acc         val_acc         0.980724
//   train_seconds   train_seconds   1675.9         val_auc         val_auc         0.999312
//   settings        settings        the run card's text (recipe.h format_run_card): v=1&model=vgg6&...
// Read only: "epochs" (an old spelling) is taken as epochs_run when that key is missing.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace core {

struct TrainRecord {
    std::string model;      // the model's name: fcnn, cnn, vgg6, logreg, forest or a custom label
    std::string data;       // the data it was trained on, as the trainer named it (a file path)
    std::optional<int> train_images;
    std::optional<uint64_t> seed;
    // networks
    std::optional<int> epochs_planned, epochs_run, best_epoch;  // best_epoch 1-based, 0 = none
    std::optional<int> batch;
    std::optional<double> lr;            // base learning rate (also logreg's)
    std::string optimizer;               // "adam" or "sgd"
    std::string schedule;                // "constant", "cosine" or "step"
    std::optional<double> weight_decay;  // Adam: decoupled (AdamW); SGD: L2
    std::optional<double> momentum;      // SGD
    std::optional<bool> augment;         // dihedral views
    std::optional<double> ema;           // weight-averaging decay; absent = off
    std::optional<int> patience;         // early stopping; absent = off
    std::optional<int> divergences;      // times the run blew up and was resumed
    // feature models
    std::optional<int> iterations;       // logreg
    std::optional<double> l2;            // logreg
    std::optional<int> trees, max_depth; // forest
    // outcome
    std::optional<double> val_acc, val_auc;  // of the kept (best) epoch
    std::optional<double> train_seconds;
    // the whole run as text (core/recipe.h: format_run_card), which parse_run_card, the page's link and
    // `bloodcell train --settings` read; "" when the file does not say (older files)
    std::string settings;
    std::map<std::string, std::string> extra;  // keys this build does not know, kept verbatim

    std::map<std::string, std::string> to_meta() const;
    static TrainRecord from_meta(const std::map<std::string, std::string>& meta);

    // One line for people, of the fields that are known, e.g.
    // "vgg6, 80 epochs (best 63), batch 64, lr 1.0e-03 cosine, AdamW wd 0.05, augmented, seed 5";
    // "forest, 200 trees, seed 0"; "" when nothing is known.
    std::string summary() const;

    bool operator==(const TrainRecord& o) const;
    bool operator!=(const TrainRecord& o) const { return !(*this == o); }
};

}  // namespace core
