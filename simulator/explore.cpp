#include "simulator/explore.h"

#include "simulator/capture.h"

#include "core/vocabulary.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <unistd.h>
#include <unordered_set>

namespace tee::sim {

namespace {

// Registers of the simulator's programs (simulator.cpp's Reg): R_SERVED
// counts requests answered by a serve op, jump counters start at R_FIXED.
constexpr size_t kRegServed = 1;
constexpr size_t kRegFixed = 12;

// Walks every field of a State that can change its future, in a fixed order.
// Collect mode gathers the kernel object ids, request serials and enqueue
// sequence numbers it meets; emit mode writes the words with those renumbered
// by rank among the collected values (order kept, so every comparison the
// engine makes comes out the same).
struct Walker
{
    bool emit = false;
    std::vector<int32_t> objs, reqs;
    std::vector<uint64_t> seqs;
    std::vector<uint64_t> out;

    void w(uint64_t v)
    {
        if (emit)
            out.push_back(v);
    }
    void w2(uint32_t a, uint32_t b) { w(uint64_t(a) | uint64_t(b) << 32); }
    static uint64_t rank32(const std::vector<int32_t> &v, int32_t x)
    {
        if (x < 0)
            return uint64_t(int64_t(x));
        return uint64_t(std::lower_bound(v.begin(), v.end(), x) - v.begin());
    }
    void obj(int32_t id)
    {
        if (!emit) {
            if (id >= 0)
                objs.push_back(id);
            return;
        }
        w(rank32(objs, id));
    }
    void obj(ObjectId id) { obj(id.v); }
    void req(int32_t id)
    {
        if (!emit) {
            if (id >= 0)
                reqs.push_back(id);
            return;
        }
        w(rank32(reqs, id));
    }
    void req(RequestId id) { req(id.v); }
    void seq(uint64_t v)
    {
        if (!emit) {
            if (v != 0)
                seqs.push_back(v);
            return;
        }
        w(v == 0 ? 0 : 1 + uint64_t(std::lower_bound(seqs.begin(), seqs.end(), v) - seqs.begin()));
    }
    template <class T>
    void ints(const std::vector<T> &v)
    {
        w(v.size());
        for (const T &x : v)
            w(uint64_t(int64_t(x)));
    }
    void args(const std::vector<Arg> &v)
    {
        w(v.size());
        for (const Arg &a : v) {
            w2(uint32_t(a.type), a.size);
            obj(a.object);
            w(a.wireId);
        }
    }
    void reply(const QteeReply &r)
    {
        w2(uint32_t(r.kind), uint32_t(r.result));
        ints(r.outIds);
        w2(r.cbTarget, r.cbOp);
        ints(r.cbIb);
        ints(r.cbOb);
        ints(r.cbIo);
        w(r.cbOo);
        ints(r.asyncRelease);
    }
    void objParams(const std::vector<ObjRefParam> &v)
    {
        w(v.size());
        for (const ObjRefParam &p : v) {
            w(uint64_t(p.kind));
            w(p.id);
        }
    }
    void syscall(const Syscall &c)
    {
        w2(uint32_t(c.kind), uint32_t(c.fd));
        w(c.objectId);
        w2(c.op, uint32_t(c.numParams));
        ints(c.ib);
        ints(c.ob);
        w(c.ibValue);
        objParams(c.io);
        w2(c.oo, c.bufSize);
        w2(uint32_t(c.reqId), uint32_t(c.ret));
        ints(c.obOut);
        objParams(c.ooOut);
        w2(uint32_t(c.sendParams), uint32_t(c.process));
        w(uint64_t(c.computeNs)); // a program constant, not a clock
    }
    void result(const SyscallResult &r)
    {
        w2(uint32_t(r.errno_), uint32_t(r.ret));
        w2(uint32_t(r.fd), uint32_t(r.shmId));
        ints(r.outObjects);
        w2(uint32_t(r.reqId), r.op);
        w(r.objectId);
        w(uint64_t(r.numArgs));
        ints(r.argTypes);
        ints(r.inObjects);
    }
    void idr(const std::vector<IdrEntry> &v, bool objects, bool requests)
    {
        w(v.size());
        for (const IdrEntry &e : v) {
            w(uint64_t(int64_t(e.id)));
            if (objects)
                obj(e.ref);
            else if (requests)
                req(e.ref);
            else
                w(uint64_t(int64_t(e.ref)));
        }
    }
    void ctxHolders(const std::vector<CtxHolder> &v)
    {
        w(v.size());
        for (const CtxHolder &h : v) {
            w(uint64_t(h.kind));
            if (h.kind == CtxHolderKind::UserObject || h.kind == CtxHolderKind::QteeObject)
                obj(h.a);
            else
                w(uint64_t(int64_t(h.a)));
        }
    }
};

// The programs' bookkeeping registers that are never read again: the
// counter of a "forever" jump, the served count of an endless serve loop
// (when no bounded serve op could read it later), every register of an
// exited thread (that one in walk: it depends on the state). Per thread,
// from the scenario alone.
std::vector<std::vector<bool>> deadRegisters(const Simulator &sim, const State &s)
{
    std::vector<std::vector<bool>> dead(s.threads.size());
    const Scenario &sc = sim.scenario();
    size_t index = 0;
    for (size_t p = 0; p < sc.processes.size(); ++p) {
        for (size_t ti = 0; ti < sc.processes[p].threads.size(); ++ti, ++index) {
            if (index >= s.threads.size())
                break;
            const Thread &t = s.threads[index];
            std::vector<bool> &d = dead[index];
            d.assign(t.regs.size(), false);
            const auto &prog = sc.processes[p].threads[ti].program;
            bool boundedServe = false;
            for (const Op &op : prog)
                boundedServe |= op.kind == Op::Kind::Serve && op.serve.count >= 0;
            for (size_t i = 0; i < prog.size(); ++i)
                if (prog[i].kind == Op::Kind::Jump && prog[i].times < 0 && kRegFixed + i < d.size())
                    d[kRegFixed + i] = true;
            if (!boundedServe && kRegServed < d.size())
                d[kRegServed] = true;
        }
    }
    return dead;
}

void walk(const Simulator &sim, const State &s, Walker &k,
          const std::vector<std::vector<bool>> &dead)
{
    // The step counter matters only to at_step faults not taken yet, and
    // only until the last of them is due.
    uint64_t stepCap = 0;
    for (size_t i = 0; i < sim.scenario().faults.size(); ++i) {
        const Fault &f = sim.scenario().faults[i];
        if (f.when == Fault::When::AtStep && !s.faultsTaken.has(i))
            stepCap = std::max(stepCap, f.step);
    }
    k.w(std::min(s.step, stepCap));

    k.w(s.processes.size());
    for (const Process &p : s.processes) {
        k.w(uint64_t(p.killed) | uint64_t(p.exited) << 1 | uint64_t(uint32_t(p.liveThreads)) << 2);
        k.ints(p.fds);
        k.ints(p.regs);
    }
    k.w(s.threads.size());
    for (size_t ti = 0; ti < s.threads.size(); ++ti) {
        const Thread &t = s.threads[ti];
        k.w(uint64_t(t.phase) | uint64_t(t.fatalPending) << 8 | uint64_t(t.blocked) << 9 |
            uint64_t(t.worker) << 17 | uint64_t(t.killPath) << 18 | uint64_t(t.exiting) << 19);
        k.w2(uint32_t(t.process.v), t.phase == Phase::Exited ? 0u : uint32_t(t.pc));
        k.w(t.regs.size());
        for (size_t r = 0; r < t.regs.size(); ++r)
            k.w(t.phase == Phase::Exited || (ti < dead.size() && r < dead[ti].size() && dead[ti][r])
                    ? 0
                    : uint64_t(t.regs[r]));
        k.syscall(t.sc);
        k.result(t.res);
        k.w(uint64_t(int64_t(t.file)));
        k.req(t.dispatchReq);
        k.req(t.recvReq);
        k.req(t.sendReq);
        k.w2(uint32_t(t.recvArg), uint32_t(t.sendArg));
        k.w2(uint32_t(t.lockWait.v), uint32_t(t.closing.v));
        const Oic &o = t.oic;
        k.w(uint64_t(o.active) | uint64_t(o.busy) << 1 | uint64_t(o.notifyFlag) << 2 |
            uint64_t(o.shared) << 3 | uint64_t(o.worker) << 4 | uint64_t(o.objectRef) << 5);
        k.w2(uint32_t(o.ctx.v), o.op);
        k.obj(o.target);
        k.w(o.ibValue);
        k.args(o.args);
        k.obj(o.object);
        k.w2(o.cbOp, uint32_t(o.errno_));
        k.args(o.u);
        k.req(o.data);
        k.reply(o.reply);
        k.w2(o.qtee.target, o.qtee.op);
        k.w2(uint32_t(o.qtee.script), uint32_t(o.qtee.pc));
        k.ints(o.qtee.received);
        k.ints(o.qtee.cbOut);
    }
    k.w(s.files.size());
    for (const File &f : s.files)
        k.w2(uint32_t(f.ctx.v), uint32_t(f.refs));
    k.w(s.contexts.size());
    for (const Context &c : s.contexts) {
        k.w(uint64_t(c.fileOpen) | uint64_t(c.closed) << 1 | uint64_t(c.released) << 2 |
            uint64_t(c.ctxFreed) << 3 | uint64_t(c.dataFreed) << 4);
        k.w2(uint32_t(c.process.v), uint32_t(c.reqC));
        k.w2(uint32_t(c.reqsLockOwner.v), uint32_t(c.srcuReaders));
        k.ctxHolders(c.refs);
        k.ctxHolders(c.dataRefs);
        k.idr(c.qteeObjectsIdr, true, false);
        k.idr(c.reqsIdr, false, true);
        k.w(c.reqsList.size());
        for (int32_t r : c.reqsList)
            k.req(r);
        k.w(c.retiredIds.size());
        for (const RetiredId &r : c.retiredIds) {
            k.w2(uint32_t(r.id), uint32_t(r.notification));
            k.req(r.request);
        }
        k.ints(c.lockWaiters);
    }
    k.w(s.objects.size());
    for (const KObject &o : s.objects) {
        k.obj(o.id);
        k.w(uint64_t(o.type) | uint64_t(o.notify) << 8 | uint64_t(o.releaseQueued) << 9 |
            uint64_t(o.leakReported) << 10);
        k.w2(o.qteeId, uint32_t(o.owner.v));
        k.w(o.userObjectId);
        k.w(o.holders.size());
        for (const Holder &h : o.holders) // no holder names an object or a request
            k.w(uint64_t(h.kind) | uint64_t(uint32_t(h.a)) << 8 | uint64_t(uint32_t(h.b)) << 40);
    }
    k.w(s.requests.size());
    for (const Request &r : s.requests) {
        k.req(r.id);
        k.w2(uint32_t(r.ctx.v), uint32_t(r.reqId));
        k.w(uint64_t(r.notification) | uint64_t(r.state) << 8 | uint64_t(r.completed) << 16 |
            uint64_t(r.argsFreed) << 17 | uint64_t(r.delivered) << 18 | uint64_t(r.answered) << 19 |
            uint64_t(r.freed) << 20);
        k.w(r.objectId);
        k.obj(r.object);
        k.w2(r.op, uint32_t(r.errno_));
        k.w2(uint32_t(r.deliveredTo.v), uint32_t(r.client.v));
        k.seq(r.enqueueSeq);
        k.args(r.args);
    }
    k.w(s.xaLocalObjects.size());
    for (const IdrEntry &e : s.xaLocalObjects) {
        k.w(uint64_t(uint32_t(e.id)));
        k.obj(e.ref);
    }
    k.w(s.xaLastId);
    k.w(s.wq.size());
    for (const WorkItem &wi : s.wq)
        k.obj(wi.object);
    k.w(s.shms.size());
    for (const Shm &m : s.shms) {
        k.w2(uint32_t(m.id), uint32_t(m.ctx.v));
        k.w2(uint32_t(m.refs), uint32_t(m.userRef) | m.size << 1);
    }
    k.ints(s.faultsTaken.words);
    // QTEE's ids are kept as they are (wire ids), and so is its next id.
    k.w(s.qtee.nextObjectId);
    k.w(s.qtee.objects.size());
    for (const QteeObject &q : s.qtee.objects) {
        k.w2(q.qteeId, uint32_t(q.service));
        k.w2(uint32_t(q.kernelRefs), uint32_t(q.failedReleases));
    }
    k.w(s.qtee.held.size());
    for (const QteeHeld &h : s.qtee.held) {
        k.w2(uint32_t(h.slot), h.cbId);
        k.w(h.owner);
    }
    k.ints(s.qtee.cbHeld);
}

template <class T>
void sortUnique(std::vector<T> &v)
{
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

// canonicalKey with the scenario's part computed once and the buffers reused.
class KeyMaker
{
public:
    KeyMaker(const Simulator &sim, const State &init)
        : m_sim(sim)
        , m_dead(deadRegisters(sim, init))
    {}
    const std::vector<uint64_t> &operator()(const State &s)
    {
        Walker &k = m_walker;
        k.emit = false;
        k.objs.clear();
        k.reqs.clear();
        k.seqs.clear();
        k.out.clear();
        walk(m_sim, s, k, m_dead);
        sortUnique(k.objs);
        sortUnique(k.reqs);
        sortUnique(k.seqs);
        k.emit = true;
        walk(m_sim, s, k, m_dead);
        return k.out;
    }

private:
    const Simulator &m_sim;
    std::vector<std::vector<bool>> m_dead;
    Walker m_walker;
};

uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    return h;
}

struct Hash128
{
    uint64_t a = 0, b = 0;
    bool operator==(const Hash128 &) const = default;
};

Hash128 hashKey(const std::vector<uint64_t> &key)
{
    uint64_t a = 0x243F6A8885A308D3ull, b = 0x13198A2E03707344ull;
    for (uint64_t v : key) {
        a = mix(a, v);
        b = mix(b, v ^ 0xA4093822299F31D0ull);
        b = (b << 29 | b >> 35) * 0xC2B2AE3D27D4EB4Full;
    }
    a = mix(a, key.size());
    b = mix(b, key.size() * 0x9E3779B97F4A7C15ull);
    return {a, b};
}

struct Hash128Hasher
{
    size_t operator()(const Hash128 &h) const noexcept { return size_t(h.a); }
};

struct KeyHasher
{
    size_t operator()(const std::string &s) const noexcept
    {
        return std::hash<std::string_view>()(s);
    }
};

// The visited set: 128-bit hashes (hash compaction), or whole keys (exact).
class Visited
{
public:
    explicit Visited(bool exact)
        : m_exact(exact)
    {}
    // True when the key was new.
    bool insert(const std::vector<uint64_t> &key)
    {
        if (m_exact)
            return m_keys.insert(pack(key)).second;
        return m_hashes.insert(hashKey(key)).second;
    }
    size_t size() const { return m_exact ? m_keys.size() : m_hashes.size(); }

private:
    // Zigzag LEB128 of every word: most are small, and -1 (no id) is one byte.
    static std::string pack(const std::vector<uint64_t> &key)
    {
        std::string out;
        out.reserve(key.size() * 2);
        for (uint64_t v : key) {
            uint64_t z = (v << 1) ^ uint64_t(int64_t(v) >> 63);
            while (z >= 0x80) {
                out.push_back(char(z | 0x80));
                z >>= 7;
            }
            out.push_back(char(z));
        }
        return out;
    }
    bool m_exact;
    std::unordered_set<Hash128, Hash128Hasher> m_hashes;
    std::unordered_set<std::string, KeyHasher> m_keys;
};

class Clock
{
public:
    double seconds() const
    {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    }

private:
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

// One search, with the bookkeeping both strategies share.
struct Search
{
    const Simulator &sim;
    const ExploreOptions &opts;
    ExploreResult res;
    Visited visited;
    EventList events;
    std::vector<Action> enabled;
    uint64_t sinceCheck = 0;

