// Private to the engine: the kernel helpers every flow uses (references,
// contexts, objects, requests, locks, wait queues) and the per-step context
// Ctx. Each flow lives in the file named after the driver source that holds
// it (call.cpp, core.cpp, user_obj.cpp, async.cpp, release_worker.cpp,
// primordial_obj.cpp) and the invariant checks in invariants.cpp. Section
// numbers refer to ../shared/spec/qcomtee-driver.md ("spec §N").
#pragma once

#include "engine.h"

#include <algorithm>
#include <cassert>

namespace tee {

namespace {

inline std::string hex(uint32_t v)
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
inline std::string opName(uint32_t op)
{
    if (op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
        return "RELEASE";
    if (op == QCOMTEE_MSG_OBJECT_OP_RETAIN)
        return "RETAIN";
    return std::to_string(op);
}

// An errno as the kernel writes it: 0, -ENODEV, or a positive user code.
inline std::string signedErrno(int32_t e)
{
    return signedErrnoName(e);
}

// tee_device_unregister's condition: every context (the driver's included)
// has released its device reference (spec §2.8 Remove).
inline bool allContextsReleased(const State &s)
{
    for (const Context &c : s.contexts)
        if (!c.ctxFreed)
            return false;
    return true;
}

inline bool isCbId(uint32_t id)
{
    return id & 0x80000000u;
}

inline int32_t idrLowestFree(const std::vector<IdrEntry> &idr)
{
    int32_t want = 0;
    for (const IdrEntry &e : idr) {
        if (e.id != want)
            break;
        ++want;
    }
    return want;
}

// In builds with assertions (the dev and asan presets), every insertion
// into and removal from the State's object, request and idr tables moves
// the whole table to new memory. These tables do move (a push_back that
// grows, an erase that shifts), so a pointer or reference kept across one is
// a bug that mostly goes unseen; moving every time makes it a use after free
// that AddressSanitizer reports wherever the suite goes (the bug of
// 2026-12-05: a request held across the put that queued a RELEASE
// notification, tst_cornercases "LastPut" tests).
template <class V>
inline void tableMoved(V &v)
{
#ifndef NDEBUG
    V moved(v.begin(), v.end());
    v.swap(moved);
#else
    (void)v;
#endif
}

inline IdrEntry *idrFind(std::vector<IdrEntry> &idr, int32_t id)
{
    auto it = std::lower_bound(idr.begin(), idr.end(), id,
                               [](const IdrEntry &e, int32_t i) { return e.id < i; });
    return it != idr.end() && it->id == id ? &*it : nullptr;
}

inline void idrInsert(std::vector<IdrEntry> &idr, IdrEntry entry)
{
    auto it = std::lower_bound(idr.begin(), idr.end(), entry.id,
                               [](const IdrEntry &e, int32_t i) { return e.id < i; });
    idr.insert(it, entry);
    tableMoved(idr);
}

inline bool idrErase(std::vector<IdrEntry> &idr, int32_t id)
{
    auto it = std::lower_bound(idr.begin(), idr.end(), id,
                               [](const IdrEntry &e, int32_t i) { return e.id < i; });
    if (it == idr.end() || it->id != id)
        return false;
    idr.erase(it);
    tableMoved(idr);
    return true;
}

constexpr int32_t kPlaceholder = -1; // reqs_idr entry pointing at empty_ureq
constexpr int32_t kFirstFd = 3;

} // namespace

// Some context's reqs_lock is held by a thread other than `t`.
inline bool heldByOther(const Context &c, ThreadId t)
{
    return c.reqsLockOwner.valid() && c.reqsLockOwner != t;
}
inline bool heldByOther(const State &s, ThreadId t)
{
    for (const Context &c : s.contexts)
        if (heldByOther(c, t))
            return true;
    return false;
}

// Spec §9 item 8 under gaps=faithful: RECV marshals under its own reqs_lock
// (argument=lock), and a put there may be the last of a user object of the
// same context, whose RELEASE notification's ureq_enqueue then takes that
// mutex again and sleeps on it for ever. Whether the put is the last shows
// only by running the step: stepAfterLock dry-runs these steps too.
// Cheap first: only a request still carrying an IO user object of the
// supplicant's own context with a notification to queue can get there.
inline bool mayPutUnderOwnLock(const State &s, const Thread &t, const Variant &v)
{
    if (v.gaps != GapsVariant::Faithful || v.argument != ArgumentVariant::Lock ||
        t.phase != Phase::RecvMarshal || t.file < 0)
        return false;
    const Request *r = s.request(t.recvReq);
    if (!r || r->argsFreed)
        return false;
    const ContextId ctx = s.files[size_t(t.file)].ctx;
    for (const Arg &a : r->args) {
        if (a.type != ArgType::IO || !a.object.valid())
            continue;
        const KObject *k = s.object(a.object);
        if (k && k->type == ObjectType::User && k->owner == ctx && k->notify)
            return true;
    }
    return false;
}

// Whether the thread's next step can put a reference at all (and so queue
// a RELEASE notification by a last put): not the release worker starting an
// item (its SMC's answer is handled in the next step), nor user space
// opening a file, allocating shm, computing or sending a signal. Every
// other step may, so stepAfterLock dry-runs it when some reqs_lock is held
// by another thread.
inline bool mayPut(const State &s, const Thread &t, const Environment &env)
{
    switch (t.phase) {
    case Phase::Exited:
    case Phase::WorkerIdle:
        return false;
    case Phase::User:
        switch (env.nextSyscall(s, t).kind) {
        case SyscallKind::None:
        case SyscallKind::Open:
        case SyscallKind::ShmAlloc:
        case SyscallKind::Kill:
        case SyscallKind::Compute:
            return t.fatalPending; // a pending SIGKILL makes the step exit
        default:
            return true;
        }
    default:
        return true;
    }
}

// The context whose reqs_lock the thread's next step takes, if any.
inline ContextId lockNeeded(const State &s, const Thread &t, const Environment &env)
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

// ---------------------------------------------------------------------------
// One apply() call: the state, the event sink and the kernel helpers.
struct Engine::Ctx
{
    const Engine &e;
    State &s;
    EventList &ev;
    const Variant &var;
    ThreadId actor; // the thread taking this step (invalid for a kill)
    // The step is the rest of a mutex_lock the thread slept in: it goes on
    // with its syscall even with a fatal signal pending (not killable).
    bool inMutexLock = false;
    // The step entered the kernel from user space (a syscall): one that
    // returns in the same step goes from quiescent to quiescent, and the
    // quiescent checks (I3, I5) run after it too.
    bool syscallEntered = false;
    int64_t cost = 0;    // the step's cost (stepCost, or what the step says it was)
    int64_t extraNs = 0; // user-space work (compute, a reply's delay) in this step
    int64_t goneNs = 0;  // latest lastNs of an object or request freed in this step

