// call.c: the ioctls as the engine runs them. A user-space step of a thread
// (userStep) enters TEE_IOC_OBJECT_INVOKE (spec §3.1 steps 1-6: argument
// conversion, the SMC; step 8: the result back to user space) or the
// supplicant ioctls (user_obj.cpp), and close_context / the file release
// (spec §3.7, §2.2). Error codes: spec §6.1.
#include "engine_p.h"

namespace tee {

// ---------------------------------------------------------------------------
void Engine::Ctx::userStep(Thread &t)
{
    // A thread woken in mutex_lock is inside its syscall: the signal is seen
    // later, at the next interruptible wait.
    if (t.fatalPending && !inMutexLock) {
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
        syscallEntered = true;
    }
    switch (t.sc.kind) {
    case SyscallKind::None:
        return;
    case SyscallKind::Exit:
        threadExit(t);
        return;
    case SyscallKind::Compute:
        cost = e.m_costs.userStep; // user-space work enters no kernel
        extraNs = addNs(extraNs, t.sc.computeNs);
        deliver(t);
        return;
    case SyscallKind::Kill:
        if (t.sc.process >= 0 && t.sc.process < int32_t(s.processes.size()))
            kill(ProcessId(t.sc.process));
        deliver(t);
        return;
    case SyscallKind::Open: {
        if (s.deviceRemoved) {
            // tee_device_unregister deleted the device node (cdev_device_del)
            t.res.errno_ = err::kENOENT;
            t.res.fd = err::kENOENT;
            deliver(t);
            return;
        }
        // tee_open -> teedev_open -> qcomtee_open (spec §2.2 step 1)
        Context c;
        c.id = ContextId(int32_t(s.contexts.size()));
        c.process = t.process;
        s.contexts.push_back(c);
        emit(EventKind::ContextOpened).ctx = c.id;
        ctxGet(c.id, {CtxHolderKind::File, -1});
        if (var.lifetime == LifetimeVariant::Kref)
            ctxGet(c.id, {CtxHolderKind::Context, -1}, true);
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
    case SyscallKind::RemoveDevice: {
        // Unbinding the driver runs qcomtee_remove in this thread (spec §2.8
        // Remove, §7 case 20): teedev_close_context on the driver context
        // (its qtee_objects_idr and reqs_list are empty; the context
        // reference probe's teedev_open took is dropped), then
        // tee_device_unregister: the device node goes, so no new open, and
        // the wait for every context to release its device reference. The
        // driver context only does so once every QTEE wrapper is freed (each
        // holds a reference on it), i.e. once every release ran.
        if (s.deviceRemoved) {
            t.res.errno_ = err::kENODEV; // no driver bound any more
            deliver(t);
            return;
        }
        s.deviceRemoved = true;
        const ContextId driver(0);
        // close_context sets released under reqs_lock, as for any context
        // (spec §3.7 step 1; nothing else ever takes the driver context's)
        lock(t, driver);
        Context &c = s.context(driver);
        c.released = true;
        c.closed = true;
        Event &x = emit(EventKind::ContextClosed);
        x.ctx = driver;
        x.thread = t.id;
        unlock(t, driver);
        ctxPut(driver, {CtxHolderKind::File, -1});
        t.phase = Phase::DeviceRemove;
        if (!allContextsReleased(s))
            block(t, BlockReason::NoUsers);
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
            // qcomtee_supp_recv parameter checks (spec §3.4 Input, §6.2):
            // the meta parameter must be there. Its address must be 8-byte
            // aligned; the model has no addresses (every buffer is aligned),
            // and the size may be any (the IBs' slots are rounded down).
            if (t.sc.numParams < 0) {
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
    // Step 2: reserved RELEASE: del_qtee_object, always 0 (§6.1), even for
    // an id that is not in the idr (§9 item 11; gaps=fixed: -EINVAL)
    if (sc.op == QCOMTEE_MSG_OBJECT_OP_RELEASE) {
        const bool known = sc.objectId <= uint64_t(INT32_MAX) &&
                           idrFind(s.context(ctx).qteeObjectsIdr, int32_t(sc.objectId));
        if (known) {
            delQteeObject(ctx, int32_t(sc.objectId));
        } else if (var.gaps == GapsVariant::Fixed) {
            invokeFail(t, err::kEINVAL);
            return;
        } else {
            Event &g = gap(11, Finding::ReleaseUnknownId);
            g.thread = t.id;
            g.ctx = ctx;
            g.value = sc.objectId <= uint64_t(INT32_MAX) ? int32_t(sc.objectId) : -1;
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
                              sc.ob.empty() && sc.io[0].converted() == ObjRefParam::Kind::Null;
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
    // Step 5: convert parameters (qcomtee_params_to_args)
    for (uint32_t size : sc.ib)
        o.args.push_back(Arg{ArgType::IB, size, {}, 0});
    for (uint32_t size : sc.ob)
        o.args.push_back(Arg{ArgType::OB, size, {}, 0});
    for (const ObjRefParam &p : sc.io) {
        Arg a{ArgType::IO, 0, {}, 0};
        const ObjRefParam::Kind kind = p.converted();
        if (kind == ObjRefParam::Kind::User) {
            // a new user object in this context: QTEE's copy + driver copy
            a.object = newUserObject(ctx, p.id, t.id);
        } else if (kind == ObjRefParam::Kind::Tee) {
            IdrEntry *en =
                p.id <= uint64_t(INT32_MAX) ? idrFind(c.qteeObjectsIdr, int32_t(p.id)) : nullptr;
            if (!en || !get(ObjectId(en->ref), {HolderKind::DriverCopy, t.id.v})) {
                undoConversion(t);
                return;
            }
            a.object = ObjectId(en->ref);
        } else if (kind == ObjRefParam::Kind::Mem) {
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
        } else if (kind == ObjRefParam::Kind::Unflagged) {
            // no recognised flag: -EINVAL (spec §3.1 step 5, §6.1)
            undoConversion(t);
            return;
        }
        o.args.push_back(a);
    }
    for (uint32_t i = 0; i < sc.oo; ++i)
        o.args.push_back(Arg{ArgType::OO, 0, {}, 0});
    // Step 6 (qcomtee_object_do_invoke): op bits above 16 or RETAIN give
    // -EINVAL after the conversion, and step 8's ret != 0 path puts each IO
    // once (the driver copy) with notify cleared: a user or memory object
    // made for an input keeps QTEE's copy, which QTEE never got (it leaks
    // and pins its context, as in the driver).
    if (sc.op > 0xFFFF || sc.op == QCOMTEE_MSG_OBJECT_OP_RETAIN) {
        invokeFailed(t, err::kEINVAL);
        return;
    }
    // Step 7.1: qcomtee_msg_buffers_alloc (spec §2.7, I18). The inbound
    // message is its 12-byte header and 8 bytes per argument, aligned to 8,
    // then each IB and OB payload aligned to 8: over 4 MiB is -EINVAL. The
    // QTEE copies of the CB inputs are dropped; step 8 puts the driver
    // copies with notify cleared, so nothing leaks and nothing is notified.
    const auto align8 = [](uint64_t n) { return (n + 7) & ~uint64_t(7); };
    uint64_t inbound = align8(12 + 8 * uint64_t(total));
    for (uint32_t size : sc.ib)
        inbound += align8(size);
    for (uint32_t size : sc.ob)
        inbound += align8(size);
    if (inbound > kMaxInboundBytes) {
        qteeObjectsPut(t); // (no xa id given yet)
        invokeFailed(t, err::kEINVAL);
        return;
    }
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
    // Step 7.3.5: SHARED once an SMC went through (a transport failure of
    // this first one leaves it clear: step 7.3.4)
    if (t.oic.reply.kind != QteeReply::Kind::SmcError)
        t.oic.shared = true;
    t.phase = Phase::InvokeReply;
}

// qcomtee_qtee_objects_put (spec §2.3): the invocation failed before its
// first SMC went through, so QTEE never owned its callback inputs; their
// QTEE copies are dropped as QTEE would have dropped them. An xa id that
// prepare_msg already gave one is not erased (spec §9 item 3): it outlives
// the copy, and names a freed object once the driver copy goes (I4).
// gaps=fixed erases it.
void Engine::Ctx::qteeObjectsPut(Thread &t)
{
    for (const Arg &a : t.oic.args) {
        if (a.type != ArgType::IO || !a.object.valid() ||
            s.object(a.object)->type == ObjectType::TEE)
            continue;
        if (a.wireId != 0 && var.gaps == GapsVariant::Fixed) {
            xaErase(a.wireId);
        } else if (a.wireId != 0) {
            Event &g = gap(3, Finding::XaIdLeft);
            g.thread = t.id;
            g.qteeId = a.wireId;
            g.object = a.object;
        }
        put(a.object, {HolderKind::QteeId, int32_t(a.wireId)});
    }
}

// Step 8's ret != 0 path of a direct invocation whose inputs were
// converted: each IO put once (the driver copy) with notify cleared, the
// target put, the ioctl fails with `errno_`.
void Engine::Ctx::invokeFailed(Thread &t, int32_t errno_)
{
    Oic &o = t.oic;
    for (Arg &a : o.args)
        if (a.type == ArgType::IO && a.object.valid()) {
            if (KObject *k = s.object(a.object))
                k->notify = false;
            put(a.object, {HolderKind::DriverCopy, t.id.v});
        }
    if (o.target.valid())
        put(o.target, {HolderKind::InvokeTarget, t.id.v});
    invokeFail(t, errno_);
}

// The final result of a direct invocation (spec §3.1 steps 7.3.6, 7.4, 8).
void Engine::Ctx::finalDirect(Thread &t)
{
    Oic &o = t.oic;
    QteeReply r = std::move(o.reply); // taken out: o.reply is reset below
    o.reply = QteeReply{};
    const ContextId ctx = o.ctx;
    int32_t result = r.result;
    std::vector<ObjectId> outs;
    if (r.kind == QteeReply::Kind::SmcError) {
        // Step 7.3.4. SHARED set (a later SMC failed): -ENODEV. Not set (the
        // first SMC failed, QTEE never saw the message): QTEE's copies of
        // the callback inputs are dropped and the SCM error is returned.
        if (o.shared) {
            invokeFailed(t, err::kENODEV);
            return;
        }
        qteeObjectsPut(t);
        invokeFailed(t, r.result);
        return;
    }
    if (result == 0) {
        // qcomtee_update_args: the OB sizes as QTEE reports them, then OO ids
        // become objects. The direct path does not check that an OB shrank
        // (spec §9 item 9; the callback path does, §3.5): flagged, and with
        // gaps=fixed a parsing failure (UNAVAIL, every OO put).
        bool ok = true;
        size_t b = 0;
        for (const Arg &a : o.args) {
            if (a.type != ArgType::OB)
                continue;
            const size_t i = b++;
            if (i >= r.outOb.size() || r.outOb[i] <= a.size)
                continue;
            if (var.gaps == GapsVariant::Fixed) {
                ok = false;
                continue;
            }
            Event &g = gap(9, Finding::ObSizeGrew);
            g.thread = t.id;
            g.value = int32_t(std::min<uint32_t>(r.outOb[i], INT32_MAX));
            g.count = int32_t(std::min<uint32_t>(a.size, INT32_MAX));
        }
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
        // qcomtee_params_from_args (spec §3.1 step 8): IOs put, OOs
        // converted in order; at the first OO that fails, the idr
        // insertions made so far are undone, the OOs not processed are put
        // and the result is UNAVAIL.
        std::vector<int32_t> inserted; // idr ids given to TEE outputs so far
        bool failed = false;
        // -EINVAL: result UNAVAIL, the idr insertions so far undone
        const auto fail = [&] {
            t.res.outObjects.push_back(-1);
            result = qres::UNAVAIL;
            failed = true;
            for (const int32_t id : inserted)
                delQteeObject(ctx, id);
            inserted.clear();
        };
        for (Arg &a : o.args) {
            if (a.type == ArgType::IO && a.object.valid())
                put(a.object, {HolderKind::DriverCopy, t.id.v});
            if (a.type != ArgType::OO)
                continue;
            // The primordial object (a static CB object, spec §2.3) is
            // neither a user nor a memory object: "ROOT or an unknown CB
            // type gives -EINVAL" (step 8), the conversion fails. It has no
            // record; its wire id tells it from NULL.
            const bool primordial = !a.object.valid() && a.wireId == QCOMTEE_OBJECT_PRIMORDIAL;
            if (primordial && !failed) {
                fail();
                continue;
            }
            if (!a.object.valid()) {
                t.res.outObjects.push_back(-1);
                continue;
            }
            KObject *k = s.object(a.object);
            if (failed) {
                put(a.object, {HolderKind::Caller, t.id.v}); // not processed
                t.res.outObjects.push_back(-1);
            } else if (k->type == ObjectType::TEE) {
                Context &c = s.context(ctx);
                const int32_t id = idrLowestFree(c.qteeObjectsIdr);
                idrInsert(c.qteeObjectsIdr, IdrEntry{id, a.object.v});
                Event &x = emit(EventKind::IdrAdd);
                x.ctx = ctx;
                x.reqId = id;
                x.object = a.object;
                transfer(a.object, {HolderKind::Caller, t.id.v}, {HolderKind::CtxIdr, ctx.v, id});
                t.res.outObjects.push_back(id);
                inserted.push_back(id);
            } else if ((k->type == ObjectType::User || k->type == ObjectType::Mem) &&
                       k->owner == ctx) {
                // this context's user object (its id, USER flag) or memory
                // object (its shm's id, MEM flag), and put
                t.res.outObjects.push_back(int64_t(k->userObjectId));
                put(a.object, {HolderKind::Caller, t.id.v});
            } else {
                // another context's object: -EINVAL -> UNAVAIL
                put(a.object, {HolderKind::Caller, t.id.v});
                fail();
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
        if (queued) {
            requestNeverDelivered(RequestId(rid));
            r = s.request(RequestId(rid)); // (a put may have queued a notification)
        }
        setState(*r, ReqState::PROCESSED, err::kENODEV); // T6
        complete(*r, err::kENODEV);
    }
    unlock(t, ctx);
    t.phase = Phase::CloseObjects;
}

void Engine::Ctx::closeObjects(Thread &t)
{
    const ContextId ctx = t.closing;
    // one put per QTEE object in qtee_objects_idr (spec §3.7 step 3). In the
    // driver the stale entries stay until the idr is destroyed (§7 case 9);
    // no ioctl can run on a released file, so nothing reads them again, and
    // the model drops them here without an idr event (States that differ
    // only in them are one state for exploration).
    const std::vector<IdrEntry> idr = s.context(ctx).qteeObjectsIdr;
    for (const IdrEntry &en : idr)
        put(ObjectId(en.ref), {HolderKind::CtxIdr, ctx.v, en.id});
    s.context(ctx).qteeObjectsIdr.clear();
    if (var.lifetime == LifetimeVariant::None)
        freeData(ctx); // deliberately unsafe: context data freed at close
    // teedev_close_context drops the file's ref. (lifetime=kref: the data's
    // own first reference goes when the tee_context is released, maybeFree)
    ctxPut(ctx, {CtxHolderKind::File, -1});
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

void Engine::Ctx::exitFiles(Thread &t, bool atExit)
{
    Process &p = s.processes[size_t(t.process.v)];
    for (size_t i = 0; i < p.fds.size(); ++i) {
        if (p.fds[i] < 0)
            continue;
        const int32_t f = p.fds[i];
        p.fds[i] = -1;
        Event &x = note(Finding::ExitFilesDrop);
        x.thread = t.id;
        x.ctx = s.files[size_t(f)].ctx;
        x.value = int32_t(i) + kFirstFd;
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
    if (!atExit) // do_exit is over: the thread is gone now
        emit(EventKind::ThreadExit).thread = t.id;
}

} // namespace tee
