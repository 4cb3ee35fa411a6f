// The timeline of one run as a GUI-free model: lanes (threads, QTEE, the
// release workqueue, contexts, reqs_locks, objects, requests), the intervals
// and instants on them, the callback flows, and a per-step table, with the
// queries a view needs (state after a step, a window on the step or the time
// axis, a hit test). Built once from a Trace; never reads trace.final (a
// capture read from disk has none) nor any label or detail string. Every
// reference is a typed id or an index into one of the model's flat vectors:
// no pointers, no strings, no per-interval heap block.
//
// Time. A step k runs in [StepInfo::startNs, StepInfo::endNs] of simulated
// time. A transition an event causes takes place at the end of its step,
// except those that open the acting thread's own step (the event's thread is
// the step's actor): SyscallEnter, Woken, LockAcquire, WorkStarted,
// QteeCallback, QteeResult and SmcFailed happen at the step's start. Time is
// per thread: a later step may start before an earlier step of another
// thread, so the intervals of one lane may be out of order, or overlap, on
// the time axis (an interval's own end is never before its start: it is
// clamped, and Interval::kClamped says so).
//
// Steps. An interval opened by an event of step a and closed by an event of
// step b has firstStep a and lastStep b (a <= b; both equal when one step
// opened and closed it). It describes the lane "after step a" until the
// state changes at step b. Thread lanes start at step 0 (time 0, before the
// first step). An interval still open at the end of the run ends at the last
// step and at endNs() and has Interval::kOpenAtEnd.
//
// Lanes, and what opens and closes their intervals (a lane exists only if
// something happened on it; intervals of one lane never overlap on the step
// axis except on Workqueue and Qtee):
//   Thread     Running from step 0 (the worker: Idle); InKernel at
//              SyscallEnter (the worker: WorkStarted); Blocked at Blocked,
//              back to what it was at Woken; Running at SyscallReturn (the
//              worker: Idle at WorkDone/WorkRequeued); Exited at ThreadExit.
//              Killed (of its process, if not exited) splits the interval
//              and sets `killed` from then on.
//   Context    Open / Closed / Released at ContextOpened / ContextClosed /
//              ContextReleased, split whenever the count of live User objects
//              it owns changes; ContextDataFreed ends the lane.
//   Object     ObjectCreated, then one interval per RefGet / RefPut (and per
//              XaAlloc naming the QTEE copy's reference); ObjectFreed ends it.
//   Request    one interval per RequestState (QUEUED, PROCESSING, PROCESSED,
//              Placeholder); REMOVED ends it, and so does the client's
//              DispatchReturn for a PROCESSED request (T10 frees it with no
//              REMOVED event).
//   Lock       one interval per LockAcquire .. LockRelease of that ctx
//              (the holder); no interval while free.
//   Workqueue  per object: Pending from WorkQueued (or WorkRequeued) to
//              WorkStarted, Running from WorkStarted to WorkDone/Requeued.
//   Qtee       per thread: from SmcInvoke / SmcCallbackResponse to
//              QteeCallback / QteeResult / SmcFailed.
#pragma once

#include "core/event.h"
#include "core/state.h"
#include "simulator/simulator.h"

#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace tee::sim {

// The lane groups. Lanes are ordered threads (by id, the release worker
// last), Qtee, Workqueue, then contexts, locks, objects and requests, each
// by id; lanes of one kind are contiguous, so a view can collapse a group.
enum class LaneKind : uint8_t { Thread, Context, Object, Request, Lock, Workqueue, Qtee };

// Thread: ThreadId.v; Context: ContextId.v; Object: ObjectId.v; Request:
// RequestId.v (the serial, not the reqs_idr id); Lock: the ContextId.v whose
// reqs_lock it is; Workqueue and Qtee: 0.
struct LaneKey
{
    LaneKind kind = LaneKind::Thread;
    int32_t id = 0;
    bool operator==(const LaneKey &) const = default;
};

