// Every thread of the run at the cursor step: what it is doing (running, in
// a syscall, blocked and on what, exited, idle; killed), what it waits on
// (the request, the reqs_lock and its holder) and the reqs_locks it holds.
#pragma once

#include "inspectormodel.h"

class ThreadsModel : public InspectorModel
{
    Q_OBJECT
public:
    enum Columns { Name, State, WaitsOn, Locks, ColumnCount };
    enum Roles {
        IdRole = ModelRoles::IdRole,           // int: ThreadId.v
        StateRole = ModelRoles::StateRole,     // int: tee::sim::ThreadState
        ChangedRole = ModelRoles::ChangedRole, // bool
        SortRole = ModelRoles::SortRole,
        KilledRole = ModelRoles::FirstModelRole, // bool: its process got SIGKILL
        ReasonRole,                              // int: tee::BlockReason (None unless blocked)
        SyscallRole,                             // int: tee::SyscallKind in progress
        PeerRole,      // int: ThreadId.v of the reqs_lock's holder at the step (-1: free)
        RequestRole,   // int: RequestId.v it waits for (-1)
        LockCtxRole,   // int: ContextId.v of the reqs_lock it waits for (-1)
        LocksHeldRole, // QVariantList of int: ContextId.v of each reqs_lock it holds
        WorkerRole,    // bool: the release worker (qcomtee_wq)
    };

    explicit ThreadsModel(RunDocument *document, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    int32_t idAt(int row) const override;

protected:
    void refresh(bool reset) override;
    QStringList headers() const override;

private:
    struct Row
    {
        int32_t id = -1;
        tee::sim::ThreadSpan span;
        bool worker = false;
        bool changed = false;
        tee::ThreadId lockHolder;   // blocked on a reqs_lock: who holds it at the step
        std::vector<int32_t> locks; // ctx ids of the reqs_locks it holds
    };
    QString stateText(const Row &r) const;
    QString waitsOnText(const Row &r) const;
    QString waitSentence(const Row &r) const;
    QString userWaitText(const Row &r) const;

    std::vector<Row> m_rows;
};
