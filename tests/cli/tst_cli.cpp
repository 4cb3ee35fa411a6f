// Runs the built teescope-cli (TEESCOPE_CLI) as a user would and checks its
// output and exit codes (docs/cli.md): 0 clean, 1 violation or divergence,
// 2 bad input, with the culprit named on stderr and no partial files.
#include "../exceptmain.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#ifdef TEESCOPE_HAVE_RENDER
#include <QImage>
#endif
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

struct CliResult
{
    QProcess::ExitStatus status = QProcess::CrashExit;
    int exitCode = -1;
    QString out;
    QString err;
};

CliResult runCli(const QStringList &args, const QString &workingDirectory = {},
                 const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    if (!workingDirectory.isEmpty())
        process.setWorkingDirectory(workingDirectory);
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(TEESCOPE_CLI), args);
    CliResult result;
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        result.err = QStringLiteral("timed out or failed to start: ") + process.errorString();
        return result;
    }
    result.status = process.exitStatus();
    result.exitCode = process.exitCode();
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

QString dataPath(const QString &relative)
{
    return QStringLiteral(TEESCOPE_TEST_DATA "/") + relative;
}

QJsonObject readJsonObject(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

bool writeJson(const QString &path, const QJsonObject &object)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(QJsonDocument(object).toJson()) > 0;
}

// Every file under `dir` (recursively, hidden ones included) with a digest
// of its contents and its permissions: equal snapshots mean nothing was
// created, changed or removed.
bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QMap<QString, QByteArray> snapshot(const QString &dir)
{
    QMap<QString, QByteArray> files;
    QDirIterator it(dir, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info = it.fileInfo();
        QByteArray value = QByteArray::number(int(info.permissions()), 16) + ' ';
        if (info.isSymLink())
            value += "-> " + info.symLinkTarget().toUtf8();
        else if (info.isFile()) {
            QFile f(path);
            if (f.open(QIODevice::ReadOnly))
                value += QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
        } else {
            value += info.isDir() ? "dir" : "special";
        }
        files.insert(QDir(dir).relativeFilePath(path), value);
    }
    return files;
}

// A message a terminal shows as one line: no control character, no escape,
// a bounded length.
bool oneCleanLine(const QString &err)
{
    if (!err.endsWith(QLatin1Char('\n')) || err.count(QLatin1Char('\n')) != 1 || err.size() > 1000)
        return false;
    for (const QChar c : err.chopped(1)) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u == 0x7f || (u >= 0x80 && u <= 0x9f) || (u >= 0x202a && u <= 0x202e) ||
            (u >= 0x2066 && u <= 0x2069) || u == 0x2028 || u == 0x2029 || u == 0xfffd)
            return false;
    }
    return true;
}

QStringList builtinNames()
{
    const CliResult r = runCli({QStringLiteral("list")});
    QStringList names;
    for (const QString &line : r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.startsWith(QLatin1Char(' '))) // an indented line is a description
            names << line.section(QLatin1Char(' '), 0, 0);
    return names;
}

// Rows of an unwritable-output test: each option into a missing directory
// and onto an existing directory.
void unwritableRows(std::initializer_list<const char *> options)
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<bool>("intoDirectory"); // else into a missing directory
    for (const char *option : options) {
        QTest::addRow("%s missing dir", option) << QString::fromLatin1(option) << false;
        QTest::addRow("%s is a directory", option) << QString::fromLatin1(option) << true;
    }
}

} // namespace

// A failed check prints what the CLI said, so a red test explains itself.
#define VERIFY_EXIT(result, code)                                                                  \
    do {                                                                                           \
        QCOMPARE((result).status, QProcess::NormalExit);                                           \
        if ((result).exitCode != (code))                                                           \
            qWarning().noquote() << "stdout:" << (result).out << "\nstderr:" << (result).err;      \
        QCOMPARE((result).exitCode, (code));                                                       \
    } while (false)

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stdoutWriteFailureFails_data();
    void stdoutWriteFailureFails();
    void fileSizeLimitFails_data();
    void fileSizeLimitFails();
    void killedWhileWritingLeavesNoTemporary();
    void exploreCounterexampleToStdoutWithNothingFound();
    void informational_data();
    void informational();
    void noArgumentsPrintsHelpToStderr();
    void listIsAligned();
    void listNameShowsTheWholeDescription();
    void runDefault();
    void runJson();
    void runOverrides();
    void runViolationExitsOne();
    void runSaysWhichFaultsWereNotTaken();
    void runStuckListsWhatIsLeft();
    void exploreStopsOnSignal_data();
    void exploreStopsOnSignal();
    void exploreReportsGaps();
    void exploreCounterexampleOfAChosenFinding();
    void exploreStuckLengthIsLabelled();
    void argumentNotUtf8();
    void exploreOutputsCheckedFirst_data();
    void exploreOutputsCheckedFirst();
    void runReportsGaps();
    void badUsage_data();
    void badUsage();
    void unwritableOutput_data();
    void unwritableOutput();
    void exportsWritten();
    void captureReplays_data();
    void captureReplays();
    void tamperedCaptureDiverges_data();
    void tamperedCaptureDiverges();
    void editedSpansAreRefused();
    void hostileFiles_data();
    void hostileFiles();
    void hostileCommandLines_data();
    void hostileCommandLines();
    void forgedStopRefused_data();
    void forgedStopRefused();
    void handCutScheduleReplays();
    void existingOutputsReplacedWhole();
    void noDisplayNeeded();
    void dashIsStandardOutput();
    void olderModelIsAModelChange_data();
    void model2CapturesReplay_data();
    void model2CapturesReplay();
    void model2CapturesDifferAtTheExit_data();
    void model2CapturesDifferAtTheExit();
    void olderCaptureWithAnotherStopIsAModelChange();
    void summaryColumnsStayApart();
    void exportMatchesRun();
    void renderPictures();
    void exportCarriesNotes();
    void noPlatformPluginNeeded();
    void olderModelIsAModelChange();
};

void TestCli::informational_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("--help") << QStringList{QStringLiteral("--help")} << QStringLiteral("replay");
    QTest::newRow("-h") << QStringList{QStringLiteral("-h")} << QStringLiteral("list");
    QTest::newRow("--version") << QStringList{QStringLiteral("--version")}
                               << QStringLiteral("teescope-cli " TEESCOPE_VERSION);
    QTest::newRow("run --help") << QStringList{QStringLiteral("run"), QStringLiteral("--help")}
                                << QStringLiteral("--max-steps");
    QTest::newRow("replay --help")
        << QStringList{QStringLiteral("replay"), QStringLiteral("--help")}
        << QStringLiteral("CAPTURE");
    QTest::newRow("list --help") << QStringList{QStringLiteral("list"), QStringLiteral("--help")}
                                 << QStringLiteral("built-in");
}

void TestCli::informational()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const CliResult r = runCli(args);
    VERIFY_EXIT(r, 0);
    QVERIFY2(r.out.contains(expected), qPrintable(r.out));
    QVERIFY(r.err.isEmpty());
}

void TestCli::noArgumentsPrintsHelpToStderr()
{
    const CliResult r = runCli({});
    VERIFY_EXIT(r, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains(QLatin1String("Usage:")), qPrintable(r.err));
    QVERIFY(r.err.contains(QLatin1String("replay")));
}

// list NAME: the whole description (list cuts it), the threads, the
// policy and the faults.
void TestCli::listNameShowsTheWholeDescription()
{
    const CliResult r = runCli({QStringLiteral("list"), QStringLiteral("srcu-vs-lock")});
    VERIFY_EXIT(r, 0);
    QVERIFY2(r.out.startsWith(QLatin1String("srcu-vs-lock: Kill during RECV marshalling")),
             qPrintable(r.out));
    // the description's last words (list and the headers end it with "...")
    QVERIFY2(r.out.contains(QLatin1String("(five I12 violations with")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("\nprocess app: client, suppl\n")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("a fixed schedule of 8 steps")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("\nfaults: 1\n")), qPrintable(r.out));
    for (const QString &line : r.out.split(QLatin1Char('\n')))
        QVERIFY2(line.size() <= 78, qPrintable(line));
}

void TestCli::listIsAligned()
{
    const CliResult r = runCli({QStringLiteral("list")});
    VERIFY_EXIT(r, 0);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(!lines.isEmpty());
    QVERIFY2(builtinNames().contains(QLatin1String("default")), qPrintable(r.out));
    // Every title starts in the same column, and so does the description's
    // first sentence on the line under it (what to look for).
    static const QRegularExpression column(QStringLiteral("^(\\S+)?\\s{2,}(?=\\S)"));
    qsizetype titleColumn = -1;
    int described = 0;
    for (const QString &line : lines) {
        described += line.startsWith(QLatin1Char(' '));
        const auto match = column.match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));
        if (titleColumn < 0)
            titleColumn = match.capturedLength();
        QCOMPARE(match.capturedLength(), titleColumn);
    }
    QVERIFY2(described >= builtinNames().size() / 2, qPrintable(r.out));
}

void TestCli::runDefault()
{
    const CliResult r = runCli({QStringLiteral("run"), QStringLiteral("default")});
    VERIFY_EXIT(r, 0);
    QVERIFY(r.err.isEmpty());
    for (const char *word : {"scenario", "default", "variant", "steps", "time", "stop", "events",
                             "objects alive", "violations: none"})
        QVERIFY2(r.out.contains(QLatin1String(word)), word);
    // What to look for: the scenario's lead sentence under its title.
    QVERIFY2(r.out.contains(QLatin1String("           The smallest complete exchange.\n")),
             qPrintable(r.out));
    // run --help lists every variant value.
    const CliResult help = runCli({QStringLiteral("run"), QStringLiteral("--help")});
    VERIFY_EXIT(help, 0);
    const QString flat = help.out.simplified();
    for (const char *v : {"request=fifo, idr", "argument=lock, srcu, none",
                          "lifetime=ctxref, kref, none", "gaps=faithful, fixed"})
        QVERIFY2(flat.contains(QLatin1String(v)), v);
}

void TestCli::runJson()
{
    const CliResult r =
        runCli({QStringLiteral("run"), QStringLiteral("default"), QStringLiteral("--json")});
    VERIFY_EXIT(r, 0);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY(doc.isObject());
    const QJsonObject o = doc.object();
    for (const char *key :
         {"scenario",   "title",      "variant",     "policy",        "seed",
          "maxSteps",   "steps",      "simulatedNs", "simulatedTime", "stopReason",
          "stopDetail", "eventTotal", "eventCounts", "objects",       "contexts",
          "requests",   "waits",      "violations",  "gaps",          "ok"})
        QVERIFY2(o.contains(QLatin1String(key)), key);
    QCOMPARE(o.value(QLatin1String("scenario")).toString(), QStringLiteral("default"));
    QCOMPARE(o.value(QLatin1String("ok")).toBool(), true);
    QVERIFY(o.value(QLatin1String("violations")).toArray().isEmpty());
    QVERIFY(o.value(QLatin1String("steps")).toInteger() > 0);
    QVERIFY(o.value(QLatin1String("simulatedNs")).toInteger() > 0);
    // The per-kind counts add up to the total, and every kind is listed.
    const QJsonObject counts = o.value(QLatin1String("eventCounts")).toObject();
    QVERIFY(counts.contains(QLatin1String("violation")));
    qint64 sum = 0;
    for (const QJsonValue &v : counts)
        sum += v.toInteger();
    QCOMPARE(sum, o.value(QLatin1String("eventTotal")).toInteger());
    QVERIFY(sum > 0);
}

void TestCli::runOverrides()
{
    const CliResult r =
        runCli({QStringLiteral("run"), QStringLiteral("default"), QStringLiteral("--policy"),
                QStringLiteral("random"), QStringLiteral("--seed"), QStringLiteral("7"),
                QStringLiteral("--max-steps"), QStringLiteral("5"), QStringLiteral("--variant"),
                QStringLiteral("gaps=fixed"), QStringLiteral("--variant"),
                QStringLiteral("request=idr"), QStringLiteral("--json")});
    QCOMPARE(r.status, QProcess::NormalExit);
    QVERIFY2(r.exitCode == 0 || r.exitCode == 1, qPrintable(r.err));
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(o.value(QLatin1String("policy")).toString(), QStringLiteral("random"));
    QCOMPARE(o.value(QLatin1String("seed")).toInteger(), 7);
    QCOMPARE(o.value(QLatin1String("maxSteps")).toInteger(), 5);
    QVERIFY(o.value(QLatin1String("steps")).toInteger() <= 5);
    const QString variant = o.value(QLatin1String("variant")).toString();
    QVERIFY2(variant.contains(QLatin1String("gaps=fixed")), qPrintable(variant));
    QVERIFY2(variant.contains(QLatin1String("request=idr")), qPrintable(variant));

    // A seed past 2^63-1 is written as the capture writes it, a string of
    // its digits (it came out as -1).
    const CliResult big =
        runCli({QStringLiteral("run"), QStringLiteral("default"), QStringLiteral("--policy"),
                QStringLiteral("random"), QStringLiteral("--seed"),
                QStringLiteral("18446744073709551615"), QStringLiteral("--json")});
    QVERIFY2(big.exitCode == 0 || big.exitCode == 1, qPrintable(big.err));
    QCOMPARE(
        QJsonDocument::fromJson(big.out.toUtf8()).object().value(QLatin1String("seed")).toString(),
        QStringLiteral("18446744073709551615"));
}

