// async.c: asynchronous messages from QTEE piggy-backed on an SMC reply
// (spec §2.9): a RELEASE of QTEE's references to kernel objects.
#include "engine_p.h"

namespace tee {

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

} // namespace tee
