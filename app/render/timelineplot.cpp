#include "app/render/timelineplot.h"

#include "app/render/axistickers_p.h"
#include "app/render/legend.h"
#include "app/render/timelineplottable.h"

#include <QAction>
#include <QHBoxLayout>
#include <QPicture>
#include <QScrollArea>
#include <QScrollBar>
#include <QTimer>
#include <QToolBar>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace tee::render {

namespace {

constexpr double kEdgePad = 0.01;

QFont pixelFont(int px, bool bold = false)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(px);
    f.setBold(bold);
    return f;
}

// The legend strip under the plot.
class LegendStrip : public QWidget
{
public:
    explicit LegendStrip(QWidget *parent)
        : QWidget(parent)
    {
        setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    }
    void set(std::vector<Legend::Entry> entries, const Palette &palette)
    {
        m_entries = std::move(entries);
        m_palette = palette;
        setFixedHeight(Legend::height(m_entries, std::max(width(), 400), font()));
        update();
    }
    int heightAt(int w) const { return Legend::height(m_entries, w, font()); }
    const std::vector<Legend::Entry> &entries() const { return m_entries; }

protected:
    void resizeEvent(QResizeEvent *) override
    {
        const int h = Legend::height(m_entries, std::max(width(), 400), font());
        if (h != height())
            setFixedHeight(h);
    }
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        Legend::paint(p, rect(), m_entries, m_palette, font());
    }

private:
    std::vector<Legend::Entry> m_entries;
    Palette m_palette;
};

// The lane of a violation at `step` (the first one's), or kNone: opening
// a capture or a counterexample at its violation should show the mark, on
// the request's or the object's lane, not only the acting thread's.
uint32_t violationLaneAt(const sim::Timeline &tl, uint64_t step)
{
    std::vector<uint32_t> found;
    tl.instantsIn(sim::Axis::Step, int64_t(step), int64_t(step), found);
    uint32_t lane = sim::kNone, first = UINT32_MAX;
    for (uint32_t i : found) {
        const sim::Instant &in = tl.instants()[i];
        if (in.kind == sim::InstantKind::Violation && in.lane != sim::kNone && in.event < first) {
            first = in.event;
            lane = in.lane;
        }
    }
    return lane;
}

} // namespace

