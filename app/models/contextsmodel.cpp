#include "contextsmodel.h"

#include "core/vocabulary.h"

#include <algorithm>

using tee::sim::ContextState;
using tee::sim::LaneKind;

ContextsModel::ContextsModel(RunDocument *document, QObject *parent)
    : InspectorModel(document, ColumnCount, parent)
{
    refresh(true);
}

QStringList ContextsModel::headers() const
{
    return {tr("Context"), tr("State"), tr("Refcount"), tr("Held by"), tr("Pins"), tr("Pinned by")};
}

int ContextsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int32_t ContextsModel::idAt(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].id : -1;
}

QString ContextsModel::stateText(ContextState s)
{
    // the words of the exports' context lanes (docs/model.md, "Names")
    switch (s) {
    case ContextState::Open:
        return QStringLiteral("open");
    case ContextState::Closed:
        return QStringLiteral("closed (close_context ran)");
    case ContextState::Released:
        return QStringLiteral("tee_context freed");
    }
    return {};
}

void ContextsModel::refresh(bool reset)
{
    std::vector<Row> next;
    const RunDocument *doc = document();
    if (doc && !doc->isEmpty()) {
        m_step = doc->cursor();
        const tee::sim::Timeline &tl = doc->timeline();
        const tee::sim::StateAfter &st = doc->stateAtCursor();
        // entries are in lane order: contexts (by id) before objects
        for (const tee::sim::StateAfter::Entry &en : st.entries) {
            const tee::sim::Lane &lane = tl.lanes()[en.lane];
            if (lane.key.kind == LaneKind::Context) {
                Row r;
                r.id = lane.key.id;
                r.span = tl.intervals()[en.interval].context();
                r.changed = doc->touchedAtCursor(lane.key);
                // the kref's holders after the cursor step (the timeline
                // keeps them: ctx0 starts with the driver's own reference)
                tl.contextHolders(r.id, m_step, m_holders);
                for (const tee::sim::CtxHolderRef &h : m_holders)
                    r.heldBy << (r.id == 0 && h.kind == tee::CtxHolderKind::File
                                     ? tr("the driver (qcomtee_probe)")
                                     : qs(tee::vocab::ctxHolder(*doc->simulator(), h.kind, h.arg)));
                next.push_back(std::move(r));
            } else if (lane.key.kind == LaneKind::Object &&
                       lane.attrs.objectType == tee::ObjectType::User) {
                const auto it =
                    std::lower_bound(next.begin(), next.end(), lane.attrs.ctx.v,
                                     [](const Row &r, int32_t id) { return r.id < id; });
                if (it != next.end() && it->id == lane.attrs.ctx.v)
                    it->pinnedBy.push_back(lane.key.id);
            }
        }
    } else {
        m_step = 0;
    }
    syncRows(m_rows, std::move(next), reset);
}

QVariant ContextsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || size_t(index.row()) >= m_rows.size())
        return {};
    const Row &r = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Context:
            return qs(tee::vocab::ctx(tee::ContextId(r.id)));
        case State:
            return stateText(r.span.state);
        case Refcount:
            return int(r.heldBy.size());
        case HeldBy:
            return r.heldBy.join(QStringLiteral(", "));
        case Pins:
            return r.span.pins;
        case PinnedBy: {
            QStringList names;
            for (const int32_t o : r.pinnedBy)
                names << qs(tee::vocab::object(tee::ObjectId(o)));
            return names.join(QStringLiteral(", "));
        }
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == Refcount || index.column() == HeldBy)
            return tr("The tee_context reference count (kref) and who holds it: the open file, "
                      "each user object made in the context, each QTEE object of the driver "
                      "context, an ioctl in flight, a tee_shm (spec §2.2). The context is freed "
                      "when it reaches 0.");
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Pins || index.column() == Refcount)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case IdRole:
        return r.id;
    case StateRole:
        return int(r.span.state);
    case ChangedRole:
        return r.changed;
    case SortRole:
        switch (index.column()) {
        case Context:
            return r.id;
        case State:
            return int(r.span.state);
        case Pins:
            return r.span.pins;
        case Refcount:
            return int(r.heldBy.size());
        default:
            return data(index, Qt::DisplayRole);
        }
    case PinsRole:
        return r.span.pins;
    case RefcountRole:
        return int(r.heldBy.size());
    case HeldByRole:
        return r.heldBy;
    case PinnedByRole: {
        QVariantList l;
        for (const int32_t o : r.pinnedBy)
            l << o;
        return l;
    }
    }
    return {};
}
