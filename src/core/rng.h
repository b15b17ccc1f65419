// A small seeded random number generator that gives the same stream on every platform and
// standard library (std::mt19937 is portable, but std::shuffle and the std distributions are
// not: libstdc++ and libc++ differ). All randomness in the core goes through this.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace core {

// xoshiro256** seeded through splitmix64 (Blackman & Vigna).
class Rng {
public:
    explicit Rng(uint64_t seed = 0) { reseed(seed); }
    void reseed(uint64_t seed) {
        uint64_t z = seed;
        for (auto& s : s_) s = splitmix64(z);
    }
    uint64_t next_u64() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
        s_[2] ^= t; s_[3] = rotl(s_[3], 45);
        return result;
    }
    // uniform in [0, n), n > 0, without modulo bias (Lemire's method)
    uint64_t below(uint64_t n) {
        uint64_t x = next_u64();
        __uint128_t m = (__uint128_t)x * n;
        uint64_t l = (uint64_t)m;
        if (l < n) {
            uint64_t t = (0 - n) % n;
            while (l < t) { x = next_u64(); m = (__uint128_t)x * n; l = (uint64_t)m; }
        }
        return (uint64_t)(m >> 64);
    }
    double uniform() { return (next_u64() >> 11) * 0x1.0p-53; }        // [0,1)
    float uniformf() { return (float)((next_u64() >> 40) * 0x1.0p-24); }  // [0,1)
    // standard normal (Box-Muller; deterministic given the stream)
    double normal() {
        if (has_spare_) { has_spare_ = false; return spare_; }
        double u1 = 0;
        while (u1 <= 0) u1 = uniform();
        double u2 = uniform();
        double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(6.283185307179586 * u2);
        has_spare_ = true;
        return r * std::cos(6.283185307179586 * u2);
    }
    template <class T>
    void shuffle(std::vector<T>& v) {  // Fisher-Yates
        for (size_t i = v.size(); i > 1; --i) {
            size_t j = (size_t)below(i);
            std::swap(v[i - 1], v[j]);
        }
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static uint64_t splitmix64(uint64_t& x) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t s_[4]{};
    double spare_ = 0;
    bool has_spare_ = false;
};

}  // namespace core
