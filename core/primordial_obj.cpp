// primordial_obj.c: the primordial object's dispatcher (spec §3.2), which
// serves QTEE's requests to the kernel itself (yield, MAP_REGION of memory
// objects, mem_obj.c: spec §2.3).
#include "engine_p.h"

namespace tee {

// The primordial object's dispatcher (spec §3.2, primordial_obj.c).
void Engine::Ctx::primordialDispatch(Thread &t)
{
    Oic &o = t.oic;
    // The dispatcher puts no input object but the memory object of a
    // MAP_REGION it serves: an IO passed with YIELD, SLEEP, a refused
    // MAP_REGION or an unknown op keeps the reference its parsing took (spec
    // §3.2, as for a memory object's dispatch, which is always -EINVAL).
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
    o.notifyFlag = o.errno_ == 0;
}

} // namespace tee
