#include "app/render/timelineplottable.h"

#include "app/render/lanepainting.h"
#include "app/render/lanetext.h"
#include "simulator/explore.h"

#include <QFontMetricsF>

#include <algorithm>
#include <array>
#include <cmath>

namespace tee::render {

namespace {

constexpr uint16_t kKilledBit = 0x100;
// Above this many arrows in the window none are drawn: they would only hide
// the lanes (zoom in to see them).
constexpr size_t kMaxFlows = 120;
// Markers closer than this (pixels) on one row are drawn once (the most
// important one): they overlap anyway.
constexpr int kMarkerBin = 8;

uint16_t stateKey(const sim::Interval &iv)
{
    return uint16_t(uint16_t(meaningOf(iv)) | (isKilled(iv) ? kKilledBit : 0));
}

int markerPriority(sim::InstantKind k)
{
    switch (k) {
    case sim::InstantKind::Violation:
        return 9;
    case sim::InstantKind::Kill:
        return 8;
    case sim::InstantKind::Gap:
        return 7;
    case sim::InstantKind::Note:
        return 6;
    case sim::InstantKind::ReleaseSmc:
        return 5;
    case sim::InstantKind::AsyncRelease:
        return 4;
    case sim::InstantKind::QteeCallback:
        return 3;
    case sim::InstantKind::SyscallEnter:
    case sim::InstantKind::SyscallReturn:
        return 2;
    case sim::InstantKind::RefGet:
    case sim::InstantKind::RefPut:
        return 1;
    }
    return 1;
}

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

TimelinePlottable::TimelinePlottable(QCPAxis *keyAxis, QCPAxis *valueAxis)
    : QCPAbstractPlottable(keyAxis, valueAxis)
{
    setSelectable(QCP::stNone);
    setAntialiasedFill(false);
    m_labelFont = QFont(QStringLiteral("DejaVu Sans"), 9);
    m_barFont = QFont(QStringLiteral("DejaVu Sans"), 8);
}

void TimelinePlottable::setSource(const TimelineSource &src)
{
    m_src = src;
    if (!m_src.valid()) {
        m_layout = LaneLayout();
        m_summary = GroupSummary();
        m_steps = StepLocator();
        return;
    }
    const int rh = m_layout.rowHeight(), hh = m_layout.headerHeight();
    m_layout = LaneLayout(m_src.timeline->lanes());
    m_layout.setRowHeight(rh);
    m_layout.setHeaderHeight(hh);
    m_summary = GroupSummary(*m_src.timeline, m_layout);
    m_steps = StepLocator(*m_src.timeline);
    m_scrollY = 0;
}

void TimelinePlottable::setFonts(const QFont &label, const QFont &bar)
{
    m_labelFont = label;
    m_barFont = bar;
}

int TimelinePlottable::preferredLabelWidth() const
{
    if (!m_src.valid())
        return 120;
    QFont bold = m_labelFont;
    bold.setBold(true);
    const QFontMetricsF fm(m_labelFont), fmb(bold);
    double w = 0;
    for (int g = 0; g < kLaneGroupCount; ++g)
        if (m_layout.hasGroup(LaneGroup(g)))
            w = std::max(w, fmb.horizontalAdvance(
                                qs("\u25be " + groupName(LaneGroup(g)) + " (" +
                                   std::to_string(m_layout.laneCount(LaneGroup(g))) + ")")));
    // names and their details ("qcomtee_wq release worker", "req#1
    // RELEASE notification"): every lane of the small groups, the last
    // (longest id) of the large ones; past 300 px the details are elided
    const auto lanes = m_src.timeline->lanes();
    double withDetail = 0;
    for (int g = 0; g < kLaneGroupCount; ++g) {
        const auto [b, e] = m_layout.lanesOf(LaneGroup(g));
        const uint32_t from = e - b > 64 ? e - 1 : b;
        for (uint32_t l = from; l < e; ++l) {
            const double name = fm.horizontalAdvance(qs(laneName(*m_src.sim, lanes[l].key))) + 14;
            w = std::max(w, name);
            const std::string detail = laneDetail(*m_src.sim, lanes[l]);
            if (!detail.empty())
                withDetail = std::max(withDetail, name + 8 + fm.horizontalAdvance(qs(detail)));
        }
    }
    return int(std::clamp(std::max(w + 70, withDetail + 12), 130.0, 300.0));
}

QRectF TimelinePlottable::lanesRect() const
{
    return mKeyAxis ? QRectF(mKeyAxis->axisRect()->rect()) : QRectF();
}

TimeMapping TimelinePlottable::mapping() const
{
    TimeMapping m;
    m.axis = m_axis;
    if (!mKeyAxis)
        return m;
    const QRect r = mKeyAxis->axisRect()->rect();
    m.lower = mKeyAxis->range().lower;
    m.upper = mKeyAxis->range().upper;
    m.left = r.left();
    m.width = r.width();
    return m;
}

double TimelinePlottable::rowTopY(int row) const
{
    return lanesRect().top() + m_layout.rowTop(row) - m_scrollY;
}

PixelHit TimelinePlottable::hitAt(const QPointF &pos, double tolerancePx) const
{
    const QRectF r = lanesRect();
    if (!m_src.valid() || !r.contains(pos))
        return {};
    return hitTestPixel(*m_src.timeline, m_layout, mapping(), pos.x(),
                        pos.y() - r.top() + m_scrollY, tolerancePx, &m_steps);
}

int TimelinePlottable::labelRowAt(const QPointF &pos) const
{
    const QRectF r = lanesRect();
    if (pos.x() >= r.left() || pos.y() < r.top() || pos.y() >= r.bottom())
        return -1;
    return m_layout.rowAt(pos.y() - r.top() + m_scrollY);
}

QString TimelinePlottable::toolTipAt(const QPointF &pos) const
{
    if (!m_src.valid())
        return {};
    const sim::Timeline &tl = *m_src.timeline;
    const int labelRow = labelRowAt(pos);
    if (labelRow >= 0) {
        const LaneRow row = m_layout.row(labelRow);
        if (row.header)
            return qs(groupName(row.group) + ": " + std::to_string(m_layout.laneCount(row.group)) +
                      " lanes (click to " +
                      (m_layout.collapsed(row.group) ? "expand" : "collapse") + ")");
        const sim::Lane &lane = tl.lanes()[row.lane];
        const std::string detail = laneDetail(*m_src.sim, lane);
        return qs(laneName(*m_src.sim, lane.key) + (detail.empty() ? "" : " (" + detail + ")") +
                  "\nsteps " + std::to_string(lane.firstStep) + " to " +
                  std::to_string(lane.lastStep));
    }
    const PixelHit h = hitAt(pos);
    if (h.hit.what == sim::Hit::What::Interval)
        return qs(intervalTooltip(*m_src.sim, *m_src.trace, tl, h.hit.index));
    if (h.hit.what == sim::Hit::What::Instant)
        return qs(instantTooltip(*m_src.sim, *m_src.trace, tl, h.hit.index));
    if (h.row >= 0 && h.laneRow.header && m_layout.collapsed(h.laneRow.group))
        return qs(groupName(h.laneRow.group) + " (collapsed): activity of " +
                  std::to_string(m_layout.laneCount(h.laneRow.group)) +
                  " lanes; click the label to expand");
    return {};
}

double TimelinePlottable::selectTest(const QPointF &pos, bool onlySelectable,
                                     QVariant *details) const
{
    if (onlySelectable && !selectable())
        return -1;
    const PixelHit h = hitAt(pos);
    if (!h.onItem())
        return -1;
    if (details) {
        QVariantMap m;
        m.insert(QStringLiteral("what"), h.hit.what == sim::Hit::What::Interval
                                             ? QStringLiteral("interval")
                                             : QStringLiteral("instant"));
        m.insert(QStringLiteral("index"), h.hit.index);
        m.insert(QStringLiteral("step"), qulonglong(h.step));
        *details = m;
    }
    const double ppu = mapping().pixelsPerUnit();
    return ppu > 0 ? double(h.hit.distance) * ppu : 0;
}

QCPRange TimelinePlottable::getKeyRange(bool &foundRange, QCP::SignDomain) const
{
    foundRange = m_src.valid();
    if (!foundRange)
        return {};
    const sim::Timeline &tl = *m_src.timeline;
    return m_axis == sim::Axis::Step ? QCPRange(0, double(std::max<uint64_t>(tl.stepCount(), 1)))
                                     : QCPRange(0, double(std::max<int64_t>(tl.endNs(), 1)));
}

QCPRange TimelinePlottable::getValueRange(bool &foundRange, QCP::SignDomain, const QCPRange &) const
{
    foundRange = true;
    return QCPRange(0, std::max(1, m_layout.contentHeight()));
}

QRect TimelinePlottable::clipRect() const
{
    // the label column left of the axis rect is ours too
    return mParentPlot ? mParentPlot->viewport() : QRect();
}

void TimelinePlottable::drawLegendIcon(QCPPainter *painter, const QRectF &rect) const
{
    painter->fillRect(rect, m_palette.fill(Meaning::Processing));
}

void TimelinePlottable::beginFrame()
{
    m_stats = PaintStats();
    for (auto &v : m_bars)
        v.clear();
    for (auto &v : m_hatch)
        v.clear();
    for (auto &v : m_busyBands)
        v.clear();
    m_killedBands.clear();
    m_seams.clear();
    m_labels.clear();
    m_markers.clear();
}

void TimelinePlottable::barGeometry(int row, double &top, double &height) const
{
    const double h = m_layout.rowHeightOf(row);
    const double pad = std::max(1.0, std::floor(h * 0.12));
    top = rowTopY(row) + pad;
    height = h - 2 * pad;
}

void TimelinePlottable::draw(QCPPainter *painter)
{
    beginFrame();
    const QRectF rect = lanesRect();
    if (!m_src.valid() || rect.width() <= 0 || rect.height() <= 0)
        return;
    const sim::Timeline &tl = *m_src.timeline;
    const TimeMapping map = mapping();
    m_frameLeft = rect.left() - 2;
    m_frameRight = rect.right() + 2;
    const auto [first, last] = m_layout.visibleRows(m_scrollY, rect.height());
    m_stats.rows = last - first;
    m_firstRow = first;

    painter->save();
    painter->setClipRect(rect);
    painter->setRenderHint(QPainter::Antialiasing, false);
    drawRowBackgrounds(painter, first, last);

    m_occWidth = int(rect.width()) / kMarkerBin + 2;
    m_occupied.assign(size_t(std::max(0, last - first)) * size_t(m_occWidth), 0);

    // bars: the visible lanes' windows, merged below a pixel
    std::vector<uint32_t> lanes;
    lanes.reserve(size_t(std::max(0, last - first)));
    for (int r = first; r < last; ++r) {
        const LaneRow row = m_layout.row(r);
        if (row.header) {
            if (m_layout.collapsed(row.group))
                collectSummary(r, row.group, map);
            continue;
        }
        lanes.push_back(row.lane);
        collectLane(r, row.lane, map);
    }
    collectMarkers(lanes, map);
    drawBars(painter);

    // instants without a lane (a kill of a process with no live thread)
    const auto [from, to] = map.window();
    for (const sim::Instant &in : tl.runInstants()) {
        const int64_t at = TimeMapping::at(in, m_axis);
        if (at < from || at > to)
            continue;
        const double x = map.toPixel(double(at));
        const Meaning m = meaningOf(in.kind);
        painter->setPen(QPen(m_palette.fill(m), 1, Qt::DashLine));
        painter->drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()));
        drawMarker(*painter, m, QPointF(x, rect.top() + 7), 12, m_palette);
        ++m_stats.markers;
    }
    drawFlows(painter, first, last, map);
    painter->restore();

