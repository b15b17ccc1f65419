// JSON text helpers shared by the CLI's --json output and the app's state hook (one definition, so
// both escape the same way). Standard C++ only.
#pragma once
#include <string>

namespace core {

// Escapes s for use inside a JSON string literal: quote, backslash, \n and \t by name, every other
// control character (< 0x20) as \u00XX. Other bytes (UTF-8 included) pass through unchanged.
std::string json_escape(const std::string& s);

}  // namespace core
