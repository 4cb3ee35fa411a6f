#include "state.h"

#include <algorithm>

namespace tee {

namespace {
// A small, fast 64-bit mixer (wyhash-style multiply-xorshift). Exploration
// hashes millions of states, so every field is folded in directly.
struct Hasher
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    void add(uint64_t v)
    {
        h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
        h *= 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    template <class T>
    void addIds(const std::vector<T> &v)
    {
        add(v.size());
        for (const auto &x : v)
            add(uint64_t(int64_t(x)));
    }
};

void hashArgs(Hasher &h, const std::vector<Arg> &args)
{
    h.add(args.size());
    for (const Arg &a : args)
        h.add((uint64_t(a.type) | uint64_t(a.size) << 8 | uint64_t(uint32_t(a.object.v)) << 40) ^
              (uint64_t(a.wireId) << 20));
}

void hashReply(Hasher &h, const QteeReply &r)
{
    h.add(uint64_t(r.kind) | uint64_t(uint32_t(r.result)) << 8);
    h.addIds(r.outIds);
    h.addIds(r.outOb);
    h.add(uint64_t(r.cbTarget) << 32 | r.cbOp);
    h.addIds(r.cbIb);
    h.addIds(r.cbOb);
    h.addIds(r.cbIo);
    h.add(r.cbOo);
    h.addIds(r.asyncRelease);
}
} // namespace

uint64_t State::hash() const
{
    // step and tNs are excluded: two interleavings that reach the same
    // configuration are the same state for exploration.
    Hasher h;
    for (const Process &p : processes) {
        h.add(uint64_t(p.killed) | uint64_t(p.exited) << 1 |
              uint64_t(uint32_t(p.liveThreads)) << 2);
        h.addIds(p.fds);
        h.addIds(p.regs);
    }
    for (const Thread &t : threads) {
        h.add(uint64_t(t.phase) | uint64_t(t.fatalPending) << 8 | uint64_t(t.blocked) << 9 |
              uint64_t(uint32_t(t.pc)) << 16 | uint64_t(t.killPath) << 48 |
              uint64_t(t.exiting) << 49);
        h.addIds(t.regs);
        h.add(uint64_t(t.sc.kind) | uint64_t(uint32_t(t.sc.fd)) << 8);
        h.add(uint64_t(uint32_t(t.file)) | uint64_t(uint32_t(t.dispatchReq.v)) << 32);
        h.add(uint64_t(uint32_t(t.recvReq.v)) | uint64_t(uint32_t(t.recvArg)) << 32);
        h.add(uint64_t(uint32_t(t.sendReq.v)) | uint64_t(uint32_t(t.sendArg)) << 32);
        h.add(uint64_t(uint32_t(t.closing.v)) | uint64_t(uint32_t(t.lockWait.v)) << 32);
        h.add(uint64_t(uint32_t(t.srcuRead.v)));
        h.addIds(t.srcuWaitFor);
        h.add(uint64_t(uint32_t(t.res.errno_)) | uint64_t(uint32_t(t.res.ret)) << 32);
        const Oic &o = t.oic;
        if (o.active || o.shared) {
            h.add(uint64_t(o.active) | uint64_t(o.busy) << 1 | uint64_t(o.notifyFlag) << 2 |
                  uint64_t(o.shared) << 3 | uint64_t(o.objectRef) << 4 |
                  uint64_t(uint32_t(o.target.v)) << 8 | uint64_t(o.op) << 40);
            h.add(uint64_t(uint32_t(o.object.v)) | uint64_t(uint32_t(o.errno_)) << 32);
            h.add(uint64_t(uint32_t(o.data.v)) | uint64_t(o.cbOp) << 32);
            hashArgs(h, o.args);
            hashArgs(h, o.u);
            hashReply(h, o.reply);
            h.add(uint64_t(o.qtee.target) | uint64_t(uint32_t(o.qtee.script)) << 32);
            h.add(uint64_t(uint32_t(o.qtee.pc)));
            h.addIds(o.qtee.received);
            h.addIds(o.qtee.cbOut);
        }
    }
    for (const File &f : files)
        h.add(uint64_t(uint32_t(f.ctx.v)) | uint64_t(uint32_t(f.refs)) << 32);
    for (const Context &c : contexts) {
        h.add(uint64_t(c.fileOpen) | uint64_t(c.closed) << 1 | uint64_t(c.released) << 2 |
              uint64_t(c.ctxFreed) << 3 | uint64_t(c.dataFreed) << 4 | uint64_t(c.lockWoken) << 5 |
              uint64_t(uint32_t(c.reqC)) << 8 | uint64_t(uint32_t(c.reqsLockOwner.v)) << 32);
        h.add(c.refs.size() | uint64_t(c.dataRefs.size()) << 32);
        h.addIds(c.lockWaiters);
        for (const RetiredId &r : c.retiredIds)
            h.add(uint64_t(uint32_t(r.id)) | uint64_t(uint32_t(r.request.v)) << 32 |
                  (uint64_t(r.notification) << 63 ^ uint64_t(uint32_t(r.stolenFrom.v)) << 40));
        for (const CtxHolder &r : c.refs)
            h.add(uint64_t(r.kind) | uint64_t(uint32_t(r.a)) << 8);
        for (const CtxHolder &r : c.dataRefs)
            h.add(uint64_t(r.kind) | uint64_t(uint32_t(r.a)) << 8);
        for (const IdrEntry &e : c.qteeObjectsIdr)
            h.add(uint64_t(uint32_t(e.id)) | uint64_t(uint32_t(e.ref)) << 32);
        for (const IdrEntry &e : c.reqsIdr)
            h.add(uint64_t(uint32_t(e.id)) | uint64_t(uint32_t(e.ref)) << 32);
        h.addIds(c.reqsList);
        h.add(uint64_t(uint32_t(c.srcuReaders)));
    }
    for (const KObject &o : objects) {
        h.add(uint64_t(uint32_t(o.id.v)) | uint64_t(o.type) << 32 | uint64_t(o.notify) << 40 |
              uint64_t(o.releaseQueued) << 41 | uint64_t(o.leakReported) << 42);
        h.add(uint64_t(o.qteeId) | uint64_t(uint32_t(o.owner.v)) << 32);
        h.add(o.userObjectId);
        h.add(o.holders.size());
        for (const Holder &x : o.holders)
            h.add(uint64_t(x.kind) | uint64_t(uint32_t(x.a)) << 8 | uint64_t(uint32_t(x.b)) << 40);
    }
    for (const Request &r : requests) {
        h.add(uint64_t(uint32_t(r.id.v)) | uint64_t(uint32_t(r.ctx.v)) << 32);
        h.add(uint64_t(uint32_t(r.reqId)) | uint64_t(r.state) << 32 |
              uint64_t(r.notification) << 40 | uint64_t(r.completed) << 41 |
              uint64_t(r.argsFreed) << 42 | uint64_t(r.delivered) << 43 |
              uint64_t(r.answered) << 44);
        h.add(r.objectId);
        h.add(uint64_t(uint32_t(r.object.v)) | uint64_t(r.op) << 32);
        h.add(uint64_t(uint32_t(r.errno_)) | uint64_t(uint32_t(r.client.v)) << 32);
        h.add(r.enqueueSeq);
        hashArgs(h, r.args);
    }
    for (const IdrEntry &e : xaLocalObjects)
        h.add(uint64_t(uint32_t(e.id)) | uint64_t(uint32_t(e.ref)) << 32);
    h.add(xaLastId | uint64_t(deviceRemoved) << 32);
    for (const Shm &m : shms)
        h.add((uint64_t(uint32_t(m.id)) | uint64_t(uint32_t(m.ctx.v)) << 32) ^
              (uint64_t(uint32_t(m.refs)) << 16 | uint64_t(m.userRef) << 63));
    for (const WorkItem &w : wq)
        h.add(uint64_t(uint32_t(w.object.v)));
    h.add(uint64_t(uint32_t(nextObject)) | uint64_t(uint32_t(nextRequest)) << 32);
    h.add(enqueueSeq);
    // The first word alone when no fault past the 64th was taken (the
    // common case hashes as the 32-bit mask did).
    const std::vector<uint64_t> &faults = faultsTaken.words;
    h.add(faults.empty() ? 0 : faults[0]);
    for (size_t i = 1; i < faults.size(); ++i)
        h.add(faults[i]);
    h.add(qtee.nextObjectId);
    for (const QteeObject &q : qtee.objects) {
        h.add(uint64_t(q.qteeId) | uint64_t(uint32_t(q.service)) << 32);
        h.add(uint64_t(uint32_t(q.kernelRefs)) | uint64_t(uint32_t(q.failedReleases)) << 32);
        h.add(uint64_t(uint32_t(q.failedInvokes)));
    }
    for (const QteeHeld &x : qtee.held)
        h.add((uint64_t(x.cbId) | uint64_t(x.owner) << 32) ^ uint64_t(uint32_t(x.slot)) << 20);
    h.addIds(qtee.cbHeld);
    return h.h;
}

KObject *State::object(ObjectId id)
{
    auto it = std::lower_bound(objects.begin(), objects.end(), id,
                               [](const KObject &o, ObjectId i) { return o.id < i; });
    return it != objects.end() && it->id == id ? &*it : nullptr;
}

const KObject *State::object(ObjectId id) const
{
    return const_cast<State *>(this)->object(id);
}

Request *State::request(RequestId id)
{
    auto it = std::lower_bound(requests.begin(), requests.end(), id,
                               [](const Request &r, RequestId i) { return r.id < i; });
    return it != requests.end() && it->id == id ? &*it : nullptr;
}

const Request *State::request(RequestId id) const
{
    return const_cast<State *>(this)->request(id);
}

const char *phaseName(Phase p)
{
    switch (p) {
    case Phase::User:
        return "user";
    case Phase::Exited:
        return "exited";
    case Phase::InvokeReply:
        return "invoke: QTEE reply";
    case Phase::DispatchWait:
        return "dispatch: wait";
    case Phase::DispatchSrcu:
        return "dispatch: synchronize_srcu";
    case Phase::CbRespond:
        return "callback response";
    case Phase::RecvSelect:
        return "RECV: select";
    case Phase::RecvWait:
        return "RECV: wait req_c";
    case Phase::RecvMarshal:
        return "RECV: marshal";
    case Phase::RecvRelock:
        return "RECV: relock";
    case Phase::SendUnmarshal:
        return "SEND: unmarshal";
    case Phase::CloseContext:
        return "close_context";
    case Phase::CloseObjects:
        return "close_context: put objects";
    case Phase::ExitFiles:
        return "exit_files";
    case Phase::WorkerIdle:
        return "idle";
    case Phase::DeviceRemove:
        return "tee_device_unregister";
    }
    return "?";
}

const char *syscallName(SyscallKind k)
{
    switch (k) {
    case SyscallKind::None:
        return "none";
    case SyscallKind::Open:
        return "open";
    case SyscallKind::Close:
        return "close";
    case SyscallKind::Invoke:
        return "OBJECT_INVOKE";
    case SyscallKind::SupplRecv:
        return "SUPPL_RECV";
    case SyscallKind::SupplSend:
        return "SUPPL_SEND";
    case SyscallKind::ShmAlloc:
        return "SHM_ALLOC";
    case SyscallKind::Kill:
        return "kill";
    case SyscallKind::Compute:
        return "compute";
    case SyscallKind::RemoveDevice:
        return "remove_device";
    case SyscallKind::Exit:
        return "exit";
    }
    return "?";
}

} // namespace tee
