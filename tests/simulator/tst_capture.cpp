// Captures: write/read round trip (events equal field by field), replay of
// a capture's schedule, atomic writes that leave nothing behind on failure,
// and the malformed-capture corpus in tests/data/bad-captures.
#include "simulator/capture.h"
#include "simulator/scenarioloader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <iterator>

using namespace tee;
using namespace tee::sim;

namespace {

std::shared_ptr<Scenario> builtin(const char *name)
{
    std::string error;
    auto sc = loadBuiltin(name, &error);
    if (!sc)
        qWarning("%s", error.c_str());
    return sc;
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// Every kind, with every field set to a non-default value somewhere, so a
// field the writer forgets or the reader drops shows up as a mismatch.
EventList everyKindEvents()
{
    EventList list;
    uint64_t step = 1;
    for (int k = 0; std::string(eventKindName(EventKind(k))) != "?"; ++k) {
        Event e;
        e.step = step;
        e.tNs = int64_t(step) * 1000 + 7;
        e.kind = EventKind(k);
        e.thread = ThreadId(k % 2);
        if (k % 3 == 0)
            e.process = ProcessId(0);
        e.ctx = ContextId(1 + k % 2);
        e.object = ObjectId(k);
        e.request = RequestId(k / 2);
        e.reqId = k % 4;
        e.from = ReqState(k % 6);
        e.to = ReqState((k + 1) % 6);
        e.objectType = ObjectType(k % 3);
        e.holder = HolderKind(k % 9);
        e.ctxHolder = CtxHolderKind(k % 5);
        e.refcount = k % 5;
        e.holderArg = k;
        e.errno_ = k % 2 ? err::kEINVAL : 0;
        e.value = k % 5 - 1;
        e.qteeId = k % 2 ? QCOMTEE_CB_ID_FIRST + uint32_t(k) : uint32_t(k);
        e.op = k % 2 ? QCOMTEE_MSG_OBJECT_OP_RELEASE : uint32_t(k);
        e.userObjectId = k % 7 == 0 ? ~uint64_t(0) - 1 : uint64_t(k); // > INT64_MAX once
        e.invariant = e.kind == EventKind::Violation ? 12 : 0;
        e.gap = e.kind == EventKind::Gap ? 4 : 0;
        e.finding = k % 4 == 0 ? Finding(1 + k % (int(Finding::Count_) - 1)) : Finding::None;
        // a finding event's finding is one of its own (the reader checks)
        if (e.kind == EventKind::Violation)
            e.finding = Finding::ArgReadAfterFree; // I12
        else if (e.kind == EventKind::Gap)
            e.finding = Finding::SendTooFewParams; // gap 4
        else if (e.kind == EventKind::Note)
            e.finding = Finding::ShmFreed;
        e.count = k % 3 == 0 ? k : -1;
        e.actor = k % 2 ? ThreadId(k % 3) : ThreadId();
        e.other = k % 5 == 0 ? RequestId(k) : RequestId();
        list.push_back(e);
        if (k % 3 == 2)
            ++step;
    }
    // Defaults everywhere except the required fields.
    Event bare;
    bare.step = step;
    bare.kind = EventKind::Note;
    list.push_back(bare);
    return list;
}

QString firstDifference(const EventList &a, const EventList &b)
{
    if (a.size() != b.size())
        return QStringLiteral("%1 events vs %2").arg(a.size()).arg(b.size());
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i])
            return QStringLiteral("event %1 (%2) differs")
                .arg(i)
                .arg(QLatin1String(eventKindName(a[i].kind)));
    return {};
}

QStringList filesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
}

