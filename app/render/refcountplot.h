// Refcounts of a few objects over the run as step lines (QCPGraph,
// lsStepLeft: a count holds until the next change), under the timeline and
// sharing its x range: viewRangeChanged / setViewRange keep the two in step
// (connect each plot's signal to the other's slot; no loop, a range that is
// already shown is not emitted again). Hovering a step names the change and
// the holders (the same tooltip as the object's bar).
#pragma once

#include "app/render/palette.h"
#include "app/render/timelinesource.h"
#include "app/render/zoomhistory.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QMouseEvent;
class QPainter;

namespace tee::render {

class RefcountPlot : public QWidget
{
    Q_OBJECT

public:
    explicit RefcountPlot(QWidget *parent = nullptr);
    ~RefcountPlot() override;

    // Shows `n` objects of the run (defaultObjects).
    void setSource(const TimelineSource &src, size_t n = 4);
    void setObjects(const std::vector<ObjectId> &objects);
    const std::vector<ObjectId> &objects() const { return m_objects; }
    // Puts `object` first (a lane or an inspector row the user picked): it
    // joins the plot in place of the last line, or moves up if shown.
    // False when it has no lane (nothing drawn for it).
    bool showObject(ObjectId object);
    // The objects with the most refcount changes, busiest first (ties: the
    // lower id). O(objects log objects).
    static std::vector<ObjectId> busiestObjects(const sim::Timeline &tl, size_t n);
    // What a reviewer looks at first: the objects the run's findings name
    // (violations, then gaps, in step order; up to half the lines, rounded
    // up), then the busiest. A stress run's busiest are all in its first
    // steps.
    static std::vector<ObjectId> defaultObjects(const sim::Timeline &tl, const sim::Trace &trace,
                                                size_t n);

    // Follows the widget's QPalette unless fixed here (exports: print).
    void setColors(const Palette &palette);
    // Left and right margins of the plot area, to align its x axis with the
    // timeline's (TimelinePlot::labelColumnWidth / rightInset).
    void setMargins(int left, int right);
    ViewRange viewRange() const;
    // Step points of a graph: (x on the axis, refcount), in x order.
    std::vector<std::pair<double, double>> points(size_t graph) const;
    int graphCount() const;

    QWidget *plotWidget() const;
    QCustomPlot *customPlot() const { return m_plot; }
    QString toolTipAt(const QPointF &plotPos) const;
    void replotNow();
    // As TimelinePlot::render.
    void render(QPainter &painter, const QRect &target);

public Q_SLOTS:
    void setViewRange(const tee::render::ViewRange &range);

Q_SIGNALS:
    void viewRangeChanged(const tee::render::ViewRange &range);

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Series
    {
        ObjectId object;
        std::vector<double> keys;        // sorted
        std::vector<uint32_t> intervals; // parallel to keys (kNone: the free)
        std::vector<double> values;
    };
    void rebuild();
    void onMouseMove(QMouseEvent *event);

    QCustomPlot *m_plot = nullptr;
    TimelineSource m_src;
    Palette m_palette;
    sim::Axis m_axis = sim::Axis::Time;
    std::vector<ObjectId> m_objects;
    size_t m_lines = 4; // setSource's n
    std::vector<Series> m_series;
    bool m_settingRange = false;
    bool m_fixedColors = false;
};

} // namespace tee::render
