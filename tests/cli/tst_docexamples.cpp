// Runs every `$ teescope-cli ...` example of docs/cli.md and the other
// documents of kDocs (under TEESCOPE_DOCS_DIR)
// with the built teescope-cli (TEESCOPE_CLI) and compares what it prints and
// its exit status with what the document shows, so the examples cannot drift
// from the program. The rules are stated in docs/cli.md, "How the examples
// are checked"; in short:
//
// - An example is a fenced block holding at least one line that starts with
//   `$ teescope-cli`. Every `$ ` line of it is a command (a ` # comment` ends
//   it); the lines up to the next `$ ` line or the end of the block are the
//   command's output: stdout, then stderr, trailing blanks ignored. A line
//   `...` (indentation allowed) matches zero or more lines. A last line
//   `[exit N]` is the exit status, written only when it is not 0.
// - The commands of a block run in order in one fresh temporary directory
//   holding a copy of the repository's tests/data (as tests/data) and the
//   fixtures made by makeFixtures(); argv[0] is `teescope-cli`.
// - Commands are split on blanks with '...' and "..." quoting; any other
//   shell syntax (pipes, redirection, variables, globs, escapes) fails the
//   example, naming its line, instead of being skipped.
//
// With TEESCOPE_REGENERATE_GOLDEN=1 the outputs in docs/cli.md are rewritten
// with the actual ones, keeping every `...` whose surrounding lines still
// fit: the lines before an elision become the actual first lines and those
// after it the actual last lines, as many as were documented.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <algorithm>
#include <vector>

namespace {

// The documents whose examples are run, and how many each has at least (a
// parser that finds fewer would make the checks vacuous).
const std::vector<std::pair<QString, int>> kDocs = {
    {QStringLiteral("cli.md"), 5},
    {QStringLiteral("capture-format.md"), 1},
};
const QString kProgram = QStringLiteral("teescope-cli");

bool regenerating()
{
    return qEnvironmentVariable("TEESCOPE_REGENERATE_GOLDEN") == QLatin1String("1");
}

QString where(const QString &doc, int line)
{
    return QStringLiteral("docs/") + doc + QLatin1Char(':') + QString::number(line);
}

// ---------------------------------------------------------------------------
// Parsing docs/cli.md

struct Command
{
    QString doc;          // the document's file name under docs/
    int line = 0;         // 1-based line of the `$ ` line
    QString text;         // the command as documented, without its comment
    QStringList args;     // after "teescope-cli"
    int outputFirst = 0;  // 0-based index of its first output line in the document
    QStringList expected; // documented output, the [exit N] line excluded
    int expectedExit = 0;
    bool exitLineWritten = false; // an [exit N] line is present (N may be 0)
};

struct Example
{
    int doc = 0;  // index in kDocs
    int line = 0; // the first command's line (or the offending line)
    QList<Command> commands;
    QString error; // set when the harness cannot run the example
};

// Splits a documented command line as a POSIX shell would for the plain
// subset the harness supports. Empty on success, else what is not supported.
// `commentAt` gets where a trailing comment starts (the line's size if none).
QString splitCommand(const QString &line, QStringList *words, qsizetype *commentAt = nullptr)
{
    words->clear();
    if (commentAt)
        *commentAt = line.size();
    QString word;
    bool inWord = false;
    QChar quote;
    static const QString unsupported = QStringLiteral("|&;<>()$`\\*?[]{}");
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (!quote.isNull()) {
            if (c == quote) {
                quote = QChar();
            } else if (quote == QLatin1Char('"') &&
                       (c == QLatin1Char('$') || c == QLatin1Char('`') || c == QLatin1Char('\\'))) {
                return QStringLiteral("'%1' inside double quotes").arg(c);
            } else {
                word += c;
            }
            continue;
        }
        if (c == QLatin1Char(' ') || c == QLatin1Char('\t')) {
            if (inWord)
                *words << word;
            word.clear();
            inWord = false;
        } else if (c == QLatin1Char('#') && !inWord) {
            if (commentAt)
                *commentAt = i;
            break; // a comment, to the end of the line
        } else if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            quote = c;
            inWord = true;
        } else if (unsupported.contains(c) || (c == QLatin1Char('~') && !inWord)) {
            return QStringLiteral("'%1' (only words, '...' and \"...\" are supported)").arg(c);
        } else {
            word += c;
            inWord = true;
        }
    }
    if (!quote.isNull())
        return QStringLiteral("an unterminated %1 quote").arg(quote);
    if (inWord)
        *words << word;
    return {};
}

