#include "simulator/explore.h"

#include "simulator/capture.h"

#include "core/vocabulary.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <unistd.h>

namespace tee::sim {

namespace {

// Registers of the simulator's programs (simulator.cpp's Reg): R_SERVED
// counts requests answered by a serve op, jump counters start at R_FIXED.
constexpr size_t kRegServed = 1;
constexpr size_t kRegFixed = 12;
// The first id the simulator's QTEE hands out (QteeSide::nextObjectId).
constexpr uint32_t kFirstQteeId = 0x100;

// --- Hashing --------------------------------------------------------------

// 64x64 -> 128 multiply folded to 64 bits (the wyhash mixing step): one
// multiply per word per lane, every input bit reaching every output bit.
__extension__ typedef unsigned __int128 Uint128;
inline uint64_t mum(uint64_t a, uint64_t b)
{
    const Uint128 r = Uint128(a) * b;
    return uint64_t(r) ^ uint64_t(r >> 64);
}

struct Hash128
{
    uint64_t a = 0, b = 0;
    bool operator==(const Hash128 &) const = default;
};

// The key's unit: 32-bit words (most fields are small; a wider value takes
// three words, Walker::w).
using Word = uint32_t;

// Two 64-bit lanes over the words: the fingerprint of hash compaction (and
// the table hash of exact mode). Each pair of 64-bit chunks (four words) is
// multiplied with keys that depend on its place (as XXH3 and wyhash do), so
// the products are independent of each other and the loop runs at the
// multiplier's throughput rather than its latency. The length seeds both
// lanes, so the zero padding of the last chunk is unambiguous.
Hash128 hashWords(const Word *p, size_t n)
{
    // Two multiplies per pair of chunks, one per lane, each folded (high ^
    // low). One multiply feeding both lanes with its two halves was tried:
    // the sum of the products is then nearly linear, and on fifo-delivery
    // two of the first million states collided (the hashed and the exact
    // search parted ways); do not go back to it without that check.
    constexpr uint64_t kStepA = 0x9E3779B97F4A7C15ull, kStepB = 0xC2B2AE3D27D4EB4Full;
    uint64_t ka = 0x243F6A8885A308D3ull, kb = 0x13198A2E03707344ull;
    uint64_t a = n, b = ~uint64_t(n);
    // Two words as one 64-bit load (little-endian: p[i] low, p[i + 1] high).
    const auto chunk = [p](size_t i) {
        uint64_t v;
        std::memcpy(&v, p + i, sizeof v);
        return v;
    };
    static_assert(std::endian::native == std::endian::little);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint64_t x = chunk(i), y = chunk(i + 2);
        a += mum(x ^ ka, y ^ (ka + 0xA4093822299F31D0ull));
        b += mum(x ^ kb, y ^ (kb + 0x082EFA98EC4E6C89ull));
        ka += kStepA;
        kb += kStepB;
    }
    if (i < n) {
        uint64_t x = 0, y = 0;
        for (size_t j = 0; i + j < n; ++j)
            (j < 2 ? x : y) |= uint64_t(p[i + j]) << (32 * (j % 2));
        a += mum(x ^ ka, y ^ (ka + 0xA4093822299F31D0ull));
        b += mum(x ^ kb, y ^ (kb + 0x082EFA98EC4E6C89ull));
    }
    a = mum(a ^ 0x3F84D5B5B5470917ull, 0x9216D5D98979FB1Bull);
    b = mum(b ^ 0x2FFD72DBD01ADFB7ull, 0xB8E1AFED6A267E96ull);
    return {mum(a, 0xD1310BA698DFB5ACull) ^ b, mum(b, 0xBA7C9045F12C7F99ull) ^ a};
}

// Places in a key (word positions), appended on every id the walk meets: a
// vector whose push is always inlined (std::vector's emplace_back was not,
// and took 5% of a search; docs/performance.md).
class Places
{
public:
    [[gnu::always_inline]] void push_back(uint32_t v)
    {
        if (m_n == m_v.size()) [[unlikely]]
            grow();
        m_v[m_n++] = v;
    }
    void clear() { m_n = 0; }
    size_t size() const { return m_n; }
    bool empty() const { return m_n == 0; }
    uint32_t operator[](size_t i) const { return m_v[i]; }
    const uint32_t *begin() const { return m_v.data(); }
    const uint32_t *end() const { return m_v.data() + m_n; }

private:
    [[gnu::noinline]] void grow() { m_v.resize(std::max<size_t>(64, m_v.size() * 2)); }
    std::vector<uint32_t> m_v;
    size_t m_n = 0;
};

// Walks every field of a State that can change its future, in a fixed order,
// writing one word per field (w(): a value below 2^32 - 2 in one word, a
// wider or negative one other than -1 in three; w2(): two 32-bit fields).
// Kernel object ids, request serials and enqueue sequence numbers are
// written as they are and their places noted; finish() then renumbers them
// by rank among the values met (order kept, so every comparison the engine
// makes comes out the same).
struct Walker
{
    std::vector<Word> out; // the key: out[0..n)
    size_t n = 0;
    Places objAt, reqAt, seqAt; // places of ids to renumber
    Places thrAt;               // places of thread indices
    Places qidAt;               // places of QTEE object ids
    // finish(): true when renumbering changed no word (the ids met were
    // already their ranks), so the words walked are the key's.
    bool unchanged = true;
    std::vector<Word> values; // scratch for finish()
    // Where each section of the key ends: the header, each process, each
    // thread, the files and contexts, the objects, the requests, the rest.
    // Exact mode stores each section once (collapse compression); their
    // number depends on the scenario only.
    std::vector<uint32_t> marks;

