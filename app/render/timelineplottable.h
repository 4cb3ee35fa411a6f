// The lanes of a timeline as ONE QCustomPlot plottable
// (../shared/notes/qcustomplot-limits.md: one item per segment is too slow).
// Each paint asks the timeline model for the visible window of the visible
// lanes only (Timeline::intervalsIn per lane, O(log n + k)), merges what is
// narrower than a pixel (mergeSubPixel), batches the bars by meaning and
// writes the state on the bars where it fits; collapsed groups are one
// summary row (GroupSummary). It also paints the lane label column to the
// left of the axis rect, so an export of the plot carries its labels.
//
// Private to app/render (it includes QCustomPlot): TimelinePlot is the API.
#pragma once

#include "app/render/groupsummary.h"
#include "app/render/hittest.h"
#include "app/render/lanelayout.h"
#include "app/render/levelofdetail.h"
#include "app/render/paintstats.h"
#include "app/render/palette.h"
#include "app/render/qcustomplot_p.h"
#include "app/render/timelinesource.h"

#include <QFont>
#include <QLineF>
#include <QPixmap>

#include <array>
#include <unordered_set>
#include <vector>

namespace tee::render {

class TimelinePlottable : public QCPAbstractPlottable
{
public:
    TimelinePlottable(QCPAxis *keyAxis, QCPAxis *valueAxis);

    void setSource(const TimelineSource &src);
    const TimelineSource &source() const { return m_src; }
    LaneLayout &layout() { return m_layout; }
    const LaneLayout &layout() const { return m_layout; }
    const StepLocator &steps() const { return m_steps; }

    void setPalette(const Palette &p)
    {
        m_palette = p;
        m_stampSize = 0; // redraw the marker stamps
    }
    const Palette &palette() const { return m_palette; }
    void setAxis(sim::Axis a) { m_axis = a; }
    sim::Axis axis() const { return m_axis; }
    void setScrollY(double y) { m_scrollY = y; }
    double scrollY() const { return m_scrollY; }
    void setFonts(const QFont &label, const QFont &bar);
    QFont labelFont() const { return m_labelFont; }
    // The label column's width: the axis rect's left margin.
    int preferredLabelWidth() const;

    // Geometry of the last layout.
    QRectF lanesRect() const;
    TimeMapping mapping() const;
    double rowTopY(int row) const; // widget y of a row's top edge
    double lanesViewportHeight() const { return lanesRect().height(); }
    // What is under a widget position in the lanes area.
    PixelHit hitAt(const QPointF &pos, double tolerancePx = 4) const;
    // The row whose label is under `pos` (the label column), or -1.
    int labelRowAt(const QPointF &pos) const;
    // The tooltip for a position: entity, state, driver function and spec.
    QString toolTipAt(const QPointF &pos) const;

    const PaintStats &stats() const { return m_stats; }

    // QCPAbstractPlottable
    double selectTest(const QPointF &pos, bool onlySelectable,
                      QVariant *details = nullptr) const override;
    QCPRange getKeyRange(bool &foundRange,
                         QCP::SignDomain inSignDomain = QCP::sdBoth) const override;
    QCPRange getValueRange(bool &foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth,
                           const QCPRange &inKeyRange = QCPRange()) const override;

protected:
    QRect clipRect() const override;
    void draw(QCPPainter *painter) override;
    void drawLegendIcon(QCPPainter *painter, const QRectF &rect) const override;

private:
    struct BarLabel
    {
        QRectF rect;
        QString text;
        Meaning meaning;
    };
    struct Marker
    {
        QPointF at;
        Meaning meaning;
    };
    void beginFrame();
    void drawRowBackgrounds(QCPPainter *p, int first, int last);
    void collectLane(int row, uint32_t lane, const TimeMapping &map);
    void collectSummary(int row, LaneGroup g, const TimeMapping &map);
    void collectRuns(int row, bool summary);
    void collectMarkers(const std::vector<uint32_t> &lanes, const TimeMapping &map);
    void collectMarker(int row, double x, Meaning m, int priority);
    void drawBars(QCPPainter *p);
    void drawFlows(QCPPainter *p, int first, int last, const TimeMapping &map);
    void drawLabels(QCPPainter *p, int first, int last);
    void barGeometry(int row, double &top, double &height) const;

    TimelineSource m_src;
    LaneLayout m_layout;
    GroupSummary m_summary;
    StepLocator m_steps;
    Palette m_palette;
    sim::Axis m_axis = sim::Axis::Time;
    double m_scrollY = 0;
    QFont m_labelFont;
    QFont m_barFont;
    PaintStats m_stats;

