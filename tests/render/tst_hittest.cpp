// Hit testing in pixels on kill-while-processing: the row under y, then on
// its lane the instant or interval under x within a pixel tolerance, and the
// step the point stands for.
#include "app/render/hittest.h"
#include "app/render/meaning.h"
#include "renderfixture.h"

#include <QTest>

using namespace tee;
using namespace tee::render;

class TestHitTest : public QObject
{
    Q_OBJECT

private:
    TimelineSource m_src;
    LaneLayout m_layout;

    TimeMapping fullView(sim::Axis axis) const
    {
        const sim::Timeline &tl = *m_src.timeline;
        const double hi = axis == sim::Axis::Step ? double(tl.stepCount()) : double(tl.endNs());
        return {axis, 0, hi, 100, 1000};
    }
    double laneY(uint32_t lane) const
    {
        const int row = m_layout.rowOfLane(lane);
        return m_layout.rowTop(row) + m_layout.rowHeightOf(row) / 2.0;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_src = renderfixture::builtin("kill-while-processing");
        QVERIFY(m_src.valid());
        m_layout = LaneLayout(m_src.timeline->lanes());
    }

    // The middle of every interval wide enough to aim at hits it (or an
    // instant drawn over it), on both axes.
    void everyIntervalUnderItsMiddle_data()
    {
        QTest::addColumn<int>("axis");
        QTest::newRow("time") << int(sim::Axis::Time);
        QTest::newRow("step") << int(sim::Axis::Step);
    }
    void everyIntervalUnderItsMiddle()
    {
        QFETCH(int, axis);
        const sim::Timeline &tl = *m_src.timeline;
        const TimeMapping map = fullView(sim::Axis(axis));
        int checked = 0;
        for (uint32_t i = 0; i < tl.intervals().size(); ++i) {
            const sim::Interval &iv = tl.intervals()[i];
            const double x0 = map.toPixel(double(TimeMapping::startOf(iv, map.axis)));
            const double x1 = map.toPixel(double(TimeMapping::endOf(iv, map.axis)));
            if (x1 - x0 < 12)
                continue;
            const PixelHit h = hitTestPixel(tl, m_layout, map, (x0 + x1) / 2, laneY(iv.lane), 2);
            QCOMPARE(h.laneRow.lane, iv.lane);
            QVERIFY(h.onItem());
            if (h.hit.what == sim::Hit::What::Interval) {
                // the one under x; on overlapping lanes the one that started last
                const sim::Interval &got = tl.intervals()[h.hit.index];
                QCOMPARE(got.lane, iv.lane);
                QCOMPARE(h.hit.distance, int64_t(0));
                if (tl.lanes()[iv.lane].key.kind != sim::LaneKind::Qtee &&
                    tl.lanes()[iv.lane].key.kind != sim::LaneKind::Workqueue)
                    QCOMPARE(h.hit.index, i);
            }
            ++checked;
        }
        QVERIFY(checked > 10);
    }

    // On the step axis an interval [k, k+1] is drawn from step k to step
    // k+1: every point inside it, its right half too, is on it, not on the
    // lane's next interval that starts at k+1 (rounding sent x = k+0.5 and
    // above there).
    void oneStepIntervalsOnTheStepAxis()
    {
        const sim::Timeline &tl = *m_src.timeline;
        const TimeMapping map = fullView(sim::Axis::Step);
        int checked = 0;
        for (uint32_t i = 0; i + 1 < tl.intervals().size(); ++i) {
            const sim::Interval &iv = tl.intervals()[i];
            const sim::Interval &after = tl.intervals()[i + 1];
            if (iv.lastStep != iv.firstStep + 1 || after.lane != iv.lane ||
                after.firstStep != iv.lastStep)
                continue;
            for (const double f : {0.25, 0.5, 0.75}) {
                const double x = map.toPixel(double(iv.firstStep) + f);
                const PixelHit h = hitTestPixel(tl, m_layout, map, x, laneY(iv.lane), 0);
                if (h.hit.what != sim::Hit::What::Interval)
                    continue; // an instant drawn over it
                QCOMPARE(h.hit.index, i);
                ++checked;
            }
        }
        QVERIFY(checked > 0);
    }

