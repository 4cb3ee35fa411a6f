#include "app/render/refcountplot.h"

#include "app/render/axistickers_p.h"
#include "app/render/lanetext.h"
#include "app/render/timemapping.h"

#include <QPicture>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tee::render {

namespace {

QFont pixelFont(int px)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(px);
    return f;
}

} // namespace

RefcountPlot::RefcountPlot(QWidget *parent)
    : QWidget(parent)
{
    m_plot = new QCustomPlot(this);
    m_plot->setMouseTracking(true);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->axisRect()->setAutoMargins(QCP::msBottom | QCP::msTop);
    m_plot->xAxis->setTickLabelFont(pixelFont(11));
    m_plot->yAxis->setTickLabelFont(pixelFont(11));
    m_plot->yAxis->setLabelFont(pixelFont(11));
    m_plot->yAxis->setLabel(tr("refcount"));
    setAxisLook(m_plot->xAxis, m_axis);
    m_plot->yAxis->setPadding(2);
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_plot->yAxis->setTicker(ticker);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(pixelFont(11));
    // The legend on a row of its own above the plot, its entries side by
    // side: inset in the plot it covered the last steps, where an explore
    // counterexample's violation is.
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_plot->plotLayout()->setRowSpacing(0);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setMargins(QMargins(4, 1, 4, 1));
    auto *l = new QVBoxLayout(this);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(m_plot);
    setMargins(150, 8);
    setMinimumHeight(130);
    connect(m_plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), this,
            [this](const QCPRange &) {
                if (!m_settingRange)
                    Q_EMIT viewRangeChanged(viewRange());
            });
    connect(m_plot, &QCustomPlot::mouseMove, this, &RefcountPlot::onMouseMove);
    setColors(Palette::forWidget(palette()));
    m_fixedColors = false;
}

void RefcountPlot::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange && !m_fixedColors) {
        setColors(Palette::forWidget(palette()));
        m_fixedColors = false;
    }
    QWidget::changeEvent(event);
}

RefcountPlot::~RefcountPlot() = default;

std::vector<ObjectId> RefcountPlot::busiestObjects(const sim::Timeline &tl, size_t n)
{
    const auto [b, e] = tl.lanesOfKind(sim::LaneKind::Object);
    std::vector<uint32_t> lanes(e - b);
    std::iota(lanes.begin(), lanes.end(), b);
    auto changes = [&](uint32_t l) {
        return tl.lanes()[l].intervalEnd - tl.lanes()[l].intervalBegin;
    };
    const size_t k = std::min(n, lanes.size());
    std::partial_sort(
        lanes.begin(), lanes.begin() + ptrdiff_t(k), lanes.end(), [&](uint32_t a, uint32_t c) {
            return changes(a) != changes(c) ? changes(a) > changes(c)
                                            : tl.lanes()[a].key.id < tl.lanes()[c].key.id;
        });
    std::vector<ObjectId> out;
    for (size_t i = 0; i < k; ++i)
        out.push_back(ObjectId(tl.lanes()[lanes[i]].key.id));
    return out;
}

std::vector<ObjectId> RefcountPlot::defaultObjects(const sim::Timeline &tl, const sim::Trace &trace,
                                                   size_t n)
{
    std::vector<ObjectId> out;
    const auto named = [&](EventKind kind) {
        for (const Event &e : trace.events)
            if (out.size() < n / 2 + n % 2 && e.kind == kind && e.object.valid() &&
                std::find(out.begin(), out.end(), e.object) == out.end() &&
                tl.laneOf({sim::LaneKind::Object, e.object.v}) != sim::kNone)
                out.push_back(e.object);
    };
    named(EventKind::Violation);
    named(EventKind::Gap);
    for (const ObjectId o : busiestObjects(tl, n + out.size()))
        if (out.size() < n && std::find(out.begin(), out.end(), o) == out.end())
            out.push_back(o);
    return out;
}

bool RefcountPlot::showObject(ObjectId object)
{
    if (!m_src.valid() || m_src.timeline->laneOf({sim::LaneKind::Object, object.v}) == sim::kNone)
        return false;
    const auto it = std::find(m_objects.begin(), m_objects.end(), object);
    if (it != m_objects.end())
        m_objects.erase(it);
    else if (m_objects.size() >= std::max<size_t>(m_lines, 1))
        m_objects.pop_back();
    m_objects.insert(m_objects.begin(), object);
    rebuild();
    return true;
}