    // per-frame scratch, kept to reuse capacity
    std::vector<uint32_t> m_found;
    std::vector<LodSpan> m_spans;
    std::vector<DrawRun> m_runs;
    std::array<std::vector<QRectF>, kMeaningCount> m_bars;
    std::array<std::vector<QLineF>, kMeaningCount> m_hatch;
    std::vector<QRectF> m_killedBands;
    // A thin gap where two bars of one colour meet on a lane (two holders
    // of one reqs_lock back to back read as one hold)
    std::vector<QLineF> m_seams;
    std::array<std::vector<QRectF>, kMeaningCount> m_busyBands;
    std::vector<BarLabel> m_labels;
    std::vector<Marker> m_markers;
    std::vector<uint8_t> m_occupied; // marker priority per (row, bin of kMarkerBin pixels)
    std::array<std::vector<QPointF>, kMeaningCount> m_markerAt;
    // raster painting stamps each marker kind from a pixmap
    std::array<QPixmap, kMeaningCount> m_markerStamp;
    double m_stampSize = 0;
    Palette::Variant m_stampVariant = Palette::Variant::Light;
    qreal m_stampRatio = 0;
    int m_occWidth = 0;
    int m_firstRow = 0; // the first row of this frame
    std::unordered_set<uint64_t> m_flowKeys;
    double m_frameLeft = 0, m_frameRight = 0;
};

// Something drawn over the lanes on a layer of its own, clipped to the
// timeline's axis rect, with the timeline's current mapping.
class LanesOverlay : public QCPLayerable
{
public:
    LanesOverlay(QCustomPlot *plot, TimelinePlottable *timeline);

protected:
    QRect clipRect() const override;
    TimelinePlottable *m_timeline;
};

// The cursor (a step, drawn at its end on its actor's lane) and a range
// being selected, on a buffered layer of their own: moving the cursor
// repaints this layer only.
class CursorLayerable : public LanesOverlay
{
public:
    using LanesOverlay::LanesOverlay;
    void setCursorStep(uint64_t step) { m_step = step; }
    uint64_t cursorStep() const { return m_step; }
    // A selected x range in widget pixels (empty: none).
    void setSelection(double x0, double x1) { m_sel0 = x0, m_sel1 = x1; }
    void clearSelection() { m_sel0 = m_sel1 = 0; }
    // Where the cursor is drawn: x, and the row of the actor's lane (-1: the
    // whole height, a kill has no actor).
    bool cursorGeometry(double &x, int &row) const;

protected:
    void applyDefaultAntialiasingHint(QCPPainter *painter) const override;
    void draw(QCPPainter *painter) override;

private:
    uint64_t m_step = 0;
    double m_sel0 = 0, m_sel1 = 0;
};

// Reviewer notes: a dash-dotted line at the end of each note's step and the
// note's text (elided) in the lowest expanded group header in view (else at
// the bottom of the lanes), on a layer of their own,
// drawn with the current mapping (the window and the exported pictures).
class NotesLayerable : public LanesOverlay
{
public:
    using LanesOverlay::LanesOverlay;
    void setNotes(std::vector<sim::Note> notes) { m_notes = std::move(notes); }
    const std::vector<sim::Note> &notes() const { return m_notes; }
    // The text a note shows ("✎ " and at most 48 characters; explore's own
    // notes say their invariant, gap or stuck state first).
    static QString label(const sim::Note &n);
    // A reviewer note's colours: its line, and its text (exported pictures
    // list the notes in full in that colour, Renderer)
    static QColor lineColour() { return {0x6a, 0x1b, 0x9a}; }
    static QColor textColour() { return {0x4a, 0x14, 0x8c}; }
    // The whole text of the note whose label is under `pos` (plot pixels),
    // empty when none is.
    QString toolTipAt(const QPointF &pos) const;

protected:
    void applyDefaultAntialiasingHint(QCPPainter *painter) const override;
    void draw(QCPPainter *painter) override;

private:
    // Each shown note: its label's box and its line's x (plot pixels).
    struct Placed
    {
        QRectF box;
        double at = 0;
        const sim::Note *note = nullptr;
        QString text; // the label, or "✎" alone where the whole one would
                      // overlap an earlier note's (empty box: no room at all)
    };
    std::vector<Placed> placed(const QFont &font) const;
    std::vector<sim::Note> m_notes;
};

} // namespace tee::render