// A fault the run did not take is named with why: a "when": "any" kill
// under the scripted policy never fires, and the summary said nothing of it
// (a reviewer took the run for the killed one; a reviewer's audit). The
// random policy takes it, and the line goes.
void TestCli::runSaysWhichFaultsWereNotTaken()
{
    const QString scenario = dataPath(QStringLiteral("cli/faults-not-taken.json"));
    const CliResult text = runCli({QStringLiteral("run"), scenario});
    VERIFY_EXIT(text, 0);
    for (const char *why : {"not taken  kill app when any: only --policy random and explore",
                            "kill app at_step 50: the run ended before that step",
                            "kill app when_request PROCESSING: no request"})
        QVERIFY2(text.out.contains(QLatin1String(why)), qPrintable(text.out));
    const CliResult json = runCli({QStringLiteral("run"), scenario, QStringLiteral("--json")});
    VERIFY_EXIT(json, 0);
    const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(o.value(QLatin1String("faultsNotTaken")).toArray().size(), 3);
    // some seed of the first 20 takes the "any" kill, and its line goes
    bool taken = false;
    for (int seed = 1; seed <= 20 && !taken; ++seed) {
        const CliResult r = runCli({QStringLiteral("run"), scenario, QStringLiteral("--policy"),
                                    QStringLiteral("random"), QStringLiteral("--seed"),
                                    QString::number(seed), QStringLiteral("--json")});
        const QJsonArray left = QJsonDocument::fromJson(r.out.toUtf8())
                                    .object()
                                    .value(QLatin1String("faultsNotTaken"))
                                    .toArray();
        taken = left.size() == 2 && !left.contains(QStringLiteral(
                                        "kill app when any: the random schedule did not pick it"));
        // a process is killed once: the others were dropped for that, not
        // for their own condition (they said "no request of it was in that
        // state"; a review)
        if (taken)
            for (const QJsonValue v : left)
                QVERIFY2(v.toString().endsWith(QLatin1String(": the process was killed otherwise "
                                                             "first")),
                         qPrintable(v.toString()));
    }
    QVERIFY(taken);
}

void TestCli::runViolationExitsOne()
{
    const QString scenario = dataPath(QStringLiteral("cli/send-twice.json"));
    const CliResult text = runCli({QStringLiteral("run"), scenario});
    VERIFY_EXIT(text, 1);
    QVERIFY(text.err.isEmpty());
    static const QRegularExpression line(
        QStringLiteral("^  step \\d+ +I11 +\\S.*RELEASE notification$"),
        QRegularExpression::MultilineOption);
    QVERIFY2(text.out.contains(QLatin1String("violations: 1\n")), qPrintable(text.out));
    QVERIFY2(line.match(text.out).hasMatch(), qPrintable(text.out));

    const CliResult json = runCli({QStringLiteral("run"), scenario, QStringLiteral("--json")});
    VERIFY_EXIT(json, 1);
    const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(o.value(QLatin1String("ok")).toBool(true), false);
    const QJsonArray violations = o.value(QLatin1String("violations")).toArray();
    QCOMPARE(violations.size(), 1);
    const QJsonObject v = violations.at(0).toObject();
    QCOMPARE(v.value(QLatin1String("invariant")).toInt(), 11);
    QCOMPARE(v.value(QLatin1String("finding")).toString(), QStringLiteral("send_notification"));
    QVERIFY(v.value(QLatin1String("step")).toInteger() > 0);
    QVERIFY(!v.value(QLatin1String("detail")).toString().isEmpty());
    QCOMPARE(
        o.value(QLatin1String("eventCounts")).toObject().value(QLatin1String("violation")).toInt(),
        1);
}

void TestCli::exploreStopsOnSignal_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGINT (Ctrl+C)") << SIGINT;
    QTest::newRow("SIGTERM (timeout)") << SIGTERM;
}

// An output on standard output that cannot be written (/dev/full: ENOSPC)
// fails the command with status 2 and one line saying so; it ended with
// status 0 and a cut file (found by an exports audit).
void TestCli::stdoutWriteFailureFails_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("run --chrome -")
        << QString(QStringLiteral("run|default|--chrome|-")).split(QLatin1Char('|'));
    QTest::newRow("run --text -")
        << QString(QStringLiteral("run|default|--text|-")).split(QLatin1Char('|'));
    QTest::newRow("run summary") << QString(QStringLiteral("run|default")).split(QLatin1Char('|'));
    QTest::newRow("list") << QString(QStringLiteral("list")).split(QLatin1Char('|'));
    QTest::newRow("--help") << QString(QStringLiteral("--help")).split(QLatin1Char('|'));
    QTest::newRow("--version") << QString(QStringLiteral("--version")).split(QLatin1Char('|'));
    QTest::newRow("run --help") << QString(QStringLiteral("run|--help")).split(QLatin1Char('|'));
    QTest::newRow("explore --json")
        << QString(QStringLiteral("explore|default|--json")).split(QLatin1Char('|'));
    QTest::newRow("explore --counterexample -")
        << QString(QStringLiteral("explore|release-retry|--counterexample|-"))
               .split(QLatin1Char('|'));
}

void TestCli::stdoutWriteFailureFails()
{
    if (!QFileInfo::exists(QStringLiteral("/dev/full")))
        QSKIP("no /dev/full");
    QFETCH(QStringList, args);
    QProcess process;
    process.setStandardOutputFile(QStringLiteral("/dev/full"));
    process.start(QStringLiteral(TEESCOPE_CLI), args);
    QVERIFY(process.waitForFinished(60000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(err.contains(QLatin1String("teescope-cli: standard output: cannot write")),
             qPrintable(err));
    // with its reason, whichever way the command wrote (list's was lost)
    QVERIFY2(err.contains(QLatin1String("No space left on device")), qPrintable(err));
    // and no word that it was written (explore's report, on stderr when
    // its capture owns standard output, said so: an explore audit)
    QVERIFY2(!err.contains(QLatin1String("written to standard output")), qPrintable(err));
}

// A command killed (SIGTERM: kill, timeout, CI) while it writes its
// outputs finishes or rolls back the write first: it left its temporary
// file behind (40 MB of a capture, an export audit). The signal is sent as
// soon as the temporary file appears; the command then dies of it with the
// capture whole in place.
void TestCli::killedWhileWritingLeavesNoTemporary()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString capture = tmp.filePath(QStringLiteral("s.json"));
    QProcess p;
    p.setStandardOutputFile(QProcess::nullDevice());
    p.start(QStringLiteral(TEESCOPE_CLI),
            {QStringLiteral("run"), QStringLiteral("stress"), QStringLiteral("--max-steps"),
             QStringLiteral("100000"), QStringLiteral("--capture"), capture});
    QVERIFY(p.waitForStarted());
    const QDir dir(tmp.path());
    const QStringList pattern{QStringLiteral(".s.json.tmp-*")};
    bool sent = false;
    while (p.state() != QProcess::NotRunning && !sent) {
        if (!dir.entryList(pattern, QDir::Files | QDir::Hidden).isEmpty()) {
            ::kill(pid_t(p.processId()), SIGTERM);
            sent = true;
        } else {
            QThread::usleep(200);
        }
    }
    QVERIFY(p.waitForFinished(120000));
    if (!sent)
        QSKIP("the capture was written before its temporary file was seen");
    if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0)
        QSKIP("the command had renamed its output and ended before the signal came");
    QCOMPARE(p.exitStatus(), QProcess::CrashExit); // died of the signal, after the write
    QVERIFY2(dir.entryList(pattern, QDir::Files | QDir::Hidden).isEmpty(),
             "a temporary file was left behind");
    QVERIFY(readJsonObject(capture).value(QLatin1String("format")).toString() ==
            QLatin1String("teescope-capture"));
}

// A file size limit (ulimit -f) is a failed write like any other: status
// 2 with one message, no output file, no temporary file left. SIGXFSZ
// killed the process (status 153 from a shell) with the temporary file
// behind (a captures audit).
void TestCli::fileSizeLimitFails_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("toStdout");
    QTest::newRow("run --capture FILE")
        << QString(QStringLiteral("run|default|--capture|OUT")).split(QLatin1Char('|')) << false;
    QTest::newRow("run --chrome FILE")
        << QString(QStringLiteral("run|default|--chrome|OUT")).split(QLatin1Char('|')) << false;
    QTest::newRow("run --chrome -")
        << QString(QStringLiteral("run|default|--chrome|-")).split(QLatin1Char('|')) << true;
}

void TestCli::fileSizeLimitFails()
{
    QFETCH(QStringList, args);
    QFETCH(bool, toStdout);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString out = dir.filePath(QStringLiteral("out.json"));
    args.replaceInStrings(QStringLiteral("OUT"), out);
    QProcess process;
    process.setChildProcessModifier([] {
        const rlimit limit{4096, 4096}; // bytes: every output here is longer
        ::setrlimit(RLIMIT_FSIZE, &limit);
    });
    if (toStdout)
        process.setStandardOutputFile(out);
    process.start(QStringLiteral(TEESCOPE_CLI), args);
    QVERIFY(process.waitForFinished(60000));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    // one message (--chrome - moves the summary to stderr, before it)
    const QStringList errLines = err.trimmed().split(QLatin1Char('\n'));
    QVERIFY2(errLines.last().contains(QLatin1String("File too large")), qPrintable(err));
    QCOMPARE(err.count(QLatin1String("teescope-cli:")), 1);
    const QStringList left = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
    QCOMPARE(left, toStdout ? QStringList{QStringLiteral("out.json")} : QStringList{});
}