    painter->save();
    drawLabels(painter, first, last);
    painter->restore();
}

void TimelinePlottable::drawRowBackgrounds(QCPPainter *p, int first, int last)
{
    const QRectF rect = lanesRect();
    p->fillRect(rect, m_palette.ui(Palette::Ui::Background));
    const QColor alt = m_palette.ui(Palette::Ui::RowAlternate);
    const QColor head = m_palette.ui(Palette::Ui::HeaderBackground);
    std::vector<QRectF> alts, heads;
    std::vector<QLineF> seps;
    for (int r = first; r < last; ++r) {
        const LaneRow row = m_layout.row(r);
        const QRectF band(rect.left(), rowTopY(r), rect.width(), m_layout.rowHeightOf(r));
        if (row.header) {
            if (!m_layout.collapsed(row.group))
                heads.push_back(band);
            seps.emplace_back(band.topLeft(), band.topRight());
        } else if ((r & 1) != 0) {
            alts.push_back(band);
        }
    }
    p->setPen(Qt::NoPen);
    p->setBrush(alt);
    p->drawRects(alts.data(), int(alts.size()));
    p->setBrush(head);
    p->drawRects(heads.data(), int(heads.size()));
    // the x axis' grid, under the bars (QCustomPlot's own grid would be
    // hidden by the row backgrounds)
    std::vector<QLineF> grid;
    for (const double t : mKeyAxis->tickVector()) {
        const double x = std::round(mKeyAxis->coordToPixel(t)) + 0.5;
        if (x >= rect.left() && x <= rect.right())
            grid.emplace_back(QPointF(x, rect.top()), QPointF(x, rect.bottom()));
    }
    QColor gridColor = m_palette.ui(Palette::Ui::Separator);
    gridColor.setAlpha(140);
    p->setPen(QPen(gridColor, 1, Qt::DotLine));
    p->drawLines(grid.data(), int(grid.size()));
    p->setPen(QPen(m_palette.ui(Palette::Ui::Separator), 1));
    p->drawLines(seps.data(), int(seps.size()));
}

