// The user's own labelled images (issue 12 item 6): a .zip, or a folder, of class-named subfolders
// (basophil/, eosinophil/, erythroblast/, ig/ or immature_granulocyte/, lymphocyte/, monocyte/,
// neutrophil/, platelet/) of PNG/JPG images of any size. Each image is decoded (image.h), brought to
// 28x28 the way Classify does (to_bloodmnist) and labelled by its folder; what cannot be used is
// listed with the reason and skipped (not an image, an unreadable image, a folder that names no
// class, a file outside any class folder, the same bytes twice), and the rest goes on. The result is
// a Dataset that every model evaluates (EvalJob) and that a pretrained network fine-tunes on, with a
// seeded stratified split into fine-tune and held-out images.
//
//   auto job = core::LabelledImportJob::from_zip(std::move(zip_bytes), "mine.zip");   // Result<unique_ptr>
//   while (job.value->step({0, 20.0})) {}
//   const core::LabelledSet& set = job.value->set();   // set.data: images + labels, set.skipped: why not
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/job.h"
#include "core/zip.h"

namespace core {

// A 64-bit hash of a file's bytes (FNV-1a, mixed with the size): how duplicate files are found.
uint64_t content_key(const uint8_t* bytes, size_t size);

// The class a folder name stands for, or -1. A checked table, never a text compare with the display
// names: case and the separators ' ', '-', '_' do not matter, a plural 's' is accepted, and "ig" is
// class 3, immature granulocyte (as "immature_granulocyte" is).
int class_of_folder(const std::string& folder);
// "basophil, eosinophil, erythroblast, ig or immature_granulocyte, ..." for messages.
std::string class_folder_names();

// Why a file was left out.
enum class SkipKind { not_image, unreadable, unknown_folder, no_folder, duplicate, too_many };
const char* skip_kind_name(SkipKind k);  // "not an image", "unreadable image", ...
struct Skipped {
    std::string path;
    SkipKind kind;
    std::string reason;   // one line, e.g. "unknown folder name 'cells' (want basophil, ...)"
};

struct LabelledSet {
    std::string source;                 // the zip's or the folder's name
    Dataset data;                       // 28x28x3 images and their folders' labels
    std::vector<std::string> files;     // per image: its path inside the source
    std::vector<Skipped> skipped;       // in path order
    int ignored = 0;                    // folders and system files (__MACOSX/, .DS_Store, ._*, Thumbs.db)
    int considered = 0;                 // files looked at (not counting the ignored ones)
    std::array<int, kClasses> counts() const { return data.class_counts(); }
};

constexpr int kMaxLabelledImages = 20000;        // more are listed as skipped (memory stays bounded)
constexpr uint64_t kMaxLabelledFileBytes = 64u << 20;  // a member that inflates beyond this is unreadable

// Decodes and labels the files a step at a time (budget: images and/or milliseconds). Files are
// taken in path order, so the same images give the same set whatever order a browser or a zip lists
// them in.
class LabelledImportJob : public Job {
public:
    // The zip's central directory is read here; a file that is not a zip (or a damaged one) fails.
    static Result<std::unique_ptr<LabelledImportJob>> from_zip(std::vector<uint8_t> zip, const std::string& name);
    // Loose files (a folder): ClassifyItem::name is the path relative to the folder's parent or to
    // the folder itself ("cells/neutrophil/a.jpg" or "neutrophil/a.jpg").
    static std::unique_ptr<LabelledImportJob> from_files(std::vector<ClassifyItem> files, const std::string& name);
    const LabelledSet& set() const { return set_; }
    LabelledSet take_set() { return std::move(set_); }

private:
    LabelledImportJob() = default;
    void work(Budget b) override;
    void add(const std::string& path, const uint8_t* bytes, size_t size);
    void prepare();
    LabelledSet set_;
    std::vector<uint8_t> zip_;
    std::vector<zip::Entry> entries_;   // zip members to look at, in path order
    std::vector<ClassifyItem> files_;   // or loose files, in path order
    size_t next_ = 0;
    std::vector<std::pair<uint64_t, int>> seen_;  // (content hash, index in set_.files), sorted
};

// A seeded, stratified split of a labelled set: within each class the images are shuffled by `seed`
// and round(fraction x count) of them are held out (at least one, and at least one left to fine-tune
// on, when the class has two or more). Indices into the set, ascending.
struct HoldoutSplit {
    std::vector<int> fit, held;
};
HoldoutSplit split_holdout(const Dataset& d, double held_fraction, uint64_t seed);

// The run that fine-tunes a pretrained network (its model file's bytes) on labelled images: the
// network's own recipe with a tenth of its learning rate, `epochs` epochs, batch 32, dihedral
// augmentation, no validation (the last epoch is kept) and no new calibration (the pretrained
// model's temperature and threshold carry over). Fails for feature models.
Result<TrainJobSpec> fine_tune_spec(const std::vector<uint8_t>& init_model_bytes, int epochs, uint64_t seed);

}  // namespace core