// explore --counterexample - owns standard output even when there is no
// counterexample to write: the report goes to stderr, stdout stays empty
// (it held the text report; an explore audit).
void TestCli::exploreCounterexampleToStdoutWithNothingFound()
{
    const CliResult r = runCli({QStringLiteral("explore"), QStringLiteral("default"),
                                QStringLiteral("--counterexample"), QStringLiteral("-")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    QVERIFY2(r.err.contains(QLatin1String("no counterexample to write")), qPrintable(r.err));
}

// Issue 11: a search stopped by Ctrl+C, or by SIGTERM from timeout(1) or a
// CI job's limit, still reports what it found, as a bound does (exit 3).
void TestCli::exploreStopsOnSignal()
{
    QFETCH(int, signal);
    QProcess process;
    process.start(QStringLiteral(TEESCOPE_CLI),
                  {QStringLiteral("explore"), QStringLiteral("three-clients-two-supplicants"),
                   QStringLiteral("--no-reduction"), QStringLiteral("--json")});
    QVERIFY(process.waitForStarted());
    // the search is under way (it takes minutes) before the signal comes
    QVERIFY(!process.waitForFinished(1500));
    QCOMPARE(::kill(pid_t(process.processId()), signal), 0);
    QVERIFY(process.waitForFinished(60000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 3);
    const QJsonObject report = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    QCOMPARE(report.value(QStringLiteral("complete")).toBool(true), false);
    QCOMPARE(report.value(QStringLiteral("bound")).toString(), QStringLiteral("interrupted"));
    QVERIFY(report.value(QStringLiteral("states")).toDouble() > 0);
    // a bounded search proves nothing: no checked invariant "holds" (it said
    // true for all of them), one it cannot break does
    const QJsonObject inv = report.value(QStringLiteral("invariants")).toObject();
    const QJsonObject i12 = inv.value(QStringLiteral("I12")).toObject();
    QVERIFY(i12.value(QStringLiteral("holds")).isNull());
    QCOMPARE(i12.value(QStringLiteral("violated")).toBool(true), false);
    QCOMPARE(inv.value(QStringLiteral("I10")).toObject().value(QStringLiteral("holds")).toBool(),
             true);
}

// A file name that is not valid UTF-8 is refused by name (\xHH), status 2,
// and no file is written under another name: Qt decodes arguments as UTF-8
// and made each invalid byte U+FFFD (found by a CLI audit). QProcess cannot
// pass such bytes itself: a shell's printf makes them.
void TestCli::argumentNotUtf8()
{
    QTemporaryDir dir;
    QProcess process;
    process.setWorkingDirectory(dir.path());
    process.start(
        QStringLiteral("/bin/sh"),
        {QStringLiteral("-c"),
         QStringLiteral("exec \"$0\" run default --capture \"$(printf 'cap\\377.json')\""),
         QStringLiteral(TEESCOPE_CLI)});
    QVERIFY(process.waitForFinished(60000));
    QCOMPARE(process.exitCode(), 2);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(err.contains(QLatin1String("argument 4 \"cap\\xff.json\" is not valid UTF-8")),
             qPrintable(err));
    QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());
}

// --of picks the finding --counterexample writes: kill-while-queued under
// argument=none finds gap 2's leak (I2, 10 steps) before the use after free
// (I12, 11), and only the shortest was written (a reviewer's audit). A
// finding not made writes nothing and says so; --of alone or a bad one is
// bad usage.
void TestCli::exploreCounterexampleOfAChosenFinding()
{
    QTemporaryDir tmp;
    const QString file = tmp.filePath(QStringLiteral("i12.json"));
    const QStringList base{QStringLiteral("explore"),          QStringLiteral("kill-while-queued"),
                           QStringLiteral("--variant"),        QStringLiteral("argument=none"),
                           QStringLiteral("--counterexample"), file};
    const CliResult shortest = runCli(base);
    VERIFY_EXIT(shortest, 1);
    QVERIFY2(shortest.out.contains(QLatin1String("(10 steps)\n")), qPrintable(shortest.out));
    QCOMPARE(readJsonObject(file).value(QLatin1String("focus")).toInt(), 10);
    // ("I12", "i12" and "12" alike)
    const CliResult i12 = runCli(base + QStringList{QStringLiteral("--of"), QStringLiteral("i12")});
    VERIFY_EXIT(i12, 1);
    QVERIFY2(i12.out.contains(QLatin1String("counterexample written to")) &&
                 i12.out.contains(QLatin1String("(11 steps)\n")),
             qPrintable(i12.out));
    const QJsonObject capture = readJsonObject(file);
    QCOMPARE(capture.value(QLatin1String("focus")).toInt(), 11);
    QVERIFY(QJsonDocument(capture).toJson().contains("violation of I12"));
    VERIFY_EXIT(runCli({QStringLiteral("replay"), file}), 0);
    QVERIFY(QFile::remove(file));
    const CliResult none = runCli(base + QStringList{QStringLiteral("--of"), QStringLiteral("I6")});
    VERIFY_EXIT(none, 1);
    QVERIFY2(none.out.contains(QLatin1String("no counterexample to write: I6 was not violated")),
             qPrintable(none.out));
    QVERIFY(!QFile::exists(file));
    for (const QStringList &bad :
         {QStringList{QStringLiteral("explore"), QStringLiteral("default"), QStringLiteral("--of"),
                      QStringLiteral("I2")},
          base + QStringList{QStringLiteral("--of"), QStringLiteral("I19")},
          base + QStringList{QStringLiteral("--of"), QStringLiteral("I0")},
          // (holds by construction: no step checks it, so no search finds it)
          base + QStringList{QStringLiteral("--of"), QStringLiteral("I10")},
          base + QStringList{QStringLiteral("--of"), QStringLiteral("leak")}}) {
        const CliResult r = runCli(bad);
        VERIFY_EXIT(r, 2);
        QVERIFY2(r.err.contains(QLatin1String("--of: ")), qPrintable(r.err));
        QVERIFY(!QFile::exists(file));
    }
}

// Spec §9 asks a simulator to flag its gaps whenever they trigger: explore
// lists each one reached with its shortest run, as notes that change neither
// the verdict's exit status nor "found", and --gap-run writes that run as a
// capture replay reproduces. tests/data/explore/ob-size-grew.json reaches
// gap 9 only (QTEE reports a 16-byte OB for 8 bytes given; its description
// counts the 5 steps).
void TestCli::exploreReportsGaps()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString scenario = dataPath(QStringLiteral("explore/ob-size-grew.json"));
    const QString run = dir.filePath(QStringLiteral("gap9.capture.json"));
    const CliResult text = runCli({QStringLiteral("explore"), scenario, QStringLiteral("--gap-run"),
                                   run, QStringLiteral("--no-reduction")});
    VERIFY_EXIT(text, 0);
    for (const char *expected :
         {"gaps (spec §9, reported, not findings): 1 kind reached\n", "  gap 9  reached (5 steps) ",
          "16 bytes for 8 bytes given", "spec §9 gap 9 reached (notes, not findings)\n",
          "gap 9 run written to"})
        QVERIFY2(text.out.contains(QString::fromUtf8(expected)), expected);
    const CliResult replay = runCli({QStringLiteral("replay"), run});
    VERIFY_EXIT(replay, 0);
    QVERIFY2(replay.out.contains(QLatin1String("replay identical: 5 steps")),
             qPrintable(replay.out));
    const QJsonObject capture = readJsonObject(run);
    QCOMPARE(capture.value(QLatin1String("focus")).toInt(), 5);
    QVERIFY(capture.value(QLatin1String("notes"))
                .toArray()
                .at(0)
                .toObject()
                .value(QLatin1String("text"))
                .toString()
                .contains(QString::fromUtf8("spec §9 gap 9")));

    const CliResult json = runCli({QStringLiteral("explore"), scenario, QStringLiteral("--json")});
    VERIFY_EXIT(json, 0);
    const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(o.value(QLatin1String("complete")).toBool(), true);
    const QJsonArray gaps = o.value(QLatin1String("gaps")).toArray();
    QCOMPARE(gaps.size(), 1);
    const QJsonObject gap = gaps.at(0).toObject();
    QCOMPARE(gap.value(QLatin1String("item")).toInt(), 9);
    QCOMPARE(gap.value(QLatin1String("finding")).toString(), QStringLiteral("ob_size_grew"));
    QCOMPARE(gap.value(QLatin1String("length")).toInt(), 5);
    // its run, step by step, as the capture's schedule spells it
    const QStringList expectedRun = {QStringLiteral("app/c1: open /dev/tee"),
                                     QStringLiteral("app/c1: OBJECT_INVOKE ROOT op 32"),
                                     QStringLiteral("app/c1: QTEE returns 0"),
                                     QStringLiteral("app/c1: OBJECT_INVOKE objref 0 op 1"),
                                     QStringLiteral("app/c1: QTEE returns 0")};
    QCOMPARE(gap.value(QLatin1String("schedule")).toVariant().toStringList(), expectedRun);
    QStringList captured;
    for (const QJsonValue &v : capture.value(QLatin1String("schedule")).toArray())
        captured << v.toString();
    QCOMPARE(captured, expectedRun);

    // gaps=fixed: the parse fails instead; nothing to flag, nothing written.
    const QString none = dir.filePath(QStringLiteral("none.capture.json"));
    const CliResult fixed =
        runCli({QStringLiteral("explore"), scenario, QStringLiteral("--variant"),
                QStringLiteral("gaps=fixed"), QStringLiteral("--gap-run"), none});
    VERIFY_EXIT(fixed, 0);
    QVERIFY(fixed.out.contains(
        QString::fromUtf8("gaps (spec §9, reported, not findings): none reached\n")));
    QVERIFY(fixed.out.contains(QLatin1String("no gap run to write")));
    QVERIFY(!QFileInfo::exists(none));

    // One file for both captures is bad usage, refused before the search.
    const CliResult same = runCli({QStringLiteral("explore"), scenario, QStringLiteral("--gap-run"),
                                   none, QStringLiteral("--counterexample"), none});
    VERIFY_EXIT(same, 2);
    QVERIFY(same.err.contains(QLatin1String("--gap-run")));
    QVERIFY(!QFileInfo::exists(none));
}

// A stuck state's length is labelled as a violation's is: depth-first it is
// where the search met it, "maybe not the shortest" in the text and
// shortestConfirmed false in JSON (the stuck line printed neither; an
// explore audit). symmetric-clients' shortest stuck run is 13 steps
// breadth-first; depth-first meets a longer one.
void TestCli::exploreStuckLengthIsLabelled()
{
    const QString scenario = dataPath(QStringLiteral("explore/symmetric-clients.json"));
    const auto stuckOf = [&](const QStringList &more) {
        const CliResult r = runCli(
            QStringList{QStringLiteral("explore"), scenario, QStringLiteral("--json")} + more);
        return QJsonDocument::fromJson(r.out.toUtf8())
            .object()
            .value(QLatin1String("stuck"))
            .toObject();
    };
    const QJsonObject bfs = stuckOf({});
    QVERIFY(bfs.value(QLatin1String("found")).toBool());
    QCOMPARE(bfs.value(QLatin1String("length")).toInt(), 13);
    QCOMPARE(bfs.value(QLatin1String("shortestConfirmed")), QJsonValue(true));
    const QJsonObject dfs = stuckOf({QStringLiteral("--strategy"), QStringLiteral("dfs")});
    QVERIFY(dfs.value(QLatin1String("found")).toBool());
    QCOMPARE(dfs.value(QLatin1String("shortestConfirmed")), QJsonValue(false));
    QVERIFY(dfs.value(QLatin1String("length")).toInt() > 13);

    const CliResult text = runCli(
        {QStringLiteral("explore"), scenario, QStringLiteral("--strategy"), QStringLiteral("dfs")});
    VERIFY_EXIT(text, 1);
    static const QRegularExpression line(QStringLiteral("\n  stuck FOUND \\((\\d+) steps, maybe "
                                                        "not the shortest\\) "));
    const auto m = line.match(text.out);
    QVERIFY2(m.hasMatch(), qPrintable(text.out));
    QCOMPARE(m.captured(1).toInt(), dfs.value(QLatin1String("length")).toInt());

    // Breadth-first with reduction, a length the search without it could
    // not confirm (its states bound stopped it first) is labelled too.
    const QString busy = dataPath(QStringLiteral("explore/stuck-plus-busy.json"));
    const CliResult bounded =
        runCli({QStringLiteral("explore"), busy, QStringLiteral("--max-states"),
                QStringLiteral("60"), QStringLiteral("--json")});
    const QJsonObject b = QJsonDocument::fromJson(bounded.out.toUtf8()).object();
    QCOMPARE(b.value(QLatin1String("confirmComplete")), QJsonValue(false));
    QCOMPARE(b.value(QLatin1String("stuck")).toObject().value(QLatin1String("shortestConfirmed")),
             QJsonValue(false));
    const CliResult whole = runCli({QStringLiteral("explore"), busy, QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(whole.out.toUtf8())
                 .object()
                 .value(QLatin1String("stuck"))
                 .toObject()
                 .value(QLatin1String("shortestConfirmed")),
             QJsonValue(true));
}

void TestCli::exploreOutputsCheckedFirst_data()
{
    unwritableRows({"--counterexample", "--gap-run"});
}

// explore's captures are outputs like run's (docs/cli.md, "Files"): an
// unwritable one is refused before the search, naming the option and the
// file, and nothing is written, not even the other, good capture.
// first-smc-fails has both a counterexample (I4) and a gap run (gap 3).
void TestCli::exploreOutputsCheckedFirst()
{
    QFETCH(QString, option);
    QFETCH(bool, intoDirectory);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString target = intoDirectory ? tmp.filePath(QStringLiteral("existing-dir"))
                                         : tmp.filePath(QStringLiteral("missing/out.json"));
    if (intoDirectory)
        QVERIFY(QDir().mkdir(target));
    const QString other = option == QLatin1String("--gap-run") ? QStringLiteral("--counterexample")
                                                               : QStringLiteral("--gap-run");
    const QString good = tmp.filePath(QStringLiteral("good.capture.json"));
    const CliResult r = runCli({QStringLiteral("explore"), QStringLiteral("first-smc-fails"), other,
                                good, option, target});
    VERIFY_EXIT(r, 2);
    QVERIFY2(r.err.contains(target), qPrintable(r.err));
    QVERIFY2(r.err.contains(option), qPrintable(r.err));
    QVERIFY(r.out.isEmpty()); // refused before the search: no report
    const QStringList left =
        QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
    QCOMPARE(left, intoDirectory ? QStringList{QStringLiteral("existing-dir")} : QStringList{});

    // Both writable: both written, each replaying to its own last step.
    const QString second = tmp.filePath(QStringLiteral("second.capture.json"));
    const CliResult ok = runCli({QStringLiteral("explore"), QStringLiteral("first-smc-fails"),
                                 other, good, option, second});
    VERIFY_EXIT(ok, 1); // I4
    for (const QString &file : {good, second}) {
        const CliResult replay = runCli({QStringLiteral("replay"), file});
        VERIFY_EXIT(replay, 0);
        QVERIFY2(replay.out.contains(QLatin1String("replay identical: 5 steps")),
                 qPrintable(replay.out));
    }
}

// The run summary lists the §9 gaps reached, with their step and driver
// code, as notes: ob-size-grew's scripted run reaches gap 9 at step 5 and
// breaks nothing, so the run is ok (exit 0).
void TestCli::runReportsGaps()
{
    const QString scenario = dataPath(QStringLiteral("explore/ob-size-grew.json"));
    const CliResult text = runCli({QStringLiteral("run"), scenario});
    VERIFY_EXIT(text, 0);
    for (const char *expected :
         {"violations: none\ngaps: 1 (spec §9; notes, not findings)\n  step 5     gap 9  QTEE "
          "reports an output buffer of 16 bytes for 8 bytes given",
          "             at "})
        QVERIFY2(text.out.contains(QString::fromUtf8(expected)), expected);
    const CliResult json = runCli({QStringLiteral("run"), scenario, QStringLiteral("--json")});
    VERIFY_EXIT(json, 0);
    const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(o.value(QLatin1String("ok")).toBool(), true);
    const QJsonArray gaps = o.value(QLatin1String("gaps")).toArray();
    QCOMPARE(gaps.size(), 1);
    QCOMPARE(gaps.at(0).toObject().value(QLatin1String("step")).toInt(), 5);
    QCOMPARE(gaps.at(0).toObject().value(QLatin1String("item")).toInt(), 9);
    QCOMPARE(gaps.at(0).toObject().value(QLatin1String("finding")).toString(),
             QStringLiteral("ob_size_grew"));
    const CliResult fixed = runCli({QStringLiteral("run"), scenario, QStringLiteral("--variant"),
                                    QStringLiteral("gaps=fixed")});
    VERIFY_EXIT(fixed, 0);
    QVERIFY(fixed.out.contains(QLatin1String("violations: none\ngaps: none\n")));
}

// A run that ends stuck: the summary says who waits on what and lists every
// object, holder, context and request left behind.
void TestCli::runStuckListsWhatIsLeft()
{
    // Stuck is a finding: exit 1, and the summary says who waits on what.
    const QString scenario = dataPath(QStringLiteral("cli/no-supplicant.json"));
    const CliResult text = runCli({QStringLiteral("run"), scenario});
    VERIFY_EXIT(text, 1);
    for (const char *expected :
         {"stop       stuck\n", "app/client", "objects alive: 2\n", "requests left: 1\n", "QUEUED",
          "qtee_objects_idr of ctx1 (objref 0)", "QTEE cb 0x80000001"})
        QVERIFY2(text.out.contains(QLatin1String(expected)), expected);

    const CliResult json = runCli({QStringLiteral("run"), scenario, QStringLiteral("--json")});
    VERIFY_EXIT(json, 1);
    const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(o.value(QLatin1String("stopReason")).toString(), QStringLiteral("stuck"));
    QCOMPARE(o.value(QLatin1String("ok")).toBool(), false);
    QVERIFY(o.value(QLatin1String("stopDetail")).toString().contains(QLatin1String("app/client")));
    const QJsonArray objects = o.value(QLatin1String("objects")).toArray();
    QCOMPARE(objects.size(), 2);
    for (const QJsonValue &value : objects) {
        // A refcount is explained by its holders, one each.
        const QJsonObject object = value.toObject();
        QCOMPARE(object.value(QLatin1String("refcount")).toInt(),
                 object.value(QLatin1String("holders")).toArray().size());
    }
    const QJsonObject user = objects.at(1).toObject();
    QCOMPARE(user.value(QLatin1String("type")).toString(), QStringLiteral("USER"));
    QCOMPARE(user.value(QLatin1String("userObjectId")).toInt(), 1);
    QCOMPARE(user.value(QLatin1String("owner")).toInt(), 1);
    const QJsonArray requests = o.value(QLatin1String("requests")).toArray();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.at(0).toObject().value(QLatin1String("state")).toString(),
             QStringLiteral("QUEUED"));
    QCOMPARE(requests.at(0).toObject().value(QLatin1String("ctx")).toInt(), 1);
    const QJsonArray contexts = o.value(QLatin1String("contexts")).toArray();
    QCOMPARE(contexts.size(), 1);
    QCOMPARE(contexts.at(0).toObject().value(QLatin1String("refs")).toArray().size(), 2);
    for (const QJsonValue &value : objects)
        QCOMPARE(value.toObject().value(QLatin1String("releaseQueued")).toBool(), false);

    // A QTEE object alive at refcount 0 has had its last put: its RELEASE
    // waits on qcomtee_wq (close_context put three; the worker has not run)
    const QStringList cut = {QStringLiteral("run"), QStringLiteral("close-context-async-release"),
                             QStringLiteral("--max-steps"), QStringLiteral("16")};
    const CliResult queued = runCli(cut);
    QCOMPARE(queued.out.count(QLatin1String(
                 "refcount 0: none (last put done: its RELEASE is queued on qcomtee_wq)")),
             3);
    const CliResult queuedJson = runCli(cut + QStringList{QStringLiteral("--json")});
    int flagged = 0;
    for (const QJsonValue &value : QJsonDocument::fromJson(queuedJson.out.toUtf8())
                                       .object()
                                       .value(QLatin1String("objects"))
                                       .toArray())
        flagged += value.toObject().value(QLatin1String("releaseQueued")).toBool();
    QCOMPARE(flagged, 3);

    // lifetime=kref: what pins the context data after the tee_context went
    // (the RFC's ref_cnt), in the text and the JSON; not under the merged
    // design, which has no such count
    const QStringList kref = {QStringLiteral("run"),         QStringLiteral("callback-after-close"),
                              QStringLiteral("--max-steps"), QStringLiteral("16"),
                              QStringLiteral("--variant"),   QStringLiteral("lifetime=kref")};
    const CliResult k = runCli(kref);
    QVERIFY2(
        k.out.contains(QLatin1String("tee_context freed; refs: none; data ref_cnt: user obj1")),
        qPrintable(k.out));
    const QJsonArray kctx =
        QJsonDocument::fromJson(runCli(kref + QStringList{QStringLiteral("--json")}).out.toUtf8())
            .object()
            .value(QLatin1String("contexts"))
            .toArray();
    QCOMPARE(kctx.size(), 1);
    QCOMPARE(kctx.at(0).toObject().value(QLatin1String("dataRefs")).toArray().size(), 1);
    const CliResult merged = runCli(QStringList(kref.begin(), kref.begin() + 4));
    QVERIFY2(!merged.out.contains(QLatin1String("ref_cnt")), qPrintable(merged.out));

    // A leak (I2) is found once nothing is in flight: the summary says so,
    // not the function of the step that happened to be the last
    const CliResult leak = runCli({QStringLiteral("run"), QStringLiteral("kill-while-queued")});
    QVERIFY2(leak.out.contains(QLatin1String("I2   QTEE object wrapper obj2")) &&
                 leak.out.contains(
                     QStringLiteral("at the leak check once nothing is in flight (spec §8 I2)")),
             qPrintable(leak.out));
}

void TestCli::badUsage_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("culprits"); // each must appear on stderr
    const QString run = QStringLiteral("run");
    const QString def = QStringLiteral("default");
    auto row = [](const char *name, const QStringList &args, const QStringList &culprits) {
        QTest::newRow(name) << args << culprits;
    };
    row("unknown command", {QStringLiteral("frobnicate")}, {QStringLiteral("frobnicate")});
    row("misspelt command", {QStringLiteral("lsit")}, {QStringLiteral("(did you mean \"list\"?)")});
    row("misspelt option", {run, def, QStringLiteral("--polcy"), QStringLiteral("timed")},
        {QStringLiteral("(did you mean \"--policy\"?)")});
    // Qt's own options (QCoreApplication took --qmljsdebugger=... silently)
    row("a Qt option", {run, def, QStringLiteral("--qmljsdebugger=port:1")},
        {QStringLiteral("unknown option \"--qmljsdebugger\"")});
    row("--help-all", {QStringLiteral("explore"), def, QStringLiteral("--help-all")},
        {QStringLiteral("unknown option \"--help-all\"")});
    // named as typed (a format audit read "--platform" for -platform)
    row("a Qt option with one dash", {run, def, QStringLiteral("-platform"), QStringLiteral("x")},
        {QStringLiteral("run: unknown option \"-platform\"")});
    row("explore, a Qt option with one dash",
        {QStringLiteral("explore"), def, QStringLiteral("-style")},
        {QStringLiteral("explore: unknown option \"-style\"")});
    row("misspelt policy", {run, def, QStringLiteral("--policy"), QStringLiteral("timd")},
        {QStringLiteral("(did you mean \"timed\"?)")});
    const QString text = QStringLiteral("--text");
    const QString dash = QStringLiteral("-");
    row("misspelt lane",
        {run, def, text, dash, QStringLiteral("--lane"), QStringLiteral("app/clinet")},
        {QStringLiteral("--lane: no lane \"app/clinet\""),
         QStringLiteral("(did you mean \"app/client\"?)")});
    row("unknown request lane",
        {run, def, text, dash, QStringLiteral("--lane"), QStringLiteral("req#99")},
        {QStringLiteral("--lane: no lane \"req#99\"")});
    row("--to before --from",
        {run, def, text, dash, QStringLiteral("--from"), QStringLiteral("5"),
         QStringLiteral("--to"), QStringLiteral("3")},
        {QStringLiteral("--to: step 3 comes before --from 5")});
    row("--from past the run",
        {run, def, text, dash, QStringLiteral("--from"), QStringLiteral("999")},
        {QStringLiteral("--from: step 999 is not in the run (steps 1..20)")});
    // (a run of no steps: every --from but 1 was taken, an empty table)
    row("--from past a run of no steps",
        {run, dataPath(QStringLiteral("cli/no-steps.json")), text, dash, QStringLiteral("--from"),
         QStringLiteral("2")},
        {QStringLiteral("--from: step 2 is not in the run (it has no steps)")});
    row("--width too narrow",
        {run, def, text, dash, QStringLiteral("--width"), QStringLiteral("59")},
        {QStringLiteral("--width: \"59\" is not a whole number from 60 to 400")});
    // (ignored by the Chrome trace, it was taken silently)
    row("--width with --chrome only",
        {run, def, QStringLiteral("--chrome"), dash, QStringLiteral("--width"),
         QStringLiteral("100")},
        {QStringLiteral("--width sets the text timeline's width: give --text FILE with it")});
    row("export --width with --chrome only",
        {QStringLiteral("export"), dataPath(QStringLiteral("captures/model2-default.json")),
         QStringLiteral("--chrome"), dash, QStringLiteral("--width"), QStringLiteral("100")},
        {QStringLiteral("--width sets the text timeline's width")});
    row("export without an output", {QStringLiteral("export"), QStringLiteral("x.json")},
        {QStringLiteral("export: nothing to write")});
    row("misspelt export option",
        {QStringLiteral("export"), QStringLiteral("x.json"), QStringLiteral("--txt"), dash},
        {QStringLiteral("(did you mean \"--text\"?)")});
    row("misspelt scenario", {run, QStringLiteral("kill-while-queue")},
        {QStringLiteral("(did you mean \"kill-while-queued\"?)")});
    row("misspelt variant name",
        {run, def, QStringLiteral("--variant"), QStringLiteral("argumnt=lock")},
        {QStringLiteral("(did you mean \"argument\"?)")});
    row("misspelt variant value",
        {run, def, QStringLiteral("--variant"), QStringLiteral("argument=srcuu")},
        {QStringLiteral("(did you mean \"srcu\"?)")});
    row("unknown global option", {QStringLiteral("--frob")}, {QStringLiteral("frob")});
    row("list unknown name", {QStringLiteral("list"), QStringLiteral("extra")},
        {QStringLiteral("extra: no built-in scenario of that name (see 'teescope-cli list')")});
    row("list misspelt name", {QStringLiteral("list"), QStringLiteral("kill-while-queud")},
        {QStringLiteral("kill-while-queud: no built-in scenario of that name (did you mean "
                        "\"kill-while-queued\"?)")});
    row("list extra argument",
        {QStringLiteral("list"), QStringLiteral("default"), QStringLiteral("extra")},
        {QStringLiteral("list: unexpected argument \"extra\"")});
    row("run without scenario", {run}, {QStringLiteral("SCENARIO")});
    row("run extra argument", {run, def, QStringLiteral("extra")}, {QStringLiteral("extra")});
    row("run unknown option", {run, def, QStringLiteral("--frob")},
        {QStringLiteral("run: unknown option \"--frob\"")});
    row("explore misspelt option", {QStringLiteral("explore"), def, QStringLiteral("--max-state")},
        {QStringLiteral(
            "explore: unknown option \"--max-state\" (did you mean \"--max-states\"?)")});
    row("run missing option value", {run, def, QStringLiteral("--seed")}, {QStringLiteral("seed")});
    row("unknown scenario", {run, QStringLiteral("no-such-scenario")},
        {QStringLiteral("no-such-scenario")});
    row("variant unknown name",
        {run, def, QStringLiteral("--variant"), QStringLiteral("colour=red")},
        {QStringLiteral("colour")});
    row("variant unknown value",
        {run, def, QStringLiteral("--variant"), QStringLiteral("gaps=maybe")},
        {QStringLiteral("maybe"), QStringLiteral("faithful"), QStringLiteral("fixed")});
    row("variant without =", {run, def, QStringLiteral("--variant"), QStringLiteral("gaps")},
        {QStringLiteral("--variant: variant \"gaps\" is not NAME=VALUE")});
    row("policy unknown", {run, def, QStringLiteral("--policy"), QStringLiteral("fastest")},
        {QStringLiteral("fastest"), QStringLiteral("round-robin")});
    row("seed trailing junk", {run, def, QStringLiteral("--seed"), QStringLiteral("12abc")},
        {QStringLiteral("--seed"), QStringLiteral("12abc")});
    row("seed negative", {run, def, QStringLiteral("--seed"), QStringLiteral("-1")},
        {QStringLiteral("--seed"), QStringLiteral("-1")});
    row("seed overflow",
        {run, def, QStringLiteral("--seed"), QStringLiteral("18446744073709551616")},
        {QStringLiteral("18446744073709551616")});
    row("seed empty",
        {
            run,
            def,
            QStringLiteral("--seed="),
        },
        {QStringLiteral("--seed")});
    row("seed with space", {run, def, QStringLiteral("--seed"), QStringLiteral(" 4")},
        {QStringLiteral("--seed")});
    row("max-steps zero", {run, def, QStringLiteral("--max-steps"), QStringLiteral("0")},
        {QStringLiteral("--max-steps")});
    row("max-steps hex", {run, def, QStringLiteral("--max-steps"), QStringLiteral("0x10")},
        {QStringLiteral("--max-steps"), QStringLiteral("0x10")});
    const QString explore = QStringLiteral("explore");
    const QString small = QStringLiteral("srcu-vs-lock");
    // one value per option: the first output would be dropped in silence
    row("run capture twice",
        {run, def, QStringLiteral("--capture"), QStringLiteral("a.json"),
         QStringLiteral("--capture"), QStringLiteral("b.json")},
        {QStringLiteral("run: --capture is given twice")});
    // a file that exists in a directory that takes no new file (procfs)
    row("capture into /proc",
        {run, def, QStringLiteral("--capture"), QStringLiteral("/proc/version")},
        {QStringLiteral("--capture: /proc/version: cannot write: cannot create a file in /proc")});
    row("run seed twice",
        {run, def, QStringLiteral("--seed"), QStringLiteral("1"), QStringLiteral("--seed=2")},
        {QStringLiteral("--seed is given twice")});
    row("explore jobs twice",
        {explore, small, QStringLiteral("--jobs"), QStringLiteral("1"), QStringLiteral("--jobs"),
         QStringLiteral("2")},
        {QStringLiteral("explore: --jobs is given twice (only --variant repeats)")});
    // the hint names the command's own repeatable options (explore's named
    // --lane, which explore refuses)
    row("run seed twice names run's",
        {run, def, QStringLiteral("--seed"), QStringLiteral("1"), QStringLiteral("--seed"),
         QStringLiteral("2")},
        {QStringLiteral("(only --variant and --lane repeat)")});
    row("render png twice",
        {QStringLiteral("render"), def, QStringLiteral("--png"), QStringLiteral("a.png"),
         QStringLiteral("--png"), QStringLiteral("b.png")},
        {QStringLiteral("render: --png is given twice (only --variant repeats)")});
    // one dimension, two values: the last one would win in silence
    row("run variant twice, two values",
        {run, def, QStringLiteral("--variant"), QStringLiteral("request=fifo"),
         QStringLiteral("--variant"), QStringLiteral("request=idr")},
        {QStringLiteral("--variant: request is given twice, as \"fifo\" and \"idr\"")});
    row("explore variant twice, two values",
        {explore, small, QStringLiteral("--variant"), QStringLiteral("argument=lock"),
         QStringLiteral("--variant"), QStringLiteral("argument=none")},
        {QStringLiteral("--variant: argument is given twice")});
    // export shaping without an export: it would be ignored, unchecked
    row("run --from without an export", {run, def, QStringLiteral("--from"), QStringLiteral("50")},
        {QStringLiteral("--from shapes the text timeline and the Chrome trace")});
    row("run --lane without an export",
        {run, def, QStringLiteral("--capture"), QStringLiteral("x.json"), QStringLiteral("--lane"),
         QStringLiteral("obj9")},
        {QStringLiteral("--lane shapes the text timeline")});
    row("explore jobs zero", {explore, small, QStringLiteral("--jobs"), QStringLiteral("0")},
        {QStringLiteral("--jobs: \"0\" is not a whole number from 1 to 256")});
    row("explore jobs too many", {explore, small, QStringLiteral("--jobs"), QStringLiteral("1000")},
        {QStringLiteral("--jobs: \"1000\" is not a whole number from 1 to 256")});
    row("explore max-depth negative",
        {explore, small, QStringLiteral("--max-depth"), QStringLiteral("-1")},
        {QStringLiteral("--max-depth: \"-1\"")});
    row("explore memory zero", {explore, small, QStringLiteral("--memory"), QStringLiteral("0")},
        {QStringLiteral("--memory: \"0\"")});
    row("explore max-states overflow",
        {explore, small, QStringLiteral("--max-states"), QStringLiteral("99999999999999999999999")},
        {QStringLiteral("--max-states")});
    row("explore unknown strategy",
        {explore, small, QStringLiteral("--strategy"), QStringLiteral("astar")},
        {QStringLiteral("unknown strategy \"astar\" (allowed: bfs, dfs)")});
    row("explore without scenario", {explore}, {QStringLiteral("SCENARIO")});
    row("version with an argument", {QStringLiteral("--version"), QStringLiteral("extra")},
        {QStringLiteral("--version takes no argument (got \"extra\")")});
    // the other kind of file: said so, with the command that takes it
    const QString capture = dataPath(QStringLiteral("captures/model1-default.json"));
    const QString scenarioFile = dataPath(QStringLiteral("cli/send-twice.json"));
    row("run given a capture", {run, capture},
        {capture, QStringLiteral("format: this is a teescope capture, not a scenario"),
         QStringLiteral("'teescope-cli replay'")});
    row("explore given a capture", {explore, capture},
        {QStringLiteral("this is a teescope capture, not a scenario")});
    row("replay given a scenario", {QStringLiteral("replay"), scenarioFile},
        {scenarioFile, QStringLiteral("format: missing: this is a scenario, not a capture"),
         QStringLiteral("'teescope-cli run'")});
    row("replay without capture", {QStringLiteral("replay")}, {QStringLiteral("CAPTURE")});
    const QString missing = QDir::tempPath() + QStringLiteral("/teescope-no-such-capture.json");
    row("replay missing capture", {QStringLiteral("replay"), missing}, {missing});
    // A scenario is not a capture.
    const QString notCapture =
        QStringLiteral(TEESCOPE_SOURCE_DIR "/resources/scenarios/default.json");
    if (QFileInfo::exists(notCapture))
        row("replay non-capture", {QStringLiteral("replay"), notCapture}, {notCapture});

    // Malformed captures: the corpus of tests/data/bad-captures.
    const QDir badCaptures(dataPath(QStringLiteral("bad-captures")));
    for (const QString &file :
         badCaptures.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        const QString path = badCaptures.filePath(file);
        QTest::addRow("bad capture %s", qPrintable(file))
            << QStringList{QStringLiteral("replay"), path} << QStringList{path};
    }

    // Malformed scenario files: the corpus of tests/data/bad-scenarios.
    const QDir bad(dataPath(QStringLiteral("bad-scenarios")));
    const QStringList files = bad.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString &file : files) {
        const QString path = bad.filePath(file);
        QTest::addRow("bad scenario %s", qPrintable(file))
            << QStringList{run, path} << QStringList{path};
        QTest::addRow("bad scenario %s as capture", qPrintable(file))
            << QStringList{QStringLiteral("replay"), path} << QStringList{path};
    }
}

