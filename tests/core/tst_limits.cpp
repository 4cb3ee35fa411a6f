// Values at the edges of what the loaders accept, run without undefined
// behaviour (issue 6 §2; the asan preset turns any UB here into a failure):
// errnos outside the kernel's range, thread and process ids up to INT32_MAX,
// simulated time past INT64_MAX, and faults past the 32nd.
#include "scenariorunner.h"

#include <QObject>
#include <QString>
#include <QTest>

#include <cstdint>
#include <limits>
#include <string>

using namespace tee;
using namespace teetest;

namespace {

constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxNs = 1000000000000; // the loader's bound on every cost and duration

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// Every cost at its documented maximum, and a thread that computes for the
// maximum duration forever: each step adds 2 * 10^12 ns, so the 10^8 steps
// the loader allows would reach 2 * 10^20 ns, far past INT64_MAX.
constexpr const char *kSlow = R"json({
  "name": "slow",
  "costs": {"syscall": 1000000000000, "lock": 1000000000000, "marshal": 1000000000000,
            "smc": 1000000000000, "dispatch": 1000000000000, "wakeup": 1000000000000,
            "kill": 1000000000000, "close": 1000000000000, "user_step": 1000000000000,
            "release": 1000000000000},
  "max_steps": 100000000,
  "processes": [{"name": "p", "threads": [{"name": "t", "program": [
      {"do": "compute", "ns": 1000000000000}, {"do": "open", "as": "fd"},
      {"do": "close", "fd": "fd"}, {"do": "jump", "to": 0}]}]}]
})json";

// `count` faults; fault `fire` kills "victim" from step 1 on, every other one
// waits for a step the run never reaches and would kill "bystander".
std::string manyFaults(int count, int fire)
{
    std::string faults;
    for (int i = 0; i < count; ++i) {
        faults += i ? "," : "";
        faults += i == fire ? R"({"kill": "victim", "at_step": 1})"
                            : R"({"kill": "bystander", "at_step": 100000000})";
    }
    return R"({"name": "faults", "processes": [
      {"name": "victim", "threads": [{"program": [{"do": "compute", "ns": 1}, {"do": "jump", "to": 0}]}]},
      {"name": "bystander", "threads": [{"program": [{"do": "compute", "ns": 1}, {"do": "jump", "to": 0}]}]}],
      "faults": [)" +
           faults + "]}";
}

} // namespace

class TstLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void errnoNames_data();
    void errnoNames();
    void namesOfExtremeIds_data();
    void namesOfExtremeIds();
    void timeSaturates();
    void everyAcceptedFaultFires_data();
    void everyAcceptedFaultFires();
};

// An errno outside the kernel's range (1..4095 negated) prints as its number;
// INT32_MIN is not negated on the way.
void TstLimits::errnoNames_data()
{
    QTest::addColumn<int32_t>("value");
    QTest::addColumn<QString>("name");
    QTest::newRow("0") << 0 << QStringLiteral("0");
    QTest::newRow("EINVAL") << -22 << QStringLiteral("EINVAL");
    QTest::newRow("ERESTARTSYS") << -512 << QStringLiteral("ERESTARTSYS");
    QTest::newRow("unnamed, in range") << -4095 << QStringLiteral("E4095");
    QTest::newRow("past MAX_ERRNO") << -4096 << QStringLiteral("-4096");
    QTest::newRow("INT32_MIN") << kI32Min << QStringLiteral("-2147483648");
    QTest::newRow("positive") << 7 << QStringLiteral("7");
    QTest::newRow("INT32_MAX") << kI32Max << QStringLiteral("2147483647");
}

void TstLimits::errnoNames()
{
    QFETCH(int32_t, value);
    QFETCH(QString, name);
    QCOMPARE(q(errnoName(value)), name);
    // What it parses back to, when it is a name or a number parseErrno knows.
    int32_t back = 0;
    if (parseErrno(errnoName(value), back) && value >= -4095 && value <= 0)
        QCOMPARE(back, value);
}

