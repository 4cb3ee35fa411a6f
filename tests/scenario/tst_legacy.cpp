// Schedules written before the vocabulary keep working (issue 8): scenario
// files and captures from a49c31b (model version 1) and from 4dd02c0 (model
// version 2) name actions with the old labels ("OBJECT_INVOKE obj 0 op 1",
// "SUPPL_SEND req 0 ret 0", "RECV marshal arg 1/2 of req 0"). An old label
// matches the enabled action whose old rendering it equals; one that names
// several enabled actions is an error naming them.
#include "core/engine.h"
#include "simulator/capture.h"
#include "simulator/exports.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QDir>
#include <QTest>

using namespace tee;
using namespace tee::sim;

namespace {

QString dataDir()
{
    return QStringLiteral(TEESCOPE_TEST_DATA);
}

// Every name as the simulator gives it, except that threads 0 and 1 are
// both "twin": their labels then differ only where the action does.
class Twins final : public Environment
{
public:
    explicit Twins(const Simulator &sim)
        : m_sim(sim)
    {}
    Syscall nextSyscall(const State &s, const Thread &t) const override
    {
        return m_sim.nextSyscall(s, t);
    }
    void syscallReturned(State &s, Thread &t, const SyscallResult &r) const override
    {
        m_sim.syscallReturned(s, t, r);
    }
    void qteeInvoke(State &s, Thread &t) const override { m_sim.qteeInvoke(s, t); }
    void qteeCallbackResponse(State &s, Thread &t, int32_t result) const override
    {
        m_sim.qteeCallbackResponse(s, t, result);
    }
    void enabledFaults(const State &s, std::vector<Action> &out) const override
    {
        m_sim.enabledFaults(s, out);
    }
    std::string processName(ProcessId p) const override { return m_sim.processName(p); }
    std::string threadName(ThreadId t) const override
    {
        return t.v == 0 || t.v == 1 ? std::string("twin") : m_sim.threadName(t);
    }

private:
    const Simulator &m_sim;
};

const char *kTwoClients = R"({
  "name": "two-clients", "title": "Two clients of one service",
  "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {"1": [{"do": "return", "result": 0}]}}]},
  "processes": [
    {"name": "p", "threads": [{"name": "a", "program": [{"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1}, {"do": "exit"}]}]},
    {"name": "q", "threads": [{"name": "b", "program": [{"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1}, {"do": "exit"}]}]}]})";

} // namespace

class TestLegacy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A scenario file whose fixed schedule uses the old labels runs exactly
    // as the built-in (whose schedule now uses the vocabulary's labels).
    void oldScenarioSchedules_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("builtin");
        for (const char *commit : {"a49c31b", "4dd02c0"}) {
            const QDir dir(dataDir() + QStringLiteral("/legacy/") + QLatin1String(commit));
            for (const QString &f : dir.entryList({QStringLiteral("*.json")}, QDir::Files))
                QTest::newRow(qPrintable(QLatin1String(commit) + QLatin1Char('/') + f))
                    << dir.filePath(f) << QFileInfo(f).completeBaseName();
        }
        QVERIFY(QTest::currentTestFunction());
    }

    void oldScenarioSchedules()
    {
        QFETCH(QString, file);
        QFETCH(QString, builtin);
        std::string error;
        const auto old = loadScenario(file.toStdString(), &error);
        QVERIFY2(old, error.c_str());
        const auto now = loadBuiltin(builtin.toStdString(), &error);
        QVERIFY2(now, error.c_str());
        QVERIFY(!old->schedule.empty());
        QVERIFY2(old->schedule != now->schedule, "the fixture should use the old labels");
        const Simulator a(old), b(now);
        RunOptions oa, ob;
        oa.maxSteps = old->maxSteps;
        ob.maxSteps = now->maxSteps;
        const Trace ta = run(a, oa, &error);
        QVERIFY2(error.empty(), error.c_str());
        const Trace tb = run(b, ob, &error);
        QVERIFY2(error.empty(), error.c_str());
        QCOMPARE(ta.schedule, tb.schedule); // the old labels named the same actions
        // The built-ins' threads now wait for what other threads set (the
        // wait step): the same schedule gives the same events, and the
        // waits' own (model version 9).
        const auto userWait = [](const Event &e) {
            return (e.kind == EventKind::Blocked || e.kind == EventKind::Woken) &&
                   e.value == int32_t(BlockReason::UserWait);
        };
        EventList withoutWaits = tb.events;
        std::erase_if(withoutWaits, userWait);
        QVERIFY(std::none_of(ta.events.begin(), ta.events.end(), userWait));
        QVERIFY(ta.events == withoutWaits);
    }

    // Captures of model versions 1 and 2: their whole schedule still applies.
    void oldCaptureSchedules_data()
    {
        QTest::addColumn<QString>("file");
        const QDir dir(dataDir() + QStringLiteral("/captures"));
        for (const QString &f : dir.entryList({QStringLiteral("model*.json")}, QDir::Files))
            QTest::newRow(qPrintable(f)) << dir.filePath(f);
    }

    void oldCaptureSchedules()
    {
        QFETCH(QString, file);
        std::string error;
        const auto cap = readCapture(file.toStdString(), &error);
        QVERIFY2(cap, error.c_str());
        QVERIFY(cap->modelVersion < kModelVersion);
        const Simulator sim(cap->scenario, cap->variant);
        const Trace tr = replay(sim, cap->schedule, &error);
        QVERIFY2(error.empty(), error.c_str());
        QCOMPARE(tr.schedule.size(), cap->schedule.size());
        // ... under today's labels, which replay as they are.
        const Trace again = replay(sim, tr.schedule, &error);
        QVERIFY2(error.empty(), error.c_str());
        QVERIFY(again.events == tr.events);
    }

    // An old label naming two enabled actions is an error naming both.
    void ambiguousOldLabel()
    {
        std::string error;
        const auto sc = loadScenarioJson(kTwoClients, "two-clients", &error);
        QVERIFY2(sc, error.c_str());
        const Simulator sim(sc);
        State s = sim.initialState();
        EventList events;
        // Both threads open /dev/tee and their service (objref 0 in each ctx).
        for (int i = 0; i < 3; ++i)
            for (int32_t t : {0, 1})
                sim.engine().apply(s, Action{Action::Kind::Thread, t, -1}, events);
        const Twins twins(sim);
        const Engine engine(twins, sim.engine().variant());
        const std::vector<Action> en = engine.enabled(s);
        QVERIFY(en.size() >= 2);
        QCOMPARE(QString::fromStdString(engine.label(s, en.at(0))),
                 QStringLiteral("twin: OBJECT_INVOKE objref 0 op 1"));
        QCOMPARE(engine.label(s, en.at(1)), std::string("twin: OBJECT_INVOKE objref 0 op 1"));
        // Today's label: the first enabled action, as a schedule always did.
        QCOMPARE(engine.matchLabel(s, en, "twin: OBJECT_INVOKE objref 0 op 1"), 0);
        // The old one names both: an error, with both listed.
        std::string why;
        QCOMPARE(engine.matchLabel(s, en, "twin: OBJECT_INVOKE obj 0 op 1", &why), -2);
        QVERIFY2(why.find("several enabled actions") != std::string::npos, why.c_str());
        // Unknown in both renderings: not enabled.
        QCOMPARE(engine.matchLabel(s, en, "twin: frobnicate"), -1);
        // With distinct names an old label picks its one action.
        QCOMPARE(sim.engine().matchLabel(s, en, "q/b: OBJECT_INVOKE obj 0 op 1"), 1);
    }
};

QTEST_GUILESS_MAIN(TestLegacy)
#include "tst_legacy.moc"
