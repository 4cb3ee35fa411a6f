// TimeMapping: model <-> pixel on both axes, the tolerance in model units,
// the integer window for the queries; a run's step range on each axis and
// back (per-thread time: a later step may start earlier).
#include "app/render/timemapping.h"
#include "renderfixture.h"

#include <QTest>

#include <limits>

using namespace tee;
using namespace tee::render;

class TestTimeMapping : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void toPixelAndBack_data()
    {
        QTest::addColumn<double>("lower");
        QTest::addColumn<double>("upper");
        QTest::addColumn<double>("left");
        QTest::addColumn<double>("width");
        QTest::addColumn<double>("x");
        QTest::addColumn<double>("px");
        QTest::newRow("origin") << 0.0 << 100.0 << 0.0 << 1000.0 << 0.0 << 0.0;
        QTest::newRow("right edge") << 0.0 << 100.0 << 0.0 << 1000.0 << 100.0 << 1000.0;
        QTest::newRow("offset plot") << 0.0 << 100.0 << 150.0 << 1000.0 << 50.0 << 650.0;
        QTest::newRow("zoomed ns") << 20000.0 << 30000.0 << 150.0 << 1450.0 << 25000.0 << 875.0;
        QTest::newRow("left of view") << 10.0 << 20.0 << 0.0 << 100.0 << 5.0 << -50.0;
        QTest::newRow("right of view") << 10.0 << 20.0 << 0.0 << 100.0 << 30.0 << 200.0;
        QTest::newRow("huge ns") << 0.0 << 4.0e10 << 100.0 << 1000.0 << 2.0e10 << 600.0;
    }
    void toPixelAndBack()
    {
        QFETCH(double, lower);
        QFETCH(double, upper);
        QFETCH(double, left);
        QFETCH(double, width);
        QFETCH(double, x);
        QFETCH(double, px);
        const TimeMapping m{sim::Axis::Time, lower, upper, left, width};
        QCOMPARE(m.toPixel(x), px);
        QCOMPARE(m.toModel(px), x);
        QCOMPARE(m.pixelsPerUnit(), width / (upper - lower));
    }

    void degenerateRange()
    {
        const TimeMapping m{sim::Axis::Step, 5, 5, 10, 100};
        QCOMPARE(m.pixelsPerUnit(), 0.0);
        QCOMPARE(m.toModel(50), 5.0);
        QCOMPARE(m.unitsFor(4), int64_t(0));
    }

    void unitsFor_data()
    {
        QTest::addColumn<double>("lower");
        QTest::addColumn<double>("upper");
        QTest::addColumn<double>("width");
        QTest::addColumn<double>("px");
        QTest::addColumn<qint64>("units");
        QTest::newRow("1 unit per 10 px, 4 px") << 0.0 << 100.0 << 1000.0 << 4.0 << qint64(1);
        QTest::newRow("1 unit per 10 px, 25 px") << 0.0 << 100.0 << 1000.0 << 25.0 << qint64(3);
        QTest::newRow("100 units per px, 4 px") << 0.0 << 100000.0 << 1000.0 << 4.0 << qint64(400);
        QTest::newRow("no tolerance") << 0.0 << 100.0 << 1000.0 << 0.0 << qint64(0);
    }
    void unitsFor()
    {
        QFETCH(double, lower);
        QFETCH(double, upper);
        QFETCH(double, width);
        QFETCH(double, px);
        QFETCH(qint64, units);
        const TimeMapping m{sim::Axis::Time, lower, upper, 0, width};
        QCOMPARE(m.unitsFor(px), int64_t(units));
    }

    void window_data()
    {
        QTest::addColumn<double>("lower");
        QTest::addColumn<double>("upper");
        QTest::addColumn<qint64>("from");
        QTest::addColumn<qint64>("to");
        QTest::newRow("whole") << 0.0 << 24.0 << qint64(0) << qint64(24);
        QTest::newRow("fractions widen") << 3.2 << 7.7 << qint64(3) << qint64(8);
        QTest::newRow("negative lower") << -1.5 << 2.0 << qint64(-2) << qint64(2);
        QTest::newRow("beyond int64") << -1e30 << 1e30 << std::numeric_limits<qint64>::min()
                                      << std::numeric_limits<qint64>::max();
    }
    void window()
    {
        QFETCH(double, lower);
        QFETCH(double, upper);
        QFETCH(qint64, from);
        QFETCH(qint64, to);
        const TimeMapping m{sim::Axis::Step, lower, upper, 0, 100};
        QCOMPARE(m.window().first, int64_t(from));
        QCOMPARE(m.window().second, int64_t(to));
    }

    // An interval's extent on each axis; instants and flow ends; the cursor
    // at a step's end.
    void positionsOnAxes()
    {
        sim::Interval iv;
        iv.firstStep = 3;
        iv.lastStep = 7;
        iv.startNs = 1200;
        iv.endNs = 900; // per-thread time never makes end < start; the mapping does not care
        QCOMPARE(TimeMapping::startOf(iv, sim::Axis::Step), int64_t(3));
        QCOMPARE(TimeMapping::endOf(iv, sim::Axis::Step), int64_t(7));
        QCOMPARE(TimeMapping::startOf(iv, sim::Axis::Time), int64_t(1200));
        QCOMPARE(TimeMapping::endOf(iv, sim::Axis::Time), int64_t(900));
        sim::Instant in;
        in.step = 4;
        in.tNs = 1500;
        QCOMPARE(TimeMapping::at(in, sim::Axis::Step), int64_t(4));
        QCOMPARE(TimeMapping::at(in, sim::Axis::Time), int64_t(1500));

        const TimelineSource src = renderfixture::builtin("kill-while-processing");
        QVERIFY(src.valid());
        const sim::Timeline &tl = *src.timeline;
        for (uint64_t k = 0; k <= tl.stepCount(); ++k) {
            QCOMPARE(TimeMapping::stepEnd(tl, k, sim::Axis::Step), int64_t(k));
            QCOMPARE(TimeMapping::stepEnd(tl, k, sim::Axis::Time), tl.step(k).endNs);
        }
        // past the end: the last step
        QCOMPARE(TimeMapping::stepEnd(tl, tl.stepCount() + 5, sim::Axis::Step),
                 int64_t(tl.stepCount()));
    }

    // Steps -> axis range -> steps: the range covers every step asked for
    // on the time axis even though per-thread time interleaves them.
    void stepRanges_data()
    {
        QTest::addColumn<int>("from");
        QTest::addColumn<int>("to");
        QTest::newRow("all") << 1 << 1000;
        QTest::newRow("first") << 1 << 1;
        QTest::newRow("middle") << 7 << 12;
        QTest::newRow("after the kill (earlier times)") << 16 << 20;
    }
    void stepRanges()
    {
        QFETCH(int, from);
        QFETCH(int, to);
        const TimelineSource src = renderfixture::builtin("kill-while-processing");
        const sim::Timeline &tl = *src.timeline;
        const uint64_t last = std::min<uint64_t>(uint64_t(to), tl.stepCount());
        const auto [s0, s1] = stepRangeOnAxis(tl, uint64_t(from), uint64_t(to), sim::Axis::Step);
        QCOMPARE(s0, double(from - 1));
        QCOMPARE(s1, double(last));
        const auto [t0, t1] = stepRangeOnAxis(tl, uint64_t(from), uint64_t(to), sim::Axis::Time);
        for (uint64_t k = uint64_t(from); k <= last; ++k) {
            QVERIFY(double(tl.step(k).startNs) >= t0);
            QVERIFY(double(tl.step(k).endNs) <= t1);
        }
        // and back: the step axis gives the same steps exactly
        const auto [b0, b1] = stepsInRange(tl, s0, s1, sim::Axis::Step);
        QCOMPARE(b0, uint64_t(from));
        QCOMPARE(b1, last);
        // the time axis gives at least those steps
        const auto [c0, c1] = stepsInRange(tl, t0, t1, sim::Axis::Time);
        QVERIFY(c0 <= uint64_t(from));
        QVERIFY(c1 >= last);
    }
};

QTEST_MAIN(TestTimeMapping)
#include "tst_timemapping.moc"
