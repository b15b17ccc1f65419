// Train and Compare panels. Placeholder until the learning engine (core/model.h, core/train.h) lands.
#include "app/app.h"
#include "app/ui.h"

namespace app {

struct TrainState {};
struct CompareState {};

void train_frame(AppState&) {}
bool open_model_bytes(AppState& s, const std::string& name, const uint8_t*, size_t) {
    notify(s, LogEntry::Error, name + ": model files are not supported by this build yet");
    return false;
}
std::string train_state_json(const AppState&) { return ""; }
std::string train_command(AppState&, const std::string& cmd) {
    if (cmd == "init" || cmd == "shutdown") return "";
    return "training is not available in this build";
}
std::string model_summary(const AppState&) { return "none"; }
bool model_ready(const AppState&) { return false; }
bool model_predict(AppState&, const uint8_t*, std::vector<float>& probs, std::string&) {
    probs.clear();
    return false;
}

void draw_train_panel(AppState& s) {
    ui::empty_state("Training is on its way", "The learning engine is not part of this build yet.", ImGui::GetContentRegionAvail().y);
}
void draw_compare_panel(AppState& s) {
    ui::empty_state("Compare models", "The learning engine is not part of this build yet.", ImGui::GetContentRegionAvail().y);
}

}  // namespace app
