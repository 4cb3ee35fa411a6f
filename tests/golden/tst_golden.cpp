// Golden tests over every built-in scenario. The list comes from
// tee::sim::builtinScenarios() at run time, so whatever resources/scenarios/
// held at build time is covered, and a new scenario fails here until its
// golden timeline is generated (tests/data/golden/README.md).
//
// Per built-in:
// - its text timeline (scenario defaults) equals tests/data/golden/NAME.txt;
// - its capture survives captureToJson -> parseCapture -> replay unchanged;
// - its Chrome trace passes the structural checker of the export tests;
// - its text timeline is reviewable: <= 80 columns, ASCII, ends in a verdict;
// - it runs under every single-dimension variant without getting stuck,
//   unless its description says the run ends stuck.
#include "../simulator/exportcheck.h"

#include "simulator/capture.h"
#include "simulator/exports.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QtTest>

#include <sstream>

using namespace tee;
using namespace tee::sim;

namespace {

// The stress scenario would make a huge golden file; its first 2000 steps
// show the format just as well.
constexpr uint64_t kStressStepCap = 2000;
constexpr uint64_t kVariantMaxSteps = 5000;

bool regenerating()
{
    return qEnvironmentVariable("TEESCOPE_REGENERATE_GOLDEN") == QLatin1String("1");
}

QString goldenDir()
{
    return QStringLiteral(TEESCOPE_TEST_DATA "/golden");
}

QString goldenPath(const std::string &name)
{
    return goldenDir() + QLatin1Char('/') + QString::fromStdString(name) + QStringLiteral(".txt");
}

std::shared_ptr<Scenario> builtin(const std::string &name)
{
    std::string error;
    auto sc = loadBuiltin(name, &error);
    if (!sc)
        qWarning("%s", error.c_str());
    return sc;
}

// The run every golden artifact is made from: the scenario's own defaults.
RunOptions defaultOptions(const Scenario &sc)
{
    RunOptions opts;
    opts.policy = sc.policy;
    opts.seed = sc.seed;
    opts.maxSteps = sc.maxSteps;
    if (sc.name == "stress")
        opts.maxSteps = std::min<uint64_t>(opts.maxSteps, kStressStepCap);
    return opts;
}

std::vector<std::string> splitLines(const std::string &text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// Empty when equal, otherwise "line N: expected "...", actual "..."".
QString firstDifference(const std::string &expected, const std::string &actual)
{
    if (expected == actual)
        return {};
    const auto e = splitLines(expected);
    const auto a = splitLines(actual);
    const size_t n = std::max(e.size(), a.size());
    for (size_t i = 0; i < n; ++i) {
        const bool haveE = i < e.size();
        const bool haveA = i < a.size();
        if (haveE && haveA && e[i] == a[i])
            continue;
        return QStringLiteral("line %1: expected %2, actual %3")
            .arg(i + 1)
            .arg(haveE ? QLatin1Char('"') + QString::fromStdString(e[i]) + QLatin1Char('"')
                       : QStringLiteral("end of file"),
                 haveA ? QLatin1Char('"') + QString::fromStdString(a[i]) + QLatin1Char('"')
                       : QStringLiteral("end of output"));
    }
    // Same lines, so only the final newline differs.
    return QStringLiteral("the files differ only in their final newline");
}

// Field-by-field event equality, naming the first differing field. Written
// here on purpose: the golden test must not trust the comparison helper of
// the code it checks.
QString eventDifference(const Event &x, const Event &y)
{
#define TEESCOPE_FIELD(f)                                                                          \
    if (!(x.f == y.f))                                                                             \
        return QStringLiteral(#f);
    TEESCOPE_FIELD(step)
    TEESCOPE_FIELD(tNs)
    TEESCOPE_FIELD(kind)
    TEESCOPE_FIELD(from)
    TEESCOPE_FIELD(to)
    TEESCOPE_FIELD(objectType)
    TEESCOPE_FIELD(holder)
    TEESCOPE_FIELD(ctxHolder)
    TEESCOPE_FIELD(invariant)
    TEESCOPE_FIELD(gap)
    TEESCOPE_FIELD(process)
    TEESCOPE_FIELD(thread)
    TEESCOPE_FIELD(ctx)
    TEESCOPE_FIELD(object)
    TEESCOPE_FIELD(request)
    TEESCOPE_FIELD(reqId)
    TEESCOPE_FIELD(refcount)
    TEESCOPE_FIELD(holderArg)
    TEESCOPE_FIELD(errno_)
    TEESCOPE_FIELD(value)
    TEESCOPE_FIELD(qteeId)
    TEESCOPE_FIELD(op)
    TEESCOPE_FIELD(userObjectId)
    TEESCOPE_FIELD(actor)
    TEESCOPE_FIELD(other)
    TEESCOPE_FIELD(finding)
    TEESCOPE_FIELD(count)
#undef TEESCOPE_FIELD
    return {};
}

QString eventListDifference(const EventList &expected, const EventList &actual)
{
    const size_t n = std::min(expected.size(), actual.size());
    for (size_t i = 0; i < n; ++i) {
        const QString field = eventDifference(expected[i], actual[i]);
        if (!field.isEmpty())
            return QStringLiteral("event %1 (step %2, %3): field %4 differs")
                .arg(i)
                .arg(expected[i].step)
                .arg(QLatin1String(eventKindName(expected[i].kind)), field);
    }
    if (expected.size() != actual.size())
        return QStringLiteral("%1 events expected, %2 replayed")
            .arg(expected.size())
            .arg(actual.size());
    return {};
}

// "The run would end stuck" describes what a variant of the scenario would do;
// only a plain statement that the run ends stuck allows it.
bool descriptionSaysEndsStuck(const std::string &description)
{
    static const QRegularExpression re(QStringLiteral("\\b(run|scenario|it) (ends|stays) stuck\\b"),
                                       QRegularExpression::CaseInsensitiveOption);
    return re.match(QString::fromStdString(description)).hasMatch();
}

// What a description promises about violations, so a run that contradicts
// its own documentation fails. Only three fixed phrasings are understood:
// "No variant gives a violation" (every run clean) and "No other variant
// gives a violation" / "The other variants give no violation" / "every other
// variant gives none" (every run clean except under the "--variant N=V"
// assignments the description names).
struct ViolationPromise
{
    bool allClean = false;
    bool othersClean = false;
    QSet<QString> named; // "lifetime=none"
    bool promisesClean(const QString &assignment) const
    {
        return allClean || (othersClean && !named.contains(assignment));
    }
};

ViolationPromise violationPromise(const std::string &description)
{
    const QString d = QString::fromStdString(description);
    ViolationPromise p;
    p.allClean = d.contains(QLatin1String("no variant gives a violation"), Qt::CaseInsensitive);
    static const QRegularExpression others(
        QStringLiteral("no other variant gives a violation|the other variants give no violation"
                       "|every other variant gives none"),
        QRegularExpression::CaseInsensitiveOption);
    p.othersClean = others.match(d).hasMatch();
    static const QRegularExpression named(QStringLiteral("--variant (\\w+=\\w+)"));
    for (auto it = named.globalMatch(d); it.hasNext();)
        p.named.insert(it.next().captured(1));
    return p;
}

QString firstViolation(const Trace &trace)
{
    for (const Event &e : trace.events)
        if (e.kind == EventKind::Violation)
            return QStringLiteral("I%1 at step %2: %3")
                .arg(e.invariant)
                .arg(e.step)
                .arg(QString::fromLatin1(vocab::findingName(e.finding)));
    return {};
}

struct Run
{
    std::shared_ptr<Scenario> scenario;
    std::unique_ptr<Simulator> sim;
    RunOptions opts;
    Trace trace;
};

// Runs a built-in with its defaults; fails the current test on any error.
bool runDefault(const std::string &name, Run &out)
{
    out.scenario = builtin(name);
    if (!out.scenario) {
        QTest::qFail(
            qPrintable(QStringLiteral("cannot load built-in %1").arg(QString::fromStdString(name))),
            __FILE__, __LINE__);
        return false;
    }
    out.sim = std::make_unique<Simulator>(out.scenario);
    out.opts = defaultOptions(*out.scenario);
    std::string error;
    out.trace = run(*out.sim, out.opts, &error);
    if (!error.empty()) {
        QTest::qFail(
            qPrintable(QStringLiteral("run of %1 failed: %2")
                           .arg(QString::fromStdString(name), QString::fromStdString(error))),
            __FILE__, __LINE__);
        return false;
    }
    return true;
}

} // namespace

class TestGolden : public QObject
{
    Q_OBJECT

private:
    void scenarioRows()
    {
        QTest::addColumn<QString>("name");
        for (const BuiltinInfo &info : builtinScenarios())
            QTest::newRow(info.name.c_str()) << QString::fromStdString(info.name);
    }

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(teescope_scenarios);
        // A build without scenarios would make every data-driven test vacuous.
        QVERIFY(builtinScenarios().size() >= 2);
        QVERIFY(builtin("default"));
    }

    // The helpers themselves, so a broken comparison cannot hide a mismatch.
    void selfCheck()
    {
        QVERIFY(firstDifference("a\nb\n", "a\nb\n").isEmpty());
        QCOMPARE(firstDifference("a\nb\nc\n", "a\nX\nc\n"),
                 QStringLiteral("line 2: expected \"b\", actual \"X\""));
        QCOMPARE(firstDifference("a\n", "a\nb\n"),
                 QStringLiteral("line 2: expected end of file, actual \"b\""));
        QVERIFY(!firstDifference("a", "a\n").isEmpty());
        Event e1, e2;
        e1.refcount = 2;
        e2.refcount = 2;
        QVERIFY(eventDifference(e1, e2).isEmpty());
        e2.finding = Finding::NotFifo;
        QCOMPARE(eventDifference(e1, e2), QStringLiteral("finding"));
        e2 = e1;
        e2.object = ObjectId(3);
        QCOMPARE(eventDifference(e1, e2), QStringLiteral("object"));
        QVERIFY(descriptionSaysEndsStuck("Without a supplicant the run ends stuck."));
        QVERIFY(!descriptionSaysEndsStuck("a supplicant that gives up would leave the run stuck"));
        const ViolationPromise p = violationPromise(
            "With --variant lifetime=none: I6 violations. No other variant gives a violation.");
        QVERIFY(p.othersClean && !p.allClean);
        QVERIFY(!p.promisesClean(QStringLiteral("lifetime=none")));
        QVERIFY(p.promisesClean(QStringLiteral("default")));
        QVERIFY(violationPromise("No variant gives a violation.")
                    .promisesClean(QStringLiteral("gaps=fixed")));
    }

    // 1. The committed golden timeline of each built-in.
    void goldenTimeline_data() { scenarioRows(); }
    void goldenTimeline()
    {
        QFETCH(QString, name);
        Run r;
        if (!runDefault(name.toStdString(), r))
            return;
        const std::string actual = textTimeline(*r.sim, r.trace);
        const QString path = goldenPath(name.toStdString());
        if (regenerating()) {
            QVERIFY(QDir().mkpath(goldenDir()));
            std::string error;
            QVERIFY2(writeFileAtomically(path.toStdString(), actual, &error), error.c_str());
            QSKIP(qPrintable(QStringLiteral("TEESCOPE_REGENERATE_GOLDEN=1: wrote %1").arg(path)));
        }
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            QFAIL(
                qPrintable(QStringLiteral("%1: missing golden file (%2). Generate it with "
                                          "TEESCOPE_REGENERATE_GOLDEN=1 tst_golden goldenTimeline, "
                                          "see tests/data/golden/README.md")
                               .arg(path, f.errorString())));
        const std::string expected = f.readAll().toStdString();
        const QString diff = firstDifference(expected, actual);
        QVERIFY2(diff.isEmpty(), qPrintable(path + QStringLiteral(": ") + diff));
    }

    // A golden file whose scenario is gone (renamed or removed) is stale.
    void noOrphanGoldenFiles()
    {
        QSet<QString> names;
        for (const BuiltinInfo &info : builtinScenarios())
            names.insert(QString::fromStdString(info.name));
        const QStringList files =
            QDir(goldenDir()).entryList({QStringLiteral("*.txt")}, QDir::Files);
        for (const QString &file : files)
            QVERIFY2(names.contains(QFileInfo(file).completeBaseName()),
                     qPrintable(QStringLiteral("%1/%2 has no built-in scenario; delete it")
                                    .arg(goldenDir(), file)));
    }

    // 2. Capture -> JSON -> capture -> replay gives the same events.
    void captureRoundTrip_data() { scenarioRows(); }
    void captureRoundTrip()
    {
        QFETCH(QString, name);
        Run r;
        if (!runDefault(name.toStdString(), r))
            return;
        QVERIFY(!r.trace.events.empty());
        const std::string json = captureToJson(*r.sim, r.trace, r.opts);
        std::string error;
        const std::string source = "builtin:" + name.toStdString();
        const auto cap = parseCapture(json, source, &error);
        QVERIFY2(cap, error.c_str());
        QVERIFY(cap->scenario);
        QCOMPARE(cap->scenario->name, r.scenario->name);
        QVERIFY(cap->variant == r.sim->engine().variant());
        QCOMPARE(cap->schedule, r.trace.schedule);
        QCOMPARE(int(cap->stop), int(r.trace.stop));
        QString diff = eventListDifference(r.trace.events, cap->events);
        QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("capture events: ") + diff));

