#include "mainwindow.h"

#include "app/explorer.h"
#include "app/models/contextsmodel.h"
#include "app/models/eventfiltermodel.h"
#include "app/models/eventlogmodel.h"
#include "app/models/inspectorfiltermodel.h"
#include "app/models/modelroles.h"
#include "app/models/objectsmodel.h"
#include "app/models/requestsmodel.h"
#include "app/models/rundocument.h"
#include "app/models/threadsmodel.h"
#include "app/models/violationsmodel.h"
#include "app/render/qcustomplot_p.h"
#include "app/render/refcountplot.h"
#include "app/render/timelineplot.h"
#include "app/render/timemapping.h"
#include "app/steppanel.h"

#include "core/text.h"
#include "simulator/capture.h"
#include "simulator/explore.h"
#include "simulator/exports.h"
#include "simulator/fileio.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QResizeEvent>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include "simulator/scenarioloader.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <vector>

using tee::render::RenderOptions;

namespace {

constexpr int kMaxRecent = 8;

QString outOfMemoryText(const QString &nameOrPath)
{
    return QObject::tr("%1: out of memory (a run keeps every step's events: lower the "
                       "scenario's max_steps)")
        .arg(nameOrPath);
}

std::unique_ptr<RunDocument::Run> loadAny(const QString &nameOrPath, QString *error,
                                          const std::atomic<bool> *cancel = nullptr,
                                          tee::sim::RunProgress *progress = nullptr,
                                          const std::vector<std::string> &variants = {})
{
    try {
        return RunDocument::load(nameOrPath, error, cancel, progress, variants);
    } catch (const std::bad_alloc &) {
        // (the CLI says the same and exits 2; the window stays)
        if (error)
            *error = outOfMemoryText(nameOrPath);
        return nullptr;
    }
}

// The run as the drawing reads it. The document owns the run; the views
// are reset on documentChanged before the old run goes, so a non-owning
// pointer is enough.
tee::render::TimelineSource sourceOf(const RunDocument &doc)
{
    tee::render::TimelineSource src;
    if (doc.isEmpty())
        return src;
    src.sim = doc.simulatorPtr();
    src.trace =
        std::shared_ptr<const tee::sim::Trace>(&doc.trace(), [](const tee::sim::Trace *) {});
    src.timeline = std::shared_ptr<const tee::sim::Timeline>(&doc.timeline(),
                                                             [](const tee::sim::Timeline *) {});
    return src;
}

// What the cursor step changed stands out in the inspectors: bold, on the
// selection colour's light tint (the models say "changed", the view says
// how; a row is also marked with a leading "•" for those who do not see
// colour).
class ChangedRowDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (!index.data(ModelRoles::ChangedRole).toBool())
            return;
        option->font.setBold(true);
        QColor tint = option->palette.color(QPalette::Highlight);
        tint.setAlpha(48);
        option->backgroundBrush = tint;
        if (index.column() == 0)
            option->text = QStringLiteral("• ") + option->text;
    }
};

// QFileDialog::getSaveFileName, with the chosen filter's extension added
// to a name typed without one.
QString saveFileName(QWidget *parent, const QString &caption, const QString &filters,
                     const QString &suggested)
{
    QString selected;
    const QString path =
        QFileDialog::getSaveFileName(parent, caption, suggested, filters, &selected);
    return path.isEmpty() ? path : withFilterSuffix(path, selected);
}

// An inspector's columns fit their contents, but the widest ones give way
// so that the last column starts in view: a long state ("blocked: every
// context released (tee_device_unregister, uninterruptible)") pushed "Waits
// on" and "Holds" out of sight. A cut cell is elided; its row's tooltip
// says it.
void fitInspectorColumns(QTableView *view)
{
    view->resizeColumnsToContents();
    const int columns = view->model() ? view->model()->columnCount() : 0;
    if (columns < 2)
        return;
    std::vector<int> w;
    for (int c = 0; c + 1 < columns; ++c)
        w.push_back(view->columnWidth(c));
    const auto total = [&w](int cap) {
        int sum = 0;
        for (const int x : w)
            sum += std::min(x, cap);
        return sum;
    };
    constexpr int kLeast = 48; // a column never narrower (its title's start)
    // the last column's start: room for its title or its cells, at most 80
    const int last = std::min(80, view->columnWidth(columns - 1));
    const int room = std::max(0, view->viewport()->width() - last);
    if (total(INT_MAX) <= room)
        return;
    // the largest cap (one width for every column wider) that fits
    int lo = kLeast, hi = *std::max_element(w.begin(), w.end());
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (total(mid) <= room)
            lo = mid;
        else
            hi = mid - 1;
    }
    for (int c = 0; c + 1 < columns; ++c)
        if (w[size_t(c)] > lo)
            view->setColumnWidth(c, lo);
}

QTableView *makeTable(QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setStretchLastSection(true);
    // left, over the start of the cells: a wide column's centred title sat
    // out of sight ("Held by" of a long holder list)
    view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    view->setSortingEnabled(true);
    return view;
}

} // namespace

QString suggestedFileName(const QString &scenario, int branch, const QString &what)
{
    // Letters and digits of any script stay; a dot goes too (the picture's
    // suggestion has no extension, and "fix.v2-step5" read as having one);
    // at most 100 bytes of UTF-8, far below NAME_MAX with what follows.
    QString base;
    for (const char32_t c : scenario.toUcs4()) {
        const QString one = QString::fromUcs4(&c, 1);
        const QString next =
            base +
            (QChar::isLetterOrNumber(c) || c == U'-' || c == U'_' ? one : QStringLiteral("-"));
        if (next.toUtf8().size() > 100)
            break;
        base = next;
    }
    if (base.isEmpty())
        base = QStringLiteral("teescope");
    if (branch > 0)
        base += QStringLiteral("-branch%1").arg(branch);
    return base + what;
}

