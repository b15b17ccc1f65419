#include "app/model_store.h"

#include <cstdio>
#include <cstdlib>

#include "core/crc32.h"

namespace app {

namespace {
std::string base_name(const std::string& name) {
    size_t slash = name.find_last_of("/\\");
    return slash == std::string::npos ? name : name.substr(slash + 1);
}
std::string file_stem(const std::string& name) {
    std::string b = base_name(name);
    size_t dot = b.find_last_of('.');
    return dot == std::string::npos ? b : b.substr(0, dot);
}
double recorded_val_acc(const core::Model& m) { return m.record().val_acc.value_or(0.0); }
}  // namespace

int ModelStore::index_of(const StoredModel* m) const {
    for (int i = 0; i < size(); ++i)
        if (models_[i].get() == m) return i;
    return -1;
}

int ModelStore::add(std::unique_ptr<StoredModel> m, bool make_active) {
    m->params = m->model->param_count();
    const core::TrainRecord record = m->model->record();
    if (!std::isfinite(m->train_seconds) && record.train_seconds) m->train_seconds = *record.train_seconds;
    if (m->hyper.empty()) m->hyper = record.summary();
    if (m->link.empty()) m->link = record.settings;
    models_.push_back(std::move(m));
    if (make_active || active_ < 0) active_ = size() - 1;
    return size() - 1;
}

core::Result<int> ModelStore::open(const std::string& name, const uint8_t* bytes, size_t size) {
    auto loaded = core::Model::load(bytes, size, name);
    if (!loaded) return core::Result<int>::fail(loaded.error);
    auto e = std::make_unique<StoredModel>();
    e->model = std::make_shared<core::Model>(std::move(loaded.value));
    e->label = e->model->spec().name + " (" + file_stem(name) + ")";
    e->origin = "loaded from " + name;
    e->file = base_name(name);
    e->crc32 = core::file_id_crc32(bytes, size);
    return core::Result<int>::of(add(std::move(e), true));
}

core::Result<int> ModelStore::add_pretrained(const std::string& file, const uint8_t* bytes, size_t size) {
    auto loaded = core::Model::load(bytes, size, file);
    if (!loaded) return core::Result<int>::fail(loaded.error);
    auto e = std::make_unique<StoredModel>();
    e->model = std::make_shared<core::Model>(std::move(loaded.value));
    e->label = file_stem(file) + " (pretrained)";
    e->origin = "assets/" + file;
    e->file = file;
    e->crc32 = core::file_id_crc32(bytes, size);
    e->pretrained = true;
    const StoredModel* cur = active_model();
    const bool use = !cur || (cur->pretrained && recorded_val_acc(*e->model) > recorded_val_acc(*cur->model));
    return core::Result<int>::of(add(std::move(e), use));
}

const StoredModel* ModelStore::best_pretrained() const {
    const StoredModel* best = nullptr;
    for (const auto& m : models_)
        if (m->pretrained && m->model && (!best || recorded_val_acc(*m->model) > recorded_val_acc(*best->model))) best = m.get();
    return best;
}

void ModelStore::set_active(int i) {
    if (i >= 0 && i < size()) active_ = i;
}

void ModelStore::remove(int i) {
    if (i < 0 || i >= size()) return;
    models_.erase(models_.begin() + i);
    if (active_ == i) active_ = models_.empty() ? -1 : 0;
    else if (active_ > i) --active_;
    if (evaluating_ == i) evaluating_ = -1;
    else if (evaluating_ > i) --evaluating_;
}

const std::string& ModelStore::checksum(StoredModel& m) {
    if (m.crc32.empty() && m.model) {
        auto bytes = m.model->save();
        m.crc32 = core::file_id_crc32(bytes.data(), bytes.size());
    }
    return m.crc32;
}

double ModelStore::eval_progress(const StoredModel& m) const {
    if (!m.eval || m.eval_version != version_) return -1;
    return m.eval->snapshot().progress;
}

bool ModelStore::needs_evaluation() const {
    for (const auto& m : models_)
        if (!evaluated(*m) && eval_error(*m).empty()) return true;
    return false;
}

int ModelStore::evaluate_step(const core::Dataset& test, double budget_ms) {
    if (test.size() == 0) return -1;
    for (int i = 0; i < size(); ++i) {
        StoredModel& m = *models_[i];
        if (evaluated(m) || !eval_error(m).empty()) continue;
        if (m.eval_version != version_ || !m.eval) {
            m.eval = std::make_unique<core::EvalJob>(m.model, &test);
            m.eval_version = version_;
            m.evaluated = false;
            m.eval_error.clear();
        }
        evaluating_ = i;
        if (m.eval->step({0, budget_ms})) return -1;
        core::JobSnapshot snap = m.eval->snapshot();
        std::unique_ptr<core::EvalJob> job = std::move(m.eval);
        evaluating_ = -1;
        if (snap.status != core::JobStatus::done) {  // given up on this data (a new job would fail the same way)
            m.eval_error = snap.message.empty() ? std::string("evaluation ") + core::job_status_name(snap.status) : snap.message;
            return i;
        }
        m.test = snap.eval;
        m.calibration = job->report();
        m.uncalibrated = core::calibration_report(job->raw_probs().data(), test.labels.data(), test.size(),
                                                  m.calibration.threshold, m.calibration.target);
        m.evaluated = true;
        return i;
    }
    return -1;
}

}  // namespace app
