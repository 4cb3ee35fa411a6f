// The QCOMTEE driver's context, object and request state machines, one
// observable step at a time. Section numbers refer to
// ../shared/spec/qcomtee-driver.md ("spec §N").
#include "engine.h"

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

namespace {

std::string hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    std::string s = "0x";
    bool started = false;
    for (int shift = 28; shift >= 0; shift -= 4) {
        const unsigned d = (v >> shift) & 0xF;
        if (d || started || shift == 0) {
            s += digits[d];
            started = true;
        }
    }
    return s;
}

// "RELEASE"/"RETAIN" for the reserved ops, the number otherwise.
std::string opName(uint32_t op)
{
    if (op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
        return "RELEASE";
    if (op == QCOMTEE_MSG_OBJECT_OP_RETAIN)
        return "RETAIN";
    return std::to_string(op);
}

// An errno as the kernel writes it: 0, -ENODEV, or a positive user code.
std::string signedErrno(int32_t e)
{
    return signedErrnoName(e);
}

bool isCbId(uint32_t id)
{
    return id & 0x80000000u;
}

int32_t idrLowestFree(const std::vector<IdrEntry> &idr)
{
    int32_t want = 0;
    for (const IdrEntry &e : idr) {
        if (e.id != want)
            break;
        ++want;
    }
    return want;
}

IdrEntry *idrFind(std::vector<IdrEntry> &idr, int32_t id)
{
    auto it = std::lower_bound(idr.begin(), idr.end(), id,
                               [](const IdrEntry &e, int32_t i) { return e.id < i; });
    return it != idr.end() && it->id == id ? &*it : nullptr;
}

void idrInsert(std::vector<IdrEntry> &idr, IdrEntry entry)
{
    auto it = std::lower_bound(idr.begin(), idr.end(), entry.id,
                               [](const IdrEntry &e, int32_t i) { return e.id < i; });
    idr.insert(it, entry);
}

bool idrErase(std::vector<IdrEntry> &idr, int32_t id)
{
    auto it = std::lower_bound(idr.begin(), idr.end(), id,
                               [](const IdrEntry &e, int32_t i) { return e.id < i; });
    if (it == idr.end() || it->id != id)
        return false;
    idr.erase(it);
    return true;
}

constexpr int32_t kPlaceholder = -1; // reqs_idr entry pointing at empty_ureq
constexpr int32_t kFirstFd = 3;

} // namespace

// ---------------------------------------------------------------------------
// One apply() call: the state, the event sink and the kernel helpers.
struct Engine::Ctx
{
    const Engine &e;
    State &s;
    EventList &ev;
    const Variant &var;
    ThreadId actor; // the thread taking this step (invalid for a kill)

    Event &emit(EventKind k)
    {
        Event &x = ev.emplace_back();
        x.step = s.step;
        x.tNs = s.tNs;
        x.kind = k;
        x.thread = actor; // who caused it; events about another thread override
        return x;
    }

    std::string tname(ThreadId t) const { return e.m_env.threadName(t); }

    Event &violation(int inv, std::string text)
    {
        Event &x = emit(EventKind::Violation);
        x.invariant = int16_t(inv);
        x.detail = std::move(text);
        return x;
    }

    Event &gap(int item, std::string text)
    {
        Event &x = emit(EventKind::Gap);
        x.gap = int16_t(item);
        x.detail = std::move(text);
        return x;
    }

    // -- contexts (spec §2.2) -------------------------------------------------
    std::vector<CtxHolder> &refList(Context &c, bool data) { return data ? c.dataRefs : c.refs; }

    void ctxGet(ContextId id, CtxHolder h, bool data = false)
    {
        Context &c = s.context(id);
        refList(c, data).push_back(h);
        Event &x = emit(EventKind::ContextGet);
        x.ctx = id;
        x.ctxHolder = h.kind;
        x.holderArg = h.a;
        x.refcount = int32_t(refList(c, data).size());
        x.value = data;
    }

    void ctxPut(ContextId id, CtxHolder h, bool data = false)
    {
        Context &c = s.context(id);
        auto &refs = refList(c, data);
        auto it = std::find(refs.begin(), refs.end(), h);
        if (it == refs.end()) {
            Event &x = violation(1, "context " + std::to_string(id.v) +
                                        " reference dropped by a holder that has none (" +
                                        ctxHolderKindName(h.kind) + ")");
            x.ctx = id;
            return;
        }
        refs.erase(it);
        Event &x = emit(EventKind::ContextPut);
        x.ctx = id;
        x.ctxHolder = h.kind;
        x.holderArg = h.a;
        x.refcount = int32_t(refs.size());
        x.value = data;
        if (refs.empty())
            maybeFree(id);
    }

    void freeData(ContextId id)
    {
        Context &c = s.context(id);
        if (c.dataFreed)
            return;
        c.dataFreed = true;
        emit(EventKind::ContextDataFreed).ctx = id;
        // idr_destroy(reqs_idr): placeholders go with it (spec §2.5 T9)
        std::vector<RequestId> gone;
        for (const Request &r : s.requests)
            if (r.ctx == id && r.state == ReqState::Placeholder)
                gone.push_back(r.id);
        for (RequestId rid : gone) {
            Request *r = s.request(rid);
            setState(*r, ReqState::Removed);
            bool held = false;
            for (const Thread &t : s.threads)
                held = held || t.recvReq == rid || t.sendReq == rid;
            if (!held)
                dropRequest(rid);
        }
        c.reqsIdr.clear();
        // I6: context data is freed only after every user object created in
        // it has been released.
        for (const KObject &o : s.objects)
            if (o.type == ObjectType::User && o.owner == id) {
                Event &x = violation(
                    6, "context data of ctx " + std::to_string(id.v) + " freed while user object " +
                           std::to_string(o.id.v) + " created in it is still alive (refcount " +
                           std::to_string(o.refcount()) + "); QTEE can still call it");
                x.ctx = id;
                x.object = o.id;
                break;
            }
    }

    void maybeFree(ContextId id)
    {
        Context &c = s.context(id);
        if (!c.ctxFreed && c.refs.empty()) {
            // teedev_ctx_release -> qcomtee_release (spec §2.2 step 4)
            c.ctxFreed = true;
            emit(EventKind::ContextReleased).ctx = id;
            if (var.lifetime == LifetimeVariant::CtxRef && id.v != 0)
                freeData(id);
        }
        if (var.lifetime == LifetimeVariant::Kref && id.v != 0 && c.closed && !c.dataFreed &&
            c.dataRefs.empty())
            freeData(id);
    }

    // Touching a context's data; with lifetime=none it may already be gone.
    bool dataAlive(ContextId id, const char *what, ObjectId obj = {})
    {
        Context &c = s.context(id);
        if (!c.dataFreed)
            return true;
        Event &x = violation(6, std::string(what) + ": context data of ctx " +
                                    std::to_string(id.v) + " used after it was freed");
        x.ctx = id;
        x.object = obj;
        return false;
    }

    // -- objects (spec §2.3) --------------------------------------------------
    ObjectId newObject(ObjectType type, ContextId owner, uint32_t qteeId, uint64_t userId)
    {
        KObject o;
        o.id = ObjectId(s.nextObject++);
        o.type = type;
        o.owner = owner;
        o.qteeId = qteeId;
        o.userObjectId = userId;
        o.notify = type == ObjectType::User;
        s.objects.push_back(std::move(o)); // ids increase: stays sorted
        Event &x = emit(EventKind::ObjectCreated);
        x.object = s.objects.back().id;
        x.objectType = type;
        x.ctx = owner;
        x.qteeId = qteeId;
        x.userObjectId = userId;
        return s.objects.back().id;
    }

    void refEvent(EventKind k, const KObject &o, Holder h)
    {
        Event &x = emit(k);
        x.object = o.id;
        x.holder = h.kind;
        x.holderArg = h.a;
        x.refcount = o.refcount();
        x.objectType = o.type;
        if (h.kind == HolderKind::QteeId)
            x.qteeId = uint32_t(h.a);
        if (h.kind == HolderKind::CtxIdr)
            x.ctx = ContextId(h.a);
    }

    // Initial reference of a fresh object (kref_init).
    void initRef(ObjectId id, Holder h)
    {
        KObject *o = s.object(id);
        o->holders.push_back(h);
        refEvent(EventKind::RefGet, *o, h);
    }

    // qcomtee_object_get: "increment unless zero".
    bool get(ObjectId id, Holder h)
    {
        KObject *o = s.object(id);
        if (!o || o->holders.empty())
            return false;
        o->holders.push_back(h);
        refEvent(EventKind::RefGet, *o, h);
        return true;
    }

    // Moves one reference from a holder to another (no count change), e.g.
    // a TEE wrapper handed to a context's idr.
    void transfer(ObjectId id, Holder from, Holder to)
    {
        // the new holder first, so the count never shows a false zero
        KObject *o = s.object(id);
        if (!o)
            return;
        o->holders.push_back(to);
        refEvent(EventKind::RefGet, *o, to);
        put(id, from, /*noRelease=*/true);
    }

    void put(ObjectId id, Holder h, bool noRelease = false)
    {
        KObject *o = s.object(id);
        if (!o) {
            Event &x = violation(1, "put of object " + std::to_string(id.v) +
                                        " that was already freed (" + holderKindName(h.kind) + ")");
            x.object = id;
            return;
        }
        auto it = std::find(o->holders.begin(), o->holders.end(), h);
        if (it == o->holders.end()) {
            Event &x = violation(1, "put of object " + std::to_string(id.v) + " by " +
                                        holderKindName(h.kind) +
                                        ", which holds no reference: refcount would go wrong");
            x.object = id;
            return;
        }
        o->holders.erase(it);
        refEvent(EventKind::RefPut, *o, h);
        if (o->holders.empty() && !noRelease)
            lastPut(id);
    }

    void removeObject(ObjectId id)
    {
        auto it = std::lower_bound(s.objects.begin(), s.objects.end(), id,
                                   [](const KObject &o, ObjectId i) { return o.id < i; });
        if (it != s.objects.end() && it->id == id)
            s.objects.erase(it);
        emit(EventKind::ObjectFreed).object = id;
    }

