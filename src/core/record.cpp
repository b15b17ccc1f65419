// TrainRecord <-> the model file's key/value section, and its one-line summary (see record.h).
#include "core/record.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <type_traits>

#include "core/recipe.h"

namespace core {

namespace {

std::string num(double v, const char* f) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

// Strict parsers: the whole value must be the number, else the key stays in `extra`.
bool parse(const std::string& s, int& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(s.c_str(), &end, 10);
    if (*end || errno || v < -2147483647L || v > 2147483647L) return false;
    out = (int)v;
    return true;
}
bool parse(const std::string& s, uint64_t& out) {
    if (s.empty() || s[0] == '-') return false;
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (*end || errno) return false;
    out = v;
    return true;
}
bool parse(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (*end) return false;
    out = v;
    return true;
}
bool parse(const std::string& s, bool& out) {  // augment: "dihedral" | "none"
    if (s == "dihedral") out = true;
    else if (s == "none") out = false;
    else return false;
    return true;
}
bool parse(const std::string& s, std::string& out) {
    out = s;
    return true;
}

// One table of the keys, so reading and writing cannot disagree.
template <class R, class F>  // R: TrainRecord or const TrainRecord
void each_field(R& r, F&& f) {
    f("model", r.model, "");
    f("data", r.data, "");
    f("train_images", r.train_images, "");
    f("seed", r.seed, "");
    f("epochs_planned", r.epochs_planned, "");
    f("epochs_run", r.epochs_run, "");
    f("best_epoch", r.best_epoch, "");
    f("batch", r.batch, "");
    f("lr", r.lr, "%g");
    f("optimizer", r.optimizer, "");
    f("schedule", r.schedule, "");
    f("weight_decay", r.weight_decay, "%g");
    f("momentum", r.momentum, "%g");
    f("augment", r.augment, "");
    f("ema", r.ema, "%g");
    f("patience", r.patience, "");
    f("divergences", r.divergences, "");
    f("iterations", r.iterations, "");
    f("l2", r.l2, "%g");
    f("trees", r.trees, "");
    f("max_depth", r.max_depth, "");
    f("val_acc", r.val_acc, "%.6f");
    f("val_auc", r.val_auc, "%.6f");
    f("train_seconds", r.train_seconds, "%.1f");
    f("settings", r.settings, "");
}

std::string text(int v, const char*) { return std::to_string(v); }
std::string text(uint64_t v, const char*) { return std::to_string(v); }
std::string text(bool v, const char*) { return v ? "dihedral" : "none"; }
std::string text(double v, const char* f) { return num(v, f); }

}  // namespace

std::map<std::string, std::string> TrainRecord::to_meta() const {
    std::map<std::string, std::string> m = extra;
    each_field(*this, [&](const char* key, const auto& field, const char* f) {
        using T = std::decay_t<decltype(field)>;
        if constexpr (std::is_same_v<T, std::string>) {
            if (!field.empty()) m[key] = field;
        } else {
            if (field) m[key] = text(*field, f);
        }
    });
    return m;
}

TrainRecord TrainRecord::from_meta(const std::map<std::string, std::string>& meta) {
    TrainRecord r;
    std::map<std::string, std::string> rest = meta;
    each_field(r, [&](const char* key, auto& field, const char*) {
        auto it = rest.find(key);
        if (it == rest.end()) return;
        using T = std::decay_t<decltype(field)>;
        bool ok;
        if constexpr (std::is_same_v<T, std::string>) {
            ok = parse(it->second, field);
        } else {
            typename T::value_type v{};
            ok = parse(it->second, v);
            if (ok) field = v;
        }
        if (ok) rest.erase(it);  // a value that does not parse stays in extra, verbatim
    });
    auto old = rest.find("epochs");
    int e = 0;
    if (!r.epochs_run && old != rest.end() && parse(old->second, e)) {
        r.epochs_run = e;
        rest.erase(old);
    }
    r.extra = std::move(rest);
    return r;
}

bool TrainRecord::operator==(const TrainRecord& o) const {
    auto tie = [](const TrainRecord& r) {
        return std::tie(r.model, r.data, r.train_images, r.seed, r.epochs_planned, r.epochs_run, r.best_epoch, r.batch, r.lr,
                        r.optimizer, r.schedule, r.weight_decay, r.momentum, r.augment, r.ema, r.patience, r.divergences,
                        r.iterations, r.l2, r.trees, r.max_depth, r.val_acc, r.val_auc, r.train_seconds, r.settings, r.extra);
    };
    return tie(*this) == tie(o);
}

std::string TrainRecord::summary() const {
    std::string s;
    auto add = [&](const std::string& part) {
        if (!part.empty()) s += (s.empty() ? "" : ", ") + part;
    };
    add(model);
    if (epochs_run || epochs_planned) {
        std::string e = epochs_run ? std::to_string(*epochs_run) : std::to_string(*epochs_planned);
        if (epochs_run && epochs_planned && *epochs_planned != *epochs_run) e += " of " + std::to_string(*epochs_planned);
        e += " epochs";
        if (best_epoch && *best_epoch > 0) e += " (best " + std::to_string(*best_epoch) + ")";
        add(e);
    }
    if (iterations) add(std::to_string(*iterations) + " iterations");
    if (trees) add(std::to_string(*trees) + " trees" + (max_depth && *max_depth > 0 ? " of depth " + std::to_string(*max_depth) : ""));
    if (train_images) add(std::to_string(*train_images) + " images");
    if (batch) add("batch " + std::to_string(*batch));
    if (lr) add("lr " + num(*lr, "%.1e") + (schedule.empty() ? "" : " " + schedule));
    const bool wd = weight_decay && *weight_decay > 0;
    if (optimizer == "adam") add(std::string(wd ? "AdamW" : "Adam") + (wd ? " wd " + num(*weight_decay, "%g") : ""));
    else if (optimizer == "sgd")
        add("SGD" + (momentum ? " momentum " + num(*momentum, "%g") : "") + (wd ? " wd " + num(*weight_decay, "%g") : ""));
    else if (!optimizer.empty()) add(optimizer);
    if (l2) add("l2 " + num(*l2, "%g"));
    if (augment && *augment) add("augmented");
    if (ema) add("EMA " + num(*ema, "%g"));
    // soft targets live in the run card's text only
    if (auto card = parse_run_card(settings)) {
        const TrainConfig& c = card.value.settings.train;
        if (c.label_smoothing > 0) add("label smoothing " + num(c.label_smoothing, "%g"));
        if (c.cutmix > 0) add("CutMix " + num(c.cutmix, "%g"));
        if (c.distill > 0) add("distilled " + num(c.distill, "%g") + " at T " + num(c.distill_temperature, "%g"));
    }
    if (patience && *patience > 0) add("patience " + std::to_string(*patience));
    if (divergences && *divergences > 0) add("resumed after " + std::to_string(*divergences) + (*divergences == 1 ? " divergence" : " divergences"));
    if (seed) add("seed " + std::to_string(*seed));
    return s;
}

}  // namespace core