    void clear()
    {
        n = 0;
        objAt.clear();
        reqAt.clear();
        seqAt.clear();
        thrAt.clear();
        qidAt.clear();
        marks.clear();
    }
    [[gnu::always_inline]] void put(Word v)
    {
        if (n == out.size()) [[unlikely]]
            grow();
        out[n++] = v;
    }
    // A field of up to 64 bits, self-delimiting: v + 1 in one word when it
    // is below kWide (so none, -1, is 0 and small values stay small), else
    // kWide and the two halves of v.
    static constexpr Word kWide = 0xFFFF'FFFF;
    [[gnu::always_inline]] void w(uint64_t v)
    {
        const uint64_t x = v + 1;
        if (x < kWide) [[likely]]
            put(Word(x));
        else
            wide(v);
    }
    [[gnu::noinline, gnu::cold]] void wide(uint64_t v)
    {
        put(kWide);
        put(Word(v));
        put(Word(v >> 32));
    }
    [[gnu::noinline]] void grow() { out.resize(std::max<size_t>(1024, out.size() * 2)); }
    // Room for `more` words after n.
    void reserve(size_t more)
    {
        while (n + more > out.size())
            grow();
    }
    void mark() { marks.push_back(uint32_t(n)); }
    [[gnu::always_inline]] void w2(uint32_t a, uint32_t b)
    {
        put(a);
        put(b);
    }
    // An id renumbered after the walk (finish()): its place is noted in
    // `at` unless it is none (negative).
    [[gnu::always_inline]] void placed(Places &at, int32_t id)
    {
        if (id >= 0)
            at.push_back(uint32_t(n));
        w(uint64_t(int64_t(id)));
    }
    [[gnu::always_inline]] void obj(int32_t id) { placed(objAt, id); }
    [[gnu::always_inline]] void obj(ObjectId id) { obj(id.v); }
    // A thread index: permuted by symmetry reduction.
    [[gnu::always_inline]] void thr(int32_t id) { placed(thrAt, id); }
    [[gnu::always_inline]] void thr(ThreadId id) { thr(id.v); }
    // A QTEE wire id: the ids QTEE hands out (from 0x100 up, never reused:
    // the simulator's QteeSide::nextObjectId) are renumbered by rank, as
    // kernel object ids are; fixed ids below 0x100 and callback ids (high
    // bit set) are kept.
    [[gnu::always_inline]] void qid(uint32_t v)
    {
        if (v >= kFirstQteeId && v < QCOMTEE_OBJECT_PRIMORDIAL)
            qidAt.push_back(uint32_t(n));
        put(v);
    }
    template <class T>
    [[gnu::always_inline]] void qids(const std::vector<T> &v)
    {
        w(v.size());
        for (const T &x : v)
            qid(uint32_t(x));
    }
    [[gnu::always_inline]] void req(int32_t id) { placed(reqAt, id); }
    [[gnu::always_inline]] void req(RequestId id) { req(id.v); }
    [[gnu::always_inline]] void seq(uint64_t v)
    {
        if (v != 0 && v + 1 < kWide) // (one word; 2^32 enqueues on one path are out of reach)
            seqAt.push_back(uint32_t(n));
        w(v);
    }
    // Ids become their rank among the ids of their kind (sequence numbers
    // count from 1: 0 means none), written as w() writes them (`coded`:
    // none stays 0) or as the raw word (QTEE ids). `low` is the word the
    // lowest id is written as: every word at a place is at least `low`.
    // True when no word changed.
    bool renumber(const Places &at, Word low)
    {
        if (at.empty())
            return true;
        // Most keys hold few ids, all close to `low`: their ranks come from
        // a bitmap of the values met (a popcount each), and most often the
        // ids met are low, low + 1, ... already (95% of the keys of
        // three-clients-two-supplicants), which the bitmap tells at once.
        constexpr Word kSpan = 256;
        uint64_t bits[kSpan / 64] = {};
        bool small = true;
        for (uint32_t i : at) {
            const Word d = out[i] - low;
            if (d >= kSpan) {
                small = false;
                break;
            }
            bits[d / 64] |= uint64_t(1) << (d % 64);
        }
        if (small) {
            // identity: the bits set are a prefix 0..m-1
            bool prefix = true, gap = false;
            for (const uint64_t b : bits) {
                if (gap ? b != 0 : (b & (b + 1)) != 0)
                    prefix = false;
                if (b != ~uint64_t(0))
                    gap = true;
            }
            if (prefix)
                return true;
            unsigned below[kSpan / 64];
            unsigned sum = 0;
            for (size_t w = 0; w < kSpan / 64; ++w) {
                below[w] = sum;
                sum += unsigned(std::popcount(bits[w]));
            }
            for (uint32_t i : at) {
                const Word d = out[i] - low;
                const uint64_t under = bits[d / 64] & ((uint64_t(1) << (d % 64)) - 1);
                out[i] = low + below[d / 64] + Word(std::popcount(under));
            }
            return false;
        }
        values.clear();
        for (uint32_t i : at)
            values.push_back(out[i]);
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        bool same = true;
        for (uint32_t i : at) {
            const Word v =
                low + Word(std::lower_bound(values.begin(), values.end(), out[i]) - values.begin());
            same = same && v == out[i];
            out[i] = v;
        }
        return same;
    }
    void finish()
    {
        // (w() writes an id as id + 1; a sequence number counts from 1.)
        unchanged = renumber(objAt, 1);
        unchanged = renumber(reqAt, 1) && unchanged;
        unchanged = renumber(seqAt, 2) && unchanged;
        unchanged = renumber(qidAt, kFirstQteeId) && unchanged;
    }
    template <class T>
    [[gnu::always_inline]] void ints(const std::vector<T> &v)
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
            qid(a.wireId);
        }
    }
    void reply(const QteeReply &r)
    {
        w2(uint32_t(r.kind), uint32_t(r.result));
        qids(r.outIds);
        ints(r.outOb);
        w2(r.cbTarget, r.cbOp);
        ints(r.cbIb);
        ints(r.cbOb);
        qids(r.cbIo);
        w(r.cbOo);
        qids(r.asyncRelease);
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
        ints(r.inUser);
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
            else if (h.kind == CtxHolderKind::Ioctl)
                thr(h.a);
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
std::vector<std::vector<uint8_t>> deadRegisters(const Simulator &sim, const State &s)
{
    std::vector<std::vector<uint8_t>> dead(s.threads.size());
    const Scenario &sc = sim.scenario();
    size_t index = 0;
    for (size_t p = 0; p < sc.processes.size(); ++p) {
        for (size_t ti = 0; ti < sc.processes[p].threads.size(); ++ti, ++index) {
            if (index >= s.threads.size())
                break;
            const Thread &t = s.threads[index];
            std::vector<uint8_t> &d = dead[index];
            d.assign(t.regs.size(), 0);
            const auto &prog = sc.processes[p].threads[ti].program;
            bool boundedServe = false;
            for (const Op &op : prog)
                boundedServe |= op.kind == Op::Kind::Serve && op.serve.count >= 0;
            for (size_t i = 0; i < prog.size(); ++i)
                if (prog[i].kind == Op::Kind::Jump && prog[i].times < 0 && kRegFixed + i < d.size())
                    d[kRegFixed + i] = 1;
            if (!boundedServe && kRegServed < d.size())
                d[kRegServed] = 1;
        }
    }
    return dead;
}

// Holders whose `a` is a thread index (core/types.h).
bool holdsThread(HolderKind k)
{
    switch (k) {
    case HolderKind::DriverCopy:
    case HolderKind::InvokeTarget:
    case HolderKind::OicObject:
    case HolderKind::CallbackArg:
    case HolderKind::Caller:
    case HolderKind::SupplRecv:
        return true;
    case HolderKind::CtxIdr:
    case HolderKind::QteeId:
    case HolderKind::Retain:
        return false;
    }
    return false;
}

// Interchangeable threads: in the same process, with the same program.
// Nothing in the engine or the simulator depends on a thread's index but
// its program (every wake-up, kill and check runs over all threads; lock
// waiters queue in order), so permuting such threads maps a state onto an
// equivalent one (symmetry reduction).
std::vector<std::vector<int32_t>> symmetryGroups(const Simulator &sim, const State &s)
{
    std::vector<std::vector<int32_t>> groups;
    const Scenario &sc = sim.scenario();
    // The same ops; where they were written (Op::path) does not count.
    const auto sameProgram = [](std::vector<Op> a, std::vector<Op> b) {
        for (Op &op : a)
            op.path.clear();
        for (Op &op : b)
            op.path.clear();
        return a == b;
    };
    size_t index = 0;
    for (size_t p = 0; p < sc.processes.size(); ++p) {
        const auto &threads = sc.processes[p].threads;
        std::vector<bool> taken(threads.size(), false);
        const size_t first = index;
        for (size_t i = 0; i < threads.size(); ++i) {
            if (taken[i])
                continue;
            std::vector<int32_t> group{int32_t(first + i)};
            for (size_t j = i + 1; j < threads.size(); ++j)
                if (!taken[j] && sameProgram(threads[j].program, threads[i].program) &&
                    first + j < s.threads.size() &&
                    s.threads[first + j].regs.size() == s.threads[first + i].regs.size()) {
                    taken[j] = true;
                    group.push_back(int32_t(first + j));
                }
            if (group.size() > 1)
                groups.push_back(std::move(group));
        }
        index += threads.size();
    }
    return groups;
}

// One thread's section of the key: a function of the thread and its index
// alone (ThreadCache relies on it).
void walkThread(const Thread &t, size_t ti, Walker &k,
                const std::vector<std::vector<uint8_t>> &dead)
{
    k.w(uint64_t(t.phase) | uint64_t(t.fatalPending) << 8 | uint64_t(t.blocked) << 9 |
        uint64_t(t.worker) << 17 | uint64_t(t.killPath) << 18 | uint64_t(t.exiting) << 19);
    k.w2(uint32_t(t.process.v), t.phase == Phase::Exited ? 0u : uint32_t(t.pc));
    k.w(t.regs.size());
    const size_t regs = t.regs.size();
    if (t.phase == Phase::Exited) {
        for (size_t r = 0; r < regs; ++r)
            k.w(0);
    } else {
        const size_t nDead = ti < dead.size() ? std::min(dead[ti].size(), regs) : 0;
        for (size_t r = 0; r < nDead; ++r)
            k.w(dead[ti][r] ? 0 : uint64_t(t.regs[r]));
        for (size_t r = nDead; r < regs; ++r)
            k.w(uint64_t(t.regs[r]));
    }
    // Outside a syscall both are empty (deliver resets them).
    if (t.phase != Phase::User) {
        k.syscall(t.sc);
        k.result(t.res);
    }
    k.w(uint64_t(int64_t(t.file)));
    k.req(t.dispatchReq);
    k.req(t.recvReq);
    k.req(t.sendReq);
    k.w2(uint32_t(t.recvArg), uint32_t(t.sendArg));
    k.w2(uint32_t(t.lockWait.v), uint32_t(t.closing.v));
    k.w(uint64_t(int64_t(t.srcuRead.v)));
    k.w(t.srcuWaitFor.size());
    for (int32_t r : t.srcuWaitFor)
        k.thr(r);
    const Oic &o = t.oic;
    k.w(uint64_t(o.active) | uint64_t(o.busy) << 1 | uint64_t(o.notifyFlag) << 2 |
        uint64_t(o.shared) << 3 | uint64_t(o.worker) << 4 | uint64_t(o.objectRef) << 5);
    // An idle oic equals Oic{} (core/state.h): it says nothing more.
    if (o.idle()) {
        assert(o.isDefault());
        return;
    }
    k.w2(uint32_t(o.ctx.v), o.op);
    k.obj(o.target);
    k.w(o.ibValue);
    k.args(o.args);
    k.obj(o.object);
    k.w2(o.cbOp, uint32_t(o.errno_));
    k.args(o.u);
    k.req(o.data);
    k.reply(o.reply);
    k.qid(o.qtee.target);
    k.w(o.qtee.op);
    k.w2(uint32_t(o.qtee.script), uint32_t(o.qtee.pc) | uint32_t(o.qtee.finished) << 31);
    k.qids(o.qtee.received);
    k.qids(o.qtee.cbOut);
}

// The thread sections of the last keys, by thread index, kWays each. A
// State's threads are copy-on-write (core/cowvector.h): a successor shares
// every thread its step did not write with its parent and its siblings, so
// the section of a thread met before is copied instead of walked again.
// An entry holds its thread, so that the identity it is found by cannot be
// reused by another thread while it is here.
class ThreadCache
{
    struct Entry;

public:
    void walk(const State &s, size_t ti, Walker &k, const std::vector<std::vector<uint8_t>> &dead)
    {
        if (m_slots.size() <= ti) {
            m_slots.resize(ti + 1);
            m_last.resize(ti + 1);
        }
        m_last[ti] = uint8_t(find(s, ti, k, dead) - m_slots[ti].ways);
    }
    // The hash of the words the last walk() of thread `ti` wrote (as
    // walked: before Walker::finish), computed once per cache entry.
    Hash128 hash(size_t ti)
    {
        Entry &e = m_slots[ti].ways[m_last[ti]];
        if (!e.hashed) {
            e.hash = hashWords(e.words.data(), e.words.size());
            e.hashed = true;
        }
        return e.hash;
    }

private:
    // The thread's section of the key, pasted or walked; returns the entry
    // that holds its words.
    Entry *find(const State &s, size_t ti, Walker &k, const std::vector<std::vector<uint8_t>> &dead)
    {
        Slot &slot = m_slots[ti];
        const void *id = s.threads.identity(ti);
        for (Entry &e : slot.ways)
            if (e.thread.identity() == id) {
                paste(e, k);
                return &e;
            }
        // The same content under another identity: a thread that the
        // rebuilding of a BFS path wrote again (most differ early: the
        // phase, the pc).
        const Thread &t = s.threads[ti];
        for (Entry &e : slot.ways)
            if (e.thread.identity() && e.thread.value() == t) {
                e.thread = s.threads.hold(ti);
                paste(e, k);
                return &e;
            }
        Entry &e = slot.ways[slot.next];
        slot.next = (slot.next + 1) % kWays;
        const size_t begin = k.n;
        const size_t obj = k.objAt.size(), req = k.reqAt.size(), seq = k.seqAt.size(),
                     thr = k.thrAt.size(), qid = k.qidAt.size();
        walkThread(s.threads[ti], ti, k, dead);
        e.thread = s.threads.hold(ti);
        e.words.assign(k.out.begin() + ptrdiff_t(begin), k.out.begin() + ptrdiff_t(k.n));
        relative(k.objAt, obj, begin, e.objAt);
        relative(k.reqAt, req, begin, e.reqAt);
        relative(k.seqAt, seq, begin, e.seqAt);
        relative(k.thrAt, thr, begin, e.thrAt);
        relative(k.qidAt, qid, begin, e.qidAt);
        e.hashed = false;
        return &e;
    }

    // Ways per thread index, replaced in turn. A node's successors share
    // its threads, and the path rebuilt for the next node writes them
    // again (equal, under new identities). On three-clients-two-
    // supplicants (50,000 states), 2 ways walked 181,950 threads, 8 ways
    // 31,088 and 32 ways 701, but comparing 32 ways cost more than the
    // walks it saved; 8 ways made a search 8% shorter in instructions
    // (docs/performance.md).
    static constexpr unsigned kWays = 8;
    struct Entry
    {
        CowVector<Thread>::Held thread;
        std::vector<Word> words;
        std::vector<uint32_t> objAt, reqAt, seqAt, thrAt, qidAt; // from the section's start
        Hash128 hash;                                            // of `words`, once `hashed`
        bool hashed = false;
    };
    struct Slot
    {
        Entry ways[kWays];
        unsigned next = 0;
    };
    static void relative(const Places &at, size_t from, size_t begin, std::vector<uint32_t> &out)
    {
        out.clear();
        for (size_t i = from; i < at.size(); ++i)
            out.push_back(at[i] - uint32_t(begin));
    }
    static void shifted(const std::vector<uint32_t> &rel, uint32_t begin, Places &at)
    {
        for (uint32_t r : rel)
            at.push_back(begin + r);
    }
    static void paste(const Entry &e, Walker &k)
    {
        const uint32_t begin = uint32_t(k.n);
        k.reserve(e.words.size());
        std::copy(e.words.begin(), e.words.end(), k.out.begin() + ptrdiff_t(begin));
        k.n += e.words.size();
        shifted(e.objAt, begin, k.objAt);
        shifted(e.reqAt, begin, k.reqAt);
        shifted(e.seqAt, begin, k.seqAt);
        shifted(e.thrAt, begin, k.thrAt);
        shifted(e.qidAt, begin, k.qidAt);
    }
    std::vector<Slot> m_slots;
    std::vector<uint8_t> m_last; // by thread index: the way of the last walk()
};

void walk(const Simulator &sim, const State &s, Walker &k,
          const std::vector<std::vector<uint8_t>> &dead, ThreadCache &cache)
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
    k.w(s.threads.size());
    k.mark();

    for (const Process &p : s.processes) {
        k.w(uint64_t(p.killed) | uint64_t(p.exited) << 1 | uint64_t(uint32_t(p.liveThreads)) << 2);
        k.ints(p.fds);
        k.ints(p.regs);
        k.mark();
    }
    for (size_t ti = 0; ti < s.threads.size(); ++ti) {
        cache.walk(s, ti, k, dead);
        k.mark();
    }
    k.w(s.files.size());
    for (const File &f : s.files)
        k.w2(uint32_t(f.ctx.v), uint32_t(f.refs));
    k.w(s.contexts.size());
    for (const Context &c : s.contexts) {
        k.w(uint64_t(c.fileOpen) | uint64_t(c.closed) << 1 | uint64_t(c.released) << 2 |
            uint64_t(c.ctxFreed) << 3 | uint64_t(c.dataFreed) << 4 | uint64_t(c.lockWoken) << 5);
        k.w2(uint32_t(c.process.v), uint32_t(c.reqC));
        k.thr(c.reqsLockOwner);
        k.w(uint64_t(uint32_t(c.srcuReaders)));
        k.ctxHolders(c.refs);
        k.ctxHolders(c.dataRefs);
        k.idr(c.qteeObjectsIdr, true, false);
        k.idr(c.reqsIdr, false, true);
        k.w(c.reqsList.size());
        for (int32_t r : c.reqsList)
            k.req(r);
        // A set the engine keeps in id order (Ctx::retire), so the order
        // the ids retired in makes no new state.
        k.w(c.retiredIds.size());
        for (const RetiredId &r : c.retiredIds) {
            k.w2(uint32_t(r.id), uint32_t(r.notification));
            k.req(r.request);
            k.thr(r.stolenFrom);
        }
        k.w(c.lockWaiters.size());
        for (int32_t t : c.lockWaiters)
            k.thr(t);
    }
    k.mark();
    k.w(s.objects.size());
    for (const KObject &o : s.objects) {
        k.obj(o.id);
        k.w(uint64_t(o.type) | uint64_t(o.notify) << 8 | uint64_t(o.releaseQueued) << 9 |
            uint64_t(o.leakReported) << 10);
        k.qid(o.qteeId);
        k.w(uint64_t(int64_t(o.owner.v)));
        k.w(o.userObjectId);
        k.w(o.holders.size());
        for (const Holder &h : o.holders) { // no holder names an object or a request
            k.w2(uint32_t(h.kind), uint32_t(h.b));
            if (holdsThread(h.kind))
                k.thr(h.a);
            else
                k.put(uint32_t(h.a)); // callback id bits, or -1
        }
    }
    k.mark();
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
        k.thr(r.deliveredTo);
        k.thr(r.client);
        k.seq(r.enqueueSeq);
        k.args(r.args);
    }
    k.mark();
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
    k.w(uint64_t(s.deviceRemoved));
    // QTEE's ids are kept as they are (wire ids), and so is its next id.
    // QTEE's next object id is always above every live one: renumbered
    // away with them.
    k.w(s.qtee.objects.size());
    for (const QteeObject &q : s.qtee.objects) {
        k.qid(q.qteeId);
        k.w(uint64_t(int64_t(q.service)));
        k.w2(uint32_t(q.kernelRefs), uint32_t(q.failedReleases));
        k.w(uint64_t(uint32_t(q.failedInvokes)));
    }
    k.w(s.qtee.held.size());
    for (const QteeHeld &h : s.qtee.held) {
        k.w2(uint32_t(h.slot), h.cbId);
        k.qid(h.owner);
    }
    k.ints(s.qtee.cbHeld);
    k.mark();
}