void TimelinePlottable::collectLane(int row, uint32_t lane, const TimeMapping &map)
{
    const sim::Timeline &tl = *m_src.timeline;
    const auto [from, to] = map.window();
    const uint32_t one[1] = {lane};
    tl.intervalsIn(m_axis, from, to, one, m_found);
    ++m_stats.lanesQueried;
    m_stats.intervals += m_found.size();
    m_spans.clear();
    for (const uint32_t i : m_found) {
        const sim::Interval &iv = tl.intervals()[i];
        m_spans.push_back(
            {TimeMapping::startOf(iv, m_axis), TimeMapping::endOf(iv, m_axis), stateKey(iv), i});
    }
    // The per-lane query walks the lane's tree in start order; sort only if
    // that ever changes (intervalsIn promises no order).
    auto byStart = [](const LodSpan &a, const LodSpan &b) { return a.start < b.start; };
    if (!std::is_sorted(m_spans.begin(), m_spans.end(), byStart))
        std::stable_sort(m_spans.begin(), m_spans.end(), byStart);
    m_runs.clear();
    mergeSubPixel(m_spans, map, m_runs);
    collectRuns(row, false);
}

void TimelinePlottable::collectSummary(int row, LaneGroup g, const TimeMapping &map)
{
    const auto [from, to] = map.window();
    m_spans.clear();
    m_summary.spansIn(g, m_axis, from, to, m_spans);
    m_runs.clear();
    mergeSubPixel(m_spans, map, m_runs);
    collectRuns(row, true);
    // the group's kills and findings on its summary row
    m_found.clear();
    m_summary.markersIn(g, m_axis, from, to, m_found);
    for (const uint32_t i : m_found) {
        const sim::Instant &in = m_src.timeline->instants()[i];
        const double x = map.toPixel(double(TimeMapping::at(in, m_axis)));
        if (x >= m_frameLeft && x <= m_frameRight)
            collectMarker(row, x, meaningOf(in.kind), markerPriority(in.kind));
    }
}