    // applyUntimed: only findings (violations and spec §9 gaps) are kept;
    // every other event is written to `discarded`, which nothing reads.
    bool quiet = false;
    Event discarded = {};

    // A dry run on a copy of the State (Engine::sleepsOnLock): nothing it
    // does is kept. It records the first reqs_lock, held by another thread,
    // that the step would sleep on: a lock the step needs from its start
    // (lockNeeded), or the one a RELEASE notification's ureq_enqueue takes
    // when a put inside the step turns out to be the last (spec §2.5).
    bool probe = false;
    ContextId probeWait = {};
    ObjectId probeObject = {}; // the user object whose last put queued the notification

    Event &emit(EventKind k)
    {
        if (quiet && k != EventKind::Violation && k != EventKind::Gap) [[likely]]
            return discarded;
        Event &x = ev.emplace_back();
        x.step = s.step; // times: stampTime, when the step is done
        x.kind = k;
        x.thread = actor; // who caused it; events about another thread override
        return x;
    }

    std::string tname(ThreadId t) const { return e.m_env.threadName(t); }

    // Findings are typed: the event names the finding and its entities;
    // vocab::findingText writes the sentence.
    Event &violation(int inv, Finding f)
    {
        Event &x = emit(EventKind::Violation);
        x.invariant = int16_t(inv);
        x.finding = f;
        return x;
    }

