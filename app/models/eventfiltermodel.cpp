#include "eventfiltermodel.h"

#include "eventlogmodel.h"
#include "modelroles.h"
#include "rundocument.h"
#include "simulator/simulator.h"

#include <algorithm>

static_assert(int(tee::EventKind::Note) < 64, "EventFilterModel keeps the kinds in 64 bits");

EventFilterModel::EventFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ModelRoles::SortRole);
}

void EventFilterModel::setSourceModel(QAbstractItemModel *source)
{
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    Q_ASSERT(!source || qobject_cast<EventLogModel *>(source));
    QSortFilterProxyModel::setSourceModel(source);
    if (source)
        // another run: its threads may belong to other processes
        connect(source, &QAbstractItemModel::modelAboutToBeReset, this,
                &EventFilterModel::sourceReset);
    sourceReset();
}

EventLogModel *EventFilterModel::eventLog() const
{
    return qobject_cast<EventLogModel *>(sourceModel());
}

void EventFilterModel::sourceReset()
{
    m_processOf.clear();
}

void EventFilterModel::setFilterText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
}

void EventFilterModel::setKinds(const std::vector<tee::EventKind> &kinds)
{
    uint64_t mask = 0;
    for (const tee::EventKind k : kinds)
        mask |= uint64_t(1) << unsigned(k);
    if (mask == m_kindMask)
        return;
    m_kindMask = mask;
    invalidateFilter();
}

std::vector<tee::EventKind> EventFilterModel::kinds() const
{
    std::vector<tee::EventKind> out;
    for (unsigned k = 0; k < 64; ++k)
        if (m_kindMask >> k & 1u)
            out.push_back(tee::EventKind(k));
    return out;
}

void EventFilterModel::setEntity(std::optional<tee::sim::LaneKey> lane)
{
    if (lane == m_entity)
        return;
    m_entity = lane;
    invalidateFilter();
}

bool EventFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const EventLogModel *log = eventLog();
    if (!log || sourceParent.isValid() || sourceRow < 0 || sourceRow >= log->rowCount())
        return false;
    const tee::Event &e = log->event(sourceRow);
    if (m_kindMask && !(m_kindMask >> unsigned(e.kind) & 1u))
        return false;
    if (m_entity) {
        m_lanes.clear();
        if (const RunDocument *doc = log->document()) {
            doc->eventLanes(e, m_lanes);
        } else {
            // a log without a document: the threads' processes from its scenario
            if (m_processOf.empty() && log->simulator())
                m_processOf = tee::sim::Timeline::threadProcesses(log->simulator()->scenario());
            RunDocument::eventLanes(e, m_processOf, m_lanes);
        }
        if (std::find(m_lanes.begin(), m_lanes.end(), *m_entity) == m_lanes.end())
            return false;
    }
    if (m_text.isEmpty())
        return true;
    for (int c = 0; c < EventLogModel::ColumnCount; ++c)
        if (log->index(sourceRow, c)
                .data(Qt::DisplayRole)
                .toString()
                .contains(m_text, Qt::CaseInsensitive))
            return true;
    return false;
}

QModelIndex EventFilterModel::indexForStep(uint64_t step, int preferredInvariant) const
{
    const EventLogModel *log = eventLog();
    if (!log || step == 0)
        return {};
    // The rows shown are in step order: the first one at or after `step`.
    int lo = 0, hi = rowCount();
    while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        if (stepAt(mid).value_or(0) < step)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= rowCount() || stepAt(lo) != step)
        return lo > 0 ? index(lo - 1, 0) : QModelIndex(); // the last shown before it
    // a violation shown in that step is what a reviewer stops there for:
    // the preferred invariant's (a counterexample's own), else the first
    int firstViolation = -1;
    for (int r = lo; r < rowCount() && stepAt(r) == step; ++r) {
        const QModelIndex s = mapToSource(index(r, 0));
        if (!s.isValid() || log->event(s.row()).kind != tee::EventKind::Violation)
            continue;
        if (preferredInvariant == 0 || log->event(s.row()).invariant == preferredInvariant)
            return index(r, 0);
        if (firstViolation < 0)
            firstViolation = r;
    }
    return index(firstViolation >= 0 ? firstViolation : lo, 0);
}

std::optional<uint64_t> EventFilterModel::stepAt(int row) const
{
    const QModelIndex p = index(row, 0);
    if (!p.isValid())
        return std::nullopt;
    const QModelIndex s = mapToSource(p);
    const EventLogModel *log = eventLog();
    if (!log || !s.isValid())
        return std::nullopt;
    return log->event(s.row()).step;
}
