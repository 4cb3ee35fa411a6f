#include "app/render/lanepainting.h"

#include <QPainter>
#include <QPolygonF>

#include <cmath>

namespace tee::render {

void appendHatch(std::vector<QLineF> &out, Hatch hatch, const QRectF &bar, double s)
{
    if (hatch == Hatch::None || bar.width() <= 0 || bar.height() <= 0)
        return;
    const double x0 = bar.left(), x1 = bar.right(), y0 = bar.top(), y1 = bar.bottom();
    auto forward = [&] { // "/": x + y = c
        for (double c = std::ceil((x0 + y0) / s) * s; c <= x1 + y1; c += s) {
            const double xa = std::max(x0, c - y1), xb = std::min(x1, c - y0);
            if (xa < xb)
                out.emplace_back(QPointF(xa, c - xa), QPointF(xb, c - xb));
        }
    };
    auto backward = [&] { // "\": x - y = c
        for (double c = std::floor((x0 - y1) / s) * s; c <= x1 - y0; c += s) {
            const double xa = std::max(x0, c + y0), xb = std::min(x1, c + y1);
            if (xa < xb)
                out.emplace_back(QPointF(xa, xa - c), QPointF(xb, xb - c));
        }
    };
    switch (hatch) {
    case Hatch::None:
        break;
    case Hatch::Forward:
        forward();
        break;
    case Hatch::Backward:
        backward();
        break;
    case Hatch::Cross:
        forward();
        backward();
        break;
    case Hatch::Vertical:
        for (double x = std::ceil(x0 / s) * s; x <= x1; x += s)
            out.emplace_back(QPointF(x, y0), QPointF(x, y1));
        break;
    case Hatch::Horizontal:
        for (double y = std::ceil(y0 / 3) * 3; y <= y1; y += 3)
            out.emplace_back(QPointF(x0, y), QPointF(x1, y));
        break;
    }
}

const std::vector<Meaning> &markerPaintOrder()
{
    static const std::vector<Meaning> order = [] {
        std::vector<Meaning> o;
        for (int m = 0; m < kMeaningCount; ++m)
            if (Meaning(m) != Meaning::ViolationMark && Meaning(m) != Meaning::GapMark)
                o.push_back(Meaning(m));
        o.push_back(Meaning::GapMark);
        o.push_back(Meaning::ViolationMark);
        return o;
    }();
    return order;
}

void drawMarker(QPainter &p, Meaning m, const QPointF &c, double size, const Palette &palette)
{
    drawMarkers(p, m, {c}, size, palette);
}

void drawMarkers(QPainter &p, Meaning m, const std::vector<QPointF> &centres, double size,
                 const Palette &palette)
{
    if (centres.empty())
        return;
    const QColor col = palette.fill(m);
    const QColor outline = palette.ui(Palette::Ui::Background);
    const double r = size / 2;
    p.save();
    p.setRenderHint(QPainter::Antialiasing, true);
    switch (m) {
    case Meaning::KillMark:
        p.setPen(QPen(col, std::max(2.0, size / 6), Qt::SolidLine, Qt::RoundCap));
        break;
    case Meaning::AsyncReleaseMark:
        p.setPen(QPen(col, 2));
        p.setBrush(Qt::NoBrush);
        break;
    case Meaning::CallbackMark:
        p.setPen(Qt::NoPen);
        p.setBrush(col);
        break;
    case Meaning::SyscallMark:
    case Meaning::RefMark:
        p.setPen(QPen(col, 1));
        break;
    case Meaning::ViolationMark:
    case Meaning::GapMark:
    case Meaning::ReleaseSmcMark:
        p.setPen(QPen(outline, 1));
        p.setBrush(col);
        break;
    case Meaning::NoteMark: // a ring: never read as a QTEE callback's dot
        p.setPen(QPen(col, std::max(1.5, size / 8)));
        p.setBrush(Qt::NoBrush);
        break;
    default:
        p.setPen(Qt::NoPen);
        p.setBrush(col);
        break;
    }
    for (const QPointF &c : centres) {
        switch (m) {
        case Meaning::KillMark:
            p.drawLine(QPointF(c.x() - r, c.y() - r), QPointF(c.x() + r, c.y() + r));
            p.drawLine(QPointF(c.x() - r, c.y() + r), QPointF(c.x() + r, c.y() - r));
            break;
        case Meaning::ViolationMark: {
            const QPointF t[3] = {QPointF(c.x() - r * 1.1, c.y() - r),
                                  QPointF(c.x() + r * 1.1, c.y() - r), QPointF(c.x(), c.y() + r)};
            p.drawPolygon(t, 3);
            break;
        }
        case Meaning::GapMark: {
            const QPointF d[4] = {QPointF(c.x(), c.y() - r), QPointF(c.x() + r, c.y()),
                                  QPointF(c.x(), c.y() + r), QPointF(c.x() - r, c.y())};
            p.drawPolygon(d, 4);
            break;
        }
        case Meaning::NoteMark: // notes are common: smaller than a finding
            p.drawEllipse(c, r * 0.6, r * 0.6);
            break;
        case Meaning::AsyncReleaseMark:
            p.drawEllipse(c, r * 0.75, r * 0.75);
            p.drawLine(QPointF(c.x(), c.y() - r), QPointF(c.x(), c.y() + r));
            break;
        case Meaning::ReleaseSmcMark:
            p.drawRect(QRectF(c.x() - r * 0.7, c.y() - r * 0.7, r * 1.4, r * 1.4));
            break;
        case Meaning::CallbackMark:
            p.drawEllipse(c, r * 0.45, r * 0.45);
            break;
        case Meaning::SyscallMark:
            p.drawLine(QPointF(c.x(), c.y() + r * 0.3), QPointF(c.x(), c.y() + r));
            break;
        case Meaning::RefMark:
            p.drawLine(QPointF(c.x(), c.y() - r), QPointF(c.x(), c.y() - r * 0.3));
            break;
        default:
            p.drawEllipse(c, r * 0.5, r * 0.5);
            break;
        }
    }
    p.restore();
}

void drawArrowHead(QPainter &p, const QPointF &from, const QPointF &tip, double size)
{
    const double dx = tip.x() - from.x(), dy = tip.y() - from.y();
    const double len = std::hypot(dx, dy);
    if (len < 1e-6)
        return;
    const double ux = dx / len, uy = dy / len;
    const QPointF base(tip.x() - ux * size, tip.y() - uy * size);
    QPolygonF head;
    head << tip << QPointF(base.x() - uy * size * 0.5, base.y() + ux * size * 0.5)
         << QPointF(base.x() + uy * size * 0.5, base.y() - ux * size * 0.5);
    p.drawPolygon(head);
}

} // namespace tee::render
