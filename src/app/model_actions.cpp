// The app's model operations (run_control.h): use, save, remove, open a model file, add a pretrained one.
#include "app/run_control.h"

#include <cctype>

namespace app {

core::Status use_model(AppState& s, int index) {
    if (index < 0 || index >= s.models.size()) return core::Status::error("no model " + std::to_string(index));
    s.models.set_active(index);
    classify_rerun_all(s);
    s.log.info("Classify now uses " + s.models.at(index).label);
    return core::Status::success();
}

core::Status save_model(AppState& s, int index) {
    if (index < 0 || index >= s.models.size()) return core::Status::error("no model " + std::to_string(index));
    if (!s.platform.save_bytes) return core::Status::error("this platform cannot save files");
    const StoredModel& m = s.models.at(index);
    std::string fname = m.label;
    for (char& c : fname)
        if (!isalnum((unsigned char)c) && c != '-' && c != '_') c = '_';
    std::string where = s.platform.save_bytes(fname + ".bcm", m.model->save());
    if (where.empty()) {
        notify(s, LogEntry::Error, "Could not save " + fname + ".bcm");
        return core::Status::error("could not save " + fname + ".bcm");
    }
    notify(s, LogEntry::Info, "Saved " + m.label + " to " + where);
    return core::Status::success();
}

void remove_model(AppState& s, int index) {
    if (index < 0 || index >= s.models.size()) return;
    TrainState& t = train_state(s);
    if (t.result == &s.models.at(index)) t.result = nullptr;
    s.models.remove(index);
    classify_rerun_all(s);
}

core::Status open_model_file(AppState& s, const std::string& name, const uint8_t* bytes, size_t size) {
    auto r = s.models.open(name, bytes, size);
    if (!r) {
        notify(s, LogEntry::Error, r.error + " (the models already loaded are kept)");
        return core::Status::error(r.error);
    }
    classify_rerun_all(s);
    notify(s, LogEntry::Info, "Loaded model " + s.models.at(r.value).label + " from " + name + "; Classify now uses it");
    return core::Status::success();
}

void add_pretrained(AppState& s, const std::string& file, const uint8_t* bytes, size_t size) {
    const int before = s.models.active();
    auto r = s.models.add_pretrained(file, bytes, size);
    if (!r) {
        notify(s, LogEntry::Error, "Pretrained model skipped: " + r.error);
        return;
    }
    const StoredModel& m = s.models.at(r.value);
    s.log.info("Pretrained model " + m.label + " loaded (" + std::to_string(m.params) + " parameters)");
    if (s.models.active() != before) classify_rerun_all(s);
}

}  // namespace app
