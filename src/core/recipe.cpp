#include "core/recipe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/text.h"

namespace core {

RunSettings recipe(const std::string& model) {
    RunSettings s;
    s.model = model;
    TrainConfig& t = s.train;
    t.epochs = 30;
    t.batch = 64;
    t.lr = 1e-3f;
    t.optimizer = nn::OptimizerKind::adam;
    t.schedule = Schedule::cosine;
    // Cells have no orientation: the convolutional networks train on a random dihedral view of each
    // image (the reference cnn reaches >= 0.94 test ACC only with it). The fcnn sees gray pixels in a
    // fixed order and is left as DESIGN.md defines it.
    t.augment = model == "cnn" || model == "vgg6";
    s.fit.trees = 200;
    s.fit.iterations = 500;
    return s;
}

RunSettings quick_demo_settings() {
    RunSettings s = recipe("vgg6");
    s.options.width = 8;
    s.train.epochs = 8;
    s.train.batch = 32;
    s.train.lr = 4e-3f;
    s.train.schedule = Schedule::cosine;
    s.train.augment = true;
    return s;
}

namespace {
bool parse_number(const std::string& v, double& out) {
    if (v.empty()) return false;
    char* end = nullptr;
    out = std::strtod(v.c_str(), &end);
    return *end == 0 && std::isfinite(out);
}
bool parse_int(const std::string& v, long& out) {
    double d;
    if (!parse_number(v, d) || d != std::floor(d) || std::fabs(d) > 2e9) return false;
    out = (long)d;
    return true;
}
// The shortest decimal that reads back to the same float (9 significant digits always do).
std::string fmt_g(float v) {
    char b[32];
    for (int p = 6; p <= 9; ++p) {
        std::snprintf(b, sizeof b, "%.*g", p, (double)v);
        if (std::strtof(b, nullptr) == v) break;
    }
    return b;
}
// The same for a double (17 significant digits always do).
std::string fmt_g(double v) {
    char b[40];
    for (int p = 15; p <= 17; ++p) {
        std::snprintf(b, sizeof b, "%.*g", p, v);
        if (std::strtod(b, nullptr) == v) break;
    }
    return b;
}
// "conv 40-40-80-80-112-112, dense 8": the widths of a layer list's convolutions and dense layers,
// for a run's one-line summary (a custom list is not "vgg6 w=32", whatever its label).
std::string layer_widths(const std::vector<nn::LayerSpec>& layers) {
    std::string conv, dense;
    for (const nn::LayerSpec& l : layers) {
        if (l.kind != nn::LayerKind::conv2d && l.kind != nn::LayerKind::dense) continue;
        std::string& to = l.kind == nn::LayerKind::conv2d ? conv : dense;
        to += (to.empty() ? "" : "-") + std::to_string(l.units);
    }
    std::string s = conv.empty() ? "" : "conv " + conv;
    if (!dense.empty()) s += (s.empty() ? "dense " : ", dense ") + dense;
    return s;
}

bool feature_model(const RunSettings& s) { return s.layers.empty() && (s.model == "logreg" || s.model == "forest"); }
const char* schedule_str(Schedule s) {
    return s == Schedule::cosine ? "cosine" : s == Schedule::step ? "step" : "constant";
}
}  // namespace

Status set_option(RunSettings& s, const std::string& key, const std::string& value) {
    auto bad = [&](const char* want) { return Status::error(key + " '" + value + "': want " + want); };
    double d = 0;
    long i = 0;
    TrainConfig& t = s.train;
    if (key == "model") {
        if (value.empty()) return bad("a model name");
        s.model = value;
    } else if (key == "layers") {
        s.layers = value;
    } else if (key == "optimizer") {
        if (value != "adam" && value != "sgd") return bad("adam or sgd");
        t.optimizer = value == "adam" ? nn::OptimizerKind::adam : nn::OptimizerKind::sgd;
    } else if (key == "schedule") {
        auto sc = parse_schedule(value);
        if (!sc) return Status::error(sc.error);
        t.schedule = sc.value;
    } else if (key == "epochs" || key == "batch" || key == "patience" || key == "seed" || key == "width" ||
               key == "filters" || key == "hidden" || key == "trees" || key == "max-depth" || key == "iterations" ||
               key == "centered" || key == "augment" || key == "pixels" || key == "swa") {
        if (!parse_int(value, i)) return bad("an integer");
        if (key == "epochs") t.epochs = (int)i;
        else if (key == "batch") t.batch = (int)i;
        else if (key == "patience") t.patience = (int)i;
        else if (key == "seed") { if (i < 0) return bad("a seed >= 0"); t.seed = (uint64_t)i; s.fit.seed = (uint64_t)i; }
        else if (key == "width" || key == "filters") s.options.width = (int)i;
        else if (key == "hidden") s.options.hidden = (int)i;
        else if (key == "trees") s.fit.trees = (int)i;
        else if (key == "max-depth") s.fit.max_depth = (int)i;
        else if (key == "iterations") s.fit.iterations = (int)i;
        else if (key == "centered") { if (i < -1 || i > 1) return bad("1, 0 or -1 (the model's default)"); s.options.centered = (int)i; }
        else if (key == "augment") { if (i != 0 && i != 1) return bad("0 or 1"); t.augment = i == 1; }
        else if (key == "swa") { if (i < 0) return bad("0 (off) or the first epoch averaged"); t.swa_start = (int)i; }
        else { if (i != 0 && i != 1) return bad("0 or 1"); s.options.pixels = i == 1; }
    } else if (key == "lr" || key == "wd" || key == "momentum" || key == "ema" || key == "dropout" || key == "until-acc" ||
               key == "smoothing" || key == "distill" || key == "distill-temp" || key == "cutmix") {
        if (!parse_number(value, d)) return bad("a number");
        // lr and wd mean the same for softmax regression (its gradient-descent rate and L2 strength)
        if (key == "lr") { t.lr = (float)d; s.fit.lr = (float)d; }
        else if (key == "wd") { t.weight_decay = (float)d; s.fit.l2 = (float)d; }
        else if (key == "momentum") t.momentum = (float)d;
        else if (key == "ema") t.ema = (float)d;
        else if (key == "until-acc") t.until_acc = (float)d;
        else if (key == "smoothing") t.label_smoothing = (float)d;
        else if (key == "distill") t.distill = (float)d;
        else if (key == "distill-temp") t.distill_temperature = (float)d;
        else if (key == "cutmix") t.cutmix = (float)d;
        else s.options.dropout = (float)d;
    } else {
        return Status::error("unknown setting '" + key +
                             "' (want model, epochs, batch, lr, wd, momentum, patience, until-acc, ema, swa, smoothing, cutmix, distill, distill-temp, "
                             "seed, optimizer, schedule, augment, width, hidden, dropout, centered, pixels, layers, trees, max-depth, iterations)");
    }
    return Status::success();
}

std::vector<std::pair<std::string, std::string>> settings_pairs(const RunSettings& s) {
    const TrainConfig& t = s.train;
    std::vector<std::pair<std::string, std::string>> p = {{"model", s.model}};
    if (feature_model(s)) {
        p.push_back({"seed", std::to_string(s.fit.seed)});
        if (s.model == "logreg") {
            p.push_back({"iterations", std::to_string(s.fit.iterations)});
            p.push_back({"lr", fmt_g(s.fit.lr)});  // set_option writes both configs: the fit's values go
            p.push_back({"wd", fmt_g(s.fit.l2)});
        } else {
            p.push_back({"trees", std::to_string(s.fit.trees)});
            p.push_back({"max-depth", std::to_string(s.fit.max_depth)});
        }
        p.push_back({"pixels", s.options.pixels ? "1" : "0"});
        return p;
    }
    if (!s.layers.empty()) p.push_back({"layers", s.layers});
    std::vector<std::pair<std::string, std::string>> net = {
        {"epochs", std::to_string(t.epochs)},
        {"batch", std::to_string(t.batch)},
        {"lr", fmt_g(t.lr)},
        {"wd", fmt_g(t.weight_decay)},
        {"optimizer", t.optimizer == nn::OptimizerKind::adam ? "adam" : "sgd"},
        {"momentum", fmt_g(t.momentum)},
        {"schedule", schedule_str(t.schedule)},
        {"augment", t.augment ? "1" : "0"},
        {"seed", std::to_string(t.seed)},
        {"patience", std::to_string(t.patience)},
        {"ema", fmt_g(t.ema)},
        {"width", std::to_string(s.options.width)},
        {"hidden", std::to_string(s.options.hidden)},
        {"dropout", fmt_g(s.options.dropout)},
        {"centered", std::to_string(s.options.centered)},
    };
    // label smoothing and distillation (issue 14) only when used, so every earlier card reads the same
    if (t.swa_start > 0) net.push_back({"swa", std::to_string(t.swa_start)});
    if (t.label_smoothing > 0) net.push_back({"smoothing", fmt_g(t.label_smoothing)});
    if (t.cutmix > 0) net.push_back({"cutmix", fmt_g(t.cutmix)});
    if (t.until_acc > 0) net.push_back({"until-acc", fmt_g(t.until_acc)});
    if (t.distill > 0) {
        net.push_back({"distill", fmt_g(t.distill)});
        net.push_back({"distill-temp", fmt_g(t.distill_temperature)});
    }
    p.insert(p.end(), net.begin(), net.end());
    return p;
}

Result<TrainJobSpec> resolve(const RunSettings& s) {
    using R = Result<TrainJobSpec>;
    const bool named = s.model == "fcnn" || s.model == "cnn" || s.model == "vgg6";
    auto spec = model_spec(s.layers.empty() || named ? s.model : "cnn", s.options);
    if (!spec) return R::fail(spec.error);
    TrainJobSpec j;
    j.model = spec.value;
    if (!s.layers.empty()) {  // a custom layer list on RGB input
        auto layers = parse_layers(s.layers);
        if (!layers) return R::fail("layers: " + layers.error);
        j.model.family = Family::nn;
        j.model.input = s.options.centered == 1 ? InputKind::rgb_centered : InputKind::rgb;
        j.model.layers = layers.value;
        j.model.name = s.model;
    }
    j.train = s.train;
    j.fit = s.fit;
    if (j.model.family == Family::nn) {
        Status ok = validate(j.train);
        if (!ok) return R::fail(ok.message);
    } else {
        if (j.fit.trees < 1 || j.fit.trees > 5000) return R::fail("trees " + std::to_string(j.fit.trees) + ": want 1..5000");
        if (j.fit.iterations < 1 || j.fit.iterations > 100000)
            return R::fail("iterations " + std::to_string(j.fit.iterations) + ": want 1..100000");
        if (j.fit.max_depth < 0) return R::fail("max-depth: want >= 0 (0 = unlimited)");
        if (!(j.fit.lr > 0.f)) return R::fail("lr: want a value > 0");
        if (!(j.fit.l2 >= 0.f)) return R::fail("wd: want >= 0");
    }
    char b[256];
    if (j.model.family == Family::nn) {
        std::string arch = j.model.name;
        if (!s.layers.empty()) arch += " (own layers: " + layer_widths(j.model.layers) + ")";
        else if (j.model.name == "vgg6") arch += " w=" + std::to_string(s.options.width);
        std::snprintf(b, sizeof b, "%s, %d epochs, batch %d, lr %.2g %s, %s%s%s", arch.c_str(), j.train.epochs, j.train.batch,
                      j.train.lr, schedule_str(j.train.schedule),
                      j.train.optimizer == nn::OptimizerKind::adam ? (j.train.weight_decay > 0 ? "AdamW" : "Adam") : "SGD",
                      j.train.augment ? ", augmented" : "", j.train.ema > 0 || j.train.swa_start > 0 ? ", weight averaging" : "");
        if (j.train.label_smoothing > 0 || j.train.distill > 0 || j.train.cutmix > 0) {
            std::string extra = j.train.label_smoothing > 0 ? ", label smoothing " + fmt_g(j.train.label_smoothing) : "";
            if (j.train.cutmix > 0) extra += ", CutMix " + fmt_g(j.train.cutmix);
            if (j.train.distill > 0) extra += ", distilled " + fmt_g(j.train.distill);
            std::snprintf(b + std::strlen(b), sizeof b - std::strlen(b), "%s", extra.c_str());
        }
    } else if (j.model.family == Family::forest) {
        std::snprintf(b, sizeof b, "forest, %d trees%s", j.fit.trees, j.model.with_pixels ? ", with pixels" : "");
    } else {
        std::snprintf(b, sizeof b, "logreg, %d iterations, lr %.2g", j.fit.iterations, j.fit.lr);
    }
    j.summary = b;
    return R::of(j);
}

SubsetSpec validation_subset(const SubsetSpec& train_subset) {
    SubsetSpec v;
    v.split = Split::val;
    v.seed = train_subset.seed;
    if (train_subset.per_class > 0) v.per_class = std::max(8, train_subset.per_class / 4);
    return v;
}

// [SECTION] the run card's text form
namespace {
constexpr const char* kSubsetFields[] = {"split", "per-class", "fraction", "subset-seed"};
constexpr const char* kSettingFields[] = {"model",    "layers",    "epochs", "batch",      "lr",    "wd",    "optimizer",
                                          "momentum", "schedule",  "augment", "seed",      "patience", "ema", "width",
                                          "filters",  "hidden",    "dropout", "centered",  "pixels", "trees", "max-depth",
                                          "iterations", "smoothing", "distill", "distill-temp", "until-acc", "cutmix", "swa"};

bool url_safe(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}
std::string percent_encode(const std::string& v) {
    static const char* hex = "0123456789ABCDEF";
    std::string o;
    for (unsigned char c : v) {
        if (url_safe((char)c)) o += (char)c;
        else o += {'%', hex[c >> 4], hex[c & 15]};
    }
    return o;
}
int hex_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
bool percent_decode(const std::string& v, std::string& out) {
    out.clear();
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '%') {
            out += v[i];
            continue;
        }
        if (i + 2 >= v.size() || hex_digit(v[i + 1]) < 0 || hex_digit(v[i + 2]) < 0) return false;
        out += (char)(hex_digit(v[i + 1]) * 16 + hex_digit(v[i + 2]));
        i += 2;
    }
    return true;
}
template <size_t N>
bool one_of(const std::string& k, const char* const (&list)[N]) {
    for (const char* x : list)
        if (k == x) return true;
    return false;
}
// "batch 0: want 1..4096" -> "want 1..4096": the checks' own messages, after the name they give
std::string what_is_wanted(const std::string& message) {
    size_t at = message.find(": want");
    return at == std::string::npos ? message : message.substr(at + 2);
}
}  // namespace

