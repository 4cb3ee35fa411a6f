// The timeline model (simulator/timeline.h) on long runs of the `stress`
// built-in: build time and bytes per event, the state after a random step
// (query 1) and a window of 1% of the run on the time axis (query 2). Each
// run is simulated once per size, outside the timed loops, with the random
// policy and seed 42 (as bench_engine picks its actions).
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"
#include "simulator/timeline.h"

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>
#include <stdexcept>

namespace {

struct StressRun
{
    std::shared_ptr<tee::sim::Scenario> scenario;
    tee::sim::Trace trace;
    std::vector<tee::ProcessId> processOf;
    int32_t threads = 0;
    int32_t processes = 0;
    std::unique_ptr<tee::sim::Timeline> timeline; // built once for the query benchmarks
};

const StressRun &stressRun(uint64_t steps)
{
    static std::map<uint64_t, std::unique_ptr<StressRun>> runs;
    auto &slot = runs[steps];
    if (slot)
        return *slot;
    auto r = std::make_unique<StressRun>();
    std::string error;
    r->scenario = tee::sim::loadBuiltin("stress", &error);
    if (!r->scenario)
        throw std::runtime_error(error);
    const tee::sim::Simulator sim(r->scenario);
    tee::sim::RunOptions opts;
    opts.policy = tee::sim::Policy::Random;
    opts.seed = 42;
    opts.useSchedule = false;
    opts.maxSteps = steps;
    r->trace = tee::sim::run(sim, opts, &error);
    if (!error.empty())
        throw std::runtime_error(error);
    r->trace.final = tee::State{}; // the model never reads it
    r->processOf = tee::sim::Timeline::threadProcesses(*r->scenario);
    r->threads = r->scenario->threadCount() + 1;
    r->processes = int32_t(r->scenario->processes.size());
    r->timeline =
        std::make_unique<tee::sim::Timeline>(r->trace, r->threads, r->processes, r->processOf);
    slot = std::move(r);
    return *slot;
}

void BM_TimelineBuild(benchmark::State &state)
{
    const StressRun &r = stressRun(uint64_t(state.range(0)));
    size_t bytes = 0, intervals = 0, instants = 0, lanes = 0;
    for (auto _ : state) {
        const tee::sim::Timeline tl(r.trace, r.threads, r.processes, r.processOf);
        benchmark::DoNotOptimize(tl.intervals().data());
        bytes = tl.memoryBytes();
        intervals = tl.intervals().size();
        instants = tl.instants().size();
        lanes = tl.lanes().size();
    }
    const double events = double(r.trace.events.size());
    state.counters["events"] = events;
    state.counters["intervals"] = double(intervals);
    state.counters["instants"] = double(instants);
    state.counters["lanes"] = double(lanes);
    state.counters["bytes/event"] = events > 0 ? double(bytes) / events : 0;
    state.counters["MB"] = double(bytes) / 1e6;
    state.counters["events/s"] =
        benchmark::Counter(events * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TimelineBuild)
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

// Query 1: every live lane (with object holders) after a random step.
void BM_TimelineStateAfter(benchmark::State &state)
{
    const StressRun &r = stressRun(uint64_t(state.range(0)));
    const tee::sim::Timeline &tl = *r.timeline;
    std::mt19937_64 rng(1);
    tee::sim::StateAfter s;
    size_t entries = 0;
    for (auto _ : state) {
        tl.stateAfter(rng() % (tl.stepCount() + 1), s);
        entries += s.entries.size();
        benchmark::DoNotOptimize(s.entries.data());
    }
    state.counters["live_lanes"] = double(entries) / double(state.iterations());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimelineStateAfter)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMicrosecond);

// Query 2: every interval of every lane in a window of 1% of the run's
// simulated time, and the same restricted to the thread lanes.
void BM_TimelineWindow(benchmark::State &state)
{
    const StressRun &r = stressRun(uint64_t(state.range(0)));
    const tee::sim::Timeline &tl = *r.timeline;
    const bool threadsOnly = state.range(1) != 0;
    std::vector<uint32_t> lanes;
    const auto threads = tl.lanesOfKind(tee::sim::LaneKind::Thread);
    for (uint32_t l = threads.first; l < threads.second; ++l)
        lanes.push_back(l);
    const int64_t width = tl.endNs() / 100;
    std::mt19937_64 rng(2);
    std::vector<uint32_t> out;
    size_t found = 0;
    for (auto _ : state) {
        const int64_t from = int64_t(rng() % uint64_t(tl.endNs() - width + 1));
        if (threadsOnly)
            tl.intervalsIn(tee::sim::Axis::Time, from, from + width, lanes, out);
        else
            tl.intervalsIn(tee::sim::Axis::Time, from, from + width, out);
        found += out.size();
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["intervals"] = double(found) / double(state.iterations());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimelineWindow)
    ->Args({100000, 0})
    ->Args({1000000, 0})
    ->Args({100000, 1})
    ->Args({1000000, 1})
    ->Unit(benchmark::kMicrosecond);

} // namespace