// The malformed-capture corpus: file -> what the message must say (after
// "PATH: ").
QList<QPair<const char *, const char *>> badCaptureCases()
{
    return {
        {"empty.json", "empty file"},
        {"truncated.json", "invalid JSON: unterminated string (truncated file?)"},
        {"not-json.json", "invalid JSON: illegal value"},
        {"raw-control-in-string.json",
         "line 107, column 16: a raw control character (U+0009) inside a string: JSON requires "
         "it escaped, as \\t"},
        {"invalid-escape.json", "line 8, column 27: invalid escape \\x in a string (JSON allows"},
        {"top-level-array.json", "(root): expected a JSON object, got an array"},
        {"wrong-format.json", "format: expected \"teescope-capture\", found \"teescope-scenario\""},
        {"missing-format.json", "format: missing"},
        {"future-version.json", "version: unsupported capture version 2"},
        {"version-string.json", "version: expected an integer, found a string"},
        // (the documented ranges, whichever form: it said "0..2147483647")
        {"negative-version.json", "version: unsupported capture version -1"},
        {"negative-max-steps.json", "max_steps: value -1 out of range 1..100000000"},
        {"max-steps-string-zero.json", "max_steps: value \"0\" out of range 1..100000000"},
        {"missing-events.json", "events: missing"},
        {"events-not-array.json", "events: expected an array, found an object"},
        {"event-not-object.json", "events[0]: expected an event object, found a number"},
        {"unknown-event-kind.json", "events[1].kind: unknown event kind \"request_teleport\""},
        {"event-missing-kind.json", "events[2].kind: missing"},
        {"event-step-string.json", "events[0].step: expected an unsigned integer, found \"one\""},
        {"event-fractional-time.json", "events[3].t_ns: expected an integer, found 1000.5"},
        {"event-thread-wrong-type.json", "events[3].thread: expected an integer, found a string"},
        {"bad-request-state.json", "events[7].to: unknown request state \"DONE\""},
        {"request-state-missing-from.json", "events[7].from: missing"},
        {"errno-name-mismatch.json", "events[8].errno.name: \"ENOMEM\" does not match number -22"},
        {"errno-not-object.json", "events[2].errno: expected an errno object"},
        {"errno-missing.json", "events[2].errno: missing"},
        {"bad-qtee-id.json",
         "events[3].qtee_id: expected a hex id like \"0x80000001\", found \"0xZZ\""},
        {"bad-holder.json", "events[6].holder: unknown holder kind \"somebody\""},
        {"ref-missing-refcount.json", "events[6].refcount: missing"},
        {"violation-bad-invariant.json",
         "events[9].invariant: expected an invariant name like \"I12\""},
        {"seed-integer-past-2p63.json",
         "seed: about 18446744073709551616 is out of range (a value above 2^63-1 is written as a "
         "decimal string"},
        {"spans-empty.json", "spans: 0 spans for a schedule of 3 steps: there is one per step"},
        {"violation-unknown-invariant.json",
         "events[9].invariant: no invariant \"I99\" (spec §8 has I1 to I18)"},
        {"violation-finding-of-another.json",
         "events[9].finding: \"not_fifo\" is a finding of I9, not of this I12 violation"},
        {"event-negative-time.json", "events[0].t_ns: value -1 out of range 0.."},
        {"event-thread-unknown.json",
         "events[3].thread: no thread 2147483647 in the embedded scenario (ids 0..2"},
        {"event-process-unknown.json",
         "events[1].process: no process 1 in the embedded scenario (ids 0..0)"},
        {"steps-go-back.json", "events[4].step: step 1 goes back in time"},
        {"event-step-past-schedule.json",
         "events[88].step: step 999 is past the schedule's 20 steps"},
        {"event-without-its-thread.json",
         "events[1].thread: a syscall_enter event names its thread (ids 0..2)"},
        {"negative-seed.json", "seed: value -1 out of range"},
        {"bad-variant-value.json", "variant.request: "},
        {"missing-variant-dimension.json", "variant.gaps: missing"},
        {"bad-policy.json", "policy: unknown policy \"chaotic\""},
        {"bad-stop.json", "stop: unknown stop reason \"exploded\""},
        {"schedule-not-strings.json",
         "schedule[1]: expected an action label string, found a number"},
        {"top-level-string.json", "(root): expected a JSON object, got a string"},
        {"orphan-violation.json", "violations[0]: no violation event of I6 at step 3"},
        {"violations-one-missing.json",
         "violations: lists 0 of 1 violation event: I11 at step 15 (events[76]) is missing"},
        {"violation-listed-twice.json",
         "violations[1]: the violation event of I11 at step 15 is listed twice"},
        {"violation-other-ids.json",
         "violations[0]: the violation event of I11 at step 15 names other ids"},
        {"event-step-zero.json", "events[0].step: step 0: steps count from 1"},
        {"event-thread-minus-one.json", "events[0].thread: value -1 out of range 0.."},
        {"qtee-id-number.json",
         "events[9].qtee_id: expected a hex id like \"0x80000001\", found a number"},
        {"note-missing-text.json", "notes[0].text: missing"},
        {"scenario-missing.json", "scenario: missing"},
        {"scenario-not-object.json",
         "scenario: expected the embedded scenario object, found a string"},
        {"bad-embedded-scenario.json", "scenario: "},
    };
}

} // namespace