std::vector<std::pair<std::string, std::string>> run_card_fields(const RunCard& card) {
    std::vector<std::pair<std::string, std::string>> f = {{"v", std::to_string(kRunCardVersion)}};
    for (auto& kv : settings_pairs(card.settings)) f.push_back(kv);
    const SubsetSpec& d = card.subset;
    f.push_back({"split", split_name(d.split)});
    f.push_back({"per-class", std::to_string(d.per_class)});
    f.push_back({"fraction", fmt_g(d.fraction)});
    f.push_back({"subset-seed", std::to_string(d.seed)});
    return f;
}

// A field of the text form in words, and its value with what special values mean.
std::pair<std::string, std::string> run_card_row(const std::string& model, const std::string& key, const std::string& v) {
    using Row = std::pair<std::string, std::string>;
    auto with = [&](const char* label, const char* zero_means) { return Row{label, v == "0" ? v + " (" + zero_means + ")" : v}; };
    if (key == "model") return {"model", v};
    if (key == "layers") return {"layers", v};
    if (key == "epochs") return {"epochs", v};
    if (key == "batch") return {"batch size", v};
    if (key == "lr") return {"learning rate", v};
    if (key == "wd") return {model == "logreg" ? "L2 penalty" : "weight decay", v};
    if (key == "optimizer") return {"optimizer", v == "adam" ? "Adam" : "SGD"};
    if (key == "momentum") return {"momentum (SGD)", v};
    if (key == "schedule") return {"rate schedule", v};
    if (key == "augment") return {"augmentation", v == "1" ? "flips and rotations" : "none"};
    if (key == "seed") return {"seed", v};
    if (key == "patience") return with("early stop after", "never");
    if (key == "ema") return with("weight averaging", "off");
    if (key == "swa") return with("SWA from epoch", "off");
    if (key == "until-acc") return with("stop at val ACC", "never");
    if (key == "width") return {"width (vgg6)", v};
    if (key == "hidden") return with("hidden units", "the model's");
    if (key == "dropout") return with("dropout", "none");
    if (key == "centered") return {"input", v == "1" ? "centered" : v == "0" ? "x/255" : "the model's default"};
    if (key == "pixels") return {"pixels as features", v == "1" ? "yes" : "no"};
    if (key == "trees") return {"trees", v};
    if (key == "max-depth") return with("tree depth", "unlimited");
    if (key == "iterations") return {"iterations", v};
    if (key == "split") return {"data", v + " split"};
    if (key == "per-class") return with("per-class cap", "none");
    if (key == "fraction") return {"fraction of each class", v};
    if (key == "subset-seed") return {"subset seed", v};
    if (key == "smoothing") return {"label smoothing", v};
    if (key == "cutmix") return {"CutMix (share of images)", v};
    if (key == "distill") return {"distillation (teacher's share)", v};
    if (key == "distill-temp") return {"distillation temperature", v};
    return {key, v};  // a field added later: shown by its key
}

