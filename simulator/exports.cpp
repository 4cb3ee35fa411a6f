#include "simulator/exports.h"

#include "core/text.h"
#include "core/vocabulary.h"
#include "simulator/jsonwriter.h"
#include "simulator/timeline.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <unordered_map>

namespace tee::sim {

namespace {

// ---------------------------------------------------------------------------
// Shared helpers: who is who in a trace.

bool isRelease(uint32_t op)
{
    return op == QCOMTEE_MSG_OBJECT_OP_RELEASE;
}

// What the text timeline asks of the run, answered by the timeline model:
// thread names, the release worker, each step's actor and time.
class TraceIndex
{
public:
    TraceIndex(const Simulator &sim, const Trace &trace);

    int32_t threadCount() const { return m_tl->threadCount(); }
    ThreadId worker() const { return ThreadId(m_tl->threadCount() - 1); }
    std::string name(ThreadId t) const { return t.valid() ? m_sim.threadName(t) : "?"; }
    uint64_t steps() const { return m_tl->stepCount(); }
    int64_t stepEnd(uint64_t k) const { return m_tl->step(std::min(k, steps())).endNs; }
    ThreadId actor(uint64_t k) const { return k <= steps() ? m_tl->step(k).actor : ThreadId(); }
    // The label without its "P1/T1: " prefix (the lane says whose step it is).
    std::string action(uint64_t k) const
    {
        std::string l =
            k >= 1 && k - 1 < m_trace.schedule.size() ? m_trace.schedule[k - 1] : std::string();
        const ThreadId a = actor(k);
        if (a.valid()) {
            const std::string prefix = name(a) + ": ";
            if (l.rfind(prefix, 0) == 0)
                l = l.substr(prefix.size());
        }
        return l;
    }
    ProcessId processOf(ThreadId t) const
    {
        return ProcessId(m_sim.scenario().threadOwner(t.v).first);
    }
    const Timeline &timeline() const { return *m_tl; }

private:
    const Simulator &m_sim;
    const Trace &m_trace;
    std::unique_ptr<Timeline> m_tl;
};

bool isOpenService(uint32_t target, uint32_t op)
{
    return target == QCOMTEE_MSG_OBJECT_ROOT && op == kOpenServiceOp;
}

std::string stepsText(uint64_t n)
{
    return std::to_string(n) + (n == 1 ? " step" : " steps");
}

} // namespace

// ---------------------------------------------------------------------------

std::string describeHolder(const Simulator &sim, const Holder &h)
{
    return vocab::holder(sim, h.kind, h.arg(), h.b);
}

std::string describeCtxHolder(const Simulator &sim, const CtxHolder &h)
{
    return vocab::ctxHolder(sim, h.kind, h.a);
}

std::string describeEvent(const Simulator &sim, const Event &e)
{
    return vocab::eventText(sim, e);
}

// ---------------------------------------------------------------------------
// Lanes by name, from the timeline model.

namespace {

Timeline buildTimeline(const Simulator &sim, const Trace &trace)
{
    const Scenario &sc = sim.scenario();
    const std::vector<ProcessId> processOf = Timeline::threadProcesses(sc);
    return Timeline(trace, sc.threadCount() + 1, int32_t(sc.processes.size()), processOf);
}

} // namespace

TraceIndex::TraceIndex(const Simulator &sim, const Trace &trace)
    : m_sim(sim)
    , m_trace(trace)
    , m_tl(std::make_unique<Timeline>(buildTimeline(sim, trace)))
{}

namespace {

// The vocabulary's name of a lane: "app/client", "QTEE", "qcomtee_wq",
// "ctx1", "reqs_lock ctx1", "obj5", "req#3".
std::string laneName(const Simulator &sim, const LaneKey &k)
{
    switch (k.kind) {
    case LaneKind::Thread:
        return sim.threadName(ThreadId(k.id));
    case LaneKind::Qtee:
        return "QTEE";
    case LaneKind::Workqueue:
        return "qcomtee_wq";
    case LaneKind::Context:
        return vocab::ctx(ContextId(k.id));
    case LaneKind::Lock:
        return "reqs_lock " + vocab::ctx(ContextId(k.id));
    case LaneKind::Object:
        return vocab::object(ObjectId(k.id));
    case LaneKind::Request:
        return vocab::request(RequestId(k.id));
    }
    return "?";
}

// The lanes --lane names (a union); every lane when none is named.
std::vector<bool> selectedLanes(const Simulator &sim, const Timeline &tl,
                                const std::vector<std::string> &names)
{
    std::vector<bool> on(tl.lanes().size(), names.empty());
    for (size_t l = 0; l < on.size() && !names.empty(); ++l)
        on[l] =
            std::find(names.begin(), names.end(), laneName(sim, tl.lanes()[l].key)) != names.end();
    return on;
}

std::string argsWithDriver(json::Object a, const vocab::DriverRef &r)
{
    if (*r.function)
        a.str("driver", r.function);
    if (*r.file)
        a.str("file", r.file);
    if (*r.section)
        a.str("spec", r.section);
    return a.str();
}

// ---------------------------------------------------------------------------
// Chrome Trace Event Format: a view of the timeline model. Threads, QTEE's
// messages, the reqs_locks and the release worker are tracks of process 1;
// requests, objects, contexts, QTEE's work and queued releases are async
// slices of their own processes; callbacks are flow arrows from the client's
// step to the RECV that took the request and on to the SEND that answered.

constexpr int kPidThreads = 1;
constexpr int kPidRequests = 2;
constexpr int kPidObjects = 3;
constexpr int kPidContexts = 4;
constexpr int kPidQtee = 5;
constexpr int kPidWork = 6;
constexpr std::pair<int, const char *> kPids[] = {{kPidThreads, "threads, QTEE and reqs_locks"},
                                                  {kPidRequests, "requests"},
                                                  {kPidObjects, "objects"},
                                                  {kPidContexts, "contexts"},
                                                  {kPidQtee, "QTEE at work"},
                                                  {kPidWork, "qcomtee_wq work items"}};
// Async ids per category stay apart whatever an importer keys them by.
constexpr int64_t kObjectIdBase = 1000000;
constexpr int64_t kContextIdBase = 2000000;
constexpr int64_t kQteeIdBase = 3000000;
constexpr int64_t kWorkIdBase = 4000000;

struct Slice
{
    int tid = 0;
    int64_t start = 0;
    int64_t end = 0;
    std::string name;
    std::string cat;
    std::string args;  // JSON object text, or empty
    int depthHint = 0; // for equal start and end: outer kinds first
};

class ChromeWriter
{
public:
    ChromeWriter(const Simulator &sim, const Trace &trace, const ExportOptions &o)
        : m_sim(sim)
        , m_trace(trace)
        , m_tl(buildTimeline(sim, trace))
        , m_from(std::max<uint64_t>(o.from, 1))
        , m_to(std::min<uint64_t>(o.to, std::max<uint64_t>(m_tl.stepCount(), 1)))
        , m_on(selectedLanes(sim, m_tl, o.lanes))
    {
        m_tFrom = m_from <= m_tl.stepCount() ? m_tl.step(m_from).startNs : 0;
        m_tTo = m_tl.stepCount() ? m_tl.step(std::min<uint64_t>(m_to, m_tl.stepCount())).endNs : 0;
        for (uint32_t l = 0; l < m_on.size(); ++l)
            if (m_on[l])
                m_lanes.push_back(l);
        m_cut = m_from > 1 || m_to < m_tl.stepCount() || !o.lanes.empty();
        m_shownLanes = o.lanes;
        m_notes = o.notes;
    }

    std::string write()
    {
        metadata();
        threadTracks();
        asyncLanes();
        instants();
        flows();
        nameUsedTracks();
        std::string out =
            "{\"displayTimeUnit\":\"ns\",\"otherData\":" + otherData() + ",\"traceEvents\":[\n";
        for (size_t i = 0; i < m_out.size(); ++i) {
            out += m_out[i];
            out += i + 1 < m_out.size() ? ",\n" : "\n";
        }
        out += "]}\n";
        return out;
    }

private:
    int tidOf(ThreadId t) const { return t.v + 1; }
    int qteeTid() const { return m_tl.threadCount() + 1; }
    int lockTid(int32_t ctx) const { return m_tl.threadCount() + 2 + ctx; }
    bool workerLane(const Lane &l) const { return l.attrs.worker; }

    // An interval clipped to the shown steps (--from/--to), in ns.
    std::pair<int64_t, int64_t> clipped(const Interval &iv) const
    {
        int64_t a = iv.startNs, b = iv.endNs;
        if (iv.firstStep < m_from)
            a = std::max(a, m_tFrom);
        if (iv.lastStep > m_to)
            b = std::min(b, m_tTo);
        return {a, std::max(a, b)};
    }

    // What the export is: the model, the run, the variant and its meaning.
    std::string otherData() const
    {
        const Scenario &sc = m_sim.scenario();
        json::Object o;
        o.str("tool", std::string("teescope ") + TEESCOPE_VERSION);
        o.num("model_version", kModelVersion);
        o.str("models", vocab::modelledDriver());
        o.str("spec", vocab::specReference());
        o.str("scenario", sc.name);
        if (!sc.title.empty())
            o.str("title", sc.title);
        if (const std::string d = lookFor(sc.description); !d.empty())
            o.str("look_for", d);
        o.str("variant", m_sim.engine().variant().toString());
        json::Object meaning;
        for (const char *name : Variant::kNames) {
            const std::string v = m_sim.engine().variant().value(name);
            meaning.str(name, v + ": " + vocab::variantMeaning(name, v));
        }
        o.raw("variant_meaning", meaning.str());
        std::string left = "[";
        for (const std::string &l : vocab::leftOut())
            left += (left.size() > 1 ? "," : "") + json::quote(l);
        o.raw("left_out", left + "]");
        o.unum("steps", m_tl.stepCount());
        o.str("stop", stopReasonName(m_trace.stop));
        if (!m_trace.stopDetail.empty())
            o.str("stop_detail", m_trace.stopDetail);
        if (m_cut) {
            o.unum("from_step", m_from).unum("to_step", m_to);
            std::string lanes = "[";
            for (const std::string &l : m_shownLanes)
                lanes += (lanes.size() > 1 ? "," : "") + json::quote(l);
            o.raw("lanes", lanes + "]");
        }
        return o.str();
    }

    void meta(int pid, int tid, const char *what, const std::string &key, const std::string &value,
              bool isNumber)
    {
        json::Object o;
        o.str("ph", "M").num("pid", pid);
        if (tid >= 0)
            o.num("tid", tid);
        o.str("name", what);
        json::Object a;
        if (isNumber)
            a.raw(key, value);
        else
            a.str(key, value);
        o.raw("args", a.str());
        m_out.push_back(o.str());
        if (pid == kPidThreads && tid >= 0 && std::string_view(what) == "thread_name")
            m_namedTids.insert(tid);
    }