void TimelinePlottable::collectRuns(int row, bool summary)
{
    double top = 0, h = 0;
    barGeometry(row, top, h);
    const QFontMetricsF fm(m_barFont);
    const sim::Timeline &tl = *m_src.timeline;
    double textEnd = -1e300; // overlapping intervals (QTEE, qcomtee_wq): one text at a time
    double prevEnd = -1e300;
    int prevMeaning = -1;
    for (const DrawRun &run : m_runs) {
        // at least two pixels, so an instantaneous state (QTEE answering in
        // the same step) still shows
        const double x0 = std::max(run.x0, m_frameLeft);
        const double x1 = std::min(std::max(run.x1, run.x0 + 2), m_frameRight);
        if (x1 <= x0)
            continue;
        const Meaning m = Meaning(run.state & 0xff);
        const QRectF bar(x0, top, x1 - x0, h);
        m_bars[size_t(m)].push_back(bar);
        if (!summary && int(m) == prevMeaning && x0 <= prevEnd + 0.5 && x0 > m_frameLeft) {
            m_seams.emplace_back(x0, top, x0, top + h);
            ++m_stats.seams;
        }
        prevEnd = x1;
        prevMeaning = int(m);
        ++m_stats.runs;
        const size_t before = m_hatch[size_t(m)].size();
        appendHatch(m_hatch[size_t(m)], hatchOf(m), bar);
        m_stats.hatchLines += m_hatch[size_t(m)].size() - before;
        if (run.state & kKilledBit)
            m_killedBands.emplace_back(x0, top + h - std::max(2.0, h * 0.22), x1 - x0,
                                       std::max(2.0, h * 0.22));
        if (run.merged()) {
            ++m_stats.mergedRuns;
            m_busyBands[size_t(m)].emplace_back(x0, top, x1 - x0, std::max(2.0, h * 0.18));
        }
        // the state on the bar where it fits (lanes: the vocabulary's words)
        const double w = x1 - x0;
        if (w < 14 || summary)
            continue;
        QString text;
        if (run.merged()) {
            if (w >= 30)
                text = QStringLiteral("\u00d7%1").arg(run.count);
        } else {
            const BarText t = barText(*m_src.sim, tl.intervals()[run.index]);
            const QString full = qs(t.full);
            if (fm.horizontalAdvance(full) + 6 <= w) {
                text = full;
            } else {
                const QString brief = qs(t.brief);
                if (fm.horizontalAdvance(brief) + 6 <= w)
                    text = brief;
            }
        }
        if (text.isEmpty() || fm.horizontalAdvance(text) + 6 > w || x0 < textEnd)
            continue;
        textEnd = x0 + fm.horizontalAdvance(text) + 6;
        m_labels.push_back({bar, text, m});
    }
}

