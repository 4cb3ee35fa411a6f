// The legend under the timeline: each group present in the run with the
// swatches of its states (fill and hatch), then markers and arrows. The same
// painting serves the widget and the exports.
#pragma once

#include "app/render/lanelayout.h"
#include "app/render/meaning.h"
#include "app/render/palette.h"

#include <QFont>
#include <QRectF>
#include <QString>

#include <vector>

class QPainter;

namespace tee::render {

class Legend
{
public:
    struct Entry
    {
        enum class Kind : uint8_t { Heading, Bar, Band, Busy, Marker, Flow } kind = Kind::Bar;
        Meaning meaning = Meaning::Running;
        QString text;
    };

    // The entries for the groups `layout` has.
    static std::vector<Entry> entriesFor(const LaneLayout &layout);
    // The height the entries need at `width`, wrapped.
    static int height(const std::vector<Entry> &entries, double width, const QFont &font);
    static void paint(QPainter &p, const QRectF &rect, const std::vector<Entry> &entries,
                      const Palette &palette, const QFont &font);
};

} // namespace tee::render
