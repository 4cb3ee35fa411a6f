// Explore from the window (Analyze › Explore Every Interleaving): the
// search of `teescope-cli explore` (simulator/explore.h) on the document's
// scenario and design, on a worker thread, with its progress in the status
// bar and Cancel; its report in a dialog that lists every finding and gap
// with the length of its shortest run, and opens the one chosen on the
// timeline at its step, as the CLI's --counterexample capture would.
#pragma once

#include "simulator/explore.h"

#include <QDialog>
#include <QObject>

#include <atomic>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QThread;
class QTreeWidget;

class Explorer : public QObject
{
    Q_OBJECT
public:
    explicit Explorer(QObject *parent = nullptr);
    ~Explorer() override; // stops a search and waits for it

    // The options Explore Every Interleaving uses: teescope-cli explore's
    // defaults (breadth-first, hash compaction, reduction on, no state or
    // depth bound, the default memory bound) with one job per core.
    static tee::sim::ExploreOptions defaultOptions();
    // Starts a search on `sim` with `options` (its interrupt and progress
    // are the Explorer's own); false when one runs.
    bool start(std::shared_ptr<const tee::sim::Simulator> sim,
               const tee::sim::ExploreOptions &options = defaultOptions());
    // Stops the search at its next step; finished() still comes, with the
    // report of what it found so far (bound "interrupted").
    void cancel();
    bool running() const { return m_thread != nullptr; }
    // The options of the last search started (defaultOptions() before the
    // first): Explore With Options starts from them.
    const tee::sim::ExploreOptions &lastOptions() const { return m_options; }
    // The last search's report and the simulator it ran on.
    const std::optional<tee::sim::ExploreResult> &result() const { return m_result; }
    std::shared_ptr<const tee::sim::Simulator> simulator() const { return m_sim; }

Q_SIGNALS:
    void progress(quint64 states, quint64 depth, quint64 rssBytes);
    void finished();

private:
    QThread *m_thread = nullptr;
    std::shared_ptr<std::atomic<bool>> m_stop;
    std::shared_ptr<const tee::sim::Simulator> m_sim;
    std::optional<tee::sim::ExploreResult> m_result;
    tee::sim::ExploreOptions m_options = defaultOptions();
};

// Analyze › Explore With Options: the bounds and modes of teescope-cli
// explore (docs/cli.md) for one search from the window, with the CLI's
// defaults filled in.
class ExploreOptionsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ExploreOptionsDialog(const tee::sim::ExploreOptions &initial,
                                  QWidget *parent = nullptr);
    // What the fields say (interrupt and progress left empty).
    tee::sim::ExploreOptions options() const;

    QCheckBox *reduction() const { return m_reduction; }
    QCheckBox *exact() const { return m_exact; }
    QComboBox *strategy() const { return m_strategy; }
    QSpinBox *maxStates() const { return m_maxStates; } // thousands; 0: no bound
    QSpinBox *maxDepth() const { return m_maxDepth; }   // 0: no bound
    QSpinBox *memory() const { return m_memory; }       // MiB; 0: no bound
    QSpinBox *jobs() const { return m_jobs; }

private:
    QCheckBox *m_reduction = nullptr;
    QCheckBox *m_exact = nullptr;
    QComboBox *m_strategy = nullptr;
    QSpinBox *m_maxStates = nullptr;
    QSpinBox *m_maxDepth = nullptr;
    QSpinBox *m_memory = nullptr;
    QSpinBox *m_jobs = nullptr;
};

// The report: the verdict, the search's figures, and one row per finding
// (each violated invariant and each way it broke, a stuck state) and per
// spec §9 gap reached, with its shortest length. "Open" (or a double click)
// emits openFinding with the row's finding.
class ExploreDialog : public QDialog
{
    Q_OBJECT
public:
    ExploreDialog(const tee::sim::Simulator &sim, const tee::sim::ExploreResult &result,
                  QWidget *parent = nullptr);

    QTreeWidget *findings() const { return m_list; }
    // Opens the selected row's finding (nothing selected: nothing).
    void openSelected();

Q_SIGNALS:
    void openFinding(const tee::sim::ExploreFinding &finding);

private:
    tee::sim::ExploreResult m_result;
    std::vector<const tee::sim::ExploreFinding *> m_rows; // by top-level row
    QTreeWidget *m_list = nullptr;
    QPushButton *m_open = nullptr;
};