void TestCli::badUsage()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, culprits);
    const CliResult r = runCli(args);
    VERIFY_EXIT(r, 2);
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    QVERIFY(r.err.startsWith(QLatin1String("teescope-cli: ")));
    for (const QString &culprit : culprits)
        QVERIFY2(r.err.contains(culprit), qPrintable(culprit + QLatin1String(" not in: ") + r.err));
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1); // one message, not a dump
}

void TestCli::unwritableOutput_data()
{
    unwritableRows({"--capture", "--chrome", "--text"});
}

void TestCli::unwritableOutput()
{
    QFETCH(QString, option);
    QFETCH(bool, intoDirectory);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString target;
    if (intoDirectory) {
        target = tmp.filePath(QStringLiteral("existing-dir"));
        QVERIFY(QDir().mkdir(target));
    } else {
        target = tmp.filePath(QStringLiteral("missing/out.json"));
    }
    const CliResult r = runCli({QStringLiteral("run"), QStringLiteral("default"), option, target});
    VERIFY_EXIT(r, 2);
    QVERIFY2(r.err.contains(target), qPrintable(r.err));
    QVERIFY2(r.err.contains(option), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    // Nothing half-written anywhere: the directory holds what it held before.
    const QStringList left =
        QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
    QCOMPARE(left, intoDirectory ? QStringList{QStringLiteral("existing-dir")} : QStringList{});
    if (intoDirectory)
        QVERIFY(QDir(target).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden));
}

