// core::json_escape, shared by the CLI's --json output and the app's state hook.
#include <doctest/doctest.h>

#include "core/json.h"

TEST_CASE("json_escape: quotes, backslashes and control characters; UTF-8 passes through") {
    CHECK(core::json_escape("plain") == "plain");
    CHECK(core::json_escape("say \"hi\"") == "say \\\"hi\\\"");
    CHECK(core::json_escape("C:\\data\\x.npz") == "C:\\\\data\\\\x.npz");
    CHECK(core::json_escape("a\nb\tc") == "a\\nb\\tc");
    CHECK(core::json_escape(std::string("\x01\x1f\r", 3)) == "\\u0001\\u001f\\u000d");
    CHECK(core::json_escape(std::string(1, '\0')) == "\\u0000");
    CHECK(core::json_escape("Zellen \xc3\xa4 \xe2\x9c\x93") == "Zellen \xc3\xa4 \xe2\x9c\x93");
}
