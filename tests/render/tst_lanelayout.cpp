// LaneLayout: groups in the Timeline's order, collapse to one summary row,
// y <-> row, the visible rows for a scroll offset; thousands of lanes.
#include "app/render/lanelayout.h"
#include "app/render/lanetext.h"
#include "renderfixture.h"

#include <QTest>

using namespace tee;
using namespace tee::render;

namespace {

// Lanes as a Timeline orders them: `counts` per group in group order.
std::vector<sim::Lane> lanes(std::initializer_list<std::pair<sim::LaneKind, int>> counts)
{
    std::vector<sim::Lane> v;
    for (const auto &[kind, n] : counts)
        for (int i = 0; i < n; ++i) {
            sim::Lane l;
            l.key = {kind, i};
            v.push_back(l);
        }
    return v;
}

} // namespace

class TestLaneLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void groupsFollowLaneKinds()
    {
        QCOMPARE(groupOf(sim::LaneKind::Thread), LaneGroup::Threads);
        QCOMPARE(groupOf(sim::LaneKind::Qtee), LaneGroup::Qtee);
        QCOMPARE(groupOf(sim::LaneKind::Workqueue), LaneGroup::Workqueue);
        QCOMPARE(groupOf(sim::LaneKind::Context), LaneGroup::Contexts);
        QCOMPARE(groupOf(sim::LaneKind::Lock), LaneGroup::Locks);
        QCOMPARE(groupOf(sim::LaneKind::Object), LaneGroup::Objects);
        QCOMPARE(groupOf(sim::LaneKind::Request), LaneGroup::Requests);
        // and the Timeline's lanes come in that order
        const TimelineSource src = renderfixture::builtin("kill-while-processing");
        int last = -1;
        for (const sim::Lane &l : src.timeline->lanes()) {
            QVERIFY(int(groupOf(l.key.kind)) >= last);
            last = int(groupOf(l.key.kind));
        }
    }

    // A RELEASE notification's lane names its reqs_idr id: request=idr
    // reuses it, which a FIFO question turns on (it said only "RELEASE
    // notification"; a reviewer's audit).
    void notificationLanesNameTheirId()
    {
        const TimelineSource src = renderfixture::builtin("release-notification");
        QVERIFY(src.valid());
        std::vector<std::string> details;
        for (const sim::Lane &l : src.timeline->lanes())
            if (l.key.kind == sim::LaneKind::Request)
                details.push_back(laneDetail(*src.sim, l));
        QCOMPARE(details, (std::vector<std::string>{"RELEASE notification, ctx1 id 0",
                                                    "RELEASE notification, ctx1 id 1"}));
    }

    // rows: header, lanes..., per present group
    void rowsAndPositions_data()
    {
        QTest::addColumn<int>("row");
        QTest::addColumn<bool>("header");
        QTest::addColumn<int>("group");
        QTest::addColumn<int>("lane");
        QTest::addColumn<int>("top");
        // threads: header 0 (y 0), lanes 0..2 rows 1..3 (y 20, 40, 60);
        // Qtee: header 4 (y 80), lane 3 row 5 (y 100); objects header 6 (y 120),
        // lanes 4..5 rows 7..8 (y 140, 160)
        QTest::newRow("threads header") << 0 << true << int(LaneGroup::Threads) << -1 << 0;
        QTest::newRow("first thread") << 1 << false << int(LaneGroup::Threads) << 0 << 20;
        QTest::newRow("third thread") << 3 << false << int(LaneGroup::Threads) << 2 << 60;
        QTest::newRow("QTEE header") << 4 << true << int(LaneGroup::Qtee) << -1 << 80;
        QTest::newRow("QTEE lane") << 5 << false << int(LaneGroup::Qtee) << 3 << 100;
        QTest::newRow("objects header") << 6 << true << int(LaneGroup::Objects) << -1 << 120;
        QTest::newRow("obj1") << 8 << false << int(LaneGroup::Objects) << 5 << 160;
    }
    void rowsAndPositions()
    {
        QFETCH(int, row);
        QFETCH(bool, header);
        QFETCH(int, group);
        QFETCH(int, lane);
        QFETCH(int, top);
        const auto v = lanes(
            {{sim::LaneKind::Thread, 3}, {sim::LaneKind::Qtee, 1}, {sim::LaneKind::Object, 2}});
        LaneLayout l(v);
        l.setRowHeight(20);
        l.setHeaderHeight(20);
        QCOMPARE(l.rowCount(), 9);
        QCOMPARE(l.contentHeight(), 180);
        const LaneRow r = l.row(row);
        QCOMPARE(r.header, header);
        QCOMPARE(int(r.group), group);
        QCOMPARE(r.lane, lane < 0 ? sim::kNone : uint32_t(lane));
        QCOMPARE(l.rowTop(row), top);
        // y -> row at the top, middle and last pixel of the row
        QCOMPARE(l.rowAt(top), row);
        QCOMPARE(l.rowAt(top + 10.5), row);
        QCOMPARE(l.rowAt(top + 19.99), row);
        if (!header)
            QCOMPARE(l.rowOfLane(uint32_t(lane)), row);
    }

    void outside()
    {
        LaneLayout l(lanes({{sim::LaneKind::Thread, 2}}));
        QCOMPARE(l.rowAt(-1), -1);
        QCOMPARE(l.rowAt(l.contentHeight()), -1);
        QVERIFY(!l.row(99).valid());
        QCOMPARE(l.rowOfLane(99), -1);
        QCOMPARE(l.headerRow(LaneGroup::Objects), -1);
        QVERIFY(!l.hasGroup(LaneGroup::Objects));
        const LaneLayout empty;
        QCOMPARE(empty.rowCount(), 0);
        QCOMPARE(empty.visibleRows(0, 500), (std::pair<int, int>(0, 0)));
    }

    // A collapsed group is its header (the summary row, as tall as a lane);
    // its lanes map to that row; the groups after it move up.
    void collapse()
    {
        LaneLayout l(lanes(
            {{sim::LaneKind::Thread, 2}, {sim::LaneKind::Object, 5}, {sim::LaneKind::Request, 3}}));
        l.setRowHeight(18);
        l.setHeaderHeight(14);
        QCOMPARE(l.rowCount(), 3 + 6 + 4);
        QCOMPARE(l.contentHeight(), 3 * 14 + 10 * 18);
        l.setCollapsed(LaneGroup::Objects, true);
        QVERIFY(l.collapsed(LaneGroup::Objects));
        QCOMPARE(l.rowCount(), 3 + 1 + 4);
        QCOMPARE(l.contentHeight(), 14 + 2 * 18 + 18 + 14 + 3 * 18);
        const int header = l.headerRow(LaneGroup::Objects);
        QCOMPARE(header, 3);
        for (uint32_t lane = 2; lane < 7; ++lane)
            QCOMPARE(l.rowOfLane(lane), header);
        QCOMPARE(l.rowHeightOf(header), 18);
        QCOMPARE(l.rowOfLane(7), 5); // first request: requests header is row 4
        QCOMPARE(l.rowAt(l.rowTop(5) + 1), 5);
        l.setCollapsed(LaneGroup::Objects, false);
        QCOMPARE(l.rowOfLane(2), 4);
    }

    // Big groups start collapsed; small ones open.
    void autoCollapse()
    {
        const LaneLayout l(lanes({{sim::LaneKind::Thread, 7},
                                  {sim::LaneKind::Object, int(LaneLayout::kAutoCollapse) + 1},
                                  {sim::LaneKind::Request, int(LaneLayout::kAutoCollapse)}}));
        QVERIFY(!l.collapsed(LaneGroup::Threads));
        QVERIFY(l.collapsed(LaneGroup::Objects));
        QVERIFY(!l.collapsed(LaneGroup::Requests));
    }

    void visibleRows_data()
    {
        QTest::addColumn<double>("scroll");
        QTest::addColumn<double>("height");
        QTest::addColumn<int>("first");
        QTest::addColumn<int>("last");
        // 1 header + 5000 lanes, 20 px each: rows k at [20k, 20k + 20)
        QTest::newRow("top") << 0.0 << 100.0 << 0 << 5;
        QTest::newRow("partial rows") << 10.0 << 100.0 << 0 << 6;
        QTest::newRow("deep") << 50000.0 << 400.0 << 2500 << 2520;
        QTest::newRow("bottom") << 100000.0 << 500.0 << 5000 << 5001;
        QTest::newRow("past the end") << 200000.0 << 500.0 << 0 << 0;
        QTest::newRow("taller than all") << 0.0 << 1e6 << 0 << 5001;
    }
    void visibleRows()
    {
        QFETCH(double, scroll);
        QFETCH(double, height);
        QFETCH(int, first);
        QFETCH(int, last);
        LaneLayout l(lanes({{sim::LaneKind::Object, 5000}}));
        l.setCollapsed(LaneGroup::Objects, false);
        l.setRowHeight(20);
        l.setHeaderHeight(20);
        const auto [f, e] = l.visibleRows(scroll, height);
        QCOMPARE(f, first);
        QCOMPARE(e, last);
        QCOMPARE(l.maxScroll(400), 5001 * 20 - 400);
    }

    // stress-sized: the row of every lane round-trips through y.
    void thousandsOfLanes()
    {
        LaneLayout l(lanes({{sim::LaneKind::Thread, 7},
                            {sim::LaneKind::Qtee, 1},
                            {sim::LaneKind::Workqueue, 1},
                            {sim::LaneKind::Context, 2},
                            {sim::LaneKind::Lock, 2},
                            {sim::LaneKind::Object, 1855},
                            {sim::LaneKind::Request, 1977}}));
        l.setCollapsed(LaneGroup::Objects, false);
        l.setCollapsed(LaneGroup::Requests, false);
        QCOMPARE(l.rowCount(), 7 + 3845);
        for (uint32_t lane = 0; lane < 3845; lane += 7) {
            const int row = l.rowOfLane(lane);
            QCOMPARE(l.row(row).lane, lane);
            QCOMPARE(l.rowAt(l.rowTop(row) + 0.5), row);
        }
    }
};

QTEST_MAIN(TestLaneLayout)
#include "tst_lanelayout.moc"