    // qcomtee_object_release (spec §2.3): the last put.
    void lastPut(ObjectId id)
    {
        KObject *o = s.object(id);
        switch (o->type) {
        case ObjectType::TEE: {
            // qcomtee_release_qtee_object: queue the RELEASE work (spec §2.8)
            o->releaseQueued = true;
            s.wq.push_back(WorkItem{id});
            emit(EventKind::WorkQueued).object = id;
            return;
        }
        case ObjectType::User: {
            // qcomtee_user_object_release (spec §2.3): a RELEASE notification
            // on the owner context, then drop the owner reference.
            const ContextId owner = o->owner;
            const bool notify = o->notify;
            const uint64_t userId = o->userObjectId;
            if (notify && dataAlive(owner, "RELEASE notification", id))
                enqueueNotification(owner, id, userId);
            // the object is gone before its owner reference is dropped, so a
            // context freed by this put does not count it as alive (I6)
            removeObject(id);
            if (var.lifetime == LifetimeVariant::CtxRef)
                ctxPut(owner, {CtxHolderKind::UserObject, id.v});
            else if (var.lifetime == LifetimeVariant::Kref)
                ctxPut(owner, {CtxHolderKind::UserObject, id.v}, true);
            return;
        }
        case ObjectType::Mem: {
            // drop the tee_shm reference, then free (mem_obj.c)
            const int32_t shm = int32_t(o->userObjectId);
            removeObject(id);
            shmPut(shm);
            return;
        }
        }
    }

    // -- tee_shm ---------------------------------------------------------------
    Shm *shm(int32_t id)
    {
        for (Shm &m : s.shms)
            if (m.id == id)
                return &m;
        return nullptr;
    }

    void shmPut(int32_t id)
    {
        Shm *m = shm(id);
        if (!m)
            return;
        if (--m->refs > 0)
            return;
        const ContextId ctx = m->ctx;
        s.shms.erase(s.shms.begin() + (m - s.shms.data()));
        Event &x = emit(EventKind::Note);
        x.ctx = ctx;
        x.detail = "tee_shm " + std::to_string(id) + " freed";
        ctxPut(ctx, {CtxHolderKind::Shm, id});
    }

    // -- xa_local_objects (spec §2.4) ----------------------------------------
    uint32_t xaAlloc(ObjectId obj)
    {
        // xa_alloc_cyclic in [0x80000001, 0xFFFFFFFF] from xa_last_id
        uint32_t id = s.xaLastId < QCOMTEE_CB_ID_FIRST ? QCOMTEE_CB_ID_FIRST : s.xaLastId + 1;
        for (;;) {
            if (id < QCOMTEE_CB_ID_FIRST)
                id = QCOMTEE_CB_ID_FIRST;
            if (!idrFind(s.xaLocalObjects, int32_t(id)))
                break;
            ++id;
        }
        s.xaLastId = id;
        idrInsert(s.xaLocalObjects, IdrEntry{int32_t(id), obj.v});
        Event &x = emit(EventKind::XaAlloc);
        x.qteeId = id;
        x.object = obj;
        return id;
    }

    ObjectId xaLoad(uint32_t id)
    {
        IdrEntry *e = idrFind(s.xaLocalObjects, int32_t(id));
        return e ? ObjectId(e->ref) : ObjectId();
    }

    ObjectId xaErase(uint32_t id)
    {
        if (id < QCOMTEE_CB_ID_FIRST) // qcomtee_idx_erase ignores ids outside the range
            return {};
        IdrEntry *e = idrFind(s.xaLocalObjects, int32_t(id));
        if (!e)
            return {};
        const ObjectId obj(e->ref);
        idrErase(s.xaLocalObjects, int32_t(id));
        Event &x = emit(EventKind::XaErase);
        x.qteeId = id;
        x.object = obj;
        return obj;
    }

    // A CB object sent to QTEE: its "QTEE copy" reference gets a fresh id.
    uint32_t giveToQtee(ObjectId obj)
    {
        const uint32_t id = xaAlloc(obj);
        KObject *o = s.object(obj);
        for (Holder &h : o->holders)
            if (h.kind == HolderKind::QteeId && h.a == 0) {
                h.a = int32_t(id);
                break;
            }
        return id;
    }

    // -- requests (spec §2.5) -------------------------------------------------
    Request &newRequest(ContextId ctx, ObjectId obj, uint64_t userId, uint32_t op,
                        bool notification)
    {
        Request r;
        r.id = RequestId(s.nextRequest++);
        r.ctx = ctx;
        r.object = obj;
        r.objectId = userId;
        r.op = op;
        r.notification = notification;
        s.requests.push_back(std::move(r));
        return s.requests.back();
    }

    void setState(Request &r, ReqState to, int32_t errno_ = 0)
    {
        Event &x = emit(EventKind::RequestState);
        x.request = r.id;
        x.ctx = r.ctx;
        x.reqId = r.reqId;
        x.from = r.state;
        x.to = to;
        x.errno_ = errno_;
        x.object = r.object;
        x.op = r.op;
        x.thread = actor;
        x.userObjectId = r.objectId;
        x.holderArg = r.client.v; // the client thread waiting on it, if any
        r.state = to;
    }

    void dropRequest(RequestId id)
    {
        auto it = std::lower_bound(s.requests.begin(), s.requests.end(), id,
                                   [](const Request &r, RequestId i) { return r.id < i; });
        if (it != s.requests.end() && it->id == id)
            s.requests.erase(it);
    }

    // kfree of a request by the client path (T10). A supplicant that still
    // points at it (argument=srcu/none) keeps the record alive so that its
    // later accesses are reported (I12); it drops the record when done.
    void freeRequest(RequestId id)
    {
        Request *r = s.request(id);
        if (!r)
            return;
        r->argsFreed = true;
        for (const Thread &t : s.threads)
            if (t.recvReq == id || t.sendReq == id) {
                r->freed = true;
                return;
            }
        dropRequest(id);
    }

    // ureq_enqueue (T1). Returns false with -ENODEV semantics.
    bool enqueue(RequestId rid)
    {
        Request *r = s.request(rid);
        Context &c = s.context(r->ctx);
        if (c.released)
            return false;
        r->reqId = idrLowestFree(c.reqsIdr);
        idrInsert(c.reqsIdr, IdrEntry{r->reqId, rid.v});
        c.reqsList.push_back(rid.v);
        r->enqueueSeq = ++s.enqueueSeq;
        setState(*r, ReqState::QUEUED);
        // complete(&ctxdata->req_c), outside the lock
        c.reqC++;
        return true;
    }

    void enqueueNotification(ContextId owner, ObjectId obj, uint64_t userId)
    {
        Context &c = s.context(owner);
        if (c.reqsLockOwner.valid() && c.reqsLockOwner == actor) {
            // §9 item 8: the last put ran in RECV marshalling under reqs_lock;
            // ureq_enqueue would take the same mutex again.
            gap(8, "RELEASE notification for user object " + std::to_string(obj.v) +
                       " enqueued while " + tname(actor) + " already holds reqs_lock of ctx " +
                       std::to_string(owner.v) + " (self-deadlock in the kernel)");
        }
        // Held by another thread: the kernel would sleep on the mutex first.
        // The model folds that wait into this step (the put that triggers it
        // cannot know in advance it is the last one).
        Request &r = newRequest(owner, obj, userId, QCOMTEE_MSG_OBJECT_OP_RELEASE, true);
        const RequestId rid = r.id;
        if (!enqueue(rid)) {
            // spec §7 case 10: dropped silently once the context is released
            Event &x = emit(EventKind::Note);
            x.ctx = owner;
            x.object = obj;
            x.detail = "RELEASE notification for user object " + std::to_string(obj.v) +
                       " dropped: ctx " + std::to_string(owner.v) + " is released";
            dropRequest(rid);
        }
    }

    // ureq_dequeue: take a request off reqs_idr and reqs_list.
    void unlink(Request &r)
    {
        Context &c = s.context(r.ctx);
        idrErase(c.reqsIdr, r.reqId);
        auto it = std::find(c.reqsList.begin(), c.reqsList.end(), r.id.v);
        if (it != c.reqsList.end())
            c.reqsList.erase(it);
    }

    void complete(Request &r, int32_t errno_)
    {
        r.errno_ = errno_;
        r.completed = true;
        if (r.client.valid()) {
            Thread &t = s.thread(r.client);
            if (t.phase == Phase::DispatchWait && t.blocked == BlockReason::Completion) {
                t.blocked = BlockReason::None;
                Event &x = emit(EventKind::Woken);
                x.thread = t.id;
                x.value = int32_t(BlockReason::Completion);
                x.request = r.id;
            }
        }
    }

    // Gap 2 (spec §9 item 2): IO objects of a callback request that never
    // reached a supplicant. Faithful: they leak. Fixed: put them.
    void requestNeverDelivered(Request &r)
    {
        bool any = false;
        for (const Arg &a : r.args)
            if (a.type == ArgType::IO && a.object.valid())
                any = true;
        if (!any)
            return;
        if (var.gaps == GapsVariant::Faithful) {
            gap(2, "req " + std::to_string(r.reqId) + " of ctx " + std::to_string(r.ctx.v) +
                       " never reached a supplicant: nothing puts its IO objects (leak)")
                .request = r.id;
            return;
        }
        for (Arg &a : r.args)
            if (a.type == ArgType::IO && a.object.valid()) {
                put(a.object, {HolderKind::CallbackArg, r.client.v});
                a.object = {};
            }
    }

    // -- locks ----------------------------------------------------------------
    void lock(Thread &t, ContextId c)
    {
        Context &cx = s.context(c);
        if (cx.reqsLockOwner == t.id)
            return;
        // enabled() only offers a step that takes reqs_lock when it is free
        assert(!cx.reqsLockOwner.valid() && "reqs_lock taken while held by another thread");
        cx.reqsLockOwner = t.id;
        Event &x = emit(EventKind::LockAcquire);
        x.thread = t.id;
        x.ctx = c;
    }
    void unlock(Thread &t, ContextId c)
    {
        Context &cx = s.context(c);
        if (cx.reqsLockOwner != t.id)
            return;
        cx.reqsLockOwner = {};
        Event &x = emit(EventKind::LockRelease);
        x.thread = t.id;
        x.ctx = c;
    }