QString withFilterSuffix(const QString &path, const QString &selectedFilter)
{
    if (!QFileInfo(path).suffix().isEmpty())
        return path;
    static const QRegularExpression pattern(QStringLiteral("\\*(\\.[A-Za-z0-9]+)"));
    const QRegularExpressionMatch m = pattern.match(selectedFilter);
    return m.hasMatch() ? path + m.captured(1) : path;
}

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_doc(new RunDocument(this))
{
    setWindowTitle(QStringLiteral("teescope"));
    setAcceptDrops(true);

    // Centre: what the run is about, the timeline, the refcounts under it.
    auto *centre = new QWidget(this);
    auto *layout = new QVBoxLayout(centre);
    layout->setContentsMargins(4, 4, 4, 0);
    m_header = new QLabel(centre);
    m_header->setWordWrap(true);
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_header);
    auto *split = new QSplitter(Qt::Vertical, centre);
    m_timeline = new tee::render::TimelinePlot(split);
    m_refcounts = new tee::render::RefcountPlot(split);
    split->addWidget(m_timeline);
    split->addWidget(m_refcounts);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    // The inspectors run the full height on the right; the event log sits
    // under the plots only.
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    m_refcounts->setMinimumHeight(130); // its legend is a row above the plot
    layout->addWidget(split, 1);
    setCentralWidget(centre);

    // The two plots share the x axis.
    connect(m_timeline, &tee::render::TimelinePlot::viewRangeChanged, m_refcounts,
            &tee::render::RefcountPlot::setViewRange);
    connect(m_refcounts, &tee::render::RefcountPlot::viewRangeChanged, m_timeline,
            &tee::render::TimelinePlot::setViewRange);
    connect(m_timeline, &tee::render::TimelinePlot::labelColumnWidthChanged, this,
            [this](int w) { m_refcounts->setMargins(w, m_timeline->rightInset()); });
    connect(m_timeline, &tee::render::TimelinePlot::stepClicked, m_doc, &RunDocument::setCursor);
    connect(m_timeline, &tee::render::TimelinePlot::laneActivated, this,
            [this](tee::sim::LaneKey key) {
                // an object's lane: its refcount line too, first
                if (key.kind == tee::sim::LaneKind::Object)
                    m_refcounts->showObject(tee::ObjectId(int32_t(key.id)));
                filterLog([&] { m_logFilter->setEntity(key); });
                m_logEntity->setText(tr("Only %1 ×").arg(m_doc->laneName(key)));
                m_logEntity->setVisible(true);
            });

    buildDocks();
    buildMenus();

    m_status = new QLabel(this);
    statusBar()->addWidget(m_status, 1);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(220);
    showBusy();
    m_progress->hide();
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->hide();
    m_explorer = new Explorer(this);
    connect(m_explorer, &Explorer::progress, this,
            [this](quint64 states, quint64 depth, quint64 rss) {
                m_status->setText(tr("Exploring: %L1 states, depth %2, %3 MiB")
                                      .arg(states)
                                      .arg(depth)
                                      .arg(double(rss) / (1024.0 * 1024.0), 0, 'f', 0));
            });
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);

    connect(m_doc, &RunDocument::documentChanged, this, &MainWindow::documentChanged);
    connect(m_doc, &RunDocument::notesChanged, this,
            [this] { m_timeline->setNotes(m_doc->notes()); });
    m_step->setEntityProvider([this] { return selectedEntity(); });
    // a re-run under another design keeps one branch: the others go
    m_step->setReplaceGuard([this] { return mayCloseRun(); });
    connect(m_doc, &RunDocument::cursorChanged, this, &MainWindow::cursorChanged);

    // Most of the screen, never more than it has (a 1024x700 one cut the
    // inspectors and the status bar): the lanes are what a reviewer reads,
    // and a 1920x1080 screen left them 1500x950 (an app audit).
    {
        const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1600, 1000);
        resize(avail.width() * 95 / 100, avail.height() * 92 / 100);
    }
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    updateRecentMenu();
    documentChanged();
    // The keyboard starts on the timeline: Left and Right step through the
    // run (the guide's first step). The first focusable widget was the
    // inspectors' filter, whose line edit took the arrow keys.
    m_timeline->setFocusPolicy(Qt::StrongFocus);
    setFocusProxy(m_timeline);
    m_timeline->setFocus(Qt::OtherFocusReason);
}

MainWindow::~MainWindow()
{
    if (m_loader) {
        m_loaderCancel->store(true);
        m_loader->wait();
    }
}

