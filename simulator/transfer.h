// The schedule-transfer rule (issue 10): re-run a recorded schedule under
// another design (a variant or a policy change) and report every point where
// the new run departed from the recording. GUI-free: the app's variant and
// policy selectors use it, and so will a side-by-side comparison of designs.
//
// THE RULE
//
// Both simulators run the same scenario (threads and processes are matched by
// index); only the variant (and the policy used for fallbacks) differ. The
// recording is first replayed under `source`, so each recorded step is known
// by what it did (vocab::ActionInfo), not only by its label.
//
// Actors and queues. Each recorded step belongs to one actor: the thread that
// took it, or, for a scenario fault ("kill app"), the killed process; the
// kills of one process form a queue of their own. The recording is split into
// one queue per actor, in recorded order: the k-th entry of a thread's queue
// is the k-th action of that thread (not the k-th step overall: a lock wait
// or an SRCU step shifts the global count).
//
// Matching. A recorded step and an action enabled in the new state are "the
// same action" (sameAction) when they have the same actor and the same
// vocab::Verb and agree on the verb's key fields, the ones the thread's own
// program chooses: Invoke and InvokeRelease: objref and op; QteeCallback: op;
// RecvMarshal: the argument index; Close: fd; ShmAlloc and Compute: amount;
// SupplSend: the ret sent; Kill and KillSyscall: process. Other fields (req#,
// reqs_idr ids, obj serials, QTEE ids, errnos the driver returns) are not
// compared: they change with the design, and labels with them.
//
// Each step of the new run (a thread has at most one enabled action; a
// process at most one kill):
//  1. Tail. When every recorded step has been used (matched, skipped), the
//     policy of `opts` chooses; the first such step is reported once (Tail).
//  2. The due step is the earliest recorded step not yet used; its actor is
//     the due actor. If the due actor has an enabled action `a`:
//     a. `a` is the same action as the actor's queue head: take it.
//     b. else `a` is the same action as one of the next kSkipWindow (2) entries
//        of the actor's queue: the entries before it have no counterpart in
//        the new design (a `wait reqs_lock` recorded under argument=lock and
//        replayed under srcu; a RECV relock and its restarted SUPPL_RECV that
//        the other request order does not need): each is reported Skipped,
//        and `a` is taken as the match of the entry after them.
//     c. else `a` is a step the recording does not have here (a lock wait or a
//        synchronize_srcu of the new design, an extra RECV round): take it and
//        report it Extra; the queue is left as it is.
//  3. The due actor has no enabled action (blocked, or its kill is not
//     enabled): the recorded step is not enabled. The heads of the other
//     queues are tried in recorded order; the first whose actor has an
//     enabled action that is the same action as its head is taken (the
//     per-thread order is kept, the global order changes). The due step is
//     reported NotEnabled, once, at the first step taken past it.
//  4. No head can be taken: the policy of `opts` chooses among all enabled
//     actions (PolicyChoice, reported at every such step). If the chosen
//     action is the same action as its actor's queue head, or as one within
//     the skip window (2b), it is used as that entry's match.
//  The run stops when nothing is enabled or the policy chooses nothing
//  (Finished or Stuck, as run() decides) or after opts.maxSteps steps
//  (MaxSteps). Recorded steps still unused then are reported Unreached.
//
// Every iteration takes one step or stops, so the transfer terminates within
// opts.maxSteps steps; it is deterministic (the Random policy draws from
// opts.seed only when the policy chooses). The policy's own state (the
// round-robin's last thread, the random generator) only sees the steps the
// policy chose, so a transfer with no departure before the tail continues
// exactly as run() does after a fixed schedule equal to the transferred
// prefix. The target scenario's own fixed schedule is not used
// (opts.useSchedule is ignored): the recording is the schedule.
#pragma once

#include "simulator/simulator.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tee::sim {

// A recorded step, known by what it did.
struct RecordedStep
{
    std::string label;      // as recorded
    Action action;          // as enabled under the recording's design
    vocab::ActionInfo info; // Engine::describe before it was taken
};

// Replays `schedule` under `sim` and describes each step. On a label that is
// not enabled: the steps before it, and `error` set (as replay() words it).
std::vector<RecordedStep> recordedSteps(const Simulator &sim,
                                        const std::vector<std::string> &schedule,
                                        std::string *error = nullptr);

// The matching rule above: same actor, verb and key fields.
bool sameAction(const vocab::ActionInfo &recorded, const vocab::ActionInfo &now);

// How many later entries of a thread's queue rule 2b looks at.
inline constexpr size_t kSkipWindow = 2;

struct Departure
{
    enum class Why : uint8_t {
        Skipped,      // a recorded step with no counterpart: left out (2b)
        Extra,        // a step of the new design the recording does not have (2c)
        NotEnabled,   // the due recorded step was not enabled; another actor went first (3)
        PolicyChoice, // no recorded step could be taken: the policy chose (4)
        Tail,         // the recording is used up: the policy goes on from here (1)
        Unreached,    // the new run ended before this recorded step
    };
    uint64_t step = 0; // 1-based step of the new run: the step taken (Skipped: the
                       // step taken right after the skip; Unreached: run length + 1)
    Why why = Why::Extra;
    uint64_t recordedStep = 0; // 1-based recorded step concerned: the skipped, not enabled or
                               // unreached one; for Extra and PolicyChoice the due one;
                               // 0 when none (Tail, or nothing left)
    ThreadId thread;           // the actor of the step taken (Skipped, Unreached: of the
                               // recorded step); invalid for a kill
    ProcessId process;         // the killed process when the step concerned is a kill
    std::string recorded;      // label of the recorded step concerned (empty when none)
    std::string taken;         // label of the step taken (empty for Skipped, Unreached)
    bool operator==(const Departure &) const = default;
};
const char *departureName(Departure::Why why); // "skipped", "extra", "not-enabled", ...
// One line: "step 15: extra: app/client: synchronize_srcu (before recorded step 16
// \"app/client: callback response -ENODEV\")".
std::string departureText(const Departure &d);

struct TransferResult
{
    Trace trace;                       // the new run (a valid run of the target)
    std::vector<Departure> departures; // in the order of the new run's steps
    // Per step of the new run: the 1-based recorded step it reproduces, 0 for
    // a step the recording does not have (Extra, a policy step, the tail).
    std::vector<uint64_t> origin;
    std::string error; // the recording does not replay under `source` (nothing run)
};

// Transfers `recorded` (a schedule of `source`) to `target`. opts: policy and
// seed for the fallbacks and the tail, maxSteps the bound of the new run.
TransferResult transferSchedule(const Simulator &source, const std::vector<std::string> &recorded,
                                const Simulator &target, const RunOptions &opts);
inline TransferResult transferSchedule(const Simulator &source, const Trace &recorded,
                                       const Simulator &target, const RunOptions &opts)
{
    return transferSchedule(source, recorded.schedule, target, opts);
}

} // namespace tee::sim