    void block(Thread &t, BlockReason why, RequestId r = {})
    {
        t.blocked = why;
        Event &x = emit(EventKind::Blocked);
        x.thread = t.id;
        x.value = int32_t(why);
        x.request = r;
    }

    // -- files and syscalls ----------------------------------------------------
    ContextId fileCtx(int32_t file) const { return s.files[size_t(file)].ctx; }

    // Drops one reference on a file; true when close_context must run now.
    bool dropFile(Thread &t, int32_t file)
    {
        File &f = s.files[size_t(file)];
        if (--f.refs > 0)
            return false;
        t.closing = f.ctx;
        t.phase = Phase::CloseContext;
        return true;
    }

    // The syscall is done: return to user space (maybe after close_context).
    void finishSyscall(Thread &t, int32_t errno_)
    {
        t.res.errno_ = errno_;
        if (t.file >= 0) {
            const int32_t f = t.file;
            t.file = -1;
            if (dropFile(t, f))
                return; // CloseContext runs first; deliver() after it
        }
        deliver(t);
    }

    void deliver(Thread &t)
    {
        Event &x = emit(EventKind::SyscallReturn);
        x.thread = t.id;
        x.errno_ = t.res.errno_;
        x.value = t.res.ret;
        x.op = uint32_t(t.sc.kind);
        t.phase = Phase::User;
        t.blocked = BlockReason::None;
        const SyscallResult res = t.res;
        e.m_env.syscallReturned(s, t, res);
        t.sc = Syscall{};
        t.res = SyscallResult{};
    }

    void threadExit(Thread &t)
    {
        emit(EventKind::ThreadExit).thread = t.id;
        Process &p = s.processes[size_t(t.process.v)];
        p.liveThreads--;
        t.phase = Phase::Exited;
        t.blocked = BlockReason::None;
        if (p.liveThreads == 0) {
            // do_exit of the last thread: exit_files drops every fd (spec §3.7)
            p.exited = true;
            emit(EventKind::ProcessExit).process = p.id;
            t.exiting = true;
            t.phase = Phase::ExitFiles;
            if (std::none_of(p.fds.begin(), p.fds.end(), [](int32_t fd) { return fd >= 0; }))
                exitFiles(t); // no files left: do_exit finishes in this step
        }
    }

    void kill(ProcessId pid)
    {
        Process &p = s.processes[size_t(pid.v)];
        if (p.killed)
            return;
        p.killed = true;
        emit(EventKind::Killed).process = pid;
        for (Thread &t : s.threads)
            if (t.process == pid && t.phase != Phase::Exited)
                t.fatalPending = true;
    }

    // -- invocation (spec §3.1) -----------------------------------------------
    void sysInvoke(Thread &t);
    void invokeFail(Thread &t, int32_t errno_);
    void undoConversion(Thread &t);
    void handleReply(Thread &t);
    void cbObjectInvoke(Thread &t);
    void userDispatch(Thread &t, ObjectId obj);
    void primordialDispatch(Thread &t);
    void dispatchReturn(Thread &t, int32_t errno_);
    void dispatchStep(Thread &t);
    void cbRespond(Thread &t);
    void processAsync(Thread &t, const std::vector<uint32_t> &ids);
    void finalDirect(Thread &t);
    void finalWorker(Thread &t);
    ObjectId objectFromWire(Thread &t, uint32_t wire, Holder h, bool *ok);
    // -- supplicant (spec §3.4, §3.5) -------------------------------------------
    void recvSelect(Thread &t);
    void recvMarshal(Thread &t);
    void recvDone(Thread &t, Request &r);
    void recvRelock(Thread &t);
    void sysSend(Thread &t);
    void sendUnmarshal(Thread &t);
    void sendFinish(Thread &t, Request &r, int32_t ret);
    // -- close (spec §3.7) ------------------------------------------------------
    void closeContext(Thread &t);
    void closeObjects(Thread &t);
    void exitFiles(Thread &t);
    // -- worker (spec §2.8) -----------------------------------------------------
    void workerStart(Thread &t);

    void userStep(Thread &t);
    void threadStep(Thread &t);
    void checkInvariants(bool wasQuiescent);
};

// ---------------------------------------------------------------------------
void Engine::Ctx::userStep(Thread &t)
{
    if (t.fatalPending) {
        threadExit(t);
        return;
    }
    t.sc = e.m_env.nextSyscall(s, t);
    t.res = SyscallResult{};
    Process &p = s.processes[size_t(t.process.v)];
    auto fdFile = [&](int32_t fd) -> int32_t {
        const int32_t i = fd - kFirstFd;
        if (i < 0 || i >= int32_t(p.fds.size()))
            return -1;
        return p.fds[size_t(i)];
    };
    if (t.sc.kind != SyscallKind::Compute && t.sc.kind != SyscallKind::Exit) {
        Event &x = emit(EventKind::SyscallEnter);
        x.thread = t.id;
        x.op = uint32_t(t.sc.kind);
        x.detail = syscallName(t.sc.kind);
    }
    switch (t.sc.kind) {
    case SyscallKind::None:
        return;
    case SyscallKind::Exit:
        threadExit(t);
        return;
    case SyscallKind::Compute:
        s.tNs = addNs(s.tNs, t.sc.computeNs);
        deliver(t);
        return;
    case SyscallKind::Kill:
        if (t.sc.process >= 0 && t.sc.process < int32_t(s.processes.size()))
            kill(ProcessId(t.sc.process));
        deliver(t);
        return;
    case SyscallKind::Open: {
        // tee_open -> teedev_open -> qcomtee_open (spec §2.2 step 1)
        Context c;
        c.id = ContextId(int32_t(s.contexts.size()));
        c.process = t.process;
        s.contexts.push_back(c);
        emit(EventKind::ContextOpened).ctx = c.id;
        ctxGet(c.id, {CtxHolderKind::File, -1});
        if (var.lifetime == LifetimeVariant::Kref)
            ctxGet(c.id, {CtxHolderKind::File, -1}, true);
        s.files.push_back(File{c.id, 1});
        int32_t slot = -1;
        for (size_t i = 0; i < p.fds.size(); ++i)
            if (p.fds[i] < 0) {
                slot = int32_t(i);
                break;
            }
        if (slot < 0) {
            slot = int32_t(p.fds.size());
            p.fds.push_back(-1);
        }
        p.fds[size_t(slot)] = int32_t(s.files.size() - 1);
        t.res.fd = slot + kFirstFd;
        deliver(t);
        return;
    }
    case SyscallKind::Close: {
        const int32_t f = fdFile(t.sc.fd);
        if (f < 0) {
            t.res.errno_ = -9; // EBADF
            deliver(t);
            return;
        }
        p.fds[size_t(t.sc.fd - kFirstFd)] = -1;
        t.res.errno_ = 0;
        if (!dropFile(t, f))
            deliver(t);
        return;
    }
    case SyscallKind::ShmAlloc: {
        // TEE_IOC_SHM_ALLOC: a tee_shm holds a reference on its context
        const int32_t f = fdFile(t.sc.fd);
        if (f < 0 || t.sc.bufSize == 0) {
            t.res.errno_ = f < 0 ? -9 : err::kEINVAL;
            deliver(t);
            return;
        }
        int32_t id = 1; // shm ids: lowest free number
        for (bool used = true; used;) {
            used = false;
            for (const Shm &m : s.shms)
                if (m.id == id) {
                    used = true;
                    ++id;
                }
        }
        Shm m;
        m.id = id;
        m.ctx = s.files[size_t(f)].ctx;
        m.refs = 1;
        m.userRef = true;
        m.size = t.sc.bufSize;
        auto it = std::lower_bound(s.shms.begin(), s.shms.end(), id,
                                   [](const Shm &a, int32_t i) { return a.id < i; });
        s.shms.insert(it, m);
        ctxGet(m.ctx, {CtxHolderKind::Shm, id});
        t.res.shmId = id;
        deliver(t);
        return;
    }
    case SyscallKind::Invoke:
    case SyscallKind::SupplRecv:
    case SyscallKind::SupplSend: {
        const int32_t f = fdFile(t.sc.fd);
        if (f < 0) {
            t.res.errno_ = -9; // EBADF
            deliver(t);
            return;
        }
        s.files[size_t(f)].refs++; // fdget for the ioctl
        t.file = f;
        if (t.sc.kind == SyscallKind::Invoke)
            sysInvoke(t);
        else if (t.sc.kind == SyscallKind::SupplRecv) {
            // qcomtee_supp_recv parameter checks (spec §3.4 Input)
            if (t.sc.numParams < 0 || t.sc.bufSize % 8 != 0) {
                finishSyscall(t, err::kEINVAL);
                return;
            }
            t.phase = Phase::RecvSelect;
            recvSelect(t);
        } else {
            sysSend(t);
        }
        return;
    }
    }
}

// qcomtee_params_to_args failed: undo the IOs converted so far (clear
// notify, put twice for CB objects, once otherwise), drop the target and
// fail with -EINVAL (spec §3.1 step 5).
void Engine::Ctx::undoConversion(Thread &t)
{
    Oic &o = t.oic;
    for (Arg &u : o.args)
        if (u.type == ArgType::IO && u.object.valid()) {
            KObject *k = s.object(u.object);
            if (k->type != ObjectType::TEE) {
                k->notify = false;
                put(u.object, {HolderKind::QteeId, 0});
            }
            put(u.object, {HolderKind::DriverCopy, t.id.v});
        }
    if (o.target.valid())
        put(o.target, {HolderKind::InvokeTarget, t.id.v});
    invokeFail(t, err::kEINVAL);
}