void RefcountPlot::setSource(const TimelineSource &src, size_t n)
{
    m_src = src;
    m_lines = n;
    m_objects =
        src.valid() ? defaultObjects(*src.timeline, *src.trace, n) : std::vector<ObjectId>();
    rebuild();
    if (src.valid()) {
        const double hi = m_axis == sim::Axis::Step
                              ? double(std::max<uint64_t>(src.timeline->stepCount(), 1))
                              : double(std::max<int64_t>(src.timeline->endNs(), 1));
        setViewRange({m_axis, 0, hi});
    }
}

void RefcountPlot::setObjects(const std::vector<ObjectId> &objects)
{
    m_objects = objects;
    rebuild();
}

void RefcountPlot::rebuild()
{
    m_plot->clearGraphs();
    m_series.clear();
    if (!m_src.valid()) {
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const sim::Timeline &tl = *m_src.timeline;
    double maxRef = 1;
    int color = 0;
    for (const ObjectId o : m_objects) {
        const uint32_t lane = tl.laneOf({sim::LaneKind::Object, o.v});
        if (lane == sim::kNone)
            continue;
        Series s;
        s.object = o;
        std::vector<std::pair<double, uint32_t>> pts;
        const auto ivs = tl.intervalsOf(lane);
        for (const sim::Interval &iv : ivs)
            pts.emplace_back(double(TimeMapping::startOf(iv, m_axis)),
                             uint32_t(&iv - tl.intervals().data()));
        // sorted by x (per-thread time may reorder changes on the time axis)
        std::stable_sort(pts.begin(), pts.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        for (const auto &[x, i] : pts) {
            s.keys.push_back(x);
            s.intervals.push_back(i);
            s.values.push_back(tl.intervals()[i].object().refcount);
            maxRef = std::max(maxRef, s.values.back());
        }
        if (!ivs.empty() && !ivs.back().openAtEnd()) {
            // freed: back to 0 where the lane ends
            s.keys.push_back(double(TimeMapping::endOf(ivs.back(), m_axis)));
            s.intervals.push_back(sim::kNone);
            s.values.push_back(0);
        } else if (!s.keys.empty()) {
            // alive at the end: the last count holds to the run's end (a
            // step line ends at its last point)
            const double end = double(TimeMapping::endOf(ivs.back(), m_axis));
            if (end > s.keys.back()) {
                s.keys.push_back(end);
                s.intervals.push_back(s.intervals.back());
                s.values.push_back(s.values.back());
            }
        }
        QCPGraph *g = m_plot->addGraph();
        g->setLineStyle(QCPGraph::lsStepLeft);
        g->setAdaptiveSampling(true);
        g->setPen(QPen(m_palette.series(color++), 2));
        const sim::Lane &l = tl.lanes()[lane];
        g->setName(QString::fromStdString(laneName(*m_src.sim, l.key) + " (" +
                                          laneDetail(*m_src.sim, l) + ")"));
        g->setData(QVector<double>(s.keys.begin(), s.keys.end()),
                   QVector<double>(s.values.begin(), s.values.end()), true);
        m_series.push_back(std::move(s));
    }
    m_plot->yAxis->setRange(-0.3, maxRef + 0.8);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void RefcountPlot::setColors(const Palette &palette)
{
    m_fixedColors = true;
    m_palette = palette;
    const QColor text = palette.ui(Palette::Ui::Text), muted = palette.ui(Palette::Ui::MutedText);
    m_plot->setBackground(palette.ui(Palette::Ui::Background));
    for (QCPAxis *a : {m_plot->xAxis, m_plot->yAxis}) {
        a->setBasePen(QPen(muted));
        a->setTickPen(QPen(muted));
        a->setSubTickPen(QPen(muted));
        a->setTickLabelColor(text);
        a->setLabelColor(text);
        a->grid()->setPen(QPen(palette.ui(Palette::Ui::Separator), 1, Qt::DotLine));
    }
    m_plot->legend->setBrush(palette.ui(Palette::Ui::Background));
    m_plot->legend->setTextColor(text);
    m_plot->legend->setBorderPen(QPen(palette.ui(Palette::Ui::Separator)));
    for (int i = 0; i < m_plot->graphCount(); ++i)
        m_plot->graph(i)->setPen(QPen(palette.series(i), 2));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void RefcountPlot::setMargins(int left, int right)
{
    m_plot->axisRect()->setAutoMargins(QCP::msBottom | QCP::msTop);
    m_plot->axisRect()->setMargins(QMargins(left, 0, right, 0));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

ViewRange RefcountPlot::viewRange() const
{
    return {m_axis, m_plot->xAxis->range().lower, m_plot->xAxis->range().upper};
}

void RefcountPlot::setViewRange(const ViewRange &range)
{
    if (range == viewRange())
        return;
    m_settingRange = true;
    if (range.axis != m_axis) {
        m_axis = range.axis;
        setAxisLook(m_plot->xAxis, m_axis);
        rebuild();
    }
    m_plot->xAxis->setRange(range.lower, range.upper);
    m_settingRange = false;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

std::vector<std::pair<double, double>> RefcountPlot::points(size_t graph) const
{
    std::vector<std::pair<double, double>> out;
    if (graph >= m_series.size())
        return out;
    const Series &s = m_series[graph];
    for (size_t i = 0; i < s.keys.size(); ++i)
        out.emplace_back(s.keys[i], s.values[i]);
    return out;
}

int RefcountPlot::graphCount() const
{
    return int(m_series.size());
}

QWidget *RefcountPlot::plotWidget() const
{
    return m_plot;
}

QString RefcountPlot::toolTipAt(const QPointF &pos) const
{
    if (!m_src.valid() || !m_plot->axisRect()->rect().contains(pos.toPoint()))
        return {};
    const double x = m_plot->xAxis->pixelToCoord(pos.x());
    // the series whose value at x is nearest the pointer
    double best = 12; // pixels
    uint32_t interval = sim::kNone;
    for (const Series &s : m_series) {
        auto it = std::upper_bound(s.keys.begin(), s.keys.end(), x);
        if (it == s.keys.begin())
            continue;
        const size_t i = size_t(it - s.keys.begin()) - 1;
        const double d = std::abs(m_plot->yAxis->coordToPixel(s.values[i]) - pos.y());
        if (d < best && s.intervals[i] != sim::kNone) {
            best = d;
            interval = s.intervals[i];
        }
    }
    if (interval == sim::kNone)
        return {};
    return QString::fromStdString(
        intervalTooltip(*m_src.sim, *m_src.trace, *m_src.timeline, interval));
}

void RefcountPlot::onMouseMove(QMouseEvent *event)
{
    if (event->buttons() != Qt::NoButton)
        return;
    const QString tip = toolTipAt(event->position());
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
}

void RefcountPlot::replotNow()
{
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
}

void RefcountPlot::render(QPainter &painter, const QRect &target)
{
    // A step line is drawn to its points just outside the axis range, and
    // the axis rect's clip keeps it in; QSvgGenerator writes no clip, so an
    // SVG showed the lines running over the y labels and past the plot. The
    // picture draws each series cut at the range instead (the count at the
    // range's start, the changes inside it, the count at its end), and the
    // window keeps its whole data.
    const QCPRange range = m_plot->xAxis->range();
    std::vector<QSharedPointer<QCPGraphDataContainer>> whole;
    for (int gi = 0; gi < m_plot->graphCount() && size_t(gi) < m_series.size(); ++gi) {
        QCPGraph *g = m_plot->graph(gi);
        whole.push_back(g->data());
        const Series &sr = m_series[size_t(gi)];
        auto cut = QSharedPointer<QCPGraphDataContainer>::create();
        const auto valueAt = [&sr](double x) { // the count holding at x (a step line)
            double v = std::nan("");
            for (size_t i = 0; i < sr.keys.size() && sr.keys[i] <= x; ++i)
                v = sr.values[i];
            return v;
        };
        if (!sr.keys.empty() && sr.keys.front() < range.lower)
            cut->add(QCPGraphData(range.lower, valueAt(range.lower)));
        for (size_t i = 0; i < sr.keys.size(); ++i)
            if (sr.keys[i] >= range.lower && sr.keys[i] <= range.upper)
                cut->add(QCPGraphData(sr.keys[i], sr.values[i]));
        if (!sr.keys.empty() && sr.keys.back() > range.upper && sr.keys.front() < range.upper)
            cut->add(QCPGraphData(range.upper, valueAt(range.upper)));
        g->setData(cut);
    }
    QPicture picture;
    {
        QCPPainter p(&picture);
        p.setMode(QCPPainter::pmVectorized);
        p.setMode(QCPPainter::pmNoCaching);
        m_plot->toPainter(&p, target.width(), target.height());
    }
    for (size_t gi = 0; gi < whole.size(); ++gi)
        m_plot->graph(int(gi))->setData(whole[gi]);
    painter.save();
    painter.setClipRect(target);
    painter.drawPicture(target.topLeft(), picture);
    painter.restore();
}

} // namespace tee::render
