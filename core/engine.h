// The driver model as an explicit-state machine: enabled(state) lists the
// actions every actor can take now, apply(state, action) performs one and
// reports typed events, and the invariants of spec §8 are checked after every
// step. The engine is deterministic: the same actions in the same order give
// the same events and the same state hash.
#pragma once

#include "event.h"
#include "state.h"
#include "types.h"
#include "vocabulary.h"

#include <string>
#include <vector>

namespace tee {

// The version of the model's behaviour: bumped whenever the same schedule
// can give other events or other labels (captures record it; docs/model.md
// lists what each version changed, the later ones only there). 1: teescope
// 0.1; 2: lock waits are steps,
// per-thread simulated time; 3: the vocabulary (labels name req#N, objref N,
// ctx1; arguments count from 0), typed findings, events carry their actor;
// 4: reqs_lock as the kernel's mutex; 5: a req_c wait names its context;
// 6: a RELEASE notification's enqueue sleeps on a reqs_lock held by another
// thread; 7: I13 is checked (a request that ends twice), and RECV's
// marshalling failure leaves a placeholder in place (argument=srcu); 8: a
// direct invocation's first SMC can fail (SHARED clear: the SCM error, QTEE's
// copies dropped, their xa ids left: §9 item 3), I4 checked at the free;
// 9: a program's wait step is reported (Blocked and Woken, reason user_wait);
// 10: a program's kill starts no earlier than its victim's earlier steps;
// 11: gap 8 (gaps=faithful) is the self-deadlock it names: RECV sleeps on
// its own reqs_lock for ever; a callback to the NULL id hands out nothing;
// 12: the fd table orders steps in time; 13: the release worker's shared
// oic starts with SHARED set, a compute step records no syscall_return;
// 14: qcomtee_remove closes the driver context under its reqs_lock (spec
// §3.7 step 1), and an I9 violation names the older request's reqs_idr id.
inline constexpr int kModelVersion = 20;

struct Action
{
    enum class Kind : uint8_t {
        Thread, // the thread `index` takes its next step (user or kernel)
        Kill,   // deliver SIGKILL to process `index` (fault `fault` of the scenario)
    } kind = Kind::Thread;
    int32_t index = -1;
    int32_t fault = -1;
    bool operator==(const Action &) const = default;
};

// Simulated time of each kind of step, in nanoseconds.
struct Costs
{
    int64_t syscall = 500;  // entering the kernel for an ioctl
    int64_t lock = 50;      // taking or dropping reqs_lock
    int64_t marshal = 200;  // one argument copied by RECV/SEND
    int64_t smc = 2000;     // one SMC round trip including QTEE's work
    int64_t dispatch = 300; // callback servicing bookkeeping
    int64_t wakeup = 1000;  // a woken thread gets the CPU back
    int64_t kill = 100;     // delivering a signal
    int64_t close = 1000;   // close_context work
    int64_t userStep = 100; // user-space work between syscalls
    int64_t release = 500;  // one release work item
    bool operator==(const Costs &) const = default;
};

// The world around the driver: the QTEE peer and the user programs. The
// simulator implements it; the engine calls it at the SMC boundary and at the
// user/kernel boundary. Whatever state the environment needs lives inside
// State (Thread::pc/regs, Oic::qtee, State::qtee), so a State stays a value.
class Environment
{
public:
    virtual ~Environment() = default;

    // What the thread does next in user space. SyscallKind::None means it has
    // nothing to do now (it is not runnable).
    virtual Syscall nextSyscall(const State &s, const Thread &t) const = 0;
    // The syscall returned; update the program's registers and pc.
    virtual void syscallReturned(State &s, Thread &t, const SyscallResult &r) const = 0;

    // QTEE receives a direct invocation (t.oic: target wire id, op, args with
    // wire ids) or a RELEASE from the release worker, and answers in
    // t.oic.reply. It must account for every reference it receives.
    virtual void qteeInvoke(State &s, Thread &t) const = 0;
    // QTEE receives a callback response (result, OO wire ids in t.oic.qtee.cbOut).
    virtual void qteeCallbackResponse(State &s, Thread &t, int32_t result) const = 0;
    // The kernel made no wrapper for the IO objects of QTEE's callback `r`
    // from index `first` on: it refused the callback before it read any
    // argument (spec §3.2 steps 1-2: a NULL, raw, unknown or stale callback
    // id, or a failed get), it was a RELEASE or RETAIN (which read none), or
    // the parse failed at IO `first`. QTEE takes back the references it
    // counted for them (I5). Its response follows.
    virtual void qteeCallbackUnread(State &s, Thread &t, const QteeReply &r, size_t first) const
    {
        (void)s, (void)t, (void)r, (void)first;
    }

    // Scenario faults that may fire now (Action::Kind::Kill).
    virtual void enabledFaults(const State &s, std::vector<Action> &out) const
    {
        (void)s;
        (void)out;
    }

