// The real MainWindow offscreen (open, title, table, status), and the
// teescope binary's exit codes: a bad scenario gives 2 and a message naming
// it, never a modal box that would hang without a display.
#include "app/explorer.h"
#include "app/mainwindow.h"
#include "app/models/contextsmodel.h"
#include "app/models/eventfiltermodel.h"
#include "app/models/eventlogmodel.h"
#include "app/models/objectsmodel.h"
#include "app/models/requestsmodel.h"
#include "app/models/rundocument.h"
#include "app/models/threadsmodel.h"
#include "app/models/violationsmodel.h"
#include "app/render/qcustomplot_p.h"
#include "app/render/refcountplot.h"
#include "app/render/timelineplot.h"
#include "app/steppanel.h"
#include "core/vocabulary.h"
#include "simulator/explore.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSpinBox>
#include <QTimer>

#include <QFileInfo>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>

#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QProcess>
#include <QProcessEnvironment>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QWheelEvent>

#include <thread>

namespace {

uint64_t stepOf(const RunDocument &doc, tee::EventKind kind)
{
    for (const tee::Event &e : doc.trace().events)
        if (e.kind == kind)
            return e.step;
    return 0;
}

const QAbstractItemModel *table(const MainWindow &window, const char *name)
{
    auto *view = window.inspectors()->findChild<QTableView *>(QLatin1String(name));
    return view ? view->model() : nullptr;
}

// The inspectors at the cursor against the engine's own State after exactly
// that many steps of the schedule.
void checkAgainstEngine(const MainWindow &window)
{
    const RunDocument &doc = *window.document();
    const tee::sim::Simulator &sim = *doc.simulator();
    tee::State s = sim.initialState();
    tee::EventList scratch;
    const std::vector<std::string> prefix(doc.trace().schedule.begin(),
                                          doc.trace().schedule.begin() + long(doc.cursor()));
    std::string error;
    const tee::sim::Trace replayed = tee::sim::replay(sim, prefix, &error);
    QVERIFY2(error.empty(), error.c_str());
    const tee::State &st = replayed.final;
    const QAbstractItemModel *objects = table(window, "objects");
    QCOMPARE(objects->rowCount(), int(st.objects.size()));
    for (const tee::KObject &o : st.objects) {
        bool found = false;
        for (int r = 0; r < objects->rowCount(); ++r)
            if (objects->index(r, ObjectsModel::Object).data().toString() ==
                QString::fromStdString(tee::vocab::object(o.id))) {
                found = true;
                QCOMPARE(objects->index(r, ObjectsModel::Refcount).data().toInt(),
                         int(o.refcount()));
            }
        QVERIFY2(found, tee::vocab::object(o.id).c_str());
    }
    int live = 0;
    for (const tee::Request &r : st.requests)
        live += r.state != tee::ReqState::Removed;
    QCOMPARE(table(window, "requests")->rowCount(), live);
    (void)s;
    (void)scratch;
}

// PNG, SVG and PDF of the run on screen: the PNG has the asked size, the
// SVG carries the lane and state names as text, the PDF is a PDF.
void exportsHold(MainWindow &window, const QStringList &words)
{
    QTemporaryDir dir;
    tee::render::RenderOptions o;
    o.width = 1200;
    o.height = 800;
    QString error;
    const QString png = dir.filePath(QStringLiteral("t.png"));
    const QString svg = dir.filePath(QStringLiteral("t.svg"));
    const QString pdf = dir.filePath(QStringLiteral("t.pdf"));
    QVERIFY2(window.exportPicture(png, o, &error), qPrintable(error));
    QVERIFY2(window.exportPicture(svg, o, &error), qPrintable(error));
    QVERIFY2(window.exportPicture(pdf, o, &error), qPrintable(error));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1200, 800));
    QFile s(svg);
    QVERIFY(s.open(QIODevice::ReadOnly));
    const QByteArray text = s.readAll();
    for (const QString &w : words)
        QVERIFY2(text.contains(w.toUtf8()), qPrintable(w));
    QFile p(pdf);
    QVERIFY(p.open(QIODevice::ReadOnly));
    QVERIFY(p.read(5) == "%PDF-");
    QVERIFY(!window.exportPicture(dir.filePath(QStringLiteral("t.bmp")), o, &error));
    QVERIFY2(error.contains(QLatin1String("t.bmp")), qPrintable(error));
    QVERIFY2(window.exportText(dir.filePath(QStringLiteral("t.txt")), &error), qPrintable(error));
    QVERIFY2(window.exportChrome(dir.filePath(QStringLiteral("t.json")), &error),
             qPrintable(error));
}