        Simulator again(cap->scenario, cap->variant);
        const Trace replayed = replay(again, cap->schedule, &error);
        QVERIFY2(error.empty(), error.c_str());
        diff = eventListDifference(r.trace.events, replayed.events);
        QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("replay: ") + diff));
        QCOMPARE(replayed.violations, r.trace.violations);
    }

    // 3. The Chrome trace of each built-in loads cleanly in Perfetto.
    void chromeStructure_data() { scenarioRows(); }
    void chromeStructure()
    {
        QFETCH(QString, name);
        Run r;
        if (!runDefault(name.toStdString(), r))
            return;
        exportcheck::ChromeStats stats;
        const QString problem = exportcheck::checkChromeTrace(
            QByteArray::fromStdString(chromeTrace(*r.sim, r.trace)), &stats);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // Every thread of the scenario gets a named track.
        QVERIFY(stats.threadNames.size() >= r.scenario->threadCount());
        QVERIFY(stats.slices + stats.asyncPairs > 0);
    }

    // 4. The text timeline fits a mailing-list reply.
    void textTimelineFormat_data() { scenarioRows(); }
    void textTimelineFormat()
    {
        QFETCH(QString, name);
        Run r;
        if (!runDefault(name.toStdString(), r))
            return;
        const std::string text = textTimeline(*r.sim, r.trace);
        const QString problem = exportcheck::checkTextTimeline(text);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // The same three rules stated directly, independent of the checker.
        const auto lines = splitLines(text);
        QVERIFY(!lines.empty());
        for (size_t i = 0; i < lines.size(); ++i) {
            QVERIFY2(lines[i].size() <= 80,
                     qPrintable(
                         QStringLiteral("line %1 has %2 columns").arg(i + 1).arg(lines[i].size())));
            for (char c : lines[i])
                QVERIFY2(static_cast<unsigned char>(c) < 0x80,
                         qPrintable(QStringLiteral("line %1 is not ASCII").arg(i + 1)));
        }
        auto last = lines.rbegin();
        while (last != lines.rend() && last->find_first_not_of(' ') == std::string::npos)
            ++last;
        QVERIFY(last != lines.rend());
        QVERIFY2(last->rfind("verdict:", 0) == 0, last->c_str());
        // The verdict agrees with the run.
        if (r.trace.violations > 0)
            QVERIFY2(last->find("VIOLATED") != std::string::npos, last->c_str());
        else
            QVERIFY2(last->find("invariants held") != std::string::npos, last->c_str());
    }

    // A run with the scenario's own variant keeps its description's promise.
    void defaultRunKeepsPromise_data() { scenarioRows(); }
    void defaultRunKeepsPromise()
    {
        QFETCH(QString, name);
        Run r;
        if (!runDefault(name.toStdString(), r))
            return;
        const ViolationPromise p = violationPromise(r.scenario->description);
        if (!p.allClean && !p.othersClean)
            QSKIP("the description promises nothing about violations");
        if (p.promisesClean(QStringLiteral("default")))
            QVERIFY2(
                r.trace.violations == 0,
                qPrintable(QStringLiteral("description promises no violation, got %1; first: %2")
                               .arg(r.trace.violations)
                               .arg(firstViolation(r.trace))));
    }

    // Each built-in under every single-dimension variant value: no crash, no
    // error, and not stuck unless the scenario says so.
    void variants_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("assignment");
        const char *const assignments[] = {"request=idr",   "argument=srcu", "argument=none",
                                           "lifetime=kref", "lifetime=none", "gaps=fixed"};
        for (const BuiltinInfo &info : builtinScenarios())
            for (const char *a : assignments)
                QTest::addRow("%s %s", info.name.c_str(), a)
                    << QString::fromStdString(info.name) << QString::fromLatin1(a);
    }
    void variants()
    {
        QFETCH(QString, name);
        QFETCH(QString, assignment);
        const auto sc = builtin(name.toStdString());
        QVERIFY(sc);
        Variant v = sc->variant;
        const std::string setError = v.set(assignment.toStdString());
        QVERIFY2(setError.empty(), setError.c_str());
        Simulator sim(sc, v);
        RunOptions opts = defaultOptions(*sc);
        opts.maxSteps = kVariantMaxSteps;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        QVERIFY(!trace.events.empty());
        if (trace.stop == StopReason::Stuck && !descriptionSaysEndsStuck(sc->description))
            QFAIL(qPrintable(QStringLiteral("%1 under %2 ends stuck after %3 steps: %4")
                                 .arg(name, assignment)
                                 .arg(trace.schedule.size())
                                 .arg(QString::fromStdString(trace.stopDetail))));
        if (violationPromise(sc->description).promisesClean(assignment))
            QVERIFY2(
                trace.violations == 0,
                qPrintable(QStringLiteral("description promises no violation under %1, got %2; "
                                          "first: %3")
                               .arg(assignment)
                               .arg(trace.violations)
                               .arg(firstViolation(trace))));
        // The text timeline of a variant run is still reviewable.
        const QString problem = exportcheck::checkTextTimeline(textTimeline(sim, trace, opts));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }
};

QTEST_GUILESS_MAIN(TestGolden)
#include "tst_golden.moc"
