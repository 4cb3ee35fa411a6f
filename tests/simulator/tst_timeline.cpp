// The timeline model (simulator/timeline.h): hand-built traces for each
// lane kind and each awkward case (an interval open at the end, overlapping
// workqueue items, per-thread time out of order, kills, captures without
// spans), and built-in scenarios. The state after step N is checked against
// a brute-force replay of the events up to N (it lives here, not in the
// model), window queries against a brute-force filter, and hit tests
// against a brute-force scan.
#include "core/vocabulary.h"
#include "simulator/scenarioloader.h"
#include "simulator/timeline.h"

#include <QtTest>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace tee;
using namespace tee::sim;

namespace {

std::shared_ptr<Scenario> builtin(const char *name)
{
    std::string error;
    auto sc = loadBuiltin(name, &error);
    if (!sc)
        qWarning("%s", error.c_str());
    return sc;
}

// A trace built by hand: steps with their spans, events appended to the
// last step (times from its span).
struct TraceBuilder
{
    Trace trace;
    void step(int actor, int64_t start, int64_t end)
    {
        trace.spans.push_back({start, end, ThreadId(actor)});
        trace.schedule.push_back("step");
    }
    Event &ev(EventKind kind, int thread = -1)
    {
        Event e;
        e.step = trace.spans.size();
        e.startNs = trace.spans.empty() ? 0 : trace.spans.back().startNs;
        e.tNs = trace.spans.empty() ? 0 : trace.spans.back().endNs;
        e.kind = kind;
        e.thread = ThreadId(thread);
        trace.events.push_back(e);
        return trace.events.back();
    }
    Event &req(int request, ReqState from, ReqState to, int actor, int client = -1)
    {
        Event &e = ev(EventKind::RequestState, actor);
        e.request = RequestId(request);
        e.ctx = ContextId(1);
        e.reqId = request % 4;
        e.from = from;
        e.to = to;
        e.object = ObjectId(9);
        e.op = 7;
        e.holderArg = client;
        return e;
    }
    Event &ref(EventKind kind, int object, HolderKind h, int64_t arg, int refcount)
    {
        Event &e = ev(kind, 0);
        e.object = ObjectId(object);
        e.holder = h;
        e.holderArg = arg;
        e.refcount = refcount;
        return e;
    }
};

// -- the brute force --------------------------------------------------------

// Replays events one at a time and keeps what every entity is after the
// last step replayed. Independent of the model's intervals and indexes.
struct Reference
{
    struct Thread
    {
        ThreadSpan now;
        ThreadSpan saved;
        ContextId lockCtx; // the reqs_lock it took last: a RECV sleeps on its req_c
    };
    struct Ctx
    {
        ContextSpan span;
        bool ended = false;
        int32_t pins = 0;
    };
    struct Object
    {
        int32_t refcount = 0;
        std::vector<HolderRef> holders;
        ObjectType type = ObjectType::TEE;
        ContextId owner;
    };
    std::map<int, Thread> threads;
    std::map<int, Ctx> ctxs;
    std::map<int, Object> objects; // alive
    std::map<int, ObjectType> types;
    std::map<int, ContextId> owners;
    std::map<int, RequestSpan> requests; // alive
    std::map<int, ThreadId> locks;       // held
    std::map<int, WorkState> work;       // by object
    std::map<int, QteeSpan> qtee;        // by thread
    std::vector<ProcessId> processOf;
    int32_t threadCount = 0;

    Reference(const Trace &trace, const Timeline &tl, std::vector<ProcessId> pof)
        : processOf(std::move(pof))
        , threadCount(tl.threadCount())
    {
        processOf.resize(size_t(threadCount));
        // what the model learns without a mapping: ProcessExit's thread
        for (const Event &e : trace.events)
            if (e.kind == EventKind::ProcessExit && e.thread.valid() && e.thread.v < threadCount &&
                !processOf[size_t(e.thread.v)].valid())
                processOf[size_t(e.thread.v)] = e.process;
        for (int t = 0; t < threadCount; ++t)
            if (tl.laneOf({LaneKind::Thread, t}) != kNone) {
                Thread th;
                th.now.state = t == threadCount - 1 ? ThreadState::Idle : ThreadState::Running;
                threads[t] = th;
            }
        // The driver context (ctx0) exists from probe: shown from the
        // start when the run moves its kref.
        for (const Event &e : trace.events)
            if ((e.kind == EventKind::ContextGet || e.kind == EventKind::ContextPut) &&
                e.ctx == ContextId(0)) {
                ctxs[0];
                break;
            }
        // A thread at a wait step from the start: the engine says so at the
        // first step (model version 9), about a thread that is not its actor.
        const ThreadId firstActor = trace.spans.empty() ? ThreadId() : trace.spans[0].actor;
        for (const Event &e : trace.events)
            if (e.step == 1 && e.kind == EventKind::Blocked &&
                e.value == int32_t(BlockReason::UserWait) && e.thread != firstActor)
                if (Thread *t = thread(e.thread)) {
                    t->now.state = ThreadState::Blocked;
                    t->now.reason = BlockReason::UserWait;
                    t->now.waitStep = e.count;
                }
    }

    Thread *thread(ThreadId t)
    {
        auto it = threads.find(t.v);
        return it == threads.end() ? nullptr : &it->second;
    }

    void ctxChange(ContextId c, bool setState, ContextState s, int32_t delta)
    {
        if (!c.valid())
            return;
        Ctx &x = ctxs[c.v];
        x.pins += delta;
        if (x.ended)
            return;
        if (setState)
            x.span.state = s;
        x.span.pins = x.pins;
    }

