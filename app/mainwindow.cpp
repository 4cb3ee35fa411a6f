#include "mainwindow.h"

#include "eventlogmodel.h"

#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QAction>
#include <QFileDialog>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTableView>

#include <memory>
#include <string>

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_model(new EventLogModel(this))
    , m_view(new QTableView(this))
    , m_statusLabel(new QLabel(this))
{
    setWindowTitle(QStringLiteral("teescope"));

    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    // One line per event: compact rows show more of a run at once.
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    setCentralWidget(m_view);

    statusBar()->addWidget(m_statusLabel, 1);

    auto *file = menuBar()->addMenu(tr("&File"));
    auto *open = file->addAction(tr("&Open Scenario..."), this, &MainWindow::openScenarioDialog);
    open->setShortcut(QKeySequence::Open);
    file->addSeparator();
    auto *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    resize(1100, 700);
}

MainWindow::~MainWindow() = default;

bool MainWindow::openScenario(const QString &nameOrPath, QString *error)
{
    std::string err;
    std::shared_ptr<const tee::sim::Scenario> scenario =
        tee::sim::loadScenario(nameOrPath.toStdString(), &err);
    if (!scenario) {
        if (error)
            *error = QString::fromStdString(err);
        return false;
    }

    auto sim = std::make_shared<const tee::sim::Simulator>(scenario);
    tee::sim::RunOptions opts;
    opts.policy = scenario->policy;
    opts.seed = scenario->seed;
    opts.maxSteps = scenario->maxSteps;
    tee::sim::Trace trace = tee::sim::run(*sim, opts, &err);
    // A fixed schedule naming a step that is not enabled is bad input, like
    // a parse error: report it instead of showing a silently partial run.
    if (!err.empty()) {
        if (error)
            *error = QString::fromStdString(err);
        return false;
    }

    m_summary = tr("%1 steps, %2 events, %3 violations (%4)")
                    .arg(qulonglong(trace.schedule.size()))
                    .arg(qulonglong(trace.events.size()))
                    .arg(qulonglong(trace.violations))
                    .arg(QString::fromLatin1(tee::sim::stopReasonName(trace.stop)));
    m_model->setEvents(sim, std::move(trace.events));
    m_view->resizeColumnsToContents(); // samples the first rows only: cheap on long runs

    const std::string &title = scenario->title.empty() ? scenario->name : scenario->title;
    setWindowTitle(QStringLiteral("teescope — ") + QString::fromStdString(title));
    m_statusLabel->setText(m_summary);
    return true;
}

void MainWindow::openScenarioDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Scenario"), {},
                                                      tr("Scenarios (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!openScenario(path, &error))
        QMessageBox::critical(this, tr("Cannot open scenario"), error);
}