// The status bar's Cancel button (loads and searches share it).
QPushButton *cancelButton(const MainWindow &window)
{
    for (QPushButton *b : window.statusBar()->findChildren<QPushButton *>())
        if (b->text() == QLatin1String("Cancel"))
            return b;
    return nullptr;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Recent files and window state go to a test location, not the user's.
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void opensDefault()
    {
        MainWindow window;
        // no run: no refcount plot (an empty one drew its ticks on top of
        // each other, "0.0000.0040.008"; a guide audit)
        QVERIFY(window.refcountPlot()->isHidden());
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("default"), &error), qPrintable(error));
        QVERIFY(!window.refcountPlot()->isHidden());
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("teescope — ")));
        QVERIFY(window.eventLogModel()->rowCount() > 0);
        QCOMPARE(window.eventLogView()->model(), window.eventFilter());
        QCOMPARE(window.inspectors()->count(), 4);
        // The status bar: step N of M, time, violations, variant, policy.
        const QString summary = window.summary();
        QVERIFY2(summary.startsWith(QStringLiteral("step 0 of 20")), qPrintable(summary));
        QVERIFY2(summary.contains(QLatin1String("request=fifo")), qPrintable(summary));
        bool shown = false;
        for (const QLabel *label : window.statusBar()->findChildren<QLabel *>())
            shown = shown || label->text() == summary;
        QVERIFY2(shown, "the status bar does not show the summary");
        QVERIFY2(!summary.contains(QLatin1String("stuck")), qPrintable(summary));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
    }

    // The keys step at once (the guide's first step), as the app starts:
    // the window shown, then the run loaded. The focus was in the
    // inspectors' filter, whose line edit took Left and Right for itself.
    void keysStepFromTheStart()
    {
        MainWindow window;
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("default"), &error), qPrintable(error));
        QWidget *focus = QApplication::focusWidget();
        QVERIFY(focus);
        QVERIFY2(!qobject_cast<QLineEdit *>(focus), focus->metaObject()->className());
        QTest::keyClick(focus, Qt::Key_Right);
        QTest::keyClick(focus, Qt::Key_Right);
        QVERIFY2(window.summary().startsWith(QStringLiteral("step 2 of 20")),
                 qPrintable(window.summary()));
    }

    // Cancel stops a long background run at its next step: the window can
    // load again at once, and closing it does not wait for the run's end.
    // Without it, this run (stress for 2 M steps) takes seconds in a
    // release build and a minute under ASan.
    void cancelStopsTheRun()
    {
        QFile in(QStringLiteral(":/scenarios/stress.json"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QJsonObject o = QJsonDocument::fromJson(in.readAll()).object();
        QVERIFY(!o.isEmpty());
        o[QStringLiteral("max_steps")] = 2'000'000;
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("long.json"));
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(o).toJson());
        out.close();

        MainWindow window;
        window.openPathInBackground(path);
        QVERIFY(window.loading());
        // the status bar counts the run's steps against its bound (it was a
        // busy indicator only; an app audit)
        auto *bar = window.findChild<QProgressBar *>();
        QVERIFY(bar);
        QTRY_COMPARE_WITH_TIMEOUT(bar->maximum(), 2'000'000, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(bar->value() > 0, 5000);
        const auto status = [&window] {
            for (const QLabel *l : window.statusBar()->findChildren<QLabel *>())
                if (l->text().contains(QLatin1String("of at most 2,000,000")))
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(status(), 5000);
        QPushButton *cancel = cancelButton(window);
        QVERIFY(cancel);
        QVERIFY(!cancel->isHidden());
        cancel->click();
        QVERIFY(cancel->isHidden());
        QTRY_VERIFY_WITH_TIMEOUT(!window.loading(), 5000);
        QVERIFY(window.document()->isEmpty()); // the cancelled run is dropped
        QVERIFY(window.refcountPlot()->isHidden());

        // The loader itself, stopped mid-run: no run comes back, whatever
        // the machine's speed (a finished run would).
        std::atomic<bool> stop{false};
        QString error;
        std::unique_ptr<RunDocument::Run> run;
        tee::sim::RunProgress progress;
        std::thread loader(
            [&] { run = RunDocument::loadScenario(path, &error, &stop, &progress); });
        QTest::qWait(100);
        stop.store(true);
        loader.join();
        QVERIFY(!run);
        QCOMPARE(error, QStringLiteral("cancelled"));
        QCOMPARE(progress.of.load(), uint64_t(2'000'000));
        QVERIFY(progress.steps.load() > 0);
        QVERIFY(progress.steps.load() < progress.of.load());
        // a run to its end says so, with its length (the window then says
        // it lays the timeline out)
        tee::sim::RunProgress whole;
        const std::unique_ptr<RunDocument::Run> small =
            RunDocument::loadScenario(QStringLiteral("default"), &error, nullptr, &whole);
        QVERIFY(small);
        QVERIFY(whole.done.load());
        QCOMPARE(whole.steps.load(), uint64_t(small->timeline.stepCount()));
    }

    // A run that ends stuck says so in the status bar, at every step.
    void statusSaysStuck()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("missed-wakeup"), &error), qPrintable(error));
        const QString summary = window.summary();
        QVERIFY2(summary.startsWith(QStringLiteral("step 0 of 13")), qPrintable(summary));
        QVERIFY2(summary.contains(QLatin1String("0 violations")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("0 violations · ends stuck · request=")),
                 qPrintable(summary));
        // at the last step, who waits on what (as the CLI's stop line)
        RunDocument *doc = window.document();
        doc->setCursor(doc->stepCount());
        const QString last = window.summary();
        QVERIFY(!doc->trace().stopDetail.empty());
        // before the design and the policy, which a long detail pushed out
        // of a 1600-pixel window (a guide audit)
        QVERIFY2(last.contains(QStringLiteral(" violations · ends stuck: ") +
                               QString::fromStdString(doc->trace().stopDetail) +
                               QStringLiteral(" · request=")),
                 qPrintable(last));
    }

    // Every panel can be shown again from View > Panels after its close
    // button hid it (only the docks' context menu did; an app audit).
    void panelsComeBackFromTheViewMenu()
    {
        MainWindow window;
        QMenu *panels = nullptr;
        for (QMenu *m : window.menuBar()->findChildren<QMenu *>())
            if (m->title() == QLatin1String("&Panels"))
                panels = m;
        QVERIFY(panels);
        const auto docks = window.findChildren<QDockWidget *>();
        QCOMPARE(panels->actions().size(), docks.size());
        for (QDockWidget *dock : docks) {
            dock->close();
            QVERIFY(!dock->toggleViewAction()->isChecked());
            QVERIFY(panels->actions().contains(dock->toggleViewAction()));
            dock->toggleViewAction()->trigger();
            QVERIFY(!dock->isHidden());
        }
    }

    // A capture of another model version says so in the status bar (it
    // opened as if it were this model's; the CLI's replay said it).
    void statusNamesAnotherModelVersion()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral(TEESCOPE_TEST_DATA "/captures/model1-default.json"),
                                 &error),
                 qPrintable(error));
        const QString old = window.summary();
        QVERIFY2(
            old.contains(QStringLiteral(" · recorded with model version 1, this teescope has %1")
                             .arg(tee::kModelVersion)),
            qPrintable(old));
        QVERIFY2(window.openPath(QStringLiteral("default"), &error), qPrintable(error));
        QVERIFY2(!window.summary().contains(QLatin1String("recorded with model version")),
                 qPrintable(window.summary()));
    }

    // Every column of an inspector starts in view: device-removal's long
    // state ("blocked: every context released (tee_device_unregister,
    // uninterruptible)") pushed "Waits on" and "Holds" out of it (a guide
    // audit).
    void inspectorColumnsStayInView()
    {
        MainWindow window;
        window.resize(1500, 920);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("device-removal"), &error), qPrintable(error));
        window.document()->setCursor(12);
        auto *threads = qobject_cast<QTableView *>(window.inspectors()->widget(0));
        QVERIFY(threads);
        const int last = threads->model()->columnCount() - 1;
        QVERIFY(last >= 3);
        QVERIFY2(threads->columnViewportPosition(last) < threads->viewport()->width(),
                 qPrintable(QStringLiteral("%1 >= %2")
                                .arg(threads->columnViewportPosition(last))
                                .arg(threads->viewport()->width())));
    }

    void badScenarioLeavesWindowAlone()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("default"), &error));
        const QString title = window.windowTitle();
        const int rows = window.eventLogModel()->rowCount();
        const QString missing = QStringLiteral("/nonexistent/teescope-no-such-scenario.json");
        QVERIFY(!window.openPath(missing, &error));
        QVERIFY2(error.contains(QStringLiteral("teescope-no-such-scenario")), qPrintable(error));
        QCOMPARE(window.windowTitle(), title);
        QCOMPARE(window.eventLogModel()->rowCount(), rows);
    }

    // kill-while-processing: move to the kill, see the request become the
    // placeholder with the client's thread killed, the inspectors agree with
    // the engine at that step, and the exports hold what the screen shows.
    void killWhileProcessing()
    {
        MainWindow window;
        window.resize(1600, 1000);
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("kill-while-processing"), &error),
                 qPrintable(error));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        RunDocument *doc = window.document();
        const uint64_t kill = stepOf(*doc, tee::EventKind::Killed);
        QVERIFY(kill > 0);
        // Step there with the keyboard, as a person would.
        for (uint64_t k = 0; k < kill; ++k)
            QTest::keyClick(&window, Qt::Key_Right);
        QCOMPARE(doc->cursor(), kill);
        QVERIFY(window.summary().startsWith(QStringLiteral("step %1 of").arg(kill)));
        // The killable wait ends, then the kill path leaves the placeholder.
        QTest::keyClick(&window, Qt::Key_Right);
        QTest::keyClick(&window, Qt::Key_Right);
        const QAbstractItemModel *requests = table(window, "requests");
        QVERIFY(requests);
        QString state;
        for (int r = 0; r < requests->rowCount(); ++r)
            if (requests->index(r, RequestsModel::Request)
                    .data()
                    .toString()
                    .startsWith(QLatin1String("req#0")))
                state = requests->index(r, RequestsModel::State).data().toString();
        QCOMPARE(state, QStringLiteral("PLACEHOLDER"));
        const QAbstractItemModel *threads = table(window, "threads");
        bool killed = false;
        for (int r = 0; r < threads->rowCount(); ++r)
            if (threads->index(r, ThreadsModel::Name).data().toString() ==
                QLatin1String("app/client"))
                killed = threads->index(r, ThreadsModel::State)
                             .data()
                             .toString()
                             .contains(QLatin1String("killed"));
        QVERIFY(killed);
        checkAgainstEngine(window);
        // The event log followed the cursor.
        const QModelIndex current = window.eventLogView()->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(*window.eventFilter()->stepAt(current.row()), doc->cursor());
        exportsHold(window, {QStringLiteral("app/client"), QStringLiteral("PLACEHOLDER")});
    }

    // Clicking a lane's name filters the event log and leaves the cursor
    // where it is (it jumped to the entity's next event, step 10 -> 15);
    // clearing the filter selects the cursor's rows again.
    void laneFilterKeepsTheCursor()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("kill-while-processing"), &error),
                 qPrintable(error));
        RunDocument *doc = window.document();
        doc->setCursor(10);
        const auto logStep = [&window]() -> uint64_t {
            const QModelIndex current = window.eventLogView()->currentIndex();
            return current.isValid() ? *window.eventFilter()->stepAt(current.row()) : 0;
        };
        QCOMPARE(logStep(), uint64_t(10));
        Q_EMIT window.timelinePlot()->laneActivated({tee::sim::LaneKind::Object, 0});
        QCOMPARE(doc->cursor(), uint64_t(10));
        QVERIFY(logStep() <= 10); // the entity's rows up to the cursor
        QPushButton *only = nullptr;
        for (QPushButton *b : window.findChildren<QPushButton *>())
            if (b->text().startsWith(QLatin1String("Only ")))
                only = b;
        QVERIFY(only);
        only->click();
        QCOMPARE(doc->cursor(), uint64_t(10));
        QCOMPARE(logStep(), uint64_t(10));
    }

    // The refcount plot follows the object a reviewer picks: its lane's
    // label, or its row in the Objects inspector, puts its line first.
    void refcountPlotFollowsThePickedObject()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("stress"), &error), qPrintable(error));
        RunDocument *doc = window.document();
        tee::render::RefcountPlot *plot = window.refcountPlot();
        const auto before = plot->objects();
        QCOMPARE(before.size(), size_t(4));
        // a lane's label: an object not shown yet
        const tee::sim::Timeline &tl = *window.timelinePlot()->source().timeline;
        const auto [b, e] = tl.lanesOfKind(tee::sim::LaneKind::Object);
        QVERIFY(e - b > 8);
        const tee::sim::LaneKey key = tl.lanes()[e - 1].key;
        QVERIFY(std::find(before.begin(), before.end(), tee::ObjectId(int32_t(key.id))) ==
                before.end());
        Q_EMIT window.timelinePlot()->laneActivated(key);
        QCOMPARE(plot->objects().front(), tee::ObjectId(int32_t(key.id)));
        QCOMPARE(plot->objects().size(), size_t(4));
        // a row of the Objects inspector
        auto *view = window.findChild<QTableView *>(QStringLiteral("objects"));
        QVERIFY(view);
        // the cursor moving (rows come and go) picks nothing
        doc->setCursor(doc->stepCount() / 2);
        const auto shown = plot->objects();
        QVERIFY(view->model()->rowCount() > 1);
        view->setCurrentIndex(view->model()->index(0, 0));
        doc->setCursor(doc->stepCount() / 2 + 50);
        QCOMPARE(plot->objects(), shown);
        QVERIFY(view->model()->rowCount() > 1);
        const QModelIndex row = view->model()->index(1, 0);
        const auto picked = tee::ObjectId(row.data(ObjectsModel::IdRole).toInt());
        Q_EMIT view->clicked(row);
        QCOMPARE(plot->objects().front(), picked);
        QCOMPARE(plot->graphCount(), 4);
        // picked again after another object: first again
        Q_EMIT window.timelinePlot()->laneActivated(key);
        Q_EMIT view->clicked(row);
        QCOMPARE(plot->objects().front(), picked);
    }

    // close-context-async-release: the context closes, the release worker
    // runs; the inspectors follow; clicking the timeline moves the cursor.
    void closeContextAsyncRelease()
    {
        MainWindow window;
        window.resize(1600, 1000);
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("close-context-async-release"), &error),
                 qPrintable(error));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        RunDocument *doc = window.document();
        const uint64_t closed = stepOf(*doc, tee::EventKind::ContextClosed);
        QVERIFY(closed > 0);
        doc->setCursor(closed);
        const QAbstractItemModel *contexts = table(window, "contexts");
        bool isClosed = false;
        for (int r = 0; r < contexts->rowCount(); ++r)
            isClosed = isClosed || contexts->index(r, ContextsModel::State)
                                       .data()
                                       .toString()
                                       .contains(QLatin1String("closed"));
        QVERIFY(isClosed);
        checkAgainstEngine(window);
        const uint64_t work = stepOf(*doc, tee::EventKind::WorkStarted);
        QVERIFY(work > closed);
        doc->setCursor(work);
        checkAgainstEngine(window);
        // A click on the worker's lane selects a step on it.
        tee::render::TimelinePlot *plot = window.timelinePlot();
        plot->replotNow();
        const uint32_t lane =
            doc->timeline().laneOf({tee::sim::LaneKind::Thread, doc->timeline().threadCount() - 1});
        const QRectF bar = plot->laneBarRect(lane);
        QVERIFY(bar.isValid());
        QSignalSpy clicked(plot, &tee::render::TimelinePlot::stepClicked);
        QTest::mouseClick(plot->plotWidget(), Qt::LeftButton, {},
                          QPointF(bar.right() - 3, bar.center().y()).toPoint());
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(doc->cursor(), clicked.at(0).at(0).toULongLong());
        exportsHold(window, {QStringLiteral("qcomtee_wq"), QStringLiteral("ctx1")});
    }

    // srcu-vs-lock: the kill path waits for reqs_lock held by the supplicant.
    void srcuVsLock()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("srcu-vs-lock"), &error), qPrintable(error));
        RunDocument *doc = window.document();
        uint64_t wait = 0;
        for (const tee::Event &e : doc->trace().events)
            if (e.kind == tee::EventKind::Blocked && e.value == int32_t(tee::BlockReason::Lock)) {
                wait = e.step;
                break;
            }
        QVERIFY(wait > 0);
        doc->setCursor(wait);
        const QAbstractItemModel *threads = table(window, "threads");
        QString waits;
        for (int r = 0; r < threads->rowCount(); ++r)
            if (threads->index(r, ThreadsModel::Name).data().toString() ==
                QLatin1String("app/client"))
                waits = threads->index(r, ThreadsModel::WaitsOn).data().toString();
        QVERIFY2(waits.contains(QLatin1String("reqs_lock")) &&
                     waits.contains(QLatin1String("app/suppl")),
                 qPrintable(waits));
        checkAgainstEngine(window);
    }

    // The cursor at a violation brings its mark's lane (a request's, an
    // object's) into view, not only the acting thread's: on a laptop's
    // screen the mark was below the thread lanes (an app audit).
    void violationLaneComesIntoView()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("request-id-reuse"), &error), qPrintable(error));
        window.resize(1000, 560);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        RunDocument *doc = window.document();
        const tee::sim::Timeline &tl = doc->timeline();
        uint32_t lane = tee::sim::kNone;
        uint64_t step = 0;
        for (const tee::sim::Instant &in : tl.instants())
            if (in.kind == tee::sim::InstantKind::Violation && in.lane != tee::sim::kNone &&
                tl.lanes()[in.lane].key.kind != tee::sim::LaneKind::Thread &&
                (!step || in.step < step)) {
                step = in.step;
                lane = in.lane;
            }
        QVERIFY(step > 0);
        tee::render::TimelinePlot *plot = window.timelinePlot();
        const auto inView = [&] {
            const tee::render::LaneLayout &l = plot->laneLayout();
            const int row = l.rowOfLane(lane);
            const int top = l.rowTop(row), bottom = top + l.rowHeightOf(row);
            return row >= 0 && top >= plot->scrollY() &&
                   bottom <= plot->scrollY() + int(plot->lanesRect().height()) + 1;
        };
        plot->setScrollY(0);
        QCoreApplication::processEvents();
        QVERIFY2(!inView(), "the lane is in view anyway: the test shows nothing");
        doc->setCursor(step);
        QCoreApplication::processEvents();
        QVERIFY(inView());
    }

    // A capture opens at its first violation; the violations panel jumps.
    void captureOpensAtViolation()
    {
        QTemporaryDir dir;
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("request-id-reuse"), &error));
        const QString path = dir.filePath(QStringLiteral("reuse.json"));
        QVERIFY2(window.saveCapture(path, &error), qPrintable(error));
        MainWindow other;
        QVERIFY2(other.openPath(path, &error), qPrintable(error));
        const uint64_t violation = *other.document()->firstViolationStep();
        QCOMPARE(other.document()->cursor(), violation);
        other.document()->setCursor(0);
        QTableView *violations = other.violationsView();
        QVERIFY(violations->model()->rowCount() >= 1);
        int row = 0;
        while (violations->model()->index(row, ViolationsModel::Kind).data().toString() !=
               QLatin1String("violation"))
            ++row;
        other.show();
        QVERIFY(QTest::qWaitForWindowExposed(&other));
        const QRect cell = violations->visualRect(violations->model()->index(row, 0));
        QTest::mouseClick(violations->viewport(), Qt::LeftButton, {}, cell.center());
        QCOMPARE(other.document()->cursor(), violation);
        QVERIFY(other.recentFiles().contains(QFileInfo(path).absoluteFilePath()));
        // saved with the cursor at a step, it opens there again
        other.document()->setCursor(3);
        const QString at3 = dir.filePath(QStringLiteral("at3.json"));
        QVERIFY2(other.saveCapture(at3, &error), qPrintable(error));
        MainWindow third;
        QVERIFY2(third.openPath(at3, &error), qPrintable(error));
        QCOMPARE(third.document()->cursor(), uint64_t(3));

        // A capture that names its focus step opens there; one past the
        // schedule is refused, naming the key, and the window stays as it was.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
        f.close();
        const QString focused = dir.filePath(QStringLiteral("focused.json"));
        auto write = [](const QString &p, const QJsonObject &o) {
            QFile out(p);
            return out.open(QIODevice::WriteOnly) && out.write(QJsonDocument(o).toJson()) > 0;
        };
        doc.insert(QStringLiteral("focus"), 3);
        QVERIFY(write(focused, doc));
        QVERIFY2(other.openPath(focused, &error), qPrintable(error));
        QCOMPARE(other.document()->cursor(), uint64_t(3));
        doc.insert(QStringLiteral("focus"), 100000);
        QVERIFY(write(focused, doc));
        QVERIFY(!other.openPath(focused, &error));
        QVERIFY2(error.contains(QLatin1String("focus")), qPrintable(error));
        QCOMPARE(other.document()->cursor(), uint64_t(3));
    }

    // The log's step and time columns fit their widest value, the last
    // row's: Qt sizes a column to the rows it samples, and stress (20,000
    // steps) showed step 4999 as "49..." (an app audit).
    void logNumberColumnsFitTheLastRow()
    {
        MainWindow window;
        window.resize(1600, 1000);
        window.show();
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("stress"), &error), qPrintable(error));
        const QTableView *log = window.eventLogView();
        const QAbstractItemModel *model = log->model();
        QVERIFY(model->rowCount() > 10000);
        const QFontMetrics fm(log->font());
        for (const int c : {int(EventLogModel::Step), int(EventLogModel::Time)}) {
            const QString last = model->index(model->rowCount() - 1, c).data().toString();
            const QString first = model->index(0, c).data().toString();
            QVERIFY2(fm.horizontalAdvance(last) > fm.horizontalAdvance(first), qPrintable(last));
            // as wide as the view's own fit of that cell (text and margins)
            const QModelIndex lastIndex = model->index(model->rowCount() - 1, c);
            QVERIFY2(log->columnWidth(c) >= log->sizeHintForIndex(lastIndex).width(),
                     qPrintable(QStringLiteral("%1: %2 px, needs %3")
                                    .arg(last)
                                    .arg(log->columnWidth(c))
                                    .arg(log->sizeHintForIndex(lastIndex).width())));
        }
    }

    // Issue 11: the shortest counterexample explore finds (srcu-vs-lock
    // without argument protection: the supplicant reads a freed argument)
    // opens at the violating step, with the violation listed there and the
    // note naming the invariant.
    // (I13's counterexample in read-after-free-fails ends in a step that
    // also breaks I12: the log selects I13's row, the one the capture is
    // about; it selected I12's)
    void exploreCounterexampleOpensAtViolation_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<int>("invariant");
        QTest::newRow("I12") << QStringLiteral("srcu-vs-lock") << 12;
        QTest::newRow("I13 where I12 breaks too")
            << QStringLiteral(TEESCOPE_TEST_DATA "/explore/read-after-free-fails.json") << 13;
    }
    void exploreCounterexampleOpensAtViolation()
    {
        QFETCH(QString, scenario);
        QFETCH(int, invariant);
        const QString name = QStringLiteral("I%1").arg(invariant);
        QTemporaryDir dir;
        std::string err;
        const auto sc = tee::sim::loadScenario(scenario.toStdString(), &err);
        QVERIFY2(sc, err.c_str());
        tee::Variant v = sc->variant;
        QVERIFY(v.set("argument=none").empty());
        const tee::sim::Simulator sim(sc, v);
        const tee::sim::ExploreResult r = tee::sim::explore(sim, {});
        QVERIFY(r.complete);
        QVERIFY(r.violations.count(invariant));
        const tee::sim::ExploreFinding &f = r.violations.at(invariant);
        const QString path = dir.filePath(QStringLiteral("cex.json"));
        QVERIFY2(tee::sim::writeCounterexample(path.toStdString(), sim, f, &err), err.c_str());
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(path, &error), qPrintable(error));
        RunDocument *doc = window.document();
        QCOMPARE(doc->cursor(), uint64_t(f.length()));
        QVERIFY(*doc->firstViolationStep() <= uint64_t(f.length())); // (I12 may come first)
        const QAbstractItemModel *violations = window.violationsView()->model();
        bool listed = false;
        for (int row = 0; row < violations->rowCount(); ++row)
            listed |=
                violations->index(row, ViolationsModel::Step)
                        .data(ViolationsModel::StepRole)
                        .toULongLong() == f.length() &&
                violations->index(row, ViolationsModel::Item).data().toString().contains(name);
        QVERIFY(listed);
        // the event log has the violation selected, not the step's first event
        const QModelIndex current = window.eventLogView()->selectionModel()->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(tee::EventKind(current.data(EventLogModel::KindRole).toInt()),
                 tee::EventKind::Violation);
        QVERIFY2(current.siblingAtColumn(EventLogModel::Text).data().toString().contains(name),
                 qPrintable(current.siblingAtColumn(EventLogModel::Text).data().toString()));
        QCOMPARE(doc->notes().size(), size_t(1));
        QCOMPARE(doc->notes().front().step, uint64_t(f.length()));
        QVERIFY(QString::fromStdString(doc->notes().front().text).contains(name));
        QCOMPARE(doc->focusInvariant(), invariant);
        // ... and in sight once the window is laid out (it sat under the
        // log's horizontal scroll bar)
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY(window.eventLogView()->viewport()->rect().contains(
            window.eventLogView()->visualRect(current)));
    }

    // Analyze › Explore Every Interleaving, as a reviewer uses it: the
    // search runs in the background on the document's scenario and design,
    // its report lists each finding and gap with its shortest length, and
    // the one chosen opens at its step with the note there, as the CLI's
    // capture would (first-smc-fails: I4 and gap 3 in 5 steps; its client
    // waits for the supplicant's fd, so no interleaving uses it unset).
    // The design picked in the Design box is the one searched, re-run or
    // not (GUI audit: argument=none picked, Explore said "no violation":
    // it had searched the design on screen, argument=lock).
    void exploreSearchesTheChosenDesign()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("srcu-vs-lock"), &error), qPrintable(error));
        QComboBox *argument = window.stepPanel()->variantBox(1); // Variant::kNames order
        QVERIFY(argument);
        const int none = argument->findData(QStringLiteral("none"));
        QVERIFY(none >= 0);
        argument->setCurrentIndex(none);
        QVERIFY(window.startExplore());
        QTRY_VERIFY_WITH_TIMEOUT(!window.explorer()->running(), 60000);
        const auto &result = window.explorer()->result();
        QVERIFY(result && result->complete);
        QVERIFY(result->violations.count(12));
        QCOMPARE(window.explorer()->simulator()->engine().variant().value("argument"),
                 std::string("none"));
        // the run on screen is still the merged design's
        QVERIFY(window.document()->variantText().contains(QLatin1String("argument=lock")));
    }

    void exploreFromTheWindow()
    {
        MainWindow window;
        QString error;
        QVERIFY(!window.startExplore()); // nothing open
        QVERIFY2(window.openPath(QStringLiteral("first-smc-fails"), &error), qPrintable(error));
        QVERIFY(window.startExplore());
        QVERIFY(window.explorer()->running());
        QVERIFY(!window.startExplore()); // one search at a time
        QTRY_VERIFY_WITH_TIMEOUT(!window.explorer()->running(), 60000);
        const auto &result = window.explorer()->result();
        QVERIFY(result && result->complete);
        ExploreDialog *dialog = window.exploreDialog();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        const QTreeWidget *list = dialog->findings();
        const QStringList expected = {QStringLiteral("I4 violated"),
                                      QStringLiteral("gap 3 (spec §9, a note)")};
        QCOMPARE(list->topLevelItemCount(), int(expected.size()));
        for (int row = 0; row < expected.size(); ++row) {
            QCOMPARE(list->topLevelItem(row)->text(0), expected[row]);
            QCOMPARE(list->topLevelItem(row)->text(1), QStringLiteral("5"));
        }
        QVERIFY(dialog->findChildren<QLabel *>().constFirst()->text().contains(
            QLatin1String("found I4 (5 steps)")));

        // The first row (selected) opens the violation at step 5.
        dialog->openSelected();
        RunDocument *doc = window.document();
        QCOMPARE(doc->stepCount(), uint64_t(5));
        QCOMPARE(doc->cursor(), uint64_t(5));
        QCOMPARE(doc->focusStep(), std::optional<uint64_t>(5));
        QCOMPARE(*doc->firstViolationStep(), uint64_t(5));
        QCOMPARE(doc->notes().size(), size_t(1));
        QVERIFY(QString::fromStdString(doc->notes().front().text).contains(QLatin1String("I4")));
        const QModelIndex current = window.eventLogView()->selectionModel()->currentIndex();
        QCOMPARE(tee::EventKind(current.data(EventLogModel::KindRole).toInt()),
                 tee::EventKind::Violation);

        // A gap's run opens the same way, its note naming the gap.
        const auto gap = result->gaps.find({3, tee::Finding::XaIdLeft});
        QVERIFY(gap != result->gaps.end());
        QVERIFY2(window.openExploreFinding(gap->second, &error), qPrintable(error));
        QCOMPARE(window.document()->cursor(), uint64_t(5));
        QVERIFY(QString::fromStdString(window.document()->notes().front().text)
                    .contains(QString::fromUtf8("spec §9 gap 3")));
        // The opened run is explored as the document it came from.
        QVERIFY(window.startExplore());
        QTRY_VERIFY_WITH_TIMEOUT(!window.explorer()->running(), 60000);
        QCOMPARE(window.explorer()->result()->states, result->states);
    }

    // Analyze › Explore With Options: the dialog starts from the CLI's
    // defaults, and what it says is what the search runs with: here a
    // states bound, no reduction and exact mode on the 3x2 built-in (7.7 M
    // states), whose report says the bound was hit.
    void exploreWithOptions()
    {
        const tee::sim::ExploreOptions defaults = Explorer::defaultOptions();
        QVERIFY(defaults.reduction);
        QVERIFY(!defaults.exact);
        QCOMPARE(defaults.maxStates, uint64_t(0));
        QCOMPARE(defaults.memoryBytes, tee::sim::defaultMemoryBound());
        ExploreOptionsDialog dialog(defaults);
        tee::sim::ExploreOptions o = dialog.options();
        QCOMPARE(o.reduction, defaults.reduction);
        QCOMPARE(o.exact, defaults.exact);
        QCOMPARE(o.maxStates, defaults.maxStates);
        QCOMPARE(o.maxDepth, defaults.maxDepth);
        QCOMPARE(o.memoryBytes >> 20, defaults.memoryBytes >> 20);
        QCOMPARE(o.jobs, defaults.jobs);
        QCOMPARE(int(o.strategy), int(tee::sim::ExploreOptions::Strategy::Bfs));
        // depth-first runs on one thread: the jobs field says so
        dialog.strategy()->setCurrentIndex(1);
        QVERIFY(!dialog.jobs()->isEnabled());
        QCOMPARE(dialog.options().jobs, 1u);
        dialog.strategy()->setCurrentIndex(0);
        QVERIFY(dialog.jobs()->isEnabled());
        dialog.reduction()->setChecked(false);
        dialog.exact()->setChecked(true);
        dialog.maxStates()->setValue(3000);
        dialog.jobs()->setValue(1);
        o = dialog.options();
        QVERIFY(!o.reduction);
        QVERIFY(o.exact);
        QCOMPARE(o.maxStates, uint64_t(3000));
        QCOMPARE(o.jobs, 1u);

        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("three-clients-two-supplicants"), &error),
                 qPrintable(error));
        QVERIFY(window.startExplore(o));
        QTRY_VERIFY_WITH_TIMEOUT(!window.explorer()->running(), 60000);
        const auto &result = window.explorer()->result();
        QVERIFY(result);
        QVERIFY(!result->complete);
        QCOMPARE(result->bound, tee::sim::ExploreBound::States);
        QVERIFY(result->exact);
        QVERIFY(!result->reduction);
        QVERIFY(result->states >= 3000 && result->states < 10000);
        QVERIFY(window.exploreDialog());
        QVERIFY(window.exploreDialog()->findChildren<QLabel *>().constFirst()->text().contains(
            QLatin1String("the states bound was hit")));
        // the next Explore With Options starts from the last search's options
        const ExploreOptionsDialog again(window.explorer()->lastOptions());
        QCOMPARE(again.maxStates()->value(), 3000);
        QVERIFY(!again.reduction()->isChecked());
        QVERIFY(again.exact()->isChecked());
    }

    // Cancel stops a search that would take minutes; its report says so.
    void exploreCancel()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("three-clients-two-supplicants"), &error),
                 qPrintable(error));
        QVERIFY(window.startExplore());
        QTest::qWait(200);
        QPushButton *cancel = cancelButton(window);
        QVERIFY(cancel);
        QVERIFY(!cancel->isHidden());
        cancel->click();
        QTRY_VERIFY_WITH_TIMEOUT(!window.explorer()->running(), 60000);
        QVERIFY(cancel->isHidden());
        const auto &result = window.explorer()->result();
        QVERIFY(result);
        QVERIFY(!result->complete);
        QCOMPARE(result->bound, tee::sim::ExploreBound::Interrupted);
        QVERIFY(window.exploreDialog());
        QCOMPARE(window.exploreDialog()->findings()->topLevelItem(0)->text(0),
                 QStringLiteral("nothing found so far"));
        QVERIFY(window.exploreDialog()->findChildren<QLabel *>().constFirst()->text().contains(
            QLatin1String("the search was interrupted")));

        // A window closed mid-search stops the search and waits for it.
        {
            MainWindow closing;
            QVERIFY(closing.openPath(QStringLiteral("three-clients-two-supplicants"), &error));
            QVERIFY(closing.startExplore());
            QTest::qWait(100);
        }
    }

    // A stuck counterexample has no violation event: the capture's note
    // ("why it stops here") is what the violations panel lists at the
    // focus step, and a click on it moves the cursor there.
    void exploreStuckNoteIsListed()
    {
        QTemporaryDir dir;
        std::string err;
        const auto sc = tee::sim::loadBuiltin("missed-wakeup", &err);
        QVERIFY2(sc, err.c_str());
        const tee::sim::Simulator sim(sc, sc->variant);
        const tee::sim::ExploreResult r = tee::sim::explore(sim, {});
        QVERIFY(r.complete);
        QVERIFY(r.stuck);
        const QString path = dir.filePath(QStringLiteral("stuck.json"));
        QVERIFY2(tee::sim::writeCounterexample(path.toStdString(), sim, *r.stuck, &err),
                 err.c_str());
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(path, &error), qPrintable(error));
        RunDocument *doc = window.document();
        QCOMPARE(doc->notes().size(), size_t(1));
        const QAbstractItemModel *violations = window.violationsView()->model();
        int row = -1;
        for (int i = 0; i < violations->rowCount(); ++i)
            if (violations->index(i, 0).data(ViolationsModel::NoteRole).toInt() == 0)
                row = i;
        QVERIFY(row >= 0);
        QCOMPARE(violations->index(row, ViolationsModel::Kind).data().toString(),
                 QStringLiteral("reviewer note"));
        QCOMPARE(violations->index(row, ViolationsModel::Step).data(ViolationsModel::StepRole),
                 QVariant(qulonglong(r.stuck->length())));
        QCOMPARE(violations->index(row, ViolationsModel::Explanation).data().toString(),
                 QString::fromStdString(doc->notes().front().text));
        doc->setCursor(1);
        const QRect cell = window.violationsView()->visualRect(violations->index(row, 0));
        QTest::mouseClick(window.violationsView()->viewport(), Qt::LeftButton, {}, cell.center());
        QCOMPARE(doc->cursor(), uint64_t(r.stuck->length()));
    }

    // File > Export > Picture with From after To says so and keeps the
    // dialog open (spin boxes that limited each other turned From 20, To 5
    // into steps 20-24 without a word; an app audit).
    void exportPictureRefusesAnInsideOutRange()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("kill-while-processing"), &error));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QAction *picture = nullptr;
        for (QAction *a : window.findChildren<QAction *>())
            if (a->text().startsWith(QLatin1String("Picture (PNG, SVG, PDF)")))
                picture = a;
        QVERIFY(picture);
        bool warned = false, stillOpen = false;
        int spins = 0;
        QTimer::singleShot(0, [&] {
            auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            const QList<QSpinBox *> boxes = dialog->findChildren<QSpinBox *>();
            spins = int(boxes.size());
            if (boxes.size() != 4) { // width, height, from, to
                dialog->reject();
                return;
            }
            boxes[2]->setValue(20);
            boxes[3]->setValue(5);
            QTimer::singleShot(0, [&, dialog] {
                QWidget *modal = QApplication::activeModalWidget();
                auto *box = qobject_cast<QMessageBox *>(modal);
                warned = box && box->text().contains(QLatin1String("comes before"));
                if (box)
                    box->accept();
                else if (auto *other = qobject_cast<QDialog *>(modal); other && other != dialog)
                    other->reject(); // (no warning: the file dialog came instead)
                QTimer::singleShot(0, [&, dialog] {
                    stillOpen = QApplication::activeModalWidget() == dialog;
                    dialog->reject();
                });
            });
            dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        });
        picture->trigger();
        QCOMPARE(spins, 4);
        QVERIFY(warned);
        QVERIFY(stillOpen);
    }

    // Opening another run (a built-in, a file, a search's finding) asks
    // first when the run on screen has unsaved notes or branches, as
    // closing the window does (docs/guide.md); Cancel keeps it.
    void openingAnotherRunAsks()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("kill-while-processing"), &error));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        RunDocument *doc = window.document();
        const QString before = doc->title();
        doc->setModified(true); // as a note or a branch does
        const auto answer = [](QMessageBox::StandardButton button) {
            QTimer::singleShot(0, [button] {
                auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
                QVERIFY(box);
                QCOMPARE(box->windowTitle(), QStringLiteral("Unsaved notes or branches"));
                box->button(button)->click();
            });
        };
        answer(QMessageBox::Cancel);
        window.openPathInBackground(QStringLiteral("srcu-vs-lock"));
        QVERIFY(!window.loading());
        QCOMPARE(doc->title(), before);
        QVERIFY(doc->isModified());
        // a find text in the event log: the next run's rows must not be
        // hidden by it
        QLineEdit *find = nullptr;
        for (QLineEdit *e : window.findChildren<QLineEdit *>())
            if (e->placeholderText().startsWith(QLatin1String("Find in the event log")))
                find = e;
        QVERIFY(find);
        find->setText(QStringLiteral("refcount"));
        answer(QMessageBox::Discard);
        window.openPathInBackground(QStringLiteral("srcu-vs-lock"));
        QTRY_VERIFY_WITH_TIMEOUT(!window.loading(), 10000);
        QVERIFY(doc->title() != before);
        QVERIFY(!doc->isModified());
        QVERIFY(find->text().isEmpty());
        QCOMPARE(window.eventLogView()->model()->rowCount(), int(doc->trace().events.size()));
    }

    // `teescope --variant NAME=VALUE SCENARIO` runs the scenario under that
    // design (a reviewer could not open a design's run without the Design
    // box; a reviewer's audit): memory-object-map under lifetime=none breaks
    // I6, as teescope-cli run does.
    void openUnderAnotherDesign()
    {
        MainWindow window;
        QString error;
        window.openPathInBackground(QStringLiteral("memory-object-map"),
                                    [&error](const QString &e) { error = e; }, {"lifetime=none"});
        QTRY_VERIFY_WITH_TIMEOUT(!window.loading(), 20000);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const RunDocument *doc = window.document();
        QCOMPARE(doc->variantText(), QStringLiteral("request=fifo,argument=lock,lifetime=none,"
                                                    "gaps=faithful"));
        QVERIFY(std::any_of(doc->trace().events.begin(), doc->trace().events.end(),
                            [](const tee::Event &e) {
                                return e.kind == tee::EventKind::Violation && e.invariant == 6;
                            }));
    }

    // Issue 10 on kill-while-processing: back before the kill, the
    // supplicant answers first (by choosing its steps in the panel), the
    // client then gets the supplicant's result (T11) on a new branch; the
    // recorded branch is still there; a note is saved and found again.
    void branchBeforeTheKill()
    {
        QTemporaryDir dir;
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("kill-while-processing"), &error));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        RunDocument *doc = window.document();
        StepPanel *panel = window.stepPanel();
        const uint64_t kill = stepOf(*doc, tee::EventKind::Killed);
        QTest::keyClick(&window, Qt::Key_End);
        QCOMPARE(doc->cursor(), doc->stepCount());
        doc->setCursor(kill); // at the kill, then two steps back
        QTest::keyClick(&window, Qt::Key_Left);
        QTest::keyClick(&window, Qt::Key_Left);
        QCOMPARE(doc->cursor(), kill - 2);
        auto rowOf = [&](const char *prefix) {
            for (int r = 0; r < panel->actionsList()->count(); ++r)
                if (panel->actionsList()->item(r)->text().mid(2).trimmed().startsWith(
                        QLatin1String(prefix)))
                    return r;
            return -1;
        };
        // The run's next is marked; take the supplicant's steps one by one
        // until its SEND, then let the policy finish.
        QVERIFY(panel->actionsList()->item(0));
        bool sent = false;
        for (int guard = 0; guard < 6 && !sent; ++guard) {
            int row = rowOf("app/suppl: SUPPL_SEND");
            sent = row >= 0;
            if (row < 0)
                row = rowOf("app/suppl:");
            QVERIFY2(row >= 0, "the supplicant has nothing enabled");
            QVERIFY2(panel->choose(size_t(row), sent, &error), qPrintable(error));
        }
        QVERIFY(sent);
        QVERIFY(panel->branch() != 0);
        QCOMPARE(panel->branchList()->count(), 2);
        QVERIFY(doc->isModified());
        bool t11 = false;
        for (const tee::Event &e : doc->trace().events)
            if (e.kind == tee::EventKind::DispatchReturn && e.errno_ == 0)
                t11 = true;
        QVERIFY2(t11, "the client's dispatch did not return the supplicant's result");
        // A picture of the branch says it is one (its title named the
        // scenario and the design only: an app audit).
        {
            const QString svg = dir.filePath(QStringLiteral("branch.svg"));
            QVERIFY2(window.exportPicture(svg, tee::render::RenderOptions{}, &error),
                     qPrintable(error));
            QFile f(svg);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QString summary = panel->branchSummary();
            QVERIFY2(summary.startsWith(QLatin1String("branch 1, leaves recorded after step ")),
                     qPrintable(summary));
            QVERIFY(f.readAll().contains(summary.toUtf8()));
        }
        // Ctrl+Z: back to the recorded run, where the kill still wins.
        QTest::keySequence(&window, QKeySequence::Undo);
        QCOMPARE(panel->branch(), 0);
        QVERIFY(stepOf(*doc, tee::EventKind::Killed) == kill);
        // A note at the cursor, saved in the capture, found in the export.
        doc->setCursor(kill);
        panel->addNote(QStringLiteral("the kill lands while PROCESSING"), QStringLiteral("req#0"));
        QCOMPARE(panel->noteList()->count(), 1);
        // its row in the Violations pane reads whole: "reviewer note" was
        // cut to the width "note" had when the run was opened (GUI audit)
        {
            QTableView *v = window.violationsView();
            const int kindWidth =
                v->fontMetrics().horizontalAdvance(QStringLiteral("reviewer note"));
            QVERIFY2(v->columnWidth(0) >= kindWidth,
                     qPrintable(QStringLiteral("%1 < %2").arg(v->columnWidth(0)).arg(kindWidth)));
        }
        // ... and marked on the timeline (a line and its text), as an
        // exported picture marks it
        QCOMPARE(window.timelinePlot()->notes(), doc->notes());
        const QString path = dir.filePath(QStringLiteral("noted.json"));
        QVERIFY2(window.saveCapture(path, &error), qPrintable(error));
        QVERIFY(!doc->isModified());
        MainWindow other;
        QVERIFY2(other.openPath(path, &error), qPrintable(error));
        QCOMPARE(other.document()->notes().size(), size_t(1));
        QCOMPARE(other.document()->notes()[0].step, kill);
        const QString text = dir.filePath(QStringLiteral("noted.txt"));
        QVERIFY(other.exportText(text, &error));
        QFile t(text);
        QVERIFY(t.open(QIODevice::ReadOnly));
        QVERIFY(t.readAll().contains("## note on req#0: the kill lands while PROCESSING"));
    }

    // A note belongs to the run it was written on (GUI audit: a note at step
    // 9 of the recorded run showed at step 9 of a branch that left it at
    // step 6, on another action, and went out in the branch's capture). A new
    // branch takes its parent's notes on the steps they share; each branch
    // keeps its own; a re-run under another design drops explore's note
    // and labels the user's notes past its first departure.
    // A name typed without an extension in a save dialog gets the chosen
    // filter's ("shot" was refused by Export Picture: "choose a .png, .svg
    // or .pdf file name"; an app audit).
    void saveDialogsAddTheFiltersExtension()
    {
        QCOMPARE(withFilterSuffix(QStringLiteral("/tmp/shot"), QStringLiteral("SVG (*.svg)")),
                 QStringLiteral("/tmp/shot.svg"));
        QCOMPARE(withFilterSuffix(QStringLiteral("/tmp/shot"), QStringLiteral("PDF (*.pdf)")),
                 QStringLiteral("/tmp/shot.pdf"));
        QCOMPARE(withFilterSuffix(QStringLiteral("/tmp/run"), QStringLiteral("Captures (*.json)")),
                 QStringLiteral("/tmp/run.json"));
        // a name with its own extension is the user's choice
        QCOMPARE(withFilterSuffix(QStringLiteral("/tmp/a.png"), QStringLiteral("SVG (*.svg)")),
                 QStringLiteral("/tmp/a.png"));
        QCOMPARE(withFilterSuffix(QStringLiteral("/tmp/x.d/shot"), QStringLiteral("PNG (*.png)")),
                 QStringLiteral("/tmp/x.d/shot.png"));
        // The dialogs suggest a name: the scenario's, the branch, what it is
        // (they suggested none; an app audit).
        QCOMPARE(suggestedFileName(QStringLiteral("kill-while-processing"), 0,
                                   QStringLiteral("-step27")),
                 QStringLiteral("kill-while-processing-step27"));
        QCOMPARE(suggestedFileName(QStringLiteral("my race/v2"), 2, QStringLiteral(".txt")),
                 QStringLiteral("my-race-v2-branch2.txt"));
        QCOMPARE(suggestedFileName(QString(), 0, QStringLiteral(".capture.json")),
                 QStringLiteral("teescope.capture.json"));
        // a dot would pass for the picture's extension (a code review)
        QCOMPARE(suggestedFileName(QStringLiteral("fix.v2"), 0, QStringLiteral("-step5")),
                 QStringLiteral("fix-v2-step5"));
        // any script's letters stay; at most 100 bytes of UTF-8 (NAME_MAX)
        QCOMPARE(suggestedFileName(QStringLiteral("競合"), 0, QString()), QStringLiteral("競合"));
        QVERIFY(suggestedFileName(QString(200, QChar(0x7AF6)), 0, QString()).toUtf8().size() <=
                100);
        // and the picture it names is written
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("default"), &error), qPrintable(error));
        QTemporaryDir dir;
        const QString path =
            withFilterSuffix(dir.filePath(QStringLiteral("shot")), QStringLiteral("SVG (*.svg)"));
        tee::render::RenderOptions o;
        QVERIFY2(window.exportPicture(path, o, &error), qPrintable(error));
        QVERIFY(QFileInfo(path).size() > 0);
    }

    void notesBelongToTheirBranch()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("kill-while-processing"), &error));
        RunDocument *doc = window.document();
        StepPanel *panel = window.stepPanel();
        doc->setCursor(3);
        panel->addNote(QStringLiteral("early"), QString());
        doc->setCursor(9);
        panel->addNote(QStringLiteral("late"), QString());
        QCOMPARE(doc->notes().size(), size_t(2));
        // branch at step 6 with an action the run does not take next
        doc->setCursor(6);
        QVERIFY(panel->actionsList()->count() >= 2);
        for (int row = panel->actionsList()->count() - 1; row >= 0 && panel->branch() == 0; --row) {
            doc->setCursor(6);
            QVERIFY2(panel->choose(size_t(row), true, &error), qPrintable(error));
        }
        const int branch = panel->branch();
        QVERIFY(branch != 0);
        QCOMPARE(doc->notes().size(), size_t(1));
        QCOMPARE(doc->notes()[0].text, std::string("early"));
        doc->setCursor(std::min<uint64_t>(10, doc->stepCount()));
        panel->addNote(QStringLiteral("branch only"), QString());
        // back to the recorded run: its own two notes, not the branch's
        QVERIFY(panel->switchTo(0));
        QCOMPARE(doc->notes().size(), size_t(2));
        QCOMPARE(doc->notes()[1].text, std::string("late"));
        // and the branch kept its own
        QVERIFY(panel->switchTo(branch));
        QCOMPARE(doc->notes().size(), size_t(2));
        QCOMPARE(doc->notes()[1].text, std::string("branch only"));
    }

    void rerunDropsExploreNotes()
    {
        std::string err;
        const auto sc = tee::sim::loadBuiltin("srcu-vs-lock", &err);
        QVERIFY2(sc, err.c_str());
        tee::Variant none = sc->variant;
        QVERIFY(none.set("argument=none").empty());
        const tee::sim::Simulator sim(sc, none);
        const tee::sim::ExploreResult r = tee::sim::explore(sim, {});
        QVERIFY(r.violations.count(12));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("cex.json"));
        QVERIFY2(tee::sim::writeCounterexample(path.toStdString(), sim, r.violations.at(12), &err),
                 err.c_str());
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(path, &error), qPrintable(error));
        RunDocument *doc = window.document();
        QCOMPARE(doc->notes().size(), size_t(1)); // explore's, at the violation
        doc->setCursor(1);
        window.stepPanel()->addNote(QStringLiteral("mine"), QString());
        tee::Variant lock = none;
        QVERIFY(lock.set("argument=lock").empty());
        QVERIFY2(window.stepPanel()->changeDesign(lock, QString(), &error), qPrintable(error));
        QCOMPARE(doc->notes().size(), size_t(1));
        QCOMPARE(doc->notes()[0].text, std::string("mine"));
    }

    // The Re-run button keeps one branch: with others it asks first (as
    // opening another run does); Cancel keeps them all.
    void rerunAsksBeforeDroppingBranches()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("default"), &error));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        StepPanel *panel = window.stepPanel();
        window.document()->setCursor(2);
        // another action than the recorded one: a new branch
        QVERIFY2(panel->choose(1, false, &error), qPrintable(error));
        QCOMPARE(panel->branchList()->count(), 2);
        QPushButton *rerun = nullptr;
        for (QPushButton *b : panel->findChildren<QPushButton *>())
            if (b->text().startsWith(QLatin1String("Re-run")))
                rerun = b;
        QVERIFY(rerun);
        bool asked = false;
        const auto answer = [&asked](QMessageBox::StandardButton button) {
            QTimer::singleShot(0, [button, &asked] {
                auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
                QVERIFY(box);
                asked = true;
                box->button(button)->click();
            });
        };
        answer(QMessageBox::Cancel);
        rerun->click();
        QVERIFY(asked);
        QCOMPARE(panel->branchList()->count(), 2);
        asked = false;
        answer(QMessageBox::Discard);
        rerun->click();
        QVERIFY(asked);
        QCOMPARE(panel->branchList()->count(), 1);
    }

    // Column titles start over their cells: a wide column's centred title
    // ("Held by" of a long holder list) sat out of sight.
    void columnTitlesAreLeftAligned()
    {
        MainWindow window;
        const QList<QTableView *> views = window.findChildren<QTableView *>();
        QVERIFY(views.size() >= 6);
        for (QTableView *v : views)
            QVERIFY(v->horizontalHeader()->defaultAlignment() & Qt::AlignLeft);
    }

    // A wheel turned over a design box while scrolling the panel does not
    // change the design; once clicked into, the box takes the wheel.
    void wheelDoesNotChangeTheDesignUnfocused()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("default"), &error));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QList<QComboBox *> boxes = window.stepPanel()->findChildren<QComboBox *>();
        QVERIFY(!boxes.isEmpty());
        QComboBox *box = boxes.front();
        const int before = box->currentIndex();
        auto wheel = [box] {
            const QPointF at(box->width() / 2.0, box->height() / 2.0);
            QWheelEvent e(at, box->mapToGlobal(at), QPoint(), QPoint(0, -120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
            QApplication::sendEvent(box, &e);
        };
        window.eventLogView()->setFocus();
        wheel();
        QCOMPARE(box->currentIndex(), before);
        box->setFocus();
        QTRY_VERIFY(box->hasFocus());
        wheel();
        QVERIFY(box->currentIndex() != before);
    }

    // Changing the argument variant of srcu-vs-lock re-runs its schedule and
    // shows where the transfer departed (the lock wait, synchronize_srcu).
    void changeDesignShowsDepartures()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.openPath(QStringLiteral("srcu-vs-lock"), &error));
        tee::Variant v = window.document()->simulator()->engine().variant();
        QVERIFY(v.set("argument", "srcu").empty());
        QVERIFY2(window.stepPanel()->changeDesign(v, QString(), &error), qPrintable(error));
        QVERIFY(window.document()->variantText().contains(QLatin1String("argument=srcu")));
        QStringList departures;
        for (int r = 0; r < window.stepPanel()->departureList()->count(); ++r)
            departures << window.stepPanel()->departureList()->item(r)->text();
        QVERIFY2(departures.join(QLatin1Char('\n')).contains(QLatin1String("synchronize_srcu")),
                 qPrintable(departures.join(QLatin1Char('\n'))));
        QVERIFY(window.summary().contains(QLatin1String("argument=srcu")));
        // the branch is the new design's re-run, named after the change
        QVERIFY(window.stepPanel()->branchList()->count() >= 1);
        QVERIFY2(window.stepPanel()->branchList()->item(0)->text().contains(
                     QLatin1String("re-run, argument=srcu")),
                 qPrintable(window.stepPanel()->branchList()->item(0)->text()));
        // one click on a departure moves the cursor there (it took two)
        QListWidget *list = window.stepPanel()->departureList();
        QListWidgetItem *item = list->item(0);
        const uint64_t at = std::min<uint64_t>(item->data(Qt::UserRole).toULongLong(),
                                               window.document()->stepCount());
        window.document()->setCursor(at == 0 ? 1 : 0);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        for (QWidget *w = window.stepPanel(); w; w = w->parentWidget())
            if (auto *dock = qobject_cast<QDockWidget *>(w))
                dock->raise(); // (its tab shown: the list is clickable)
        QTRY_VERIFY(list->isVisible());
        list->scrollToItem(item);
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                          list->visualItemRect(item).center());
        QTRY_COMPARE(window.document()->cursor(), at);
    }

    void binaryExitCodes_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("stderrContains");

        QTest::newRow("missing file")
            << QStringList{QStringLiteral("/nonexistent/teescope-missing.json")} << 2
            << QStringLiteral("teescope-missing.json");
        QTest::newRow("unknown built-in") << QStringList{QStringLiteral("no-such-builtin")} << 2
                                          << QStringLiteral("no-such-builtin");
        QTest::newRow("two scenarios")
            << QStringList{QStringLiteral("default"), QStringLiteral("default")} << 2
            << QStringLiteral("at most one scenario");
        // usage errors too (Qt's process() ended them with status 1)
        QTest::newRow("--step without N")
            << QStringList{QStringLiteral("--step")} << 2 << QStringLiteral("--step");
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("--bogus")} << 2 << QStringLiteral("bogus");
        QTest::newRow("--step twice")
            << QStringList{QStringLiteral("default"), QStringLiteral("--step"), QStringLiteral("1"),
                           QStringLiteral("--step"), QStringLiteral("2")}
            << 2 << QStringLiteral("--step is given twice");
        QTest::newRow("--variant with a bad value")
            << QStringList{QStringLiteral("default"), QStringLiteral("--variant"),
                           QStringLiteral("lifetime=bogus")}
            << 2 << QStringLiteral("--variant: unknown value \"bogus\" for variant lifetime");
        QTest::newRow("--step past the end")
            << QStringList{QStringLiteral("default"), QStringLiteral("--step"),
                           QStringLiteral("99999")}
            << 2 << QStringLiteral("past the run's last step");
    }

    void binaryExitCodes()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, stderrContains);

        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(TEESCOPE_GUI), args);
        QVERIFY2(process.waitForFinished(60000), "teescope hung on bad input");
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitCode(), exitCode);
        QVERIFY2(err.contains(stderrContains), qPrintable(err));
        // the error's line alone: not after the offscreen plugin's warning
        // that it cannot propagate size hints (shown with every window)
        QVERIFY2(!err.contains(QLatin1String("propagateSizeHints")), qPrintable(err));
    }

    // Without a display teescope ends with one line and status 2, never in
    // Qt's platform plugin with SIGABRT (README, first command).
    void noDisplay_data()
    {
        QTest::addColumn<QStringList>("unset");
        QTest::addColumn<QStringList>("set"); // NAME=VALUE
        QTest::addColumn<QString>("says");
        const QStringList displays{QStringLiteral("DISPLAY"), QStringLiteral("WAYLAND_DISPLAY")};
        QTest::newRow("nothing set")
            << (displays + QStringList{QStringLiteral("QT_QPA_PLATFORM")}) << QStringList{}
            << QStringLiteral("neither DISPLAY nor WAYLAND_DISPLAY");
        QTest::newRow("xcb without DISPLAY")
            << displays << QStringList{QStringLiteral("QT_QPA_PLATFORM=xcb")}
            << QStringLiteral("platform \"xcb\"");
        QTest::newRow("DISPLAY with no X server")
            << QStringList{QStringLiteral("WAYLAND_DISPLAY"), QStringLiteral("QT_QPA_PLATFORM")}
            << QStringList{QStringLiteral("DISPLAY=:97")} << QStringLiteral("DISPLAY=:97");
    }

    void noDisplay()
    {
        QFETCH(QStringList, unset);
        QFETCH(QStringList, set);
        QFETCH(QString, says);
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &name : unset)
            env.remove(name);
        for (const QString &assignment : set)
            env.insert(assignment.section(QLatin1Char('='), 0, 0),
                       assignment.section(QLatin1Char('='), 1));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(TEESCOPE_GUI), {});
        QVERIFY2(process.waitForFinished(60000), "teescope hung without a display");
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 2);
        QVERIFY(process.readAllStandardOutput().isEmpty());
        QCOMPARE(err.count(QLatin1Char('\n')), 1);
        QVERIFY2(err.startsWith(QLatin1String("teescope: no display: ")), qPrintable(err));
        QVERIFY2(err.contains(says), qPrintable(err));
        QVERIFY2(err.contains(QLatin1String("xvfb-run")), qPrintable(err));
    }

    // File › Export › Picture and `teescope-cli render` give the same PNG
    // for the same size, range and cursor (docs/cli.md, render).
    void pictureMatchesRender_data()
    {
        QTest::addColumn<bool>("stepAxis");
        QTest::newRow("time axis") << false;
        // (render had no step axis: an app audit)
        QTest::newRow("step axis, --step-axis") << true;
    }
    void pictureMatchesRender()
    {
        QFETCH(bool, stepAxis);
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("kill-while-processing"), &error),
                 qPrintable(error));
        window.document()->setCursor(9);
        QTemporaryDir dir;
        tee::render::RenderOptions o;
        o.width = 1200;
        o.height = 800;
        o.from = 3;
        o.to = 15;
        o.cursorStep = 9;
        if (stepAxis)
            o.axis = tee::sim::Axis::Step;
        const QString app = dir.filePath(QStringLiteral("app.png"));
        QVERIFY2(window.exportPicture(app, o, &error), qPrintable(error));
        const QString cli = dir.filePath(QStringLiteral("cli.png"));
        QProcess p;
        QStringList args{QStringLiteral("render"),   QStringLiteral("kill-while-processing"),
                         QStringLiteral("--png"),    cli,
                         QStringLiteral("--width"),  QStringLiteral("1200"),
                         QStringLiteral("--height"), QStringLiteral("800"),
                         QStringLiteral("--from"),   QStringLiteral("3"),
                         QStringLiteral("--to"),     QStringLiteral("15"),
                         QStringLiteral("--cursor"), QStringLiteral("9")};
        if (stepAxis)
            args << QStringLiteral("--step-axis");
        p.start(QStringLiteral(TEESCOPE_CLI), args);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QFile a(app), c(cli);
        QVERIFY(a.open(QIODevice::ReadOnly) && c.open(QIODevice::ReadOnly));
        const QByteArray appBytes = a.readAll();
        QVERIFY(appBytes == c.readAll());
        if (stepAxis) { // (and the two axes do draw differently)
            o.axis = tee::sim::Axis::Time;
            const QString time = dir.filePath(QStringLiteral("time.png"));
            QVERIFY2(window.exportPicture(time, o, &error), qPrintable(error));
            QFile t(time);
            QVERIFY(t.open(QIODevice::ReadOnly));
            QVERIFY(t.readAll() != appBytes);
        }
    }

    // Go › Next Violation (Ctrl+Right) goes to violations only: it stopped
    // at a note too (first-smc-fails: the I4 at step 6, then a note at 22).
    void nextViolationSkipsNotes()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(QStringLiteral("first-smc-fails"), &error), qPrintable(error));
        QAction *next = nullptr;
        for (QAction *a : window.findChildren<QAction *>())
            if (a->text() == QLatin1String("Next Violation"))
                next = a;
        QVERIFY(next);
        RunDocument *doc = window.document();
        doc->setCursor(0);
        next->trigger();
        QCOMPARE(doc->cursor(), *doc->firstViolationStep());
        const uint64_t first = doc->cursor();
        bool noteLater = false;
        for (const tee::Event &e : doc->trace().events)
            noteLater |= e.kind == tee::EventKind::Note && e.step > first;
        QVERIFY(noteLater); // (the case: a note after the only violation)
        next->trigger();
        QCOMPARE(doc->cursor(), first);
    }

    // --help and --version print and exit without a display.
    void helpWithoutDisplay()
    {
        for (const QString &opt : {QStringLiteral("--help"), QStringLiteral("--version")}) {
            QProcess process;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
                env.remove(QLatin1String(name));
            process.setProcessEnvironment(env);
            process.start(QStringLiteral(TEESCOPE_GUI), {opt});
            QVERIFY2(process.waitForFinished(60000), "teescope --help hung");
            QCOMPARE(process.exitCode(), 0);
            const QString out = QString::fromUtf8(process.readAllStandardOutput());
            QVERIFY2(out.contains(opt == QLatin1String("--help") ? QLatin1String("Usage:")
                                                                 : QLatin1String("teescope")),
                     qPrintable(out + QString::fromUtf8(process.readAllStandardError())));
        }
    }

    void badJsonFileIsNamed()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("broken.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"name\": \"broken\", \"processes\": [");
        file.close();

        MainWindow window;
        QString error;
        QVERIFY(!window.openScenario(path, &error));
        QVERIFY2(error.contains(QStringLiteral("broken.json")), qPrintable(error));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
