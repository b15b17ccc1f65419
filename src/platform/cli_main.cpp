// Entry point of the `bloodcell` command line: parses arguments and dispatches to the commands that
// the cli_*.cpp files register. See DESIGN.md "Command line" for the contract.
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "core/clock.h"
#include "platform/cli_common.h"

namespace cli {

std::map<std::string, Command>& registry() {
    static std::map<std::string, Command> r;
    return r;
}
Registrar::Registrar(Command c) { registry()[c.name] = std::move(c); }

std::string Args::get(const std::string& k, const std::string& def) const {
    auto it = options.find(k);
    return it == options.end() ? def : it->second;
}

int Args::get_int(const std::string& k, int def, bool& ok) const {
    auto it = options.find(k);
    if (it == options.end()) return def;
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end || errno || v < -2147483647L || v > 2147483647L) {
        fail("--" + k + ": expected an integer, got '" + it->second + "'");
        ok = false;
        return def;
    }
    return (int)v;
}

double Args::get_double(const std::string& k, double def, bool& ok) const {
    auto it = options.find(k);
    if (it == options.end()) return def;
    char* end = nullptr;
    double v = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end || !std::isfinite(v)) {
        fail("--" + k + ": expected a number, got '" + it->second + "'");
        ok = false;
        return def;
    }
    return v;
}

bool is_flag(const std::string& name) {
    static const char* flags[] = {"json", "csv", "augment", "help", "tta", "quiet", "random"};
    for (const char* f : flags)
        if (name == f) return true;
    return false;
}

int fail(const std::string& msg) {
    std::fprintf(stderr, "bloodcell: %s\n", msg.c_str());
    return 1;
}

double now_seconds() { return core::now_ms() / 1000.0; }

Progress::Progress(std::string label, long total)
    : label_(std::move(label)), total_(total), t0_(now_seconds()), tty_(isatty(2)) {}

void Progress::update(long done, const std::string& extra) {
    double t = now_seconds();
    double frac = total_ > 0 ? (double)done / (double)total_ : 1.0;
    if (tty_) {
        if (t - last_draw_ < 0.1 && done < total_) return;
        last_draw_ = t;
        int width = 30, fill = (int)(frac * width + 0.5);
        double el = t - t0_, eta = frac > 0 ? el * (1 - frac) / frac : 0;
        std::fprintf(stderr, "\r%s [%.*s%*s] %3.0f%% %ld/%ld %.1fs eta %.1fs %s\x1b[K", label_.c_str(), fill,
                     "##############################", width - fill, "", 100 * frac, done, total_, el, eta,
                     extra.c_str());
        std::fflush(stderr);
    } else {
        int decile = (int)(frac * 10);
        if (decile == last_decile_) return;
        last_decile_ = decile;
        std::fprintf(stderr, "%s %3.0f%% %ld/%ld %.1fs %s\n", label_.c_str(), 100 * frac, done, total_, t - t0_,
                     extra.c_str());
    }
}

void Progress::finish(const std::string& extra) {
    if (tty_) std::fprintf(stderr, "\r\x1b[K");
    std::fprintf(stderr, "%s done in %.2fs %s\n", label_.c_str(), now_seconds() - t0_, extra.c_str());
}

std::string fmt(double v, int digits) {
    if (!std::isfinite(v)) return "null";
    char b[64];
    std::snprintf(b, sizeof b, "%.*g", digits, v);
    return b;
}

// Whether `--name` is an option bloodcell knows: one that some command's usage line shows, a
// command's flag, or one of the few read without being listed. A typo such as `--epoch 3` would
// otherwise be ignored silently and a long run would start with the default. The set is the union
// over commands (train, tune, compare and bench share the learning options), so it catches
// misspellings, not an option that exists but means nothing to this command.
static bool known_option(const std::string& name) {
    static const char* unlisted[] = {"help", "quiet", "iterations", "max-depth", "momentum", "no-augment"};
    for (const char* u : unlisted)
        if (name == u) return true;
    if (is_flag(name)) return true;
    for (auto& [cname, c] : registry()) {
        for (auto& f : c.flags)
            if (f == name) return true;
        for (size_t at = c.usage.find("--" + name); at != std::string::npos; at = c.usage.find("--" + name, at + 1)) {
            size_t end = at + 2 + name.size();
            if (end == c.usage.size() || !(std::isalnum((unsigned char)c.usage[end]) || c.usage[end] == '-')) return true;
        }
    }
    return false;
}

static void usage(FILE* out) {
    std::fprintf(out, "bloodcell: classify BloodMNIST blood-cell images, locally.\n\nusage:\n");
    for (auto& [name, c] : registry()) std::fprintf(out, "  bloodcell %-60s %s\n", c.usage.c_str(), c.summary.c_str());
    std::fprintf(out, "\nEvery command prints progress on stderr; --json prints one JSON object on stdout.\n");
}

}  // namespace cli

int main(int argc, char** argv) {
    using namespace cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    Args a;
    a.command = argv[1];
    auto it = registry().find(a.command);
    if (it == registry().end()) {
        fail("unknown command '" + a.command + "' (try: bloodcell --help)");
        return 2;
    }
    const Command& cmd = it->second;
    for (int i = 2; i < argc; ++i) {
        std::string s = argv[i];
        if (s.size() > 2 && s.compare(0, 2, "--") == 0) {
            std::string key = s.substr(2), val;
            size_t eq = key.find('=');
            if (!known_option(key.substr(0, eq))) {
                fail("unknown option '--" + key.substr(0, eq) + "' (see: bloodcell " + a.command + " --help)");
                return 2;
            }
            if (eq != std::string::npos) {
                val = key.substr(eq + 1);
                key = key.substr(0, eq);
            } else {
                bool flag = is_flag(key);
                for (auto& f : cmd.flags) flag = flag || f == key;
                if (!flag) {
                    if (i + 1 >= argc) {
                        fail("--" + key + " needs a value (usage: bloodcell " + cmd.usage + ")");
                        return 2;
                    }
                    val = argv[++i];
                }
            }
            a.options[key] = val;
        } else {
            a.positional.push_back(s);
        }
    }
    if (a.has("help")) {
        std::printf("usage: bloodcell %s\n  %s\n", cmd.usage.c_str(), cmd.summary.c_str());
        return 0;
    }
    return cmd.run(a);
}
