#include "simulator/exports.h"

#include "core/text.h"
#include "core/vocabulary.h"
#include "simulator/jsonwriter.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

namespace tee::sim {

namespace {

// ---------------------------------------------------------------------------
// Shared helpers: who is who in a trace.

std::string hexId(uint32_t v)
{
    return json::hex32(v);
}

std::string errnoText(int32_t e)
{
    return signedErrnoName(e);
}

bool isRelease(uint32_t op)
{
    return op == QCOMTEE_MSG_OBJECT_OP_RELEASE;
}

// Thread names, the release worker and the acting thread of every step.
class TraceIndex
{
public:
    TraceIndex(const Simulator &sim, const Trace &trace)
        : m_sim(sim)
        , m_trace(trace)
    {
        int32_t n = int32_t(trace.final.threads.size());
        n = std::max(n, sim.scenario().threadCount() + 1); // + the release worker
        for (const Event &e : trace.events)
            n = std::max(n, e.thread.v + 1);
        m_threadCount = n;
        for (int32_t i = 0; i < n; ++i) {
            m_names.push_back(sim.threadName(ThreadId(i)));
        }
        // The engine keeps the release worker as the last thread.
        m_worker = ThreadId(n - 1);
        if (!trace.final.threads.empty() && !trace.final.threads.back().worker)
            m_worker = ThreadId();

        // Steps are numbered from 1 (Engine::apply increments before it
        // emits); schedule[k - 1] is the label of step k. Every event of a
        // step carries the time at the end of that step.
        m_steps = trace.schedule.size();
        for (const Event &e : trace.events)
            m_steps = std::max<uint64_t>(m_steps, e.step);
        m_stepStart.assign(m_steps + 1, 0);
        m_stepEnd.assign(m_steps + 1, -1);
        m_stepEnd[0] = 0;
        for (const Event &e : trace.events) {
            if (e.step <= m_steps)
                m_stepEnd[e.step] = e.tNs;
        }
        // A step without events (user-space compute) has no recorded time:
        // it keeps the previous step's end, so it shows as an instant.
        for (uint64_t k = 1; k <= m_steps; ++k) {
            if (m_stepEnd[k] < 0)
                m_stepEnd[k] = m_stepEnd[k - 1];
        }
        for (uint64_t k = 1; k <= m_steps; ++k)
            m_stepStart[k] = m_stepEnd[k - 1];
        // Per-thread time: the run knows each step's own span, including
        // steps without events.
        if (trace.spans.size() == m_steps) {
            for (uint64_t k = 1; k <= m_steps; ++k) {
                m_stepStart[k] = trace.spans[k - 1].startNs;
                m_stepEnd[k] = trace.spans[k - 1].endNs;
            }
        }
        m_actor.assign(m_steps + 1, ThreadId());
        m_kill.assign(m_steps + 1, false);
        if (trace.spans.size() == m_steps) {
            for (uint64_t k = 1; k <= m_steps; ++k) {
                m_actor[k] = trace.spans[k - 1].actor;
                m_kill[k] = trace.spans[k - 1].verb == vocab::Verb::Kill;
            }
        } else {
            // A capture without spans (model versions 1 and 2): the events'
            // actor, else the thread they concern; a step with a Killed
            // event and no actor is a scenario kill.
            for (const Event &e : trace.events) {
                if (e.step > m_steps)
                    continue;
                if (e.kind == EventKind::Killed && !e.actor.valid())
                    m_kill[e.step] = true;
                if (!m_actor[e.step].valid() && !m_kill[e.step])
                    m_actor[e.step] = e.actor.valid() ? e.actor : e.thread;
            }
        }
    }

