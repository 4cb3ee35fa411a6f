#include "app/render/renderer.h"

#include "app/render/legend.h"
#include "app/render/palette.h"
#include "app/render/refcountplot.h"
#include "app/render/timelineplot.h"
#include "app/render/timelineplottable.h"
#include "core/vocabulary.h"
#include "simulator/fileio.h"

#include <QBuffer>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>

namespace tee::render {

namespace {

constexpr int kTitleHeight = 26;
constexpr int kCaptionHeight = 18; // the violation line under the title
constexpr int kMinRow = 12, kMaxRow = 24;
// What the timeline needs besides its rows: the x axis and its labels.
constexpr int kAxisHeight = 44;

QFont pixelFont(int px, bool bold = false)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(px);
    f.setBold(bold);
    return f;
}

// The violation and note lines under the title.
QFont captionFont()
{
    return pixelFont(12);
}

struct Parts
{
    Renderer::Geometry g;
    std::vector<Legend::Entry> legend;
};

// The caption under the title: the first violation in the steps shown, in
// the log's words (a picture has no tooltip; the explore note's label was
// cut short), and how many more; empty without one.
QString violationCaption(const TimelineSource &src, const RenderOptions &o)
{
    if (!src.valid())
        return {};
    const uint64_t count = src.timeline->stepCount();
    const uint64_t to = std::min<uint64_t>(o.to, count);
    const uint64_t from = std::min<uint64_t>(std::max<uint64_t>(o.from, 1), to);
    const Event *first = nullptr;
    uint64_t more = 0;
    for (const Event &e : src.trace->events) {
        if (e.kind != EventKind::Violation || e.step < from || e.step > to)
            continue;
        if (first)
            ++more;
        else
            first = &e;
    }
    if (!first)
        return {};
    QString text = QStringLiteral("\u25BC I%1 at step %2: %3")
                       .arg(first->invariant)
                       .arg(first->step)
                       .arg(QString::fromStdString(vocab::findingText(*src.sim, *first)));
    if (more)
        text += QStringLiteral(" (and %1 more in these steps)").arg(more);
    return text;
}

// `text` in lines of at most `width` pixels, broken between words (a word
// wider than a line is elided), at most `maxLines` (the last elided).
QStringList wrapped(const QString &text, const QFont &font, double width, int maxLines)
{
    const QFontMetricsF fm(font);
    QStringList lines;
    QString line;
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < words.size(); ++i) {
        const QString candidate = line.isEmpty() ? words[i] : line + QLatin1Char(' ') + words[i];
        if (line.isEmpty() || fm.horizontalAdvance(candidate) <= width) {
            line = candidate;
            continue;
        }
        if (lines.size() + 1 == maxLines) { // the last line takes the rest, elided
            line = candidate + QLatin1Char(' ') + words.mid(i + 1).join(QLatin1Char(' '));
            break;
        }
        lines << fm.elidedText(line, Qt::ElideRight, width);
        line = words[i];
    }
    if (!line.isEmpty())
        lines << fm.elidedText(line, Qt::ElideRight, width);
    return lines;
}

// The notes on the steps shown, in full, wrapped to the picture's width: on
// the timeline a note's label is cut at 48 characters (its full text is the
// window's tooltip), and a picture attached to a review has no tooltip. At
// most kNotes notes of up to kNoteLines lines each, then one line saying
// how many more.
constexpr int kNotes = 3, kNoteLines = 3;
QStringList noteCaption(const TimelineSource &src, const RenderOptions &o, int width)
{
    QStringList lines;
    if (!src.valid())
        return lines;
    const uint64_t count = src.timeline->stepCount();
    const uint64_t to = std::min<uint64_t>(o.to, count);
    const uint64_t from = std::min<uint64_t>(std::max<uint64_t>(o.from, 1), to);
    int more = 0, listed = 0;
    for (const sim::Note &n : o.notes) {
        // (a note at step 0, before the first step, goes with a picture
        // from step 1)
        if (n.step > to || (n.step < from && !(n.step == 0 && from == 1)))
            continue;
        if (listed == kNotes) {
            ++more;
            continue;
        }
        ++listed;
        // where, as the text timeline says it: "before step 1" for a note
        // at step 0, and the entity a note is on
        QString where =
            n.step == 0 ? QStringLiteral("before step 1") : QStringLiteral("step %1").arg(n.step);
        if (!n.entity.empty())
            where += QStringLiteral(" on ") + QString::fromStdString(n.entity);
        lines << wrapped(
            QStringLiteral("\u270E %1: %2").arg(where, QString::fromStdString(n.text).simplified()),
            captionFont(), width, kNoteLines);
    }
    if (more)
        lines << QStringLiteral("(and %1 more %2 in these steps)")
                     .arg(more)
                     .arg(more == 1 ? QStringLiteral("note") : QStringLiteral("notes"));
    return lines;
}

} // namespace

