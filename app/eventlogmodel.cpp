#include "eventlogmodel.h"

#include "simulator/exports.h"
#include "simulator/simulator.h"

EventLogModel::EventLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

EventLogModel::~EventLogModel() = default;

void EventLogModel::setEvents(std::shared_ptr<const tee::sim::Simulator> sim, tee::EventList events)
{
    beginResetModel();
    m_sim = std::move(sim);
    m_events = std::move(events);
    // Without a simulator nothing can be named: show nothing rather than
    // half-described rows.
    if (!m_sim)
        m_events.clear();
    endResetModel();
}

void EventLogModel::clear()
{
    setEvents(nullptr, {});
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString EventLogModel::threadText(const tee::Event &e) const
{
    if (e.thread.valid())
        return QString::fromStdString(m_sim->threadName(e.thread));
    if (e.process.valid())
        return QString::fromStdString(m_sim->processName(e.process));
    return {};
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || size_t(index.row()) >= m_events.size())
        return {};
    const tee::Event &e = m_events[size_t(index.row())];

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Step:
            return qulonglong(e.step);
        case Time:
            return qlonglong(e.tNs);
        case Thread:
            return threadText(e);
        case Kind:
            return QString::fromLatin1(tee::eventKindName(e.kind));
        case Description:
            // Computed on demand: a long run has many events and a view only
            // asks for the visible rows.
            return QString::fromStdString(tee::sim::describeEvent(*m_sim, e));
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Step || index.column() == Time)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case KindRole:
        return int(e.kind);
    case StepRole:
        return qulonglong(e.step);
    case ThreadIdRole:
        return int(e.thread.v);
    }
    return {};
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Step:
        return tr("Step");
    case Time:
        return tr("Time (ns)");
    case Thread:
        return tr("Thread");
    case Kind:
        return tr("Kind");
    case Description:
        return tr("Description");
    }
    return {};
}
