// The timeline model (timeline.h): one pass over the events builds the
// intervals, instants and flows; then everything is grouped by lane and the
// query indexes (static interval trees, sorted orders) are built.
#include "simulator/timeline.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <numeric>
#include <optional>
#include <unordered_map>

namespace tee::sim {

namespace {

// -- static interval tree ------------------------------------------------------
// An array sorted by start seen as an implicit binary tree: node i has level
// = number of trailing 1 bits of i, its subtree covers [i - 2^k + 1, i + 2^k
// - 1], and max[i] is the largest end in that subtree. A query visits the
// nodes whose subtree may meet the window: O(log n + k). After H. Li,
// cgranges (MIT), with closed intervals.

// Builds max[] for positions 0..n-1; returns the root's level (-1 if empty).
template <class T, class StartF, class EndF>
int8_t treeBuild(size_t n, StartF start, EndF end, T *maxv)
{
    (void)start;
    if (n == 0)
        return -1;
    size_t lastI = 0;
    T last = 0;
    for (size_t i = 0; i < n; i += 2) {
        lastI = i;
        maxv[i] = last = T(end(i));
    }
    int k = 1;
    for (; (size_t(1) << k) <= n; ++k) {
        const size_t x = size_t(1) << (k - 1);
        const size_t i0 = (x << 1) - 1;
        const size_t step = x << 2;
        for (size_t i = i0; i < n; i += step) {
            const T el = maxv[i - x];
            const T er = i + x < n ? maxv[i + x] : last;
            maxv[i] = std::max({T(end(i)), el, er});
        }
        lastI = (lastI >> k & 1) ? lastI - x : lastI + x;
        if (lastI < n && maxv[lastI] > last)
            last = maxv[lastI];
    }
    return int8_t(k - 1);
}

// Calls out(position) for every position whose [start, end] meets [st, en].
template <class T, class StartF, class EndF, class Out>
void treeQuery(size_t n, int8_t root, StartF start, EndF end, const T *maxv, int64_t st, int64_t en,
               Out out)
{
    if (root < 0 || n == 0 || st > en)
        return;
    struct Node
    {
        size_t x;
        int k;
        int w;
    };
    Node stack[80];
    int t = 0;
    stack[t++] = {(size_t(1) << root) - 1, root, 0};
    while (t) {
        const Node z = stack[--t];
        if (z.k <= 3) {
            const size_t i0 = z.x >> z.k << z.k;
            size_t i1 = i0 + (size_t(1) << (z.k + 1)) - 1;
            if (i1 > n)
                i1 = n;
            for (size_t i = i0; i < i1 && int64_t(start(i)) <= en; ++i)
                if (st <= int64_t(end(i)))
                    out(i);
        } else if (z.w == 0) {
            const size_t y = z.x - (size_t(1) << (z.k - 1));
            stack[t++] = {z.x, z.k, 1};
            if (y >= n || int64_t(maxv[y]) >= st)
                stack[t++] = {y, z.k - 1, 0};
        } else if (z.x < n && int64_t(start(z.x)) <= en) {
            if (st <= int64_t(end(z.x)))
                out(z.x);
            stack[t++] = {z.x + (size_t(1) << (z.k - 1)), z.k - 1, 0};
        }
    }
}

int laneRank(LaneKind k)
{
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
}

bool laneLess(const LaneKey &a, const LaneKey &b)
{
    const int ra = laneRank(a.kind), rb = laneRank(b.kind);
    return ra != rb ? ra < rb : a.id < b.id;
}

// A typed id -> value map: a vector for the dense serials the engine hands
// out, a hash map for anything beyond (a malformed capture's huge ids).
class IdMap
{
public:
    explicit IdMap(size_t denseLimit)
        : m_limit(denseLimit)
    {}
    uint32_t get(int32_t id) const
    {
        if (id < 0)
            return kNone;
        if (size_t(id) < m_limit)
            return size_t(id) < m_dense.size() ? m_dense[size_t(id)] : kNone;
        auto it = m_sparse.find(id);
        return it == m_sparse.end() ? kNone : it->second;
    }
    void set(int32_t id, uint32_t v)
    {
        if (size_t(id) < m_limit) {
            if (size_t(id) >= m_dense.size())
                m_dense.resize(std::max(size_t(id) + 1, m_dense.size() * 2), kNone);
            m_dense[size_t(id)] = v;
        } else {
            m_sparse[id] = v;
        }
    }

private:
    size_t m_limit;
    std::vector<uint32_t> m_dense;
    std::unordered_map<int32_t, uint32_t> m_sparse;
};

// Object holder lists: a full copy in the pool when small or every 8th
// change of a lane; otherwise rebuilt from the last copy and the changes.
constexpr size_t kSmallHolders = 8;
constexpr uint32_t kSnapshotEvery = 8;
// Context kref holders: a copy before a change at least every 16th change
// (more rarely for a long list, see ctxRef).
constexpr size_t kCtxSnapshotEvery = 16;

template <class V>
size_t bytesOf(const V &v)
{
    return v.capacity() * sizeof(typename V::value_type);
}

// The live holders of one lane (an object's references, a context's kref)
// while the builder replays gets and puts: in get order, a put removing the
// first equal one. Each change is O(log n): positions are found by value,
// and a removed entry stays as a hole until holes are half the list (a
// capture may hold any number of holders: a search per put was quadratic).
template <class H>
class LiveHolders
{
public:
    size_t size() const { return m_list.size() - m_holes; }
    void clear() { *this = LiveHolders(); }
    void get(const H &h)
    {
        m_at[key(h)].push_back(m_list.size());
        m_list.push_back(h);
        m_gone.push_back(0);
    }
    // False when no such holder is live.
    bool put(const H &h)
    {
        const bool found = take(h) != SIZE_MAX;
        if (m_holes * 2 > m_list.size() && m_list.size() > 64)
            compact();
        return found;
    }
    // The first live `from` becomes `to` in its place (an id named later).
    bool rename(const H &from, const H &to)
    {
        const size_t i = take(from);
        if (i == SIZE_MAX)
            return false;
        m_list[i] = to;
        m_gone[i] = 0;
        --m_holes;
        std::deque<size_t> &q = m_at[key(to)];
        q.insert(std::lower_bound(q.begin(), q.end(), i), i);
        return true;
    }
    // The live holders in order, appended (at most `max`).
    void appendTo(std::vector<H> &out, size_t max) const
    {
        for (size_t i = 0; i < m_list.size() && max > 0; ++i)
            if (!m_gone[i]) {
                out.push_back(m_list[i]);
                --max;
            }
    }

private:
    static std::pair<int, int64_t> key(const HolderRef &h) { return {int(h.kind), h.arg()}; }
    static std::pair<int, int64_t> key(const CtxHolderRef &h) { return {int(h.kind), h.arg}; }
    size_t take(const H &h)
    {
        const auto it = m_at.find(key(h));
        if (it == m_at.end() || it->second.empty())
            return SIZE_MAX;
        const size_t i = it->second.front();
        it->second.pop_front();
        if (it->second.empty())
            m_at.erase(it);
        m_gone[i] = 1;
        ++m_holes;
        return i;
    }
    void compact()
    {
        std::vector<H> list;
        list.reserve(size());
        appendTo(list, SIZE_MAX);
        *this = LiveHolders();
        for (const H &h : list)
            get(h);
    }
    std::vector<H> m_list;
    std::vector<char> m_gone;
    size_t m_holes = 0;
    std::map<std::pair<int, int64_t>, std::deque<size_t>> m_at;
};

} // namespace

// -----------------------------------------------------------------------------

struct TimelineBuilder
{
    Timeline &m;
    const Trace &trace;
    std::vector<ProcessId> processOf;

    struct LaneBuild
    {
        uint32_t open = kNone; // the sequential lane's current interval
        bool ended = false;
        bool attrs = false; // LaneAttrs set (an instant may have made the lane first)
        int32_t pins = 0;   // contexts
        LiveHolders<HolderRef> holders;
        uint32_t sinceSnapshot = 0; // objects: changes since the last copy in the pool
    };
    struct ThreadBuild
    {
        uint32_t lane = kNone;
        ThreadSpan saved; // the state a Blocked interrupted
        // The reqs_lock it took last: a SUPPL_RECV that finds nothing QUEUED
        // drops that context's lock and sleeps on its req_c (spec §3.4 step
        // 1), and the Blocked event does not name the context.
        ContextId lockCtx;
        uint32_t qteeOpen = kNone;
        // A QteeCallback waiting for the request it queues.
        bool pending = false;
        bool pendingNextSeen = false;
        FlowEnd pendingEnd;
    };
    struct RequestFlow
    {
        FlowEnd queued;
        FlowEnd recv;
    };