void MainWindow::buildDocks()
{
    // Inspectors at the cursor step, one filter for all four tables.
    auto *inspectDock = new QDockWidget(tr("State after the cursor step"), this);
    inspectDock->setObjectName(QStringLiteral("inspectors"));
    auto *inspect = new QWidget(inspectDock);
    auto *il = new QVBoxLayout(inspect);
    il->setContentsMargins(2, 2, 2, 2);
    m_inspectorFilter = new QLineEdit(inspect);
    m_inspectorFilter->setPlaceholderText(tr("Filter the inspectors"));
    m_inspectorFilter->setClearButtonEnabled(true);
    il->addWidget(m_inspectorFilter);
    m_inspectors = new QTabWidget(inspect);
    il->addWidget(m_inspectors, 1);
    const std::pair<QAbstractItemModel *, QString> inspectors[] = {
        {new ThreadsModel(m_doc, this), tr("Threads")},
        {new ContextsModel(m_doc, this), tr("Contexts")},
        {new ObjectsModel(m_doc, this), tr("Objects")},
        {new RequestsModel(m_doc, this), tr("Requests")},
    };
    for (const auto &[model, name] : inspectors) {
        auto *proxy = new InspectorFilterModel(this);
        proxy->setSourceModel(model);
        m_inspectorProxies.push_back(proxy);
        QTableView *view = makeTable(m_inspectors);
        view->setObjectName(name.toLower());
        view->setModel(proxy);
        view->setItemDelegate(new ChangedRowDelegate(view));
        view->viewport()->installEventFilter(this); // refit when its width changes
        m_inspectors->addTab(view, name);
        connect(m_inspectorFilter, &QLineEdit::textChanged, proxy,
                &InspectorFilterModel::setFilterText);
        // An object the user clicks in its inspector gets its refcount line,
        // first (a click, not the current row: the cursor moving and the
        // filter typed move that without anyone picking it).
        if (qobject_cast<ObjectsModel *>(model))
            connect(view, &QTableView::clicked, this, [this](const QModelIndex &index) {
                const QVariant id = index.data(ModelRoles::IdRole);
                if (index.isValid() && id.isValid())
                    m_refcounts->showObject(tee::ObjectId(id.toInt()));
            });
    }
    inspectDock->setWidget(inspect);
    addDockWidget(Qt::RightDockWidgetArea, inspectDock);

    // Violations, gaps and notes: a click moves the cursor there.
    auto *violationsDock = new QDockWidget(tr("Violations, gaps and notes"), this);
    violationsDock->setObjectName(QStringLiteral("violations"));
    m_violations = new ViolationsModel(m_doc, this);
    m_violationsView = makeTable(violationsDock);
    m_violationsView->setModel(m_violations);
    m_violationsView->setSortingEnabled(false);
    // a row added later (a reviewer note, a branch's findings) gets its
    // columns' room too, not the widths of the rows the run opened with
    const auto fitViolations = [view = m_violationsView] { view->resizeColumnsToContents(); };
    connect(m_violations, &QAbstractItemModel::rowsInserted, m_violationsView, fitViolations);
    connect(m_violations, &QAbstractItemModel::modelReset, m_violationsView, fitViolations);
    violationsDock->setWidget(m_violationsView);
    addDockWidget(Qt::RightDockWidgetArea, violationsDock);
    connect(m_violationsView, &QTableView::clicked, this, [this](const QModelIndex &index) {
        const QVariant step = index.data(ViolationsModel::StepRole);
        if (step.isValid()) {
            m_doc->setCursor(step.toULongLong());
            const uint64_t s = step.toULongLong();
            m_timeline->showSteps(s > 10 ? s - 10 : 1, s + 10);
        }
    });

    // The event log, filterable, in step with the cursor.
    auto *logDock = new QDockWidget(tr("Event log"), this);
    logDock->setObjectName(QStringLiteral("eventlog"));
    auto *log = new QWidget(logDock);
    auto *ll = new QVBoxLayout(log);
    ll->setContentsMargins(2, 2, 2, 2);
    auto *bar = new QHBoxLayout;
    m_logText = new QLineEdit(log);
    m_logText->setPlaceholderText(tr("Find in the event log (Ctrl+F)"));
    m_logText->setClearButtonEnabled(true);
    m_logKind = new QComboBox(log);
    m_logKind->addItem(tr("All kinds"));
    for (int k = 0; k <= int(tee::EventKind::Note); ++k)
        m_logKind->addItem(QString::fromLatin1(tee::eventKindName(tee::EventKind(k))), k);
    m_logEntity = new QPushButton(log);
    m_logEntity->setFlat(true);
    m_logEntity->hide();
    bar->addWidget(m_logText, 1);
    bar->addWidget(m_logKind);
    bar->addWidget(m_logEntity);
    ll->addLayout(bar);
    m_log = new EventLogModel(m_doc, this);
    m_logFilter = new EventFilterModel(this);
    m_logFilter->setSourceModel(m_log);
    m_logView = makeTable(log);
    m_logView->setSortingEnabled(false);
    m_logView->setModel(m_logFilter);
    // The cursor's row stays in sight when the view's viewport shrinks (the
    // horizontal scroll bar appears once the columns fit their text, after
    // the row was scrolled to): it sat under the scroll bar.
    m_logView->viewport()->installEventFilter(this);
    ll->addWidget(m_logView, 1);
    logDock->setWidget(log);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    connect(m_logText, &QLineEdit::textChanged, this,
            [this](const QString &text) { filterLog([&] { m_logFilter->setFilterText(text); }); });
    connect(m_logKind, &QComboBox::currentIndexChanged, this, [this](int i) {
        filterLog([&] {
            if (i <= 0)
                m_logFilter->setKinds({});
            else
                m_logFilter->setKinds({tee::EventKind(m_logKind->itemData(i).toInt())});
        });
    });
    connect(m_logEntity, &QPushButton::clicked, this, [this] {
        filterLog([&] { m_logFilter->setEntity(std::nullopt); });
        m_logEntity->hide();
    });
    connect(m_logView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::logSelectionChanged);
    // Stepping, branching, the design and the notes (issue 10).
    auto *stepDock = new QDockWidget(tr("Step, branch, design, notes"), this);
    stepDock->setObjectName(QStringLiteral("stepping"));
    m_step = new StepPanel(m_doc, stepDock);
    // It scrolls rather than drawing over the docks below it on a small
    // screen (1024x700: its notes list ran over the violations).
    auto *stepScroll = new QScrollArea(stepDock);
    stepScroll->setWidgetResizable(true);
    stepScroll->setFrameShape(QFrame::NoFrame);
    stepScroll->setWidget(m_step);
    stepDock->setWidget(stepScroll);
    // A tab beside the inspectors: the timeline keeps its width.
    addDockWidget(Qt::RightDockWidgetArea, stepDock);
    tabifyDockWidget(inspectDock, stepDock);
    inspectDock->raise();

    // Room for the inspectors' columns; the log gets a few rows by default.
    // (Once the window has its size: before that the main window's layout
    // ignores the request. A saved layout, restored later, wins.)
    QTimer::singleShot(0, this, [this, inspectDock, violationsDock, logDock] {
        if (!QSettings().contains(QStringLiteral("window/state"))) {
            // (a third of a small window: the timeline keeps the most)
            const int side = std::min(480, width() / 3);
            const int logRows = std::min(240, height() / 4);
            resizeDocks({inspectDock, violationsDock}, {side, side}, Qt::Horizontal);
            resizeDocks({inspectDock, violationsDock}, {460, 140}, Qt::Vertical);
            resizeDocks({logDock}, {logRows}, Qt::Vertical);
        }
    });
    auto *find = new QAction(tr("Find in the Event Log"), this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] {
        m_logText->setFocus();
        m_logText->selectAll();
    });
    addAction(find);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open..."), QKeySequence::Open, this, &MainWindow::openDialog);
    QMenu *builtins = file->addMenu(tr("Open &Built-in"));
    for (const auto &s : tee::sim::builtinScenarios()) {
        const QString name = QString::fromStdString(s.name);
        QAction *a =
            builtins->addAction(name + QStringLiteral("  —  ") + QString::fromStdString(s.title));
        connect(a, &QAction::triggered, this, [this, name] { openPathInBackground(name); });
    }
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    file->addAction(tr("&Save Capture..."), QKeySequence::Save, this, &MainWindow::saveDialog);
    QMenu *exports = file->addMenu(tr("&Export"));
    exports->addAction(tr("Picture (PNG, SVG, PDF)..."), this, &MainWindow::exportPictureDialog);
    exports->addAction(tr("Chrome Trace..."), this, &MainWindow::exportChromeDialog);
    exports->addAction(tr("Text Timeline..."), this, &MainWindow::exportTextDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_timeline->fitAction());
    view->addAction(m_timeline->zoomSelectionAction());
    view->addAction(m_timeline->undoZoomAction());
    view->addAction(m_timeline->redoZoomAction());
    view->addAction(m_timeline->axisAction());
    view->addAction(m_timeline->legendAction());
    // A panel closed with its title bar's button comes back from here (the
    // layout is saved, so it stayed closed after a restart; an app audit).
    view->addSeparator();
    QMenu *panels = view->addMenu(tr("&Panels"));
    for (QDockWidget *dock : findChildren<QDockWidget *>(Qt::FindDirectChildrenOnly))
        panels->addAction(dock->toggleViewAction());

    QMenu *go = menuBar()->addMenu(tr("&Go"));
    QAction *next = go->addAction(tr("Next Step"), this, [this] { stepBy(1); });
    next->setShortcut(Qt::Key_Right);
    QAction *prev = go->addAction(tr("Previous Step"), this, [this] { stepBy(-1); });
    prev->setShortcut(Qt::Key_Left);
    QAction *first = go->addAction(tr("First Step"), this, [this] { m_doc->setCursor(0); });
    first->setShortcut(Qt::Key_Home);
    QAction *last =
        go->addAction(tr("Last Step"), this, [this] { m_doc->setCursor(m_doc->stepCount()); });
    last->setShortcut(Qt::Key_End);
    QAction *violation = go->addAction(tr("Next Violation"), this, [this] {
        // a violation, not a gap or a note (the pane lists all three)
        int row = m_violations->rowAtOrAfter(m_doc->cursor() + 1);
        while (row >= 0 && row < m_violations->rowCount() &&
               m_violations->index(row, 0).data(ViolationsModel::InvariantRole).toInt() == 0)
            ++row;
        if (row >= 0 && row < m_violations->rowCount())
            m_doc->setCursor(
                m_violations->index(row, 0).data(ViolationsModel::StepRole).toULongLong());
    });
    violation->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right));
    QAction *play = go->addAction(tr("Run / Pause"), this,
                                  [this] { m_step->setPlaying(!m_step->isPlaying()); });
    play->setShortcut(Qt::Key_Space);
    // Ctrl+Z after a branch: back to the branch it left.
    QAction *undoBranch = go->addAction(tr("Back to the Parent Branch"), this, [this] {
        if (!m_step->stepper())
            return;
        const auto info = m_step->stepper()->info(m_step->branch());
        if (info && info->parent >= 0)
            m_step->switchTo(info->parent);
    });
    undoBranch->setShortcut(QKeySequence::Undo);
    for (QAction *a : {next, prev, first, last, play, undoBranch})
        a->setShortcutContext(Qt::WindowShortcut);

    QMenu *analyze = menuBar()->addMenu(tr("&Analyze"));
    m_exploreAction =
        analyze->addAction(tr("&Explore Every Interleaving"), this, [this] { startExplore(); });
    m_exploreAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exploreAction->setStatusTip(
        tr("Search every interleaving of this scenario's threads and faults under its design "
           "(teescope-cli explore), check every invariant, and list each finding with its "
           "shortest run"));
    m_exploreAction->setEnabled(false);
    m_exploreOptionsAction = analyze->addAction(tr("Explore With &Options..."), this, [this] {
        ExploreOptionsDialog dialog(m_explorer->lastOptions(), this);
        if (dialog.exec() == QDialog::Accepted)
            startExplore(dialog.options());
    });
    m_exploreOptionsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    m_exploreOptionsAction->setStatusTip(
        tr("The same search with bounds (states, depth, memory), without reduction, keeping "
           "every state, or depth-first"));
    m_exploreOptionsAction->setEnabled(false);
}