void Engine::Ctx::invokeFail(Thread &t, int32_t errno_)
{
    t.oic = Oic{};
    finishSyscall(t, errno_);
}

// TEE_IOC_OBJECT_INVOKE up to the first SMC (spec §3.1 driver steps 1-7.2).
void Engine::Ctx::sysInvoke(Thread &t)
{
    const Syscall &sc = t.sc;
    const ContextId ctx = fileCtx(t.file);
    Context &c = s.context(ctx);
    // Step 1: qcomtee_params_check (I18)
    const size_t total = sc.ib.size() + sc.ob.size() + sc.io.size() + sc.oo;
    if (total > size_t(kMaxArgs) || sc.ib.size() > size_t(kMaxArgsPerType) ||
        sc.ob.size() > size_t(kMaxArgsPerType) || sc.io.size() > size_t(kMaxArgsPerType) ||
        sc.oo > uint32_t(kMaxArgsPerType)) {
        invokeFail(t, err::kEINVAL);
        return;
    }
    // Step 2: reserved RELEASE: del_qtee_object, always 0 (§6.1)
    if (sc.op == QCOMTEE_MSG_OBJECT_OP_RELEASE) {
        if (sc.objectId <= uint64_t(INT32_MAX)) {
            if (IdrEntry *en = idrFind(c.qteeObjectsIdr, int32_t(sc.objectId))) {
                const ObjectId obj(en->ref);
                const int32_t id = en->id;
                idrErase(c.qteeObjectsIdr, id);
                Event &x = emit(EventKind::IdrRemove);
                x.ctx = ctx;
                x.reqId = id;
                x.object = obj;
                put(obj, {HolderKind::CtxIdr, ctx.v, id});
            }
        }
        invokeFail(t, 0);
        return;
    }
    Oic &o = t.oic;
    o = Oic{};
    o.active = true;
    o.ctx = ctx;
    o.op = sc.op;
    o.ibValue = sc.ibValue;
    // Step 4: the target
    if (sc.objectId == TEE_OBJREF_NULL) {
        // qcomtee_root_object_check
        const bool nullCred = sc.op == 5 && sc.io.size() == 1 && sc.oo == 1 && sc.ib.empty() &&
                              sc.ob.empty() && sc.io[0].kind == ObjRefParam::Kind::Null;
        if (sc.op == 4 || sc.op == 8 || sc.op == 9 || nullCred) {
            invokeFail(t, err::kEINVAL);
            return;
        }
    } else {
        IdrEntry *en = sc.objectId <= uint64_t(INT32_MAX)
                           ? idrFind(c.qteeObjectsIdr, int32_t(sc.objectId))
                           : nullptr;
        if (!en || !get(ObjectId(en->ref), {HolderKind::InvokeTarget, t.id.v})) {
            invokeFail(t, err::kEINVAL);
            return;
        }
        o.target = ObjectId(en->ref);
    }
    // Step 6 checks (op bits, RETAIN), done before conversion: same result.
    if (sc.op > 0xFFFF || sc.op == QCOMTEE_MSG_OBJECT_OP_RETAIN) {
        if (o.target.valid())
            put(o.target, {HolderKind::InvokeTarget, t.id.v});
        invokeFail(t, err::kEINVAL);
        return;
    }
    // Step 5: convert parameters (qcomtee_params_to_args)
    for (uint32_t size : sc.ib)
        o.args.push_back(Arg{ArgType::IB, size, {}, 0});
    for (uint32_t size : sc.ob)
        o.args.push_back(Arg{ArgType::OB, size, {}, 0});
    for (const ObjRefParam &p : sc.io) {
        Arg a{ArgType::IO, 0, {}, 0};
        if (p.kind == ObjRefParam::Kind::User) {
            // a new user object in this context: QTEE's copy + driver copy
            a.object = newObject(ObjectType::User, ctx, 0, p.id);
            initRef(a.object, {HolderKind::QteeId, 0});
            if (var.lifetime == LifetimeVariant::CtxRef)
                ctxGet(ctx, {CtxHolderKind::UserObject, a.object.v});
            else if (var.lifetime == LifetimeVariant::Kref)
                ctxGet(ctx, {CtxHolderKind::UserObject, a.object.v}, true);
            get(a.object, {HolderKind::DriverCopy, t.id.v});
        } else if (p.kind == ObjRefParam::Kind::Tee) {
            IdrEntry *en =
                p.id <= uint64_t(INT32_MAX) ? idrFind(c.qteeObjectsIdr, int32_t(p.id)) : nullptr;
            if (!en || !get(ObjectId(en->ref), {HolderKind::DriverCopy, t.id.v})) {
                undoConversion(t);
                return;
            }
            a.object = ObjectId(en->ref);
        } else if (p.kind == ObjRefParam::Kind::Mem) {
            // qcomtee_memobj_param_to_object: a shm of this same context
            Shm *m = p.id <= uint64_t(INT32_MAX) ? shm(int32_t(p.id)) : nullptr;
            if (!m || m->ctx != ctx) {
                undoConversion(t);
                return;
            }
            m->refs++;
            a.object = newObject(ObjectType::Mem, ctx, 0, p.id);
            initRef(a.object, {HolderKind::QteeId, 0});
            get(a.object, {HolderKind::DriverCopy, t.id.v});
        }
        o.args.push_back(a);
    }
    for (uint32_t i = 0; i < sc.oo; ++i)
        o.args.push_back(Arg{ArgType::OO, 0, {}, 0});
    // Step 7.2: qcomtee_prepare_msg: wire ids (a new xa id per CB object)
    for (Arg &a : o.args)
        if (a.type == ArgType::IO && a.object.valid()) {
            KObject *k = s.object(a.object);
            a.wireId = k->type == ObjectType::TEE ? k->qteeId : giveToQtee(a.object);
        }
    // Step 7.3.2: the SMC
    Event &x = emit(EventKind::SmcInvoke);
    x.thread = t.id;
    x.qteeId = o.target.valid() ? s.object(o.target)->qteeId : QCOMTEE_MSG_OBJECT_ROOT;
    x.op = sc.op;
    e.m_env.qteeInvoke(s, t);
    t.oic.shared = true;
    t.phase = Phase::InvokeReply;
}

void Engine::Ctx::processAsync(Thread &t, const std::vector<uint32_t> &ids)
{
    // qcomtee_fetch_async_reqs / async_release (spec §2.9)
    for (uint32_t id : ids) {
        Event &x = emit(EventKind::AsyncRelease);
        x.thread = t.id;
        x.qteeId = id;
        const ObjectId obj = xaErase(id);
        if (!obj.valid())
            continue; // unknown ids are ignored silently
        put(obj, {HolderKind::QteeId, int32_t(id)});
    }
}

// Turns a wire id QTEE sent into a kernel object (qcomtee_object_qtee_init /
// qcomtee_local_object_get).
ObjectId Engine::Ctx::objectFromWire(Thread &t, uint32_t wire, Holder h, bool *ok)
{
    (void)t;
    *ok = true;
    if (wire == QCOMTEE_MSG_OBJECT_NULL)
        return {};
    if (isCbId(wire)) {
        const ObjectId obj = xaLoad(wire);
        if (!obj.valid() || !get(obj, h)) {
            *ok = false;
            return {};
        }
        return obj;
    }
    // A new TEE wrapper every time, holding a driver-context reference.
    const ObjectId obj = newObject(ObjectType::TEE, {}, wire, 0);
    initRef(obj, h);
    ctxGet(ContextId(0), {CtxHolderKind::QteeObject, obj.v});
    return obj;
}

void Engine::Ctx::handleReply(Thread &t)
{
    Oic &o = t.oic;
    const QteeReply r = o.reply;
    o.reply = QteeReply{};
    if (r.kind == QteeReply::Kind::Callback) {
        if (o.busy) {
            violation(15, "QTEE sent a callback request to " + tname(t.id) +
                              " while one is outstanding on its oic (BUSY)")
                .thread = t.id;
        }
        o.busy = true;
        Event &x = emit(EventKind::QteeCallback);
        x.thread = t.id;
        x.qteeId = r.cbTarget;
        x.op = r.cbOp;
        processAsync(t, r.asyncRelease); // fetched just before servicing (spec §2.9)
        o.reply = r;                     // cbObjectInvoke reads the request
        cbObjectInvoke(t);
        return;
    }
    // Final result, or the SMC failed in the transport
    if (r.kind == QteeReply::Kind::SmcError) {
        Event &x = emit(EventKind::SmcFailed);
        x.thread = t.id;
        x.errno_ = r.result;
    } else {
        Event &x = emit(EventKind::QteeResult);
        x.thread = t.id;
        x.value = r.result;
    }
    o.reply = r;
    if (o.worker)
        finalWorker(t);
    else
        finalDirect(t);
}

