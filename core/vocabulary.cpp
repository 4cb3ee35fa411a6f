#include "core/vocabulary.h"

#include "core/engine.h"

#include <array>

namespace tee::vocab {

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

std::string num(int64_t v)
{
    return std::to_string(v);
}

// "RELEASE"/"RETAIN" for the reserved ops, the number otherwise.
std::string opWord(uint32_t op)
{
    if (op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
        return "RELEASE";
    if (op == QCOMTEE_MSG_OBJECT_OP_RETAIN)
        return "RETAIN";
    return std::to_string(op);
}

std::string plural(int64_t n, const char *one, const char *many)
{
    return num(n) + " " + (n == 1 ? one : many);
}

// The request an event names, with its context and reqs_idr id.
std::string reqOf(const Event &e)
{
    return request(e.request, e.ctx, e.reqId);
}

} // namespace

// -- entities ----------------------------------------------------------------

std::string ctx(ContextId c)
{
    return c.valid() ? "ctx" + num(c.v) : std::string("ctx?");
}

std::string object(ObjectId o)
{
    return o.valid() ? "obj" + num(o.v) : std::string("obj?");
}

std::string objref(uint64_t userId)
{
    if (userId == TEE_OBJREF_NULL)
        return "ROOT";
    return "objref " + std::to_string(userId);
}

std::string request(RequestId r)
{
    return r.valid() ? "req#" + num(r.v) : std::string("req?");
}

std::string request(RequestId r, ContextId c, int32_t reqId)
{
    std::string where;
    if (c.valid())
        where = ctx(c);
    if (reqId >= 0)
        where += (where.empty() ? "id " : " id ") + num(reqId);
    if (!r.valid())
        return where.empty() ? std::string("req?") : where;
    return where.empty() ? request(r) : request(r) + " (" + where + ")";
}

std::string qteeId(uint32_t id)
{
    if (id == QCOMTEE_MSG_OBJECT_ROOT)
        return "ROOT";
    if (id == QCOMTEE_MSG_OBJECT_NULL)
        return "NULL";
    return hex(id);
}

std::string op(uint32_t o)
{
    return "op " + opWord(o);
}

std::string arg(int64_t index)
{
    return "arg " + num(index);
}

std::string errnoText(int32_t e)
{
    return signedErrnoName(e);
}

std::string steps(uint64_t n)
{
    return std::to_string(n) + (n == 1 ? " step" : " steps");
}

std::string reqState(ReqState s)
{
    return reqStateName(s);
}

std::string reqStateMeaning(ReqState s)
{
    switch (s) {
    case ReqState::New:
        return "allocated (state 0, no name in the driver), not yet in reqs_idr or on "
               "reqs_list (spec §2.5)";
    case ReqState::QUEUED:
        return "in reqs_idr and on reqs_list, waiting for a supplicant's RECV (T1)";
    case ReqState::PROCESSING:
        return "handed to a supplicant by RECV (T2), still on reqs_list until SEND (T5), a "
               "marshalling failure (T3), RECV's removal of a RELEASE notification (T4), "
               "close_context (T6) or its client's kill (T8)";
    case ReqState::PROCESSED:
        return "off reqs_list with its id freed in reqs_idr, its errno set and its "
               "completion fired: answered by SEND (T5), failed marshalling (T3) or destroyed "
               "by close_context with -ENODEV (T6); its client's dispatch frees it (T10), "
               "also when a kill finds it done (T11)";
    case ReqState::Placeholder:
        return "its client was killed while a supplicant worked on it: empty_ureq keeps "
               "the id reserved in reqs_idr (T8) until a SEND for it (T9) or the idr's "
               "destruction";
    case ReqState::Removed:
        return "off reqs_list and out of reqs_idr: dequeued by a killed client (T7), a "
               "RELEASE notification delivered (T4) or destroyed (T6), or a placeholder "
               "cleared by SEND (T9) or with reqs_idr at qcomtee_release";
    }
    return {};
}

std::string objectKind(ObjectType t)
{
    return objectTypeName(t);
}

std::string objectWhat(ObjectType t, uint32_t qtee, uint64_t userObjectId)
{
    switch (t) {
    case ObjectType::TEE:
        return "TEE " + hex(qtee);
    case ObjectType::User:
        return "USER " + objref(userObjectId);
    case ObjectType::Mem:
        return "MEM shm " + std::to_string(userObjectId);
    }
    return "?";
}

std::string wait(BlockReason r)
{
    switch (r) {
    case BlockReason::None:
        return "nothing";
    case BlockReason::Completion:
        return "completion (killable)";
    case BlockReason::ReqC:
        return "req_c (interruptible)";
    case BlockReason::Srcu:
        return "synchronize_srcu";
    case BlockReason::Lock:
        return "reqs_lock";
    case BlockReason::NoUsers:
        return "every context released (tee_device_unregister, uninterruptible)";
    case BlockReason::UserWait:
        return "a wait step in user space";
    }
    return "reason " + num(int(r));
}

// What a Blocked or Woken event waits on: a req_c names its context (model
// version 5; older captures' events have none).
std::string waitOn(const Event &e)
{
    if (e.value == int32_t(BlockReason::ReqC) && e.ctx.valid())
        return "req_c of " + ctx(e.ctx) + " (interruptible)";
    return wait(BlockReason(e.value));
}

std::string syscall(SyscallKind k)
{
    switch (k) {
    case SyscallKind::None:
        return "nothing";
    case SyscallKind::Open:
        return "open /dev/tee";
    case SyscallKind::Close:
        return "close";
    case SyscallKind::Invoke:
        return "OBJECT_INVOKE";
    case SyscallKind::SupplRecv:
        return "SUPPL_RECV";
    case SyscallKind::SupplSend:
        return "SUPPL_SEND";
    case SyscallKind::ShmAlloc:
        return "SHM_ALLOC";
    case SyscallKind::Kill:
        return "kill";
    case SyscallKind::Compute:
        return "compute";
    case SyscallKind::Exit:
        return "exit";
    case SyscallKind::RemoveDevice:
        return "remove device";
    }
    return "syscall " + num(int(k));
}

std::string thread(const Environment &env, ThreadId t)
{
    return t.valid() ? env.threadName(t) : std::string("?");
}

std::string process(const Environment &env, ProcessId p)
{
    return p.valid() ? env.processName(p) : std::string("?");
}

const char *objectRefChange(bool get, int64_t after)
{
    return !get ? "put by " : after == 1 ? "kref_init, held by " : "get by ";
}

std::string holder(const Environment &env, HolderKind k, int64_t a, int32_t idrId)
{
    const auto by = [&](const char *what) {
        return a >= 0 ? std::string(what) + " (" + thread(env, ThreadId(int32_t(a))) + ")"
                      : std::string(what);
    };
    switch (k) {
    case HolderKind::CtxIdr:
        return (a >= 0 ? "qtee_objects_idr of " + ctx(ContextId(int32_t(a)))
                       : std::string("qtee_objects_idr")) +
               (idrId >= 0 ? " (" + objref(uint64_t(idrId)) + ")" : std::string());
    case HolderKind::QteeId:
        // QTEE's copy exists before qcomtee_prepare_msg gives it an id
        return a > 0 ? "QTEE cb " + hex(uint32_t(a))
                     : std::string("QTEE (cb id not yet allocated)");
    case HolderKind::Retain:
        return "RETAIN by QTEE";
    case HolderKind::DriverCopy:
        return by("driver copy");
    case HolderKind::InvokeTarget:
        return by("invoke target");
    case HolderKind::OicObject:
        return by("oic->object");
    case HolderKind::CallbackArg:
        return by("callback IO");
    case HolderKind::Caller:
        return by("caller");
    case HolderKind::SupplRecv:
        return by("supplicant RECV");
    }
    return "holder " + num(int(k));
}

std::string ctxHolder(const Environment &env, CtxHolderKind k, int64_t a)
{
    switch (k) {
    case CtxHolderKind::File:
        return "file";
    case CtxHolderKind::UserObject:
        return a >= 0 ? "user " + object(ObjectId(int32_t(a))) : std::string("user object");
    case CtxHolderKind::QteeObject:
        return a >= 0 ? "QTEE " + object(ObjectId(int32_t(a))) : std::string("QTEE object");
    case CtxHolderKind::Ioctl:
        return a >= 0 ? "ioctl (" + thread(env, ThreadId(int32_t(a))) + ")" : std::string("ioctl");
    case CtxHolderKind::Shm:
        return a >= 0 ? "tee_shm " + num(a) : std::string("tee_shm");
    case CtxHolderKind::Context:
        return "the context";
    }
    return "holder " + num(int(k));
}

// -- actions -------------------------------------------------------------------

std::string label(const Environment &env, const ActionInfo &a)
{
    if (a.verb == Verb::Kill)
        return "kill " + process(env, a.process);
    const std::string who = thread(env, a.thread) + ": ";
    switch (a.verb) {
    case Verb::Kill:
        break;
    case Verb::LockWait:
        return who + "wait reqs_lock of " + ctx(a.ctx) + " (held by " + thread(env, a.peer) + ")";
    case Verb::ExitKilled:
        return who + "exit (killed)";
    case Verb::Open:
        return who + "open /dev/tee";
    case Verb::Close:
        return who + "close fd " + num(a.fd);
    case Verb::Invoke:
    case Verb::InvokeRelease:
        return who + "OBJECT_INVOKE " + objref(a.userId) + " " + op(a.op);
    case Verb::SupplRecv:
        return who + "SUPPL_RECV";
    case Verb::SupplSend:
        return who + "SUPPL_SEND id " + num(a.reqId) + " ret " + errnoText(a.errno_);
    case Verb::ShmAlloc:
        return who + "SHM_ALLOC " + num(a.amount) + " bytes";
    case Verb::KillSyscall:
        return who + "kill " + process(env, a.process);
    case Verb::Compute:
        return who + "compute " + num(a.amount) + " ns";
    case Verb::Exit:
        return who + "exit";
    case Verb::Idle:
        return who + "idle";
    case Verb::QteeCallback:
        return who + "QTEE callback " + hex(a.qteeId) + " " + op(a.op);
    case Verb::SmcFailed:
        return who + "SMC failed " + errnoText(a.errno_);
    case Verb::QteeReturns:
        return who + "QTEE returns " + num(a.value);
    case Verb::DispatchKilled:
        return who + "dispatch killed (" + request(a.request) + " " +
               (a.request.valid() ? reqState(a.state) : std::string("?")) + ")";
    case Verb::DispatchWoken:
        return who + "dispatch woken (" + request(a.request) + " PROCESSED)";
    case Verb::DispatchSignalled:
        return who + "dispatch interrupted by SIGKILL (" + request(a.request) + ")";
    case Verb::SynchronizeSrcu:
        return who + "synchronize_srcu";
    case Verb::CallbackResponse:
        return who + "callback response " + errnoText(a.errno_);
    case Verb::RecvSelect:
        return who + "SUPPL_RECV select";
    case Verb::RecvWoken:
        return who + "SUPPL_RECV woken by req_c";
    case Verb::RecvInterrupted:
        return who + "SUPPL_RECV interrupted";
    case Verb::RecvMarshal:
        return who + "RECV marshal " + arg(a.value) + " of " + request(a.request) + " (" +
               plural(a.argc, "arg", "args") + ")";
    case Verb::RecvRelock:
        return who + "RECV relock: free RELEASE notification " + request(a.request);
    case Verb::SendUnmarshal:
        return who + "SEND unmarshal output of " + request(a.request);
    case Verb::CloseContext:
        return who + "close_context " + ctx(a.ctx);
    case Verb::CloseObjects:
        return who + "close_context " + ctx(a.ctx) + ": put QTEE objects";
    case Verb::ExitFiles:
        return who + "exit_files";
    case Verb::WorkerRelease:
        return who + "release " + object(a.object) + " (QTEE " + hex(a.qteeId) + ")";
    case Verb::RemoveDevice:
        return who + "remove device (qcomtee_remove)";
    case Verb::DeviceUnregistered:
        return who + "tee_device_unregister returns";
    case Verb::Exited:
        return who + "exited";
    case Verb::Count_:
        break;
    }
    return who + "?";
}

std::string legacyLabel(const Environment &env, const ActionInfo &a)
{
    // Frozen: the exact strings of Engine::label up to 4dd02c0 (model
    // versions 1 and 2). Never change them; change label() instead.
    if (a.verb == Verb::Kill)
        return "kill " + env.processName(a.process);
    const std::string who = env.threadName(a.thread) + ": ";
    const std::string req = "req " + num(a.request.valid() ? a.reqId : -1);
    switch (a.verb) {
    case Verb::Kill:
        break;
    case Verb::LockWait:
        return who + "wait reqs_lock of ctx " + num(a.ctx.v) + " (held by " +
               env.threadName(a.peer) + ")";
    case Verb::ExitKilled:
        return who + "exit (killed)";
    case Verb::Open:
        return who + "open /dev/tee";
    case Verb::Close:
        return who + "close fd " + num(a.fd);
    case Verb::InvokeRelease:
        return who + "OBJECT_INVOKE release obj " + num(int64_t(a.userId));
    case Verb::Invoke:
        return who + "OBJECT_INVOKE " +
               (a.userId == TEE_OBJREF_NULL ? std::string("ROOT")
                                            : "obj " + num(int64_t(a.userId))) +
               " op " + opWord(a.op);
    case Verb::SupplRecv:
        return who + "SUPPL_RECV";
    case Verb::SupplSend:
        return who + "SUPPL_SEND req " + num(a.reqId) + " ret " + signedErrnoName(a.errno_);
    case Verb::ShmAlloc:
        return who + "SHM_ALLOC " + num(a.amount) + " bytes";
    case Verb::KillSyscall:
        return who + "kill " + env.processName(a.process);
    case Verb::Compute:
        return who + "compute " + num(a.amount) + " ns";
    case Verb::Exit:
        return who + "exit";
    case Verb::Idle:
        return who + "idle";
    case Verb::QteeCallback:
        return who + "QTEE callback " + hex(a.qteeId) + " op " + opWord(a.op);
    case Verb::SmcFailed:
        return who + "SMC failed " + signedErrnoName(a.errno_);
    case Verb::QteeReturns:
        return who + "QTEE returns " + num(a.value);
    case Verb::DispatchKilled:
        return who + "dispatch killed (" + req + " " +
               (a.request.valid() ? reqStateName(a.state) : "?") + ")";
    case Verb::DispatchWoken:
        return who + "dispatch woken (" + req + " PROCESSED)";
    case Verb::DispatchSignalled:
        return who + "dispatch interrupted by SIGKILL (" + req + ")";
    case Verb::SynchronizeSrcu:
        return who + "synchronize_srcu";
    case Verb::CallbackResponse:
        return who + "callback response " + signedErrnoName(a.errno_);
    case Verb::RecvSelect:
        return who + "SUPPL_RECV select";
    case Verb::RecvWoken:
        return who + "SUPPL_RECV woken by req_c";
    case Verb::RecvInterrupted:
        return who + "SUPPL_RECV interrupted";
    case Verb::RecvMarshal:
        return who + "RECV marshal arg " + num(int64_t(a.value) + 1) + "/" + num(a.argc) + " of " +
               req;
    case Verb::RecvRelock:
        return who + "RECV relock: free RELEASE notification " + req;
    case Verb::SendUnmarshal:
        return who + "SEND unmarshal output of " + req;
    case Verb::CloseContext:
        return who + "close_context ctx " + num(a.ctx.v);
    case Verb::CloseObjects:
        return who + "close_context ctx " + num(a.ctx.v) + ": put QTEE objects";
    case Verb::ExitFiles:
        return who + "exit_files";
    case Verb::WorkerRelease:
        return who + "release obj " + num(a.object.v) + " (QTEE " + hex(a.qteeId) + ")";
    case Verb::RemoveDevice:
        return who + "remove device (qcomtee_remove)";
    case Verb::DeviceUnregistered:
        return who + "tee_device_unregister returns";
    case Verb::Exited:
        return who + "exited";
    case Verb::Count_:
        break;
    }
    return who + "?";
}

namespace {
constexpr std::array<const char *, size_t(Verb::Count_)> kVerbNames = {
    "kill",
    "lock_wait",
    "exit_killed",
    "open",
    "close",
    "invoke",
    "invoke_release",
    "suppl_recv",
    "suppl_send",
    "shm_alloc",
    "kill_syscall",
    "compute",
    "exit",
    "idle",
    "qtee_callback",
    "smc_failed",
    "qtee_returns",
    "dispatch_killed",
    "dispatch_woken",
    "dispatch_signalled",
    "synchronize_srcu",
    "callback_response",
    "recv_select",
    "recv_woken",
    "recv_interrupted",
    "recv_marshal",
    "recv_relock",
    "send_unmarshal",
    "close_context",
    "close_objects",
    "exit_files",
    "worker_release",
    "remove_device",
    "device_unregistered",
    "exited",
};
} // namespace

const char *verbName(Verb v)
{
    const size_t i = size_t(v);
    return i < kVerbNames.size() ? kVerbNames[i] : "unknown";
}

bool parseVerb(std::string_view name, Verb &out)
{
    for (size_t i = 0; i < kVerbNames.size(); ++i)
        if (name == kVerbNames[i]) {
            out = Verb(i);
            return true;
        }
    return false;
}

// -- waits ---------------------------------------------------------------------

std::string variables(const std::string &names)
{
    if (names.empty())
        return {};
    return (names.find(',') == std::string::npos ? "variable " : "variables ") + names;
}

std::string userWaitWhat(const Environment &env, ThreadId t, int32_t pc)
{
    const std::string names = env.waitVariables(t, pc);
    return names.empty() ? std::string("its wait step") : variables(names);
}

std::string waitText(const Environment &env, const WaitInfo &w)
{
    const std::string who = thread(env, w.thread);
    switch (w.kind) {
    case WaitInfo::Kind::Lock:
        return who + (w.killed ? " (killed)" : "") + " waits for reqs_lock of " + ctx(w.ctx) +
               " held by " + thread(env, w.peer);
    case WaitInfo::Kind::Completion:
        return who + " waits (killable) for " + request(w.request, w.ctx, w.reqId) + " (" +
               (w.request.valid() ? reqState(w.state) : std::string("?")) + ")";
    case WaitInfo::Kind::Srcu:
        return who + " waits in synchronize_srcu";
    case WaitInfo::Kind::ReqC:
        return who + " waits in SUPPL_RECV on req_c of " + ctx(w.ctx);
    case WaitInfo::Kind::Idle:
        return who + " is idle";
    case WaitInfo::Kind::Done:
        return who + " has nothing more to do";
    case WaitInfo::Kind::Exited:
        return who + " has exited";
    case WaitInfo::Kind::InKernel:
        return who + " is in " + phaseName(w.phase);
    case WaitInfo::Kind::NoUsers:
        return who + " waits in tee_device_unregister until every context is released "
                     "(uninterruptible)";
    case WaitInfo::Kind::UserWait:
        return who + " waits in user space for " + w.what + " (no thread of its process set it)";
    }
    return who + " ?";
}

// -- findings ------------------------------------------------------------------

namespace {
constexpr std::array<const char *, size_t(Finding::Count_)> kFindingNames = {
    "none",
    "ctx_put_no_ref",
    "ctx_get_freed",
    "obj_put_freed",
    "obj_put_no_ref",
    "tee_ref_leak",
    "callback_ref_leak",
    "xa_freed_object",
    "wrapper_count",
    "data_freed_user_alive",
    "data_freed_shm_alive",
    "dispatch_after_free",
    "notify_after_free",
    "lock_after_free",
    "queued_after_close",
    "reqs_list_bad",
    "not_fifo",
    "send_retired_notification",
    "send_retired_answered",
    "send_notification",
    "send_answered",
    "send_not_delivered",
    "send_not_given",
    "arg_read_after_free",
    "arg_write_after_free",
    "request_ended_twice",
    "callback_while_busy",
    "arg_parse_leak",
    "io_object_leak_queued",
    "io_object_leak_unqueued",
    "local_object_get_failed",
    "xa_id_left",
    "send_too_few_params",
    "release_failed_shared",
    "release_with_retain",
    "ob_size_grew",
    "notify_self_deadlock",
    "release_unknown_id",
    "early_notification_send",
    "relock_removes_other",
    "exit_files_drop",
    "qtee_bad_callback_id",
    "spurious_wakeup",
    "shm_freed",
    "notification_dropped",
};
} // namespace

std::pair<int, int> findingOwner(Finding f)
{
    switch (f) {
    case Finding::ArgParseLeak:
        return {0, 1};
    case Finding::IoObjectLeakQueued:
    case Finding::IoObjectLeakUnqueued:
        return {0, 2};
    case Finding::LocalObjectGetFailed:
    case Finding::XaIdLeft:
        return {0, 3};
    case Finding::SendTooFewParams:
        return {0, 4};
    case Finding::ReleaseFailedShared:
        return {0, 5};
    case Finding::ReleaseWithRetain:
        return {0, 6};
    case Finding::NotifySelfDeadlock:
        return {0, 8};
    case Finding::ObSizeGrew:
        return {0, 9};
    case Finding::ReleaseUnknownId:
        return {0, 11};
    case Finding::EarlyNotificationSend:
    case Finding::RelockRemovesOther:
        return {0, 12};
    case Finding::CtxPutNoRef:
    case Finding::CtxGetFreed:
    case Finding::ObjPutFreed:
    case Finding::ObjPutNoRef:
        return {1, 0};
    case Finding::TeeRefLeak:
        return {2, 0};
    case Finding::CallbackRefLeak:
        return {3, 0};
    case Finding::XaFreedObject:
        return {4, 0};
    case Finding::WrapperCount:
        return {5, 0};
    case Finding::DataFreedUserAlive:
    case Finding::DataFreedShmAlive:
    case Finding::DispatchAfterFree:
    case Finding::NotifyAfterFree:
    case Finding::LockAfterFree:
        return {6, 0};
    case Finding::QueuedAfterClose:
        return {7, 0};
    case Finding::ReqsListBad:
        return {8, 0};
    case Finding::NotFifo:
        return {9, 0};
    case Finding::SendRetiredNotification:
    case Finding::SendRetiredAnswered:
    case Finding::SendNotification:
    case Finding::SendAnswered:
    case Finding::SendNotDelivered:
    case Finding::SendNotGiven:
        return {11, 0};
    case Finding::ArgReadAfterFree:
    case Finding::ArgWriteAfterFree:
        return {12, 0};
    case Finding::RequestEndedTwice:
        return {13, 0};
    case Finding::CallbackWhileBusy:
        return {15, 0};
    default:
        return {0, 0};
    }
}

const char *findingName(Finding f)
{
    const size_t i = size_t(f);
    return i < kFindingNames.size() ? kFindingNames[i] : "unknown";
}

bool parseFinding(std::string_view name, Finding &out)
{
    // (its name before model version 16, which said the opposite)
    if (name == "send_too_many_params") {
        out = Finding::SendTooFewParams;
        return true;
    }
    for (size_t i = 0; i < kFindingNames.size(); ++i)
        if (name == kFindingNames[i]) {
            out = Finding(i);
            return true;
        }
    return false;
}

std::string findingText(const Environment &env, const Event &e)
{
    const std::string who = thread(env, e.thread);
    const std::string obj = object(e.object);
    const std::string c = ctx(e.ctx);
    switch (e.finding) {
    case Finding::None:
    case Finding::Count_:
        break;
    case Finding::CtxPutNoRef:
        return c + " reference dropped by a holder that has none (" +
               ctxHolder(env, e.ctxHolder, e.holderArg) + ")";
    case Finding::CtxGetFreed:
        return c + " reference taken by " + ctxHolder(env, e.ctxHolder, e.holderArg) +
               " after the context was released (its kref was 0): use after free";
    case Finding::ObjPutFreed:
        return "put of " + obj + " that was already freed (by " +
               holder(env, e.holder, e.holderArg) + ")";
    case Finding::ObjPutNoRef:
        return "put of " + obj + " by " + holder(env, e.holder, e.holderArg) +
               ", which holds no reference: the refcount would go wrong";
    case Finding::TeeRefLeak:
        return "QTEE object wrapper " + obj + " still has a reference held by " +
               holder(env, e.holder, e.holderArg) + " with no invocation in flight (leak)";
    case Finding::CallbackRefLeak:
        return "callback object " + obj + " still has a reference held by " +
               holder(env, e.holder, e.holderArg) + " with no invocation in flight (leak)";
    case Finding::XaFreedObject:
        return "callback id " + hex(e.qteeId) + " in xa_local_objects points at freed " + obj;
    case Finding::WrapperCount:
        return "QTEE object " + hex(e.qteeId) + " has " +
               plural(e.value, "kernel wrapper", "kernel wrappers") + " but QTEE counts " +
               plural(e.count, "reference", "references");
    case Finding::DataFreedUserAlive:
        return "context data of " + c + " freed while user " + obj +
               " created in it is still alive (refcount " + num(e.refcount) +
               "); QTEE can still call it";
    case Finding::DataFreedShmAlive:
        return "context data of " + c + " freed while tee_shm " + num(e.value) +
               " allocated in it is still alive";
    case Finding::DispatchAfterFree:
        return "dispatch to user " + obj + ": context data of " + c + " used after it was freed";
    case Finding::NotifyAfterFree:
        return "RELEASE notification for user " + obj + ": context data of " + c +
               " used after it was freed";
    case Finding::LockAfterFree:
        return who + " takes reqs_lock of " + c + ": context data used after it was freed";
    case Finding::QueuedAfterClose:
        return reqOf(e) + " is QUEUED after close_context ran on " + c;
    case Finding::ReqsListBad:
        return "reqs_list of " + c + " holds " + request(e.request) +
               ", which is not QUEUED/PROCESSING or not in reqs_idr";
    case Finding::NotFifo:
        return "RECV by " + who + " picked " + reqOf(e) + " although " + request(e.other) +
               (e.count >= 0 ? " (id " + num(e.count) + ")" : std::string()) +
               " was queued before it (not FIFO)";
    case Finding::SendRetiredNotification:
        return who + " SENDs for id " + num(e.reqId) + " of " + c + ": " + request(e.request) +
               " was a RELEASE notification RECV delivered; the id is no longer in reqs_idr "
               "(-EINVAL)";
    case Finding::SendRetiredAnswered:
        return who + " SENDs for id " + num(e.reqId) + " of " + c + ": " + request(e.request) +
               " was already answered; the id is no longer in reqs_idr (-EINVAL)";
    case Finding::SendNotification:
        return who + " SENDs for " + reqOf(e) + ", a RELEASE notification";
    case Finding::SendAnswered:
        return who + " SENDs for " + reqOf(e) + ", which it already answered";
    case Finding::SendNotDelivered:
        return who + " SENDs for " + reqOf(e) +
               ", which no RECV delivered (the id was reused): it completes another client's "
               "request";
    case Finding::SendNotGiven:
        return who + " SENDs for " + reqOf(e) + ", which RECV delivered to " + thread(env, e.peer) +
               " (the id was reused): it completes another supplicant's request";
    case Finding::ArgReadAfterFree:
        return who + " reads " + arg(e.value) + " of " + reqOf(e) +
               " after the client's dispatch returned: use after free";
    case Finding::ArgWriteAfterFree:
        return who + " writes " + arg(e.value) + " of " + reqOf(e) +
               " after the client's dispatch returned: use after free";
    case Finding::RequestEndedTwice:
        return reqOf(e) + " ended twice: " + reqState(e.from) + " first, then " + reqState(e.to) +
               " (" + who +
               "); a request ends once: completed, removed by its client or "
               "replaced by the placeholder";
    case Finding::CallbackWhileBusy:
        return "QTEE sent a callback request to " + who +
               " while one is outstanding on its oic (BUSY)";
    case Finding::ArgParseLeak: {
        // value: IO objects resolved before the failure; count: the IBs
        // (-1 in captures before model version 12: said as before)
        if (e.count < 0)
            return "callback argument parsing failed: cleanup walks the input buffers, the "
                   "resolved IO objects leak";
        std::string s = "callback argument parsing failed: cleanup walks the " + num(e.count) +
                        " input buffer" + (e.count == 1 ? "" : "s") + " instead of the objects";
        if (e.value > 0)
            s += ": " + num(e.value) + " resolved IO object" + (e.value == 1 ? " leaks" : "s leak");
        if (e.count > 0)
            s += std::string(e.value > 0 ? "; " : ": ") + "bogus puts may be attempted";
        return s;
    }
    case Finding::IoObjectLeakQueued:
        return reqOf(e) + " never reached a supplicant: nothing puts its IO object " + obj +
               " (leak)";
    case Finding::IoObjectLeakUnqueued:
        return "a callback request (" + op(e.op) + ") could not be queued on " + c +
               ": nothing puts its IO object " + obj + " (leak)";
    case Finding::LocalObjectGetFailed:
        return "callback id " + hex(e.qteeId) + " maps to " + obj +
               " whose refcount is 0; qcomtee_local_object_get ignores the failure";
    case Finding::XaIdLeft:
        return "the first SMC failed: QTEE's copy of " + obj + " is dropped but its callback id " +
               hex(e.qteeId) + " stays in xa_local_objects";
    case Finding::SendTooFewParams:
        return who + " SENDs " + plural(e.value, "param", "params") + " for " + reqOf(e) +
               " with " + plural(e.count, "argument", "arguments") +
               ": the driver reads past the parameter array, and the conversion fails there "
               "(-EINVAL)";
    case Finding::ReleaseFailedShared:
        return "RELEASE of " + obj +
               " failed after SHARED was set: -ENODEV, not retried, "
               "wrapper freed";
    case Finding::ObSizeGrew:
        return "QTEE reports an output buffer of " + plural(e.value, "byte", "bytes") + " for " +
               plural(e.count, "byte", "bytes") +
               " given: qcomtee_update_args takes it as is (the copy-out runs past the buffer)";
    case Finding::ReleaseWithRetain:
        return "RELEASE of callback id " + hex(e.qteeId) + " erases the id of " + obj +
               " while QTEE holds " + plural(e.value, "RETAIN reference", "RETAIN references") +
               " to it: it can never be released (a second RELEASE fails with -EINVAL), the "
               "reference leaks";
    case Finding::NotifySelfDeadlock:
        return "the last put of user " + obj +
               " in RECV marshalling queues its RELEASE "
               "notification on " +
               c + ", whose reqs_lock " + who +
               " already holds: ureq_enqueue's mutex_lock sleeps on it for ever (self-deadlock)";
    case Finding::ReleaseUnknownId:
        return who + " releases objref " +
               (e.value < 0 ? std::string("above INT_MAX") : num(e.value)) +
               ", which is not in qtee_objects_idr of " + c +
               ": OBJECT_INVOKE returns 0 all the same";
    case Finding::EarlyNotificationSend:
        if (e.value == int32_t(ReqState::QUEUED))
            return who + " answers RELEASE notification " + reqOf(e) +
                   ", still QUEUED (no RECV gave it out): ureq_dequeue finds it by its id and "
                   "complete() fires on an uninitialised completion";
        return who + " answers RELEASE notification " + reqOf(e) +
               " before RECV's second locking: complete() on an uninitialised completion";
    case Finding::RelockRemovesOther:
        return who + "'s RECV takes reqs_lock of " + c +
               " again to free its RELEASE notification, which a SEND already dequeued; "
               "ureq_dequeue of its id " +
               num(e.reqId) + " removes " +
               (e.request.valid() ? reqOf(e) + ", which reused the id: nobody will complete it"
                                  : std::string("the placeholder that holds it now"));
    case Finding::ExitFilesDrop:
        return "exit_files: fd " + num(e.value) + " dropped";
    case Finding::QteeBadCallbackId:
        return "QTEE invokes " + hex(e.qteeId) + ", which is " +
               (e.qteeId == QCOMTEE_MSG_OBJECT_NULL ? std::string("the NULL object")
                                                    : std::string("not a callback id")) +
               " (a QTEE script naming a callback it no longer holds?); a real QTEE never does "
               "(spec §8): the callback fails with -EINVAL";
    case Finding::SpuriousWakeup:
        return "spurious wake-up on " + c + ": req_c count left over, nothing QUEUED";
    case Finding::ShmFreed:
        return "tee_shm " + num(e.value) + " freed";
    case Finding::NotificationDropped:
        return "RELEASE notification for user " + obj + " dropped: close_context already ran on " +
               c;
    }
    return std::string("finding ") + findingName(e.finding);
}

// -- events --------------------------------------------------------------------

std::string eventText(const Environment &env, const Event &e)
{
    const std::string who = thread(env, e.thread);
    const std::string obj = object(e.object);
    const std::string c = ctx(e.ctx);
    switch (e.kind) {
    case EventKind::RequestState: {
        std::string s = reqOf(e) + " " + reqState(e.from) + " -> " + reqState(e.to);
        if (e.to == ReqState::PROCESSED)
            s += " (" + errnoText(e.errno_) + ")";
        if (e.from == ReqState::New && e.op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
            s += " (RELEASE notification)";
        if (e.thread.valid())
            s += " by " + who;
        return s;
    }
    case EventKind::RefGet:
    case EventKind::RefPut: {
        const bool get = e.kind == EventKind::RefGet;
        const int64_t before = int64_t(e.refcount) + (get ? -1 : 1); // no overflow at INT32_MAX
        return obj + " refcount " + num(before) + " -> " + num(e.refcount) + " (" +
               objectRefChange(get, e.refcount) + holder(env, e.holder, e.holderArg) + ")";
    }
    case EventKind::ObjectCreated:
        return obj + " created: " + objectWhat(e.objectType, e.qteeId, e.userObjectId) +
               (e.ctx.valid() ? " of " + c : std::string());
    case EventKind::ObjectFreed:
        return obj + " freed";
    case EventKind::ContextOpened:
        return c + " opened" +
               (e.process.valid()  ? " by " + process(env, e.process)
                : e.thread.valid() ? " by " + who
                                   : std::string());
    case EventKind::ContextClosed:
        return c + " closed: close_context ran (released flag set, requests destroyed)";
    case EventKind::ContextReleased:
        return c + " tee_context freed (last reference: qcomtee_release)";
    case EventKind::ContextDataFreed:
        return c + " context data freed";
    case EventKind::ContextGet:
    case EventKind::ContextPut: {
        const bool get = e.kind == EventKind::ContextGet;
        // lifetime=kref: the RFC's count of the data (ref_cnt), not the
        // tee_context's (value says which)
        const std::string counter = e.value ? c + " data ref_cnt" : c + " refcount";
        std::string s =
            c + (e.value ? " data" : "") + (get ? " reference taken" : " reference dropped");
        if (e.refcount >= 0)
            s = counter + " " + num(int64_t(e.refcount) + (get ? -1 : 1)) + " -> " +
                num(e.refcount);
        return s + " (" + (get ? "get by " : "put by ") + ctxHolder(env, e.ctxHolder, e.holderArg) +
               ")";
    }
    case EventKind::XaAlloc:
        return "xa_local_objects " + hex(e.qteeId) + " -> " + obj;
    case EventKind::XaErase:
        return "xa_local_objects " + hex(e.qteeId) + " erased (" + obj + ")";
    case EventKind::IdrAdd:
        return c + " qtee_objects_idr " + objref(uint64_t(e.reqId)) + " -> " + obj;
    case EventKind::IdrRemove:
        return c + " qtee_objects_idr " + objref(uint64_t(e.reqId)) + " removed (" + obj + ")";
    case EventKind::SmcInvoke:
        return who + " SMC: invoke " + qteeId(e.qteeId) + " " + op(e.op);
    case EventKind::SmcCallbackResponse:
        return who + " SMC: callback response " + qteeResultName(e.value) + " (" + num(e.value) +
               ")";
    case EventKind::QteeCallback:
        return "QTEE calls back " + hex(e.qteeId) + " " + op(e.op) + " on " + who;
    case EventKind::QteeResult:
        return "QTEE returns " + qteeResultName(e.value) + " (" + num(e.value) + ") to " + who;
    case EventKind::SmcFailed:
        return who + "'s SMC failed: " + errnoText(e.errno_) + " (QTEE never saw it)";
    case EventKind::AsyncRelease:
        return "QTEE async release of " + hex(e.qteeId) +
               (e.thread.valid() ? " (message to " + who + ")" : std::string());
    case EventKind::SyscallEnter:
        return who + " enters " + syscall(SyscallKind(e.op));
    case EventKind::SyscallReturn:
        return who + " returns " + errnoText(e.errno_) +
               (e.value != 0 ? " (ret " + num(e.value) + ")" : std::string());
    case EventKind::DispatchReturn:
        return who + " dispatch returns " + errnoText(e.errno_);
    case EventKind::Blocked:
        if (e.value == int32_t(BlockReason::UserWait))
            return who + " waits in user space for " + userWaitWhat(env, e.thread, e.count) +
                   " (a wait step: another thread of its process sets it)";
        if (e.value == int32_t(BlockReason::Lock))
            return who + " waits for reqs_lock of " + c +
                   (e.peer.valid() ? " held by " + thread(env, e.peer) : std::string());
        return who + " waits on " + waitOn(e) +
               (e.request.valid() ? " for " + reqOf(e) : std::string());
    case EventKind::Woken:
        if (e.value == int32_t(BlockReason::UserWait))
            return who + " goes on: " + (e.peer.valid() ? thread(env, e.peer) + " set " : "set ") +
                   userWaitWhat(env, e.thread, e.count) + " (its wait step is over)";
        if (e.value == int32_t(BlockReason::Lock))
            return who + " woken: " +
                   (e.peer.valid() ? thread(env, e.peer) + " released" : std::string("released")) +
                   " reqs_lock of " + c;
        if (e.errno_ == err::kERESTARTSYS)
            return who + " woken by SIGKILL (" + waitOn(e) + ")";
        return who + " woken (" + waitOn(e) + ")";
    case EventKind::Killed:
        return "SIGKILL delivered to " + process(env, e.process);
    case EventKind::ThreadExit:
        return who + " exits";
    case EventKind::ProcessExit:
        return process(env, e.process) + " exits";
    case EventKind::LockAcquire:
        return who + " takes reqs_lock of " + c +
               (e.request.valid() ? " (ureq_enqueue of " + reqOf(e) + ")" : std::string());
    case EventKind::LockRelease:
        return who + " drops reqs_lock of " + c +
               (e.request.valid() ? " (ureq_enqueue of " + reqOf(e) + ")" : std::string());
    case EventKind::SrcuReadLock:
        return who + " srcu_read_lock on " + c;
    case EventKind::SrcuReadUnlock:
        return who + " srcu_read_unlock on " + c;
    case EventKind::SynchronizeSrcu:
        return who + " synchronize_srcu on " + c;
    case EventKind::ArgAccess:
        return who + " accesses " + arg(e.value) + " of " + reqOf(e);
    case EventKind::WorkQueued:
        return "qcomtee_wq: release of " + obj + " queued";
    case EventKind::WorkStarted:
        return "qcomtee_wq: release of " + obj + " started";
    case EventKind::WorkRequeued:
        return "qcomtee_wq: release of " + obj + " requeued (retry)";
    case EventKind::WorkDone:
        return "qcomtee_wq: release of " + obj + " done";
    case EventKind::Violation:
        return "VIOLATION I" + num(e.invariant) + ": " + findingText(env, e);
    case EventKind::Gap:
        return "GAP (spec §9 item " + num(e.gap) + "): " + findingText(env, e);
    case EventKind::Note:
        return "note: " + findingText(env, e);
    }
    return eventKindName(e.kind);
}

// -- the driver ----------------------------------------------------------------

DriverRef findingWhere(const Event &e, Verb stepVerb)
{
    if (e.kind == EventKind::Violation &&
        (e.finding == Finding::TeeRefLeak || e.finding == Finding::CallbackRefLeak))
        return {"the leak check once nothing is in flight", "",
                e.finding == Finding::TeeRefLeak ? "§8 I2" : "§8 I3"};
    // I6 findings whose access is made by one function whatever the step
    // that led to it (a last put from a RELEASE, a worker, close_context):
    // that function, not the step's ("RELEASE notification ... at
    // qcomtee_object_do_invoke_internal" said where the put came from).
    if (e.kind == EventKind::Violation) {
        switch (e.finding) {
        case Finding::NotifyAfterFree:
            return {"qcomtee_user_object_release", "user_obj.c", "§2.3"};
        case Finding::DispatchAfterFree:
            return {"qcomtee_user_object_dispatch", "user_obj.c", "§3.3"};
        default:
            break;
        }
    }
    return driverRef(stepVerb);
}

DriverRef driverRef(Verb v)
{
    switch (v) {
    case Verb::Kill:
    case Verb::KillSyscall:
        return {"SIGKILL (fatal_signal_pending)", "", "§7"};
    case Verb::LockWait:
        return {"mutex_lock(&ctxdata->reqs_lock)", "user_obj.c", "§5"};
    case Verb::ExitKilled:
    case Verb::Exit:
        return {"do_exit", "", "§3.7"};
    case Verb::Open:
        return {"qcomtee_open", "call.c", "§2.2"};
    case Verb::Close:
        return {"tee_release", "tee_core.c", "§3.7"};
    case Verb::Invoke:
    case Verb::InvokeRelease:
        return {"qcomtee_object_invoke", "call.c", "§3.1"};
    case Verb::SupplRecv:
        return {"qcomtee_supp_recv", "call.c", "§3.4"};
    case Verb::SupplSend:
        return {"qcomtee_supp_send", "call.c", "§3.5"};
    case Verb::ShmAlloc:
        return {"tee_ioctl_shm_alloc", "tee_core.c", "§4.3"};
    case Verb::Compute:
    case Verb::Idle:
    case Verb::Exited:
        return {"", "", ""};
    case Verb::QteeCallback:
        return {"qcomtee_cb_object_invoke", "core.c", "§3.2"};
    case Verb::SmcFailed:
    case Verb::QteeReturns:
        return {"qcomtee_object_do_invoke_internal", "core.c", "§3.1"};
    case Verb::DispatchKilled:
    case Verb::DispatchWoken:
    case Verb::DispatchSignalled:
        return {"qcomtee_user_object_dispatch", "user_obj.c", "§3.3"};
    case Verb::SynchronizeSrcu:
        return {"synchronize_srcu (RFC design)", "", "§5"};
    case Verb::CallbackResponse:
        return {"qcomtee_object_do_invoke_internal", "core.c", "§3.2"};
    case Verb::RecvSelect:
    case Verb::RecvRelock:
        return {"qcomtee_user_object_select", "user_obj.c", "§3.4"};
    case Verb::RecvWoken:
    case Verb::RecvInterrupted:
        return {"qcomtee_user_object_select", "user_obj.c", "§2.6"};
    case Verb::RecvMarshal:
        return {"qcomtee_cb_params_from_args", "user_obj.c", "§3.4"};
    case Verb::SendUnmarshal:
        return {"qcomtee_cb_params_to_args", "user_obj.c", "§3.5"};
    case Verb::CloseContext:
        return {"qcomtee_requests_destroy", "user_obj.c", "§3.7"};
    case Verb::CloseObjects:
        return {"qcomtee_close_context", "call.c", "§3.7"};
    case Verb::ExitFiles:
        return {"exit_files", "", "§3.7"};
    case Verb::WorkerRelease:
        return {"qcomtee_do_release_qtee_object", "core.c", "§2.8"};
    case Verb::RemoveDevice:
        return {"qcomtee_remove", "call.c", "§2.8"};
    case Verb::DeviceUnregistered:
        return {"tee_device_unregister", "tee_core.c", "§2.8"};
    case Verb::Count_:
        break;
    }
    return {};
}

DriverRef driverRef(const Event &e)
{
    switch (e.kind) {
    case EventKind::RequestState:
        switch (e.to) {
        case ReqState::QUEUED: // T1: ureq_enqueue from one of two callers
            if (e.op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
                return {"qcomtee_user_object_release", "user_obj.c", "§2.5"};
            return {"qcomtee_user_object_dispatch", "user_obj.c", "§2.5"};
        case ReqState::PROCESSING:
            return {"qcomtee_user_object_select", "user_obj.c", "§2.5"};
        case ReqState::PROCESSED:
            return {"qcomtee_user_object_submit", "user_obj.c", "§2.5"};
        default:
            return {"qcomtee_user_object_dispatch", "user_obj.c", "§2.5"};
        }
    case EventKind::RefGet:
        return {"qcomtee_object_get", "core.c", "§2.3"};
    case EventKind::RefPut:
        return {"qcomtee_object_put", "core.c", "§2.3"};
    case EventKind::ObjectCreated:
        return {e.objectType == ObjectType::TEE ? "qcomtee_qtee_object_alloc"
                                                : "qcomtee_user_param_to_object",
                "core.c", "§2.3"};
    case EventKind::ObjectFreed:
        return {"qcomtee_object_release", "core.c", "§2.3"};
    case EventKind::ContextOpened:
        return {"qcomtee_open", "call.c", "§2.2"};
    case EventKind::ContextClosed:
        return {"qcomtee_close_context", "call.c", "§3.7"};
    case EventKind::ContextReleased:
    case EventKind::ContextDataFreed:
        return {"qcomtee_release", "call.c", "§2.2"};
    case EventKind::ContextGet:
    case EventKind::ContextPut:
        if (e.value) // lifetime=kref: the RFC's ref_cnt of the context data
            return {"kref_get / kref_put (ref_cnt, RFC)", "", "§5"};
        return {"teedev_ctx_get / teedev_ctx_put", "tee_core.c", "§2.2"};
    case EventKind::XaAlloc:
    case EventKind::XaErase:
        return {"qcomtee_object_id_get / qcomtee_object_id_put", "core.c", "§2.4"};
    case EventKind::IdrAdd:
    case EventKind::IdrRemove:
        return {"qcomtee_context_add_qtee_object", "call.c", "§2.4"};
    case EventKind::SmcInvoke:
    case EventKind::QteeResult:
    case EventKind::SmcFailed:
        return {"qcomtee_object_do_invoke_internal", "core.c", "§3.1"};
    case EventKind::SmcCallbackResponse:
    case EventKind::QteeCallback:
        return {"qcomtee_cb_object_invoke", "core.c", "§3.2"};
    case EventKind::AsyncRelease:
        return {"qcomtee_fetch_async_reqs", "async.c", "§2.9"};
    case EventKind::SyscallEnter:
    case EventKind::SyscallReturn:
        // the entry point of that syscall: open and close are not ioctls
        switch (SyscallKind(e.op)) {
        case SyscallKind::Open:
            return driverRef(Verb::Open);
        case SyscallKind::Close:
            return driverRef(Verb::Close);
        case SyscallKind::Kill:
            return {"kill(2)", "", "§7"};
        case SyscallKind::Exit:
            return driverRef(Verb::Exit);
        case SyscallKind::RemoveDevice:
            return driverRef(Verb::RemoveDevice);
        default:
            return {"tee_ioctl", "tee_core.c", "§4.3"};
        }
    case EventKind::DispatchReturn:
        return {"qcomtee_user_object_dispatch", "user_obj.c", "§3.3"};
    case EventKind::Blocked:
    case EventKind::Woken:
        switch (BlockReason(e.value)) {
        case BlockReason::Completion:
            return {"qcomtee_user_object_dispatch", "user_obj.c", "§3.3"};
        case BlockReason::ReqC:
            return {"qcomtee_user_object_select", "user_obj.c", "§2.6"};
        case BlockReason::Srcu:
            return {"synchronize_srcu (RFC design)", "", "§5"};
        case BlockReason::Lock:
            return {"mutex_lock(&ctxdata->reqs_lock)", "user_obj.c", "§5"};
        case BlockReason::NoUsers:
            return {"tee_device_unregister", "tee_core.c", "§2.8"};
        case BlockReason::UserWait: // the program's own wait: no driver code
        case BlockReason::None:
            break;
        }
        return {};
    case EventKind::Killed:
        return {"SIGKILL (fatal_signal_pending)", "", "§7"};
    case EventKind::ThreadExit:
    case EventKind::ProcessExit:
        return {"do_exit", "", "§3.7"};
    case EventKind::LockAcquire:
    case EventKind::LockRelease:
        return {"mutex_lock / mutex_unlock (reqs_lock)", "user_obj.c", "§5"};
    case EventKind::SrcuReadLock:
    case EventKind::SrcuReadUnlock:
    case EventKind::SynchronizeSrcu:
        return {"srcu_read_lock / synchronize_srcu (RFC design)", "", "§5"};
    case EventKind::ArgAccess:
        return {"qcomtee_cb_params_from_args / qcomtee_cb_params_to_args", "user_obj.c", "§3.4"};
    case EventKind::WorkQueued:
        return {"qcomtee_release_qtee_object", "core.c", "§2.8"};
    case EventKind::WorkStarted:
    case EventKind::WorkRequeued:
    case EventKind::WorkDone:
        return {"qcomtee_do_release_qtee_object", "core.c", "§2.8"};
    case EventKind::Violation:
        return {"", "", "§8"};
    case EventKind::Gap:
        return {"", "", "§9"};
    case EventKind::Note:
        return {"", "", ""};
    }
    return {};
}

DriverRef driverRef(const Event &e, Verb stepVerb)
{
    // a finding: where it was found (the step's code, or the leak check),
    // under its spec section (§8 for invariants, §9 for gaps)
    if (e.kind == EventKind::Violation || e.kind == EventKind::Gap) {
        DriverRef r = findingWhere(e, stepVerb);
        if (*r.file || std::string_view(r.section).rfind("§8 I", 0) != 0)
            r.section = e.kind == EventKind::Violation ? "§8" : "§9";
        return r;
    }
    if (e.kind != EventKind::RequestState ||
        (e.to != ReqState::PROCESSED && e.to != ReqState::Removed))
        return driverRef(e);
    switch (stepVerb) {
    case Verb::CloseContext: // T6 (a notification: removed)
    case Verb::CloseObjects:
    case Verb::ExitFiles:
    case Verb::RemoveDevice:
        return {"qcomtee_requests_destroy", "user_obj.c", "§2.5"};
    case Verb::SupplRecv: // T3 (marshalling failed), T4 (a notification freed)
    case Verb::RecvSelect:
    case Verb::RecvWoken:
    case Verb::RecvMarshal:
    case Verb::RecvRelock:
        return {"qcomtee_user_object_select", "user_obj.c", "§2.5"};
    case Verb::SupplSend: // T5, T9
    case Verb::SendUnmarshal:
        return {"qcomtee_user_object_submit", "user_obj.c", "§2.5"};
    default: // T7, T10, T11: the client's dispatch
        return {"qcomtee_user_object_dispatch", "user_obj.c", "§2.5"};
    }
}

std::string driverRefText(const DriverRef &r)
{
    std::string s = r.function;
    if (*r.file)
        s += std::string(s.empty() ? "" : " ") + "[" + r.file + "]";
    if (*r.section)
        s += std::string(s.empty() ? "" : " ") + "(spec " + r.section + ")";
    return s;
}

const char *modelledDriver()
{
    return "Linux 6.18 QCOMTEE (drivers/tee/qcomtee, tag tee-qcomtee-for-v6.18)";
}

const char *specReference()
{
    return "shared/spec/qcomtee-driver.md";
}

std::vector<std::string> leftOut()
{
    return {
        "device probe (qcomtee_probe and its version query; only its effect is: the release "
        "worker's SHARED flag is set from the start)",
        "open_service is one ROOT op 0x20 carrying the uid, where a client makes two "
        "invocations (REG_WITH_CREDENTIALS, then CLIENT_ENV_OPEN on the env object)",
        "real time: simulated costs per step (docs/model.md, Time)",
        "memory allocation failures other than the scenario's faults",
        "the unmerged July 2026 series (kernel_ctx, 32-bit object ids)",
        "cycles without progress (livelock) are not detected",
    };
}

std::string variantMeaning(std::string_view dimension, std::string_view value)
{
    if (dimension == "request")
        return value == "fifo" ? "RECV takes the first QUEUED request on reqs_list (merged)"
                               : "RECV takes the lowest QUEUED id in reqs_idr (RFC)";
    if (dimension == "argument") {
        if (value == "lock")
            return "RECV/SEND hold reqs_lock while they touch the arguments (merged)";
        if (value == "srcu")
            return "an SRCU read section, synchronize_srcu on the kill path (RFC; a "
                   "PROCESSED request keeps its result, as merged)";
        return "nothing protects the arguments (unsafe)";
    }
    if (dimension == "lifetime") {
        if (value == "ctxref")
            return "user objects pin the tee_context (merged)";
        if (value == "kref")
            return "a separate refcount on the context data, held by its user objects and "
                   "by the context until its release (RFC; close_context as merged)";
        return "the context data is freed at close (unsafe)";
    }
    if (dimension == "gaps")
        return value == "faithful" ? "reproduce the apparent gaps of spec §9"
                                   : "the gaps of spec §9 fixed";
    return std::string(value);
}

} // namespace tee::vocab
