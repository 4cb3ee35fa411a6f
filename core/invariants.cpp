// The invariants of spec §8 checked after every step (docs/model.md has the
// table). I1, I2, I4, I9, I11, I12, I15 and I6 at free time and on use
// are checked where they can break, in the flows themselves.
#include "engine_p.h"

namespace tee {

// Invariants of spec §8 checked after every step. I1, I2, I4, I9, I11, I12,
// I15 and I6 (at free time and on use) are checked where they can break, above.
void Engine::Ctx::checkInvariants(bool wasQuiescent)
{
    for (const Context &c : s.contexts) {
        // I8: reqs_list holds QUEUED/PROCESSING requests with the same id in reqs_idr
        for (int32_t rid : c.reqsList) {
            const Request *r = s.request(RequestId(rid));
            const bool ok = r && (r->state == ReqState::QUEUED || r->state == ReqState::PROCESSING);
            IdrEntry *en = r ? idrFind(const_cast<Context &>(c).reqsIdr, r->reqId) : nullptr;
            if (!ok || !en || en->ref != rid) {
                Event &x = violation(8, Finding::ReqsListBad);
                x.ctx = c.id;
                x.request = RequestId(rid);
            }
            // I7: nothing QUEUED after released
            if (r && c.released && r->state == ReqState::QUEUED) {
                Event &x = violation(7, Finding::QueuedAfterClose);
                x.ctx = c.id;
                x.request = r->id;
                x.reqId = r->reqId;
            }
        }
    }
    const bool nowQuiescent = quiescent(s);
    if (!nowQuiescent || (wasQuiescent && !syscallEntered))
        return;
    // Checked when the system becomes quiescent, and after a syscall that
    // returned within its step (a refused invocation can leak).
    // I3: a CB object's refcount is its QTEE-held ids plus unmatched RETAINs.
    // QTEE's copy that never got a callback id (the SMC that would have
    // carried it was never made: RETAIN or op bits above 16 refused after
    // conversion, spec §3.1) is held by no id: a leak. A TEE wrapper is held
    // by qtee_objects_idr entries only; anything else means it never reaches
    // its last put (I2).
    for (KObject &o : s.objects) {
        const bool tee = o.type == ObjectType::TEE;
        if (o.leakReported)
            continue;
        for (const Holder &h : o.holders)
            if (tee ? h.kind != HolderKind::CtxIdr
                    : (h.kind != HolderKind::QteeId && h.kind != HolderKind::Retain) ||
                          (h.kind == HolderKind::QteeId && h.arg() == 0)) {
                Event &x =
                    violation(tee ? 2 : 3, tee ? Finding::TeeRefLeak : Finding::CallbackRefLeak);
                x.object = o.id;
                x.holder = h.kind;
                x.holderArg = h.arg();
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
            Event &x = violation(5, Finding::WrapperCount);
            x.qteeId = q.qteeId;
            x.value = int32_t(wrappers);
            x.count = int32_t(q.kernelRefs);
        }
    }
}

} // namespace tee