TimelinePlot::TimelinePlot(QWidget *parent)
    : QWidget(parent)
{
    m_plot = new QCustomPlot(this);
    m_plot->setInteractions(QCP::Interactions());
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setPlottingHint(QCP::phCacheLabels, true);
    m_plot->setMouseTracking(true);
    m_plot->yAxis->setVisible(false);
    m_plot->yAxis->grid()->setVisible(false);
    m_plot->xAxis->grid()->setVisible(false);
    m_plot->xAxis->setTickLabelFont(pixelFont(11));
    m_plot->xAxis->setLabelFont(pixelFont(11));
    m_plot->axisRect()->setAutoMargins(QCP::msBottom);
    m_plot->axisRect()->setMargins(QMargins(m_labelWidth, 2, 8, 0));

    m_timeline = new TimelinePlottable(m_plot->xAxis, m_plot->yAxis);
    m_timeline->setFonts(pixelFont(12), pixelFont(11));
    m_plot->addLayer(QStringLiteral("cursor"), m_plot->layer(QStringLiteral("main")),
                     QCustomPlot::limAbove);
    m_plot->layer(QStringLiteral("cursor"))->setMode(QCPLayer::lmBuffered);
    m_cursor = new CursorLayerable(m_plot, m_timeline);
    m_cursor->setLayer(QStringLiteral("cursor"));
    m_plot->addLayer(QStringLiteral("notes"), m_plot->layer(QStringLiteral("main")),
                     QCustomPlot::limAbove);
    m_notes = new NotesLayerable(m_plot, m_timeline);
    m_notes->setLayer(QStringLiteral("notes"));

    m_vscroll = new QScrollBar(Qt::Vertical, this);
    m_legend = new LegendStrip(this);
    m_legend->setFont(pixelFont(11));
    // The legend scrolls when it would take more than a third of the
    // widget: at 1024 x 700 it wrapped into so many rows that no lane was
    // left on screen.
    auto *legendArea = new QScrollArea(this);
    legendArea->setWidget(m_legend);
    legendArea->setWidgetResizable(true);
    legendArea->setFrameShape(QFrame::NoFrame);
    legendArea->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    legendArea->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    m_legendArea = legendArea;
    m_wheelCommit = new QTimer(this);
    m_wheelCommit->setSingleShot(true);
    m_wheelCommit->setInterval(400);
    connect(m_wheelCommit, &QTimer::timeout, this, &TimelinePlot::commitView);

    m_toolBar = new QToolBar(this);
    m_toolBar->setIconSize(QSize(16, 16));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_axisAction = m_toolBar->addAction(tr("Step axis"));
    m_axisAction->setCheckable(true);
    m_axisAction->setToolTip(tr("x axis: step index instead of simulated time"));
    m_fitAction = m_toolBar->addAction(tr("Fit"));
    m_fitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    m_zoomSelAction = m_toolBar->addAction(tr("Zoom to selection"));
    m_zoomSelAction->setToolTip(tr("Right-drag over the lanes to select a range"));
    m_undoAction = m_toolBar->addAction(tr("Back"));
    m_undoAction->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
    m_redoAction = m_toolBar->addAction(tr("Forward"));
    m_redoAction->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Right));
    m_legendAction = m_toolBar->addAction(tr("Legend"));
    m_legendAction->setCheckable(true);
    m_legendAction->setChecked(true);
    for (QAction *a : m_toolBar->actions())
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_axisAction, &QAction::toggled, this,
            [this](bool on) { setAxis(on ? sim::Axis::Step : sim::Axis::Time); });
    connect(m_fitAction, &QAction::triggered, this, &TimelinePlot::fitToView);
    connect(m_zoomSelAction, &QAction::triggered, this, &TimelinePlot::zoomToSelection);
    connect(m_undoAction, &QAction::triggered, this, &TimelinePlot::undoZoom);
    connect(m_redoAction, &QAction::triggered, this, &TimelinePlot::redoZoom);
    connect(m_legendAction, &QAction::toggled, this, &TimelinePlot::setLegendVisible);

    auto *row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(0);
    row->addWidget(m_plot, 1);
    row->addWidget(m_vscroll);
    auto *col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->setSpacing(0);
    col->addWidget(m_toolBar);
    col->addLayout(row, 1);
    col->addWidget(m_legendArea);

    connect(m_plot, &QCustomPlot::mousePress, this, &TimelinePlot::onMousePress);
    connect(m_plot, &QCustomPlot::mouseMove, this, &TimelinePlot::onMouseMove);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &TimelinePlot::onMouseRelease);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, &TimelinePlot::onMouseDoubleClick);
    connect(m_plot, &QCustomPlot::mouseWheel, this, &TimelinePlot::onWheel);
    connect(m_plot, &QCustomPlot::afterLayout, this, &TimelinePlot::updateScrollBar);
    connect(m_vscroll, &QScrollBar::valueChanged, this, [this](int v) {
        m_followLane = sim::kNone; // the reader scrolls
        if (v != int(m_timeline->scrollY())) {
            m_timeline->setScrollY(v);
            queueReplot();
        }
    });

    m_timeline->setPalette(Palette::forWidget(palette()));
    setMinimumSize(320, 200);
    updateAxisLook();
    updateActions();
}

TimelinePlot::~TimelinePlot() = default;

void TimelinePlot::setSource(const TimelineSource &src)
{
    m_timeline->setSource(src);
    m_cursor->setCursorStep(0);
    m_followLane = sim::kNone;
    m_selLower = m_selUpper = 0;
    updateLabelWidth();
    static_cast<LegendStrip *>(m_legend)->set(Legend::entriesFor(m_timeline->layout()),
                                              m_timeline->palette());
    fitLegendArea();
    const auto [lo, hi] = fullRange();
    const double pad = (hi - lo) * kEdgePad;
    applyRange(lo - pad, hi + pad, false);
    m_history.reset(viewRange());
    updateScrollBar();
    updateActions();
    queueReplot();
}