    std::vector<Lane> lanes; // creation order
    std::vector<LaneBuild> lb;
    std::vector<Interval> iv;  // creation order
    std::vector<Instant> inst; // creation order
    std::vector<ThreadBuild> threads;
    IdMap ctxLanes, objectLanes, requestLanes, lockLanes, workOpen;
    std::vector<RequestFlow> reqFlow; // by request lane
    uint32_t qteeLane = kNone, wqLane = kNone;

    TimelineBuilder(Timeline &model, const Trace &t, std::span<const ProcessId> pof)
        : m(model)
        , trace(t)
        , processOf(pof.begin(), pof.end())
        , ctxLanes(t.events.size() + 1024)
        , objectLanes(t.events.size() + 1024)
        , requestLanes(t.events.size() + 1024)
        , lockLanes(t.events.size() + 1024)
        , workOpen(t.events.size() + 1024)
    {}

    // -- steps and times ------------------------------------------------------
    void buildSteps()
    {
        const EventList &ev = trace.events;
        uint64_t maxStep = std::max<uint64_t>(trace.spans.size(), trace.schedule.size());
        for (const Event &e : ev)
            maxStep = std::max(maxStep, e.step);
        m.m_stepCount = maxStep;
        m.m_steps.assign(size_t(maxStep) + 1, StepInfo{});
        // event ranges (events are in step order)
        size_t i = 0;
        for (uint64_t k = 0; k <= maxStep; ++k) {
            StepInfo &s = m.m_steps[size_t(k)];
            s.eventBegin = uint32_t(i);
            while (i < ev.size() && ev[i].step <= k)
                ++i;
            s.eventEnd = uint32_t(i);
        }
        int64_t prevEnd = 0;
        for (uint64_t k = 1; k <= maxStep; ++k) {
            StepInfo &s = m.m_steps[size_t(k)];
            if (k <= trace.spans.size()) {
                const StepSpan &sp = trace.spans[size_t(k - 1)];
                s.startNs = sp.startNs;
                s.endNs = sp.endNs;
                s.actor = sp.actor;
            } else if (s.eventBegin < s.eventEnd) {
                // no span (an old capture): the events' own times and thread
                const Event &first = ev[s.eventBegin];
                s.startNs = first.startNs;
                s.endNs = first.tNs;
                // The step's thread is its events' actor (model version
                // 3); before that, the first event's thread. (The first
                // event is not always the actor's: a step that opens with
                // another thread's `user_wait` block drew in its column.)
                bool kill = false;
                ThreadId actor, firstThread;
                for (uint32_t j = s.eventBegin; j < s.eventEnd; ++j) {
                    kill = kill || ev[j].kind == EventKind::Killed;
                    if (!actor.valid() && ev[j].actor.valid())
                        actor = ev[j].actor;
                    if (!firstThread.valid() && ev[j].thread.valid())
                        firstThread = ev[j].thread;
                }
                s.actor = kill ? ThreadId() : actor.valid() ? actor : firstThread;
            } else {
                s.startNs = s.endNs = prevEnd;
            }
            prevEnd = s.endNs;
            m.m_endNs = std::max(m.m_endNs, s.endNs);
        }
    }

    static bool beginsOwnStep(EventKind k)
    {
        switch (k) {
        case EventKind::SyscallEnter:
        case EventKind::Woken:
        case EventKind::LockAcquire:
        case EventKind::WorkStarted:
        case EventKind::QteeCallback:
        case EventKind::QteeResult:
        case EventKind::SmcFailed:
            return true;
        default:
            return false;
        }
    }

    int64_t timeOf(const Event &e) const
    {
        const StepInfo &s = m.m_steps[size_t(e.step)];
        const bool own = e.thread.valid() && e.thread == s.actor;
        return own && beginsOwnStep(e.kind) ? s.startNs : s.endNs;
    }

    // -- lanes and intervals --------------------------------------------------
    uint32_t newLane(LaneKind kind, int32_t id)
    {
        Lane l;
        l.key = {kind, id};
        lanes.push_back(l);
        lb.emplace_back();
        reqFlow.emplace_back();
        return uint32_t(lanes.size() - 1);
    }

    uint32_t laneIn(IdMap &map, LaneKind kind, int32_t id)
    {
        uint32_t l = map.get(id);
        if (l == kNone) {
            l = newLane(kind, id);
            map.set(id, l);
        }
        return l;
    }

    uint32_t threadLane(ThreadId t) const
    {
        return t.valid() && size_t(t.v) < threads.size() ? threads[size_t(t.v)].lane : kNone;
    }

    uint32_t open(uint32_t lane, LaneKind kind, uint32_t step, int64_t t, uint32_t event)
    {
        Interval x;
        x.lane = lane;
        x.kind = kind;
        x.firstStep = x.lastStep = step;
        x.startNs = x.endNs = t;
        x.event = event;
        x.flags = Interval::kOpenAtEnd; // while building: still open
        switch (kind) {
        case LaneKind::Thread:
            x.set(ThreadSpan{});
            break;
        case LaneKind::Context:
            x.set(ContextSpan{});
            break;
        case LaneKind::Object:
            x.set(ObjectSpan{});
            break;
        case LaneKind::Request:
            x.set(RequestSpan{});
            break;
        case LaneKind::Lock:
            x.set(LockSpan{});
            break;
        case LaneKind::Workqueue:
            x.set(WorkSpan{});
            break;
        case LaneKind::Qtee:
            x.set(QteeSpan{});
            break;
        }
        iv.push_back(x);
        return uint32_t(iv.size() - 1);
    }

    void close(uint32_t i, uint32_t step, int64_t t)
    {
        Interval &x = iv[i];
        x.flags &= uint8_t(~Interval::kOpenAtEnd);
        x.lastStep = std::max(step, x.firstStep);
        if (t < x.startNs) {
            x.endNs = x.startNs;
            x.flags |= Interval::kClamped;
        } else {
            x.endNs = t;
        }
    }

    // Closes the lane's current interval and opens the next, which starts as
    // a copy of it (the caller changes the payload).
    Interval &next(uint32_t lane, LaneKind kind, uint32_t step, int64_t t, uint32_t event)
    {
        LaneBuild &b = lb[lane];
        const uint32_t prev = b.open;
        uint32_t i = 0;
        if (prev != kNone) {
            close(prev, step, t);
            Interval x = iv[prev]; // the payload carries over
            x.firstStep = x.lastStep = step;
            x.startNs = x.endNs = t;
            x.event = event;
            x.flags = Interval::kOpenAtEnd;
            iv.push_back(x);
            i = uint32_t(iv.size() - 1);
        } else {
            i = open(lane, kind, step, t, event);
        }
        b.open = i;
        b.ended = false;
        return iv[i];
    }

    void endLane(uint32_t lane, uint32_t step, int64_t t)
    {
        LaneBuild &b = lb[lane];
        if (b.open != kNone)
            close(b.open, step, t);
        b.open = kNone;
        b.ended = true;
    }

    void instant(uint32_t lane, uint32_t step, int64_t t, uint32_t event, InstantKind kind)
    {
        Instant x;
        x.lane = lane;
        x.step = step;
        x.tNs = t;
        x.event = event;
        x.kind = kind;
        if (lane == kNone)
            m.m_runInstants.push_back(x);
        else
            inst.push_back(x);
    }

    // -- threads --------------------------------------------------------------
    void threadTo(ThreadId tid, const ThreadSpan &span, uint32_t step, int64_t t, uint32_t event)
    {
        const uint32_t lane = threadLane(tid);
        if (lane == kNone)
            return;
        const uint32_t cur = lb[lane].open;
        if (cur != kNone && iv[cur].thread() == span)
            return; // nothing changes
        next(lane, LaneKind::Thread, step, t, event).set(span);
    }

    std::optional<ThreadSpan> threadNow(ThreadId tid) const
    {
        const uint32_t lane = threadLane(tid);
        if (lane == kNone || lb[lane].open == kNone)
            return std::nullopt;
        return iv[lb[lane].open].thread();
    }

    // -- contexts -------------------------------------------------------------
    // A context lane changes state (setState) or pin count (pinDelta).
    void ctxTo(ContextId c, bool setState, ContextState state, int32_t pinDelta, uint32_t step,
               int64_t t, uint32_t event)
    {
        if (!c.valid())
            return;
        const uint32_t lane = laneIn(ctxLanes, LaneKind::Context, c.v);
        LaneBuild &b = lb[lane];
        b.pins += pinDelta;
        if (b.ended)
            return; // ContextDataFreed ended it: nothing more to draw
        ContextSpan span = b.open != kNone ? iv[b.open].context() : ContextSpan{};
        if (setState)
            span.state = state;
        span.pins = b.pins;
        if (b.open != kNone && iv[b.open].context() == span)
            return;
        next(lane, LaneKind::Context, step, t, event).set(span);
    }

