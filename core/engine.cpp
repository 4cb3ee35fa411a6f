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
    // Only a reqs_lock held by another thread can make this step a wait
    // (most steps: none is, and the lookup of the next step is skipped).
    bool heldByOther = false;
    for (const Context &c : s.contexts)
        heldByOther |= c.reqsLockOwner.valid() && c.reqsLockOwner != t.id;
    if (const ContextId lc = heldByOther ? lockNeeded(s, t, e.m_env) : ContextId(); lc.valid()) {
        const ThreadId owner = s.context(lc).reqsLockOwner;
        if (owner.valid() && owner != t.id) {
            cost = e.m_costs.lock; // trying the mutex and going to sleep
            lockWait(t, lc);
            return;
        }
    }
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
            if (t.blocked == BlockReason::None || t.lockWait.valid())
                return false;
            break;
        default:
            return false;
        }
    }
    return true;
}

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
        // Asleep on reqs_lock: only the holder's unlock wakes it. A thread
        // whose next step needs the lock while another holds it is enabled:
        // its step is the wait itself (label "wait reqs_lock ...").
        if (!can || t.lockWait.valid())
            continue;
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
    if (t.lockWait.valid())
        return who + " waits for reqs_lock of ctx " + std::to_string(t.lockWait.v) + " held by " +
               m_env.threadName(s.context(t.lockWait).reqsLockOwner);
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

bool Engine::stuck(const State &s, std::string *who) const
{
    std::string why;
    bool any = false;
    for (const Thread &t : s.threads) {
        const bool idle =
            !t.lockWait.valid() && (t.phase == Phase::Exited || t.phase == Phase::WorkerIdle ||
                                    t.phase == Phase::RecvWait ||
                                    (t.phase == Phase::User && !t.fatalPending &&
                                     m_env.nextSyscall(s, t).kind == SyscallKind::None));
        if (idle)
            continue;
        any = true;
        if (!why.empty())
            why += "; ";
        why += blockedWhy(s, t.id);
    }
    if (who)
        *who = why;
    return any;
}

