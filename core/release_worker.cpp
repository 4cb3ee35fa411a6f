// The release worker (qcomtee_wq, spec §2.8): a QTEE object whose last
// kernel reference is dropped is released to QTEE from a work item, with an
// SMC of its own; spec §9 item 5 for a RELEASE that fails.
#include "engine_p.h"

namespace tee {

// The release worker's RELEASE finished (spec §2.8).
void Engine::Ctx::finalWorker(Thread &t)
{
    Oic &o = t.oic;
    QteeReply r = std::move(o.reply); // taken out: o.reply is reset below
    o.reply = QteeReply{};
    const ObjectId obj = o.target;
    // async messages are read only when the SMC succeeded (spec §2.9)
    if (r.kind != QteeReply::Kind::SmcError)
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
        gap(5, Finding::ReleaseFailedShared).object = obj;
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

} // namespace tee
