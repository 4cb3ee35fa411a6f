#include "threadsmodel.h"

#include "core/vocabulary.h"

using tee::BlockReason;
using tee::sim::LaneKind;
using tee::sim::ThreadState;

ThreadsModel::ThreadsModel(RunDocument *document, QObject *parent)
    : InspectorModel(document, ColumnCount, parent)
{
    refresh(true);
}

QStringList ThreadsModel::headers() const
{
    return {tr("Thread"), tr("State"), tr("Waits on"), tr("Holds")};
}

int ThreadsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int32_t ThreadsModel::idAt(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)].id : -1;
}

void ThreadsModel::refresh(bool reset)
{
    std::vector<Row> next;
    const RunDocument *doc = document();
    if (doc && !doc->isEmpty()) {
        m_step = doc->cursor();
        const tee::sim::Timeline &tl = doc->timeline();
        // Every thread has a row, also one no event names (it has no lane:
        // it has done nothing yet). The release worker is the last thread.
        next.resize(size_t(std::max(tl.threadCount(), 0)));
        for (size_t t = 0; t < next.size(); ++t) {
            Row &r = next[t];
            r.id = int32_t(t);
            r.worker = t + 1 == next.size();
            r.span.state = r.worker ? ThreadState::Idle : ThreadState::Running;
            r.changed = doc->touchedAtCursor({LaneKind::Thread, r.id});
        }
        const tee::sim::StateAfter &st = doc->stateAtCursor();
        std::vector<std::pair<int32_t, tee::ThreadId>> held; // reqs_lock ctx -> holder
        for (const tee::sim::StateAfter::Entry &en : st.entries) {
            const tee::sim::LaneKey key = tl.lanes()[en.lane].key;
            const tee::sim::Interval &iv = tl.intervals()[en.interval];
            if (key.kind == LaneKind::Thread && size_t(key.id) < next.size()) {
                next[size_t(key.id)].span = iv.thread();
            } else if (key.kind == LaneKind::Lock) {
                const tee::ThreadId holder = iv.lock().holder;
                held.emplace_back(key.id, holder);
                if (holder.valid() && size_t(holder.v) < next.size())
                    next[size_t(holder.v)].locks.push_back(key.id);
            }
        }
        // The timeline marks a thread Exited at its ThreadExit event, but
        // do_exit goes on in the thread's own later steps (exit_files,
        // close_context): until its last step it is in the kernel.
        for (Row &r : next)
            if (r.span.state == ThreadState::Exited &&
                m_step < doc->lastStepOf(tee::ThreadId(r.id))) {
                r.span.state = ThreadState::InKernel;
                r.span.syscall = tee::SyscallKind::Exit;
            }
        // A waiter's ThreadSpan names the holder when it went to sleep; the
        // lock may have changed hands since (mutex_unlock wakes one waiter):
        // name the holder at this step, from the lock's own lane.
        for (Row &r : next)
            if (r.span.state == ThreadState::Blocked && r.span.reason == BlockReason::Lock)
                for (const auto &[ctx, holder] : held)
                    if (ctx == r.span.ctx.v)
                        r.lockHolder = holder;
    } else {
        m_step = 0;
    }
    syncRows(m_rows, std::move(next), reset);
}

QString ThreadsModel::stateText(const Row &r) const
{
    QString s;
    switch (r.span.state) {
    case ThreadState::Running:
        s = tr("running");
        break;
    case ThreadState::InKernel:
        s = r.span.syscall == tee::SyscallKind::None
                ? tr("in the kernel")
                : tr("in %1").arg(qs(tee::vocab::syscall(r.span.syscall)));
        break;
    case ThreadState::Blocked:
        s = r.span.reason == BlockReason::UserWait
                ? tr("waits in user space")
                : tr("blocked: %1").arg(qs(tee::vocab::wait(r.span.reason)));
        break;
    case ThreadState::Exited:
        s = tr("exited");
        break;
    case ThreadState::Idle:
        s = tr("idle");
        break;
    }
    if (r.span.killed)
        s += tr(", killed");
    return s;
}

QString ThreadsModel::waitsOnText(const Row &r) const
{
    if (r.span.state != ThreadState::Blocked)
        return {};
    const RunDocument *doc = document();
    const tee::sim::ThreadSpan &t = r.span;
    switch (t.reason) {
    case BlockReason::Lock:
        if (!r.lockHolder.valid()) // just unlocked; the woken waiter takes it next
            return tr("reqs_lock of %1").arg(qs(tee::vocab::ctx(t.ctx)));
        return tr("reqs_lock of %1 held by %2")
            .arg(qs(tee::vocab::ctx(t.ctx)), doc->threadName(r.lockHolder));
    case BlockReason::ReqC:
        return tr("req_c of %1").arg(qs(tee::vocab::ctx(t.ctx)));
    case BlockReason::NoUsers:
        return qs(tee::vocab::wait(t.reason));
    case BlockReason::UserWait:
        return userWaitText(r);
    case BlockReason::Completion:
    case BlockReason::Srcu: {
        if (!t.request.valid())
            return qs(tee::vocab::wait(t.reason));
        const tee::sim::Timeline &tl = doc->timeline();
        const uint32_t lane = tl.laneOf({LaneKind::Request, t.request.v});
        if (lane == tee::sim::kNone)
            return qs(tee::vocab::request(t.request));
        const tee::sim::LaneAttrs &a = tl.lanes()[lane].attrs;
        QString s = qs(tee::vocab::request(t.request, a.ctx, a.reqId));
        const uint32_t i = tl.intervalAfter(lane, m_step);
        if (i != tee::sim::kNone)
            s += QStringLiteral(" (") +
                 qs(tee::vocab::reqState(tl.intervals()[i].request().state)) + QLatin1Char(')');
        return s;
    }
    case BlockReason::None:
        break;
    }
    return {};
}