    // A track something was put on but that the selection (--lane ctx1,
    // obj5, req#3) did not name: a note on a thread, a finding, QTEE's
    // messages. It gets its name too, after the others.
    void nameUsedTracks()
    {
        // The async and counter events of pids 2-6 are on tid 0 (catapult
        // files async slices under their thread): named after their pid,
        // not "tid 0", where anything was put.
        for (const auto &[pid, name] : kPids)
            if (pid != kPidThreads && m_usedPids.count(pid))
                meta(pid, 0, "thread_name", "name", name, false);
        int sortIndex = 1000;
        for (int tid : m_usedTids) {
            if (m_namedTids.count(tid))
                continue;
            std::string name;
            if (tid >= 1 && tid <= m_tl.threadCount())
                name = m_sim.threadName(ThreadId(tid - 1));
            else if (tid == qteeTid())
                name = "QTEE";
            else if (tid > qteeTid())
                name = laneName(m_sim, {LaneKind::Lock, tid - m_tl.threadCount() - 2});
            else
                name = "run"; // findings of no thread
            meta(kPidThreads, tid, "thread_name", "name", name, false);
            meta(kPidThreads, tid, "thread_sort_index", "sort_index", std::to_string(++sortIndex),
                 true);
        }
    }

    void metadata()
    {
        for (const auto &[pid, name] : kPids) {
            meta(pid, -1, "process_name", "name", name, false);
            meta(pid, -1, "process_sort_index", "sort_index", std::to_string(pid), true);
        }
        // User threads first, then QTEE, the release worker, the locks.
        int sortIndex = 0;
        const auto [tb, te] = m_tl.lanesOfKind(LaneKind::Thread);
        int worker = -1;
        for (uint32_t l = tb; l < te; ++l) {
            const Lane &lane = m_tl.lanes()[l];
            if (!m_on[l])
                continue;
            if (workerLane(lane)) {
                worker = int(l);
                continue;
            }
            const int tid = tidOf(ThreadId(lane.key.id));
            meta(kPidThreads, tid, "thread_name", "name", laneName(m_sim, lane.key), false);
            meta(kPidThreads, tid, "thread_sort_index", "sort_index", std::to_string(++sortIndex),
                 true);
        }
        const uint32_t q = m_tl.laneOf({LaneKind::Qtee, 0});
        if (q == kNone || m_on[q] || m_shownLanes.empty()) {
            meta(kPidThreads, qteeTid(), "thread_name", "name", "QTEE", false);
            meta(kPidThreads, qteeTid(), "thread_sort_index", "sort_index",
                 std::to_string(++sortIndex), true);
        }
        if (worker >= 0) {
            const int tid = tidOf(ThreadId(m_tl.lanes()[size_t(worker)].key.id));
            meta(kPidThreads, tid, "thread_name", "name", "qcomtee_wq", false);
            meta(kPidThreads, tid, "thread_sort_index", "sort_index", std::to_string(++sortIndex),
                 true);
        }
        const auto [lb, le] = m_tl.lanesOfKind(LaneKind::Lock);
        for (uint32_t l = lb; l < le; ++l) {
            if (!m_on[l])
                continue;
            const LaneKey k = m_tl.lanes()[l].key;
            meta(kPidThreads, lockTid(k.id), "thread_name", "name", laneName(m_sim, k), false);
            meta(kPidThreads, lockTid(k.id), "thread_sort_index", "sort_index",
                 std::to_string(++sortIndex), true);
        }
    }

    std::string threadSliceName(const ThreadSpan &t, ThreadId self) const
    {
        switch (t.state) {
        case ThreadState::InKernel:
            return t.syscall == SyscallKind::None ? std::string("in the kernel")
                                                  : vocab::syscall(t.syscall);
        case ThreadState::Blocked:
            if (t.reason == BlockReason::UserWait)
                return "waits in user space for " + vocab::userWaitWhat(m_sim, self, t.waitStep);
            if (t.reason == BlockReason::Lock)
                return "waits for reqs_lock of " + vocab::ctx(t.ctx) +
                       (t.peer.valid() ? " held by " + m_sim.threadName(t.peer) : std::string());
            return "waits on " + vocab::wait(t.reason) +
                   (t.request.valid() ? " for " + vocab::request(t.request) : std::string());
        default:
            return {};
        }
    }

    // The label without "thread: " (the track says whose step it is).
    std::string stepName(uint64_t k) const
    {
        std::string l = k >= 1 && k <= m_trace.schedule.size() ? m_trace.schedule[k - 1] : "";
        const ThreadId a = m_tl.step(k).actor;
        if (a.valid()) {
            const std::string prefix = m_sim.threadName(a) + ": ";
            if (l.rfind(prefix, 0) == 0)
                l.erase(0, prefix.size());
        }
        return l;
    }

    void threadTracks()
    {
        std::vector<Slice> slices;
        // One slice per step on the acting thread: who had the CPU.
        for (uint64_t k = m_from; k <= m_to && k <= m_tl.stepCount(); ++k) {
            const StepInfo &st = m_tl.step(k);
            if (!st.actor.valid())
                continue;
            const uint32_t lane = m_tl.laneOf({LaneKind::Thread, st.actor.v});
            if (lane == kNone || !m_on[lane])
                continue;
            json::Object args;
            args.unum("step", k);
            const vocab::Verb verb =
                k - 1 < m_trace.spans.size() ? m_trace.spans[k - 1].verb : vocab::Verb::Idle;
            slices.push_back({tidOf(st.actor), st.startNs, st.endNs, stepName(k), "step",
                              argsWithDriver(args, vocab::driverRef(verb)), 3});
        }
        // Thread states (in a syscall, blocked) and lock holds.
        std::vector<uint32_t> found;
        m_tl.intervalsIn(Axis::Step, int64_t(m_from), int64_t(m_to), m_lanes, found);
        std::sort(found.begin(), found.end());
        for (uint32_t i : found) {
            const Interval &iv = m_tl.intervals()[i];
            const Lane &lane = m_tl.lanes()[iv.lane];
            const auto [a, b] = clipped(iv);
            json::Object args;
            args.unum("first_step", iv.firstStep).unum("last_step", iv.lastStep);
            if (iv.openAtEnd())
                args.boolean("unfinished", true);
            if (iv.kind == LaneKind::Thread) {
                const ThreadSpan t = iv.thread();
                const std::string name = threadSliceName(t, ThreadId(lane.key.id));
                if (name.empty())
                    continue;
                if (t.killed)
                    args.boolean("killed", true);
                vocab::DriverRef r;
                if (iv.event != kNone)
                    r = driverRefOf(m_trace, iv.event);
                slices.push_back({tidOf(ThreadId(lane.key.id)), a, b, name,
                                  t.state == ThreadState::Blocked ? "blocked" : "syscall",
                                  argsWithDriver(args, r),
                                  t.state == ThreadState::Blocked ? 1 : 0});
            } else if (iv.kind == LaneKind::Lock) {
                const LockSpan h = iv.lock();
                args.str("holder", m_sim.threadName(h.holder));
                slices.push_back(
                    {lockTid(lane.key.id), a, b, "held by " + m_sim.threadName(h.holder), "lock",
                     argsWithDriver(args,
                                    {"mutex_lock / mutex_unlock (reqs_lock)", "user_obj.c", "§5"}),
                     2});
            }
        }
        // Proper nesting per track: parents first, then clip any slice that
        // would end after its enclosing one. Perfetto drops (and
        // chrome://tracing mis-draws) partially overlapping slices.
        std::sort(slices.begin(), slices.end(), [](const Slice &x, const Slice &y) {
            if (x.tid != y.tid)
                return x.tid < y.tid;
            if (x.start != y.start)
                return x.start < y.start;
            if (x.end != y.end)
                return x.end > y.end;
            return x.depthHint < y.depthHint;
        });
        std::vector<const Slice *> stack;
        int tid = -1;
        for (Slice &sl : slices) {
            if (sl.tid != tid) {
                stack.clear();
                tid = sl.tid;
            }
            while (!stack.empty() && stack.back()->end <= sl.start)
                stack.pop_back();
            if (!stack.empty() && sl.end > stack.back()->end)
                sl.end = stack.back()->end;
            stack.push_back(&sl);
        }
        for (const Slice &sl : slices) {
            json::Object o;
            o.str("ph", "X").str("cat", sl.cat).str("name", sl.name).num("pid", kPidThreads);
            o.num("tid", sl.tid).raw("ts", json::microseconds(sl.start));
            o.raw("dur", json::microseconds(sl.end - sl.start));
            if (!sl.args.empty())
                o.raw("args", sl.args);
            m_out.push_back(o.str());
            m_usedTids.insert(sl.tid);
            m_steps.push_back(sl);
        }
    }

    void async(const char *ph, int pid, const char *cat, int64_t id, const std::string &name,
               int64_t ts, const std::string &args = {})
    {
        json::Object o;
        o.str("ph", ph).str("cat", cat).str("name", name).num("id", id).num("pid", pid);
        o.num("tid", 0).raw("ts", json::microseconds(ts));
        if (!args.empty())
            o.raw("args", args);
        m_out.push_back(o.str());
        m_usedPids.insert(pid); // (and its counters, on the same pid)
    }

    std::string intervalName(const Interval &iv, const Lane &lane, std::string &args) const
    {
        json::Object a;
        a.unum("first_step", iv.firstStep).unum("last_step", iv.lastStep);
        vocab::DriverRef r;
        if (iv.event != kNone)
            r = driverRefOf(m_trace, iv.event);
        std::string name;
        switch (iv.kind) {
        case LaneKind::Request: {
            const RequestSpan q = iv.request();
            name = vocab::reqState(q.state);
            if (q.state == ReqState::PROCESSED)
                a.str("errno", vocab::errnoText(q.errno_));
            if (q.actor.valid())
                a.str("by", m_sim.threadName(q.actor));
            break;
        }
        case LaneKind::Object: {
            const ObjectSpan ob = iv.object();
            name = "refcount " + std::to_string(ob.refcount);
            std::vector<HolderRef> hs;
            m_tl.holders(uint32_t(&iv - m_tl.intervals().data()), hs);
            std::string list;
            for (const HolderRef &h : hs)
                list += (list.empty() ? "" : ", ") + vocab::holder(m_sim, h.kind, h.arg());
            a.str("holders", list.empty() ? "none" : list);
            // A creation names no holder (its first reference is the next
            // interval's get).
            const char *change =
                ob.change == RefChange::Get || ob.change == RefChange::Put
                    ? vocab::objectRefChange(ob.change == RefChange::Get, ob.refcount)
                : ob.change == RefChange::Named ? "named "
                                                : "created";
            a.str("change",
                  ob.change == RefChange::Created
                      ? std::string(change)
                      : change + vocab::holder(m_sim, ob.changedKind, ob.changed().arg()));
            break;
        }
        case LaneKind::Context: {
            const ContextSpan c = iv.context();
            name = c.state == ContextState::Open     ? "open"
                   : c.state == ContextState::Closed ? "closed (close_context ran)"
                                                     : "tee_context freed";
            a.num("live_user_objects", c.pins);
            break;
        }
        case LaneKind::Qtee: {
            const QteeSpan q = iv.qtee();
            name = m_sim.threadName(q.thread) +
                   (q.sent == QteeMessage::Invoke
                        ? ": invoke " + vocab::qteeId(q.qteeId) + " " + vocab::op(q.op)
                        : std::string(": callback response"));
            const char *answer = q.answer == QteeMessage::Callback ? "callback"
                                 : q.answer == QteeMessage::Result ? "result"
                                 : q.answer == QteeMessage::Failed ? "SMC failed"
                                                                   : "none yet";
            a.str("answer", answer);
            break;
        }
        case LaneKind::Workqueue: {
            const WorkSpan w = iv.work();
            name = std::string(w.state == WorkState::Pending ? "release queued: " : "releasing ") +
                   vocab::object(w.object);
            break;
        }
        default:
            break;
        }
        (void)lane;
        if (iv.openAtEnd())
            a.boolean("unfinished", true);
        args = argsWithDriver(a, r);
        return name;
    }