// qcomtee_cb_object_invoke (spec §3.2)
void Engine::Ctx::cbObjectInvoke(Thread &t)
{
    Oic &o = t.oic;
    const QteeReply r = o.reply;
    o.reply = QteeReply{};
    o.cbOp = r.cbOp & 0xFFFF;
    o.u.clear();
    o.errno_ = 0;
    o.notifyFlag = false;
    o.object = {};
    o.objectRef = false;
    t.phase = Phase::CbRespond;
    const uint32_t id = r.cbTarget;
    if (id == QCOMTEE_MSG_OBJECT_NULL || !isCbId(id)) {
        o.errno_ = err::kEINVAL;
        return;
    }
    const bool primordial = id == QCOMTEE_OBJECT_PRIMORDIAL;
    const ObjectId obj = primordial ? ObjectId() : xaLoad(id);
    if (!primordial && !obj.valid()) {
        o.errno_ = err::kEINVAL; // unknown or stale CB id: UNAVAIL
        return;
    }
    if (!primordial && !get(obj, {HolderKind::OicObject, t.id.v})) {
        gap(3, "callback id " + hex(id) + " maps to object " + std::to_string(obj.v) +
                   " whose refcount is 0; qcomtee_local_object_get ignores the failure");
        o.errno_ = err::kEINVAL;
        return;
    }
    o.object = obj;
    o.objectRef = !primordial; // the primordial object is never counted
    if (primordial && o.cbOp >= QCOMTEE_MSG_OBJECT_OP_RETAIN) {
        o.errno_ = 0; // get/put do nothing on it
        return;
    }
    if (o.cbOp == QCOMTEE_MSG_OBJECT_OP_RELEASE) {
        xaErase(id);
        put(obj, {HolderKind::QteeId, int32_t(id)});
        o.errno_ = 0;
        return;
    }
    if (o.cbOp == QCOMTEE_MSG_OBJECT_OP_RETAIN) {
        get(obj, {HolderKind::Retain, -1});
        o.errno_ = 0;
        return;
    }
    // Parse the arguments into oic->u: IB, OB, IO, OO
    for (uint32_t size : r.cbIb)
        o.u.push_back(Arg{ArgType::IB, size, {}, 0});
    for (uint32_t size : r.cbOb)
        o.u.push_back(Arg{ArgType::OB, size, {}, 0});
    bool parsed = true;
    for (uint32_t wire : r.cbIo) {
        bool ok = true;
        const ObjectId io = objectFromWire(t, wire, {HolderKind::CallbackArg, t.id.v}, &ok);
        if (!ok) {
            parsed = false;
            break;
        }
        o.u.push_back(Arg{ArgType::IO, 0, io, wire});
    }
    for (uint32_t i = 0; i < r.cbOo; ++i)
        o.u.push_back(Arg{ArgType::OO, 0, {}, 0});
    if (!parsed) {
        // §9 item 1: the cleanup loop walks the input buffers, not the objects
        if (var.gaps == GapsVariant::Faithful) {
            gap(1, "callback argument parsing failed: cleanup walks the input buffers, the "
                   "resolved IO objects leak");
        } else {
            for (Arg &a : o.u)
                if (a.type == ArgType::IO && a.object.valid())
                    put(a.object, {HolderKind::CallbackArg, t.id.v});
        }
        o.u.clear();
        o.errno_ = err::kEINVAL;
        return;
    }
    if (primordial) {
        primordialDispatch(t);
        return;
    }
    const KObject *k = s.object(obj);
    if (k->type == ObjectType::Mem) {
        o.errno_ = err::kEINVAL; // memory objects cannot be dispatched
        return;
    }
    userDispatch(t, obj);
}

// The primordial object's dispatcher (spec §3.2, primordial_obj.c).
void Engine::Ctx::primordialDispatch(Thread &t)
{
    Oic &o = t.oic;
    auto dropIos = [&] {
        for (Arg &a : o.u)
            if (a.type == ArgType::IO && a.object.valid()) {
                put(a.object, {HolderKind::CallbackArg, t.id.v});
                a.object = {};
            }
    };
    switch (o.cbOp) {
    case 1: // YIELD
        o.errno_ = 0;
        break;
    case 2: { // SLEEP: exactly one IB of at least 4 bytes
        const bool ok = o.u.size() == 1 && o.u[0].type == ArgType::IB && o.u[0].size >= 4;
        o.errno_ = ok ? 0 : err::kEINVAL;
        break;
    }
    case 0: { // MAP_REGION: OB (>= 20 bytes), IO (a memory object), OO
        const bool shape = o.u.size() == 3 && o.u[0].type == ArgType::OB && o.u[0].size >= 20 &&
                           o.u[1].type == ArgType::IO && o.u[2].type == ArgType::OO;
        const KObject *mem = shape && o.u[1].object.valid() ? s.object(o.u[1].object) : nullptr;
        if (!mem || mem->type != ObjectType::Mem) {
            o.errno_ = err::kEINVAL;
            break;
        }
        // the mapping object is the memory object with one more reference,
        // QTEE's copy of the mapping; the IO's reference is dropped
        const ObjectId m = mem->id;
        get(m, {HolderKind::QteeId, 0});
        o.u[2].object = m;
        put(m, {HolderKind::CallbackArg, t.id.v});
        o.u[1].object = {};
        o.errno_ = 0;
        break;
    }
    default:
        o.errno_ = err::kEINVAL;
    }
    dropIos();
    o.notifyFlag = o.errno_ == 0;
}

// qcomtee_user_object_dispatch, client side (spec §3.3)
void Engine::Ctx::userDispatch(Thread &t, ObjectId obj)
{
    Oic &o = t.oic;
    const KObject *k = s.object(obj);
    const ContextId owner = k->owner;
    if (!dataAlive(owner, "dispatch to user object", obj)) {
        // lifetime=none: the context data is gone; treat as released
        o.errno_ = err::kENODEV;
        return;
    }
    Request &r = newRequest(owner, obj, k->userObjectId, o.cbOp, false);
    r.client = t.id;
    r.args = o.u;
    const RequestId rid = r.id;
    if (!enqueue(rid)) {
        // T1 failed: -ENODEV whatever the reason (spec §3.3 step 2)
        Request *rr = s.request(rid);
        requestNeverDelivered(*rr);
        dropRequest(rid);
        o.errno_ = err::kENODEV;
        return;
    }
    t.dispatchReq = rid;
    t.killPath = false;
    t.phase = Phase::DispatchWait;
    block(t, BlockReason::Completion, rid);
}

void Engine::Ctx::dispatchReturn(Thread &t, int32_t errno_)
{
    Oic &o = t.oic;
    Request *r = s.request(t.dispatchReq);
    Event &x = emit(EventKind::DispatchReturn);
    x.thread = t.id;
    x.errno_ = errno_;
    x.request = t.dispatchReq;
    if (r) {
        r->argsFreed = true; // the caller's args are no longer valid (I12)
        if (errno_ == 0 && r->state == ReqState::PROCESSED) {
            o.data = r->id; // notify frees it (T10)
            o.u = r->args;  // the supplicant's outputs
        } else if (r->state == ReqState::PROCESSED || r->state == ReqState::Removed) {
            freeRequest(r->id); // freed on return (T10)
        }
    }
    t.dispatchReq = {};
    o.errno_ = errno_;
    o.notifyFlag = errno_ == 0;
    t.phase = Phase::CbRespond;
}

// The dispatch wait ends: completion or fatal signal (spec §3.3 steps 5, 6).
void Engine::Ctx::dispatchStep(Thread &t)
{
    Request *r = s.request(t.dispatchReq);
    if (!r) {
        dispatchReturn(t, err::kENODEV);
        return;
    }
    if (t.phase == Phase::DispatchSrcu) {
        // synchronize_srcu returned: no supplicant reads the args any more
        Event &x = emit(EventKind::SynchronizeSrcu);
        x.thread = t.id;
        x.ctx = r ? r->ctx : ContextId();
        t.blocked = BlockReason::None;
        dispatchReturn(t, t.oic.errno_);
        return;
    }
    if (!t.killPath && r->completed) {
        t.blocked = BlockReason::None;
        dispatchReturn(t, r->errno_);
        return;
    }
    if (!t.killPath) {
        // The fatal signal ends the killable wait (wait_for_completion_state
        // returns -ERESTARTSYS). Taking reqs_lock is the next, separate step:
        // a SEND can complete the request in between (T11, spec §7 case 4).
        t.killPath = true;
        t.blocked = BlockReason::None;
        Event &w = emit(EventKind::Woken);
        w.thread = t.id;
        w.value = int32_t(BlockReason::Completion);
        w.request = r->id;
        w.detail = "fatal signal";
        return;
    }
    // Killed: under reqs_lock, read the state
    t.killPath = false;
    const ContextId ctx = r->ctx;
    lock(t, ctx);
    int32_t errno_ = err::kENODEV;
    switch (r->state) {
    case ReqState::PROCESSING: {
        // T8: off the list, empty_ureq keeps the id reserved
        Context &c = s.context(ctx);
        auto it = std::find(c.reqsList.begin(), c.reqsList.end(), r->id.v);
        if (it != c.reqsList.end())
            c.reqsList.erase(it);
        if (IdrEntry *en = idrFind(c.reqsIdr, r->reqId))
            en->ref = kPlaceholder;
        setState(*r, ReqState::Placeholder);
        break;
    }
    case ReqState::QUEUED:
        // T7: the supplicant never saw it
        unlink(*r);
        setState(*r, ReqState::Removed);
        requestNeverDelivered(*r);
        break;
    case ReqState::PROCESSED:
        // T11: the supplicant finished just in time
        errno_ = r->errno_;
        break;
    default:
        break;
    }
    unlock(t, ctx);
    t.oic.errno_ = errno_;
    if (var.argument == ArgumentVariant::Srcu) {
        // RFC: synchronize_srcu before the args go away
        t.phase = Phase::DispatchSrcu;
        if (s.context(ctx).srcuReaders > 0)
            block(t, BlockReason::Srcu, r->id);
        return;
    }
    if (r->state == ReqState::Placeholder) {
        r->argsFreed = true;
        r->freed = true;
        // the request memory is freed; the record stays as the placeholder
        Event &x = emit(EventKind::DispatchReturn);
        x.thread = t.id;
        x.errno_ = errno_;
        x.request = r->id;
        t.dispatchReq = {};
        t.oic.errno_ = errno_;
        t.oic.notifyFlag = false;
        t.phase = Phase::CbRespond;
        return;
    }
    dispatchReturn(t, errno_);
}