ExploreDialog *MainWindow::exploreDialog() const
{
    return m_exploreDialog.data();
}

bool MainWindow::startExplore()
{
    return startExplore(Explorer::defaultOptions());
}

bool MainWindow::startExplore(const tee::sim::ExploreOptions &options)
{
    if (m_doc->isEmpty() || m_loader || m_explorer->running())
        return false;
    // The design chosen in the Design box, re-run or not: a reviewer who
    // picked argument=none and asked for a search meant that design (it
    // searched the one on screen and said "no violation"). The report and
    // the status say which design was searched.
    std::shared_ptr<const tee::sim::Simulator> sim = m_doc->simulatorPtr();
    const tee::Variant chosen = m_step->selectedVariant();
    if (!(chosen == sim->engine().variant()))
        sim = std::make_shared<const tee::sim::Simulator>(sim->scenarioPtr(), chosen);
    if (!m_explorer->start(sim, options))
        return false;
    m_exploreAction->setEnabled(false);
    m_exploreOptionsAction->setEnabled(false);
    showBusy();
    m_progress->show();
    m_cancel->show();
    m_status->setText(tr("Exploring every interleaving of %1 under %2...")
                          .arg(m_doc->title(), QString::fromStdString(chosen.toString())));
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(m_cancel, &QPushButton::clicked, m_explorer, &Explorer::cancel);
    auto done = std::make_shared<QMetaObject::Connection>();
    *done = connect(m_explorer, &Explorer::finished, this, [this, conn, done] {
        disconnect(*conn);
        disconnect(*done);
        m_progress->hide();
        m_cancel->hide();
        m_exploreAction->setEnabled(!m_doc->isEmpty());
        m_exploreOptionsAction->setEnabled(!m_doc->isEmpty());
        updateStatus();
        const auto &result = m_explorer->result();
        if (!result || !m_explorer->simulator())
            return;
        delete m_exploreDialog;
        m_exploreDialog = new ExploreDialog(*m_explorer->simulator(), *result, this);
        m_exploreDialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_exploreDialog, &ExploreDialog::openFinding, this,
                [this](const tee::sim::ExploreFinding &f) {
                    QString error;
                    if (!openExploreFinding(f, &error))
                        QMessageBox::critical(this, tr("Cannot open"), error);
                });
        m_exploreDialog->open(); // window-modal, not blocking
    });
    return true;
}