    KeyMaker key;

    Search(const Simulator &s, const ExploreOptions &o, const State &init)
        : sim(s)
        , opts(o)
        , visited(o.exact)
        , key(s, init)
    {
        res.exact = o.exact;
    }

    // Periodic checks: memory, interrupt, progress. False: stop (bound set).
    bool keepGoing(uint64_t depth)
    {
        if (opts.interrupt && opts.interrupt->load(std::memory_order_relaxed)) {
            stop(ExploreBound::Interrupted);
            return false;
        }
        if (opts.maxStates && res.states >= opts.maxStates) {
            stop(ExploreBound::States);
            return false;
        }
        if (++sinceCheck >= 1024) {
            sinceCheck = 0;
            const uint64_t rss = residentBytes();
            res.peakRss = std::max(res.peakRss, rss);
            if (opts.memoryBytes && rss > opts.memoryBytes) {
                stop(ExploreBound::Memory);
                return false;
            }
            if (opts.progress && (res.states & 0xFFFF) < 1024)
                opts.progress(res.states, depth, rss);
        }
        return true;
    }
    void stop(ExploreBound b)
    {
        res.complete = false;
        if (res.bound == ExploreBound::None || res.bound == ExploreBound::Depth)
            res.bound = b;
    }
    void depthHit()
    {
        res.complete = false;
        if (res.bound == ExploreBound::None)
            res.bound = ExploreBound::Depth;
    }