    void apply(const Event &e)
    {
        switch (e.kind) {
        case EventKind::DispatchReturn:
            if (auto it = requests.find(e.request.v);
                it != requests.end() && it->second.state == ReqState::PROCESSED)
                requests.erase(it);
            break;
        case EventKind::RequestState:
            if (e.to == ReqState::Removed)
                requests.erase(e.request.v);
            else
                requests[e.request.v] =
                    RequestSpan{e.to, e.to == ReqState::PROCESSED ? e.errno_ : 0, e.thread};
            break;
        case EventKind::ObjectCreated:
            objects[e.object.v] = Object{0, {}, e.objectType, e.ctx};
            types[e.object.v] = e.objectType;
            owners[e.object.v] = e.ctx;
            if (e.objectType == ObjectType::User)
                ctxChange(e.ctx, false, ContextState::Open, 1);
            break;
        case EventKind::ObjectFreed:
            if (types.count(e.object.v)) {
                objects.erase(e.object.v);
                if (types[e.object.v] == ObjectType::User)
                    ctxChange(owners[e.object.v], false, ContextState::Open, -1);
            }
            break;
        case EventKind::RefGet:
        case EventKind::RefPut: {
            if (!types.count(e.object.v))
                types[e.object.v] = e.objectType;
            Object &o = objects[e.object.v];
            const HolderRef h = HolderRef::make(e.holder, e.holderArg);
            if (e.kind == EventKind::RefGet) {
                o.holders.push_back(h);
            } else {
                auto it = std::find(o.holders.begin(), o.holders.end(), h);
                if (it != o.holders.end())
                    o.holders.erase(it);
            }
            o.refcount = e.refcount >= 0 ? e.refcount : int32_t(o.holders.size());
            break;
        }
        case EventKind::XaAlloc:
            if (auto it = objects.find(e.object.v); it != objects.end())
                for (HolderRef &h : it->second.holders)
                    if (h == HolderRef{HolderKind::QteeId, 0}) {
                        h.bits = e.qteeId;
                        break;
                    }
            break;
        case EventKind::ContextOpened:
            ctxChange(e.ctx, true, ContextState::Open, 0);
            break;

        case EventKind::ContextClosed:
            ctxChange(e.ctx, true, ContextState::Closed, 0);
            break;
        case EventKind::ContextReleased:
            ctxChange(e.ctx, true, ContextState::Released, 0);
            break;
        case EventKind::ContextDataFreed:
            if (e.ctx.valid())
                ctxs[e.ctx.v].ended = true;
            break;
        case EventKind::LockAcquire:
            if (e.ctx.valid())
                locks[e.ctx.v] = e.thread;
            if (Thread *t = thread(e.thread); t && e.ctx.valid())
                t->lockCtx = e.ctx;
            break;
        case EventKind::LockRelease:
            locks.erase(e.ctx.v);
            break;
        case EventKind::SyscallEnter:
            if (Thread *t = thread(e.thread)) {
                const bool k = t->now.killed;
                t->now = ThreadSpan{};
                t->now.state = ThreadState::InKernel;
                t->now.syscall = SyscallKind(e.op);
                t->now.killed = k;
            }
            break;
        case EventKind::SyscallReturn:
        case EventKind::ThreadExit:
            if (Thread *t = thread(e.thread)) {
                const bool k = t->now.killed;
                t->now = ThreadSpan{};
                t->now.state =
                    e.kind == EventKind::ThreadExit ? ThreadState::Exited : ThreadState::Running;
                t->now.killed = k;
            }
            break;
        case EventKind::Blocked:
            if (Thread *t = thread(e.thread)) {
                if (t->now.state != ThreadState::Blocked)
                    t->saved = t->now;
                t->now.state = ThreadState::Blocked;
                t->now.reason = BlockReason(e.value);
                t->now.ctx =
                    e.ctx.valid() || t->now.reason != BlockReason::ReqC ? e.ctx : t->lockCtx;
                t->now.peer = e.peer;
                t->now.request = e.request;
                t->now.waitStep = t->now.reason == BlockReason::UserWait ? e.count : -1;
            }
            break;
        case EventKind::Woken:
            if (Thread *t = thread(e.thread); t && t->now.state == ThreadState::Blocked) {
                const bool k = t->now.killed;
                t->now = t->saved;
                t->now.killed = k;
            }
            break;
        case EventKind::Killed:
            for (int t = 0; t < threadCount; ++t)
                if (e.process.valid() && processOf[size_t(t)] == e.process)
                    if (Thread *th = thread(ThreadId(t));
                        th && th->now.state != ThreadState::Exited) {
                        th->now.killed = true;
                        th->saved.killed = true;
                    }
            break;
        case EventKind::WorkQueued:
        case EventKind::WorkRequeued:
        case EventKind::WorkStarted:
            if (e.object.valid())
                work[e.object.v] =
                    e.kind == EventKind::WorkStarted ? WorkState::Running : WorkState::Pending;
            if (e.kind != EventKind::WorkQueued)
                if (Thread *t = thread(e.thread)) {
                    const bool k = t->now.killed;
                    t->now = ThreadSpan{};
                    t->now.state = e.kind == EventKind::WorkStarted ? ThreadState::InKernel
                                                                    : ThreadState::Idle;
                    t->now.killed = k;
                }
            break;
        case EventKind::WorkDone:
            work.erase(e.object.v);
            if (Thread *t = thread(e.thread)) {
                const bool k = t->now.killed;
                t->now = ThreadSpan{};
                t->now.state = ThreadState::Idle;
                t->now.killed = k;
            }
            break;
        case EventKind::SmcInvoke:
        case EventKind::SmcCallbackResponse:
            if (e.thread.valid() && e.thread.v < threadCount) {
                QteeSpan q;
                q.thread = e.thread;
                q.sent = e.kind == EventKind::SmcInvoke ? QteeMessage::Invoke
                                                        : QteeMessage::CallbackResponse;
                q.op = e.kind == EventKind::SmcInvoke ? e.op : 0;
                q.qteeId = e.kind == EventKind::SmcInvoke ? e.qteeId : 0;
                qtee[e.thread.v] = q;
            }
            break;
        case EventKind::QteeCallback:
        case EventKind::QteeResult:
        case EventKind::SmcFailed:
            qtee.erase(e.thread.v);
            break;
        default:
            break;
        }
    }
};

QString laneText(const Timeline &tl, uint32_t lane)
{
    const LaneKey k = tl.lanes()[lane].key;
    return QStringLiteral("lane %1 (kind %2 id %3)").arg(lane).arg(int(k.kind)).arg(k.id);
}

// Compares stateAfter(N) with the reference (already replayed to N).
QString compareState(const Timeline &tl, Reference &ref, uint64_t n)
{
    const StateAfter s = tl.stateAfter(n);
    auto fail = [&](const QString &what) {
        return QStringLiteral("after step %1: %2").arg(n).arg(what);
    };
    std::set<int> threads, ctxs, objects, requests, locks;
    std::map<int, WorkState> work;
    std::map<int, QteeSpan> qtee;
    for (const StateAfter::Entry &en : s.entries) {
        const Interval &iv = tl.intervals()[en.interval];
        const LaneKey key = tl.lanes()[en.lane].key;
        if (iv.lane != en.lane || iv.kind != key.kind)
            return fail(QStringLiteral("entry names the wrong lane ") + laneText(tl, en.lane));
        // the per-lane query agrees
        if (key.kind != LaneKind::Workqueue && key.kind != LaneKind::Qtee &&
            tl.intervalAfter(en.lane, n) != en.interval)
            return fail(QStringLiteral("intervalAfter disagrees on ") + laneText(tl, en.lane));
        switch (key.kind) {
        case LaneKind::Thread: {
            threads.insert(key.id);
            auto it = ref.threads.find(key.id);
            if (it == ref.threads.end())
                return fail(QStringLiteral("unexpected thread lane %1").arg(key.id));
            const ThreadSpan a = iv.thread(), b = it->second.now;
            if (!(a == b))
                return fail(QStringLiteral("thread %1: state %2/%3 reason %4/%5 syscall %6/%7 "
                                           "killed %8/%9 ctx %10/%11 peer %12/%13")
                                .arg(key.id)
                                .arg(int(a.state))
                                .arg(int(b.state))
                                .arg(int(a.reason))
                                .arg(int(b.reason))
                                .arg(int(a.syscall))
                                .arg(int(b.syscall))
                                .arg(a.killed)
                                .arg(b.killed)
                                .arg(a.ctx.v)
                                .arg(b.ctx.v)
                                .arg(a.peer.v)
                                .arg(b.peer.v));
            break;
        }
        case LaneKind::Context: {
            ctxs.insert(key.id);
            auto it = ref.ctxs.find(key.id);
            if (it == ref.ctxs.end() || it->second.ended)
                return fail(QStringLiteral("ctx %1 should not be live").arg(key.id));
            const ContextSpan a = iv.context(), b = it->second.span;
            if (!(a == b))
                return fail(QStringLiteral("ctx %1: state %2/%3 pins %4/%5")
                                .arg(key.id)
                                .arg(int(a.state))
                                .arg(int(b.state))
                                .arg(a.pins)
                                .arg(b.pins));
            break;
        }
        case LaneKind::Object: {
            objects.insert(key.id);
            auto it = ref.objects.find(key.id);
            if (it == ref.objects.end())
                return fail(QStringLiteral("object %1 should not be live").arg(key.id));
            if (iv.object().refcount != it->second.refcount)
                return fail(QStringLiteral("object %1 refcount %2, expected %3")
                                .arg(key.id)
                                .arg(iv.object().refcount)
                                .arg(it->second.refcount));
            std::vector<HolderRef> got(s.holders.begin() + en.holderBegin,
                                       s.holders.begin() + en.holderBegin + en.holderCount);
            std::vector<HolderRef> want = it->second.holders;
            auto less = [](const HolderRef &x, const HolderRef &y) {
                return std::pair(int(x.kind), x.bits) < std::pair(int(y.kind), y.bits);
            };
            std::sort(got.begin(), got.end(), less);
            std::sort(want.begin(), want.end(), less);
            if (got != want)
                return fail(QStringLiteral("object %1: %2 holders, expected %3")
                                .arg(key.id)
                                .arg(got.size())
                                .arg(want.size()));
            break;
        }
        case LaneKind::Request: {
            requests.insert(key.id);
            auto it = ref.requests.find(key.id);
            if (it == ref.requests.end())
                return fail(QStringLiteral("request %1 should not be live").arg(key.id));
            if (!(iv.request() == it->second))
                return fail(QStringLiteral("request %1: state %2, expected %3")
                                .arg(key.id)
                                .arg(int(iv.request().state))
                                .arg(int(it->second.state)));
            break;
        }
        case LaneKind::Lock: {
            locks.insert(key.id);
            auto it = ref.locks.find(key.id);
            if (it == ref.locks.end() || it->second != iv.lock().holder)
                return fail(QStringLiteral("lock of ctx %1 held by %2")
                                .arg(key.id)
                                .arg(iv.lock().holder.v));
            break;
        }
        case LaneKind::Workqueue:
            if (work.count(iv.work().object.v))
                return fail(
                    QStringLiteral("object %1 twice in the workqueue").arg(iv.work().object.v));
            work[iv.work().object.v] = iv.work().state;
            break;
        case LaneKind::Qtee:
            qtee[iv.qtee().thread.v] = iv.qtee();
            break;
        }
    }
    for (const auto &[t, th] : ref.threads)
        if (!threads.count(t))
            return fail(QStringLiteral("thread %1 missing").arg(t));
    for (const auto &[c, x] : ref.ctxs)
        if (!x.ended && !ctxs.count(c))
            return fail(QStringLiteral("ctx %1 missing").arg(c));
    for (const auto &[o, x] : ref.objects)
        if (!objects.count(o))
            return fail(QStringLiteral("object %1 missing").arg(o));
    for (const auto &[r, x] : ref.requests)
        if (!requests.count(r))
            return fail(QStringLiteral("request %1 missing").arg(r));
    for (const auto &[c, x] : ref.locks)
        if (!locks.count(c))
            return fail(QStringLiteral("lock %1 missing").arg(c));
    if (work != ref.work)
        return fail(QStringLiteral("workqueue: %1 items, expected %2")
                        .arg(work.size())
                        .arg(ref.work.size()));
    if (qtee.size() != ref.qtee.size())
        return fail(QStringLiteral("QTEE busy for %1 threads, expected %2")
                        .arg(qtee.size())
                        .arg(ref.qtee.size()));
    for (const auto &[t, q] : ref.qtee) {
        auto it = qtee.find(t);
        if (it == qtee.end() || it->second.sent != q.sent || it->second.op != q.op ||
            it->second.qteeId != q.qteeId)
            return fail(QStringLiteral("QTEE busy for thread %1 differs").arg(t));
    }
    return {};
}

// stateAfter(N) for every N (or `stride` apart) against the replay.
QString checkStates(const Trace &trace, const Timeline &tl, const std::vector<ProcessId> &pof,
                    uint64_t stride = 1)
{
    Reference ref(trace, tl, pof);
    size_t i = 0;
    for (uint64_t n = 0; n <= tl.stepCount() + 1; ++n) {
        while (i < trace.events.size() && trace.events[i].step <= n)
            ref.apply(trace.events[i++]);
        if (n % stride == 0 || n >= tl.stepCount()) {
            const QString problem = compareState(tl, ref, n);
            if (!problem.isEmpty())
                return problem;
        }
    }
    return {};
}

// Structure: lane order, per-lane order, closed-before-open, step table.
QString checkStructure(const Trace &trace, const Timeline &tl)
{
    const auto lanes = tl.lanes();
    auto rank = [](LaneKind k) {
        switch (k) {
        case LaneKind::Thread:
            return 0;
        case LaneKind::Qtee:
            return 1;
        case LaneKind::Workqueue:
            return 2;
        case LaneKind::Context:
            return 3;
        case LaneKind::Lock:
            return 4;
        case LaneKind::Object:
            return 5;
        case LaneKind::Request:
            return 6;
        }
        return 7;
    };
    for (size_t l = 1; l < lanes.size(); ++l) {
        const LaneKey a = lanes[l - 1].key, b = lanes[l].key;
        if (std::pair(rank(a.kind), a.id) >= std::pair(rank(b.kind), b.id))
            return QStringLiteral("lanes %1 and %2 out of order").arg(l - 1).arg(l);
    }
    for (uint32_t l = 0; l < lanes.size(); ++l) {
        if (tl.laneOf(lanes[l].key) != l)
            return QStringLiteral("laneOf does not find ") + laneText(tl, l);
        if (lanes[l].intervalBegin == lanes[l].intervalEnd &&
            lanes[l].instantBegin == lanes[l].instantEnd)
            return QStringLiteral("empty ") + laneText(tl, l);
        const auto iv = tl.intervalsOf(l);
        const bool overlapping =
            lanes[l].key.kind == LaneKind::Workqueue || lanes[l].key.kind == LaneKind::Qtee;
        for (size_t i = 0; i < iv.size(); ++i) {
            if (iv[i].lane != l || iv[i].kind != lanes[l].key.kind)
                return QStringLiteral("interval on the wrong lane in ") + laneText(tl, l);
            if (iv[i].firstStep > iv[i].lastStep || iv[i].startNs > iv[i].endNs)
                return QStringLiteral("interval %1 reversed in ").arg(i) + laneText(tl, l);
            if (iv[i].lastStep > tl.stepCount())
                return QStringLiteral("interval past the run in ") + laneText(tl, l);
            if (i > 0 && iv[i].firstStep < iv[i - 1].firstStep)
                return QStringLiteral("intervals unsorted in ") + laneText(tl, l);
            if (!overlapping && i > 0 &&
                (iv[i - 1].openAtEnd() || iv[i - 1].lastStep > iv[i].firstStep))
                return QStringLiteral("sequential intervals overlap in ") + laneText(tl, l);
            if (iv[i].event != kNone && (iv[i].event >= trace.events.size() ||
                                         trace.events[iv[i].event].step != iv[i].firstStep))
                return QStringLiteral("opening event of interval %1 wrong in ").arg(i) +
                       laneText(tl, l);
        }
        const auto in = tl.instantsOf(l);
        for (size_t i = 0; i < in.size(); ++i)
            if (in[i].lane != l || (i > 0 && in[i].step < in[i - 1].step) ||
                trace.events[in[i].event].step != in[i].step)
                return QStringLiteral("instant %1 wrong in ").arg(i) + laneText(tl, l);
    }
    // every event is in its step's range
    for (uint64_t k = 0; k <= tl.stepCount(); ++k)
        for (uint32_t i = tl.step(k).eventBegin; i < tl.step(k).eventEnd; ++i)
            if (trace.events[i].step != k)
                return QStringLiteral("event %1 not in step %2's range").arg(i).arg(k);
    if (tl.step(tl.stepCount()).eventEnd != trace.events.size())
        return QStringLiteral("events left out of the step table");
    for (size_t k = 0; k < trace.spans.size(); ++k)
        if (tl.step(k + 1).actor != trace.spans[k].actor ||
            tl.step(k + 1).startNs != trace.spans[k].startNs ||
            tl.step(k + 1).endNs != trace.spans[k].endNs)
            return QStringLiteral("step %1 differs from its span").arg(k + 1);
    for (const Flow &f : tl.flows())
        if (f.from.lane >= lanes.size() || f.to.lane >= lanes.size() || f.from.step > f.to.step)
            return QStringLiteral("bad flow of request %1").arg(f.request.v);
    return {};
}

int64_t ikey(const Interval &x, Axis a, bool end)
{
    if (a == Axis::Step)
        return end ? x.lastStep : x.firstStep;
    return end ? x.endNs : x.startNs;
}

// Window and hit queries against brute force, on random windows.
QString checkQueries(const Timeline &tl, uint64_t seed, int rounds)
{
    std::mt19937_64 rng(seed);
    const auto iv = tl.intervals();
    const auto in = tl.instants();
    const auto fl = tl.flows();
    const uint32_t laneCount = uint32_t(tl.lanes().size());
    std::vector<uint32_t> got, want;
    for (int r = 0; r < rounds; ++r) {
        const Axis axis = (r & 1) ? Axis::Time : Axis::Step;
        const int64_t span =
            axis == Axis::Step ? int64_t(tl.stepCount()) + 2 : std::max<int64_t>(tl.endNs(), 1);
        int64_t a = int64_t(rng() % uint64_t(span + 2)) - 1;
        int64_t b = a + int64_t(rng() % uint64_t(std::max<int64_t>(span / ((r % 5) + 1), 1)));
        if (r % 7 == 0)
            b = a; // a point
        // all lanes
        tl.intervalsIn(axis, a, b, got);
        want.clear();
        for (uint32_t i = 0; i < iv.size(); ++i)
            if (ikey(iv[i], axis, false) <= b && ikey(iv[i], axis, true) >= a)
                want.push_back(i);
        std::sort(got.begin(), got.end());
        if (got != want)
            return QStringLiteral("intervalsIn(%1, %2, %3): %4 intervals, expected %5")
                .arg(int(axis))
                .arg(a)
                .arg(b)
                .arg(got.size())
                .arg(want.size());
        // some lanes
        std::vector<uint32_t> lanes;
        for (uint32_t l = 0; l < laneCount; ++l)
            if (rng() % 3 == 0)
                lanes.push_back(l);
        tl.intervalsIn(axis, a, b, lanes, got);
        want.clear();
        for (uint32_t i = 0; i < iv.size(); ++i)
            if (ikey(iv[i], axis, false) <= b && ikey(iv[i], axis, true) >= a &&
                std::binary_search(lanes.begin(), lanes.end(), iv[i].lane))
                want.push_back(i);
        std::sort(got.begin(), got.end());
        if (got != want)
            return QStringLiteral("intervalsIn(%1, %2, %3, lanes): %4, expected %5")
                .arg(int(axis))
                .arg(a)
                .arg(b)
                .arg(got.size())
                .arg(want.size());
        // instants
        auto ipos = [&](const Instant &x) { return axis == Axis::Step ? int64_t(x.step) : x.tNs; };
        tl.instantsIn(axis, a, b, got);
        want.clear();
        for (uint32_t i = 0; i < in.size(); ++i)
            if (ipos(in[i]) >= a && ipos(in[i]) <= b)
                want.push_back(i);
        std::sort(got.begin(), got.end());
        if (got != want)
            return QStringLiteral("instantsIn(%1, %2, %3): %4, expected %5")
                .arg(int(axis))
                .arg(a)
                .arg(b)
                .arg(got.size())
                .arg(want.size());
        tl.instantsIn(axis, a, b, lanes, got);
        want.clear();
        for (uint32_t i = 0; i < in.size(); ++i)
            if (ipos(in[i]) >= a && ipos(in[i]) <= b &&
                std::binary_search(lanes.begin(), lanes.end(), in[i].lane))
                want.push_back(i);
        std::sort(got.begin(), got.end());
        if (got != want)
            return QStringLiteral("instantsIn(lanes) %1 %2: %3, expected %4")
                .arg(a)
                .arg(b)
                .arg(got.size())
                .arg(want.size());
        // flows
        tl.flowsIn(axis, a, b, got);
        want.clear();
        for (uint32_t i = 0; i < fl.size(); ++i) {
            const int64_t p = axis == Axis::Step ? int64_t(fl[i].from.step) : fl[i].from.tNs;
            const int64_t q = axis == Axis::Step ? int64_t(fl[i].to.step) : fl[i].to.tNs;
            if (std::min(p, q) <= b && std::max(p, q) >= a)
                want.push_back(i);
        }
        std::sort(got.begin(), got.end());
        if (got != want)
            return QStringLiteral("flowsIn %1 %2: %3, expected %4")
                .arg(a)
                .arg(b)
                .arg(got.size())
                .arg(want.size());
        // hit test on a random lane
        if (laneCount == 0)
            continue;
        const uint32_t lane = uint32_t(rng() % laneCount);
        const int64_t x = a;
        const int64_t tol = int64_t(rng() % 4) * (axis == Axis::Step ? 1 : span / 50 + 1);
        const Hit h = tl.hitTest(lane, axis, x, tol);
        Hit w;
        for (uint32_t i = tl.lanes()[lane].instantBegin; i < tl.lanes()[lane].instantEnd; ++i) {
            const int64_t d = std::abs(ipos(in[i]) - x);
            if (d <= tol &&
                (w.what == Hit::What::None || d < w.distance || (d == w.distance && i > w.index)))
                w = {Hit::What::Instant, i, d};
        }
        if (w.what == Hit::What::None) {
            int64_t bestStart = 0;
            for (uint32_t i = tl.lanes()[lane].intervalBegin; i < tl.lanes()[lane].intervalEnd;
                 ++i) {
                const int64_t s = ikey(iv[i], axis, false), e = ikey(iv[i], axis, true);
                const int64_t d = x < s ? s - x : x > e ? x - e : 0;
                if (d > tol)
                    continue;
                const bool better = w.what == Hit::What::None || d < w.distance ||
                                    (d == w.distance && d == 0 &&
                                     (s > bestStart || (s == bestStart && i > w.index))) ||
                                    (d == w.distance && d > 0 && i > w.index);
                if (better) {
                    w = {Hit::What::Interval, i, d};
                    bestStart = s;
                }
            }
        }
        if (h.what != w.what || h.index != w.index || h.distance != w.distance)
            return QStringLiteral("hitTest(%1, axis %2, %3, %4): %5/%6/%7, expected %8/%9/%10")
                .arg(lane)
                .arg(int(axis))
                .arg(x)
                .arg(tol)
                .arg(int(h.what))
                .arg(h.index)
                .arg(h.distance)
                .arg(int(w.what))
                .arg(w.index)
                .arg(w.distance);
    }
    return {};
}

QString checkAll(const Trace &trace, const Timeline &tl, const std::vector<ProcessId> &pof,
                 int rounds = 400)
{
    QString p = checkStructure(trace, tl);
    if (p.isEmpty())
        p = checkStates(trace, tl, pof);
    if (p.isEmpty())
        p = checkQueries(tl, 12345, rounds);
    return p;
}

const Interval &only(const Timeline &tl, LaneKey key, size_t i)
{
    static const Interval none;
    const uint32_t lane = tl.laneOf(key);
    if (lane == kNone || i >= tl.intervalsOf(lane).size())
        return none;
    return tl.intervalsOf(lane)[i];
}

size_t count(const Timeline &tl, LaneKey key)
{
    const uint32_t lane = tl.laneOf(key);
    return lane == kNone ? 0 : tl.intervalsOf(lane).size();
}

// -- hand-built traces --------------------------------------------------------

// Thread 0 enters RECV, blocks on req_c, is woken by thread 1, returns;
// thread 1 invokes, blocks on completion, is woken in its own step
// (killed), then exits. The worker (thread 2) has no lane.
Trace threadTrace()
{
    TraceBuilder b;
    b.step(0, 0, 100);
    b.ev(EventKind::SyscallEnter, 0).op = uint32_t(SyscallKind::SupplRecv);
    b.ev(EventKind::Blocked, 0).value = int32_t(BlockReason::ReqC);
    b.step(1, 0, 50);
    b.ev(EventKind::SyscallEnter, 1).op = uint32_t(SyscallKind::Invoke);
    b.ev(EventKind::Woken, 0).value = int32_t(BlockReason::ReqC);
    {
        Event &e = b.ev(EventKind::Blocked, 1);
        e.value = int32_t(BlockReason::Completion);
        e.request = RequestId(4);
    }
    b.step(0, 150, 200);
    b.ev(EventKind::SyscallReturn, 0);
    b.step(-1, 200, 201); // kill of process 0
    b.ev(EventKind::Killed).process = ProcessId(0);
    b.step(1, 210, 230);
    b.ev(EventKind::Woken, 1).value = int32_t(BlockReason::Completion);
    b.ev(EventKind::SyscallReturn, 1).errno_ = -19;
    b.step(1, 230, 240);
    b.ev(EventKind::ThreadExit, 1);
    b.ev(EventKind::ProcessExit, 1).process = ProcessId(0);
    return b.trace;
}

// Context 1 with two user objects pinning it, closed, released, freed.
Trace contextTrace()
{
    TraceBuilder b;
    b.step(0, 0, 10);
    b.ev(EventKind::ContextOpened, 0).ctx = ContextId(1);
    for (int o = 5; o <= 6; ++o) {
        b.step(0, 10 * o, 10 * o + 5);
        Event &e = b.ev(EventKind::ObjectCreated, 0);
        e.object = ObjectId(o);
        e.objectType = ObjectType::User;
        e.ctx = ContextId(1);
        e.userObjectId = uint64_t(o);
    }
    b.step(0, 100, 110);
    b.ev(EventKind::ContextClosed, 0).ctx = ContextId(1);
    b.step(0, 110, 120);
    b.ev(EventKind::ObjectFreed, 0).object = ObjectId(5);
    b.step(0, 120, 130);
    b.ev(EventKind::ObjectFreed, 0).object = ObjectId(6);
    b.ev(EventKind::ContextReleased, 0).ctx = ContextId(1);
    b.step(0, 130, 140);
    b.ev(EventKind::ContextDataFreed, 0).ctx = ContextId(1);
    b.step(0, 140, 150); // after the end of the lane
    return b.trace;
}

// Object 3: 30 holders taken one by one (past the snapshot interval), then
// dropped in another order, then freed. A QTEE callback id as holder.
Trace objectTrace()
{
    TraceBuilder b;
    b.step(0, 0, 10);
    {
        Event &e = b.ev(EventKind::ObjectCreated, 0);
        e.object = ObjectId(3);
        e.objectType = ObjectType::TEE;
        e.qteeId = 77;
    }
    b.ref(EventKind::RefGet, 3, HolderKind::QteeId, 0x80000003LL, 1);
    int rc = 1;
    for (int i = 0; i < 30; ++i) {
        b.step(0, 10 + i, 11 + i);
        b.ref(EventKind::RefGet, 3, HolderKind::DriverCopy, i % 5, ++rc);
    }
    for (int i = 0; i < 30; ++i) {
        b.step(0, 50 + i, 51 + i);
        b.ref(EventKind::RefPut, 3, HolderKind::DriverCopy, (i * 3) % 5, --rc);
    }
    b.step(0, 90, 91);
    b.ref(EventKind::RefPut, 3, HolderKind::QteeId, 0x80000003LL, --rc);
    b.ev(EventKind::ObjectFreed, 0).object = ObjectId(3);
    return b.trace;
}

// Request 2 (a callback of client thread 0) and request 3 (a RELEASE
// notification), with a Callback -> Delivery -> Reply flow chain.
Trace requestTrace()
{
    TraceBuilder b;
    b.step(0, 0, 10);
    b.ev(EventKind::SmcInvoke, 0).op = 1;
    b.step(0, 10, 20);
    b.ev(EventKind::QteeCallback, 0).qteeId = 0x80000001u;
    b.step(1, 5, 8);   // another thread in between
    b.step(0, 20, 30); // the client's next step queues it
    b.req(2, ReqState::New, ReqState::QUEUED, 0, 0);
    b.ev(EventKind::Blocked, 0).value = int32_t(BlockReason::Completion);
    b.step(1, 30, 40);
    b.req(2, ReqState::QUEUED, ReqState::PROCESSING, 1, 0);
    b.req(3, ReqState::New, ReqState::QUEUED, 1, -1).op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
    b.step(1, 40, 50);
    b.req(2, ReqState::PROCESSING, ReqState::PROCESSED, 1, 0).errno_ = -22;
    b.ev(EventKind::Woken, 0).value = int32_t(BlockReason::Completion);
    b.step(0, 55, 60);
    b.req(2, ReqState::PROCESSED, ReqState::Removed, 0, 0);
    b.ev(EventKind::SmcCallbackResponse, 0);
    b.step(0, 70, 80);
    b.ev(EventKind::QteeResult, 0);
    // a second callback whose request comes two steps later: no Callback flow
    b.step(0, 80, 90);
    b.ev(EventKind::SmcInvoke, 0).op = 1;
    b.step(0, 90, 100);
    b.ev(EventKind::QteeCallback, 0);
    b.step(0, 100, 110);
    b.step(0, 110, 120);
    b.req(4, ReqState::New, ReqState::QUEUED, 0, 0);
    return b.trace;
}

// reqs_lock of ctx 1: thread 0 holds it, thread 1 waits, gets it.
Trace lockTrace()
{
    TraceBuilder b;
    b.step(0, 0, 10);
    b.ev(EventKind::LockAcquire, 0).ctx = ContextId(1);
    b.step(1, 0, 5);
    {
        Event &e = b.ev(EventKind::Blocked, 1);
        e.value = int32_t(BlockReason::Lock);
        e.ctx = ContextId(1);
        e.peer = ThreadId(0);
    }
    b.step(0, 10, 20);
    b.ev(EventKind::LockRelease, 0).ctx = ContextId(1);
    {
        Event &e = b.ev(EventKind::Woken, 1);
        e.value = int32_t(BlockReason::Lock);
        e.ctx = ContextId(1);
        e.peer = ThreadId(0);
    }
    b.step(1, 20, 30);
    b.ev(EventKind::LockAcquire, 1).ctx = ContextId(1);
    b.ev(EventKind::LockRelease, 1).ctx = ContextId(1); // taken and dropped in one step
    b.step(1, 30, 40);
    b.ev(EventKind::LockAcquire, 1).ctx = ContextId(1); // still held at the end
    return b.trace;
}

// Three objects queued before the worker (thread 2) starts any: pending
// intervals overlap; one is requeued; one is left pending at the end.
// The worker's RELEASE SMCs keep QTEE busy; thread 0's invoke overlaps.
Trace workTrace()
{
    TraceBuilder b;
    b.step(0, 0, 10);
    for (int o = 1; o <= 3; ++o)
        b.ev(EventKind::WorkQueued, 0).object = ObjectId(o);
    b.ev(EventKind::SmcInvoke, 0).op = 5;
    b.step(2, 10, 20);
    b.ev(EventKind::WorkStarted, 2).object = ObjectId(1);
    {
        Event &e = b.ev(EventKind::SmcInvoke, 2);
        e.op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
        e.object = ObjectId(1);
    }
    b.step(2, 20, 30);
    b.ev(EventKind::SmcFailed, 2).errno_ = -5;
    b.ev(EventKind::WorkRequeued, 2).object = ObjectId(1);
    b.step(2, 30, 40);
    b.ev(EventKind::WorkStarted, 2).object = ObjectId(2);
    b.ev(EventKind::SmcInvoke, 2).op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
    b.step(0, 15, 45); // thread 0's reply, earlier in time than the worker's steps
    b.ev(EventKind::QteeResult, 0);
    b.step(2, 40, 50);
    b.ev(EventKind::QteeResult, 2);
    b.ev(EventKind::WorkDone, 2).object = ObjectId(2);
    b.ev(EventKind::ObjectFreed, 2).object = ObjectId(2);
    b.step(2, 50, 60);
    b.ev(EventKind::WorkStarted, 2).object = ObjectId(1);
    b.ev(EventKind::SmcInvoke, 2).op = QCOMTEE_MSG_OBJECT_OP_RELEASE; // open at the end
    return b.trace;
}

// Per-thread time: thread 1's steps run earlier in time than thread 0's
// later steps; a thread woken "before" it blocked (clamped).
Trace timeTrace()
{
    TraceBuilder b;
    b.step(0, 1000, 1100);
    b.ev(EventKind::SyscallEnter, 0).op = uint32_t(SyscallKind::Invoke);
    b.ev(EventKind::Blocked, 0).value = int32_t(BlockReason::Completion);
    b.step(1, 0, 100); // later step, earlier time
    b.ev(EventKind::SyscallEnter, 1).op = uint32_t(SyscallKind::SupplRecv);
    b.ev(EventKind::Woken, 0).value = int32_t(BlockReason::Completion); // at 100 < 1100
    b.step(1, 100, 200);
    b.ev(EventKind::SyscallReturn, 1);
    b.step(0, 1100, 1200);
    b.ev(EventKind::SyscallReturn, 0);
    b.step(1, 200, 300);
    b.ev(EventKind::SyscallEnter, 1).op = uint32_t(SyscallKind::Open);
    b.step(1, 300, 400);
    b.ev(EventKind::SyscallReturn, 1);
    b.step(0, 1200, 1300);
    b.ev(EventKind::SyscallEnter, 0).op = uint32_t(SyscallKind::Close); // open at the end
    return b.trace;
}

// Violations, gaps and notes on the lanes of what they concern.
Trace findingsTrace()
{
    TraceBuilder b;
    b.step(0, 0, 10);
    b.req(1, ReqState::New, ReqState::QUEUED, 0, 0);
    {
        Event &e = b.ev(EventKind::Violation, 0);
        e.request = RequestId(1);
        e.object = ObjectId(2);
        e.invariant = 9;
    }
    {
        Event &e = b.ev(EventKind::Gap, 0);
        e.object = ObjectId(2);
        e.ctx = ContextId(1);
    }
    b.ev(EventKind::Note, 0).ctx = ContextId(1);
    b.ev(EventKind::Note, 0);
    b.step(-1, 10, 20);
    b.ev(EventKind::Violation);                     // no entity: run level
    b.ev(EventKind::Killed).process = ProcessId(1); // a process without threads
    b.step(0, 20, 30);
    b.ev(EventKind::AsyncRelease, 0).qteeId = 0x80000002u;
    return b.trace;
}

// An old capture: no spans; times and actors from the events.
Trace noSpansTrace()
{
    Trace t = threadTrace();
    t.spans.clear();
    return t;
}

struct Case
{
    Trace trace;
    int32_t threads;
    int32_t processes;
    std::vector<ProcessId> processOf;
};

Case handBuilt(const QString &name)
{
    const std::vector<ProcessId> two = {ProcessId(0), ProcessId(0), ProcessId()};
    if (name == QLatin1String("thread"))
        return {threadTrace(), 3, 1, two};
    if (name == QLatin1String("context"))
        return {contextTrace(), 2, 1, {}};
    if (name == QLatin1String("object"))
        return {objectTrace(), 2, 1, {}};
    if (name == QLatin1String("request"))
        return {requestTrace(), 3, 1, two};
    if (name == QLatin1String("lock"))
        return {lockTrace(), 3, 1, two};
    if (name == QLatin1String("workqueue"))
        return {workTrace(), 3, 1, two};
    if (name == QLatin1String("time"))
        return {timeTrace(), 3, 1, two};
    if (name == QLatin1String("findings"))
        return {findingsTrace(), 3, 2, two};
    if (name == QLatin1String("no-spans"))
        return {noSpansTrace(), 3, 1, two};
    if (name == QLatin1String("no-spans-no-mapping"))
        return {noSpansTrace(), 3, 1, {}};
    return {};
}

Timeline buildOf(const Case &c)
{
    return Timeline(c.trace, c.threads, c.processes, c.processOf);
}

} // namespace