enum class Axis : uint8_t { Step, Time };

inline constexpr uint32_t kNone = 0xFFFFFFFFu; // no lane, interval, instant or event

// -- interval payloads --------------------------------------------------------

enum class ThreadState : uint8_t {
    Running,  // user space
    InKernel, // between SyscallEnter and SyscallReturn (the worker: running a work item)
    Blocked,  // asleep (reason, ctx, peer, request say on what), or waiting in user space
              // for another thread's variables (reason UserWait, waitStep)
    Exited,   // after ThreadExit
    Idle,     // the release worker waiting for work
};

struct ThreadSpan
{
    ThreadState state = ThreadState::Running;
    BlockReason reason = BlockReason::None;  // Blocked: Completion, ReqC, Srcu or Lock
    SyscallKind syscall = SyscallKind::None; // InKernel and Blocked: the syscall in progress
    bool killed = false;                     // its process got Killed at or before this interval
    ContextId ctx;                           // Blocked on Lock (the reqs_lock's ctx), or as known
    ThreadId peer;                           // Blocked on Lock: the holder
    RequestId request;                       // Blocked on Completion (and Srcu): the request
    int32_t waitStep = -1; // Blocked on UserWait: the index of the wait step in its program
    bool operator==(const ThreadSpan &) const = default;
};

enum class ContextState : uint8_t {
    Open,     // ContextOpened (or first seen)
    Closed,   // ContextClosed: close_context ran
    Released, // ContextReleased: the tee_context was freed; ContextDataFreed ends the lane
};

struct ContextSpan
{
    ContextState state = ContextState::Open;
    int32_t pins = 0; // live User objects owned by the context
    bool operator==(const ContextSpan &) const = default;
};

// One holder of an object reference as events carry it: a HolderKind and the
// holder's id (a thread, a context, an object, or a QTEE callback id, which is
// an unsigned 32-bit value).
struct HolderRef
{
    HolderKind kind = HolderKind::CtxIdr;
    uint32_t bits = 0xFFFFFFFFu;
    int64_t arg() const
    {
        return kind == HolderKind::QteeId ? int64_t(bits) : int64_t(int32_t(bits));
    }
    static HolderRef make(HolderKind k, int64_t arg) { return {k, uint32_t(uint64_t(arg))}; }
    bool operator==(const HolderRef &) const = default;
};

// What made an object interval: ObjectCreated, a RefGet, a RefPut, or an
// XaAlloc naming the QTEE copy's reference (taken with callback id 0) by the
// id just allocated (changed() is the holder after).
enum class RefChange : uint8_t { Created, Get, Put, Named };

struct ObjectSpan
{
    int32_t refcount = 0;     // after the change
    uint32_t holderBegin = 0; // internal: Timeline::holders() reads the holders
    uint16_t holderCount = 0; // internal (kNoSnapshot: rebuilt from earlier intervals)
    RefChange change = RefChange::Created;
    HolderKind changedKind = HolderKind::CtxIdr; // the holder added, removed or named
    uint32_t changedBits = 0;
    HolderRef changed() const { return {changedKind, changedBits}; }
    static constexpr uint16_t kNoSnapshot = 0xFFFF;
    bool operator==(const ObjectSpan &) const = default;
};

// One tee_context kref holder as ContextGet/ContextPut carry it (spec §2.2):
// the open file, a user object, a QTEE object of ctx0, an ioctl, a tee_shm.
struct CtxHolderRef
{
    CtxHolderKind kind = CtxHolderKind::File;
    int64_t arg = -1;
    bool operator==(const CtxHolderRef &) const = default;
};

// A change of a tee_context's kref: a ContextGet or ContextPut of the kref
// itself (lifetime=kref's qcomtee_context_data ref_cnt is not it). A context
// lane is not split at these (an ioctl takes and drops one); the Contexts
// inspector and the Chrome trace's context refcount counters read them.
struct ContextRefChange
{
    uint64_t step = 0;
    int64_t tNs = 0;
    uint32_t event = kNone; // in trace.events
    int32_t refcount = 0;   // after the change
    bool get = false;
    CtxHolderRef holder;
};

