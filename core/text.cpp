#include "text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace tee {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void appendByte(std::string &out, unsigned char c)
{
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
}

void appendCodePoint(std::string &out, uint32_t cp)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(cp));
    out += buf;
}

// Length of the valid UTF-8 sequence at text[i] and its code point; 0 when
// the bytes there are not valid UTF-8 (overlong forms, surrogates and values
// past U+10FFFF included).
size_t decode(std::string_view text, size_t i, uint32_t &cp)
{
    const auto b0 = static_cast<unsigned char>(text[i]);
    size_t len = 0;
    uint32_t min = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    if ((b0 & 0xe0) == 0xc0) {
        len = 2;
        cp = b0 & 0x1f;
        min = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
        len = 3;
        cp = b0 & 0x0f;
        min = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > text.size())
        return 0;
    for (size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(text[i + k]);
        if ((b & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool escapedCodePoint(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

// Appends the escaped form of the character at text[i]; returns its length
// in bytes of `text`.
size_t appendEscaped(std::string &out, std::string_view text, size_t i)
{
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
        switch (c) {
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
            if (c < 0x20 || c == 0x7f)
                appendByte(out, c);
            else
                out += char(c);
        }
        return 1;
    }
    uint32_t cp = 0;
    const size_t len = decode(text, i, cp);
    if (len == 0) {
        appendByte(out, c);
        return 1;
    }
    if (escapedCodePoint(cp))
        appendCodePoint(out, cp);
    else
        out.append(text.substr(i, len));
    return len;
}

// Characters (not bytes) in valid UTF-8 `s`.
size_t characters(std::string_view s)
{
    size_t n = 0;
    for (const char ch : s)
        n += (static_cast<unsigned char>(ch) & 0xc0) != 0x80;
    return n;
}

} // namespace

std::string printable(std::string_view text, size_t maxChars)
{
    std::string out;
    out.reserve(std::min(text.size(), size_t(256)));
    // Keep a little room for the "... (N bytes)" tail when shortening.
    const size_t keep = maxChars > 20 ? maxChars - 12 : maxChars;
    size_t kept = 0; // out.size() after the last character within `keep`
    size_t chars = 0;
    for (size_t i = 0; i < text.size();) {
        const size_t before = out.size();
        i += appendEscaped(out, text, i);
        chars += characters(std::string_view(out).substr(before));
        if (maxChars == 0)
            continue;
        if (chars <= keep)
            kept = out.size();
        if (chars > maxChars) {
            out.resize(kept);
            out += "... (" + std::to_string(text.size()) + " bytes)";
            return out;
        }
    }
    return out;
}

std::string quotedText(std::string_view text, size_t maxChars)
{
    return '"' + printable(text, maxChars) + '"';
}

bool isUtf8(std::string_view text)
{
    uint32_t cp = 0;
    for (size_t i = 0; i < text.size();) {
        const size_t len = decode(text, i, cp);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

bool isPrintable(std::string_view text)
{
    return firstUnprintable(text) == std::string_view::npos;
}

size_t firstUnprintable(std::string_view text, size_t *length)
{
    std::string scratch;
    for (size_t i = 0; i < text.size();) {
        scratch.clear();
        const size_t n = appendEscaped(scratch, text, i);
        if (scratch != text.substr(i, n)) {
            if (length)
                *length = n;
            return i;
        }
        i += n;
    }
    return std::string_view::npos;
}

std::string closest(std::string_view word, const std::vector<std::string> &candidates)
{
    // Levenshtein distance, one row at a time.
    auto distance = [](std::string_view a, std::string_view b) {
        std::vector<size_t> row(b.size() + 1);
        for (size_t j = 0; j <= b.size(); ++j)
            row[j] = j;
        for (size_t i = 1; i <= a.size(); ++i) {
            size_t diagonal = row[0];
            row[0] = i;
            for (size_t j = 1; j <= b.size(); ++j) {
                const size_t up = row[j];
                row[j] = std::min(
                    {row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
                diagonal = up;
            }
        }
        return row[b.size()];
    };
    if (word.empty() || word.size() > 200)
        return {};
    const size_t limit = std::max<size_t>(2, word.size() / 3);
    std::string best;
    size_t bestDistance = limit + 1;
    for (const std::string &c : candidates) {
        const size_t d = distance(word, c);
        if (d < bestDistance && d > 0) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}

std::string didYouMean(std::string_view word, const std::vector<std::string> &candidates)
{
    const std::string c = closest(word, candidates);
    return c.empty() ? std::string() : " (did you mean " + quotedText(c) + "?)";
}

std::string numberText(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value < 0 ? "-Infinity" : "Infinity";
    // Every whole double is an integer with at most 309 digits; up to 10^40
    // print it in full, which is what the file said as nearly as a double
    // can hold it (2^63 is "9223372036854775808", never "9.22337e+18").
    if (value == std::trunc(value) && std::fabs(value) < 1e40) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.0f", value);
        return buf;
    }
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::string firstSentence(std::string_view text, size_t maxChars)
{
    std::string out;
    bool space = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n' && i + 1 < text.size() && text[i + 1] == '\n')
            break; // a blank line ends the paragraph
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += c;
        const bool end = i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n';
        if (c == '.' && end)
            break;
    }
    if (out.size() > maxChars) {
        size_t cut = out.rfind(' ', maxChars - 3);
        if (cut == std::string::npos || cut == 0)
            cut = maxChars - 3;
        out = out.substr(0, cut) + "...";
    }
    return printable(out, maxChars + 8);
}

namespace {
// Where the "What to look for:" paragraph's text starts (after its colon;
// "What to look for (merged design):" too), or npos.
size_t lookForStart(std::string_view text)
{
    constexpr std::string_view kLook = "What to look for";
    const size_t at = text.find(kLook);
    if (at == std::string_view::npos)
        return std::string_view::npos;
    const size_t colon = text.find(':', at + kLook.size());
    if (colon == std::string_view::npos || colon > at + kLook.size() + 80 ||
        text.substr(at, colon - at).find('.') != std::string_view::npos)
        return std::string_view::npos;
    return colon + 1;
}

// A sentence's first letter made upper case, unless its first word is an
// identifier (close_context, c2's, req#0), which keeps its spelling.
void capitalise(std::string &s)
{
    if (s.empty())
        return;
    const size_t end = s.find(' ');
    std::string_view word = std::string_view(s).substr(0, end);
    while (!word.empty() && std::string_view(".,:;!?").find(word.back()) != std::string_view::npos)
        word.remove_suffix(1);
    for (const char c : word)
        if (!std::isalpha(static_cast<unsigned char>(c)) && c != '\'')
            return;
    s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
}
} // namespace

std::string lookFor(std::string_view text)
{
    const size_t at = lookForStart(text);
    if (at == std::string_view::npos)
        return leadSentence(text, size_t(1) << 20);
    std::string_view rest = text.substr(at);
    const size_t b = rest.find_first_not_of(" \n\t");
    if (b == std::string_view::npos)
        return leadSentence(text, size_t(1) << 20);
    rest = rest.substr(b);
    if (const size_t blank = rest.find("\n\n"); blank != std::string_view::npos)
        rest = rest.substr(0, blank); // the paragraph ends at a blank line
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back())))
        rest.remove_suffix(1);
    std::string out(rest);
    capitalise(out);
    return out;
}

std::string leadSentence(std::string_view text, size_t maxChars)
{
    if (const size_t at = lookForStart(text); at != std::string_view::npos) {
        std::string rest = firstSentence(text.substr(at), maxChars);
        if (!rest.empty()) {
            capitalise(rest);
            return rest;
        }
    }
    size_t start = 0;
    while (start < text.size()) {
        const std::string_view tail = text.substr(start);
        const size_t skip = tail.find_first_not_of(" \n\t");
        if (skip == std::string_view::npos)
            break;
        const std::string_view from = tail.substr(skip);
        if (from.substr(0, 5) != "Spec ")
            return firstSentence(from, maxChars);
        const size_t end = from.find(". ");
        if (end == std::string_view::npos)
            break;
        start += skip + end + 2;
    }
    return firstSentence(text, maxChars);
}

} // namespace tee