Renderer::Renderer(TimelineSource src)
    : m_src(std::move(src))
{}

std::optional<RenderFormat> Renderer::formatOf(const QString &path)
{
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext == QLatin1String("png"))
        return RenderFormat::Png;
    if (ext == QLatin1String("svg"))
        return RenderFormat::Svg;
    if (ext == QLatin1String("pdf"))
        return RenderFormat::Pdf;
    return std::nullopt;
}

namespace {

// Sets up the hidden plots as the options say; both are laid out at the
// target's size by render().
void configure(TimelinePlot &tp, const TimelineSource &src, const RenderOptions &o)
{
    tp.setToolBarVisible(false);
    tp.setLegendVisible(false);
    tp.setColors(Palette::print());
    tp.setSource(src);
    for (const auto &[group, collapsed] : o.groups)
        tp.setGroupCollapsed(group, collapsed);
    if (o.axis != tp.axis())
        tp.setAxis(o.axis);
    tp.showSteps(o.from, o.to);
    if (o.cursorStep) // drawn where it is: the picture shows the steps asked for
        tp.setCursorStep(o.cursorStep, /*follow=*/false);
    tp.setNotes(o.notes);
}

} // namespace

Renderer::Geometry Renderer::geometry(const RenderOptions &o) const
{
    Geometry g;
    const int w = std::max(o.width, 200), h = std::max(o.height, 150);
    int y = 0;
    if (o.title) {
        g.caption = violationCaption(m_src, o);
        g.noteLines = noteCaption(m_src, o, w - 16); // (the title's margins)
        const int titleH = kTitleHeight + (g.caption.isEmpty() ? 0 : kCaptionHeight) +
                           int(g.noteLines.size()) * kCaptionHeight;
        g.title = QRect(0, 0, w, titleH);
        y = titleH;
    }
    int legendH = 0;
    if (o.legend && m_src.valid()) {
        const LaneLayout layout(m_src.timeline->lanes());
        legendH = Legend::height(Legend::entriesFor(layout), w, pixelFont(11));
    }
    int refH = o.refcounts ? std::clamp(h / 5, 130, 260) : 0; // legend row + plot
    if (m_src.valid()) {
        // The lanes first: a small picture drops the refcount plot, then the
        // legend, before it cuts lanes off (at 400 x 300 only the thread
        // lanes were drawn, under a legend and a plot).
        LaneLayout layout(m_src.timeline->lanes());
        for (const auto &[group, collapsed] : o.groups)
            layout.setCollapsed(group, collapsed);
        layout.setRowHeight(kMinRow);
        layout.setHeaderHeight(kMinRow);
        const int lanesMin = layout.contentHeight() + kAxisHeight + 4;
        if (h - y - legendH - refH < lanesMin)
            refH = 0;
        if (h - y - legendH - refH < lanesMin)
            legendH = 0;
        // Still too small: collapse groups, the last first, each to its one
        // summary row (its header counts its lanes), rather than cut lanes
        // off the bottom without a sign. The threads stay open.
        g.groups = o.groups;
        for (int group = kLaneGroupCount - 1; group > int(LaneGroup::Threads); --group) {
            if (layout.contentHeight() + kAxisHeight + 4 <= std::max(80, h - y))
                break;
            if (layout.collapsed(LaneGroup(group)))
                continue;
            layout.setCollapsed(LaneGroup(group), true);
            g.groups.emplace_back(LaneGroup(group), true);
        }
    }
    int timelineH = std::max(80, h - y - legendH - refH);
    // rows: as tall as they can be up to kMaxRow, at least kMinRow; a
    // timeline that needs less than its share gives the rest to the
    // refcount plot (up to 40% of the picture), then leaves it blank below
    g.rowHeight = kMaxRow;
    if (m_src.valid()) {
        LaneLayout layout(m_src.timeline->lanes());
        for (const auto &[group, collapsed] : g.groups)
            layout.setCollapsed(group, collapsed);
        const int rows = std::max(1, layout.rowCount());
        g.rowHeight = std::clamp((timelineH - kAxisHeight) / rows, kMinRow, kMaxRow);
        layout.setRowHeight(g.rowHeight);
        layout.setHeaderHeight(g.rowHeight);
        const int needed = layout.contentHeight() + kAxisHeight + 4;
        if (needed < timelineH) {
            const int spare = timelineH - needed;
            timelineH = needed;
            if (refH)
                refH = std::min(refH + spare, std::max(refH, h * 2 / 5));
        }
    }
    g.timeline = QRect(0, y, w, timelineH);
    if (refH)
        g.refcounts = QRect(0, y + timelineH, w, refH);
    if (legendH)
        g.legend = QRect(0, y + timelineH + refH, w, legendH);
    return g;
}

