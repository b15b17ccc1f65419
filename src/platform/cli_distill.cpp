// train --distill: the teacher's soft targets, from one model file or an ensemble of several
// (--teacher A.bcm,B.bcm,...: their 8-view probabilities averaged), computed once before training.
#include <cstdio>
#include <memory>

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
}  // namespace

bool distill_targets(const Args& a, const core::Dataset& train, const core::Dataset& val, core::TrainJobSpec& spec, std::string& crcs,
                     std::string& err) {
    std::vector<core::Model> teachers;
    std::vector<core::Model*> ptrs;
    crcs.clear();
    for (const std::string& f : core::split(a.get("teacher"), ',')) {
        std::string id;
        auto teacher = load_model_file(f, &id);
        if (!teacher) {
            err = "train: --teacher: " + teacher.error;
            return false;
        }
        crcs += (crcs.empty() ? "" : ",") + id;
        teachers.push_back(std::move(teacher.value));
    }
    for (core::Model& t : teachers) ptrs.push_back(&t);
    auto q = core::teacher_targets(ptrs, train, spec.train.distill_temperature);
    if (!q) {
        err = "train: --teacher " + a.get("teacher") + ": " + q.error;
        return false;
    }
    if (!a.has("quiet")) {
        std::fprintf(stderr, "teacher %s (CRC-32 %s; %d model%s, 8 views, T %s): agrees with %d of %d training labels", a.get("teacher").c_str(),
                     crcs.c_str(), (int)ptrs.size(), ptrs.size() == 1 ? "" : "s", fmt(spec.train.distill_temperature, 3).c_str(),
                     agreeing(q.value, train), train.size());
        auto qv = core::teacher_targets(ptrs, val, 1.f);  // the teacher's own val ACC, for the log
        if (qv && val.size()) std::fprintf(stderr, ", val ACC %s", fmt((double)agreeing(qv.value, val) / val.size(), 4).c_str());
        std::fprintf(stderr, "\n");
    }
    spec.train.teacher = std::make_shared<const std::vector<float>>(std::move(q.value));
    return true;
}

}  // namespace cli
