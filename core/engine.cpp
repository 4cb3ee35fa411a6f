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
    inMutexLock = false;
    ContextId wokenOn;
    if (t.lockWait.valid()) {
        // The woken first waiter retries mutex_lock (enabled() offers no
        // other waiter). Taken meanwhile by a thread that never slept: it
        // sleeps again, still first on the list.
        Context &c = s.context(t.lockWait);
        c.lockWoken = false;
        if (c.reqsLockOwner.valid()) {
            cost = e.m_costs.lock;
            lockWait(t, t.lockWait);
            return;
        }
        wokenOn = t.lockWait;
        std::erase(c.lockWaiters, t.id.v);
        t.lockWait = {};
        inMutexLock = true;
    }
    stepAfterLock(t);
    // A woken waiter whose step no longer takes the lock (its object went
    // away meanwhile) passes the wake-up on, as its mutex_unlock would.
    if (wokenOn.valid() && !s.context(wokenOn).reqsLockOwner.valid())
        wakeLockWaiter(wokenOn, t.id);
}

// The dry run of stepAfterLock: the reqs_lock, held by another thread (or,
// §9 item 8, by this one), that a RELEASE notification queued in this step
// would sleep on, and the user object whose last put queued it.
ContextId Engine::Ctx::notificationLock(const Thread &t, ObjectId *object)
{
    State copy = s;
    EventList none;
    Ctx dry{e, copy, none, var, actor};
    dry.quiet = true;
    dry.probe = true;
    dry.inMutexLock = inMutexLock;
    dry.stepAfterLock(copy.thread(t.id));
    *object = dry.probeObject;
    return dry.probeWait;
}