bool isElision(const QString &line)
{
    return line.trimmed() == QLatin1String("...");
}

bool isSessionLine(const QString &line)
{
    return line == QLatin1String("$ teescope-cli") ||
           line.startsWith(QLatin1String("$ teescope-cli "));
}

// Trailing blanks are not part of a line: editors strip them from Markdown.
QString rstripped(QString line)
{
    qsizetype n = line.size();
    while (n > 0 && line.at(n - 1).isSpace())
        --n;
    line.truncate(n);
    return line;
}

// One session block (doc lines [first, end), 0-based) into an Example.
Example parseSession(const QStringList &doc, int first, int end)
{
    Example ex;
    static const QRegularExpression exitLine(QStringLiteral("^\\[exit (\\d+)\\]$"));
    Command *current = nullptr;
    auto finish = [&](int stop) {
        if (!current)
            return;
        QStringList out;
        for (int i = current->outputFirst; i < stop; ++i)
            out << rstripped(doc.at(i));
        if (!out.isEmpty()) {
            const auto m = exitLine.match(out.constLast());
            if (m.hasMatch()) {
                current->expectedExit = m.captured(1).toInt();
                current->exitLineWritten = true;
                out.removeLast();
            }
        }
        current->expected = out;
    };
    for (int i = first; i < end; ++i) {
        const QString &line = doc.at(i);
        if (!line.startsWith(QLatin1String("$ "))) {
            if (!current && !line.trimmed().isEmpty() && ex.error.isEmpty()) {
                ex.line = i + 1;
                ex.error = QStringLiteral("output before the first command");
            }
            continue;
        }
        finish(i);
        ex.commands.append(Command{});
        current = &ex.commands.last();
        current->line = i + 1;
        current->outputFirst = i + 1;
        if (ex.line == 0)
            ex.line = i + 1;
        QStringList words;
        qsizetype commentAt = 0;
        const QString problem = splitCommand(line.mid(2), &words, &commentAt);
        current->text = line.mid(2, commentAt).trimmed();
        if (ex.error.isEmpty()) {
            if (!problem.isEmpty()) {
                ex.line = i + 1;
                ex.error = QStringLiteral("cannot run `%1`: %2").arg(line.mid(2), problem);
            } else if (words.isEmpty() || words.constFirst() != kProgram) {
                ex.line = i + 1;
                ex.error = QStringLiteral("`%1` is not a teescope-cli command; only teescope-cli "
                                          "commands can run in an example")
                               .arg(line.mid(2));
            }
        }
        current->args = words.mid(1);
    }
    finish(end);
    return ex;
}

// Every example of the document, in order. Unsupported constructs become
// examples with an error, so they fail instead of vanishing.
QList<Example> parseDoc(const QStringList &doc)
{
    QList<Example> examples;
    static const QRegularExpression fenceOpen(QStringLiteral("^ {0,3}(`{3,}|~{3,})"));
    for (int i = 0; i < doc.size(); ++i) {
        const auto open = fenceOpen.match(doc.at(i));
        if (!open.hasMatch()) {
            if (isSessionLine(doc.at(i).trimmed())) {
                Example ex;
                ex.line = i + 1;
                ex.error = QStringLiteral("a teescope-cli session outside a fenced block");
                examples << ex;
            }
            continue;
        }
        const QString fence = open.captured(1);
        int close = i + 1;
        while (close < doc.size() &&
               !(doc.at(close).trimmed().startsWith(fence) &&
                 doc.at(close).trimmed().count(fence.at(0)) == doc.at(close).trimmed().size()))
            ++close;
        if (close == doc.size()) {
            Example ex;
            ex.line = i + 1;
            ex.error = QStringLiteral("a fenced block that is never closed");
            examples << ex;
            break;
        }
        bool session = false;
        for (int j = i + 1; j < close; ++j)
            session = session || isSessionLine(doc.at(j));
        if (session)
            examples << parseSession(doc, i + 1, close);
        i = close;
    }
    return examples;
}