void TimelinePlottable::collectMarker(int row, double x, Meaning m, int priority)
{
    const int col = int(std::floor((x - lanesRect().left()) / kMarkerBin)) + 1;
    if (col < 0 || col >= m_occWidth)
        return;
    uint8_t &occ = m_occupied[size_t(row - m_firstRow) * size_t(m_occWidth) + size_t(col)];
    // A gap where a violation is keeps its mark, whichever came first:
    // drawBars puts it beside the violation's (it was dropped when the
    // violation had taken the bin; the app audit's review).
    const bool besideViolation =
        m == Meaning::GapMark && occ == markerPriority(sim::InstantKind::Violation);
    if (occ >= priority && !besideViolation)
        return;
    occ = uint8_t(std::max<int>(occ, priority));
    double top = 0, h = 0;
    barGeometry(row, top, h);
    m_markers.push_back({QPointF(x, top + h / 2), m});
}

void TimelinePlottable::collectMarkers(const std::vector<uint32_t> &lanes, const TimeMapping &map)
{
    if (lanes.empty())
        return;
    const sim::Timeline &tl = *m_src.timeline;
    const auto [from, to] = map.window();
    // Syscall and refcount ticks and callback dots only when steps are a few
    // pixels apart; kills, releases and findings always.
    const double span = map.upper - map.lower;
    const double total = m_axis == sim::Axis::Step ? double(tl.stepCount())
                                                   : double(std::max<int64_t>(tl.endNs(), 1));
    const double visibleSteps = double(tl.stepCount()) * std::min(1.0, span / total);
    const bool minor = visibleSteps * 4 < map.width;
    tl.instantsIn(m_axis, from, to, lanes, m_found);
    for (const uint32_t i : m_found) {
        const sim::Instant &in = tl.instants()[i];
        if (!minor && !isMajorMarker(in.kind))
            continue;
        const int row = m_layout.rowOfLane(in.lane);
        if (row < 0)
            continue;
        const double x = map.toPixel(double(TimeMapping::at(in, m_axis)));
        if (x < m_frameLeft || x > m_frameRight)
            continue;
        collectMarker(row, x, meaningOf(in.kind), markerPriority(in.kind));
    }
}

void TimelinePlottable::drawBars(QCPPainter *p)
{
    p->setPen(Qt::NoPen);
    for (int m = 0; m < kMeaningCount; ++m) {
        const auto &v = m_bars[size_t(m)];
        if (v.empty())
            continue;
        p->setBrush(m_palette.fill(Meaning(m)));
        p->drawRects(v.data(), int(v.size()));
    }
    for (int m = 0; m < kMeaningCount; ++m) {
        const auto &v = m_hatch[size_t(m)];
        if (v.empty())
            continue;
        p->setPen(QPen(m_palette.hatchColor(Meaning(m)), 1));
        p->drawLines(v.data(), int(v.size()));
    }
    p->setPen(Qt::NoPen);
    for (int m = 0; m < kMeaningCount; ++m) {
        const auto &v = m_busyBands[size_t(m)];
        if (v.empty())
            continue;
        p->setBrush(m_palette.hatchColor(Meaning(m)));
        p->drawRects(v.data(), int(v.size()));
    }
    if (!m_killedBands.empty()) {
        p->setBrush(m_palette.fill(Meaning::Killed));
        p->drawRects(m_killedBands.data(), int(m_killedBands.size()));
    }
    if (!m_seams.empty()) {
        p->setPen(QPen(m_palette.ui(Palette::Ui::Background), 1));
        p->drawLines(m_seams.data(), int(m_seams.size()));
        p->setPen(Qt::NoPen);
    }
    p->setFont(m_barFont);
    for (const BarLabel &l : m_labels) {
        p->setPen(m_palette.textOn(l.meaning));
        p->drawText(l.rect.adjusted(3, 0, -2, 0), Qt::AlignLeft | Qt::AlignVCenter, l.text);
    }
    m_stats.barLabels = m_labels.size();
    const double size = std::min(12.0, m_layout.rowHeight() * 0.75);
    for (auto &v : m_markerAt)
        v.clear();
    for (const Marker &mk : m_markers)
        m_markerAt[size_t(mk.meaning)].push_back(mk.at);
    // A gap's diamond where a violation's triangle is (first-smc-fails' step
    // 6 on obj1: gap 3 and I4) moves right of it: painted over it, it hid
    // the triangle, and under it, it showed as an orange fringe (an app
    // audit). Both are rare: a pair scan is enough.
    for (QPointF &gap : m_markerAt[size_t(Meaning::GapMark)])
        for (const QPointF &v : m_markerAt[size_t(Meaning::ViolationMark)])
            if (std::abs(v.y() - gap.y()) < 0.5 && std::abs(v.x() - gap.x()) < size) {
                gap.setX(v.x() + size);
                break;
            }
    m_stats.markers += m_markers.size();
    if (p->modes() & QCPPainter::pmVectorized) {
        // exports: real shapes, so SVG and PDF stay sharp
        for (const Meaning m : markerPaintOrder())
            drawMarkers(*p, m, m_markerAt[size_t(m)], size, m_palette);
        return;
    }
    // the screen: stamp a pixmap per kind (thousands of markers zoomed out)
    const qreal ratio = p->device() ? p->device()->devicePixelRatioF() : 1.0;
    if (m_stampSize != size || m_stampVariant != m_palette.variant() || m_stampRatio != ratio) {
        const int side = int(std::ceil(size)) + 4;
        for (int m = 0; m < kMeaningCount; ++m) {
            QPixmap pm(QSize(side, side) * ratio);
            pm.setDevicePixelRatio(ratio);
            pm.fill(Qt::transparent);
            QPainter sp(&pm);
            drawMarker(sp, Meaning(m), QPointF(side / 2.0, side / 2.0), size, m_palette);
            sp.end();
            m_markerStamp[size_t(m)] = pm;
        }
        m_stampSize = size;
        m_stampVariant = m_palette.variant();
        m_stampRatio = ratio;
    }
    const double half = (std::ceil(size) + 4) / 2.0;
    for (const Meaning m : markerPaintOrder())
        for (const QPointF &c : m_markerAt[size_t(m)])
            p->drawPixmap(QPointF(std::round(c.x() - half), std::round(c.y() - half)),
                          m_markerStamp[size_t(m)]);
}

