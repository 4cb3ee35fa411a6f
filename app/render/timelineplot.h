// The timeline widget: a QCustomPlot with one TimelinePlottable (lanes and
// their labels), a vertical scroll bar for the lanes, a small tool bar and
// the legend. x is simulated time (or the step index, a toggle); wheel
// zooms, drag pans (Shift+wheel or a wheel over the labels scrolls the
// lanes), a right-drag selects a range and zooms to it, and every finished
// gesture goes into an undoable zoom history. Clicking a group header
// collapses or expands the group. Redraws are queued (rpQueuedReplot): a
// burst of changes costs one repaint; the cursor has a buffered layer of
// its own, so moving it repaints only that layer.
#pragma once

#include "app/render/hittest.h"
#include "app/render/lanelayout.h"
#include "app/render/paintstats.h"
#include "app/render/palette.h"
#include "app/render/timelinesource.h"
#include "app/render/zoomhistory.h"

#include <QWidget>

class QAction;
class QCustomPlot;
class QMouseEvent;
class QPainter;
class QScrollBar;
class QTimer;
class QToolBar;
class QWheelEvent;

namespace tee::render {

class CursorLayerable;
class NotesLayerable;
class TimelinePlottable;

class TimelinePlot : public QWidget
{
    Q_OBJECT

public:
    explicit TimelinePlot(QWidget *parent = nullptr);
    ~TimelinePlot() override;

    // Shows a run, fitted, with a fresh zoom history and the groups' default
    // collapse state (LaneLayout::kAutoCollapse).
    void setSource(const TimelineSource &src);
    const TimelineSource &source() const;

    // -- the view -------------------------------------------------------------
    sim::Axis axis() const;
    // Switches the axis keeping the same steps in view (a history entry).
    void setAxis(sim::Axis axis);
    ViewRange viewRange() const;
    // Shows `range` (switching axis if it says so). No history entry: for
    // views synchronised from elsewhere (the refcount plot).
    void setViewRange(const ViewRange &range);
    // The steps [from, to], committed to the history.
    void showSteps(uint64_t from, uint64_t to);
    void fitToView();
    void zoomToRange(double lower, double upper); // committed
    // Zooms by `factor` (< 1 zooms in) about widget x `centerPx` of the plot.
    void zoomBy(double factor, double centerPx);
    bool hasSelection() const { return m_selUpper > m_selLower; }
    void setSelection(double lower, double upper); // model coordinates
    bool zoomToSelection();
    bool canUndoZoom() const { return m_history.canUndo(); }
    bool canRedoZoom() const { return m_history.canRedo(); }
    void undoZoom();
    void redoZoom();
    const ZoomHistory &zoomHistory() const { return m_history; }

    // -- lanes ------------------------------------------------------------------
    const LaneLayout &laneLayout() const;
    bool groupCollapsed(LaneGroup g) const;
    void setGroupCollapsed(LaneGroup g, bool collapsed);
    void setRowHeight(int px);
    int scrollY() const;
    void setScrollY(int y);
    // Scrolls so that the lane's row (or its collapsed group) is in view.
    void scrollToLane(uint32_t lane);

    // -- appearance ---------------------------------------------------------------
    // By default the palette follows the widget's QPalette (light or dark);
    // setColors fixes one (exports use Palette::print()).
    void setColors(const Palette &palette);
    const Palette &colors() const;
    void setLegendVisible(bool visible);
    bool legendVisible() const;
    void setToolBarVisible(bool visible);
    QAction *axisAction() const { return m_axisAction; }
    QAction *fitAction() const { return m_fitAction; }
    QAction *zoomSelectionAction() const { return m_zoomSelAction; }
    QAction *undoZoomAction() const { return m_undoAction; }
    QAction *redoZoomAction() const { return m_redoAction; }
    QAction *legendAction() const { return m_legendAction; }

    uint64_t cursorStep() const;

