#include "simulator/jsonread.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <vector>

namespace tee::sim {

namespace {

void appendUtf8(std::string &out, uint32_t cp)
{
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xc0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += char(0xe0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3f));
        out += char(0x80 | (cp & 0x3f));
    } else {
        out += char(0xf0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3f));
        out += char(0x80 | ((cp >> 6) & 0x3f));
        out += char(0x80 | (cp & 0x3f));
    }
}

uint32_t hex4(std::string_view s, size_t i)
{
    uint32_t v = 0;
    for (size_t k = 0; k < 4 && i + k < s.size(); ++k) {
        const char c = s[i + k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= uint32_t(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= uint32_t(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= uint32_t(c - 'A' + 10);
    }
    return v;
}

// Decodes the string starting at the quote at `i`; returns the offset just
// past its closing quote.
size_t readString(std::string_view s, size_t i, std::string &out)
{
    out.clear();
    ++i; // opening quote
    while (i < s.size() && s[i] != '"') {
        if (s[i] != '\\') {
            out += s[i++];
            continue;
        }
        if (i + 1 >= s.size())
            break;
        const char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 'u': {
            uint32_t cp = hex4(s, i);
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= s.size() && s[i] == '\\' &&
                s[i + 1] == 'u') {
                const uint32_t low = hex4(s, i + 2);
                if (low >= 0xdc00 && low < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    i += 6;
                }
            }
            appendUtf8(out, cp);
            break;
        }
        default: // '"', '\\', '/'
            out += e;
        }
    }
    return i + 1;
}

} // namespace

std::string lineColumn(std::string_view text, size_t offset)
{
    offset = std::min(offset, text.size());
    size_t line = 1;
    size_t column = 1;
    // as an editor counts: CR LF, LF and a lone CR (old Mac files) end a
    // line; a column is a character, not a UTF-8 byte
    for (size_t i = 0; i < offset; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n' || (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
            ++line;
            column = 1;
        } else if (c != '\r' && (c & 0xC0) != 0x80) {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::optional<DuplicateKey> findDuplicateKey(std::string_view json)
{
    struct Frame
    {
        bool object = false;
        bool expectKey = false;
        std::map<std::string, size_t> keys; // key -> offset of its first occurrence
    };
    std::vector<Frame> stack;
    std::string key;
    for (size_t i = 0; i < json.size();) {
        const char c = json[i];
        switch (c) {
        case '{':
            stack.push_back({true, true, {}});
            ++i;
            break;
        case '[':
            stack.push_back({false, false, {}});
            ++i;
            break;
        case '}':
        case ']':
            if (!stack.empty())
                stack.pop_back();
            ++i;
            break;
        case ',':
            if (!stack.empty() && stack.back().object)
                stack.back().expectKey = true;
            ++i;
            break;
        case ':':
            if (!stack.empty())
                stack.back().expectKey = false;
            ++i;
            break;
        case '"': {
            const size_t start = i;
            i = readString(json, i, key);
            if (stack.empty() || !stack.back().object || !stack.back().expectKey)
                break;
            const auto [it, fresh] = stack.back().keys.emplace(key, start);
            if (!fresh)
                return DuplicateKey{key, it->second, start};
            break;
        }
        default:
            ++i;
        }
    }
    return std::nullopt;
}

namespace {
std::string rawControlMessage(char c)
{
    const auto u = static_cast<unsigned char>(c);
    char code[8];
    std::snprintf(code, sizeof code, "%04X", unsigned(u));
    const std::string escaped = u == '\n'   ? "\\n"
                                : u == '\t' ? "\\t"
                                : u == '\r' ? "\\r"
                                            : "\\u" + std::string(code);
    return "a raw control character (U+" + std::string(code) +
           ") inside a string: JSON requires it escaped, as " + escaped;
}

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// A character a number token can hold (RFC 8259 or not: +1, .5, 1e).
bool isNumberChar(char c)
{
    return isDigit(c) || std::string_view("+-.eE").find(c) != std::string_view::npos;
}

// RFC 8259 section 6: -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?
bool rfcNumber(std::string_view t)
{
    size_t i = 0;
    if (i < t.size() && t[i] == '-')
        ++i;
    if (i >= t.size() || !isDigit(t[i]))
        return false;
    if (t[i] == '0')
        ++i;
    else
        while (i < t.size() && isDigit(t[i]))
            ++i;
    if (i < t.size() && t[i] == '.') {
        ++i;
        if (i >= t.size() || !isDigit(t[i]))
            return false;
        while (i < t.size() && isDigit(t[i]))
            ++i;
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-'))
            ++i;
        if (i >= t.size() || !isDigit(t[i]))
            return false;
        while (i < t.size() && isDigit(t[i]))
            ++i;
    }
    return i == t.size();
}
} // namespace

std::optional<JsonSyntaxError> findNonRfcJson(std::string_view json)
{
    bool inString = false;
    for (size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            if (c == '"') {
                inString = false;
            } else if (c == '\\') {
                // (a text that ends inside an escape is a cut file: the
                // parser's unterminated string says so)
                if (i + 1 >= json.size())
                    return std::nullopt;
                const char e = json[i + 1];
                if (e == 'u') {
                    for (size_t k = 2; k < 6; ++k) {
                        if (i + k >= json.size())
                            return std::nullopt;
                        if (!isHex(json[i + k]))
                            return JsonSyntaxError{i, "\\u must be followed by four hex digits"};
                    }
                } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                    const std::string shown = static_cast<unsigned char>(e) >= 0x20 &&
                                                      static_cast<unsigned char>(e) < 0x7f
                                                  ? std::string(1, e)
                                                  : std::string("?");
                    return JsonSyntaxError{
                        i, "invalid escape \\" + shown +
                               " in a string (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                               "and \\uXXXX; write a backslash as \\\\)"};
                }
                ++i; // the escaped character
            } else if (static_cast<unsigned char>(c) < 0x20) {
                return JsonSyntaxError{i, rawControlMessage(c)};
            }
            continue;
        }
        if (c == '"') {
            inString = true;
            continue;
        }
        // (Qt refuses these too, one column late: a NUL of a binary file)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r' && c != '\n') {
            char code[8];
            std::snprintf(code, sizeof code, "%04X", unsigned(static_cast<unsigned char>(c)));
            return JsonSyntaxError{i, std::string("invalid JSON: a control character (U+") + code +
                                          ") outside a string (not a text file?)"};
        }
        if (isDigit(c) || c == '-' || c == '+' || c == '.') {
            size_t end = i;
            while (end < json.size() && isNumberChar(json[end]))
                ++end;
            const std::string_view token = json.substr(i, end - i);
            if (!rfcNumber(token))
                return JsonSyntaxError{i, "the number " + std::string(token.substr(0, 40)) +
                                              " is not written as JSON allows (RFC 8259: no "
                                              "leading zero, +, or lone ., digits on both "
                                              "sides of the point)"};
            i = end - 1;
        }
    }
    return std::nullopt;
}

