// One run on screen: the simulator, the trace, the timeline model built from
// it once, how it was run, and the cursor. Qt Core only; every view (the
// timeline, the inspectors, the event log, the status bar) reads the run
// from here and follows cursorChanged, so they always show the same step.
//
// The cursor is a step, 0..stepCount: the inspectors show the state after
// it (0: before the first step). It is not a time: with per-thread time a
// later step may start before an earlier one (docs/model.md, "Time").
#pragma once

#include "simulator/capture.h"
#include "simulator/simulator.h"
#include "simulator/timeline.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

class RunDocument : public QObject
{
    Q_OBJECT
public:
    enum class Source : uint8_t {
        None,     // nothing loaded
        Scenario, // a built-in or a scenario file, run when opened
        Capture,  // a capture: its recorded run, nothing re-run
        Trace,    // a run handed over by the caller (setRun)
    };

    // Everything a document shows. Built by the static loaders without
    // touching the document (no QObject inside), so a caller may build it on
    // a worker thread and hand it over with setRun() on the GUI thread.
    struct Run
    {
        std::shared_ptr<const tee::sim::Simulator> simulator;
        tee::sim::Trace trace;
        tee::sim::Timeline timeline;
        tee::sim::RunOptions options;
        std::vector<tee::sim::Note> notes; // a capture's reviewer notes
        std::optional<uint64_t> focusStep; // the step the run is about, if known
        // A capture of this model version whose recording its schedule does
        // not give again (edited, or made by another build): the first
        // difference, as `teescope-cli replay` names it. Empty otherwise.
        QString recordingDiffers;
        std::vector<tee::ProcessId> processOf; // each thread's process (worker: invalid)
        std::vector<uint64_t> lastStep;        // each thread's last step (0: none)
        int modelVersion = tee::kModelVersion; // of the model that recorded the events
        Source source = Source::None;
        QString path;               // the file or built-in name it came from
        uint64_t initialCursor = 0; // where the cursor goes when shown
    };

    explicit RunDocument(QObject *parent = nullptr);
    ~RunDocument() override;

    // -- loading ----------------------------------------------------------------
    // A built-in name or a scenario file, run with the scenario's own policy,
    // seed and step bound (a fixed schedule naming a step that is not enabled
    // is an error, like a parse error). Cursor at step 0.
    bool openScenario(const QString &nameOrPath, QString *error);
    // A capture (readCapture): the document shows the recorded run. Cursor at
    // the focus step, else the first violation, else step 0.
    bool openCapture(const QString &path, QString *error);
    // A failed open leaves the document as it was (no signal) and `error`
    // names the input and the place in it.

    // `cancel` (set from another thread) stops the run at its next step:
    // nullptr and the error "cancelled". `progress` follows the run (the
    // window's progress bar).
    // `variants` ("NAME=VALUE", as --variant) override the scenario's design.
    static std::unique_ptr<Run> loadScenario(const QString &nameOrPath, QString *error,
                                             const std::atomic<bool> *cancel = nullptr,
                                             tee::sim::RunProgress *progress = nullptr,
                                             const std::vector<std::string> &variants = {});
    // True when the file is a capture (a JSON object whose "format" is
    // "teescope-capture", or a file that names that format and is not valid
    // JSON or too large for a scenario: a broken capture, for the capture
    // reader to describe); anything else is a scenario or a built-in name.
    static bool isCapture(const QString &path);
    // loadCapture or loadScenario, by isCapture. A capture keeps the design
    // it was recorded with: `variants` with one is an error.
    static std::unique_ptr<Run> load(const QString &nameOrPath, QString *error,
                                     const std::atomic<bool> *cancel = nullptr,
                                     tee::sim::RunProgress *progress = nullptr,
                                     const std::vector<std::string> &variants = {});
    // `cancel` stops the replay that checks the recording (nullptr and
    // "cancelled", as loadScenario).
    static std::unique_ptr<Run> loadCapture(const QString &path, QString *error,
                                            const std::atomic<bool> *cancel = nullptr,
                                            tee::sim::RunProgress *progress = nullptr);
    // A run made elsewhere (tests; later, the stepping UI). Builds the timeline.
    static std::unique_ptr<Run> makeRun(std::shared_ptr<const tee::sim::Simulator> sim,
                                        tee::sim::Trace trace, const tee::sim::RunOptions &opts);
    // Shows `run` (null: nothing); emits documentChanged, then cursorChanged
    // when the cursor step differs from before.
    void setRun(std::unique_ptr<Run> run);
    void clear();

