// Ensembles of model files: train --distill's teacher (--teacher A.bcm,B.bcm,...: their 8-view
// probabilities averaged, computed once before training), and eval --model A.bcm,B.bcm,..., which
// scores the same average, so a candidate teacher is measured in seconds rather than a training pass.
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/calibration.h"
#include "core/crc32.h"
#include "core/io.h"
#include "core/text.h"
#include "core/train.h"
#include "platform/cli_learn.h"

namespace cli {

namespace {
int agreeing(const std::vector<float>& q, const core::Dataset& d) {
    int n = 0;
    for (int i = 0; i < d.size(); ++i) n += core::argmax(q.data() + (size_t)i * core::kClasses, core::kClasses) == d.labels[i];
    return n;
}
// Reads every file in order into `out`; crcs: each file's own CRC-32 (core::file_id_crc32), hex,
// comma-separated. False with err = the first failing file's error.
bool load_models(const std::vector<std::string>& files, std::vector<core::Model>& out, std::string& crcs, std::string& err) {
    crcs.clear();
    for (const std::string& f : files) {
        std::string id;
        auto m = load_model_file(f, &id);
        if (!m) {
            err = m.error;
            return false;
        }
        crcs += (crcs.empty() ? "" : ",") + id;
        out.push_back(std::move(m.value));
    }
    return true;
}
}  // namespace

bool read_init(const std::string& file, core::TrainJobSpec& spec, std::string& crc, std::string& err) {
    auto init = core::io::read_file(file);
    if (!init) return err = "train: --init: " + init.error, false;
    crc = core::file_id_crc32(init.value.data(), init.value.size());
    spec.init = std::make_shared<const std::vector<uint8_t>>(std::move(init.value));
    return true;
}

namespace {
// --teacher-cache FILE: the teacher's targets on the train split (at its temperature) and its 8-view
// probabilities on val, so that the runs of a protocol (and the averaging phase after each) pay for the
// teacher's pass once. Layout: "bloodcell teacher cache 1\n", the key line, n_train * 8 and n_val * 8
// float32 (little-endian, as every machine we build for), the CRC-32 of all before. The key names the
// teacher files' CRCs, the temperature and the CRC of the train and val images and labels, so a cache
// of another teacher, temperature or data is never used: it is computed again and rewritten.
constexpr char kCacheMagic[] = "bloodcell teacher cache 1\n";

std::string cache_key(const std::string& crcs, float temperature, const core::Dataset& train, const core::Dataset& val) {
    uint32_t c = 0;
    for (const core::Dataset* d : {&train, &val}) {
        c = core::crc32(d->images.data(), d->images.size(), c);
        c = core::crc32(d->labels.data(), d->labels.size(), c);
    }
    char b[64];
    std::snprintf(b, sizeof b, "|T %.6g|train %d val %d data %08x", temperature, train.size(), val.size(), c);
    return "teacher " + crcs + b;
}

// The cached targets when the file is there, undamaged and made for this key; else why not ("" when
// the file does not exist).
bool read_cache(const std::string& path, const std::string& key, size_t n_train, size_t n_val, std::vector<float>& q,
                std::vector<float>& qv, std::string& why) {
    auto bytes = core::io::read_file(path);
    if (!bytes) return why = "", false;
    const std::vector<uint8_t>& b = bytes.value;
    const std::string head = std::string(kCacheMagic) + key + "\n";
    const size_t floats = (n_train + n_val) * core::kClasses, want = head.size() + floats * 4 + 4;
    if (!core::ends_in_crc32(b.data(), b.size()))
        return why = "damaged (its CRC-32 does not match)", false;
    if (b.size() != want || std::memcmp(b.data(), head.data(), head.size()) != 0)
        return why = "made for another teacher, temperature or data", false;
    q.resize(n_train * core::kClasses);
    qv.resize(n_val * core::kClasses);
    std::memcpy(q.data(), b.data() + head.size(), q.size() * 4);
    std::memcpy(qv.data(), b.data() + head.size() + q.size() * 4, qv.size() * 4);
    return true;
}

core::Status write_cache(const std::string& path, const std::string& key, const std::vector<float>& q, const std::vector<float>& qv) {
    const std::string head = std::string(kCacheMagic) + key + "\n";
    std::vector<uint8_t> b(head.begin(), head.end());
    for (const std::vector<float>* v : {&q, &qv}) {
        const uint8_t* p = reinterpret_cast<const uint8_t*>(v->data());
        b.insert(b.end(), p, p + v->size() * 4);
    }
    core::append_crc32(b);
    return core::io::write_file_atomic(path, b.data(), b.size());
}
}  // namespace

bool distill_targets(const Args& a, const core::Dataset& train, const core::Dataset& val, core::TrainJobSpec& spec, std::string& crcs,
                     std::string& err) {
    std::vector<core::Model> teachers;
    std::vector<core::Model*> ptrs;
    if (!load_models(core::split(a.get("teacher"), ','), teachers, crcs, err)) {
        err = "train: --teacher: " + err;
        return false;
    }
    for (core::Model& t : teachers) ptrs.push_back(&t);
    const float T = spec.train.distill_temperature;
    const std::string cache = a.get("teacher-cache"), key = cache_key(crcs, T, train, val);
    std::vector<float> q, qv;
    std::string why;
    const bool cached = !cache.empty() && read_cache(cache, key, (size_t)train.size(), (size_t)val.size(), q, qv, why);
    if (!cached) {
        auto tq = core::teacher_targets(ptrs, train, T);
        if (!tq) return err = "train: --teacher " + a.get("teacher") + ": " + tq.error, false;
        q = std::move(tq.value);
        if (!a.has("quiet") || !cache.empty()) {  // the teacher's own val ACC, for the log
            auto tv = core::teacher_targets(ptrs, val, 1.f);
            if (tv) qv = std::move(tv.value);
        }
        if (!cache.empty()) {
            core::Status w = write_cache(cache, key, q, qv);
            std::fprintf(stderr, "teacher cache %s: %s%s\n", cache.c_str(), why.empty() ? "" : (why + "; ").c_str(),
                         w ? "computed and written" : ("not written: " + w.message).c_str());
        }
    } else {
        std::fprintf(stderr, "teacher cache %s: read (its key: %s)\n", cache.c_str(), key.c_str());
    }
    if (!a.has("quiet")) {
        std::fprintf(stderr, "teacher %s (CRC-32 %s; %d model%s, 8 views, T %s): agrees with %d of %d training labels", a.get("teacher").c_str(),
                     crcs.c_str(), (int)ptrs.size(), ptrs.size() == 1 ? "" : "s", fmt(T, 3).c_str(), agreeing(q, train), train.size());
        if (val.size() && qv.size() == (size_t)val.size() * core::kClasses)
            std::fprintf(stderr, ", val ACC %s", fmt((double)agreeing(qv, val) / val.size(), 4).c_str());
        std::fprintf(stderr, "\n");
    }
    spec.train.teacher = std::make_shared<const std::vector<float>>(std::move(q));
    return true;
}

namespace {
// The mean of the members' raw probabilities (8-view averaged with tta) on d; each member's ACC
// into `members` (JSON) and, unless quiet, a line per member on stdout. False with err set.
bool ensemble_probs(const std::vector<std::shared_ptr<core::Model>>& models, const std::vector<std::string>& files,
                    const core::Dataset& d, bool tta, bool quiet, std::vector<float>& mean, std::string& members,
                    std::string& err) {
    mean.assign((size_t)d.size() * core::kClasses, 0.f);
    members.clear();
    for (size_t k = 0; k < models.size(); ++k) {
        core::EvalJob job(models[k], &d, tta);
        Progress bar(files[k], d.size());
        while (job.step({0, 250.0})) bar.update(job.snapshot().done);
        bar.finish();
        const core::JobSnapshot snap = job.snapshot();
        if (snap.status != core::JobStatus::done) {
            err = files[k] + ": " + snap.message;
            return false;
        }
        const std::vector<float>& p = job.raw_probs();  // before calibration: each file's temperature is its own
        for (size_t i = 0; i < mean.size(); ++i) mean[i] += p[i] / (float)models.size();
        const double acc = core::evaluate(p, d.labels).acc;
        members += std::string(k ? "," : "") + "{\"model\":\"" + json_escape(files[k]) + "\",\"acc\":" + fmt(acc) + "}";
        if (!quiet) std::printf("%s: ACC %.4f\n", files[k].c_str(), acc);
    }
    return true;
}
}  // namespace

// ACC and AUC of the mean raw probabilities, as the teacher gives them; its calibration as for one
// file: a temperature and an unsure threshold fitted on val (as `calibrate` fits a file's), reported
// on the split asked for (on val itself when that is the split).
int eval_ensemble(const Args& a) {
    const std::vector<std::string> files = names_in(a.get("model"));
    if (files.size() < 2) return fail("eval: --model A.bcm,B.bcm,...: an ensemble needs at least two model files");
    auto split = core::parse_split(a.get("split", "test"));
    if (!split) return fail("--split: " + split.error);
    std::vector<core::Model> loaded;
    std::string crcs, err;
    if (!load_models(files, loaded, crcs, err)) return fail("eval: " + err);  // before the data: a bad file fails at once
    std::vector<std::shared_ptr<core::Model>> models;
    for (core::Model& m : loaded) models.push_back(std::make_shared<core::Model>(std::move(m)));
    auto data = load_data(a);
    if (!data) return fail(data.error);
    const core::Dataset& d = data.value.split(split.value);
    const core::Dataset& val = data.value.split(core::Split::val);
    const bool tta = a.has("tta"), json = a.has("json");
    std::fprintf(stderr, "evaluating an ensemble of %d models (the mean of their %s) on %d %s images\n", (int)models.size(),
                 tta ? "8-view averaged raw probabilities" : "raw probabilities", d.size(), core::split_name(split.value));
    std::vector<float> mean, val_mean;
    std::string members, unused;
    if (!ensemble_probs(models, files, d, tta, json, mean, members, err)) return fail("eval: " + err);
    if (&val != &d && val.size() && !ensemble_probs(models, files, val, tta, true, val_mean, unused, err)) return fail("eval: " + err);
    const std::vector<float>& fit_on = &val == &d ? mean : val_mean;
    core::Calibration cal;
    if (val.size()) {
        core::Calibration::Mode& mode = tta ? cal.tta : cal.single;
        mode = core::fit_mode(fit_on.data(), val.labels.data(), val.size(), cal.target);
        cal.images = val.size();
    }
    const core::Calibration::Mode& mode = cal.mode(tta);
    const auto r = core::calibration_before_after(mean, d.labels.data(), d.size(), mode.temperature, mode.threshold, cal.target);
    const core::Evaluation e = core::evaluate(mean, d.labels);
    if (json)
        std::printf("{\"models\":[%s],\"crc32\":\"%s\",\"split\":\"%s\",\"tta\":%s,\"eval\":%s,\"calibration\":%s}\n", members.c_str(),
                    crcs.c_str(), core::split_name(split.value), tta ? "true" : "false", eval_json(e).c_str(),
                    calibration_json(cal, tta, r.before, r.after).c_str());
    else
        std::printf("ensemble of %d models (CRC-32 %s) on %s%s, ACC and AUC of the mean raw probabilities\n%s\n%s", (int)models.size(),
                    crcs.c_str(), core::split_name(split.value), tta ? ", 8-view TTA" : "", core::format_evaluation(e).c_str(),
                    calibration_text(cal, tta, r.before, r.after).c_str());
    return 0;
}

}  // namespace cli