    Event &gap(int item, Finding f)
    {
        Event &x = emit(EventKind::Gap);
        x.gap = int16_t(item);
        x.finding = f;
        return x;
    }

    Event &note(Finding f)
    {
        Event &x = emit(EventKind::Note);
        x.finding = f;
        return x;
    }

    // -- contexts (spec §2.2) -------------------------------------------------
    std::vector<CtxHolder> &refList(Context &c, bool data) { return data ? c.dataRefs : c.refs; }

    void ctxGet(ContextId id, CtxHolder h, bool data = false)
    {
        Context &c = s.context(id);
        if (c.ctxFreed && !data) {
            // teedev_ctx_get on a tee_context whose kref reached 0: it was
            // released (and freed); the kref is brought back from zero (I1).
            // Reachable once the device is removed: the driver context goes
            // when its last QTEE wrapper does, and a user can still make one.
            Event &v = violation(1, Finding::CtxGetFreed);
            v.ctx = id;
            v.ctxHolder = h.kind;
            v.holderArg = h.a;
        }
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
            Event &x = violation(1, Finding::CtxPutNoRef);
            x.ctx = id;
            x.ctxHolder = h.kind;
            x.holderArg = h.a;
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
        // qcomtee_release: idr_destroy(reqs_idr) first, placeholders go with
        // it (spec §2.5 T9), then the data is freed (spec §2.2 step 4)
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
        emit(EventKind::ContextDataFreed).ctx = id;
        // I6: context data is freed only after every user object created in
        // it has been released.
        for (const KObject &o : s.objects)
            if (o.type == ObjectType::User && o.owner == id) {
                Event &x = violation(6, Finding::DataFreedUserAlive);
                x.ctx = id;
                x.object = o.id;
                x.refcount = int32_t(o.refcount());
                break;
            }
        // ... and after all its tee_shm are freed (spec §8 I6: each holds a
        // tee_context reference, spec §2.2). Only lifetime=none (data freed
        // at close) gets here against it: the merged design frees the data
        // in the context's release, and the RFC's kref drops its first
        // reference there (maybeFree).
        for (const Shm &m : s.shms)
            if (m.ctx == id) {
                Event &x = violation(6, Finding::DataFreedShmAlive);
                x.ctx = id;
                x.value = m.id;
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
            // lifetime=kref (the RFC): the release callback drops the data's
            // first reference, the one open took. It runs after the last
            // tee_context reference, a tee_shm's too (the review thread:
            // "the release() callback would still be called as usual when
            // the last reference is gone"); user objects keep the data
            // beyond it by their own references (spec §5, "Lifetime of the
            // context data").
            if (var.lifetime == LifetimeVariant::Kref && id.v != 0)
                ctxPut(id, {CtxHolderKind::Context, -1}, true);
        }
        if (var.lifetime == LifetimeVariant::Kref && id.v != 0 && c.closed && !c.dataFreed &&
            c.dataRefs.empty())
            freeData(id);
    }

