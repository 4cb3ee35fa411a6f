// Pictures of kill-while-processing: the PNG has the client's blocked wait
// and the request's PROCESSING interval in their palette colours where the
// time mapping puts them; the SVG carries lane names and state labels as
// text; the PDF is a PDF; writes are atomic and the same options give the
// same bytes. Set TEESCOPE_RENDER_OUT to a directory to keep the pictures.
#include "app/render/lanelayout.h"
#include "app/render/lanetext.h"
#include "app/render/meaning.h"
#include "app/render/palette.h"
#include "app/render/renderer.h"
#include "core/vocabulary.h"
#include "renderfixture.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace tee;
using namespace tee::render;

namespace {

// The share of the pixels inside `r` (shrunk by a pixel) that are exactly `c`.
double share(const QImage &img, const QRectF &r, const QColor &c)
{
    const QRect in = r.toAlignedRect().adjusted(1, 1, -1, -1) & img.rect();
    if (in.isEmpty())
        return 0;
    int hit = 0;
    for (int y = in.top(); y <= in.bottom(); ++y)
        for (int x = in.left(); x <= in.right(); ++x)
            hit += img.pixelColor(x, y).rgb() == c.rgb();
    return double(hit) / double(in.width() * in.height());
}

void keep(const QString &name, const QByteArray &bytes)
{
    const QByteArray dir = qgetenv("TEESCOPE_RENDER_OUT");
    if (dir.isEmpty())
        return;
    QFile f(QDir(QString::fromLocal8Bit(dir)).filePath(name));
    if (f.open(QIODevice::WriteOnly))
        f.write(bytes);
}

} // namespace

class TestRenderer : public QObject
{
    Q_OBJECT

private:
    TimelineSource m_src;

    // The interval on `lane` whose meaning is `m` (the first one).
    uint32_t intervalOf(uint32_t lane, Meaning m) const
    {
        for (const sim::Interval &iv : m_src.timeline->intervalsOf(lane))
            if (meaningOf(iv) == m)
                return uint32_t(&iv - m_src.timeline->intervals().data());
        return sim::kNone;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_src = renderfixture::builtin("kill-while-processing");
        QVERIFY(m_src.valid());
        QVERIFY(m_src.timeline->stepCount() > 10);
    }

