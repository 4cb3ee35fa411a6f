// Meaning and Palette: the model's payloads map to the right meaning; within
// a lane kind the states differ in colour, and the blocked states and the
// placeholder also by hatch; light, dark and print variants; every meaning
// has a legend name from the vocabulary.
#include "app/render/lanepainting.h"
#include "app/render/lanetext.h"
#include "app/render/meaning.h"
#include "app/render/palette.h"
#include "core/vocabulary.h"

#include <QImage>
#include <QPainter>
#include <QPalette>
#include <QTest>

#include <cmath>
#include <set>

using namespace tee;
using namespace tee::render;

Q_DECLARE_METATYPE(tee::sim::Interval)

namespace {

sim::Interval threadIv(sim::ThreadState s, BlockReason r = BlockReason::None, bool killed = false)
{
    sim::Interval iv;
    iv.kind = sim::LaneKind::Thread;
    sim::ThreadSpan t;
    t.state = s;
    t.reason = r;
    t.killed = killed;
    iv.set(t);
    return iv;
}

sim::Interval request(ReqState s)
{
    sim::Interval iv;
    iv.kind = sim::LaneKind::Request;
    sim::RequestSpan q;
    q.state = s;
    iv.set(q);
    return iv;
}

sim::Interval object(int32_t refcount)
{
    sim::Interval iv;
    iv.kind = sim::LaneKind::Object;
    sim::ObjectSpan o;
    o.refcount = refcount;
    iv.set(o);
    return iv;
}

} // namespace

