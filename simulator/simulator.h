// The built-in QTEE and the user-space actors: an Environment for the engine
// built from a Scenario, plus the scheduler that picks one enabled action per
// step (a fixed schedule, the scripted order, round-robin or seeded random).
#pragma once

#include "core/engine.h"
#include "simulator/scenario.h"

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace tee::sim {

class Simulator final : public Environment
{
public:
    explicit Simulator(std::shared_ptr<const Scenario> scenario);
    Simulator(std::shared_ptr<const Scenario> scenario, const Variant &variant);

    const Scenario &scenario() const { return *m_scenario; }
    std::shared_ptr<const Scenario> scenarioPtr() const { return m_scenario; }
    const Engine &engine() const { return m_engine; }
    State initialState() const;

    // Environment
    Syscall nextSyscall(const State &s, const Thread &t) const override;
    void syscallReturned(State &s, Thread &t, const SyscallResult &r) const override;
    void qteeInvoke(State &s, Thread &t) const override;
    void qteeCallbackResponse(State &s, Thread &t, int32_t result) const override;
    void qteeCallbackUnread(State &s, Thread &t, const QteeReply &r, size_t first) const override;
    void enabledFaults(const State &s, std::vector<Action> &out) const override;
    std::string processName(ProcessId p) const override;
    std::string threadName(ThreadId t) const override;
    bool waitsInUserSpace(const State &s, const Thread &t) const override;
    std::string userWait(const State &s, const Thread &t) const override;
    std::string waitVariables(ThreadId t, int32_t pc) const override;
    bool hasUserWaits() const override { return m_hasWaits; }
    // The thread's program is at a `wait` step (over or not).
    bool atWait(const Thread &t) const;
    // Its next step certainly enters a syscall that looks its fd up (open,
    // close, an ioctl): it starts no earlier than the process's fd table's
    // last change (docs/model.md, "Time"). A bound for the timed policy.
    bool nextStepUsesFds(const Thread &t) const;

private:
    const Op *currentOp(const Thread &t) const;
    void normalize(const State &s, Thread &t) const;
    bool waitOver(const State &s, const Thread &t, const Op &wait) const;
    // The names of the wait step's variables, ", "-separated: every one, or
    // (with `unsetIn`) those that hold nothing in that state.
    std::string waitNames(size_t process, const Op &wait, const State *unsetIn = nullptr,
                          const Thread *t = nullptr) const;
    // QTEE
    const std::vector<QteeStep> &script(int32_t index) const;
    int32_t scriptFor(int32_t service, uint32_t op, bool onRelease) const;
    uint32_t newQteeObject(State &s, int32_t service) const;
    uint32_t resolve(State &s, Thread &t, const QteeRef &r, bool handOut) const;
    void forget(State &s, Thread &t, uint32_t id) const;
    void runQtee(State &s, Thread &t) const;
    void finishQtee(State &s, Thread &t, const QteeStep &ret, std::vector<uint32_t> async,
                    bool releasing) const;

    std::shared_ptr<const Scenario> m_scenario;
    std::vector<const std::vector<QteeStep> *> m_scripts;
    std::vector<std::pair<int32_t, int32_t>> m_threadOwner; // (process, thread in process)
    bool m_hasWaits = false;                                // some program has a wait step
    std::vector<std::string> m_threadNames;
    Engine m_engine;
};

// How far a run on another thread is, for a progress bar (the app's
// loader): `steps` taken so far out of at most `of` (the step bound, or a
// replayed schedule's length), updated every few hundred steps.
struct RunProgress
{
    std::atomic<uint64_t> steps{0};
    std::atomic<uint64_t> of{0};
    std::atomic<bool> done{false}; // the run is over (`steps` is its length)
};

struct RunOptions
{
    Policy policy = Policy::Scripted;
    uint64_t seed = 1;
    uint64_t maxSteps = 10000;
    bool useSchedule = true; // follow the scenario's fixed schedule when it has one
    // Set from another thread (the app's Cancel, its window closing): run()
    // stops before its next step and says so in `error`. Not recorded.
    const std::atomic<bool> *cancel = nullptr;
    RunProgress *progress = nullptr; // (not recorded either)
};

enum class StopReason : uint8_t {
    Finished,    // every thread exited or is idle, nothing enabled
    Stuck,       // some thread is blocked and nothing is enabled
    MaxSteps,    // the step bound was reached
    ScheduleEnd, // a fixed schedule ran out (and nothing else was asked)
};
const char *stopReasonName(StopReason r);

// When step k (schedule[k - 1]) ran in simulated time, and which thread
// took it (invalid for a scenario fault).
struct StepSpan
{
    int64_t startNs = 0;
    int64_t endNs = 0;
    ThreadId actor;
    vocab::Verb verb = vocab::Verb::Idle; // what the step did (vocab::driverRef names the code)
    bool operator==(const StepSpan &) const = default;
};

// A reviewer's note, anchored to a step (0: before the first) and, if it
// says so, to an entity by the vocabulary's lane name ("req#3", "obj5",
// "app/client", "ctx1"). Captures keep them; the exports and the app show
// them at their step.
struct Note
{
    uint64_t step = 0;
    std::string text;
    std::string entity; // empty: the run as a whole
    bool operator==(const Note &) const = default;
};

struct Trace
{
    std::vector<std::string> schedule; // label of the action taken at each step
    std::vector<StepSpan> spans;       // one per schedule entry
    EventList events;
    State final;
    StopReason stop = StopReason::Finished;
    std::string stopDetail; // who is blocked on what, for Stuck
    uint64_t violations = 0;
};

// The driver function an event of the trace models, knowing its step's verb
// (vocab::driverRef(e, verb): a request's transition names the function of
// the spec §2.5 table that makes it).
vocab::DriverRef driverRefOf(const Trace &trace, size_t event);

// Runs a scenario. A fixed schedule step whose label is not enabled gives an
// error naming the step (returned in `error`, trace left partial); so does
// RunOptions::cancel (kCancelled).
Trace run(const Simulator &sim, const RunOptions &opts, std::string *error = nullptr);
inline constexpr const char *kCancelled = "cancelled";

// Replays an explicit list of labels (a capture's schedule). `cancel` (set
// from another thread) stops it at its next step with the error kCancelled;
// `progress` follows it.
Trace replay(const Simulator &sim, const std::vector<std::string> &schedule,
             std::string *error = nullptr, const std::atomic<bool> *cancel = nullptr,
             RunProgress *progress = nullptr);

// Why a run stops when its policy takes nothing more at `s`: Finished, or
// Stuck when some thread is blocked (who waits on what in `detail`).
StopReason quiescentStop(const Simulator &sim, const State &s, std::string *detail);

// Why a run stops at its step bound: MaxSteps when a step was left to take
// (`enabled` at `s`), else how it ended (quiescentStop). run, transfer and
// the capture reader's check all call it.
StopReason boundStop(const Simulator &sim, const State &s, const std::vector<Action> &enabled,
                     std::string *detail);

// One step into a trace: its label, its events, its span, its violations.
void applyToTrace(const Simulator &sim, State &s, const Action &a, Trace &tr);

// Picks the action the scripted policy takes in `s` among `enabled`.
size_t scriptedChoice(const Simulator &sim, const State &s, const std::vector<Action> &enabled);

// run()'s policies with their state (round-robin's last thread, random's
// generator), for every caller that re-runs a scenario by the same rules
// (run(), transfer). It only sees the steps it chose.
class PolicyChooser
{
public:
    PolicyChooser(Policy policy, uint64_t seed)
        : m_policy(policy)
        , m_rng(seed)
    {}
    // The index in `enabled` of the action to take; enabled.size() when the
    // policy takes nothing (nothing enabled).
    size_t choose(const Simulator &sim, const State &s, const std::vector<Action> &enabled);

private:
    Policy m_policy;
    std::mt19937_64 m_rng;
    int32_t m_lastThread = -1;
};

} // namespace tee::sim
