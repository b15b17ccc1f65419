// CLI commands over data: `info` (splits and class counts), `features` (intensity + GLCM rows for
// an .npz or image files) and `make-sample` (stratified samples such as the teaching set shipped in assets/).
#include <algorithm>
#include <cstring>
#include <thread>

#include "core/dataset.h"
#include "core/features.h"
#include "core/image.h"
#include "core/io.h"
#include "core/preprocess.h"
#include "core/text.h"
#include "platform/cli_common.h"

namespace cli {
namespace {

bool looks_like_npz(const std::string& path, const core::io::Bytes& b) {
    return (b.size() >= 2 && b[0] == 'P' && b[1] == 'K') ||
           (path.size() > 4 && path.compare(path.size() - 4, 4, ".npz") == 0);
}

int cmd_info(const Args& a) {
    if (a.positional.size() != 1) return fail("info: want exactly one DATA.npz (usage: bloodcell info DATA.npz [--json])");
    const std::string& path = a.positional[0];
    std::fprintf(stderr, "reading %s\n", path.c_str());
    auto data = core::load_bloodmnist_file(path);
    if (!data) return fail(data.error);
    const core::Split splits[] = {core::Split::train, core::Split::val, core::Split::test};
    if (a.has("json")) {
        std::string o = "{\"file\":\"" + json_escape(path) + "\",\"image_shape\":[28,28,3],\"classes\":[";
        for (int c = 0; c < core::kClasses; ++c) o += std::string(c ? "," : "") + "\"" + core::kClassNames[c] + "\"";
        o += "],\"splits\":{";
        int total = 0;
        for (int s = 0; s < 3; ++s) {
            const auto& d = data.value.split(splits[s]);
            auto cc = d.class_counts();
            total += d.size();
            o += std::string(s ? "," : "") + "\"" + core::split_name(splits[s]) + "\":{\"count\":" + std::to_string(d.size()) +
                 ",\"per_class\":[";
            for (int c = 0; c < core::kClasses; ++c) o += (c ? "," : "") + std::to_string(cc[c]);
            o += "]}";
        }
        o += "},\"total\":" + std::to_string(total) + "}";
        std::printf("%s\n", o.c_str());
        return 0;
    }
    std::printf("%s: BloodMNIST, images 28x28x3 uint8\n\n%-22s", path.c_str(), "class");
    for (auto s : splits) std::printf("%8s", core::split_name(s));
    std::printf("%8s\n", "all");
    std::array<int, core::kClasses> cc[3];
    for (int s = 0; s < 3; ++s) cc[s] = data.value.split(splits[s]).class_counts();
    for (int c = 0; c < core::kClasses; ++c) {
        std::printf("%d %-20s", c, core::kClassNames[c]);
        for (int s = 0; s < 3; ++s) std::printf("%8d", cc[s][c]);
        std::printf("%8d\n", cc[0][c] + cc[1][c] + cc[2][c]);
    }
    std::printf("%-22s", "total");
    int all = 0;
    for (int s = 0; s < 3; ++s) {
        std::printf("%8d", data.value.split(splits[s]).size());
        all += data.value.split(splits[s]).size();
    }
    std::printf("%8d\n", all);
    return 0;
}

struct Row {
    std::string source, split;
    int index = -1, label = -1;
};

// One JSON object: the feature names and one row per image with its provenance.
void print_features_json(const core::FeatureSpec& spec, double secs, const std::vector<std::string>& names,
                         const std::vector<Row>& rows, const std::vector<double>& feats) {
    const size_t F = names.size();
    const int n = (int)rows.size();
    std::string o = "{\"levels\":" + std::to_string(spec.glcm.levels) + ",\"seconds\":" + fmt(secs) + ",\"names\":[";
    for (size_t k = 0; k < F; ++k) o += std::string(k ? "," : "") + "\"" + names[k] + "\"";
    o += "],\"rows\":[";
    std::fputs(o.c_str(), stdout);
    for (int i = 0; i < n; ++i) {
        std::string r = std::string(i ? "," : "") + "{\"source\":\"" + json_escape(rows[i].source) + "\"";
        if (rows[i].index >= 0)
            r += ",\"split\":\"" + rows[i].split + "\",\"index\":" + std::to_string(rows[i].index) +
                 ",\"label\":" + std::to_string(rows[i].label);
        r += ",\"features\":[";
        for (size_t k = 0; k < F; ++k) r += (k ? "," : "") + fmt(feats[(size_t)i * F + k], 17);
        r += "]}";
        std::fputs(r.c_str(), stdout);
    }
    std::fputs("]}\n", stdout);
}

// A header line, then one CSV row per image.
void print_features_csv(const std::vector<std::string>& names, const std::vector<Row>& rows, const std::vector<double>& feats) {
    const size_t F = names.size();
    const int n = (int)rows.size();
    std::string h = "source,split,index,label";
    for (auto& nm : names) h += "," + nm;
    std::printf("%s\n", h.c_str());
    for (int i = 0; i < n; ++i) {
        std::string r = core::csv_field(rows[i].source);
        r += "," + rows[i].split + "," + (rows[i].index >= 0 ? std::to_string(rows[i].index) : "") + "," +
             (rows[i].label >= 0 ? std::to_string(rows[i].label) : "");
        for (size_t k = 0; k < F; ++k) r += "," + fmt(feats[(size_t)i * F + k], 17);
        std::fputs((r + "\n").c_str(), stdout);
    }
}

int cmd_features(const Args& a) {
    if (a.positional.empty()) return fail("features: want DATA.npz or image files (usage: bloodcell features DATA.npz|IMAGE...)");
    bool ok = true;
    core::FeatureSpec spec;
    spec.glcm.levels = a.get_int("levels", 256, ok);
    int limit = a.get_int("limit", 0, ok);
    if (!ok) return 1;
    if (spec.glcm.levels < 2 || spec.glcm.levels > 256) return fail("--levels " + a.get("levels") + ": want 2..256");
    if (limit < 0) return fail("--limit: want a count >= 0");
    if (a.has("distances")) {
        auto d = core::parse_int_list(a.get("distances"), "--distances");
        if (!d) return fail(d.error);
        spec.glcm.distances = d.value;
    }
    std::string split = a.get("split", "all");
    if (split != "all" && !core::parse_split(split)) return fail("--split " + split + ": want train, val, test or all");

    // Gather 28x28x3 images with their provenance.
    std::vector<uint8_t> images;
    std::vector<Row> rows;
    for (const std::string& path : a.positional) {
        auto bytes = core::io::read_file(path);
        if (!bytes) return fail(bytes.error);
        if (looks_like_npz(path, bytes.value)) {
            auto data = core::load_bloodmnist(bytes.value.data(), bytes.value.size(), path);
            if (!data) return fail(data.error);
            for (int s = 0; s < 3; ++s) {
                auto sp = (core::Split)s;
                if (split != "all" && split != core::split_name(sp)) continue;
                const auto& d = data.value.split(sp);
                int n = d.size();
                if (limit > 0) n = std::min(n, limit);
                images.insert(images.end(), d.images.begin(), d.images.begin() + (long)n * core::kImageBytes);
                for (int i = 0; i < n; ++i) rows.push_back({path, core::split_name(sp), i, d.labels[i]});
            }
        } else {
            auto img = core::decode_image(bytes.value.data(), bytes.value.size(), path);
            if (!img) return fail(img.error);
            auto small = core::to_bloodmnist(img.value);
            images.insert(images.end(), small.begin(), small.end());
            rows.push_back({path, "", -1, -1});
        }
    }
    int n = (int)rows.size();
    int threads = (int)std::max(1u, std::thread::hardware_concurrency());
    std::fprintf(stderr, "features of %d images (levels %d, %zu distance(s), 4 angles, %d threads)\n", n, spec.glcm.levels,
                 spec.glcm.distances.size(), threads);
    double t0 = now_seconds();
    // In chunks, so a progress bar can move on long runs.
    auto names = core::feature_names(spec);
    size_t F = names.size();
    std::vector<double> feats((size_t)n * F);
    Progress bar("features", n);
    const int chunk = 2048;
    for (int b = 0; b < n; b += chunk) {
        int m = std::min(chunk, n - b);
        auto f = core::dataset_features(images.data() + (size_t)b * core::kImageBytes, m, spec, threads);
        std::copy(f.begin(), f.end(), feats.begin() + (long)((size_t)b * F));
        bar.update(b + m);
    }
    double secs = now_seconds() - t0;
    bar.finish("(" + fmt(n / std::max(secs, 1e-9), 4) + " images/s)");
    if (a.has("json")) print_features_json(spec, secs, names, rows, feats);
    else print_features_csv(names, rows, feats);
    return 0;
}

int cmd_make_sample(const Args& a) {
    if (a.positional.size() != 1 || !a.has("out"))
        return fail("make-sample: usage: bloodcell make-sample DATA.npz --out SAMPLE.npz [--per-class 32,8,8] [--fraction F] [--seed 0]");
    bool ok = true;
    int seed = a.get_int("seed", 0, ok);
    if (!ok) return 1;
    // --per-class caps each class (a balanced sample); --fraction keeps that share of every class of
    // every split (a proportional one: the class mix of BloodMNIST); both may be given
    const bool by_fraction = a.has("fraction");
    auto caps = core::parse_int_list(a.get("per-class", by_fraction ? "0,0,0" : "32,8,8"), "--per-class", 0, 100000);
    if (!caps || caps.value.size() != 3) return fail("--per-class: want three caps, for train,val,test (e.g. 32,8,8)");
    const double fraction = a.get_double("fraction", 1.0, ok);
    if (!ok) return 1;
    if (!(fraction > 0.0 && fraction <= 1.0)) return fail("--fraction " + a.get("fraction") + ": want a number in (0,1]");
    auto data = core::load_bloodmnist_file(a.positional[0]);
    if (!data) return fail(data.error);
    core::BloodMnist sample;
    for (int s = 0; s < 3; ++s) {
        core::SubsetSpec spec;
        spec.split = (core::Split)s;
        spec.per_class = caps.value[s];
        spec.fraction = fraction;
        spec.seed = (uint64_t)seed;
        sample.split(spec.split) = core::make_subset(data.value.split(spec.split), spec);
    }
    auto bytes = core::save_bloodmnist_npz(sample);
    auto st = core::io::write_file_atomic(a.get("out"), bytes.data(), bytes.size());
    if (!st) return fail(st.message);
    std::fprintf(stderr, "wrote %s: %d/%d/%d images, %zu bytes\n", a.get("out").c_str(), sample.train.size(),
                 sample.val.size(), sample.test.size(), bytes.size());
    return 0;
}

}  // namespace

BLOODCELL_COMMAND("info", "info DATA.npz [--json]", "splits, counts per class, image shape", cmd_info);
BLOODCELL_COMMAND("features", "features DATA.npz|IMAGE... [--split S|all] [--limit N] [--levels L] [--distances 1,2] [--csv|--json]",
                  "intensity + GLCM features, one row per image", cmd_features);
BLOODCELL_COMMAND("make-sample", "make-sample DATA.npz --out SAMPLE.npz [--per-class 32,8,8] [--fraction F] [--seed S]",
                  "write a stratified sample: per-class caps or a fraction of every class (assets/teaching.npz)", cmd_make_sample);

}  // namespace cli
