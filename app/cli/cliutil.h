// What every teescope-cli command shares: exit statuses, the one-line error
// on standard error, and strict parsing of whole numbers.
#pragma once

#include "core/text.h"
#include "core/types.h"

#include <QCommandLineParser>
#include <QString>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tee::cli {

inline constexpr const char *kAppName = "teescope-cli";

constexpr int kExitOk = 0;
constexpr int kExitFound = 1;      // a violation, a stuck state, a replay that diverged
constexpr int kExitUsage = 2;      // bad input: arguments, scenario, capture
constexpr int kExitIncomplete = 3; // explore: a bound or Ctrl+C stopped it, nothing found

inline std::string str(const QString &s)
{
    return s.toStdString();
}

// Every message is one line: values from files and arguments are already
// quoted and shortened where they are inserted (tee::quoted); escaping the
// whole line again is the last guard against a newline or a terminal escape
// that slipped through.
inline int fail(const std::string &message)
{
    std::cerr << kAppName << ": " << printable(message, 0) << '\n';
    return kExitUsage;
}

// The errno of the first write to standard output that failed (0: none).
inline int &stdoutErrno()
{
    static int e = 0;
    return e;
}

// Writes a whole output to standard output now; a failure is kept (with
// its reason) for main, which fails the command (checkedStdout).
inline void writeStdout(const std::string &text)
{
    std::cout << text << std::flush; // (a failure's errno: kept by main's StdoutBuffer)
}

// Whole decimal numbers only: "12abc", "-1", "+3", " 4" and overflow are
// refused rather than half-read, so a typo never runs a different experiment.
inline std::optional<uint64_t> parseCount(const QString &text)
{
    const std::string s = str(text);
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return value;
}

// An option given twice where one value is taken (QCommandLineParser keeps
// the last): "--capture a.json --capture b.json" would write b.json only and
// say nothing of a.json. Only the command's `repeatable` options (names
// without "--": run's --variant and --lane, export's --lane, explore's
// --variant) add up; the message names those, or says none does. Returns
// the message, empty when none is repeated.
inline std::string repeatedOption(const QCommandLineParser &parser, const std::string &command,
                                  const std::vector<std::string> &repeatable)
{
    const QStringList names = parser.optionNames();
    for (qsizetype i = 0; i < names.size(); ++i) {
        const QString &n = names.at(i);
        if (std::find(repeatable.begin(), repeatable.end(), str(n)) != repeatable.end())
            continue;
        if (names.indexOf(n, i + 1) > 0) {
            std::string which;
            for (size_t k = 0; k < repeatable.size(); ++k)
                which += std::string(k == 0                       ? ""
                                     : k + 1 == repeatable.size() ? " and "
                                                                  : ", ") +
                         "--" + repeatable[k];
            return command + ": --" + str(n) + " is given twice (" +
                   (repeatable.empty()       ? "no option of " + command + " repeats"
                    : repeatable.size() == 1 ? "only " + which + " repeats"
                                             : "only " + which + " repeat") +
                   ")";
        }
    }
    return {};
}

// Sets up a parser the same way for every command, and returns its
// -h/--help option:
// - QCommandLineParser::addHelpOption also adds --help-all, "including Qt
//   specific options", which teescope-cli does not take (Qt gets no
//   arguments from it);
// - `-platform` is one unknown option ("-platform", as typed), not -p, -l, -a...
//   (the first of which was the one named).
inline QCommandLineOption prepareParser(QCommandLineParser &parser)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                            QStringLiteral("Displays help on commandline options."));
    parser.addOption(help);
    return help;
}

// QCommandLineParser's error in the messages' own style: "unknown option
// --bogus" (it says "Unknown option 'bogus'."), its other errors without
// the capital and the full stop ("missing value after '--seed'").
// An unknown option is named as it was typed: "-platform" (the parser
// takes a one-dash word as a long option, as Qt programs do), "--bogus".
inline std::string parserError(const QCommandLineParser &parser, const QStringList &args)
{
    const QStringList unknown = parser.unknownOptionNames();
    if (!unknown.isEmpty()) {
        const QString &n = unknown.constFirst();
        std::string typed = (n.size() == 1 ? "-" : "--") + str(n);
        for (const QString &a : args) {
            const QString option = a.section(QLatin1Char('='), 0, 0);
            if (option == QLatin1Char('-') + n || option == QLatin1String("--") + n) {
                typed = str(option);
                break;
            }
        }
        return "unknown option " + quotedText(typed);
    }
    std::string e = str(parser.errorText());
    if (!e.empty() && e.back() == '.')
        e.pop_back();
    if (!e.empty() && e[0] >= 'A' && e[0] <= 'Z')
        e[0] = char(e[0] - 'A' + 'a');
    return e;
}

// The --variant assignments, in order, onto `variant`; an error message, or
// empty. One dimension given two different values ("request=fifo
// --variant request=idr") is an error: the last one would win silently.
inline std::string applyVariants(const QStringList &assignments, Variant &variant)
{
    std::vector<std::string> all;
    for (const QString &a : assignments)
        all.push_back(str(a));
    const std::string message = variant.apply(all);
    return message.empty() ? message : "--variant: " + message;
}

} // namespace tee::cli