std::string Engine::label(const State &s, const Action &a) const
{
    if (a.kind == Action::Kind::Kill)
        return "kill " + m_env.processName(ProcessId(a.index));
    const Thread &t = s.thread(ThreadId(a.index));
    const std::string who = m_env.threadName(t.id) + ": ";
    if (const ContextId lc = lockNeeded(s, t, m_env); lc.valid()) {
        const ThreadId owner = s.context(lc).reqsLockOwner;
        if (owner.valid() && owner != t.id)
            return who + "wait reqs_lock of ctx " + std::to_string(lc.v) + " (held by " +
                   m_env.threadName(owner) + ")";
    }
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
// The cost of the step by the phase it starts in. The step itself may
// replace it (Ctx::cost): a lock wait costs `lock`, user-space work
// `userStep` plus its own ns.
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

namespace {

bool talksToQtee(EventKind k)
{
    return k == EventKind::SmcInvoke || k == EventKind::SmcCallbackResponse ||
           k == EventKind::QteeCallback || k == EventKind::QteeResult ||
           k == EventKind::SmcFailed || k == EventKind::AsyncRelease;
}
// Events that read or write a context's reqs_lock, reqs_list, reqs_idr,
// req_c or qtee_objects_idr, or its close. A tee_context reference taken or
// dropped (an atomic kref) does not order steps.
bool touchesContext(const Event &e)
{
    switch (e.kind) {
    case EventKind::ContextOpened:
    case EventKind::LockAcquire:
    case EventKind::LockRelease:
    case EventKind::RequestState:
    case EventKind::IdrAdd:
    case EventKind::IdrRemove:
    case EventKind::ContextClosed:
    case EventKind::ContextReleased:
    case EventKind::ContextDataFreed:
    case EventKind::SrcuReadLock:
    case EventKind::SrcuReadUnlock:
    case EventKind::SynchronizeSrcu:
        return true;
    case EventKind::Blocked:
    case EventKind::Woken:
        return e.value == int32_t(BlockReason::Lock) || e.value == int32_t(BlockReason::ReqC);
    default:
        return false;
    }
}
bool touchesWq(EventKind k)
{
    return k == EventKind::WorkQueued || k == EventKind::WorkStarted ||
           k == EventKind::WorkRequeued || k == EventKind::WorkDone;
}

// Simulated time of the step just applied (docs/model.md, "Time"). Every
// thread has its own clock and CPU. The step starts at the later of its
// thread's clock and the end of the last earlier step that touched anything
// it touched (read from its events: a context with its reqs_lock, lists,
// idrs and req_c; an object; a request; QTEE; the workqueue;
// xa_local_objects), and lasts its cost. A thread it wakes or signals cannot
// take its next step before this one ends. A scenario fault has no thread:
// it happens now, at the latest end so far. So a waiter never resumes before
// its waker acted, two holders of one lock never overlap, and independent
// threads overlap as on two CPUs.
void stampTime(State &s, const Action &a, int64_t duration, int64_t goneNs, EventList &events,
               size_t first)
{
    const bool fault = a.kind == Action::Kind::Kill;
    int64_t start = fault ? s.tNs : s.thread(ThreadId(a.index)).clockNs.ns;
    start = std::max(start, goneNs);
    auto threadClock = [&](ThreadId t) -> TimeNs * {
        return t.valid() && size_t(t.v) < s.threads.size() ? &s.threads[size_t(t.v)].clockNs
                                                           : nullptr;
    };
    auto contextClock = [&](ContextId c) -> TimeNs * {
        return c.valid() && size_t(c.v) < s.contexts.size() ? &s.contexts[size_t(c.v)].lastNs
                                                            : nullptr;
    };
    // A step's events name the same object or request again and again:
    // look each up once.
    ObjectId lastObject;
    auto objectClock = [&](ObjectId o) -> TimeNs * {
        if (!o.valid() || o == lastObject)
            return nullptr; // nothing, or already touched
        lastObject = o;
        KObject *k = s.object(o);
        return k ? &k->lastNs : nullptr;
    };
    RequestId lastRequest;
    auto requestClock = [&](RequestId r) -> TimeNs * {
        if (!r.valid() || r == lastRequest)
            return nullptr;
        lastRequest = r;
        Request *q = s.request(r);
        return q ? &q->lastNs : nullptr;
    };
    // Each clock the step touches, once per event (duplicates are harmless).
    // Other threads it wakes or signals are only pushed forward: a signal or
    // a wake-up needs no CPU of theirs, but they cannot act on it before it
    // happened. (Reused buffers: no allocation per step.)
    const ThreadId actor = fault ? ThreadId() : ThreadId(a.index);
    static thread_local std::vector<TimeNs *> touched;
    static thread_local std::vector<TimeNs *> after;
    touched.clear();
    after.clear();
    auto touch = [](std::vector<TimeNs *> &v, TimeNs *p) {
        if (p)
            v.push_back(p);
    };
    for (size_t i = first; i < events.size(); ++i) {
        const Event &e = events[i];
        // Violations, gaps and notes report on entities; they touch nothing.
        if (e.kind == EventKind::Violation || e.kind == EventKind::Gap || e.kind == EventKind::Note)
            continue;
        if (e.thread != actor)
            touch(after, threadClock(e.thread));
        if (touchesContext(e))
            touch(touched, contextClock(e.ctx));
        touch(touched, objectClock(e.object));
        touch(touched, requestClock(e.request));
        if (e.process.valid() && (e.kind == EventKind::Killed || e.kind == EventKind::ProcessExit))
            for (Thread &t : s.threads)
                if (t.process == e.process && t.id != actor)
                    after.push_back(&t.clockNs);
        if (talksToQtee(e.kind))
            touched.push_back(&s.qteeNs);
        if (touchesWq(e.kind))
            touched.push_back(&s.wqNs);
        if (e.kind == EventKind::XaAlloc || e.kind == EventKind::XaErase)
            touched.push_back(&s.xaNs);
    }
    for (const TimeNs *p : touched)
        start = std::max(start, p->ns);
    const int64_t end = addNs(start, duration);
    for (TimeNs *p : touched)
        p->ns = std::max(p->ns, end);
    for (TimeNs *p : after)
        p->ns = std::max(p->ns, end);
    if (!fault)
        s.thread(ThreadId(a.index)).clockNs.ns = end;
    for (size_t i = first; i < events.size(); ++i) {
        events[i].startNs = start;
        events[i].tNs = end;
    }
    s.stepStartNs.ns = start;
    s.stepEndNs.ns = end;
    s.tNs = std::max(s.tNs, end);
}

} // namespace

void Engine::apply(State &s, const Action &a, EventList &events) const
{
    const bool wasQuiescent = quiescent(s);
    s.step++;
    const size_t first = events.size();
    Ctx cx{*this, s, events, m_variant, {}};
    cx.cost = stepCost(s, a, m_costs);
    if (a.kind == Action::Kind::Kill) {
        if (a.fault >= 0)
            s.faultsTaken.add(size_t(a.fault));
        cx.kill(ProcessId(a.index));
    } else {
        cx.threadStep(s.thread(ThreadId(a.index)));
    }
    cx.checkInvariants(wasQuiescent);
    stampTime(s, a, addNs(cx.cost, cx.extraNs), cx.goneNs, events, first);
}

State Engine::applied(const State &s, const Action &a, EventList &events) const
{
    State next = s;
    apply(next, a, events);
    return next;
}

} // namespace tee