// canonicalKey with the scenario's part computed once and the buffers reused.
class KeyMaker
{
public:
    KeyMaker(const Simulator &sim, const State &init, bool symmetry = false)
        : m_sim(sim)
        , m_dead(deadRegisters(sim, init))
        , m_processes(init.processes.size())
        , m_threads(init.threads.size())
    {
        if (symmetry)
            m_groups = symmetryGroups(sim, init);
    }
    // The key of `s`: valid until the next call.
    std::span<const Word> operator()(const State &s)
    {
        Walker &k = m_walker;
        k.clear();
        walk(m_sim, s, k, m_dead, m_threadCache);
        k.finish();
        if (!m_groups.empty())
            permute();
        return {k.out.data(), k.n};
    }
    // The section ends of the last key made.
    const std::vector<uint32_t> &marks() const { return m_walker.marks; }
    bool symmetric() const { return !m_groups.empty(); }
    // The groups of interchangeable threads (symmetryGroups), empty without
    // symmetry.
    const std::vector<std::vector<int32_t>> &groups() const { return m_groups; }

    // The fingerprint of the last key made (hash compaction): the hash of
    // its sections' 128-bit hashes, which is as strong as hashing the words
    // (two keys that differ differ in a section, whose hashes then collide
    // with probability about 2^-128) and costs far less, because most
    // sections are not hashed again: a thread the step did not write is
    // pasted from the thread cache with its hash (unless renumbering or
    // symmetry changed its words), and any other section equal to the last
    // key's at its place keeps the last hash (docs/performance.md).
    Hash128 fingerprint()
    {
        const Walker &k = m_walker;
        const size_t sections = k.marks.size();
        assert(sections > 0 && k.marks.back() == k.n);
        if (m_lastWords.size() != sections) {
            m_lastWords.assign(sections, {});
            m_lastHashes.assign(sections, {});
            m_lastValid.assign(sections, false);
        }
        m_sectionHashes.resize(2 * sections);
        const bool cached = k.unchanged && m_groups.empty();
        uint32_t begin = 0;
        for (size_t i = 0; i < sections; ++i) {
            const uint32_t end = k.marks[i];
            const Word *p = k.out.data() + begin;
            const size_t n = end - begin;
            Hash128 h;
            if (cached && i > m_processes && i <= m_processes + m_threads) {
                h = m_threadCache.hash(i - m_processes - 1);
            } else if (m_lastValid[i] && m_lastWords[i].size() == n &&
                       std::equal(p, p + n, m_lastWords[i].begin())) {
                h = m_lastHashes[i];
            } else {
                h = hashWords(p, n);
                m_lastWords[i].assign(p, p + n);
                m_lastHashes[i] = h;
                m_lastValid[i] = true;
            }
            m_sectionHashes[2 * i] = h.a;
            m_sectionHashes[2 * i + 1] = h.b;
            begin = end;
        }
        static_assert(sizeof(uint64_t) == 2 * sizeof(Word));
        return hashWords(reinterpret_cast<const Word *>(m_sectionHashes.data()), 4 * sections);
    }

private:
    // Puts interchangeable threads in a canonical order: by their own
    // words (thread indices in them masked), then renames every thread
    // index in the key and moves the threads' sections to match.
    // Threads whose own words are alike (a tie) are tried in every order
    // (up to kMaxOrders candidates) and the smallest key wins, so the key
    // does not depend on which of two symmetric states was met first.
    static constexpr size_t kMaxOrders = 720;
    void permute()
    {
        Walker &k = m_walker;
        const size_t firstThread = m_processes; // marks[firstThread] ends the last process
        if (k.marks.size() < firstThread + m_threads + 1)
            return;
        const auto begin = [&](size_t t) { return k.marks[firstThread + t]; };
        const auto end = [&](size_t t) { return k.marks[firstThread + t + 1]; };
        m_slots.clear(); // per group: its members in canonical order
        m_runs.clear();  // ties: [first, last) positions in m_slots
        for (const std::vector<int32_t> &g : m_groups) {
            m_order.clear();
            for (int32_t t : g) {
                m_words.assign(k.out.begin() + begin(size_t(t)), k.out.begin() + end(size_t(t)));
                for (uint32_t at : k.thrAt)
                    if (at >= begin(size_t(t)) && at < end(size_t(t)))
                        m_words[at - begin(size_t(t))] = 0xFFFF'FFF1u;
                m_order.push_back({hashWords(m_words.data(), m_words.size()).a, t});
            }
            std::sort(m_order.begin(), m_order.end());
            const size_t base = m_slots.size();
            for (size_t i = 0; i < m_order.size();) {
                size_t j = i + 1;
                while (j < m_order.size() && m_order[j].first == m_order[i].first)
                    ++j;
                if (j - i > 1)
                    m_runs.push_back({base + i, base + j});
                i = j;
            }
            for (const auto &o : m_order)
                m_slots.push_back(o.second);
        }
        size_t orders = 1;
        for (const auto &[first, last] : m_runs)
            for (size_t f = 2; f <= last - first && orders <= kMaxOrders; ++f)
                orders *= f;
        m_src.assign(k.out.begin(), k.out.begin() + ptrdiff_t(k.n));
        m_srcMarks = k.marks;
        if (m_runs.empty() || orders > kMaxOrders) {
            build(k.out, k.marks);
            return;
        }
        for (const auto &[first, last] : m_runs)
            std::sort(m_slots.begin() + ptrdiff_t(first), m_slots.begin() + ptrdiff_t(last));
        bool have = false;
        for (;;) {
            build(m_cand, m_candMarks);
            if (!have ||
                std::lexicographical_compare(m_cand.begin(), m_cand.begin() + ptrdiff_t(k.n),
                                             m_best.begin(), m_best.begin() + ptrdiff_t(k.n))) {
                m_best.swap(m_cand);
                m_bestMarks.swap(m_candMarks);
                have = true;
            }
            // the next order: an odometer over the ties
            size_t r = 0;
            for (; r < m_runs.size(); ++r)
                if (std::next_permutation(m_slots.begin() + ptrdiff_t(m_runs[r].first),
                                          m_slots.begin() + ptrdiff_t(m_runs[r].second)))
                    break;
            if (r == m_runs.size())
                break;
        }
        std::copy(m_best.begin(), m_best.begin() + ptrdiff_t(k.n), k.out.begin());
        k.marks = m_bestMarks;
    }