    // Known intervals at the pixels TimeMapping gives, in their palette
    // colour; the pixels just outside are not.
    void pngIntervalsAtMappedPixels_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("id");
        QTest::addColumn<int>("meaning");
        QTest::addColumn<int>("axis");
        // app/client (thread 0) waits on the completion; req#0 is PROCESSING
        // in app/suppl's RECV until the kill path makes it a placeholder
        for (const int a : {int(sim::Axis::Time), int(sim::Axis::Step)}) {
            const char *ax = a == int(sim::Axis::Time) ? "time" : "step";
            QTest::addRow("client blocked (%s)", ax)
                << int(sim::LaneKind::Thread) << 0 << int(Meaning::BlockedKillable) << a;
            QTest::addRow("req#0 PROCESSING (%s)", ax)
                << int(sim::LaneKind::Request) << 0 << int(Meaning::Processing) << a;
            QTest::addRow("req#0 placeholder (%s)", ax)
                << int(sim::LaneKind::Request) << 0 << int(Meaning::Placeholder) << a;
            QTest::addRow("ctx1 closed (%s)", ax)
                << int(sim::LaneKind::Context) << 1 << int(Meaning::ContextClosed) << a;
        }
    }

    void pngIntervalsAtMappedPixels()
    {
        QFETCH(int, kind);
        QFETCH(int, id);
        QFETCH(int, meaning);
        QFETCH(int, axis);
        const uint32_t lane = renderfixture::lane(m_src, sim::LaneKind(kind), id);
        QVERIFY(lane != sim::kNone);
        const uint32_t i = intervalOf(lane, Meaning(meaning));
        QVERIFY2(i != sim::kNone, "no such interval in the run");
        const sim::Interval &iv = m_src.timeline->intervals()[i];

        RenderOptions o;
        o.axis = sim::Axis(axis);
        const Renderer r(m_src);
        const QImage img = r.image(o);
        QCOMPARE(img.size(), QSize(o.width, o.height));
        const Renderer::Placement pl = r.placement(o);
        const QRectF row = pl.laneBars[lane];
        QVERIFY2(!row.isEmpty(), "the lane is not in the picture");
        const double x0 = pl.map.toPixel(double(TimeMapping::startOf(iv, o.axis)));
        const double x1 = pl.map.toPixel(double(TimeMapping::endOf(iv, o.axis)));
        QVERIFY2(x1 - x0 >= 8, "too narrow to check at this size");
        const QRectF bar(x0, row.top(), x1 - x0, row.height());
        const Palette print = Palette::print();
        const QColor fill = print.fill(Meaning(meaning));
        const double inside = share(img, bar, fill);
        // the fill dominates; text and hatch lines take the rest
        QVERIFY2(inside > 0.4, qPrintable(QStringLiteral("fill share %1").arg(inside)));
        if (hatchOf(Meaning(meaning)) != Hatch::None)
            QVERIFY(share(img, bar, print.hatchColor(Meaning(meaning))) > 0.05);
        // just outside the interval the lane shows its neighbours: another
        // colour, unless the neighbour has the same meaning (a kill splits a
        // wait into two intervals of one state)
        const auto lane_ = m_src.timeline->intervalsOf(lane);
        const size_t at = size_t(&iv - lane_.data());
        auto neighbourSame = [&](size_t j) {
            return j < lane_.size() && meaningOf(lane_[j]) == Meaning(meaning);
        };
        const QRectF before(x0 - 4, row.top(), 2, row.height());
        const QRectF after(x1 + 2, row.top(), 2, row.height());
        if (at > 0 && !neighbourSame(at - 1))
            QVERIFY(share(img, before, fill) < 0.2);
        if (at + 1 < lane_.size() && !neighbourSame(at + 1))
            QVERIFY(share(img, after, fill) < 0.2);
    }

    void svgHasLaneNamesAndStatesAsText()
    {
        const Renderer r(m_src);
        QString error;
        RenderOptions o; // wide enough for every bar's whole text
        o.width = 2400;
        const QByteArray svg = r.encode(RenderFormat::Svg, o, &error);
        QVERIFY2(!svg.isEmpty(), qPrintable(error));
        keep(QStringLiteral("kill-while-processing.svg"), svg);
        QVERIFY(svg.startsWith("<?xml"));
        QVERIFY(svg.contains("<svg"));
        // lane names, from the vocabulary
        for (const char *name : {"app/client", "app/suppl", "QTEE", "qcomtee_wq", "ctx1",
                                 "reqs_lock ctx1", "obj0", "obj1", "req#0", "req#1"})
            QVERIFY2(svg.contains(QByteArray(">").append(name).append("<")) ||
                         svg.contains(QByteArray(">").append(name).append(" ")),
                     name);
        // state labels written on the bars, and the legend
        // (the bar texts come from BarText: checked against it, not retyped)
        const sim::Timeline &tl = *m_src.timeline;
        const uint32_t req0 = renderfixture::lane(m_src, sim::LaneKind::Request, 0);
        const uint32_t ctx1 = renderfixture::lane(m_src, sim::LaneKind::Context, 1);
        const uint32_t obj1 = renderfixture::lane(m_src, sim::LaneKind::Object, 1);
        for (const auto &[lane, m] :
             {std::pair{req0, Meaning::Processing}, std::pair{req0, Meaning::Placeholder},
              std::pair{ctx1, Meaning::ContextClosed}, std::pair{obj1, Meaning::Refcount3}}) {
            const std::string text = barText(*m_src.sim, tl.intervals()[intervalOf(lane, m)]).full;
            QVERIFY2(svg.contains(QByteArray::fromStdString(text)), text.c_str());
        }
        for (const std::string &state :
             {vocab::reqState(ReqState::PROCESSING), vocab::reqState(ReqState::Placeholder)})
            QVERIFY2(svg.contains(QByteArray::fromStdString(state)), state.c_str());
        QVERIFY(svg.contains("simulated time"));
    }

    // A picture attached to a review shows the reviewer's notes as the
    // window does: the line at the note's step and its text; a note outside
    // the steps drawn is left out.
    void notesAreDrawn()
    {
        const Renderer r(m_src);
        RenderOptions o;
        o.width = 1600;
        o.from = 3;
        o.to = 12;
        const QByteArray plain = r.encode(RenderFormat::Svg, o);
        o.notes = {{7, "the client is killed here", "app/client"}, {20, "past the range", {}}};
        QString error;
        const QByteArray svg = r.encode(RenderFormat::Svg, o, &error);
        QVERIFY2(!svg.isEmpty(), qPrintable(error));
        QVERIFY(!plain.contains("the client is killed here"));
        QVERIFY(svg.contains("the client is killed here"));
        QVERIFY(!svg.contains("past the range"));
        // the line: the note's colour at the x of step 7's end, down the lanes
        o.axis = sim::Axis::Step;
        const Renderer::Placement pl = r.placement(o);
        QImage img;
        QVERIFY(img.loadFromData(r.encode(RenderFormat::Png, o), "PNG"));
        const int x = int(std::lround(pl.map.toPixel(7.0)));
        int purple = 0;
        for (int y = int(pl.lanes.top()); y < int(pl.lanes.bottom()); ++y)
            for (int dx = -1; dx <= 1; ++dx) {
                const QColor c = img.pixelColor(x + dx, y);
                purple += c.red() > c.green() + 40 && c.blue() > c.green() + 40;
            }
        QVERIFY2(purple > 20, qPrintable(QString::number(purple)));
    }

    void pdfIsAPdf()
    {
        const Renderer r(m_src);
        QString error;
        const QByteArray pdf = r.encode(RenderFormat::Pdf, RenderOptions(), &error);
        QVERIFY2(!pdf.isEmpty(), qPrintable(error));
        keep(QStringLiteral("kill-while-processing.pdf"), pdf);
        QVERIFY(pdf.startsWith("%PDF-"));
        QVERIFY(pdf.size() > 2000);
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
    }

    void pngIsDeterministic()
    {
        const Renderer r(m_src);
        RenderOptions o;
        o.width = 1200;
        o.height = 700;
        const QByteArray a = r.encode(RenderFormat::Png, o);
        const QByteArray b = Renderer(m_src).encode(RenderFormat::Png, o);
        QVERIFY(!a.isEmpty());
        QVERIFY(a == b);
        keep(QStringLiteral("kill-while-processing.png"),
             Renderer(m_src).encode(RenderFormat::Png, RenderOptions()));
        QImage img;
        QVERIFY(img.loadFromData(a, "PNG"));
        QCOMPARE(img.size(), QSize(1200, 700));
    }

    void stepRangeNarrowsTheView()
    {
        const Renderer r(m_src);
        RenderOptions o;
        o.axis = sim::Axis::Step;
        o.from = 5;
        o.to = 10;
        // steps 5..10 from the start of step 5, with 1% of room either side
        const Renderer::Placement pl = r.placement(o);
        QCOMPARE(pl.map.lower, 4.0 - 0.06);
        QCOMPARE(pl.map.upper, 10.0 + 0.06);
        o.axis = sim::Axis::Time;
        const Renderer::Placement pt = r.placement(o);
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (uint64_t k = 5; k <= 10; ++k) {
            lo = std::min(lo, m_src.timeline->step(k).startNs);
            hi = std::max(hi, m_src.timeline->step(k).endNs);
        }
        const double pad = double(hi - lo) * 0.01;
        QCOMPARE(pt.map.lower, double(lo) - pad);
        QCOMPARE(pt.map.upper, double(hi) + pad);
    }

    // The window's cursor is drawn where it is, and does not move the
    // picture: the app exported steps 3 to 18 when 5 to 10 were asked with
    // the cursor elsewhere (the plot followed the cursor), unlike
    // `teescope-cli render`.
    void cursorDoesNotMoveTheRange()
    {
        const Renderer r(m_src);
        for (const sim::Axis axis : {sim::Axis::Time, sim::Axis::Step}) {
            RenderOptions o;
            o.axis = axis;
            o.from = 5;
            o.to = 10;
            const Renderer::Placement without = r.placement(o);
            for (const uint64_t cursor : {uint64_t(1), uint64_t(7), m_src.timeline->stepCount()}) {
                o.cursorStep = cursor;
                const Renderer::Placement with = r.placement(o);
                QCOMPARE(with.map.lower, without.map.lower);
                QCOMPARE(with.map.upper, without.map.upper);
            }
        }
    }

    // The title names the steps asked for, not every step that overlaps
    // them in time (it said "steps 9 to 19" for 10 to 12); and an SVG, which
    // keeps no clip, has no refcount line outside the picture (the lines
    // ran from x = -258 to 4608 over the axis labels).
    void partOfARunInSvg()
    {
        const Renderer r(m_src);
        RenderOptions o;
        o.from = 5;
        o.to = 8;
        QString error;
        const QByteArray svg = r.encode(RenderFormat::Svg, o, &error);
        QVERIFY2(!svg.isEmpty(), qPrintable(error));
        QVERIFY(svg.contains(QStringLiteral("kill-while-processing (steps 5 to 8 of %1; merged "
                                            "design): ")
                                 .arg(m_src.timeline->stepCount())
                                 .toUtf8()));
        const Renderer::Geometry g = r.geometry(o);
        int lines = 0;
        for (qsizetype at = svg.indexOf("points=\""); at >= 0;
             at = svg.indexOf("points=\"", at + 1)) {
            const qsizetype end = svg.indexOf('"', at + 8);
            for (const QByteArray &pt : svg.mid(at + 8, end - at - 8).simplified().split(' ')) {
                const double x = pt.split(',').value(0).toDouble();
                QVERIFY2(x >= 0 && x <= o.width, pt.constData());
            }
            ++lines;
        }
        QVERIFY(lines > 0);
        QVERIFY(!g.refcounts.isEmpty());
    }

    // A picture too small for every lane, even without the refcount plot
    // and the legend, collapses groups from the last up (each to its header
    // row, which counts its lanes) instead of cutting lanes off the bottom
    // with no sign (three-clients-two-supplicants at 400 x 300 lost its
    // requests under the axis; an export audit). A picture that fits
    // collapses nothing, and the threads always stay open.
    void smallPictureCollapsesGroupsInsteadOfCutting()
    {
        const TimelineSource src = renderfixture::builtin("three-clients-two-supplicants");
        QVERIFY(src.valid());
        const Renderer r(src);
        RenderOptions o;
        const Renderer::Geometry roomy = r.geometry(o);
        QVERIFY(roomy.groups.empty());
        o.width = 400;
        o.height = 300;
        const Renderer::Geometry g = r.geometry(o);
        QVERIFY(g.refcounts.isEmpty() && g.legend.isEmpty());
        QVERIFY(std::find(g.groups.begin(), g.groups.end(), std::pair{LaneGroup::Requests, true}) !=
                g.groups.end());
        QVERIFY(std::find(g.groups.begin(), g.groups.end(), std::pair{LaneGroup::Threads, true}) ==
                g.groups.end());
        LaneLayout layout(src.timeline->lanes());
        for (const auto &[group, collapsed] : g.groups)
            layout.setCollapsed(group, collapsed);
        layout.setRowHeight(g.rowHeight);
        layout.setHeaderHeight(g.rowHeight);
        QVERIFY2(layout.contentHeight() <= g.timeline.height(),
                 qPrintable(QStringLiteral("%1 rows of %2 px in %3 px")
                                .arg(layout.rowCount())
                                .arg(g.rowHeight)
                                .arg(g.timeline.height())));
        // and the picture shows the request group's header
        const QByteArray svg = r.encode(RenderFormat::Svg, o);
        QVERIFY(svg.contains("requests (3)"));
    }

    // Notes on neighbouring steps do not draw their labels over each other
    // (an export audit: two labels were one blur): where a whole label
    // would cover an earlier one it goes to the other side of its line,
    // else the pen glyph alone, else none; the caption lists both in full.
    void noteLabelsDoNotOverlap()
    {
        const Renderer r(m_src);
        RenderOptions o;
        o.width = 600;
        o.notes = {{3, "alpha alpha alpha alpha alpha alpha", {}},
                   {4, "bravo bravo bravo bravo bravo bravo", {}}};
        const QByteArray svg = r.encode(RenderFormat::Svg, o);
        QVERIFY(svg.contains("step 3: alpha") && svg.contains("step 4: bravo")); // captions
        const bool alpha = svg.contains("✎ alpha"), bravo = svg.contains("✎ bravo");
        QVERIFY2(alpha && !bravo, "both labels drawn where they overlap, or the first missing");
        // far apart, both are drawn whole
        o.width = 1600;
        o.notes = {{3, "alpha", {}}, {uint64_t(m_src.timeline->stepCount()), "bravo", {}}};
        const QByteArray wide = r.encode(RenderFormat::Svg, o);
        QVERIFY(wide.contains("✎ alpha") && wide.contains("✎ bravo"));
    }

    // The title says which design the picture shows: a picture attached
    // to a review could not tell argument=none from the merged driver.
    void titleNamesTheDesign()
    {
        std::string error;
        const auto sc = tee::sim::loadBuiltin("srcu-vs-lock", &error);
        QVERIFY2(sc, error.c_str());
        Variant v;
        QVERIFY(v.set("argument=none").empty());
        auto sim = std::make_shared<const tee::sim::Simulator>(sc, v);
        tee::sim::RunOptions opts;
        opts.policy = sc->policy;
        auto trace = std::make_shared<tee::sim::Trace>(tee::sim::run(*sim, opts, &error));
        const Renderer r(TimelineSource::build(sim, trace));
        const QByteArray svg = r.encode(RenderFormat::Svg, RenderOptions{});
        QVERIFY(svg.contains("; argument=none): "));
        // ... and the first violation in the steps shown, in words (a
        // picture has no tooltip; the explore note's label is cut short),
        // and which branch, when the window shows one
        QVERIFY(svg.contains("I12 at step 14: app/suppl reads arg 1 of req#0"));
        QVERIFY(svg.contains("(and 3 more in these steps)"));
        RenderOptions o;
        o.to = 13; // before it: no caption
        o.context = "branch 2, leaves main after step 4";
        const QByteArray before = r.encode(RenderFormat::Svg, o);
        QVERIFY(!before.contains("I12 at step"));
        QVERIFY(before.contains("; argument=none; branch 2, leaves main after step 4): "));
    }

    // A violation and a gap at one step of one lane both show: first-smc-
    // fails' I4 and gap 3 on obj1 at step 6. The triangle was painted over
    // the diamond, which showed as an orange fringe (an app audit); the
    // diamond now sits right of the triangle.
    void violationAndGapAtOneStepBothShow()
    {
        const TimelineSource src = renderfixture::builtin("first-smc-fails");
        QVERIFY(src.valid());
        const uint32_t obj1 = renderfixture::lane(src, sim::LaneKind::Object, 1);
        QVERIFY(obj1 != sim::kNone);
        RenderOptions o;
        o.axis = sim::Axis::Step;
        const Renderer r(src);
        const QImage img = r.image(o);
        const Renderer::Placement pl = r.placement(o);
        const QRectF row = pl.laneBars[obj1];
        QVERIFY(!row.isEmpty());
        const double x =
            pl.map.toPixel(double(TimeMapping::stepEnd(*src.timeline, 6, sim::Axis::Step)));
        const QRectF around(x - 20, row.top(), 40, row.height());
        const Palette print = Palette::print();
        const double violation = share(img, around, print.fill(Meaning::ViolationMark));
        const double gap = share(img, around, print.fill(Meaning::GapMark));
        QVERIFY2(violation > 0.03 && gap > 0.03,
                 qPrintable(QStringLiteral("violation %1, gap %2").arg(violation).arg(gap)));
    }

    // A picture lists the notes on its steps in full under the title: on
    // the timeline a label is cut at 48 characters, and a picture has no
    // tooltip (an app audit: explore's note on an exported counterexample
    // ended "req#0 (c..."). Notes outside the steps are left out, and past
    // three a line counts the rest.
    void picturesListTheirNotesInFull()
    {
        const Renderer r(m_src);
        // (longer than the picture is wide: it wraps, and its last word shows)
        std::string longNote = "the client is killed here while the supplicant still "
                               "reads its arguments under reqs_lock: see T8 in spec 2.5;";
        while (longNote.size() < 260)
            longNote += " and the placeholder keeps its id";
        longNote += " finally";
        RenderOptions o;
        o.notes = {{3, longNote, {}}, {m_src.timeline->stepCount(), "last", {}}};
        o.from = 1;
        o.to = 5;
        o.width = 900;
        QByteArray svg = r.encode(RenderFormat::Svg, o);
        QVERIFY(svg.contains("step 3: the client is killed here"));
        QVERIFY(svg.contains("finally"));
        QVERIFY(!svg.contains("last"));
        const Renderer::Geometry with = r.geometry(o);
        QVERIFY(with.noteLines.size() >= 2);
        QVERIFY(with.noteLines.size() <= 3);
        QCOMPARE(with.noteLines.join(QLatin1Char(' ')),
                 QStringLiteral("\u270E step 3: ") + QString::fromStdString(longNote));
        o.notes.clear();
        QVERIFY(r.geometry(o).title.height() < with.title.height());
        for (uint64_t step = 1; step <= 5; ++step)
            o.notes.push_back({step, "note " + std::to_string(step), {}});
        const Renderer::Geometry five = r.geometry(o);
        QCOMPARE(five.noteLines.size(), 4);
        QCOMPARE(five.noteLines.last(), QStringLiteral("(and 2 more notes in these steps)"));
        svg = r.encode(RenderFormat::Svg, o);
        QVERIFY(svg.contains("step 3: note 3"));
        QVERIFY(!svg.contains("step 4: note 4"));
        // a note before the first step, and one on an entity, say so as the
        // text timeline does
        o.notes = {{0, "from the start", {}}, {2, "this one", "obj1"}};
        const QStringList lines = r.geometry(o).noteLines;
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0], QStringLiteral("\u270E before step 1: from the start"));
        QCOMPARE(lines[1], QStringLiteral("\u270E step 2 on obj1: this one"));
    }

    // Every built-in draws (kept as PNGs when TEESCOPE_RENDER_OUT is set, to
    // look at them); stress at 2000 steps with its groups collapsed.
    void everyBuiltinRenders()
    {
        for (const tee::sim::BuiltinInfo &b : tee::sim::builtinScenarios()) {
            const TimelineSource src =
                renderfixture::builtin(b.name.c_str(), b.name == "stress" ? 2000 : 0);
            QVERIFY2(src.valid(), b.name.c_str());
            RenderOptions o;
            const QImage img = Renderer(src).image(o);
            QCOMPARE(img.size(), QSize(o.width, o.height));
            // not blank: several of the palette's fills are there
            const Palette print = Palette::print();
            std::set<QRgb> seen;
            for (int y = 0; y < img.height(); y += 2)
                for (int x = 0; x < img.width(); x += 2)
                    seen.insert(img.pixel(x, y) & 0xffffff);
            int fills = 0;
            for (int m = 0; m < int(Meaning::GroupBusy); ++m)
                fills += seen.count(print.fill(Meaning(m)).rgb() & 0xffffff) ? 1 : 0;
            QVERIFY2(fills >= 4, b.name.c_str());
            QByteArray bytes;
            if (!qEnvironmentVariableIsEmpty("TEESCOPE_RENDER_OUT")) {
                QBuffer buf(&bytes);
                buf.open(QIODevice::WriteOnly);
                img.save(&buf, "PNG");
                keep(QString::fromStdString(b.name) + QStringLiteral(".png"), bytes);
                o.axis = sim::Axis::Step;
                keep(QString::fromStdString(b.name) + QStringLiteral("-steps.png"),
                     Renderer(src).encode(RenderFormat::Png, o));
            }
        }
    }

    void writesAtomically()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const Renderer r(m_src);
        for (const char *name : {"t.png", "t.svg", "t.pdf"}) {
            const QString path = dir.filePath(QString::fromLatin1(name));
            const auto format = Renderer::formatOf(path);
            QVERIFY(format.has_value());
            QString error;
            QVERIFY2(r.write(path, *format, RenderOptions(), &error), qPrintable(error));
            QVERIFY(QFileInfo(path).size() > 1000);
        }
        // nothing left beside the files (the temporary ones were renamed)
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 3);
        QVERIFY(!Renderer::formatOf(QStringLiteral("x.txt")).has_value());
        // a directory that does not exist: an error naming the file, nothing written
        QString error;
        QVERIFY(!r.write(dir.filePath(QStringLiteral("no/such/dir/t.png")), RenderFormat::Png,
                         RenderOptions(), &error));
        QVERIFY2(error.contains(QStringLiteral("t.png")), qPrintable(error));
    }
};

QTEST_MAIN(TestRenderer)
#include "tst_renderer.moc"