// ---------------------------------------------------------------------------
// Matching and regeneration

// Does `pattern` (documented lines, `...` elisions) match `actual`?
bool matches(const QStringList &pattern, const QStringList &actual)
{
    QList<QStringList> segments{{}};
    for (const QString &line : pattern) {
        if (isElision(line))
            segments.append(QStringList());
        else
            segments.last() << line;
    }
    const qsizetype n = actual.size();
    if (segments.size() == 1)
        return pattern == actual;
    const QStringList &head = segments.constFirst();
    const QStringList &tail = segments.constLast();
    if (head.size() + tail.size() > n || actual.mid(0, head.size()) != head ||
        actual.mid(n - tail.size()) != tail)
        return false;
    // Earliest placement of each middle segment leaves the most room for the
    // others, so a greedy scan is complete.
    qsizetype pos = head.size();
    const qsizetype limit = n - tail.size();
    for (qsizetype s = 1; s + 1 < segments.size(); ++s) {
        const QStringList &seg = segments.at(s);
        qsizetype at = pos;
        while (at + seg.size() <= limit && actual.mid(at, seg.size()) != seg)
            ++at;
        if (at + seg.size() > limit)
            return false;
        pos = at + seg.size();
    }
    return true;
}

// What the document should say for `actual`: the pattern itself when it
// matches, otherwise the actual lines with every elision kept whose
// documented neighbours still fit (same number of lines before and after).
// `notes` gets a sentence for each elision that had to go.
QStringList regenerate(const QStringList &pattern, const QStringList &actual, QStringList *notes)
{
    if (matches(pattern, actual))
        return pattern;
    QList<QStringList> segments{{}};
    QStringList elisions; // the documented `...` lines, indentation kept
    for (const QString &line : pattern) {
        if (isElision(line)) {
            segments.append(QStringList());
            elisions << line;
        } else {
            segments.last() << line;
        }
    }
    if (elisions.isEmpty())
        return actual;
    const qsizetype n = actual.size();
    const QStringList &head = segments.constFirst();
    const QStringList &tail = segments.constLast();
    qsizetype middle = 0;
    for (qsizetype s = 1; s + 1 < segments.size(); ++s)
        middle += segments.at(s).size();
    if (head.size() + middle + tail.size() > n) {
        notes->append(QStringLiteral("the output has %1 line(s), fewer than the %2 documented "
                                     "around its elisions: written in full")
                          .arg(n)
                          .arg(head.size() + middle + tail.size()));
        return actual;
    }
    QStringList result = actual.mid(0, head.size());
    result << elisions.constFirst();
    qsizetype pos = head.size();
    const qsizetype limit = n - tail.size();
    for (qsizetype s = 1; s + 1 < segments.size(); ++s) {
        const QStringList &seg = segments.at(s);
        middle -= seg.size();
        // The window sharing the most lines with the documented segment.
        qsizetype best = -1;
        qsizetype bestScore = 0;
        for (qsizetype at = pos; at + seg.size() + middle <= limit; ++at) {
            qsizetype score = 0;
            for (qsizetype k = 0; k < seg.size(); ++k)
                score += actual.at(at + k) == seg.at(k) ? 1 : 0;
            if (score > bestScore) {
                best = at;
                bestScore = score;
            }
        }
        if (best < 0) { // nothing of it is left: merge the elisions around it
            notes->append(QStringLiteral("no line of the %1 lines between two elisions is in the "
                                         "output any more: they became one elision")
                              .arg(seg.size()));
            continue;
        }
        result << actual.mid(best, seg.size()) << elisions.at(s);
        pos = best + seg.size();
    }
    result << actual.mid(n - tail.size());
    return result;
}