    // The key of m_src with the groups' slots filled from m_slots: thread
    // indices renamed, thread sections moved.
    void build(std::vector<Word> &out, std::vector<uint32_t> &marks)
    {
        const Walker &k = m_walker;
        const size_t firstThread = m_processes;
        m_newIndex.resize(m_threads);
        for (size_t t = 0; t < m_threads; ++t)
            m_newIndex[t] = uint32_t(t);
        size_t slot = 0;
        for (const std::vector<int32_t> &g : m_groups)
            for (size_t i = 0; i < g.size(); ++i)
                m_newIndex[size_t(m_slots[slot++])] = uint32_t(g[i]);
        m_inverse.resize(m_threads);
        for (size_t t = 0; t < m_threads; ++t)
            m_inverse[m_newIndex[t]] = uint32_t(t);
        if (out.size() < k.n)
            out.resize(k.out.size());
        marks = m_srcMarks;
        const uint32_t base = m_srcMarks[firstThread];
        std::copy(m_src.begin(), m_src.begin() + base, out.begin());
        uint32_t at = base;
        for (size_t j = 0; j < m_threads; ++j) {
            const uint32_t old = m_inverse[j];
            const uint32_t from = m_srcMarks[firstThread + old];
            const uint32_t to = m_srcMarks[firstThread + old + 1];
            std::copy(m_src.begin() + from, m_src.begin() + to, out.begin() + at);
            at += to - from;
            marks[firstThread + j + 1] = at;
        }
        std::copy(m_src.begin() + at, m_src.begin() + ptrdiff_t(k.n), out.begin() + at);
        // thread indices (written by w(): index + 1), wherever their words went
        for (uint32_t place : k.thrAt) {
            const uint32_t dest = movedPlace(place);
            const Word v = m_src[place];
            if (v >= 1 && v - 1 < m_threads)
                out[dest] = Word(m_newIndex[v - 1] + 1);
        }
    }
    // Where a word of m_src is in the built key (only thread sections move).
    uint32_t movedPlace(uint32_t place) const
    {
        const size_t firstThread = m_processes;
        const uint32_t base = m_srcMarks[firstThread];
        const uint32_t top = m_srcMarks[firstThread + m_threads];
        if (place < base || place >= top)
            return place;
        const auto it =
            std::upper_bound(m_srcMarks.begin() + ptrdiff_t(firstThread) + 1,
                             m_srcMarks.begin() + ptrdiff_t(firstThread + m_threads) + 1, place);
        const size_t old = size_t(it - (m_srcMarks.begin() + ptrdiff_t(firstThread) + 1));
        const uint32_t offset = place - m_srcMarks[firstThread + old];
        // the new section of `old` starts where the sections before it end
        uint32_t start = base;
        for (uint32_t j = 0; j < m_newIndex[old]; ++j) {
            const uint32_t o = m_inverse[j];
            start += m_srcMarks[firstThread + o + 1] - m_srcMarks[firstThread + o];
        }
        return start + offset;
    }

    const Simulator &m_sim;
    std::vector<std::vector<uint8_t>> m_dead;
    size_t m_processes, m_threads;
    std::vector<std::vector<int32_t>> m_groups;
    Walker m_walker;
    ThreadCache m_threadCache;
    // fingerprint()'s: each section's hash, and the last words and hash
    // met at each section's place
    std::vector<uint64_t> m_sectionHashes;
    std::vector<std::vector<Word>> m_lastWords;
    std::vector<Hash128> m_lastHashes;
    std::vector<bool> m_lastValid;
    // permute's scratch
    std::vector<Word> m_words, m_src, m_cand, m_best;
    std::vector<uint32_t> m_srcMarks, m_candMarks, m_bestMarks;
    std::vector<std::pair<uint64_t, int32_t>> m_order;
    std::vector<int32_t> m_slots;
    std::vector<std::pair<size_t, size_t>> m_runs;
    std::vector<uint32_t> m_newIndex, m_inverse;
};

// --- The visited set ---------------------------------------------------------

// What the visited set answers: a new state, or the BFS level the state
// was first stored at (saturated at kLevelMax: a state that deep counts as
// seen earlier, which only costs reduction).
constexpr uint32_t kNew = 0x10000;
constexpr uint32_t kLevelMax = 0xFFFF;
// A state seen before at a deeper level, whose level was lowered to this one
// (depth-first under a depth bound: it is searched again from here).
constexpr uint32_t kLowered = 0x20000;

// Open addressing over fingerprints (hash compaction): 16 bytes a slot, of
// which 112 bits of hash and 16 bits of BFS level; linear probing, a zero
// `a` marks an empty slot (fingerprints have a != 0), grown at 3/4 load.
class FingerprintSet
{
public:
    // Inserts `h` (its low 16 bits of b are replaced by `level`). Returns
    // kNew, or the level the fingerprint was stored with.
    uint32_t insert(Hash128 h, uint16_t level, bool lower = false)
    {
        if (h.a == 0)
            h.a = 1;
        h.b = (h.b & ~uint64_t(0xFFFF)) | level;
        if ((m_size + 1) * 4 > m_slots.size() * 3)
            grow();
        const size_t mask = m_slots.size() - 1;
        for (size_t i = size_t(h.a) & mask;; i = (i + 1) & mask) {
            Hash128 &s = m_slots[i];
            if (s.a == 0) {
                s = h;
                ++m_size;
                return kNew;
            }
            if (s.a == h.a && (s.b | 0xFFFF) == (h.b | 0xFFFF)) {
                if (lower && level < (s.b & 0xFFFF)) {
                    s.b = (s.b & ~uint64_t(0xFFFF)) | level;
                    return kLowered;
                }
                return uint32_t(s.b & 0xFFFF);
            }
        }
    }
    size_t size() const { return m_size; }
    // Asks for the cache line `h` will probe first, without the shard's
    // lock: the table is read through a hint that grow() republishes (a
    // stale hint only prefetches a line nobody needs; a prefetch never
    // faults). On a table larger than the caches the probe's miss was half
    // of the insert's time.
    void prefetch(Hash128 h) const
    {
        const Hash128 *base = m_hint.load(std::memory_order_relaxed);
        const size_t mask = m_hintMask.load(std::memory_order_relaxed);
        if (base)
            __builtin_prefetch(base + (size_t(h.a == 0 ? 1 : h.a) & mask), 1);
    }

private:
    void grow()
    {
        std::vector<Hash128> old(std::max<size_t>(1024, m_slots.size() * 2));
        old.swap(m_slots);
        const size_t mask = m_slots.size() - 1;
        for (const Hash128 &h : old) {
            if (h.a == 0)
                continue;
            size_t i = size_t(h.a) & mask;
            while (m_slots[i].a != 0)
                i = (i + 1) & mask;
            m_slots[i] = h;
        }
        m_hint.store(m_slots.data(), std::memory_order_relaxed);
        m_hintMask.store(mask, std::memory_order_relaxed);
    }
    std::vector<Hash128> m_slots;
    size_t m_size = 0;
    std::atomic<const Hash128 *> m_hint{nullptr};
    std::atomic<size_t> m_hintMask{0};
};

// Exact mode stores each state as a vector of section numbers (SPIN's
// collapse compression, chosen over LTSmin's tree compression because the
// key has natural sections: a process, a thread, the contexts, the objects,
// the requests, QTEE; most steps change one or two of them, and the same
// thread section recurs in thousands of states). A section's words are
// stored once in a Sections table; a state costs a handful of 16-bit (or
// 32-bit) numbers.
class Sections
{
public:
    // The number of `p[0..n)`, new or found.
    uint32_t intern(const Word *p, size_t n, uint64_t h)
    {
        if ((m_count + 1) * 4 > m_table.size() * 3)
            grow();
        const size_t mask = m_table.size() - 1;
        for (size_t i = size_t(h) & mask;; i = (i + 1) & mask) {
            const uint32_t e = m_table[i];
            if (e == 0) {
                const uint32_t id = uint32_t(m_count++);
                m_table[i] = id + 1;
                m_hashes.push_back(h);
                m_offsets.push_back(m_words.size());
                m_words.insert(m_words.end(), p, p + n);
                m_ends.push_back(m_words.size());
                return id;
            }
            const uint32_t id = e - 1;
            if (m_hashes[id] == h && m_ends[id] - m_offsets[id] == n &&
                std::equal(p, p + n, m_words.begin() + ptrdiff_t(m_offsets[id])))
                return id;
        }
    }

private:
    void grow()
    {
        std::vector<uint32_t> t(std::max<size_t>(256, m_table.size() * 2));
        const size_t mask = t.size() - 1;
        for (uint32_t id = 0; id < m_count; ++id) {
            size_t i = size_t(m_hashes[id]) & mask;
            while (t[i] != 0)
                i = (i + 1) & mask;
            t[i] = id + 1;
        }
        m_table.swap(t);
    }
    std::vector<uint32_t> m_table; // section number + 1; 0 = empty
    std::vector<uint64_t> m_hashes, m_offsets, m_ends;
    std::vector<Word> m_words;
    size_t m_count = 0;
};

// Fixed-length vectors of section numbers, in one arena. While every
// number stored in it fits in 16 bits (`narrowLimit`), a vector takes two
// bytes a section: section tables stay small (on three-clients-two-
// supplicants the largest held 5,434 sections for 8.5 M states), so most
// searches never need more, and the vectors are most of exact mode's
// memory. The first number above the limit widens the set to 32 bits, once.
class VectorSet
{
public:
    VectorSet(size_t width, uint32_t narrowLimit)
        : m_width(width)
        , m_narrowLimit(std::min<uint32_t>(narrowLimit, 0xFFFF))
        , m_scratch(width)
    {}
    // kNew, or the level the vector was stored with.
    uint32_t insert(const uint32_t *v, uint64_t h, uint16_t level, bool lower = false)
    {
        if (!m_wide && std::any_of(v, v + m_width, [&](uint32_t x) { return x > m_narrowLimit; }))
            widen();
        if ((m_count + 1) * 4 > m_table.size() * 3)
            grow();
        const size_t mask = m_table.size() - 1;
        for (size_t i = size_t(h) & mask;; i = (i + 1) & mask) {
            const uint32_t e = m_table[i];
            if (e == 0) {
                m_table[i] = uint32_t(++m_count);
                if (m_wide)
                    m_arena.insert(m_arena.end(), v, v + m_width);
                else
                    for (size_t k = 0; k < m_width; ++k)
                        m_narrow.push_back(uint16_t(v[k]));
                m_levels.push_back(level);
                return kNew;
            }
            const size_t at = size_t(e - 1) * m_width;
            if (m_wide ? std::equal(v, v + m_width, m_arena.begin() + ptrdiff_t(at))
                       : std::equal(v, v + m_width, m_narrow.begin() + ptrdiff_t(at))) {
                if (lower && level < m_levels[e - 1]) {
                    m_levels[e - 1] = level;
                    return kLowered;
                }
                return m_levels[e - 1];
            }
        }
    }
    size_t size() const { return m_count; }
    bool wide() const { return m_wide; }

private:
    // Stored vector `id` as 32-bit numbers.
    const uint32_t *stored(size_t id)
    {
        if (m_wide)
            return m_arena.data() + id * m_width;
        std::copy_n(m_narrow.begin() + ptrdiff_t(id * m_width), m_width, m_scratch.begin());
        return m_scratch.data();
    }
    void widen()
    {
        m_arena.assign(m_narrow.begin(), m_narrow.end());
        std::vector<uint16_t>().swap(m_narrow);
        m_wide = true;
    }
    void grow()
    {
        std::vector<uint32_t> t(std::max<size_t>(1024, m_table.size() * 2));
        const size_t mask = t.size() - 1;
        for (size_t id = 0; id < m_count; ++id) {
            size_t i = size_t(hashVector(stored(id), m_width)) & mask;
            while (t[i] != 0)
                i = (i + 1) & mask;
            t[i] = uint32_t(id + 1);
        }
        m_table.swap(t);
    }

public:
    // The table hash of a vector (hashOf gives the same for a stored one).
    static uint64_t hashVector(const uint32_t *v, size_t width) { return hashWords(v, width).a; }

private:
    size_t m_width;
    uint32_t m_narrowLimit;
    bool m_wide = false;
    std::vector<uint16_t> m_narrow; // while !m_wide
    std::vector<uint32_t> m_arena;  // once m_wide
    std::vector<uint32_t> m_scratch;
    std::vector<uint16_t> m_levels; // by vector number
    std::vector<uint32_t> m_table;  // vector number + 1; 0 = empty
    size_t m_count = 0;
};

