#include "eventlogmodel.h"

#include "core/vocabulary.h"
#include "rundocument.h"
#include "simulator/simulator.h"

#include <algorithm>

EventLogModel::EventLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

EventLogModel::EventLogModel(RunDocument *document, QObject *parent)
    : QAbstractTableModel(parent)
{
    setDocument(document);
}

EventLogModel::~EventLogModel() = default;

void EventLogModel::setDocument(RunDocument *document)
{
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    if (document) {
        connect(document, &RunDocument::documentChanged, this, &EventLogModel::reload);
        connect(document, &QObject::destroyed, this, &EventLogModel::reload);
    }
    reload();
}

void EventLogModel::reload()
{
    beginResetModel();
    m_own.clear();
    if (m_document && !m_document->isEmpty()) {
        m_sim = m_document->simulatorPtr();
        m_events = &m_document->trace().events;
    } else {
        m_sim.reset();
        m_events = &m_own;
    }
    endResetModel();
}

void EventLogModel::setEvents(std::shared_ptr<const tee::sim::Simulator> sim, tee::EventList events)
{
    if (m_document) {
        disconnect(m_document, nullptr, this, nullptr);
        m_document = nullptr;
    }
    beginResetModel();
    m_sim = std::move(sim);
    m_own = std::move(events);
    m_events = &m_own;
    // Without a simulator nothing can be named: show nothing rather than
    // half-described rows.
    if (!m_sim)
        m_own.clear();
    endResetModel();
}

void EventLogModel::clear()
{
    setEvents(nullptr, {});
}

int EventLogModel::firstRowAtOrAfterStep(uint64_t step) const
{
    const auto it = std::lower_bound(m_events->begin(), m_events->end(), step,
                                     [](const tee::Event &e, uint64_t s) { return e.step < s; });
    return int(it - m_events->begin());
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events->size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString EventLogModel::actorText(const tee::Event &e) const
{
    // Captures of model versions before 3 record no actor: the thread then.
    const tee::ThreadId t = e.actor.valid() ? e.actor : e.thread;
    if (t.valid())
        return QString::fromStdString(tee::vocab::thread(*m_sim, t));
    if (e.process.valid())
        return QString::fromStdString(tee::vocab::process(*m_sim, e.process));
    return {};
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || size_t(index.row()) >= m_events->size() ||
        !m_sim)
        return {};
    const tee::Event &e = (*m_events)[size_t(index.row())];

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Step:
            return qulonglong(e.step);
        case Time:
            return QString::number(double(e.tNs) / 1000.0, 'f', 3);
        case Actor:
            return actorText(e);
        case Kind:
            return QString::fromLatin1(tee::eventKindName(e.kind));
        case Text:
            // Computed on demand: a long run has many events and a view only
            // asks for the visible rows.
            return QString::fromStdString(tee::vocab::eventText(*m_sim, e));
        case Driver: {
            // the step's verb names a request transition's function (T3/T5/T6)
            const tee::vocab::DriverRef r =
                m_document && m_events == &m_document->trace().events
                    ? tee::sim::driverRefOf(m_document->trace(), size_t(index.row()))
                    : tee::vocab::driverRef(e);
            return QString::fromStdString(tee::vocab::driverRefText(r));
        }
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Step || index.column() == Time)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case IdRole:
        return index.row();
    case SortRole:
        switch (index.column()) {
        case Step:
            return qulonglong(e.step);
        case Time:
            return qlonglong(e.tNs);
        case Kind:
            return int(e.kind);
        default:
            return data(index, Qt::DisplayRole);
        }
    case KindRole:
        return int(e.kind);
    case StepRole:
        return qulonglong(e.step);
    case ThreadIdRole:
        return int(e.thread.v);
    case ActorIdRole:
        return int(e.actor.v);
    case TimeNsRole:
        return qlonglong(e.tNs);
    case FindingRole:
        return int(e.finding);
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
        return tr("Time (us)");
    case Actor:
        return tr("Actor");
    case Kind:
        return tr("Kind");
    case Text:
        return tr("Event");
    case Driver:
        return tr("Driver function");
    }
    return {};
}