void TimelinePlottable::drawFlows(QCPPainter *p, int first, int last, const TimeMapping &map)
{
    const sim::Timeline &tl = *m_src.timeline;
    const auto [from, to] = map.window();
    tl.flowsIn(m_axis, from, to, m_found);
    struct Arrow
    {
        QPointF a, b;
        Meaning m;
    };
    std::vector<Arrow> arrows;
    m_flowKeys.clear();
    for (const uint32_t i : m_found) {
        const sim::Flow &f = tl.flows()[i];
        const int ra = m_layout.rowOfLane(f.from.lane), rb = m_layout.rowOfLane(f.to.lane);
        if (ra < 0 || rb < 0)
            continue;
        // both ends in view: an arrow to a row scrolled away points nowhere
        if (ra < first || rb < first || ra >= last || rb >= last)
            continue;
        const double xa = map.toPixel(double(TimeMapping::at(f.from, m_axis)));
        const double xb = map.toPixel(double(TimeMapping::at(f.to, m_axis)));
        const uint64_t key = (uint64_t(uint32_t(ra)) << 44) ^ (uint64_t(uint32_t(rb)) << 24) ^
                             (uint64_t(uint32_t(int(xa) & 0xfff)) << 12) ^
                             uint64_t(uint32_t(int(xb) & 0xfff));
        if (!m_flowKeys.insert(key).second)
            continue;
        const double ya = rowTopY(ra) + m_layout.rowHeightOf(ra) / 2.0;
        const double yb = rowTopY(rb) + m_layout.rowHeightOf(rb) / 2.0;
        arrows.push_back({QPointF(xa, ya), QPointF(xb, yb), meaningOf(f.kind)});
        if (arrows.size() > kMaxFlows) {
            m_stats.flowsHidden = true;
            return;
        }
    }
    p->setRenderHint(QPainter::Antialiasing, true);
    for (const Arrow &a : arrows) {
        const QColor c = m_palette.fill(a.m);
        p->setPen(QPen(c, 1.3));
        p->setBrush(c);
        p->drawLine(a.a, a.b);
        drawArrowHead(*p, a.a, a.b, 6);
    }
    m_stats.flows = arrows.size();
}

