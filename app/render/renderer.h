// Pictures of a run for a review thread: the timeline (and a refcount plot
// under it) as PNG, SVG or PDF at a given size and step range, always with
// the light print palette. The app's export and `teescope-cli render` both
// call this, so at the same size and options they write the same bytes.
// It draws through the same TimelinePlot and RefcountPlot as the window
// (hidden widgets, never shown), so it needs a QApplication; headless
// callers select the offscreen platform. Writes are atomic (a temporary file
// renamed into place: simulator/fileio.h).
#pragma once

#include "app/render/lanelayout.h"
#include "app/render/timelinesource.h"
#include "app/render/timemapping.h"

#include <QByteArray>
#include <QImage>
#include <QRectF>
#include <QString>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

class QPainter;

namespace tee::render {

enum class RenderFormat : uint8_t { Png, Svg, Pdf };

struct RenderOptions
{
    int width = 1600;
    int height = 1000;
    uint64_t from = 1;        // first step shown
    uint64_t to = UINT64_MAX; // last step shown (clamped to the run)
    sim::Axis axis = sim::Axis::Time;
    bool refcounts = true;         // a refcount plot under the timeline
    std::vector<ObjectId> objects; // its objects; empty: the busiest few
    bool legend = true;
    bool title = true;            // the scenario's name, title and the steps shown
    uint64_t cursorStep = 0;      // 0: no cursor
    std::vector<sim::Note> notes; // a reviewer's notes, drawn as the window draws them
    // What run this is beyond the scenario and the design, in the title:
    // "branch 2, leaves main after step 27" (the window's branches).
    std::string context;
    // Groups to collapse (true) or expand (false) over the default.
    std::vector<std::pair<LaneGroup, bool>> groups;
};

class Renderer
{
public:
    explicit Renderer(TimelineSource src);

    // Paints the picture into `target` of `painter` (any device).
    void paint(QPainter &painter, const QRect &target, const RenderOptions &o) const;
    QImage image(const RenderOptions &o) const;
    // The file's bytes; empty and `error` set on failure.
    QByteArray encode(RenderFormat format, const RenderOptions &o, QString *error = nullptr) const;
    // Encodes and writes atomically.
    bool write(const QString &path, RenderFormat format, const RenderOptions &o,
               QString *error = nullptr) const;
    // The format a file name asks for (.png, .svg, .pdf).
    static std::optional<RenderFormat> formatOf(const QString &path);

    // Where the picture puts things, for tests: the timeline's part of the
    // picture, and the row height used to fit the lanes.
    struct Geometry
    {
        QRect title, timeline, refcounts, legend;
        int rowHeight = 0;
        QString caption; // the violation line under the title (empty: none)
        // under it, the notes on the steps shown in full ("✎ step 10: ..."),
        // wrapped to the width: three notes at most, then a line saying how
        // many more
        QStringList noteLines;
        // The groups as drawn: the options' own, then, when even without the
        // plot and the legend the lanes do not fit, groups collapsed from the
        // last (requests) up until they do (a lane cut off showed no sign).
        std::vector<std::pair<LaneGroup, bool>> groups;
    };
    Geometry geometry(const RenderOptions &o) const;
    // The timeline's x mapping and the bar area of a lane's row in picture
    // pixels, as paint() lays them out (empty rect: the lane is not shown).
    struct Placement
    {
        TimeMapping map;
        QRectF lanes;
        std::vector<QRectF> laneBars; // by lane index
    };
    Placement placement(const RenderOptions &o) const;

private:
    TimelineSource m_src;
};

} // namespace tee::render
