// What the model commands share (cli_learn.cpp, cli_compare.cpp, cli_bench.cpp): run settings from
// the command line, the data a run trains and validates on, and training as a core::TrainJob with
// progress on stderr.
#pragma once
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/job.h"
#include "core/metrics.h"
#include "core/model.h"
#include "core/recipe.h"
#include "platform/cli_common.h"

namespace cli {

// The model's recipe (core/recipe.h) with every setting given on the command line; numbers are
// checked here first so a typo names its option ("--epochs: expected an integer").
bool parse_settings(const Args& a, const std::string& model, core::RunSettings& s, std::string& err);
// The same, resolved into a checked spec (err names the problem).
bool parse_spec(const Args& a, const std::string& model, core::TrainJobSpec& spec, std::string& err);
std::vector<std::string> names_in(const std::string& list);  // "a,b,,c" -> a, b, c
bool apply_threads(const Args& a);                             // --threads N
std::string eval_json(const core::Evaluation& e);
// Calibration of a model's (or an ensemble's) predictions on one split (eval, calibrate): ECE (15
// bins) and NLL before (raw) and after (calibrated) its temperature, coverage and ACC at its unsure
// threshold. Text lines for people and a JSON object.
std::string calibration_text(const core::Calibration& c, bool tta, const core::CalibrationReport& before,
                             const core::CalibrationReport& after);
std::string calibration_json(const core::Calibration& c, bool tta, const core::CalibrationReport& before,
                             const core::CalibrationReport& after);

struct TrainOutcome {
    core::Model model;
    core::TrainMetrics metrics;
    double seconds = 0;
    std::string error;
};
// Trains any model on `train` (selecting on `val`); with a checkpoint path, the best epoch so far
// is written there after each better epoch.
TrainOutcome train_model(const core::TrainJobSpec& spec, const core::Dataset& train, const core::Dataset& val, bool quiet,
                         const std::string& checkpoint = "");

// train --distill: spec.train.teacher from --teacher A.bcm[,B.bcm...] (the mean of their 8-view
// probabilities on `train`, softened at the spec's temperature); logs their agreement with the labels
// and their val ACC unless --quiet. crcs: each file's own CRC-32 as read (core::file_id_crc32; hex,
// comma-separated, in --teacher's order), so a run's record names its exact teacher even after a
// file of that name is replaced. False with err set when a file or the targets fail.
bool distill_targets(const Args& a, const core::Dataset& train, const core::Dataset& val, core::TrainJobSpec& spec, std::string& crcs,
                     std::string& err);
// train --init FILE with --data: the file's bytes become spec.init (the Trainer checks its architecture);
// crc: its CRC-32 for the record. False with err set when it cannot be read.
bool read_init(const std::string& file, core::TrainJobSpec& spec, std::string& crc, std::string& err);
// eval --model A.bcm,B.bcm,...: the ensemble's mean raw (uncalibrated) probabilities, each file's
// own 8-view average with --tta, scored like eval; each member's ACC beside it.
int eval_ensemble(const Args& a);
core::Result<core::BloodMnist> load_data(const Args& a);  // --data DATA.npz
// file_id, when given: the file's own CRC-32 (core::file_id_crc32), whatever the load's outcome
core::Result<core::Model> load_model_file(const std::string& path, std::string* file_id = nullptr);
// The training images (the train split, or the --subset of the split it names) and the validation
// images the recipe pairs with them (core::validation_subset: all of val unless capped per class).
struct Picked {
    core::Dataset train, val;
};
core::Result<Picked> pick_data(const Args& a, const core::BloodMnist& data);

// cli_images.cpp: labelled images in class folders (a folder or a .zip, core/labelled.h).
int eval_images(const Args& a);       // eval --model M --images DIR|ZIP
int train_fine_tune(const Args& a);   // train --init M --images DIR|ZIP --out OUT

// cli_explain.cpp: predict --explain OUT.png, one row per image (its input, the saliency of its top
// class, the two blended); tta only changes the header's note. Each 28x28 pixel is drawn 8x8.
constexpr int kExplainScale = 8, kExplainTile = 28 * kExplainScale, kExplainGap = 10, kExplainCaption = 22;
constexpr int kExplainRow = kExplainCaption + kExplainTile + 12, kExplainHeader = 30;
constexpr int kExplainWidth = 3 * kExplainTile + 4 * kExplainGap;
core::Status write_explanations(const std::string& path, core::Model& model, const std::vector<const core::ClassifyResult*>& rows,
                                bool tta);

}  // namespace cli