    // The run as a capture (atomic write; on failure no file is left). A
    // document read from a capture of an older model version is not written
    // back: its events are not this model's.
    bool saveCapture(const QString &path, QString *error) const;

    // -- the run ----------------------------------------------------------------
    bool isEmpty() const { return !m_run; }
    Source source() const { return m_run ? m_run->source : Source::None; }
    QString path() const { return m_run ? m_run->path : QString(); }
    // The model version that recorded the run's events (a capture's; this
    // teescope's for a scenario).
    int modelVersion() const { return m_run ? m_run->modelVersion : tee::kModelVersion; }
    const tee::sim::Simulator *simulator() const
    {
        return m_run ? m_run->simulator.get() : nullptr;
    }
    std::shared_ptr<const tee::sim::Simulator> simulatorPtr() const;
    const tee::sim::Trace &trace() const;
    const tee::sim::Timeline &timeline() const;
    const tee::sim::RunOptions &runOptions() const;
    const std::vector<tee::sim::Note> &notes() const;
    // The reviewer's notes (saved with the capture); marks the run modified.
    void setNotes(std::vector<tee::sim::Note> notes);
    // Unsaved notes or branches: the window asks before closing. Set by
    // setNotes and by the caller (a new branch); cleared by saveCapture and
    // by a new run.
    bool isModified() const { return m_modified; }
    void setModified(bool modified) { m_modified = modified; }
    std::optional<uint64_t> focusStep() const;
    QString recordingDiffers() const { return m_run ? m_run->recordingDiffers : QString(); }
    // The invariant the run is about (1..18), 0 when none: an explore
    // counterexample's, read from its note at the focus step ("... a
    // violation of I2"), so the log selects that row where several
    // invariants break in one step.
    int focusInvariant() const;
    uint64_t stepCount() const { return m_run ? m_run->timeline.stepCount() : 0; }

    // For the title bar, the header and the status bar.
    QString title() const;       // the scenario's title, else its name
    QString description() const; // the scenario's description
    QString lead() const;        // leadSentence(description): what to look for
    QString variantText() const; // "request=fifo,argument=lock,lifetime=ctxref,gaps=faithful"
    QString policyName() const;  // "scripted"
    uint64_t violationCount() const;
    std::optional<uint64_t> firstViolationStep() const;

    // -- the cursor -------------------------------------------------------------
    uint64_t cursor() const { return m_cursor; }
    // Clamped to 0..stepCount; cursorChanged only when the step changes.
    void setCursor(uint64_t step);
    // The state after the cursor step (Timeline::stateAfter, computed once
    // per move and shared by every inspector).
    const tee::sim::StateAfter &stateAtCursor() const { return m_state; }
    // True when an event of the cursor step touched the lane's entity.
    bool touchedAtCursor(tee::sim::LaneKey key) const;

    // -- entities and events ----------------------------------------------------
    // The lanes an event concerns: its thread and actor (a kill: every thread
    // of the process), context, object, request (and the other request a
    // finding names), the reqs_lock of a lock event, the release workqueue
    // of a work event, QTEE of a message. Appended to `out`.
    void eventLanes(const tee::Event &e, std::vector<tee::sim::LaneKey> &out) const;
    bool eventTouches(const tee::Event &e, tee::sim::LaneKey key) const;
    // The same for any run: `processOf` gives each thread's process.
    static void eventLanes(const tee::Event &e, std::span<const tee::ProcessId> processOf,
                           std::vector<tee::sim::LaneKey> &out);
    // The vocabulary's name of a lane: "app/client", "ctx1", "obj5", "req#3",
    // "reqs_lock ctx1", "QTEE", "qcomtee_wq".
    QString laneName(tee::sim::LaneKey key) const;
    // The thread's name (Simulator::threadName), "?" when invalid.
    QString threadName(tee::ThreadId t) const;
    // The last step the thread took (0: none). A thread keeps taking steps
    // after its ThreadExit event while do_exit drops its files
    // (exit_files, close_context): it has not left the kernel before then.
    uint64_t lastStepOf(tee::ThreadId t) const;

Q_SIGNALS:
    // A new run (or none): everything may have changed.
    void documentChanged();
    void cursorChanged(uint64_t step);
    void notesChanged();

private:
    void computeCursorState();

    std::unique_ptr<Run> m_run;
    uint64_t m_cursor = 0;
    mutable bool m_modified = false;
    tee::sim::StateAfter m_state;
    std::vector<tee::sim::LaneKey> m_touched; // sorted by (kind, id)
};
