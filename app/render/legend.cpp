#include "app/render/legend.h"

#include "app/render/lanepainting.h"
#include "app/render/lanetext.h"

#include <QFontMetricsF>
#include <QPainter>

#include <functional>

namespace tee::render {

namespace {

constexpr double kSwatchW = 22, kSwatchH = 11, kGap = 4, kSpacing = 14, kPad = 4;

QString text(const std::string &s)
{
    return QString::fromStdString(s);
}

// Lays the entries out left to right, wrapping; calls `at` with each one's
// origin (top-left of its line) and returns the height used.
double layoutEntries(const std::vector<Legend::Entry> &entries, double width, const QFont &font,
                     const std::function<void(const Legend::Entry &, QPointF, double)> &at)
{
    QFont bold = font;
    bold.setBold(true);
    const QFontMetricsF fm(font), fmb(bold);
    const double lineH = std::max(fm.height(), kSwatchH) + 3;
    double x = kPad, y = kPad;
    for (const Legend::Entry &e : entries) {
        const bool heading = e.kind == Legend::Entry::Kind::Heading;
        const double w = heading ? fmb.horizontalAdvance(e.text) + kGap
                                 : kSwatchW + kGap + fm.horizontalAdvance(e.text) + kSpacing;
        // a heading starts a line when its entries would not follow it
        if (x > kPad && (x + w > width - kPad || (heading && x + w + 120 > width - kPad))) {
            x = kPad;
            y += lineH;
        }
        if (at)
            at(e, QPointF(x, y), lineH);
        x += w + (heading ? 2 : 0);
    }
    return y + lineH + kPad;
}

} // namespace

std::vector<Legend::Entry> Legend::entriesFor(const LaneLayout &layout)
{
    using K = Entry::Kind;
    std::vector<Entry> out;
    auto heading = [&](const std::string &name) {
        out.push_back({K::Heading, {}, text(name + ":")});
    };
    auto bar = [&](Meaning m) { out.push_back({K::Bar, m, text(meaningName(m))}); };
    if (layout.hasGroup(LaneGroup::Threads)) {
        heading(groupName(LaneGroup::Threads));
        for (Meaning m : {Meaning::Running, Meaning::InSyscall, Meaning::BlockedKillable,
                          Meaning::BlockedInterruptible, Meaning::WaitLock, Meaning::Srcu,
                          Meaning::UserWait, Meaning::Exited, Meaning::Idle})
            bar(m);
        out.push_back({K::Band, Meaning::Killed, text(meaningName(Meaning::Killed))});
    }
    if (layout.hasGroup(LaneGroup::Requests)) {
        heading(groupName(LaneGroup::Requests));
        for (Meaning m :
             {Meaning::Queued, Meaning::Processing, Meaning::Processed, Meaning::Placeholder})
            bar(m);
    }
    if (layout.hasGroup(LaneGroup::Objects)) {
        heading(groupName(LaneGroup::Objects));
        for (Meaning m :
             {Meaning::Refcount1, Meaning::Refcount2, Meaning::Refcount3, Meaning::Refcount4Plus})
            bar(m);
    }
    if (layout.hasGroup(LaneGroup::Contexts)) {
        heading(groupName(LaneGroup::Contexts));
        for (Meaning m : {Meaning::ContextOpen, Meaning::ContextClosed, Meaning::ContextFreed})
            bar(m);
    }
    if (layout.hasGroup(LaneGroup::Locks) || layout.hasGroup(LaneGroup::Workqueue) ||
        layout.hasGroup(LaneGroup::Qtee)) {
        heading("driver");
        if (layout.hasGroup(LaneGroup::Locks))
            bar(Meaning::LockHeld);
        if (layout.hasGroup(LaneGroup::Workqueue)) {
            bar(Meaning::WorkPending);
            bar(Meaning::WorkRunning);
        }
        if (layout.hasGroup(LaneGroup::Qtee))
            bar(Meaning::QteeBusy);
    }
    heading("marks");
    out.push_back({K::Busy, Meaning::GroupBusy, QStringLiteral("merged (narrower than a pixel)")});
    for (Meaning m :
         {Meaning::KillMark, Meaning::AsyncReleaseMark, Meaning::ReleaseSmcMark,
          Meaning::CallbackMark, Meaning::ViolationMark, Meaning::GapMark, Meaning::NoteMark})
        out.push_back({K::Marker, m, text(meaningName(m))});
    for (Meaning m : {Meaning::CallbackFlow, Meaning::DeliveryFlow, Meaning::ReplyFlow})
        out.push_back({K::Flow, m, text(meaningName(m))});
    return out;
}

int Legend::height(const std::vector<Entry> &entries, double width, const QFont &font)
{
    return int(std::ceil(layoutEntries(entries, width, font, {})));
}

void Legend::paint(QPainter &p, const QRectF &rect, const std::vector<Entry> &entries,
                   const Palette &palette, const QFont &font)
{
    p.save();
    p.setClipRect(rect);
    p.fillRect(rect, palette.ui(Palette::Ui::Background));
    QFont bold = font;
    bold.setBold(true);
    const QFontMetricsF fm(font);
    const QColor textColor = palette.ui(Palette::Ui::Text);
    std::vector<QLineF> lines;
    layoutEntries(entries, rect.width(), font, [&](const Entry &e, QPointF o, double lineH) {
        const QPointF at = rect.topLeft() + o;
        const double cy = at.y() + lineH / 2;
        if (e.kind == Entry::Kind::Heading) {
            p.setFont(bold);
            p.setPen(textColor);
            p.drawText(QRectF(at.x(), at.y(), 400, lineH), Qt::AlignLeft | Qt::AlignVCenter,
                       e.text);
            return;
        }
        const QRectF sw(at.x(), cy - kSwatchH / 2, kSwatchW, kSwatchH);
        switch (e.kind) {
        case Entry::Kind::Bar:
        case Entry::Kind::Busy: {
            p.fillRect(sw, palette.fill(e.meaning));
            lines.clear();
            appendHatch(lines, palette.hatch(e.meaning), sw);
            if (!lines.empty()) {
                p.setPen(QPen(palette.hatchColor(e.meaning), 1));
                p.drawLines(lines.data(), int(lines.size()));
            }
            if (e.kind == Entry::Kind::Busy)
                p.fillRect(QRectF(sw.left(), sw.top(), sw.width(), 3),
                           palette.hatchColor(e.meaning));
            p.setPen(QPen(palette.ui(Palette::Ui::Separator), 1));
            p.setBrush(Qt::NoBrush);
            p.drawRect(sw);
            break;
        }
        case Entry::Kind::Band:
            p.fillRect(sw, palette.fill(Meaning::Running));
            p.fillRect(QRectF(sw.left(), sw.bottom() - 3, sw.width(), 3), palette.fill(e.meaning));
            break;
        case Entry::Kind::Marker:
            drawMarker(p, e.meaning, sw.center(), kSwatchH, palette);
            break;
        case Entry::Kind::Flow: {
            p.setRenderHint(QPainter::Antialiasing, true);
            const QColor c = palette.fill(e.meaning);
            p.setPen(QPen(c, 1.5));
            p.setBrush(c);
            const QPointF a(sw.left(), sw.bottom()), b(sw.right(), sw.top());
            p.drawLine(a, b);
            drawArrowHead(p, a, b, 6);
            break;
        }
        case Entry::Kind::Heading:
            break;
        }
        p.setFont(font);
        p.setPen(textColor);
        p.drawText(QRectF(sw.right() + kGap, at.y(), fm.horizontalAdvance(e.text) + 2, lineH),
                   Qt::AlignLeft | Qt::AlignVCenter, e.text);
    });
    p.restore();
}

} // namespace tee::render