bool MainWindow::openExploreFinding(const tee::sim::ExploreFinding &f, QString *error)
{
    if (!mayCloseRun())
        return true; // the person kept the run on screen: nothing went wrong
    const std::shared_ptr<const tee::sim::Simulator> sim = m_explorer->simulator();
    if (!sim) {
        if (error)
            *error = tr("No search has run.");
        return false;
    }
    std::string why;
    std::optional<tee::sim::FindingRun> found = tee::sim::findingRun(*sim, f, &why);
    if (!found) {
        if (error)
            *error = QString::fromStdString(why);
        return false;
    }
    std::unique_ptr<RunDocument::Run> run =
        RunDocument::makeRun(sim, std::move(found->trace), found->options);
    run->notes = {found->note};
    run->focusStep = found->focus;
    run->initialCursor = std::min(found->focus, run->timeline.stepCount());
    clearLogFilters(); // a filter of the last run would hide this one's rows
    m_doc->setRun(std::move(run));
    return true;
}

bool MainWindow::openPath(const QString &nameOrPath, QString *error)
{
    std::unique_ptr<RunDocument::Run> run = loadAny(nameOrPath, error);
    if (!run)
        return false;
    clearLogFilters(); // a filter of the last run would hide this one's rows
    m_doc->setRun(std::move(run));
    if (QFileInfo(nameOrPath).isFile())
        addRecent(QFileInfo(nameOrPath).absoluteFilePath());
    QSettings().setValue(QStringLiteral("file/last"), nameOrPath);
    QTimer::singleShot(0, this, &MainWindow::warnIfRecordingDiffers);
    return true;
}

void MainWindow::warnIfRecordingDiffers()
{
    const QString why = m_doc->recordingDiffers();
    if (why.isEmpty())
        return;
    m_status->setText(tr("The recording differs from its replay: %1").arg(why));
    QMessageBox::warning(
        this, tr("The recording differs from its replay"),
        tr("%1 was recorded with this model version, but its schedule does not give its "
           "recording again on this teescope (the file was edited, or written by another "
           "build):\n\n%2\n\n(expected: the recording; got: the replay.) The window shows the "
           "recording; 'teescope-cli replay' compares the two.")
            .arg(m_doc->path(), why));
}

