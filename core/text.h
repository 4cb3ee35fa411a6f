// Text that came from outside (a scenario, a capture, a command line) on its
// way into a message or a summary. Every message teescope prints is exactly
// one line: control characters, invalid UTF-8 and characters that reorder or
// break a terminal line are escaped, and long values are shortened with
// their length, so a hostile file can neither forge a second line, reach the
// terminal with an escape sequence nor bury the message (docs/cli.md,
// "Messages").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tee {

// Values longer than this (in characters, after escaping) are shortened.
inline constexpr size_t kPrintableMax = 60;

// `text` escaped for one line of a terminal:
//   C0 controls as \n, \r, \t, \xHH; DEL as \x7f; C1 controls (U+0080..U+009F)
//   and the bidirectional, line and paragraph separators (U+061C, U+200E,
//   U+200F, U+2028..U+202E, U+2066..U+2069) as \uXXXX; each byte of invalid
//   UTF-8 as \xHH. Everything else, including other non-ASCII text, is kept.
// When the escaped form is longer than `maxChars` characters it is cut at a
// character boundary and followed by "... (N bytes)", N the length of the
// original text. maxChars 0 means never shorten.
std::string printable(std::string_view text, size_t maxChars = kPrintableMax);

// printable(text, 0) between double quotes: "value".
std::string quotedText(std::string_view text, size_t maxChars = kPrintableMax);

// True when `text` is valid UTF-8 (no overlong forms, surrogates or values
// past U+10FFFF): what a command-line argument must be to name a file.
bool isUtf8(std::string_view text);

// True when `text` is valid UTF-8 and printable() would not change it.
bool isPrintable(std::string_view text);

// Byte offset of the first character printable() escapes (an invalid byte
// counts as one character), or std::string_view::npos; its length in bytes
// in `length`.
size_t firstUnprintable(std::string_view text, size_t *length = nullptr);

// The candidate closest to `word` by edit distance, when it is close enough
// to be what was meant (at most 2 edits, or a third of the word's length);
// empty otherwise. For "did you mean" in messages.
std::string closest(std::string_view word, const std::vector<std::string> &candidates);

// " (did you mean \"x\"?)" for closest(word, candidates), or "".
std::string didYouMean(std::string_view word, const std::vector<std::string> &candidates);

// A JSON number as the file wrote it, as closely as a double allows: whole
// numbers in full ("9223372036854775808", never "9.22337e+18"), others in
// the shortest form that reads back to the same double.
std::string numberText(double value);

// The first sentence of a scenario description, on one line: up to the first
// ". " (or "." at the end of a line) or blank line, at most `maxChars`
// characters (then cut at a word with "...").
std::string firstSentence(std::string_view text, size_t maxChars = 160);
// What a reader should look for in a scenario: its "What to look for:"
// sentence when it has one, else its first sentence that is not a spec
// citation ("Spec §7 case 2, ..."), else its first sentence.
std::string leadSentence(std::string_view text, size_t maxChars = 160);
// A scenario description's "What to look for:" paragraph, whole (without
// the words themselves); the lead sentence, whole, when it has none.
std::string lookFor(std::string_view text);

} // namespace tee
