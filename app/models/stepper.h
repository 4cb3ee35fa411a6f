// Stepping through a run and branching it (issue 10), GUI-free. A Stepper
// keeps a tree of branches: the first is the recorded run; every other one
// leaves its parent after a fork step, having taken another enabled action
// there, and goes on from that action by the run's policy or step by step.
//
// Jumping is fast: each branch keeps engine States (checkpoints) every
// `interval` steps of its own part and the Action it took at each step, so
// stateAt() copies the nearest checkpoint at or before the step and
// re-applies at most interval - 1 recorded Actions (no label matching, no
// enabled() call).
//
// No engine logic here: the engine enables, applies and labels; the policy
// continuation is sim::run itself, run on a copy of the scenario whose fixed
// schedule is the branch's path (so every policy of simulator.h continues a
// branch exactly as it runs a scenario after its schedule).
#pragma once

#include "simulator/simulator.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class Stepper
{
public:
    // Checkpoint interval: a jump re-applies at most kDefaultInterval - 1
    // stored Actions (about 0.3 us each on the stress scenario) after one
    // State copy: about 0.14 ms a jump (0.27 ms at worst) and 790 KB of checkpoints on a
    // 100,000-step stress run (bench_stepper.cpp).
    static constexpr uint64_t kDefaultInterval = 1024;

    enum class Continuation : uint8_t {
        Policy,     // after the chosen action, the run's policy runs to its end or maxSteps
        StepByStep, // the branch ends after the chosen action; choose() extends it
    };

    struct BranchInfo
    {
        int id = -1;
        QString name;
        int parent = -1;       // -1 for the recorded run
        uint64_t forkStep = 0; // the parent's step after which this branch leaves it
        uint64_t steps = 0;    // steps of the whole path from step 1
        std::string forkLabel; // the action taken at forkStep + 1 (empty for the root)
        tee::sim::StopReason stop = tee::sim::StopReason::Finished;
        bool stepByStep = false; // made step by step (extends in place at its end)
    };

    struct Choice
    {
        tee::Action action;
        std::string label; // Engine::label
        bool next = false; // the action the branch takes after this step
    };

    struct ChooseResult
    {
        int branch = -1;      // the branch the cursor should follow
        uint64_t step = 0;    // the step the chosen action became (the cursor's new place)
        bool created = false; // a new branch was made
    };

    // The recorded run: `trace` as the simulator gave it (sim::run, a
    // capture's replay). The Actions are recovered once from the spans'
    // actors (a kill's label is matched with Engine::matchLabel). Null and
    // `error` when a step of the trace is not enabled in the engine.
    static std::unique_ptr<Stepper> create(std::shared_ptr<const tee::sim::Simulator> sim,
                                           tee::sim::Trace trace, const tee::sim::RunOptions &opts,
                                           std::string *error = nullptr,
                                           uint64_t interval = kDefaultInterval);

    const tee::sim::Simulator &simulator() const { return *m_sim; }
    std::shared_ptr<const tee::sim::Simulator> simulatorPtr() const { return m_sim; }
    const tee::sim::RunOptions &options() const { return m_opts; }
    uint64_t interval() const { return m_interval; }

    // -- branches ---------------------------------------------------------------
    int rootId() const { return 0; }
    bool contains(int branch) const { return find(branch) != nullptr; }
    // Every branch, in creation order (the root first).
    std::vector<BranchInfo> branches() const;
    std::optional<BranchInfo> info(int branch) const;
    uint64_t stepCount(int branch) const;
    bool rename(int branch, const QString &name);
    // Discards the branch and every branch forking from it; not the root.
    // Returns the ids discarded (empty when nothing was).
    std::vector<int> discard(int branch);
    // The whole path from step 1 as one Trace (for RunDocument::makeRun and
    // sim::writeCapture). The root's is the recorded trace, unchanged.
    tee::sim::Trace trace(int branch) const;

    // -- stepping ---------------------------------------------------------------
    // The State after `step` steps of the branch (0: the initial state);
    // nullopt when the branch is unknown or step > stepCount.
    std::optional<tee::State> stateAt(int branch, uint64_t step) const;
    // The actions enabled after `step`, the branch's next one marked.
    std::vector<Choice> enabledAt(int branch, uint64_t step) const;
    // Takes enabled action `actionIndex` (an index into enabledAt) after
    // `step`. The branch's own next action: nothing changes, the result
    // points at step + 1. At the end of a branch other than the root: the
    // branch is extended in place. Elsewhere: a new branch forks at `step`.
    // Nullopt (and `error`) on a bad branch, step or index.
    std::optional<ChooseResult> choose(int branch, uint64_t step, size_t actionIndex,
                                       Continuation continuation, std::string *error = nullptr);

    // -- figures ----------------------------------------------------------------
    size_t checkpointCount() const;
    // Heap and struct bytes of every checkpoint State (vector capacities).
    size_t checkpointBytes() const;
    // Bytes of the stored Actions.
    size_t actionBytes() const;

private:
    struct Branch
    {
        int id = -1;
        QString name;
        int parent = -1;
        uint64_t fork = 0;                 // steps 1..fork are the parent's
        std::vector<tee::Action> actions;  // steps fork+1.. (index 0 = step fork+1)
        std::vector<std::string> schedule; // their labels
        std::vector<tee::sim::StepSpan> spans;
        tee::EventList events; // events of steps fork+1.. only
        // checkpoints[i]: the State after step (firstCheckpoint() + i * interval)
        std::vector<tee::State> checkpoints;
        tee::State final;
        tee::sim::StopReason stop = tee::sim::StopReason::Finished;
        std::string stopDetail;
        bool stepByStep = false;
        uint64_t end() const { return fork + actions.size(); }
    };

    Stepper(std::shared_ptr<const tee::sim::Simulator> sim, const tee::sim::RunOptions &opts,
            uint64_t interval);

    const Branch *find(int id) const;
    Branch *find(int id);
    BranchInfo infoOf(const Branch &b) const;
    uint64_t firstCheckpoint(const Branch &b) const; // first multiple of interval > fork
    const tee::Action &actionAt(const Branch &b, uint64_t step) const; // step >= 1
    // Applies `a` to `s` as step s.step + 1 of `b` (appending to its own part).
    void append(Branch &b, tee::State &s, const tee::Action &a);
    void addCheckpoint(Branch &b, const tee::State &s);
    bool continueByPolicy(Branch &b, tee::State &s, std::string *error);
    void finishStepByStep(Branch &b, const tee::State &s);
    void truncate(Branch &b, uint64_t end);
    std::vector<std::string> pathSchedule(const Branch &b) const;

    std::shared_ptr<const tee::sim::Simulator> m_sim;
    tee::sim::RunOptions m_opts;
    uint64_t m_interval = kDefaultInterval;
    tee::State m_initial;
    uint64_t m_rootViolations = 0;                   // the recorded trace's count
    std::vector<std::unique_ptr<Branch>> m_branches; // creation order
    int m_nextId = 0;
};