void TestCli::exportsWritten()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString chrome = tmp.filePath(QStringLiteral("trace.json"));
    const QString text = tmp.filePath(QStringLiteral("timeline.txt"));
    const CliResult r =
        runCli({QStringLiteral("run"), QStringLiteral("default"), QStringLiteral("--chrome"),
                chrome, QStringLiteral("--text"), text});
    VERIFY_EXIT(r, 0);
    QFile chromeFile(chrome);
    QVERIFY(chromeFile.open(QIODevice::ReadOnly));
    QJsonParseError error;
    QJsonDocument::fromJson(chromeFile.readAll(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QFile textFile(text);
    QVERIFY(textFile.open(QIODevice::ReadOnly));
    QVERIFY(textFile.size() > 0);
}

void TestCli::captureReplays_data()
{
    QTest::addColumn<QStringList>("runArgs");
    for (const QString &name : builtinNames())
        QTest::newRow(qPrintable(name)) << QStringList{name};
    QTest::newRow("default random seed 3")
        << QStringList{QStringLiteral("default"), QStringLiteral("--policy"),
                       QStringLiteral("random"), QStringLiteral("--seed"), QStringLiteral("3")};
    QTest::newRow("send-twice (violation)")
        << QStringList{dataPath(QStringLiteral("cli/send-twice.json"))};
    QTest::newRow("default variant request=idr") << QStringList{
        QStringLiteral("default"), QStringLiteral("--variant"), QStringLiteral("request=idr")};
}

// Every built-in, violations included, replays to the same events.
void TestCli::captureReplays()
{
    QFETCH(QStringList, runArgs);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString capture = tmp.filePath(QStringLiteral("capture.json"));
    const CliResult ran =
        runCli(QStringList{QStringLiteral("run")} + runArgs +
               QStringList{QStringLiteral("--json"), QStringLiteral("--capture"), capture});
    QCOMPARE(ran.status, QProcess::NormalExit);
    const QJsonObject summary = QJsonDocument::fromJson(ran.out.toUtf8()).object();
    QVERIFY2(!summary.isEmpty(), qPrintable(ran.err));
    // Exit 1 exactly when the summary lists a violation.
    const bool ok = summary.value(QLatin1String("ok")).toBool();
    QCOMPARE(ok,
             summary.value(QLatin1String("violations")).toArray().isEmpty() &&
                 summary.value(QLatin1String("stopReason")).toString() != QLatin1String("stuck"));
    VERIFY_EXIT(ran, ok ? 0 : 1);
    QVERIFY(QFileInfo::exists(capture));

    const CliResult replayed = runCli({QStringLiteral("replay"), capture});
    VERIFY_EXIT(replayed, 0);
    QVERIFY2(replayed.out.contains(QLatin1String("identical")), qPrintable(replayed.out));
    const QString events = QString::number(summary.value(QLatin1String("eventTotal")).toInteger()) +
                           QLatin1String(" events");
    QVERIFY2(replayed.out.contains(events), qPrintable(replayed.out));
    const qsizetype violations = summary.value(QLatin1String("violations")).toArray().size();
    const QString violationText = QStringLiteral("%1 violation%2")
                                      .arg(violations)
                                      .arg(violations == 1 ? QString() : QStringLiteral("s"));
    QVERIFY2(replayed.out.contains(violationText), qPrintable(replayed.out));
}

void TestCli::tamperedCaptureDiverges_data()
{
    QTest::addColumn<QString>("field");
    QTest::newRow("kind") << QStringLiteral("kind");
    QTest::newRow("step") << QStringLiteral("step");
    QTest::newRow("thread") << QStringLiteral("thread");
}

void TestCli::tamperedCaptureDiverges()
{
    QFETCH(QString, field);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString capture = tmp.filePath(QStringLiteral("capture.json"));
    VERIFY_EXIT(runCli({QStringLiteral("run"), QStringLiteral("default"),
                        QStringLiteral("--capture"), capture}),
                0);

    QJsonObject doc = readJsonObject(capture);
    QJsonArray events = doc.value(QLatin1String("events")).toArray();
    QVERIFY(events.size() > 4);
    // Tamper with an event in the middle; the file stays well-formed (a note
    // needs no other field, steps stay non-decreasing) so only replay can tell.
    qsizetype index = events.size() / 2;
    while (index < events.size() &&
           events.at(index).toObject().value(QLatin1String("kind")).toString() ==
               QLatin1String("note"))
        ++index;
    QVERIFY(index < events.size());
    QJsonObject event = events.at(index).toObject();
    const qint64 step = event.value(QLatin1String("step")).toInteger();
    if (field == QLatin1String("thread")) {
        // an event whose sentence does not show its thread: a context
        // reference (the two lines printed the same before)
        index = 0;
        while (index < events.size() &&
               events.at(index).toObject().value(QLatin1String("kind")).toString() !=
                   QLatin1String("context_get"))
            ++index;
        QVERIFY(index < events.size());
        event = events.at(index).toObject();
        const int thread = event.value(QLatin1String("thread")).toInt(-1);
        event.insert(QStringLiteral("thread"), thread == 1 ? 0 : 1);
        event.remove(QStringLiteral("thread_name"));
        events.replace(index, event);
        doc.insert(QStringLiteral("events"), events);
        QVERIFY(writeJson(capture, doc));
        const CliResult r = runCli({QStringLiteral("replay"), capture});
        VERIFY_EXIT(r, 1);
        QVERIFY2(r.out.contains(QLatin1String("thread differs")), qPrintable(r.out + r.err));
        const QStringList lines = r.out.split(QLatin1Char('\n'));
        QString cap, rep;
        for (const QString &l : lines) {
            if (l.startsWith(QLatin1String("  capture: ")))
                cap = l.mid(11);
            if (l.startsWith(QLatin1String("  replay:  ")))
                rep = l.mid(11);
        }
        QVERIFY2(!cap.isEmpty() && cap != rep, qPrintable(r.out));
        QVERIFY2(cap.contains(QLatin1String("[thread ")), qPrintable(r.out));
        return;
    }
    if (field == QLatin1String("kind")) {
        const QString kind = event.value(QLatin1String("kind")).toString();
        QVERIFY(!kind.isEmpty());
        event.insert(QStringLiteral("kind"), QStringLiteral("note"));
    } else {
        // Move the last event of a step one step on, before the next step's
        // events: still ordered and inside the schedule, but wrong.
        while (index + 1 < events.size() &&
               events.at(index + 1).toObject().value(QLatin1String("step")).toInteger() == step)
            ++index;
        QVERIFY(index + 1 < events.size());
        event = events.at(index).toObject();
        event.insert(QStringLiteral("step"), step + 1);
    }
    events.replace(index, event);
    doc.insert(QStringLiteral("events"), events);
    QVERIFY(writeJson(capture, doc));

    const CliResult r = runCli({QStringLiteral("replay"), capture});
    VERIFY_EXIT(r, 1);
    const QString expected = QStringLiteral("diverged at step %1").arg(step);
    QVERIFY2(r.out.contains(expected), qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains(QLatin1String("capture:")) && r.out.contains(QLatin1String("replay:")),
             qPrintable(r.out));
}

// The spans (each step's times, thread and verb) are what the exports draw:
// a capture whose events replay but whose spans were edited is refused
// (exit 2, naming the span), as one whose "stop" was.
void TestCli::editedSpansAreRefused()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString capture = tmp.filePath(QStringLiteral("capture.json"));
    VERIFY_EXIT(runCli({QStringLiteral("run"), QStringLiteral("default"),
                        QStringLiteral("--capture"), capture}),
                0);
    QJsonObject doc = readJsonObject(capture);
    QJsonArray spans = doc.value(QLatin1String("spans")).toArray();
    QVERIFY(spans.size() > 3);
    QJsonArray third = spans.at(2).toArray();
    third.replace(1, third.at(1).toInteger() + 1); // its end, 1 ns later
    spans.replace(2, third);
    doc.insert(QStringLiteral("spans"), spans);
    QVERIFY(writeJson(capture, doc));
    const CliResult r = runCli({QStringLiteral("replay"), capture});
    VERIFY_EXIT(r, 2);
    QVERIFY2(r.err.contains(QLatin1String("spans[2] (step 3): the file says")), qPrintable(r.err));
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
}