const TimelineSource &TimelinePlot::source() const
{
    return m_timeline->source();
}

// -- the view -----------------------------------------------------------------

sim::Axis TimelinePlot::axis() const
{
    return m_timeline->axis();
}

std::pair<double, double> TimelinePlot::fullRange() const
{
    const TimelineSource &src = m_timeline->source();
    if (!src.valid())
        return {0.0, 1.0};
    if (axis() == sim::Axis::Step)
        return {0.0, double(std::max<uint64_t>(src.timeline->stepCount(), 1))};
    return {0.0, double(std::max<int64_t>(src.timeline->endNs(), 1))};
}

void TimelinePlot::setAxis(sim::Axis a)
{
    if (a == axis())
        return;
    const TimelineSource &src = m_timeline->source();
    const ViewRange old = viewRange();
    m_timeline->setAxis(a);
    updateAxisLook();
    if (src.valid()) {
        const auto [from, to] = stepsInRange(*src.timeline, old.lower, old.upper, old.axis);
        const auto [lo, hi] = stepRangeOnAxis(*src.timeline, from, to, a);
        applyRange(lo, hi);
    }
    commitView();
    queueReplot();
}

ViewRange TimelinePlot::viewRange() const
{
    return {axis(), m_plot->xAxis->range().lower, m_plot->xAxis->range().upper};
}

void TimelinePlot::setViewRange(const ViewRange &r)
{
    if (r.axis != axis()) {
        m_timeline->setAxis(r.axis);
        updateAxisLook();
    }
    applyRange(r.lower, r.upper);
    queueReplot();
}

void TimelinePlot::showSteps(uint64_t from, uint64_t to)
{
    const TimelineSource &src = m_timeline->source();
    if (!src.valid())
        return;
    const auto [lo, hi] = stepRangeOnAxis(*src.timeline, from, to, axis());
    // a little room either side, so markers at the ends are not cut in half
    const double pad = (hi - lo) * kEdgePad;
    applyRange(lo - pad, hi + pad);
    commitView();
    queueReplot();
}

void TimelinePlot::fitToView()
{
    const auto [lo, hi] = fullRange();
    const double pad = (hi - lo) * kEdgePad;
    applyRange(lo - pad, hi + pad);
    commitView();
    queueReplot();
}

void TimelinePlot::zoomToRange(double lower, double upper)
{
    applyRange(std::min(lower, upper), std::max(lower, upper));
    commitView();
    queueReplot();
}

void TimelinePlot::zoomBy(double factor, double centerPx)
{
    const QCPRange r = m_plot->xAxis->range();
    const double c = m_plot->xAxis->pixelToCoord(centerPx);
    applyRange(c + (r.lower - c) * factor, c + (r.upper - c) * factor);
    queueReplot();
}

void TimelinePlot::setSelection(double lower, double upper)
{
    m_selLower = std::min(lower, upper);
    m_selUpper = std::max(lower, upper);
    updateActions();
}

bool TimelinePlot::zoomToSelection()
{
    if (!hasSelection())
        return false;
    zoomToRange(m_selLower, m_selUpper);
    return true;
}

void TimelinePlot::undoZoom()
{
    // a view not yet committed (a wheel burst still running, a view set
    // from elsewhere) counts: commit it so that redo comes back to it
    m_wheelCommit->stop();
    commitView();
    if (!m_history.canUndo())
        return;
    setViewRange(m_history.undo());
    updateActions();
    Q_EMIT zoomHistoryChanged();
}

void TimelinePlot::redoZoom()
{
    if (!m_history.canRedo())
        return;
    setViewRange(m_history.redo());
    updateActions();
    Q_EMIT zoomHistoryChanged();
}

