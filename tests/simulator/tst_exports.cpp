// Review exports: Chrome Trace Event JSON (structure, nesting, flows) and the
// 80-column text timeline, on real runs and on hand-built traces that hit
// the awkward cases (never woken, lock held past a syscall, many lanes,
// long and non-ASCII text). The checkers live in exportcheck.h.
#include "exportcheck.h"

#include "simulator/exports.h"
#include "simulator/scenarioloader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

#include <limits>
#include <set>

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

std::shared_ptr<Scenario> fromJson(const std::string &json)
{
    std::string error;
    auto sc = loadScenarioJson(json, "test.json", &error);
    if (!sc)
        qWarning("%s", error.c_str());
    return sc;
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

QStringList lines(const std::string &text)
{
    return q(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

Event ev(uint64_t step, int64_t t, EventKind kind, int thread = -1)
{
    Event e;
    e.step = step;
    e.tNs = t;
    e.kind = kind;
    e.thread = ThreadId(thread);
    return e;
}

QJsonArray traceEvents(const std::string &json)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(json))
        .object()
        .value(QLatin1String("traceEvents"))
        .toArray();
}

// tid of a thread track by its thread_name metadata.
int tidOf(const QJsonArray &events, const QString &name)
{
    for (const QJsonValue &v : events) {
        const QJsonObject o = v.toObject();
        if (o.value(QLatin1String("ph")).toString() == QLatin1String("M") &&
            o.value(QLatin1String("name")).toString() == QLatin1String("thread_name") &&
            o.value(QLatin1String("args")).toObject().value(QLatin1String("name")).toString() ==
                name)
            return o.value(QLatin1String("tid")).toInt();
    }
    return -1;
}

QList<QJsonObject> withPhase(const QJsonArray &events, const char *ph)
{
    QList<QJsonObject> out;
    for (const QJsonValue &v : events)
        if (v.toObject().value(QLatin1String("ph")).toString() == QLatin1String(ph))
            out.append(v.toObject());
    return out;
}

// Two processes of three threads each: six user lanes plus QTEE and the
// worker cannot share one 80-column table.
const char *kManyThreads = R"json({
  "name": "many-threads",
  "title": "Eight lanes \u00e9\u00e8 (non-ASCII title)",
  "processes": [
    {"name": "first_process_with_a_long_name", "threads": [
      {"name": "alpha", "program": [{"do": "open", "as": "fd"}, {"do": "exit"}]},
      {"name": "beta", "program": [{"do": "open", "as": "fd2"}, {"do": "close", "fd": "fd2"}, {"do": "exit"}]},
      {"name": "gamma", "program": [{"do": "exit"}]}
    ]},
    {"name": "second", "threads": [
      {"name": "delta", "program": [{"do": "open", "as": "fd"}, {"do": "exit"}]},
      {"name": "epsilon", "program": [{"do": "open", "as": "fd3"}, {"do": "exit"}]},
      {"name": "zeta", "program": [{"do": "exit"}]}
    ]}
  ]
})json";

} // namespace