    // Requests, objects, contexts: one async slice per lane (its name and
    // what it is) with one nested slice per state; QTEE's work and queued
    // releases: one async slice per interval (they overlap).
    void asyncLanes()
    {
        std::vector<uint32_t> found;
        m_tl.intervalsIn(Axis::Step, int64_t(m_from), int64_t(m_to), m_lanes, found);
        std::sort(found.begin(), found.end()); // by lane, then by firstStep
        size_t i = 0;
        while (i < found.size()) {
            const uint32_t laneIndex = m_tl.intervals()[found[i]].lane;
            size_t j = i;
            while (j < found.size() && m_tl.intervals()[found[j]].lane == laneIndex)
                ++j;
            const Lane &lane = m_tl.lanes()[laneIndex];
            int pid = 0;
            const char *cat = "";
            int64_t base = 0;
            switch (lane.key.kind) {
            case LaneKind::Request:
                pid = kPidRequests, cat = "request", base = 0;
                break;
            case LaneKind::Object:
                pid = kPidObjects, cat = "object", base = kObjectIdBase;
                break;
            case LaneKind::Context:
                pid = kPidContexts, cat = "context", base = kContextIdBase;
                break;
            case LaneKind::Qtee:
                pid = kPidQtee, cat = "qtee", base = kQteeIdBase;
                break;
            case LaneKind::Workqueue:
                pid = kPidWork, cat = "work", base = kWorkIdBase;
                break;
            default:
                break;
            }
            if (pid == 0) {
                i = j;
                continue;
            }
            if (lane.key.kind == LaneKind::Qtee || lane.key.kind == LaneKind::Workqueue) {
                for (size_t k = i; k < j; ++k) {
                    const Interval &iv = m_tl.intervals()[found[k]];
                    std::string args;
                    const std::string name = intervalName(iv, lane, args);
                    const auto [a, b] = clipped(iv);
                    async("b", pid, cat, base + found[k], name, a, args);
                    async("e", pid, cat, base + found[k], name, b);
                }
                i = j;
                continue;
            }
            // The whole lane, then its states nested inside, monotone in time.
            const int64_t id = base + lane.key.id;
            std::string title = laneName(m_sim, lane.key);
            json::Object la;
            if (lane.key.kind == LaneKind::Request) {
                title = vocab::request(RequestId(lane.key.id), lane.attrs.ctx, lane.attrs.reqId);
                la.num("req_id", lane.attrs.reqId).str("op", vocab::op(lane.attrs.op));
                if (lane.attrs.notification)
                    la.boolean("notification", true);
                if (lane.attrs.client.valid())
                    la.str("client", m_sim.threadName(lane.attrs.client));
            } else if (lane.key.kind == LaneKind::Object) {
                title += " " + vocab::objectWhat(lane.attrs.objectType, lane.attrs.qteeId,
                                                 lane.attrs.userObjectId);
                if (lane.attrs.ctx.valid())
                    la.str("owner", vocab::ctx(lane.attrs.ctx));
            }
            int64_t first = INT64_MAX, last = 0;
            std::vector<std::pair<int64_t, int64_t>> spans;
            for (size_t k = i; k < j; ++k) {
                auto [a, b] = clipped(m_tl.intervals()[found[k]]);
                if (!spans.empty())
                    a = std::max(a, spans.back().first);
                b = std::max(a, b);
                spans.emplace_back(a, b);
                first = std::min(first, a);
                last = std::max(last, b);
            }
            async("b", pid, cat, id, title, first, la.str());
            for (size_t k = i; k < j; ++k) {
                const Interval &iv = m_tl.intervals()[found[k]];
                std::string args;
                const std::string name = intervalName(iv, lane, args);
                async("b", pid, cat, id, name, spans[k - i].first, args);
                async("e", pid, cat, id, name, std::min(spans[k - i].second, last));
                if (lane.key.kind == LaneKind::Object) {
                    json::Object c;
                    c.num("refcount", iv.object().refcount);
                    json::Object o;
                    o.str("ph", "C").str("name", "refcount " + title.substr(0, title.find(' ')));
                    o.num("pid", kPidObjects).num("tid", 0);
                    o.raw("ts", json::microseconds(spans[k - i].first)).raw("args", c.str());
                    m_out.push_back(o.str());
                }
            }
            async("e", pid, cat, id, title, last);
            if (lane.key.kind == LaneKind::Context)
                contextRefcount(lane.key.id, title, first, last);
            i = j;
        }
    }

    // A context's tee_context kref as a counter (the timeline keeps its
    // changes; the lane is not split at them): its value where the lane's
    // shown part begins, then every change in the window, in time order.
    void contextRefcount(int32_t ctx, const std::string &title, int64_t first, int64_t last)
    {
        std::vector<CtxHolderRef> before;
        if (m_from > 0)
            m_tl.contextHolders(ctx, m_from - 1, before);
        else if (ctx == 0)
            before.push_back(CtxHolderRef{CtxHolderKind::File, -1});
        const std::string name = "refcount " + title.substr(0, title.find(' '));
        auto counter = [&](int64_t ts, int32_t value) {
            json::Object c;
            c.num("refcount", value);
            json::Object o;
            o.str("ph", "C").str("name", name).num("pid", kPidContexts).num("tid", 0);
            o.raw("ts", json::microseconds(ts)).raw("args", c.str());
            m_out.push_back(o.str());
        };
        counter(first, int32_t(before.size()));
        int64_t at = first;
        for (const ContextRefChange &c : m_tl.contextRefChanges(ctx)) {
            if (c.step < m_from)
                continue;
            if (c.step > m_to)
                break;
            at = std::clamp(c.tNs, at, std::max(at, last));
            counter(at, c.refcount);
        }
    }

    void instant(int pid, int tid, int64_t ts, const std::string &name, const char *cat,
                 const char *scope, const std::string &args = {})
    {
        // Every event names its thread (the format's common fields): a
        // process- or global-scoped instant goes on the "run" track.
        if (tid < 0)
            tid = 0;
        json::Object o;
        o.str("ph", "i").str("cat", cat).str("name", name).num("pid", pid);
        if (tid >= 0)
            o.num("tid", tid);
        o.raw("ts", json::microseconds(ts)).str("s", scope);
        if (!args.empty())
            o.raw("args", args);
        m_out.push_back(o.str());
        if (pid == kPidThreads && tid >= 0)
            m_usedTids.insert(tid);
    }

    void instants()
    {
        std::vector<uint32_t> found;
        m_tl.instantsIn(Axis::Step, int64_t(m_from), int64_t(m_to), m_lanes, found);
        // QTEE's callbacks sit on the calling thread's lane in the timeline
        // but on QTEE's track here: --lane QTEE keeps them without the
        // thread (it lost them, and their track stayed empty).
        std::vector<uint32_t> unshownThreads;
        bool qteeShown = false;
        for (uint32_t l = 0; l < m_on.size(); ++l) {
            const LaneKind k = m_tl.lanes()[l].key.kind;
            qteeShown = qteeShown || (m_on[l] && k == LaneKind::Qtee);
            if (!m_on[l] && k == LaneKind::Thread)
                unshownThreads.push_back(l);
        }
        if (qteeShown && !unshownThreads.empty()) {
            std::vector<uint32_t> onThreads;
            m_tl.instantsIn(Axis::Step, int64_t(m_from), int64_t(m_to), unshownThreads, onThreads);
            for (uint32_t i : onThreads)
                if (m_tl.instants()[i].kind == InstantKind::QteeCallback)
                    found.push_back(i);
        }
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
        std::set<uint32_t> killEvents;
        auto emit = [&](const Instant &in, bool runLevel) {
            const Event &e = m_trace.events[in.event];
            json::Object a;
            a.unum("step", in.step);
            const Lane *lane = runLevel ? nullptr : &m_tl.lanes()[in.lane];
            const int tid = lane && lane->key.kind == LaneKind::Thread
                                ? tidOf(ThreadId(lane->key.id))
                            : e.thread.valid() ? tidOf(e.thread)
                                               : -1;
            switch (in.kind) {
            case InstantKind::Violation:
            case InstantKind::Gap:
            case InstantKind::Note: {
                a.str("text", vocab::findingText(m_sim, e))
                    .str("finding", vocab::findingName(e.finding));
                if (lane)
                    a.str("lane", laneName(m_sim, lane->key));
                const std::string name =
                    e.kind == EventKind::Violation ? "VIOLATION I" + std::to_string(e.invariant)
                    : e.kind == EventKind::Gap     ? "gap " + std::to_string(e.gap) + " (spec §9)"
                                                   : std::string("note");
                const char *cat = e.kind == EventKind::Violation ? "violation"
                                  : e.kind == EventKind::Gap     ? "gap"
                                                                 : "note";
                // where it was found, as the summary and the Violations pane say
                instant(kPidThreads, tid >= 0 ? tid : 0, in.tNs, name, cat,
                        e.kind == EventKind::Note ? (tid >= 0 ? "t" : "p") : "g",
                        argsWithDriver(a, driverRefOf(m_trace, in.event)));
                break;
            }
            case InstantKind::Kill:
                if (killEvents.insert(in.event).second)
                    instant(kPidThreads, -1, in.tNs, "SIGKILL " + m_sim.processName(e.process),
                            "signal", "p", argsWithDriver(a, vocab::driverRef(e)));
                break;
            case InstantKind::AsyncRelease:
            case InstantKind::ReleaseSmc:
            case InstantKind::QteeCallback:
                instant(kPidThreads, qteeTid(), in.tNs, vocab::eventText(m_sim, e), "qtee", "t",
                        argsWithDriver(a, vocab::driverRef(e)));
                break;
            default:
                break; // syscalls and references are slices already
            }
        };
        for (uint32_t i : found)
            emit(m_tl.instants()[i], false);
        for (const Instant &in : m_tl.runInstants())
            if (in.step >= m_from && in.step <= m_to)
                emit(in, true);
        // How the run ended, when it did not finish: a stuck run's last
        // state is the finding (who waits for ever on what).
        if (m_trace.stop != StopReason::Finished && m_to >= m_tl.stepCount() &&
            m_tl.stepCount() > 0) {
            json::Object a;
            a.str("stop", stopReasonName(m_trace.stop)).unum("step", m_tl.stepCount());
            if (!m_trace.stopDetail.empty())
                a.str("detail", m_trace.stopDetail);
            instant(kPidThreads, 0, m_tTo,
                    m_trace.stop == StopReason::Stuck
                        ? "run ends stuck"
                        : std::string("run stops: ") + stopReasonName(m_trace.stop),
                    "stop", "g", a.str());
        }
        // Reviewer notes: on their thread's track when they name a thread.
        if (m_notes)
            for (const Note &n : *m_notes) {
                if (n.step > m_to || (n.step < m_from && n.step != 0) ||
                    (n.step == 0 && m_from > 1))
                    continue;
                int tid = -1;
                for (int32_t t = 0; t < m_tl.threadCount(); ++t)
                    if (m_sim.threadName(ThreadId(t)) == n.entity)
                        tid = tidOf(ThreadId(t));
                json::Object a;
                a.str("text", n.text).unum("step", n.step);
                if (!n.entity.empty())
                    a.str("entity", n.entity);
                const int64_t ts = n.step == 0 ? 0 : m_tl.step(n.step).endNs;
                instant(kPidThreads, tid, ts, "note: " + n.text.substr(0, 80), "reviewer_note",
                        tid >= 0 ? "t" : "g", a.str());
            }
    }

