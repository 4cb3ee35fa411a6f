// user_obj.c: user objects hosted by a supplicant. The client side of a
// callback (qcomtee_user_object_dispatch, spec §3.3: queue a request, wait
// killable for its completion), the supplicant's RECV (spec §3.4:
// select, marshal under reqs_lock or SRCU) and SEND (spec §3.5: unmarshal,
// complete), and the requests' states of spec §2.5.
#include "engine_p.h"

namespace tee {

namespace {
// A SEND shorter than the request's arguments (spec §9 item 4): position
// `i` of the arguments is params[i + 1], past the array the supplicant
// passed. The driver never compares the counts and reads past it; what it
// reads there is not the matching attribute, so the conversion fails there
// ("A simulator should treat it as -EINVAL", §9 item 4; §3.5 step 4).
bool pastShortSend(const Syscall &sc, size_t i)
{
    return sc.sendParams >= 0 && i >= size_t(sc.sendParams);
}

// qcomtee_cb_params_to_args refuses the supplicant's k-th output of `a`'s
// type (spec §3.5 step 4): an OB that grew, or an OO that
// qcomtee_objref_to_arg cannot convert in the supplicant's context `ctx`:
// a TEE id not in its qtee_objects_idr (or whose object is going away), a
// shm that is not its own. One rule for SEND's errno (known when the
// request is marked PROCESSED) and for the conversion steps.
bool outputRejected(const State &s, ContextId ctx, const Arg &a, size_t k, const Syscall &sc)
{
    if (a.type == ArgType::OB)
        return (k < sc.obOut.size() ? sc.obOut[k] : 0) > a.size;
    if (a.type != ArgType::OO)
        return false;
    const ObjRefParam p = k < sc.ooOut.size() ? sc.ooOut[k] : ObjRefParam{};
    switch (p.converted()) {
    case ObjRefParam::Kind::Null:
    case ObjRefParam::Kind::User:
        return false;
    case ObjRefParam::Kind::Tee: {
        const std::vector<IdrEntry> &idr = s.contexts[size_t(ctx.v)].qteeObjectsIdr;
        const auto it = std::find_if(idr.begin(), idr.end(), [&](const IdrEntry &e) {
            return p.id <= uint64_t(INT32_MAX) && e.id == int32_t(p.id);
        });
        const KObject *o = it == idr.end() ? nullptr : s.object(ObjectId(it->ref));
        return !o || o->refcount() == 0;
    }
    case ObjRefParam::Kind::Mem:
        for (const Shm &m : s.shms)
            if (p.id <= uint64_t(INT32_MAX) && m.id == int32_t(p.id))
                return m.ctx != ctx;
        return true;
    case ObjRefParam::Kind::Unflagged: // no recognised flag (spec §3.5 step 4)
        return true;
    }
    return true;
}
} // namespace

// qcomtee_user_object_dispatch, client side (spec §3.3)
void Engine::Ctx::userDispatch(Thread &t, ObjectId obj)
{
    Oic &o = t.oic;
    const KObject *k = s.object(obj);
    const ContextId owner = k->owner;
    // Every dispatch ends with a dispatch_return, also when no request was
    // ever queued.
    auto failEarly = [&](int32_t errno_) {
        Event &x = emit(EventKind::DispatchReturn);
        x.thread = t.id;
        x.errno_ = errno_;
        x.ctx = owner;
        x.object = obj;
        o.errno_ = errno_;
    };
    if (!dataAlive(owner, Finding::DispatchAfterFree, obj)) {
        // lifetime=none: the context data is gone; treat as released, as
        // ureq_enqueue does (spec §3.3 step 2): no request is made, so the
        // callback's IO objects never reach a supplicant (gap 2)
        argsNeverQueued(t, owner);
        failEarly(err::kENODEV);
        return;
    }
    Request &r = newRequest(owner, obj, k->userObjectId, o.cbOp, false);
    r.client = t.id;
    r.args = o.u;
    const RequestId rid = r.id;
    if (!enqueue(rid)) {
        // T1 failed: -ENODEV whatever the reason (spec §3.3 step 2)
        requestNeverDelivered(rid);
        dropRequest(rid);
        failEarly(err::kENODEV);
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
    if (t.phase == Phase::DispatchSrcu) {
        // synchronize_srcu returned: no supplicant reads the args any more
        Event &x = emit(EventKind::SynchronizeSrcu);
        x.thread = t.id;
        x.ctx = r ? r->ctx : ContextId();
        t.blocked = BlockReason::None;
        t.srcuWaitFor.clear();
        // A request the supplicant had answered (T11) ends with its
        // answer as the SEND left it: the SEND's conversion, in its read
        // section, may have failed after the kill path looked (-EINVAL,
        // spec §3.5 step 4); the wait is what makes reading it safe.
        dispatchReturn(t, r && r->state == ReqState::PROCESSED ? r->errno_ : t.oic.errno_);
        return;
    }
    if (!r) {
        dispatchReturn(t, err::kENODEV);
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
        w.errno_ = err::kERESTARTSYS; // wait_for_completion_state's answer to the signal
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
        listErase(*r);
        if (IdrEntry *en = idrFind(c.reqsIdr, r->reqId))
            en->ref = kPlaceholder;
        setState(*r, ReqState::Placeholder);
        break;
    }
    case ReqState::QUEUED:
        // T7: the supplicant never saw it
        unlink(*r);
        setState(*r, ReqState::Removed);
        requestNeverDelivered(t.dispatchReq);
        r = s.request(t.dispatchReq); // (a put may have queued a notification)
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
        t.srcuWaitFor.clear();
        for (const Thread &reader : s.threads)
            if (reader.srcuRead == ctx)
                t.srcuWaitFor.push_back(reader.id.v);
        if (!t.srcuWaitFor.empty())
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
            Event &x = note(Finding::SpuriousWakeup);
            x.ctx = ctx;
        }
        // wait_for_completion_interruptible with a fatal signal pending and
        // no count to take returns -ERESTARTSYS at once: it does not sleep
        // (a killed supplicant woken by a left-over count goes no further)
        if (c.reqC == 0 && t.fatalPending) {
            finishSyscall(t, err::kERESTARTSYS);
            return;
        }
        t.phase = Phase::RecvWait;
        if (c.reqC == 0)
            block(t, BlockReason::ReqC).ctx = ctx; // whose req_c (model version 5)
        return;
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
    // I9: the oldest QUEUED request is delivered first (checked on delivery:
    // a RECV that refused the request it picked delivered nothing)
    for (int32_t rid : c.reqsList) {
        const Request *r = s.request(RequestId(rid));
        if (r && r->state == ReqState::QUEUED && r->enqueueSeq < pick->enqueueSeq) {
            Event &x = violation(9, Finding::NotFifo);
            x.ctx = ctx;
            x.request = pick->id;
            x.reqId = pick->reqId;
            x.other = r->id;
            x.count = r->reqId; // its reqs_idr id (model version 14)
            x.thread = t.id;
            break;
        }
    }
    // T2
    setState(*pick, ReqState::PROCESSING);
    pick->deliveredTo = t.id;
    t.recvReq = pick->id;
    t.recvArg = 0;
    if (var.argument != ArgumentVariant::Lock)
        unlock(t, ctx);
    if (var.argument == ArgumentVariant::Srcu)
        srcuReadLock(t, ctx);
    t.phase = Phase::RecvMarshal;
    if (pick->args.empty())
        recvDone(t, *pick);
}

void Engine::Ctx::recvMarshal(Thread &t)
{
    const ContextId ctx = fileCtx(t.file);
    Request *r = s.request(t.recvReq);
    if (!r) {
        if (t.srcuRead.valid())
            srcuReadUnlock(t, t.srcuRead);
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
        // argument=srcu/none: the client's dispatch returned and its args
        // array is no longer valid. The read is the finding; what it reads
        // is what was there (the memory is not reused at once), so the
        // marshalling goes on as it would have: skipping it made up a leak
        // of the IO objects (I2) that the design does not cause.
        Event &v = violation(12, Finding::ArgReadAfterFree);
        v.thread = t.id;
        v.request = r->id;
        v.reqId = r->reqId;
        v.value = int32_t(i);
        v.ctx = ctx;
    }
    {
        Arg &a = r->args[size_t(i)];
        // The primordial object as an IO (QTEE passed 0x80000000, spec §3.2
        // step 2: local_object_get gives it, no reference taken) is neither
        // a TEE object nor a user object nor memory of this context: the
        // conversion fails (§3.4 step 4).
        const bool primordial =
            a.type == ArgType::IO && !a.object.valid() && a.wireId == QCOMTEE_OBJECT_PRIMORDIAL;
        if (primordial || (a.type == ArgType::IO && a.object.valid())) {
            KObject *k = primordial ? nullptr : s.object(a.object);
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
                t.res.inUser.push_back(0);
                a.object = {};
            } else if (k->owner == ctx) {
                // own user object: handed over by id, and put
                t.res.inObjects.push_back(int64_t(k->userObjectId));
                t.res.inUser.push_back(1);
                const ObjectId own = a.object;
                a.object = {};
                // its last put queues a RELEASE notification (§2.3; under
                // reqs_lock, §9 item 8): a new request, which may move `r`
                put(own, {HolderKind::CallbackArg, r->client.v});
                r = s.request(t.recvReq);
            } else {
                ok = false;
            }
            if (!ok) {
                // T3: undo the idr insertions, put the IOs not processed,
                // complete with -EINVAL; RECV moves on (spec §3.4 step 5)
                for (size_t m = 0; m < t.res.inObjects.size(); ++m)
                    if (!t.res.inUser[m])
                        delQteeObject(ctx, int32_t(t.res.inObjects[m]));
                putCallbackArgs(*r);
                r = s.request(t.recvReq); // (a put may have queued a notification)
                if (r->state == ReqState::Placeholder) {
                    // argument=srcu (the RFC): the client's kill path replaced
                    // it while RECV marshalled outside reqs_lock (T8), and
                    // the failure still completes the request it holds
                    // under SRCU: it ends twice (I13). The idr slot keeps
                    // the placeholder, which no SEND will ever clear: the
                    // supplicant never got the id.
                    endedTwice(*r, ReqState::Placeholder, ReqState::PROCESSED);
                    complete(*r, err::kEINVAL); // its client is past its wait
                } else if (ended(r->state)) {
                    // A request that already ended while RECV marshalled
                    // it outside the lock (argument=srcu/none: a stale SEND
                    // for its reused id answered it): it is off reqs_list,
                    // its completion fired, its id may be another's now.
                    endedTwice(*r, r->state, ReqState::PROCESSED);
                } else {
                    unlink(*r);
                    setState(*r, ReqState::PROCESSED, err::kEINVAL);
                    complete(*r, err::kEINVAL);
                }
                t.res.inObjects.clear();
                t.res.inUser.clear();
                t.recvReq = {};
                if (var.argument == ArgumentVariant::Srcu)
                    srcuReadUnlock(t, ctx);
                // The loop's next pass takes reqs_lock again: the driver's
                // scoped_guard ends with the pass (spec §3.4 step 5, "continue
                // the loop"), so a kill, a SEND or an enqueue waiting for the
                // lock gets in between.
                if (var.argument == ArgumentVariant::Lock)
                    unlock(t, ctx);
                t.phase = Phase::RecvSelect;
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
        srcuReadUnlock(t, ctx);
    }
    unlock(t, ctx);
    t.res.reqId = r.reqId;
    t.res.objectId = r.objectId;
    t.res.op = r.op;
    t.res.numArgs = int32_t(r.args.size()); // (read after free too: as it was)
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
    // T4 is ureq_dequeue(id) and a kfree of the notification RECV holds.
    // The id is normally the notification's own. But a buggy SEND may have
    // answered the notification first (§9 item 12, gap 12), which dequeued
    // it and freed its id, and another request may hold the id by now: the
    // dequeue removes that one, from reqs_idr and reqs_list, and nobody
    // will complete it (its client waits until killed).
    Request *mine = s.request(t.recvReq);
    Context &c = s.context(ctx);
    if (IdrEntry *en = idrFind(c.reqsIdr, t.res.reqId)) {
        Request *holder = en->ref == kPlaceholder ? nullptr : s.request(RequestId(en->ref));
        if (!holder || holder != mine) {
            Event &g = gap(12, Finding::RelockRemovesOther);
            g.thread = t.id;
            g.ctx = ctx;
            g.reqId = t.res.reqId;
            if (holder) {
                g.request = holder->id;
                unlink(*holder); // its state stays: ureq_dequeue does not change it
            } else {
                idrErase(c.reqsIdr, t.res.reqId); // a placeholder's id, freed (as T9)
            }
        }
    }
    if (mine) {
        if (mine->state == ReqState::PROCESSING) {
            // off reqs_list; its idr entry, if it is still its own
            if (IdrEntry *en = idrFind(c.reqsIdr, mine->reqId); en && en->ref == mine->id.v)
                unlink(*mine);
            else
                listErase(*mine);
            setState(*mine, ReqState::Removed); // T4: freed, id free before RECV returns
        }
        mine->delivered = true;
        retire(ctx, *mine);
        dropRequest(mine->id);
    }
    unlock(t, ctx);
    t.recvReq = {};
    finishSyscall(t, 0);
}

// -- supplicant SEND (spec §3.5) -----------------------------------------------

// I11: a supplicant answers only what it was given, once. A request RECV
// gave to another supplicant thread is not this one's to answer: with ids
// reused, a stale second SEND completes it (spec §7 case 17). Returns that
// other thread (its own SEND later is its first answer), or none.
ThreadId Engine::Ctx::checkSend(const Thread &t, const Request &r)
{
    const bool notGiven = r.delivered && r.deliveredTo.valid() && r.deliveredTo != t.id;
    if (r.notification || !r.delivered || r.answered || notGiven) {
        Event &v = violation(11, r.notification ? Finding::SendNotification
                                 : r.answered   ? Finding::SendAnswered
                                 : notGiven     ? Finding::SendNotGiven
                                                : Finding::SendNotDelivered);
        v.thread = t.id;
        v.reqId = r.reqId;
        v.request = r.id;
        v.ctx = r.ctx;
        if (notGiven)
            v.peer = r.deliveredTo;
    }
    return notGiven && !r.notification ? r.deliveredTo : ThreadId();
}
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
        // I11 (spec §8): the id is gone from reqs_idr, but it was handed to
        // user space as a RELEASE notification or already answered. The
        // driver returns -EINVAL; the supplicant is still wrong.
        const auto retired = std::find_if(c.retiredIds.begin(), c.retiredIds.end(),
                                          [&](const RetiredId &x) { return x.id == t.sc.reqId; });
        if (retired != c.retiredIds.end() && retired->stolenFrom == t.id) {
            // its request was answered by another thread's SEND (reported
            // there): this is its own first answer
            retired->stolenFrom = {};
        } else if (retired != c.retiredIds.end()) {
            Event &v = violation(11, retired->notification ? Finding::SendRetiredNotification
                                                           : Finding::SendRetiredAnswered);
            v.thread = t.id;
            v.reqId = t.sc.reqId;
            v.request = retired->request;
            v.ctx = ctx;
        }
        unlock(t, ctx);
        finishSyscall(t, err::kEINVAL);
        return;
    }
    if (en->ref == kPlaceholder) {
        // T9: the placeholder is removed, SEND fails. For I11 this SEND is
        // the answer to the request the placeholder stands for: the id is
        // retired, so a second SEND for it is reported (until the id is
        // reused), and a SEND by a thread RECV did not give it to is a stale
        // one.
        const int32_t id = en->id;
        idrErase(c.reqsIdr, id);
        for (Request &r : s.requests)
            if (r.ctx == ctx && r.reqId == id && r.state == ReqState::Placeholder) {
                const ThreadId victim = checkSend(t, r);
                retire(ctx, r, victim);
                setState(r, ReqState::Removed);
                // The record goes unless a supplicant still reads or writes
                // the request under SRCU (argument=srcu/none: its client is
                // killed, and in synchronize_srcu with srcu); the last of
                // them drops it (freeRequest, recvDone, sendFinish).
                bool held = false;
                for (const Thread &o : s.threads)
                    held = held || o.recvReq == r.id || o.sendReq == r.id;
                if (!held)
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
        Event &g = gap(12, Finding::EarlyNotificationSend);
        g.thread = t.id;
        g.request = r->id;
        g.reqId = r->reqId;
        g.ctx = r->ctx;
        g.value = int32_t(r->state); // QUEUED: no RECV gave it out yet
    }
    const ThreadId victim = checkSend(t, *r);
    unlink(*r);
    r->answered = true;
    retire(ctx, *r, victim);
    // §9 item 4: num_params is never compared with the request's arguments
    // (gaps=fixed: a short response is refused here, -EINVAL for the client
    // too; faithful: the conversion reads past the array and fails at the
    // first missing position, pastShortSend, after converting the outputs
    // before it).
    const bool shortSend = t.sc.ret == 0 && !r->notification && t.sc.sendParams >= 0 &&
                           t.sc.sendParams < int32_t(r->args.size());
    const bool refuse = shortSend && var.gaps == GapsVariant::Fixed;
    // T5: marked PROCESSED before the outputs are converted (spec §3.5 step
    // 2), with the errno the client will get: the supplicant's, or -EINVAL
    // when the conversion (done in the next steps) will fail on an OB that
    // grew or an output object the model does not convert.
    bool convertFails = false;
    if (t.sc.ret == 0 && !r->notification) {
        size_t ob = 0, oo = 0;
        for (const Arg &a : r->args) {
            if (a.type == ArgType::OB)
                convertFails |= outputRejected(s, ctx, a, ob++, t.sc);
            else if (a.type == ArgType::OO)
                convertFails |= outputRejected(s, ctx, a, oo++, t.sc);
        }
    }
    setState(*r, ReqState::PROCESSED, shortSend || convertFails ? err::kEINVAL : t.sc.ret);
    if (t.sc.ret != 0 || r->notification) {
        sendFinish(t, *r, 0);
        return;
    }
    int32_t outs = 0;
    for (const Arg &a : r->args)
        if (a.type == ArgType::OB || a.type == ArgType::OO)
            ++outs;
    if (shortSend) {
        if (refuse) {
            r->errno_ = err::kEINVAL;
            sendFinish(t, *r, err::kEINVAL);
            return;
        }
        Event &g = gap(4, Finding::SendTooFewParams);
        g.thread = t.id;
        g.request = r->id;
        g.reqId = r->reqId;
        g.ctx = r->ctx;
        g.value = t.sc.sendParams;
        g.count = int32_t(r->args.size());
    }
    t.sendReq = r->id;
    t.sendArg = 0;
    if (var.argument != ArgumentVariant::Lock)
        unlock(t, ctx);
    if (var.argument == ArgumentVariant::Srcu)
        srcuReadLock(t, ctx);
    if (outs == 0) {
        if (shortSend) { // no output to convert: an input position is missing
            r->errno_ = err::kEINVAL;
            sendFinish(t, *r, err::kEINVAL);
            return;
        }
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
        if (t.srcuRead.valid())
            srcuReadUnlock(t, t.srcuRead);
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
        Event &v = violation(12, Finding::ArgWriteAfterFree);
        v.thread = t.id;
        v.request = r->id;
        v.reqId = r->reqId;
        v.value = int32_t(i);
        v.ctx = ctx;
    }
    // (after free too: the write goes where the args were, and converts as
    // it would have, failing where it would have: spec §3.5 step 4)
    if (i < r->args.size()) {
        Arg &a = r->args[i];
        // position k among the outputs of this type
        size_t k = 0;
        for (size_t j = 0; j < i; ++j)
            if (r->args[j].type == a.type)
                ++k;
        if (pastShortSend(t.sc, i) || outputRejected(s, ctx, a, k, t.sc)) {
            failure = err::kEINVAL;
        } else if (a.type == ArgType::OO && k < t.sc.ooOut.size()) {
            // qcomtee_objref_to_arg in the supplicant's context; a CB
            // object gets the driver's temporary copy besides QTEE's
            const ObjRefParam &p = t.sc.ooOut[k];
            const ObjRefParam::Kind kind = p.converted();
            if (kind == ObjRefParam::Kind::User) {
                a.object = newUserObject(ctx, p.id, r->client);
            } else if (kind == ObjRefParam::Kind::Tee) {
                // a QTEE object of the supplicant's idr, +1 (put by notify)
                const IdrEntry *en = idrFind(s.context(ctx).qteeObjectsIdr, int32_t(p.id));
                if (get(ObjectId(en->ref), {HolderKind::DriverCopy, r->client.v}))
                    a.object = ObjectId(en->ref);
                else
                    failure = err::kEINVAL;
            } else if (kind == ObjRefParam::Kind::Mem) {
                // a new memory object on the supplicant's own shm
                shm(int32_t(p.id))->refs++;
                a.object = newObject(ObjectType::Mem, ctx, 0, p.id);
                initRef(a.object, {HolderKind::QteeId, 0});
                get(a.object, {HolderKind::DriverCopy, r->client.v});
            }
        }
    }
    t.sendArg = int32_t(i) + 1;
    if (failure) {
        rollBackOutputs(*r);
        r->errno_ = err::kEINVAL;
        sendFinish(t, *r, err::kEINVAL);
        return;
    }
    size_t next = size_t(t.sendArg);
    while (next < r->args.size() && r->args[next].type != ArgType::OB &&
           r->args[next].type != ArgType::OO)
        ++next;
    // the last output converted: an input position after it missing from a
    // short SEND fails the conversion all the same (rolled back)
    if (next >= r->args.size() && pastShortSend(t.sc, r->args.size() - 1)) {
        rollBackOutputs(*r);
        r->errno_ = err::kEINVAL;
        sendFinish(t, *r, err::kEINVAL);
        return;
    }
    if (next >= r->args.size())
        sendFinish(t, *r, 0);
}

// A failed conversion rolls back the OOs converted so far: clear notify,
// put twice for CB objects (QTEE's copy and the driver's), once for a TEE
// object (spec §3.5 step 4).
void Engine::Ctx::rollBackOutputs(Request &r)
{
    for (Arg &a : r.args)
        if (a.type == ArgType::OO && a.object.valid()) {
            KObject *k = s.object(a.object);
            const bool cb = !k || k->type != ObjectType::TEE;
            if (k)
                k->notify = false;
            if (cb)
                put(a.object, {HolderKind::QteeId, 0});
            put(a.object, {HolderKind::DriverCopy, r.client.v});
            a.object = {};
        }
}

void Engine::Ctx::sendFinish(Thread &t, Request &r, int32_t ret)
{
    const ContextId ctx = fileCtx(t.file);
    if (ret != 0)
        r.errno_ = err::kEINVAL;
    else if (t.sc.ret != 0)
        r.errno_ = t.sc.ret;
    if (var.argument == ArgumentVariant::Srcu && t.sendReq.valid()) {
        srcuReadUnlock(t, ctx);
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

} // namespace tee