class TestTimeline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { Q_INIT_RESOURCE(teescope_scenarios); }

    // -- every hand-built trace against the brute force ------------------------

    void handBuiltAgreesWithReplay_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *n : {"thread", "context", "object", "request", "lock", "workqueue", "time",
                              "findings", "no-spans", "no-spans-no-mapping"})
            QTest::newRow(n) << QString::fromLatin1(n);
    }

    void handBuiltAgreesWithReplay()
    {
        QFETCH(QString, name);
        const Case c = handBuilt(name);
        QVERIFY(!c.trace.events.empty());
        const Timeline tl = buildOf(c);
        const QString problem = checkAll(c.trace, tl, c.processOf, 2000);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // -- lanes one by one ---------------------------------------------------------

    void threadLane()
    {
        const Case c = handBuilt(QStringLiteral("thread"));
        const Timeline tl = buildOf(c);
        QCOMPARE(tl.stepCount(), uint64_t(6));
        QCOMPARE(tl.laneOf({LaneKind::Thread, 2}), kNone); // the worker did nothing
        const LaneKey t0{LaneKind::Thread, 0}, t1{LaneKind::Thread, 1};
        QCOMPARE(tl.laneOf(t0), 0u);
        QCOMPARE(tl.laneOf(t1), 1u);
        // thread 0: Running [0..1], InKernel [1..1] from the step's start,
        // Blocked (req_c) from its end, woken by thread 1 at the end of
        // step 2 (not its own step), Running after step 3's SyscallReturn.
        QCOMPARE(count(tl, t0), size_t(6));
        QCOMPARE(int(only(tl, t0, 0).thread().state), int(ThreadState::Running));
        QCOMPARE(only(tl, t0, 0).event, kNone);
        QCOMPARE(only(tl, t0, 0).endNs, int64_t(0));
        QCOMPARE(int(only(tl, t0, 1).thread().state), int(ThreadState::InKernel));
        QCOMPARE(int(only(tl, t0, 1).thread().syscall), int(SyscallKind::SupplRecv));
        QCOMPARE(only(tl, t0, 1).startNs, int64_t(0));
        QCOMPARE(only(tl, t0, 1).endNs, int64_t(100));
        const Interval &blocked = only(tl, t0, 2);
        QCOMPARE(int(blocked.thread().state), int(ThreadState::Blocked));
        QCOMPARE(int(blocked.thread().reason), int(BlockReason::ReqC));
        QCOMPARE(blocked.firstStep, 1u);
        QCOMPARE(blocked.lastStep, 2u);
        QCOMPARE(blocked.startNs, int64_t(100));
        QCOMPARE(blocked.endNs, int64_t(100)); // woken at 50: clamped
        QVERIFY(blocked.flags & Interval::kClamped);
        QCOMPARE(int(only(tl, t0, 3).thread().state), int(ThreadState::InKernel));
        QCOMPARE(only(tl, t0, 3).endNs, int64_t(200));
        QCOMPARE(int(only(tl, t0, 4).thread().state), int(ThreadState::Running));
        // the kill at step 4 splits Running with the killed flag, open at end
        const Interval &killed = only(tl, t0, 5);
        QVERIFY(killed.thread().killed);
        QCOMPARE(int(killed.thread().state), int(ThreadState::Running));
        QCOMPARE(killed.firstStep, 4u);
        QCOMPARE(killed.startNs, int64_t(201));
        QVERIFY(killed.openAtEnd());
        QCOMPARE(killed.lastStep, 6u);
        QCOMPARE(killed.endNs, tl.endNs());
        QCOMPARE(tl.endNs(), int64_t(240));
        // thread 1: woken in its own step (killed): the wait ends at the
        // step's start; the flag stays through InKernel and Exited
        const auto i1 = tl.intervalsOf(tl.laneOf(t1));
        QCOMPARE(int(i1.back().thread().state), int(ThreadState::Exited));
        QVERIFY(i1.back().thread().killed);
        bool sawWoken = false;
        for (const Interval &x : i1)
            if (x.thread().state == ThreadState::Blocked && x.thread().killed) {
                QCOMPARE(x.thread().request, RequestId(4));
                QCOMPARE(x.endNs, int64_t(210));
                QCOMPARE(x.lastStep, 5u);
                sawWoken = true;
            }
        QVERIFY(sawWoken);
        // stateAfter at a few steps
        const uint32_t l0 = tl.laneOf(t0);
        QCOMPARE(tl.intervalAfter(l0, 0), tl.lanes()[l0].intervalBegin);
        QCOMPARE(int(tl.intervals()[tl.intervalAfter(l0, 1)].thread().state),
                 int(ThreadState::Blocked));
        QCOMPARE(int(tl.intervals()[tl.intervalAfter(l0, 2)].thread().state),
                 int(ThreadState::InKernel));
        QVERIFY(!tl.intervals()[tl.intervalAfter(l0, 3)].thread().killed);
        QVERIFY(tl.intervals()[tl.intervalAfter(l0, 4)].thread().killed);
        QVERIFY(tl.intervals()[tl.intervalAfter(l0, 100)].thread().killed);
        // kills: an instant on each live thread of the process
        int kills = 0;
        for (const Instant &x : tl.instants())
            if (x.kind == InstantKind::Kill) {
                ++kills;
                QCOMPARE(x.step, 4u);
                QCOMPARE(x.tNs, int64_t(201));
            }
        QCOMPARE(kills, 2);
        QVERIFY(tl.runInstants().empty());
        // syscalls are instants on the thread lanes
        std::vector<uint32_t> found;
        const uint32_t lanes[] = {l0};
        tl.instantsIn(Axis::Step, 1, 3, lanes, found);
        QCOMPARE(found.size(), size_t(2)); // enter at 1, return at 3
        QCOMPARE(int(tl.instants()[found[0]].kind), int(InstantKind::SyscallEnter));
    }

    void killedThreadThatExitedFirstGetsNothing()
    {
        TraceBuilder b;
        b.step(0, 0, 10);
        b.ev(EventKind::ThreadExit, 0);
        b.step(1, 10, 20);
        b.step(-1, 20, 30);
        b.ev(EventKind::Killed).process = ProcessId(0);
        b.step(1, 30, 40);
        b.ev(EventKind::ThreadExit, 1);
        const std::vector<ProcessId> pof = {ProcessId(0), ProcessId(0), ProcessId()};
        const Timeline tl(b.trace, 3, 1, pof);
        const auto t0 = tl.intervalsOf(tl.laneOf({LaneKind::Thread, 0}));
        QVERIFY(!t0.back().thread().killed);
        QCOMPARE(int(t0.back().thread().state), int(ThreadState::Exited));
        const auto t1 = tl.intervalsOf(tl.laneOf({LaneKind::Thread, 1}));
        QVERIFY(t1.back().thread().killed);
        QCOMPARE(tl.instantsOf(tl.laneOf({LaneKind::Thread, 0})).size(), size_t(0));
        QCOMPARE(tl.instantsOf(tl.laneOf({LaneKind::Thread, 1})).size(), size_t(1));
        // without the mapping nobody is known to be killed: a run-level kill
        const Timeline blind(b.trace, 3, 1);
        QCOMPARE(blind.runInstants().size(), size_t(1));
        QVERIFY(!blind.intervalsOf(blind.laneOf({LaneKind::Thread, 1})).back().thread().killed);
    }

    void contextLane()
    {
        const Case c = handBuilt(QStringLiteral("context"));
        const Timeline tl = buildOf(c);
        const LaneKey k{LaneKind::Context, 1};
        const uint32_t lane = tl.laneOf(k);
        QVERIFY(lane != kNone);
        // Open 0 pins, Open 1, Open 2, Closed 2, Closed 1, Closed 0, Released 0
        QCOMPARE(count(tl, k), size_t(7));
        const int32_t pins[] = {0, 1, 2, 2, 1, 0, 0};
        const ContextState states[] = {
            ContextState::Open,   ContextState::Open,   ContextState::Open,    ContextState::Closed,
            ContextState::Closed, ContextState::Closed, ContextState::Released};
        for (size_t i = 0; i < 7; ++i) {
            QCOMPARE(only(tl, k, i).context().pins, pins[i]);
            QCOMPARE(int(only(tl, k, i).context().state), int(states[i]));
        }
        // ContextDataFreed at step 7 ends the lane
        QVERIFY(!only(tl, k, 6).openAtEnd());
        QCOMPARE(only(tl, k, 6).lastStep, 7u);
        QVERIFY(tl.intervalAfter(lane, 6) != kNone);
        QCOMPARE(tl.intervalAfter(lane, 7), kNone);
        QCOMPARE(tl.intervalAfter(lane, 8), kNone);
        // the objects' lanes end when freed
        const uint32_t o5 = tl.laneOf({LaneKind::Object, 5});
        QCOMPARE(int(tl.lanes()[o5].attrs.objectType), int(ObjectType::User));
        QCOMPARE(tl.lanes()[o5].attrs.ctx, ContextId(1));
        QVERIFY(tl.intervalAfter(o5, 4) != kNone);
        QCOMPARE(tl.intervalAfter(o5, 5), kNone); // freed at step 5
        // lane groups are contiguous, in the documented order
        const auto threads = tl.lanesOfKind(LaneKind::Thread);
        const auto ctxs = tl.lanesOfKind(LaneKind::Context);
        const auto objs = tl.lanesOfKind(LaneKind::Object);
        QCOMPARE(threads.second - threads.first, 1u);
        QCOMPARE(ctxs.first, threads.second);
        QCOMPARE(objs.first, ctxs.second);
        QCOMPARE(objs.second - objs.first, 2u);
        const auto none = tl.lanesOfKind(LaneKind::Request);
        QCOMPARE(none.first, none.second);
    }

    void objectLane()
    {
        const Case c = handBuilt(QStringLiteral("object"));
        const Timeline tl = buildOf(c);
        const LaneKey k{LaneKind::Object, 3};
        const uint32_t lane = tl.laneOf(k);
        QVERIFY(lane != kNone);
        QCOMPARE(tl.lanes()[lane].attrs.qteeId, 77u);
        // created + 1 + 30 gets + 30 puts + 1 put
        QCOMPARE(count(tl, k), size_t(63));
        QCOMPARE(int(only(tl, k, 0).object().change), int(RefChange::Created));
        QCOMPARE(only(tl, k, 0).object().refcount, 0);
        const HolderRef cb = only(tl, k, 1).object().changed();
        QCOMPARE(int(cb.kind), int(HolderKind::QteeId));
        QCOMPARE(cb.arg(), int64_t(0x80000003LL)); // unsigned, not negative
        // some intervals store no copy: holders() rebuilds them
        int rebuilt = 0;
        std::vector<HolderRef> h;
        for (size_t i = 0; i < 63; ++i) {
            const Interval &x = only(tl, k, i);
            rebuilt += x.object().holderCount == ObjectSpan::kNoSnapshot;
            tl.holders(uint32_t(&x - tl.intervals().data()), h);
            QCOMPARE(int(h.size()), x.object().refcount);
        }
        QVERIFY(rebuilt > 10);
        // the last interval before the free: only the callback id holds it
        tl.holders(uint32_t(&only(tl, k, 61) - tl.intervals().data()), h);
        QCOMPARE(h.size(), size_t(1));
        QCOMPARE(h[0], HolderRef::make(HolderKind::QteeId, 0x80000003LL));
        QCOMPARE(int(only(tl, k, 62).object().change), int(RefChange::Put));
        QCOMPARE(tl.intervalAfter(lane, tl.stepCount()), kNone);
        // ref changes are instants on the object's lane
        QCOMPARE(tl.instantsOf(lane).size(), size_t(62));
    }

    // An object with thousands of holders (a capture may say anything): the
    // holders after every change are right (checked against a plain replay,
    // names of QTEE copies included), and the copies kept cost what the
    // changes cost (a copy every 8th change of a long list was quadratic).
    void manyHoldersStayLinear()
    {
        TraceBuilder b;
        b.step(0, 0, 10);
        Event &c = b.ev(EventKind::ObjectCreated, 0);
        c.object = ObjectId(1);
        c.objectType = ObjectType::User;
        std::vector<HolderRef> plain; // the reference replay
        std::vector<std::vector<HolderRef>> want;
        const int n = 1500;
        auto change = [&](EventKind k, HolderRef h) {
            Event &e = b.ev(k, 0);
            e.object = ObjectId(1);
            e.objectType = ObjectType::User;
            e.holder = h.kind;
            e.holderArg = h.arg();
            if (k == EventKind::RefGet) {
                plain.push_back(h);
            } else {
                plain.erase(std::find(plain.begin(), plain.end(), h));
            }
            e.refcount = int32_t(plain.size());
            want.push_back(plain);
        };
        for (int i = 0; i < n; ++i) {
            b.step(0, 10 * (i + 1), 10 * (i + 2));
            change(EventKind::RefGet, HolderRef::make(HolderKind::DriverCopy, i));
            if (i % 500 == 7) { // a QTEE copy, named by the id allocated next
                change(EventKind::RefGet, HolderRef::make(HolderKind::QteeId, 0));
                Event &x = b.ev(EventKind::XaAlloc, 0);
                x.object = ObjectId(1);
                x.qteeId = 0x80000000u + uint32_t(i);
                *std::find(plain.begin(), plain.end(), HolderRef::make(HolderKind::QteeId, 0)) =
                    HolderRef::make(HolderKind::QteeId, 0x80000000LL + i);
                want.push_back(plain);
            }
        }
        for (int i = n - 1; i >= 0; --i) { // puts, last first: the worst order for a search
            b.step(0, 10 * (n + 2 + i), 10 * (n + 3 + i));
            change(EventKind::RefPut, HolderRef::make(HolderKind::DriverCopy, i));
        }
        const Timeline tl(b.trace, 1, 0);
        const uint32_t lane = tl.laneOf({LaneKind::Object, 1});
        QVERIFY(lane != kNone);
        const auto ivs = tl.intervalsOf(lane);
        QCOMPARE(ivs.size(), want.size() + 1); // + the creation
        std::vector<HolderRef> got;
        for (size_t i = 1; i < ivs.size(); ++i) {
            tl.holders(uint32_t(&ivs[i] - tl.intervals().data()), got);
            QVERIFY2(got == want[i - 1], qPrintable(QStringLiteral("interval %1").arg(i)));
        }
        // every copy is paid for by as many changes: linear, well under
        // the ~280,000 holders (4.5 MB) a copy every 8th change kept here
        QVERIFY2(tl.memoryBytes() < 1500000, qPrintable(QString::number(tl.memoryBytes())));
    }

    // A callback object's QTEE copy: its reference is taken with id 0 and
    // named by the XaAlloc that follows; the put names the real id.
    void qteeCopyIsNamed()
    {
        TraceBuilder b;
        b.step(0, 0, 10);
        {
            Event &e = b.ev(EventKind::ObjectCreated, 0);
            e.object = ObjectId(4);
            e.objectType = ObjectType::User;
            e.ctx = ContextId(1);
        }
        b.ref(EventKind::RefGet, 4, HolderKind::QteeId, 0, 1);
        b.ref(EventKind::RefGet, 4, HolderKind::DriverCopy, 0, 2);
        {
            Event &e = b.ev(EventKind::XaAlloc, 0);
            e.object = ObjectId(4);
            e.qteeId = 0x80000005u;
        }
        b.step(0, 10, 20);
        b.ref(EventKind::RefPut, 4, HolderKind::QteeId, 0x80000005LL, 1);
        const Timeline tl(b.trace, 2, 1);
        const LaneKey k{LaneKind::Object, 4};
        QCOMPARE(count(tl, k), size_t(5));
        QCOMPARE(int(only(tl, k, 3).object().change), int(RefChange::Named));
        QCOMPARE(only(tl, k, 3).object().changed().arg(), int64_t(0x80000005LL));
        std::vector<HolderRef> h;
        tl.holders(tl.intervalAfter(tl.laneOf(k), 1), h);
        QCOMPARE(h.size(), size_t(2));
        QVERIFY(std::find(h.begin(), h.end(), HolderRef::make(HolderKind::QteeId, 0x80000005LL)) !=
                h.end());
        tl.holders(tl.intervalAfter(tl.laneOf(k), 2), h);
        QCOMPARE(h.size(), size_t(1));
        QCOMPARE(int(h[0].kind), int(HolderKind::DriverCopy));
        // the user object pins its context (a lane made by the pin alone)
        const uint32_t ctx = tl.laneOf({LaneKind::Context, 1});
        QCOMPARE(tl.intervals()[tl.intervalAfter(ctx, 2)].context().pins, 1);
        const QString problem = checkAll(b.trace, tl, {}, 200);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void requestLaneAndFlows()
    {
        const Case c = handBuilt(QStringLiteral("request"));
        const Timeline tl = buildOf(c);
        const LaneKey r2{LaneKind::Request, 2};
        const uint32_t lane = tl.laneOf(r2);
        QVERIFY(lane != kNone);
        QCOMPARE(count(tl, r2), size_t(3));
        QCOMPARE(int(only(tl, r2, 0).request().state), int(ReqState::QUEUED));
        QCOMPARE(int(only(tl, r2, 1).request().state), int(ReqState::PROCESSING));
        QCOMPARE(only(tl, r2, 1).request().actor, ThreadId(1));
        QCOMPARE(int(only(tl, r2, 2).request().state), int(ReqState::PROCESSED));
        QCOMPARE(only(tl, r2, 2).request().errno_, -22);
        QVERIFY(!only(tl, r2, 2).openAtEnd()); // REMOVED ended it
        const LaneAttrs &a = tl.lanes()[lane].attrs;
        QCOMPARE(a.ctx, ContextId(1));
        QCOMPARE(a.reqId, 2);
        QCOMPARE(a.op, 7u);
        QCOMPARE(a.client, ThreadId(0));
        QVERIFY(!a.notification);
        const uint32_t n3 = tl.laneOf({LaneKind::Request, 3});
        QVERIFY(tl.lanes()[n3].attrs.notification);
        QVERIFY(tl.intervalsOf(n3).back().openAtEnd());
        // Callback -> Delivery -> Reply for request 2; nothing for request 4
        // (queued two steps of its thread after the callback)
        const auto flows = tl.flows();
        QCOMPARE(flows.size(), size_t(3)); // the notification was never received
        int chain = 0;
        for (const Flow &f : flows) {
            if (f.request != RequestId(2))
                continue;
            ++chain;
            switch (f.kind) {
            case FlowKind::Callback:
                QCOMPARE(f.from.lane, tl.laneOf({LaneKind::Thread, 0}));
                QCOMPARE(f.from.step, 2u);
                QCOMPARE(f.from.tNs, int64_t(10)); // the start of thread 0's step
                QCOMPARE(f.to.lane, lane);
                QCOMPARE(f.to.step, 4u);
                break;
            case FlowKind::Delivery:
                QCOMPARE(f.from.lane, lane);
                QCOMPARE(f.to.lane, tl.laneOf({LaneKind::Thread, 1}));
                QCOMPARE(f.to.step, 5u);
                break;
            case FlowKind::Reply:
                QCOMPARE(f.from.step, 5u);
                QCOMPARE(f.to.step, 6u);
                QCOMPARE(f.to.lane, tl.laneOf({LaneKind::Thread, 1}));
                break;
            }
        }
        QCOMPARE(chain, 3);
        for (const Flow &f : flows)
            QVERIFY(f.request != RequestId(4));
        // the QTEE lane: busy from the invoke to the callback, then from
        // the callback response to the result
        const auto q = tl.intervalsOf(tl.laneOf({LaneKind::Qtee, 0}));
        QCOMPARE(q.size(), size_t(3));
        QCOMPARE(int(q[0].qtee().answer), int(QteeMessage::Callback));
        QCOMPARE(q[0].endNs, int64_t(10));
        QCOMPARE(int(q[1].qtee().sent), int(QteeMessage::CallbackResponse));
        QCOMPARE(int(q[1].qtee().answer), int(QteeMessage::Result));
    }

    void flowsNeedTheSameThread()
    {
        TraceBuilder b;
        b.step(0, 0, 10);
        b.ev(EventKind::QteeCallback, 0);
        b.step(1, 10, 20); // another thread queues a request: not the callback's
        b.req(1, ReqState::New, ReqState::QUEUED, 1, 1);
        b.step(0, 20, 30); // thread 0's next step: same step rule still holds
        b.req(2, ReqState::New, ReqState::QUEUED, 0, 0);
        const Timeline tl(b.trace, 3, 1);
        QCOMPARE(tl.flows().size(), size_t(1));
        QCOMPARE(tl.flows()[0].request, RequestId(2));
        QCOMPARE(int(tl.flows()[0].kind), int(FlowKind::Callback));
    }

    void lockLane()
    {
        const Case c = handBuilt(QStringLiteral("lock"));
        const Timeline tl = buildOf(c);
        const LaneKey k{LaneKind::Lock, 1};
        const uint32_t lane = tl.laneOf(k);
        QVERIFY(lane != kNone);
        QCOMPARE(count(tl, k), size_t(3));
        QCOMPARE(only(tl, k, 0).lock().holder, ThreadId(0));
        QCOMPARE(only(tl, k, 0).startNs, int64_t(0)); // acquired at its own step's start
        QCOMPARE(only(tl, k, 0).endNs, int64_t(20));
        QCOMPARE(only(tl, k, 1).lock().holder, ThreadId(1));
        QCOMPARE(only(tl, k, 1).startNs, int64_t(20));
        QCOMPARE(only(tl, k, 1).endNs, int64_t(30)); // held within one step
        QVERIFY(only(tl, k, 2).openAtEnd());
        QCOMPARE(tl.intervalAfter(lane, 1), tl.lanes()[lane].intervalBegin);
        QCOMPARE(tl.intervalAfter(lane, 3), kNone); // free between
        QCOMPARE(tl.intervalAfter(lane, 4), kNone); // taken and dropped in step 4
        QVERIFY(tl.intervalAfter(lane, 5) != kNone);
        // the waiter's lane says who held it
        const auto t1 = tl.intervalsOf(tl.laneOf({LaneKind::Thread, 1}));
        bool waited = false;
        for (const Interval &x : t1)
            if (x.thread().state == ThreadState::Blocked) {
                QCOMPARE(int(x.thread().reason), int(BlockReason::Lock));
                QCOMPARE(x.thread().peer, ThreadId(0));
                QCOMPARE(x.thread().ctx, ContextId(1));
                waited = true;
            }
        QVERIFY(waited);
        // lane order: threads, then contexts' locks
        QVERIFY(lane > tl.laneOf({LaneKind::Thread, 1}));
    }

    void workqueueOverlaps()
    {
        const Case c = handBuilt(QStringLiteral("workqueue"));
        const Timeline tl = buildOf(c);
        const uint32_t wq = tl.laneOf({LaneKind::Workqueue, 0});
        const uint32_t qt = tl.laneOf({LaneKind::Qtee, 0});
        QVERIFY(wq != kNone && qt != kNone);
        QVERIFY(qt < wq && wq > tl.laneOf({LaneKind::Thread, 2})); // threads, QTEE, wq
        std::vector<uint32_t> active;
        tl.activeAfter(wq, 1, active);
        QCOMPARE(active.size(), size_t(3)); // three pending at once
        for (uint32_t i : active)
            QCOMPARE(int(tl.intervals()[i].work().state), int(WorkState::Pending));
        tl.activeAfter(wq, 2, active);
        QCOMPARE(active.size(), size_t(3)); // one running, two pending
        tl.activeAfter(wq, 5, active);
        QCOMPARE(active.size(), size_t(3)); // 1 pending again, 2 running, 3 pending
        tl.activeAfter(wq, 6, active);
        QCOMPARE(active.size(), size_t(2)); // object 2 done
        tl.activeAfter(wq, 7, active);
        QCOMPARE(active.size(), size_t(2)); // 1 running again (open at end), 3 pending
        int open = 0;
        for (uint32_t i : active)
            open += tl.intervals()[i].openAtEnd();
        QCOMPARE(open, 2);
        // the window query returns overlapping intervals on one lane
        std::vector<uint32_t> found;
        const uint32_t lanes[] = {wq};
        tl.intervalsIn(Axis::Time, 12, 12, lanes, found);
        QCOMPARE(found.size(), size_t(3)); // 1 running, 2 and 3 pending
        tl.intervalsIn(Axis::Step, 3, 3, lanes, found);
        QCOMPARE(found.size(), size_t(4)); // 1 running (ends), 1 pending, 2 pending, 3 pending
        // QTEE: thread 0's invoke overlaps the worker's RELEASEs
        tl.activeAfter(qt, 2, active);
        QCOMPARE(active.size(), size_t(2));
        const auto q = tl.intervalsOf(qt);
        QCOMPARE(int(q.back().qtee().answer), int(QteeMessage::None));
        QVERIFY(q.back().openAtEnd());
        // thread 0's busy interval ends earlier in time than the worker's
        // later SMCs start: out of order on the time axis
        bool failed = false;
        for (const Interval &x : q)
            failed = failed || x.qtee().answer == QteeMessage::Failed;
        QVERIFY(failed);
        // RELEASE SMCs are instants on the QTEE lane
        int releases = 0;
        for (const Instant &x : tl.instantsOf(qt))
            releases += x.kind == InstantKind::ReleaseSmc;
        QCOMPARE(releases, 3);
        // the worker alternates InKernel and Idle
        const auto w = tl.intervalsOf(tl.laneOf({LaneKind::Thread, 2}));
        QCOMPARE(int(w.front().thread().state), int(ThreadState::Idle));
        QCOMPARE(int(w.back().thread().state), int(ThreadState::InKernel));
        QVERIFY(tl.lanes()[tl.laneOf({LaneKind::Thread, 2})].attrs.worker);
    }

    void perThreadTimeOutOfOrder()
    {
        const Case c = handBuilt(QStringLiteral("time"));
        const Timeline tl = buildOf(c);
        const uint32_t t0 = tl.laneOf({LaneKind::Thread, 0});
        const uint32_t t1 = tl.laneOf({LaneKind::Thread, 1});
        // step 2 (thread 1) starts at 0, before step 1 (thread 0) at 1000
        QVERIFY(tl.step(2).startNs < tl.step(1).startNs);
        // the time window [0, 150] meets thread 1's steps 2..3 but not
        // thread 0's kernel time, although thread 0 acted first
        std::vector<uint32_t> found;
        const uint32_t lanes[] = {t0};
        tl.intervalsIn(Axis::Time, 1050, 1050, lanes, found);
        // two InKernel intervals: [1000, 1100] before the wait, and [100,
        // 1200] after a wake-up stamped at 100 (another thread's clock)
        QCOMPARE(found.size(), size_t(2));
        for (const uint32_t i : found)
            QCOMPARE(int(tl.intervals()[i].thread().state), int(ThreadState::InKernel));
        // the blocked interval was woken at 100 < 1100: clamped
        bool clamped = false;
        for (const Interval &x : tl.intervalsOf(t0))
            if (x.thread().state == ThreadState::Blocked) {
                QCOMPARE(x.startNs, int64_t(1100));
                QCOMPARE(x.endNs, int64_t(1100));
                clamped = x.flags & Interval::kClamped;
            }
        QVERIFY(clamped);
        // InKernel after the wake-up starts (at 100) before the Blocked one
        const auto i0 = tl.intervalsOf(t0);
        bool outOfOrder = false;
        for (size_t i = 1; i < i0.size(); ++i)
            outOfOrder = outOfOrder || i0[i].startNs < i0[i - 1].startNs;
        QVERIFY(outOfOrder);
        // hit test in time on thread 0 at 1050: its first InKernel
        const Hit h = tl.hitTest(t0, Axis::Time, 1050, 0);
        QCOMPARE(int(h.what), int(Hit::What::Interval));
        QCOMPARE(h.distance, int64_t(0));
        QCOMPARE(tl.intervals()[h.index].firstStep, 1u);
        // on the step axis at step 1: the instant (SyscallEnter) wins
        const Hit s = tl.hitTest(t0, Axis::Step, 1, 0);
        QCOMPARE(int(s.what), int(Hit::What::Instant));
        // thread 1 at 250 ns, tolerance 0: InKernel (Open) [200, 300]
        const Hit u = tl.hitTest(t1, Axis::Time, 250, 0);
        QCOMPARE(int(u.what), int(Hit::What::Interval));
        QCOMPARE(int(tl.intervals()[u.index].thread().syscall), int(SyscallKind::Open));
        // the run ends at the latest step end, not the last step's
        QCOMPARE(tl.endNs(), int64_t(1300));
        const auto last = tl.intervalsOf(t0);
        QVERIFY(last.back().openAtEnd());
        QCOMPARE(last.back().endNs, int64_t(1300));
        // nothing within tolerance
        const Hit none = tl.hitTest(t1, Axis::Time, 5000, 10);
        QCOMPARE(int(none.what), int(Hit::What::None));
        const Hit far = tl.hitTest(t1, Axis::Time, 1400, 10);
        QCOMPARE(int(far.what), int(Hit::What::None));
        const Hit near = tl.hitTest(t1, Axis::Time, 1305, 10);
        QCOMPARE(int(near.what), int(Hit::What::Interval));
        QCOMPARE(near.distance, int64_t(5));
    }

    void findingsOnTheirLanes()
    {
        const Case c = handBuilt(QStringLiteral("findings"));
        const Timeline tl = buildOf(c);
        auto kindsOn = [&](LaneKey k) {
            std::vector<int> out;
            for (const Instant &x : tl.instantsOf(tl.laneOf(k)))
                out.push_back(int(x.kind));
            return out;
        };
        QCOMPARE(kindsOn({LaneKind::Request, 1}), std::vector<int>{int(InstantKind::Violation)});
        QCOMPARE(kindsOn({LaneKind::Object, 2}), std::vector<int>{int(InstantKind::Gap)});
        QCOMPARE(kindsOn({LaneKind::Context, 1}), std::vector<int>{int(InstantKind::Note)});
        QCOMPARE(kindsOn({LaneKind::Thread, 0}), std::vector<int>{int(InstantKind::Note)});
        QCOMPARE(kindsOn({LaneKind::Qtee, 0}), std::vector<int>{int(InstantKind::AsyncRelease)});
        // lanes with instants only: no state
        QCOMPARE(tl.intervalsOf(tl.laneOf({LaneKind::Object, 2})).size(), size_t(0));
        QCOMPARE(tl.runInstants().size(), size_t(2)); // the bare violation and the kill
        QCOMPARE(int(tl.runInstants()[0].kind), int(InstantKind::Violation));
        QCOMPARE(int(tl.runInstants()[1].kind), int(InstantKind::Kill));
    }

    void emptySpansFallBackToEvents()
    {
        const Case c = handBuilt(QStringLiteral("no-spans"));
        const Timeline tl = buildOf(c);
        const Timeline ref = buildOf(handBuilt(QStringLiteral("thread")));
        QCOMPARE(tl.stepCount(), ref.stepCount());
        for (uint64_t k = 1; k <= tl.stepCount(); ++k) {
            // hand-built events carry their step's span times
            QCOMPARE(tl.step(k).startNs, ref.step(k).startNs);
            QCOMPARE(tl.step(k).endNs, ref.step(k).endNs);
            QCOMPARE(tl.step(k).actor, ref.step(k).actor);
        }
        QVERIFY(!tl.step(4).actor.valid()); // the kill step has no actor
        QCOMPARE(tl.intervals().size(), ref.intervals().size());
        for (size_t i = 0; i < tl.intervals().size(); ++i) {
            QCOMPARE(tl.intervals()[i].startNs, ref.intervals()[i].startNs);
            QCOMPARE(tl.intervals()[i].endNs, ref.intervals()[i].endNs);
            QCOMPARE(tl.intervals()[i].thread(), ref.intervals()[i].thread());
        }
        // without the thread -> process mapping, ProcessExit names thread
        // 1's process, but thread 0's stays unknown
        const Timeline blind = buildOf(handBuilt(QStringLiteral("no-spans-no-mapping")));
        QVERIFY(blind.intervalsOf(blind.laneOf({LaneKind::Thread, 1})).back().thread().killed);
        QVERIFY(!blind.intervalsOf(blind.laneOf({LaneKind::Thread, 0})).back().thread().killed);
    }

    // Without spans, a step belongs to its events' actor: a step that opens
    // with another thread's `user_wait` block (no actor) was drawn in that
    // thread's column. Before model version 3 events have no actor: the
    // first event's thread.
    void noSpansStepBelongsToItsActor()
    {
        TraceBuilder b;
        b.step(0, 0, 500);
        Event &blocked = b.ev(EventKind::Blocked, 1);
        blocked.value = int64_t(BlockReason::UserWait);
        b.ev(EventKind::SyscallEnter, 0).actor = ThreadId(0);
        b.ev(EventKind::ContextOpened, 0).actor = ThreadId(0);
        b.step(1, 500, 900);
        b.ev(EventKind::SyscallEnter, 1); // an old capture: no actor
        b.trace.spans.clear();
        const Timeline tl(b.trace, 2, 1);
        QCOMPARE(tl.stepCount(), uint64_t(2));
        QCOMPARE(tl.step(1).actor, ThreadId(0));
        QCOMPARE(tl.step(2).actor, ThreadId(1));
    }

    void emptyTrace()
    {
        const Timeline tl(Trace{}, 1, 0);
        QCOMPARE(tl.stepCount(), uint64_t(0));
        QVERIFY(tl.lanes().empty());
        QVERIFY(tl.stateAfter(0).entries.empty());
        std::vector<uint32_t> out{1, 2};
        tl.intervalsIn(Axis::Time, 0, 100, out);
        QVERIFY(out.empty());
        QCOMPARE(int(tl.hitTest(0, Axis::Step, 0, 5).what), int(Hit::What::None));
        const Timeline def;
        QCOMPARE(def.stepCount(), uint64_t(0));
    }

    // A context's kref holders after each step, from its gets and puts (a
    // copy every 16th change); a capture may name any context id, which
    // costs what its changes cost, not what its number is.
    void contextKrefHolders()
    {
        TraceBuilder b;
        const int32_t huge = 2000000000;
        b.step(0, 0, 10);
        for (int i = 0; i < 40; ++i) { // 40 ioctls: get, then put
            b.step(0, 10 * (i + 1), 10 * (i + 2));
            Event &g = b.ev(EventKind::ContextGet, 0);
            g.ctx = ContextId(huge);
            g.ctxHolder = CtxHolderKind::Ioctl;
            g.holderArg = i % 3;
            g.refcount = 1;
            if (i % 2) {
                Event &p = b.ev(EventKind::ContextPut, 0);
                p.ctx = ContextId(huge);
                p.ctxHolder = CtxHolderKind::Ioctl;
                p.holderArg = i % 3;
                p.refcount = 0;
            }
        }
        const Timeline tl(b.trace, 1, 0);
        QVERIFY(tl.memoryBytes() < 1000000);
        QCOMPARE(tl.contextRefChanges(huge).size(), size_t(60));
        QVERIFY(tl.contextRefChanges(5).empty());
        std::vector<CtxHolderRef> hs;
        tl.contextHolders(huge, 0, hs);
        QVERIFY(hs.empty());
        // after step k (2..41): the gets of even i survive, one per two steps
        for (uint64_t k = 2; k <= 41; ++k) {
            tl.contextHolders(huge, k, hs);
            size_t want = 0;
            for (uint64_t i = 0; i + 2 <= k; ++i)
                want += i % 2 == 0;
            QCOMPARE(hs.size(), want);
        }
        // ctx0 starts with the driver's own reference
        tl.contextHolders(0, 3, hs);
        QCOMPARE(hs.size(), size_t(1));
        QCOMPARE(hs[0].kind, CtxHolderKind::File);
    }

    // The checks themselves catch a wrong model: a corrupted copy fails.
    void checksCanFail()
    {
        const Case c = handBuilt(QStringLiteral("lock"));
        Trace wrong = c.trace;
        // the reference sees a release the model does not
        Timeline tl = buildOf(c);
        for (Event &e : wrong.events)
            if (e.kind == EventKind::LockAcquire && e.step == 5)
                e.kind = EventKind::LockRelease;
        QVERIFY(!checkStates(wrong, tl, c.processOf).isEmpty());
        const Case o = handBuilt(QStringLiteral("object"));
        Trace wrongObj = o.trace;
        for (Event &e : wrongObj.events)
            if (e.kind == EventKind::RefGet && e.step == 20)
                e.holderArg = 99;
        QVERIFY(!checkStates(wrongObj, buildOf(o), o.processOf).isEmpty());
    }

    // -- built-in scenarios -------------------------------------------------------

    // A program's wait step (model version 9): a thread waiting from the
    // start is reported by the first step, before that step's own events,
    // and its lane waits from time 0; a thread that comes to a wait after
    // its own step waits from that step's end; each goes on at the step of
    // the thread that set its variable, which the woken event names.
    void userWaitOnTheLane()
    {
        std::string error;
        const auto sc = loadScenarioJson(R"({"name": "waits", "processes": [{"name": "app",
            "threads": [
              {"name": "opener", "program": [{"do": "open", "as": "fd"},
                 {"do": "wait", "for": "m"}, {"do": "close", "fd": "fd"}, {"do": "exit"}]},
              {"name": "user", "program": [{"do": "wait", "for": "fd"},
                 {"do": "shm_alloc", "fd": "fd", "size": 64, "as": "m"}, {"do": "exit"}]}]}]})",
                                         "waits.json", &error);
        QVERIFY2(sc, error.c_str());
        const Simulator sim(sc);
        RunOptions opts;
        opts.policy = Policy::RoundRobin;
        opts.useSchedule = false;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        const ThreadId opener(0), user(1);
        auto isWait = [](const Event &e, EventKind k) {
            return e.kind == k && e.value == int32_t(BlockReason::UserWait);
        };
        std::vector<const Event *> blocked, woken;
        for (const Event &e : trace.events) {
            if (isWait(e, EventKind::Blocked))
                blocked.push_back(&e);
            if (isWait(e, EventKind::Woken))
                woken.push_back(&e);
        }
        QCOMPARE(blocked.size(), size_t(2));
        QCOMPARE(woken.size(), size_t(2));
        // user: from the start, said first at step 1
        QCOMPARE(blocked[0]->thread, user);
        QCOMPARE(blocked[0]->step, uint64_t(1));
        QCOMPARE(blocked[0]->count, 0);
        QCOMPARE(&trace.events.front(), blocked[0]);
        QVERIFY(!blocked[0]->actor.valid()); // no thread's doing
        QCOMPARE(QString::fromStdString(vocab::eventText(sim, *blocked[0])),
                 QStringLiteral("app/user waits in user space for variable fd (a wait step: "
                                "another thread of its process sets it)"));
        QCOMPARE(woken[0]->thread, user);
        QCOMPARE(woken[0]->peer, opener); // its open set fd
        QCOMPARE(woken[0]->actor, opener);
        QCOMPARE(trace.spans[size_t(woken[0]->step - 1)].actor, opener);
        QCOMPARE(QString::fromStdString(vocab::eventText(sim, *woken[0])),
                 QStringLiteral("app/user goes on: app/opener set variable fd (its wait step is "
                                "over)"));
        // opener: comes to its wait after its own open
        QCOMPARE(blocked[1]->thread, opener);
        QCOMPARE(blocked[1]->step, woken[0]->step);
        QCOMPARE(blocked[1]->count, 1);
        QCOMPARE(blocked[1]->actor, opener);
        QCOMPARE(woken[1]->thread, opener);
        QCOMPARE(woken[1]->peer, user);
        QCOMPARE(trace.spans[size_t(woken[1]->step - 1)].actor, user);

        const Timeline tl(trace, 3, 1, Timeline::threadProcesses(*sc));
        const auto waits = [&](ThreadId t) {
            std::vector<Interval> out;
            for (const Interval &iv : tl.intervalsOf(tl.laneOf({LaneKind::Thread, t.v})))
                if (iv.thread().state == ThreadState::Blocked &&
                    iv.thread().reason == BlockReason::UserWait)
                    out.push_back(iv);
            return out;
        };
        const std::vector<Interval> u = waits(user), o = waits(opener);
        QCOMPARE(u.size(), size_t(1));
        QCOMPARE(u[0].startNs, int64_t(0)); // from the start, not from step 1's end
        QCOMPARE(u[0].event, kNone);
        QCOMPARE(u[0].thread().waitStep, 0);
        QCOMPARE(u[0].endNs, trace.spans[size_t(woken[0]->step - 1)].endNs);
        QCOMPARE(o.size(), size_t(1));
        QCOMPARE(o[0].startNs, trace.spans[size_t(blocked[1]->step - 1)].endNs);
        QCOMPARE(o[0].thread().waitStep, 1);
        QCOMPARE(o[0].endNs, trace.spans[size_t(woken[1]->step - 1)].endNs);
        // the released thread's next step starts no earlier than that
        for (size_t k = size_t(woken[0]->step); k < trace.spans.size(); ++k)
            if (trace.spans[k].actor == user) {
                QVERIFY(trace.spans[k].startNs >= u[0].endNs);
                break;
            }
    }

    void builtinAgreesWithReplay_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("policy");
        QTest::addColumn<int>("steps");
        QTest::addColumn<QString>("variant");
        const int scripted = int(Policy::Scripted), random = int(Policy::Random);
        const QString none;
        QTest::newRow("kill-while-processing") << "kill-while-processing" << scripted << 0 << none;
        QTest::newRow("srcu-vs-lock") << "srcu-vs-lock" << scripted << 0 << none;
        QTest::newRow("srcu-vs-lock argument=srcu")
            << "srcu-vs-lock" << scripted << 0 << "argument=srcu";
        QTest::newRow("close-context-async-release")
            << "close-context-async-release" << scripted << 0 << none;
        QTest::newRow("fifo-delivery") << "fifo-delivery" << scripted << 0 << none;
        QTest::newRow("stress 2000") << "stress" << random << 2000 << none;
        QTest::newRow("stress 2000 round-robin")
            << "stress" << int(Policy::RoundRobin) << 2000 << none;
        QTest::newRow("stress 2000 request=idr") << "stress" << random << 2000 << "request=idr";
        // every built-in, scripted and random
        for (const BuiltinInfo &b : builtinScenarios()) {
            const QString n = QString::fromStdString(b.name);
            QTest::newRow(qPrintable(n + QStringLiteral(" (all) scripted")))
                << n << scripted << 1500 << none;
            QTest::newRow(qPrintable(n + QStringLiteral(" (all) random")))
                << n << random << 1500 << none;
        }
    }

    void builtinAgreesWithReplay()
    {
        QFETCH(QString, name);
        QFETCH(int, policy);
        QFETCH(int, steps);
        QFETCH(QString, variant);
        auto sc = builtin(name.toStdString().c_str());
        QVERIFY(sc);
        Variant v = sc->variant;
        if (!variant.isEmpty())
            QVERIFY(v.set(variant.toStdString()).empty());
        Simulator sim(sc, v);
        RunOptions opts;
        opts.policy = Policy(policy);
        if (opts.policy != Policy::Scripted) {
            opts.useSchedule = false;
            opts.seed = 7;
        }
        if (steps > 0)
            opts.maxSteps = uint64_t(steps);
        std::string error;
        const Trace trace = run(sim, opts, &error);
        QVERIFY2(error.empty(), error.c_str());
        if (name == QLatin1String("stress"))
            QCOMPARE(trace.schedule.size(), size_t(steps));
        const std::vector<ProcessId> pof = Timeline::threadProcesses(*sc);
        const int32_t threads = sc->threadCount() + 1;
        QCOMPARE(int32_t(pof.size()), threads);
        QCOMPARE(int32_t(trace.final.threads.size()), threads); // (the test may read final)
        const Timeline tl(trace, threads, int32_t(sc->processes.size()), pof);
        QCOMPARE(tl.stepCount(), uint64_t(trace.schedule.size()));
        const QString problem = checkAll(trace, tl, pof, 300);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // The engine names the context of every req_c wait and wake-up
        // (model version 5), the one whose reqs_lock the thread took last
        // (the rule the timeline keeps for older captures).
        {
            std::vector<ContextId> lastLock(static_cast<size_t>(threads));
            for (const Event &e : trace.events) {
                if (e.kind == EventKind::LockAcquire && e.thread.valid())
                    lastLock[size_t(e.thread.v)] = e.ctx;
                if ((e.kind == EventKind::Blocked || e.kind == EventKind::Woken) &&
                    e.value == int32_t(BlockReason::ReqC)) {
                    QVERIFY2(e.ctx.valid(), qPrintable(QStringLiteral("step %1").arg(e.step)));
                    QCOMPARE(e.ctx, lastLock[size_t(e.thread.v)]);
                }
            }
        }
        // A wait on req_c or on reqs_lock names its context (the inspector's
        // "Waits on").
        for (uint32_t lane = 0; lane < tl.lanes().size(); ++lane) {
            if (tl.lanes()[lane].key.kind != LaneKind::Thread)
                continue;
            for (const Interval &i : tl.intervalsOf(lane)) {
                const ThreadSpan &w = i.thread();
                if (w.state == ThreadState::Blocked &&
                    (w.reason == BlockReason::ReqC || w.reason == BlockReason::Lock))
                    QVERIFY2(w.ctx.valid(), qPrintable(laneText(tl, lane)));
            }
        }
        // the final state agrees with the engine's own final state
        const StateAfter last = tl.stateAfter(tl.stepCount());
        int liveObjects = 0, liveRequests = 0;
        for (const StateAfter::Entry &e : last.entries) {
            const LaneKey k = tl.lanes()[e.lane].key;
            liveObjects += k.kind == LaneKind::Object;
            if (k.kind == LaneKind::Request) {
                // live in the model: still in the engine, in the same state
                ++liveRequests;
                const Request *r = trace.final.request(RequestId(k.id));
                QVERIFY2(r, qPrintable(laneText(tl, e.lane)));
                QCOMPARE(int(r->state), int(tl.intervals()[e.interval].request().state));
            }
            if (k.kind == LaneKind::Object) {
                const KObject *o = trace.final.object(ObjectId(k.id));
                QVERIFY2(o, qPrintable(laneText(tl, e.lane)));
                QCOMPARE(int32_t(o->holders.size()), tl.intervals()[e.interval].object().refcount);
                QCOMPARE(e.holderCount, uint32_t(o->holders.size()));
                // the very holders, as the engine has them
                std::vector<std::pair<int, int64_t>> got, want;
                for (uint32_t h = 0; h < e.holderCount; ++h)
                    got.emplace_back(int(last.holders[e.holderBegin + h].kind),
                                     last.holders[e.holderBegin + h].arg());
                for (const Holder &h : o->holders)
                    want.emplace_back(int(h.kind), h.arg());
                std::sort(got.begin(), got.end());
                std::sort(want.begin(), want.end());
                QVERIFY2(got == want, qPrintable(laneText(tl, e.lane)));
            }
            if (k.kind == LaneKind::Thread && k.id < int(trace.final.threads.size()) &&
                trace.final.threads[size_t(k.id)].phase == Phase::Exited)
                QCOMPARE(int(tl.intervals()[e.interval].thread().state), int(ThreadState::Exited));
        }
        QCOMPARE(liveObjects, int(trace.final.objects.size()));
        // the engine keeps a PROCESSED request after its dispatch returned
        // until notify frees it; the model ends it at the return
        int inDriver = 0;
        for (const Request &r : trace.final.requests)
            inDriver += r.state == ReqState::QUEUED || r.state == ReqState::PROCESSING ||
                        r.state == ReqState::Placeholder;
        QVERIFY(liveRequests >= inDriver);
    }

    void builtinFlowsAndKills()
    {
        auto sc = builtin("kill-while-processing");
        Simulator sim(sc);
        std::string error;
        const Trace trace = run(sim, RunOptions{}, &error);
        QVERIFY2(error.empty(), error.c_str());
        const auto pof = Timeline::threadProcesses(*sc);
        const Timeline tl(trace, sc->threadCount() + 1, int32_t(sc->processes.size()), pof);
        // a callback reached the supplicant's RECV
        int callback = 0, delivery = 0;
        for (const Flow &f : tl.flows()) {
            callback += f.kind == FlowKind::Callback;
            delivery += f.kind == FlowKind::Delivery;
            QCOMPARE(tl.lanes()[f.to.lane].key.kind,
                     f.kind == FlowKind::Callback ? LaneKind::Request : LaneKind::Thread);
        }
        QVERIFY(callback >= 1);
        QVERIFY(delivery >= 1);
        // the kill reached both threads of app; a PLACEHOLDER interval
        int kills = 0;
        for (const Instant &x : tl.instants())
            kills += x.kind == InstantKind::Kill;
        QCOMPARE(kills, 2);
        bool placeholder = false;
        for (const Interval &x : tl.intervals())
            placeholder = placeholder || (x.kind == LaneKind::Request &&
                                          x.request().state == ReqState::Placeholder);
        QVERIFY(placeholder);
    }
};

QTEST_GUILESS_MAIN(TestTimeline)
#include "tst_timeline.moc"
