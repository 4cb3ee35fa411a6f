// The vocabulary: the one place where an entity, a state, an errno, a holder,
// an action, a wait and a finding get their printed name. The engine, the
// exports, the CLI summary and the app print through it, so a request is
// called the same thing everywhere (docs/model.md, "Names").
//
// Names follow the kernel (spec §2) and keep the two id spaces apart:
//   ctx1          a tee_context (0 is the driver's own)
//   obj5          a kernel object, struct qcomtee_object (a serial, never reused)
//   objref 1      an object id as user space passes it in a TEE_IOCTL_PARAM
//                 OBJREF parameter (ROOT for TEE_OBJREF_NULL)
//   req#3         a request, struct qcomtee_ureq (a serial, unique in a run)
//   id 0          a reqs_idr id: what the supplicant sees, reused at once
//   0x80000001    a QTEE wire id (callback ids in xa_local_objects, QTEE objects)
//   arg 0         an argument, counted from 0 like the kernel's params array
//
// Findings (violations, gaps, notes) are typed: an Event records the finding
// and the entities it concerns by id; its sentence is rendered here, so the
// wording can improve without changing what a capture records.
#pragma once

#include "core/event.h"
#include "core/state.h"
#include "core/types.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tee {

class Environment;

namespace vocab {

// -- entities ----------------------------------------------------------------
std::string ctx(ContextId c);        // "ctx1"
std::string object(ObjectId o);      // "obj5"
std::string objref(uint64_t userId); // "objref 1", "ROOT"
std::string request(RequestId r);    // "req#3"
// "req#3 (ctx1 id 0)": the serial, then the context and reqs_idr id when known.
std::string request(RequestId r, ContextId c, int32_t reqId);
std::string qteeId(uint32_t id);  // "0x80000001", "ROOT", "NULL"
std::string op(uint32_t op);      // "op 3", "op RELEASE", "op RETAIN"
std::string arg(int64_t index);   // "arg 0"
std::string errnoText(int32_t e); // "-ENODEV", "0"
std::string reqState(ReqState s); // "QUEUED", ... "PLACEHOLDER", "REMOVED"
// What a request in state `s` is, in the driver's terms, with the spec §2.5
// transitions that lead to it: "on reqs_list, waiting for a supplicant's
// RECV (T1)". The text timeline's legend prints it for the states it shows.
std::string reqStateMeaning(ReqState s);
std::string steps(uint64_t n);        // "1 step", "12 steps"
std::string objectKind(ObjectType t); // "TEE", "USER", "MEM"
// What the object stands for: "TEE 0x100", "USER objref 1", "MEM shm 2".
std::string objectWhat(ObjectType t, uint32_t qteeId, uint64_t userObjectId);
std::string
wait(BlockReason r); // "completion (killable)", "req_c", "synchronize_srcu", "reqs_lock"
std::string syscall(SyscallKind k); // "open", "OBJECT_INVOKE", "SUPPL_RECV" ...
std::string thread(const Environment &env, ThreadId t);
std::string process(const Environment &env, ProcessId p);

// Who holds a reference (spec §2.3, I3): "qtee_objects_idr of ctx1",
// "QTEE cb 0x80000001", "driver copy (app/client)", "RETAIN by QTEE".
// `idrId`: the qtee_objects_idr id of a CtxIdr holder when known (a State's
// holder has it; an event does not).
std::string holder(const Environment &env, HolderKind k, int64_t arg, int32_t idrId = -1);
// How an object's count changed, before the holder: "get by ", "put by ",
// and "kref_init, held by " for a get to 1, which is the object's creation:
// the driver's kref_init, whose first reference the holder owns. (The
// engine's get is "increment unless zero", spec §2.3 and I1, so no other
// get ends at 1; "0 -> 1 get" read as a breach of I1.)
const char *objectRefChange(bool get, int64_t after);
// Who holds a tee_context reference: "file", "user obj5", "ioctl (app/client)".
std::string ctxHolder(const Environment &env, CtxHolderKind k, int64_t arg);

// -- actions -------------------------------------------------------------------
// What an enabled action does, as the engine describes it (Engine::describe).
enum class Verb : uint8_t {
    Kill,               // a scenario fault: SIGKILL to `process`
    LockWait,           // mutex_lock(reqs_lock of `ctx`) sleeps; `peer` holds it
    ExitKilled,         // the fatal signal ends the program
    Open,               // open /dev/tee
    Close,              // close(fd)
    Invoke,             // TEE_IOC_OBJECT_INVOKE objref `userId` op `op`
    InvokeRelease,      // TEE_IOC_OBJECT_INVOKE objref `userId` op RELEASE
    SupplRecv,          // TEE_IOC_SUPPL_RECV
    SupplSend,          // TEE_IOC_SUPPL_SEND id `reqId` ret `errno_`
    ShmAlloc,           // TEE_IOC_SHM_ALLOC `amount` bytes
    KillSyscall,        // kill(`process`, SIGKILL) from a program
    Compute,            // user-space work of `amount` ns
    Exit,               // the program ends
    Idle,               // nothing to do (user space, or the release worker)
    QteeCallback,       // QTEE asks for callback `qteeId` op `op`
    SmcFailed,          // the SMC itself failed with `errno_`
    QteeReturns,        // QTEE's result `value`
    DispatchKilled,     // the kill path of qcomtee_user_object_dispatch, req `request` in `state`
    DispatchWoken,      // the client woken: `request` PROCESSED
    DispatchSignalled,  // the killable wait ends by SIGKILL
    SynchronizeSrcu,    // the SRCU kill path waits for readers
    CallbackResponse,   // the callback response SMC with `errno_`
    RecvSelect,         // qcomtee_user_object_select under reqs_lock
    RecvWoken,          // RECV woken by req_c
    RecvInterrupted,    // RECV interrupted by a signal
    RecvMarshal,        // copy `arg` of `argc` of `request` to the supplicant
    RecvRelock,         // the second locking of RECV: free notification `request`
    SendUnmarshal,      // copy the outputs of `request` back
    CloseContext,       // close_context of `ctx`: requests destroyed
    CloseObjects,       // close_context of `ctx`: QTEE objects put
    ExitFiles,          // do_exit drops the next file
    WorkerRelease,      // qcomtee_wq releases `object` (QTEE `qteeId`)
    RemoveDevice,       // unbind: qcomtee_remove, teedev_close_context + tee_device_unregister
    DeviceUnregistered, // tee_device_unregister returns: every context released
    Exited,             // a thread that has exited (never enabled)
    Count_
};
const char *verbName(Verb v); // capture token: "suppl_recv", "dispatch_killed"
bool parseVerb(std::string_view name, Verb &out);

struct ActionInfo
{
    Verb verb = Verb::Idle;
    ThreadId thread; // the acting thread (invalid for Kill)
    ThreadId peer;   // LockWait: the holder
    ProcessId process;
    ContextId ctx;
    ObjectId object;
    RequestId request;
    ReqState state = ReqState::New;
    int32_t reqId = -1;
    int32_t errno_ = 0;
    int32_t value = 0; // QteeReturns: result; RecvMarshal: argument index
    int32_t argc = 0;  // RecvMarshal: argument count
    int32_t fd = -1;
    uint32_t op = 0;
    uint32_t qteeId = 0;
    uint64_t userId = TEE_OBJREF_NULL;
    int64_t amount = 0; // Compute: ns; ShmAlloc: bytes
};

// The schedule label of an action: "app/suppl: SUPPL_RECV", "kill app",
// "qcomtee_wq: release obj5 (QTEE 0x100)".
std::string label(const Environment &env, const ActionInfo &a);
// The label model versions 1 and 2 gave the same action (teescope up to
// 4dd02c0), so schedules written then keep working (Engine::matchLabel).
std::string legacyLabel(const Environment &env, const ActionInfo &a);

// -- waits ---------------------------------------------------------------------
// Why a thread has no enabled action, as Engine::blockedWhy describes it.
struct WaitInfo
{
    enum class Kind : uint8_t {
        Lock,       // sleeps on reqs_lock of `ctx` held by `peer`
        Completion, // killable wait for `request` (in `state`)
        Srcu,       // synchronize_srcu
        ReqC,       // RECV asleep on req_c of `ctx`
        Idle,       // the release worker with nothing queued
        Done,       // a program with nothing more to do
        Exited,     // the thread has exited
        InKernel,   // in the kernel, in `phase`
        NoUsers,    // tee_device_unregister waits until every context is released
        UserWait,   // the program waits in user space for `what` (its `wait` step)
    } kind = Kind::Done;
    ThreadId thread;
    ThreadId peer;
    ContextId ctx;
    RequestId request;
    int32_t reqId = -1;
    ReqState state = ReqState::New;
    bool killed = false;
    Phase phase = Phase::User;
    std::string what; // UserWait
};
std::string waitText(const Environment &env, const WaitInfo &w);
// ", "-separated variable names as a phrase: "variable fd", "variables fd,
// svc" (empty: empty).
std::string variables(const std::string &names);
// What the wait step at `pc` of `t`'s program waits for: "variable fd",
// "variables fd, svc" (Environment::waitVariables), else "its wait step".
std::string userWaitWhat(const Environment &env, ThreadId t, int32_t pc);

// -- findings ------------------------------------------------------------------
// Finding (core/event.h) names every violation, gap and note.
const char *findingName(Finding f); // capture token: "not_fifo"
// What a finding belongs to: {invariant (1..18), 0} for a violation,
// {0, spec §9 item} for a gap, {0, 0} for a note.
std::pair<int, int> findingOwner(Finding f);
bool parseFinding(std::string_view name, Finding &out);
// The finding's sentence, from the event alone (captures have no State).
std::string findingText(const Environment &env, const Event &e);

// -- events --------------------------------------------------------------------
// One line for an event: "req#3 (id 0) on ctx1 QUEUED -> PROCESSING by app/suppl".
std::string eventText(const Environment &env, const Event &e);

// -- the driver ----------------------------------------------------------------
// The driver function an action or event models, its file and the spec
// section that describes it (docs/model.md).
struct DriverRef
{
    const char *function = "";
    const char *file = "";
    const char *section = "";
};
DriverRef driverRef(Verb v);
DriverRef driverRef(const Event &e);
// Where a violation or gap was found, as the summary and the Violations
// pane say under it: the driver code of the step (`stepVerb`), except a
// leak (I2, I3), which the check finds once nothing is in flight, whatever
// step that was (it named the function of the last step, not the leak's).
DriverRef findingWhere(const Event &e, Verb stepVerb);
// The same, knowing the verb of the step the event happened in: a request's
// transition then names the function of the spec §2.5 table that makes it
// (T3 in qcomtee_user_object_select, T5 in ..._submit, T6 in
// qcomtee_requests_destroy, a RELEASE notification's T1 from
// qcomtee_user_object_release); other events as driverRef(e).
DriverRef driverRef(const Event &e, Verb stepVerb);
std::string driverRefText(const DriverRef &r); // "qcomtee_supp_recv [call.c] (spec §3.4)"

// What the exports say they are (spec §0).
const char *modelledDriver();       // "Linux 6.18 drivers/tee/qcomtee (tee-qcomtee-for-v6.18)"
const char *specReference();        // "shared/spec/qcomtee-driver.md"
std::vector<std::string> leftOut(); // what the model leaves out, one item each
// The meaning of a variant value: ("request", "fifo") -> "reqs_list in FIFO order (merged)".
std::string variantMeaning(std::string_view dimension, std::string_view value);

} // namespace vocab
} // namespace tee