// tests/data/hostile (make-hostile.py): files written to hurt the readers.
// Through `run` (scenarios) and `replay` (everything): exit 2, exactly one
// clean line on stderr naming the file and the place, nothing on stdout, no
// output file created and the input unchanged.
void TestCli::hostileFiles_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("says");
    // The place (and the telling part) each file's message must name.
    const QMap<QString, QStringList> expected{
        {QStringLiteral("c-embedded-duplicate-op-key"),
         {QStringLiteral("scenario: qtee.services[0].ops."), QStringLiteral("\"007\"")}},
        {QStringLiteral("c-embedded-title-forged-line"),
         {QStringLiteral("scenario: title:"), QStringLiteral("\\n")}},
        {QStringLiteral("c-format-forged-line"),
         {QStringLiteral(": format:"), QStringLiteral("\\nteescope-cli")}},
        {QStringLiteral("c-kind-ansi"),
         {QStringLiteral("events[1].kind:"), QStringLiteral("\\x1b[2J")}},
        {QStringLiteral("c-kind-huge"),
         {QStringLiteral("events[1].kind:"), QStringLiteral("(100000 bytes)")}},
        {QStringLiteral("c-max-steps-over-limit"),
         {QStringLiteral(": max_steps:"), QStringLiteral("100000001")}},
        {QStringLiteral("c-max-steps-zero"), {QStringLiteral(": max_steps:")}},
        {QStringLiteral("c-policy-bidi"), {QStringLiteral(": policy:"), QStringLiteral("\\u202e")}},
        {QStringLiteral("c-schedule-label-forged-line"),
         {QStringLiteral("schedule[0]:"), QStringLiteral("\\nteescope-cli")}},
        {QStringLiteral("c-schedule-longer-than-max-steps"),
         {QStringLiteral(": schedule:"), QStringLiteral("max_steps (2)")}},
        {QStringLiteral("c-seed-1e30"),
         {QStringLiteral(": seed:"), QStringLiteral("1000000000000000019884624838656")}},
        {QStringLiteral("s-description-bell"),
         {QStringLiteral(": description:"), QStringLiteral("\\x07")}},
        {QStringLiteral("s-description-c1"),
         {QStringLiteral(": description:"), QStringLiteral("\\u0085")}},
        {QStringLiteral("s-duplicate-op-key"),
         {QStringLiteral("qtee.services[0].ops."), QStringLiteral("\"01\""),
          QStringLiteral("\"1\"")}},
        {QStringLiteral("s-huge-key"),
         {QStringLiteral("unknown key"), QStringLiteral("(100000 bytes)")}},
        {QStringLiteral("s-invalid-utf8"), {QStringLiteral("line 3, column")}},
        {QStringLiteral("s-duplicate-key"),
         {QStringLiteral("line 31, column 2: duplicate key \"processes\""),
          QStringLiteral("line 30, column 2")}},
        {QStringLiteral("s-duplicate-key-escaped"),
         {QStringLiteral("line 4, column 2: duplicate key \"title\"")}},
        {QStringLiteral("c-duplicate-key"), {QStringLiteral(": duplicate key \"notes\"")}},
        {QStringLiteral("s-key-osc-escape"), {QStringLiteral("\\x1b]0;pwned\\x07")}},
        {QStringLiteral("s-max-steps-over-limit"), {QStringLiteral(": max_steps:")}},
        {QStringLiteral("s-max-steps-past-64-bits"),
         {QStringLiteral(": max_steps:"), QStringLiteral("100000000000000000000")}},
        {QStringLiteral("s-name-bidi"), {QStringLiteral(": name:"), QStringLiteral("\\u202e")}},
        {QStringLiteral("s-name-del"), {QStringLiteral(": name:"), QStringLiteral("\\x7f")}},
        {QStringLiteral("s-schedule-label-newline"),
         {QStringLiteral("schedule[0]:"), QStringLiteral("\\nteescope-cli")}},
        {QStringLiteral("s-seed-2-63"),
         {QStringLiteral(": seed:"), QStringLiteral("9223372036854775808")}},
        {QStringLiteral("s-title-ansi"), {QStringLiteral(": title:"), QStringLiteral("\\x1b")}},
        {QStringLiteral("s-title-forged-line"),
         {QStringLiteral(": title:"), QStringLiteral("\\n")}},
    };
    const QDir dir(dataPath(QStringLiteral("hostile")));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    QVERIFY2(files.size() == expected.size(), "tests/data/hostile and this table disagree");
    for (const QString &file : files) {
        const QString base = file.chopped(5);
        QVERIFY2(expected.contains(base), qPrintable(file + QLatin1String(" has no expectation")));
        if (file.startsWith(QLatin1String("s-")))
            QTest::addRow("run %s", qPrintable(base))
                << QStringLiteral("run") << file << expected.value(base);
        // A scenario given to replay is not a capture: its "format" is
        // missing, unless the JSON text itself is refused first.
        const bool textRefused = base == QLatin1String("s-invalid-utf8") ||
                                 base.startsWith(QLatin1String("s-duplicate-key"));
        const QStringList replaySays = file.startsWith(QLatin1String("s-")) && !textRefused
                                           ? QStringList{QStringLiteral(": format: missing")}
                                           : expected.value(base);
        QTest::addRow("replay %s", qPrintable(base))
            << QStringLiteral("replay") << file << replaySays;
    }
}

void TestCli::hostileFiles()
{
    QFETCH(QString, command);
    QFETCH(QString, file);
    QFETCH(QStringList, says);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    // Work on a copy next to where the outputs would go, so "nothing
    // created or changed" covers both.
    QVERIFY(QFile::copy(dataPath(QStringLiteral("hostile/")) + file, tmp.filePath(file)));
    QStringList args{command, file};
    if (command == QLatin1String("run"))
        args << QStringLiteral("--capture") << QStringLiteral("out.capture.json")
             << QStringLiteral("--chrome") << QStringLiteral("out.chrome.json")
             << QStringLiteral("--text") << QStringLiteral("out.txt");
    const auto before = snapshot(tmp.path());
    const CliResult r = runCli(args, tmp.path());
    VERIFY_EXIT(r, 2);
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    QVERIFY2(oneCleanLine(r.err), qPrintable(r.err));
    QVERIFY2(r.err.startsWith(QLatin1String("teescope-cli: ") + file + QLatin1String(": ")),
             qPrintable(r.err));
    for (const QString &s : says)
        QVERIFY2(r.err.contains(s), qPrintable(s + QLatin1String(" not in: ") + r.err));
    QCOMPARE(snapshot(tmp.path()), before);
}

// Command lines that used to hang, clobber or leave half of their outputs.
// Placeholders: @T@ the temporary directory (holding scen.json, a scenario;
// cap.json, a capture; old.txt, an existing output; fifo; dir.json, a
// directory; link.json -> scen.json; hard.json, a hard link to scen.json).
void TestCli::hostileCommandLines_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("says");
    const QString run = QStringLiteral("run");
    const QString replay = QStringLiteral("replay");
    auto row = [](const char *name, const QStringList &args, const QStringList &says) {
        QTest::newRow(name) << args << says;
    };
    const QString def = QStringLiteral("default");
    const QString cap = QStringLiteral("--capture");
    const QString chrome = QStringLiteral("--chrome");
    const QString text = QStringLiteral("--text");
    row("replay fifo", {replay, QStringLiteral("@T@/fifo")}, {QStringLiteral("a FIFO")});
    row("run fifo", {run, QStringLiteral("@T@/fifo")}, {QStringLiteral("a FIFO")});
    row("replay /dev/zero", {replay, QStringLiteral("/dev/zero")},
        {QStringLiteral("/dev/zero: cannot read: not a regular file (a character device)")});
    row("run /dev/zero", {run, QStringLiteral("/dev/zero")},
        {QStringLiteral("/dev/zero: cannot read")});
    row("replay directory", {replay, QStringLiteral("@T@")}, {QStringLiteral("is a directory")});
    row("run directory", {run, QStringLiteral("@T@/dir.json")},
        {QStringLiteral("dir.json: cannot read: is a directory")});
    row("run empty", {run, QString()}, {QStringLiteral("the SCENARIO argument is empty")});
    row("replay empty", {replay, QString()}, {QStringLiteral("the CAPTURE argument is empty")});
    row("run name with newline", {run, QStringLiteral("no\nsuch")},
        {QStringLiteral("no\\nsuch: no built-in scenario")});
    row("capture is the input",
        {run, QStringLiteral("@T@/scen.json"), cap, QStringLiteral("@T@/scen.json")},
        {QStringLiteral("--capture: "), QStringLiteral("is the input file")});
    row("text is the input via ./",
        {run, QStringLiteral("@T@/scen.json"), text, QStringLiteral("@T@/./dir.json/../scen.json")},
        {QStringLiteral("--text: "), QStringLiteral("is the input file")});
    row("chrome is a link to the input",
        {run, QStringLiteral("@T@/scen.json"), chrome, QStringLiteral("@T@/link.json")},
        {QStringLiteral("--chrome: "), QStringLiteral("is the input file")});
    row("chrome is a hard link to the input",
        {run, QStringLiteral("@T@/scen.json"), chrome, QStringLiteral("@T@/hard.json")},
        {QStringLiteral("--chrome: "), QStringLiteral("is the input file")});
    row("two outputs one file",
        {run, def, cap, QStringLiteral("@T@/a.json"), text, QStringLiteral("@T@/a.json")},
        {QStringLiteral("--text: "), QStringLiteral("same file as --capture")});
    row("two outputs one file via ..",
        {run, def, cap, QStringLiteral("@T@/old.txt"), chrome,
         QStringLiteral("@T@/dir.json/../old.txt")},
        {QStringLiteral("--chrome: "), QStringLiteral("same file as --capture")});
    row("output in a missing directory",
        {run, def, cap, QStringLiteral("@T@/good.json"), chrome,
         QStringLiteral("/nonexistent-teescope-dir/t.json")},
        {QStringLiteral("--chrome: /nonexistent-teescope-dir/t.json"),
         QStringLiteral("does not exist")});
    row("existing output kept when another fails",
        {run, def, text, QStringLiteral("@T@/old.txt"), cap, QStringLiteral("@T@/missing/c.json")},
        {QStringLiteral("--capture: "), QStringLiteral("does not exist")});
    row("output is a directory",
        {run, def, cap, QStringLiteral("@T@/good.json"), text, QStringLiteral("@T@/dir.json")},
        {QStringLiteral("--text: "), QStringLiteral("is a directory")});
    row("output is a fifo", {run, def, chrome, QStringLiteral("@T@/fifo")},
        {QStringLiteral("--chrome: "), QStringLiteral("a FIFO")});
    row("two outputs to standard output",
        {run, def, QStringLiteral("--text"), QStringLiteral("-"), QStringLiteral("--chrome"),
         QStringLiteral("-")},
        {QStringLiteral("--text: -: standard output is already --chrome's")});
    row("standard output and a missing directory",
        {run, def, QStringLiteral("--text"), QStringLiteral("-"), cap,
         QStringLiteral("/nonexistent-teescope-dir/c.json")},
        {QStringLiteral("--capture: "), QStringLiteral("does not exist")});
    row("output empty",
        {run, def, QStringLiteral("--text="), QStringLiteral("--chrome"),
         QStringLiteral("@T@/c.json")},
        {QStringLiteral("--text: \"\": empty file name")});
    row("max-steps 2^64-1",
        {run, def, QStringLiteral("--max-steps"), QStringLiteral("18446744073709551615")},
        {QStringLiteral("--max-steps"), QStringLiteral("1 to 100000000")});
    row("max-steps 10^9", {run, def, QStringLiteral("--max-steps"), QStringLiteral("1000000000")},
        {QStringLiteral("--max-steps"), QStringLiteral("\"1000000000\"")});
    row("max-steps one past the limit",
        {run, def, QStringLiteral("--max-steps"), QStringLiteral("100000001")},
        {QStringLiteral("--max-steps")});
    row("max-steps past 64 bits",
        {run, def, QStringLiteral("--max-steps"), QStringLiteral("99999999999999999999999")},
        {QStringLiteral("--max-steps"), QStringLiteral("99999999999999999999999")});
    row("seed past 64 bits",
        {run, def, QStringLiteral("--seed"), QStringLiteral("18446744073709551616")},
        {QStringLiteral("--seed"), QStringLiteral("18446744073709551616")});
    row("option with escape", {run, def, QStringLiteral("--fr\x1b[2Job")},
        {QStringLiteral("\\x1b[2J")});
    row("command with newline", {QStringLiteral("li\nst")}, {QStringLiteral("\"li\\nst\"")});
    row("huge argument", {run, QString(100000, QLatin1Char('x'))},
        {QStringLiteral("(100000 bytes)")});
    row("variant with newline",
        {run, def, QStringLiteral("--variant"), QStringLiteral("gaps=a\nb")},
        {QStringLiteral("\"a\\nb\"")});
}

void TestCli::hostileCommandLines()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, says);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString scen = tmp.filePath(QStringLiteral("scen.json"));
    QVERIFY(
        QFile::copy(QStringLiteral(TEESCOPE_SOURCE_DIR "/resources/scenarios/default.json"), scen));
    VERIFY_EXIT(runCli({QStringLiteral("run"), QStringLiteral("default"),
                        QStringLiteral("--capture"), tmp.filePath(QStringLiteral("cap.json"))}),
                0);
    QFile old(tmp.filePath(QStringLiteral("old.txt")));
    QVERIFY(old.open(QIODevice::WriteOnly) && old.write("the reviewer's old text\n") > 0);
    old.close();
    QCOMPARE(::mkfifo(QFile::encodeName(tmp.filePath(QStringLiteral("fifo"))).constData(), 0600),
             0);
    QVERIFY(QDir(tmp.path()).mkdir(QStringLiteral("dir.json")));
    QVERIFY(QFile::link(scen, tmp.filePath(QStringLiteral("link.json"))));
    QCOMPARE(::link(QFile::encodeName(scen).constData(),
                    QFile::encodeName(tmp.filePath(QStringLiteral("hard.json"))).constData()),
             0);
    for (QString &a : args)
        a.replace(QLatin1String("@T@"), tmp.path());

    const auto before = snapshot(tmp.path());
    const CliResult r = runCli(args, tmp.path());
    VERIFY_EXIT(r, 2);
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    QVERIFY2(oneCleanLine(r.err), qPrintable(r.err));
    QVERIFY2(r.err.startsWith(QLatin1String("teescope-cli: ")), qPrintable(r.err));
    for (QString s : says) {
        s.replace(QLatin1String("@T@"), tmp.path());
        QVERIFY2(r.err.contains(s), qPrintable(s + QLatin1String(" not in: ") + r.err));
    }
    QCOMPARE(snapshot(tmp.path()), before);
}

// A capture whose events replay identically but whose header claims another
// ending was edited: refused (exit 2) naming "stop" or "stop_detail".
void TestCli::forgedStopRefused_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<int>("keepSteps"); // cut the schedule to this many steps (-1: keep)
    QTest::newRow("finished says stuck") << QStringLiteral("default") << QStringLiteral("stop")
                                         << QJsonValue(QStringLiteral("stuck")) << -1;
    QTest::newRow("finished says max-steps") << QStringLiteral("default") << QStringLiteral("stop")
                                             << QJsonValue(QStringLiteral("max-steps")) << -1;
    QTest::newRow("one step says stuck") << QStringLiteral("default") << QStringLiteral("stop")
                                         << QJsonValue(QStringLiteral("stuck")) << 1;
    QTest::newRow("one step says finished") << QStringLiteral("default") << QStringLiteral("stop")
                                            << QJsonValue(QStringLiteral("finished")) << 1;
    QTest::newRow("forged detail")
        << QStringLiteral("default") << QStringLiteral("stop_detail")
        << QJsonValue(QStringLiteral("P1/T1 waits on nothing\nteescope-cli: forged")) << -1;
    QTest::newRow("stuck says finished")
        << dataPath(QStringLiteral("cli/no-supplicant.json")) << QStringLiteral("stop")
        << QJsonValue(QStringLiteral("finished")) << -1;
}