void TimelinePlottable::drawLabels(QCPPainter *p, int first, int last)
{
    const QRectF rect = lanesRect();
    const QRectF column(mParentPlot->viewport().left(), rect.top(),
                        rect.left() - mParentPlot->viewport().left(), rect.height());
    if (column.width() <= 4)
        return;
    p->setClipRect(column);
    p->fillRect(column, m_palette.ui(Palette::Ui::HeaderBackground));
    QFont bold = m_labelFont;
    bold.setBold(true);
    const QFontMetricsF fm(m_labelFont);
    const QColor text = m_palette.ui(Palette::Ui::Text),
                 muted = m_palette.ui(Palette::Ui::MutedText);
    const sim::Timeline &tl = *m_src.timeline;
    p->setPen(QPen(m_palette.ui(Palette::Ui::Separator), 1));
    for (int r = first; r < last; ++r) {
        const LaneRow row = m_layout.row(r);
        const QRectF band(column.left(), rowTopY(r), column.width(), m_layout.rowHeightOf(r));
        if (row.header) {
            p->setPen(QPen(m_palette.ui(Palette::Ui::Separator), 1));
            p->drawLine(band.topLeft(), band.topRight());
            p->setFont(bold);
            p->setPen(text);
            const bool c = m_layout.collapsed(row.group);
            const QString title = qs(std::string(c ? "\u25b8 " : "\u25be ") + groupName(row.group) +
                                     " (" + std::to_string(m_layout.laneCount(row.group)) + ")");
            p->drawText(band.adjusted(4, 0, -4, 0), Qt::AlignLeft | Qt::AlignVCenter, title);
            continue;
        }
        const sim::Lane &lane = tl.lanes()[row.lane];
        const QString name = qs(laneName(*m_src.sim, lane.key));
        p->setFont(m_labelFont);
        p->setPen(text);
        const QRectF inner = band.adjusted(14, 0, -4, 0);
        p->drawText(inner, Qt::AlignLeft | Qt::AlignVCenter, name);
        const double used = fm.horizontalAdvance(name) + 6;
        const QString detail = qs(laneDetail(*m_src.sim, lane));
        if (!detail.isEmpty() && inner.width() - used > 24) {
            p->setPen(muted);
            p->drawText(inner.adjusted(used, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
                        fm.elidedText(detail, Qt::ElideRight, inner.width() - used));
        }
    }
    p->setPen(QPen(m_palette.ui(Palette::Ui::Separator), 1));
    p->drawLine(QPointF(column.right(), column.top()), QPointF(column.right(), column.bottom()));
}

// -- the cursor ------------------------------------------------------------------

LanesOverlay::LanesOverlay(QCustomPlot *plot, TimelinePlottable *timeline)
    : QCPLayerable(plot)
    , m_timeline(timeline)
{}

QRect LanesOverlay::clipRect() const
{
    return m_timeline->keyAxis() ? m_timeline->keyAxis()->axisRect()->rect() : QRect();
}

void CursorLayerable::applyDefaultAntialiasingHint(QCPPainter *painter) const
{
    painter->setAntialiasing(false);
}

bool CursorLayerable::cursorGeometry(double &x, int &row) const
{
    const TimelineSource &src = m_timeline->source();
    if (!src.valid() || m_step == 0 || m_step > src.timeline->stepCount())
        return false;
    const sim::Timeline &tl = *src.timeline;
    x = m_timeline->mapping().toPixel(double(TimeMapping::stepEnd(tl, m_step, m_timeline->axis())));
    row = -1;
    const ThreadId actor = tl.step(m_step).actor;
    if (actor.valid()) {
        const uint32_t lane = tl.laneOf({sim::LaneKind::Thread, actor.v});
        if (lane != sim::kNone)
            row = m_timeline->layout().rowOfLane(lane);
    }
    return true;
}

void CursorLayerable::draw(QCPPainter *painter)
{
    const QRectF rect = m_timeline->lanesRect();
    const Palette &pal = m_timeline->palette();
    if (m_sel1 != m_sel0) {
        QColor c = pal.ui(Palette::Ui::Selection);
        painter->fillRect(
            QRectF(std::min(m_sel0, m_sel1), rect.top(), std::abs(m_sel1 - m_sel0), rect.height()),
            c);
    }
    double x = 0;
    int row = -1;
    if (!cursorGeometry(x, row) || x < rect.left() - 1 || x > rect.right() + 1)
        return;
    QColor faint = pal.ui(Palette::Ui::Cursor);
    faint.setAlpha(110);
    painter->setPen(QPen(faint, 1, Qt::DashLine));
    painter->drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()));
    painter->setPen(QPen(pal.ui(Palette::Ui::Cursor), 3));
    if (row >= 0) {
        const double top = m_timeline->rowTopY(row);
        const double h = m_timeline->layout().rowHeightOf(row);
        painter->drawLine(QPointF(x, top), QPointF(x, top + h));
    }
    // "step N" at the top
    painter->setFont(m_timeline->labelFont());
    const QString tag = QStringLiteral("step %1").arg(m_step);
    const QFontMetricsF fm(painter->font());
    QRectF box(x + 3, rect.top() + 1, fm.horizontalAdvance(tag) + 6, fm.height() + 2);
    if (box.right() > rect.right()) // the last step: the tag goes left of the cursor
        box.moveRight(x - 3);
    painter->fillRect(box, pal.ui(Palette::Ui::Cursor));
    painter->setPen(QColor(Qt::white));
    painter->drawText(box, Qt::AlignCenter, tag);
}

