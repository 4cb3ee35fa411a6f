// core.c: the invoke context (oic) after an SMC returns (spec §2.7, §3.1
// step 7): QTEE's reply, a callback request serviced by
// qcomtee_cb_object_invoke (spec §3.2) and the callback response SMC
// (spec §3.1 step 7.3, §3.6). Wire ids from QTEE become kernel objects here
// (qcomtee_object_qtee_init / qcomtee_local_object_get, spec §2.4).
#include "engine_p.h"

#include <algorithm>

namespace tee {

// Turns a wire id QTEE sent into a kernel object (qcomtee_object_qtee_init /
// qcomtee_local_object_get).
ObjectId Engine::Ctx::objectFromWire(Thread &t, uint32_t wire, Holder h, bool *ok)
{
    (void)t;
    *ok = true;
    if (wire == QCOMTEE_MSG_OBJECT_NULL)
        return {};
    // local_object_get: the primordial object, never counted (spec §2.1,
    // §3.2 step 2). It has no record here; the argument keeps its wire id
    // (Arg::wireId), which is how the dispatchers tell it from NULL.
    if (wire == QCOMTEE_OBJECT_PRIMORDIAL)
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
    QteeReply r = std::move(o.reply); // taken out: o.reply is reset below
    o.reply = QteeReply{};
    if (r.kind == QteeReply::Kind::Callback) {
        if (o.busy) {
            violation(15, Finding::CallbackWhileBusy).thread = t.id;
        }
        o.busy = true;
        Event &x = emit(EventKind::QteeCallback);
        x.thread = t.id;
        x.qteeId = r.cbTarget;
        x.op = r.cbOp;
        processAsync(t, r.asyncRelease); // fetched just before servicing (spec §2.9)
        o.reply = std::move(r);          // cbObjectInvoke reads the request
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
    o.reply = std::move(r);
    if (o.worker)
        finalWorker(t);
    else
        finalDirect(t);
}

// qcomtee_cb_object_invoke (spec §3.2)
void Engine::Ctx::cbObjectInvoke(Thread &t)
{
    Oic &o = t.oic;
    QteeReply r = std::move(o.reply); // taken out: o.reply is reset below
    o.reply = QteeReply{};
    // The IOs read into objects (step 3). Whatever way this returns, QTEE
    // takes back what it counted for the others (I5): none is read when the
    // callback is refused before its arguments (steps 1-2), for a RELEASE or
    // a RETAIN, and none after the one a parse fails at.
    struct Unread
    {
        const Environment &env;
        State &s;
        Thread &t;
        const QteeReply &r;
        size_t read = 0;
        ~Unread()
        {
            if (read < r.cbIo.size())
                env.qteeCallbackUnread(s, t, r, read);
        }
    } unread{e.m_env, s, t, r};
    o.cbOp = r.cbOp & 0xFFFF;
    o.u.clear();
    o.errno_ = 0;
    o.notifyFlag = false;
    o.object = {};
    o.objectRef = false;
    t.phase = Phase::CbRespond;
    const uint32_t id = r.cbTarget;
    if (id == QCOMTEE_MSG_OBJECT_NULL || !isCbId(id)) {
        // A real QTEE never does this (spec §8, contract for QTEE): a
        // scenario's QTEE named a callback it no longer holds, or a raw id.
        Event &x = note(Finding::QteeBadCallbackId);
        x.thread = t.id;
        x.qteeId = id;
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
        Event &g = gap(3, Finding::LocalObjectGetFailed);
        g.qteeId = id;
        g.object = obj;
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
        // §9 item 6: a RETAIN adds a reference but no id, and the first
        // RELEASE erases the id, so the retained reference can never be
        // released (a second RELEASE fails with -EINVAL).
        const KObject *k = s.object(obj);
        const auto retained =
            k ? std::count_if(k->holders.begin(), k->holders.end(),
                              [](const Holder &h) { return h.kind == HolderKind::Retain; })
              : 0;
        if (retained > 0 && var.gaps == GapsVariant::Fixed) {
            put(obj, {HolderKind::Retain, -1}); // balance: the id stays
            o.errno_ = 0;
            return;
        }
        if (retained > 0) {
            Event &g = gap(6, Finding::ReleaseWithRetain);
            g.value = int32_t(retained);
            g.object = obj;
            g.qteeId = id;
        }
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
    for (size_t i = 0; i < r.cbIo.size(); ++i) {
        const uint32_t wire = r.cbIo[i];
        bool ok = true;
        const ObjectId io = objectFromWire(t, wire, {HolderKind::CallbackArg, t.id.v}, &ok);
        if (!ok) {
            parsed = false;
            break;
        }
        o.u.push_back(Arg{ArgType::IO, 0, io, wire});
        unread.read = i + 1;
    }
    for (uint32_t i = 0; i < r.cbOo; ++i)
        o.u.push_back(Arg{ArgType::OO, 0, {}, 0});
    if (!parsed) {
        // §9 item 1: the cleanup loop walks the input buffers, not the objects
        if (var.gaps == GapsVariant::Faithful) {
            // It walks the IBs and puts what overlaps their address: the
            // IO objects resolved before the failing one keep their
            // reference. With none resolved and no IB it does nothing.
            const auto resolved = std::count_if(o.u.begin(), o.u.end(), [](const Arg &a) {
                return a.type == ArgType::IO && a.object.valid();
            });
            if (resolved > 0 || !r.cbIb.empty()) {
                Event &g = gap(1, Finding::ArgParseLeak);
                g.thread = t.id;
                g.value = int32_t(resolved);
                g.count = int32_t(r.cbIb.size());
            }
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

} // namespace tee