    // Where an arrow binds: the middle of the step slice of that thread.
    bool flowPoint(const FlowEnd &end, int &tid, int64_t &ts) const
    {
        if (end.lane == kNone || end.step < m_from || end.step > m_to)
            return false;
        const Lane &lane = m_tl.lanes()[end.lane];
        if (lane.key.kind != LaneKind::Thread || !m_on[end.lane])
            return false;
        const StepInfo &st = m_tl.step(end.step);
        if (st.actor.v != lane.key.id)
            return false;
        tid = tidOf(st.actor);
        ts = st.startNs + (st.endNs - st.startNs) / 2;
        return true;
    }

    void flow(int64_t id, int tidFrom, int64_t tsFrom, int tidTo, int64_t tsTo,
              const std::string &name)
    {
        json::Object sl;
        sl.str("ph", "s").str("cat", "callback").str("name", name).num("id", id);
        sl.num("pid", kPidThreads).num("tid", tidFrom).raw("ts", json::microseconds(tsFrom));
        m_out.push_back(sl.str());
        m_usedTids.insert(tidFrom);
        m_usedTids.insert(tidTo);
        json::Object f;
        f.str("ph", "f").str("bp", "e").str("cat", "callback").str("name", name).num("id", id);
        f.num("pid", kPidThreads).num("tid", tidTo).raw("ts", json::microseconds(tsTo));
        m_out.push_back(f.str());
    }

    // Callback on the client -> the RECV that took the request -> the SEND
    // that answered it (the model's flows, joined thread to thread).
    void flows()
    {
        std::map<int32_t, const Flow *> callback, delivery, reply;
        for (const Flow &f : m_tl.flows()) {
            auto &m = f.kind == FlowKind::Callback   ? callback
                      : f.kind == FlowKind::Delivery ? delivery
                                                     : reply;
            m[f.request.v] = &f;
        }
        int64_t next = 1;
        for (const auto &[req, d] : delivery) {
            int tidTo = 0;
            int64_t tsTo = 0;
            if (!flowPoint(d->to, tidTo, tsTo))
                continue;
            const std::string name = vocab::request(RequestId(req));
            if (auto c = callback.find(req); c != callback.end()) {
                int tidFrom = 0;
                int64_t tsFrom = 0;
                if (flowPoint(c->second->from, tidFrom, tsFrom) && tsFrom <= tsTo)
                    flow(next++, tidFrom, tsFrom, tidTo, tsTo, "callback " + name);
            }
            if (auto r = reply.find(req); r != reply.end()) {
                int tidR = 0;
                int64_t tsR = 0;
                if (flowPoint(r->second->to, tidR, tsR) && tsTo <= tsR)
                    flow(next++, tidTo, tsTo, tidR, tsR, "response " + name);
            }
        }
    }

    const Simulator &m_sim;
    const Trace &m_trace;
    Timeline m_tl;
    uint64_t m_from;
    uint64_t m_to;
    std::vector<bool> m_on;
    std::vector<uint32_t> m_lanes;
    std::vector<std::string> m_shownLanes;
    const std::vector<Note> *m_notes = nullptr;
    bool m_cut = false;
    int64_t m_tFrom = 0;
    int64_t m_tTo = 0;
    std::vector<std::string> m_out;
    std::vector<Slice> m_steps;
    std::set<int> m_namedTids; // kPidThreads tracks with a thread_name
    std::set<int> m_usedPids;  // the other pids' tid 0, which async events were put on
    std::set<int> m_usedTids;  // kPidThreads tracks something was put on
};

} // namespace

std::string chromeTrace(const Simulator &sim, const Trace &trace)
{
    return ChromeWriter(sim, trace, ExportOptions{}).write();
}

std::string chromeTrace(const Simulator &sim, const Trace &trace, const ExportOptions &o)
{
    return ChromeWriter(sim, trace, o).write();
}

// ---------------------------------------------------------------------------
// Text timeline.

namespace {

constexpr size_t kMinLane = 8;            // narrowest lane
constexpr size_t kMaxMinLane = 24;        // longer words are cut
constexpr size_t kMaxLane = 40;           // widest lane
constexpr size_t kExactLayoutRows = 3000; // see TimelineWriter::layout

// ASCII only: mailing lists and terminals mangle anything else. Each
// non-ASCII UTF-8 sequence becomes one '?', control characters a space.
std::string ascii(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            // The vocabulary's one non-ASCII character: "§7" -> "sec.7".
            if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xa7) {
                out += "sec.";
                ++i;
                continue;
            }
            if ((c & 0xc0) != 0x80) // lead byte (or stray byte): one '?'
                out += '?';
            continue;
        }
        out += (c < 0x20 || c == 0x7f) ? ' ' : char(c);
    }
    return out;
}

// Review: a line must never end in "op" with its number on the next ("ROOT
// op / 32"). Such pairs are joined with a non-breaking marker while wrapping
// and turned back into a space afterwards; an arrow stays with its word.
constexpr char kNoBreak = '\x1f';

bool numberish(std::string_view w)
{
    while (!w.empty() && (w.front() == '(' || w.front() == '-'))
        w.remove_prefix(1);
    return !w.empty() && ((w.front() >= '0' && w.front() <= '9') || w.rfind("RELEASE", 0) == 0 ||
                          w.rfind("RETAIN", 0) == 0 || w.front() == '?');
}

bool pairsWithNumber(std::string_view w)
{
    while (!w.empty() && w.front() == '(')
        w.remove_prefix(1);
    static const char *const keys[] = {"op", "ctx", "obj",  "req",  "fd",   "ret", "arg",
                                       "id", "shm", "step", "item", "seed", "QTEE"};
    for (const char *k : keys)
        if (w == k)
            return true;
    return false;
}

// "ROOT op 32" -> "ROOT op<NB>32" (input has single blanks, see wrap()).
std::string joinPairs(const std::string &text)
{
    std::string out = text;
    size_t start = 0;
    while (start < out.size()) {
        const size_t sp = out.find(' ', start);
        if (sp == std::string::npos)
            break;
        const std::string_view word(out.data() + start, sp - start);
        size_t nextEnd = out.find(' ', sp + 1);
        if (nextEnd == std::string::npos)
            nextEnd = out.size();
        const std::string_view next(out.data() + sp + 1, nextEnd - sp - 1);
        if ((word == "->" || word == "<-") || (pairsWithNumber(word) && numberish(next)))
            out[sp] = kNoBreak;
        start = sp + 1;
    }
    return out;
}

// Wraps phrases joined by "; " into lines of at most `width` characters. A
// phrase that fits on a line is never split ("-> 0" stays whole); longer
// ones are word-wrapped, and words longer than the width are cut.
std::vector<std::string> wrap(const std::vector<std::string> &phrases, size_t width)
{
    std::vector<std::string> lines;
    std::string line;
    auto flush = [&] {
        if (!line.empty())
            lines.push_back(line);
        line.clear();
    };
    // (a word longer than the width is cut in place: taking the rest as a
    // new string each time made a 5 MB word in a note take 7 s to export)
    auto addWord = [&](std::string_view w) {
        while (w.size() > width) {
            flush();
            lines.emplace_back(w.substr(0, width));
            w.remove_prefix(width);
        }
        if (w.empty())
            return;
        if (line.empty())
            line = w;
        else if (line.size() + 1 + w.size() <= width) {
            line += ' ';
            line += w;
        } else {
            flush();
            line = w;
        }
    };
    std::vector<std::string> cleaned;
    for (const std::string &p : phrases) {
        // Collapse runs of blanks so lengths are what gets printed.
        std::string c;
        for (char ch : ascii(p)) {
            if (ch == ' ' && (c.empty() || c.back() == ' '))
                continue;
            c += ch;
        }
        while (!c.empty() && c.back() == ' ')
            c.pop_back();
        if (!c.empty())
            cleaned.push_back(joinPairs(c));
    }
    for (size_t i = 0; i < cleaned.size(); ++i) {
        const std::string p = cleaned[i] + (i + 1 < cleaned.size() ? ";" : "");
        if (!line.empty() && line.size() + 1 + p.size() <= width) {
            line += ' ' + p;
            continue;
        }
        if (p.size() <= width) {
            flush();
            line = p;
            continue;
        }
        size_t a = 0;
        while (a < p.size()) {
            size_t b = p.find(' ', a);
            if (b == std::string::npos)
                b = p.size();
            addWord(std::string_view(p).substr(a, b - a));
            a = b + 1;
        }
    }
    flush();
    for (std::string &l : lines)
        std::replace(l.begin(), l.end(), kNoBreak, ' ');
    return lines;
}

std::string pad(const std::string &s, size_t width)
{
    std::string out = s.substr(0, width);
    out.resize(width, ' ');
    return out;
}

