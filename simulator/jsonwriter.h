// A tiny ordered JSON writer for captures and exports. QJsonDocument sorts
// keys alphabetically and prints doubles its own way; a capture reads better
// (and diffs better) with "step" first and one event per line, and the
// Chrome trace needs exact decimal microseconds so nested slices stay nested
// after the ns -> us conversion. Internal to teescope_simulator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tee::sim::json {

// Length of the valid UTF-8 sequence starting at s[i], 0 when invalid.
inline size_t utf8SequenceLength(std::string_view s, size_t i)
{
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size())
        return 0;
    for (size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return n;
}

// Appends `s` as a JSON string literal. Control characters are escaped and
// invalid UTF-8 bytes become U+FFFD, so the output is always valid JSON even
// when a detail sentence quotes broken input.
inline void appendString(std::string &out, std::string_view s)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const size_t n = utf8SequenceLength(s, i);
            if (n == 0) {
                out += "\\ufffd";
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            } else {
                out += char(c);
            }
        }
        ++i;
    }
    out += '"';
}

inline std::string quote(std::string_view s)
{
    std::string out;
    appendString(out, s);
    return out;
}

// Nanoseconds as an exact decimal number of microseconds ("1234.5", "-0.001").
// Integer arithmetic only, so start + duration of a nested slice can never
// round past its parent's end.
inline std::string microseconds(int64_t ns)
{
    std::string out;
    uint64_t v;
    if (ns < 0) {
        out += '-';
        v = uint64_t(0) - uint64_t(ns);
    } else {
        v = uint64_t(ns);
    }
    out += std::to_string(v / 1000);
    uint64_t frac = v % 1000;
    if (frac != 0) {
        char buf[4] = {char('0' + frac / 100), char('0' + frac / 10 % 10), char('0' + frac % 10),
                       0};
        std::string f(buf);
        while (!f.empty() && f.back() == '0')
            f.pop_back();
        out += '.';
        out += f;
    }
    return out;
}

// Unsigned 64-bit value: a number when a JSON reader keeps it exact as a
// signed 64-bit integer (Qt does), a decimal string otherwise.
inline std::string unsignedValue(uint64_t v)
{
    if (v <= uint64_t(INT64_MAX))
        return std::to_string(v);
    return quote(std::to_string(v));
}

inline std::string hex32(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    std::string out = "0x";
    bool started = false;
    for (int shift = 28; shift >= 0; shift -= 4) {
        const unsigned d = (v >> shift) & 0xf;
        if (d != 0 || started || shift == 0) {
            out += digits[d];
            started = true;
        }
    }
    return out;
}

// One compact JSON object with keys in insertion order.
class Object
{
public:
    Object &raw(std::string_view key, std::string_view json)
    {
        m_s += m_first ? "" : ",";
        m_first = false;
        appendString(m_s, key);
        m_s += ':';
        m_s += json;
        return *this;
    }
    Object &str(std::string_view key, std::string_view value) { return raw(key, quote(value)); }
    Object &num(std::string_view key, int64_t value) { return raw(key, std::to_string(value)); }
    Object &unum(std::string_view key, uint64_t value) { return raw(key, unsignedValue(value)); }
    Object &boolean(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
    bool empty() const { return m_first; }
    std::string str() const { return m_s + "}"; }

private:
    std::string m_s = "{";
    bool m_first = true;
};

} // namespace tee::sim::json