// Build the callback response and make the SMC (spec §3.1 step 7.3.1-3, §3.6).
void Engine::Ctx::cbRespond(Thread &t)
{
    Oic &o = t.oic;
    int32_t errno_ = o.errno_;
    std::vector<uint32_t> ooWire;
    if (errno_ == 0) {
        // qcomtee_update_msg: OO objects get wire ids (a new xa id per CB)
        for (Arg &a : o.u)
            if (a.type == ArgType::OO) {
                uint32_t w = 0;
                if (a.object.valid()) {
                    const KObject *k = s.object(a.object);
                    w = !k ? 0 : k->type == ObjectType::TEE ? k->qteeId : giveToQtee(a.object);
                }
                a.wireId = w;
                ooWire.push_back(w);
            }
    }
    const int32_t result = errnoToQteeResult(errno_);
    Event &x = emit(EventKind::SmcCallbackResponse);
    x.thread = t.id;
    x.value = result;
    x.errno_ = errno_;
    o.qtee.cbOut = ooWire;
    e.m_env.qteeCallbackResponse(s, t, result);
    // notify (qcomtee_user_object_notify) after the response SMC
    if (o.notifyFlag && o.data.valid()) {
        for (Arg &a : o.u)
            if (a.type == ArgType::OO && a.object.valid())
                put(a.object, {HolderKind::DriverCopy, t.id.v});
        freeRequest(o.data); // T10: freed by notify
        o.data = {};
    } else if (o.data.valid()) {
        freeRequest(o.data);
        o.data = {};
    }
    (void)result;
    if (o.objectRef)
        put(o.object, {HolderKind::OicObject, t.id.v});
    o.object = {};
    o.objectRef = false;
    o.busy = false;
    o.notifyFlag = false;
    o.u.clear();
    t.phase = Phase::InvokeReply;
}

// The final result of a direct invocation (spec §3.1 steps 7.3.6, 7.4, 8).
void Engine::Ctx::finalDirect(Thread &t)
{
    Oic &o = t.oic;
    const QteeReply r = o.reply;
    o.reply = QteeReply{};
    const ContextId ctx = o.ctx;
    int32_t result = r.result;
    std::vector<ObjectId> outs;
    if (r.kind == QteeReply::Kind::SmcError) {
        // SHARED is set after the first SMC: -ENODEV (spec §3.1 7.3.4)
        for (Arg &a : o.args)
            if (a.type == ArgType::IO && a.object.valid()) {
                if (KObject *k = s.object(a.object))
                    k->notify = false;
                put(a.object, {HolderKind::DriverCopy, t.id.v});
            }
        if (o.target.valid())
            put(o.target, {HolderKind::InvokeTarget, t.id.v});
        invokeFail(t, err::kENODEV);
        return;
    }
    if (result == 0) {
        // qcomtee_update_args: OO ids become objects
        bool ok = true;
        size_t k = 0;
        for (Arg &a : o.args) {
            if (a.type != ArgType::OO)
                continue;
            const uint32_t wire = k < r.outIds.size() ? r.outIds[k] : 0;
            ++k;
            bool one = true;
            a.object = objectFromWire(t, wire, {HolderKind::Caller, t.id.v}, &one);
            a.wireId = wire;
            ok = ok && one;
        }
        if (!ok) {
            result = qres::UNAVAIL;
            for (Arg &a : o.args)
                if (a.type == ArgType::OO && a.object.valid()) {
                    put(a.object, {HolderKind::Caller, t.id.v});
                    a.object = {};
                }
        }
    }
    processAsync(t, r.asyncRelease); // once more after the final result
    if (result == 0) {
        // qcomtee_params_from_args
        for (Arg &a : o.args) {
            if (a.type == ArgType::IO && a.object.valid())
                put(a.object, {HolderKind::DriverCopy, t.id.v});
            if (a.type != ArgType::OO)
                continue;
            if (!a.object.valid()) {
                t.res.outObjects.push_back(-1);
                continue;
            }
            KObject *k = s.object(a.object);
            if (k->type == ObjectType::TEE) {
                Context &c = s.context(ctx);
                const int32_t id = idrLowestFree(c.qteeObjectsIdr);
                idrInsert(c.qteeObjectsIdr, IdrEntry{id, a.object.v});
                Event &x = emit(EventKind::IdrAdd);
                x.ctx = ctx;
                x.reqId = id;
                x.object = a.object;
                transfer(a.object, {HolderKind::Caller, t.id.v}, {HolderKind::CtxIdr, ctx.v, id});
                t.res.outObjects.push_back(id);
            } else if (k->type == ObjectType::User && k->owner == ctx) {
                t.res.outObjects.push_back(int64_t(k->userObjectId));
                put(a.object, {HolderKind::Caller, t.id.v});
            } else {
                // a user object of another context: -EINVAL -> UNAVAIL
                put(a.object, {HolderKind::Caller, t.id.v});
                t.res.outObjects.push_back(-1);
                result = qres::UNAVAIL;
            }
        }
    } else {
        for (Arg &a : o.args)
            if (a.type == ArgType::IO && a.object.valid())
                put(a.object, {HolderKind::DriverCopy, t.id.v});
        // §9 item 10: outputs are left zeroed
    }
    if (o.target.valid())
        put(o.target, {HolderKind::InvokeTarget, t.id.v});
    t.res.ret = result;
    const bool shared = o.shared;
    o = Oic{};
    (void)shared;
    finishSyscall(t, 0);
}

// The release worker's RELEASE finished (spec §2.8).
void Engine::Ctx::finalWorker(Thread &t)
{
    Oic &o = t.oic;
    const QteeReply r = o.reply;
    o.reply = QteeReply{};
    const ObjectId obj = o.target;
    processAsync(t, r.asyncRelease);
    if (r.kind == QteeReply::Kind::SmcError) {
        const bool retry = var.gaps == GapsVariant::Fixed || !o.shared;
        if (retry) {
            s.wq.push_back(WorkItem{obj}); // retry at the back of the FIFO
            emit(EventKind::WorkRequeued).object = obj;
            o.active = false;
            o.target = {};
            t.phase = Phase::WorkerIdle;
            return;
        }
        gap(5, "RELEASE of object " + std::to_string(obj.v) +
                   " failed after SHARED was set: -ENODEV, not retried, wrapper freed")
            .object = obj;
    }
    // free the wrapper: drops the driver-context reference
    emit(EventKind::WorkDone).object = obj;
    removeObject(obj);
    ctxPut(ContextId(0), {CtxHolderKind::QteeObject, obj.v});
    o.active = false;
    o.target = {};
    o.u.clear();
    t.phase = Phase::WorkerIdle;
}

void Engine::Ctx::workerStart(Thread &t)
{
    const WorkItem w = s.wq.front();
    s.wq.erase(s.wq.begin());
    emit(EventKind::WorkStarted).object = w.object;
    Oic &o = t.oic;
    // the shared oic: only ctx is set per item; flags persist (spec §2.7)
    o.active = true;
    o.worker = true;
    o.ctx = ContextId(0);
    o.target = w.object;
    o.op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
    o.args.clear();
    o.qtee = QteeCall{};
    if (var.gaps == GapsVariant::Fixed)
        o.shared = false;
    const KObject *k = s.object(w.object);
    Event &x = emit(EventKind::SmcInvoke);
    x.thread = t.id;
    x.qteeId = k ? k->qteeId : 0;
    x.op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
    x.object = w.object;
    e.m_env.qteeInvoke(s, t);
    if (o.reply.kind != QteeReply::Kind::SmcError)
        o.shared = true;
    t.phase = Phase::InvokeReply;
}

// -- supplicant RECV (spec §3.4) -----------------------------------------------
void Engine::Ctx::recvSelect(Thread &t)
{
    const ContextId ctx = fileCtx(t.file);
    Context &c = s.context(ctx);
    lock(t, ctx);
    // ureq_select: the first QUEUED request (fifo) or the lowest id (idr)
    Request *pick = nullptr;
    if (var.request == RequestVariant::Fifo) {
        for (int32_t rid : c.reqsList) {
            Request *r = s.request(RequestId(rid));
            if (r && r->state == ReqState::QUEUED) {
                pick = r;
                break;
            }
        }
    } else {
        for (const IdrEntry &en : c.reqsIdr) {
            if (en.ref == kPlaceholder)
                continue;
            Request *r = s.request(RequestId(en.ref));
            if (r && r->state == ReqState::QUEUED) {
                pick = r;
                break;
            }
        }
    }
    if (!pick) {
        unlock(t, ctx);
        if (t.phase == Phase::RecvWait) {
            // woken by a req_c count left by an enqueue whose request a RECV
            // took without waiting, or that a kill removed (spec §2.6, §7.1)
            Event &x = emit(EventKind::Note);
            x.ctx = ctx;
            x.detail = "spurious wake-up: req_c count left over, nothing QUEUED";
        }
        t.phase = Phase::RecvWait;
        if (c.reqC == 0)
            block(t, BlockReason::ReqC);
        return;
    }
    // I9: the oldest QUEUED request is delivered first
    for (int32_t rid : c.reqsList) {
        const Request *r = s.request(RequestId(rid));
        if (r && r->state == ReqState::QUEUED && r->enqueueSeq < pick->enqueueSeq) {
            Event &x =
                violation(9, "RECV picked req " + std::to_string(pick->reqId) + " of ctx " +
                                 std::to_string(ctx.v) + " although req " +
                                 std::to_string(r->reqId) + " was queued before it (not FIFO)");
            x.ctx = ctx;
            x.request = pick->id;
            x.thread = t.id;
            break;
        }
    }
    // Size checks on the head request: it stays QUEUED on failure
    int32_t nargs = int32_t(pick->args.size());
    bool fits = t.sc.numParams >= nargs;
    uint64_t room = t.sc.bufSize;
    for (const Arg &a : pick->args)
        if (a.type == ArgType::IB) {
            if (a.size > room) {
                fits = false;
                break;
            }
            room = (room - a.size) & ~uint64_t(7);
        }
    if (!fits) {
        unlock(t, ctx);
        finishSyscall(t, err::kEINVAL);
        return;
    }
    // T2
    setState(*pick, ReqState::PROCESSING);
    pick->deliveredTo = t.id;
    t.recvReq = pick->id;
    t.recvArg = 0;
    if (var.argument != ArgumentVariant::Lock)
        unlock(t, ctx);
    if (var.argument == ArgumentVariant::Srcu) {
        c.srcuReaders++;
        Event &x = emit(EventKind::SrcuReadLock);
        x.thread = t.id;
        x.ctx = ctx;
    }
    t.phase = Phase::RecvMarshal;
    if (pick->args.empty())
        recvDone(t, *pick);
}

