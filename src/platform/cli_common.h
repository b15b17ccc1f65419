// Shared plumbing of the `bloodcell` command line: argument parsing, command registration, progress
// bars and JSON/CSV output helpers. Each cli_*.cpp registers its commands with BLOODCELL_COMMAND.
// Errors go to stderr as one line naming the file and the problem; commands return the exit code.
#pragma once
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/json.h"

namespace cli {

struct Args {
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;  // "--epochs 5" -> {"epochs","5"}; "--json" -> {"json",""}
    bool has(const std::string& k) const { return options.count(k) > 0; }
    std::string get(const std::string& k, const std::string& def = "") const;
    // Numeric getters print "bloodcell: --epochs: expected an integer, got 'x'" and set ok=false.
    int get_int(const std::string& k, int def, bool& ok) const;
    double get_double(const std::string& k, double def, bool& ok) const;
};

// Options that take no value (everything else consumes the next argument).
bool is_flag(const std::string& name);

struct Command {
    std::string name, usage, summary;
    std::function<int(const Args&)> run;
    std::vector<std::string> flags = {};  // options of this command that take no value
};
std::map<std::string, Command>& registry();
struct Registrar {
    explicit Registrar(Command c);
};
#define BLOODCELL_CONCAT2(a, b) a##b
#define BLOODCELL_CONCAT(a, b) BLOODCELL_CONCAT2(a, b)
#define BLOODCELL_COMMAND(...) static ::cli::Registrar BLOODCELL_CONCAT(registrar_, __LINE__){::cli::Command{__VA_ARGS__}}

// Prints "bloodcell: <msg>" to stderr and returns 1 (so `return fail(...)` reads well).
int fail(const std::string& msg);

// A progress bar on stderr that redraws in place when stderr is a terminal and prints a few
// milestones otherwise (logs stay readable in CI).
class Progress {
public:
    Progress(std::string label, long total);
    void update(long done, const std::string& extra = "");
    void finish(const std::string& extra = "");
private:
    std::string label_;
    long total_;
    double t0_;
    int last_decile_ = -1;
    double last_draw_ = 0;
    bool tty_;
};

double now_seconds();
using core::json_escape;  // core/json.h, shared with the app
std::string fmt(double v, int digits = 6);  // shortest-ish fixed representation for JSON/CSV

}  // namespace cli