    // True when a thread in user space waits there (a program's `wait` step
    // on variables no thread set yet): then it is blocked, not done
    // (nextSyscall says None either way). Asked per thread per timed step:
    // it builds no text.
    virtual bool waitsInUserSpace(const State &s, const Thread &t) const
    {
        (void)s;
        (void)t;
        return false;
    }
    // What it waits for ("variables fd, svc"), empty when it does not wait.
    virtual std::string userWait(const State &s, const Thread &t) const
    {
        (void)s;
        (void)t;
        return {};
    }
    // False when no thread can ever wait in user space (userWait is then
    // always empty): a timed step skips looking for waits.
    virtual bool hasUserWaits() const { return true; }
    // The variables the wait step at `pc` of thread `t`'s program names
    // ("fd, svc"), for the text of its Blocked and Woken events.
    virtual std::string waitVariables(ThreadId t, int32_t pc) const
    {
        (void)t;
        (void)pc;
        return {};
    }

    // Names for labels and exports.
    virtual std::string processName(ProcessId p) const;
    virtual std::string threadName(ThreadId t) const; // "P1/T1"; "qcomtee_wq" for the worker
};

struct ThreadSpec
{
    int32_t process = 0;
    int32_t registers = 0;
};

class Engine
{
public:
    Engine(const Environment &env, Variant variant = {}, Costs costs = {});

    const Variant &variant() const { return m_variant; }
    const Costs &costs() const { return m_costs; }
    const Environment &environment() const { return m_env; }

    // The system at boot: the driver context (id 0), the given processes and
    // threads (all in user space, pc 0), and the release worker as the last
    // thread.
    State initialState(const std::vector<int32_t> &processRegisters,
                       const std::vector<ThreadSpec> &threads) const;

    // Every action that can be taken in `s`, threads in index order, then
    // faults. Blocked threads have none.
    void enabled(const State &s, std::vector<Action> &out) const;
    std::vector<Action> enabled(const State &s) const;

    // A stable, readable label: "P2/T1: SUPPL_RECV", "kill P1",
    // "qcomtee_wq: release obj 5"...
    std::string label(const State &s, const Action &a) const;
    // What the action does, typed (the vocabulary renders it).
    vocab::ActionInfo describe(const State &s, const Action &a) const;
    // The label model versions 1 and 2 gave it (schedules written before).
    std::string legacyLabel(const State &s, const Action &a) const;
    // The enabled action a schedule label names: the one whose label equals
    // it; else the one whose legacy label does. -1 when none; -2 when the
    // legacy label names several (`why` lists them).
    int matchLabel(const State &s, const std::vector<Action> &enabled, const std::string &label,
                   std::string *why = nullptr) const;

    // Performs one action in place and appends the events it caused
    // (including invariant violations).
    void apply(State &s, const Action &a, EventList &events) const;
    State applied(const State &s, const Action &a, EventList &events) const;
    // Exploration's apply (issue 11): the same state change and the same
    // invariant checks, but only the violations and the spec §9 gaps are
    // appended (no other event is built) and no clock moves. Exploration is untimed
    // (docs/model.md, "Exploration"): nothing the engine decides reads a
    // clock, so the state differs from apply()'s in its times only.
    void applyUntimed(State &s, const Action &a, EventList &findings) const;

    // True when nothing is in flight: every thread is in user space, exited,
    // idle, or waiting in RECV. Reference invariants (I3, I5) hold exactly here.
    static bool quiescent(const State &s);

    // Why a thread has no enabled action ("waiting on completion of req 3").
    std::string blockedWhy(const State &s, ThreadId t) const;
    // The context whose reqs_lock, held by another thread, the thread's next
    // step sleeps on (that step is mutex_lock going to sleep), else invalid.
    // Found by running the step on a copy: a RELEASE notification's enqueue
    // only shows when a put turns out to be the last.
    ContextId sleepsOnLock(const State &s, ThreadId t) const;
    vocab::WaitInfo waitInfo(const State &s, ThreadId t) const;

    // The stuck rule, for a state where nothing more will be taken: some
    // thread waits for ever, as SPIN reports an invalid end state. Idle
    // threads are not stuck: exited, the release worker with no work, a
    // supplicant asleep in RECV with nothing queued, a program with nothing
    // left to do. `who` gets who waits on what ("; " between threads).
    bool stuck(const State &s, std::string *who = nullptr) const;

private:
    struct Ctx;
    void applyStep(State &s, const Action &a, EventList &events, bool timed) const;
    void userWaitEvents(const State &s, ThreadId actor,
                        const std::vector<std::pair<ThreadId, int32_t>> &before, bool initial,
                        EventList &events, std::vector<ThreadId> &released) const;
    const Environment &m_env;
    Variant m_variant;
    Costs m_costs;
};

} // namespace tee