    // Applies `a` to `s` (in place) and records violations; `path` is how
    // to get here (built only when something new is found).
    template <class PathFn>
    void step(State &s, const Action &a, PathFn &&path)
    {
        events.clear();
        sim.engine().apply(s, a, events);
        ++res.transitions;
        for (const Event &e : events) {
            if (e.kind != EventKind::Violation || res.violations.count(e.invariant))
                continue;
            ExploreFinding f;
            f.invariant = e.invariant;
            f.path = path();
            f.path.push_back(a);
            f.detail = vocab::findingText(sim, e);
            res.violations.emplace(e.invariant, std::move(f));
        }
    }
    template <class PathFn>
    void checkStuck(const State &s, PathFn &&path)
    {
        if (res.stuck || !enabled.empty())
            return;
        std::string who;
        if (!sim.engine().stuck(s, &who))
            return;
        ExploreFinding f;
        f.path = path();
        f.detail = who;
        res.stuck = std::move(f);
    }
};

// Breadth-first, keeping no state in the queue: nodes are stored in BFS
// order (each one its parent and the action from it), so the queue is the
// node index and the levels are contiguous. A node's state is rebuilt from
// its path; BFS order is the lexicographic order of the paths, so
// consecutive nodes share most of theirs and only the tail is re-applied
// (the states along the current path are kept).
void bfs(Search &S, const State &init)
{
    struct Node
    {
        uint32_t parent;
        uint32_t depth;
        Action action;
    };
    std::vector<Node> nodes; // state index -> how it was reached
    const auto pathTo = [&nodes](uint32_t index) {
        std::vector<Action> p;
        for (uint32_t i = index; i != 0; i = nodes[i].parent)
            p.push_back(nodes[i].action);
        std::reverse(p.begin(), p.end());
        return p;
    };
    std::vector<uint32_t> chain{0};  // node indices from the root to the current node
    std::vector<State> states{init}; // states[k]: the state of chain[k]
    std::vector<uint32_t> want;
    EventList scratch;
    const auto stateOf = [&](uint32_t index) -> const State & {
        want.clear();
        for (uint32_t i = index; i != 0; i = nodes[i].parent)
            want.push_back(i);
        want.push_back(0);
        std::reverse(want.begin(), want.end());
        size_t common = 0;
        while (common < want.size() && common < chain.size() && want[common] == chain[common])
            ++common;
        chain.resize(common);
        states.resize(common);
        for (size_t k = common; k < want.size(); ++k) {
            State next = states.back();
            scratch.clear();
            S.sim.engine().apply(next, nodes[want[k]].action, scratch);
            states.push_back(std::move(next));
            chain.push_back(want[k]);
        }
        return states.back();
    };
    S.visited.insert(S.key(init));
    nodes.push_back({0, 0, {}});
    S.res.states = 1;
    std::vector<Action> actions;
    for (uint32_t index = 0; index < nodes.size(); ++index) {
        const uint32_t depth = nodes[index].depth;
        const State &here = stateOf(index);
        S.sim.engine().enabled(here, S.enabled);
        S.checkStuck(here, [&] { return pathTo(index); });
        if (S.enabled.empty())
            continue;
        if (S.opts.maxDepth && depth >= S.opts.maxDepth) {
            S.depthHit();
            continue;
        }
        actions = S.enabled;
        for (const Action &a : actions) {
            if (!S.keepGoing(depth))
                return;
            State next = here;
            S.step(next, a, [&] { return pathTo(index); });
            if (!S.visited.insert(S.key(next)))
                continue;
            if (nodes.size() >= UINT32_MAX) {
                S.stop(ExploreBound::States);
                return;
            }
            nodes.push_back({index, depth + 1, a});
            ++S.res.states;
            S.res.maxDepth = std::max<uint64_t>(S.res.maxDepth, depth + 1);
        }
    }
}

void dfs(Search &S, const State &init)
{
    struct Frame
    {
        State state;
        std::vector<Action> actions;
        size_t next = 0;
    };
    std::vector<Frame> stack;
    std::vector<Action> path; // path[i] leads from stack[i] to stack[i + 1]
    const auto pathNow = [&path] { return path; };
    const auto push = [&](State &&s) {
        S.sim.engine().enabled(s, S.enabled);
        S.checkStuck(s, pathNow);
        if (!S.enabled.empty() && S.opts.maxDepth && path.size() >= S.opts.maxDepth) {
            S.depthHit();
            S.enabled.clear();
        }
        S.res.maxDepth = std::max<uint64_t>(S.res.maxDepth, path.size());
        stack.push_back({std::move(s), S.enabled, 0});
    };
    S.visited.insert(S.key(init));
    S.res.states = 1;
    push(State(init));
    while (!stack.empty()) {
        Frame &top = stack.back();
        if (top.next >= top.actions.size()) {
            stack.pop_back();
            if (!path.empty())
                path.pop_back();
            continue;
        }
        if (!S.keepGoing(path.size()))
            return;
        const Action a = top.actions[top.next++];
        State next = top.state;
        S.step(next, a, pathNow);
        if (!S.visited.insert(S.key(next)))
            continue;
        ++S.res.states;
        path.push_back(a);
        push(std::move(next));
    }
}

} // namespace

std::vector<uint64_t> canonicalKey(const Simulator &sim, const State &s)
{
    KeyMaker k(sim, s);
    return k(s);
}

const char *exploreBoundName(ExploreBound b)
{
    switch (b) {
    case ExploreBound::None:
        return "none";
    case ExploreBound::States:
        return "states";
    case ExploreBound::Depth:
        return "depth";
    case ExploreBound::Memory:
        return "memory";
    case ExploreBound::Interrupted:
        return "interrupted";
    }
    return "?";
}

double ExploreResult::omissionProbability() const
{
    if (exact)
        return 0;
    // Birthday bound over 128-bit hashes: n^2 / 2^129.
    const double n = double(states);
    return std::min(1.0, n * n / std::ldexp(1.0, 129));
}

ExploreResult explore(const Simulator &sim, const ExploreOptions &opts)
{
    const State init = sim.initialState();
    const uint64_t rssBefore = residentBytes();
    const Clock clock;
    Search S(sim, opts, init);
    S.res.rssBefore = rssBefore;
    S.res.peakRss = rssBefore;
    if (opts.strategy == ExploreOptions::Strategy::Dfs)
        dfs(S, init);
    else
        bfs(S, init);
    S.res.seconds = clock.seconds();
    S.res.peakRss = std::max(S.res.peakRss, residentBytes());
    return std::move(S.res);
}

std::vector<std::string> findingSchedule(const Simulator &sim, const ExploreFinding &f)
{
    std::vector<std::string> labels;
    State s = sim.initialState();
    EventList events;
    for (const Action &a : f.path) {
        labels.push_back(sim.engine().label(s, a));
        sim.engine().apply(s, a, events);
    }
    return labels;
}

bool writeCounterexample(const std::string &path, const Simulator &sim, const ExploreFinding &f,
                         std::string *error)
{
    const std::vector<std::string> schedule = findingSchedule(sim, f);
    std::string why;
    const Trace trace = replay(sim, schedule, &why);
    if (!why.empty()) {
        if (error)
            *error = path + ": the counterexample does not replay: " + why;
        return false;
    }
    RunOptions opts;
    opts.policy = Policy::Scripted;
    opts.maxSteps = std::max<uint64_t>(sim.scenario().maxSteps, schedule.size());
    opts.useSchedule = false;
    Note note;
    note.step = schedule.size();
    note.text = f.invariant ? "explore: the shortest path found to a violation of I" +
                                  std::to_string(f.invariant) + ": " + f.detail
                            : "explore: stuck: " + f.detail;
    return writeCapture(path, sim, trace, opts, error, {note}, uint64_t(schedule.size()));
}

uint64_t residentBytes()
{
    std::FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, resident = 0;
    const int n = std::fscanf(f, "%llu %llu", &size, &resident);
    std::fclose(f);
    if (n != 2)
        return 0;
    return uint64_t(resident) * uint64_t(sysconf(_SC_PAGESIZE));
}

uint64_t defaultMemoryBound()
{
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return 0;
    return uint64_t(pages) * uint64_t(page) / 2;
}

} // namespace tee::sim