// The visited set shared by the search's workers: sharded by fingerprint,
// one lock per shard (and per section table in exact mode).
class Visited
{
public:
    Visited(bool exact, size_t sections, uint32_t narrowLimit)
        : m_exact(exact)
        , m_width(sections)
        , m_sections(exact ? sections : 0)
    {
        for (Shard &s : m_shards)
            if (exact)
                s.vectors = std::make_unique<VectorSet>(sections, narrowLimit);
    }
    // Shards whose vectors were widened to 32-bit section numbers.
    size_t wideShards() const
    {
        return size_t(std::count_if(m_shards.begin(), m_shards.end(),
                                    [](const Shard &s) { return s.vectors && s.vectors->wide(); }));
    }
    // A worker's scratch: the section numbers of the key being inserted,
    // and the last section seen at each position with its number. A step
    // changes few sections, and siblings are inserted one after another, so
    // most sections equal the last one at their position: compared word by
    // word, they skip the hash, the shared table and its lock.
    static constexpr uint32_t kNoSection = UINT32_MAX;
    struct Scratch
    {
        std::vector<uint32_t> ids;
        std::vector<std::vector<Word>> lastWords;
        std::vector<uint32_t> lastIds;
    };
    // Inserts the key of `state` (made by `maker`): kNew when it was new,
    // else the (saturated) level it was first stored with. `level` is the
    // BFS level of the state (its depth; saturated at kLevelMax).
    // With `lower`, a state stored at a deeper level gets this one and the
    // answer kLowered.
    uint32_t insert(KeyMaker &maker, const State &state, Scratch &scratch, uint64_t level,
                    bool lower = false)
    {
        if (!m_exact)
            return insertFingerprint(fingerprintOf(maker, state), level, lower);
        const auto lv = uint16_t(std::min<uint64_t>(level, kLevelMax));
        const std::span<const Word> key = maker(state);
        const std::vector<uint32_t> &marks = maker.marks();
        scratch.ids.resize(m_width);
        if (scratch.lastWords.size() != m_width) {
            scratch.lastWords.assign(m_width, {});
            scratch.lastIds.assign(m_width, kNoSection);
        }
        uint32_t begin = 0;
        for (size_t i = 0; i < m_width; ++i) {
            const uint32_t end = i < marks.size() ? marks[i] : uint32_t(key.size());
            const Word *p = key.data() + begin;
            const size_t n = end - begin;
            std::vector<Word> &last = scratch.lastWords[i];
            if (scratch.lastIds[i] != kNoSection && last.size() == n &&
                std::equal(p, p + n, last.begin())) {
                scratch.ids[i] = scratch.lastIds[i];
            } else {
                const uint64_t h = hashWords(p, n).a;
                SectionTable &t = m_sections[i];
                {
                    const std::lock_guard<std::mutex> lock(t.mutex);
                    scratch.ids[i] = t.table.intern(p, n, h);
                }
                last.assign(p, p + n);
                scratch.lastIds[i] = scratch.ids[i];
            }
            begin = end;
        }
        const uint64_t h = VectorSet::hashVector(scratch.ids.data(), m_width);
        Shard &s = m_shards[mum(h, 0xD6E8FEB86659FD93ull) >> (64 - kShardBits)];
        const std::lock_guard<std::mutex> lock(s.mutex);
        return s.vectors->insert(scratch.ids.data(), h, lv, lower);
    }

    // Hash compaction in two halves, so that a worker can make the next
    // successor while the slot of this one is on its way from memory: the
    // fingerprint of `state` (its slot prefetched), then its insert.
    bool exact() const { return m_exact; }
    Hash128 fingerprintOf(KeyMaker &maker, const State &state) const
    {
        assert(!m_exact);
        maker(state);
        const Hash128 h = maker.fingerprint();
        m_shards[h.b >> (64 - kShardBits)].fingerprints.prefetch(h);
        return h;
    }
    // Hash compaction, many at once: each shard's lock is taken once for
    // the fingerprints that fall in it. Two workers that lock a shard in
    // turn pass its cache line back and forth: a batch of 512 takes each of
    // the 64 lines once instead of 512 times.
    // `seen[i]` gets what insertFingerprint(h[i], level) would return; the
    // fingerprints of one shard go in in their order in `h`.
    void insertFingerprints(const Hash128 *h, size_t n, uint64_t level, uint32_t *seen,
                            std::vector<uint32_t> &order)
    {
        assert(n <= 0xFFFF);
        const auto lv = uint16_t(std::min<uint64_t>(level, kLevelMax));
        order.resize(n);
        for (size_t i = 0; i < n; ++i)
            order[i] = uint32_t(h[i].b >> (64 - kShardBits)) << 16 | uint32_t(i);
        std::sort(order.begin(), order.end());
        for (size_t i = 0; i < n;) {
            const uint32_t shard = order[i] >> 16;
            Shard &s = m_shards[shard];
            const std::lock_guard<std::mutex> lock(s.mutex);
            for (; i < n && order[i] >> 16 == shard; ++i) {
                const uint32_t k = order[i] & 0xFFFF;
                seen[k] = s.fingerprints.insert(h[k], lv);
            }
        }
    }
    uint32_t insertFingerprint(Hash128 h, uint64_t level, bool lower = false)
    {
        const auto lv = uint16_t(std::min<uint64_t>(level, kLevelMax));
        Shard &s = m_shards[h.b >> (64 - kShardBits)];
        const std::lock_guard<std::mutex> lock(s.mutex);
        return s.fingerprints.insert(h, lv, lower);
    }

private:
    static constexpr int kShardBits = 6;
    struct alignas(64) Shard // (a line of its own: workers lock neighbouring shards)
    {
        std::mutex mutex;
        FingerprintSet fingerprints;
        std::unique_ptr<VectorSet> vectors;
    };
    struct alignas(64) SectionTable
    {
        std::mutex mutex;
        Sections table;
    };
    bool m_exact;
    size_t m_width;
    std::array<Shard, size_t(1) << kShardBits> m_shards;
    std::vector<SectionTable> m_sections;
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

// An action in 32 bits, for the BFS nodes: kind, thread or process index,
// fault index.
uint32_t packAction(const Action &a)
{
    return (a.kind == Action::Kind::Kill ? 0x80000000u : 0u) | (uint32_t(a.index) & 0x7FFFu) |
           (uint32_t(a.fault + 1) & 0xFFFFu) << 15;
}
Action unpackAction(uint32_t v)
{
    Action a;
    a.kind = (v & 0x80000000u) ? Action::Kind::Kill : Action::Kind::Thread;
    a.index = int32_t(v & 0x7FFFu);
    a.fault = int32_t((v >> 15) & 0xFFFFu) - 1;
    return a;
}

// What the workers collect findings by: (invariant, finding) for a
// violation, (-item, finding) for a spec §9 gap.
std::pair<int, Finding> findingKind(const Event &e)
{
    return {e.kind == EventKind::Gap ? -int(e.gap) : int(e.invariant), e.finding};
}

// A finding's place in the search: the node it was found from and the
// position of its action there, so that workers' findings compare in the
// order a one-thread search meets them.
struct Found
{
    uint64_t node = 0;  // parent node (violation) or the node itself (stuck)
    uint32_t order = 0; // the action's position in the node's enabled list
    Action action;
    std::string detail;
    bool before(const Found &o) const { return node != o.node ? node < o.node : order < o.order; }
};

// Partial-order reduction (docs/model.md, "Exploration"). A step is *safe*
// when it commutes with every step any other actor can take from here on,
// is invisible to every invariant and cannot be disabled: then exploring it
// alone (an ample set of one) loses no reachable violation nor stuck state
// (Peled's conditions C0-C2). The safe steps are user-space work: a
// program's `compute` op and a supplicant's reply delay (serve), which read
// and write only the thread's own registers, of a thread no kill can reach
// any more (no fault of its process left, no program that kills it), while
// no at_step fault waits (each step advances the step counter those read).
// C3, the cycle proviso: breadth-first, a safe step is taken alone only
// along a forward edge (to a state new or first seen at the next level),
// depth-first only to a state not seen before; otherwise the state is
// expanded in full, so every cycle of the reduced graph has a fully
// expanded state. The BFS rule depends on the earlier levels only, so the
// states found do not depend on the number of jobs.
class SafeSteps
{
public:
    SafeSteps(const Simulator &sim, bool on)
        : m_sim(sim)
        , m_on(on)
    {
        const Scenario &sc = sim.scenario();
        m_killedByProgram.assign(sc.processes.size(), false);
        for (const ProcessDecl &p : sc.processes)
            for (const ThreadDecl &t : p.threads)
                for (const Op &op : t.program)
                    if (op.kind == Op::Kind::Kill && op.process >= 0 &&
                        size_t(op.process) < m_killedByProgram.size())
                        m_killedByProgram[size_t(op.process)] = true;
    }
    // The position in `enabled` of a safe step (the lowest thread's), or -1.
    int find(const State &s, const std::vector<Action> &enabled) const
    {
        if (!m_on)
            return -1;
        const auto &faults = m_sim.scenario().faults;
        for (size_t i = 0; i < faults.size(); ++i)
            if (faults[i].when == Fault::When::AtStep && !s.faultsTaken.has(i))
                return -1;
        for (size_t k = 0; k < enabled.size(); ++k) {
            const Action &a = enabled[k];
            if (a.kind != Action::Kind::Thread)
                continue;
            const Thread &t = s.thread(ThreadId(a.index));
            if (t.worker || t.phase != Phase::User || t.fatalPending)
                continue;
            if (m_sim.nextSyscall(s, t).kind != SyscallKind::Compute)
                continue;
            // A step that first passes a wait reads its variables, which
            // another thread's failed step can set back to nothing (which
            // would disable this one): not safe.
            if (m_sim.atWait(t))
                continue;
            if (killable(s, t.process))
                continue;
            return int(k);
        }
        return -1;
    }

private:
    bool killable(const State &s, ProcessId p) const
    {
        if (size_t(p.v) < m_killedByProgram.size() && m_killedByProgram[size_t(p.v)])
            return true;
        const auto &faults = m_sim.scenario().faults;
        for (size_t i = 0; i < faults.size(); ++i)
            if (faults[i].process == p.v && !s.faultsTaken.has(i))
                return true;
        return false;
    }
    const Simulator &m_sim;
    bool m_on;
    std::vector<bool> m_killedByProgram; // by process index
};

// One search, with the bookkeeping every worker shares.
struct Search
{
    const Simulator &sim;
    const ExploreOptions &opts;
    ExploreResult res;
    Visited visited;
    // Each on a cache line of its own: `bound` is read before every step by
    // every worker, and a counter written by one worker on the same line
    // would take the line from the other at each write.
    alignas(64) std::atomic<uint64_t> states{0}; // workers add theirs in batches (Worker::counted)
    alignas(64) std::atomic<uint64_t> transitions{0};
    alignas(64) std::atomic<int> bound{int(ExploreBound::None)}; // set: stop now
    alignas(64) std::atomic<uint64_t> reduced{0}; // states expanded with one safe step only
    alignas(64) std::mutex progressMutex;         // (nor shares `reduced`'s line)
    SafeSteps safe;