    // Touching a context's data; with lifetime=none it may already be gone.
    bool dataAlive(ContextId id, Finding what, ObjectId obj = {})
    {
        Context &c = s.context(id);
        if (!c.dataFreed)
            return true;
        Event &x = violation(6, what);
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
        tableMoved(s.objects);
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
        x.holderArg = h.arg();
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

    // qcomtee_context_del_qtee_object: entry `id` of ctx's qtee_objects_idr
    // removed and its reference put (a user's RELEASE of a QTEE object,
    // §3.1 step 2; undoing a RECV's idr insertions, §3.4 step 5).
    void delQteeObject(ContextId ctx, int32_t id)
    {
        Context &c = s.context(ctx);
        const IdrEntry *en = idrFind(c.qteeObjectsIdr, id);
        if (!en)
            return;
        const ObjectId obj(en->ref);
        idrErase(c.qteeObjectsIdr, id);
        Event &x = emit(EventKind::IdrRemove);
        x.ctx = ctx;
        x.reqId = id;
        x.object = obj;
        put(obj, {HolderKind::CtxIdr, ctx.v, id});
    }

    void put(ObjectId id, Holder h, bool noRelease = false)
    {
        KObject *o = s.object(id);
        if (!o) {
            Event &x = violation(1, Finding::ObjPutFreed);
            x.object = id;
            x.holder = h.kind;
            x.holderArg = h.arg();
            return;
        }
        auto it = std::find(o->holders.begin(), o->holders.end(), h);
        if (it == o->holders.end()) {
            Event &x = violation(1, Finding::ObjPutNoRef);
            x.object = id;
            x.holder = h.kind;
            x.holderArg = h.arg();
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
        if (it != s.objects.end() && it->id == id) {
            goneNs = std::max(goneNs, it->lastNs.ns);
            s.objects.erase(it);
            tableMoved(s.objects);
        }
        emit(EventKind::ObjectFreed).object = id;
        // I4: every id in xa_local_objects points at a live object. Ids only
        // ever name live objects when allocated, so an id that outlives its
        // object does so from here (spec §9 item 3), reported once.
        for (const IdrEntry &en : s.xaLocalObjects)
            if (en.ref == id.v) {
                Event &x = violation(4, Finding::XaFreedObject);
                x.qteeId = uint32_t(en.id);
                x.object = id;
            }
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
            if (notify && dataAlive(owner, Finding::NotifyAfterFree, id))
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
        Event &x = note(Finding::ShmFreed);
        x.ctx = ctx;
        x.value = int32_t(id);
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
        tableMoved(s.requests);
        return s.requests.back();
    }

    // How a request ended (spec §8 I13): PROCESSED (its completion fired),
    // REMOVED by its own client (T7) or by RECV (a RELEASE notification,
    // T4), or replaced by the placeholder (T8). The placeholder's own end
    // (T9, idr_destroy) is not the request's.
    static bool ended(ReqState s)
    {
        return s == ReqState::PROCESSED || s == ReqState::Removed || s == ReqState::Placeholder;
    }
    // I13: a request that ended ends again.
    void endedTwice(const Request &r, ReqState first, ReqState second)
    {
        Event &v = violation(13, Finding::RequestEndedTwice);
        v.thread = actor;
        v.request = r.id;
        v.ctx = r.ctx;
        v.reqId = r.reqId;
        v.from = first;
        v.to = second;
    }

    void setState(Request &r, ReqState to, int32_t errno_ = 0)
    {
        if (ended(r.state) && ended(to) &&
            !(r.state == ReqState::Placeholder && to == ReqState::Removed))
            endedTwice(r, r.state, to);
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
        if (it != s.requests.end() && it->id == id) {
            goneNs = std::max(goneNs, it->lastNs.ns);
            s.requests.erase(it);
            tableMoved(s.requests);
        }
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

    // ureq_enqueue (T1), under reqs_lock. Returns false with -ENODEV
    // semantics. The step takes and drops the lock when it is free (the
    // unlock wakes its first waiter); for a lock held by another thread see
    // enqueueNotification.
    bool enqueue(RequestId rid)
    {
        Request *r = s.request(rid);
        const ContextId ctx = r->ctx;
        Context &c = s.context(ctx);
        Thread *t = actor.valid() && !c.reqsLockOwner.valid() ? &s.thread(actor) : nullptr;
        if (t)
            lock(*t, ctx, rid);
        if (c.released) {
            if (t)
                unlock(*t, ctx, rid);
            return false;
        }
        r->reqId = idrLowestFree(c.reqsIdr);
        idrInsert(c.reqsIdr, IdrEntry{r->reqId, rid.v});
        std::erase_if(c.retiredIds, [&](const RetiredId &x) { return x.id == r->reqId; });
        c.reqsList.push_back(rid.v);
        r->enqueueSeq = ++s.enqueueSeq;
        setState(*r, ReqState::QUEUED);
        if (t)
            unlock(*t, ctx, rid);
        // complete(&ctxdata->req_c), outside the lock
        c.reqC++;
        return true;
    }

    void enqueueNotification(ContextId owner, ObjectId obj, uint64_t userId)
    {
        Context &c = s.context(owner);
        // Held by another thread: ureq_enqueue sleeps on the mutex; held by
        // this one (§9 item 8, gaps=faithful), it sleeps on it for ever. A
        // step that would get here does not run: stepAfterLock finds it in a
        // dry run first and makes the step that sleep (mutex_lock), so the
        // enqueue below always finds the lock free, or the actor's own with
        // gaps=fixed (enqueued as if after the unlock).
        const bool self = c.reqsLockOwner.valid() && c.reqsLockOwner == actor;
        if (probe && c.reqsLockOwner.valid() && !probeWait.valid() &&
            (!self || var.gaps == GapsVariant::Faithful)) {
            probeWait = owner;
            probeObject = obj;
        }
        if (self && var.gaps == GapsVariant::Faithful) {
            // (not reached: mayPutUnderOwnLock covers every step that puts
            // under its own reqs_lock; reported, should one be missed)
            Event &g = gap(8, Finding::NotifySelfDeadlock);
            g.thread = actor;
            g.ctx = owner;
            g.object = obj;
        }
        Request &r = newRequest(owner, obj, userId, QCOMTEE_MSG_OBJECT_OP_RELEASE, true);
        const RequestId rid = r.id;
        if (!enqueue(rid)) {
            // spec §7 case 10: dropped silently once the context is released
            Event &x = note(Finding::NotificationDropped);
            x.ctx = owner;
            x.object = obj;
            dropRequest(rid);
        }
    }

    // The request of `id` is over for the supplicants (I11's memory). A set
    // kept in id order (one entry per id), so two States that retired the
    // same ids in another order are equal, and the canonical key
    // (simulator/explore.cpp) writes it as it is.
    void retire(ContextId ctx, const Request &r, ThreadId stolenFrom = {})
    {
        Context &c = s.context(ctx);
        const auto at = std::lower_bound(c.retiredIds.begin(), c.retiredIds.end(), r.reqId,
                                         [](const RetiredId &x, int32_t id) { return x.id < id; });
        const RetiredId entry{r.reqId, r.id, r.notification, stolenFrom};
        if (at != c.retiredIds.end() && at->id == r.reqId)
            *at = entry;
        else
            c.retiredIds.insert(at, entry);
    }

    // ureq_dequeue: take a request off reqs_idr and reqs_list.
    // list_del: off its context's reqs_list (if on it).
    void listErase(const Request &r)
    {
        Context &c = s.context(r.ctx);
        auto it = std::find(c.reqsList.begin(), c.reqsList.end(), r.id.v);
        if (it != c.reqsList.end())
            c.reqsList.erase(it);
    }
    // ureq_dequeue: its id off reqs_idr, and off reqs_list.
    void unlink(Request &r)
    {
        idrErase(s.context(r.ctx).reqsIdr, r.reqId);
        listErase(r);
    }

    void complete(Request &r, int32_t errno_)
    {
        if (r.completed)
            endedTwice(r, ReqState::PROCESSED, ReqState::PROCESSED);
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
    // reached a supplicant. Faithful: they leak. Fixed: put them. A last put
    // of a user object queues a RELEASE notification, a new request that may
    // move every request in memory: callers look theirs up again after it.
    void requestNeverDelivered(RequestId id)
    {
        Request *r = s.request(id);
        if (!r)
            return;
        if (var.gaps == GapsVariant::Faithful)
            flagLeakedIo(r->args, r->ctx, r->op, r->reqId >= 0 ? r : nullptr);
        else
            putCallbackArgs(*r);
    }
    // Gap 2 for a callback that never became a request (its context data
    // was gone, lifetime=none): the IO objects in the thread's oic->u.
    void argsNeverQueued(Thread &t, ContextId ctx)
    {
        if (var.gaps == GapsVariant::Faithful)
            flagLeakedIo(t.oic.u, ctx, t.oic.cbOp, nullptr);
        else
            putIoArgs(t.oic.u, {HolderKind::CallbackArg, t.id.v});
    }
    // One gap 2 finding per leaked IO object of `args`. `queued`: the
    // request that holds them in reqs_idr; a callback never queued has no
    // id, and the finding names its op.
    void flagLeakedIo(const CopyVector<Arg> &args, ContextId ctx, uint32_t op,
                      const Request *queued)
    {
        for (const Arg &a : args) {
            if (a.type != ArgType::IO || !a.object.valid())
                continue;
            Event &g = gap(2, queued ? Finding::IoObjectLeakQueued : Finding::IoObjectLeakUnqueued);
            if (queued) {
                g.request = queued->id;
                g.reqId = queued->reqId;
            }
            g.ctx = ctx;
            g.op = op;
            g.object = a.object;
        }
    }
    // Puts the IO objects a callback request still holds (its arguments'
    // references, held for its client). Taken off the request first: a put
    // may queue a RELEASE notification, after which `r` must be looked up
    // again by id.
    void putCallbackArgs(Request &r) { putIoArgs(r.args, {HolderKind::CallbackArg, r.client.v}); }
    // Puts the IO objects of `args` held by `holder`, each taken off first
    // (a put may move the request or thread that owns `args`).
    void putIoArgs(CopyVector<Arg> &args, const Holder holder)
    {
        std::vector<ObjectId> objects;
        for (Arg &a : args)
            if (a.type == ArgType::IO && a.object.valid()) {
                objects.push_back(a.object);
                a.object = {};
            }
        for (const ObjectId o : objects)
            put(o, holder);
    }

    // qcomtee_objref_to_arg for a USER objref: a new user object in `ctx`
    // with QTEE's copy and the driver's temporary copy (spec §3.1 step 5,
    // §3.5 step 4); it pins its context as the lifetime variant says.
    ObjectId newUserObject(ContextId ctx, uint64_t userId, ThreadId copyHolder)
    {
        const ObjectId id = newObject(ObjectType::User, ctx, 0, userId);
        initRef(id, {HolderKind::QteeId, 0});
        if (var.lifetime == LifetimeVariant::CtxRef)
            ctxGet(ctx, {CtxHolderKind::UserObject, id.v});
        else if (var.lifetime == LifetimeVariant::Kref)
            ctxGet(ctx, {CtxHolderKind::UserObject, id.v}, true);
        get(id, {HolderKind::DriverCopy, copyHolder.v});
        return id;
    }

    // srcu_read_unlock by `t`; a killed client waiting in synchronize_srcu
    // goes on once no reader is left (argument=srcu).
    // srcu_read_lock(&ctxdata->req_srcu) (argument=srcu, the RFC's design).
    void srcuReadLock(Thread &t, ContextId ctx)
    {
        s.context(ctx).srcuReaders++;
        t.srcuRead = ctx;
        Event &x = emit(EventKind::SrcuReadLock);
        x.thread = t.id;
        x.ctx = ctx;
    }
    // srcu_read_unlock: a synchronize_srcu that waited for this reader (it
    // was in its section when the wait began) waits for one fewer, and
    // returns once none is left.
    void srcuReadUnlock(Thread &t, ContextId ctx)
    {
        s.context(ctx).srcuReaders--;
        t.srcuRead = {};
        Event &x = emit(EventKind::SrcuReadUnlock);
        x.thread = t.id;
        x.ctx = ctx;
        for (const Thread &r : s.threads) {
            if (r.phase != Phase::DispatchSrcu ||
                std::find(r.srcuWaitFor.begin(), r.srcuWaitFor.end(), t.id.v) ==
                    r.srcuWaitFor.end())
                continue;
            Thread &w = s.thread(r.id);
            std::erase(w.srcuWaitFor, t.id.v);
            if (w.srcuWaitFor.empty() && w.blocked == BlockReason::Srcu) {
                w.blocked = BlockReason::None;
                Event &wk = emit(EventKind::Woken);
                wk.thread = w.id;
                wk.value = int32_t(BlockReason::Srcu);
            }
        }
    }

    // -- locks ----------------------------------------------------------------
    void lock(Thread &t, ContextId c, RequestId queued = {})
    {
        Context &cx = s.context(c);
        if (cx.reqsLockOwner == t.id)
            return;
        // enabled() only offers a step that takes reqs_lock when it is free
        assert(!cx.reqsLockOwner.valid() && "reqs_lock taken while held by another thread");
        cx.reqsLockOwner = t.id;
        if (cx.dataFreed) {
            // reqs_lock is a field of qcomtee_context_data (spec §2.2)
            Event &v = violation(6, Finding::LockAfterFree);
            v.thread = t.id;
            v.ctx = c;
        }
        Event &x = emit(EventKind::LockAcquire);
        x.thread = t.id;
        x.ctx = c;
        x.request = queued; // T1 takes the lock to queue this request
    }
    void unlock(Thread &t, ContextId c, RequestId queued = {})
    {
        Context &cx = s.context(c);
        if (cx.reqsLockOwner != t.id)
            return;
        cx.reqsLockOwner = {};
        Event &x = emit(EventKind::LockRelease);
        x.thread = t.id;
        x.ctx = c;
        x.request = queued;
        wakeLockWaiter(c, t.id);
    }
    // mutex_unlock wakes the first waiter (the wait list is FIFO). It stays
    // on the list until it takes the lock: in its next step it does, unless
    // a thread that never slept took it first (then it sleeps again, still
    // first). Waking a waiter that is already awake does nothing.
    void wakeLockWaiter(ContextId c, ThreadId by)
    {
        Context &cx = s.context(c);
        if (cx.lockWaiters.empty() || cx.lockWoken)
            return;
        cx.lockWoken = true;
        Event &y = emit(EventKind::Woken);
        y.thread = ThreadId(cx.lockWaiters.front());
        y.value = int32_t(BlockReason::Lock);
        y.ctx = c;
        y.peer = by;
    }
    // The thread's next step needs reqs_lock of `c`, held by another thread:
    // this step is mutex_lock going to sleep (spec §3.3 step 7, §3.4). A
    // woken waiter that finds it taken again sleeps again in its place.
    void lockWait(Thread &t, ContextId c)
    {
        if (probe && !probeWait.valid())
            probeWait = c;
        Context &cx = s.context(c);
        if (t.lockWait != c) {
            t.lockWait = c;
            cx.lockWaiters.push_back(t.id.v);
        }
        Event &x = emit(EventKind::Blocked);
        x.thread = t.id;
        x.value = int32_t(BlockReason::Lock);
        x.ctx = c;
        x.peer = cx.reqsLockOwner;
    }

    // wait_for_completion_interruptible(&req_c) returned: RECV takes one
    // count (complete() wakes one waiter) and goes on to select.
    void reqCTaken(Thread &t)
    {
        const ContextId ctx = fileCtx(t.file);
        Context &c = s.context(ctx);
        c.reqC--;
        t.blocked = BlockReason::None;
        Event &x = emit(EventKind::Woken);
        x.thread = t.id;
        x.value = int32_t(BlockReason::ReqC);
        x.ctx = ctx; // whose req_c (model version 5)
    }

    Event &block(Thread &t, BlockReason why, RequestId r = {})
    {
        t.blocked = why;
        Event &x = emit(EventKind::Blocked);
        x.thread = t.id;
        x.value = int32_t(why);
        x.request = r;
        return x;
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
        // user-space work entered no kernel: nothing returns from one
        if (t.sc.kind != SyscallKind::Compute) {
            Event &x = emit(EventKind::SyscallReturn);
            x.thread = t.id;
            x.errno_ = t.res.errno_;
            x.value = t.res.ret;
            x.op = uint32_t(t.sc.kind);
        }
        t.phase = Phase::User;
        t.blocked = BlockReason::None;
        const SyscallResult res = t.res;
        e.m_env.syscallReturned(s, t, res);
        t.sc = Syscall{};
        t.res = SyscallResult{};
    }

    void threadExit(Thread &t)
    {
        Process &p = s.processes[size_t(t.process.v)];
        p.liveThreads--;
        t.phase = Phase::Exited;
        t.blocked = BlockReason::None;
        const bool last = p.liveThreads == 0;
        const bool files =
            last && std::any_of(p.fds.begin(), p.fds.end(), [](int32_t fd) { return fd >= 0; });
        if (files) {
            // do_exit goes on in later steps (exit_files, close_context, with
            // reqs_lock): the thread is in the kernel, not gone, until the
            // last of them (ThreadExit then, exitFiles)
            Event &x = emit(EventKind::SyscallEnter);
            x.thread = t.id;
            x.op = uint32_t(SyscallKind::Exit);
        } else {
            emit(EventKind::ThreadExit).thread = t.id;
        }
        if (last) {
            // do_exit of the last thread: exit_files drops every fd (spec §3.7)
            p.exited = true;
            emit(EventKind::ProcessExit).process = p.id;
            t.exiting = true;
            t.phase = Phase::ExitFiles;
            if (!files)
                exitFiles(t, true); // no files left: do_exit finishes in this step
        }
    }

    void kill(ProcessId pid)
    {
        Process &p = s.processes[size_t(pid.v)];
        if (p.killed)
            return;
        if (p.exited) {
            // Nothing left to signal (kill(2) of a zombie returns 0): no
            // SIGKILL is delivered, but the step saw the exit, so it comes
            // after it in time.
            for (const Thread &t : s.threads)
                if (t.process == pid)
                    goneNs = std::max(goneNs, t.clockNs.ns);
            return;
        }
        p.killed = true;
        emit(EventKind::Killed).process = pid;
        for (const Thread &t : s.threads)
            if (t.process == pid && t.phase != Phase::Exited && !t.fatalPending)
                s.thread(t.id).fatalPending = true;
    }

    // -- invocation (spec §3.1) -----------------------------------------------
    void sysInvoke(Thread &t);
    void invokeFail(Thread &t, int32_t errno_);
    void invokeFailed(Thread &t, int32_t errno_); // after conversion (§3.1 step 8)
    void qteeObjectsPut(Thread &t);               // before SHARED (§2.3, §3.1 step 7)
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
    ThreadId checkSend(const Thread &t, const Request &r);
    void sendUnmarshal(Thread &t);
    void sendFinish(Thread &t, Request &r, int32_t ret);
    void rollBackOutputs(Request &r);
    // -- close (spec §3.7) ------------------------------------------------------
    void closeContext(Thread &t);
    void closeObjects(Thread &t);
    // `atExit`: called from threadExit in the exit step itself (its
    // ThreadExit is out already)
    void exitFiles(Thread &t, bool atExit = false);
    // -- worker (spec §2.8) -----------------------------------------------------
    void workerStart(Thread &t);

    void userStep(Thread &t);
    void threadStep(Thread &t);
    void stepAfterLock(Thread &t);
    ContextId notificationLock(const Thread &t, ObjectId *object);
    void checkInvariants(bool wasQuiescent);
};

} // namespace tee
