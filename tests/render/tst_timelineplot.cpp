// TimelinePlot and RefcountPlot offscreen: what a paint draws (only the
// visible rows and runs, even over 100,000 intervals), clicks (a step, a
// lane, a group header), wheel zoom, drag pan, range selection, the zoom
// history, the axis switch, the cursor, tooltips naming the driver function
// and spec section, and the x range shared with the refcount plot, with
// exact signal counts.
#include "app/render/lanetext.h"
#include "app/render/meaning.h"
#include "app/render/refcountplot.h"
#include "app/render/timelineplot.h"
#include "app/render/timelineplottable.h"
#include "core/vocabulary.h"
#include "renderfixture.h"

#include <QScrollArea>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

using namespace tee;
using namespace tee::render;

namespace {

void wheel(QWidget *w, const QPointF &pos, int delta, Qt::KeyboardModifiers mods = Qt::NoModifier)
{
    QWheelEvent e(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton, mods,
                  Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(w, &e);
}

// With TEESCOPE_RENDER_OUT set, keeps a screenshot of the widget there.
void keepGrab(QWidget *w, const char *name)
{
    const QByteArray dir = qgetenv("TEESCOPE_RENDER_OUT");
    if (!dir.isEmpty())
        w->grab().save(QString::fromLocal8Bit(dir) + QLatin1Char('/') + QLatin1String(name));
}

} // namespace

class TestTimelinePlot : public QObject
{
    Q_OBJECT

private:
    TimelineSource m_src;

    uint32_t intervalOf(uint32_t lane, Meaning m) const
    {
        for (const sim::Interval &iv : m_src.timeline->intervalsOf(lane))
            if (meaningOf(iv) == m)
                return uint32_t(&iv - m_src.timeline->intervals().data());
        return sim::kNone;
    }
    // The middle of an interval's bar, in plot coordinates.
    QPointF middleOf(const TimelinePlot &p, uint32_t interval) const
    {
        const sim::Interval &iv = m_src.timeline->intervals()[interval];
        const TimeMapping map = p.mapping();
        const double x0 = map.toPixel(double(TimeMapping::startOf(iv, map.axis)));
        const double x1 = map.toPixel(double(TimeMapping::endOf(iv, map.axis)));
        return {(x0 + x1) / 2, p.laneBarRect(iv.lane).center().y()};
    }

    std::unique_ptr<TimelinePlot> shown(const TimelineSource &src, QSize size = {1200, 700})
    {
        auto p = std::make_unique<TimelinePlot>();
        p->resize(size);
        p->setSource(src);
        p->show();
        if (!QTest::qWaitForWindowExposed(p.get()))
            return nullptr;
        p->replotNow();
        return p;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_src = renderfixture::builtin("kill-while-processing");
        QVERIFY(m_src.valid());
    }

    // Two holders of one reqs_lock back to back (srcu-vs-lock: the client's
    // enqueue, then the supplicant's RECV) are two bars with a gap between
    // them, not one (GUI audit: one bar, labelled with the second holder).
    void backToBackBarsAreApart()
    {
        const TimelineSource src = renderfixture::builtin("srcu-vs-lock");
        QVERIFY(src.valid());
        auto p = shown(src);
        QVERIFY(p);
        QVERIFY(p->paintStats().seams > 0);
    }

    // The legend takes a third of a tall widget and a fifth of a short one
    // (a 1366x768 screen showed three lanes under it; an app audit), at
    // least two rows, and never more than it needs.
    void legendLeavesTheLanesRoom()
    {
        auto tall = shown(m_src, {1000, 800});
        QVERIFY(tall);
        auto *area = tall->findChild<QScrollArea *>();
        QVERIFY(area);
        // a tall widget shows the whole legend (no scrolling)
        QVERIFY(area->height() <= 800 / 3);
        QCOMPARE(area->height(), area->widget()->height());
        auto narrow = shown(m_src, {500, 360}); // the legend wraps into many rows
        QVERIFY(narrow);
        auto *small = narrow->findChild<QScrollArea *>();
        QVERIFY(small);
        const int rowH = QFontMetrics(small->widget()->font()).height();
        QVERIFY2(small->height() <= 360 / 5 + 1 || small->height() <= 2 * rowH + 8,
                 qPrintable(QString::number(small->height())));
        QVERIFY2(small->height() >= 2 * rowH, qPrintable(QString::number(small->height())));
        QVERIFY(small->widget()->height() > small->height()); // it scrolls
    }

