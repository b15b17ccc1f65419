// The models the user has: shipped (pretrained) files, models trained in the app and .bcm files the
// user opened; which one Classify uses; and each one's evaluation on the test split of the loaded
// data, run as a core::EvalJob a slice at a time. No ImGui and no platform code (tested natively
// and under WebAssembly: tests/test_model_store.cpp).
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/job.h"
#include "core/model.h"

namespace app {

struct StoredModel {
    std::string label;           // "vgg6_w32 (pretrained)", "cnn #2", "vgg6 (mine)"
    std::string origin;          // "assets/vgg6_w32.bcm", "trained here on 2000 images", "loaded from mine.bcm"
    std::string hyper;           // how it was trained, one line ("" when the file does not say)
    // the run card's text (core/recipe.h: every setting and the subset; the link that trains it again),
    // from the run or the file's training record; "" when unknown (files from older versions)
    std::string link;
    std::shared_ptr<core::Model> model;
    size_t params = 0;
    double train_seconds = NAN;  // NaN when unknown
    bool pretrained = false;
    std::string file;            // the model file's name ("vgg6_w32.bcm"), "" for a model trained here
    std::string crc32;           // the file's own CRC-32 (core::file_id_crc32); of save() for one trained here
    // the test-split evaluation (of the data version it was made for)
    std::unique_ptr<core::EvalJob> eval;
    int eval_version = -1;
    bool evaluated = false;
    std::string eval_error;            // why the evaluation on eval_version's data failed ("" if it did not)
    core::Evaluation test;             // of the calibrated probabilities (what Classify shows)
    // calibration on the test split (single view): reliability bins, ECE, NLL and the coverage/
    // accuracy curve of the calibrated probabilities, and the same before the temperature
    core::CalibrationReport calibration, uncalibrated;
};

class ModelStore {
public:
    int size() const { return (int)models_.size(); }
    StoredModel& at(int i) { return *models_[i]; }
    const StoredModel& at(int i) const { return *models_[i]; }
    int active() const { return active_; }
    const StoredModel* active_model() const { return active_ >= 0 ? models_[active_].get() : nullptr; }
    StoredModel* active_model() { return active_ >= 0 ? models_[active_].get() : nullptr; }
    int index_of(const StoredModel* m) const;

    // Adds a model (params and training time filled from it); it becomes the active one when
    // make_active or when none is. Returns its index.
    int add(std::unique_ptr<StoredModel> m, bool make_active);
    // A .bcm file the user opened: labelled "<arch> (<file stem>)" and made active. Errors name the file.
    core::Result<int> open(const std::string& name, const uint8_t* bytes, size_t size);
    // A shipped file: "<stem> (pretrained)". It becomes active when none is, or when the active model is
    // a pretrained one whose recorded val ACC is lower (so the best shipped model wins whatever the
    // order the files arrive in, and a model the user chose or trained is never replaced).
    core::Result<int> add_pretrained(const std::string& file, const uint8_t* bytes, size_t size);
    // The shipped file with the highest recorded val ACC (the page's distillation teacher); null when
    // none has arrived.
    const StoredModel* best_pretrained() const;
    void set_active(int i);
    void remove(int i);

    // The loaded data changed: every evaluation is stale.
    void data_changed() { ++version_; }
    // Advances the evaluation of the first model not yet evaluated on `test` by about budget_ms.
    // Returns the index of a model whose evaluation finished in this call, or -1. An evaluation that
    // fails is not tried again on the same data: eval_error(m) says why, and the next model goes on.
    int evaluate_step(const core::Dataset& test, double budget_ms);
    int evaluating() const { return evaluating_; }
    bool needs_evaluation() const;  // a model has neither a score nor an error on the current test split yet
    // Whether m's test figures belong to the data loaded now (stale ones are never shown).
    bool evaluated(const StoredModel& m) const { return m.evaluated && m.eval_version == version_; }
    // Why m's evaluation on the data loaded now failed; "" when it did not (or has not run yet).
    std::string eval_error(const StoredModel& m) const { return m.eval_version == version_ ? m.eval_error : std::string(); }
    // Progress 0..1 of m's evaluation under way, or -1 when none is.
    double eval_progress(const StoredModel& m) const;
    // m.crc32, computed from m.model->save() the first time for a model that came from no file.
    static const std::string& checksum(StoredModel& m);

private:
    std::vector<std::unique_ptr<StoredModel>> models_;
    int active_ = -1;
    int version_ = 0;
    int evaluating_ = -1;
};

}  // namespace app