// A wait step's variables ("variables fd, svc"), from the program.
QString ThreadsModel::userWaitText(const Row &r) const
{
    const RunDocument *doc = document();
    if (!doc || !doc->simulator())
        return {};
    return qs(tee::vocab::userWaitWhat(*doc->simulator(), tee::ThreadId(r.id), r.span.waitStep));
}

// The vocabulary's sentence for the wait (Engine::blockedWhy's words).
QString ThreadsModel::waitSentence(const Row &r) const
{
    const RunDocument *doc = document();
    if (!doc || !doc->simulator())
        return {};
    tee::vocab::WaitInfo w;
    w.thread = tee::ThreadId(r.id);
    w.killed = r.span.killed;
    switch (r.span.state) {
    case ThreadState::Running:
        return {};
    case ThreadState::InKernel:
        return stateText(r);
    case ThreadState::Exited:
        w.kind = tee::vocab::WaitInfo::Kind::Exited;
        break;
    case ThreadState::Idle:
        w.kind = tee::vocab::WaitInfo::Kind::Idle;
        break;
    case ThreadState::Blocked:
        w.ctx = r.span.ctx;
        w.peer = r.lockHolder;
        w.request = r.span.request;
        switch (r.span.reason) {
        case BlockReason::Lock:
            w.kind = tee::vocab::WaitInfo::Kind::Lock;
            break;
        case BlockReason::ReqC:
            w.kind = tee::vocab::WaitInfo::Kind::ReqC;
            break;
        case BlockReason::Srcu:
            w.kind = tee::vocab::WaitInfo::Kind::Srcu;
            break;
        case BlockReason::NoUsers:
            w.kind = tee::vocab::WaitInfo::Kind::NoUsers;
            break;
        case BlockReason::UserWait:
            w.kind = tee::vocab::WaitInfo::Kind::UserWait;
            w.what = userWaitText(r).toStdString();
            break;
        case BlockReason::Completion:
        case BlockReason::None: {
            w.kind = tee::vocab::WaitInfo::Kind::Completion;
            const tee::sim::Timeline &tl = doc->timeline();
            const uint32_t lane = tl.laneOf({LaneKind::Request, r.span.request.v});
            if (lane != tee::sim::kNone) {
                w.ctx = tl.lanes()[lane].attrs.ctx;
                w.reqId = tl.lanes()[lane].attrs.reqId;
                const uint32_t i = tl.intervalAfter(lane, m_step);
                if (i != tee::sim::kNone)
                    w.state = tl.intervals()[i].request().state;
            }
            break;
        }
        }
        break;
    }
    return qs(tee::vocab::waitText(*doc->simulator(), w));
}

QVariant ThreadsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this || size_t(index.row()) >= m_rows.size() ||
        !document())
        return {};
    const Row &r = m_rows[size_t(index.row())];
    const RunDocument *doc = document();
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return doc->threadName(tee::ThreadId(r.id));
        case State:
            return stateText(r);
        case WaitsOn:
            return waitsOnText(r);
        case Locks: {
            QStringList names;
            for (const int32_t c : r.locks)
                names << doc->laneName({LaneKind::Lock, c});
            return names.join(QStringLiteral(", "));
        }
        }
        break;
    case Qt::ToolTipRole:
        return waitSentence(r);
    case IdRole:
        return r.id;
    case StateRole:
        return int(r.span.state);
    case ChangedRole:
        return r.changed;
    case SortRole:
        switch (index.column()) {
        case Name:
            return r.id;
        case State:
            return int(r.span.state);
        case Locks:
            return int(r.locks.size());
        default:
            return data(index, Qt::DisplayRole);
        }
    case KilledRole:
        return r.span.killed;
    case ReasonRole:
        return int(r.span.state == ThreadState::Blocked ? r.span.reason : BlockReason::None);
    case SyscallRole:
        return int(r.span.syscall);
    case PeerRole:
        return r.lockHolder.v;
    case RequestRole:
        return r.span.state == ThreadState::Blocked ? r.span.request.v : -1;
    case LockCtxRole:
        return r.span.state == ThreadState::Blocked && r.span.reason == BlockReason::Lock
                   ? r.span.ctx.v
                   : -1;
    case LocksHeldRole: {
        QVariantList l;
        for (const int32_t c : r.locks)
            l << c;
        return l;
    }
    case WorkerRole:
        return r.worker;
    }
    return {};
}