    Search(const Simulator &s, const ExploreOptions &o, size_t sections)
        : sim(s)
        , opts(o)
        , visited(o.exact, sections, o.narrowSectionLimit)
        , safe(s, o.reduction && !o.maxDepth)
    {
        res.exact = o.exact;
    }

    bool stopped() const
    {
        return bound.load(std::memory_order_relaxed) != int(ExploreBound::None);
    }
    void stop(ExploreBound b)
    {
        int none = int(ExploreBound::None);
        bound.compare_exchange_strong(none, int(b));
    }
    // Periodic checks (any worker): memory, interrupt, state bound,
    // progress. False: stop.
    // `sinceCheck`: the calling worker's own count (no shared cache line
    // written on every transition); `unpublished`: the new states it found
    // and has not added to `states` yet (added here, at each check).
    bool keepGoing(uint64_t depth, uint64_t &sinceCheck, uint64_t &unpublished)
    {
        if (stopped())
            return false;
        if (opts.interrupt && opts.interrupt->load(std::memory_order_relaxed)) {
            stop(ExploreBound::Interrupted);
            return false;
        }
        if (opts.maxStates && states.load(std::memory_order_relaxed) >= opts.maxStates) {
            stop(ExploreBound::States);
            return false;
        }
        if (++sinceCheck % 1024 == 0) {
            publish(unpublished);
            const uint64_t rss = residentBytes();
            {
                const std::lock_guard<std::mutex> lock(progressMutex);
                res.peakRss = std::max(res.peakRss, rss);
                const uint64_t n = states.load(std::memory_order_relaxed);
                if (opts.progress && n - m_lastProgress >= opts.progressEvery) {
                    m_lastProgress = n;
                    opts.progress(n, depth, rss);
                }
            }
            if (opts.memoryBytes && rss > opts.memoryBytes) {
                stop(ExploreBound::Memory);
                return false;
            }
        }
        return true;
    }

    // Keeps a finding of the kind `kind` (findingKind) unless one of that
    // kind is known: the first one, in the order of the search. `first`: it
    // is also its invariant's first.
    void record(const std::pair<int, Finding> &kind, std::vector<Action> path,
                const std::string &detail, bool first)
    {
        ExploreFinding e;
        e.invariant = std::max(kind.first, 0);
        e.gap = std::max(-kind.first, 0);
        e.finding = kind.second;
        e.path = std::move(path);
        e.detail = detail;
        if (e.gap) {
            res.gaps.emplace(std::make_pair(e.gap, e.finding), std::move(e));
            return;
        }
        if (first && !res.violations.count(e.invariant))
            res.violations.emplace(e.invariant, e);
        res.byFinding.emplace(kind, std::move(e));
    }

    void publish(uint64_t &unpublished)
    {
        if (unpublished) {
            states.fetch_add(unpublished, std::memory_order_relaxed);
            unpublished = 0;
        }
    }

private:
    uint64_t m_lastProgress = 0;
};

// What one worker needs: its own key maker, scratch states and the findings
// of the level it works on.
struct alignas(64) Worker // (no cache line shared with another worker)
{
    KeyMaker key;
    EventList events;
    std::vector<Action> enabled;
    Visited::Scratch collapsed;
    State next;
    uint64_t transitions = 0; // applied by this worker
    uint64_t sinceCheck = 0;
    uint64_t unpublished = 0; // new states not yet in Search::states
    // BFS: the path to the last node rebuilt (a node per level) and the
    // States kept along it (null: not kept, bfs's stateOf); scratch
    std::vector<uint32_t> chain;
    std::vector<std::unique_ptr<State>> states;
    std::vector<uint32_t> want;
    State rebuilt;
    // this level's results
    struct NewNode
    {
        uint32_t parent;
        uint32_t order;
        uint32_t action;
    };
    std::vector<NewNode> found;
    std::map<std::pair<int, Finding>, Found> violations; // and gaps, by findingKind
    std::optional<Found> stuck;
    uint64_t maxDepth = 0;

    Worker(const Simulator &sim, const State &init, bool symmetry)
        : key(sim, init, symmetry)
    {}

    // Applies `a` to a copy of `here` in `next` (buffers reused) and notes
    // the violations it shows. True when `next` is a new state.
    // `level`: the BFS level of the successor. Returns kNew, or the level
    // the successor was first seen at.
    uint32_t step(Search &S, const State &here, const Action &a, uint64_t from, uint32_t order,
                  uint64_t level, bool lower = false)
    {
        next = here;
        return stepInPlace(S, next, a, from, order, level, lower);
    }
    // The same, applying `a` to `st` itself.
    uint32_t stepInPlace(Search &S, State &st, const Action &a, uint64_t from, uint32_t order,
                         uint64_t level, bool lower = false)
    {
        apply(S, st, a, from, order);
        const uint32_t seen = S.visited.insert(key, st, collapsed, level, lower);
        if (seen == kNew)
            counted(S);
        return seen;
    }
    // A new state: added to Search::states at once under a states bound
    // (which counts every insert before the next step), else in batches.
    void counted(Search &S)
    {
        if (S.opts.maxStates)
            S.states.fetch_add(1, std::memory_order_relaxed);
        else
            ++unpublished;
    }
    bool keepGoing(Search &S, uint64_t depth)
    {
        return S.keepGoing(depth, sinceCheck, unpublished);
    }
    // Applies `a` to `st` and notes the violations it shows.
    void apply(Search &S, State &st, const Action &a, uint64_t from, uint32_t order)
    {
        events.clear();
        S.sim.engine().applyUntimed(st, a, events);
        ++transitions;
        for (const Event &e : events) { // violations and gaps only (applyUntimed)
            const auto kind = findingKind(e);
            auto it = violations.find(kind);
            Found f{from, order, a, {}};
            if (it != violations.end() && !f.before(it->second))
                continue;
            f.detail = vocab::findingText(S.sim, e);
            violations[kind] = std::move(f);
        }
    }

    // Hash compaction, a full expansion: the successors' inserts wait in a
    // batch of kBatch (flushed when full, at a change of level and when the
    // worker stops), so that each one's slot comes from memory meanwhile
    // (FingerprintSet::prefetch) and each shard is locked once per batch
    // (Visited::insertFingerprints). A new state is a new node of the
    // level, as with step(); the level's nodes are sorted into one-thread
    // order at its end, so the order of the inserts does not show.
    static constexpr size_t kBatch = 512;
    std::vector<Hash128> batch;
    std::vector<NewNode> batchNodes;
    std::vector<uint32_t> batchSeen, batchOrder;
    uint64_t batchLevel = 0;
    void deferred(Search &S, State &st, const Action &a, uint64_t from, uint32_t order,
                  uint64_t level)
    {
        apply(S, st, a, from, order);
        const Hash128 h = S.visited.fingerprintOf(key, st);
        if (!batch.empty() && level != batchLevel)
            flush(S);
        batchLevel = level;
        batch.push_back(h);
        batchNodes.push_back({uint32_t(from), order, packAction(a)});
        if (batch.size() == kBatch)
            flush(S);
    }
    void flush(Search &S)
    {
        if (batch.empty())
            return;
        batchSeen.resize(batch.size());
        S.visited.insertFingerprints(batch.data(), batch.size(), batchLevel, batchSeen.data(),
                                     batchOrder);
        for (size_t i = 0; i < batch.size(); ++i)
            if (batchSeen[i] == kNew) {
                counted(S);
                found.push_back(batchNodes[i]);
            }
        batch.clear();
        batchNodes.clear();
    }
    void checkStuck(const Search &S, const State &s, uint64_t node)
    {
        if (stuck || !enabled.empty())
            return;
        std::string who;
        if (!S.sim.engine().stuck(s, &who))
            return;
        stuck = Found{node, 0, {}, std::move(who)};
    }
};

// Breadth-first, level by level, keeping no state in the queue: nodes are
// stored in BFS order (each one its parent and the action from it, 8
// bytes), so the levels are contiguous ranges. A node's state is rebuilt
// from its path; consecutive nodes share most of theirs and only the tail
// is re-applied. With several jobs, the workers take chunks of a level;
// its new nodes are put in the order a one-thread search gives them (by
// parent, then by action), so the states found, the verdicts and the
// counterexamples' lengths do not depend on the number of jobs.
void bfs(Search &S, const State &init, unsigned jobs)
{
    struct Node
    {
        uint32_t parent;
        uint32_t action;
    };
    std::vector<Node> nodes;
    const auto pathTo = [&nodes](uint64_t index) {
        std::vector<Action> p;
        for (uint64_t i = index; i != 0; i = nodes[i].parent)
            p.push_back(unpackAction(nodes[i].action));
        std::reverse(p.begin(), p.end());
        return p;
    };
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned j = 0; j < jobs; ++j)
        workers.push_back(std::make_unique<Worker>(S.sim, init, S.opts.reduction));
    struct Count
    {
        Search &S;
        std::vector<std::unique_ptr<Worker>> &workers;
        ~Count()
        {
            for (const auto &w : workers)
                S.transitions += w->transitions;
        }
    } count{S, workers};
    // `depth`: the node's BFS level (its path has depth + 1 nodes, the root
    // first). The walk up stops at the first node already on the cached
    // chain (at its own level there), not at the root: walking every path
    // to the root made a deep, narrow space quadratic (a 300,000-step loop
    // took 112 s, 1.1 s depth-first).
    // The States kept along the chain: the last kWindow levels, and every
    // kStride-th level above them, so that a deep path costs a State per
    // kStride levels (a 300,000-step loop kept 300,000 States, 1.7-3.4 KB
    // a stored state); a rebuild that leaves the window starts from the
    // nearest kept level. Siblings share all but their last step, so the
    // usual rebuild applies one step.
    constexpr uint64_t kWindow = 64, kStride = 64;
    constexpr uint64_t kChunkNodes = 64; // nodes a worker takes at a time
    const auto store = [](Worker &w, uint64_t level, const State &st) {
        if (w.states.size() <= level)
            w.states.resize(level + 1);
        if (w.states[level])
            *w.states[level] = st;
        else
            w.states[level] = std::make_unique<State>(st);
    };
    const auto stateOf = [&](Worker &w, uint32_t index, uint64_t depth) -> State & {
        if (w.chain.empty()) {
            w.chain.assign(1, 0);
            store(w, 0, init);
        }
        w.want.clear(); // the path below the common part, deepest first
        uint32_t i = index;
        uint64_t d = depth;
        while (d > 0 && (d >= w.chain.size() || w.chain[d] != i)) {
            w.want.push_back(i);
            i = nodes[i].parent;
            --d;
        }
        w.chain.resize(d + 1); // chain[0..d] is this node's path too
        const auto keep = [&](uint64_t level) {
            return level % kStride == 0 || level + kWindow > depth;
        };
        const auto apply = [&](State &st, uint32_t node) {
            w.events.clear();
            S.sim.engine().applyUntimed(st, unpackAction(nodes[node].action), w.events);
        };
        // from the nearest kept level at or above d (the root always is)
        uint64_t c = d;
        while (c >= w.states.size() || !w.states[c])
            --c;
        // One copy per level built: into the level's kept State, or into
        // the scratch one while the levels are not kept.
        const State *cur = w.states[c].get();
        const auto next = [&](uint64_t level, uint32_t node) {
            if (keep(level)) {
                store(w, level, *cur);
                apply(*w.states[level], node);
                cur = w.states[level].get();
            } else {
                if (cur != &w.rebuilt)
                    w.rebuilt = *cur;
                apply(w.rebuilt, node);
                cur = &w.rebuilt;
            }
        };
        for (uint64_t level = c + 1; level <= d; ++level)
            next(level, w.chain[level]);
        for (auto it = w.want.rbegin(); it != w.want.rend(); ++it) {
            const uint64_t level = w.chain.size();
            if (!keep(level) && level < w.states.size())
                w.states[level].reset(); // (a stale State of another path)
            next(level, *it);
            w.chain.push_back(*it);
            // a level that left the window is dropped unless on the stride
            if (level >= kWindow && (level - kWindow) % kStride != 0 &&
                level - kWindow < w.states.size())
                w.states[level - kWindow].reset();
        }
        return *w.states[depth];
    };

