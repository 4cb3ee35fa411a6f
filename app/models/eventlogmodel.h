// Every event of one run as a flat table, in run order (row = the event's
// index in the trace). Qt Core only: it returns meaning (the event kind, the
// step, the thread id), never colours; the view decides. Every text comes
// from the vocabulary (core/vocabulary.h), so the log says what the text
// timeline and the Chrome trace say.
#pragma once

#include "core/event.h"
#include "modelroles.h"
#include "rundocument.h"

#include <QAbstractTableModel>
#include <QPointer>

#include <memory>

class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns {
        Step,
        Time,   // simulated microseconds (TimeNsRole: nanoseconds)
        Actor,  // the thread whose step emitted it (a scenario kill: the process)
        Kind,   // eventKindName
        Text,   // vocab::eventText
        Driver, // vocab::driverRefText(vocab::driverRef(event))
        ColumnCount
    };
    enum Roles {
        IdRole = ModelRoles::IdRole,           // int: the event's index in the trace
        SortRole = ModelRoles::SortRole,       // the column's value for sorting
        StepRole = ModelRoles::StepRole,       // qulonglong
        KindRole = ModelRoles::FirstModelRole, // int(tee::EventKind)
        ThreadIdRole,                          // int: tee::ThreadId::v of `thread` (-1 = none)
        ActorIdRole,                           // int: tee::ThreadId::v of `actor` (-1 = none)
        TimeNsRole,                            // qlonglong: end of the step, simulated ns
        FindingRole,                           // int(tee::Finding)
    };

    explicit EventLogModel(QObject *parent = nullptr);
    // Shows the document's run and follows it.
    explicit EventLogModel(RunDocument *document, QObject *parent = nullptr);
    ~EventLogModel() override;

    void setDocument(RunDocument *document);
    RunDocument *document() const { return m_document; }

    // A run without a document (kept for callers that have only events).
    // The simulator names threads and describes events; the model holds
    // typed ids only, never pointers into a State.
    void setEvents(std::shared_ptr<const tee::sim::Simulator> sim, tee::EventList events);
    void clear();

    const tee::EventList &events() const { return *m_events; }
    const tee::Event &event(int row) const { return m_events->at(size_t(row)); }
    const tee::sim::Simulator *simulator() const { return m_sim.get(); }
    // The first row of step `step` or, when it has no event, of the next
    // step that has one; rowCount() when none.
    int firstRowAtOrAfterStep(uint64_t step) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void reload();
    QString actorText(const tee::Event &e) const;

    QPointer<RunDocument> m_document;
    std::shared_ptr<const tee::sim::Simulator> m_sim;
    tee::EventList m_own;                    // setEvents' copy
    const tee::EventList *m_events = &m_own; // m_own or the document's trace
};
