// Stepping back and jumping (issue 10): Stepper::stateAt on a 100,000-step
// run of the built-in stress scenario (random policy, seed 1), for several
// checkpoint intervals K. Counters: the checkpoints' bytes and count, the
// stored Actions' bytes, K. Target: a jump costs no more than 50 ms.
#include "app/models/stepper.h"

#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <benchmark/benchmark.h>

#include <map>
#include <random>
#include <stdexcept>

namespace {

constexpr uint64_t kSteps = 100000;

struct Recorded
{
    std::shared_ptr<const tee::sim::Simulator> sim;
    tee::sim::RunOptions opts;
    tee::sim::Trace trace;
};

const Recorded &recorded()
{
    static const Recorded r = [] {
        std::string err;
        auto sc = tee::sim::loadBuiltin("stress", &err);
        if (!sc)
            throw std::runtime_error(err);
        Recorded out;
        out.sim = std::make_shared<const tee::sim::Simulator>(sc);
        out.opts = {sc->policy, sc->seed, kSteps, true};
        out.trace = tee::sim::run(*out.sim, out.opts, &err);
        if (out.trace.schedule.size() != kSteps)
            throw std::runtime_error("stress did not run 100,000 steps");
        return out;
    }();
    return r;
}

const Stepper &stepper(uint64_t interval)
{
    static std::map<uint64_t, std::unique_ptr<Stepper>> cache;
    auto &slot = cache[interval];
    if (!slot) {
        std::string err;
        const Recorded &r = recorded();
        slot = Stepper::create(r.sim, r.trace, r.opts, &err, interval);
        if (!slot)
            throw std::runtime_error(err);
    }
    return *slot;
}

void counters(benchmark::State &state, const Stepper &st)
{
    state.counters["K"] = double(st.interval());
    state.counters["checkpoints"] = double(st.checkpointCount());
    state.counters["ckpt_bytes"] = double(st.checkpointBytes());
    state.counters["action_bytes"] = double(st.actionBytes());
}

// One jump to a uniformly random step of the 100,000.
void BM_StepperJump(benchmark::State &state)
{
    const Stepper &st = stepper(uint64_t(state.range(0)));
    std::mt19937_64 rng(1);
    for (auto _ : state) {
        const uint64_t step = rng() % (kSteps + 1);
        auto s = st.stateAt(st.rootId(), step);
        benchmark::DoNotOptimize(s);
    }
    counters(state, st);
}
BENCHMARK(BM_StepperJump)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(4096)
    ->Arg(16384)
    ->Unit(benchmark::kMicrosecond);

// The worst jump: the step just before a checkpoint (K - 1 actions re-applied).
void BM_StepperJumpWorst(benchmark::State &state)
{
    const Stepper &st = stepper(uint64_t(state.range(0)));
    const uint64_t k = st.interval();
    const uint64_t step = (kSteps / k - 1) * k + (k - 1);
    for (auto _ : state) {
        auto s = st.stateAt(st.rootId(), step);
        benchmark::DoNotOptimize(s);
    }
    counters(state, st);
}
BENCHMARK(BM_StepperJumpWorst)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(4096)
    ->Arg(16384)
    ->Unit(benchmark::kMicrosecond);

// Stepping back one step from a random step (what Left does).
void BM_StepperStepBack(benchmark::State &state)
{
    const Stepper &st = stepper(Stepper::kDefaultInterval);
    std::mt19937_64 rng(2);
    for (auto _ : state) {
        const uint64_t step = 1 + rng() % kSteps;
        auto s = st.stateAt(st.rootId(), step - 1);
        benchmark::DoNotOptimize(s);
    }
    counters(state, st);
}
BENCHMARK(BM_StepperStepBack)->Unit(benchmark::kMicrosecond);

// The enabled-actions panel at a random step (stateAt, enabled, labels).
void BM_StepperEnabledAt(benchmark::State &state)
{
    const Stepper &st = stepper(Stepper::kDefaultInterval);
    std::mt19937_64 rng(3);
    for (auto _ : state) {
        auto c = st.enabledAt(st.rootId(), rng() % (kSteps + 1));
        benchmark::DoNotOptimize(c);
    }
}
BENCHMARK(BM_StepperEnabledAt)->Unit(benchmark::kMicrosecond);

// Building the Stepper from the recorded 100,000-step trace (once per run
// shown): the Actions recovered and the checkpoints taken.
void BM_StepperCreate(benchmark::State &state)
{
    const Recorded &r = recorded();
    for (auto _ : state) {
        auto st = Stepper::create(r.sim, r.trace, r.opts, nullptr, Stepper::kDefaultInterval);
        benchmark::DoNotOptimize(st);
    }
}
BENCHMARK(BM_StepperCreate)->Unit(benchmark::kMillisecond)->Iterations(3);

// Branching at step 50,000 and continuing by the policy to 100,000 steps
// (sim::run replays the 50,000-step path as a fixed schedule first).
void BM_StepperBranchByPolicy(benchmark::State &state)
{
    const Recorded &r = recorded();
    std::string err;
    auto st = Stepper::create(r.sim, r.trace, r.opts, &err, Stepper::kDefaultInterval);
    const uint64_t fork = kSteps / 2;
    const auto choices = st->enabledAt(st->rootId(), fork);
    size_t pick = 0;
    while (pick < choices.size() && choices[pick].next)
        ++pick;
    if (pick == choices.size())
        throw std::runtime_error("one action at the fork");
    for (auto _ : state) {
        auto res = st->choose(st->rootId(), fork, pick, Stepper::Continuation::Policy);
        benchmark::DoNotOptimize(res);
        state.PauseTiming();
        st->discard(res->branch);
        state.ResumeTiming();
    }
}
BENCHMARK(BM_StepperBranchByPolicy)->Unit(benchmark::kMillisecond)->Iterations(3);

// One step-by-step branch step at a random place (fork, apply one action).
void BM_StepperBranchOneStep(benchmark::State &state)
{
    const Recorded &r = recorded();
    std::string err;
    auto st = Stepper::create(r.sim, r.trace, r.opts, &err, Stepper::kDefaultInterval);
    std::mt19937_64 rng(4);
    for (auto _ : state) {
        const uint64_t at = rng() % kSteps;
        const auto choices = st->enabledAt(st->rootId(), at);
        auto res =
            st->choose(st->rootId(), at, choices.size() - 1, Stepper::Continuation::StepByStep);
        benchmark::DoNotOptimize(res);
        state.PauseTiming();
        if (res->created)
            st->discard(res->branch);
        state.ResumeTiming();
    }
}
BENCHMARK(BM_StepperBranchOneStep)->Unit(benchmark::kMicrosecond);

} // namespace