class TestExports : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(teescope_scenarios);
        QVERIFY(builtin("default"));
    }

    // -- Chrome trace ------------------------------------------------------

    void chromeDefaultRun()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::string json = chromeTrace(sim, trace);
        exportcheck::ChromeStats stats;
        const QString problem =
            exportcheck::checkChromeTrace(QByteArray::fromStdString(json), &stats);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(stats.slices > 0);
        QVERIFY(stats.counters > 0);
        QVERIFY(stats.asyncPairs >= 3); // two requests and objects at least
        QVERIFY(stats.threadNames.contains(QStringLiteral("app/client")));
        QVERIFY(stats.threadNames.contains(QStringLiteral("app/suppl")));
        QVERIFY(stats.threadNames.contains(QStringLiteral("QTEE")));
        QVERIFY(stats.threadNames.contains(QStringLiteral("qcomtee_wq")));
        QVERIFY(json.find("\"displayTimeUnit\":\"ns\"") != std::string::npos);

        const QJsonArray events = traceEvents(json);
        const int client = tidOf(events, QStringLiteral("app/client"));
        const int suppl = tidOf(events, QStringLiteral("app/suppl"));
        QVERIFY(client > 0 && suppl > 0 && client != suppl);

        // The callback: client -> supplicant's RECV, then RECV -> SEND.
        const QList<QJsonObject> starts = withPhase(events, "s");
        const QList<QJsonObject> finishes = withPhase(events, "f");
        QCOMPARE(stats.flows, 2);
        QCOMPARE(starts.size(), 2);
        QCOMPARE(starts[0].value(QLatin1String("tid")).toInt(), client);
        QCOMPARE(finishes[0].value(QLatin1String("tid")).toInt(), suppl);
        QCOMPARE(starts[1].value(QLatin1String("tid")).toInt(), suppl);
        QCOMPARE(finishes[1].value(QLatin1String("tid")).toInt(), suppl);
        QVERIFY(starts[0].value(QLatin1String("id")).isDouble());

        // Request 0's life as an async slice (named as everywhere: req#0, its
        // context and reqs_idr id) with one nested slice per state.
        bool begin = false;
        QStringList states;
        for (const QJsonObject &o : withPhase(events, "b"))
            if (o.value(QLatin1String("cat")).toString() == QLatin1String("request") &&
                o.value(QLatin1String("id")).toInt() == 0) {
                if (!begin)
                    QCOMPARE(o.value(QLatin1String("name")).toString(),
                             QStringLiteral("req#0 (ctx1 id 0)"));
                else
                    states << o.value(QLatin1String("name")).toString();
                begin = true;
            }
        QVERIFY(begin);
        QCOMPARE(states, (QStringList{QStringLiteral("QUEUED"), QStringLiteral("PROCESSING"),
                                      QStringLiteral("PROCESSED")}));

        // The client blocked on completion while the supplicant worked, and
        // the slice names the driver function it models.
        bool blocked = false;
        for (const QJsonObject &o : withPhase(events, "X"))
            if (o.value(QLatin1String("tid")).toInt() == client &&
                o.value(QLatin1String("name"))
                    .toString()
                    .startsWith(QLatin1String("waits on completion (killable) for req#0"))) {
                blocked = o.value(QLatin1String("dur")).toDouble() > 0;
                const QJsonObject args = o.value(QLatin1String("args")).toObject();
                QCOMPARE(args.value(QLatin1String("driver")).toString(),
                         QStringLiteral("qcomtee_user_object_dispatch"));
                QCOMPARE(args.value(QLatin1String("spec")).toString(), QStringLiteral("§3.3"));
            }
        // The export says what it is.
        const QJsonObject other = QJsonDocument::fromJson(QByteArray::fromStdString(json))
                                      .object()
                                      .value(QLatin1String("otherData"))
                                      .toObject();
        QVERIFY(other.value(QLatin1String("models")).toString().contains(QLatin1String("6.18")));
        QVERIFY(other.value(QLatin1String("variant_meaning"))
                    .toObject()
                    .value(QLatin1String("request"))
                    .toString()
                    .contains(QLatin1String("reqs_list")));
        QVERIFY(!other.value(QLatin1String("left_out")).toArray().isEmpty());
        QVERIFY(blocked);

        // An object's slices say what changed: a creation names no holder
        // (it named qtee_objects_idr of ctx0 for every object), then each
        // get and put its holder.
        QStringList changes;
        for (const QJsonObject &o : withPhase(events, "b"))
            if (o.value(QLatin1String("cat")).toString() == QLatin1String("object"))
                changes << o.value(QLatin1String("args"))
                               .toObject()
                               .value(QLatin1String("change"))
                               .toString();
        QVERIFY(changes.contains(QStringLiteral("created")));
        QVERIFY(changes.contains(QStringLiteral("get by oic->object (app/client)")));
        // The first reference is kref_init, not a get from 0 (which I1 forbids).
        QVERIFY(changes.contains(QStringLiteral("kref_init, held by caller (app/client)")));
        QVERIFY(!changes.contains(QStringLiteral("get by caller (app/client)")));
        for (const QString &c : changes)
            QVERIFY2(!c.contains(QLatin1String("ctx0")), qPrintable(c));
    }

    // Hand-built events that do not pair up nicely: the exporter must still
    // produce properly nested tracks and close what is left open.
    void chromeAwkwardTrace()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        Trace trace;
        trace.schedule = {"app/client: OBJECT_INVOKE obj 0 op 1",
                          "app/client: step",
                          "app/suppl: SUPPL_RECV",
                          "app/client: step",
                          "kill app",
                          "app/suppl: step"};
        EventList &e = trace.events;
        e.push_back(ev(1, 1000, EventKind::SyscallEnter, 0));
        e.back().op = uint32_t(SyscallKind::Invoke);
        Event lock = ev(1, 1000, EventKind::LockAcquire, 0);
        lock.ctx = ContextId(1);
        e.push_back(lock); // never released: held past the syscall's end
        Event blockedEv = ev(2, 1500, EventKind::Blocked, 0);
        blockedEv.value = int32_t(BlockReason::Completion);
        e.push_back(blockedEv);
        e.push_back(ev(3, 2000, EventKind::SyscallEnter, 1));
        e.push_back(ev(3, 2000, EventKind::Woken, 0)); // woken by the supplicant's step
        Event blocked2 = ev(3, 2000, EventKind::Blocked, 1);
        blocked2.value = int32_t(BlockReason::ReqC);
        e.push_back(blocked2);                         // never woken
        e.push_back(ev(4, 2600, EventKind::Woken, 0)); // woken without being blocked
        e.push_back(ev(4, 2600, EventKind::SyscallReturn, 0));
        Event killed = ev(5, 2700, EventKind::Killed);
        killed.process = ProcessId(0);
        e.push_back(killed);
        Event viol = ev(6, 3100, EventKind::Violation, 1);
        viol.invariant = 12;
        viol.finding = Finding::ArgReadAfterFree;
        e.push_back(viol);
        Event rs = ev(6, 3100, EventKind::RequestState, 1);
        rs.request = RequestId(4);
        rs.reqId = 2;
        rs.ctx = ContextId(1);
        rs.from = ReqState::New;
        rs.to = ReqState::QUEUED;
        e.push_back(rs); // never removed: closed at the end
        Event created = ev(6, 3100, EventKind::ObjectCreated);
        created.object = ObjectId(9);
        created.objectType = ObjectType::User;
        created.userObjectId = 5;
        e.push_back(created); // never freed

        const std::string json = chromeTrace(sim, trace);
        exportcheck::ChromeStats stats;
        const QString problem =
            exportcheck::checkChromeTrace(QByteArray::fromStdString(json), &stats);
        QVERIFY2(problem.isEmpty(), qPrintable(problem + QLatin1Char('\n') + q(json)));
        QCOMPARE(stats.violations, 1);
        QCOMPARE(stats.asyncPairs, 2);

        const QJsonArray events = traceEvents(json);
        const int suppl = tidOf(events, QStringLiteral("app/suppl"));
        // From step 3's end (2.0 us) to the last timestamp (3.1 us), split at
        // the kill (2.7 us): after it the slice says the thread is killed.
        double first = -1, last = -1;
        bool killedPart = false;
        for (const QJsonObject &o : withPhase(events, "X")) {
            if (o.value(QLatin1String("tid")).toInt() == suppl &&
                o.value(QLatin1String("name")).toString() ==
                    QLatin1String("waits on req_c (interruptible)")) {
                const double ts = o.value(QLatin1String("ts")).toDouble();
                if (first < 0 || ts < first)
                    first = ts;
                last = std::max(last, ts + o.value(QLatin1String("dur")).toDouble());
                killedPart |= o.value(QLatin1String("args"))
                                  .toObject()
                                  .value(QLatin1String("killed"))
                                  .toBool();
            }
        }
        QCOMPARE(first, 2.0);
        QCOMPARE(last, 3.1);
        QVERIFY(killedPart);
        for (const QJsonObject &o : withPhase(events, "i"))
            if (o.value(QLatin1String("cat")).toString() == QLatin1String("violation"))
                QCOMPARE(o.value(QLatin1String("s")).toString(), QStringLiteral("g"));
    }

    // --from/--to/--lane: a valid trace of only the named lanes, clipped to
    // the range, every lane starting in its state at --from.
    void chromeRangeAndLanes_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<int>("from");
        QTest::addColumn<int>("to");
        QTest::addColumn<QStringList>("lanes");
        QTest::newRow("kill, client and its second request")
            << QStringLiteral("kill-while-processing") << 5 << 12
            << QStringList{QStringLiteral("app/client"), QStringLiteral("req#1")};
        QTest::newRow("srcu-vs-lock, a window, every lane")
            << QStringLiteral("srcu-vs-lock") << 4 << 9 << QStringList{};
        QTest::newRow("async release, the worker and QTEE")
            << QStringLiteral("close-context-async-release") << 10 << 40
            << QStringList{QStringLiteral("qcomtee_wq"), QStringLiteral("QTEE")};
        QTest::newRow("fifo, one request")
            << QStringLiteral("fifo-delivery") << 1 << 1000 << QStringList{QStringLiteral("req#2")};
        QTest::newRow("kill, one context (its steps' tracks get names)")
            << QStringLiteral("kill-while-queued") << 1 << 1000
            << QStringList{QStringLiteral("ctx1")};
    }

    void chromeRangeAndLanes()
    {
        QFETCH(QString, scenario);
        QFETCH(int, from);
        QFETCH(int, to);
        QFETCH(QStringList, lanes);
        auto sc = builtin(scenario.toUtf8().constData());
        QVERIFY(sc);
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        ExportOptions o;
        o.from = uint64_t(from);
        o.to = uint64_t(to);
        for (const QString &l : lanes)
            o.lanes.push_back(l.toStdString());
        QVERIFY2(checkExportOptions(sim, trace, o).empty(),
                 checkExportOptions(sim, trace, o).c_str());
        const std::string json = chromeTrace(sim, trace, o);
        exportcheck::ChromeStats stats;
        const QString problem =
            exportcheck::checkChromeTrace(QByteArray::fromStdString(json), &stats);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // Only the named thread tracks (QTEE's track stays when named);
        // an entity (ctx1) selects steps, whose tracks are named.
        const bool entities = std::any_of(lanes.begin(), lanes.end(), [](const QString &l) {
            return l.startsWith(QLatin1String("ctx")) || l.startsWith(QLatin1String("obj")) ||
                   l.startsWith(QLatin1String("req#"));
        });
        for (const QString &name : stats.threadNames)
            QVERIFY2(lanes.isEmpty() || lanes.contains(name) || entities ||
                         (name.startsWith(QLatin1String("reqs_lock")) && lanes.isEmpty()),
                     qPrintable(name));
        // Nothing starts before --from's step nor after --to's.
        const int64_t tFrom = trace.spans[size_t(from - 1)].startNs;
        const QJsonArray events = traceEvents(json);
        for (const QJsonValue v : events) {
            const QJsonObject e = v.toObject();
            if (e.value(QLatin1String("ph")).toString() == QLatin1String("M"))
                continue;
            const QJsonObject args = e.value(QLatin1String("args")).toObject();
            if (args.contains(QLatin1String("step")))
                QVERIFY(args.value(QLatin1String("step")).toInteger() >= from &&
                        args.value(QLatin1String("step")).toInteger() <= to);
            if (e.value(QLatin1String("ph")).toString() == QLatin1String("X") &&
                e.value(QLatin1String("cat")).toString() != QLatin1String("step"))
                QVERIFY2(e.value(QLatin1String("ts")).toDouble() * 1000.0 >= double(tFrom) - 0.5 ||
                             args.value(QLatin1String("first_step")).toInteger() >= from,
                         qPrintable(e.value(QLatin1String("name")).toString()));
        }
        // A named request keeps its async slice, nothing else's.
        for (const QString &l : lanes)
            if (l.startsWith(QLatin1String("req#"))) {
                bool found = false;
                for (const QJsonValue v : events) {
                    const QJsonObject e = v.toObject();
                    if (e.value(QLatin1String("cat")).toString() == QLatin1String("request")) {
                        QCOMPARE(e.value(QLatin1String("id")).toInt(), l.mid(4).toInt());
                        found = true;
                    }
                }
                QVERIFY(found);
            }
    }

    // A run that did not finish says so in the trace: otherData's stop and
    // a global instant at its end naming who waits for ever.
    void chromeRecordsHowTheRunStopped()
    {
        auto sc = builtin("missed-wakeup");
        QVERIFY(sc);
        Simulator sim(sc);
        std::string error;
        RunOptions ro;
        ro.policy = sc->policy;
        ro.seed = sc->seed;
        const Trace trace = run(sim, ro, &error);
        QVERIFY2(error.empty(), error.c_str());
        QCOMPARE(trace.stop, StopReason::Stuck);
        const std::string json = chromeTrace(sim, trace);
        const QString problem = exportcheck::checkChromeTrace(QByteArray::fromStdString(json));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const QJsonObject other = QJsonDocument::fromJson(QByteArray::fromStdString(json))
                                      .object()
                                      .value(QLatin1String("otherData"))
                                      .toObject();
        QCOMPARE(other.value(QLatin1String("stop")).toString(), QStringLiteral("stuck"));
        QCOMPARE(other.value(QLatin1String("stop_detail")).toString(), q(trace.stopDetail));
        int stops = 0;
        for (const QJsonValue v : traceEvents(json)) {
            const QJsonObject e = v.toObject();
            if (e.value(QLatin1String("cat")).toString() != QLatin1String("stop"))
                continue;
            ++stops;
            QCOMPARE(e.value(QLatin1String("name")).toString(), QStringLiteral("run ends stuck"));
            QCOMPARE(
                e.value(QLatin1String("args")).toObject().value(QLatin1String("step")).toInteger(),
                qint64(trace.schedule.size()));
            QCOMPARE(e.value(QLatin1String("ts")).toDouble() * 1000.0,
                     double(trace.spans.back().endNs));
        }
        QCOMPARE(stops, 1);
        // A cut before the end does not show it; a finished run has none.
        ExportOptions o;
        o.to = 3;
        QVERIFY(!q(chromeTrace(sim, trace, o)).contains(QLatin1String("run ends stuck")));
        auto fine = builtin("default");
        Simulator sim2(fine);
        const Trace done = run(sim2, RunOptions{}, &error);
        QVERIFY(!q(chromeTrace(sim2, done)).contains(QLatin1String("\"cat\":\"stop\"")));
    }

    // A context's tee_context kref as a counter: its value where the shown
    // part begins, then one point per get or put of the kref (not of the
    // RFC's ref_cnt under lifetime=kref), each the engine's count after it.
    void chromeContextRefcounts_data()
    {
        QTest::addColumn<QString>("variant");
        QTest::addColumn<int>("from");
        QTest::newRow("merged") << QString() << 0;
        QTest::newRow("merged from 9") << QString() << 9;
        QTest::newRow("lifetime=kref") << QStringLiteral("lifetime=kref") << 0;
        QTest::newRow("lifetime=kref from 12") << QStringLiteral("lifetime=kref") << 12;
    }

    void chromeContextRefcounts()
    {
        QFETCH(QString, variant);
        QFETCH(int, from);
        auto sc = builtin("close-context-async-release");
        QVERIFY(sc);
        Variant v = sc->variant;
        if (!variant.isEmpty())
            QVERIFY(v.set(variant.toStdString()).empty());
        Simulator sim(sc, v);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        ExportOptions o;
        o.from = uint64_t(from);
        const std::string json = chromeTrace(sim, trace, o);
        const QString problem = exportcheck::checkChromeTrace(QByteArray::fromStdString(json));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QList<int> got;
        for (const QJsonObject &c : withPhase(traceEvents(json), "C"))
            if (c.value(QLatin1String("name")).toString() == QLatin1String("refcount ctx1")) {
                QCOMPARE(c.value(QLatin1String("pid")).toInt(), 4);
                got << c.value(QLatin1String("args"))
                           .toObject()
                           .value(QLatin1String("refcount"))
                           .toInt();
            }
        // the engine's count before the first shown step, then after each
        // step that got or put the kref, once per get or put
        auto refsAfter = [&](uint64_t k) {
            const std::vector<std::string> prefix(trace.schedule.begin(),
                                                  trace.schedule.begin() + ptrdiff_t(k));
            std::string err;
            const State s = replay(sim, prefix, &err).final;
            return s.contexts.size() > 1 && !s.contexts[1].ctxFreed ? int(s.contexts[1].refs.size())
                                                                    : 0;
        };
        QList<int> want{refsAfter(from > 0 ? uint64_t(from - 1) : 0)};
        int changes = 0;
        for (const Event &e : trace.events)
            if ((e.kind == EventKind::ContextGet || e.kind == EventKind::ContextPut) &&
                e.ctx == ContextId(1) && e.value == 0 && e.step >= uint64_t(from)) {
                ++changes;
                want << e.refcount;
            }
        // (under lifetime=kref user objects hold the RFC's ref_cnt, not the
        // kref: the file's get and put are the only changes)
        QVERIFY(changes >= 1);
        // each point's value is the engine's after its step's last change
        for (uint64_t k = uint64_t(std::max(from, 1)); k <= trace.schedule.size(); ++k) {
            int last = -1;
            for (const Event &e : trace.events)
                if (e.step == k &&
                    (e.kind == EventKind::ContextGet || e.kind == EventKind::ContextPut) &&
                    e.ctx == ContextId(1) && e.value == 0)
                    last = e.refcount;
            if (last >= 0)
                QCOMPARE(last, refsAfter(k));
        }
        QCOMPARE(got, want);
    }

    void chromeCheckerRejectsBadTraces_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        const QByteArray meta =
            R"({"ph":"M","pid":1,"tid":1,"name":"thread_name","args":{"name":"t"}})";
        auto wrap = [&](const QByteArray &events) -> QByteArray {
            return QByteArray(R"({"traceEvents":[)") + meta + "," + events + "]}";
        };
        QTest::newRow("invalid json")
            << QByteArray("{\"traceEvents\":[") << QStringLiteral("invalid JSON");
        QTest::newRow("N event") << wrap(R"({"ph":"N","name":"o","pid":1,"ts":0,"id":1})")
                                 << QStringLiteral("N/O/D");
        QTest::newRow("X without dur")
            << wrap(R"({"ph":"X","name":"a","pid":1,"tid":1,"ts":0})") << QStringLiteral("dur");
        QTest::newRow("partial overlap")
            << wrap(R"({"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":2},)"
                    R"({"ph":"X","name":"b","pid":1,"tid":1,"ts":1,"dur":2})")
            << QStringLiteral("partially overlaps");
        QTest::newRow("b without e")
            << wrap(R"({"ph":"b","cat":"r","name":"a","pid":2,"id":1,"ts":0})")
            << QStringLiteral("never closed");
        QTest::newRow("e without b")
            << wrap(R"({"ph":"e","cat":"r","name":"a","pid":2,"id":1,"ts":0})")
            << QStringLiteral("without an open b");
        QTest::newRow("string flow id")
            << wrap(R"({"ph":"s","cat":"c","name":"a","pid":1,"tid":1,"id":"0x1","ts":0})")
            << QStringLiteral("numeric id");
        QTest::newRow("flow without f")
            << wrap(R"({"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":2},)"
                    R"({"ph":"s","cat":"c","name":"a","pid":1,"tid":1,"id":1,"ts":1})")
            << QStringLiteral("no f");
        QTest::newRow("f without bp")
            << wrap(R"({"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":2},)"
                    R"({"ph":"s","cat":"c","name":"a","pid":1,"tid":1,"id":1,"ts":1},)"
                    R"({"ph":"f","cat":"c","name":"a","pid":1,"tid":1,"id":1,"ts":1})")
            << QStringLiteral("bp");
        QTest::newRow("unbound flow")
            << wrap(R"({"ph":"s","cat":"c","name":"a","pid":1,"tid":1,"id":1,"ts":1},)"
                    R"({"ph":"f","bp":"e","cat":"c","name":"a","pid":1,"tid":1,"id":1,"ts":1})")
            << QStringLiteral("outside any slice");
        QTest::newRow("counter without args")
            << wrap(R"({"ph":"C","name":"rc","pid":3,"ts":0})") << QStringLiteral("counter");
        QTest::newRow("unnamed async track")
            << wrap(R"({"ph":"b","cat":"r","name":"a","pid":2,"tid":0,"id":1,"ts":0},)"
                    R"({"ph":"e","cat":"r","name":"a","pid":2,"tid":0,"id":1,"ts":1})")
            << QStringLiteral("pid 2 tid 0, which has no thread_name");
        QTest::newRow("bad instant scope")
            << wrap(R"({"ph":"i","name":"v","pid":1,"tid":1,"ts":0,"s":"x"})")
            << QStringLiteral("scope");
    }

    void chromeCheckerRejectsBadTraces()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const QString problem = exportcheck::checkChromeTrace(json);
        QVERIFY2(problem.contains(expected),
                 qPrintable(QStringLiteral("got: \"%1\"").arg(problem)));
    }

    // -- text timeline -----------------------------------------------------

    // A note that came in the middle of a step leaves "(note below)" at its
    // place: memory-object-map's "tee_shm 1 freed" comes before ctx1's
    // tee_context and data are freed, and read, printed under the row, as
    // coming after them (an I6 breach to a reviewer). One at the end of its
    // step leaves nothing.
    void timelineMarksMidwayNotes()
    {
        auto sc = builtin("memory-object-map");
        Simulator sim(sc);
        RunOptions opts;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        ExportOptions wide;
        wide.width = 300;
        const QString text = q(textTimeline(sim, trace, wide));
        const qsizetype mark = text.indexOf(QLatin1String("(note below); ctx1 tee_context freed"));
        QVERIFY2(mark >= 0, qPrintable(text));
        QVERIFY(text.indexOf(QLatin1String("-- note: tee_shm 1 freed"), mark) > mark);
        auto def = builtin("default");
        Simulator defSim(def);
        const Trace defTrace = run(defSim, opts, &error);
        const QString defText = q(textTimeline(defSim, defTrace, wide));
        // (step 17's spurious wake-up ends its step; step 18's is followed
        // by the wait)
        QCOMPARE(defText.count(QLatin1String("-- note: ")), 2);
        QCOMPARE(defText.count(QLatin1String("(note below)")), 1);
    }

    void timelineDefaultRun()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        RunOptions opts;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::string text = textTimeline(sim, trace, opts);
        const QString problem = exportcheck::checkTextTimeline(text);
        QVERIFY2(problem.isEmpty(), qPrintable(problem + QLatin1Char('\n') + q(text)));
        const QStringList l = lines(text);
        QCOMPARE(l.first(), QStringLiteral("teescope timeline: default"));
        QVERIFY(l.contains(QStringLiteral("variant: ") + q(sim.engine().variant().toString())));
        QCOMPARE(l.last(),
                 QStringLiteral("verdict: invariants held (%1 steps)").arg(trace.schedule.size()));
        // One table: every actor has a column in the header.
        const QString header =
            l.filter(QRegularExpression(QStringLiteral("^step +us +\\|"))).join(QLatin1Char('\n'));
        for (const char *lane : {"app/client", "app/suppl", "QTEE", "qcomtee_wq"})
            QVERIFY2(header.contains(QLatin1String(lane)), qPrintable(header));
        // Important state changes are spelled out.
        bool delivered = false;
        for (int step = 1; step <= int(trace.schedule.size()); ++step)
            delivered =
                delivered || exportcheck::timelineCell(text, QStringLiteral("app/suppl"), step)
                                 .contains(QLatin1String("SUPPL_RECV; req#0 QUEUED>PROCESSING"));
        QVERIFY2(delivered, qPrintable(q(text)));
        // reqs_idr id 0 names the callback request and then the RELEASE
        // notification: each has a name of its own (req#0, req#1) in every
        // lane, labels included; the first mention gives the context and id
        // and says what a notification is.
        const QString all = q(text);
        QVERIFY2(
            exportcheck::timelineCell(text, QStringLiteral("app/client"), 11)
                .contains(QLatin1String("req#1 (ctx1 id 0) (RELEASE notification) NEW>QUEUED;")),
            qPrintable(all));
        QCOMPARE(exportcheck::timelineCell(text, QStringLiteral("app/suppl"), 8),
                 QStringLiteral("SUPPL_SEND id 0 ret 0; req#0 PROCESSING>PROCESSED; -> 0"));
        QVERIFY2(exportcheck::timelineCell(text, QStringLiteral("app/suppl"), 15)
                     .contains(QLatin1String("notification req#1;")),
                 qPrintable(all));
        QVERIFY2(!all.contains(QRegularExpression(QStringLiteral("(^|[ (])req ?\\d"))),
                 qPrintable(all));
        // Ops by name, the open-service shortcut explained.
        QVERIFY2(exportcheck::timelineCell(text, QStringLiteral("QTEE"), 19)
                     .contains(QLatin1String("op RELEASE")),
                 qPrintable(all));
        QVERIFY(!all.contains(QLatin1String("65535")));
        QCOMPARE(exportcheck::timelineCell(text, QStringLiteral("QTEE"), 2),
                 QStringLiteral("<- open service (op 32)"));
        const QString split = exportcheck::checkUnsplitPairs(text);
        QVERIFY2(split.isEmpty(), qPrintable(split + QLatin1Char('\n') + all));
        QCOMPARE(exportcheck::timelineCell(text, QStringLiteral("app/client"), 1),
                 QStringLiteral("open /dev/tee; ctx1 opened; -> 0"));
        bool calledBack = false;
        for (int step = 1; step <= int(trace.schedule.size()); ++step)
            calledBack = calledBack || exportcheck::timelineCell(text, QStringLiteral("QTEE"), step)
                                           .contains(QLatin1String("-> callback 0x80000001 op 7"));
        QVERIFY2(calledBack, qPrintable(q(text)));
        // A refcount change says who took or dropped the reference.
        bool holder = false;
        for (int step = 1; step <= int(trace.schedule.size()); ++step)
            holder =
                holder || exportcheck::timelineCell(text, QStringLiteral("app/client"), step)
                              .contains(QLatin1String("obj1 refcount 2>3 get by oic->object;"));
        QVERIFY2(holder, qPrintable(q(text)));
        // An object's first reference is kref_init: "0>1 get" read as a get
        // from zero, which I1 forbids.
        QVERIFY2(exportcheck::timelineCell(text, QStringLiteral("app/client"), 3)
                     .contains(QLatin1String("obj0 refcount 0>1 kref_init, held by caller;")),
                 qPrintable(q(text)));
        QVERIFY2(!q(text).contains(QLatin1String(">1 get by")), qPrintable(q(text)));
        // Steps are numbered 1..N with their time, each at most once per block.
        QVERIFY(q(text).contains(
            QRegularExpression(QStringLiteral("\\n   1  0\\.50 \\| open /dev/tee"))));
    }

    void timelineSplitsLanesIntoBlocks()
    {
        auto sc = fromJson(kManyThreads);
        QVERIFY(sc);
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::string text = textTimeline(sim, trace);
        const QString problem = exportcheck::checkTextTimeline(text);
        QVERIFY2(problem.isEmpty(), qPrintable(problem + QLatin1Char('\n') + q(text)));
        QVERIFY2(q(text).contains(QLatin1String("(block 2/")), qPrintable(q(text)));
        // Every thread lane that took a step is in one block header (the
        // release worker never runs here: no column, and the header says
        // so), and each block that talks to QTEE has a QTEE column of its
        // own, last.
        QVERIFY2(q(text).contains(QLatin1String("\ntook no step (no column): qcomtee_wq\n")),
                 qPrintable(q(text)));
        const auto blocks = exportcheck::parseTimeline(text);
        QVERIFY(blocks.size() >= 2);
        QStringList all;
        for (const auto &b : blocks) {
            for (const QString &l : b.lanes)
                if (l != QLatin1String("QTEE"))
                    all += l;
            const qsizetype q = b.lanes.indexOf(QStringLiteral("QTEE"));
            QVERIFY(q < 0 || q == b.lanes.size() - 1);
        }
        QCOMPARE(all, (QStringList{QStringLiteral("first_process_with_a_long_name/alpha"),
                                   QStringLiteral("first_process_with_a_long_name/beta"),
                                   QStringLiteral("first_process_with_a_long_name/gamma"),
                                   QStringLiteral("second/delta"), QStringLiteral("second/epsilon"),
                                   QStringLiteral("second/zeta")}));

        // Each step shows up in exactly one lane of one block (one actor
        // per step), so splitting lost nothing.
        for (int step = 1; step <= int(trace.schedule.size()); ++step) {
            int shown = 0;
            for (const auto &b : blocks) {
                auto it = b.cells.find(step);
                if (it != b.cells.end())
                    for (const QString &c : it->second)
                        shown += c.isEmpty() ? 0 : 1;
            }
            QVERIFY2(shown >= 1, qPrintable(QStringLiteral("step %1 missing").arg(step)));
        }
        QVERIFY(q(text).contains(QLatin1String("Eight lanes ?? (non-ASCII title)")));

        // Block headers count the six lanes, not the QTEE column each
        // block repeats, and number the shown blocks 1..n without a gap.
        QVERIFY2(blockHeadersCount(text, 6, int(blocks.size())), qPrintable(q(text)));
        // The same where every block has its QTEE column: eight lanes (five
        // threads of app, two of other, qcomtee_wq).
        auto ms = builtin("multiple-supplicants");
        QVERIFY(ms);
        Simulator msSim(ms);
        const Trace msTrace = run(msSim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::string msText = textTimeline(msSim, msTrace);
        QVERIFY2(q(msText).contains(QLatin1String(", with QTEE (block 2/")), qPrintable(q(msText)));
        QVERIFY2(blockHeadersCount(msText, 8, int(exportcheck::parseTimeline(msText).size())),
                 qPrintable(q(msText)));
    }

    static bool blockHeadersCount(const std::string &text, int lanes, int blocks)
    {
        const QRegularExpression head(
            QStringLiteral(
                "^lanes? (\\d+)(?:-(\\d+))? of (\\d+)(, with QTEE)? \\(block (\\d+)/(\\d+)\\)$"),
            QRegularExpression::MultilineOption);
        int next = 1, block = 0;
        for (auto m = head.globalMatch(q(text)); m.hasNext();) {
            const auto h = m.next();
            ++block;
            if (h.captured(1).toInt() != next || h.captured(3).toInt() != lanes ||
                h.captured(5).toInt() != block || h.captured(6).toInt() != blocks)
                return false;
            next = (h.captured(2).isEmpty() ? h.captured(1) : h.captured(2)).toInt() + 1;
        }
        return block == blocks && next == lanes + 1;
    }

    // A cut's first mention of a request names its context and id, even
    // when the request was named before the cut.
    void timelineCutNamesRequestsAtFirstShownMention()
    {
        auto sc = builtin("kill-while-queued");
        QVERIFY(sc);
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        ExportOptions o;
        o.from = 7;
        const QString cut = q(textTimeline(sim, trace, o));
        QVERIFY2(cut.contains(QLatin1String("req#0 (ctx1 id 0)")), qPrintable(cut));
        // and only once, as in the whole run (counted by its "(ctx1 id 0)":
        // a cell may wrap between "req#0" and it)
        const QString table = cut.left(cut.indexOf(QLatin1String("\nvariant:\n")));
        QCOMPARE(table.count(QLatin1String("(ctx1 id 0)")),
                 q(textTimeline(sim, trace)).count(QLatin1String("(ctx1 id 0)")));
    }

    // --lane with an entity keeps the steps that touch it (it kept none:
    // every row was dropped), and with a thread column too it is a union.
    void timelineEntityLanes()
    {
        auto sc = builtin("kill-after-processed");
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const auto stepsShown = [&](std::vector<std::string> lanes) {
            ExportOptions o;
            o.lanes = std::move(lanes);
            o.width = 120;
            std::set<uint64_t> out;
            static const QRegularExpression row(QStringLiteral("^\\s*(\\d+)\\s+\\d+\\.\\d+ \\|"));
            for (const QString &line : q(textTimeline(sim, trace, o)).split(QLatin1Char('\n')))
                if (const auto m = row.match(line); m.hasMatch())
                    out.insert(m.captured(1).toULongLong());
            return out;
        };
        std::set<uint64_t> touching;
        for (const Event &e : trace.events)
            if (e.request == RequestId(0))
                touching.insert(e.step);
        const std::set<uint64_t> req = stepsShown({"req#0"});
        QVERIFY(req.size() >= 5);
        QVERIFY(std::includes(touching.begin(), touching.end(), req.begin(), req.end()));
        const std::set<uint64_t> suppl = stepsShown({"app/suppl"});
        const std::set<uint64_t> both = stepsShown({"req#0", "app/suppl"});
        QVERIFY(std::includes(both.begin(), both.end(), req.begin(), req.end()));
        QVERIFY(std::includes(both.begin(), both.end(), suppl.begin(), suppl.end()));
        QVERIFY(both.size() > req.size() && both.size() > suppl.size());
    }

    // Under --lane THREAD, a note on a step of another thread goes with
    // that thread's column (a supplicant's spurious wake-ups filled
    // app/c1's table with empty rows; an exports audit), and in the
    // thread's own column the repeated rows still say which steps they
    // stand for (steps 37 and 38 were once dropped without a word).
    void timelineCollapsedNotesKeepTheirSteps()
    {
        auto sc = builtin("out-of-order-completion");
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        ExportOptions o;
        o.lanes = {"app/c1"};
        const QString other = q(textTimeline(sim, trace, o));
        QVERIFY2(!other.contains(QLatin1String("-- note: spurious wake-up")), qPrintable(other));
        o.lanes = {"app/slow"};
        const QString text = q(textTimeline(sim, trace, o));
        QVERIFY2(text.contains(QLatin1String("-- note: spurious wake-up")), qPrintable(text));
        static const QRegularExpression range(QStringLiteral("x(\\d+), steps (\\d+)-(\\d+)"));
        bool covered = false;
        for (auto m = range.globalMatch(text); m.hasNext();) {
            const auto h = m.next();
            covered = covered || (h.captured(2).toInt() <= 37 && h.captured(3).toInt() >= 38);
        }
        QVERIFY2(covered, qPrintable(text));
    }

    // --lane QTEE alone is QTEE's column (it printed no table), and the
    // legend names only the kinds of step a shown row took (it listed
    // all of them under --lane qcomtee_wq).
    void timelineQteeAloneAndItsLegend()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        ExportOptions o;
        o.lanes = {"QTEE"};
        const QString qtee = q(textTimeline(sim, trace, o));
        QVERIFY2(qtee.contains(QLatin1String("| QTEE")), qPrintable(qtee));
        QVERIFY2(qtee.contains(QLatin1String("<- open service (op 32)")), qPrintable(qtee));
        o.lanes = {"qcomtee_wq"};
        const QString wq = q(textTimeline(sim, trace, o));
        const QString legend = wq.mid(wq.indexOf(QLatin1String("\nlegend:")));
        QVERIFY2(legend.contains(QLatin1String("worker release")), qPrintable(wq));
        QVERIFY2(!legend.contains(QLatin1String("suppl recv")), qPrintable(wq));
        QVERIFY2(!legend.contains(QLatin1String("  open ")), qPrintable(wq));
    }

    // The request states the shown steps name are explained, and only
    // those: kill-while-processing takes req#0 to PLACEHOLDER (T8) and
    // req#1 to REMOVED (T7); a range before the kill shows neither.
    void timelineExplainsTheRequestStatesShown()
    {
        auto sc = builtin("kill-while-processing");
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const auto states = [&](const ExportOptions &o) {
            const QString text = q(textTimeline(sim, trace, o));
            const qsizetype at = text.indexOf(QLatin1String("\nrequest states ("));
            const qsizetype end = text.indexOf(QLatin1String("\nlegend:"));
            return at < 0 || end < at ? QString() : text.mid(at, end - at);
        };
        const QString all = states(ExportOptions{});
        for (const char *name : {"NEW", "QUEUED", "PROCESSING", "PLACEHOLDER", "REMOVED"})
            QVERIFY2(all.contains(QLatin1String("\n  ") + QLatin1String(name) + QLatin1Char(' ')),
                     qPrintable(all));
        QVERIFY2(all.contains(QLatin1String("empty_ureq")), qPrintable(all));
        QVERIFY2(!all.contains(QLatin1String("\n  PROCESSED ")), qPrintable(all));
        ExportOptions early;
        early.from = 1;
        early.to = 6;
        const QString before = states(early);
        QVERIFY2(before.contains(QLatin1String("\n  PROCESSING ")), qPrintable(before));
        QVERIFY2(!before.contains(QLatin1String("PLACEHOLDER")), qPrintable(before));
        QVERIFY2(!before.contains(QLatin1String("REMOVED")), qPrintable(before));
        // --lane: the states of the lanes printed; none, no block
        ExportOptions suppl;
        suppl.lanes = {"app/suppl"};
        const QString supplStates = states(suppl);
        for (const char *name : {"QUEUED", "PROCESSING"})
            QVERIFY2(supplStates.contains(QLatin1String("\n  ") + QLatin1String(name) +
                                          QLatin1Char(' ')),
                     qPrintable(supplStates));
        for (const char *name : {"NEW", "PLACEHOLDER", "REMOVED"})
            QVERIFY2(!supplStates.contains(QLatin1String("\n  ") + QLatin1String(name) +
                                           QLatin1Char(' ')),
                     qPrintable(supplStates));
        ExportOptions qtee;
        qtee.lanes = {"QTEE"};
        const QString text = q(textTimeline(sim, trace, qtee));
        QVERIFY2(!text.contains(QLatin1String("request states (")), qPrintable(text));
    }

    // The Chrome trace under --lane QTEE keeps QTEE's callbacks, which the
    // timeline puts on the calling thread's lane: they were lost, leaving
    // only the releases on QTEE's track (an export audit).
    void chromeQteeLaneKeepsCallbacks()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const auto callbacks = [&](const ExportOptions &o) {
            QStringList names;
            for (const QJsonValue v : traceEvents(chromeTrace(sim, trace, o))) {
                const QJsonObject e = v.toObject();
                if (e.value(QLatin1String("cat")).toString() == QLatin1String("qtee") &&
                    e.value(QLatin1String("name")).toString().contains(QLatin1String("calls back")))
                    names << e.value(QLatin1String("name")).toString();
            }
            return names;
        };
        const QStringList all = callbacks(ExportOptions{});
        QVERIFY2(!all.isEmpty(), "default has a callback");
        ExportOptions o;
        o.lanes = {"QTEE"};
        QCOMPARE(callbacks(o), all);
        const std::string json = chromeTrace(sim, trace, o);
        const QString problem = exportcheck::checkChromeTrace(QByteArray::fromStdString(json));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        o.lanes = {"qcomtee_wq"};
        QVERIFY(callbacks(o).isEmpty());
    }

    // A note on a step whose QTEE message --lane QTEE shows stays with it
    // (QTEE calls back the NULL object: io:3 of an invocation with one IO).
    void timelineQteeKeepsItsNotes()
    {
        QFile f(QStringLiteral(TEESCOPE_SOURCE_DIR "/resources/scenarios/default.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        std::string json = f.readAll().toStdString();
        const size_t at = json.find("\"target\": \"io:0\"");
        QVERIFY(at != std::string::npos);
        json.replace(at, 16, "\"target\": \"io:3\"");
        auto sc = fromJson(json);
        QVERIFY(sc);
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const QString all = q(textTimeline(sim, trace));
        QVERIFY2(all.contains(QLatin1String("-- note: QTEE invokes 0x0")), qPrintable(all));
        ExportOptions o;
        o.lanes = {"QTEE"};
        const QString qtee = q(textTimeline(sim, trace, o));
        QVERIFY2(qtee.contains(QLatin1String("-- note: QTEE invokes 0x0")), qPrintable(qtee));
    }

    // A note of one long word is cut at the width, every character kept
    // (cut in place: a 5 MB word took 7 s, 200 MB did not end; an app
    // audit).
    void timelineCutsLongWords()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::vector<Note> notes{Note{5, std::string(1'000'000, 'x'), ""}};
        ExportOptions o;
        o.notes = &notes;
        const std::string text = textTimeline(sim, trace, o);
        size_t xs = 0, lines = 0;
        for (size_t a = 0; a < text.size();) {
            size_t b = text.find('\n', a);
            if (b == std::string::npos)
                b = text.size();
            const std::string_view line(text.data() + a, b - a);
            QVERIFY2(line.size() <= o.width, std::string(line.substr(0, 100)).c_str());
            const size_t n = size_t(std::count(line.begin(), line.end(), 'x'));
            xs += n;
            lines += n > 0;
            a = b + 1;
        }
        QVERIFY(xs >= 1'000'000); // (other text has a few x too)
        QVERIFY(lines >= 1'000'000 / o.width);
    }

    // Rows identical apart from step and time (a supplicant looping on an
    // empty queue) print once, with their count and steps.
    void timelineCollapsesRepeats()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        Trace trace;
        for (int k = 1; k <= 12; ++k) {
            trace.schedule.push_back(k <= 2 || k > 9 ? "app/client: compute 5 ns"
                                                     : "app/suppl: SUPPL_RECV interrupted");
            trace.spans.push_back({k * 100, k * 100 + 50, ThreadId(k <= 2 || k > 9 ? 0 : 1),
                                   vocab::Verb::RecvInterrupted});
        }
        const std::string text = textTimeline(sim, trace);
        const QString problem = exportcheck::checkTextTimeline(text);
        QVERIFY2(problem.isEmpty(), qPrintable(problem + QLatin1Char('\n') + q(text)));
        QVERIFY2(q(text).contains(QLatin1String("x2, steps 1-2")), qPrintable(q(text)));
        QVERIFY2(q(text).contains(QLatin1String("x7, steps 3-9")), qPrintable(q(text)));
        QVERIFY2(q(text).contains(QLatin1String("x3, steps 10-12")), qPrintable(q(text)));
        QCOMPARE(q(text).count(QLatin1String("SUPPL_RECV interrupted")), 1);
    }

    void timelineVerdictNamesViolations()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        Trace trace;
        trace.schedule = {"app/client: a", "app/suppl: b", "app/client: c", "app/suppl: d"};
        Event v12 = ev(2, 200, EventKind::Violation, 1);
        v12.invariant = 12;
        v12.finding = Finding::ArgReadAfterFree;
        v12.thread = ThreadId(1);
        v12.request = RequestId(0);
        Event v6 = ev(3, 300, EventKind::Violation);
        v6.invariant = 6;
        v6.finding = Finding::DispatchAfterFree;
        v6.ctx = ContextId(1);
        Event again = v12;
        again.step = 4;
        again.tNs = 400;
        trace.events = {v12, v6, again};
        const std::string text = textTimeline(sim, trace);
        const QString problem = exportcheck::checkTextTimeline(text);
        QVERIFY2(problem.isEmpty(), qPrintable(problem + QLatin1Char('\n') + q(text)));
        QCOMPARE(lines(text).last(), QStringLiteral("verdict: VIOLATED I12 (step 2), I6 (step 3)"));
        QVERIFY(
            q(text).contains(QLatin1String("!! VIOLATION I12: app/suppl reads arg 0 of req#0")));
        QVERIFY(q(text).contains(QLatin1String("!! VIOLATION I6: dispatch to user obj")));

        // So many distinct invariants that the verdict must be shortened.
        trace.events.clear();
        for (int i = 1; i <= 18; ++i) {
            Event v = ev(uint64_t(i) * 100, i, EventKind::Violation);
            v.invariant = int16_t(i);
            v.finding = Finding::NotFifo;
            trace.events.push_back(v);
        }
        trace.schedule.assign(1800, "kill app");
        const std::string many = textTimeline(sim, trace);
        const QString manyProblem = exportcheck::checkTextTimeline(many);
        QVERIFY2(manyProblem.isEmpty(), qPrintable(manyProblem));
        QVERIFY(lines(many).last().contains(QRegularExpression(QStringLiteral(", \\+\\d+ more$"))));
    }

    void timelineShowsWhyItStopped()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        Trace trace;
        trace.schedule = {"app/client: a"};
        trace.events = {ev(1, 100, EventKind::SyscallEnter, 0)};
        trace.stop = StopReason::Stuck;
        trace.stopDetail = "app/client waits on completion of req 0, which nobody will ever answer "
                           "because the supplicant has exited long ago";
        const std::string text = textTimeline(sim, trace);
        const QString problem = exportcheck::checkTextTimeline(text);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(q(text).contains(QLatin1String("stop: stuck: app/client waits on completion")));
        QCOMPARE(lines(text).last(), QStringLiteral("verdict: invariants held (1 step)"));
    }

    void textCheckerRejectsBadTimelines()
    {
        const std::string good = "title\nverdict: invariants held (3 steps)\n";
        QVERIFY(exportcheck::checkTextTimeline(good).isEmpty());
        QVERIFY(!exportcheck::checkTextTimeline(std::string(81, 'x') + "\n" + good).isEmpty());
        QVERIFY(!exportcheck::checkTextTimeline("caf\xc3\xa9\n" + good).isEmpty());
        QVERIFY(!exportcheck::checkTextTimeline("a\tb\n" + good).isEmpty());
        QVERIFY(!exportcheck::checkTextTimeline("title\nno verdict here\n").isEmpty());
        QVERIFY(!exportcheck::checkTextTimeline("title \n" + good).isEmpty());
        QVERIFY(!exportcheck::checkTextTimeline("verdict: invariants held (3 steps)").isEmpty());
    }

    void timelineKillNamesVictimAndSignsErrnos()
    {
        auto sc = builtin("kill-while-processing");
        QVERIFY(sc);
        Simulator sim(sc);
        RunOptions opts;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::string text = textTimeline(sim, trace, opts);
        const QString all = q(text);
        // Both lanes are app's threads: "SIGKILL" alone is clear there.
        QCOMPARE(exportcheck::timelineCell(text, QStringLiteral("app/client"), 7),
                 QStringLiteral("SIGKILL"));
        QCOMPARE(exportcheck::timelineCell(text, QStringLiteral("app/suppl"), 7),
                 QStringLiteral("SIGKILL"));
        // Errnos as the kernel prints them, the engine's label included.
        QVERIFY2(all.contains(QLatin1String("callback response -ENODEV;")), qPrintable(all));
        QVERIFY2(!all.contains(QRegularExpression(QStringLiteral("[^-]ENODEV"))), qPrintable(all));
        // the signal ends the wait at step 8; the kill path (under
        // reqs_lock) names the request in the state it found
        QVERIFY2(exportcheck::timelineCell(text, QStringLiteral("app/client"), 8)
                     .startsWith(QLatin1String("dispatch interrupted by SIGKILL (req#0)")),
                 qPrintable(all));
        bool killPath = false;
        for (int step = 9; step < 40 && !killPath; ++step)
            killPath = exportcheck::timelineCell(text, QStringLiteral("app/client"), step)
                           .startsWith(QLatin1String("dispatch killed (req#0 PROCESSING);"));
        QVERIFY2(killPath, qPrintable(all));
        QVERIFY2(all.contains(QLatin1String("0x80000001 op RELEASE")), qPrintable(all));
        QVERIFY(!all.contains(QLatin1String("65535")));

        // A victim without a lane of its own is named on a line of its own.
        Trace synthetic;
        synthetic.schedule = {"app/client: compute 5 ns", "kill nobody"};
        synthetic.events.push_back(ev(1, 5, EventKind::Note, 0));
        synthetic.events.back().finding = Finding::SpuriousWakeup;
        Event killed = ev(2, 10, EventKind::Killed);
        killed.process = ProcessId(7);
        synthetic.events.push_back(killed);
        const std::string s = textTimeline(sim, synthetic);
        QVERIFY2(q(s).contains(QStringLiteral("-- SIGKILL to ") + q(sim.processName(ProcessId(7)))),
                 qPrintable(q(s)));
    }

    void timelineWrapKeepsNumbersWithTheirWords()
    {
        // A narrow lane (eight lanes in 80 columns) must still keep "op 32",
        // "arg 1/2" and "req 0" whole.
        for (const char *name : {"default", "kill-while-processing", "send-after-client-killed",
                                 "srcu-vs-lock", "fifo-delivery", "request-id-reuse"}) {
            auto sc = builtin(name);
            QVERIFY(sc);
            Simulator sim(sc);
            RunOptions opts;
            std::string error;
            const Trace trace = run(sim, opts, &error);
            QVERIFY2(error.empty(), error.c_str());
            const std::string text = textTimeline(sim, trace, opts);
            const QString split = exportcheck::checkUnsplitPairs(text);
            QVERIFY2(split.isEmpty(),
                     qPrintable(QLatin1String(name) + QLatin1String(": ") + split));
        }
        // The checker itself catches the reviewed defect.
        const std::string bad = "t\n\nstep | a\n-----+----------\n   1 | ROOT op\n     | "
                                "32\n\nverdict: invariants held (1 step)\n";
        QVERIFY(!exportcheck::checkUnsplitPairs(bad).isEmpty());
        const std::string good = "t\n\nstep | a\n-----+----------\n   1 | ROOT\n     | op "
                                 "32\n\nverdict: invariants held (1 step)\n";
        QVERIFY(exportcheck::checkUnsplitPairs(good).isEmpty());
    }

    // A SIGKILL reaches the threads still alive: one that exited before
    // the kill shows nothing (supplicant-exits-holding, step 12).
    void exitedThreadsGetNoSignal()
    {
        auto sc = builtin("supplicant-exits-holding");
        QVERIFY(sc);
        Simulator sim(sc);
        RunOptions opts;
        opts.policy = sc->policy;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        uint64_t kill = 0;
        for (const Event &e : trace.events)
            if (e.kind == EventKind::Killed)
                kill = e.step;
        QVERIFY(kill > 0);
        const std::string text = textTimeline(sim, trace, opts);
        QVERIFY(exportcheck::timelineCell(text, QStringLiteral("app/client"), int(kill))
                    .contains(QLatin1String("SIGKILL")));
        QVERIFY2(!exportcheck::timelineCell(text, QStringLiteral("app/suppl"), int(kill))
                      .contains(QLatin1String("SIGKILL")),
                 text.c_str());
    }

    void timelineNamesReusedRequestIds()
    {
        auto sc = builtin("request-id-reuse");
        QVERIFY(sc);
        Simulator sim(sc);
        RunOptions opts;
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        const std::string text = textTimeline(sim, trace, opts);
        // alice's and bob's requests both got reqs_idr id 0 in ctx 1.
        const QString alice = exportcheck::timelineCell(text, QStringLiteral("app/alice"), 5);
        const QString bob = exportcheck::timelineCell(text, QStringLiteral("app/bob"), 14);
        static const QRegularExpression name(QStringLiteral("req#\\d+"));
        const QString a = name.match(alice).captured(0);
        const QString b = name.match(bob).captured(0);
        QVERIFY2(!a.isEmpty() && !b.isEmpty(), qPrintable(alice + QLatin1String(" | ") + bob));
        QVERIFY(a != b);
        // The buggy SEND is shown against bob's request, not alice's.
        QVERIFY2(exportcheck::timelineCell(text, QStringLiteral("app/suppl"), 15)
                     .contains(b + QLatin1String(" QUEUED>PROCESSED")),
                 qPrintable(q(text)));
    }

    // -- describeEvent -----------------------------------------------------

    void describeEvents()
    {
        auto sc = builtin("default");
        Simulator sim(sc);
        Event rs = ev(6, 0, EventKind::RequestState, 1);
        rs.request = RequestId(0);
        rs.reqId = 0;
        rs.ctx = ContextId(2);
        rs.from = ReqState::QUEUED;
        rs.to = ReqState::PROCESSING;
        QCOMPARE(q(describeEvent(sim, rs)),
                 QStringLiteral("req#0 (ctx2 id 0) QUEUED -> PROCESSING by app/suppl"));
        Event notif = rs;
        notif.request = RequestId(3);
        notif.from = ReqState::New;
        notif.to = ReqState::QUEUED;
        notif.op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
        QCOMPARE(
            q(describeEvent(sim, notif)),
            QStringLiteral("req#3 (ctx2 id 0) NEW -> QUEUED (RELEASE notification) by app/suppl"));
        Event done = rs;
        done.from = ReqState::PROCESSING;
        done.to = ReqState::PROCESSED;
        done.errno_ = err::kEINVAL;
        QCOMPARE(
            q(describeEvent(sim, done)),
            QStringLiteral("req#0 (ctx2 id 0) PROCESSING -> PROCESSED (-EINVAL) by app/suppl"));
        Event open = ev(2, 0, EventKind::SmcInvoke, 0);
        open.qteeId = QCOMTEE_MSG_OBJECT_ROOT;
        open.op = kOpenServiceOp;
        QCOMPARE(q(describeEvent(sim, open)), QStringLiteral("app/client SMC: invoke ROOT op 32"));
        Event rel = ev(2, 0, EventKind::QteeCallback, 0);
        rel.qteeId = QCOMTEE_CB_ID_FIRST;
        rel.op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
        QCOMPARE(q(describeEvent(sim, rel)),
                 QStringLiteral("QTEE calls back 0x80000001 op RELEASE on app/client"));
        Event put = ev(7, 0, EventKind::RefPut);
        put.object = ObjectId(5);
        put.refcount = 1;
        put.holder = HolderKind::DriverCopy;
        put.holderArg = 0;
        QCOMPARE(q(describeEvent(sim, put)),
                 QStringLiteral("obj5 refcount 2 -> 1 (put by driver copy (app/client))"));
        Event ret = ev(8, 0, EventKind::SyscallReturn, 0);
        ret.errno_ = err::kENODEV;
        QCOMPARE(q(describeEvent(sim, ret)), QStringLiteral("app/client returns -ENODEV"));
        Event viol = ev(9, 0, EventKind::Violation);
        viol.invariant = 12;
        viol.finding = Finding::ArgReadAfterFree;
        viol.thread = ThreadId(1);
        viol.request = RequestId(4);
        viol.reqId = 0;
        viol.ctx = ContextId(1);
        viol.value = 1;
        QCOMPARE(
            q(describeEvent(sim, viol)),
            QStringLiteral("VIOLATION I12: app/suppl reads arg 1 of req#4 (ctx1 id 0) after the "
                           "client's dispatch returned: use after free"));
        Event cb = ev(5, 0, EventKind::QteeCallback, 0);
        cb.qteeId = QCOMTEE_CB_ID_FIRST;
        cb.op = 7;
        QCOMPARE(q(describeEvent(sim, cb)),
                 QStringLiteral("QTEE calls back 0x80000001 op 7 on app/client"));
        // Every kind has a sentence of its own (no fallback to the raw name).
        for (int k = 0; std::string(eventKindName(EventKind(k))) != "?"; ++k) {
            Event e = ev(1, 0, EventKind(k), 0);
            const std::string d = describeEvent(sim, e);
            QVERIFY2(!d.empty() && d != eventKindName(EventKind(k)), eventKindName(EventKind(k)));
            QVERIFY(d.find('\n') == std::string::npos);
        }
    }

    // Fields at the ends of what the capture reader accepts are described
    // exactly, without overflow (a refcount's "before" is one off it; an
    // errno of INT32_MIN cannot be negated).
    void describeExtremeValues_data()
    {
        constexpr int32_t lo = std::numeric_limits<int32_t>::min();
        constexpr int32_t hi = std::numeric_limits<int32_t>::max();
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("refcount");
        QTest::addColumn<int>("errno_");
        QTest::addColumn<QString>("expected");
        QTest::newRow("put at INT32_MAX") << int(EventKind::RefPut) << hi << 0
                                          << QStringLiteral("refcount 2147483648 -> 2147483647");
        QTest::newRow("get at INT32_MIN") << int(EventKind::RefGet) << lo << 0
                                          << QStringLiteral("refcount -2147483649 -> -2147483648");
        QTest::newRow("context put at INT32_MAX")
            << int(EventKind::ContextPut) << hi << 0
            << QStringLiteral("refcount 2147483648 -> 2147483647");
        QTest::newRow("errno INT32_MIN")
            << int(EventKind::SyscallReturn) << 0 << lo << QStringLiteral("returns -2147483648");
        QTest::newRow("errno past MAX_ERRNO")
            << int(EventKind::SyscallReturn) << 0 << -4096 << QStringLiteral("returns -4096");
        QTest::newRow("unnamed errno")
            << int(EventKind::SyscallReturn) << 0 << -4095 << QStringLiteral("returns -E4095");
        QTest::newRow("positive errno")
            << int(EventKind::SyscallReturn) << 0 << hi << QStringLiteral("returns 2147483647");
    }

    void describeExtremeValues()
    {
        QFETCH(int, kind);
        QFETCH(int, refcount);
        QFETCH(int, errno_);
        QFETCH(QString, expected);
        auto sc = builtin("default");
        Simulator sim(sc);
        Event e = ev(1, 1000, EventKind(kind), 0);
        e.object = ObjectId(0);
        e.ctx = ContextId(1);
        e.refcount = refcount;
        e.errno_ = errno_;
        const QString d = q(describeEvent(sim, e));
        QVERIFY2(d.contains(expected), qPrintable(d));
        // The exports go through the same arithmetic.
        Trace trace;
        trace.schedule = {"app/client: open /dev/tee"};
        trace.events = {e};
        const QString timeline = q(textTimeline(sim, trace));
        QVERIFY2(!timeline.isEmpty(), "no timeline");
        const QString problem =
            exportcheck::checkChromeTrace(QByteArray::fromStdString(chromeTrace(sim, trace)));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // -- every built-in scenario -------------------------------------------

    void everyBuiltinExportsCleanly_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("random");
        for (const BuiltinInfo &b : builtinScenarios()) {
            QTest::newRow((b.name + " scripted").c_str()) << q(b.name) << false;
            QTest::newRow((b.name + " random").c_str()) << q(b.name) << true;
        }
    }

    void everyBuiltinExportsCleanly()
    {
        QFETCH(QString, name);
        QFETCH(bool, random);
        auto sc = builtin(name.toStdString().c_str());
        QVERIFY(sc);
        Simulator sim(sc);
        RunOptions opts;
        opts.maxSteps = 1500;
        if (random) {
            opts.policy = Policy::Random;
            opts.seed = 7;
            opts.useSchedule = false;
        }
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        const QString chrome =
            exportcheck::checkChromeTrace(QByteArray::fromStdString(chromeTrace(sim, trace)));
        QVERIFY2(chrome.isEmpty(), qPrintable(chrome));
        const QString text = exportcheck::checkTextTimeline(textTimeline(sim, trace, opts));
        QVERIFY2(text.isEmpty(), qPrintable(text));
    }
};

QTEST_GUILESS_MAIN(TestExports)
#include "tst_exports.moc"