void Renderer::paint(QPainter &painter, const QRect &target, const RenderOptions &o) const
{
    const Palette pal = Palette::print();
    painter.save();
    painter.fillRect(target, pal.ui(Palette::Ui::Background));
    if (!m_src.valid()) {
        painter.restore();
        return;
    }
    RenderOptions opt = o;
    opt.width = target.width();
    opt.height = target.height();
    const Geometry g = geometry(opt);
    painter.translate(target.topLeft());
    painter.setRenderHint(QPainter::TextAntialiasing, true);

    opt.groups = g.groups;
    TimelinePlot tp;
    tp.resize(g.timeline.size());
    tp.setRowHeight(g.rowHeight);
    configure(tp, m_src, opt);

    if (!g.title.isEmpty()) {
        const sim::Scenario &sc = m_src.sim->scenario();
        // The steps asked for (on the time axis other threads' steps that
        // overlap them in time show too, but the picture is of these).
        const uint64_t count = m_src.timeline->stepCount();
        const uint64_t to = std::min<uint64_t>(opt.to, count);
        const uint64_t from = std::min<uint64_t>(std::max<uint64_t>(opt.from, 1), to);
        // the steps before the scenario's title: a narrow picture elides
        // the title, not the range
        // ... and the design: a picture sent to a review says which one it
        // shows (the dimensions that differ from the merged driver's)
        std::string design;
        const Variant &v = m_src.sim->engine().variant();
        for (const char *name : Variant::kNames)
            if (v.value(name) != Variant{}.value(name))
                design += (design.empty() ? "" : ",") + std::string(name) + "=" + v.value(name);
        QString text = QString::fromStdString(sc.name) +
                       QStringLiteral(" (steps %1 to %2 of %3; %4)")
                           .arg(from)
                           .arg(to)
                           .arg(count)
                           .arg(design.empty() ? QStringLiteral("merged design")
                                               : QString::fromStdString(design));
        if (!opt.context.empty()) // (inside the parentheses)
            text.insert(text.size() - 1,
                        QStringLiteral("; ") + QString::fromStdString(opt.context));
        if (!sc.title.empty())
            text += QStringLiteral(": ") + QString::fromStdString(sc.title);
        painter.setFont(pixelFont(14, true));
        painter.setPen(pal.ui(Palette::Ui::Text));
        const QRect r = QRect(g.title.left(), g.title.top(), g.title.width(), kTitleHeight)
                            .adjusted(8, 0, -8, 0);
        painter.drawText(r, Qt::AlignLeft | Qt::AlignVCenter,
                         QFontMetricsF(painter.font()).elidedText(text, Qt::ElideRight, r.width()));
        const QString &caption = g.caption;
        QRect c(r.left(), r.bottom() + 1, r.width(), kCaptionHeight);
        painter.setFont(captionFont());
        if (!caption.isEmpty()) {
            painter.setPen(pal.fill(Meaning::ViolationMark));
            painter.drawText(
                c, Qt::AlignLeft | Qt::AlignTop,
                QFontMetricsF(painter.font()).elidedText(caption, Qt::ElideRight, c.width()));
            c.translate(0, kCaptionHeight);
        }
        // the notes in the colour of their marks on the timeline
        painter.setPen(NotesLayerable::textColour());
        for (const QString &line : g.noteLines) {
            painter.drawText(
                c, Qt::AlignLeft | Qt::AlignTop,
                QFontMetricsF(painter.font()).elidedText(line, Qt::ElideRight, c.width()));
            c.translate(0, kCaptionHeight);
        }
    }
    tp.render(painter, g.timeline);

    if (!g.refcounts.isEmpty()) {
        RefcountPlot rp;
        rp.resize(g.refcounts.size());
        rp.setColors(pal);
        rp.setSource(m_src);
        if (!opt.objects.empty())
            rp.setObjects(opt.objects);
        rp.setMargins(tp.labelColumnWidth(), 8);
        rp.setViewRange(tp.viewRange());
        rp.render(painter, g.refcounts);
    }
    if (!g.legend.isEmpty())
        Legend::paint(painter, g.legend, Legend::entriesFor(tp.laneLayout()), pal, pixelFont(11));
    painter.restore();
}