void MainWindow::openPathInBackground(const QString &nameOrPath,
                                      std::function<void(const QString &)> done,
                                      const std::vector<std::string> &variants)
{
    if (m_loader || m_explorer->running())
        return; // one load (or search) at a time
    // Asked now, not when the load is done: the person who chose to open
    // something else decides about the notes and branches before waiting.
    if (!mayCloseRun())
        return;
    struct Result
    {
        std::unique_ptr<RunDocument::Run> run;
        QString error;
    };
    auto result = std::make_shared<Result>();
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    m_loaderCancel = cancelled;
    auto progress = std::make_shared<tee::sim::RunProgress>();
    m_loader = QThread::create([result, nameOrPath, cancelled, progress, variants] {
        result->run =
            loadAny(nameOrPath, &result->error, cancelled.get(), progress.get(), variants);
    });
    showBusy(); // (until the run says its bound)
    m_progress->show();
    m_cancel->show();
    m_status->setText(tr("Loading %1...").arg(nameOrPath));
    // A run of 100 M steps of the stress scenario would take tens of GB:
    // stopped at a quarter of the RAM, with a message, as explore stops at
    // --memory (a quarter: the run's event list grows by doubling, so its
    // peak is up to twice what it holds when the bound is seen).
    const uint64_t bound = tee::sim::defaultMemoryBound() / 2;
    auto overMemory = std::make_shared<std::atomic<bool>>(false);
    auto *watchdog = new QTimer(this);
    watchdog->setInterval(200);
    // ... and the bar counts the steps of a long run ("step 120,000 of at
    // most 1,000,000"): it was a busy indicator only (an app audit).
    connect(watchdog, &QTimer::timeout, this,
            [this, cancelled, overMemory, bound, progress, nameOrPath] {
                if (!cancelled->load() && tee::sim::residentBytes() > bound) {
                    overMemory->store(true);
                    cancelled->store(true);
                }
                const uint64_t of = progress->of.load(std::memory_order_relaxed);
                if (progress->done.load(std::memory_order_relaxed)) {
                    // the run is over; its timeline is being laid out
                    if (!cancelled->load() && m_progress->maximum() != 0) {
                        showBusy();
                        m_status->setText(tr("Laying out the %L1 steps of %2...")
                                              .arg(progress->steps.load(std::memory_order_relaxed))
                                              .arg(nameOrPath));
                    }
                } else if (of > 0 && of <= uint64_t(INT_MAX) && !cancelled->load()) {
                    const uint64_t steps =
                        std::min(of, progress->steps.load(std::memory_order_relaxed));
                    m_progress->setRange(0, int(of));
                    m_progress->setValue(int(steps));
                    m_status->setText(tr("Loading %1: step %L2 of at most %L3...")
                                          .arg(nameOrPath)
                                          .arg(steps)
                                          .arg(of));
                }
            });
    watchdog->start();
    // Cancel gives the window back at once; the run stops at its next step
    // (reading a capture or laying out the timeline runs to its end) and
    // its result is dropped.
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(m_cancel, &QPushButton::clicked, this, [this, cancelled] {
        cancelled->store(true);
        m_progress->hide();
        m_cancel->hide();
        updateStatus();
    });
    QThread *thread = m_loader;
    connect(thread, &QThread::finished, this,
            [this, thread, result, cancelled, conn, nameOrPath, watchdog, overMemory, done, bound] {
                disconnect(*conn);
                watchdog->stop();
                watchdog->deleteLater();
                thread->deleteLater();
                m_loader = nullptr;
                m_loaderCancel.reset();
                m_progress->hide();
                m_cancel->hide();
                if (overMemory->load()) {
                    result->run.reset(); // (its memory goes before the message)
                    result->error =
                        tr("%1: the run took more than %2 MiB, a quarter of this machine's "
                           "memory: lower the scenario's max_steps")
                            .arg(nameOrPath)
                            .arg(bound >> 20);
                } else if (cancelled->load()) {
                    return;
                }
                if (!result->run) {
                    updateStatus();
                    if (done)
                        done(result->error);
                    else
                        QMessageBox::critical(this, tr("Cannot open"), result->error);
                    return;
                }
                clearLogFilters();
                m_doc->setRun(std::move(result->run));
                if (QFileInfo(nameOrPath).isFile())
                    addRecent(QFileInfo(nameOrPath).absoluteFilePath());
                QSettings().setValue(QStringLiteral("file/last"), nameOrPath);
                if (done)
                    done(QString());
                warnIfRecordingDiffers();
            });
    thread->start();
}

bool MainWindow::saveCapture(const QString &path, QString *error)
{
    return m_doc->saveCapture(path, error);
}

bool MainWindow::exportPicture(const QString &path, const RenderOptions &o, QString *error)
{
    if (m_doc->isEmpty()) {
        if (error)
            *error = tr("nothing to export");
        return false;
    }
    const auto format = tee::render::Renderer::formatOf(path);
    if (!format) {
        if (error)
            *error = tr("%1: choose a .png, .svg or .pdf file name").arg(path);
        return false;
    }
    // the picture shows the notes the window shows, and says which branch
    RenderOptions withNotes = o;
    withNotes.notes = m_doc->notes();
    if (withNotes.context.empty())
        withNotes.context = m_step->branchSummary().toStdString();
    const tee::render::Renderer renderer(sourceOf(*m_doc));
    return renderer.write(path, *format, withNotes, error);
}

namespace {
bool writeText(const QString &path, const std::string &text, QString *error)
{
    std::string why;
    if (!tee::sim::writeFileAtomically(path.toStdString(), text, &why)) {
        if (error)
            *error = QString::fromStdString(why);
        return false;
    }
    return true;
}
} // namespace

bool MainWindow::exportChrome(const QString &path, QString *error)
{
    if (m_doc->isEmpty())
        return false;
    tee::sim::ExportOptions o;
    o.run = &m_doc->runOptions();
    o.notes = &m_doc->notes();
    return writeText(path, tee::sim::chromeTrace(*m_doc->simulator(), m_doc->trace(), o), error);
}

bool MainWindow::exportText(const QString &path, QString *error)
{
    if (m_doc->isEmpty())
        return false;
    tee::sim::ExportOptions o;
    o.run = &m_doc->runOptions();
    o.notes = &m_doc->notes();
    return writeText(path, tee::sim::textTimeline(*m_doc->simulator(), m_doc->trace(), o), error);
}

void MainWindow::documentChanged()
{
    if (m_exploreAction && m_explorer)
        for (QAction *a : {m_exploreAction, m_exploreOptionsAction})
            if (a)
                a->setEnabled(!m_doc->isEmpty() && !m_explorer->running());
    const tee::render::TimelineSource src = sourceOf(*m_doc);
    m_timeline->setSource(src);
    m_refcounts->setSource(src);
    m_refcounts->setMargins(m_timeline->labelColumnWidth(), m_timeline->rightInset());
    // nothing to plot without a run (an empty plot's ticks ran together)
    m_refcounts->setHidden(m_doc->isEmpty());
    if (m_doc->isEmpty()) {
        setWindowTitle(QStringLiteral("teescope"));
        m_header->setText(tr("Open a scenario or a capture (File › Open)."));
    } else {
        setWindowTitle(QStringLiteral("teescope — ") + m_doc->title());
        QString text = QStringLiteral("<b>%1</b>").arg(m_doc->title().toHtmlEscaped());
        if (!m_doc->lead().isEmpty())
            text += QStringLiteral(" — ") + m_doc->lead().toHtmlEscaped();
        m_header->setText(text);
        m_header->setToolTip(m_doc->description());
    }
    for (QTableView *view : findChildren<QTableView *>())
        view->resizeColumnsToContents();
    fitLogNumberColumns();
    m_timeline->setNotes(m_doc->isEmpty() ? std::vector<tee::sim::Note>() : m_doc->notes());
    cursorChanged(m_doc->cursor());
}