void Engine::Ctx::recvMarshal(Thread &t)
{
    const ContextId ctx = fileCtx(t.file);
    Request *r = s.request(t.recvReq);
    if (!r) {
        unlock(t, ctx);
        t.recvReq = {};
        finishSyscall(t, err::kEINVAL);
        return;
    }
    const int32_t i = t.recvArg++;
    Event &x = emit(EventKind::ArgAccess);
    x.thread = t.id;
    x.request = r->id;
    x.value = i;
    x.ctx = ctx;
    if (r->argsFreed) {
        Event &v = violation(12, tname(t.id) + " reads argument " + std::to_string(i) + " of req " +
                                     std::to_string(r->reqId) + " (ctx " + std::to_string(ctx.v) +
                                     ") after the client's dispatch returned: use after free");
        v.thread = t.id;
        v.request = r->id;
        v.ctx = ctx;
    } else {
        Arg &a = r->args[size_t(i)];
        if (a.type == ArgType::IO && a.object.valid()) {
            KObject *k = s.object(a.object);
            bool ok = true;
            if (!k) {
                ok = false;
            } else if (k->type == ObjectType::TEE) {
                // added to the supplicant's qtee_objects_idr
                Context &c = s.context(ctx);
                const int32_t id = idrLowestFree(c.qteeObjectsIdr);
                idrInsert(c.qteeObjectsIdr, IdrEntry{id, a.object.v});
                Event &ia = emit(EventKind::IdrAdd);
                ia.ctx = ctx;
                ia.reqId = id;
                ia.object = a.object;
                transfer(a.object, {HolderKind::CallbackArg, r->client.v},
                         {HolderKind::CtxIdr, ctx.v, id});
                t.res.inObjects.push_back(id);
                a.object = {};
            } else if (k->owner == ctx) {
                // own user object: handed over by id, and put
                t.res.inObjects.push_back(int64_t(k->userObjectId));
                put(a.object, {HolderKind::CallbackArg, r->client.v});
                a.object = {};
            } else {
                ok = false;
            }
            if (!ok) {
                // T3: undo and complete with -EINVAL; RECV moves on
                for (Arg &u : r->args)
                    if (u.type == ArgType::IO && u.object.valid()) {
                        put(u.object, {HolderKind::CallbackArg, r->client.v});
                        u.object = {};
                    }
                unlink(*r);
                setState(*r, ReqState::PROCESSED, err::kEINVAL);
                complete(*r, err::kEINVAL);
                t.res.inObjects.clear();
                t.recvReq = {};
                if (var.argument == ArgumentVariant::Srcu) {
                    s.context(ctx).srcuReaders--;
                    Event &su = emit(EventKind::SrcuReadUnlock);
                    su.thread = t.id;
                    su.ctx = ctx;
                }
                t.phase = Phase::RecvSelect; // still holding reqs_lock (lock variant)
                return;
            }
        }
    }
    if (t.recvArg >= int32_t(r->args.size()))
        recvDone(t, *r);
}

void Engine::Ctx::recvDone(Thread &t, Request &r)
{
    const ContextId ctx = fileCtx(t.file);
    if (var.argument == ArgumentVariant::Srcu) {
        s.context(ctx).srcuReaders--;
        Event &x = emit(EventKind::SrcuReadUnlock);
        x.thread = t.id;
        x.ctx = ctx;
        // a killed client waiting in synchronize_srcu can go on now
        for (Thread &w : s.threads)
            if (w.phase == Phase::DispatchSrcu && w.blocked == BlockReason::Srcu &&
                s.context(ctx).srcuReaders == 0) {
                w.blocked = BlockReason::None;
                Event &wk = emit(EventKind::Woken);
                wk.thread = w.id;
                wk.value = int32_t(BlockReason::Srcu);
            }
    }
    unlock(t, ctx);
    t.res.reqId = r.reqId;
    t.res.objectId = r.objectId;
    t.res.op = r.op;
    t.res.numArgs = r.argsFreed ? 0 : int32_t(r.args.size());
    for (const Arg &a : r.args)
        t.res.argTypes.push_back(a.type);
    if (r.notification) {
        // T4 happens after taking the lock a second time
        t.phase = Phase::RecvRelock;
        return;
    }
    r.delivered = true;
    t.recvReq = {};
    if (r.freed && r.state != ReqState::Placeholder)
        dropRequest(r.id); // the placeholder's record stays until T9 or idr_destroy
    finishSyscall(t, 0);
}

void Engine::Ctx::recvRelock(Thread &t)
{
    const ContextId ctx = fileCtx(t.file);
    lock(t, ctx);
    if (Request *r = s.request(t.recvReq)) {
        if (r->state == ReqState::PROCESSING) {
            unlink(*r);
            setState(*r, ReqState::Removed); // T4: freed, id free before RECV returns
        }
        r->delivered = true;
        dropRequest(r->id);
    }
    unlock(t, ctx);
    t.recvReq = {};
    finishSyscall(t, 0);
}

// -- supplicant SEND (spec §3.5) -----------------------------------------------
void Engine::Ctx::sysSend(Thread &t)
{
    const ContextId ctx = fileCtx(t.file);
    Context &c = s.context(ctx);
    if (t.sc.numParams < 0) {
        finishSyscall(t, err::kEINVAL);
        return;
    }
    lock(t, ctx);
    IdrEntry *en = t.sc.reqId >= 0 ? idrFind(c.reqsIdr, t.sc.reqId) : nullptr;
    if (!en) {
        unlock(t, ctx);
        finishSyscall(t, err::kEINVAL);
        return;
    }
    if (en->ref == kPlaceholder) {
        // T9: the placeholder is removed, SEND fails
        const int32_t id = en->id;
        idrErase(c.reqsIdr, id);
        for (Request &r : s.requests)
            if (r.ctx == ctx && r.reqId == id && r.state == ReqState::Placeholder) {
                setState(r, ReqState::Removed);
                dropRequest(r.id);
                break;
            }
        unlock(t, ctx);
        finishSyscall(t, err::kEINVAL);
        return;
    }
    Request *r = s.request(RequestId(en->ref));
    if (r->notification) {
        if (var.gaps == GapsVariant::Fixed) {
            unlock(t, ctx);
            finishSyscall(t, err::kEINVAL);
            return;
        }
        gap(12, tname(t.id) + " answers RELEASE notification req " + std::to_string(r->reqId) +
                    " before RECV's second locking: complete() on an uninitialised completion")
            .request = r->id;
    }
    // I11: a supplicant answers only what it was given, once
    if (r->notification || !r->delivered || r->answered) {
        Event &v = violation(11, tname(t.id) + " SENDs for req " + std::to_string(r->reqId) +
                                     " of ctx " + std::to_string(ctx.v) +
                                     (r->notification ? ", a RELEASE notification"
                                      : r->answered   ? ", which it already answered"
                                                      : ", which no RECV delivered (the id "
                                                        "was reused): it completes another "
                                                        "client's request"));
        v.thread = t.id;
        v.request = r->id;
        v.ctx = ctx;
    }
    unlink(*r);
    r->answered = true;
    setState(*r, ReqState::PROCESSED, t.sc.ret);
    if (t.sc.ret != 0 || r->notification) {
        sendFinish(t, *r, 0);
        return;
    }
    // §9 item 4: num_params is never compared with the request's arguments
    int32_t outs = 0;
    for (const Arg &a : r->args)
        if (a.type == ArgType::OB || a.type == ArgType::OO)
            ++outs;
    if (t.sc.sendParams >= 0 && t.sc.sendParams < int32_t(r->args.size())) {
        if (var.gaps == GapsVariant::Fixed) {
            r->errno_ = err::kEINVAL;
            sendFinish(t, *r, err::kEINVAL);
            return;
        }
        gap(4, tname(t.id) + " SENDs " + std::to_string(t.sc.sendParams) + " params for req " +
                   std::to_string(r->reqId) + " with " + std::to_string(r->args.size()) +
                   " arguments: the driver reads past the parameter array")
            .request = r->id;
    }
    t.sendReq = r->id;
    t.sendArg = 0;
    if (var.argument != ArgumentVariant::Lock)
        unlock(t, ctx);
    if (var.argument == ArgumentVariant::Srcu) {
        c.srcuReaders++;
        Event &x = emit(EventKind::SrcuReadLock);
        x.thread = t.id;
        x.ctx = ctx;
    }
    if (outs == 0) {
        sendFinish(t, *r, 0);
        return;
    }
    t.phase = Phase::SendUnmarshal;
}

void Engine::Ctx::sendUnmarshal(Thread &t)
{
    const ContextId ctx = fileCtx(t.file);
    Request *r = s.request(t.sendReq);
    if (!r) {
        unlock(t, ctx);
        t.sendReq = {};
        finishSyscall(t, err::kEINVAL);
        return;
    }
    // find the next OB/OO position at or after sendArg
    size_t i = size_t(t.sendArg);
    while (i < r->args.size() && r->args[i].type != ArgType::OB && r->args[i].type != ArgType::OO)
        ++i;
    Event &x = emit(EventKind::ArgAccess);
    x.thread = t.id;
    x.request = r->id;
    x.value = int32_t(i);
    x.ctx = ctx;
    int32_t failure = 0;
    if (r->argsFreed) {
        Event &v =
            violation(12, tname(t.id) + " writes argument " + std::to_string(i) + " of req " +
                              std::to_string(r->reqId) + " (ctx " + std::to_string(ctx.v) +
                              ") after the client's dispatch returned: use after free");
        v.thread = t.id;
        v.request = r->id;
        v.ctx = ctx;
    } else if (i < r->args.size()) {
        Arg &a = r->args[i];
        // position k among the outputs of this type
        size_t k = 0;
        for (size_t j = 0; j < i; ++j)
            if (r->args[j].type == a.type)
                ++k;
        if (a.type == ArgType::OB) {
            const uint32_t size = k < t.sc.obOut.size() ? t.sc.obOut[k] : 0;
            if (size > a.size)
                failure = err::kEINVAL; // an OB must not grow
        } else {
            const ObjRefParam p = k < t.sc.ooOut.size() ? t.sc.ooOut[k] : ObjRefParam{};
            if (p.kind == ObjRefParam::Kind::User) {
                // qcomtee_objref_to_arg in the supplicant's context
                a.object = newObject(ObjectType::User, ctx, 0, p.id);
                initRef(a.object, {HolderKind::QteeId, 0});
                if (var.lifetime == LifetimeVariant::CtxRef)
                    ctxGet(ctx, {CtxHolderKind::UserObject, a.object.v});
                else if (var.lifetime == LifetimeVariant::Kref)
                    ctxGet(ctx, {CtxHolderKind::UserObject, a.object.v}, true);
                get(a.object, {HolderKind::DriverCopy, r->client.v});
            } else if (p.kind != ObjRefParam::Kind::Null) {
                failure = err::kEINVAL; // TEE and MEM outputs are not modelled
            }
        }
    }
    t.sendArg = int32_t(i) + 1;
    if (failure) {
        // roll back the OOs: clear notify, double put
        for (Arg &a : r->args)
            if (a.type == ArgType::OO && a.object.valid()) {
                if (KObject *k = s.object(a.object))
                    k->notify = false;
                put(a.object, {HolderKind::QteeId, 0});
                put(a.object, {HolderKind::DriverCopy, r->client.v});
                a.object = {};
            }
        r->errno_ = err::kEINVAL;
        sendFinish(t, *r, err::kEINVAL);
        return;
    }
    size_t next = size_t(t.sendArg);
    while (next < r->args.size() && r->args[next].type != ArgType::OB &&
           r->args[next].type != ArgType::OO)
        ++next;
    if (next >= r->args.size())
        sendFinish(t, *r, 0);
}