void Engine::Ctx::stepAfterLock(Thread &t)
{
    // Only a reqs_lock held by another thread can make this step a wait
    // (most steps: none is, and the lookup of the next step is skipped), or
    // with gaps=faithful its own one (§9 item 8).
    ContextId sleepOn;
    ObjectId released;
    const bool other = heldByOther(s, t.id);
    if (other) {
        const ContextId lc = lockNeeded(s, t, e.m_env);
        if (lc.valid() && heldByOther(s.context(lc), t.id))
            sleepOn = lc;
    }
    // A put inside the step may be the last of a user object: its RELEASE
    // notification's ureq_enqueue takes the owner's reqs_lock (spec §2.5 T1,
    // §2.3). Whether it is the last put only shows by running the step, so
    // a dry run on a copy tells (not nested).
    if (!sleepOn.valid() && !probe &&
        ((other && mayPut(s, t, e.m_env)) || mayPutUnderOwnLock(s, t, var)))
        sleepOn = notificationLock(t, &released);
    if (sleepOn.valid()) {
        cost = e.m_costs.lock; // trying the mutex and going to sleep
        if (s.context(sleepOn).reqsLockOwner == t.id) {
            // §9 item 8 (gaps=faithful): the last put of `released` ran in
            // RECV marshalling under this thread's reqs_lock, and
            // ureq_enqueue's mutex_lock sleeps on that same mutex: nothing
            // will ever unlock it (a fatal signal does not end mutex_lock).
            // The step stops there: the marshalling does not go on.
            Event &g = gap(8, Finding::NotifySelfDeadlock);
            g.thread = t.id;
            g.ctx = sleepOn;
            g.object = released;
        }
        if (t.phase == Phase::RecvWait && !inMutexLock)
            reqCTaken(t); // the req_c wait returned before mutex_lock
        lockWait(t, sleepOn);
        return;
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
        if (inMutexLock) {
            recvSelect(t); // its req_c count was taken before it slept on the lock
        } else if (c.reqC > 0) {
            reqCTaken(t);
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
    case Phase::DeviceRemove:
        // every context released its device reference: c_no_users completed;
        // qcomtee_remove goes on (destroy_workqueue, free the pool and the
        // driver state) and the unbind returns
        if (t.blocked != BlockReason::None) {
            t.blocked = BlockReason::None;
            Event &w = emit(EventKind::Woken);
            w.thread = t.id;
            w.value = int32_t(BlockReason::NoUsers);
        }
        // destroy_workqueue: every QTEE object was released, so the queue
        // is empty and nothing can queue work any more (no context is
        // left and /dev/tee is gone); the release worker ends
        if (Thread &wq = s.thread(s.worker().id); wq.phase == Phase::WorkerIdle && s.wq.empty()) {
            wq.phase = Phase::Exited;
            emit(EventKind::ThreadExit).thread = wq.id;
        }
        finishSyscall(t, 0);
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
    // Probe's version query (spec §3.8 step 6) put its two objects, and
    // their RELEASE work items ran on this shared oic before user space
    // could open the device: SHARED is set for good (§2.7, never cleared),
    // so a later RELEASE SMC failure is -ENODEV and dropped (§9 item 5).
    // gaps=fixed clears it per work item (release_worker.cpp).
    w.oic.shared = true;
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
        case Phase::DeviceRemove: // no invocation of its own in flight
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
        case Phase::DispatchSrcu:
            can = t.srcuWaitFor.empty(); // every reader it waited for left
            break;
        case Phase::RecvWait:
            can = s.context(s.files[size_t(t.file)].ctx).reqC > 0 || t.fatalPending;
            break;
        case Phase::WorkerIdle:
            can = !s.wq.empty();
            break;
        case Phase::DeviceRemove:
            can = allContextsReleased(s);
            break;
        default:
            can = true;
        }
        // Asleep on reqs_lock: only the holder's unlock wakes it, and only
        // the first waiter, which then retries whatever else is pending for
        // it. A thread whose next step needs the lock while another holds it
        // is enabled: its step is the wait itself (label "wait reqs_lock").
        if (t.lockWait.valid())
            can = !s.lockAsleep(t);
        if (!can)
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

ContextId Engine::sleepsOnLock(const State &s, ThreadId id) const
{
    if (!heldByOther(s, id) && !mayPutUnderOwnLock(s, s.thread(id), m_variant))
        return {};
    State copy = s;
    EventList none;
    Ctx dry{*this, copy, none, m_variant, {}};
    dry.quiet = true;
    dry.probe = true;
    dry.threadStep(copy.thread(id));
    return dry.probeWait;
}

vocab::WaitInfo Engine::waitInfo(const State &s, ThreadId id) const
{
    using K = vocab::WaitInfo::Kind;
    const Thread &t = s.thread(id);
    vocab::WaitInfo w;
    w.thread = id;
    w.phase = t.phase;
    const auto lockWait = [&](ContextId c) {
        w.kind = K::Lock;
        w.ctx = c;
        w.peer = s.context(c).reqsLockOwner;
    };
    if (t.lockWait.valid()) {
        lockWait(t.lockWait);
        return w;
    }
    switch (t.phase) {
    case Phase::DispatchWait: {
        const Request *r = s.request(t.dispatchReq);
        if (t.killPath && r && s.context(r->ctx).reqsLockOwner.valid()) {
            lockWait(r->ctx);
            w.killed = true;
            return w;
        }
        w.kind = K::Completion;
        if (r) {
            w.request = r->id;
            w.ctx = r->ctx;
            w.reqId = r->reqId;
            w.state = r->state;
        }
        return w;
    }
    case Phase::DispatchSrcu:
        w.kind = K::Srcu;
        return w;
    case Phase::RecvWait:
        w.kind = K::ReqC;
        w.ctx = s.files[size_t(t.file)].ctx;
        return w;
    case Phase::WorkerIdle:
        w.kind = K::Idle;
        return w;
    case Phase::DeviceRemove:
        w.kind = K::NoUsers;
        return w;
    case Phase::User: {
        // its syscall's own lock, or a RELEASE notification's enqueue
        if (const ContextId lc = sleepsOnLock(s, id); lc.valid()) {
            lockWait(lc);
        } else if (std::string what = m_env.userWait(s, t); !what.empty()) {
            w.kind = K::UserWait;
            w.what = std::move(what);
        } else {
            w.kind = K::Done;
        }
        return w;
    }
    case Phase::Exited:
        w.kind = K::Exited;
        return w;
    default: {
        ContextId lc = lockNeeded(s, t, m_env);
        if (!lc.valid())
            lc = sleepsOnLock(s, id); // a RELEASE notification's enqueue
        if (lc.valid())
            lockWait(lc);
        else
            w.kind = K::InKernel;
        return w;
    }
    }
}

std::string Engine::blockedWhy(const State &s, ThreadId id) const
{
    return vocab::waitText(m_env, waitInfo(s, id));
}

bool Engine::stuck(const State &s, std::string *who) const
{
    std::string why;
    bool any = false;
    for (const Thread &t : s.threads) {
        const bool idle =
            !t.lockWait.valid() &&
            (t.phase == Phase::Exited || t.phase == Phase::WorkerIdle ||
             t.phase == Phase::RecvWait ||
             (t.phase == Phase::User && !t.fatalPending &&
              m_env.nextSyscall(s, t).kind == SyscallKind::None && !m_env.waitsInUserSpace(s, t)));
        if (idle)
            continue;
        any = true;
        if (!why.empty())
            why += "; ";
        why += blockedWhy(s, t.id);
    }
    // A supplicant asleep on req_c is idle, unless its context has a QUEUED
    // request and no count left: the count that request signalled went to
    // another RECV, which failed the head's checks and gave up (spec §2.6,
    // §3.4 step 2, §7 case 18). Then it is why the waiters above wait, and
    // is named with them.
    if (any)
        for (const Thread &t : s.threads) {
            if (t.phase != Phase::RecvWait || t.lockWait.valid() || t.file < 0)
                continue;
            const Context &c = s.context(s.files[size_t(t.file)].ctx);
            if (c.reqC > 0)
                continue;
            for (const int32_t id : c.reqsList) {
                const Request *r = s.request(RequestId(id));
                if (r && r->state == ReqState::QUEUED) {
                    why += "; " + blockedWhy(s, t.id) + " with no count left while " +
                           vocab::request(r->id, r->ctx, r->reqId) + " is QUEUED";
                    break;
                }
            }
        }
    if (who)
        *who = why;
    return any;
}

vocab::ActionInfo Engine::describe(const State &s, const Action &a) const
{
    using vocab::Verb;
    vocab::ActionInfo i;
    if (a.kind == Action::Kind::Kill) {
        i.verb = Verb::Kill;
        i.process = ProcessId(a.index);
        return i;
    }
    const Thread &t = s.thread(ThreadId(a.index));
    i.thread = t.id;
    if (const ContextId lc = sleepsOnLock(s, t.id); lc.valid()) {
        i.verb = Verb::LockWait;
        i.ctx = lc;
        i.peer = s.context(lc).reqsLockOwner;
        return i;
    }
    const auto withRequest = [&](RequestId id) {
        if (const Request *r = s.request(id)) {
            i.request = r->id;
            i.reqId = r->reqId;
            i.ctx = r->ctx;
            i.state = r->state;
            i.argc = int32_t(r->args.size());
        }
    };
    switch (t.phase) {
    case Phase::User: {
        if (t.fatalPending && !t.lockWait.valid()) {
            i.verb = Verb::ExitKilled;
            return i;
        }
        const Syscall sc = m_env.nextSyscall(s, t);
        switch (sc.kind) {
        case SyscallKind::Open:
            i.verb = Verb::Open;
            break;
        case SyscallKind::Close:
            i.verb = Verb::Close;
            i.fd = sc.fd;
            break;
        case SyscallKind::Invoke:
            i.verb = sc.op == QCOMTEE_MSG_OBJECT_OP_RELEASE ? Verb::InvokeRelease : Verb::Invoke;
            i.userId = sc.objectId;
            i.op = sc.op;
            break;
        case SyscallKind::SupplRecv:
            i.verb = Verb::SupplRecv;
            break;
        case SyscallKind::SupplSend:
            i.verb = Verb::SupplSend;
            i.reqId = sc.reqId;
            i.errno_ = sc.ret;
            break;
        case SyscallKind::ShmAlloc:
            i.verb = Verb::ShmAlloc;
            i.amount = sc.bufSize;
            break;
        case SyscallKind::Kill:
            i.verb = Verb::KillSyscall;
            i.process = ProcessId(sc.process);
            break;
        case SyscallKind::Compute:
            i.verb = Verb::Compute;
            i.amount = sc.computeNs;
            break;
        case SyscallKind::Exit:
            i.verb = Verb::Exit;
            break;
        case SyscallKind::RemoveDevice:
            i.verb = Verb::RemoveDevice;
            break;
        case SyscallKind::None:
            i.verb = Verb::Idle;
            break;
        }
        return i;
    }
    case Phase::InvokeReply: {
        const QteeReply &r = t.oic.reply;
        if (r.kind == QteeReply::Kind::Callback) {
            i.verb = Verb::QteeCallback;
            i.qteeId = r.cbTarget;
            i.op = r.cbOp;
        } else if (r.kind == QteeReply::Kind::SmcError) {
            i.verb = Verb::SmcFailed;
            i.errno_ = r.result;
        } else {
            i.verb = Verb::QteeReturns;
            i.value = r.result;
        }
        return i;
    }
    case Phase::DispatchWait: {
        withRequest(t.dispatchReq);
        const Request *r = s.request(t.dispatchReq);
        i.verb = t.killPath            ? Verb::DispatchKilled
                 : (r && r->completed) ? Verb::DispatchWoken
                                       : Verb::DispatchSignalled;
        return i;
    }
    case Phase::DispatchSrcu:
        i.verb = Verb::SynchronizeSrcu;
        return i;
    case Phase::CbRespond:
        i.verb = Verb::CallbackResponse;
        i.errno_ = t.oic.errno_;
        return i;
    case Phase::RecvSelect:
        i.verb = Verb::RecvSelect;
        return i;
    case Phase::RecvWait: {
        i.ctx = s.files[size_t(t.file)].ctx;
        // a lock waiter took its req_c count before it slept on the lock
        i.verb = s.context(i.ctx).reqC > 0 || t.lockWait.valid() ? Verb::RecvWoken
                                                                 : Verb::RecvInterrupted;
        return i;
    }
    case Phase::RecvMarshal:
        withRequest(t.recvReq);
        i.verb = Verb::RecvMarshal;
        i.value = t.recvArg;
        return i;
    case Phase::RecvRelock:
        withRequest(t.recvReq);
        i.verb = Verb::RecvRelock;
        return i;
    case Phase::SendUnmarshal:
        withRequest(t.sendReq);
        i.verb = Verb::SendUnmarshal;
        return i;
    case Phase::CloseContext:
        i.verb = Verb::CloseContext;
        i.ctx = t.closing;
        return i;
    case Phase::CloseObjects:
        i.verb = Verb::CloseObjects;
        i.ctx = t.closing;
        return i;
    case Phase::ExitFiles:
        i.verb = Verb::ExitFiles;
        return i;
    case Phase::WorkerIdle: {
        if (s.wq.empty()) {
            i.verb = Verb::Idle;
            return i;
        }
        const KObject *o = s.object(s.wq.front().object);
        i.verb = Verb::WorkerRelease;
        i.object = s.wq.front().object;
        i.qteeId = o ? o->qteeId : 0;
        return i;
    }
    case Phase::DeviceRemove:
        i.verb = Verb::DeviceUnregistered;
        return i;
    case Phase::Exited:
        i.verb = Verb::Exited;
        return i;
    }
    return i;
}

std::string Engine::label(const State &s, const Action &a) const
{
    return vocab::label(m_env, describe(s, a));
}

int Engine::matchLabel(const State &s, const std::vector<Action> &enabled, const std::string &label,
                       std::string *why) const
{
    for (size_t k = 0; k < enabled.size(); ++k)
        if (this->label(s, enabled[k]) == label)
            return int(k);
    // A schedule written before the vocabulary (model versions 1 and 2).
    int found = -1;
    std::string names;
    for (size_t k = 0; k < enabled.size(); ++k) {
        if (legacyLabel(s, enabled[k]) != label)
            continue;
        names += (names.empty() ? "\"" : ", \"") + this->label(s, enabled[k]) + "\"";
        found = found == -1 ? int(k) : -2;
    }
    if (found == -2 && why)
        *why = "the old label names several enabled actions: " + names;
    return found;
}

std::string Engine::legacyLabel(const State &s, const Action &a) const
{
    return vocab::legacyLabel(m_env, describe(s, a));
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
    case Phase::DeviceRemove:
        return c.wakeup;
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
// threads overlap as on two CPUs. `released`: threads whose user-space wait
// this step ended (it set what they waited for): the same as a wake-up.
void stampTime(State &s, const Action &a, int64_t duration, int64_t goneNs, EventList &events,
               size_t first, const std::vector<ThreadId> &released)
{
    const bool fault = a.kind == Action::Kind::Kill;
    int64_t start = fault ? s.tNs : s.thread(ThreadId(a.index)).clockNs.ns;
    start = std::max(start, goneNs);
    auto threadClock = [&](ThreadId t) -> TimeNs * {
        return t.valid() && size_t(t.v) < s.threads.size() ? &s.thread(t).clockNs : nullptr;
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
        // Violations, gaps and notes report on entities; they touch nothing,
        // except a reference taken on a released context: the kref is
        // atomic, but it reached zero first, so this step comes after the
        // release in time too.
        if (e.kind == EventKind::Violation && e.finding == Finding::CtxGetFreed)
            touch(touched, contextClock(e.ctx));
        // The process's fd table: open and close change it, exit_files
        // empties it, and an ioctl looks its fd up there (fdget), so it
        // comes after the last change (a RECV on a closed fd is -EBADF
        // after the close, in time too). Lookups do not order each other.
        if ((e.kind == EventKind::SyscallEnter ||
             (e.kind == EventKind::Note && e.finding == Finding::ExitFilesDrop)) &&
            e.thread.valid() && size_t(e.thread.v) < s.threads.size()) {
            Process &p = s.processes[size_t(s.threads[size_t(e.thread.v)].process.v)];
            const auto kind = SyscallKind(e.op);
            if (e.kind == EventKind::Note || kind == SyscallKind::Open ||
                kind == SyscallKind::Close)
                touched.push_back(&p.fdsNs);
            else
                start = std::max(start, p.fdsNs.ns);
        }
        if (e.kind == EventKind::Violation || e.kind == EventKind::Gap || e.kind == EventKind::Note)
            continue;
        // A user-space wait touches nothing; `released` pushes the clocks
        // of the threads a step released.
        if ((e.kind == EventKind::Blocked || e.kind == EventKind::Woken) &&
            e.value == int32_t(BlockReason::UserWait))
            continue;
        if (e.thread != actor)
            touch(after, threadClock(e.thread));
        if (touchesContext(e))
            touch(touched, contextClock(e.ctx));
        // tee_device_unregister returns once every context was released:
        // after the last of those releases
        if (e.kind == EventKind::Woken && e.value == int32_t(BlockReason::NoUsers))
            for (Context &c : s.contexts)
                touched.push_back(&c.lastNs);
        touch(touched, objectClock(e.object));
        touch(touched, requestClock(e.request));
        if (e.process.valid() && (e.kind == EventKind::Killed || e.kind == EventKind::ProcessExit))
            for (const Thread &t : s.threads)
                if (t.process == e.process && t.id != actor) {
                    after.push_back(&s.thread(t.id).clockNs);
                    // A kill(2) from a program comes after the steps its
                    // victim took before it in step order: it does not start
                    // before the last one of each live thread started (a
                    // step under way, say a compute, may still be running)
                    // nor before an exited thread's exit ended.
                    if (e.kind == EventKind::Killed && !fault)
                        start =
                            std::max(start, t.phase == Phase::Exited ? t.clockNs.ns : t.startNs.ns);
                    // The process exits with its last thread: after every
                    // other thread's exit (all exited, or it would not be
                    // the last), not before one still under way in time.
                    if (e.kind == EventKind::ProcessExit)
                        start = std::max(start, t.clockNs.ns);
                }
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
    for (const ThreadId t : released)
        after.push_back(&s.thread(t).clockNs);
    for (TimeNs *p : after)
        p->ns = std::max(p->ns, end);
    if (!fault) {
        s.thread(ThreadId(a.index)).startNs.ns = start;
        s.thread(ThreadId(a.index)).clockNs.ns = end;
    }
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
    applyStep(s, a, events, true);
}

void Engine::applyUntimed(State &s, const Action &a, EventList &findings) const
{
    applyStep(s, a, findings, false);
}

// A program's wait step as events (model version 9): Blocked (reason
// UserWait, count = the wait step's index) when a thread comes to a wait
// whose variables are not all set, and (`initial`, before the first step's
// own events) for the threads waiting from the start; Woken (peer = the
// thread whose step set the last of them) when a step releases it. A thread
// that exits while it waits (its process was killed) just exits. `released`
// gets the threads this step released: they do not start their next step
// before it ends.
void Engine::userWaitEvents(const State &s, ThreadId actor,
                            const std::vector<std::pair<ThreadId, int32_t>> &before, bool initial,
                            EventList &events, std::vector<ThreadId> &released) const
{
    auto blocked = [&](ThreadId t, int32_t pc) {
        Event &e = events.emplace_back();
        e.step = s.step;
        e.kind = EventKind::Blocked;
        e.thread = t;
        e.value = int32_t(BlockReason::UserWait);
        e.count = pc;
    };
    if (initial) { // waiting from the start: the first step says so, before its own events
        for (const auto &[t, pc] : before)
            blocked(t, pc);
        return;
    }
    for (const Thread &t : s.threads) {
        if (t.worker)
            continue;
        const auto was = std::find_if(before.begin(), before.end(),
                                      [&](const auto &w) { return w.first == t.id; });
        const bool waits = m_env.waitsInUserSpace(s, t);
        if (waits && was == before.end()) {
            blocked(t.id, t.pc);
        } else if (!waits && was != before.end() && t.phase != Phase::Exited) {
            Event &e = events.emplace_back();
            e.step = s.step;
            e.kind = EventKind::Woken;
            e.thread = t.id;
            e.value = int32_t(BlockReason::UserWait);
            e.count = was->second;
            e.peer = actor;
            released.push_back(t.id);
        }
    }
}

void Engine::applyStep(State &s, const Action &a, EventList &events, bool timed) const
{
    const bool wasQuiescent = quiescent(s);
    // Threads waiting in user space (a program's wait step) before the
    // step, with the wait step's index: one it releases does not run before
    // the step ends.
    static thread_local std::vector<std::pair<ThreadId, int32_t>> waiting;
    waiting.clear();
    const bool waits = timed && m_env.hasUserWaits();
    if (waits)
        for (const Thread &t : s.threads)
            if (m_env.waitsInUserSpace(s, t))
                waiting.emplace_back(t.id, t.pc);
    s.step++;
    const size_t first = events.size();
    static thread_local std::vector<ThreadId> released;
    released.clear();
    if (waits && s.step == 1)
        userWaitEvents(s, ThreadId(), waiting, true, events, released);
    const size_t own = events.size(); // the step's own events start here
    Ctx cx{*this, s, events, m_variant, {}};
    cx.quiet = !timed;
    if (timed)
        cx.cost = stepCost(s, a, m_costs);
    if (a.kind == Action::Kind::Kill) {
        if (a.fault >= 0)
            s.faultsTaken.add(size_t(a.fault));
        cx.kill(ProcessId(a.index));
    } else {
        cx.threadStep(s.thread(ThreadId(a.index)));
    }
    cx.checkInvariants(wasQuiescent);
    const ThreadId actor = a.kind == Action::Kind::Thread ? ThreadId(a.index) : ThreadId();
    if (waits)
        userWaitEvents(s, actor, waiting, false, events, released);
    // (The waits from the start, reported first, are no thread's doing.)
    for (size_t i = own; i < events.size(); ++i)
        events[i].actor = actor;
    if (timed)
        stampTime(s, a, addNs(cx.cost, cx.extraNs), cx.goneNs, events, first, released);
}

State Engine::applied(const State &s, const Action &a, EventList &events) const
{
    State next = s;
    apply(next, a, events);
    return next;
}

} // namespace tee
