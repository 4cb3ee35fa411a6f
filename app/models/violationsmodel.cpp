#include "violationsmodel.h"

#include "core/vocabulary.h"

#include <algorithm>
#include <unordered_map>

using tee::Event;
using tee::EventKind;

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

ViolationsModel::ViolationsModel(RunDocument *document, QObject *parent)
    : QAbstractTableModel(parent)
    , m_document(document)
{
    if (document) {
        connect(document, &RunDocument::documentChanged, this, &ViolationsModel::reload);
        connect(document, &RunDocument::notesChanged, this, &ViolationsModel::reload);
        connect(document, &QObject::destroyed, this, &ViolationsModel::reload);
    }
    reload();
}

void ViolationsModel::reload()
{
    beginResetModel();
    m_rows.clear();
    if (m_document && !m_document->isEmpty()) {
        const tee::sim::Timeline &tl = m_document->timeline();
        // the lane the timeline marks each finding on
        std::unordered_map<uint32_t, uint32_t> laneOf;
        for (const tee::sim::Instant &in : tl.instants())
            if (in.kind == tee::sim::InstantKind::Violation ||
                in.kind == tee::sim::InstantKind::Gap || in.kind == tee::sim::InstantKind::Note)
                laneOf.emplace(in.event, in.lane);
        const tee::EventList &events = m_document->trace().events;
        for (uint32_t i = 0; i < events.size(); ++i) {
            const EventKind k = events[i].kind;
            if (k != EventKind::Violation && k != EventKind::Gap && k != EventKind::Note)
                continue;
            Row r;
            r.event = i;
            r.step = events[i].step;
            const auto it = laneOf.find(i);
            if (it != laneOf.end() && it->second < tl.lanes().size()) {
                r.lane = tl.lanes()[it->second].key;
                r.hasLane = true;
            }
            m_rows.push_back(r);
        }
        // The reviewer's notes, after the engine's findings of their step;
        // a note's entity is a lane's name (docs/capture-format.md).
        const std::vector<tee::sim::Note> &notes = m_document->notes();
        for (size_t n = 0; n < notes.size(); ++n) {
            Row r;
            r.note = int(n);
            r.step = notes[n].step;
            if (!notes[n].entity.empty()) {
                const QString name = qs(notes[n].entity);
                for (const tee::sim::Lane &lane : tl.lanes())
                    if (m_document->laneName(lane.key) == name) {
                        r.lane = lane.key;
                        r.hasLane = true;
                        break;
                    }
            }
            m_rows.push_back(r);
        }
        std::stable_sort(m_rows.begin(), m_rows.end(),
                         [](const Row &a, const Row &b) { return a.step < b.step; });
    }
    endResetModel();
}

int ViolationsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ViolationsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int ViolationsModel::rowAtOrAfter(uint64_t step) const
{
    if (!m_document)
        return -1;
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), step,
                                     [](const Row &r, uint64_t s) { return r.step < s; });
    return it == m_rows.end() ? -1 : int(it - m_rows.begin());
}

QVariant ViolationsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || size_t(index.row()) >= m_rows.size() ||
        !m_document || m_document->isEmpty())
        return {};
    const Row &r = m_rows[size_t(index.row())];
    if (r.note >= 0)
        return noteData(r, index.column(), role);
    const tee::EventList &events = m_document->trace().events;
    if (r.event >= events.size())
        return {};
    const Event &e = events[r.event];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Kind:
            return e.kind == EventKind::Violation ? tr("violation")
                   : e.kind == EventKind::Gap     ? tr("gap")
                                                  : tr("note");
        case Item:
            // as the exports and the summary name them
            if (e.kind == EventKind::Violation)
                return QStringLiteral("I%1").arg(e.invariant);
            if (e.kind == EventKind::Gap)
                return QStringLiteral("§9 item %1").arg(e.gap);
            return QString::fromLatin1(tee::vocab::findingName(e.finding));
        case Step:
            return qulonglong(e.step);
        case Explanation:
            return qs(tee::vocab::findingText(*m_document->simulator(), e));
        case Lane:
            return r.hasLane ? m_document->laneName(r.lane) : QString();
        case Driver:
            return driverAt(e.step, &e);
        }
        break;
    case Qt::ToolTipRole:
        return qs(tee::vocab::eventText(*m_document->simulator(), e));
    case Qt::TextAlignmentRole:
        if (index.column() == Step)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case IdRole:
        return int(r.event);
    case StateRole:
        return int(e.kind);
    case SortRole:
        switch (index.column()) {
        case Kind:
            return int(e.kind);
        case Item:
            return e.kind == EventKind::Violation ? int(e.invariant)
                   : e.kind == EventKind::Gap     ? 100 + int(e.gap)
                                                  : 200 + int(e.finding);
        case Step:
            return qulonglong(e.step);
        default:
            return data(index, Qt::DisplayRole);
        }
    case StepRole:
        return qulonglong(e.step);
    case LaneKindRole:
        return r.hasLane ? int(r.lane.kind) : -1;
    case LaneIdRole:
        return r.hasLane ? r.lane.id : -1;
    case FindingRole:
        return int(e.finding);
    case InvariantRole:
        return e.kind == EventKind::Violation ? int(e.invariant) : 0;
    case GapRole:
        return e.kind == EventKind::Gap ? int(e.gap) : 0;
    case NoteRole:
        return -1;
    }
    return {};
}

// The driver code step `step` models, as the summary prints it under a
// finding.
QVariant ViolationsModel::driverAt(uint64_t step, const tee::Event *finding) const
{
    const auto &spans = m_document->trace().spans;
    if (step < 1 || step > spans.size())
        return {};
    const tee::vocab::Verb verb = spans[size_t(step - 1)].verb;
    return qs(tee::vocab::driverRefText(finding ? tee::vocab::findingWhere(*finding, verb)
                                                : tee::vocab::driverRef(verb)));
}

QVariant ViolationsModel::noteData(const Row &r, int column, int role) const
{
    const std::vector<tee::sim::Note> &notes = m_document->notes();
    if (size_t(r.note) >= notes.size())
        return {};
    const tee::sim::Note &n = notes[size_t(r.note)];
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Kind:
            return tr("reviewer note");
        case Item:
            return tr("note");
        case Step:
            return qulonglong(n.step);
        case Explanation:
            return qs(n.text);
        case Lane:
            return r.hasLane ? m_document->laneName(r.lane) : qs(n.entity);
        case Driver:
            return driverAt(n.step);
        }
        break;
    case Qt::ToolTipRole:
        return qs(n.text);
    case Qt::TextAlignmentRole:
        if (column == Step)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case IdRole:
        return -1;
    case StateRole:
        return int(EventKind::Note);
    case SortRole:
        switch (column) {
        case Kind:
            return int(EventKind::Note) + 1; // after the engine's notes
        case Item:
            return 300;
        case Step:
            return qulonglong(n.step);
        default:
            return noteData(r, column, Qt::DisplayRole);
        }
    case StepRole:
        return qulonglong(n.step);
    case LaneKindRole:
        return r.hasLane ? int(r.lane.kind) : -1;
    case LaneIdRole:
        return r.hasLane ? r.lane.id : -1;
    case FindingRole:
    case InvariantRole:
    case GapRole:
        return 0;
    case NoteRole:
        return r.note;
    }
    return {};
}

QVariant ViolationsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Kind:
        return tr("Kind");
    case Item:
        return tr("Invariant / gap");
    case Step:
        return tr("Step");
    case Explanation:
        return tr("Explanation");
    case Lane:
        return tr("Lane");
    case Driver:
        return tr("Driver code");
    }
    return {};
}
