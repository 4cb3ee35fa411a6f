// Every finding of the run, in step order: violations of the invariants
// (spec §8), the spec's known gaps (§9), the engine's notes and the
// capture's reviewer notes (an explore counterexample's "why it stops here"
// is one), each with its step, the vocabulary's sentence
// (vocab::findingText) or the note's text, the lane it concerns and the
// driver code the step models. Not cursor-dependent: the panel lists the
// whole run and a click moves the cursor (StepRole).
#pragma once

#include "modelroles.h"
#include "rundocument.h"

#include <QAbstractTableModel>
#include <QPointer>

class ViolationsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns { Kind, Item, Step, Explanation, Lane, Driver, ColumnCount };
    enum Roles {
        IdRole = ModelRoles::IdRole,       // int: the event's index in trace().events, -1
                                           // for a reviewer note
        StateRole = ModelRoles::StateRole, // int: tee::EventKind (Violation, Gap or Note;
                                           // Note for a reviewer note too)
        SortRole = ModelRoles::SortRole,
        StepRole = ModelRoles::StepRole,          // qulonglong
        LaneKindRole = ModelRoles::LaneKindRole,  // int: tee::sim::LaneKind, -1 for the run
        LaneIdRole = ModelRoles::LaneIdRole,      // int
        FindingRole = ModelRoles::FirstModelRole, // int: tee::Finding
        InvariantRole,                            // int: I1..I18 (violations), else 0
        GapRole,                                  // int: §9 item (gaps), else 0
        NoteRole, // int: the reviewer note's index in RunDocument::notes(), else -1
    };

    explicit ViolationsModel(RunDocument *document, QObject *parent = nullptr);

    RunDocument *document() const { return m_document; }
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The first row at or after `step` (for "next violation"), or -1.
    int rowAtOrAfter(uint64_t step) const;

private:
    struct Row
    {
        uint32_t event = 0; // an engine event, unless `note` >= 0
        int note = -1;      // a reviewer note: its index in RunDocument::notes()
        uint64_t step = 0;
        tee::sim::LaneKey lane;
        bool hasLane = false;
    };
    void reload();
    QVariant noteData(const Row &r, int column, int role) const;
    // (a finding: where it was found, vocab::findingWhere)
    QVariant driverAt(uint64_t step, const tee::Event *finding = nullptr) const;

    QPointer<RunDocument> m_document;
    std::vector<Row> m_rows;
};
