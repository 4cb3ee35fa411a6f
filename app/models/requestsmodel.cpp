#include "requestsmodel.h"

#include "core/vocabulary.h"

using tee::ReqState;
using tee::sim::LaneKind;

RequestsModel::RequestsModel(RunDocument *document, QObject *parent)
    : InspectorModel(document, ColumnCount, parent)
{
    refresh(true);
}

QStringList RequestsModel::headers() const
{
    return {tr("Request"), tr("Context"), tr("State"), tr("Object"), tr("Op"), tr("Errno")};
}

int RequestsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int32_t RequestsModel::idAt(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].id : -1;
}

void RequestsModel::refresh(bool reset)
{
    std::vector<Row> next;
    const RunDocument *doc = document();
    if (doc && !doc->isEmpty()) {
        m_step = doc->cursor();
        const tee::sim::Timeline &tl = doc->timeline();
        const tee::sim::StateAfter &st = doc->stateAtCursor();
        for (const tee::sim::StateAfter::Entry &en : st.entries) {
            const tee::sim::Lane &lane = tl.lanes()[en.lane];
            if (lane.key.kind != LaneKind::Request)
                continue;
            Row r;
            r.id = lane.key.id;
            r.span = tl.intervals()[en.interval].request();
            r.attrs = lane.attrs;
            r.changed = doc->touchedAtCursor(lane.key);
            next.push_back(r);
        }
    } else {
        m_step = 0;
    }
    syncRows(m_rows, std::move(next), reset);
}

QVariant RequestsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || size_t(index.row()) >= m_rows.size())
        return {};
    const Row &r = m_rows[size_t(index.row())];
    const bool processed = r.span.state == ReqState::PROCESSED;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Request:
            return qs(tee::vocab::request(tee::RequestId(r.id), r.attrs.ctx, r.attrs.reqId));
        case Context:
            return qs(tee::vocab::ctx(r.attrs.ctx));
        case State:
            return qs(tee::vocab::reqState(r.span.state));
        case Object:
            return r.attrs.object.valid() ? qs(tee::vocab::object(r.attrs.object)) : QString();
        case Op:
            return qs(tee::vocab::op(r.attrs.op));
        case Errno:
            return processed ? qs(tee::vocab::errnoText(r.span.errno_)) : QString();
        }
        break;
    case Qt::ToolTipRole: {
        const RunDocument *doc = document();
        if (index.column() == Object && r.attrs.object.valid())
            return qs(tee::vocab::objectWhat(tee::ObjectType::User, 0, r.attrs.userObjectId));
        if (index.column() == State && r.span.actor.valid() && doc)
            return tr("%1 by %2")
                .arg(qs(tee::vocab::reqState(r.span.state)), doc->threadName(r.span.actor));
        break;
    }
    case IdRole:
        return r.id;
    case StateRole:
        return int(r.span.state);
    case ChangedRole:
        return r.changed;
    case SortRole:
        switch (index.column()) {
        case Request:
            return r.id;
        case Context:
            return r.attrs.ctx.v;
        case State:
            return int(r.span.state);
        case Object:
            return r.attrs.object.v;
        case Op:
            return uint(r.attrs.op);
        case Errno:
            return processed ? r.span.errno_ : 1; // nothing after every errno
        }
        break;
    case ContextRole:
        return r.attrs.ctx.v;
    case ReqIdRole:
        return r.attrs.reqId;
    case ObjectRole:
        return r.attrs.object.v;
    case OpRole:
        return uint(r.attrs.op);
    case ErrnoRole:
        return processed ? r.span.errno_ : 0;
    case ClientRole:
        return r.attrs.client.v;
    case NotificationRole:
        return r.attrs.notification;
    }
    return {};
}