// The first line where `documented` and `wanted` (what regeneration would
// write) differ, named by its line in the document.
QString firstDifference(const Command &cmd, const QStringList &documented,
                        const QStringList &wanted)
{
    const qsizetype n = std::max(documented.size(), wanted.size());
    for (qsizetype i = 0; i < n; ++i) {
        const bool haveD = i < documented.size();
        const bool haveW = i < wanted.size();
        if (haveD && haveW && documented.at(i) == wanted.at(i))
            continue;
        const int line = cmd.outputFirst + 1 + int(std::min(i, documented.size()));
        return QStringLiteral("%1: expected %2, actual %3")
            .arg(where(cmd.doc, line),
                 haveD ? QLatin1Char('"') + documented.at(i) + QLatin1Char('"')
                       : QStringLiteral("end of output"),
                 haveW ? QLatin1Char('"') + wanted.at(i) + QLatin1Char('"')
                       : QStringLiteral("end of output"));
    }
    return QStringLiteral("the outputs differ around an elision");
}

// ---------------------------------------------------------------------------
// Running

struct Outcome
{
    bool ran = false;
    QString failure; // did not start, crashed or timed out
    int exitCode = -1;
    QStringList lines; // stdout then stderr, trailing blanks removed
};

QStringList splitOutput(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return {};
    QStringList lines = QString::fromUtf8(bytes).split(QLatin1Char('\n'));
    if (bytes.endsWith('\n'))
        lines.removeLast();
    for (QString &line : lines)
        line = rstripped(line);
    return lines;
}

Outcome runCli(const QStringList &args, const QString &dir)
{
    // argv[0] is "teescope-cli", as for a user with the program on PATH
    // (--help prints it). QProcess puts the full path there, so the child
    // execs the program itself; the arrays are built before the fork.
    const QByteArray path = QFile::encodeName(QStringLiteral(TEESCOPE_CLI));
    std::vector<QByteArray> storage{kProgram.toUtf8()};
    for (const QString &a : args)
        storage.push_back(a.toUtf8());
    std::vector<char *> argv;
    for (QByteArray &a : storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    QProcess process;
    process.setWorkingDirectory(dir);
    process.setStandardInputFile(QProcess::nullDevice());
    process.setChildProcessModifier([&path, &argv] {
        ::execv(path.constData(), argv.data());
        ::_exit(127);
    });
    process.start(QStringLiteral(TEESCOPE_CLI), args);
    Outcome o;
    if (!process.waitForFinished(60000)) {
        o.failure = QStringLiteral("did not finish: ") + process.errorString();
        process.kill();
        process.waitForFinished();
        return o;
    }
    if (process.exitStatus() != QProcess::NormalExit) {
        o.failure = QStringLiteral("crashed: ") + process.errorString();
        return o;
    }
    o.ran = true;
    o.exitCode = process.exitCode();
    o.lines =
        splitOutput(process.readAllStandardOutput()) + splitOutput(process.readAllStandardError());
    return o;
}

// QFile::copy syncs every file to disk, which is slow on a busy machine and
// pointless for a scratch directory.
bool copyFile(const QString &from, const QString &to)
{
    QFile in(from);
    QFile out(to);
    return in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly | QIODevice::NewOnly) &&
           out.write(in.readAll()) == in.size();
}

bool copyTree(const QString &from, const QString &to)
{
    if (!QDir().mkpath(to))
        return false;
    QDirIterator it(from, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString source = it.next();
        const QString target = to + QLatin1Char('/') + QDir(from).relativeFilePath(source);
        if (!QDir().mkpath(QFileInfo(target).path()) || !copyFile(source, target))
            return false;
    }
    return true;
}

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object()
                                       : QJsonObject();
}