void Engine::Ctx::sendFinish(Thread &t, Request &r, int32_t ret)
{
    const ContextId ctx = fileCtx(t.file);
    if (ret != 0)
        r.errno_ = err::kEINVAL;
    else if (t.sc.ret != 0)
        r.errno_ = t.sc.ret;
    if (var.argument == ArgumentVariant::Srcu && t.sendReq.valid()) {
        s.context(ctx).srcuReaders--;
        Event &x = emit(EventKind::SrcuReadUnlock);
        x.thread = t.id;
        x.ctx = ctx;
        for (Thread &w : s.threads)
            if (w.phase == Phase::DispatchSrcu && w.blocked == BlockReason::Srcu &&
                s.context(ctx).srcuReaders == 0) {
                w.blocked = BlockReason::None;
                Event &wk = emit(EventKind::Woken);
                wk.thread = w.id;
                wk.value = int32_t(BlockReason::Srcu);
            }
    }
    const RequestId rid = r.id;
    const bool drop = r.notification || (r.freed && r.state != ReqState::Placeholder);
    if (!r.notification && !r.argsFreed)
        complete(r, r.errno_);
    unlock(t, ctx);
    t.sendReq = {};
    if (drop)
        dropRequest(rid); // nobody waits for it any more
    t.sendArg = 0;
    finishSyscall(t, ret);
}

// -- close_context (spec §3.7) ---------------------------------------------------
void Engine::Ctx::closeContext(Thread &t)
{
    const ContextId ctx = t.closing;
    Context &c = s.context(ctx);
    c.fileOpen = false;
    lock(t, ctx);
    c.released = true;
    c.closed = true;
    Event &x = emit(EventKind::ContextClosed);
    x.ctx = ctx;
    x.thread = t.id;
    // qcomtee_requests_destroy: every request on reqs_list, in FIFO order
    const std::vector<int32_t> list = c.reqsList;
    for (int32_t rid : list) {
        Request *r = s.request(RequestId(rid));
        if (!r)
            continue;
        const bool queued = r->state == ReqState::QUEUED;
        unlink(*r);
        if (r->notification) {
            setState(*r, ReqState::Removed); // dropped without delivery
            dropRequest(r->id);
            continue;
        }
        if (queued)
            requestNeverDelivered(*r);
        setState(*r, ReqState::PROCESSED, err::kENODEV); // T6
        complete(*r, err::kENODEV);
    }
    unlock(t, ctx);
    t.phase = Phase::CloseObjects;
}

void Engine::Ctx::closeObjects(Thread &t)
{
    const ContextId ctx = t.closing;
    // one put per QTEE object in qtee_objects_idr; the entries stay until
    // the idr is destroyed (spec §3.7 step 3)
    const std::vector<IdrEntry> idr = s.context(ctx).qteeObjectsIdr;
    for (const IdrEntry &en : idr)
        put(ObjectId(en.ref), {HolderKind::CtxIdr, ctx.v, en.id});
    s.context(ctx).qteeObjectsIdr.clear();
    if (var.lifetime == LifetimeVariant::None) {
        freeData(ctx); // deliberately unsafe: context data freed at close
    } else if (var.lifetime == LifetimeVariant::Kref) {
        ctxPut(ctx, {CtxHolderKind::File, -1}, true);
    }
    ctxPut(ctx, {CtxHolderKind::File, -1}); // teedev_close_context drops the file's ref
    if (var.lifetime == LifetimeVariant::Kref)
        maybeFree(ctx);
    t.closing = {};
    if (t.exiting) {
        const Process &p = s.processes[size_t(t.process.v)];
        t.phase = Phase::ExitFiles;
        if (std::none_of(p.fds.begin(), p.fds.end(), [](int32_t fd) { return fd >= 0; }))
            exitFiles(t); // nothing left to drop: finish do_exit in this step
        return;
    }
    deliver(t);
}

void Engine::Ctx::exitFiles(Thread &t)
{
    Process &p = s.processes[size_t(t.process.v)];
    for (size_t i = 0; i < p.fds.size(); ++i) {
        if (p.fds[i] < 0)
            continue;
        const int32_t f = p.fds[i];
        p.fds[i] = -1;
        Event &x = emit(EventKind::Note);
        x.thread = t.id;
        x.ctx = s.files[size_t(f)].ctx;
        x.detail = "exit_files: fd " + std::to_string(int(i) + kFirstFd) + " dropped";
        if (dropFile(t, f))
            return; // close_context runs next, then exit_files goes on
        if (std::any_of(p.fds.begin(), p.fds.end(), [](int32_t fd) { return fd >= 0; }))
            return;
        break; // that was the last file: finish now
    }
    // the process's shm fds go too
    std::vector<int32_t> mine;
    for (const Shm &m : s.shms)
        if (m.userRef && s.context(m.ctx).process == t.process)
            mine.push_back(m.id);
    for (int32_t id : mine) {
        shm(id)->userRef = false;
        shmPut(id);
    }
    t.exiting = false;
    t.phase = Phase::Exited;
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

// Invariants of spec §8 checked after every step. I1, I2, I9, I11, I12, I15
// and I6 (at free time and on use) are checked where they can break, above.
void Engine::Ctx::checkInvariants(bool wasQuiescent)
{
    // I4: every id in xa_local_objects points at a live object
    for (const IdrEntry &en : s.xaLocalObjects)
        if (!s.object(ObjectId(en.ref))) {
            Event &x = violation(4, "callback id " + hex(uint32_t(en.id)) +
                                        " points at freed object " + std::to_string(en.ref));
            x.qteeId = uint32_t(en.id);
            x.object = ObjectId(en.ref);
        }
    for (const Context &c : s.contexts) {
        // I8: reqs_list holds QUEUED/PROCESSING requests with the same id in reqs_idr
        for (int32_t rid : c.reqsList) {
            const Request *r = s.request(RequestId(rid));
            const bool ok = r && (r->state == ReqState::QUEUED || r->state == ReqState::PROCESSING);
            IdrEntry *en = r ? idrFind(const_cast<Context &>(c).reqsIdr, r->reqId) : nullptr;
            if (!ok || !en || en->ref != rid) {
                Event &x = violation(8, "reqs_list of ctx " + std::to_string(c.id.v) +
                                            " holds a request that is not QUEUED/PROCESSING "
                                            "or not in reqs_idr");
                x.ctx = c.id;
                x.request = RequestId(rid);
            }
            // I7: nothing QUEUED after released
            if (r && c.released && r->state == ReqState::QUEUED) {
                Event &x = violation(7, "req " + std::to_string(r->reqId) + " is QUEUED on ctx " +
                                            std::to_string(c.id.v) + " after it was released");
                x.ctx = c.id;
                x.request = r->id;
            }
        }
    }
    const bool nowQuiescent = quiescent(s);
    if (!nowQuiescent || wasQuiescent)
        return;
    // Checked when the system becomes quiescent (once per quiet period).
    // I3: a CB object's refcount is its QTEE-held ids plus unmatched RETAINs.
    // A TEE wrapper is held by qtee_objects_idr entries only; anything else
    // means it never reaches its last put (I2).
    for (KObject &o : s.objects) {
        const bool tee = o.type == ObjectType::TEE;
        if (o.leakReported)
            continue;
        for (const Holder &h : o.holders)
            if (tee ? h.kind != HolderKind::CtxIdr
                    : h.kind != HolderKind::QteeId && h.kind != HolderKind::Retain) {
                Event &x = violation(
                    tee ? 2 : 3, std::string(tee ? "QTEE object wrapper " : "callback object ") +
                                     std::to_string(o.id.v) + " still has a " +
                                     holderKindName(h.kind) +
                                     " reference with no invocation in flight (leak)");
                x.object = o.id;
                x.holder = h.kind;
                x.holderArg = h.a;
                o.leakReported = true;
                break;
            }
    }
    // I5: live wrappers per QTEE id == QTEE's count of kernel references
    for (const QteeObject &q : s.qtee.objects) {
        int32_t wrappers = 0;
        for (const KObject &o : s.objects)
            if (o.type == ObjectType::TEE && o.qteeId == q.qteeId)
                ++wrappers;
        if (wrappers != q.kernelRefs) {
            Event &x =
                violation(5, "QTEE object " + hex(q.qteeId) + " has " + std::to_string(wrappers) +
                                 " kernel wrappers but QTEE counts " +
                                 std::to_string(q.kernelRefs) + " references");
            x.qteeId = q.qteeId;
        }
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