void TestCli::forgedStopRefused()
{
    QFETCH(QString, scenario);
    QFETCH(QString, field);
    QFETCH(QJsonValue, value);
    QFETCH(int, keepSteps);
    QTemporaryDir tmp;
    const QString capture = tmp.filePath(QStringLiteral("capture.json"));
    const CliResult ran =
        runCli({QStringLiteral("run"), scenario, QStringLiteral("--capture"), capture});
    QVERIFY2(ran.exitCode == 0 || ran.exitCode == 1, qPrintable(ran.err));
    QVERIFY(runCli({QStringLiteral("replay"), capture}).exitCode == 0);
    QJsonObject doc = readJsonObject(capture);
    QVERIFY2(keepSteps >= 0 || doc.value(field) != value, "the capture already says so");
    if (keepSteps >= 0) {
        QJsonArray schedule = doc.value(QLatin1String("schedule")).toArray();
        while (schedule.size() > keepSteps)
            schedule.removeLast();
        QJsonArray events;
        for (const QJsonValue e : doc.value(QLatin1String("events")).toArray())
            if (e.toObject().value(QLatin1String("step")).toInteger() <= keepSteps)
                events.append(e);
        QJsonArray spans = doc.value(QLatin1String("spans")).toArray();
        while (spans.size() > keepSteps)
            spans.removeLast();
        doc.insert(QStringLiteral("schedule"), schedule);
        doc.insert(QStringLiteral("spans"), spans);
        doc.insert(QStringLiteral("events"), events);
        doc.insert(QStringLiteral("violations"), QJsonArray());
    }
    doc.insert(field, value);
    QVERIFY(writeJson(capture, doc));
    const CliResult r = runCli({QStringLiteral("replay"), capture});
    VERIFY_EXIT(r, 2);
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    QVERIFY2(oneCleanLine(r.err), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("capture.json: ") + field +
                            QStringLiteral(": the capture says")),
             qPrintable(r.err));
}

// A schedule cut by hand (or, later, by a search) is a capture too: it ends
// while actions are enabled, and says so with "schedule-end".
void TestCli::handCutScheduleReplays()
{
    QTemporaryDir tmp;
    const QString capture = tmp.filePath(QStringLiteral("capture.json"));
    VERIFY_EXIT(runCli({QStringLiteral("run"), QStringLiteral("default"),
                        QStringLiteral("--capture"), capture}),
                0);
    QJsonObject doc = readJsonObject(capture);
    QJsonArray schedule = doc.value(QLatin1String("schedule")).toArray();
    while (schedule.size() > 3)
        schedule.removeLast();
    QJsonArray events;
    for (const QJsonValue e : doc.value(QLatin1String("events")).toArray())
        if (e.toObject().value(QLatin1String("step")).toInteger() <= 3)
            events.append(e);
    QJsonArray spans = doc.value(QLatin1String("spans")).toArray(); // one per step
    while (spans.size() > 3)
        spans.removeLast();
    doc.insert(QStringLiteral("schedule"), schedule);
    doc.insert(QStringLiteral("spans"), spans);
    doc.insert(QStringLiteral("events"), events);
    doc.insert(QStringLiteral("stop"), QStringLiteral("schedule-end"));
    QVERIFY(writeJson(capture, doc));
    const CliResult r = runCli({QStringLiteral("replay"), capture});
    VERIFY_EXIT(r, 0);
    QVERIFY2(r.out.contains(QLatin1String("replay identical: 3 steps")), qPrintable(r.out));
}

// Outputs that exist are replaced whole, with their permissions, and no
// temporary file is left beside them.
void TestCli::existingOutputsReplacedWhole()
{
    QTemporaryDir tmp;
    const QString text = tmp.filePath(QStringLiteral("timeline.txt"));
    const QString chrome = tmp.filePath(QStringLiteral("trace.json"));
    QFile old(text);
    QVERIFY(old.open(QIODevice::WriteOnly) && old.write(QByteArray(100000, 'x')) > 0);
    old.close();
    QVERIFY(QFile::setPermissions(text, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup));
    const CliResult r =
        runCli({QStringLiteral("run"), QStringLiteral("default"), QStringLiteral("--text"), text,
                QStringLiteral("--chrome"), chrome});
    VERIFY_EXIT(r, 0);
    QFile now(text);
    QVERIFY(now.open(QIODevice::ReadOnly));
    const QByteArray contents = now.readAll();
    QVERIFY(!contents.contains("xxxx"));
    QVERIFY(contents.size() < 100000);
    struct stat st
    {};
    QCOMPARE(::stat(QFile::encodeName(text).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, mode_t(0640));
    QCOMPARE(QDir(tmp.path()).entryList(QDir::Files | QDir::Hidden, QDir::Name),
             (QStringList{QStringLiteral("timeline.txt"), QStringLiteral("trace.json")}));
}

// teescope-cli is Qt Core only: no display, no platform plugin, whatever
// QT_QPA_PLATFORM says.
void TestCli::noDisplayNeeded()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    env.insert(QStringLiteral("QT_DEBUG_PLUGINS"), QStringLiteral("1"));
    const CliResult r =
        runCli({QStringLiteral("run"), QStringLiteral("kill-while-processing")}, {}, env);
    QVERIFY2(r.exitCode == 0 || r.exitCode == 1, qPrintable(r.err));
    QVERIFY2(r.out.contains(QLatin1String("scenario   kill-while-processing")), qPrintable(r.out));
    QVERIFY2(!r.err.contains(QLatin1String("platform")), qPrintable(r.err));
}

// "-" as an output is standard output: the export goes there, the summary
// to stderr, and only when the whole command succeeded.
void TestCli::dashIsStandardOutput()
{
    QTemporaryDir tmp;
    const QString capture = tmp.filePath(QStringLiteral("c.json"));
    const CliResult r =
        runCli({QStringLiteral("run"), QStringLiteral("default"), QStringLiteral("--text"),
                QStringLiteral("-"), QStringLiteral("--capture"), capture});
    VERIFY_EXIT(r, 0);
    QVERIFY2(r.out.startsWith(QLatin1String("teescope timeline: default")), qPrintable(r.out));
    QVERIFY2(!r.out.contains(QLatin1String("violations:")), qPrintable(r.out));
    QVERIFY2(r.err.contains(QLatin1String("scenario   default")), qPrintable(r.err));
    QVERIFY(QFileInfo::exists(capture));
    const CliResult chrome = runCli({QStringLiteral("run"), QStringLiteral("default"),
                                     QStringLiteral("--chrome"), QStringLiteral("-")});
    VERIFY_EXIT(chrome, 0);
    QJsonParseError error;
    QJsonDocument::fromJson(chrome.out.toUtf8(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
}

// Captures written by an earlier model (tests/data/captures/model1-*.json,
// teescope 0.1.0, model version 1) still replay where their schedule
// applies; a difference is reported as a model change naming both versions
// (status 1), never as an edited file (status 2). The same defect in a
// capture of the current model is bad input.
void TestCli::olderModelIsAModelChange_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<int>("modelVersion"); // 0: as recorded
    QTest::addColumn<int>("badLabelAt");   // -1: schedule as recorded
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("says");
    // (the current version is the one `teescope-cli --version` reports; not pinned here)
    const QString change = QStringLiteral("model changed: the capture was recorded with model "
                                          "version 1, this teescope has model version ");
    QTest::newRow("default, times differ")
        << QStringLiteral("model1-default.json") << 0 << -1 << 1
        << QStringList{change, QStringLiteral("replay diverged at step"), QStringLiteral(" ns)")};
    // (model version 11: the supplicant's do_exit is a syscall until its
    // last step)
    QTest::newRow("srcu-vs-lock, the exit differs")
        << QStringLiteral("model1-srcu-vs-lock.json") << 0 << -1 << 1
        << QStringList{change, QStringLiteral("kind differs)"),
                       QStringLiteral("app/suppl enters exit")};
    QTest::newRow("a label the model no longer has")
        << QStringLiteral("model1-srcu-vs-lock.json") << 0 << 3 << 1
        << QStringList{change, QStringLiteral("the schedule applies for 3 steps of 25"),
                       QStringLiteral("schedule[3]: \"app/client: frobnicate\" is not enabled")};
    QTest::newRow("the same label in a current capture")
        << QStringLiteral("builtin:srcu-vs-lock") << 0 << 3 << 2
        << QStringList{QStringLiteral("schedule[3]: \"app/client: frobnicate\" is not enabled")};
}

void TestCli::olderModelIsAModelChange()
{
    QFETCH(QString, fixture);
    QFETCH(int, modelVersion);
    QFETCH(int, badLabelAt);
    QFETCH(int, exitCode);
    QFETCH(QStringList, says);
    QTemporaryDir tmp;
    const QString capture = tmp.filePath(QStringLiteral("capture.json"));
    QJsonObject doc;
    if (fixture.startsWith(QLatin1String("builtin:"))) { // a capture of this teescope
        const CliResult ran =
            runCli({QStringLiteral("run"), fixture.mid(8), QStringLiteral("--capture"), capture});
        QVERIFY2(ran.exitCode == 0 || ran.exitCode == 1, qPrintable(ran.err));
        doc = readJsonObject(capture);
        QVERIFY(doc.contains(QLatin1String("model_version")));
    } else {
        doc = readJsonObject(dataPath(QStringLiteral("captures/")) + fixture);
        QVERIFY(!doc.contains(QLatin1String("model_version"))); // written by teescope 0.1.0
    }
    QVERIFY(!doc.isEmpty());
    if (modelVersion)
        doc.insert(QStringLiteral("model_version"), modelVersion);
    if (badLabelAt >= 0) {
        QJsonArray schedule = doc.value(QLatin1String("schedule")).toArray();
        schedule.replace(badLabelAt, QStringLiteral("app/client: frobnicate"));
        doc.insert(QStringLiteral("schedule"), schedule);
    }
    QVERIFY(writeJson(capture, doc));
    const CliResult r = runCli({QStringLiteral("replay"), capture});
    VERIFY_EXIT(r, exitCode);
    const QString text = exitCode == 2 ? r.err : r.out;
    for (const QString &s : says)
        QVERIFY2(text.contains(s), qPrintable(s + QLatin1String(" not in: ") + text));
    if (exitCode == 1)
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
}

// Captures written by teescope at 4dd02c0 (model version 2, before the
// vocabulary): their old labels still name the same actions and their events
// compare equal where both versions record them. model4-missed-wakeup is
// what model version 4 wrote for missed-wakeup: its req_c waits name no
// context (three events), which version 5 adds.
void TestCli::model2CapturesReplay_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<int>("version");
    // (srcu-vs-lock and kill-while-processing: model version 11 draws the
    // killed supplicant's exit after the client's, a time the version 2
    // captures record otherwise: model2CapturesDifferAtTheExit)
    for (const char *n : {"default", "request-id-reuse"})
        QTest::newRow(n) << QStringLiteral("captures/model2-%1.json").arg(QLatin1String(n)) << 2;
    QTest::newRow("model 4, req_c waits")
        << QStringLiteral("captures/model4-missed-wakeup.json") << 4;
    // version 14 locks ctx0 to close it at removal, and names the I9 older
    // request's id: replay drops both
    QTest::newRow("model 13, device removal")
        << QStringLiteral("captures/model13-device-removal.json") << 13;
    QTest::newRow("model 13, an I9 counterexample")
        << QStringLiteral("captures/model13-fifo-idr-counterexample.json") << 13;
}

// The version 2 captures of runs whose process exits with a thread that a
// kill woke: the same schedule and labels; model version 11 has the last
// thread enter do_exit (a syscall until exit_files and close_context are
// done) where version 2 had it exit at once.
void TestCli::model2CapturesDifferAtTheExit_data()
{
    QTest::addColumn<QString>("fixture");
    for (const char *n : {"srcu-vs-lock", "kill-while-processing"})
        QTest::newRow(n) << QStringLiteral("captures/model2-%1.json").arg(QLatin1String(n));
}

void TestCli::model2CapturesDifferAtTheExit()
{
    QFETCH(QString, fixture);
    const CliResult r = runCli({QStringLiteral("replay"), dataPath(fixture)});
    VERIFY_EXIT(r, 1);
    QVERIFY2(r.out.contains(QLatin1String("model changed")) &&
                 r.out.contains(QLatin1String(": kind differs)")) &&
                 r.out.contains(QLatin1String(": app/suppl exits")) &&
                 r.out.contains(QLatin1String(": app/suppl enters exit")),
             qPrintable(r.out));
    // both sides name the same step (they named two different events: the
    // raw lists' index, not the compared lists')
    const auto step = [&r](const char *label) {
        return r.out.section(QLatin1String(label), 1).section(QLatin1Char(':'), 0, 0);
    };
    QVERIFY2(!step("  capture: ").isEmpty() && step("  capture: ") == step("  replay:  "),
             qPrintable(r.out));
}

// An older model's capture whose header claims another ending than its
// schedule gives: a model change (status 1), never "replay identical" with
// status 0, which it was (only the current version's headers were checked;
// a captures audit).
void TestCli::olderCaptureWithAnotherStopIsAModelChange()
{
    QFile in(dataPath(QStringLiteral("captures/model13-device-removal.json")));
    QVERIFY(in.open(QIODevice::ReadOnly));
    QByteArray json = in.readAll();
    QCOMPARE(json.count("\"stop\": \"finished\""), 1);
    json.replace("\"stop\": \"finished\"", "\"stop\": \"stuck\"");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("forged.json"));
    QFile out(path);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(json);
    out.close();
    const CliResult r = runCli({QStringLiteral("replay"), path});
    VERIFY_EXIT(r, 1);
    QVERIFY2(r.out.contains(QLatin1String("model changed")) &&
                 r.out.contains(QLatin1String("the capture says \"stuck\"")) &&
                 !r.out.contains(QLatin1String("replay identical")),
             qPrintable(r.out));
}

