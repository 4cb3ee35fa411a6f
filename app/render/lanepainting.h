// Shapes shared by the timeline and its legend (QPainter only, no
// QCustomPlot): hatch lines over a bar, instant markers, arrow heads.
#pragma once

#include "app/render/meaning.h"
#include "app/render/palette.h"

#include <QLineF>
#include <QPointF>
#include <QRectF>

#include <vector>

class QPainter;

namespace tee::render {

// Appends the hatch lines of `hatch` over `bar`, on a grid anchored at the
// device origin so adjacent bars continue the pattern. Lines, not a pattern
// brush: they survive SVG and PDF export and are cheap to batch.
void appendHatch(std::vector<QLineF> &out, Hatch hatch, const QRectF &bar, double spacing = 6.0);

// A marker of meaning `m` (KillMark ... NoteMark) centred at `c`, `size`
// pixels tall: a cross for a kill, a triangle for a violation, a diamond for
// a gap, a circle for a note, and so on: the shape tells them apart.
void drawMarker(QPainter &p, Meaning m, const QPointF &c, double size, const Palette &palette);
// The order marks are painted in, each kind over the ones before: a
// violation last, so that a gap, a note or a callback at the same step
// never hides it (a gap's diamond covered I4's triangle; an app audit).
const std::vector<Meaning> &markerPaintOrder();
// The same for many markers of one meaning: the painter is set up once.
void drawMarkers(QPainter &p, Meaning m, const std::vector<QPointF> &centres, double size,
                 const Palette &palette);

// A filled arrow head at `tip`, pointing from `from`.
void drawArrowHead(QPainter &p, const QPointF &from, const QPointF &tip, double size);

} // namespace tee::render