struct RequestSpan
{
    ReqState state = ReqState::QUEUED; // QUEUED, PROCESSING, PROCESSED or Placeholder
    int32_t errno_ = 0;                // PROCESSED: the stored errno
    ThreadId actor;                    // the thread whose step made the change (RECV, SEND...)
    bool operator==(const RequestSpan &) const = default;
};

struct LockSpan
{
    ThreadId holder;
    bool operator==(const LockSpan &) const = default;
};

enum class WorkState : uint8_t { Pending, Running };

struct WorkSpan
{
    ObjectId object;
    WorkState state = WorkState::Pending;
    bool operator==(const WorkSpan &) const = default;
};

enum class QteeMessage : uint8_t { None, Invoke, CallbackResponse, Callback, Result, Failed };

struct QteeSpan
{
    ThreadId thread;                        // whose message QTEE is working on
    QteeMessage sent = QteeMessage::Invoke; // Invoke or CallbackResponse
    QteeMessage answer = QteeMessage::None; // Callback, Result, Failed (None: open at end)
    uint32_t op = 0;                        // Invoke: the op
    uint32_t qteeId = 0;                    // Invoke: the target
    bool operator==(const QteeSpan &) const = default;
};

// One interval: 56 bytes, in one flat vector, grouped by lane, each lane's
// intervals sorted by firstStep (creation order).
struct Interval
{
    uint32_t lane = kNone;
    uint32_t firstStep = 0;
    uint32_t lastStep = 0;
    uint32_t event = kNone; // index in trace.events of the event that opened it (kNone: initial)
    int64_t startNs = 0;
    int64_t endNs = 0;
    LaneKind kind = LaneKind::Thread; // says which payload accessor applies
    uint8_t flags = 0;
    static constexpr uint8_t kOpenAtEnd = 1; // still open when the run ended
    static constexpr uint8_t kClamped = 2;   // its closing event came earlier in time: end = start
    bool openAtEnd() const { return flags & kOpenAtEnd; }
    // The payload, read by the accessor of the interval's kind.
    ThreadSpan thread() const { return get<ThreadSpan>(); }    // LaneKind::Thread
    ContextSpan context() const { return get<ContextSpan>(); } // LaneKind::Context
    ObjectSpan object() const { return get<ObjectSpan>(); }    // LaneKind::Object
    RequestSpan request() const { return get<RequestSpan>(); } // LaneKind::Request
    LockSpan lock() const { return get<LockSpan>(); }          // LaneKind::Lock: held
    WorkSpan work() const { return get<WorkSpan>(); }          // LaneKind::Workqueue
    QteeSpan qtee() const { return get<QteeSpan>(); }          // LaneKind::Qtee
    template <class T>
    T get() const
    {
        static_assert(sizeof(T) <= sizeof(payload) && std::is_trivially_copyable_v<T>);
        T v;
        std::memcpy(static_cast<void *>(&v), payload, sizeof(T));
        return v;
    }
    template <class T>
    void set(const T &v)
    {
        static_assert(sizeof(T) <= sizeof(payload) && std::is_trivially_copyable_v<T>);
        std::memcpy(payload, static_cast<const void *>(&v), sizeof(T));
    }
    uint32_t payload[5] = {0, 0, 0, 0, 0}; // (56 bytes an interval, as with 4: padding)
};
static_assert(sizeof(Interval) <= 56, "an interval per lane change: keep it small");

// -- instants and flows -------------------------------------------------------

enum class InstantKind : uint8_t {
    Kill,          // Killed, on every live thread lane of the process (run level if none)
    AsyncRelease,  // on the Qtee lane
    ReleaseSmc,    // SmcInvoke with op QCOMTEE_MSG_OBJECT_OP_RELEASE, on the Qtee lane
    QteeCallback,  // on the called thread's lane
    SyscallEnter,  // on the thread's lane
    SyscallReturn, // on the thread's lane
    Violation,     // Violation, Gap, Note: on the request's, else the object's, else the
    Gap,           // context's, else the thread's lane; else run level
    Note,
    RefGet, // on the object's lane
    RefPut,
};