// Qt sizes a column to the rows it samples (the first 1000 or so), so on a
// long run the log's step and time columns fitted "999" and cut "5000" to
// "50..." (an app audit). Their widest value is in the last row (the log is
// in step order), whose width they get at least.
// The status bar's progress bar as a busy indicator, without text (an
// explore, the start of a load).
void MainWindow::showBusy()
{
    m_progress->setRange(0, 0);
    m_progress->setTextVisible(false);
}

void MainWindow::fitLogNumberColumns()
{
    const QAbstractItemModel *model = m_logView->model();
    if (!model || model->rowCount() == 0)
        return;
    // (the view's own fit of that one cell: its text and the delegate's margins)
    for (const int c : {int(EventLogModel::Step), int(EventLogModel::Time)})
        m_logView->setColumnWidth(
            c,
            std::max(m_logView->columnWidth(c),
                     m_logView->sizeHintForIndex(model->index(model->rowCount() - 1, c)).width()));
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // (the inspectors' views are watched from before the log exists)
    if (m_logView && watched == m_logView->viewport() && event->type() == QEvent::Resize)
        QTimer::singleShot(0, this, [this] {
            const QModelIndex current = m_logView->currentIndex();
            if (current.isValid())
                m_logView->scrollTo(current);
        });
    if (m_inspectors && event->type() == QEvent::Resize)
        for (int i = 0; i < m_inspectors->count(); ++i)
            if (auto *view = qobject_cast<QTableView *>(m_inspectors->widget(i));
                view && watched == view->viewport() &&
                static_cast<QResizeEvent *>(event)->size().width() !=
                    static_cast<QResizeEvent *>(event)->oldSize().width())
                QTimer::singleShot(0, view, [view] { fitInspectorColumns(view); });
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::clearLogFilters()
{
    m_logText->clear();
    m_logKind->setCurrentIndex(0);
    filterLog([&] { m_logFilter->setEntity(std::nullopt); });
    m_logEntity->hide();
}

// A filter of the event log changes which rows are there, not the cursor:
// the selection the view moves meanwhile (its current row filtered out) is
// not a reader's click, and the log then selects the cursor's rows again.
// (Clicking a lane's name moved the cursor to the entity's next event, and
// clearing the filter left the log at step 1 with nothing selected.)
void MainWindow::filterLog(const std::function<void()> &change)
{
    const bool was = m_syncing;
    m_syncing = true;
    change();
    m_syncing = was;
    selectCursorInLog();
}

void MainWindow::selectCursorInLog()
{
    const bool was = m_syncing;
    m_syncing = true;
    const QModelIndex row = m_logFilter->indexForStep(
        m_doc->cursor(), m_doc->focusStep() == m_doc->cursor() ? m_doc->focusInvariant() : 0);
    if (row.isValid()) {
        m_logView->selectionModel()->setCurrentIndex(row, QItemSelectionModel::ClearAndSelect |
                                                              QItemSelectionModel::Rows);
        m_logView->scrollTo(row);
    } else {
        m_logView->selectionModel()->clear(); // step 0: before every event
    }
    m_syncing = was;
}

QString MainWindow::selectedEntity() const
{
    // The entity selected in the inspector on top: its name up to the
    // first blank ("req#0 (ctx1 id 0)" -> "req#0").
    auto *view = qobject_cast<QTableView *>(m_inspectors->currentWidget());
    if (!view || !view->selectionModel() || !view->selectionModel()->hasSelection())
        return {};
    const QModelIndex i = view->selectionModel()->currentIndex();
    return i.sibling(i.row(), 0).data().toString().section(QLatin1Char(' '), 0, 0);
}

void MainWindow::cursorChanged(uint64_t step)
{
    if (m_syncing)
        return;
    m_syncing = true;
    m_timeline->setCursorStep(step);
    selectCursorInLog();
    m_syncing = false;
    for (int i = 0; i < m_inspectors->count(); ++i)
        if (auto *view = qobject_cast<QTableView *>(m_inspectors->widget(i)))
            fitInspectorColumns(view);
    updateStatus();
}

void MainWindow::logSelectionChanged()
{
    if (m_syncing)
        return;
    const QModelIndex current = m_logView->selectionModel()->currentIndex();
    if (!current.isValid())
        return;
    if (const auto step = m_logFilter->stepAt(current.row())) {
        m_syncing = true;
        m_doc->setCursor(*step);
        m_syncing = false;
        m_timeline->setCursorStep(*step);
        updateStatus();
    }
}

void MainWindow::stepBy(int64_t delta)
{
    const int64_t next = int64_t(m_doc->cursor()) + delta;
    m_doc->setCursor(uint64_t(std::max<int64_t>(0, next)));
}

QString MainWindow::summary() const
{
    if (m_doc->isEmpty())
        return tr("no run");
    const uint64_t step = m_doc->cursor();
    const double us = step > 0 ? double(m_doc->timeline().step(step).endNs) / 1000.0 : 0.0;
    const uint64_t violations = m_doc->violationCount();
    QString s = tr("step %1 of %2 · %3 us · %4 %5")
                    .arg(step)
                    .arg(m_doc->stepCount())
                    .arg(us, 0, 'f', 2)
                    .arg(violations)
                    .arg(violations == 1 ? tr("violation") : tr("violations"));
    // A capture of another model version shows its recording, which this
    // teescope would not make again (teescope-cli replay says so too).
    if (m_doc->modelVersion() != tee::kModelVersion)
        s += tr(" · recorded with model version %1, this teescope has %2 (teescope-cli "
                "replay shows the difference)")
                 .arg(m_doc->modelVersion())
                 .arg(tee::kModelVersion);
    // A run that ends with threads waiting for ever (the stuck rule, as
    // explore's stuck findings); at the last step, who waits on what (the
    // stop line of the CLI). Before the design and the policy, which the
    // Step panel also shows: a long detail was cut in a 1600-pixel window.
    if (m_doc->trace().stop == tee::sim::StopReason::Stuck) {
        s += tr(" · ends stuck");
        if (step == m_doc->stepCount() && !m_doc->trace().stopDetail.empty())
            s += QStringLiteral(": ") + QString::fromStdString(m_doc->trace().stopDetail);
    }
    return s + tr(" · %1 · %2").arg(m_doc->variantText(), m_doc->policyName());
}

void MainWindow::updateStatus()
{
    m_status->setText(summary());
    m_status->setToolTip(
        m_doc->isEmpty() || m_doc->trace().stopDetail.empty()
            ? QString()
            : tr("The run stops %1: %2")
                  .arg(QString::fromLatin1(tee::sim::stopReasonName(m_doc->trace().stop)))
                  .arg(QString::fromStdString(m_doc->trace().stopDetail)));
}

QStringList MainWindow::recentFiles() const
{
    return QSettings().value(QStringLiteral("file/recent")).toStringList();
}

void MainWindow::addRecent(const QString &path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecent)
        files.removeLast();
    QSettings().setValue(QStringLiteral("file/recent"), files);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = recentFiles();
    for (const QString &f : files)
        connect(m_recentMenu->addAction(f), &QAction::triggered, this,
                [this, f] { openPathInBackground(f); });
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::openDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a Scenario or a Capture"), {},
                                     tr("Scenarios and captures (*.json);;All files (*)"));
    if (!path.isEmpty())
        openPathInBackground(path);
}

