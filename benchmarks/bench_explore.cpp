// Exhaustive exploration (issue 11): `explore` on the built-in
// three-clients-two-supplicants (the shape of SPIN's
// anchor model: 3 clients, 2 supplicants, a kill at any step, bounded
// loops; its Promela twin is beside it) and on fifo-delivery, with every
// invariant checked.
//
// Arguments: jobs, reduction (0/1), exact (0/1). Counters: distinct states,
// transitions, states and transitions per second (wall clock), bytes per
// stored state ((peak RSS - RSS before) / states: the process's peak RSS
// only grows, so each configuration's figure is taken from a fresh process:
// run one filter at a time, as docs/performance.md does).
//
// Targets (issue 11): >= 1,000,000 states/s on one core without reduction,
// <= 100 bytes per state in exact mode, --jobs 2 >= 1.6 x --jobs 1.
#include "simulator/explore.h"
#include "simulator/scenarioloader.h"

#include <benchmark/benchmark.h>

#include <random>
#include <stdexcept>

namespace {

std::shared_ptr<const tee::sim::Simulator> simulator(const char *name)
{
    std::string err;
    auto sc = tee::sim::loadBuiltin(name, &err);
    if (!sc)
        throw std::runtime_error(err);
    return std::make_shared<const tee::sim::Simulator>(sc);
}

void explore(benchmark::State &state, const char *scenario, uint64_t maxStates)
{
    const auto sim = simulator(scenario);
    tee::sim::ExploreOptions o;
    o.jobs = unsigned(state.range(0));
    o.reduction = state.range(1) != 0;
    o.exact = state.range(2) != 0;
    o.maxStates = maxStates;
    tee::sim::ExploreResult r;
    for (auto _ : state) {
        r = tee::sim::explore(*sim, o);
        benchmark::DoNotOptimize(r.states);
    }
    const double seconds = r.seconds > 0 ? r.seconds : 1e-9;
    state.counters["states"] = double(r.states);
    state.counters["transitions"] = double(r.transitions);
    state.counters["states_per_s"] = double(r.states) / seconds;
    state.counters["transitions_per_s"] = double(r.transitions) / seconds;
    state.counters["bytes_per_state"] = r.bytesPerState();
    state.counters["complete"] = r.complete ? 1 : 0;
}

void BM_ExploreThreeClientsTwoSupplicants(benchmark::State &state)
{
    explore(state, "three-clients-two-supplicants", 0);
}
void BM_ExploreFifoDelivery(benchmark::State &state)
{
    explore(state, "fifo-delivery", 1'000'000);
}

// The engine's share of a full expansion, with no key and no visited set:
// a seeded random walk over three-clients-two-supplicants where every state
// is expanded as the search expands it (Engine::enabled, then for each
// action a copy of the State and Engine::applyUntimed), and the walk goes
// on from one successor picked at random (from the start again when none).
// One item is one successor made. What the search adds on top (the
// canonical key, its fingerprint, the visited set, the BFS path) is the
// difference to BM_ExploreThreeClientsTwoSupplicants' transitions per
// second; what this costs bounds the search's speed on today's State from
// above (docs/performance.md).
void BM_ExpansionFloor(benchmark::State &state)
{
    const auto sim = simulator("three-clients-two-supplicants");
    const bool copy = state.range(0) != 0;
    const tee::State init = sim->initialState();
    tee::State here = init, next;
    std::vector<tee::Action> en;
    tee::EventList events;
    std::mt19937_64 rng(11);
    uint64_t made = 0, expanded = 0;
    for (auto _ : state) {
        sim->engine().enabled(here, en);
        ++expanded;
        if (en.empty()) {
            here = init;
            continue;
        }
        const size_t pick = rng() % en.size();
        if (copy) {
            for (size_t i = 0; i < en.size(); ++i) {
                if (i == pick)
                    continue;
                next = here;
                events.clear();
                sim->engine().applyUntimed(next, en[i], events);
                ++made;
            }
        } else {
            made += en.size() - 1;
        }
        events.clear();
        sim->engine().applyUntimed(here, en[pick], events);
        ++made;
    }
    state.SetItemsProcessed(int64_t(made));
    state.counters["successors_per_state"] = expanded ? double(made) / double(expanded) : 0;
}

} // namespace

BENCHMARK(BM_ExploreThreeClientsTwoSupplicants)
    ->ArgNames({"jobs", "reduction", "exact"})
    ->Args({1, 0, 0})
    ->Args({2, 0, 0})
    ->Args({1, 0, 1})
    ->Args({2, 0, 1})
    ->Args({1, 1, 0})
    ->Args({2, 1, 0})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);
BENCHMARK(BM_ExploreFifoDelivery)
    ->ArgNames({"jobs", "reduction", "exact"})
    ->Args({1, 0, 0})
    ->Args({2, 0, 0})
    ->Args({1, 0, 1})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);
// copy 1: every successor made (the floor); copy 0: only the one walked
// (apply alone, no State copy), items still counted per successor.
BENCHMARK(BM_ExpansionFloor)->ArgNames({"copy"})->Arg(1)->Arg(0)->Iterations(2000000);