std::string rightAlign(const std::string &s, size_t width)
{
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string rstrip(std::string s)
{
    while (!s.empty() && s.back() == ' ')
        s.pop_back();
    return s;
}

class TimelineWriter
{
public:
    TimelineWriter(const Simulator &sim, const Trace &trace, const ExportOptions &opts)
        : m_sim(sim)
        , m_trace(trace)
        , m_opts(opts.run)
        , m_range(opts)
        , kMaxWidth(std::clamp(opts.width, kMinTextWidth, kMaxTextWidth))
        , m_ix(sim, trace)
    {
        // Lanes: user threads, QTEE, the release worker.
        for (int32_t i = 0; i < m_ix.threadCount(); ++i) {
            if (ThreadId(i) == m_ix.worker())
                continue;
            m_laneOfThread[i] = int(m_lanes.size());
            m_lanes.push_back(m_ix.name(ThreadId(i)));
        }
        m_qteeLane = int(m_lanes.size());
        m_lanes.push_back("QTEE");
        m_workerLane = -1;
        if (m_ix.worker().valid()) {
            m_workerLane = int(m_lanes.size());
            m_laneOfThread[m_ix.worker().v] = m_workerLane;
            m_lanes.push_back(m_ix.name(m_ix.worker()));
        }
        // --lane: the named columns; entity names (ctx1, obj5, req#3) keep
        // the steps that touch them.
        m_shown.assign(m_lanes.size(), m_range.lanes.empty());
        for (const std::string &name : m_range.lanes) {
            const auto it = std::find(m_lanes.begin(), m_lanes.end(), name);
            if (it != m_lanes.end())
                m_shown[size_t(it - m_lanes.begin())] = true;
            else
                m_entities.insert(name);
        }
        m_columnsNamed = std::any_of(m_shown.begin(), m_shown.end(), [](bool b) { return b; });
        if (!m_entities.empty() && !m_columnsNamed)
            m_shown.assign(m_lanes.size(), true);
    }

    std::string write()
    {
        collect();
        qteePerBlock();
        std::string out;
        header(out);
        body(out);
        legend(out);
        verdict(out);
        return out;
    }

private:
    struct Row
    {
        std::vector<std::vector<std::string>> cells; // per lane: phrases
        std::vector<std::string> wide;               // full-width lines (violations...)
        int homeLane = -1;                           // lane of the acting thread
        std::vector<int32_t> qteeOwner; // per phrase of the QTEE lane: the thread it talks to
        // A full-width line (a note, a finding) that comes in the middle of
        // the step's events: where it came, so that the cell says so when
        // more follows it ("(note below)"); printed under the row, it would
        // read as coming after everything in the row (a note "tee_shm 1
        // freed" under "ctx1 context data freed" read as an I6 breach).
        struct Midway
        {
            int lane;
            size_t at;     // the lane's phrases before it
            size_t before; // the row's phrases before it
            const char *what;
        };
        std::vector<Midway> midway;
        size_t phrases = 0; // phrases added to the row's cells so far
        // The request states its cells name ("QUEUED>PROCESSING"), with
        // the lane of each: only those in printed cells are explained.
        std::vector<std::pair<int, ReqState>> states;
    };

    int laneOf(ThreadId t) const
    {
        auto it = m_laneOfThread.find(t.v);
        return it == m_laneOfThread.end() ? -1 : it->second;
    }

    // A holder that is the step's own thread needs no name in that thread's
    // lane: "get by caller", not "get by caller (app/client)".
    std::string ownHolder(std::string holder, uint64_t step) const
    {
        const ThreadId a = m_ix.actor(step);
        if (!a.valid())
            return holder;
        const std::string self = " (" + m_ix.name(a) + ")";
        if (holder.size() > self.size() &&
            holder.compare(holder.size() - self.size(), self.size(), self) == 0)
            holder.erase(holder.size() - self.size());
        return holder;
    }

    // A QTEE message, with the thread it goes to or comes from: each block
    // of lanes gets a QTEE column of its own threads' messages.
    void addQtee(Row &row, ThreadId t, std::string phrase)
    {
        if (m_qteeLane < 0 || phrase.empty())
            return;
        auto &cell = row.cells[size_t(m_qteeLane)];
        if (!cell.empty() && cell.back() == phrase)
            return;
        cell.push_back(std::move(phrase));
        row.qteeOwner.push_back(t.v);
        ++row.phrases;
    }

    void add(Row &row, int lane, std::string phrase)
    {
        if (lane < 0 || phrase.empty())
            return;
        std::vector<std::string> &cell = row.cells[size_t(lane)];
        if (!cell.empty() && cell.back() == phrase)
            return; // "exit" label and ThreadExit say the same thing
        cell.push_back(std::move(phrase));
        ++row.phrases;
    }

    // A full-width line of the step's events, noting where it came (Midway).
    void wideLine(Row &row, int lane, std::string line, const char *what)
    {
        const int at = row.homeLane >= 0 ? row.homeLane : lane;
        if (at >= 0 && at != m_qteeLane)
            row.midway.push_back({at, row.cells[size_t(at)].size(), row.phrases, what});
        row.wide.push_back(std::move(line));
    }

    // After a row's events: "(note below)" where a full-width line came
    // before more of the row, at its place in the acting thread's cell.
    static void markMidway(Row &row)
    {
        for (auto it = row.midway.rbegin(); it != row.midway.rend(); ++it)
            if (it->before < row.phrases) {
                auto &cell = row.cells[size_t(it->lane)];
                cell.insert(cell.begin() + ptrdiff_t(std::min(it->at, cell.size())),
                            std::string("(") + it->what + " below)");
            }
        row.midway.clear();
    }

    // Which requests are RELEASE notifications: their first mention says so.
    void indexRequests()
    {
        for (const Event &e : m_trace.events)
            if (e.kind == EventKind::RequestState && e.request.valid() && isRelease(e.op))
                m_notif.insert(e.request.v);
    }

    // A request's first mention names its context and reqs_idr id (and
    // whether it is a RELEASE notification); later ones only its name. The
    // first mention is the first one printed: --from and --lane cut steps.
    std::string reqFirstName(const Event &e)
    {
        if (!e.request.valid() || !kept(e.step) || !m_named.insert(e.request.v).second)
            return vocab::request(e.request);
        std::string s = vocab::request(e.request, e.ctx, e.reqId);
        if (m_notif.count(e.request.v))
            s += " (RELEASE notification)";
        return s;
    }

    void collect()
    {
        indexRequests();
        // --lane with entity names: the steps that touch them.
        m_touches.assign(m_ix.steps() + 1, false);
        if (!m_entities.empty())
            for (const Event &e : m_trace.events) {
                if (e.step >= m_touches.size())
                    continue;
                const bool lock =
                    e.kind == EventKind::LockAcquire || e.kind == EventKind::LockRelease;
                if ((lock && m_entities.count("reqs_lock " + vocab::ctx(e.ctx))) ||
                    (e.ctx.valid() && m_entities.count(vocab::ctx(e.ctx))) ||
                    (e.object.valid() && m_entities.count(vocab::object(e.object))) ||
                    (e.request.valid() && m_entities.count(vocab::request(e.request))))
                    m_touches[e.step] = true;
            }
        m_rows.assign(m_ix.steps() + 1, Row{});
        for (Row &r : m_rows)
            r.cells.assign(m_lanes.size(), {});
        for (uint64_t k = 1; k <= m_ix.steps(); ++k) {
            Row &row = m_rows[k];
            const ThreadId a = m_ix.actor(k);
            row.homeLane = laneOf(a);
            if (a.valid()) {
                // The label without the thread's name: the lane says it.
                add(row, row.homeLane, m_ix.action(k));
            }
        }
        std::set<int32_t> exited; // threads gone by the current event
        for (const Event &e : m_trace.events) {
            if (e.step == 0 || e.step > m_ix.steps())
                continue;
            if (e.kind == EventKind::ThreadExit)
                exited.insert(e.thread.v);
            Row &row = m_rows[e.step];
            const int own = e.thread.valid() ? laneOf(e.thread) : row.homeLane;
            const int lane = own >= 0 ? own : row.homeLane;
            const std::string obj = "obj" + std::to_string(e.object.v);
            switch (e.kind) {
            case EventKind::RequestState: {
                std::string s =
                    reqFirstName(e) + " " + reqStateName(e.from) + ">" + reqStateName(e.to);
                if (e.to == ReqState::PROCESSED && e.errno_ != 0)
                    s += " " + vocab::errnoText(e.errno_);
                add(row, lane, s);
                if (lane >= 0)
                    for (const ReqState r : {e.from, e.to})
                        row.states.emplace_back(lane, r);
                break;
            }
            case EventKind::RefGet:
            case EventKind::RefPut: {
                // Who took or dropped the reference, in the vocabulary's words.
                const bool get = e.kind == EventKind::RefGet;
                const int64_t before = int64_t(e.refcount) + (get ? -1 : 1);
                add(row, row.homeLane >= 0 ? row.homeLane : lane,
                    obj + " refcount " + std::to_string(before) + ">" + std::to_string(e.refcount) +
                        " " + vocab::objectRefChange(get, e.refcount) +
                        ownHolder(vocab::holder(m_sim, e.holder, e.holderArg), e.step));
                break;
            }
            case EventKind::ObjectCreated: {
                add(row, row.homeLane >= 0 ? row.homeLane : lane,
                    obj + " created: " + vocab::objectWhat(e.objectType, e.qteeId, e.userObjectId));
                break;
            }
            case EventKind::ObjectFreed:
                add(row, row.homeLane >= 0 ? row.homeLane : lane, obj + " freed");
                break;
            case EventKind::SyscallReturn:
                add(row, lane,
                    "-> " + vocab::errnoText(e.errno_) +
                        (e.value != 0 ? " ret " + std::to_string(e.value) : std::string()));
                break;
            case EventKind::DispatchReturn:
                add(row, lane, "dispatch -> " + vocab::errnoText(e.errno_));
                break;
            case EventKind::Blocked:
                if (e.value == int32_t(BlockReason::Lock) && e.thread == m_ix.actor(e.step))
                    break; // its step's label says it: "wait reqs_lock of ctx 1 (held by ...)"
                if (e.value == int32_t(BlockReason::UserWait))
                    add(row, lane, "waits for " + vocab::userWaitWhat(m_sim, e.thread, e.count));
                else if (e.value == int32_t(BlockReason::Lock) && e.peer.valid())
                    add(row, lane, "waits reqs_lock (" + m_sim.threadName(e.peer) + ")");
                else
                    add(row, lane, "waits on " + vocab::wait(BlockReason(e.value)));
                break;
            case EventKind::Woken:
                // Its own step's label already says how it woke; show only
                // wake-ups caused by another actor.
                if (e.value == int32_t(BlockReason::UserWait))
                    add(row, lane, "goes on");
                else if (e.thread != m_ix.actor(e.step))
                    add(row, lane, "woken");
                break;
            case EventKind::Killed: {
                // A lane named "victim/thread" needs no more; any other
                // lane (and a victim without lanes) says who was killed.
                const std::string victim = m_sim.processName(e.process);
                bool shown = false;
                for (const auto &[t, l] : m_laneOfThread) {
                    // an exited thread receives no signal
                    if (m_ix.processOf(ThreadId(t)) != e.process || l == m_workerLane ||
                        exited.count(t))
                        continue;
                    const bool obvious = m_lanes[size_t(l)].rfind(victim + "/", 0) == 0;
                    add(row, l, obvious ? std::string("SIGKILL") : "SIGKILL to " + victim);
                    shown = true;
                }
                if (!shown)
                    row.wide.push_back("-- SIGKILL to " + victim);
                break;
            }
            case EventKind::ThreadExit:
                // The step's own "exit" / "exit (killed)" label says it.
                if (!(e.thread == m_ix.actor(e.step) && m_ix.action(e.step).rfind("exit", 0) == 0))
                    add(row, lane, "exit");
                break;
            case EventKind::ProcessExit:
                add(row, lane, m_sim.processName(e.process) + " exits");
                break;
            case EventKind::ContextOpened:
                add(row, lane, "ctx" + std::to_string(e.ctx.v) + " opened");
                break;
            case EventKind::ContextClosed:
                add(row, lane, "ctx" + std::to_string(e.ctx.v) + " closed");
                break;
            case EventKind::ContextReleased:
                add(row, lane, vocab::ctx(e.ctx) + " tee_context freed");
                break;
            case EventKind::ContextDataFreed:
                add(row, lane, vocab::ctx(e.ctx) + " context data freed");
                break;
            case EventKind::SynchronizeSrcu:
                add(row, lane, "synchronize_srcu");
                break;
            case EventKind::SmcInvoke:
                addQtee(row, e.thread,
                        isOpenService(e.qteeId, e.op)
                            ? "<- open service (" + vocab::op(e.op) + ")"
                            : "<- invoke " + vocab::qteeId(e.qteeId) + " " + vocab::op(e.op));
                break;
            case EventKind::SmcCallbackResponse:
                addQtee(row, e.thread, "<- cb response " + qteeResultName(e.value));
                break;
            case EventKind::QteeCallback:
                addQtee(row, e.thread,
                        "-> callback " + vocab::qteeId(e.qteeId) + " " + vocab::op(e.op));
                break;
            case EventKind::QteeResult:
                addQtee(row, e.thread, "-> result " + qteeResultName(e.value));
                break;
            case EventKind::SmcFailed:
                addQtee(row, e.thread, "x SMC failed " + vocab::errnoText(e.errno_));
                break;
            case EventKind::AsyncRelease:
                addQtee(row, e.thread, "-> async release " + vocab::qteeId(e.qteeId));
                break;
            case EventKind::WorkQueued:
                add(row, m_workerLane, "queued " + obj);
                break;
            case EventKind::WorkRequeued:
                add(row, m_workerLane, "requeued " + obj);
                break;
            case EventKind::Violation:
                wideLine(row, lane,
                         "!! VIOLATION I" + std::to_string(e.invariant) + ": " +
                             vocab::findingText(m_sim, e),
                         "violation");
                break;
            case EventKind::Gap:
                wideLine(row, lane,
                         "~~ gap (spec §9 item " + std::to_string(e.gap) +
                             "): " + vocab::findingText(m_sim, e),
                         "gap");
                break;
            case EventKind::Note:
                wideLine(row, lane, "-- note: " + vocab::findingText(m_sim, e), "note");
                break;
            default:
                break;
            }
        }
        for (Row &row : m_rows)
            markMidway(row);
        // Reviewer notes go under their step, like the engine's notes.
        if (m_range.notes)
            for (const Note &n : *m_range.notes) {
                const std::string line =
                    "## note" + (n.entity.empty() ? "" : " on " + n.entity) + ": " + n.text;
                if (n.step >= 1 && n.step < m_rows.size())
                    m_rows[n.step].wide.push_back(line);
            }
        // --lane with column names and entity names, a union: the named
        // columns' steps, and the steps that touch the entities in the
        // columns of whoever took them.
        if (m_columnsNamed && !m_entities.empty()) {
            const std::vector<bool> named = m_shown;
            for (uint64_t k = 1; k < m_rows.size(); ++k) {
                Row &row = m_rows[k];
                for (size_t l = 0; l < row.cells.size(); ++l) {
                    if (k < m_touches.size() && m_touches[k] && k >= m_range.from &&
                        k <= m_range.to)
                        m_shown[l] = m_shown[l] || !row.cells[l].empty();
                    else if (!named[l])
                        row.cells[l].clear();
                }
            }
        }
        // A thread column with nothing in the shown steps is left out (its
        // state is said above the table, "idle in these steps" names it):
        // an idle qcomtee_wq took a column of a narrow cut. QTEE stays.
        {
            std::vector<bool> used(m_lanes.size(), false);
            bool any = false;
            for (uint64_t k = 1; k < m_rows.size(); ++k) {
                if (!kept(k))
                    continue;
                const Row &row = m_rows[k];
                for (size_t l = 0; l < row.cells.size(); ++l)
                    used[l] = used[l] || !row.cells[l].empty();
                if (row.homeLane >= 0 && size_t(row.homeLane) < used.size() && !row.wide.empty())
                    used[size_t(row.homeLane)] = true;
            }
            for (size_t l = 0; l < used.size(); ++l)
                any = any || (used[l] && int(l) != m_qteeLane);
            if (any)
                for (const auto &[t, l] : m_laneOfThread)
                    if (l >= 0 && m_shown[size_t(l)] && !used[size_t(l)]) {
                        m_shown[size_t(l)] = false;
                        m_idle.push_back(t);
                    }
        }
        // --lane with column names: drop the other columns.
        if (std::all_of(m_shown.begin(), m_shown.end(), [](bool b) { return b; }))
            return;
        std::vector<int> map(m_lanes.size(), -1);
        std::vector<std::string> lanes;
        for (size_t l = 0; l < m_lanes.size(); ++l)
            if (m_shown[l]) {
                map[l] = int(lanes.size());
                lanes.push_back(m_lanes[l]);
            }
        for (Row &row : m_rows) {
            // The engine's notes on a step of a column left out go with it
            // when nothing of the step is shown (a supplicant's spurious
            // wake-up under --lane qcomtee_wq; a note on QTEE's callback
            // stays with --lane QTEE); violations, gaps, kills and
            // reviewer notes stay.
            bool printed = false; // something of the step in a shown column
            for (size_t l = 0; l < row.cells.size() && !printed; ++l)
                printed = m_shown[l] && !row.cells[l].empty();
            if (row.homeLane >= 0 && !m_shown[size_t(row.homeLane)] && !printed)
                std::erase_if(row.wide,
                              [](const std::string &w) { return w.rfind("-- note: ", 0) == 0; });
            std::erase_if(row.states, [&](const std::pair<int, ReqState> &st) {
                const size_t l = size_t(st.first);
                return l >= row.cells.size() || !m_shown[l] || row.cells[l].empty();
            });
            std::vector<std::vector<std::string>> cells;
            for (size_t l = 0; l < row.cells.size(); ++l)
                if (m_shown[l])
                    cells.push_back(std::move(row.cells[l]));
            row.cells = std::move(cells);
            row.homeLane = row.homeLane >= 0 ? map[size_t(row.homeLane)] : -1;
        }
        for (auto &[t, l] : m_laneOfThread)
            l = map[size_t(l)];
        m_qteeLane = map[size_t(m_qteeLane)];
        if (m_workerLane >= 0)
            m_workerLane = map[size_t(m_workerLane)];
        m_lanes = std::move(lanes);
        m_shown.assign(m_lanes.size(), true);
    }

    // The left column: the step and its time ("  12  8.45").
    size_t stepDigits() const { return std::max<size_t>(4, std::to_string(m_ix.steps()).size()); }
    size_t timeWidth() const
    {
        size_t w = 2;
        for (uint64_t k = 1; k < m_rows.size(); ++k)
            if (kept(k))
                w = std::max(w, timeText(k).size());
        return w;
    }

    // The narrowest a lane can be: its longest word (and a bit of its name).
    size_t minWidthOf(size_t l) const
    {
        size_t longest = std::min<size_t>(ascii(m_lanes[l]).size(), 10);
        for (const Row &row : m_rows)
            for (const std::string &phrase : wrap(row.cells[l], kMaxWidth)) {
                size_t word = 0;
                for (char c : joinPairs(phrase)) {
                    word = c == ' ' ? 0 : word + 1;
                    longest = std::max(longest, word);
                }
            }
        return std::clamp(longest, kMinLane, kMaxMinLane);
    }

    // Threads are packed into blocks that fit the width, each block with a
    // QTEE column of its own threads' messages next to them (review: a
    // thread's calls and QTEE's answers side by side). Blocks never split
    // the lanes of one group; layout() keeps them.
    void qteePerBlock()
    {
        if (m_qteeLane < 0)
            return;
        const size_t q = size_t(m_qteeLane);
        const size_t left = stepDigits() + 1 + timeWidth();
        const size_t qteeMin = minWidthOf(q);
        std::vector<std::vector<size_t>> groups;
        size_t used = 0;
        for (size_t l = 0; l < m_lanes.size(); ++l) {
            if (l == q)
                continue;
            const size_t w = 3 + minWidthOf(l);
            if (groups.empty() || used + w > kMaxWidth) {
                groups.emplace_back();
                used = left + 3 + qteeMin;
            }
            groups.back().push_back(l);
            used += w;
        }
        if (groups.empty()) // --lane QTEE alone: one block of QTEE's column
            groups.emplace_back();
        std::map<int32_t, size_t> groupOfThread;
        for (size_t g = 0; g < groups.size(); ++g)
            for (size_t l : groups[g])
                for (const auto &[t, lane] : m_laneOfThread)
                    if (lane == int(l))
                        groupOfThread[t] = g;
        // New lanes: each group's lanes, then its QTEE column (when it has
        // something to say).
        std::vector<std::string> lanes;
        std::vector<std::pair<size_t, int>> source; // (old lane, group for QTEE copies; -1)
        m_groupStart.clear();
        for (size_t g = 0; g < groups.size(); ++g) {
            m_groupStart.insert(lanes.size());
            for (size_t l : groups[g]) {
                source.emplace_back(l, -1);
                lanes.push_back(m_lanes[l]);
            }
            bool any = false;
            for (const Row &row : m_rows)
                for (size_t i = 0; i < row.qteeOwner.size() && !any; ++i) {
                    auto it = groupOfThread.find(row.qteeOwner[i]);
                    any = it != groupOfThread.end() ? it->second == g : g == 0;
                }
            if (any) {
                source.emplace_back(q, int(g));
                lanes.push_back(m_lanes[q]);
            }
        }
        std::vector<int> map(m_lanes.size(), -1);
        for (size_t n = 0; n < source.size(); ++n)
            if (source[n].second < 0)
                map[source[n].first] = int(n);
        for (Row &row : m_rows) {
            std::vector<std::vector<std::string>> cells(source.size());
            for (size_t n = 0; n < source.size(); ++n) {
                const auto [old, g] = source[n];
                if (g < 0) {
                    cells[n] = std::move(row.cells[old]);
                    continue;
                }
                for (size_t i = 0; i < row.qteeOwner.size() && i < row.cells[q].size(); ++i) {
                    auto it = groupOfThread.find(row.qteeOwner[i]);
                    const bool mine = it != groupOfThread.end() ? it->second == size_t(g) : g == 0;
                    if (mine)
                        cells[n].push_back(row.cells[q][i]);
                }
            }
            row.cells = std::move(cells);
            row.homeLane = row.homeLane >= 0 ? map[size_t(row.homeLane)] : -1;
        }
        for (auto &[t, l] : m_laneOfThread)
            l = l >= 0 ? map[size_t(l)] : -1;
        if (m_workerLane >= 0)
            m_workerLane = map[size_t(m_workerLane)];
        m_qteeLane = -1;
        m_lanes = std::move(lanes);
        m_shown.assign(m_lanes.size(), true);
        m_qteeCopy.assign(m_lanes.size(), 0);
        for (size_t n = 0; n < source.size(); ++n)
            m_qteeCopy[n] = source[n].second >= 0;
    }

    void header(std::string &out) const
    {
        const Scenario &sc = m_sim.scenario();
        auto para = [&out, this](const std::string &text, const std::string &indent) {
            for (const std::string &l : wrap({text}, kMaxWidth - indent.size()))
                out += indent + l + "\n";
        };
        para("teescope timeline: " + sc.name, "");
        if (!sc.title.empty())
            para(sc.title, "  ");
        if (const std::string d = leadSentence(sc.description); !d.empty())
            para(d, "  ");
        para("variant: " + m_sim.engine().variant().toString(), "");
        const Policy policy = m_opts ? m_opts->policy : sc.policy;
        const uint64_t seed = m_opts ? m_opts->seed : sc.seed;
        std::string run =
            "policy: " + std::string(policyName(policy)) + ", seed " + std::to_string(seed);
        run += "; " + stepsText(m_ix.steps()) + "; stop: " + stopReasonName(m_trace.stop);
        para(run, "");
        para(std::string("model: ") + vocab::modelledDriver() + " (" + vocab::specReference() +
                 "); teescope " + TEESCOPE_VERSION + ", model version " +
                 std::to_string(kModelVersion),
             "");
        if (m_range.notes)
            for (const Note &n : *m_range.notes)
                if (n.step == 0)
                    para("## note" + (n.entity.empty() ? "" : " on " + n.entity) +
                             " (before step 1): " + n.text,
                         "");
        const bool cut = m_range.from > 1 || m_range.to < m_ix.steps() || !m_range.lanes.empty();
        if (cut) {
            std::string shown = "shown: steps " + std::to_string(m_range.from) + "-" +
                                std::to_string(std::min<uint64_t>(m_range.to, m_ix.steps()));
            for (size_t i = 0; i < m_range.lanes.size(); ++i)
                shown += (i == 0 ? "; lanes " : ", ") + m_range.lanes[i];
            para(shown, "");
        }
        if (!m_idle.empty()) {
            std::string idle = cut ? "took no step in the shown steps (no column): "
                                   : "took no step (no column): ";
            for (size_t i = 0; i < m_idle.size(); ++i)
                idle += (i ? ", " : "") + m_ix.name(ThreadId(m_idle[i]));
            para(idle, "");
        }
        // Every shown thread's state when the range starts, from the model.
        if (m_range.from > 1) {
            const Timeline &tl = m_ix.timeline();
            for (const auto &[t, l] : m_laneOfThread) {
                const bool idle = std::find(m_idle.begin(), m_idle.end(), t) != m_idle.end();
                if (!idle && (l < 0 || !m_shown[size_t(l)]))
                    continue;
                const uint32_t lane = tl.laneOf({LaneKind::Thread, t});
                const uint32_t iv =
                    lane == kNone ? kNone : tl.intervalAfter(lane, m_range.from - 1);
                std::string state = "in user space";
                if (iv != kNone) {
                    const ThreadSpan ts = tl.intervals()[iv].thread();
                    switch (ts.state) {
                    case ThreadState::Running:
                        break;
                    case ThreadState::InKernel:
                        state = ts.syscall == SyscallKind::None
                                    ? std::string("in the kernel")
                                    : "in " + vocab::syscall(ts.syscall);
                        break;
                    case ThreadState::Blocked:
                        state = ts.reason == BlockReason::UserWait
                                    ? "waits in user space for " +
                                          vocab::userWaitWhat(m_sim, ThreadId(t), ts.waitStep)
                                : ts.reason == BlockReason::Lock
                                    ? "waits for reqs_lock of " + vocab::ctx(ts.ctx) +
                                          (ts.peer.valid() ? " held by " + m_ix.name(ts.peer)
                                                           : std::string())
                                    : "waits on " + vocab::wait(ts.reason) +
                                          (ts.request.valid() ? " for " + vocab::request(ts.request)
                                                              : std::string());
                        break;
                    case ThreadState::Exited:
                        state = "has exited";
                        break;
                    case ThreadState::Idle:
                        state = "is idle";
                        break;
                    }
                    if (ts.killed && ts.state != ThreadState::Exited)
                        state += " (killed)";
                }
                para("before step " + std::to_string(m_range.from) + ": " + m_ix.name(ThreadId(t)) +
                         " " + state,
                     "  ");
            }
        }
    }

    static std::vector<std::string> laneName(const std::string &name, size_t width)
    {
        std::string spaced;
        for (char c : ascii(name)) {
            spaced += c;
            if (c == '/')
                spaced += ' ';
        }
        std::vector<std::string> out = wrap({spaced}, width);
        for (std::string &l : out) {
            size_t at;
            while ((at = l.find("/ ")) != std::string::npos)
                l.erase(at + 1, 1);
        }
        return out;
    }

    // Lane widths: each lane gets at least its longest word (so "req0
    // QUEUED>PROCESSING" is never cut mid-word), lanes are packed into blocks
    // that fit 80 columns, and the room left in a block goes to the lanes
    // with the most text.
    struct Block
    {
        size_t first = 0, last = 0;
        std::vector<size_t> width;
    };
    std::vector<Block> layout(size_t stepWidth) const
    {
        const size_t n = m_lanes.size();
        std::vector<size_t> minWidth(n), volume(n, 1);
        for (size_t l = 0; l < n; ++l) {
            size_t longest = std::min<size_t>(ascii(m_lanes[l]).size(), 10);
            for (const Row &row : m_rows)
                for (const std::string &phrase : wrap(row.cells[l], kMaxWidth)) {
                    volume[l] += phrase.size();
                    size_t word = 0;
                    for (char c : joinPairs(phrase)) {
                        word = c == ' ' ? 0 : word + 1;
                        longest = std::max(longest, word);
                    }
                }
            minWidth[l] = std::clamp(longest, kMinLane, kMaxMinLane);
        }
        std::vector<Block> blocks;
        size_t used = stepWidth;
        for (size_t l = 0; l < n; ++l) {
            if (blocks.empty() || used + 3 + minWidth[l] > kMaxWidth ||
                (l > 0 && m_groupStart.count(l))) {
                blocks.push_back(Block{l, l, {}});
                used = stepWidth;
            }
            blocks.back().last = l + 1;
            used += 3 + minWidth[l];
        }
        // Hand out the remaining columns one at a time: to the lane whose
        // widening saves the most table lines (each row is as tall as its
        // tallest cell), or else to the lane with the most text per column.
        // Counting lines means wrapping every cell at every width; past a
        // few thousand rows only the cheap heuristic is used.
        const bool exact = m_rows.size() <= kExactLayoutRows;
        for (Block &b : blocks) {
            size_t taken = stepWidth;
            for (size_t l = b.first; l < b.last; ++l) {
                taken += 3 + minWidth[l];
                b.width.push_back(minWidth[l]);
            }
            const size_t lanes = b.width.size();
            std::map<std::pair<size_t, size_t>, std::vector<uint16_t>> cache; // (lane, width)
            auto linesAt = [&](size_t i, size_t w) -> const std::vector<uint16_t> & {
                auto it = cache.find({i, w});
                if (it != cache.end())
                    return it->second;
                std::vector<uint16_t> v(m_rows.size(), 0);
                for (size_t r = 0; r < m_rows.size(); ++r)
                    if (!m_rows[r].cells[b.first + i].empty())
                        v[r] = uint16_t(
                            std::min<size_t>(wrap(m_rows[r].cells[b.first + i], w).size(), 65535));
                return cache.emplace(std::make_pair(i, w), std::move(v)).first->second;
            };
            std::vector<const std::vector<uint16_t> *> at(lanes);
            auto height = [&](size_t widened) {
                // each lane's line counts at its width, looked up once (not
                // once per row: that made a 3,000-row layout take seconds
                // under ASan)
                for (size_t i = 0; i < lanes; ++i)
                    at[i] = &linesAt(i, b.width[i] + (i == widened ? 1 : 0));
                size_t h = 0;
                for (size_t r = 0; r < m_rows.size(); ++r) {
                    size_t row = 0;
                    for (size_t i = 0; i < lanes; ++i)
                        row = std::max<size_t>(row, (*at[i])[r]);
                    h += row;
                }
                return h;
            };
            for (size_t spare = kMaxWidth > taken ? kMaxWidth - taken : 0; spare > 0; --spare) {
                size_t best = lanes;
                if (exact) {
                    size_t bestHeight = height(lanes);
                    for (size_t i = 0; i < lanes; ++i) {
                        if (b.width[i] >= kMaxLane)
                            continue;
                        const size_t h = height(i);
                        if (h < bestHeight) {
                            best = i;
                            bestHeight = h;
                        }
                    }
                }
                if (best == lanes) {
                    double pressure = 0;
                    for (size_t i = 0; i < lanes; ++i) {
                        if (b.width[i] >= kMaxLane)
                            continue;
                        const double p = double(volume[b.first + i]) / double(b.width[i]);
                        if (best == lanes || p > pressure) {
                            best = i;
                            pressure = p;
                        }
                    }
                }
                if (best == lanes)
                    break;
                ++b.width[best];
            }
        }
        return blocks;
    }

    // Simulated time at the end of a step on its own thread's clock, in us.
    std::string timeText(uint64_t k) const
    {
        const int64_t ns = m_ix.stepEnd(k);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(ns / 1000),
                      static_cast<long long>((ns % 1000) / 10));
        return buf;
    }

    bool kept(uint64_t k) const
    {
        if (k < m_range.from || k > m_range.to)
            return false;
        // (with named columns too, a step that does not touch the entities
        // shows what it did in those columns, and is left out when nothing)
        return m_entities.empty() || m_columnsNamed || (k < m_touches.size() && m_touches[k]);
    }

    // Two rows that differ only in their step and time (a supplicant
    // looping on an empty queue, each pass with the same note) are printed
    // once with their count.
    static bool alike(const Row &a, const Row &b)
    {
        return a.cells == b.cells && a.wide == b.wide && a.homeLane == b.homeLane;
    }

    void body(std::string &out) const
    {
        const size_t stepDigits = this->stepDigits();
        const size_t timeWidth = this->timeWidth();
        // The step and its time form the left column: "  12  8.45 | ...".
        const size_t stepWidth = stepDigits + 1 + timeWidth;
        const std::vector<Block> blocks = layout(stepWidth);
        // Once for every block (a run of thousands of threads has hundreds
        // of blocks): the lanes with something in the shown steps, where the
        // full-width lines go, and which rows repeat the next one.
        std::vector<char> laneUsed(m_lanes.size(), 0);
        std::vector<char> wideHome(m_lanes.size() + 1, 0); // [lanes]: no home lane
        std::vector<char> sameAsNext(m_rows.size(), 0);
        for (uint64_t k = 1; k < m_rows.size(); ++k) {
            if (!kept(k))
                continue;
            const Row &row = m_rows[k];
            for (size_t l = 0; l < row.cells.size() && l < laneUsed.size(); ++l)
                laneUsed[l] |= !row.cells[l].empty();
            if (!row.wide.empty() && row.homeLane < int(m_lanes.size()))
                wideHome[row.homeLane < 0 ? m_lanes.size() : size_t(row.homeLane)] = 1;
            sameAsNext[k] = k + 1 < m_rows.size() && kept(k + 1) && alike(row, m_rows[k + 1]);
        }
        // The blocks with something in the shown steps; the others are left
        // out, and the "block i/n" count is of the shown ones.
        std::vector<size_t> shownBlocks;
        for (size_t b = 0; b < blocks.size(); ++b) {
            bool any = b == 0 && wideHome[m_lanes.size()];
            for (size_t l = blocks[b].first; l < blocks[b].last && !any; ++l)
                any = laneUsed[l] || wideHome[l];
            if (any)
                shownBlocks.push_back(b);
        }
        // Lanes are numbered without the QTEE column each block repeats:
        // "lanes 4-6 of 11, with QTEE".
        std::vector<size_t> ordinal(m_lanes.size() + 1,
                                    0); // lanes before l that are not QTEE copies
        for (size_t l = 0; l < m_lanes.size(); ++l)
            ordinal[l + 1] = ordinal[l] + (l < m_qteeCopy.size() && m_qteeCopy[l] ? 0 : 1);
        for (size_t shownIndex = 0; shownIndex < shownBlocks.size(); ++shownIndex) {
            const size_t b = shownBlocks[shownIndex];
            const size_t first = blocks[b].first;
            const size_t last = blocks[b].last;
            out += "\n";
            if (shownBlocks.size() > 1) {
                bool withQtee = false;
                for (size_t l = first; l < last; ++l)
                    withQtee |= l < m_qteeCopy.size() && m_qteeCopy[l];
                const size_t from = ordinal[first] + 1, to = ordinal[last];
                out += (to > from ? "lanes " : "lane ") + std::to_string(from) +
                       (to > from ? "-" + std::to_string(to) : std::string()) + " of " +
                       std::to_string(ordinal[m_lanes.size()]) + (withQtee ? ", with QTEE" : "") +
                       " (block " + std::to_string(shownIndex + 1) + "/" +
                       std::to_string(shownBlocks.size()) + ")\n";
            }
            // Lane names wrap after their '/' rather than being cut:
            // "first_process_with_a_long_name/" over "alpha".
            std::vector<std::vector<std::string>> names;
            size_t headHeight = 1;
            std::string rule(stepWidth, '-');
            for (size_t l = first; l < last; ++l) {
                const size_t width = blocks[b].width[l - first];
                names.push_back(laneName(m_lanes[l], width));
                headHeight = std::max(headHeight, names.back().size());
                rule += "-+-" + std::string(width, '-');
            }
            for (size_t i = 0; i < headHeight; ++i) {
                std::string head = i == 0
                                       ? pad("step", stepDigits) + " " + rightAlign("us", timeWidth)
                                       : std::string(stepWidth, ' ');
                for (size_t l = first; l < last; ++l) {
                    const auto &n = names[l - first];
                    head += " | " +
                            pad(i < n.size() ? n[i] : std::string(), blocks[b].width[l - first]);
                }
                out += rstrip(head) + "\n";
            }
            out += rule + "\n";
            for (uint64_t k = 1; k < m_rows.size(); ++k) {
                if (!kept(k))
                    continue;
                const Row &row = m_rows[k];
                uint64_t same = k;
                while (sameAsNext[same])
                    ++same;
                std::vector<std::vector<std::string>> cells;
                size_t height = 0;
                for (size_t l = first; l < last; ++l) {
                    cells.push_back(wrap(row.cells[l], blocks[b].width[l - first]));
                    height = std::max(height, cells.back().size());
                }
                // Violations, gaps and notes go with the acting thread's block.
                const bool home = row.homeLane >= int(first) && row.homeLane < int(last);
                const bool wideHere = !row.wide.empty() && (home || (row.homeLane < 0 && b == 0));
                if (height == 0 && !wideHere)
                    continue;
                for (size_t i = 0; i < std::max<size_t>(height, 1); ++i) {
                    std::string line = i == 0 ? rightAlign(std::to_string(k), stepDigits) + " " +
                                                    rightAlign(timeText(k), timeWidth)
                                              : std::string(stepWidth, ' ');
                    for (size_t c = 0; c < cells.size(); ++c)
                        line += " | " + pad(i < cells[c].size() ? cells[c][i] : std::string(),
                                            blocks[b].width[c]);
                    out += rstrip(line) + "\n";
                }
                if (wideHere) {
                    const std::string indent(stepWidth + 1, ' ');
                    for (const std::string &w : row.wide)
                        for (const std::string &l : wrap({w}, kMaxWidth - indent.size()))
                            out += indent + l + "\n";
                }
                if (same > k && (height > 0 || wideHere)) {
                    out += std::string(stepWidth + 1, ' ') + "x" + std::to_string(same - k + 1) +
                           ", steps " + std::to_string(k) + "-" + std::to_string(same) + "\n";
                }
                k = same;
            }
        }
    }

    // What each kind of step shown models in the driver, once per kind.
    void legend(std::string &out) const
    {
        std::vector<vocab::Verb> seen;
        for (uint64_t k = 1; k <= m_trace.spans.size() && k < m_rows.size(); ++k) {
            // the steps printed: kept, with something in a shown column
            const Row &row = m_rows[k];
            if (!kept(k) ||
                (row.wide.empty() && std::all_of(row.cells.begin(), row.cells.end(),
                                                 [](const auto &c) { return c.empty(); })))
                continue;
            const vocab::Verb v = m_trace.spans[k - 1].verb;
            if (*vocab::driverRef(v).function &&
                std::find(seen.begin(), seen.end(), v) == seen.end())
                seen.push_back(v);
        }
        std::sort(seen.begin(), seen.end());
        // The request states the cells printed name ("QUEUED>PROCESSING").
        std::vector<ReqState> states;
        for (uint64_t k = 1; k < m_rows.size(); ++k)
            if (kept(k))
                for (const auto &[lane, r] : m_rows[k].states)
                    if (std::find(states.begin(), states.end(), r) == states.end())
                        states.push_back(r);
        std::sort(states.begin(), states.end());
        // The design this run models, value by value, and what no run shows.
        out += "\nvariant:\n";
        for (const char *name : Variant::kNames) {
            const std::string v = m_sim.engine().variant().value(name);
            for (const std::string &l :
                 wrap({std::string(name) + "=" + v + ": " + vocab::variantMeaning(name, v)},
                      kMaxWidth - 4))
                out += (l.rfind(name, 0) == 0 ? "  " : "    ") + l + "\n";
        }
        std::string left;
        for (const std::string &l : vocab::leftOut())
            left += (left.empty() ? "" : "; ") + l;
        for (const std::string &l : wrap({"not modelled: " + left}, kMaxWidth))
            out += l + "\n";
        std::vector<std::pair<std::string, std::string>> terms;
        for (const ReqState r : states)
            terms.emplace_back(vocab::reqState(r), vocab::reqStateMeaning(r));
        glossary(out, "request states (struct qcomtee_ureq, spec sec.2.5):", terms);
        terms.clear();
        for (const vocab::Verb v : seen) {
            std::string name = vocab::verbName(v);
            std::replace(name.begin(), name.end(), '_', ' ');
            terms.emplace_back(std::move(name), vocab::driverRefText(vocab::driverRef(v)));
        }
        glossary(out, "legend: the driver code each kind of step models", terms);
    }

    // A heading, then each term with its text wrapped beside it (nothing
    // without terms).
    void glossary(std::string &out, const char *heading,
                  const std::vector<std::pair<std::string, std::string>> &terms) const
    {
        if (terms.empty())
            return;
        out += std::string("\n") + heading + "\n";
        size_t width = 0;
        for (const auto &[term, text] : terms)
            width = std::max(width, term.size());
        const std::string indent(width + 4, ' ');
        for (const auto &[term, text] : terms) {
            const std::vector<std::string> lines = wrap({text}, kMaxWidth - indent.size());
            for (size_t i = 0; i < lines.size(); ++i)
                out += (i == 0 ? "  " + pad(term, width + 2) : indent) + lines[i] + "\n";
        }
    }

    void verdict(std::string &out) const
    {
        out += "\n";
        if (m_trace.stop == StopReason::Stuck || !m_trace.stopDetail.empty()) {
            for (const std::string &l :
                 wrap({std::string("stop: ") + stopReasonName(m_trace.stop) +
                       (m_trace.stopDetail.empty() ? "" : ": " + m_trace.stopDetail)},
                      kMaxWidth))
                out += l + "\n";
        }
        // First step of each violated invariant, in order of appearance.
        std::vector<std::pair<int, uint64_t>> first;
        for (const Event &e : m_trace.events) {
            if (e.kind != EventKind::Violation)
                continue;
            const bool seen = std::any_of(first.begin(), first.end(),
                                          [&](const auto &p) { return p.first == e.invariant; });
            if (!seen)
                first.emplace_back(e.invariant, e.step);
        }
        if (first.empty()) {
            out += "verdict: invariants held (" + stepsText(m_ix.steps()) + ")\n";
            return;
        }
        std::string line = "verdict: VIOLATED";
        for (size_t i = 0; i < first.size(); ++i) {
            const std::string item = std::string(i == 0 ? " " : ", ") + "I" +
                                     std::to_string(first[i].first) + " (step " +
                                     std::to_string(first[i].second) + ")";
            const std::string more = ", +" + std::to_string(first.size() - i) + " more";
            if (line.size() + item.size() + (i + 1 < first.size() ? more.size() : 0) > kMaxWidth) {
                line += more;
                break;
            }
            line += item;
        }
        out += line + "\n";
    }

    const Simulator &m_sim;
    const Trace &m_trace;
    const RunOptions *m_opts;
    ExportOptions m_range;
    const size_t kMaxWidth;
    TraceIndex m_ix;
    std::vector<bool> m_shown;        // per lane: shown (--lane)
    std::set<std::string> m_entities; // --lane names of contexts, objects, requests
    std::vector<bool> m_touches;      // per step: touches one of m_entities
    bool m_columnsNamed = false;      // --lane named a thread, QTEE or qcomtee_wq column
    std::vector<std::string> m_lanes;
    std::map<int32_t, int> m_laneOfThread;
    std::vector<int32_t> m_idle; // threads whose column was left out: nothing in the shown steps
    int m_qteeLane = 0;
    std::set<size_t> m_groupStart; // lanes that start a block (qteePerBlock)
    std::vector<char> m_qteeCopy;  // per lane: a block's QTEE column (qteePerBlock)
    int m_workerLane = -1;
    std::vector<Row> m_rows;
    std::set<int32_t> m_notif; // RequestId of RELEASE notifications
    std::set<int32_t> m_named; // notifications already introduced
};

} // namespace

