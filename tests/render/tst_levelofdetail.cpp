// mergeSubPixel: intervals at least a pixel wide are drawn as they are;
// consecutive narrower ones become one busy run with the dominant state and
// a count; the output is bounded by the pixels, not by the intervals.
#include "app/render/levelofdetail.h"

#include <QTest>

#include <random>

using namespace tee;
using namespace tee::render;

Q_DECLARE_METATYPE(std::vector<tee::render::LodSpan>)

namespace {

// "x0..x1:state:count" for each run, x rounded to a tenth of a pixel.
QString describe(const std::vector<DrawRun> &runs)
{
    QStringList parts;
    for (const DrawRun &r : runs)
        parts << QStringLiteral("%1..%2:%3:%4")
                     .arg(r.x0, 0, 'f', 1)
                     .arg(r.x1, 0, 'f', 1)
                     .arg(r.state)
                     .arg(r.count);
    return parts.join(QLatin1Char(' '));
}

std::vector<LodSpan> spans(std::initializer_list<std::array<int64_t, 3>> l)
{
    std::vector<LodSpan> v;
    uint32_t i = 0;
    for (const auto &a : l)
        v.push_back({a[0], a[1], uint16_t(a[2]), i++});
    return v;
}

} // namespace

class TestLevelOfDetail : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void merge_data()
    {
        QTest::addColumn<std::vector<LodSpan>>("in");
        QTest::addColumn<double>("pixelsPerUnit");
        QTest::addColumn<QString>("expected");
        // 1 unit = 10 px: everything is wide, nothing merges
        QTest::newRow("wide as they are")
            << spans({{0, 2, 1}, {2, 5, 2}, {5, 6, 1}}) << 10.0
            << QStringLiteral("0.0..20.0:1:1 20.0..50.0:2:1 50.0..60.0:1:1");
        // 1 unit = 0.1 px: ten adjacent intervals make one busy run; state 2
        // covers 7 of the 10 units
        QTest::newRow("narrow merge, dominant by width")
            << spans({{0, 1, 1}, {1, 8, 2}, {8, 10, 1}}) << 0.1 << QStringLiteral("0.0..1.0:2:3");
        QTest::newRow("narrow, wide, narrow")
            << spans({{0, 1, 1}, {1, 2, 1}, {2, 40, 3}, {40, 41, 2}, {41, 42, 2}}) << 0.5
            << QStringLiteral("0.0..1.0:1:2 1.0..20.0:3:1 20.0..21.0:2:2");
        // narrow intervals more than a pixel apart stay apart
        QTest::newRow("gaps keep runs apart")
            << spans({{0, 1, 1}, {10, 11, 2}, {30, 31, 3}}) << 0.5
            << QStringLiteral("0.0..1.0:1:1 5.0..6.0:2:1 15.0..16.0:3:1");
        // zero-width intervals (opened and closed in one step) still show
        QTest::newRow("zero width widened to a pixel")
            << spans({{5, 5, 4}}) << 10.0 << QStringLiteral("50.0..51.0:4:1");
        QTest::newRow("zero widths merge")
            << spans({{5, 5, 4}, {5, 5, 4}, {5, 5, 2}}) << 10.0 << QStringLiteral("50.0..51.0:4:3");
        // overlapping intervals (QTEE, qcomtee_wq) sorted by start
        QTest::newRow("overlaps") << spans({{0, 10, 1}, {2, 3, 2}, {4, 20, 3}}) << 1.0
                                  << QStringLiteral("0.0..10.0:1:1 2.0..3.0:2:1 4.0..20.0:3:1");
        QTest::newRow("empty") << std::vector<LodSpan>() << 1.0 << QString();
    }
    void merge()
    {
        QFETCH(std::vector<LodSpan>, in);
        QFETCH(double, pixelsPerUnit);
        QFETCH(QString, expected);
        const TimeMapping map{sim::Axis::Step, 0, 1000 / pixelsPerUnit, 0, 1000};
        std::vector<DrawRun> out;
        mergeSubPixel(in, map, out);
        QCOMPARE(describe(out), expected);
    }

    // A merged run names an interval of its dominant state.
    void dominantIndex()
    {
        const auto in = spans({{0, 1, 1}, {1, 2, 2}, {2, 9, 2}, {9, 10, 1}});
        const TimeMapping map{sim::Axis::Step, 0, 10000, 0, 1000};
        std::vector<DrawRun> out;
        mergeSubPixel(in, map, out);
        QCOMPARE(out.size(), size_t(1));
        QCOMPARE(out[0].state, uint16_t(2));
        QCOMPARE(out[0].index, uint32_t(1));
        QCOMPARE(out[0].count, uint32_t(4));
        QVERIFY(out[0].merged());
    }

    // 100,000 intervals over 1,000 pixels: at most a run per pixel, and
    // every interval counted once.
    void boundedByPixels()
    {
        std::mt19937 rng(7);
        std::vector<LodSpan> in;
        int64_t t = 0;
        for (uint32_t i = 0; i < 100000; ++i) {
            const int64_t len = int64_t(rng() % 50);
            in.push_back({t, t + len, uint16_t(rng() % 5), i});
            t += len + int64_t(rng() % 3);
        }
        const TimeMapping map{sim::Axis::Time, 0, double(t), 0, 1000};
        std::vector<DrawRun> out;
        mergeSubPixel(in, map, out);
        QVERIFY2(out.size() <= 1000, qPrintable(QString::number(out.size())));
        size_t counted = 0;
        for (const DrawRun &r : out)
            counted += r.count;
        QCOMPARE(counted, in.size());
        // zoomed in to 1% of it: the merge sees only what the window query
        // returns, and most of it is drawn as it is
        const TimeMapping zoom{sim::Axis::Time, double(t) / 2, double(t) / 2 + double(t) / 100, 0,
                               1000};
        std::vector<LodSpan> window;
        for (const LodSpan &s : in)
            if (double(s.end) >= zoom.lower && double(s.start) <= zoom.upper)
                window.push_back(s);
        out.clear();
        mergeSubPixel(window, zoom, out);
        size_t wide = 0;
        for (const DrawRun &r : out)
            wide += r.merged() ? 0 : 1;
        QVERIFY(wide * 2 > out.size());
    }
};

QTEST_MAIN(TestLevelOfDetail)
#include "tst_levelofdetail.moc"