QString MainWindow::suggestion(const QString &what) const
{
    const tee::sim::Simulator *sim = m_doc->simulator();
    return suggestedFileName(sim ? QString::fromStdString(sim->scenario().name) : QString(),
                             m_step->branch(), what);
}

void MainWindow::saveDialog()
{
    const QString path = saveFileName(this, tr("Save Capture"), tr("Captures (*.json)"),
                                      suggestion(QStringLiteral(".capture.json")));
    if (path.isEmpty())
        return;
    QString error;
    if (!saveCapture(path, &error))
        QMessageBox::critical(this, tr("Cannot save the capture"), error);
}

void MainWindow::exportPictureDialog()
{
    if (m_doc->isEmpty())
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Export Picture"));
    auto *form = new QFormLayout(&dialog);
    auto *width = new QSpinBox(&dialog);
    width->setRange(400, 8000);
    width->setValue(1600);
    auto *height = new QSpinBox(&dialog);
    height->setRange(300, 8000);
    height->setValue(1000);
    auto *from = new QSpinBox(&dialog);
    from->setRange(1, int(std::max<uint64_t>(1, m_doc->stepCount())));
    from->setValue(1);
    auto *to = new QSpinBox(&dialog);
    to->setRange(1, int(std::max<uint64_t>(1, m_doc->stepCount())));
    to->setValue(int(m_doc->stepCount()));
    form->addRow(tr("Width (px)"), width);
    form->addRow(tr("Height (px)"), height);
    form->addRow(tr("From step"), from);
    form->addRow(tr("To step"), to);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    // An inside-out range is said, as teescope-cli render says it, and the
    // dialog stays (spin boxes that pushed each other's limits turned a
    // typed From 20, To 5 into steps 20-24 without a word; an app audit).
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&dialog, from, to] {
        if (from->value() > to->value()) {
            QMessageBox::warning(
                &dialog, tr("Export Picture"),
                tr("To step %1 comes before From step %2.").arg(to->value()).arg(from->value()));
            return;
        }
        dialog.accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString path =
        saveFileName(this, tr("Export Picture"), tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf)"),
                     // (no extension: the filter chosen adds its own)
                     suggestion(m_doc->cursor() > 0 ? QStringLiteral("-step%1").arg(m_doc->cursor())
                                                    : QString()));
    if (path.isEmpty())
        return;
    RenderOptions o;
    o.width = width->value();
    o.height = height->value();
    o.from = uint64_t(from->value());
    o.to = uint64_t(to->value());
    o.cursorStep = m_doc->cursor();
    o.axis = m_timeline->axis();
    QString error;
    if (!exportPicture(path, o, &error))
        QMessageBox::critical(this, tr("Cannot export"), error);
}

void MainWindow::exportChromeDialog()
{
    const QString path = saveFileName(this, tr("Export Chrome Trace"), tr("JSON (*.json)"),
                                      suggestion(QStringLiteral(".trace.json")));
    QString error;
    if (!path.isEmpty() && !exportChrome(path, &error))
        QMessageBox::critical(this, tr("Cannot export"), error);
}

void MainWindow::exportTextDialog()
{
    const QString path = saveFileName(this, tr("Export Text Timeline"), tr("Text (*.txt)"),
                                      suggestion(QStringLiteral(".txt")));
    QString error;
    if (!path.isEmpty() && !exportText(path, &error))
        QMessageBox::critical(this, tr("Cannot export"), error);
}

bool MainWindow::mayCloseRun()
{
    if (!m_doc->isModified())
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Unsaved notes or branches"),
        tr("This run has notes or branches that are not saved in a capture. Save it?"),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel)
        return false;
    if (answer == QMessageBox::Save) {
        saveDialog();
        return !m_doc->isModified(); // the save dialog was cancelled, or failed
    }
    return true;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!mayCloseRun()) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    for (const QUrl &url : event->mimeData()->urls())
        if (url.isLocalFile()) {
            openPathInBackground(url.toLocalFile());
            break;
        }
}