struct Instant
{
    uint32_t lane = kNone;
    uint32_t step = 0;
    int64_t tNs = 0;
    uint32_t event = kNone;
    InstantKind kind = InstantKind::Note;
};

enum class FlowKind : uint8_t {
    Callback, // QteeCallback (thread lane) -> the request it queued (request lane), same or
              // next step of that thread
    Delivery, // QUEUED (request lane) -> the RECV that took it: QUEUED->PROCESSING (the
              // supplicant's thread lane)
    Reply,    // that RECV -> PROCESSING->PROCESSED, the SEND (its thread lane)
};

struct FlowEnd
{
    uint32_t lane = kNone;
    uint32_t step = 0;
    int64_t tNs = 0;
    uint32_t event = kNone;
};

struct Flow
{
    FlowKind kind = FlowKind::Callback;
    RequestId request;
    FlowEnd from;
    FlowEnd to;
};

// -- lanes and steps ----------------------------------------------------------

// What stays the same over a lane's life (from the event that created it).
struct LaneAttrs
{
    ProcessId process;                       // Thread (when known)
    bool worker = false;                     // Thread: the release worker
    bool notification = false;               // Request: a RELEASE notification (no client)
    ObjectType objectType = ObjectType::TEE; // Object
    ContextId ctx;                           // Object: owner; Request: its context
    ObjectId object;                         // Request: the target user object
    ThreadId client;                         // Request: the thread waiting in dispatch
    int32_t reqId = -1;                      // Request: its reqs_idr id
    uint32_t op = 0;                         // Request: the op
    uint32_t qteeId = 0;                     // Object: the QTEE id (TEE)
    uint64_t userObjectId = 0;               // Object (User), Request: the user object id
};

struct Lane
{
    LaneKey key;
    uint32_t intervalBegin = 0, intervalEnd = 0; // [begin, end) in intervals()
    uint32_t instantBegin = 0, instantEnd = 0;   // [begin, end) in instants()
    uint32_t firstStep = 0, lastStep = 0;        // span of everything on the lane
    LaneAttrs attrs;
};

struct StepInfo
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    ThreadId actor;          // invalid for a kill (a scenario fault)
    uint32_t eventBegin = 0; // its events: [eventBegin, eventEnd) of trace.events
    uint32_t eventEnd = 0;
};

// -- query results ------------------------------------------------------------

// Every lane live after a step: thread lanes always; a context until
// ContextDataFreed; an object while alive; a request until REMOVED; a lock
// while held; the Workqueue and Qtee lanes once per active interval.
struct StateAfter
{
    struct Entry
    {
        uint32_t lane = kNone;
        uint32_t interval = kNone; // its payload is the state
        uint32_t holderBegin = 0;  // objects: holders[holderBegin, +holderCount)
        uint32_t holderCount = 0;
    };
    uint64_t step = 0;
    std::vector<Entry> entries; // in lane order
    std::vector<HolderRef> holders;
};

struct Hit
{
    enum class What : uint8_t { None, Interval, Instant } what = What::None;
    uint32_t index = kNone; // in intervals() or instants()
    int64_t distance = 0;   // 0 when x is inside the interval (or on the instant)
};

// -----------------------------------------------------------------------------

class Timeline
{
public:
    Timeline() = default;
    // threadCount includes the release worker, the last thread. processOf
    // gives each thread's process (index = ThreadId.v; the worker's is
    // invalid): Killed names a process, and only this says which threads it
    // hits. When empty, the only threads known are those whose ProcessExit
    // says so (threadProcesses() builds it from a scenario). Events must be
    // in step order, as every Trace has them. O(E + S + I log I).
    Timeline(const Trace &trace, int32_t threadCount, int32_t processCount,
             std::span<const ProcessId> processOf = {});

