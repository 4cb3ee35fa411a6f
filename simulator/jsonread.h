// Small helpers shared by the JSON readers (scenarios, captures).
#pragma once

#include <QJsonValue>

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace tee::sim {

// What a JSON value is, for "expected X, found Y" messages.
inline std::string jsonTypeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return "null";
    case QJsonValue::Bool:
        return "a boolean";
    case QJsonValue::Double:
        return "a number";
    case QJsonValue::String:
        return "a string";
    case QJsonValue::Array:
        return "an array";
    case QJsonValue::Object:
        return "an object";
    case QJsonValue::Undefined:
        break;
    }
    return "nothing";
}

// The number as a 64-bit signed integer when the file wrote one exactly.
// QJsonValue keeps integers exactly up to 64 bits; anything with a fraction
// or beyond 64 bits comes back as the default, so two different defaults
// tell integers from the rest without relying on internals (2^63-1 read
// through toDouble() is 2^63).
inline std::optional<qint64> exactInteger(const QJsonValue &v)
{
    const qint64 a = v.toInteger(std::numeric_limits<qint64>::min());
    const qint64 b = v.toInteger(std::numeric_limits<qint64>::max());
    if (!v.isDouble() || a != b)
        return std::nullopt;
    return a;
}

// A document that is a single string, number, boolean or null (Qt's
// parser fails on it with "illegal value"): what it is, for "expected a
// JSON object, found a string". Empty for anything else.
std::string topLevelScalar(std::string_view json);

// "line 3, column 17" of a byte offset, for messages about JSON text.
std::string lineColumn(std::string_view text, size_t offset);

// A key given twice in one JSON object. QJsonDocument keeps the last one
// silently, so {"ops": ..., "ops": ...} would drop a list without a word;
// the readers refuse it instead.
struct DuplicateKey
{
    std::string key;  // decoded
    size_t first = 0; // byte offsets of the two occurrences
    size_t second = 0;
};
// The first duplicate key in `json`, which must already be valid JSON (call
// after QJsonDocument::fromJson accepted it). Escapes are decoded before
// comparing, so "a" and "\u0061" are the same key.
std::optional<DuplicateKey> findDuplicateKey(std::string_view json);

// What QJsonDocument takes but RFC 8259 does not allow, in `json` (which
// must already be valid JSON to QJsonDocument): the byte offset of the
// first such place and what is wrong there. A control character (below
// U+0020) written raw inside a string (RFC 8259 requires it escaped, "\n",
// "\u0001"; a scenario with a raw line break in its description would load,
// be embedded in a capture re-indented, which changes the string, and make
// a capture other JSON tools refuse); an escape that is not one of \" \\ \/
// \b \f \n \r \t \uXXXX (Qt drops the backslash: "x\q" read as "xq"); a
// number outside RFC 8259's grammar ("1.", ".5e1", "01", "+1": Qt reads
// them as 1, 5, 1, 1). The readers refuse them instead.
struct JsonSyntaxError
{
    size_t offset = 0;
    std::string message;
};
std::optional<JsonSyntaxError> findNonRfcJson(std::string_view json);

// What QJsonDocument's parse error `error` at `offset` means, in words a
// person fixes the file by: a number outside RFC 8259 met before it (Qt
// reads "01" as 0 and then stops: "unterminated object"), a missing comma
// (Qt says "unterminated object" there too) told from a file that ends
// early ("truncated file?"). The message after "invalid JSON: " and where.
JsonSyntaxError describeJsonError(std::string_view json, int error, size_t offset);

} // namespace tee::sim