Renderer::Placement Renderer::placement(const RenderOptions &o) const
{
    Placement out;
    if (!m_src.valid())
        return out;
    const Geometry g = geometry(o);
    RenderOptions opt = o;
    opt.groups = g.groups;
    TimelinePlot tp;
    tp.resize(g.timeline.size());
    tp.setRowHeight(g.rowHeight);
    configure(tp, m_src, opt);
    // lay it out at the picture's size, as paint() does
    QImage scratch(1, 1, QImage::Format_ARGB32_Premultiplied);
    QPainter p(&scratch);
    tp.render(p, QRect(QPoint(0, 0), g.timeline.size()));
    p.end();
    const QPointF off = g.timeline.topLeft();
    out.map = tp.mapping();
    out.map.left += off.x();
    out.lanes = tp.lanesRect().translated(off);
    out.laneBars.resize(m_src.timeline->lanes().size());
    for (uint32_t l = 0; l < out.laneBars.size(); ++l) {
        const QRectF r = tp.laneBarRect(l);
        if (!r.isEmpty() && r.intersects(tp.lanesRect()))
            out.laneBars[l] = r.translated(off);
    }
    return out;
}

QImage Renderer::image(const RenderOptions &o) const
{
    QImage img(std::max(o.width, 1), std::max(o.height, 1), QImage::Format_ARGB32_Premultiplied);
    img.fill(Palette::print().ui(Palette::Ui::Background));
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing, false);
    paint(p, img.rect(), o);
    p.end();
    return img;
}

QByteArray Renderer::encode(RenderFormat format, const RenderOptions &o, QString *error) const
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    const QRect rect(0, 0, std::max(o.width, 1), std::max(o.height, 1));
    switch (format) {
    case RenderFormat::Png: {
        const QImage img = image(o);
        if (!img.save(&buffer, "PNG")) {
            if (error)
                *error = QStringLiteral("cannot encode the PNG");
            return {};
        }
        break;
    }
    case RenderFormat::Svg: {
        QSvgGenerator gen;
        gen.setOutputDevice(&buffer);
        gen.setSize(rect.size());
        gen.setViewBox(rect);
        gen.setResolution(96);
        gen.setTitle(QStringLiteral("teescope timeline"));
        if (m_src.valid())
            gen.setDescription(QString::fromStdString(m_src.sim->scenario().name));
        QPainter p;
        if (!p.begin(&gen)) {
            if (error)
                *error = QStringLiteral("cannot start the SVG");
            return {};
        }
        paint(p, rect, o);
        p.end();
        break;
    }
    case RenderFormat::Pdf: {
        QPdfWriter writer(&buffer);
        writer.setCreator(QStringLiteral("teescope"));
        writer.setTitle(QStringLiteral("teescope timeline"));
        writer.setResolution(96);
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setPageSize(QPageSize(QSizeF(rect.width() * 72.0 / 96, rect.height() * 72.0 / 96),
                                     QPageSize::Point, QString(), QPageSize::ExactMatch));
        QPainter p;
        if (!p.begin(&writer)) {
            if (error)
                *error = QStringLiteral("cannot start the PDF");
            return {};
        }
        paint(p, rect, o);
        p.end();
        break;
    }
    }
    buffer.close();
    return bytes;
}

bool Renderer::write(const QString &path, RenderFormat format, const RenderOptions &o,
                     QString *error) const
{
    QString why;
    const QByteArray bytes = encode(format, o, &why);
    if (bytes.isEmpty()) {
        if (error)
            *error = path + QStringLiteral(": ") + why;
        return false;
    }
    std::string err;
    if (!sim::writeFileAtomically(path.toStdString(), bytes.toStdString(), &err)) {
        if (error)
            *error = QString::fromStdString(err);
        return false;
    }
    return true;
}

} // namespace tee::render
