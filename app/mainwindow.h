// The inspector's main window: one run (RunDocument) on the timeline, the
// refcount plot under it, the inspectors at the cursor step, the event log
// and the violations, all following one cursor (a step). Opening, saving
// and exporting live here; drawing lives in app/render, models in
// app/models, so the window only wires them together.
#pragma once

#include "app/render/renderer.h"

#include <QMainWindow>
#include <QPointer>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>

class EventFilterModel;
class ExploreDialog;
class Explorer;
class EventLogModel;
class InspectorFilterModel;
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;
class QThread;
class RunDocument;
class StepPanel;
class ViolationsModel;

namespace tee::render {
class RefcountPlot;
class TimelinePlot;
} // namespace tee::render
namespace tee::sim {
struct ExploreFinding;
struct ExploreOptions;
} // namespace tee::sim

// A file name typed without an extension in a save dialog gets the one of
// the filter chosen ("shot" with "SVG (*.svg)" is shot.svg), as file
// dialogs with a default suffix do; a name with one is kept.
QString withFilterSuffix(const QString &path, const QString &selectedFilter);
// The name a save dialog suggests: the scenario's name, the branch when it
// is not the recording, then `what` ("-step27.png", ".capture.json"), with
// characters a file name should not have replaced by '-'.
QString suggestedFileName(const QString &scenario, int branch, const QString &what);

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    // A save dialog's suggested file name for this run (suggestedFileName).
    QString suggestion(const QString &what) const;
    ~MainWindow() override;

    // A built-in name, a scenario file or a capture (told apart by content).
    // On failure the run on screen stays as it was and `error` names the
    // input and the place in it. Synchronous (tests, the command line).
    bool openPath(const QString &nameOrPath, QString *error);
    bool openScenario(const QString &nameOrPath, QString *error)
    {
        return openPath(nameOrPath, error);
    }
    // The same on a worker thread: the window stays responsive, a progress
    // bar with Cancel shows in the status bar; errors come as a message box,
    // or to `done` when given (an empty error: the run is open; not called
    // when the person cancels). A load that takes more than a quarter of
    // the RAM stops with an error instead of taking the machine down.
    // `variants` ("NAME=VALUE") run a scenario under another design.
    void openPathInBackground(const QString &nameOrPath,
                              std::function<void(const QString &error)> done = {},
                              const std::vector<std::string> &variants = {});
    // A background load is running (Cancel stops its run at the next step).
    bool loading() const { return m_loader != nullptr; }

    // Analyze › Explore Every Interleaving: the search of `teescope-cli
    // explore` on the document's scenario and design, in the background
    // (progress and Cancel in the status bar); its report comes as a
    // dialog (exploreDialog) whose findings open at their step. False when
    // there is nothing to explore or a load or a search runs.
    bool startExplore();
    // Analyze › Explore With Options: the same with the options the dialog
    // (ExploreOptionsDialog) gives.
    bool startExplore(const tee::sim::ExploreOptions &options);
    Explorer *explorer() const { return m_explorer; }
    ExploreDialog *exploreDialog() const;
    // Shows a finding of the last search as its counterexample capture
    // would: the run replayed, the cursor at its last step, the note there.
    bool openExploreFinding(const tee::sim::ExploreFinding &f, QString *error);

    bool saveCapture(const QString &path, QString *error);
    // Pictures of the run as on screen (step range and size in `o`), always
    // in the print palette; the format comes from the file name.
    bool exportPicture(const QString &path, const tee::render::RenderOptions &o, QString *error);
    bool exportChrome(const QString &path, QString *error);
    bool exportText(const QString &path, QString *error);

    RunDocument *document() const { return m_doc; }
    EventLogModel *eventLogModel() const { return m_log; }
    EventFilterModel *eventFilter() const { return m_logFilter; }
    tee::render::TimelinePlot *timelinePlot() const { return m_timeline; }
    tee::render::RefcountPlot *refcountPlot() const { return m_refcounts; }
    QTabWidget *inspectors() const { return m_inspectors; }
    QTableView *eventLogView() const { return m_logView; }
    QTableView *violationsView() const { return m_violationsView; }
    StepPanel *stepPanel() const { return m_step; }
    // "step 9 of 24 · 4.70 us · 0 violations · request=fifo,... · scripted",
    // and " · ends stuck" when the run ends stuck
    QString summary() const;
    QStringList recentFiles() const;

protected:
    void closeEvent(QCloseEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;
    // Before the run on screen is closed or replaced: when it has notes or
    // branches not saved in a capture, asks whether to save them. False
    // when the person cancels (or the save did not happen).
    bool mayCloseRun();
    // A capture whose schedule does not give its recording again (this
    // model version): says so (the window shows the recording).
    void warnIfRecordingDiffers();
    // The event log's text, kind and lane filters off (a run was opened).
    void clearLogFilters();
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    // The log's step and time columns fit its last row (Qt samples the first)
    void fitLogNumberColumns();
    void showBusy();
    void buildMenus();
    void buildDocks();
    void documentChanged();
    void cursorChanged(uint64_t step);
    void updateStatus();
    void addRecent(const QString &path);
    void updateRecentMenu();
    void openDialog();
    void saveDialog();
    void exportPictureDialog();
    void exportChromeDialog();
    void exportTextDialog();
    void stepBy(int64_t delta);
    void logSelectionChanged();
    void filterLog(const std::function<void()> &change);
    void selectCursorInLog();
    // The reviewer's notes as markers on the timeline (a few items: fine
    // for QCustomPlot, unlike one item per lane segment).
    QString selectedEntity() const;

    RunDocument *m_doc = nullptr;
    tee::render::TimelinePlot *m_timeline = nullptr;
    tee::render::RefcountPlot *m_refcounts = nullptr;
    QLabel *m_header = nullptr;
    QTabWidget *m_inspectors = nullptr;
    QLineEdit *m_inspectorFilter = nullptr;
    std::vector<InspectorFilterModel *> m_inspectorProxies;
    EventLogModel *m_log = nullptr;
    EventFilterModel *m_logFilter = nullptr;
    QTableView *m_logView = nullptr;
    QLineEdit *m_logText = nullptr;
    QComboBox *m_logKind = nullptr;
    QPushButton *m_logEntity = nullptr;
    ViolationsModel *m_violations = nullptr;
    StepPanel *m_step = nullptr;
    QTableView *m_violationsView = nullptr;
    QLabel *m_status = nullptr;
    QProgressBar *m_progress = nullptr;
    QPushButton *m_cancel = nullptr;
    QMenu *m_recentMenu = nullptr;
    QAction *m_exploreAction = nullptr;
    QAction *m_exploreOptionsAction = nullptr;
    Explorer *m_explorer = nullptr;
    QPointer<ExploreDialog> m_exploreDialog;
    QThread *m_loader = nullptr;
    std::shared_ptr<std::atomic<bool>> m_loaderCancel; // stops m_loader's run
    bool m_syncing = false; // a cursor move the window itself is spreading
};