    // -- objects --------------------------------------------------------------
    // A copy of the holders in the pool (capped at 65534: never in a run).
    void storeHolders(ObjectSpan &o, LaneBuild &b)
    {
        const size_t n = std::min<size_t>(b.holders.size(), ObjectSpan::kNoSnapshot - 1);
        o.holderBegin = uint32_t(m.m_holderPool.size());
        o.holderCount = uint16_t(n);
        b.holders.appendTo(m.m_holderPool, n);
        b.sinceSnapshot = 0;
    }
    // A copy when the list is small, else once its changes since the last
    // copy are as many as its holders (each copy paid for by the changes
    // before it: a copy every 8th change was quadratic in a long list;
    // Timeline::holders replays at most that many changes).
    void storeOrNot(ObjectSpan &o, LaneBuild &b)
    {
        if (b.holders.size() <= kSmallHolders ||
            ++b.sinceSnapshot >= std::max<size_t>(kSnapshotEvery, b.holders.size()))
            storeHolders(o, b);
        else
            o.holderCount = ObjectSpan::kNoSnapshot;
    }

    // -- the pass -------------------------------------------------------------
    void prepass(int32_t threadCount)
    {
        const EventList &ev = trace.events;
        // the process of each thread: given, or learnt from ProcessExit
        if (processOf.size() < size_t(threadCount))
            processOf.resize(size_t(threadCount));
        for (const Event &e : ev)
            if (e.kind == EventKind::ProcessExit && e.thread.valid() && e.thread.v < threadCount &&
                !processOf[size_t(e.thread.v)].valid())
                processOf[size_t(e.thread.v)] = e.process;
        // which threads get a lane: actors, threads named by events, victims
        std::vector<char> touched(size_t(threadCount), 0);
        auto touch = [&](ThreadId t) {
            if (t.valid() && t.v < threadCount)
                touched[size_t(t.v)] = 1;
        };
        for (uint64_t k = 1; k <= m.m_stepCount; ++k)
            touch(m.m_steps[size_t(k)].actor);
        for (const Event &e : ev) {
            touch(e.thread);
            if (e.kind == EventKind::Killed && e.process.valid())
                for (int32_t t = 0; t < threadCount; ++t)
                    if (processOf[size_t(t)] == e.process)
                        touched[size_t(t)] = 1;
        }
        threads.assign(size_t(threadCount), ThreadBuild{});
        for (int32_t t = 0; t < threadCount; ++t) {
            if (!touched[size_t(t)])
                continue;
            const uint32_t lane = newLane(LaneKind::Thread, t);
            Lane &l = lanes[lane];
            l.attrs.worker = t == threadCount - 1;
            l.attrs.process = processOf[size_t(t)];
            threads[size_t(t)].lane = lane;
            const uint32_t i = open(lane, LaneKind::Thread, 0, 0, kNone);
            ThreadSpan s;
            s.state = l.attrs.worker ? ThreadState::Idle : ThreadState::Running;
            iv[i].set(s);
            lb[lane].open = i;
        }
        // The driver's own context (ctx0) was opened at probe, before the
        // first step: when the run moves its kref (a QTEE object made in it,
        // device removal), its lane is there from step 0. (A kref taken or
        // dropped draws nothing else: the lane would split at every ioctl;
        // the Contexts inspector counts them.)
        for (const Event &e : ev)
            if ((e.kind == EventKind::ContextGet || e.kind == EventKind::ContextPut) &&
                e.ctx == ContextId(0)) {
                const uint32_t lane = laneIn(ctxLanes, LaneKind::Context, 0);
                if (lb[lane].open == kNone && !lb[lane].ended) {
                    const uint32_t i = open(lane, LaneKind::Context, 0, 0, kNone);
                    iv[i].set(ContextSpan{});
                    lb[lane].open = i;
                }
                break;
            }
    }

    FlowEnd endAt(uint32_t lane, uint32_t step, int64_t t, uint32_t event) const
    {
        return FlowEnd{lane, step, t, event};
    }

    void addFlow(FlowKind kind, RequestId r, const FlowEnd &from, const FlowEnd &to)
    {
        Flow f;
        f.kind = kind;
        f.request = r;
        f.from = from;
        f.to = to;
        m.m_flows.push_back(f);
    }

    // -- context krefs ---------------------------------------------------------
    std::map<int32_t, LiveHolders<CtxHolderRef>> ctxLive; // per context: its kref's holders so far

    void ctxRef(const Event &e, int64_t t, uint32_t ei)
    {
        // value 1: lifetime=kref's qcomtee_context_data ref_cnt, not the kref
        if (!e.ctx.valid() || e.value != 0)
            return;
        Timeline::ContextRefs &r = m.m_contextRefs[e.ctx.v];
        LiveHolders<CtxHolderRef> &live = ctxLive[e.ctx.v];
        // a copy of the holders before this change, once the changes since
        // the last copy are as many as the holders (16 at least): each copy
        // is paid for by the changes before it
        const size_t since = r.changes.size() - (r.snapAt.empty() ? 0 : r.snapAt.back());
        if (r.snapAt.empty() || since >= std::max(kCtxSnapshotEvery, live.size())) {
            r.snapAt.push_back(uint32_t(r.changes.size()));
            r.snapBegin.push_back(uint32_t(m.m_ctxHolderPool.size()));
            r.snapCount.push_back(uint32_t(live.size()));
            live.appendTo(m.m_ctxHolderPool, SIZE_MAX);
        }
        ContextRefChange x;
        x.step = e.step;
        x.tNs = t;
        x.event = ei;
        x.get = e.kind == EventKind::ContextGet;
        x.holder = CtxHolderRef{e.ctxHolder, e.holderArg};
        if (x.get)
            live.get(x.holder);
        else
            live.put(x.holder);
        x.refcount = e.refcount >= 0 ? e.refcount : int32_t(live.size());
        r.changes.push_back(x);
    }

    void stepHook(uint64_t k)
    {
        const ThreadId a = m.m_steps[size_t(k)].actor;
        if (!a.valid() || size_t(a.v) >= threads.size())
            return;
        ThreadBuild &tb = threads[size_t(a.v)];
        if (tb.pending && tb.pendingEnd.step < k) {
            if (tb.pendingNextSeen)
                tb.pending = false;
            else
                tb.pendingNextSeen = true;
        }
    }