void TimelinePlot::applyRange(double lower, double upper, bool clamp)
{
    const auto [lo, hi] = fullRange();
    const double full = hi - lo;
    // at least two steps, or 10 ns, wide; at most the run and a margin
    const double minWidth = axis() == sim::Axis::Step ? 2.0 : 10.0;
    double w = std::max(upper - lower, minWidth);
    if (clamp) {
        w = std::min(w, full * 1.1);
        const double c = (lower + upper) / 2;
        lower = c - w / 2;
        upper = c + w / 2;
        const double margin = full * 0.05;
        if (lower < lo - margin) {
            upper += lo - margin - lower;
            lower = lo - margin;
        }
        if (upper > hi + margin) {
            lower -= upper - hi - margin;
            upper = hi + margin;
        }
    } else {
        upper = lower + w;
    }
    const QCPRange old = m_plot->xAxis->range();
    m_plot->xAxis->setRange(lower, upper);
    if (old.lower != lower || old.upper != upper)
        Q_EMIT viewRangeChanged(viewRange());
}

void TimelinePlot::commitView()
{
    if (m_history.commit(viewRange())) {
        updateActions();
        Q_EMIT zoomHistoryChanged();
    }
}

void TimelinePlot::updateAxisLook()
{
    setAxisLook(m_plot->xAxis, axis());
    const QSignalBlocker block(m_axisAction);
    m_axisAction->setChecked(axis() == sim::Axis::Step);
}

// -- lanes ----------------------------------------------------------------------

const LaneLayout &TimelinePlot::laneLayout() const
{
    return m_timeline->layout();
}

bool TimelinePlot::groupCollapsed(LaneGroup g) const
{
    return m_timeline->layout().collapsed(g);
}

void TimelinePlot::setGroupCollapsed(LaneGroup g, bool collapsed)
{
    if (groupCollapsed(g) == collapsed)
        return;
    m_timeline->layout().setCollapsed(g, collapsed);
    updateScrollBar();
    queueReplot();
}

void TimelinePlot::setRowHeight(int px)
{
    m_timeline->layout().setRowHeight(px);
    m_timeline->layout().setHeaderHeight(px);
    updateScrollBar();
    queueReplot();
}

int TimelinePlot::scrollY() const
{
    return int(m_timeline->scrollY());
}

void TimelinePlot::setScrollY(int y)
{
    m_followLane = sim::kNone; // scrollToLane sets it again when it follows the cursor
    const int maxY = m_timeline->layout().maxScroll(m_timeline->lanesViewportHeight());
    y = std::clamp(y, 0, maxY);
    m_timeline->setScrollY(y);
    const QSignalBlocker block(m_vscroll);
    m_vscroll->setValue(y);
    queueReplot();
}

void TimelinePlot::scrollToLane(uint32_t lane)
{
    const LaneLayout &l = m_timeline->layout();
    const int row = l.rowOfLane(lane);
    if (row < 0)
        return;
    const double h = m_timeline->lanesViewportHeight();
    const int top = l.rowTop(row), bottom = top + l.rowHeightOf(row);
    if (top < scrollY())
        setScrollY(top);
    else if (bottom > scrollY() + h)
        setScrollY(int(bottom - h));
}

void TimelinePlot::updateScrollBar()
{
    const double h = m_timeline->lanesViewportHeight();
    const int maxY = m_timeline->layout().maxScroll(h);
    const QSignalBlocker block(m_vscroll);
    m_vscroll->setRange(0, maxY);
    m_vscroll->setPageStep(std::max(1, int(h)));
    m_vscroll->setSingleStep(m_timeline->layout().rowHeight());
    // always shown (disabled when everything fits), so the plot's width and
    // the x axes of plots aligned under it do not jump
    m_vscroll->setEnabled(maxY > 0);
    if (m_timeline->scrollY() > maxY)
        m_timeline->setScrollY(maxY);
    // The lanes' height changed after the cursor's lane was brought into
    // view (the window laid out after `teescope NAME --step N` cut the top
    // lanes off): scroll no further than that lane needs, from the top; and
    // far enough that it is still in view when the height shrank (a
    // counterexample's violation on a request lane, opened on a laptop).
    if (m_followLane != sim::kNone) {
        const LaneLayout &l = m_timeline->layout();
        const int row = l.rowOfLane(m_followLane);
        if (row >= 0) {
            const int top = l.rowTop(row), bottom = top + l.rowHeightOf(row);
            const int need = std::min(top, std::max(0, int(bottom - h)));
            if (need < int(m_timeline->scrollY()))
                m_timeline->setScrollY(need);
            else if (bottom > int(m_timeline->scrollY() + h))
                m_timeline->setScrollY(std::min(maxY, std::min(top, int(bottom - h))));
        }
    }
    m_vscroll->setValue(int(m_timeline->scrollY()));
}