    {
        Worker &w = *workers[0];
        S.visited.insert(w.key, init, w.collapsed, 0);
    }
    nodes.push_back({0, 0});
    S.states = 1;
    uint64_t levelBegin = 0, levelEnd = 1, depth = 0;
    while (levelBegin < levelEnd && !S.stopped()) {
        std::atomic<uint64_t> cursor{levelBegin};
        const bool atBound = S.opts.maxDepth && depth >= S.opts.maxDepth;
        std::atomic<bool> depthHit{false};
        const auto expand = [&](Worker &w) {
            constexpr uint64_t kChunk = kChunkNodes;
            for (;;) {
                const uint64_t first = cursor.fetch_add(kChunk, std::memory_order_relaxed);
                if (first >= levelEnd)
                    return;
                const uint64_t last = std::min(levelEnd, first + kChunk);
                for (uint64_t index = first; index < last; ++index) {
                    State &here = stateOf(w, uint32_t(index), depth);
                    S.sim.engine().enabled(here, w.enabled);
                    w.checkStuck(S, here, index);
                    if (w.enabled.empty())
                        continue;
                    if (atBound) {
                        depthHit = true;
                        continue;
                    }
                    const int ample = S.safe.find(here, w.enabled);
                    if (ample >= 0) {
                        if (!w.keepGoing(S, depth))
                            return;
                        const Action a = w.enabled[size_t(ample)];
                        const uint32_t seen = w.step(S, here, a, index, uint32_t(ample), depth + 1);
                        if (seen == kNew)
                            w.found.push_back({uint32_t(index), uint32_t(ample), packAction(a)});
                        // C3: alone only along a forward edge (to the next
                        // level), whoever found that state first.
                        if (seen == kNew || (depth + 1 < kLevelMax && seen == depth + 1)) {
                            S.reduced.fetch_add(1, std::memory_order_relaxed);
                            continue;
                        }
                    }
                    uint32_t lastOrder = uint32_t(w.enabled.size()) - 1;
                    if (int(lastOrder) == ample && lastOrder > 0)
                        --lastOrder;
                    for (uint32_t order = 0; order < w.enabled.size(); ++order) {
                        if (int(order) == ample)
                            continue;
                        if (!w.keepGoing(S, depth))
                            return;
                        const Action a = w.enabled[order];
                        // The last successor is made in the node's own state,
                        // which is then no longer on the path cache.
                        const bool inPlace = order == lastOrder;
                        // (deferred only without a states bound, which
                        // counts every insert before the next step)
                        if (!S.visited.exact() && !S.opts.maxStates) {
                            State &st = inPlace ? here : (w.next = here, w.next);
                            w.deferred(S, st, a, index, order, depth + 1);
                        } else if ((inPlace
                                        ? w.stepInPlace(S, here, a, index, order, depth + 1)
                                        : w.step(S, here, a, index, order, depth + 1)) == kNew) {
                            w.found.push_back({uint32_t(index), order, packAction(a)});
                        }
                        if (inPlace) // its state is a successor's now: off the chain
                            w.chain.resize(depth);
                    }
                }
            }
        };
        for (auto &w : workers) // (every worker's: the level collects them all)
            w->found.clear();
        const auto work = [&](Worker &w) {
            expand(w);
            w.flush(S);
            S.publish(w.unpublished);
        };
        // A level of a few chunks is not worth the threads: starting and
        // joining them cost more than its expansion (a 300,000-level
        // loop took 14.5 s with two jobs, 0.6 s with one). One worker does
        // it, in the one-thread order either way.
        if (jobs == 1 || levelEnd - levelBegin <= 4 * kChunkNodes) {
            work(*workers[0]);
        } else {
            std::vector<std::thread> threads;
            for (unsigned j = 1; j < jobs; ++j)
                threads.emplace_back(work, std::ref(*workers[j]));
            work(*workers[0]);
            for (std::thread &t : threads)
                t.join();
        }
        if (depthHit) {
            S.res.complete = false;
            if (S.res.bound == ExploreBound::None)
                S.res.bound = ExploreBound::Depth;
        }
        // The level's new nodes (put in one-thread order below).
        std::vector<Worker::NewNode> level;
        for (auto &w : workers)
            level.insert(level.end(), w->found.begin(), w->found.end());
        // The level's violations, each kind's first in one-thread order.
        std::map<std::pair<int, Finding>, const Found *> firsts;
        for (auto &w : workers)
            for (auto &[kind, f] : w->violations) {
                const Found *&best = firsts[kind];
                if (!best || f.before(*best))
                    best = &f;
            }
        std::map<int, const Found *> byInvariant;
        for (auto &[kind, f] : firsts) {
            if (kind.first < 0) // a gap
                continue;
            const Found *&best = byInvariant[kind.first];
            if (!best || f->before(*best))
                best = f;
        }
        for (auto &[kind, f] : firsts) {
            std::vector<Action> path = pathTo(f->node);
            path.push_back(f->action);
            S.record(kind, std::move(path), f->detail,
                     kind.first > 0 && byInvariant.at(kind.first) == f);
        }
        for (auto &w : workers) {
            if (w->stuck && !S.res.stuck) {
                bool better = true;
                for (auto &other : workers)
                    if (other != w && other->stuck && other->stuck->node < w->stuck->node)
                        better = false;
                if (better) {
                    ExploreFinding e;
                    e.path = pathTo(w->stuck->node);
                    e.detail = w->stuck->detail;
                    S.res.stuck = std::move(e);
                }
            }
        }
        for (auto &w : workers) {
            w->violations.clear();
            w->stuck.reset();
        }
        std::sort(level.begin(), level.end(), [](const auto &x, const auto &y) {
            return x.parent != y.parent ? x.parent < y.parent : x.order < y.order;
        });
        if (nodes.size() + level.size() >= UINT32_MAX) {
            S.stop(ExploreBound::States);
            break;
        }
        for (const auto &n : level)
            nodes.push_back({n.parent, n.action});
        if (!level.empty())
            S.res.maxDepth = depth + 1;
        levelBegin = levelEnd;
        levelEnd = nodes.size();
        ++depth;
    }
}

void dfs(Search &S, const State &init)
{
    // A frame keeps its State while it is among the last kWindow levels of
    // the path or on every kStride-th level; the others are dropped as the
    // path grows and rebuilt from the nearest kept one when the search
    // comes back to them (with every level between, so each is rebuilt
    // once per return). A deep, narrow path kept a State per level: 1.6 GB
    // at 10,000 levels of a growing queue.
    constexpr size_t kWindow = 64, kStride = 64;
    struct Frame
    {
        State state;
        bool kept = true;
        std::vector<Action> actions;
        size_t next = 0;
        bool ample = false; // actions[0] is a safe step
    };
    Worker w(S.sim, init, S.opts.reduction);
    struct Count
    {
        Search &S;
        Worker &w;
        ~Count()
        {
            S.transitions += w.transitions;
            S.publish(w.unpublished);
        }
    } count{S, w};
    std::vector<Frame> stack;
    std::vector<Action> path; // path[i] leads from stack[i] to stack[i + 1]
    uint64_t order = 0;       // states in the order DFS meets them
    const auto record = [&] {
        for (auto &[kind, f] : w.violations) {
            std::vector<Action> p = path;
            p.push_back(f.action);
            S.record(kind, std::move(p), f.detail, true);
        }
        w.violations.clear();
    };
    const auto push = [&](const State &s) {
        S.sim.engine().enabled(s, w.enabled);
        w.checkStuck(S, s, order);
        if (w.stuck && !S.res.stuck) {
            ExploreFinding e;
            e.path = path;
            e.detail = w.stuck->detail;
            S.res.stuck = std::move(e);
        }
        if (!w.enabled.empty() && S.opts.maxDepth && path.size() >= S.opts.maxDepth) {
            S.res.complete = false;
            if (S.res.bound == ExploreBound::None)
                S.res.bound = ExploreBound::Depth;
            w.enabled.clear();
        }
        S.res.maxDepth = std::max<uint64_t>(S.res.maxDepth, path.size());
        // A safe step first: when it leads somewhere new, nothing else is
        // taken from here (see SafeSteps).
        const int ample = S.safe.find(s, w.enabled);
        if (ample > 0)
            std::rotate(w.enabled.begin(), w.enabled.begin() + ample,
                        w.enabled.begin() + ample + 1);
        stack.push_back({s, true, w.enabled, 0, ample >= 0});
        if (stack.size() > kWindow) {
            const size_t old = stack.size() - 1 - kWindow;
            if (old % kStride != 0 && stack[old].kept) {
                stack[old].state = State{};
                stack[old].kept = false;
            }
        }
    };
    EventList scratch;
    // The top frame's State, rebuilt if it was dropped.
    const auto ensure = [&](size_t at) {
        if (stack[at].kept)
            return;
        size_t from = at;
        while (!stack[from].kept)
            --from; // the root is always kept
        for (size_t k = from; k < at; ++k) {
            stack[k + 1].state = stack[k].state;
            scratch.clear();
            S.sim.engine().applyUntimed(stack[k + 1].state, path[k], scratch);
            stack[k + 1].kept = true;
        }
    };
    const bool depthBound = S.opts.maxDepth != 0;
    S.visited.insert(w.key, init, w.collapsed, 0);
    S.states = 1;
    push(init);
    while (!stack.empty()) {
        Frame &top = stack.back();
        if (top.next >= top.actions.size()) {
            stack.pop_back();
            if (!path.empty())
                path.pop_back();
            continue;
        }
        if (!w.keepGoing(S, path.size()))
            return;
        ensure(stack.size() - 1);
        const Action a = top.actions[top.next++];
        // Under a depth bound a state is searched again when met at a
        // shallower depth than before: the first time, deep, the bound may
        // have cut successors that are within it from here (SPIN's depth
        // limit has the same trap). Depths are kept to kLevelMax.
        const uint32_t seen =
            w.step(S, top.state, a, ++order, 0, depthBound ? path.size() + 1 : 0, depthBound);
        const bool fresh = seen == kNew || seen == kLowered;
        record();
        if (top.ample && top.next == 1) {
            if (fresh) {
                top.next = top.actions.size(); // the safe step alone
                S.reduced.fetch_add(1, std::memory_order_relaxed);
            }
        }
        if (!fresh)
            continue;
        path.push_back(a);
        push(w.next);
    }
}

} // namespace

