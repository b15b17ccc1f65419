// Small text helpers that the CLI, the app and core's own parsers share (one definition each, so
// they all split and quote the same way). Standard C++ only.
#pragma once
#include <string>
#include <vector>

namespace core {

// Splits s at every sep, keeping empty fields: "a,,b" -> {"a", "", "b"}, "" -> {""}, "a," -> {"a", ""}.
// Callers that allow empty items skip them; those that do not report them.
std::vector<std::string> split(const std::string& s, char sep);

// One CSV field (RFC 4180): as is, unless it holds a comma, a double quote, CR or LF; then inside
// double quotes with each double quote doubled. 'a "b", c' -> '"a ""b"", c"'.
std::string csv_field(const std::string& s);

// One number through a printf format with a single double conversion: fmt("%.3f", 0.5) -> "0.500".
// At most 63 characters (longer results are cut); for log lines and labels, not for JSON.
std::string fmt(const char* format, double v);

}  // namespace core
