#include "objectsmodel.h"

#include "core/vocabulary.h"

using tee::sim::LaneKind;

ObjectsModel::ObjectsModel(RunDocument *document, QObject *parent)
    : InspectorModel(document, ColumnCount, parent)
{
    refresh(true);
}

QStringList ObjectsModel::headers() const
{
    return {tr("Object"), tr("Type"), tr("What"), tr("Owner"), tr("Refcount"), tr("Holders")};
}

int ObjectsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int32_t ObjectsModel::idAt(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].id : -1;
}

void ObjectsModel::refresh(bool reset)
{
    std::vector<Row> next;
    const RunDocument *doc = document();
    if (doc && !doc->isEmpty()) {
        m_step = doc->cursor();
        const tee::sim::Timeline &tl = doc->timeline();
        const tee::sim::StateAfter &st = doc->stateAtCursor();
        for (const tee::sim::StateAfter::Entry &en : st.entries) {
            const tee::sim::Lane &lane = tl.lanes()[en.lane];
            if (lane.key.kind != LaneKind::Object)
                continue;
            Row r;
            r.id = lane.key.id;
            r.span = tl.intervals()[en.interval].object();
            r.type = lane.attrs.objectType;
            r.owner = lane.attrs.ctx;
            r.qteeId = lane.attrs.qteeId;
            r.userObjectId = lane.attrs.userObjectId;
            const auto b = st.holders.begin() + ptrdiff_t(en.holderBegin);
            r.holders.assign(b, b + ptrdiff_t(en.holderCount));
            r.changed = doc->touchedAtCursor(lane.key);
            next.push_back(std::move(r));
        }
    } else {
        m_step = 0;
    }
    syncRows(m_rows, std::move(next), reset);
}

std::vector<tee::sim::HolderRef> ObjectsModel::holders(int row) const
{
    if (row < 0 || size_t(row) >= m_rows.size())
        return {};
    return m_rows[size_t(row)].holders;
}

QStringList ObjectsModel::holderTexts(const Row &r) const
{
    QStringList l;
    const RunDocument *doc = document();
    if (!doc || !doc->simulator())
        return l;
    for (const tee::sim::HolderRef &h : r.holders)
        l << qs(tee::vocab::holder(*doc->simulator(), h.kind, h.arg()));
    return l;
}

QVariant ObjectsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || size_t(index.row()) >= m_rows.size())
        return {};
    const Row &r = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Object:
            return qs(tee::vocab::object(tee::ObjectId(r.id)));
        case Type:
            return qs(tee::vocab::objectKind(r.type));
        case What:
            return qs(tee::vocab::objectWhat(r.type, r.qteeId, r.userObjectId));
        case Owner:
            return r.owner.valid() ? qs(tee::vocab::ctx(r.owner)) : QString();
        case Refcount:
            return r.span.refcount;
        case Holders:
            return holderTexts(r).join(QStringLiteral(", "));
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == Holders)
            return holderTexts(r).join(QLatin1Char('\n'));
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Refcount)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case IdRole:
        return r.id;
    case StateRole:
        return int(r.span.change);
    case ChangedRole:
        return r.changed;
    case SortRole:
        switch (index.column()) {
        case Object:
            return r.id;
        case Type:
            return int(r.type);
        case Owner:
            return r.owner.v;
        case Refcount:
            return r.span.refcount;
        default:
            return data(index, Qt::DisplayRole);
        }
    case TypeRole:
        return int(r.type);
    case OwnerRole:
        return r.owner.v;
    case RefcountRole:
        return r.span.refcount;
    case HoldersRole:
        return holderTexts(r);
    }
    return {};
}