    // Each thread's process in scenario order, the worker last (invalid).
    static std::vector<ProcessId> threadProcesses(const Scenario &scenario);

    // -- the run --------------------------------------------------------------
    uint64_t stepCount() const { return m_stepCount; }
    const StepInfo &step(uint64_t k) const { return m_steps[size_t(k)]; } // 0..stepCount
    int64_t endNs() const { return m_endNs; }                             // the latest step end
    int32_t threadCount() const { return m_threadCount; }
    int32_t processCount() const { return m_processCount; }

    std::span<const Lane> lanes() const { return m_lanes; }
    uint32_t laneOf(LaneKey key) const;                             // O(log L); kNone if absent
    std::pair<uint32_t, uint32_t> lanesOfKind(LaneKind kind) const; // [begin, end), O(log L)
    std::span<const Interval> intervals() const { return m_intervals; }
    std::span<const Interval> intervalsOf(uint32_t lane) const;
    std::span<const Instant> instants() const { return m_instants; } // grouped by lane
    std::span<const Instant> instantsOf(uint32_t lane) const;
    std::span<const Instant> runInstants() const { return m_runInstants; } // no lane
    std::span<const Flow> flows() const { return m_flows; }                // by from.step
    // An object interval's holders (the multiset after its change), into
    // `out` (cleared). O(h + 8 deltas at most).
    void holders(uint32_t interval, std::vector<HolderRef> &out) const;

    // A context's kref changes in step order (index = ContextId; none for
    // an id the run never named).
    std::span<const ContextRefChange> contextRefChanges(int32_t ctx) const;
    // The kref's holders after step N (the multiset; ctx0 starts with the
    // driver's own reference from qcomtee_probe, the engine's file -1).
    // O(log n + h) from the nearest stored copy (at most max(16, h) changes
    // before).
    void contextHolders(int32_t ctx, uint64_t step, std::vector<CtxHolderRef> &out) const;

    // -- query 1: the state after step N ----------------------------------------
    // The interval in effect on `lane` after step N: the last one with
    // firstStep <= N, unless it was closed by step N (the lane then has no
    // state: freed, removed, lock free). For lanes whose intervals overlap
    // (Workqueue, Qtee) use activeAfter. O(log n), n = the lane's intervals.
    uint32_t intervalAfter(uint32_t lane, uint64_t step) const;
    // Every interval active after step N on any lane: firstStep <= N and
    // (N < lastStep or open at end). O(log n + k).
    void activeAfter(uint32_t lane, uint64_t step, std::vector<uint32_t> &out) const;
    // Every live lane after step N, with object holders. O(log L + m log n)
    // for m live lanes (a lane-lifetime tree finds them; no replay).
    void stateAfter(uint64_t step, StateAfter &out) const;
    StateAfter stateAfter(uint64_t step) const;

    // -- query 2: a window -------------------------------------------------------
    // Intervals overlapping the closed window [from, to] on the axis
    // (steps, or ns): interval [firstStep, lastStep] or [startNs, endNs]
    // meets it. All lanes: O(log I + k) over a global interval tree; some
    // lanes: O(sum of log n + k) over per-lane trees. `out` gets indices in
    // intervals() (appended in no particular order after clear()).
    void intervalsIn(Axis axis, int64_t from, int64_t to, std::vector<uint32_t> &out) const;
    void intervalsIn(Axis axis, int64_t from, int64_t to, std::span<const uint32_t> lanes,
                     std::vector<uint32_t> &out) const;
    // Instants in [from, to] (step or tNs): indices in instants(). Same costs.
    void instantsIn(Axis axis, int64_t from, int64_t to, std::vector<uint32_t> &out) const;
    void instantsIn(Axis axis, int64_t from, int64_t to, std::span<const uint32_t> lanes,
                    std::vector<uint32_t> &out) const;
    // Flows with an end in, or spanning, [from, to]. O(log F + k).
    void flowsIn(Axis axis, int64_t from, int64_t to, std::vector<uint32_t> &out) const;

