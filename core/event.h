// Typed events produced by Engine::apply. They are immutable facts about one
// step: the GUI, the exports and the tests read them, never the engine's
// internals. Every event carries the step number and the simulated time.
#pragma once

#include "types.h"

#include <vector>

namespace tee {

enum class EventKind : uint8_t {
    // Requests (spec §2.5). request, ctx, reqId, from, to; errno when PROCESSED.
    RequestState,
    // Object references (spec §2.3). object, holder, holderArg, refcount (after).
    RefGet,
    RefPut,
    ObjectCreated, // object, objectType, qteeId (TEE) or userObjectId (User); ctx = owner
    ObjectFreed,   // object
    // Context life (spec §2.2). ctx; holder fields for CtxGet/CtxPut.
    ContextOpened,
    ContextClosed,   // close_context ran: released = true
    ContextReleased, // tee_context kref reached 0 (qcomtee_release)
    ContextDataFreed,
    ContextGet,
    ContextPut,
    // Id tables.
    XaAlloc,   // qteeId = callback id in xa_local_objects, object
    XaErase,   // qteeId, object
    IdrAdd,    // qtee_objects_idr: ctx, reqId = idr id, object
    IdrRemove, // ctx, reqId = idr id, object
    // Messages to and from QTEE (spec §3.1, §3.2, §2.9).
    SmcInvoke,           // thread, qteeId = target, op
    SmcCallbackResponse, // thread, value = wire result
    QteeCallback,        // thread, qteeId = callback object id, op
    QteeResult,          // thread, value = result
    SmcFailed,           // thread, errno_ = the SCM call's error (QTEE never saw the message)
    AsyncRelease,        // thread, qteeId = released cb id
    // Threads.
    SyscallEnter,   // thread, op = SyscallKind
    SyscallReturn,  // thread, errno
    DispatchReturn, // thread, errno (qcomtee_user_object_dispatch returned)
    Blocked,        // thread, value = BlockReason; lock: ctx, peer = the holder
    Woken,          // thread, value = BlockReason that ended; lock: ctx, peer = who unlocked
    Killed,         // process (fatal signal delivered)
    ThreadExit,     // thread
    ProcessExit,    // process
    // Locks (spec §3.3 step 7, §5).
    LockAcquire,  // thread, ctx (reqs_lock); request: the one T1 (ureq_enqueue) queues
    LockRelease,  // thread, ctx; request as for LockAcquire
    SrcuReadLock, // thread, ctx
    SrcuReadUnlock,
    SynchronizeSrcu, // thread, ctx: the kill path waited for readers
    // Supplicant marshalling (spec §3.4 step 4, §3.5 step 4).
    ArgAccess, // thread, request, value = argument index
    // Release workqueue (spec §2.8).
    WorkQueued,   // object
    WorkStarted,  // object
    WorkRequeued, // object
    WorkDone,     // object
    // Checks.
    Violation, // invariant (1..18), finding, entities as known
    Gap,       // gap = §9 item, finding
    Note,      // finding (informational, e.g. a spurious req_c wake-up)
};
const char *eventKindName(EventKind k);

// Every violation, gap and note the engine reports. The comment names the
// Event fields the finding sets; `finding` is recorded in captures by name.
enum class Finding : uint16_t {
    None = 0,
    // Violations (spec §8).
    CtxPutNoRef,        // I1: ctx, ctxHolder, holderArg
    CtxGetFreed,        // I1: ctx, ctxHolder, holderArg (a reference on a released context)
    ObjPutFreed,        // I1: object, holder, holderArg
    ObjPutNoRef,        // I1: object, holder, holderArg
    TeeRefLeak,         // I2: object, holder, holderArg
    CallbackRefLeak,    // I3: object, holder, holderArg
    XaFreedObject,      // I4: qteeId, object
    WrapperCount,       // I5: qteeId, value = kernel wrappers, count = QTEE's count
    DataFreedUserAlive, // I6: ctx, object, refcount
    DataFreedShmAlive,  // I6: ctx, value = the tee_shm id still allocated in it
    DispatchAfterFree,  // I6: ctx, object (dispatch to a user object)
    NotifyAfterFree,    // I6: ctx, object (RELEASE notification)
    LockAfterFree,      // I6: thread, ctx (reqs_lock lives in the context data)
    QueuedAfterClose,   // I7: ctx, request, reqId
    ReqsListBad,        // I8: ctx, request
    NotFifo, // I9: thread, ctx, request (picked), other (queued before it), count (its reqs_idr id,
             // model version 14)
    SendRetiredNotification, // I11: thread, ctx, request, reqId
    SendRetiredAnswered,     // I11: thread, ctx, request, reqId
    SendNotification,        // I11: thread, ctx, request, reqId
    SendAnswered,            // I11: thread, ctx, request, reqId
    SendNotDelivered,        // I11: thread, ctx, request, reqId
    SendNotGiven,      // I11: thread, ctx, request, reqId, peer = the supplicant RECV gave it to
    ArgReadAfterFree,  // I12: thread, ctx, request, value = argument index
    ArgWriteAfterFree, // I12: thread, ctx, request, value = argument index
    RequestEndedTwice, // I13: thread, ctx, request, reqId, from = its first end, to = the second
    CallbackWhileBusy, // I15: thread
    // Gaps (spec §9).
    ArgParseLeak,          // gap 1: thread
    IoObjectLeakQueued,    // gap 2: ctx, request, reqId, object = the leaked IO object
    IoObjectLeakUnqueued,  // gap 2: ctx, op, object = the leaked IO object
    LocalObjectGetFailed,  // gap 3: qteeId, object
    XaIdLeft,              // gap 3: thread, qteeId, object (the id stays after a failed first SMC)
    SendTooFewParams,      // gap 4: thread, request, reqId, value = params, count = arguments
    ReleaseFailedShared,   // gap 5: object
    ReleaseWithRetain,     // gap 6: object, qteeId, value = RETAIN references
    ObSizeGrew,            // gap 9: thread, value = the OB size QTEE reports, count = the buffer's
    NotifySelfDeadlock,    // gap 8: thread, ctx, object
    ReleaseUnknownId,      // gap 11: thread, ctx, value = the objref id (-1: above INT_MAX)
    EarlyNotificationSend, // gap 12: thread, request, reqId
    RelockRemovesOther,    // gap 12: thread, ctx, request (removed), reqId
    // Notes.
    ExitFilesDrop,       // thread, ctx, value = fd
    QteeBadCallbackId,   // thread, qteeId
    SpuriousWakeup,      // ctx
    ShmFreed,            // ctx, value = shm id
    NotificationDropped, // ctx, object
    Count_
};

// Spec §8 numbers its invariants I1 to I18.
inline constexpr int kInvariantCount = 18;

struct Event
{
    uint64_t step = 0;
    int64_t tNs = 0;     // end of the step (simulated ns)
    int64_t startNs = 0; // start of the step: its thread's CPU and what it touches were free
    EventKind kind = EventKind::Note;
    ReqState from = ReqState::New;
    ReqState to = ReqState::New;
    ObjectType objectType = ObjectType::TEE;
    HolderKind holder = HolderKind::CtxIdr;
    CtxHolderKind ctxHolder = CtxHolderKind::File;
    int16_t invariant = 0; // I1..I18 for Violation (kInvariantCount)
    int16_t gap = 0;       // §9 item for Gap
    ProcessId process;
    ThreadId thread;
    ContextId ctx;
    ObjectId object;
    RequestId request;
    int32_t reqId = -1;     // reqs_idr id, or qtee_objects_idr id for Idr*
    int32_t refcount = -1;  // after a get or put
    int64_t holderArg = -1; // the holder's own id: a thread, a context, an object, or a
                            // QTEE callback id as the unsigned value it is (0x80000003)
    ThreadId peer;          // the other thread of a lock wait: holder (Blocked), waker (Woken)
    int32_t errno_ = 0;     // errno returned or stored
    int32_t value = 0;      // kind-specific (argument index, block reason, wire result)
    uint32_t qteeId = 0;    // QTEE wire id (callback id or QTEE object id)
    uint32_t op = 0;
    uint64_t userObjectId = 0;
    ThreadId actor;  // the thread whose step emitted it (invalid for a scenario kill)
    RequestId other; // a second request a finding names (I9: the one queued before)
    Finding finding = Finding::None; // Violation, Gap, Note: which one (vocab::findingText)
    int32_t count = -1;              // a finding's second number (see Finding)
    bool operator==(const Event &) const = default; // replay compares every field
};

using EventList = std::vector<Event>;

} // namespace tee