JsonSyntaxError describeJsonError(std::string_view json, int error, size_t offset)
{
    offset = std::min(offset, json.size());
    const auto onlySpaceFrom = [&](size_t at) {
        return at >= json.size() || json.find_first_not_of(" \t\r\n", at) == std::string_view::npos;
    };
    // (the whole text: a number that starts before the offset is quoted
    // whole; what is wrong after the offset is not this error)
    if (const auto bad = findNonRfcJson(json); bad && bad->offset <= offset) {
        // a number cut at the end of the file ("1e", "-"): cut, not misspelt
        size_t end = bad->offset;
        while (end < json.size() && isNumberChar(json[end]))
            ++end;
        if (bad->message.rfind("the number ", 0) == 0 && end > bad->offset && onlySpaceFrom(end))
            return JsonSyntaxError{
                bad->offset,
                "invalid JSON: the number " +
                    std::string(json.substr(bad->offset, std::min<size_t>(end - bad->offset, 40))) +
                    " is cut short (truncated file?)"};
        return *bad;
    }
    const QJsonParseError::ParseError e = QJsonParseError::ParseError(error);
    // A number JSON's grammar allows but no double holds (1e400, 1e-400):
    // Qt calls it illegal; it is out of range, as a too large integer is.
    if (e == QJsonParseError::IllegalNumber) {
        size_t begin = std::min(offset, json.size());
        while (begin > 0 && isNumberChar(json[begin - 1]))
            --begin;
        size_t end = begin;
        while (end < json.size() && isNumberChar(json[end]))
            ++end;
        const std::string_view token = json.substr(begin, end - begin);
        if (!token.empty() && rfcNumber(token))
            return JsonSyntaxError{begin, "the number " + std::string(token.substr(0, 40)) +
                                              " is out of range (beyond what a double holds)"};
    }
    QJsonParseError named;
    named.error = e;
    std::string text = "invalid JSON: " + named.errorString().toStdString();
    // (Qt's offset is where it gave up: at or just after the token it could
    // not take; whether anything but white space follows tells a cut file)
    const size_t rest = json.find_first_not_of(" \t\r\n", offset > 0 ? offset - 1 : 0);
    bool cut =
        (e == QJsonParseError::UnterminatedObject || e == QJsonParseError::UnterminatedArray ||
         e == QJsonParseError::UnterminatedString) &&
        (rest == std::string_view::npos || rest + 1 >= json.size());
    // ... and a number or a literal cut at the end: {"seed":1, "title":tru
    // (a word that does not begin true, false or null is not a cut one)
    size_t word = offset > 0 ? offset - 1 : 0;
    while (word > 0 && std::isalnum(static_cast<unsigned char>(json[word - 1])))
        --word;
    size_t wordEnd = word;
    while (wordEnd < json.size() &&
           (std::isalnum(static_cast<unsigned char>(json[wordEnd])) || isNumberChar(json[wordEnd])))
        ++wordEnd;
    const std::string_view w = json.substr(word, wordEnd - word);
    const bool literalStart = !w.empty() && (std::string_view("true").substr(0, w.size()) == w ||
                                             std::string_view("false").substr(0, w.size()) == w ||
                                             std::string_view("null").substr(0, w.size()) == w);
    if (e == QJsonParseError::TerminationByNumber ||
        (e == QJsonParseError::IllegalValue && literalStart) ||
        e == QJsonParseError::IllegalEscapeSequence)
        cut = cut || onlySpaceFrom(wordEnd);
    if (cut)
        text += " (truncated file?)";
    else if (e == QJsonParseError::UnterminatedObject)
        text += " (a missing comma or closing brace?)";
    else if (e == QJsonParseError::UnterminatedArray)
        text += " (a missing comma or closing bracket?)";
    return JsonSyntaxError{offset, text};
}

std::string topLevelScalar(std::string_view json)
{
    QByteArray wrapped("[");
    wrapped.append(json.data(), qsizetype(json.size()));
    wrapped.append("]");
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(wrapped, &err);
    if (err.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1)
        return {};
    const QJsonValue v = doc.array().at(0);
    return v.isArray() || v.isObject() ? std::string() : jsonTypeName(v);
}

} // namespace tee::sim