std::string format_run_card(const RunCard& card) {
    std::string o;
    for (const auto& kv : run_card_fields(card)) o += (o.empty() ? "" : "&") + kv.first + "=" + percent_encode(kv.second);
    return o;
}

std::string describe_run(const RunCard& card, const std::vector<float>& resumed_lrs) {
    const RunSettings& s = card.settings;
    const TrainConfig& t = s.train;
    std::string o = s.model;
    auto add = [&](const std::string& part) { o += ", " + part; };
    if (feature_model(s)) {
        if (s.model == "logreg") {
            add(std::to_string(s.fit.iterations) + " iterations");
            add("lr " + fmt_g(s.fit.lr));
            add("l2 " + fmt_g(s.fit.l2));
        } else {
            add(std::to_string(s.fit.trees) + " trees");
            if (s.fit.max_depth > 0) add("depth " + std::to_string(s.fit.max_depth));
        }
        if (s.options.pixels) add("with pixels");
        add("seed " + std::to_string(s.fit.seed));
        return o + "; " + describe_subset(card.subset);
    }
    if (!s.layers.empty()) o += " [" + s.layers + "]";
    if (s.layers.empty() && s.model == "vgg6") o += " w=" + std::to_string(s.options.width);
    if (s.options.hidden > 0) add("hidden " + std::to_string(s.options.hidden));
    add(std::to_string(t.epochs) + " epochs");
    add("batch " + std::to_string(t.batch));
    std::string lrs = fmt_g(t.lr);
    for (float lr : resumed_lrs) lrs += " then " + fmt_g(lr);
    add("lr " + lrs + " " + schedule_str(t.schedule));
    if (t.optimizer == nn::OptimizerKind::adam) add(t.weight_decay > 0 ? "AdamW wd " + fmt_g(t.weight_decay) : "Adam");
    else add("SGD momentum " + fmt_g(t.momentum) + (t.weight_decay > 0 ? " wd " + fmt_g(t.weight_decay) : ""));
    add(t.augment ? "augmented" : "no augmentation");
    if (s.options.dropout > 0) add("dropout " + fmt_g(s.options.dropout));
    if (s.options.centered >= 0) add(s.options.centered ? "centered input" : "uncentered input");
    if (t.ema > 0) add("EMA " + fmt_g(t.ema));
    if (t.swa_start > 0) add("SWA from epoch " + std::to_string(t.swa_start));
    if (t.label_smoothing > 0) add("label smoothing " + fmt_g(t.label_smoothing));
    if (t.cutmix > 0) add("CutMix " + fmt_g(t.cutmix));
    if (t.distill > 0) add("distilled " + fmt_g(t.distill) + " at T " + fmt_g(t.distill_temperature));
    if (t.patience > 0) add("patience " + std::to_string(t.patience));
    if (t.until_acc > 0) add("until val ACC " + fmt_g(t.until_acc));
    add("seed " + std::to_string(t.seed));
    return o + "; " + describe_subset(card.subset);
}