bool writeJson(const QString &path, const QJsonObject &o)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           f.write(QJsonDocument(o).toJson()) > 0;
}

// Files the examples read that no teescope-cli command writes: made here,
// from a fresh capture, so they follow the model. Empty on success.
QString makeFixtures(const QString &dir, QStringList *names)
{
    const Outcome ran = runCli({QStringLiteral("run"), QStringLiteral("default"),
                                QStringLiteral("--capture"), QStringLiteral("fixture.json")},
                               dir);
    if (!ran.ran || ran.exitCode != 0)
        return QStringLiteral("`teescope-cli run default --capture` failed: ") + ran.failure +
               ran.lines.join(QLatin1Char('\n'));
    const QJsonObject capture = readJson(dir + QStringLiteral("/fixture.json"));
    QFile::remove(dir + QStringLiteral("/fixture.json"));
    if (capture.isEmpty())
        return QStringLiteral("the capture of `run default` is not a JSON object");

    // forged.capture.json: the header claims the run ended stuck.
    QJsonObject forged = capture;
    forged.insert(QStringLiteral("stop"), QStringLiteral("stuck"));
    if (!writeJson(dir + QStringLiteral("/forged.capture.json"), forged))
        return QStringLiteral("cannot write forged.capture.json");

    // tampered.capture.json: the first reference drop of a USER object
    // claims a refcount 3 higher.
    QJsonObject tampered = capture;
    QJsonArray events = tampered.value(QLatin1String("events")).toArray();
    qsizetype index = 0;
    while (
        index < events.size() &&
        !(events.at(index).toObject().value(QLatin1String("kind")) == QLatin1String("ref_put") &&
          events.at(index).toObject().value(QLatin1String("object_type")) == QLatin1String("USER")))
        ++index;
    if (index == events.size())
        return QStringLiteral("no ref_put event of a USER object in the capture of `run default`");
    QJsonObject event = events.at(index).toObject();
    event.insert(QStringLiteral("refcount"),
                 event.value(QLatin1String("refcount")).toInteger() + 3);
    events.replace(index, event);
    tampered.insert(QStringLiteral("events"), events);
    if (!writeJson(dir + QStringLiteral("/tampered.capture.json"), tampered))
        return QStringLiteral("cannot write tampered.capture.json");

    *names = {QStringLiteral("forged.capture.json"), QStringLiteral("tampered.capture.json")};
    return {};
}

QString quotedOutput(const QStringList &lines, int exitCode)
{
    QString text;
    for (const QString &line : lines)
        text += QStringLiteral("    | ") + line + QLatin1Char('\n');
    if (exitCode != 0)
        text += QStringLiteral("    | [exit %1]\n").arg(exitCode);
    return text;
}

} // namespace

class TestDocExamples : public QObject
{
    Q_OBJECT