    // -- query 3: hit test ------------------------------------------------------
    // What is at x on `lane`: the nearest instant within `tolerance`; else
    // the interval containing x (of several, the one that started last, as
    // intervalAfter picks on the step axis); else the nearest interval
    // within `tolerance` (distance to its nearer end). Ties: the higher
    // index. O(log n + k) for k candidates within the tolerance.
    Hit hitTest(uint32_t lane, Axis axis, int64_t x, int64_t tolerance) const;

    // Heap bytes the model holds (capacities), for the benchmark.
    size_t memoryBytes() const;

private:
    friend struct TimelineBuilder;

    // The query indexes are static interval trees over arrays sorted by
    // start: an implicit binary tree on the positions with the largest end
    // of each subtree (H. Li's cgranges); *Root is the root's level.
    std::vector<StepInfo> m_steps; // index = step, 0 = before the first
    uint64_t m_stepCount = 0;
    int64_t m_endNs = 0;
    int32_t m_threadCount = 0;
    int32_t m_processCount = 0;

    std::vector<Lane> m_lanes;
    std::vector<Interval> m_intervals;
    std::vector<HolderRef> m_holderPool;
    // Per context id: its kref changes, and copies of the holders before
    // some changes (snapAt[k]: the holders after the first snapAt[k]
    // changes, the first copy at 0; at least every 16th change).
    struct ContextRefs
    {
        std::vector<ContextRefChange> changes;
        std::vector<uint32_t> snapAt, snapBegin, snapCount; // in m_ctxHolderPool
    };
    std::map<int32_t, ContextRefs> m_contextRefs; // (a map: a capture may name any id)
    std::vector<CtxHolderRef> m_ctxHolderPool;
    std::vector<Instant> m_instants;
    std::vector<Instant> m_runInstants;
    std::vector<Flow> m_flows;

    // Per lane, step axis: the lane's own intervals (sorted by firstStep),
    // max lastStep per implicit node.
    std::vector<uint32_t> m_laneStepMax;
    std::vector<int8_t> m_laneStepRoot;
    // Per lane, time axis: the lane's intervals by startNs, max endNs.
    std::vector<uint32_t> m_laneTimeOrder;
    std::vector<int64_t> m_laneTimeMax;
    std::vector<int8_t> m_laneTimeRoot;
    // All lanes.
    std::vector<uint32_t> m_stepOrder;
    std::vector<uint32_t> m_stepMax;
    int8_t m_stepRoot = -1;
    std::vector<uint32_t> m_timeOrder;
    std::vector<int64_t> m_timeMax;
    int8_t m_timeRoot = -1;
    // Instants: per lane by time; all lanes by step and by time.
    std::vector<uint32_t> m_laneInstantTime;
    std::vector<uint32_t> m_instantStepOrder;
    std::vector<uint32_t> m_instantTimeOrder;
    // Lane lifetimes [firstStep, lastStep] (lanes with intervals), for stateAfter.
    std::vector<uint32_t> m_lifeOrder;
    std::vector<uint32_t> m_lifeLast;
    std::vector<uint32_t> m_lifeMax;
    int8_t m_lifeRoot = -1;
    // Flows on both axes ([min, max] of their ends).
    std::vector<uint32_t> m_flowStepOrder;
    std::vector<int64_t> m_flowStepMax;
    int8_t m_flowStepRoot = -1;
    std::vector<uint32_t> m_flowTimeOrder;
    std::vector<int64_t> m_flowTimeMax;
    int8_t m_flowTimeRoot = -1;

    void buildIndexes();
    size_t contextRefBytes() const;
    void laneQuery(uint32_t lane, Axis axis, int64_t from, int64_t to,
                   std::vector<uint32_t> &out) const;
};

} // namespace tee::sim