    void event(uint32_t ei)
    {
        const Event &e = trace.events[ei];
        const uint32_t step = uint32_t(e.step);
        const int64_t t = timeOf(e);
        const uint32_t tl = threadLane(e.thread);
        switch (e.kind) {
        case EventKind::RequestState: {
            if (!e.request.valid())
                break;
            const uint32_t lane = laneIn(requestLanes, LaneKind::Request, e.request.v);
            if (!lb[lane].attrs) {
                lb[lane].attrs = true;
                LaneAttrs &a = lanes[lane].attrs;
                a.ctx = e.ctx;
                a.reqId = e.reqId;
                a.object = e.object;
                a.op = e.op;
                a.userObjectId = e.userObjectId;
                a.client = e.holderArg >= 0 ? ThreadId(int32_t(e.holderArg)) : ThreadId();
                a.notification = e.holderArg < 0;
            }
            if (e.to == ReqState::Removed) {
                endLane(lane, step, t);
            } else {
                RequestSpan r;
                r.state = e.to;
                r.errno_ = e.to == ReqState::PROCESSED ? e.errno_ : 0;
                r.actor = e.thread;
                next(lane, LaneKind::Request, step, t, ei).set(r);
            }
            // flows
            RequestFlow &rf = reqFlow[lane];
            const FlowEnd here = endAt(lane, step, t, ei);
            const FlowEnd onThread = tl != kNone ? endAt(tl, step, t, ei) : here;
            if (e.to == ReqState::QUEUED && e.from == ReqState::New) {
                rf.queued = here;
                if (e.thread.valid() && size_t(e.thread.v) < threads.size()) {
                    ThreadBuild &tb = threads[size_t(e.thread.v)];
                    if (tb.pending) {
                        addFlow(FlowKind::Callback, e.request, tb.pendingEnd, here);
                        tb.pending = false;
                    }
                }
            } else if (e.to == ReqState::PROCESSING && rf.queued.lane != kNone) {
                addFlow(FlowKind::Delivery, e.request, rf.queued, onThread);
                rf.recv = onThread;
            } else if (e.to == ReqState::PROCESSED && rf.recv.lane != kNone) {
                addFlow(FlowKind::Reply, e.request, rf.recv, onThread);
                rf.recv = FlowEnd{};
            }
            break;
        }
        case EventKind::DispatchReturn: {
            // T10: a PROCESSED request leaves the driver when its client's
            // dispatch returns (freed now, or by notify once the callback
            // response reached QTEE); no REMOVED comes for it.
            const uint32_t lane = requestLanes.get(e.request.v);
            if (lane != kNone && lb[lane].open != kNone &&
                iv[lb[lane].open].request().state == ReqState::PROCESSED)
                endLane(lane, step, t);
            break;
        }
        case EventKind::ObjectCreated: {
            if (!e.object.valid())
                break;
            const uint32_t lane = laneIn(objectLanes, LaneKind::Object, e.object.v);
            LaneAttrs &a = lanes[lane].attrs;
            a.objectType = e.objectType;
            a.ctx = e.ctx;
            a.qteeId = e.qteeId;
            a.userObjectId = e.userObjectId;
            LaneBuild &b = lb[lane];
            b.attrs = true;
            b.holders.clear();
            ObjectSpan o;
            o.holderBegin = uint32_t(m.m_holderPool.size());
            next(lane, LaneKind::Object, step, t, ei).set(o);
            if (e.objectType == ObjectType::User)
                ctxTo(e.ctx, false, ContextState::Open, +1, step, t, ei);
            break;
        }
        case EventKind::ObjectFreed: {
            const uint32_t lane = objectLanes.get(e.object.v);
            if (lane == kNone)
                break;
            endLane(lane, step, t);
            LaneBuild &b = lb[lane];
            b.holders.clear();
            const LaneAttrs &a = lanes[lane].attrs;
            if (a.objectType == ObjectType::User)
                ctxTo(a.ctx, false, ContextState::Open, -1, step, t, ei);
            break;
        }
        case EventKind::RefGet:
        case EventKind::RefPut: {
            if (!e.object.valid())
                break;
            const uint32_t lane = laneIn(objectLanes, LaneKind::Object, e.object.v);
            LaneBuild &b = lb[lane];
            if (!b.attrs) {
                b.attrs = true;
                lanes[lane].attrs.objectType = e.objectType;
            }
            const HolderRef h = HolderRef::make(e.holder, e.holderArg);
            const bool get = e.kind == EventKind::RefGet;
            if (get)
                b.holders.get(h);
            else
                b.holders.put(h);
            ObjectSpan o;
            o.refcount = e.refcount >= 0 ? e.refcount : int32_t(b.holders.size());
            o.change = get ? RefChange::Get : RefChange::Put;
            o.changedKind = h.kind;
            o.changedBits = h.bits;
            storeOrNot(o, b);
            next(lane, LaneKind::Object, step, t, ei).set(o);
            instant(lane, step, t, ei, get ? InstantKind::RefGet : InstantKind::RefPut);
            break;
        }
        case EventKind::XaAlloc: {
            // giveToQtee: the QTEE copy's reference, taken with callback id
            // 0, is named by the id just allocated
            const uint32_t lane = objectLanes.get(e.object.v);
            if (lane == kNone || lb[lane].open == kNone)
                break;
            LaneBuild &b = lb[lane];
            if (!b.holders.rename(HolderRef{HolderKind::QteeId, 0},
                                  HolderRef{HolderKind::QteeId, e.qteeId}))
                break;
            ObjectSpan o = iv[b.open].object();
            o.change = RefChange::Named;
            o.changedKind = HolderKind::QteeId;
            o.changedBits = e.qteeId;
            storeOrNot(o, b);
            next(lane, LaneKind::Object, step, t, ei).set(o);
            break;
        }
        case EventKind::ContextGet:
        case EventKind::ContextPut:
            ctxRef(e, t, ei);
            break;
        case EventKind::ContextOpened:
            ctxTo(e.ctx, true, ContextState::Open, 0, step, t, ei);
            break;
        case EventKind::ContextClosed:
            ctxTo(e.ctx, true, ContextState::Closed, 0, step, t, ei);
            break;
        case EventKind::ContextReleased:
            ctxTo(e.ctx, true, ContextState::Released, 0, step, t, ei);
            break;
        case EventKind::ContextDataFreed: {
            if (!e.ctx.valid())
                break;
            const uint32_t lane = laneIn(ctxLanes, LaneKind::Context, e.ctx.v);
            if (lb[lane].open == kNone && !lb[lane].ended)
                ctxTo(e.ctx, true, ContextState::Released, 0, step, t, ei); // first seen here
            endLane(lane, step, t);
            break;
        }
        case EventKind::LockAcquire: {
            if (!e.ctx.valid())
                break;
            const uint32_t lane = laneIn(lockLanes, LaneKind::Lock, e.ctx.v);
            next(lane, LaneKind::Lock, step, t, ei).set(LockSpan{e.thread});
            if (e.thread.valid() && size_t(e.thread.v) < threads.size())
                threads[size_t(e.thread.v)].lockCtx = e.ctx;
            break;
        }
        case EventKind::LockRelease: {
            const uint32_t lane = lockLanes.get(e.ctx.v);
            if (lane != kNone)
                endLane(lane, step, t);
            break;
        }
        case EventKind::SyscallEnter: {
            if (const std::optional<ThreadSpan> now = threadNow(e.thread)) {
                ThreadSpan s;
                s.state = ThreadState::InKernel;
                s.syscall = SyscallKind(e.op);
                s.killed = now->killed;
                threadTo(e.thread, s, step, t, ei);
            }
            instant(tl, step, t, ei, InstantKind::SyscallEnter);
            break;
        }
        case EventKind::SyscallReturn: {
            if (const std::optional<ThreadSpan> now = threadNow(e.thread)) {
                ThreadSpan s;
                s.state = ThreadState::Running;
                s.killed = now->killed;
                threadTo(e.thread, s, step, t, ei);
            }
            instant(tl, step, t, ei, InstantKind::SyscallReturn);
            break;
        }
        case EventKind::Blocked: {
            if (const std::optional<ThreadSpan> now = threadNow(e.thread)) {
                ThreadSpan s = *now;
                if (now->state != ThreadState::Blocked)
                    threads[size_t(e.thread.v)].saved = *now;
                s.state = ThreadState::Blocked;
                s.reason = BlockReason(e.value);
                s.ctx = e.ctx;
                if (!s.ctx.valid() && s.reason == BlockReason::ReqC)
                    s.ctx = threads[size_t(e.thread.v)].lockCtx;
                s.peer = e.peer;
                s.request = e.request;
                s.waitStep = s.reason == BlockReason::UserWait ? e.count : -1;
                // A wait step the thread was at from the start is reported
                // at the first step, about a thread that is not its actor
                // (there are no events before it): the lane's initial
                // interval becomes the wait.
                const uint32_t lane = threadLane(e.thread);
                const uint32_t open = lane != kNone ? lb[lane].open : kNone;
                if (s.reason == BlockReason::UserWait && step == 1 &&
                    e.thread != m.m_steps[1].actor && open != kNone && iv[open].event == kNone &&
                    now->state == ThreadState::Running)
                    iv[open].set(s);
                else
                    threadTo(e.thread, s, step, t, ei);
            }
            break;
        }
        case EventKind::Woken: {
            const std::optional<ThreadSpan> now = threadNow(e.thread);
            if (now && now->state == ThreadState::Blocked) {
                ThreadSpan s = threads[size_t(e.thread.v)].saved;
                s.killed = now->killed;
                threadTo(e.thread, s, step, t, ei);
            }
            break;
        }
        case EventKind::ThreadExit: {
            if (const std::optional<ThreadSpan> now = threadNow(e.thread)) {
                ThreadSpan s;
                s.state = ThreadState::Exited;
                s.killed = now->killed;
                threadTo(e.thread, s, step, t, ei);
            }
            break;
        }
        case EventKind::Killed: {
            bool any = false;
            for (size_t i = 0; i < threads.size(); ++i) {
                if (!e.process.valid() || processOf[i] != e.process)
                    continue;
                const ThreadId tid{int32_t(i)};
                const std::optional<ThreadSpan> now = threadNow(tid);
                if (!now || now->state == ThreadState::Exited)
                    continue; // an exited thread receives no signal
                ThreadSpan s = *now;
                s.killed = true;
                threadTo(tid, s, step, t, ei);
                // a Woken after the kill returns to a killed state too
                threads[i].saved.killed = true;
                instant(threads[i].lane, step, t, ei, InstantKind::Kill);
                any = true;
            }
            if (!any)
                instant(kNone, step, t, ei, InstantKind::Kill);
            break;
        }
        case EventKind::WorkQueued: {
            if (!e.object.valid())
                break;
            if (wqLane == kNone)
                wqLane = newLane(LaneKind::Workqueue, 0);
            const uint32_t prev = workOpen.get(e.object.v);
            if (prev != kNone)
                close(prev, step, t);
            const uint32_t i = open(wqLane, LaneKind::Workqueue, step, t, ei);
            iv[i].set(WorkSpan{e.object, WorkState::Pending});
            workOpen.set(e.object.v, i);
            break;
        }
        case EventKind::WorkStarted:
        case EventKind::WorkRequeued: {
            if (e.object.valid()) {
                if (wqLane == kNone)
                    wqLane = newLane(LaneKind::Workqueue, 0);
                const uint32_t prev = workOpen.get(e.object.v);
                if (prev != kNone)
                    close(prev, step, t);
                const uint32_t i = open(wqLane, LaneKind::Workqueue, step, t, ei);
                iv[i].set(WorkSpan{e.object, e.kind == EventKind::WorkStarted
                                                 ? WorkState::Running
                                                 : WorkState::Pending});
                workOpen.set(e.object.v, i);
            }
            if (const std::optional<ThreadSpan> now = threadNow(e.thread)) {
                ThreadSpan s;
                s.state =
                    e.kind == EventKind::WorkStarted ? ThreadState::InKernel : ThreadState::Idle;
                s.killed = now->killed;
                threadTo(e.thread, s, step, t, ei);
            }
            break;
        }
        case EventKind::WorkDone: {
            const uint32_t prev = workOpen.get(e.object.v);
            if (prev != kNone) {
                close(prev, step, t);
                workOpen.set(e.object.v, kNone);
            }
            if (const std::optional<ThreadSpan> now = threadNow(e.thread)) {
                ThreadSpan s;
                s.state = ThreadState::Idle;
                s.killed = now->killed;
                threadTo(e.thread, s, step, t, ei);
            }
            break;
        }
        case EventKind::SmcInvoke:
        case EventKind::SmcCallbackResponse: {
            if (qteeLane == kNone)
                qteeLane = newLane(LaneKind::Qtee, 0);
            if (e.kind == EventKind::SmcInvoke && e.op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
                instant(qteeLane, step, t, ei, InstantKind::ReleaseSmc);
            if (!e.thread.valid() || size_t(e.thread.v) >= threads.size())
                break;
            ThreadBuild &tb = threads[size_t(e.thread.v)];
            if (tb.qteeOpen != kNone)
                close(tb.qteeOpen, step, t);
            const uint32_t i = open(qteeLane, LaneKind::Qtee, step, t, ei);
            QteeSpan q;
            q.thread = e.thread;
            q.sent = e.kind == EventKind::SmcInvoke ? QteeMessage::Invoke
                                                    : QteeMessage::CallbackResponse;
            q.op = e.kind == EventKind::SmcInvoke ? e.op : 0;
            q.qteeId = e.kind == EventKind::SmcInvoke ? e.qteeId : 0;
            iv[i].set(q);
            tb.qteeOpen = i;
            break;
        }
        case EventKind::QteeCallback:
        case EventKind::QteeResult:
        case EventKind::SmcFailed: {
            if (e.kind == EventKind::QteeCallback && tl == kNone && qteeLane == kNone)
                qteeLane = newLane(LaneKind::Qtee, 0); // no thread lane to put it on
            if (e.thread.valid() && size_t(e.thread.v) < threads.size()) {
                ThreadBuild &tb = threads[size_t(e.thread.v)];
                if (tb.qteeOpen != kNone) {
                    close(tb.qteeOpen, step, t);
                    QteeSpan q = iv[tb.qteeOpen].qtee();
                    q.answer = e.kind == EventKind::QteeCallback ? QteeMessage::Callback
                               : e.kind == EventKind::QteeResult ? QteeMessage::Result
                                                                 : QteeMessage::Failed;
                    iv[tb.qteeOpen].set(q);
                    tb.qteeOpen = kNone;
                }
                if (e.kind == EventKind::QteeCallback) {
                    tb.pending = true;
                    tb.pendingNextSeen = false;
                    tb.pendingEnd = endAt(tl != kNone ? tl : qteeLane, step, t, ei);
                }
            }
            if (e.kind == EventKind::QteeCallback)
                instant(tl != kNone ? tl : qteeLane, step, t, ei, InstantKind::QteeCallback);
            break;
        }
        case EventKind::AsyncRelease:
            if (qteeLane == kNone)
                qteeLane = newLane(LaneKind::Qtee, 0);
            instant(qteeLane, step, t, ei, InstantKind::AsyncRelease);
            break;
        case EventKind::Violation:
        case EventKind::Gap:
        case EventKind::Note: {
            uint32_t lane = kNone;
            if (e.request.valid())
                lane = laneIn(requestLanes, LaneKind::Request, e.request.v);
            else if (e.object.valid())
                lane = laneIn(objectLanes, LaneKind::Object, e.object.v);
            else if (e.ctx.valid())
                lane = laneIn(ctxLanes, LaneKind::Context, e.ctx.v);
            else
                lane = tl;
            instant(lane, step, t, ei,
                    e.kind == EventKind::Violation ? InstantKind::Violation
                    : e.kind == EventKind::Gap     ? InstantKind::Gap
                                                   : InstantKind::Note);
            break;
        }
        default:
            break;
        }
    }

    void run(int32_t threadCount)
    {
        buildSteps();
        prepass(threadCount);
        // ctx0 holds the driver's own reference from qcomtee_probe (the
        // engine's file -1) before the first step
        m.m_contextRefs[0];
        ctxLive[0].get(CtxHolderRef{CtxHolderKind::File, -1});
        const EventList &ev = trace.events;
        for (uint32_t i = m.m_steps[0].eventBegin; i < m.m_steps[0].eventEnd; ++i)
            event(i);
        for (uint64_t k = 1; k <= m.m_stepCount; ++k) {
            stepHook(k);
            const StepInfo &s = m.m_steps[size_t(k)];
            for (uint32_t i = s.eventBegin; i < s.eventEnd; ++i)
                event(i);
        }
        (void)ev;
        // what is still open ends with the run
        for (Interval &x : iv)
            if (x.flags & Interval::kOpenAtEnd) {
                x.lastStep = std::max(uint32_t(m.m_stepCount), x.firstStep);
                x.endNs = std::max(m.m_endNs, x.startNs);
            }
        group();
    }

    // Lanes in their documented order; intervals and instants grouped by
    // lane (stable: creation order within a lane, which is step order).
    void group()
    {
        const size_t L = lanes.size();
        std::vector<uint32_t> order(L);
        std::iota(order.begin(), order.end(), 0u);
        std::sort(order.begin(), order.end(),
                  [&](uint32_t a, uint32_t b) { return laneLess(lanes[a].key, lanes[b].key); });
        std::vector<uint32_t> rank(L);
        for (size_t i = 0; i < L; ++i)
            rank[order[i]] = uint32_t(i);
        m.m_lanes.resize(L);
        for (size_t i = 0; i < L; ++i)
            m.m_lanes[i] = lanes[order[i]];

        // counting sort of the intervals by lane
        std::vector<uint32_t> start(L + 1, 0);
        for (const Interval &x : iv)
            start[rank[x.lane] + 1]++;
        for (size_t i = 0; i < L; ++i)
            start[i + 1] += start[i];
        for (size_t i = 0; i < L; ++i) {
            m.m_lanes[i].intervalBegin = start[i];
            m.m_lanes[i].intervalEnd = start[i + 1];
        }
        m.m_intervals.resize(iv.size());
        for (Interval &x : iv) {
            x.lane = rank[x.lane];
            m.m_intervals[start[x.lane]++] = x;
        }
        std::vector<Interval>().swap(iv);

        std::fill(start.begin(), start.end(), 0);
        for (const Instant &x : inst)
            start[rank[x.lane] + 1]++;
        for (size_t i = 0; i < L; ++i)
            start[i + 1] += start[i];
        for (size_t i = 0; i < L; ++i) {
            m.m_lanes[i].instantBegin = start[i];
            m.m_lanes[i].instantEnd = start[i + 1];
        }
        m.m_instants.resize(inst.size());
        // the global step order of the instants is their creation order
        m.m_instantStepOrder.resize(inst.size());
        for (size_t j = 0; j < inst.size(); ++j) {
            Instant &x = inst[j];
            x.lane = rank[x.lane];
            const uint32_t at = start[x.lane]++;
            m.m_instants[at] = x;
            m.m_instantStepOrder[j] = at;
        }
        std::vector<Instant>().swap(inst);
        // creation order is step order when the events are
        if (!std::is_sorted(m.m_instantStepOrder.begin(), m.m_instantStepOrder.end(),
                            [&](uint32_t a, uint32_t b) {
                                return m.m_instants[a].step < m.m_instants[b].step;
                            }))
            std::stable_sort(m.m_instantStepOrder.begin(), m.m_instantStepOrder.end(),
                             [&](uint32_t a, uint32_t b) {
                                 return m.m_instants[a].step < m.m_instants[b].step;
                             });

        for (Flow &f : m.m_flows) {
            f.from.lane = f.from.lane == kNone ? kNone : rank[f.from.lane];
            f.to.lane = f.to.lane == kNone ? kNone : rank[f.to.lane];
        }
        std::stable_sort(m.m_flows.begin(), m.m_flows.end(),
                         [](const Flow &a, const Flow &b) { return a.from.step < b.from.step; });

        // lane extents
        for (Lane &l : m.m_lanes) {
            uint32_t first = std::numeric_limits<uint32_t>::max(), last = 0;
            for (uint32_t i = l.intervalBegin; i < l.intervalEnd; ++i) {
                first = std::min(first, m.m_intervals[i].firstStep);
                last = std::max(last, m.m_intervals[i].lastStep);
            }
            if (l.instantBegin < l.instantEnd) {
                first = std::min(first, m.m_instants[l.instantBegin].step);
                last = std::max(last, m.m_instants[l.instantEnd - 1].step);
            }
            l.firstStep = first == std::numeric_limits<uint32_t>::max() ? 0 : first;
            l.lastStep = last;
        }
    }
};

// -----------------------------------------------------------------------------

Timeline::Timeline(const Trace &trace, int32_t threadCount, int32_t processCount,
                   std::span<const ProcessId> processOf)
    : m_threadCount(std::max(threadCount, 0))
    , m_processCount(std::max(processCount, 0))
{
    TimelineBuilder b(*this, trace, processOf);
    b.run(m_threadCount);
    buildIndexes();
}

std::vector<ProcessId> Timeline::threadProcesses(const Scenario &scenario)
{
    std::vector<ProcessId> out;
    const int32_t n = scenario.threadCount();
    for (int32_t t = 0; t < n; ++t)
        out.push_back(ProcessId(scenario.threadOwner(t).first));
    out.push_back(ProcessId()); // the release worker
    return out;
}

void Timeline::buildIndexes()
{
    const size_t n = m_intervals.size();
    const Interval *iv = m_intervals.data();
    // per lane, step axis: the lane's own order
    m_laneStepMax.resize(n);
    m_laneStepRoot.resize(m_lanes.size());
    m_laneTimeOrder.resize(n);
    m_laneTimeMax.resize(n);
    m_laneTimeRoot.resize(m_lanes.size());
    for (size_t l = 0; l < m_lanes.size(); ++l) {
        const uint32_t b = m_lanes[l].intervalBegin, sz = m_lanes[l].intervalEnd - b;
        m_laneStepRoot[l] = treeBuild(
            sz, [&](size_t i) { return iv[b + i].firstStep; },
            [&](size_t i) { return iv[b + i].lastStep; }, m_laneStepMax.data() + b);
        uint32_t *ord = m_laneTimeOrder.data() + b;
        std::iota(ord, ord + sz, b);
        bool sorted = true;
        for (uint32_t i = 1; i < sz && sorted; ++i)
            sorted = iv[ord[i - 1]].startNs <= iv[ord[i]].startNs;
        if (!sorted)
            std::stable_sort(ord, ord + sz,
                             [&](uint32_t x, uint32_t y) { return iv[x].startNs < iv[y].startNs; });
        m_laneTimeRoot[l] = treeBuild(
            sz, [&](size_t i) { return iv[ord[i]].startNs; },
            [&](size_t i) { return iv[ord[i]].endNs; }, m_laneTimeMax.data() + b);
    }
    // all lanes, step axis: counting sort by firstStep
    {
        std::vector<uint32_t> count(size_t(m_stepCount) + 2, 0);
        for (const Interval &x : m_intervals)
            count[x.firstStep + 1]++;
        for (size_t i = 1; i < count.size(); ++i)
            count[i] += count[i - 1];
        m_stepOrder.resize(n);
        for (uint32_t i = 0; i < n; ++i)
            m_stepOrder[count[iv[i].firstStep]++] = i;
        m_stepMax.resize(n);
        m_stepRoot = treeBuild(
            n, [&](size_t i) { return iv[m_stepOrder[i]].firstStep; },
            [&](size_t i) { return iv[m_stepOrder[i]].lastStep; }, m_stepMax.data());
    }
    // all lanes, time axis
    m_timeOrder.resize(n);
    std::iota(m_timeOrder.begin(), m_timeOrder.end(), 0u);
    std::sort(m_timeOrder.begin(), m_timeOrder.end(), [&](uint32_t a, uint32_t b) {
        return iv[a].startNs != iv[b].startNs ? iv[a].startNs < iv[b].startNs : a < b;
    });
    m_timeMax.resize(n);
    m_timeRoot = treeBuild(
        n, [&](size_t i) { return iv[m_timeOrder[i]].startNs; },
        [&](size_t i) { return iv[m_timeOrder[i]].endNs; }, m_timeMax.data());

    // instants
    const Instant *in = m_instants.data();
    m_laneInstantTime.resize(m_instants.size());
    for (const Lane &l : m_lanes) {
        uint32_t *ord = m_laneInstantTime.data() + l.instantBegin;
        const uint32_t sz = l.instantEnd - l.instantBegin;
        std::iota(ord, ord + sz, l.instantBegin);
        std::stable_sort(ord, ord + sz,
                         [&](uint32_t x, uint32_t y) { return in[x].tNs < in[y].tNs; });
    }
    m_instantTimeOrder = m_instantStepOrder;
    std::stable_sort(m_instantTimeOrder.begin(), m_instantTimeOrder.end(),
                     [&](uint32_t x, uint32_t y) { return in[x].tNs < in[y].tNs; });

    // lane lifetimes (lanes with intervals): [first firstStep, max lastStep]
    m_lifeOrder.clear();
    for (uint32_t l = 0; l < m_lanes.size(); ++l)
        if (m_lanes[l].intervalBegin < m_lanes[l].intervalEnd)
            m_lifeOrder.push_back(l);
    auto lifeFirst = [&](uint32_t l) { return iv[m_lanes[l].intervalBegin].firstStep; };
    std::stable_sort(m_lifeOrder.begin(), m_lifeOrder.end(),
                     [&](uint32_t a, uint32_t b) { return lifeFirst(a) < lifeFirst(b); });
    m_lifeLast.resize(m_lifeOrder.size());
    for (size_t i = 0; i < m_lifeOrder.size(); ++i) {
        const Lane &l = m_lanes[m_lifeOrder[i]];
        uint32_t last = 0;
        for (uint32_t j = l.intervalBegin; j < l.intervalEnd; ++j)
            last = std::max(last, iv[j].lastStep);
        m_lifeLast[i] = last;
    }
    m_lifeMax.resize(m_lifeOrder.size());
    m_lifeRoot = treeBuild(
        m_lifeOrder.size(), [&](size_t i) { return lifeFirst(m_lifeOrder[i]); },
        [&](size_t i) { return m_lifeLast[i]; }, m_lifeMax.data());

    // flows
    const Flow *fl = m_flows.data();
    auto fStepLo = [&](uint32_t f) { return int64_t(std::min(fl[f].from.step, fl[f].to.step)); };
    auto fStepHi = [&](uint32_t f) { return int64_t(std::max(fl[f].from.step, fl[f].to.step)); };
    auto fTimeLo = [&](uint32_t f) { return std::min(fl[f].from.tNs, fl[f].to.tNs); };
    auto fTimeHi = [&](uint32_t f) { return std::max(fl[f].from.tNs, fl[f].to.tNs); };
    m_flowStepOrder.resize(m_flows.size());
    std::iota(m_flowStepOrder.begin(), m_flowStepOrder.end(), 0u);
    std::stable_sort(m_flowStepOrder.begin(), m_flowStepOrder.end(),
                     [&](uint32_t a, uint32_t b) { return fStepLo(a) < fStepLo(b); });
    m_flowStepMax.resize(m_flows.size());
    m_flowStepRoot = treeBuild(
        m_flows.size(), [&](size_t i) { return fStepLo(m_flowStepOrder[i]); },
        [&](size_t i) { return fStepHi(m_flowStepOrder[i]); }, m_flowStepMax.data());
    m_flowTimeOrder.resize(m_flows.size());
    std::iota(m_flowTimeOrder.begin(), m_flowTimeOrder.end(), 0u);
    std::stable_sort(m_flowTimeOrder.begin(), m_flowTimeOrder.end(),
                     [&](uint32_t a, uint32_t b) { return fTimeLo(a) < fTimeLo(b); });
    m_flowTimeMax.resize(m_flows.size());
    m_flowTimeRoot = treeBuild(
        m_flows.size(), [&](size_t i) { return fTimeLo(m_flowTimeOrder[i]); },
        [&](size_t i) { return fTimeHi(m_flowTimeOrder[i]); }, m_flowTimeMax.data());
}

// -- lookups ------------------------------------------------------------------

uint32_t Timeline::laneOf(LaneKey key) const
{
    auto it = std::lower_bound(m_lanes.begin(), m_lanes.end(), key,
                               [](const Lane &l, const LaneKey &k) { return laneLess(l.key, k); });
    return it != m_lanes.end() && it->key == key ? uint32_t(it - m_lanes.begin()) : kNone;
}

std::pair<uint32_t, uint32_t> Timeline::lanesOfKind(LaneKind kind) const
{
    const int r = laneRank(kind);
    auto lo = std::partition_point(m_lanes.begin(), m_lanes.end(),
                                   [&](const Lane &l) { return laneRank(l.key.kind) < r; });
    auto hi = std::partition_point(lo, m_lanes.end(),
                                   [&](const Lane &l) { return laneRank(l.key.kind) == r; });
    return {uint32_t(lo - m_lanes.begin()), uint32_t(hi - m_lanes.begin())};
}

std::span<const Interval> Timeline::intervalsOf(uint32_t lane) const
{
    if (lane >= m_lanes.size())
        return {};
    const Lane &l = m_lanes[lane];
    return std::span<const Interval>(m_intervals)
        .subspan(l.intervalBegin, l.intervalEnd - l.intervalBegin);
}

std::span<const Instant> Timeline::instantsOf(uint32_t lane) const
{
    if (lane >= m_lanes.size())
        return {};
    const Lane &l = m_lanes[lane];
    return std::span<const Instant>(m_instants)
        .subspan(l.instantBegin, l.instantEnd - l.instantBegin);
}

void Timeline::holders(uint32_t interval, std::vector<HolderRef> &out) const
{
    out.clear();
    if (interval >= m_intervals.size() || m_intervals[interval].kind != LaneKind::Object)
        return;
    const Interval &x = m_intervals[interval];
    const uint32_t begin = m_lanes[x.lane].intervalBegin;
    uint32_t j = interval;
    while (j > begin && m_intervals[j].object().holderCount == ObjectSpan::kNoSnapshot)
        --j;
    const ObjectSpan snap = m_intervals[j].object();
    if (snap.holderCount != ObjectSpan::kNoSnapshot)
        out.assign(m_holderPool.begin() + snap.holderBegin,
                   m_holderPool.begin() + snap.holderBegin + snap.holderCount);
    for (uint32_t k = j + 1; k <= interval; ++k) {
        const ObjectSpan o = m_intervals[k].object();
        if (o.change == RefChange::Get) {
            out.push_back(o.changed());
        } else if (o.change == RefChange::Put) {
            auto it = std::find(out.begin(), out.end(), o.changed());
            if (it != out.end())
                out.erase(it);
        } else if (o.change == RefChange::Named) { // the QTEE copy's id, allocated
            auto it = std::find(out.begin(), out.end(), HolderRef{HolderKind::QteeId, 0});
            if (it != out.end())
                *it = o.changed();
        }
    }
}

std::span<const ContextRefChange> Timeline::contextRefChanges(int32_t ctx) const
{
    const auto it = m_contextRefs.find(ctx);
    if (it == m_contextRefs.end())
        return {};
    return it->second.changes;
}

void Timeline::contextHolders(int32_t ctx, uint64_t step, std::vector<CtxHolderRef> &out) const
{
    out.clear();
    const auto it = m_contextRefs.find(ctx);
    if (it == m_contextRefs.end()) {
        if (ctx == 0) // never built: the probe's reference alone
            out.push_back(CtxHolderRef{CtxHolderKind::File, -1});
        return;
    }
    const ContextRefs &r = it->second;
    const auto end =
        std::upper_bound(r.changes.begin(), r.changes.end(), step,
                         [](uint64_t s, const ContextRefChange &c) { return s < c.step; });
    const size_t n = size_t(end - r.changes.begin());
    size_t from = 0;
    if (!r.snapAt.empty()) {
        // the last copy taken before change n
        const size_t k = size_t(std::upper_bound(r.snapAt.begin(), r.snapAt.end(), uint32_t(n)) -
                                r.snapAt.begin()) -
                         1;
        out.assign(m_ctxHolderPool.begin() + r.snapBegin[k],
                   m_ctxHolderPool.begin() + r.snapBegin[k] + r.snapCount[k]);
        from = r.snapAt[k];
    } else if (ctx == 0) {
        out.push_back(CtxHolderRef{CtxHolderKind::File, -1});
    }
    for (size_t i = from; i < n; ++i) {
        const ContextRefChange &c = r.changes[i];
        if (c.get) {
            out.push_back(c.holder);
        } else if (const auto held = std::find(out.begin(), out.end(), c.holder);
                   held != out.end()) {
            out.erase(held);
        }
    }
}

// -- query 1 ------------------------------------------------------------------

uint32_t Timeline::intervalAfter(uint32_t lane, uint64_t step) const
{
    if (lane >= m_lanes.size())
        return kNone;
    const Lane &l = m_lanes[lane];
    const Interval *b = m_intervals.data() + l.intervalBegin;
    const Interval *e = m_intervals.data() + l.intervalEnd;
    const Interval *it = std::upper_bound(
        b, e, step, [](uint64_t s, const Interval &x) { return s < uint64_t(x.firstStep); });
    if (it == b)
        return kNone; // nothing yet
    const Interval &x = *(it - 1);
    if (!x.openAtEnd() && uint64_t(x.lastStep) <= step)
        return kNone; // closed by step N: freed, removed, released
    return uint32_t(&x - m_intervals.data());
}

void Timeline::activeAfter(uint32_t lane, uint64_t step, std::vector<uint32_t> &out) const
{
    out.clear();
    if (lane >= m_lanes.size())
        return;
    const Lane &l = m_lanes[lane];
    const Interval *b = m_intervals.data() + l.intervalBegin;
    // past the last step only what is open at the end is active
    const int64_t n = int64_t(std::min<uint64_t>(step, m_stepCount));
    const bool past = step > m_stepCount;
    treeQuery(
        l.intervalEnd - l.intervalBegin, m_laneStepRoot[lane],
        [&](size_t i) { return b[i].firstStep; }, [&](size_t i) { return b[i].lastStep; },
        m_laneStepMax.data() + l.intervalBegin, n, n,
        [&](size_t i) {
            if (b[i].openAtEnd() || (!past && int64_t(b[i].lastStep) > n))
                out.push_back(uint32_t(l.intervalBegin + i));
        });
    std::sort(out.begin(), out.end());
}

void Timeline::stateAfter(uint64_t step, StateAfter &out) const
{
    out.step = step;
    out.entries.clear();
    out.holders.clear();
    const int64_t n = int64_t(std::min<uint64_t>(step, m_stepCount));
    std::vector<uint32_t> live;
    treeQuery(
        m_lifeOrder.size(), m_lifeRoot,
        [&](size_t i) { return m_intervals[m_lanes[m_lifeOrder[i]].intervalBegin].firstStep; },
        [&](size_t i) { return m_lifeLast[i]; }, m_lifeMax.data(), n, n,
        [&](size_t i) { live.push_back(m_lifeOrder[i]); });
    std::sort(live.begin(), live.end());
    std::vector<uint32_t> active;
    std::vector<HolderRef> hs;
    for (const uint32_t lane : live) {
        const LaneKind kind = m_lanes[lane].key.kind;
        if (kind == LaneKind::Workqueue || kind == LaneKind::Qtee) {
            activeAfter(lane, step, active);
            for (const uint32_t i : active)
                out.entries.push_back({lane, i, 0, 0});
            continue;
        }
        const uint32_t i = intervalAfter(lane, step);
        if (i == kNone)
            continue;
        StateAfter::Entry en{lane, i, 0, 0};
        if (kind == LaneKind::Object) {
            holders(i, hs);
            en.holderBegin = uint32_t(out.holders.size());
            en.holderCount = uint32_t(hs.size());
            out.holders.insert(out.holders.end(), hs.begin(), hs.end());
        }
        out.entries.push_back(en);
    }
}

StateAfter Timeline::stateAfter(uint64_t step) const
{
    StateAfter s;
    stateAfter(step, s);
    return s;
}

// -- query 2 ------------------------------------------------------------------

void Timeline::laneQuery(uint32_t lane, Axis axis, int64_t from, int64_t to,
                         std::vector<uint32_t> &out) const
{
    if (lane >= m_lanes.size())
        return;
    const Lane &l = m_lanes[lane];
    const uint32_t b = l.intervalBegin, sz = l.intervalEnd - l.intervalBegin;
    const Interval *iv = m_intervals.data();
    if (axis == Axis::Step) {
        treeQuery(
            sz, m_laneStepRoot[lane], [&](size_t i) { return iv[b + i].firstStep; },
            [&](size_t i) { return iv[b + i].lastStep; }, m_laneStepMax.data() + b, from, to,
            [&](size_t i) { out.push_back(uint32_t(b + i)); });
    } else {
        const uint32_t *ord = m_laneTimeOrder.data() + b;
        treeQuery(
            sz, m_laneTimeRoot[lane], [&](size_t i) { return iv[ord[i]].startNs; },
            [&](size_t i) { return iv[ord[i]].endNs; }, m_laneTimeMax.data() + b, from, to,
            [&](size_t i) { out.push_back(ord[i]); });
    }
}

void Timeline::intervalsIn(Axis axis, int64_t from, int64_t to, std::vector<uint32_t> &out) const
{
    out.clear();
    const Interval *iv = m_intervals.data();
    if (axis == Axis::Step) {
        treeQuery(
            m_intervals.size(), m_stepRoot, [&](size_t i) { return iv[m_stepOrder[i]].firstStep; },
            [&](size_t i) { return iv[m_stepOrder[i]].lastStep; }, m_stepMax.data(), from, to,
            [&](size_t i) { out.push_back(m_stepOrder[i]); });
    } else {
        treeQuery(
            m_intervals.size(), m_timeRoot, [&](size_t i) { return iv[m_timeOrder[i]].startNs; },
            [&](size_t i) { return iv[m_timeOrder[i]].endNs; }, m_timeMax.data(), from, to,
            [&](size_t i) { out.push_back(m_timeOrder[i]); });
    }
}

void Timeline::intervalsIn(Axis axis, int64_t from, int64_t to, std::span<const uint32_t> lanes,
                           std::vector<uint32_t> &out) const
{
    out.clear();
    for (const uint32_t lane : lanes)
        laneQuery(lane, axis, from, to, out);
}

void Timeline::instantsIn(Axis axis, int64_t from, int64_t to, std::vector<uint32_t> &out) const
{
    out.clear();
    if (from > to)
        return;
    const Instant *in = m_instants.data();
    const std::vector<uint32_t> &ord = axis == Axis::Step ? m_instantStepOrder : m_instantTimeOrder;
    auto key = [&](uint32_t i) { return axis == Axis::Step ? int64_t(in[i].step) : in[i].tNs; };
    auto it =
        std::partition_point(ord.begin(), ord.end(), [&](uint32_t i) { return key(i) < from; });
    for (; it != ord.end() && key(*it) <= to; ++it)
        out.push_back(*it);
}

void Timeline::instantsIn(Axis axis, int64_t from, int64_t to, std::span<const uint32_t> lanes,
                          std::vector<uint32_t> &out) const
{
    out.clear();
    if (from > to)
        return;
    const Instant *in = m_instants.data();
    for (const uint32_t lane : lanes) {
        if (lane >= m_lanes.size())
            continue;
        const Lane &l = m_lanes[lane];
        if (axis == Axis::Step) {
            const Instant *b = in + l.instantBegin, *e = in + l.instantEnd;
            const Instant *it = std::partition_point(
                b, e, [&](const Instant &x) { return int64_t(x.step) < from; });
            for (; it != e && int64_t(it->step) <= to; ++it)
                out.push_back(uint32_t(it - in));
        } else {
            const uint32_t *b = m_laneInstantTime.data() + l.instantBegin;
            const uint32_t *e = m_laneInstantTime.data() + l.instantEnd;
            const uint32_t *it =
                std::partition_point(b, e, [&](uint32_t i) { return in[i].tNs < from; });
            for (; it != e && in[*it].tNs <= to; ++it)
                out.push_back(*it);
        }
    }
}

void Timeline::flowsIn(Axis axis, int64_t from, int64_t to, std::vector<uint32_t> &out) const
{
    out.clear();
    const Flow *fl = m_flows.data();
    if (axis == Axis::Step) {
        const uint32_t *ord = m_flowStepOrder.data();
        treeQuery(
            m_flows.size(), m_flowStepRoot,
            [&](size_t i) { return int64_t(std::min(fl[ord[i]].from.step, fl[ord[i]].to.step)); },
            [&](size_t i) { return int64_t(std::max(fl[ord[i]].from.step, fl[ord[i]].to.step)); },
            m_flowStepMax.data(), from, to, [&](size_t i) { out.push_back(ord[i]); });
    } else {
        const uint32_t *ord = m_flowTimeOrder.data();
        treeQuery(
            m_flows.size(), m_flowTimeRoot,
            [&](size_t i) { return std::min(fl[ord[i]].from.tNs, fl[ord[i]].to.tNs); },
            [&](size_t i) { return std::max(fl[ord[i]].from.tNs, fl[ord[i]].to.tNs); },
            m_flowTimeMax.data(), from, to, [&](size_t i) { out.push_back(ord[i]); });
    }
}

// -- query 3 ------------------------------------------------------------------

Hit Timeline::hitTest(uint32_t lane, Axis axis, int64_t x, int64_t tolerance) const
{
    Hit hit;
    if (lane >= m_lanes.size())
        return hit;
    tolerance = std::max<int64_t>(tolerance, 0);
    int64_t lo = 0, hi = 0;
    if (__builtin_sub_overflow(x, tolerance, &lo))
        lo = std::numeric_limits<int64_t>::min();
    if (__builtin_add_overflow(x, tolerance, &hi))
        hi = std::numeric_limits<int64_t>::max();
    auto dist = [](int64_t a, int64_t b) {
        int64_t d = 0;
        if (a < b)
            std::swap(a, b);
        return __builtin_sub_overflow(a, b, &d) ? std::numeric_limits<int64_t>::max() : d;
    };
    // instants first: they are drawn over the intervals
    std::vector<uint32_t> found;
    const uint32_t one[1] = {lane};
    instantsIn(axis, lo, hi, one, found);
    for (const uint32_t i : found) {
        const Instant &in = m_instants[i];
        const int64_t d = dist(axis == Axis::Step ? int64_t(in.step) : in.tNs, x);
        if (hit.what == Hit::What::None || d < hit.distance || (d == hit.distance && i > hit.index))
            hit = {Hit::What::Instant, i, d};
    }
    if (hit.what != Hit::What::None)
        return hit;
    found.clear();
    laneQuery(lane, axis, lo, hi, found);
    int64_t bestStart = 0;
    for (const uint32_t i : found) {
        const Interval &iv = m_intervals[i];
        const int64_t s = axis == Axis::Step ? int64_t(iv.firstStep) : iv.startNs;
        const int64_t e = axis == Axis::Step ? int64_t(iv.lastStep) : iv.endNs;
        const int64_t d = x < s ? dist(s, x) : x > e ? dist(x, e) : 0;
        bool better = false;
        if (hit.what == Hit::What::None || d < hit.distance)
            better = true;
        else if (d == hit.distance)
            better = d == 0 ? (s > bestStart || (s == bestStart && i > hit.index)) : i > hit.index;
        if (better) {
            hit = {Hit::What::Interval, i, d};
            bestStart = s;
        }
    }
    return hit;
}

size_t Timeline::contextRefBytes() const
{
    size_t n = 0;
    for (const auto &[id, r] : m_contextRefs)
        n += sizeof(id) + sizeof(r) + 32 /* the map's node */ + bytesOf(r.changes) +
             bytesOf(r.snapAt) + bytesOf(r.snapBegin) + bytesOf(r.snapCount);
    return n;
}

size_t Timeline::memoryBytes() const
{
    return bytesOf(m_steps) + bytesOf(m_lanes) + bytesOf(m_intervals) + bytesOf(m_holderPool) +
           bytesOf(m_ctxHolderPool) + bytesOf(m_instants) + bytesOf(m_runInstants) +
           bytesOf(m_flows) + bytesOf(m_laneStepMax) + bytesOf(m_laneStepRoot) +
           bytesOf(m_laneTimeOrder) + bytesOf(m_laneTimeMax) + bytesOf(m_laneTimeRoot) +
           bytesOf(m_stepOrder) + bytesOf(m_stepMax) + bytesOf(m_timeOrder) + bytesOf(m_timeMax) +
           bytesOf(m_laneInstantTime) + bytesOf(m_instantStepOrder) + bytesOf(m_instantTimeOrder) +
           bytesOf(m_lifeOrder) + bytesOf(m_lifeLast) + bytesOf(m_lifeMax) +
           bytesOf(m_flowStepOrder) + bytesOf(m_flowStepMax) + bytesOf(m_flowTimeOrder) +
           bytesOf(m_flowTimeMax) + contextRefBytes();
}

} // namespace tee::sim