// The summary's tables widen to their longest cell: a long run's
// "req#1883PROCESSING" and "USER objref 10 of ctx2refcount 3" ran together
// (a reviewer's reading of the outputs).
void TestCli::summaryColumnsStayApart()
{
    const CliResult r = runCli({QStringLiteral("run"), QStringLiteral("stress")});
    QVERIFY2(r.out.contains(QLatin1String("requests left: ")), qPrintable(r.out));
    static const QRegularExpression together(
        QStringLiteral("req#[0-9]+(QUEUED|PROCESSING|PLACEHOLDER)|ctx[0-9]+refcount|"
                       "obj[0-9]+(TEE|USER|MEM)|step [0-9]+(I[0-9]|gap|app|other)"));
    QVERIFY2(!together.match(r.out).hasMatch(), qPrintable(together.match(r.out).captured(0)));
}

void TestCli::model2CapturesReplay()
{
    QFETCH(QString, fixture);
    QFETCH(int, version);
    const CliResult r = runCli({QStringLiteral("replay"), dataPath(fixture)});
    VERIFY_EXIT(r, 0);
    QVERIFY2(r.out.contains(QLatin1String("replay identical")) &&
                 r.out.contains(QStringLiteral("(recorded with model version %1)").arg(version)),
             qPrintable(r.out));
}

// export writes from a capture what run wrote from the scenario.
void TestCli::exportMatchesRun()
{
    QTemporaryDir tmp;
    const QString capture = tmp.filePath(QStringLiteral("c.json"));
    const QString ranText = tmp.filePath(QStringLiteral("ran.txt"));
    const QString ranChrome = tmp.filePath(QStringLiteral("ran.json"));
    const QStringList range = {QStringLiteral("--from"),  QStringLiteral("4"),
                               QStringLiteral("--to"),    QStringLiteral("15"),
                               QStringLiteral("--lane"),  QStringLiteral("app/client"),
                               QStringLiteral("--lane"),  QStringLiteral("req#1"),
                               QStringLiteral("--width"), QStringLiteral("100")};
    VERIFY_EXIT(runCli(QStringList{QStringLiteral("run"), QStringLiteral("kill-while-processing"),
                                   QStringLiteral("--capture"), capture, QStringLiteral("--text"),
                                   ranText, QStringLiteral("--chrome"), ranChrome} +
                       range),
                0);
    const CliResult text = runCli(QStringList{QStringLiteral("export"), capture,
                                              QStringLiteral("--text"), QStringLiteral("-")} +
                                  range);
    VERIFY_EXIT(text, 0);
    QFile f(ranText);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(text.out, QString::fromUtf8(f.readAll()));
    for (const QString &line : text.out.split(QLatin1Char('\n')))
        QVERIFY2(line.size() <= 100, qPrintable(line));
    // (--width is the text's only: refused with --chrome alone)
    const CliResult chrome = runCli(QStringList{QStringLiteral("export"), capture,
                                                QStringLiteral("--chrome"), QStringLiteral("-")} +
                                    range.mid(0, range.size() - 2));
    VERIFY_EXIT(chrome, 0);
    QFile g(ranChrome);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(chrome.out, QString::fromUtf8(g.readAll()));
    QJsonParseError perr;
    QJsonDocument::fromJson(chrome.out.toUtf8(), &perr);
    QCOMPARE(perr.error, QJsonParseError::NoError);
}

// render draws PNG, SVG and PDF on its own offscreen platform, even where
// a display platform is asked for and none is reachable.
void TestCli::renderPictures()
{
#ifndef TEESCOPE_HAVE_RENDER
    QSKIP("built without the app (TEESCOPE_BUILD_APP=OFF): no render command");
#else
    QTemporaryDir tmp;
    const QString png = tmp.filePath(QStringLiteral("k.png"));
    const QString svg = tmp.filePath(QStringLiteral("k.svg"));
    const QString pdf = tmp.filePath(QStringLiteral("k.pdf"));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(TEESCOPE_CLI),
            {QStringLiteral("render"), QStringLiteral("kill-while-processing"),
             QStringLiteral("--png"), png, QStringLiteral("--svg"), svg, QStringLiteral("--pdf"),
             pdf, QStringLiteral("--width"), QStringLiteral("1200"), QStringLiteral("--height"),
             QStringLiteral("700"), QStringLiteral("--from"), QStringLiteral("3"),
             QStringLiteral("--to"), QStringLiteral("15")});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(p.readAllStandardError().isEmpty(), "render printed on stderr");
    QCOMPARE(QImage(png).size(), QSize(1200, 700));
    QFile s(svg);
    QVERIFY(s.open(QIODevice::ReadOnly));
    const QByteArray text = s.readAll();
    QVERIFY(text.contains("app/client") && text.contains("PROCESSING"));
    QFile d(pdf);
    QVERIFY(d.open(QIODevice::ReadOnly));
    QCOMPARE(d.read(5), QByteArray("%PDF-"));
    // Bad input: nothing written, one line naming the culprit, exit 2.
    const QString out = tmp.filePath(QStringLiteral("x.png"));
    const QString render = QStringLiteral("render");
    const QString def = QStringLiteral("default");
    const QString pngOpt = QStringLiteral("--png");
    const QString badSchedule = dataPath(QStringLiteral("cli/schedule-not-enabled.json"));
    const std::vector<std::pair<QStringList, QString>> bad = {
        {{render, def}, QStringLiteral("nothing to write")},
        {{render, def, pngOpt, out, QStringLiteral("--width"), QStringLiteral("10")},
         QStringLiteral("--width")},
        {{render, def, pngOpt, out, QStringLiteral("--from"), QStringLiteral("99")},
         QStringLiteral("--from: step 99")},
        {{render, QStringLiteral("no-such"), pngOpt, out}, QStringLiteral("no-such")},
        // an SVG under a .png name
        {{render, def, QStringLiteral("--svg"), out}, QStringLiteral("ends in .png")},
        // (the file was not named: "schedule[0]: ..." alone)
        {{render, badSchedule, pngOpt, out},
         QStringLiteral("schedule-not-enabled.json: schedule[0]: ")},
        // Qt's own options are not taken: -platform xcb aborted in
        // QApplication (no display), -reverse was accepted silently.
        // (named whole: it was "-p", the first letter)
        {{render, def, pngOpt, out, QStringLiteral("-platform"), QStringLiteral("xcb")},
         QStringLiteral("unknown option \"-platform\"")},
        {{render, def, pngOpt, out, QStringLiteral("-reverse")},
         QStringLiteral("unknown option \"-reverse\"")},
        // --help-all offered "Qt specific options", which are not taken
        {{render, def, pngOpt, out, QStringLiteral("--help-all")},
         QStringLiteral("unknown option \"--help-all\"")},
        {{render, def, pngOpt, out, QStringLiteral("--variant"), QStringLiteral("lifetime=bogus")},
         QStringLiteral("--variant: unknown value \"bogus\"")},
        {{render, def, pngOpt, out, QStringLiteral("--variant"), QStringLiteral("gaps=fixed"),
          QStringLiteral("--variant"), QStringLiteral("gaps=faithful")},
         QStringLiteral("gaps is given twice")},
    };
    for (const auto &[args, culprit] : bad) {
        const CliResult r = runCli(args);
        VERIFY_EXIT(r, 2);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY2(r.err.contains(culprit), qPrintable(r.err));
        QVERIFY(!QFile::exists(out));
    }
    // A capture is read as one whatever its state or size: a cut one is
    // described by the capture reader (line, column), and one larger than
    // a scenario may be is drawn. Both went to the scenario loader, which
    // named its 16 MiB limit for the large one (an export audit).
    const QString cap = tmp.filePath(QStringLiteral("d.json"));
    VERIFY_EXIT(runCli({QStringLiteral("run"), def, QStringLiteral("--capture"), cap}), 0);
    QFile cf(cap);
    QVERIFY(cf.open(QIODevice::ReadOnly));
    const QByteArray capText = cf.readAll();
    cf.close();
    const QString cut = tmp.filePath(QStringLiteral("cut.json"));
    QVERIFY(writeFile(cut, capText.left(capText.size() / 2)));
    const CliResult broken = runCli({render, cut, pngOpt, out});
    VERIFY_EXIT(broken, 2);
    QVERIFY2(broken.err.contains(QLatin1String("cut.json: line ")) &&
                 !broken.err.contains(QLatin1String("scenario")),
             qPrintable(broken.err));
    QVERIFY(!QFile::exists(out));
    // --variant draws a scenario under another design (a reviewer had to
    // run --capture first); a capture keeps its own
    const QString noneSvg = tmp.filePath(QStringLiteral("none.svg"));
    VERIFY_EXIT(runCli({render, QStringLiteral("memory-object-map"), QStringLiteral("--variant"),
                        QStringLiteral("lifetime=none"), QStringLiteral("--svg"), noneSvg}),
                0);
    QFile none(noneSvg);
    QVERIFY(none.open(QIODevice::ReadOnly));
    const QByteArray noneText = none.readAll();
    QVERIFY(noneText.contains("lifetime=none") && noneText.contains("I6"));
    const CliResult keeps = runCli(
        {render, cap, pngOpt, out, QStringLiteral("--variant"), QStringLiteral("lifetime=none")});
    VERIFY_EXIT(keeps, 2);
    QVERIFY2(keeps.err.contains(QLatin1String("a capture keeps the design it was recorded with")),
             qPrintable(keeps.err));
    QVERIFY(!QFile::exists(out));
    const QString largeCut = tmp.filePath(QStringLiteral("large-cut.json"));
    QVERIFY(writeFile(largeCut, capText.left(capText.size() / 2) + QByteArray(17 << 20, ' ')));
    const CliResult largeBroken = runCli({render, largeCut, pngOpt, out});
    VERIFY_EXIT(largeBroken, 2);
    QVERIFY2(largeBroken.err.contains(QLatin1String("large-cut.json: line ")) &&
                 !largeBroken.err.contains(QLatin1String("16 MiB")),
             qPrintable(largeBroken.err));
    QVERIFY(!QFile::exists(out));
    const QString large = tmp.filePath(QStringLiteral("large.json"));
    QVERIFY(writeFile(large, capText + QByteArray(17 << 20, ' ')));
    const CliResult drawn = runCli({render, large, pngOpt, out});
    VERIFY_EXIT(drawn, 0);
    QVERIFY(QFile::remove(out));
    // ... also with its keys sorted, "format" after megabytes of events (a
    // review: only the first 64 KiB were looked at for the format)
    const QString stress = tmp.filePath(QStringLiteral("stress.json"));
    VERIFY_EXIT(
        runCli({QStringLiteral("run"), QStringLiteral("stress"), QStringLiteral("--max-steps"),
                QStringLiteral("3000"), QStringLiteral("--capture"), stress}),
        0);
    const QByteArray sorted = QJsonDocument(readJsonObject(stress)).toJson();
    QVERIFY(sorted.indexOf("\"format\"") > 1 << 20);
    const QString largeSorted = tmp.filePath(QStringLiteral("large-sorted.json"));
    QVERIFY(writeFile(largeSorted, sorted + QByteArray(17 << 20, ' ')));
    const CliResult drawnSorted = runCli({render, largeSorted, pngOpt, out});
    VERIFY_EXIT(drawnSorted, 0);
    QVERIFY(QFile::exists(out));
#endif
}

// Every command but render is Qt Core only: no display, no platform plugin.
void TestCli::noPlatformPluginNeeded()
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("no-such-platform"));
    env.insert(QStringLiteral("QT_PLUGIN_PATH"), QStringLiteral("/nonexistent"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(TEESCOPE_CLI), {QStringLiteral("run"), QStringLiteral("default"),
                                           QStringLiteral("--text"), QStringLiteral("-")});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardOutput().startsWith("teescope timeline: default"));
}

// A capture's reviewer notes go with its exports: at their step in the text
// timeline, as instants in the Chrome trace.
void TestCli::exportCarriesNotes()
{
    QTemporaryDir tmp;
    const QString capture = tmp.filePath(QStringLiteral("c.json"));
    VERIFY_EXIT(runCli({QStringLiteral("run"), QStringLiteral("default"),
                        QStringLiteral("--capture"), capture}),
                0);
    QJsonObject doc = readJsonObject(capture);
    doc.insert(
        QStringLiteral("notes"),
        QJsonArray{QJsonObject{{QStringLiteral("step"), 6},
                               {QStringLiteral("text"), QStringLiteral("RECV takes it")},
                               {QStringLiteral("entity"), QStringLiteral("req#0")}},
                   QJsonObject{{QStringLiteral("step"), 0},
                               {QStringLiteral("text"), QStringLiteral("read this first")}}});
    QVERIFY(writeJson(capture, doc));
    VERIFY_EXIT(runCli({QStringLiteral("replay"), capture}), 0);
    const CliResult text =
        runCli({QStringLiteral("export"), capture, QStringLiteral("--text"), QStringLiteral("-")});
    VERIFY_EXIT(text, 0);
    QVERIFY2(text.out.contains(QLatin1String("## note on req#0: RECV takes it")),
             qPrintable(text.out));
    QVERIFY2(text.out.contains(QLatin1String("## note (before step 1): read this first")),
             qPrintable(text.out));
    const CliResult chrome = runCli(
        {QStringLiteral("export"), capture, QStringLiteral("--chrome"), QStringLiteral("-")});
    VERIFY_EXIT(chrome, 0);
    QVERIFY(chrome.out.contains(QLatin1String("\"cat\":\"reviewer_note\"")));
    QVERIFY(chrome.out.contains(QLatin1String("RECV takes it")));
    // A note past the schedule is bad input, named.
    doc.insert(QStringLiteral("notes"),
               QJsonArray{QJsonObject{{QStringLiteral("step"), 999},
                                      {QStringLiteral("text"), QStringLiteral("x")}}});
    QVERIFY(writeJson(capture, doc));
    const CliResult bad =
        runCli({QStringLiteral("export"), capture, QStringLiteral("--text"), QStringLiteral("-")});
    VERIFY_EXIT(bad, 2);
    QVERIFY2(bad.err.contains(QLatin1String("notes[0].step")), qPrintable(bad.err));
}

// ctest runs it in two parts (tests/cli/CMakeLists.txt, tests/exceptmain.h):
// under ASan on 2 cores the whole took 186-201 s of its 300.
int main(int argc, char **argv)
{
    return qExecExcept<TestCli>(argc, argv);
}
#include "tst_cli.moc"