    int32_t threadCount() const { return m_threadCount; }
    ThreadId worker() const { return m_worker; }
    const std::string &name(ThreadId t) const
    {
        static const std::string none = "?";
        return t.valid() && t.v < m_threadCount ? m_names[size_t(t.v)] : none;
    }
    uint64_t steps() const { return m_steps; }
    int64_t stepStart(uint64_t k) const { return k == 0 ? 0 : m_stepStart[std::min(k, m_steps)]; }
    int64_t stepEnd(uint64_t k) const { return m_stepEnd[std::min(k, m_steps)]; }
    int64_t endTime() const
    {
        int64_t end = 0;
        for (const int64_t e : m_stepEnd)
            end = std::max(end, e);
        return end;
    }
    ThreadId actor(uint64_t k) const { return k <= m_steps ? m_actor[k] : ThreadId(); }
    std::string label(uint64_t k) const
    {
        return k >= 1 && k - 1 < m_trace.schedule.size() ? m_trace.schedule[k - 1] : std::string();
    }
    bool isKillStep(uint64_t k) const { return k <= m_steps && m_kill[k]; }
    // The label without its "P1/T1: " prefix.
    std::string action(uint64_t k) const
    {
        std::string l = label(k);
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
        if (t.valid() && size_t(t.v) < m_trace.final.threads.size())
            return m_trace.final.threads[size_t(t.v)].process;
        const auto owner = m_sim.scenario().threadOwner(t.v);
        return ProcessId(owner.first);
    }

private:
    const Simulator &m_sim;
    const Trace &m_trace;
    int32_t m_threadCount = 0;
    std::vector<std::string> m_names;
    ThreadId m_worker;
    uint64_t m_steps = 0;
    std::vector<int64_t> m_stepStart;
    std::vector<int64_t> m_stepEnd;
    std::vector<ThreadId> m_actor;
    std::vector<bool> m_kill;
};

std::string blockText(int32_t v)
{
    if (v >= 0 && v < 256 && std::string(blockReasonName(BlockReason(v))) != "?")
        return blockReasonName(BlockReason(v));
    return "reason " + std::to_string(v);
}

std::string objectText(const Event &e)
{
    std::string s = std::string(objectTypeName(e.objectType));
    switch (e.objectType) {
    case ObjectType::TEE:
        s += " " + hexId(e.qteeId);
        break;
    case ObjectType::User:
        s += " id " + std::to_string(e.userObjectId);
        break;
    case ObjectType::Mem:
        s += " shm " + std::to_string(e.userObjectId);
        break;
    }
    if (e.ctx.valid())
        s += " ctx " + std::to_string(e.ctx.v);
    return s;
}

std::string qteeTarget(uint32_t id)
{
    if (id == QCOMTEE_MSG_OBJECT_ROOT)
        return "ROOT";
    if (id == QCOMTEE_MSG_OBJECT_NULL)
        return "NULL";
    return hexId(id);
}

std::string opText(uint32_t op)
{
    if (op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
        return "op RELEASE";
    if (op == QCOMTEE_MSG_OBJECT_OP_RETAIN)
        return "op RETAIN";
    return "op " + std::to_string(op);
}

// ROOT op 32 is the simulator's open-service shortcut (scenario.h), which a
// reviewer would not recognise by number.
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
// Chrome Trace Event Format.

namespace {

constexpr int kPidThreads = 1;
constexpr int kPidRequests = 2;
constexpr int kPidObjects = 3;
// Object async ids live in their own range so no importer can confuse them
// with request ids, whatever it keys async tracks by.
constexpr int64_t kObjectIdBase = 1000000;

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
    ChromeWriter(const Simulator &sim, const Trace &trace)
        : m_sim(sim)
        , m_trace(trace)
        , m_ix(sim, trace)
    {}

    std::string write()
    {
        metadata();
        threadSlices();
        asyncAndInstants();
        std::string out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
        for (size_t i = 0; i < m_out.size(); ++i) {
            out += m_out[i];
            out += i + 1 < m_out.size() ? ",\n" : "\n";
        }
        out += "]}\n";
        return out;
    }

private:
    int tidOf(ThreadId t) const { return t.v + 1; }
    int qteeTid() const { return m_ix.threadCount() + 1; }

    void metadata()
    {
        auto meta = [this](int pid, int tid, const char *what, const std::string &key,
                           const std::string &nameOrIndex, bool isNumber) {
            json::Object o;
            o.str("ph", "M").num("pid", pid);
            if (tid >= 0)
                o.num("tid", tid);
            o.str("name", what);
            json::Object a;
            if (isNumber)
                a.raw(key, nameOrIndex);
            else
                a.str(key, nameOrIndex);
            o.raw("args", a.str());
            m_out.push_back(o.str());
        };
        meta(kPidThreads, -1, "process_name", "name", "kernel threads", false);
        meta(kPidThreads, -1, "process_sort_index", "sort_index", "1", true);
        meta(kPidRequests, -1, "process_name", "name", "requests", false);
        meta(kPidRequests, -1, "process_sort_index", "sort_index", "2", true);
        meta(kPidObjects, -1, "process_name", "name", "objects", false);
        meta(kPidObjects, -1, "process_sort_index", "sort_index", "3", true);
        // User threads first, then QTEE, then the release worker.
        int sortIndex = 0;
        for (int32_t i = 0; i < m_ix.threadCount(); ++i) {
            if (ThreadId(i) == m_ix.worker())
                continue;
            meta(kPidThreads, tidOf(ThreadId(i)), "thread_name", "name", m_ix.name(ThreadId(i)),
                 false);
            meta(kPidThreads, tidOf(ThreadId(i)), "thread_sort_index", "sort_index",
                 std::to_string(++sortIndex), true);
        }
        meta(kPidThreads, qteeTid(), "thread_name", "name", "QTEE", false);
        meta(kPidThreads, qteeTid(), "thread_sort_index", "sort_index", std::to_string(++sortIndex),
             true);
        if (m_ix.worker().valid()) {
            meta(kPidThreads, tidOf(m_ix.worker()), "thread_name", "name", m_ix.name(m_ix.worker()),
                 false);
            meta(kPidThreads, tidOf(m_ix.worker()), "thread_sort_index", "sort_index",
                 std::to_string(++sortIndex), true);
        }
    }

    // Where a point event sits on its thread's track: inside the run slice of
    // the step that emitted it when that thread acted, so flow arrows bind to
    // that slice; at the end of the step otherwise.
    int64_t pointTime(const Event &e) const
    {
        if (e.thread.valid() && m_ix.actor(e.step) == e.thread)
            return m_ix.stepStart(e.step) + (m_ix.stepEnd(e.step) - m_ix.stepStart(e.step)) / 2;
        return e.tNs;
    }
    // Flow ends need a slice to bind to: the thread's own run slice.
    bool flowPoint(const Event &e) const
    {
        return e.thread.valid() && m_ix.actor(e.step) == e.thread;
    }

    void threadSlices()
    {
        std::vector<Slice> slices;
        struct Open
        {
            int64_t start = 0;
            std::string name;
            std::string args;
            bool open = false;
        };
        const size_t n = size_t(m_ix.threadCount());
        std::vector<Open> syscall(n), blocked(n);
        std::vector<std::map<int32_t, Open>> locks(n); // per context
        auto close = [&](std::vector<Open> &v, size_t t, int64_t end, const char *cat, int depth,
                         const std::string &extraArgs) {
            if (!v[t].open)
                return;
            Slice s;
            s.tid = tidOf(ThreadId(int32_t(t)));
            s.start = v[t].start;
            s.end = std::max(end, v[t].start);
            s.name = v[t].name;
            s.cat = cat;
            s.args = extraArgs.empty() ? v[t].args : extraArgs;
            s.depthHint = depth;
            slices.push_back(std::move(s));
            v[t].open = false;
        };

        // One run slice per step on the acting thread: who had the CPU.
        for (uint64_t k = 1; k <= m_ix.steps(); ++k) {
            const ThreadId a = m_ix.actor(k);
            if (!a.valid())
                continue;
            Slice s;
            s.tid = tidOf(a);
            s.start = m_ix.stepStart(k);
            s.end = m_ix.stepEnd(k);
            s.name = m_ix.action(k);
            s.cat = "step";
            json::Object args;
            args.unum("step", k);
            s.args = args.str();
            s.depthHint = 3;
            slices.push_back(std::move(s));
        }

        for (const Event &e : m_trace.events) {
            if (!e.thread.valid() || size_t(e.thread.v) >= n)
                continue;
            const size_t t = size_t(e.thread.v);
            const bool own = m_ix.actor(e.step) == e.thread;
            switch (e.kind) {
            case EventKind::SyscallEnter: {
                close(syscall, t, m_ix.stepStart(e.step), "syscall", 0, {});
                syscall[t] = {own ? m_ix.stepStart(e.step) : e.tNs,
                              vocab::syscall(SyscallKind(e.op)),
                              {},
                              true};
                break;
            }
            case EventKind::SyscallReturn: {
                json::Object args;
                args.str("errno", errnoText(e.errno_));
                if (e.value != 0)
                    args.num("ret", e.value);
                args.unum("return_step", e.step);
                close(blocked, t, e.tNs, "blocked", 1, {});
                close(syscall, t, e.tNs, "syscall", 0, args.str());
                break;
            }
            case EventKind::Blocked: {
                close(blocked, t, e.tNs, "blocked", 1, {});
                json::Object args;
                args.unum("step", e.step);
                if (e.request.valid())
                    args.num("request", e.request.v);
                std::string name = "blocked: " + blockText(e.value);
                if (e.value == int32_t(BlockReason::Lock)) {
                    name = "waits reqs_lock ctx " + std::to_string(e.ctx.v);
                    args.num("context", e.ctx.v);
                    if (e.peer.valid()) {
                        name += " (held by " + m_sim.threadName(e.peer) + ")";
                        args.str("holder", m_sim.threadName(e.peer));
                    }
                }
                blocked[t] = {e.tNs, name, args.str(), true};
                break;
            }
            case EventKind::Woken:
                // Woken in its own step: the wait ended when that step began.
                close(blocked, t, own ? m_ix.stepStart(e.step) : e.tNs, "blocked", 1, {});
                break;
            case EventKind::LockAcquire: {
                Open &l = locks[t][e.ctx.v];
                if (!l.open)
                    l = {e.tNs, "reqs_lock ctx " + std::to_string(e.ctx.v), {}, true};
                break;
            }
            case EventKind::LockRelease: {
                auto it = locks[t].find(e.ctx.v);
                if (it != locks[t].end() && it->second.open) {
                    // Taken and dropped in one step: no measurable hold.
                    if (e.tNs > it->second.start) {
                        Slice s;
                        s.tid = tidOf(e.thread);
                        s.start = it->second.start;
                        s.end = own ? m_ix.stepEnd(e.step) : e.tNs;
                        s.name = it->second.name;
                        s.cat = "lock";
                        s.depthHint = 2;
                        slices.push_back(std::move(s));
                    }
                    it->second.open = false;
                }
                break;
            }
            case EventKind::ThreadExit:
                close(blocked, t, e.tNs, "blocked", 1, {});
                close(syscall, t, e.tNs, "syscall", 0, {});
                break;
            default:
                break;
            }
        }
        // Still blocked (or inside a syscall) at the end: close at the last
        // timestamp so the slice shows how long it lasted.
        const int64_t end = m_ix.endTime();
        json::Object unfinished;
        unfinished.boolean("unfinished", true);
        for (size_t t = 0; t < n; ++t) {
            close(blocked, t, end, "blocked", 1, {});
            close(syscall, t, end, "syscall", 0, unfinished.str());
            for (auto &[c, l] : locks[t]) {
                (void)c;
                if (l.open && end > l.start) {
                    Slice s;
                    s.tid = tidOf(ThreadId(int32_t(t)));
                    s.start = l.start;
                    s.end = end;
                    s.name = l.name;
                    s.cat = "lock";
                    s.depthHint = 2;
                    slices.push_back(std::move(s));
                }
            }
        }

        // Proper nesting per track: sort parents first, then clip any slice
        // that would end after its enclosing one. Perfetto drops (and
        // chrome://tracing mis-draws) partially overlapping slices.
        std::sort(slices.begin(), slices.end(), [](const Slice &a, const Slice &b) {
            if (a.tid != b.tid)
                return a.tid < b.tid;
            if (a.start != b.start)
                return a.start < b.start;
            if (a.end != b.end)
                return a.end > b.end;
            return a.depthHint < b.depthHint;
        });
        std::vector<const Slice *> stack;
        int tid = -1;
        for (Slice &s : slices) {
            if (s.tid != tid) {
                stack.clear();
                tid = s.tid;
            }
            while (!stack.empty() && stack.back()->end <= s.start)
                stack.pop_back();
            if (!stack.empty() && s.end > stack.back()->end)
                s.end = stack.back()->end;
            stack.push_back(&s);
        }
        for (const Slice &s : slices) {
            json::Object o;
            o.str("ph", "X").str("cat", s.cat).str("name", s.name).num("pid", kPidThreads);
            o.num("tid", s.tid).raw("ts", json::microseconds(s.start));
            o.raw("dur", json::microseconds(s.end - s.start));
            if (!s.args.empty())
                o.raw("args", s.args);
            m_out.push_back(o.str());
        }
    }

    void instant(int pid, int tid, int64_t ts, const std::string &name, const char *cat,
                 const char *scope, const std::string &args = {})
    {
        json::Object o;
        o.str("ph", "i").str("cat", cat).str("name", name).num("pid", pid);
        if (tid >= 0)
            o.num("tid", tid);
        o.raw("ts", json::microseconds(ts)).str("s", scope);
        if (!args.empty())
            o.raw("args", args);
        m_out.push_back(o.str());
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
    }

    void flow(int64_t id, int tidFrom, int64_t tsFrom, int tidTo, int64_t tsTo,
              const std::string &name)
    {
        json::Object s;
        s.str("ph", "s").str("cat", "callback").str("name", name).num("id", id);
        s.num("pid", kPidThreads).num("tid", tidFrom).raw("ts", json::microseconds(tsFrom));
        m_out.push_back(s.str());
        json::Object f;
        f.str("ph", "f").str("bp", "e").str("cat", "callback").str("name", name).num("id", id);
        f.num("pid", kPidThreads).num("tid", tidTo).raw("ts", json::microseconds(tsTo));
        m_out.push_back(f.str());
    }

    void counter(int64_t ts, int32_t object, int32_t refcount)
    {
        json::Object o;
        json::Object args;
        args.num("refcount", refcount);
        o.str("ph", "C").str("name", "refcount obj " + std::to_string(object));
        o.num("pid", kPidObjects).num("tid", 0).raw("ts", json::microseconds(ts));
        o.raw("args", args.str());
        // Several changes within one step (a put and a get moving a
        // reference) show as the value at the end of the step.
        auto it = m_lastCounter.find(object);
        if (it != m_lastCounter.end() && it->second.first == ts) {
            m_out[it->second.second] = o.str();
            return;
        }
        m_lastCounter[object] = {ts, m_out.size()};
        m_out.push_back(o.str());
    }

    void asyncAndInstants()
    {
        struct ReqLife
        {
            std::string name;
            bool open = false;
            int64_t last = 0;
        };
        std::map<int32_t, ReqLife> reqs;
        std::map<int32_t, std::string> objs; // open object slices
        // Flow bookkeeping: the callback a thread received and has not yet
        // turned into a request, and each request's delivery point.
        struct Point
        {
            int tid = 0;
            int64_t ts = 0;
            uint32_t op = 0;
        };
        std::map<int32_t, Point> pendingCallback; // by thread
        std::map<int32_t, Point> callbackOf;      // by request
        std::map<int32_t, Point> deliveredAt;     // by request
        int64_t nextFlow = 1;

        // Requests: last event that names each one, so a request that is
        // freed without a REMOVED state still ends where its story ends.
        std::map<int32_t, int64_t> lastMention;
        for (const Event &e : m_trace.events)
            if (e.request.valid())
                lastMention[e.request.v] = e.tNs;
        std::set<int32_t> liveAtEnd;
        for (const Request &r : m_trace.final.requests)
            liveAtEnd.insert(r.id.v);

        for (const Event &e : m_trace.events) {
            const int tid = e.thread.valid() ? tidOf(e.thread) : -1;
            switch (e.kind) {
            case EventKind::RequestState: {
                if (!e.request.valid())
                    break;
                ReqLife &r = reqs[e.request.v];
                const std::string stateArgs = [&] {
                    json::Object a;
                    a.str("from", reqStateName(e.from)).str("to", reqStateName(e.to));
                    a.num("req_id", e.reqId).unum("step", e.step);
                    if (e.to == ReqState::PROCESSED)
                        a.str("errno", errnoText(e.errno_));
                    if (e.thread.valid())
                        a.str("by", m_ix.name(e.thread));
                    return a.str();
                }();
                if (!r.open) {
                    r.name = "req " + std::to_string(e.reqId) + " ctx " + std::to_string(e.ctx.v);
                    r.open = true;
                    json::Object a;
                    a.num("request", e.request.v).num("req_id", e.reqId).num("ctx", e.ctx.v);
                    a.str("op", opText(e.op));
                    if (isRelease(e.op))
                        a.boolean("notification", true);
                    async("b", kPidRequests, "request", e.request.v, r.name, e.tNs, a.str());
                }
                async("n", kPidRequests, "request", e.request.v,
                      std::string(reqStateName(e.from)) + " -> " + reqStateName(e.to), e.tNs,
                      stateArgs);
                if (e.to == ReqState::Removed) {
                    async("e", kPidRequests, "request", e.request.v, r.name, e.tNs);
                    r.open = false;
                }
                // Flow: callback on the client -> RECV that delivered it ->
                // SEND that answered it.
                if (e.from == ReqState::New && e.to == ReqState::QUEUED && e.thread.valid()) {
                    auto it = pendingCallback.find(e.thread.v);
                    if (it != pendingCallback.end() && it->second.op == e.op) {
                        callbackOf[e.request.v] = it->second;
                        pendingCallback.erase(it);
                    }
                }
                if (e.from == ReqState::QUEUED && e.to == ReqState::PROCESSING && flowPoint(e)) {
                    const Point at{tid, pointTime(e), e.op};
                    deliveredAt[e.request.v] = at;
                    auto it = callbackOf.find(e.request.v);
                    if (it != callbackOf.end())
                        flow(nextFlow++, it->second.tid, it->second.ts, at.tid, at.ts,
                             "callback " + r.name);
                }
                if (e.from == ReqState::PROCESSING && e.to == ReqState::PROCESSED && flowPoint(e)) {
                    auto it = deliveredAt.find(e.request.v);
                    if (it != deliveredAt.end())
                        flow(nextFlow++, it->second.tid, it->second.ts, tid, pointTime(e),
                             "response " + r.name);
                }
                break;
            }
            case EventKind::ObjectCreated: {
                const std::string name = "obj " + std::to_string(e.object.v) + " " + objectText(e);
                objs[e.object.v] = name;
                json::Object a;
                a.num("object", e.object.v).str("type", objectTypeName(e.objectType));
                if (e.objectType == ObjectType::TEE)
                    a.str("qtee_id", hexId(e.qteeId));
                else
                    a.unum("user_object_id", e.userObjectId);
                a.unum("step", e.step);
                async("b", kPidObjects, "object", kObjectIdBase + e.object.v, name, e.tNs, a.str());
                break;
            }
            case EventKind::ObjectFreed: {
                auto it = objs.find(e.object.v);
                if (it != objs.end()) {
                    counter(e.tNs, e.object.v, 0);
                    async("e", kPidObjects, "object", kObjectIdBase + e.object.v, it->second,
                          e.tNs);
                    objs.erase(it);
                }
                break;
            }
            case EventKind::RefGet:
            case EventKind::RefPut:
                if (e.object.valid())
                    counter(e.tNs, e.object.v, e.refcount);
                break;
            case EventKind::QteeCallback:
                if (flowPoint(e))
                    pendingCallback[e.thread.v] = Point{tid, pointTime(e), e.op};
                instant(kPidThreads, qteeTid(), e.tNs,
                        "-> callback " + hexId(e.qteeId) + " " + opText(e.op) + " to " +
                            m_ix.name(e.thread),
                        "qtee", "t");
                break;
            case EventKind::SmcInvoke:
                instant(kPidThreads, qteeTid(), e.tNs,
                        "<- invoke " + qteeTarget(e.qteeId) + " " + opText(e.op) + " from " +
                            m_ix.name(e.thread),
                        "qtee", "t");
                break;
            case EventKind::SmcCallbackResponse:
                instant(kPidThreads, qteeTid(), e.tNs,
                        "<- callback response " + qteeResultName(e.value) + " from " +
                            m_ix.name(e.thread),
                        "qtee", "t");
                break;
            case EventKind::QteeResult:
                instant(kPidThreads, qteeTid(), e.tNs,
                        "-> result " + qteeResultName(e.value) + " to " + m_ix.name(e.thread),
                        "qtee", "t");
                break;
            case EventKind::SmcFailed:
                instant(kPidThreads, qteeTid(), e.tNs,
                        "SMC from " + m_ix.name(e.thread) + " failed " + errnoText(e.errno_),
                        "qtee", "t");
                break;
            case EventKind::AsyncRelease:
                instant(kPidThreads, qteeTid(), e.tNs, "-> async release " + hexId(e.qteeId),
                        "qtee", "t");
                break;
            case EventKind::Violation: {
                json::Object a;
                a.str("text", vocab::findingText(m_sim, e)).unum("step", e.step);
                instant(kPidThreads, tid >= 0 ? tid : 0, e.tNs,
                        "VIOLATION I" + std::to_string(e.invariant), "violation", "g", a.str());
                break;
            }
            case EventKind::Gap: {
                json::Object a;
                a.str("text", vocab::findingText(m_sim, e)).unum("step", e.step);
                instant(kPidThreads, tid >= 0 ? tid : 0, e.tNs,
                        "gap " + std::to_string(e.gap) + " (spec 9)", "gap", "g", a.str());
                break;
            }
            case EventKind::Note: {
                json::Object a;
                a.str("text", vocab::findingText(m_sim, e)).unum("step", e.step);
                instant(kPidThreads, tid >= 0 ? tid : 0, e.tNs, "note", "note",
                        tid >= 0 ? "t" : "p", a.str());
                break;
            }
            case EventKind::Killed:
                instant(kPidThreads, -1, e.tNs, "SIGKILL " + m_sim.processName(e.process), "signal",
                        "p");
                break;
            case EventKind::ThreadExit:
                if (tid >= 0)
                    instant(kPidThreads, tid, e.tNs, "exit", "thread", "t");
                break;
            case EventKind::WorkQueued:
                if (m_ix.worker().valid())
                    instant(kPidThreads, tidOf(m_ix.worker()), e.tNs,
                            "queued release obj " + std::to_string(e.object.v), "work", "t");
                break;
            default:
                break;
            }
        }
        // Close what is still alive at the end.
        const int64_t end = m_ix.endTime();
        for (auto &[id, r] : reqs) {
            if (!r.open)
                continue;
            int64_t at = end;
            if (!liveAtEnd.count(id) && lastMention.count(id))
                at = lastMention[id];
            async("e", kPidRequests, "request", id, r.name, at);
        }
        for (auto &[id, name] : objs)
            async("e", kPidObjects, "object", kObjectIdBase + id, name, end);
    }

    const Simulator &m_sim;
    const Trace &m_trace;
    TraceIndex m_ix;
    std::vector<std::string> m_out;
    std::map<int32_t, std::pair<int64_t, size_t>> m_lastCounter; // object -> (ts, index)
};

} // namespace

std::string chromeTrace(const Simulator &sim, const Trace &trace)
{
    return ChromeWriter(sim, trace).write();
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
    auto addWord = [&](std::string w) {
        while (w.size() > width) {
            flush();
            lines.push_back(w.substr(0, width));
            w = w.substr(width);
        }
        if (w.empty())
            return;
        if (line.empty())
            line = w;
        else if (line.size() + 1 + w.size() <= width)
            line += ' ' + w;
        else {
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
            addWord(p.substr(a, b - a));
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
        if (!m_entities.empty() &&
            std::none_of(m_shown.begin(), m_shown.end(), [](bool b) { return b; }))
            m_shown.assign(m_lanes.size(), true);
    }

    std::string write()
    {
        collect();
        std::string out;
        header(out);
        body(out);
        verdict(out);
        return out;
    }

private:
    struct Row
    {
        std::vector<std::vector<std::string>> cells; // per lane: phrases
        std::vector<std::string> wide;               // full-width lines (violations...)
        int homeLane = -1;                           // lane of the acting thread
    };

    int laneOf(ThreadId t) const
    {
        auto it = m_laneOfThread.find(t.v);
        return it == m_laneOfThread.end() ? -1 : it->second;
    }

    void add(Row &row, int lane, std::string phrase)
    {
        if (lane < 0 || phrase.empty())
            return;
        std::vector<std::string> &cell = row.cells[size_t(lane)];
        if (!cell.empty() && cell.back() == phrase)
            return; // "exit" label and ThreadExit say the same thing
        cell.push_back(std::move(phrase));
    }

    // Which requests are RELEASE notifications: their first mention says so.
    void indexRequests()
    {
        for (const Event &e : m_trace.events)
            if (e.kind == EventKind::RequestState && e.request.valid() && isRelease(e.op))
                m_notif.insert(e.request.v);
    }

    // A request's first mention names its context and reqs_idr id (and
    // whether it is a RELEASE notification); later ones only its name.
    std::string reqFirstName(const Event &e)
    {
        if (!e.request.valid() || !m_named.insert(e.request.v).second)
            return vocab::request(e.request);
        std::string s = vocab::request(e.request, e.ctx, e.reqId);
        if (m_notif.count(e.request.v))
            s += " (RELEASE notification)";
        return s;
    }

    void collect()
    {
        indexRequests();
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
                    s += " " + errnoText(e.errno_);
                add(row, lane, s);
                break;
            }
            case EventKind::RefGet:
            case EventKind::RefPut: {
                // Who took or dropped the reference, in the vocabulary's words.
                const bool get = e.kind == EventKind::RefGet;
                const int64_t before = int64_t(e.refcount) + (get ? -1 : 1);
                add(row, row.homeLane >= 0 ? row.homeLane : lane,
                    obj + " refcount " + std::to_string(before) + ">" + std::to_string(e.refcount) +
                        (get ? " get by " : " put by ") +
                        vocab::holder(m_sim, e.holder, e.holderArg));
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
                    "-> " + errnoText(e.errno_) +
                        (e.value != 0 ? " ret " + std::to_string(e.value) : std::string()));
                break;
            case EventKind::DispatchReturn:
                add(row, lane, "dispatch -> " + errnoText(e.errno_));
                break;
            case EventKind::Blocked:
                if (e.value == int32_t(BlockReason::Lock) && e.thread == m_ix.actor(e.step))
                    break; // its step's label says it: "wait reqs_lock of ctx 1 (held by ...)"
                if (e.value == int32_t(BlockReason::Lock) && e.peer.valid())
                    add(row, lane, "waits reqs_lock (" + m_sim.threadName(e.peer) + ")");
                else
                    add(row, lane, "waits on " + vocab::wait(BlockReason(e.value)));
                break;
            case EventKind::Woken:
                // Its own step's label already says how it woke; show only
                // wake-ups caused by another actor.
                if (e.thread != m_ix.actor(e.step))
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
                add(row, m_qteeLane,
                    isOpenService(e.qteeId, e.op)
                        ? "<- open service (" + opText(e.op) + ")"
                        : "<- invoke " + qteeTarget(e.qteeId) + " " + opText(e.op));
                break;
            case EventKind::SmcCallbackResponse:
                add(row, m_qteeLane, "<- cb response " + qteeResultName(e.value));
                break;
            case EventKind::QteeCallback:
                add(row, m_qteeLane, "-> callback " + hexId(e.qteeId) + " " + opText(e.op));
                break;
            case EventKind::QteeResult:
                add(row, m_qteeLane, "-> result " + qteeResultName(e.value));
                break;
            case EventKind::SmcFailed:
                add(row, m_qteeLane, "x SMC failed " + errnoText(e.errno_));
                break;
            case EventKind::AsyncRelease:
                add(row, m_qteeLane, "-> async release " + hexId(e.qteeId));
                break;
            case EventKind::WorkQueued:
                add(row, m_workerLane, "queued " + obj);
                break;
            case EventKind::WorkRequeued:
                add(row, m_workerLane, "requeued " + obj);
                break;
            case EventKind::Violation:
                row.wide.push_back("!! VIOLATION I" + std::to_string(e.invariant) + ": " +
                                   vocab::findingText(m_sim, e));
                break;
            case EventKind::Gap:
                row.wide.push_back("~~ gap (spec §9 item " + std::to_string(e.gap) +
                                   "): " + vocab::findingText(m_sim, e));
                break;
            case EventKind::Note:
                row.wide.push_back("-- note: " + vocab::findingText(m_sim, e));
                break;
            default:
                break;
            }
        }
        // --lane with entity names: the steps that touch them.
        m_touches.assign(m_rows.size(), false);
        if (!m_entities.empty())
            for (const Event &e : m_trace.events) {
                if (e.step >= m_touches.size())
                    continue;
                if ((e.ctx.valid() && m_entities.count(vocab::ctx(e.ctx))) ||
                    (e.object.valid() && m_entities.count(vocab::object(e.object))) ||
                    (e.request.valid() && m_entities.count(vocab::request(e.request))))
                    m_touches[e.step] = true;
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
        const bool cut = m_range.from > 1 || m_range.to < m_ix.steps() || !m_range.lanes.empty();
        if (cut) {
            std::string shown = "shown: steps " + std::to_string(m_range.from) + "-" +
                                std::to_string(std::min<uint64_t>(m_range.to, m_ix.steps()));
            for (size_t i = 0; i < m_range.lanes.size(); ++i)
                shown += (i == 0 ? "; lanes " : ", ") + m_range.lanes[i];
            para(shown, "");
        }
        // Every lane's state when the shown range starts.
        if (m_range.from > 1) {
            std::map<int32_t, const Event *> last; // thread -> last Blocked/Woken/exit
            for (const Event &e : m_trace.events) {
                if (e.step >= m_range.from)
                    break;
                if ((e.kind == EventKind::Blocked || e.kind == EventKind::Woken ||
                     e.kind == EventKind::ThreadExit) &&
                    e.thread.valid())
                    last[e.thread.v] = &e;
            }
            for (const auto &[t, l] : m_laneOfThread) {
                if (l < 0 || !m_shown[size_t(l)])
                    continue;
                auto it = last.find(t);
                std::string state = "running";
                if (it != last.end() && it->second->kind == EventKind::Blocked)
                    state = vocab::eventText(m_sim, *it->second);
                else if (it != last.end() && it->second->kind == EventKind::ThreadExit)
                    state = "exited";
                // eventText names the thread itself ("app/client waits on ...").
                para("before step " + std::to_string(m_range.from) + ": " +
                         (state == "running" || state == "exited" ? m_lanes[size_t(l)] + " " + state
                                                                  : state),
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
            if (blocks.empty() || used + 3 + minWidth[l] > kMaxWidth) {
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
            auto height = [&](size_t widened) {
                size_t h = 0;
                for (size_t r = 0; r < m_rows.size(); ++r) {
                    size_t row = 0;
                    for (size_t i = 0; i < lanes; ++i)
                        row = std::max<size_t>(row,
                                               linesAt(i, b.width[i] + (i == widened ? 1 : 0))[r]);
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
        return m_entities.empty() || (k < m_touches.size() && m_touches[k]);
    }

    // Two rows that differ only in their step and time (a supplicant
    // looping on an empty queue) are printed once with their count.
    static bool alike(const Row &a, const Row &b)
    {
        return a.wide.empty() && b.wide.empty() && a.cells == b.cells;
    }

    void body(std::string &out) const
    {
        const size_t stepDigits = std::max<size_t>(4, std::to_string(m_ix.steps()).size());
        size_t timeWidth = 2;
        for (uint64_t k = 1; k < m_rows.size(); ++k)
            if (kept(k))
                timeWidth = std::max(timeWidth, timeText(k).size());
        // The step and its time form the left column: "  12  8.45 | ...".
        const size_t stepWidth = stepDigits + 1 + timeWidth;
        const std::vector<Block> blocks = layout(stepWidth);
        for (size_t b = 0; b < blocks.size(); ++b) {
            const size_t first = blocks[b].first;
            const size_t last = blocks[b].last;
            // A block with nothing in the shown steps is left out.
            bool any = false;
            for (uint64_t k = 1; k < m_rows.size() && !any; ++k) {
                if (!kept(k))
                    continue;
                const Row &row = m_rows[k];
                for (size_t l = first; l < last && !any; ++l)
                    any = !row.cells[l].empty();
                any = any || (!row.wide.empty() &&
                              ((row.homeLane >= int(first) && row.homeLane < int(last)) ||
                               (row.homeLane < 0 && b == 0)));
            }
            if (!any)
                continue;
            out += "\n";
            if (blocks.size() > 1)
                out += "lanes " + std::to_string(first + 1) + "-" + std::to_string(last) + " of " +
                       std::to_string(m_lanes.size()) + " (block " + std::to_string(b + 1) + "/" +
                       std::to_string(blocks.size()) + ")\n";
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
                while (same + 1 < m_rows.size() && kept(same + 1) && alike(row, m_rows[same + 1]))
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
                if (same > k && height > 0) {
                    out += std::string(stepWidth + 1, ' ') + "x" + std::to_string(same - k + 1) +
                           ", steps " + std::to_string(k) + "-" + std::to_string(same) + "\n";
                }
                k = same;
            }
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
    std::vector<std::string> m_lanes;
    std::map<int32_t, int> m_laneOfThread;
    int m_qteeLane = 0;
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
    for (const Event &e : trace.events) {
        if (e.ctx.valid())
            add(vocab::ctx(e.ctx));
        if (e.object.valid())
            add(vocab::object(e.object));
        if (e.request.valid())
            add(vocab::request(e.request));
    }
    return out;
}

std::string checkExportOptions(const Simulator &sim, const Trace &trace, const ExportOptions &o)
{
    const uint64_t steps = trace.schedule.size();
    if (o.from < 1 || (steps > 0 && o.from > steps))
        return "--from: step " + std::to_string(o.from) + " is not in the run (steps 1.." +
               std::to_string(steps) + ")";
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
                   " (threads, QTEE, qcomtee_wq, ctxN, objN, req#N)";
    return {};
}

} // namespace tee::sim
