// ZoomHistory: gestures commit views; undo and redo walk them; a new
// gesture after an undo drops the redo entries; a repeated view is no entry.
#include "app/render/zoomhistory.h"

#include <QTest>

using namespace tee;
using namespace tee::render;

namespace {

ViewRange v(double lo, double hi, sim::Axis a = sim::Axis::Time)
{
    return {a, lo, hi};
}

} // namespace

class TestZoomHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A script of operations: c<lo> commits (lo, lo + 10); u undoes; r redoes.
    // Expected: the current entry's lower bound, canUndo, canRedo, size.
    void script_data()
    {
        QTest::addColumn<QString>("ops");
        QTest::addColumn<double>("current");
        QTest::addColumn<bool>("canUndo");
        QTest::addColumn<bool>("canRedo");
        QTest::addColumn<int>("size");
        QTest::newRow("fresh") << QString() << 0.0 << false << false << 1;
        QTest::newRow("one zoom") << QStringLiteral("c5") << 5.0 << true << false << 2;
        QTest::newRow("undo") << QStringLiteral("c5 u") << 0.0 << false << true << 2;
        QTest::newRow("undo redo") << QStringLiteral("c5 u r") << 5.0 << true << false << 2;
        QTest::newRow("undo then zoom drops redo")
            << QStringLiteral("c5 c7 u c9") << 9.0 << true << false << 3;
        QTest::newRow("same view is no entry")
            << QStringLiteral("c5 c5 c5") << 5.0 << true << false << 2;
        QTest::newRow("undo past the start stays")
            << QStringLiteral("c5 u u u") << 0.0 << false << true << 2;
        QTest::newRow("redo past the end stays")
            << QStringLiteral("c5 c6 u r r r") << 6.0 << true << false << 3;
        QTest::newRow("back to the first view is an entry")
            << QStringLiteral("c5 c0") << 0.0 << true << false << 3;
    }
    void script()
    {
        QFETCH(QString, ops);
        QFETCH(double, current);
        QFETCH(bool, canUndo);
        QFETCH(bool, canRedo);
        QFETCH(int, size);
        ZoomHistory h;
        h.reset(v(0, 10));
        for (const QString &op : ops.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
            if (op.startsWith(QLatin1Char('c'))) {
                const double lo = op.mid(1).toDouble();
                h.commit(v(lo, lo + 10));
            } else if (op == QLatin1String("u")) {
                if (h.canUndo())
                    h.undo();
            } else if (op == QLatin1String("r")) {
                if (h.canRedo())
                    h.redo();
            }
        }
        QCOMPARE(h.current().lower, current);
        QCOMPARE(h.canUndo(), canUndo);
        QCOMPARE(h.canRedo(), canRedo);
        QCOMPARE(int(h.size()), size);
    }

    // The axis is part of a view: switching it is an entry, undone like a zoom.
    void axisIsPartOfTheView()
    {
        ZoomHistory h;
        h.reset(v(0, 24, sim::Axis::Step));
        QVERIFY(h.commit(v(0, 24, sim::Axis::Time)));
        QCOMPARE(h.undo().axis, sim::Axis::Step);
    }

    // A range read back from the axis differs in its last bits: it is the
    // same view, not a new entry (a second Back committed it and went
    // nowhere).
    void roundingIsTheSameView()
    {
        ZoomHistory h;
        h.reset({sim::Axis::Time, -204, 20604});
        QVERIFY(h.commit({sim::Axis::Time, 2683.1099999999997, 17716.889999999999}));
        QVERIFY(h.commit({sim::Axis::Time, 5717.17, 20750.95}));
        QCOMPARE(h.undo().lower, 2683.1099999999997);
        QVERIFY(!h.commit({sim::Axis::Time, 2683.1100000000006, 17716.889999999999}));
        QVERIFY(h.canUndo());
        QCOMPARE(h.undo().lower, -204.0);
        QVERIFY(h.canRedo());
        QVERIFY(h.commit({sim::Axis::Time, 2683.2, 17716.889999999999})); // a real change
    }

    void bounded()
    {
        ZoomHistory h;
        h.reset(v(0, 1));
        for (int i = 1; i < 1000; ++i)
            h.commit(v(i, i + 1));
        QCOMPARE(h.size(), ZoomHistory::kLimit);
        QCOMPARE(h.current().lower, 999.0);
        while (h.canUndo())
            h.undo();
        QCOMPARE(h.current().lower, double(1000 - ZoomHistory::kLimit));
    }
};

QTEST_MAIN(TestZoomHistory)
#include "tst_zoomhistory.moc"