Result<RunCard> parse_run_card(const std::string& text) {
    using R = Result<RunCard>;
    size_t a = text.find_first_not_of(" \t\r\n"), b = text.find_last_not_of(" \t\r\n");
    std::string t = a == std::string::npos ? "" : text.substr(a, b - a + 1);
    if (!t.empty() && t[0] == '#') t.erase(0, 1);
    if (t.empty()) return R::fail("no settings (want v=1&model=NAME&...)");
    std::vector<std::pair<std::string, std::string>> fields;
    for (const std::string& item : split(t, '&')) {
        if (item.empty()) continue;
        size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0) return R::fail("'" + item + "' is not field=value");
        std::string key = item.substr(0, eq), value;
        if (!percent_decode(item.substr(eq + 1), value)) return R::fail(key + " '" + item.substr(eq + 1) + "': a bad %-escape");
        if (key != "v" && !one_of(key, kSettingFields) && !one_of(key, kSubsetFields)) {
            std::string want = "v";
            for (const char* k : kSettingFields) want += std::string(", ") + k;
            for (const char* k : kSubsetFields) want += std::string(", ") + k;
            return R::fail("unknown field '" + key + "' (want " + want + ")");
        }
        for (const auto& f : fields)
            if (f.first == key) return R::fail(key + ": given twice");
        fields.push_back({key, value});
    }
    auto field = [&](const char* key) -> const std::string* {
        for (const auto& f : fields)
            if (f.first == key) return &f.second;
        return nullptr;
    };
    if (const std::string* v = field("v"); v && *v != std::to_string(kRunCardVersion))
        return R::fail("v '" + *v + "': want " + std::to_string(kRunCardVersion) + " (the settings version this build reads)");
    const std::string* model = field("model");
    if (!model) return R::fail("model: missing (want model=fcnn, cnn, vgg6, logreg or forest)");
    RunCard card;
    card.settings = recipe(*model);
    const std::string* layers = field("layers");
    if (layers) card.settings.layers = *layers;
    if (auto r = resolve(card.settings); !r) {
        if (layers) return R::fail("layers '" + *layers + "': " + what_is_wanted(r.error));
        auto names = model_names();
        std::string want;
        for (size_t i = 0; i < names.size(); ++i) want += (i ? i + 1 == names.size() ? " or " : ", " : "") + names[i];
        return R::fail("model '" + *model + "': want " + want + " (or a label with layers=...)");
    }
    // the fields in the order given; each is checked as it is applied, so the message names it
    for (const auto& [key, value] : fields) {
        if (key == "v" || key == "model" || key == "layers") continue;
        if (one_of(key, kSubsetFields)) {
            const std::string sub_key = key == "subset-seed" ? "seed" : key;
            auto r = parse_subset(sub_key + "=" + value, card.subset);  // the subset's own rules
            if (!r) return R::fail(key + " '" + value + "': " + what_is_wanted(r.error));
            card.subset = r.value;
            continue;
        }
        Status st = set_option(card.settings, key, value);
        if (!st) return R::fail(st.message);
        if (auto r = resolve(card.settings); !r) return R::fail(key + " '" + value + "': " + what_is_wanted(r.error));
    }
    return R::of(std::move(card));
}

std::string describe_subset(const SubsetSpec& s) {
    std::string o = std::string(split_name(s.split)) + " split";
    char b[96];
    if (s.per_class == 0 && s.fraction == 1.0) o = "all of the " + o;
    else if (s.fraction == 1.0) o += ", at most " + std::to_string(s.per_class) + " per class";
    else {
        std::snprintf(b, sizeof b, ", %.4g%% of each class", s.fraction * 100);
        o += b;
        if (s.per_class > 0) o += " (at most " + std::to_string(s.per_class) + ")";
    }
    if (s.seed != 0) o += ", subset seed " + std::to_string(s.seed);
    return o;
}

}  // namespace core