    struct Doc
    {
        QStringList lines; // one entry per line
        bool endsWithNewline = true;
    };
    std::vector<Doc> m_docs; // as kDocs
    QList<Example> m_examples;
    QTemporaryDir m_fixtures;
    QStringList m_fixtureNames;
    // Regeneration: document line range [first, first + count) -> new lines.
    struct Replacement
    {
        int doc;
        int first;
        int count;
        QStringList lines;
    };
    QList<Replacement> m_replacements;

private Q_SLOTS:
    void initTestCase()
    {
        for (size_t d = 0; d < kDocs.size(); ++d) {
            const auto &[name, least] = kDocs[d];
            QFile f(QStringLiteral(TEESCOPE_DOCS_DIR "/") + name);
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName() + f.errorString()));
            const QString text = QString::fromUtf8(f.readAll());
            Doc doc;
            doc.endsWithNewline = text.endsWith(QLatin1Char('\n'));
            doc.lines = text.split(QLatin1Char('\n'));
            if (doc.endsWithNewline)
                doc.lines.removeLast();
            QList<Example> found = parseDoc(doc.lines);
            QVERIFY2(
                found.size() >= least,
                qPrintable(QStringLiteral("only %1 examples in docs/").arg(found.size()) + name));
            for (Example &ex : found) {
                ex.doc = int(d);
                for (Command &cmd : ex.commands)
                    cmd.doc = name;
            }
            m_examples += found;
            m_docs.push_back(std::move(doc));
        }
        QVERIFY(m_fixtures.isValid());
        const QString problem = makeFixtures(m_fixtures.path(), &m_fixtureNames);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // The harness's own helpers, so a broken matcher cannot hide a drift.
    void selfCheck()
    {
        QStringList w;
        QVERIFY(splitCommand(QStringLiteral("teescope-cli run  default --json   # note"), &w)
                    .isEmpty());
        QCOMPARE(w, (QStringList{QStringLiteral("teescope-cli"), QStringLiteral("run"),
                                 QStringLiteral("default"), QStringLiteral("--json")}));
        QVERIFY(splitCommand(QStringLiteral("teescope-cli run '' \"a b\" x'#'y"), &w).isEmpty());
        QCOMPARE(w, (QStringList{QStringLiteral("teescope-cli"), QStringLiteral("run"), QString(),
                                 QStringLiteral("a b"), QStringLiteral("x#y")}));
        for (const char *bad : {"teescope-cli run default | jq", "teescope-cli list > out",
                                "teescope-cli run $X", "teescope-cli run 'x", "teescope-cli a\\ b",
                                "teescope-cli run \"$HOME\"", "teescope-cli run *.json"})
            QVERIFY2(!splitCommand(QString::fromLatin1(bad), &w).isEmpty(), bad);

        const QStringList actual{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"),
                                 QStringLiteral("d")};
        const QString e = QStringLiteral("...");
        const QString a = QStringLiteral("a"), b = QStringLiteral("b"), c = QStringLiteral("c"),
                      d = QStringLiteral("d"), x = QStringLiteral("x");
        QVERIFY(matches({a, b, c, d}, actual));
        QVERIFY(!matches({a, b, c}, actual));
        QVERIFY(matches({e}, actual));
        QVERIFY(matches({e}, {}));
        QVERIFY(matches({a, e, d}, actual));
        QVERIFY(matches({a, b, e, c, d}, actual)); // zero lines elided
        QVERIFY(matches({e, b, e}, actual));
        QVERIFY(matches({a, QStringLiteral("  ..."), c, e}, actual));
        QVERIFY(!matches({a, e, b, e, b, e}, actual));
        QVERIFY(!matches({a, b, e, b, c}, actual)); // no overlap
        QVERIFY(!matches({e, x, e}, actual));

        QStringList notes;
        QCOMPARE(regenerate({a, e, d}, actual, &notes), (QStringList{a, e, d}));
        QCOMPARE(regenerate({x, e, x}, actual, &notes), (QStringList{a, e, d}));
        QCOMPARE(regenerate({x, x, e}, actual, &notes), (QStringList{a, b, e}));
        QCOMPARE(regenerate({e, x, x, x}, actual, &notes), (QStringList{e, b, c, d}));
        QCOMPARE(regenerate({x}, actual, &notes), actual);
        QCOMPARE(regenerate({x, e, x, c, e, x}, actual, &notes), (QStringList{a, e, b, c, e, d}));
        QVERIFY(notes.isEmpty());
        QCOMPARE(regenerate({x, x, e, x, x, x}, actual, &notes), actual);
        QCOMPARE(notes.size(), 1);
        QCOMPARE(regenerate({x, e, x, e, x}, actual, &notes), (QStringList{a, e, d}));
        QCOMPARE(notes.size(), 2);

        const QList<Example> parsed = parseDoc(
            {QStringLiteral("```sh"), QStringLiteral("teescope-cli list"), QStringLiteral("```"),
             QStringLiteral("```"), QStringLiteral("$ teescope-cli list   # all"),
             QStringLiteral("x  "), QStringLiteral("[exit 3]"),
             QStringLiteral("$ teescope-cli run 'a b'"), QStringLiteral("```"),
             QStringLiteral("```"), QStringLiteral("$ teescope-cli x | y"), QStringLiteral("```"),
             QStringLiteral("```"), QStringLiteral("$ ls"), QStringLiteral("$ teescope-cli"),
             QStringLiteral("```"), QStringLiteral("$ teescope-cli list")});
        QCOMPARE(parsed.size(), 4);
        QCOMPARE(parsed.at(0).line, 5);
        QVERIFY(parsed.at(0).error.isEmpty());
        QCOMPARE(parsed.at(0).commands.size(), 2);
        QCOMPARE(parsed.at(0).commands.at(0).text, QStringLiteral("teescope-cli list"));
        QCOMPARE(parsed.at(0).commands.at(0).expected, QStringList{x});
        QCOMPARE(parsed.at(0).commands.at(0).expectedExit, 3);
        QCOMPARE(parsed.at(0).commands.at(1).args,
                 (QStringList{QStringLiteral("run"), QStringLiteral("a b")}));
        QCOMPARE(parsed.at(0).commands.at(1).expected, QStringList());
        QVERIFY(!parsed.at(1).error.isEmpty());
        QCOMPARE(parsed.at(1).line, 11);
        QVERIFY(parsed.at(2).error.contains(QLatin1String("not a teescope-cli command")));
        QCOMPARE(parsed.at(2).line, 14);
        QVERIFY(parsed.at(3).error.contains(QLatin1String("outside a fenced block")));
        QCOMPARE(parsed.at(3).line, 17);
    }

    // Each fixture is there for an example; one nobody reads is stale.
    void everyFixtureIsUsed()
    {
        for (const QString &name : std::as_const(m_fixtureNames)) {
            bool used = false;
            for (const Example &ex : std::as_const(m_examples))
                for (const Command &cmd : ex.commands)
                    used = used || cmd.args.contains(name);
            QVERIFY2(used, qPrintable(QStringLiteral("no example in docs/ reads the fixture %1; "
                                                     "remove it from makeFixtures()")
                                          .arg(name)));
        }
    }

    void examples_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < m_examples.size(); ++i)
            QTest::addRow("%s:%d", qPrintable(kDocs[size_t(m_examples.at(i).doc)].first),
                          m_examples.at(i).line)
                << i;
    }

    void examples()
    {
        QFETCH(int, index);
        const Example &ex = m_examples.at(index);
        if (!ex.error.isEmpty())
            QFAIL(qPrintable(where(kDocs[size_t(ex.doc)].first, ex.line) + QStringLiteral(": ") +
                             ex.error + QStringLiteral(" (tests/cli/tst_docexamples.cpp)")));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(copyTree(QStringLiteral(TEESCOPE_TEST_DATA),
                         dir.filePath(QStringLiteral("tests/data"))));
        for (const QString &name : std::as_const(m_fixtureNames))
            QVERIFY(copyFile(m_fixtures.filePath(name), dir.filePath(name)));

        QStringList failures;
        QList<Replacement> replacements;
        for (const Command &cmd : ex.commands) {
            const Outcome o = runCli(cmd.args, dir.path());
            if (!o.ran) {
                failures << where(cmd.doc, cmd.line) + QStringLiteral(": `") + cmd.text +
                                QStringLiteral("` ") + o.failure;
                continue;
            }
            QStringList notes;
            const QStringList wanted = regenerate(cmd.expected, o.lines, &notes);
            for (const QString &note : std::as_const(notes))
                qWarning().noquote() << where(cmd.doc, cmd.line) + QStringLiteral(": ") + note;
            QStringList problems;
            if (wanted != cmd.expected)
                problems << firstDifference(cmd, cmd.expected, wanted);
            if (o.exitCode != cmd.expectedExit)
                problems << QStringLiteral("%1: exit status %2, documented %3")
                                .arg(where(cmd.doc, cmd.line))
                                .arg(o.exitCode)
                                .arg(cmd.expectedExit);
            else if (cmd.exitLineWritten && o.exitCode == 0)
                problems << where(cmd.doc, cmd.line) +
                                QStringLiteral(": [exit 0] is written; the status is shown only "
                                               "when it is not 0");
            if (problems.isEmpty())
                continue;
            if (regenerating() && o.exitCode != cmd.expectedExit)
                qWarning().noquote() << QStringLiteral("%1: `%2` now exits with %3, not %4: "
                                                       "check it still shows what the text says")
                                            .arg(where(cmd.doc, cmd.line), cmd.text)
                                            .arg(o.exitCode)
                                            .arg(cmd.expectedExit);
            QStringList lines = wanted;
            if (o.exitCode != 0)
                lines << QStringLiteral("[exit %1]").arg(o.exitCode);
            const int documented = int(cmd.expected.size()) + (cmd.exitLineWritten ? 1 : 0);
            replacements.append({ex.doc, cmd.outputFirst, documented, lines});
            failures << QStringLiteral("`%1`:\n  ").arg(cmd.text) +
                            problems.join(QStringLiteral("\n  ")) +
                            QStringLiteral("\n  actual output:\n") +
                            quotedOutput(o.lines, o.exitCode);
        }
        if (regenerating() && failures.size() == replacements.size() && !replacements.isEmpty()) {
            m_replacements += replacements;
            QSKIP(qPrintable(QStringLiteral("TEESCOPE_REGENERATE_GOLDEN=1: %1 command(s) of the "
                                            "example at %2 rewritten")
                                 .arg(replacements.size())
                                 .arg(where(kDocs[size_t(ex.doc)].first, ex.line))));
        }
        if (!failures.isEmpty())
            QFAIL(qPrintable(failures.join(QLatin1Char('\n')) +
                             QStringLiteral("\nIf the new output is right, regenerate: "
                                            "TEESCOPE_REGENERATE_GOLDEN=1 tst_docexamples "
                                            "(docs/cli.md, \"How the examples are checked\")")));
    }

    // Regeneration writes each document once, after every example ran.
    void cleanupTestCase()
    {
        for (size_t d = 0; d < kDocs.size() && d < m_docs.size(); ++d) {
            QList<Replacement> mine;
            for (const Replacement &r : std::as_const(m_replacements))
                if (r.doc == int(d))
                    mine.append(r);
            if (mine.isEmpty())
                continue;
            std::sort(mine.begin(), mine.end(),
                      [](const Replacement &x, const Replacement &y) { return x.first > y.first; });
            QStringList doc = m_docs[d].lines;
            for (const Replacement &r : std::as_const(mine)) {
                doc.remove(r.first, r.count);
                for (qsizetype i = r.lines.size() - 1; i >= 0; --i)
                    doc.insert(r.first, r.lines.at(i));
            }
            QString text = doc.join(QLatin1Char('\n'));
            if (m_docs[d].endsWithNewline)
                text += QLatin1Char('\n');
            QSaveFile f(QStringLiteral(TEESCOPE_DOCS_DIR "/") + kDocs[d].first);
            QVERIFY2(f.open(QIODevice::WriteOnly) && f.write(text.toUtf8()) >= 0 && f.commit(),
                     qPrintable(f.fileName() + QStringLiteral(": ") + f.errorString()));
            qInfo().noquote() << QStringLiteral("wrote %1 (%2 outputs); review `git diff docs/%3`")
                                     .arg(f.fileName())
                                     .arg(mine.size())
                                     .arg(kDocs[d].first);
        }
    }
};

QTEST_GUILESS_MAIN(TestDocExamples)
#include "tst_docexamples.moc"