    void paintsTheRun()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        const PaintStats &s = p->paintStats();
        QCOMPARE(s.rows, p->laneLayout().rowCount()); // everything fits
        QCOMPARE(size_t(s.lanesQueried), m_src.timeline->lanes().size());
        QVERIFY(s.runs > 20);
        QVERIFY(s.barLabels > 5);
        QVERIFY(s.markers > 3);
        QVERIFY(s.flows >= 2); // callback -> request, request -> RECV
        QVERIFY(!s.flowsHidden);
        QVERIFY(s.hatchLines > 0);
        QVERIFY(p->labelColumnWidth() >= 130);
        keepGrab(p.get(), "widget-light.png");
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x24));
        dark.setColor(QPalette::WindowText, Qt::white);
        dark.setColor(QPalette::Base, QColor(0x18, 0x18, 0x1a));
        dark.setColor(QPalette::Text, Qt::white);
        dark.setColor(QPalette::Button, QColor(0x30, 0x30, 0x34));
        dark.setColor(QPalette::ButtonText, Qt::white);
        p->setPalette(dark);
        p->setCursorStep(9);
        p->replotNow();
        keepGrab(p.get(), "widget-dark.png");
        p->setPalette(QPalette());
        // the plot starts fitted, with room either side
        const ViewRange v = p->viewRange();
        QCOMPARE(v.axis, sim::Axis::Time);
        QVERIFY(v.lower < 0 && v.upper > double(m_src.timeline->endNs()));
        QVERIFY(!p->canUndoZoom());
    }

    // 100,000 steps of stress (about 250,000 intervals): a paint queries
    // only the visible lanes and draws at most a few runs per pixel column,
    // zoomed out, zoomed in, and with thousands of object lanes expanded.
    void largeRunDrawsOnlyWhatIsVisible()
    {
        const TimelineSource big = renderfixture::builtin("stress", 100000, /*random*/ true);
        QVERIFY(big.valid());
        QVERIFY(big.timeline->intervals().size() > 100000);
        auto p = shown(big, {1600, 1000});
        QVERIFY(p);
        QVERIFY(p->groupCollapsed(LaneGroup::Objects));
        QVERIFY(p->groupCollapsed(LaneGroup::Requests));
        const double width = p->lanesRect().width();
        PaintStats s = p->paintStats();
        QVERIFY2(s.intervals > 100000, qPrintable(QString::number(s.intervals)));
        QVERIFY(s.runs < size_t(s.rows) * size_t(width));
        QVERIFY(s.runs * 10 < s.intervals);
        QVERIFY(s.mergedRuns > 0);
        QVERIFY(s.flowsHidden); // thousands of arrows: none
        keepGrab(p.get(), "stress-zoomed-out.png");

        p->setGroupCollapsed(LaneGroup::Objects, false);
        p->replotNow();
        s = p->paintStats();
        const int visibleRows = int(p->lanesRect().height()) / p->laneLayout().rowHeight() + 2;
        QVERIFY(p->laneLayout().rowCount() > 8000);
        QVERIFY2(s.rows <= visibleRows, qPrintable(QString::number(s.rows)));
        QVERIFY(s.lanesQueried <= s.rows);
        // scrolled deep into the objects: still only the visible rows
        p->setScrollY(p->laneLayout().contentHeight() / 2);
        p->replotNow();
        s = p->paintStats();
        QVERIFY(s.rows <= visibleRows);
        QVERIFY(s.lanesQueried > 0);
        keepGrab(p.get(), "stress-objects.png");

        // zoomed to 100 steps: wide bars, labels, few intervals
        p->setScrollY(0);
        p->showSteps(50000, 50100);
        p->replotNow();
        s = p->paintStats();
        QVERIFY(s.intervals < 5000);
        QVERIFY(s.barLabels > 10);
        p->setCursorStep(50050);
        p->replotNow();
        keepGrab(p.get(), "stress-100-steps.png");
    }

    void clickSelectsTheStepUnderThePoint()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        QSignalSpy steps(p.get(), &TimelinePlot::stepClicked);
        const uint32_t req0 = renderfixture::lane(m_src, sim::LaneKind::Request, 0);
        const uint32_t processing = intervalOf(req0, Meaning::Processing);
        const QPointF at = middleOf(*p, processing);
        const PixelHit h = p->hitAt(at);
        QCOMPARE(h.hit.what, sim::Hit::What::Interval);
        QCOMPARE(h.hit.index, processing);
        QTest::mouseClick(p->plotWidget(), Qt::LeftButton, Qt::NoModifier, at.toPoint());
        QCOMPARE(steps.count(), 1);
        // on a request lane: the step that opened the state under the point
        QCOMPARE(steps.at(0).at(0).value<uint64_t>(),
                 uint64_t(m_src.timeline->intervals()[processing].firstStep));
    }

    void labelsToggleGroupsAndActivateLanes()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        QSignalSpy lanes(p.get(), &TimelinePlot::laneActivated);
        const LaneLayout &l = p->laneLayout();
        const QRectF r = p->lanesRect();
        const int rowsBefore = l.rowCount();
        // a group header in the label column collapses the group
        const int header = l.headerRow(LaneGroup::Objects);
        const QPoint headerAt(int(r.left()) - 40,
                              int(r.top()) + l.rowTop(header) + l.rowHeightOf(header) / 2);
        QTest::mouseClick(p->plotWidget(), Qt::LeftButton, Qt::NoModifier, headerAt);
        QVERIFY(p->groupCollapsed(LaneGroup::Objects));
        QCOMPARE(l.rowCount(), rowsBefore - int(l.laneCount(LaneGroup::Objects)));
        QTest::mouseClick(p->plotWidget(), Qt::LeftButton, Qt::NoModifier, headerAt);
        QVERIFY(!p->groupCollapsed(LaneGroup::Objects));
        QCOMPARE(lanes.count(), 0);
        // a lane's label activates the lane
        const uint32_t suppl = renderfixture::lane(m_src, sim::LaneKind::Thread, 1);
        const QPoint laneAt(int(r.left()) - 40, int(p->laneBarRect(suppl).center().y()));
        QTest::mouseClick(p->plotWidget(), Qt::LeftButton, Qt::NoModifier, laneAt);
        QCOMPARE(lanes.count(), 1);
        QCOMPARE(lanes.at(0).at(0).value<sim::LaneKey>(), (sim::LaneKey{sim::LaneKind::Thread, 1}));
    }

    void zoomHistory()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        QSignalSpy history(p.get(), &TimelinePlot::zoomHistoryChanged);
        QSignalSpy ranges(p.get(), &TimelinePlot::viewRangeChanged);
        const ViewRange fitted = p->viewRange();
        const QPointF centre = p->lanesRect().center();

        // a burst of wheel events is one history entry, committed when it rests
        wheel(p->plotWidget(), centre, 120);
        wheel(p->plotWidget(), centre, 120);
        QCOMPARE(ranges.count(), 2);
        const ViewRange zoomed = p->viewRange();
        QVERIFY(zoomed.upper - zoomed.lower < (fitted.upper - fitted.lower) * 0.8);
        QTRY_COMPARE(history.count(), 1);
        QVERIFY(p->canUndoZoom());

        // a drag pans, one entry
        const QPoint a = centre.toPoint(), b = a + QPoint(-200, 0);
        QTest::mousePress(p->plotWidget(), Qt::LeftButton, Qt::NoModifier, a);
        QMouseEvent move(QEvent::MouseMove, QPointF(b), p->plotWidget()->mapToGlobal(QPointF(b)),
                         Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(p->plotWidget(), &move);
        QTest::mouseRelease(p->plotWidget(), Qt::LeftButton, Qt::NoModifier, b);
        const ViewRange panned = p->viewRange();
        QVERIFY(panned.lower > zoomed.lower);
        QCOMPARE(panned.upper - panned.lower, zoomed.upper - zoomed.lower);
        QCOMPARE(history.count(), 2);

        // back, back, forward
        p->undoZoom();
        QVERIFY(sameView(p->viewRange(), zoomed));
        p->undoZoom();
        QVERIFY(sameView(p->viewRange(), fitted));
        QVERIFY(!p->canUndoZoom());
        p->redoZoom();
        QVERIFY(sameView(p->viewRange(), zoomed));
        QCOMPARE(history.count(), 5);

        // fit is an entry too; fitting again is none
        p->fitToView();
        QVERIFY(sameView(p->viewRange(), fitted));
        QCOMPARE(history.count(), 6);
        p->fitToView();
        QCOMPARE(history.count(), 6);
    }

    void rightDragZoomsToTheSelection()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        const QRectF r = p->lanesRect();
        const QPoint a(int(r.left() + r.width() * 0.25), int(r.center().y()));
        const QPoint b(int(r.left() + r.width() * 0.5), int(r.center().y()));
        const double lo = p->mapping().toModel(a.x()), hi = p->mapping().toModel(b.x());
        QTest::mousePress(p->plotWidget(), Qt::RightButton, Qt::NoModifier, a);
        QMouseEvent move(QEvent::MouseMove, QPointF(b), p->plotWidget()->mapToGlobal(QPointF(b)),
                         Qt::NoButton, Qt::RightButton, Qt::NoModifier);
        QCoreApplication::sendEvent(p->plotWidget(), &move);
        QTest::mouseRelease(p->plotWidget(), Qt::RightButton, Qt::NoModifier, b);
        QVERIFY(p->hasSelection());
        QCOMPARE(p->viewRange().lower, lo);
        QCOMPARE(p->viewRange().upper, hi);
        QVERIFY(p->canUndoZoom());
    }

    // The step axis shows the same steps; undo switches back.
    void axisSwitch()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        p->showSteps(5, 10);
        p->setAxis(sim::Axis::Step);
        QCOMPARE(p->axis(), sim::Axis::Step);
        const ViewRange v = p->viewRange();
        // at least steps 5..10; per-thread time may bring in later steps
        // that ran in the same time (kill-while-processing's 17..19)
        QVERIFY(v.lower <= 4.0 && v.upper >= 10.0);
        QVERIFY(v.upper - v.lower < double(m_src.timeline->stepCount()));
        QVERIFY(p->axisAction()->isChecked());
        p->undoZoom();
        QCOMPARE(p->axis(), sim::Axis::Time);
        QVERIFY(!p->axisAction()->isChecked());
    }

    // The cursor follows its step: in view nothing moves; off screen the view
    // pans to it keeping the zoom.
    void cursor()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        QSignalSpy ranges(p.get(), &TimelinePlot::viewRangeChanged);
        p->setCursorStep(9);
        QCOMPARE(p->cursorStep(), uint64_t(9));
        QCOMPARE(ranges.count(), 0);
        p->setCursorStep(9);
        QCOMPARE(ranges.count(), 0);
        p->showSteps(1, 3);
        QCOMPARE(ranges.count(), 1);
        const double width = p->viewRange().upper - p->viewRange().lower;
        p->replotNow();
        p->setCursorStep(20);
        QCOMPARE(ranges.count(), 2);
        const double x = double(m_src.timeline->step(20).endNs);
        QVERIFY(p->viewRange().lower < x && x < p->viewRange().upper);
        QCOMPARE(p->viewRange().upper - p->viewRange().lower, width);
        p->setCursorStep(10000);
        QCOMPARE(p->cursorStep(), m_src.timeline->stepCount());
    }

    // A step already in view is not recentred, even before the plot's
    // first layout (the window opened with --step showed negative time and
    // cut the run's end off).
    void cursorInViewKeepsTheRange()
    {
        TimelinePlot p;
        p.resize(1200, 700);
        p.setSource(m_src);
        const auto before = p.viewRange();
        QVERIFY(before.lower < double(m_src.timeline->step(9).endNs) &&
                double(m_src.timeline->step(9).endNs) < before.upper);
        p.setCursorStep(9);
        QCOMPARE(p.viewRange().lower, before.lower);
        QCOMPARE(p.viewRange().upper, before.upper);
    }

    // The cursor's lane was scrolled into view while the plot was short;
    // once it grows the plot scrolls back as far as that lane allows (the
    // window opened with --step cut its top lanes off). A reader's own
    // scroll is kept.
    void followedLaneKeepsTheTopInView()
    {
        auto p = shown(m_src, {1200, 90});
        QVERIFY(p);
        // (the widget keeps a minimum height, and on a short widget the
        // legend leaves the lanes most of it: tall rows make the lanes
        // overflow it)
        p->setRowHeight(30);
        // the release worker's first step: its lane is the third
        uint64_t step = 0;
        const tee::ThreadId worker(m_src.timeline->threadCount() - 1);
        for (uint64_t k = 1; k <= m_src.timeline->stepCount() && !step; ++k)
            if (m_src.timeline->step(k).actor == worker)
                step = k;
        QVERIFY(step > 0);
        p->setCursorStep(step);
        p->replotNow();
        QVERIFY(p->scrollY() > 0); // a short plot scrolls down to it
        p->resize(1200, 700);
        QTRY_COMPARE(p->scrollY(), 0);
        // the reader scrolls: a resize keeps it
        p->resize(1200, 160);
        p->replotNow();
        p->setScrollY(20);
        QVERIFY(p->scrollY() > 0);
        const int mine = p->scrollY();
        p->resize(1200, 164); // (its maximum scroll stays above 20)
        p->replotNow();
        QCOMPARE(p->scrollY(), mine);
    }

    // Tooltips name the entity and the driver function and spec section of
    // the event that opened the interval.
    void toolTips()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        const uint32_t client = renderfixture::lane(m_src, sim::LaneKind::Thread, 0);
        const uint32_t blocked = intervalOf(client, Meaning::BlockedKillable);
        QVERIFY(blocked != sim::kNone);
        p->showSteps(4, 9);
        p->replotNow();
        const QString tip = p->toolTipAt(middleOf(*p, blocked));
        const sim::Interval &iv = m_src.timeline->intervals()[blocked];
        const std::string driver =
            vocab::driverRefText(vocab::driverRef(m_src.trace->events[iv.event]));
        QVERIFY2(tip.contains(QStringLiteral("app/client")), qPrintable(tip));
        QVERIFY2(tip.contains(QString::fromStdString(driver)), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("spec")), qPrintable(tip));
        QVERIFY(tip.contains(QStringLiteral("completion (killable)")));
        // an object's tooltip lists its holders
        const uint32_t obj1 = renderfixture::lane(m_src, sim::LaneKind::Object, 1);
        p->fitToView();
        p->replotNow();
        const QString otip = p->toolTipAt(middleOf(*p, intervalOf(obj1, Meaning::Refcount3)));
        QVERIFY2(otip.contains(QStringLiteral("holders:")), qPrintable(otip));
        QVERIFY(otip.contains(QStringLiteral("oic->object")));
    }

    // A note's label is cut at 48 characters: hovering it gives its whole
    // text; explore's notes say what was found first (the label read
    // "explore: the shortest path found to a violation…"; an app audit).
    void noteLabelsAndTheirToolTips()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        const std::string text = "explore: the shortest path found to a violation of I12: "
                                 "app/suppl reads arg 4 of req#0 after the client's dispatch "
                                 "returned: use after free";
        p->setNotes({sim::Note{5, text, ""}});
        p->fitToView();
        p->replotNow();
        const QString label = NotesLayerable::label(p->notes().front());
        QVERIFY2(label.startsWith(QStringLiteral("✎ explore: I12: app/suppl")), qPrintable(label));
        // somewhere over the lanes, right of the step's line
        const QRectF lanes = p->lanesRect();
        QString tip;
        for (double y = lanes.top() + 2; y < lanes.bottom() && tip.isEmpty(); y += 3)
            for (double x = lanes.left(); x < lanes.right() && tip.isEmpty(); x += 4)
                if (const QString t = p->toolTipAt(QPointF(x, y));
                    t.startsWith(QLatin1String("note")))
                    tip = t;
        QVERIFY2(tip.contains(QString::fromStdString(text)), qPrintable(tip));
        QVERIFY(tip.contains(QStringLiteral("step 5")));
    }

    // The refcount plot and the timeline share their x range, both ways,
    // with one signal per change and none for a range already shown.
    void refcountPlotFollows()
    {
        auto p = shown(m_src);
        QVERIFY(p);
        RefcountPlot rc;
        rc.resize(1200, 200);
        rc.setSource(m_src);
        QCOMPARE(rc.graphCount(), 2);                // obj0, obj1
        QCOMPARE(rc.objects().front(), ObjectId(1)); // the busier one
        connect(p.get(), &TimelinePlot::viewRangeChanged, &rc, &RefcountPlot::setViewRange);
        connect(&rc, &RefcountPlot::viewRangeChanged, p.get(), &TimelinePlot::setViewRange);
        QSignalSpy fromTimeline(p.get(), &TimelinePlot::viewRangeChanged);
        QSignalSpy fromRefcounts(&rc, &RefcountPlot::viewRangeChanged);
        p->showSteps(3, 8);
        QCOMPARE(rc.viewRange(), p->viewRange());
        QCOMPARE(fromTimeline.count(), 1);
        QCOMPARE(fromRefcounts.count(), 0);
        rc.setViewRange({sim::Axis::Time, 1000, 5000});
        // set from outside: not echoed
        QCOMPARE(fromRefcounts.count(), 0);
        // the axis switch reaches the refcount plot: its points move to steps
        p->setAxis(sim::Axis::Step);
        QCOMPARE(rc.viewRange().axis, sim::Axis::Step);
        const auto pts = rc.points(0);
        QVERIFY(!pts.empty());
        for (const auto &pt : pts)
            QVERIFY(pt.first <= double(m_src.timeline->stepCount()));
        // obj1's refcount reaches 3 (oic->object, driver copy, QTEE)
        double maxRef = 0;
        for (const auto &pt : pts)
            maxRef = std::max(maxRef, pt.second);
        QCOMPARE(maxRef, 3.0);
    }

    // Every line reaches its lane's end: back to 0 where a freed object's
    // lane ends, else its last count held to the end of the run (missed-
    // wakeup ends stuck with both objects alive; kill-while-processing frees
    // obj0).
    void refcountLinesReachTheEnd()
    {
        for (const char *name : {"missed-wakeup", "kill-while-processing"}) {
            const TimelineSource src = renderfixture::builtin(name);
            QVERIFY(src.valid());
            const sim::Timeline &tl = *src.timeline;
            RefcountPlot rc;
            rc.resize(1200, 200);
            rc.setSource(src);
            QVERIFY(rc.graphCount() >= 2);
            int alive = 0;
            for (int g = 0; g < rc.graphCount(); ++g) {
                const uint32_t lane = tl.laneOf({sim::LaneKind::Object, rc.objects()[size_t(g)].v});
                const auto ivs = tl.intervalsOf(lane);
                QVERIFY(!ivs.empty());
                const auto q = rc.points(g);
                QVERIFY(q.size() >= 2);
                const bool open = ivs.back().openAtEnd();
                alive += open;
                QCOMPARE(q.back().first, double(TimeMapping::endOf(ivs.back(), sim::Axis::Time)));
                QCOMPARE(q.back().second, open ? double(ivs.back().object().refcount) : 0.0);
                if (open)
                    QCOMPARE(q.back().first, double(tl.endNs()));
            }
            if (QByteArray(name) == "missed-wakeup")
                QCOMPARE(alive, 2);
        }
    }

    // The refcount lines a run opens with: the objects its findings name
    // first (up to half), then the busiest; a picked object comes first.
    void refcountLinesShowTheFindingsObjects()
    {
        int withFindings = 0;
        for (const sim::BuiltinInfo &info : sim::builtinScenarios()) {
            const TimelineSource src = renderfixture::builtin(info.name.c_str());
            QVERIFY(src.valid());
            const sim::Timeline &tl = *src.timeline;
            std::vector<ObjectId> named;
            for (const Event &e : src.trace->events)
                if ((e.kind == EventKind::Violation || e.kind == EventKind::Gap) &&
                    e.object.valid() &&
                    tl.laneOf({sim::LaneKind::Object, e.object.v}) != sim::kNone &&
                    std::find(named.begin(), named.end(), e.object) == named.end())
                    named.push_back(e.object);
            const auto shown = RefcountPlot::defaultObjects(tl, *src.trace, 4);
            const auto busiest = RefcountPlot::busiestObjects(tl, 4);
            QCOMPARE(shown.size(), busiest.size());
            if (named.empty()) {
                QCOMPARE(shown, busiest);
                continue;
            }
            ++withFindings;
            QCOMPARE(shown.front(), named.front());
            for (const ObjectId o : shown) // each once
                QCOMPARE(std::count(shown.begin(), shown.end(), o), 1);
            // a picked object comes first; shown already: moved up
            RefcountPlot rc;
            rc.setSource(src);
            const ObjectId last = rc.objects().back();
            QVERIFY(rc.showObject(last));
            QCOMPARE(rc.objects().front(), last);
            QCOMPARE(rc.objects().size(), shown.size());
            QCOMPARE(rc.graphCount(), int(shown.size()));
            QVERIFY(!rc.showObject(ObjectId(1 << 30))); // no such object
        }
        QVERIFY(withFindings > 0);
    }

    // stress: its busiest objects are all in its first steps; picking a
    // late one plots it in place of the last line.
    void refcountPlotTakesAPickedObject()
    {
        const TimelineSource src = renderfixture::builtin("stress");
        QVERIFY(src.valid());
        const sim::Timeline &tl = *src.timeline;
        RefcountPlot rc;
        rc.setSource(src);
        const auto before = rc.objects();
        QCOMPARE(before.size(), size_t(4));
        const auto [b, e] = tl.lanesOfKind(sim::LaneKind::Object);
        QVERIFY(e - b > 8);
        const ObjectId late(int32_t(tl.lanes()[e - 1].key.id));
        QVERIFY(std::find(before.begin(), before.end(), late) == before.end());
        QVERIFY(rc.showObject(late));
        const std::vector<ObjectId> want{late, before[0], before[1], before[2]};
        QCOMPARE(rc.objects(), want);
    }

    void followsTheWindowPalette()
    {
        TimelinePlot p;
        QCOMPARE(p.colors().variant(), Palette::Variant::Light);
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x24));
        dark.setColor(QPalette::WindowText, Qt::white);
        p.setPalette(dark);
        QCOMPARE(p.colors().variant(), Palette::Variant::Dark);
        p.setColors(Palette::print());
        p.setPalette(QPalette());
        QCOMPARE(p.colors().variant(), Palette::Variant::Print); // fixed by setColors
    }
};

QTEST_MAIN(TestTimelinePlot)
#include "tst_timelineplot.moc"