std::string textTimeline(const Simulator &sim, const Trace &trace)
{
    return TimelineWriter(sim, trace, ExportOptions{}).write();
}

std::string textTimeline(const Simulator &sim, const Trace &trace, const RunOptions &opts)
{
    ExportOptions o;
    o.run = &opts;
    return TimelineWriter(sim, trace, o).write();
}

std::string textTimeline(const Simulator &sim, const Trace &trace, const ExportOptions &o)
{
    return TimelineWriter(sim, trace, o).write();
}

std::vector<std::string> laneNames(const Simulator &sim, const Trace &trace)
{
    // The timeline model's lanes, by the vocabulary's names, and the
    // release worker's (its thread lane and its work items share it).
    const Timeline tl = buildTimeline(sim, trace);
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto add = [&](std::string n) {
        if (seen.insert(n).second)
            out.push_back(std::move(n));
    };
    const int32_t threads = sim.scenario().threadCount() + 1; // + the release worker
    for (int32_t t = 0; t < threads; ++t)
        add(sim.threadName(ThreadId(t)));
    add("QTEE");
    for (const Lane &l : tl.lanes())
        add(laneName(sim, l.key));
    return out;
}

std::string checkFromStep(uint64_t from, uint64_t steps)
{
    if (from >= 1 && from <= std::max<uint64_t>(steps, 1))
        return {};
    return "--from: step " + std::to_string(from) + " is not in the run (" +
           (steps ? "steps 1.." + std::to_string(steps) : std::string("it has no steps")) + ")";
}

std::string checkExportOptions(const Simulator &sim, const Trace &trace, const ExportOptions &o)
{
    if (std::string e = checkFromStep(o.from, trace.schedule.size()); !e.empty())
        return e;
    if (o.to < o.from)
        return "--to: step " + std::to_string(o.to) + " comes before --from " +
               std::to_string(o.from);
    if (o.width < kMinTextWidth || o.width > kMaxTextWidth)
        return "--width: " + std::to_string(o.width) + " is not from " +
               std::to_string(kMinTextWidth) + " to " + std::to_string(kMaxTextWidth);
    const std::vector<std::string> names = laneNames(sim, trace);
    for (const std::string &l : o.lanes)
        if (std::find(names.begin(), names.end(), l) == names.end())
            return "--lane: no lane " + quotedText(l) + " in this run" + didYouMean(l, names) +
                   " (threads, QTEE, qcomtee_wq, ctxN, reqs_lock ctxN, objN, req#N)";
    return {};
}

} // namespace tee::sim
