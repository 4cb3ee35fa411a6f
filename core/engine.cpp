// The QCOMTEE driver's context, object and request state machines, one
// observable step at a time. Section numbers refer to
// ../shared/spec/qcomtee-driver.md ("spec §N").
#include "engine_p.h"

#include <algorithm>
#include <cassert>

namespace tee {

// Names are 1-based; in 64 bits so that an id of INT32_MAX (a capture may
// carry one) does not overflow.
std::string Environment::processName(ProcessId p) const
{
    return "P" + std::to_string(int64_t(p.v) + 1);
}

std::string Environment::threadName(ThreadId t) const
{
    return "T" + std::to_string(int64_t(t.v) + 1);
}

void Engine::Ctx::threadStep(Thread &t)
{
    actor = t.id;
    switch (t.phase) {
    case Phase::User:
        userStep(t);
        break;
    case Phase::Exited:
        break;
    case Phase::InvokeReply:
        handleReply(t);
        break;
    case Phase::DispatchWait:
    case Phase::DispatchSrcu:
        dispatchStep(t);
        break;
    case Phase::CbRespond:
        cbRespond(t);
        break;
    case Phase::RecvSelect:
        recvSelect(t);
        break;
    case Phase::RecvWait: {
        Context &c = s.context(fileCtx(t.file));
        t.blocked = BlockReason::None;
        if (c.reqC > 0) {
            c.reqC--;
            Event &x = emit(EventKind::Woken);
            x.thread = t.id;
            x.value = int32_t(BlockReason::ReqC);
            recvSelect(t); // phase still RecvWait: select knows it was woken
        } else {
            // interrupted by the fatal signal
            finishSyscall(t, err::kERESTARTSYS);
        }
        break;
    }
    case Phase::RecvMarshal:
        recvMarshal(t);
        break;
    case Phase::RecvRelock:
        recvRelock(t);
        break;
    case Phase::SendUnmarshal:
        sendUnmarshal(t);
        break;
    case Phase::CloseContext:
        closeContext(t);
        break;
    case Phase::CloseObjects:
        closeObjects(t);
        break;
    case Phase::ExitFiles:
        exitFiles(t);
        break;
    case Phase::WorkerIdle:
        workerStart(t);
        break;
    }
}

// ---------------------------------------------------------------------------
Engine::Engine(const Environment &env, Variant variant, Costs costs)
    : m_env(env)
    , m_variant(variant)
    , m_costs(costs)
{}

State Engine::initialState(const std::vector<int32_t> &processRegisters,
                           const std::vector<ThreadSpec> &threads) const
{
    State s;
    Context driver; // the driver's own context, opened in probe (spec §3.8)
    driver.id = ContextId(0);
    driver.refs.push_back({CtxHolderKind::File, -1});
    s.contexts.push_back(driver);
    for (size_t p = 0; p < processRegisters.size(); ++p) {
        Process pr;
        pr.id = ProcessId(int32_t(p));
        pr.regs.assign(size_t(processRegisters[p]), -1);
        s.processes.push_back(pr);
    }
    for (const ThreadSpec &ts : threads) {
        Thread t;
        t.id = ThreadId(int32_t(s.threads.size()));
        t.process = ProcessId(ts.process);
        t.regs.assign(size_t(ts.registers), 0);
        s.processes[size_t(ts.process)].liveThreads++;
        s.threads.push_back(t);
    }
    Thread w;
    w.id = ThreadId(int32_t(s.threads.size()));
    w.worker = true;
    w.phase = Phase::WorkerIdle;
    w.oic.worker = true;
    s.threads.push_back(w);
    return s;
}

bool Engine::quiescent(const State &s)
{
    for (const Thread &t : s.threads) {
        switch (t.phase) {
        case Phase::User:
        case Phase::Exited:
            break;
        case Phase::WorkerIdle:
            if (!s.wq.empty())
                return false;
            break;
        case Phase::RecvWait:
            if (t.blocked == BlockReason::None)
                return false;
            break;
        default:
            return false;
        }
    }
    return true;
}

namespace {
// The context whose reqs_lock the thread's next step takes, if any.
ContextId lockNeeded(const State &s, const Thread &t, const Environment &env)
{
    auto fileCtx = [&](int32_t f) { return f >= 0 ? s.files[size_t(f)].ctx : ContextId(); };
    switch (t.phase) {
    case Phase::User: {
        if (t.fatalPending)
            return {};
        const Syscall sc = env.nextSyscall(s, t);
        if (sc.kind == SyscallKind::SupplRecv || sc.kind == SyscallKind::SupplSend) {
            const Process &p = s.processes[size_t(t.process.v)];
            const int32_t i = sc.fd - kFirstFd;
            if (i >= 0 && i < int32_t(p.fds.size()) && p.fds[size_t(i)] >= 0)
                return fileCtx(p.fds[size_t(i)]);
        }
        return {};
    }
    case Phase::InvokeReply: {
        // servicing a callback into a user object enqueues on its owner
        const QteeReply &r = t.oic.reply;
        if (r.kind != QteeReply::Kind::Callback || r.cbOp >= QCOMTEE_MSG_OBJECT_OP_RETAIN)
            return {};
        auto it =
            std::lower_bound(s.xaLocalObjects.begin(), s.xaLocalObjects.end(), int32_t(r.cbTarget),
                             [](const IdrEntry &e, int32_t i) { return e.id < i; });
        if (it == s.xaLocalObjects.end() || it->id != int32_t(r.cbTarget))
            return {};
        const KObject *o = s.object(ObjectId(it->ref));
        if (!o || o->type != ObjectType::User || s.context(o->owner).dataFreed)
            return {};
        return o->owner;
    }
    case Phase::DispatchWait: {
        const Request *r = s.request(t.dispatchReq);
        if (r && t.killPath)
            return r->ctx; // the kill path takes reqs_lock
        return {};
    }
    case Phase::RecvSelect:
    case Phase::RecvRelock:
        return fileCtx(t.file);
    case Phase::RecvWait:
        // woken by req_c, RECV selects again under reqs_lock
        if (t.file >= 0 && s.context(fileCtx(t.file)).reqC > 0)
            return fileCtx(t.file);
        return {};
    case Phase::CloseContext:
        return t.closing;
    default:
        return {};
    }
}
} // namespace

void Engine::enabled(const State &s, std::vector<Action> &out) const
{
    out.clear();
    for (const Thread &t : s.threads) {
        bool can = false;
        switch (t.phase) {
        case Phase::Exited:
            break;
        case Phase::User:
            can = t.fatalPending || m_env.nextSyscall(s, t).kind != SyscallKind::None;
            break;
        case Phase::DispatchWait: {
            const Request *r = s.request(t.dispatchReq);
            can = (r && r->completed) || t.fatalPending;
            break;
        }
        case Phase::DispatchSrcu: {
            const Request *r = s.request(t.dispatchReq);
            can = !r || s.context(r->ctx).srcuReaders == 0;
            break;
        }
        case Phase::RecvWait:
            can = s.context(s.files[size_t(t.file)].ctx).reqC > 0 || t.fatalPending;
            break;
        case Phase::WorkerIdle:
            can = !s.wq.empty();
            break;
        default:
            can = true;
        }
        if (!can)
            continue;
        const ContextId lc = lockNeeded(s, t, m_env);
        if (lc.valid()) {
            const ThreadId owner = s.context(lc).reqsLockOwner;
            if (owner.valid() && owner != t.id)
                continue; // waiting for reqs_lock
        }
        out.push_back(Action{Action::Kind::Thread, t.id.v, -1});
    }
    m_env.enabledFaults(s, out);
}

std::vector<Action> Engine::enabled(const State &s) const
{
    std::vector<Action> out;
    enabled(s, out);
    return out;
}

std::string Engine::blockedWhy(const State &s, ThreadId id) const
{
    const Thread &t = s.thread(id);
    const std::string who = m_env.threadName(id);
    switch (t.phase) {
    case Phase::DispatchWait: {
        const Request *r = s.request(t.dispatchReq);
        if (t.killPath && r && s.context(r->ctx).reqsLockOwner.valid())
            return who + " (killed) waits for reqs_lock of ctx " + std::to_string(r->ctx.v) +
                   " held by " + m_env.threadName(s.context(r->ctx).reqsLockOwner);
        return who + " waits (killable) for req " + std::to_string(r ? r->reqId : -1) + " of ctx " +
               std::to_string(r ? r->ctx.v : -1) + " (" + (r ? reqStateName(r->state) : "?") + ")";
    }
    case Phase::DispatchSrcu:
        return who + " waits in synchronize_srcu";
    case Phase::RecvWait:
        return who + " waits in SUPPL_RECV on req_c of ctx " +
               std::to_string(s.files[size_t(t.file)].ctx.v);
    case Phase::WorkerIdle:
        return who + " is idle";
    case Phase::User: {
        const ContextId lc = lockNeeded(s, t, m_env);
        if (lc.valid() && s.context(lc).reqsLockOwner.valid() && s.context(lc).reqsLockOwner != id)
            return who + " waits for reqs_lock of ctx " + std::to_string(lc.v) + " held by " +
                   m_env.threadName(s.context(lc).reqsLockOwner);
        return who + " has nothing more to do";
    }
    case Phase::Exited:
        return who + " has exited";
    default: {
        const ContextId lc = lockNeeded(s, t, m_env);
        if (lc.valid())
            return who + " waits for reqs_lock of ctx " + std::to_string(lc.v) + " held by " +
                   m_env.threadName(s.context(lc).reqsLockOwner);
        return who + " is in " + phaseName(t.phase);
    }
    }
}

std::string Engine::label(const State &s, const Action &a) const
{
    if (a.kind == Action::Kind::Kill)
        return "kill " + m_env.processName(ProcessId(a.index));
    const Thread &t = s.thread(ThreadId(a.index));
    const std::string who = m_env.threadName(t.id) + ": ";
    switch (t.phase) {
    case Phase::User: {
        if (t.fatalPending)
            return who + "exit (killed)";
        const Syscall sc = m_env.nextSyscall(s, t);
        switch (sc.kind) {
        case SyscallKind::Open:
            return who + "open /dev/tee";
        case SyscallKind::Close:
            return who + "close fd " + std::to_string(sc.fd);
        case SyscallKind::Invoke:
            if (sc.op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
                return who + "OBJECT_INVOKE release obj " + std::to_string(int64_t(sc.objectId));
            return who + "OBJECT_INVOKE " +
                   (sc.objectId == TEE_OBJREF_NULL
                        ? std::string("ROOT")
                        : "obj " + std::to_string(int64_t(sc.objectId))) +
                   " op " + opName(sc.op);
        case SyscallKind::SupplRecv:
            return who + "SUPPL_RECV";
        case SyscallKind::SupplSend:
            return who + "SUPPL_SEND req " + std::to_string(sc.reqId) + " ret " +
                   signedErrno(sc.ret);
        case SyscallKind::ShmAlloc:
            return who + "SHM_ALLOC " + std::to_string(sc.bufSize) + " bytes";
        case SyscallKind::Kill:
            return who + "kill " + m_env.processName(ProcessId(sc.process));
        case SyscallKind::Compute:
            return who + "compute " + std::to_string(sc.computeNs) + " ns";
        case SyscallKind::Exit:
            return who + "exit";
        case SyscallKind::None:
            return who + "idle";
        }
        return who + "?";
    }
    case Phase::InvokeReply: {
        const QteeReply &r = t.oic.reply;
        if (r.kind == QteeReply::Kind::Callback)
            return who + "QTEE callback " + hex(r.cbTarget) + " op " + opName(r.cbOp);
        if (r.kind == QteeReply::Kind::SmcError)
            return who + "SMC failed " + signedErrno(r.result);
        return who + "QTEE returns " + std::to_string(r.result);
    }
    case Phase::DispatchWait: {
        const Request *r = s.request(t.dispatchReq);
        const std::string req = "req " + std::to_string(r ? r->reqId : -1);
        if (t.killPath)
            return who + "dispatch killed (" + req + " " + (r ? reqStateName(r->state) : "?") + ")";
        if (r && r->completed)
            return who + "dispatch woken (" + req + " PROCESSED)";
        return who + "dispatch interrupted by SIGKILL (" + req + ")";
    }
    case Phase::DispatchSrcu:
        return who + "synchronize_srcu";
    case Phase::CbRespond:
        return who + "callback response " + signedErrno(t.oic.errno_);
    case Phase::RecvSelect:
        return who + "SUPPL_RECV select";
    case Phase::RecvWait: {
        const Context &c = s.context(s.files[size_t(t.file)].ctx);
        return who + (c.reqC > 0 ? "SUPPL_RECV woken by req_c" : "SUPPL_RECV interrupted");
    }
    case Phase::RecvMarshal: {
        const Request *r = s.request(t.recvReq);
        return who + "RECV marshal arg " + std::to_string(t.recvArg + 1) + "/" +
               std::to_string(r ? r->args.size() : 0) + " of req " +
               std::to_string(r ? r->reqId : -1);
    }
    case Phase::RecvRelock: {
        const Request *r = s.request(t.recvReq);
        return who + "RECV relock: free RELEASE notification req " +
               std::to_string(r ? r->reqId : -1);
    }
    case Phase::SendUnmarshal: {
        const Request *r = s.request(t.sendReq);
        return who + "SEND unmarshal output of req " + std::to_string(r ? r->reqId : -1);
    }
    case Phase::CloseContext:
        return who + "close_context ctx " + std::to_string(t.closing.v);
    case Phase::CloseObjects:
        return who + "close_context ctx " + std::to_string(t.closing.v) + ": put QTEE objects";
    case Phase::ExitFiles:
        return who + "exit_files";
    case Phase::WorkerIdle: {
        if (s.wq.empty())
            return who + "idle";
        const KObject *o = s.object(s.wq.front().object);
        return who + "release obj " + std::to_string(s.wq.front().object.v) + " (QTEE " +
               hex(o ? o->qteeId : 0) + ")";
    }
    case Phase::Exited:
        return who + "exited";
    }
    return who + "?";
}

namespace {
int64_t stepCost(const State &s, const Action &a, const Costs &c)
{
    if (a.kind == Action::Kind::Kill)
        return c.kill;
    const Thread &t = s.thread(ThreadId(a.index));
    switch (t.phase) {
    case Phase::User:
        return c.syscall;
    case Phase::InvokeReply:
        return c.dispatch;
    case Phase::DispatchWait:
    case Phase::RecvWait:
    case Phase::DispatchSrcu:
        return c.wakeup;
    case Phase::CbRespond:
        return c.smc;
    case Phase::RecvSelect:
    case Phase::RecvRelock:
        return c.lock;
    case Phase::RecvMarshal:
    case Phase::SendUnmarshal:
        return c.marshal;
    case Phase::CloseContext:
    case Phase::CloseObjects:
    case Phase::ExitFiles:
        return c.close;
    case Phase::WorkerIdle:
        return c.release + c.smc;
    case Phase::Exited:
        return 0;
    }
    return 0;
}
} // namespace

void Engine::apply(State &s, const Action &a, EventList &events) const
{
    const bool wasQuiescent = quiescent(s);
    s.step++;
    s.tNs = addNs(s.tNs, stepCost(s, a, m_costs));
    Ctx cx{*this, s, events, m_variant, {}};
    if (a.kind == Action::Kind::Kill) {
        if (a.fault >= 0)
            s.faultsTaken.add(size_t(a.fault));
        cx.kill(ProcessId(a.index));
    } else {
        cx.threadStep(s.thread(ThreadId(a.index)));
    }
    cx.checkInvariants(wasQuiescent);
}

State Engine::applied(const State &s, const Action &a, EventList &events) const
{
    State next = s;
    apply(next, a, events);
    return next;
}

} // namespace tee
