// Labelled image sets: class folders, the import job, the held-out split, the fine-tuning run.
#include "core/labelled.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "core/clock.h"
#include "core/image.h"
#include "core/recipe.h"
#include "core/rng.h"

namespace core {

namespace {
struct FolderName { const char* name; int label; };
// The accepted folder names, normalized (lower case, '_' for ' ' and '-').
const FolderName kFolders[] = {
    {"basophil", 0},   {"eosinophil", 1}, {"erythroblast", 2}, {"ig", 3},       {"immature_granulocyte", 3},
    {"lymphocyte", 4}, {"monocyte", 5},   {"neutrophil", 6},   {"platelet", 7},
};

std::string normalized(const std::string& s) {
    std::string o;
    for (char c : s) o += (c == ' ' || c == '-') ? '_' : (char)std::tolower((unsigned char)c);
    return o;
}

// System files that archivers and file managers add: not the user's images, not worth a line each.
bool system_file(const std::string& path) {
    if (path.rfind("__MACOSX/", 0) == 0 || path.find("/__MACOSX/") != std::string::npos) return true;
    const size_t slash = path.find_last_of('/');
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    return base.empty() || base[0] == '.' || base == "Thumbs.db" || base == "desktop.ini";
}
}  // namespace

// FNV-1a 64 over the bytes, mixed with the size: equal files, equal keys (a collision between two
// different files is not a practical concern at 2^-64).
uint64_t content_key(const uint8_t* b, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
    return h ^ ((uint64_t)n * 0x9E3779B97F4A7C15ULL);
}

int class_of_folder(const std::string& folder) {
    std::string n = normalized(folder);
    for (int pass = 0; pass < 2; ++pass) {
        for (const FolderName& f : kFolders)
            if (n == f.name) return f.label;
        if (n.size() > 1 && n.back() == 's') n.pop_back();  // "neutrophils"
        else break;
    }
    return -1;
}

std::string class_folder_names() {
    return "basophil, eosinophil, erythroblast, ig or immature_granulocyte, lymphocyte, monocyte, neutrophil, platelet";
}

const char* skip_kind_name(SkipKind k) {
    switch (k) {
        case SkipKind::not_image: return "not an image";
        case SkipKind::unreadable: return "unreadable image";
        case SkipKind::unknown_folder: return "unknown folder name";
        case SkipKind::no_folder: return "not in a class folder";
        case SkipKind::duplicate: return "duplicate file";
        case SkipKind::too_many: return "too many images";
    }
    return "?";
}

Result<std::unique_ptr<LabelledImportJob>> LabelledImportJob::from_zip(std::vector<uint8_t> zip, const std::string& name) {
    using R = Result<std::unique_ptr<LabelledImportJob>>;
    auto entries = zip::entries(zip.data(), zip.size(), name, "a .zip");
    if (!entries) return R::fail(entries.error);
    std::unique_ptr<LabelledImportJob> j(new LabelledImportJob());
    j->set_.source = name;
    j->zip_ = std::move(zip);
    for (zip::Entry& e : entries.value) {
        for (char& c : e.name) if (c == '\\') c = '/';
        if (e.directory() || system_file(e.name)) ++j->set_.ignored;
        else j->entries_.push_back(std::move(e));
    }
    std::stable_sort(j->entries_.begin(), j->entries_.end(), [](const zip::Entry& a, const zip::Entry& b) { return a.name < b.name; });
    j->prepare();
    return R::of(std::move(j));
}

std::unique_ptr<LabelledImportJob> LabelledImportJob::from_files(std::vector<ClassifyItem> files, const std::string& name) {
    std::unique_ptr<LabelledImportJob> j(new LabelledImportJob());
    j->set_.source = name;
    for (ClassifyItem& f : files) {
        for (char& c : f.name) if (c == '\\') c = '/';
        if (system_file(f.name)) ++j->set_.ignored;
        else j->files_.push_back(std::move(f));
    }
    std::stable_sort(j->files_.begin(), j->files_.end(), [](const ClassifyItem& a, const ClassifyItem& b) { return a.name < b.name; });
    j->prepare();
    return j;
}

void LabelledImportJob::prepare() {
    const size_t n = zip_.empty() ? files_.size() : entries_.size();
    state_.title = "read " + std::to_string(n) + " labelled files from " + set_.source;
    state_.total = (long)n;
    if (n == 0) {
        state_.status = JobStatus::failed;
        state_.message = set_.source + ": no files in it (want class folders: " + class_folder_names() + ")";
    }
    publish();
}

void LabelledImportJob::add(const std::string& path, const uint8_t* bytes, size_t size) {
    ++set_.considered;
    auto skip = [&](SkipKind k, std::string why) { set_.skipped.push_back({path, k, std::move(why)}); };
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return skip(SkipKind::no_folder, "not in a class folder (want " + class_folder_names() + ")");
    const std::string dir = path.substr(0, slash);  // the folder the file is in names its class
    const size_t up = dir.find_last_of('/');
    const std::string folder = up == std::string::npos ? dir : dir.substr(up + 1);
    const int label = class_of_folder(folder);
    if (label < 0) return skip(SkipKind::unknown_folder, "unknown folder name '" + folder + "' (want " + class_folder_names() + ")");
    if (bytes == nullptr) return;  // (a zip member that could not be read was reported by the caller)
    const uint64_t key = content_key(bytes, size);
    auto at = std::lower_bound(seen_.begin(), seen_.end(), std::make_pair(key, -1));
    if (at != seen_.end() && at->first == key) {
        const int first = at->second;
        std::string why = "duplicate of " + set_.files[first] + " (the same bytes)";
        if (set_.data.labels[first] != label)
            why += std::string("; that copy is labelled ") + kClassNames[set_.data.labels[first]] + ", this one " + kClassNames[label];
        return skip(SkipKind::duplicate, why);
    }
    if (set_.data.size() >= kMaxLabelledImages)
        return skip(SkipKind::too_many, "more than " + std::to_string(kMaxLabelledImages) + " images; the rest are left out");
    ImageLimits limits;
    limits.max_pixels = 40'000'000;  // as Classify
    auto img = decode_image(bytes, size, path, limits);
    if (!img) {
        // decode_image's messages start with the path; the reason is what follows
        std::string why = img.error.substr(std::min(img.error.size(), path.size() + 2));
        return skip(why.rfind("not an image", 0) == 0 || why.rfind("file is empty", 0) == 0 ? SkipKind::not_image : SkipKind::unreadable, why);
    }
    std::vector<uint8_t> x = to_bloodmnist(img.value);
    set_.data.images.insert(set_.data.images.end(), x.begin(), x.end());
    set_.data.labels.push_back((uint8_t)label);
    set_.files.push_back(path);
    seen_.insert(at, {key, (int)set_.files.size() - 1});
}

void LabelledImportJob::work(Budget b) {
    const double t0 = now_ms();
    const size_t n = zip_.empty() ? files_.size() : entries_.size();
    long done = 0;
    while (next_ < n) {
        if (zip_.empty()) {
            ClassifyItem& f = files_[next_];
            add(f.name, f.bytes.data(), f.bytes.size());
            std::vector<uint8_t>().swap(f.bytes);
        } else {
            const zip::Entry& e = entries_[next_];
            auto bytes = zip::extract(zip_.data(), zip_.size(), set_.source + ": " + e.name, e, kMaxLabelledFileBytes);
            if (bytes) {
                add(e.name, bytes.value.data(), bytes.value.size());
            } else {
                const size_t before = set_.skipped.size();
                add(e.name, nullptr, 0);  // a bad folder name is the first thing to say
                if (set_.skipped.size() == before)
                    set_.skipped.push_back({e.name, SkipKind::unreadable, bytes.error.substr(set_.source.size() + 2 + e.name.size() + 2)});
            }
        }
        ++next_;
        ++done;
        if ((b.images > 0 && done >= b.images) || (b.ms > 0 && now_ms() - t0 >= b.ms) || (b.images <= 0 && b.ms <= 0)) break;
    }
    state_.done = (long)next_;
    state_.progress = n ? (double)next_ / n : 1.0;
    if (next_ >= n) {
        std::vector<uint8_t>().swap(zip_);
        state_.status = set_.data.size() > 0 ? JobStatus::done : JobStatus::failed;
        if (set_.data.size() == 0)
            state_.message = set_.source + ": no usable images (" + std::to_string(set_.skipped.size()) + " file(s) skipped; want PNG/JPG in class folders: " +
                             class_folder_names() + ")";
    }
}

HoldoutSplit split_holdout(const Dataset& d, double fraction, uint64_t seed) {
    HoldoutSplit s;
    std::vector<std::vector<int>> by_class(kClasses);
    for (int i = 0; i < d.size(); ++i) by_class[d.labels[i]].push_back(i);
    for (int c = 0; c < kClasses; ++c) {
        std::vector<int>& idx = by_class[c];
        Rng rng(seed * 1000003ULL + 7919ULL * (uint64_t)(c + 1));
        rng.shuffle(idx);
        const int n = (int)idx.size();
        int held = (int)std::llround(std::clamp(fraction, 0.0, 1.0) * n);
        if (n >= 2) held = std::clamp(held, 1, n - 1);
        s.held.insert(s.held.end(), idx.begin(), idx.begin() + held);
        s.fit.insert(s.fit.end(), idx.begin() + held, idx.end());
    }
    std::sort(s.fit.begin(), s.fit.end());
    std::sort(s.held.begin(), s.held.end());
    return s;
}

Result<TrainJobSpec> fine_tune_spec(const std::vector<uint8_t>& init, int epochs, uint64_t seed) {
    using R = Result<TrainJobSpec>;
    auto m = Model::load(init.data(), init.size(), "the model to fine-tune");
    if (!m) return R::fail(m.error);
    if (m.value.spec().family != Family::nn)
        return R::fail(m.value.spec().name + " is a feature model: only networks (fcnn, cnn, vgg6, ...) can be fine-tuned");
    if (epochs < 1 || epochs > 1000) return R::fail("epochs " + std::to_string(epochs) + ": want 1..1000");
    RunSettings s = recipe(m.value.spec().name);
    TrainJobSpec j;
    j.model = m.value.spec();
    j.train = s.train;
    j.train.epochs = epochs;
    j.train.batch = 32;
    j.train.lr = s.train.lr * 0.1f;
    j.train.augment = true;
    j.train.seed = seed;
    j.train.patience = 0;
    j.calibrate = 0;
    j.init = std::make_shared<const std::vector<uint8_t>>(init);
    char b[160];
    std::snprintf(b, sizeof b, "fine-tune %s: %d epochs, batch %d, lr %.2g %s, augmented", j.model.name.c_str(), epochs, j.train.batch,
                  j.train.lr, j.train.schedule == Schedule::cosine ? "cosine" : j.train.schedule == Schedule::step ? "step" : "constant");
    j.summary = b;
    return R::of(std::move(j));
}

}  // namespace core