void TimelinePlot::updateLabelWidth()
{
    const int w = m_timeline->preferredLabelWidth();
    if (w == m_labelWidth)
        return;
    m_labelWidth = w;
    m_plot->axisRect()->setMargins(QMargins(m_labelWidth, 2, 8, 0));
    Q_EMIT labelColumnWidthChanged(w);
}

// -- appearance -------------------------------------------------------------------

void TimelinePlot::setColors(const Palette &palette)
{
    m_fixedColors = true;
    m_timeline->setPalette(palette);
    static_cast<LegendStrip *>(m_legend)->set(Legend::entriesFor(m_timeline->layout()), palette);
    fitLegendArea();
    updateAxisLook();
    const QColor text = palette.ui(Palette::Ui::Text), muted = palette.ui(Palette::Ui::MutedText);
    m_plot->setBackground(palette.ui(Palette::Ui::Background));
    for (QCPAxis *a : {m_plot->xAxis, m_plot->yAxis}) {
        a->setBasePen(QPen(muted));
        a->setTickPen(QPen(muted));
        a->setSubTickPen(QPen(muted));
        a->setTickLabelColor(text);
        a->setLabelColor(text);
    }
    queueReplot();
}

const Palette &TimelinePlot::colors() const
{
    return m_timeline->palette();
}

void TimelinePlot::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange && !m_fixedColors) {
        const Palette p = Palette::forWidget(palette());
        setColors(p);
        m_fixedColors = false;
    }
    QWidget::changeEvent(event);
}

void TimelinePlot::setLegendVisible(bool visible)
{
    m_legendArea->setVisible(visible);
    const QSignalBlocker block(m_legendAction);
    m_legendAction->setChecked(visible);
    fitLegendArea();
}

bool TimelinePlot::legendVisible() const
{
    return !m_legendArea->isHidden();
}

// The legend's whole height, or a third of the widget with a scroll bar;
// on a short widget (a 1366x768 or 1024x768 screen) a fifth, at least two
// rows: a third left room for three lanes there (an app audit), and the
// lanes are what the widget is for.
void TimelinePlot::fitLegendArea()
{
    const int want = static_cast<LegendStrip *>(m_legend)->heightAt(std::max(width(), 400));
    const int twoRows = 2 * QFontMetrics(m_legend->font()).height() + 8;
    const int share = height() < kShortHeight ? height() / 5 : height() / 3;
    m_legendArea->setFixedHeight(std::min(want, std::max(share, twoRows)));
}

void TimelinePlot::setToolBarVisible(bool visible)
{
    m_toolBar->setVisible(visible);
}

void TimelinePlot::updateActions()
{
    m_undoAction->setEnabled(m_history.canUndo());
    m_redoAction->setEnabled(m_history.canRedo());
    m_zoomSelAction->setEnabled(hasSelection());
}

// -- the cursor -----------------------------------------------------------------------

uint64_t TimelinePlot::cursorStep() const
{
    return m_cursor->cursorStep();
}