    // -- for exports, tests and the benchmark -------------------------------------
    QWidget *plotWidget() const; // the QCustomPlot (mouse events go there)
    QCustomPlot *customPlot() const { return m_plot; }
    int labelColumnWidth() const { return m_labelWidth; }
    // From the plot's right edge to the widget's (the scroll bar): a plot
    // aligned under this one (RefcountPlot::setMargins) uses it as its right
    // margin so the x axes line up.
    int rightInset() const;
    // In plotWidget() coordinates, as of the last layout.
    QRectF lanesRect() const;
    TimeMapping mapping() const;
    // The bar area of a lane's row (or its collapsed group's summary row).
    QRectF laneBarRect(uint32_t lane) const;
    PixelHit hitAt(const QPointF &plotPos) const;
    QString toolTipAt(const QPointF &plotPos) const;
    const PaintStats &paintStats() const;
    // Replot now (tests, the benchmark); the widget itself only queues.
    void replotNow();
    // Repaints only the cursor's layer.
    void replotCursor();
    // Paints the plot (labels, lanes, axis) and, if shown, the legend into
    // `target` of `painter` at the target's size, through a QPicture so SVG
    // and PDF keep text as text. The painter's device decides the format.
    void render(QPainter &painter, const QRect &target);
    // The legend's height at `width` (0 if hidden).
    int legendHeight(int width) const;
    // Reviewer notes drawn on the lanes (a line at each note's step and its
    // text), in the window and in exported pictures alike.
    void setNotes(std::vector<sim::Note> notes);
    const std::vector<sim::Note> &notes() const;

public Q_SLOTS:
    // `follow`: bring the step into view (pan, scroll to its lane) when it
    // is off screen, as the window does; an export keeps its own range.
    void setCursorStep(uint64_t step, bool follow = true);

Q_SIGNALS:
    void stepClicked(uint64_t step);
    void laneActivated(tee::sim::LaneKey key);
    void viewRangeChanged(const tee::render::ViewRange &range);
    void zoomHistoryChanged();
    void labelColumnWidthChanged(int width);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void fitLegendArea();
    void changeEvent(QEvent *event) override;

private:
    void onMousePress(QMouseEvent *event);
    void onMouseMove(QMouseEvent *event);
    void onMouseRelease(QMouseEvent *event);
    void onMouseDoubleClick(QMouseEvent *event);
    void onWheel(QWheelEvent *event);
    void applyRange(double lower, double upper, bool clamp = true);
    void commitView();
    void updateAxisLook();
    void updateScrollBar();
    void updateActions();
    void updateLabelWidth();
    void queueReplot();
    std::pair<double, double> fullRange() const;

    QCustomPlot *m_plot = nullptr;
    TimelinePlottable *m_timeline = nullptr;
    CursorLayerable *m_cursor = nullptr;
    NotesLayerable *m_notes = nullptr;
    // The lane the cursor last scrolled into view, until the reader scrolls.
    uint32_t m_followLane = sim::kNone;
    QScrollBar *m_vscroll = nullptr;
    QToolBar *m_toolBar = nullptr;
    QWidget *m_legend = nullptr;
    QWidget *m_legendArea = nullptr;         // the legend in a scroll area (fitLegendArea)
    static constexpr int kShortHeight = 600; // below it the legend takes a fifth
    QTimer *m_wheelCommit = nullptr;
    QAction *m_axisAction = nullptr;
    QAction *m_fitAction = nullptr;
    QAction *m_zoomSelAction = nullptr;
    QAction *m_undoAction = nullptr;
    QAction *m_redoAction = nullptr;
    QAction *m_legendAction = nullptr;

    ZoomHistory m_history;
    bool m_fixedColors = false;
    int m_labelWidth = 150;
    double m_selLower = 0, m_selUpper = 0;

    // a gesture in progress
    enum class Gesture : uint8_t { None, Press, Pan, Select } m_gesture = Gesture::None;
    QPointF m_pressPos;
    double m_pressLower = 0, m_pressUpper = 0;
    int m_pressScroll = 0;
};

} // namespace tee::render