// -- notes ---------------------------------------------------------------------------

void NotesLayerable::applyDefaultAntialiasingHint(QCPPainter *painter) const
{
    painter->setAntialiasing(true);
}

QString NotesLayerable::label(const sim::Note &n)
{
    // explore's notes begin with a long fixed phrase, which the 48
    // characters cut before the invariant: the label says what was found
    QString text = QString::fromStdString(sim::exploreNoteShort(n.text)).simplified();
    if (text.size() > 48)
        text = text.left(47) + QStringLiteral("…");
    return QStringLiteral("✎ ") + text;
}

std::vector<NotesLayerable::Placed> NotesLayerable::placed(const QFont &font) const
{
    std::vector<Placed> out;
    const TimelineSource &src = m_timeline->source();
    if (!src.valid() || m_notes.empty())
        return out;
    const QRectF lanes = m_timeline->lanesRect();
    const TimeMapping map = m_timeline->mapping();
    const QFontMetricsF fm(font);
    const double h = fm.height() + 2;
    // The labels go in the lowest expanded group header in view (an empty
    // row: a collapsed group's header shows its summary), not over the
    // bars of the last lane, which they hid (an app audit); at the lanes'
    // bottom when no such header is in view.
    double top = lanes.bottom() - 2 - h;
    const LaneLayout &layout = m_timeline->layout();
    for (int r = layout.rowCount() - 1; r >= 0; --r) {
        const LaneRow row = layout.row(r);
        if (!row.header || layout.collapsed(row.group))
            continue;
        const double y = m_timeline->rowTopY(r), rh = layout.rowHeightOf(r);
        if (y >= lanes.top() && y + rh <= lanes.bottom()) {
            top = y + (rh - h) / 2;
            break;
        }
    }
    for (const sim::Note &n : m_notes) {
        if (n.step > src.timeline->stepCount())
            continue;
        const double at = n.step == 0 ? map.toPixel(0)
                                      : map.toPixel(double(TimeMapping::stepEnd(
                                            *src.timeline, n.step, m_timeline->axis())));
        if (at < lanes.left() || at > lanes.right())
            continue;
        // right of its line, or left of it where it would run past the
        // lanes' right edge (a note at the last step); where it would cover
        // an earlier note's label, the other side, else the pen glyph alone,
        // else no label (notes on neighbouring steps were drawn over each
        // other; an export audit). The line is drawn either way, and the
        // tooltip and a picture's caption give the whole text.
        const auto unoccupied = [&](const QRectF &box) {
            return box.left() >= lanes.left() && box.right() <= lanes.right() &&
                   std::none_of(out.begin(), out.end(), [&](const Placed &p) {
                       return !p.box.isEmpty() && p.box.intersects(box);
                   });
        };
        const QString whole = label(n), pen = QStringLiteral("✎");
        Placed p{QRectF(), at, &n, QString()};
        for (const QString &text : {whole, pen}) {
            const double w = fm.horizontalAdvance(text) + 6;
            const QRectF right(at + 2, top, w, h), left(at - 2 - w, top, w, h);
            const bool past = right.right() > lanes.right();
            const std::array<QRectF, 2> sides =
                past ? std::array{left, right} : std::array{right, left};
            for (const QRectF &box : sides)
                if (p.box.isEmpty() && unoccupied(box)) {
                    p.box = box;
                    p.text = text;
                }
            if (!p.box.isEmpty())
                break;
        }
        out.push_back(p);
    }
    return out;
}

QString NotesLayerable::toolTipAt(const QPointF &pos) const
{
    for (const Placed &p : placed(m_timeline->labelFont()))
        if (p.box.contains(pos))
            return QStringLiteral("note at step %1: %2")
                .arg(p.note->step)
                .arg(QString::fromStdString(p.note->text));
    return {};
}

void NotesLayerable::draw(QCPPainter *painter)
{
    const QRectF lanes = m_timeline->lanesRect();
    const QColor line = lineColour(), text = textColour();
    painter->setFont(m_timeline->labelFont());
    for (const Placed &p : placed(painter->font())) {
        painter->setPen(QPen(line, 1.5, Qt::DashDotLine));
        painter->drawLine(QPointF(p.at, lanes.top()), QPointF(p.at, lanes.bottom()));
        if (p.box.isEmpty())
            continue;
        painter->fillRect(p.box, QColor(255, 255, 255, 220));
        painter->setPen(text);
        painter->drawText(p.box, Qt::AlignCenter, p.text);
    }
}

} // namespace tee::render