void TimelinePlot::setCursorStep(uint64_t step, bool follow)
{
    const TimelineSource &src = m_timeline->source();
    if (!src.valid())
        return;
    step = std::min(step, src.timeline->stepCount());
    if (step == m_cursor->cursorStep())
        return;
    m_cursor->setCursorStep(step);
    bool moved = false;
    double x = 0;
    int row = -1;
    if (follow && m_cursor->cursorGeometry(x, row)) {
        // (a lane followed for an earlier step is not this step's: a later
        // layout would scroll back to it)
        m_followLane = sim::kNone;
        // follow the cursor: keep the zoom, centre the step if it is off
        // screen (in axis coordinates: before the window's first layout the
        // pixels are not yet the plot's, and a step in view was recentred,
        // cutting the run's end off)
        const QCPRange range = m_plot->xAxis->range();
        const double c = double(TimeMapping::stepEnd(*src.timeline, step, axis()));
        if (c < range.lower || c > range.upper) {
            applyRange(c - range.size() / 2, c + range.size() / 2);
            moved = true;
        }
        if (row >= 0) {
            const int before = scrollY();
            const LaneRow lr = m_timeline->layout().row(row);
            if (!lr.header) {
                scrollToLane(lr.lane);
                m_followLane = lr.lane;
            }
            moved = moved || scrollY() != before;
        }
        // A violation at the step: its mark comes into view (it was below the
        // thread lanes on a laptop's screen, or even at 1600x1000).
        if (const uint32_t mark = violationLaneAt(*src.timeline, step); mark != sim::kNone) {
            const int before = scrollY();
            scrollToLane(mark);
            m_followLane = mark;
            moved = moved || scrollY() != before;
        }
    }
    if (moved)
        queueReplot();
    else
        replotCursor();
}

// -- geometry, tests, export ------------------------------------------------------------

QWidget *TimelinePlot::plotWidget() const
{
    return m_plot;
}

QRectF TimelinePlot::lanesRect() const
{
    return m_timeline->lanesRect();
}

TimeMapping TimelinePlot::mapping() const
{
    return m_timeline->mapping();
}

QRectF TimelinePlot::laneBarRect(uint32_t lane) const
{
    const int row = m_timeline->layout().rowOfLane(lane);
    if (row < 0)
        return {};
    const double h = m_timeline->layout().rowHeightOf(row);
    const double pad = std::max(1.0, std::floor(h * 0.12));
    const QRectF r = lanesRect();
    return QRectF(r.left(), m_timeline->rowTopY(row) + pad, r.width(), h - 2 * pad);
}

PixelHit TimelinePlot::hitAt(const QPointF &plotPos) const
{
    return m_timeline->hitAt(plotPos);
}

QString TimelinePlot::toolTipAt(const QPointF &plotPos) const
{
    // a note's label is drawn over the lanes: its whole text first (the
    // label is cut at 48 characters)
    if (const QString note = m_notes->toolTipAt(plotPos); !note.isEmpty())
        return note;
    return m_timeline->toolTipAt(plotPos);
}

const PaintStats &TimelinePlot::paintStats() const
{
    return m_timeline->stats();
}

void TimelinePlot::setNotes(std::vector<sim::Note> notes)
{
    if (notes == m_notes->notes())
        return;
    m_notes->setNotes(std::move(notes));
    queueReplot();
}

const std::vector<sim::Note> &TimelinePlot::notes() const
{
    return m_notes->notes();
}

void TimelinePlot::replotNow()
{
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
}

void TimelinePlot::replotCursor()
{
    m_plot->layer(QStringLiteral("cursor"))->replot();
}

void TimelinePlot::queueReplot()
{
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int TimelinePlot::rightInset() const
{
    return 8 + m_vscroll->sizeHint().width();
}

int TimelinePlot::legendHeight(int width) const
{
    return legendVisible() ? static_cast<LegendStrip *>(m_legend)->heightAt(width) : 0;
}

void TimelinePlot::render(QPainter &painter, const QRect &target)
{
    const int legendH = legendHeight(target.width());
    const int plotH = std::max(10, target.height() - legendH);
    // QCustomPlot paints through its own QCPPainter; record it and replay,
    // so any device (image, SVG, PDF) gets the same commands with text kept
    // as text.
    QPicture picture;
    {
        QCPPainter p(&picture);
        p.setMode(QCPPainter::pmVectorized);
        p.setMode(QCPPainter::pmNoCaching);
        m_plot->toPainter(&p, target.width(), plotH);
    }
    painter.save();
    painter.setClipRect(target);
    painter.drawPicture(target.topLeft(), picture);
    if (legendH > 0)
        Legend::paint(painter, QRectF(target.left(), target.top() + plotH, target.width(), legendH),
                      static_cast<LegendStrip *>(m_legend)->entries(), colors(), m_legend->font());
    painter.restore();
}

void TimelinePlot::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitLegendArea();
    queueReplot();
}

