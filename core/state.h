// The whole-system State: driver state (spec §2), the kernel-side progress of
// every thread, the QTEE peer's own bookkeeping and the user programs'
// registers. It is a plain value: copyable, comparable and hashable, so one
// design serves stepping forward and back, exploration and replay.
#pragma once

#include "copyvector.h"
#include "cowvector.h"
#include "types.h"

#include <cassert>
#include <cstdint>
#include <utility>
#include <vector>

namespace tee {

struct Holder
{
    HolderKind kind = HolderKind::CtxIdr;
    int32_t a = -1; // QteeId: the callback id's bits (read with arg())
    int32_t b = -1;
    bool operator==(const Holder &) const = default;
    // The holder's id as events and captures show it: QTEE callback ids are
    // unsigned 32-bit values (0x80000003), never negative.
    int64_t arg() const { return kind == HolderKind::QteeId ? int64_t(uint32_t(a)) : int64_t(a); }
};

struct CtxHolder
{
    CtxHolderKind kind = CtxHolderKind::File;
    int32_t a = -1;
    bool operator==(const CtxHolder &) const = default;
};

// struct qcomtee_object and its subtypes (spec §2.3).
struct KObject
{
    ObjectId id;
    ObjectType type = ObjectType::TEE;
    uint32_t qteeId = 0;        // TEE: the QTEE-hosted id
    ContextId owner;            // User/Mem: the owner context (uo->ctx)
    uint64_t userObjectId = 0;  // User: userspace id; Mem: shm id
    bool notify = false;        // User: queue a RELEASE notification on last put
    bool releaseQueued = false; // TEE: last put happened, work queued
    bool leakReported = false;  // a leak of this object was reported (once)
    CopyVector<Holder> holders; // refcount == holders.size()
    TimeNs lastNs;              // end of the last step that touched it
    int32_t refcount() const { return int32_t(holders.size()); }
    bool operator==(const KObject &) const = default;
};

// One argument of oic->u, in QTEE's grouped order (IB, OB, IO, OO).
enum class ArgType : uint8_t { IB, OB, IO, OO };
struct Arg
{
    ArgType type = ArgType::IB;
    uint32_t size = 0;   // IB/OB bytes
    ObjectId object;     // IO/OO: the kernel object (invalid = NULL object)
    uint32_t wireId = 0; // IO/OO on the wire
    bool operator==(const Arg &) const = default;
};

// struct qcomtee_ureq (spec §2.5).
struct Request
{
    RequestId id;
    ContextId ctx;
    int32_t reqId = -1;        // id in reqs_idr
    bool notification = false; // RELEASE notification (nobody waits)
    ReqState state = ReqState::New;
    uint64_t objectId = 0; // userspace id of the target user object
    ObjectId object;
    uint32_t op = 0;
    int32_t errno_ = 0;
    bool completed = false;  // complete(&ureq->c) fired
    bool argsFreed = false;  // the client's dispatch returned: args no longer valid (I12)
    bool delivered = false;  // a RECV returned it to a supplicant
    bool answered = false;   // a SEND completed it
    bool freed = false;      // kfree'd by the client path; the record stays while a
                             // supplicant still points at it (argument=srcu/none)
    ThreadId deliveredTo;    // the supplicant thread RECV handed it to
    ThreadId client;         // the thread waiting in dispatch
    uint64_t enqueueSeq = 0; // order of T1, for the FIFO check (I9)
    CopyVector<Arg> args;    // copy of the caller's oic->u (empty for notifications)
    TimeNs lastNs;           // end of the last step that touched it
    bool operator==(const Request &) const = default;
};

struct IdrEntry
{
    int32_t id = -1;
    int32_t ref = -1; // ObjectId for qtee_objects_idr; RequestId (or -1 = placeholder) for reqs_idr
    bool operator==(const IdrEntry &) const = default;
};

// A reqs_idr id whose request is over for the supplicants: delivered as a
// RELEASE notification (nothing to answer) or answered by a SEND. A later
// SEND for it is a supplicant bug (I11) even after the id left reqs_idr;
// the record goes when the id is given to a new request.
struct RetiredId
{
    int32_t id = -1;
    RequestId request;
    bool notification = false;
    // Answered by another thread's SEND (I11 reported there) before the
    // supplicant RECV gave it to sent its own answer: that first SEND is not
    // a second answer. Invalid otherwise (always, with correct supplicants).
    ThreadId stolenFrom = {};
    bool operator==(const RetiredId &) const = default;
};

// tee_context + struct qcomtee_context_data (spec §2.2).
struct Context
{
    ContextId id;
    ProcessId process;              // invalid for the driver's own context
    CopyVector<CtxHolder> refs;     // tee_context kref holders
    CopyVector<CtxHolder> dataRefs; // lifetime=kref: the RFC's ref_cnt holders
    bool fileOpen = true;
    bool closed = false;                 // close_context ran
    bool released = false;               // qcomtee_context_data.released
    bool ctxFreed = false;               // tee_context freed
    bool dataFreed = false;              // qcomtee_context_data freed
    CopyVector<IdrEntry> qteeObjectsIdr; // sorted by id
    CopyVector<IdrEntry> reqsIdr;        // sorted by id
    CopyVector<int32_t> reqsList;        // RequestId values, FIFO
    CopyVector<RetiredId> retiredIds;    // for I11 (not driver state: the checker's memory), by id
    int32_t reqC = 0;                    // req_c completion count
    ThreadId reqsLockOwner;              // invalid when free
    CopyVector<int32_t> lockWaiters;     // threads asleep on reqs_lock, FIFO (mutex wait list)
    bool lockWoken = false;              // mutex_unlock woke lockWaiters.front(): it retries next
    TimeNs lastNs; // end of the last step that touched it: its lock, lists, idrs, req_c
    int32_t srcuReaders = 0;
    bool operator==(const Context &) const = default;
};

// Where a thread is. User = running its program; the rest are kernel paths.
enum class Phase : uint8_t {
    User,
    Exited,
    // direct invocation / release worker (spec §3.1, §3.2, §2.8)
    InvokeReply,  // QTEE's answer is in oic.reply; next step handles it
    DispatchWait, // blocked in qcomtee_user_object_dispatch (killable)
    DispatchSrcu, // argument=srcu: kill path in synchronize_srcu
    CbRespond,    // build the callback response and make the SMC
    // supplicant RECV (spec §3.4)
    RecvSelect,  // take reqs_lock, ureq_select
    RecvWait,    // blocked on req_c (interruptible)
    RecvMarshal, // marshal argument recvArg of recvReq
    RecvRelock,  // RELEASE notification: take the lock again (T4)
    // supplicant SEND (spec §3.5)
    SendUnmarshal, // convert output argument sendArg
    // file release (spec §3.7)
    CloseContext, // close_context step 1: released, requests destroyed
    CloseObjects, // close_context step 2: put every QTEE object in the idr
    ExitFiles,    // do_exit: drop the next file
    WorkerIdle,   // release worker waiting for work
    // device removal (spec §2.8 Remove)
    DeviceRemove, // in tee_device_unregister until every context is released
};
const char *phaseName(Phase p);

// The QTEE peer's per-invocation cursor, interpreted by the simulator.
struct QteeCall
{
    uint32_t target = 0; // QTEE object id invoked
    uint32_t op = 0;
    int32_t script = -1; // simulator's script index
    int32_t pc = 0;
    CopyVector<uint32_t> received; // callback ids received as IO, in order
    CopyVector<uint32_t> cbOut;    // callback ids returned by the last callback response (OO)
    // QTEE has given its final answer (or the SMC failed): the invocation
    // is over on QTEE's side, though the kernel may still be reading it. A
    // call waiting for a callback's answer is not finished.
    bool finished = false;
    bool operator==(const QteeCall &) const = default;
};

// A message from QTEE: a final result or a callback request, plus async
// release messages (spec §2.9).
struct QteeReply
{
    enum class Kind : uint8_t { None, Final, Callback, SmcError } kind = Kind::None;
    int32_t result = 0;
    CopyVector<uint32_t> outIds; // Final: OO wire ids
    CopyVector<uint32_t> outOb;  // Final: the OB sizes QTEE reports (absent: as given)
    uint32_t cbTarget = 0;       // Callback: callback object id
    uint32_t cbOp = 0;
    CopyVector<uint32_t> cbIb, cbOb; // sizes
    CopyVector<uint32_t> cbIo;       // wire ids
    uint32_t cbOo = 0;
    CopyVector<uint32_t> asyncRelease;
    bool operator==(const QteeReply &) const = default;
};

// struct qcomtee_object_invoke_ctx (spec §2.7): its fields; Oic below.
struct OicFields
{
    bool active = false;
    bool busy = false, notifyFlag = false, shared = false;
    bool worker = false; // the shared oic of qcomtee_wq
    ContextId ctx;
    ObjectId target; // direct invocation target (invalid = ROOT)
    uint32_t op = 0;
    uint64_t ibValue = 0;   // first IB's payload value (simulated, e.g. a service uid)
    CopyVector<Arg> args;   // the direct invocation's arguments
    ObjectId object;        // oic->object during a callback
    bool objectRef = false; // a reference is held on oic->object
    uint32_t cbOp = 0;
    CopyVector<Arg> u;  // callback arguments (oic->u)
    int32_t errno_ = 0; // callback result
    RequestId data;     // oic->data: request handed to notify
    QteeReply reply;
    QteeCall qtee;
    bool operator==(const OicFields &) const = default;
};

// A thread's own oic is reset whole (`= Oic{}`) when its invocation ends
// and set up afresh when the next one starts, so an idle one (not active,
// not the release worker's shared oic, which keeps its flags between work
// items) always equals Oic{}. Assigning one idle oic to another is then a
// no-op, and is skipped: most threads are idle in most states, and copying
// States is what exploration does most (simulator/explore.cpp checks the
// invariant in debug builds).
struct Oic : OicFields
{
    Oic() = default;
    Oic(const Oic &) = default;
    Oic(Oic &&) = default;
    Oic &operator=(const Oic &o)
    {
        if (!(idle() && o.idle()))
            OicFields::operator=(o);
        else
            assert(isDefault() && o.isDefault());
        return *this;
    }
    Oic &operator=(Oic &&o)
    {
        if (!(idle() && o.idle()))
            OicFields::operator=(std::move(o));
        else
            assert(isDefault() && o.isDefault());
        return *this;
    }
    bool idle() const { return !active && !worker; }
    bool isDefault() const { return static_cast<const OicFields &>(*this) == OicFields{}; }
    bool operator==(const Oic &) const = default;
};

// What a user thread asks of the kernel (the environment fills it).
enum class SyscallKind : uint8_t {
    None,
    Open,         // open /dev/tee
    Close,        // close(fd)
    Invoke,       // TEE_IOC_OBJECT_INVOKE (op 0xFFFF = release)
    SupplRecv,    // TEE_IOC_SUPPL_RECV
    SupplSend,    // TEE_IOC_SUPPL_SEND
    ShmAlloc,     // TEE_IOC_SHM_ALLOC
    Kill,         // kill(pid, SIGKILL)
    Compute,      // user-space work, no kernel entry (costs time)
    RemoveDevice, // unbind the driver: qcomtee_remove (spec §2.8 Remove, §7 case 20)
    Exit,         // the program is done: the thread exits
};
const char *syscallName(SyscallKind k);

struct ObjRefParam
{
    // Unflagged: an objref with no flag the driver recognises (USER, TEE,
    // MEM), which it refuses with -EINVAL (spec §3.1 step 5, §6.1).
    enum class Kind : uint8_t { Null, User, Tee, Mem, Unflagged } kind = Kind::Null;
    uint64_t id = 0; // user object id, idr id, or shm id
    // What the driver converts it as: qcomtee_objref_to_arg tests the id
    // for TEE_OBJREF_NULL before any flag (spec §2.4, §3.1 step 5), so that
    // id is the NULL object whatever the flags say.
    Kind converted() const { return id == TEE_OBJREF_NULL ? Kind::Null : kind; }
    bool operator==(const ObjRefParam &) const = default;
};

struct Syscall
{
    SyscallKind kind = SyscallKind::None;
    int32_t fd = -1;
    // Invoke
    uint64_t objectId = TEE_OBJREF_NULL; // idr id, or TEE_OBJREF_NULL for ROOT
    uint32_t op = 0;
    CopyVector<uint32_t> ib, ob;
    uint64_t ibValue = 0; // payload of the first IB (simulated: e.g. a uid)
    CopyVector<ObjRefParam> io;
    uint32_t oo = 0;
    // Recv: capacity and scratch buffer. Send: request id, errno and outputs.
    int32_t numParams = 0;
    uint32_t bufSize = 0;
    int32_t reqId = -1;
    int32_t ret = 0;
    CopyVector<uint32_t> obOut;    // SEND: OB sizes written
    CopyVector<ObjRefParam> ooOut; // SEND: OO objrefs
    int32_t sendParams = -1;       // SEND: num_params - 1 the supplicant passes (-1 = matches)
    // Kill
    int32_t process = -1;
    int64_t computeNs = 0;
    bool operator==(const Syscall &) const = default;
};

// What the kernel gives back to user space.
struct SyscallResult
{
    int32_t errno_ = 0;             // ioctl return (0 or negative errno)
    int32_t ret = 0;                // OBJECT_INVOKE: arg.ret (QTEE result)
    int32_t fd = -1;                // Open
    int32_t shmId = -1;             // ShmAlloc
    CopyVector<int64_t> outObjects; // OBJECT_INVOKE: OO idr ids (-1 for NULL)
    // SUPPL_RECV
    int32_t reqId = -1;
    uint64_t objectId = 0;
    uint32_t op = 0;
    int32_t numArgs = 0;
    CopyVector<ArgType> argTypes;
    CopyVector<int64_t> inObjects; // IO ids as handed to the supplicant
    // per IO: 1 when it is the supplicant's own user object (OBJREF_INPUT
    // flag USER), 0 for a TEE object (its id is in qtee_objects_idr)
    CopyVector<uint8_t> inUser;
    bool operator==(const SyscallResult &) const = default;
};

struct Thread
{
    ThreadId id;
    ProcessId process;
    bool worker = false;
    Phase phase = Phase::User;
    bool fatalPending = false;
    BlockReason blocked = BlockReason::None;
    // user program position and thread-local registers, owned by the environment
    int32_t pc = 0;
    CopyVector<int64_t> regs;
    // syscall in progress
    Syscall sc;
    SyscallResult res;
    int32_t file = -1; // index in State::files held by the ioctl in progress
    Oic oic;
    RequestId dispatchReq; // request this thread waits for in dispatch
    bool killPath = false; // dispatch was interrupted by the fatal signal
    // supplicant
    RequestId recvReq;
    int32_t recvArg = 0;
    RequestId sendReq;
    int32_t sendArg = 0;
    // in mutex_lock on this context's reqs_lock, on its wait list until it
    // takes the lock (uninterruptible: only the holder's unlock wakes it, and
    // a fatal signal does not make it leave)
    ContextId lockWait;
    // argument=srcu (the RFC): the context whose req_srcu read section this
    // thread is in (RECV marshalling, SEND unmarshalling), invalid outside one
    ContextId srcuRead;
    // in synchronize_srcu: the readers that were in a read section of its
    // context when it was called, still there (later readers are not waited
    // for: SRCU's grace period covers only the sections that began before)
    CopyVector<int32_t> srcuWaitFor;
    // file release work
    ContextId closing;
    bool exiting = false; // do_exit is dropping the process's files
    TimeNs clockNs;       // end of its last step: its own CPU is free from then
    TimeNs startNs;       // start of its last step (a kill from elsewhere comes after it)
    bool operator==(const Thread &) const = default;
};

struct File
{
    ContextId ctx;
    int32_t refs = 0; // fd table entry + ioctls in flight
    bool operator==(const File &) const = default;
};

struct Process
{
    ProcessId id;
    CopyVector<int32_t> fds;  // fd number -> index in State::files (-1 = closed)
    CopyVector<int64_t> regs; // user program variables, owned by the environment
    bool killed = false;
    bool exited = false;
    int32_t liveThreads = 0;
    TimeNs fdsNs; // end of the last step that changed the fd table (open, close, exit_files)
    bool operator==(const Process &) const = default;
};

// QTEE's own view (the peer's state, interpreted by the simulator).
struct QteeObject
{
    uint32_t qteeId = 0;
    int32_t service = -1;       // simulator's service index, -1 = client env
    int32_t kernelRefs = 0;     // references the kernel holds (I5)
    int32_t failedReleases = 0; // RELEASE SMCs failed so far (simulated transport errors)
    int32_t failedInvokes = 0;  // invocation SMCs failed so far (the same)
    bool operator==(const QteeObject &) const = default;
};

// A callback id QTEE keeps by name ("held:NAME"). The QTEE object that kept
// it (`owner`) finds its own first; any other object finds the newest one of
// that name, so a service can call a listener one client registered from
// another client's invocation. When the owner dies, QTEE gives the id back.
struct QteeHeld
{
    int32_t slot = -1;
    uint32_t cbId = 0;
    uint32_t owner = 0;
    bool operator==(const QteeHeld &) const = default;
};

struct QteeSide
{
    uint32_t nextObjectId = 0x100;
    std::vector<QteeObject> objects;
    std::vector<QteeHeld> held;   // kept callback ids, oldest first
    std::vector<uint32_t> cbHeld; // every callback id QTEE believes it holds
    bool operator==(const QteeSide &) const = default;
};

// A tee_shm (TEE_IOC_SHM_ALLOC); memory objects are built from it (spec §2.3).
struct Shm
{
    int32_t id = -1;
    ContextId ctx;
    int32_t refs = 0;     // userspace's reference + one per memory object
    bool userRef = false; // userspace still holds it (dropped at process exit)
    uint32_t size = 0;
    bool operator==(const Shm &) const = default;
};

struct WorkItem
{
    ObjectId object;
    bool operator==(const WorkItem &) const = default;
};

// The scenario faults already taken, one bit per fault index (the loader
// accepts 1024). It grows when a fault past its end is taken, so a State that
// took none allocates nothing; it never ends in a zero word, so two sets are
// equal exactly when their words are.
struct FaultSet
{
    std::vector<uint64_t> words;
    bool has(size_t i) const { return i / 64 < words.size() && (words[i / 64] >> (i % 64) & 1u); }
    void add(size_t i)
    {
        if (i / 64 >= words.size())
            words.resize(i / 64 + 1);
        words[i / 64] |= uint64_t(1) << (i % 64);
    }
    bool operator==(const FaultSet &) const = default;
};

struct State
{
    uint64_t step = 0;
    // Simulated time (docs/model.md, "Time"): every thread has its own clock
    // and CPU; a step starts when its thread is free and every entity it
    // touches was last touched, and lasts its cost. None of it is hashed: the
    // order of the steps, not their times, makes a state.
    int64_t tNs = 0;    // the latest end of any step so far
    TimeNs stepStartNs; // the last step's span
    TimeNs stepEndNs;
    TimeNs qteeNs; // end of the last step that talked to QTEE
    TimeNs wqNs;   // ... that touched qcomtee_wq
    TimeNs xaNs;   // ... that touched xa_local_objects
    std::vector<Process> processes;
    CowVector<Thread> threads; // the release worker is the last one; write with thread()
    std::vector<File> files;
    std::vector<Context> contexts;        // index == ContextId; 0 is the driver's
    std::vector<KObject> objects;         // live objects, sorted by id
    std::vector<Request> requests;        // live requests, sorted by id
    std::vector<IdrEntry> xaLocalObjects; // cb id -> ObjectId, sorted
    uint32_t xaLastId = 0;
    std::vector<WorkItem> wq; // qcomtee_wq (ordered)
    std::vector<Shm> shms;    // live tee_shm, sorted by id
    int32_t nextObject = 0;
    int32_t nextRequest = 0;
    uint64_t enqueueSeq = 0;
    // qcomtee_remove has run teedev_close_context on the driver context and
    // tee_device_unregister has deleted /dev/tee (no new opens).
    bool deviceRemoved = false;
    FaultSet faultsTaken;
    QteeSide qtee;
    bool operator==(const State &) const = default;

    uint64_t hash() const;

    // Lookups (nullptr when gone).
    KObject *object(ObjectId id);
    const KObject *object(ObjectId id) const;
    Request *request(RequestId id);
    const Request *request(RequestId id) const;
    Context &context(ContextId id) { return contexts[size_t(id.v)]; }
    const Context &context(ContextId id) const { return contexts[size_t(id.v)]; }
    Thread &thread(ThreadId id) { return threads.mut(size_t(id.v)); } // for writing
    const Thread &thread(ThreadId id) const { return threads[size_t(id.v)]; }
    const Thread &worker() const { return threads.back(); }
    // Asleep in mutex_lock: on reqs_lock's wait list and not the first
    // waiter that an unlock woke (that one is runnable: it retries).
    bool lockAsleep(const Thread &t) const
    {
        if (!t.lockWait.valid())
            return false;
        const Context &c = context(t.lockWait);
        return !(c.lockWoken && !c.lockWaiters.empty() && c.lockWaiters.front() == t.id.v);
    }
};

} // namespace tee