class TestPalette : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A violation and a gap at the same step (first-smc-fails: I4 and gap 3
    // on obj1 at step 6): the violation's triangle is painted over the
    // gap's diamond, not under it (it was hidden; an app audit).
    void violationMarkIsPaintedLast()
    {
        const std::vector<Meaning> &order = markerPaintOrder();
        QCOMPARE(order.size(), size_t(kMeaningCount)); // each kind once
        QCOMPARE(order.back(), Meaning::ViolationMark);
        const Palette pal = Palette::light();
        QImage img(40, 40, QImage::Format_ARGB32);
        img.fill(Qt::white);
        QPainter p(&img);
        for (const Meaning m : order)
            if (m == Meaning::GapMark || m == Meaning::ViolationMark)
                drawMarker(p, m, QPointF(20, 20), 12, pal);
        p.end();
        // just above the centre: inside both shapes
        QCOMPARE(img.pixelColor(20, 17).rgb(), pal.fill(Meaning::ViolationMark).rgb());
    }

    void meanings_data()
    {
        QTest::addColumn<sim::Interval>("iv");
        QTest::addColumn<int>("meaning");
        QTest::newRow("running") << threadIv(sim::ThreadState::Running) << int(Meaning::Running);
        QTest::newRow("in a syscall")
            << threadIv(sim::ThreadState::InKernel) << int(Meaning::InSyscall);
        QTest::newRow("completion") << threadIv(sim::ThreadState::Blocked, BlockReason::Completion)
                                    << int(Meaning::BlockedKillable);
        QTest::newRow("req_c") << threadIv(sim::ThreadState::Blocked, BlockReason::ReqC)
                               << int(Meaning::BlockedInterruptible);
        QTest::newRow("reqs_lock")
            << threadIv(sim::ThreadState::Blocked, BlockReason::Lock) << int(Meaning::WaitLock);
        QTest::newRow("srcu") << threadIv(sim::ThreadState::Blocked, BlockReason::Srcu)
                              << int(Meaning::Srcu);
        QTest::newRow("wait step")
            << threadIv(sim::ThreadState::Blocked, BlockReason::UserWait) << int(Meaning::UserWait);
        QTest::newRow("exited") << threadIv(sim::ThreadState::Exited) << int(Meaning::Exited);
        QTest::newRow("idle") << threadIv(sim::ThreadState::Idle) << int(Meaning::Idle);
        QTest::newRow("QUEUED") << request(ReqState::QUEUED) << int(Meaning::Queued);
        QTest::newRow("PROCESSING") << request(ReqState::PROCESSING) << int(Meaning::Processing);
        QTest::newRow("PROCESSED") << request(ReqState::PROCESSED) << int(Meaning::Processed);
        QTest::newRow("placeholder") << request(ReqState::Placeholder) << int(Meaning::Placeholder);
        QTest::newRow("refcount 1") << object(1) << int(Meaning::Refcount1);
        QTest::newRow("refcount 3") << object(3) << int(Meaning::Refcount3);
        QTest::newRow("refcount 9") << object(9) << int(Meaning::Refcount4Plus);
        QTest::newRow("refcount 0") << object(0) << int(Meaning::Refcount0);
    }
    void meanings()
    {
        QFETCH(sim::Interval, iv);
        QFETCH(int, meaning);
        QCOMPARE(int(meaningOf(iv)), meaning);
    }

    void killedIsABandNotAState()
    {
        const sim::Interval k =
            threadIv(sim::ThreadState::Blocked, BlockReason::Completion, /*killed*/ true);
        QCOMPARE(meaningOf(k), Meaning::BlockedKillable);
        QVERIFY(isKilled(k));
        QVERIFY(!isKilled(threadIv(sim::ThreadState::Exited, BlockReason::None, true)));
        QVERIFY(!isKilled(threadIv(sim::ThreadState::Running)));
    }

    // Within each lane kind the states differ in colour in every variant;
    // the blocked states and the placeholder differ by hatch too.
    void statesDistinct_data()
    {
        QTest::addColumn<int>("variant");
        QTest::newRow("light") << int(Palette::Variant::Light);
        QTest::newRow("dark") << int(Palette::Variant::Dark);
        QTest::newRow("print") << int(Palette::Variant::Print);
    }
    void statesDistinct()
    {
        QFETCH(int, variant);
        const Palette p = variant == int(Palette::Variant::Dark)    ? Palette::dark()
                          : variant == int(Palette::Variant::Print) ? Palette::print()
                                                                    : Palette::light();
        QCOMPARE(int(p.variant()), variant);
        const std::vector<std::vector<Meaning>> families = {
            {Meaning::Running, Meaning::InSyscall, Meaning::BlockedKillable,
             Meaning::BlockedInterruptible, Meaning::WaitLock, Meaning::Srcu, Meaning::UserWait,
             Meaning::Exited, Meaning::Idle, Meaning::Killed},
            {Meaning::Queued, Meaning::Processing, Meaning::Processed, Meaning::Placeholder},
            {Meaning::Refcount0, Meaning::Refcount1, Meaning::Refcount2, Meaning::Refcount3,
             Meaning::Refcount4Plus},
            {Meaning::ContextOpen, Meaning::ContextClosed, Meaning::ContextFreed},
            {Meaning::WorkPending, Meaning::WorkRunning},
            // every mark its own colour (a note and a QTEE callback were
            // two blue dots)
            {Meaning::KillMark, Meaning::AsyncReleaseMark, Meaning::ReleaseSmcMark,
             Meaning::CallbackMark, Meaning::ViolationMark, Meaning::GapMark, Meaning::NoteMark}};
        for (const auto &f : families) {
            std::set<QRgb> colours;
            for (const Meaning m : f)
                colours.insert(p.fill(m).rgb());
            QCOMPARE(colours.size(), f.size());
        }
        // refcount shades get darker as the count grows
        for (int m = int(Meaning::Refcount0); m < int(Meaning::Refcount4Plus); ++m)
            QVERIFY(p.fill(Meaning(m)).lightnessF() > p.fill(Meaning(m + 1)).lightnessF());
        // more than colour
        std::set<Hatch> hatches;
        for (const Meaning m : {Meaning::BlockedKillable, Meaning::BlockedInterruptible,
                                Meaning::WaitLock, Meaning::Srcu, Meaning::Placeholder}) {
            QVERIFY(p.hatch(m) != Hatch::None);
            hatches.insert(p.hatch(m));
        }
        QCOMPARE(hatches.size(), size_t(5));
        QCOMPARE(p.hatch(Meaning::Running), Hatch::None);
        // text on a bar is readable: a WCAG contrast ratio of at least 4.5
        // (AA for normal text) between the fill and its text
        auto lum = [](const QColor &c) {
            auto lin = [](double v) {
                return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
            };
            return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
        };
        for (int m = 0; m < int(Meaning::KillMark); ++m) {
            const double a = lum(p.fill(Meaning(m))), b = lum(p.textOn(Meaning(m)));
            const double ratio = (std::max(a, b) + 0.05) / (std::min(a, b) + 0.05);
            QVERIFY2(ratio >= 4.5,
                     qPrintable(QStringLiteral("%1: %2")
                                    .arg(QString::fromStdString(meaningName(Meaning(m))))
                                    .arg(ratio)));
        }
    }

    void variantsFollowTheWindow()
    {
        QPalette light;
        light.setColor(QPalette::Window, QColor(0xf0, 0xf0, 0xf0));
        QCOMPARE(Palette::forWidget(light).variant(), Palette::Variant::Light);
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x24));
        QCOMPARE(Palette::forWidget(dark).variant(), Palette::Variant::Dark);
        QVERIFY(Palette::dark().ui(Palette::Ui::Background).lightnessF() < 0.3);
        QCOMPARE(Palette::print().ui(Palette::Ui::Background), QColor(Qt::white));
        QVERIFY(Palette::light().fill(Meaning::Processing) !=
                Palette::dark().fill(Meaning::Processing));
    }

    // Legend names: the vocabulary's words where it has them.
    void legendNames()
    {
        for (int m = 0; m < kMeaningCount; ++m)
            QVERIFY(!meaningName(Meaning(m)).empty());
        QCOMPARE(meaningName(Meaning::Processing), vocab::reqState(ReqState::PROCESSING));
        QCOMPARE(meaningName(Meaning::Placeholder), vocab::reqState(ReqState::Placeholder));
        QVERIFY(meaningName(Meaning::BlockedKillable).find(vocab::wait(BlockReason::Completion)) !=
                std::string::npos);
        QVERIFY(meaningName(Meaning::BlockedInterruptible).find(vocab::wait(BlockReason::ReqC)) !=
                std::string::npos);
    }
};

QTEST_MAIN(TestPalette)
#include "tst_palette.moc"
