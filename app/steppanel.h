// Stepping and branching (issue 10): the actions enabled at the cursor step
// (the one the run takes next marked), the branches of the run, the design
// (variant and policy) with the points where the schedule's transfer to it
// departed from the recording, playback, and the reviewer's notes. The
// engine work is the Stepper's (app/models) and sim::transferSchedule's
// (simulator); this panel only shows them and hands the chosen run to the
// RunDocument.
#pragma once

#include "app/models/stepper.h"

#include <QWidget>

#include <functional>
#include <map>
#include <memory>

class QCheckBox;
class QComboBox;
class QListWidget;
class QPushButton;
class QSlider;
class QSpinBox;
class QTimer;
class RunDocument;

class StepPanel : public QWidget
{
    Q_OBJECT
public:
    explicit StepPanel(RunDocument *document, QWidget *parent = nullptr);
    ~StepPanel() override;

    // -- what the window and the tests drive --------------------------------------
    Stepper *stepper() const { return m_stepper.get(); }
    int branch() const { return m_branch; }
    // The branch shown, for an exported picture's title: "branch NAME, leaves
    // PARENT after step N"; empty for the recording itself.
    QString branchSummary() const;
    // Takes enabled action `index` at the cursor (continuing by the policy,
    // or one step only); false and `error` when it cannot.
    bool choose(size_t index, bool byPolicy, QString *error = nullptr);
    // Shows branch `id` (keeping the cursor's step where it exists).
    bool switchTo(int id);
    // The design chosen in the Design box (re-run or not yet).
    tee::Variant selectedVariant() const;
    bool discard(int id);
    // Re-runs the current schedule under another design ("request=idr" ...,
    // and a policy name or empty to keep it); the departures are listed.
    bool changeDesign(const tee::Variant &variant, const QString &policy, QString *error);
    // The reviewer's notes at the cursor (entity: a lane name or empty).
    void addNote(const QString &text, const QString &entity);
    void removeNote(int index);
    void setPlaying(bool playing);
    // Where "Add at Cursor" finds the entity a note is about (the window's
    // inspector selection).
    void setEntityProvider(std::function<QString()> provider) { m_entity = std::move(provider); }
    // Asked before the Re-run button replaces a run that has other branches
    // (they go): false keeps the run (the window asks to save it first).
    void setReplaceGuard(std::function<bool()> guard) { m_replaceGuard = std::move(guard); }
    bool isPlaying() const;

    QListWidget *actionsList() const { return m_actions; }
    QComboBox *variantBox(int i) const { return i >= 0 && i < 4 ? m_variant[i] : nullptr; }
    QListWidget *branchList() const { return m_branches; }
    QListWidget *departureList() const { return m_departures; }
    QListWidget *noteList() const { return m_notes; }

Q_SIGNALS:
    void branchesChanged();

private:
    void documentChanged();
    void cursorChanged(uint64_t step);
    void refreshActions();
    void refreshBranches();
    void refreshNotes();
    void refreshDesign();
    void showBranch(int id, uint64_t cursor);
    void tick();

    RunDocument *m_doc;
    std::unique_ptr<Stepper> m_stepper;
    std::function<bool()> m_replaceGuard;
    int m_branch = 0;
    bool m_own = false; // the document shows a run this panel made
    // Each branch's notes while another one is shown: a note belongs to the
    // run it was written on. A new branch starts with its parent's notes up
    // to the step it leaves it at (the steps they share), not the later
    // ones, which name other actions there.
    std::map<int, std::vector<tee::sim::Note>> m_branchNotes;
    std::vector<tee::sim::Note> notesFor(int id) const;

    QSlider *m_scrubber = nullptr;
    QPushButton *m_play = nullptr;
    QSpinBox *m_speed = nullptr;
    QTimer *m_timer = nullptr;
    QListWidget *m_actions = nullptr;
    QCheckBox *m_byPolicy = nullptr;
    QListWidget *m_branches = nullptr;
    QComboBox *m_variant[4] = {};
    QComboBox *m_policy = nullptr;
    QListWidget *m_departures = nullptr;
    QListWidget *m_notes = nullptr;
    std::function<QString()> m_entity;
};