// -- mouse ------------------------------------------------------------------------------

void TimelinePlot::onMousePress(QMouseEvent *event)
{
    const QPointF pos = event->position();
    m_pressPos = pos;
    const int labelRow = m_timeline->labelRowAt(pos);
    if (labelRow >= 0 && event->button() == Qt::LeftButton) {
        const LaneRow row = m_timeline->layout().row(labelRow);
        if (row.header) {
            setGroupCollapsed(row.group, !groupCollapsed(row.group));
        } else if (m_timeline->source().valid()) {
            Q_EMIT laneActivated(m_timeline->source().timeline->lanes()[row.lane].key);
        }
        m_gesture = Gesture::None;
        return;
    }
    if (!m_timeline->lanesRect().contains(pos))
        return;
    m_pressLower = m_plot->xAxis->range().lower;
    m_pressUpper = m_plot->xAxis->range().upper;
    m_pressScroll = scrollY();
    if (event->button() == Qt::RightButton ||
        (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier)))
        m_gesture = Gesture::Select;
    else if (event->button() == Qt::LeftButton)
        m_gesture = Gesture::Press;
}

void TimelinePlot::onMouseMove(QMouseEvent *event)
{
    const QPointF pos = event->position();
    switch (m_gesture) {
    case Gesture::None: {
        const QString tip = m_timeline->toolTipAt(pos);
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
        return;
    }
    case Gesture::Press:
        if ((pos - m_pressPos).manhattanLength() < 4)
            return;
        m_gesture = Gesture::Pan;
        [[fallthrough]];
    case Gesture::Pan: {
        const double ppu = m_timeline->mapping().pixelsPerUnit();
        if (ppu > 0) {
            const double dx = (pos.x() - m_pressPos.x()) / ppu;
            applyRange(m_pressLower - dx, m_pressUpper - dx);
        }
        const int dy = int(pos.y() - m_pressPos.y());
        if (dy != 0)
            setScrollY(m_pressScroll - dy);
        queueReplot();
        return;
    }
    case Gesture::Select:
        m_cursor->setSelection(m_pressPos.x(), pos.x());
        replotCursor();
        return;
    }
}

void TimelinePlot::onMouseRelease(QMouseEvent *event)
{
    const Gesture g = m_gesture;
    m_gesture = Gesture::None;
    const QPointF pos = event->position();
    switch (g) {
    case Gesture::None:
        return;
    case Gesture::Press: {
        const PixelHit h = m_timeline->hitAt(pos);
        if (h.step > 0)
            Q_EMIT stepClicked(h.step);
        return;
    }
    case Gesture::Pan:
        commitView();
        return;
    case Gesture::Select: {
        m_cursor->clearSelection();
        const double a = m_plot->xAxis->pixelToCoord(m_pressPos.x());
        const double b = m_plot->xAxis->pixelToCoord(pos.x());
        if (std::abs(pos.x() - m_pressPos.x()) >= 4) {
            setSelection(a, b);
            zoomToSelection();
        } else {
            replotCursor();
        }
        return;
    }
    }
}

void TimelinePlot::onMouseDoubleClick(QMouseEvent *event)
{
    const PixelHit h = m_timeline->hitAt(event->position());
    if (h.row >= 0 && !h.laneRow.header && m_timeline->source().valid())
        Q_EMIT laneActivated(m_timeline->source().timeline->lanes()[h.laneRow.lane].key);
}

void TimelinePlot::onWheel(QWheelEvent *event)
{
    const QPointF pos = event->position();
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0)
        return;
    const bool overLabels = pos.x() < m_timeline->lanesRect().left();
    if ((event->modifiers() & Qt::ShiftModifier) || overLabels) {
        setScrollY(scrollY() - int(steps * 3 * m_timeline->layout().rowHeight()));
        return;
    }
    // one gesture per burst of wheel events: the view before it is already
    // the history's current entry; the one after it is committed when the
    // wheel rests
    zoomBy(std::pow(0.85, steps), pos.x());
    m_wheelCommit->start();
}

} // namespace tee::render