    // Instants win over the interval under them; a pixel or two off still hits.
    void instantsWithinTolerance_data()
    {
        QTest::addColumn<double>("dx");
        QTest::addColumn<double>("tolerance");
        QTest::addColumn<bool>("hits");
        QTest::newRow("on it") << 0.0 << 3.0 << true;
        QTest::newRow("2 px off") << 2.0 << 3.0 << true;
        QTest::newRow("2 px off, no tolerance") << 2.0 << 0.0 << false;
    }
    void instantsWithinTolerance()
    {
        QFETCH(double, dx);
        QFETCH(double, tolerance);
        QFETCH(bool, hits);
        const sim::Timeline &tl = *m_src.timeline;
        // the kill on app/client (thread 0)
        const uint32_t client = renderfixture::lane(m_src, sim::LaneKind::Thread, 0);
        const sim::Instant *kill = nullptr;
        for (const sim::Instant &in : tl.instantsOf(client))
            if (in.kind == sim::InstantKind::Kill)
                kill = &in;
        QVERIFY(kill);
        // the time axis, about 17 ns a pixel
        const TimeMapping map = fullView(sim::Axis::Time);
        const double x = map.toPixel(double(kill->tNs));
        const PixelHit h = hitTestPixel(tl, m_layout, map, x + dx, laneY(client), tolerance);
        QCOMPARE(h.hit.what == sim::Hit::What::Instant &&
                     h.hit.index == uint32_t(kill - tl.instants().data()),
                 hits);
        if (hits) {
            QCOMPARE(h.hit.index, uint32_t(kill - tl.instants().data()));
            QCOMPARE(h.step, uint64_t(kill->step));
        }
    }

    // The step under a point: on the step axis step k covers (k - 1, k]; on
    // the time axis, the thread's own step at that time.
    void stepUnderPoint()
    {
        const sim::Timeline &tl = *m_src.timeline;
        const uint32_t client = renderfixture::lane(m_src, sim::LaneKind::Thread, 0);
        const TimeMapping steps{sim::Axis::Step, 0, double(tl.stepCount()), 0,
                                double(tl.stepCount()) * 10};
        for (uint64_t k = 1; k <= tl.stepCount(); ++k) {
            const PixelHit h =
                hitTestPixel(tl, m_layout, steps, steps.toPixel(double(k) - 0.5), laneY(client), 0);
            if (h.hit.what != sim::Hit::What::Instant)
                QCOMPARE(h.step, k);
        }
        const StepLocator loc(tl);
        const TimeMapping time = fullView(sim::Axis::Time);
        for (uint64_t k = 1; k <= tl.stepCount(); ++k) {
            const sim::StepInfo &s = tl.step(k);
            if (!s.actor.valid() || s.actor.v != 0 || s.endNs - s.startNs < 50)
                continue;
            // the middle of one of app/client's own steps
            const double mid = double(s.startNs + s.endNs) / 2;
            QCOMPARE(loc.threadStepAt(ThreadId(0), int64_t(mid)), k);
            const PixelHit h =
                hitTestPixel(tl, m_layout, time, time.toPixel(mid), laneY(client), 0, &loc);
            if (h.hit.what != sim::Hit::What::Instant)
                QCOMPARE(h.step, k);
        }
        QCOMPARE(loc.threadStepAt(ThreadId(0), -5), uint64_t(0));
        QCOMPARE(loc.threadStepAt(ThreadId(99), 100), uint64_t(0));
    }

    void headersAndOutside()
    {
        const sim::Timeline &tl = *m_src.timeline;
        const TimeMapping map = fullView(sim::Axis::Time);
        const int header = m_layout.headerRow(LaneGroup::Requests);
        PixelHit h = hitTestPixel(tl, m_layout, map, 500, m_layout.rowTop(header) + 1, 4);
        QCOMPARE(h.row, header);
        QVERIFY(h.laneRow.header);
        QVERIFY(!h.onItem());
        h = hitTestPixel(tl, m_layout, map, 500, m_layout.contentHeight() + 5, 4);
        QCOMPARE(h.row, -1);
        QVERIFY(!h.onItem());
        // far right of the run on a request lane: nothing within 4 px
        const uint32_t req1 = renderfixture::lane(m_src, sim::LaneKind::Request, 1);
        h = hitTestPixel(tl, m_layout, map, map.toPixel(double(tl.endNs())) + 50, laneY(req1), 4);
        QCOMPARE(h.laneRow.lane, req1);
        QVERIFY(!h.onItem());
    }
};

QTEST_MAIN(TestHitTest)
#include "tst_hittest.moc"
