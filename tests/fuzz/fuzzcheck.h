// Shared by the fuzz harnesses: input limits, a 64-bit hash to derive the
// variant and seed from the input, and require(), which aborts with a
// message. require() is not assert(): it stays active in Release builds, so
// the standalone regression tests check the same properties as libFuzzer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tee::fuzz {

// Inputs above this are ignored: the loaders' own limits are far larger
// (16 MiB), but big inputs make each exec slow without reaching new code.
inline constexpr size_t kMaxInputBytes = 64 * 1024;

// FNV-1a, then a splitmix64 finaliser so that every bit depends on the input.
inline uint64_t hashBytes(const uint8_t *data, size_t size)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < size; ++i) {
        h ^= data[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

[[noreturn]] inline void failed(const char *harness, const std::string &what)
{
    std::fprintf(stderr, "%s: property violated: %s\n", harness, what.c_str());
    std::fflush(stderr);
    std::abort();
}

inline void require(bool ok, const char *harness, const std::string &what)
{
    if (!ok)
        failed(harness, what);
}

} // namespace tee::fuzz
