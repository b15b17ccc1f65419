// Error values for the core. The core never exits and never throws across its API (web builds
// disable exception catching): an operation that can fail on user input returns a Status or a
// Result<T> whose message says what went wrong, where, and what was expected.
#pragma once
#include <string>
#include <utility>

namespace core {

struct Status {
    bool ok = true;
    std::string message;  // empty when ok
    static Status success() { return {}; }
    static Status error(std::string msg) { return {false, std::move(msg)}; }
    explicit operator bool() const { return ok; }
};

template <class T>
struct Result {
    T value{};
    std::string error;  // empty when ok
    bool ok() const { return error.empty(); }
    explicit operator bool() const { return ok(); }
    static Result fail(std::string msg) {
        Result r;
        r.error = msg.empty() ? std::string("unknown error") : std::move(msg);
        return r;
    }
    static Result of(T v) {
        Result r;
        r.value = std::move(v);
        return r;
    }
};

}  // namespace core
