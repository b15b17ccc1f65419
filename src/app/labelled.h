// The user's own labelled images in the page and the desktop app (issue 12 item 6): a .zip or a
// folder of class-named subfolders (core/labelled.h) is read a slice at a time; the model in use is
// evaluated on all of it (accuracy, confusion matrix, per class); and the model can be fine-tuned on
// a seeded split of it and compared with the pretrained one on the held-out part. Every step is a core
// job sliced between frames (labelled_work), so the page keeps drawing. ImGui-free except the panel
// (panel_labelled.cpp).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "app/gfx.h"
#include "core/job.h"
#include "core/labelled.h"

namespace app {

struct AppState;

struct LabelledState {
    bool open = false;                     // the Classify tab shows the labelled view (else the review)
    // a folder arriving file by file (purpose "labelled"), read once "labelled-end" comes
    std::vector<core::ClassifyItem> incoming;
    std::unique_ptr<core::LabelledImportJob> import;
    core::JobSnapshot import_snap;
    core::LabelledSet set;
    bool loaded = false;
    std::string error;                     // why the last set could not be read
    // the model in use on every image of the set
    std::unique_ptr<core::EvalJob> eval;
    std::shared_ptr<core::Model> eval_of;  // the model `result` (or `eval`) belongs to
    std::string eval_label;
    core::Evaluation result;
    bool evaluated = false;
    Texture confusion_tex;
    // fine-tuning on a seeded split; both models on the held-out part
    int epochs = 5, seed = 0;
    float held_fraction = 0.25f;
    core::Dataset fit, held;
    std::unique_ptr<core::TrainJob> tune;
    core::JobSnapshot tune_snap;
    std::unique_ptr<core::EvalJob> before_job, after_job;
    std::shared_ptr<core::Model> base, tuned;
    std::string base_label, base_file;
    core::Evaluation before, after;
    bool compared = false;                 // before and after are both done
    Texture before_tex, after_tex;
};

LabelledState& labelled_state(AppState& s);
// A .zip of class folders (the whole file) or one file of a folder (its path inside the folder's
// parent, "cells/neutrophil/a.jpg"); labelled_end: the folder is complete, read it.
void labelled_open_zip(AppState& s, const std::string& name, const uint8_t* bytes, size_t size);
void labelled_add_file(AppState& s, const std::string& path, const uint8_t* bytes, size_t size);
void labelled_end(AppState& s, const std::string& name);
// Fine-tune the model in use on the set (epochs, held_fraction, seed of LabelledState).
std::string labelled_fine_tune(AppState& s);   // "" or the problem
void labelled_cancel(AppState& s);
std::string labelled_use_tuned(AppState& s);   // adds the fine-tuned model to the models and uses it
std::string labelled_save_tuned(AppState& s);
void labelled_close(AppState& s);             // back to the review (the set stays)
// The slice of a refresh: reading, evaluating, fine-tuning; returns the milliseconds spent.
double labelled_work(AppState& s, double budget_ms);
bool labelled_busy(const AppState& s);
void draw_labelled_view(AppState& s);         // panel_labelled.cpp
// Does a zip hold class folders of images rather than .npy members (an .npz)?
bool zip_is_labelled_images(const uint8_t* bytes, size_t size);

}  // namespace app
