// The one filter proxy in front of the event log: by text (any column), by
// event kind and by entity (the events that touch a lane's thread, context,
// object, request, reqs_lock, the release workqueue or QTEE, as
// RunDocument::eventLanes says). It maps a step to the first row shown at
// or after it and a row to its step, so the log and the timeline follow one
// another.
#pragma once

#include "core/event.h"
#include "simulator/timeline.h"

#include <QSortFilterProxyModel>

#include <cstdint>
#include <optional>
#include <vector>

class EventLogModel;

class EventFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit EventFilterModel(QObject *parent = nullptr);

    // The source must be an EventLogModel.
    void setSourceModel(QAbstractItemModel *source) override;
    EventLogModel *eventLog() const;

    // Events with `text` in any column, case-insensitive (empty: every event).
    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }
    // Only these kinds (empty: every kind).
    void setKinds(const std::vector<tee::EventKind> &kinds);
    std::vector<tee::EventKind> kinds() const;
    // Only the events that touch this lane's entity (nullopt: every event).
    void setEntity(std::optional<tee::sim::LaneKey> lane);
    std::optional<tee::sim::LaneKey> entity() const { return m_entity; }
    bool isFiltered() const { return !m_text.isEmpty() || m_kindMask || m_entity; }

    // The row the log selects at cursor `step`: the step's first violation
    // shown, else its first row shown; when the filters hide all of the
    // step's events, the last row shown before it; invalid at step 0 and
    // when nothing before it is shown. The cursor moved: the log follows.
    // (a violation row of that step first: of `preferredInvariant` when it
    // has one, else the first; 0 prefers none)
    QModelIndex indexForStep(uint64_t step, int preferredInvariant = 0) const;
    // The step of a row shown. A row was selected: the timeline follows.
    std::optional<uint64_t> stepAt(int row) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void sourceReset();

    QString m_text;
    uint64_t m_kindMask = 0; // bit = EventKind
    std::optional<tee::sim::LaneKey> m_entity;
    mutable std::vector<tee::ProcessId> m_processOf; // for a kill: which threads it hits
    mutable std::vector<tee::sim::LaneKey> m_lanes;
};