class TestCapture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(teescope_scenarios);
        QVERIFY(builtin("default"));
    }

    void roundTripBuiltinRun()
    {
        auto sc = builtin("default");
        QVERIFY(sc);
        Simulator sim(sc);
        RunOptions opts;
        opts.seed = 42;
        opts.maxSteps = 500;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        QVERIFY(!trace.events.empty());
        QVERIFY(!trace.schedule.empty());
        const std::vector<Note> notes = {{3, "look here", {}},
                                         {5, "line 1\nline 2 \xe2\x9c\x93", "app/client"}};

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(QStringLiteral("run.teescope.json")).toStdString();
        QVERIFY2(writeCapture(path, sim, trace, opts, &error, notes), error.c_str());
        QCOMPARE(filesIn(dir.path()), QStringList{QStringLiteral("run.teescope.json")});

        const auto cap = readCapture(path, &error);
        QVERIFY2(cap, error.c_str());
        QCOMPARE(cap->teescopeVersion, std::string(TEESCOPE_VERSION));
        QVERIFY(cap->scenario);
        QCOMPARE(cap->scenario->name, sc->name);
        QCOMPARE(cap->scenario->processes, sc->processes);
        QCOMPARE(cap->scenario->services, sc->services);
        QVERIFY(cap->variant == sim.engine().variant());
        QCOMPARE(cap->policy, opts.policy);
        QCOMPARE(cap->seed, uint64_t(42));
        QCOMPARE(cap->maxSteps, uint64_t(500));
        QCOMPARE(cap->stop, trace.stop);
        QCOMPARE(cap->stopDetail, trace.stopDetail);
        QCOMPARE(cap->schedule, trace.schedule);
        QCOMPARE(cap->notes, notes);
        const QString diff = firstDifference(trace.events, cap->events);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QVERIFY(compareEvents(sim, trace.events, cap->events).empty());

        // One event per line: the file diffs well.
        QFile f(q(path));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QCOMPARE(bytes.count("\"kind\":"), qsizetype(trace.events.size()));
        QVERIFY(bytes.startsWith("{\n  \"format\": \"teescope-capture\",\n  \"version\": 1,"));
    }

    void roundTripEveryField()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        Trace trace;
        trace.events = everyKindEvents();
        uint64_t last = 1;
        for (const Event &e : trace.events)
            last = std::max(last, e.step);
        trace.schedule.assign(last, "app/client: open /dev/tee"); // events name steps 1..last
        trace.stop = StopReason::Stuck;
        trace.stopDetail = "app/client waits on completion of req 0";
        RunOptions opts;
        opts.policy = Policy::Random;
        opts.seed = ~uint64_t(0); // beyond INT64_MAX: stored as a string
        const std::string json = captureToJson(sim, trace, opts);
        std::string error;
        const auto cap = parseCapture(json, "mem.json", &error);
        QVERIFY2(cap, error.c_str());
        const QString diff = firstDifference(trace.events, cap->events);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QCOMPARE(cap->seed, ~uint64_t(0));
        QCOMPARE(cap->policy, Policy::Random);
        // 2^63-1 and the numbers just below it are integers in the file:
        // read exactly (through a double they were 2^63, "out of range")
        for (const uint64_t seed :
             {uint64_t(INT64_MAX), uint64_t(INT64_MAX) - 1, (uint64_t(1) << 53) + 1}) {
            opts.seed = seed;
            const auto again = parseCapture(captureToJson(sim, trace, opts), "mem.json", &error);
            QVERIFY2(again, error.c_str());
            QCOMPARE(again->seed, seed);
        }
        QCOMPARE(cap->stop, StopReason::Stuck);
        QCOMPARE(cap->stopDetail, trace.stopDetail);

        // A field change must be detected (the comparison is not vacuous).
        EventList changed = trace.events;
        changed[5].holderArg += 1;
        QVERIFY(!firstDifference(trace.events, changed).isEmpty());
        QVERIFY(!compareEvents(sim, trace.events, changed).empty());
        changed = trace.events;
        changed.pop_back();
        QVERIFY(q(compareEvents(sim, trace.events, changed)).contains(QLatin1String("missing")));
    }

    void eventJsonFields()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        Event e;
        e.step = 14;
        e.tNs = 9000;
        e.kind = EventKind::RequestState;
        e.thread = ThreadId(1);
        e.ctx = ContextId(1);
        e.request = RequestId(3);
        e.reqId = 0;
        e.from = ReqState::PROCESSING;
        e.to = ReqState::PROCESSED;
        e.errno_ = err::kEINVAL;
        const QString json = q(eventToJson(sim, e));
        QVERIFY2(json.startsWith(QLatin1String(
                     "{\"step\":14,\"start_ns\":0,\"t_ns\":9000,\"kind\":\"request_state\"")),
                 qPrintable(json));
        QVERIFY(json.contains(QLatin1String("\"thread\":1,\"thread_name\":\"app/suppl\"")));
        QVERIFY(json.contains(QLatin1String("\"from\":\"PROCESSING\",\"to\":\"PROCESSED\"")));
        QVERIFY(json.contains(QLatin1String("\"errno\":{\"number\":-22,\"name\":\"EINVAL\"}")));
        QVERIFY(!json.contains(QLatin1String("\"object\""))); // unset entities are left out
        QVERIFY(!json.contains(QLatin1String("\"process\"")));

        Event cb;
        cb.kind = EventKind::QteeCallback;
        cb.thread = ThreadId(0);
        cb.qteeId = QCOMTEE_CB_ID_FIRST;
        cb.op = 7;
        const QString cbJson = q(eventToJson(sim, cb));
        QVERIFY2(cbJson.contains(QLatin1String("\"qtee_id\":\"0x80000001\"")), qPrintable(cbJson));
        QVERIFY(cbJson.contains(QLatin1String("\"op\":7")));
    }

    void replayFromCapture()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        RunOptions opts;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        const auto cap = parseCapture(captureToJson(sim, trace, opts), "replay.json", &error);
        QVERIFY2(cap, error.c_str());
        Simulator again(cap->scenario, cap->variant);
        const Trace replayed = replay(again, cap->schedule, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::string diff = compareEvents(again, cap->events, replayed.events);
        QVERIFY2(diff.empty(), diff.c_str());
    }

    // Every built-in, under a random schedule: the capture parses back to
    // the same events and its schedule replays to them.
    void everyBuiltinRoundTrips_data()
    {
        QTest::addColumn<QString>("name");
        for (const BuiltinInfo &b : builtinScenarios())
            QTest::newRow(b.name.c_str()) << q(b.name);
    }

    void everyBuiltinRoundTrips()
    {
        QFETCH(QString, name);
        auto sc = builtin(name.toStdString().c_str());
        QVERIFY(sc);
        Simulator sim(sc);
        RunOptions opts;
        opts.policy = Policy::Random;
        opts.seed = 11;
        opts.maxSteps = 800;
        opts.useSchedule = false;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        const auto cap = parseCapture(captureToJson(sim, trace, opts), name.toStdString(), &error);
        QVERIFY2(cap, error.c_str());
        const QString diff = firstDifference(trace.events, cap->events);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        Simulator again(cap->scenario, cap->variant);
        const Trace replayed = replay(again, cap->schedule, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::string replayDiff = compareEvents(again, cap->events, replayed.events);
        QVERIFY2(replayDiff.empty(), replayDiff.c_str());
    }

    void embeddedScenarioIsRequired()
    {
        auto sc = std::make_shared<Scenario>(*builtin("default"));
        sc->sourceJson.clear(); // built in code: nothing to embed
        Simulator sim(sc);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("c.json")).toStdString();
        std::string error;
        QVERIFY(!writeCapture(path, sim, Trace{}, RunOptions{}, &error));
        QVERIFY2(q(error).startsWith(q(path)), error.c_str());
        QVERIFY(filesIn(dir.path()).isEmpty());
    }

    void atomicWriteFailure_data()
    {
        QTest::addColumn<QString>("relative");
        QTest::addColumn<QString>("why");
        QTest::newRow("missing directory") << QStringLiteral("no/such/dir/c.json") << QString();
        QTest::newRow("target is a directory")
            << QStringLiteral("adir") << QStringLiteral("directory");
        QTest::newRow("parent is a file") << QStringLiteral("afile/c.json") << QString();
    }

    void atomicWriteFailure()
    {
        QFETCH(QString, relative);
        QFETCH(QString, why);
        auto sc = builtin("default");
        Simulator sim(sc);
        const Trace trace = run(sim, RunOptions{});
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("adir")));
        QFile afile(dir.filePath(QStringLiteral("afile")));
        QVERIFY(afile.open(QIODevice::WriteOnly));
        afile.close();
        const QStringList before = filesIn(dir.path());
        const std::string path = dir.filePath(relative).toStdString();
        std::string error;
        QVERIFY(!writeCapture(path, sim, trace, RunOptions{}, &error));
        QVERIFY2(q(error).startsWith(q(path) + QLatin1String(": ")), error.c_str());
        if (!why.isEmpty())
            QVERIFY2(q(error).contains(why), error.c_str());
        QCOMPARE(filesIn(dir.path()), before); // no temporary file left behind
        QVERIFY(filesIn(dir.filePath(QStringLiteral("adir"))).isEmpty());
        QCOMPARE(QFileInfo(dir.filePath(QStringLiteral("afile"))).size(), qint64(0));
    }

    void atomicWriteReadOnlyDirectory()
    {
        QTemporaryDir dir;
        const QString ro = dir.filePath(QStringLiteral("ro"));
        QVERIFY(QDir().mkdir(ro));
        QVERIFY(QFile::setPermissions(ro, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        // root ignores directory permissions: then there is nothing to test.
        QFile probe(ro + QLatin1String("/probe"));
        if (probe.open(QIODevice::WriteOnly)) {
            probe.close();
            probe.remove();
            QFile::setPermissions(ro, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                          QFileDevice::ExeOwner);
            QSKIP("running with privileges that bypass directory permissions");
        }
        const std::string path = QString(ro + QLatin1String("/c.json")).toStdString();
        std::string error;
        QVERIFY(!writeFileAtomically(path, "{}", &error));
        QVERIFY2(q(error).startsWith(q(path)), error.c_str());
        QVERIFY(filesIn(ro).isEmpty());
        QFile::setPermissions(ro, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                      QFileDevice::ExeOwner);
    }

    void atomicWriteReplacesWholeFile()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("out.txt")).toStdString();
        std::string error;
        QVERIFY(writeFileAtomically(path, std::string(10000, 'x'), &error));
        QVERIFY(writeFileAtomically(path, "short\n", &error));
        QFile f(q(path));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("short\n"));
        QCOMPARE(filesIn(dir.path()), QStringList{QStringLiteral("out.txt")});
    }

    // A scenario file without "name" is named after the file; its capture
    // keeps that name (its exports named the capture file instead).
    void unnamedScenarioKeepsItsName()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("tiny.json")).toStdString();
        {
            std::ifstream in(TEESCOPE_SOURCE_DIR "/resources/scenarios/default.json");
            std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
            const size_t at = text.find("\"name\": \"default\",");
            QVERIFY(at != std::string::npos);
            text.erase(at, std::string("\"name\": \"default\",").size());
            std::ofstream(path) << text;
        }
        std::string error;
        const auto sc = loadScenario(path, &error);
        QVERIFY2(sc, error.c_str());
        QCOMPARE(sc->name, std::string("tiny"));
        const Simulator sim(sc);
        RunOptions opts;
        opts.policy = sc->policy;
        const Trace trace = run(sim, opts);
        const auto cap = parseCapture(captureToJson(sim, trace, opts), "tiny.capture.json", &error);
        QVERIFY2(cap, error.c_str());
        QCOMPARE(cap->scenario->name, std::string("tiny"));
    }

    void minimalCaptureParses()
    {
        const std::string path = TEESCOPE_TEST_DATA "/captures/minimal.json";
        std::string error;
        const auto cap = readCapture(path, &error);
        QVERIFY2(cap, error.c_str());
        QCOMPARE(cap->events.size(), size_t(10));
        QCOMPARE(cap->events[8].errno_, err::kEINVAL);
        QCOMPARE(cap->events[8].to, ReqState::PROCESSED);
        QCOMPARE(cap->events[3].qteeId, QCOMTEE_MSG_OBJECT_ROOT);
        QCOMPARE(cap->events[9].invariant, int16_t(12));
        QCOMPARE(cap->notes.size(), size_t(1));
        QCOMPARE(cap->stop, StopReason::MaxSteps);
        // no "spans" (before model version 3): taken from a replay of the
        // schedule, so exports put each step in its thread's column
        QCOMPARE(cap->spans.size(), cap->schedule.size());
        for (const StepSpan &sp : cap->spans)
            QCOMPARE(sp.actor, ThreadId(0)); // app/client took all three
        QCOMPARE(cap->spans[0].verb, vocab::Verb::Open);
    }

    // A violation entry's "text" is for people, rendered again on output
    // and ignored on reading (docs/capture-format.md): a capture without it
    // reads (it was "violations[0].text: missing"), one with a wrong type
    // does not.
    void violationTextIsOptional()
    {
        QFile f(QStringLiteral(TEESCOPE_TEST_DATA "/captures/minimal.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(f.readAll()).object();
        QJsonArray violations = root.value(QLatin1String("violations")).toArray();
        QCOMPARE(violations.size(), 1);
        QJsonObject v = violations.at(0).toObject();
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("c.json")).toStdString();
        std::string error;
        const auto write = [&](const QJsonObject &entry) {
            violations.replace(0, entry);
            root.insert(QLatin1String("violations"), violations);
            return writeFileAtomically(path, QJsonDocument(root).toJson().toStdString(), &error);
        };
        v.remove(QLatin1String("text"));
        QVERIFY2(write(v), error.c_str());
        QVERIFY2(readCapture(path, &error), error.c_str());
        v.insert(QLatin1String("text"), 7);
        QVERIFY2(write(v), error.c_str());
        QVERIFY(!readCapture(path, &error));
        QVERIFY2(error.find("violations[0].text") != std::string::npos, error.c_str());
    }

    void badCaptures_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        for (const auto &[file, expected] : badCaptureCases())
            QTest::newRow(file) << QString::fromLatin1(file) << QString::fromUtf8(expected);
    }

    void badCaptures()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        const QString path = QStringLiteral(TEESCOPE_TEST_DATA "/bad-captures/") + file;
        QVERIFY2(QFileInfo::exists(path), qPrintable(path));
        std::string error;
        const auto cap = readCapture(path.toStdString(), &error);
        QVERIFY2(!cap, "a malformed capture was accepted");
        const QString message = q(error);
        QVERIFY2(message.startsWith(path + QLatin1String(": ")), qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
    }

    // Every file of the corpus has an expectation in badCaptureCases(), and
    // every expectation has its file.
    void badCaptureCorpusIsComplete()
    {
        QStringList listed;
        for (const auto &c : badCaptureCases())
            listed.append(QString::fromLatin1(c.first));
        listed.sort();
        QStringList files = filesIn(QStringLiteral(TEESCOPE_TEST_DATA "/bad-captures"));
        files.sort();
        QCOMPARE(files, listed);
    }

    void unreadableInputs()
    {
        std::string error;
        QVERIFY(!readCapture("/nonexistent/dir/c.json", &error));
        QVERIFY2(q(error).startsWith(QLatin1String("/nonexistent/dir/c.json: cannot read")),
                 error.c_str());
        QTemporaryDir dir;
        QVERIFY(!readCapture(dir.path().toStdString(), &error));
        QVERIFY2(q(error).contains(QLatin1String("is a directory")), error.c_str());
        // Deep nesting and binary junk fail cleanly.
        QVERIFY(!parseCapture(std::string(100000, '['), "deep.json", &error));
        QVERIFY2(q(error).startsWith(QLatin1String("deep.json: ")), error.c_str());
        QVERIFY(!parseCapture(std::string("\x00\xff\xfe{", 4), "junk.json", &error));
        QVERIFY2(q(error).startsWith(QLatin1String("junk.json: ")), error.c_str());
    }
};

QTEST_GUILESS_MAIN(TestCapture)
#include "tst_capture.moc"