std::vector<uint32_t> canonicalKey(const Simulator &sim, const State &s)
{
    KeyMaker k(sim, s);
    const std::span<const Word> key = k(s);
    return {key.begin(), key.end()};
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
    // Birthday bound over 112-bit fingerprints: n^2 / 2^113.
    const double n = double(states);
    return std::min(1.0, n * n / std::ldexp(1.0, 113));
}

namespace {
// A safe step taken alone can make a path longer than the shortest one
// (the step moves before a violation it does not cause). So the lengths
// found with reduction are checked by a search without it, bounded to the
// longest of them: its breadth-first findings are shortest, and replace
// the reduced search's. When that search stops at another bound first, the
// findings it did not reach keep shortestConfirmed = false.
void confirmShortest(const Simulator &sim, const ExploreOptions &opts, ExploreResult &res)
{
    uint64_t longest = 0;
    for (const auto &[inv, f] : res.violations)
        longest = std::max(longest, f.length());
    for (const auto &[kind, f] : res.byFinding) // (the "also" findings)
        longest = std::max(longest, f.length());
    if (res.stuck)
        longest = std::max(longest, res.stuck->length());
    ExploreOptions plain = opts;
    plain.reduction = false;
    plain.maxDepth = opts.maxDepth ? std::min(opts.maxDepth, longest) : longest;
    plain.progress = nullptr;
    const ExploreResult check = explore(sim, plain);
    res.confirmStates = check.states;
    res.confirmSeconds = check.seconds;
    const bool complete = check.complete || check.bound == ExploreBound::Depth;
    res.confirmComplete = complete;
    res.confirmBound = check.bound;
    for (auto &[inv, f] : res.violations) {
        const auto it = check.violations.find(inv);
        if (it != check.violations.end() && it->second.length() <= f.length()) {
            f.path = it->second.path;
            f.detail = it->second.detail;
            f.shortestConfirmed = true;
        } else {
            f.shortestConfirmed = complete;
        }
    }
    for (auto &[kind, f] : res.byFinding) {
        const auto it = check.byFinding.find(kind);
        if (it != check.byFinding.end() && it->second.length() <= f.length()) {
            f.path = it->second.path;
            f.detail = it->second.detail;
            f.shortestConfirmed = true;
        } else {
            f.shortestConfirmed = complete;
        }
    }
    // Gaps do not lengthen the search: one reached deeper than every
    // violation stays unconfirmed (reported as such).
    for (auto &[kind, f] : res.gaps) {
        const auto it = check.gaps.find(kind);
        f.shortestConfirmed = it != check.gaps.end() && it->second.length() <= f.length();
        if (f.shortestConfirmed) {
            f.path = it->second.path;
            f.detail = it->second.detail;
        }
    }
    if (res.stuck) {
        if (check.stuck && check.stuck->length() <= res.stuck->length()) {
            res.stuck->path = check.stuck->path;
            res.stuck->detail = check.stuck->detail;
            res.stuck->shortestConfirmed = true;
        } else {
            res.stuck->shortestConfirmed = complete;
        }
    }
}
} // namespace

ExploreResult explore(const Simulator &sim, const ExploreOptions &opts)
{
    const State init = sim.initialState();
    const uint64_t rssBefore = residentBytes();
    const Clock clock;
    KeyMaker probe(sim, init, opts.reduction);
    probe(init);
    Search S(sim, opts, probe.marks().size());
    S.res.reduction = opts.reduction;
    S.res.porOffForDepth = opts.reduction && opts.maxDepth;
    S.res.symmetricThreads = probe.groups();
    S.res.rssBefore = rssBefore;
    S.res.peakRss = rssBefore;
    const bool bfsSearch = opts.strategy == ExploreOptions::Strategy::Bfs;
    S.res.jobs = bfsSearch ? std::max(1u, opts.jobs) : 1u;
    if (bfsSearch)
        bfs(S, init, S.res.jobs);
    else
        dfs(S, init);
    const auto stopped = ExploreBound(S.bound.load());
    if (stopped != ExploreBound::None) {
        S.res.complete = false;
        if (S.res.bound == ExploreBound::None || S.res.bound == ExploreBound::Depth)
            S.res.bound = stopped;
    }
    S.res.states = S.states.load();
    S.res.transitions = S.transitions.load();
    S.res.reducedStates = S.reduced.load();
    S.res.seconds = clock.seconds();
    S.res.peakRss = std::max(S.res.peakRss, residentBytes());
    S.res.wideShards = unsigned(S.visited.wideShards());
    if (bfsSearch && S.res.reducedStates > 0 && S.res.found()) {
        confirmShortest(sim, opts, S.res);
    } else if (!bfsSearch) { // depth-first lengths are where the search met them
        for (auto &[inv, f] : S.res.violations)
            f.shortestConfirmed = false;
        for (auto &[kind, f] : S.res.byFinding)
            f.shortestConfirmed = false;
        for (auto &[kind, f] : S.res.gaps)
            f.shortestConfirmed = false;
        if (S.res.stuck)
            S.res.stuck->shortestConfirmed = false;
    } else if (S.res.reducedStates > 0)
        for (auto &[kind, f] : S.res.gaps)
            f.shortestConfirmed = false; // a safe step taken alone may have lengthened it
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
    std::string why;
    const std::string json = counterexampleCapture(sim, f, &why);
    if (json.empty()) {
        if (error)
            *error = path + ": " + why;
        return false;
    }
    return writeFileAtomically(path, json, error);
}

namespace {
// The note explore writes at a finding's last step (findingRun), read back
// by isExploreNote and exploreNoteInvariant.
constexpr const char *kExploreNote = "explore: ";
const std::string kViolationNote =
    std::string(kExploreNote) + "the shortest path found to a violation of I";
} // namespace

std::optional<FindingRun> findingRun(const Simulator &sim, const ExploreFinding &f,
                                     std::string *error)
{
    FindingRun r;
    const std::vector<std::string> schedule = findingSchedule(sim, f);
    std::string why;
    r.trace = replay(sim, schedule, &why);
    if (!why.empty()) {
        if (error)
            *error = "the counterexample does not replay: " + why;
        return std::nullopt;
    }
    r.options.policy = Policy::Scripted;
    // (a bound above the path: its last step is not where a max_steps cut it)
    r.options.maxSteps = std::max<uint64_t>(sim.scenario().maxSteps, schedule.size() + 1);
    r.options.useSchedule = false;
    r.note.step = schedule.size();
    r.note.text = f.invariant ? kViolationNote + std::to_string(f.invariant) + ": " + f.detail
                  : f.gap ? std::string(kExploreNote) + "the shortest path found to spec §9 gap " +
                                std::to_string(f.gap) + ": " + f.detail
                          : std::string(kExploreNote) + "stuck: " + f.detail;
    r.focus = schedule.size();
    return r;
}

bool isExploreNote(const std::string &text)
{
    return text.rfind(kExploreNote, 0) == 0;
}

std::string exploreNoteShort(const std::string &text)
{
    const std::string found = std::string(kExploreNote) + "the shortest path found to ";
    if (text.rfind(kViolationNote, 0) == 0)
        return kExploreNote + text.substr(kViolationNote.size() - 1); // keeps the "I"
    if (text.rfind(found, 0) == 0)
        return kExploreNote + text.substr(found.size());
    return text;
}

int exploreNoteInvariant(const std::string &text)
{
    const std::string prefix = kViolationNote;
    if (text.rfind(prefix, 0) != 0)
        return 0;
    int v = 0;
    for (size_t i = prefix.size(); i < text.size() && text[i] >= '0' && text[i] <= '9' && v < 100;
         ++i)
        v = v * 10 + (text[i] - '0');
    return v >= 1 && v <= kInvariantCount ? v : 0;
}

std::string counterexampleCapture(const Simulator &sim, const ExploreFinding &f, std::string *error)
{
    const std::optional<FindingRun> r = findingRun(sim, f, error);
    if (!r)
        return {};
    return captureToJson(sim, r->trace, r->options, {r->note}, r->focus);
}

const ExploreFinding *shortestFinding(const ExploreResult &r)
{
    const ExploreFinding *first = nullptr;
    for (const auto &[inv, f] : r.violations)
        if (!first || f.length() < first->length())
            first = &f;
    if (!first && r.stuck)
        first = &*r.stuck;
    return first;
}

const ExploreFinding *shortestGap(const ExploreResult &r)
{
    const ExploreFinding *first = nullptr;
    for (const auto &[kind, f] : r.gaps)
        if (!first || f.length() < first->length())
            first = &f;
    return first;
}

std::string exploreVerdict(const ExploreResult &r)
{
    // What was found, with each shortest length: "I11 (8 steps), stuck (13
    // steps)". A finding is a fact whatever bound the search hit; what a
    // bounded search does not prove is that nothing else is there.
    std::string what;
    for (const auto &[inv, f] : r.violations)
        what += (what.empty() ? "I" : ", I") + std::to_string(inv) + " (" +
                vocab::steps(f.length()) + ")";
    if (r.stuck)
        what += (what.empty() ? "" : ", ") + std::string("a stuck state (") +
                vocab::steps(r.stuck->length()) + ")";
    const bool found = r.found();
    std::string verdict;
    if (!r.complete)
        verdict = (found ? "found " + what : std::string("no violation")) + " in " +
                  std::to_string(r.states) + " states up to depth " + std::to_string(r.maxDepth) +
                  "; " +
                  (r.bound == ExploreBound::Interrupted
                       ? std::string("the search was interrupted")
                       : "the " + std::string(exploreBoundName(r.bound)) + " bound was hit") +
                  (found ? ": other findings may be missed" : ": not a proof");
    else if (r.exact)
        verdict = (found ? "found " + what + "; searched"
                         : std::string("no violation and no stuck state in")) +
                  " all " + std::to_string(r.states) + " reachable states";
    else // every state was reached, unless two shared a fingerprint
        verdict = (found ? "found " + what + "; searched"
                         : std::string("no violation and no stuck state in")) +
                  " the " + std::to_string(r.states) +
                  " states reached (hash compaction, not exhaustive: a state sharing another's "
                  "fingerprint would be missed; --exact keeps every state)";
    if (!r.gaps.empty()) {
        std::string items;
        int last = 0, count = 0;
        for (const auto &[kind, f] : r.gaps)
            if (kind.first != last) {
                items += (items.empty() ? "" : ", ") + std::to_string(kind.first);
                last = kind.first;
                ++count;
            }
        // "gap 3", not "gaps ...: 3", which read as a count
        verdict += std::string("; spec §9 ") + (count == 1 ? "gap " : "gaps ") + items +
                   " reached (notes, not findings)";
    }
    return verdict;
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