// Environment's fallback names ("T<id+1>") for ids a capture may carry.
void TstLimits::namesOfExtremeIds_data()
{
    QTest::addColumn<bool>("thread");
    QTest::addColumn<int32_t>("id");
    QTest::addColumn<QString>("name");
    QTest::newRow("thread 0") << true << 0 << QStringLiteral("app/client");
    QTest::newRow("the release worker") << true << 2 << QStringLiteral("qcomtee_wq");
    QTest::newRow("thread past the scenario") << true << 3 << QStringLiteral("T4");
    QTest::newRow("thread INT32_MAX") << true << kI32Max << QStringLiteral("T2147483648");
    QTest::newRow("process 0") << false << 0 << QStringLiteral("app");
    QTest::newRow("process past the scenario") << false << 1 << QStringLiteral("P2");
    QTest::newRow("process INT32_MAX") << false << kI32Max << QStringLiteral("P2147483648");
}

void TstLimits::namesOfExtremeIds()
{
    QFETCH(bool, thread);
    QFETCH(int32_t, id);
    QFETCH(QString, name);
    std::string error;
    auto sc = tee::sim::loadBuiltin("default", &error);
    QVERIFY2(sc, error.c_str());
    tee::sim::Simulator sim(sc);
    QCOMPARE(q(thread ? sim.threadName(ThreadId(id)) : sim.processName(ProcessId(id))), name);
}

// Simulated time stops at INT64_MAX instead of overflowing. The run starts
// ten maximal steps short of the limit (reaching it from 0 takes millions of
// steps, within max_steps but too slow for a test).
void TstLimits::timeSaturates()
{
    std::string error;
    auto sc = loadScenario(kSlow, &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    r.state.tNs = kI64Max - 10 * kMaxNs;
    for (size_t i = 0; i < r.state.threads.size(); ++i) // every thread's own clock, too
        r.state.threads.mut(i).clockNs.ns = r.state.tNs;
    QVERIFY(!r.runScripted(100)); // runs forever: the bound stops it
    QCOMPARE(r.state.step, uint64_t(100));
    QCOMPARE(r.state.tNs, kI64Max);
    QVERIFY(!r.events.empty());
    int64_t last = kI64Max - 10 * kMaxNs;
    for (const Event &e : r.events) {
        QVERIFY2(e.tNs >= last, qPrintable(QStringLiteral("time goes back at step %1: %2 -> %3")
                                               .arg(e.step)
                                               .arg(last)
                                               .arg(e.tNs)));
        last = e.tNs;
    }
    QCOMPARE(r.events.back().tNs, kI64Max);

    // A kill (cost 10^12) at the limit stays there too.
    std::vector<Action> en = r.engine().enabled(r.state);
    QVERIFY(!en.empty());
    Action kill{Action::Kind::Kill, 0, -1};
    r.apply(kill);
    QCOMPARE(r.state.tNs, kI64Max);
}

// The loader accepts 1024 faults; every one of them can fire (a 32-bit mask
// of taken faults, its `1u << fault` guarded to fault < 32, left #32 and
// later dead).
void TstLimits::everyAcceptedFaultFires_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("fire");
    QTest::newRow("40 faults, #0") << 40 << 0;
    QTest::newRow("40 faults, #31") << 40 << 31;
    QTest::newRow("40 faults, #32") << 40 << 32;
    QTest::newRow("40 faults, #35") << 40 << 35;
    QTest::newRow("1024 faults, #1023 (the last accepted)") << 1024 << 1023;
}

void TstLimits::everyAcceptedFaultFires()
{
    QFETCH(int, count);
    QFETCH(int, fire);
    const std::string json = manyFaults(count, fire);
    std::string error;
    auto sc = loadScenario(json.c_str(), &error);
    QVERIFY2(sc, error.c_str());
    QCOMPARE(sc->faults.size(), size_t(count));
    ScenarioRunner r(sc);
    const ProcessId victim = r.processId("victim");
    const ProcessId bystander = r.processId("bystander");
    QVERIFY(victim.valid() && bystander.valid());
    QVERIFY(!r.runScripted(20)); // the bystander computes forever
    int victimKills = 0;
    int bystanderKills = 0;
    for (const Event &e : ofKind(r.events, EventKind::Killed)) {
        victimKills += e.process == victim;
        bystanderKills += e.process == bystander;
    }
    QCOMPARE(victimKills, 1);
    QCOMPARE(bystanderKills, 0);
    // The scripted order takes a conditional fault as soon as it is enabled:
    // at_step 1 is the first step.
    QCOMPARE(r.schedule.at(0), std::string("kill victim"));
    for (int i = 0; i < count; ++i)
        QVERIFY2(r.state.faultsTaken.has(size_t(i)) == (i == fire), qPrintable(QString::number(i)));
}

QTEST_GUILESS_MAIN(TstLimits)
#include "tst_limits.moc"
