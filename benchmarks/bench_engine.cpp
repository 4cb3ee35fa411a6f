// Engine speed: transitions per second on a long seeded random schedule, and
// state hashes per second. Numbers and method: docs/performance.md.
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <benchmark/benchmark.h>

#include <random>
#include <stdexcept>

namespace {

// Two clients invoking a service that calls back into their user objects, a
// context with two supplicant threads, a third client opening and releasing
// services: every path of spec §3 runs in a loop, for ever.
const char *kStress = R"({
  "name": "bench-stress", "title": "benchmark load", "description": "looping clients and supplicants",
  "qtee": {"services": [
    {"uid": 1, "name": "cb", "ops": {"1": [
        {"do": "callback", "target": "io:0", "op": 7, "ib": [16], "ob": [8]},
        {"do": "return", "result": 0, "outputs": ["service:2"]}]}},
    {"uid": 2, "name": "leaf"}]},
  "processes": [
    {"name": "server", "threads": [
      {"name": "open", "program": [{"do": "open", "as": "fd"}, {"do": "exit"}]},
      {"name": "s1", "program": [{"do": "compute", "ns": 1},
                                 {"do": "serve", "fd": "fd", "count": "forever"}]},
      {"name": "s2", "program": [{"do": "compute", "ns": 1},
                                 {"do": "serve", "fd": "fd", "count": "forever"}]},
      {"name": "c1", "program": [
        {"do": "compute", "ns": 1},
        {"do": "open_service", "fd": "fd", "uid": 1, "as": "svc"},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}], "oo": ["leaf"]},
        {"do": "release", "fd": "fd", "object": "leaf"},
        {"do": "release", "fd": "fd", "object": "svc"},
        {"do": "jump", "to": 1, "times": "forever"}]},
      {"name": "c2", "program": [
        {"do": "compute", "ns": 1},
        {"do": "open_service", "fd": "fd", "uid": 1, "as": "svc2"},
        {"do": "invoke", "fd": "fd", "object": "svc2", "op": 1, "io": [{"user": 2}], "oo": ["leaf2"]},
        {"do": "release", "fd": "fd", "object": "leaf2"},
        {"do": "release", "fd": "fd", "object": "svc2"},
        {"do": "jump", "to": 1, "times": "forever"}]}
    ]}
  ]
})";

std::shared_ptr<tee::sim::Scenario> stressScenario()
{
    std::string err;
    auto sc = tee::sim::loadScenarioJson(kStress, "bench-stress", &err);
    if (!sc)
        throw std::runtime_error(err);
    return sc;
}

// What a State occupies: the struct and every heap block of its vectors
// (capacity, not size: what a copy allocates). `blocks` counts the heap
// blocks. The same function is compiled against older States to compare.
template <class T>
size_t vecBytes(const std::vector<T> &v, size_t &blocks)
{
    blocks += v.capacity() ? 1 : 0;
    return v.capacity() * sizeof(T);
}

// Copy-on-write elements: the pointer array and one block per element,
// counted as if no other State shared them (what a State alone holds).
template <class T>
size_t vecBytes(const tee::CowVector<T> &v, size_t &blocks)
{
    blocks += (v.empty() ? 0 : 1) + v.size();
    return v.size() * (sizeof(void *) + sizeof(T) + sizeof(uint64_t));
}

size_t stateBytes(const tee::State &s, size_t &blocks)
{
    blocks = 0;
    size_t n = sizeof(tee::State);
    n += vecBytes(s.processes, blocks);
    for (const auto &p : s.processes)
        n += vecBytes(p.fds, blocks) + vecBytes(p.regs, blocks);
    n += vecBytes(s.threads, blocks);
    for (const auto &t : s.threads) {
        n += vecBytes(t.regs, blocks) + vecBytes(t.oic.args, blocks) + vecBytes(t.oic.u, blocks);
        n += vecBytes(t.sc.ib, blocks) + vecBytes(t.sc.ob, blocks) + vecBytes(t.sc.io, blocks);
        n += vecBytes(t.res.outObjects, blocks) + vecBytes(t.res.inObjects, blocks);
    }
    n += vecBytes(s.files, blocks);
    n += vecBytes(s.contexts, blocks);
    for (const auto &c : s.contexts)
        n += vecBytes(c.refs, blocks) + vecBytes(c.dataRefs, blocks) +
             vecBytes(c.qteeObjectsIdr, blocks) + vecBytes(c.reqsIdr, blocks) +
             vecBytes(c.reqsList, blocks);
    n += vecBytes(s.objects, blocks);
    for (const auto &o : s.objects)
        n += vecBytes(o.holders, blocks);
    n += vecBytes(s.requests, blocks);
    for (const auto &r : s.requests)
        n += vecBytes(r.args, blocks);
    n += vecBytes(s.xaLocalObjects, blocks) + vecBytes(s.wq, blocks) + vecBytes(s.shms, blocks);
    n += vecBytes(s.qtee.objects, blocks) + vecBytes(s.qtee.held, blocks) +
         vecBytes(s.qtee.cbHeld, blocks);
    return n;
}

// The measured loop: list the enabled actions, pick one at random, apply it.
void BM_Transitions(benchmark::State &state)
{
    const tee::sim::Simulator sim(stressScenario());
    tee::State s = sim.initialState();
    std::vector<tee::Action> en;
    tee::EventList events;
    events.reserve(4096);
    std::mt19937_64 rng(42);
    uint64_t transitions = 0, eventCount = 0;
    for (auto _ : state) {
        sim.engine().enabled(s, en);
        if (en.empty()) {
            state.PauseTiming();
            s = sim.initialState();
            state.ResumeTiming();
            continue;
        }
        sim.engine().apply(s, en[rng() % en.size()], events);
        ++transitions;
        if (events.size() > 4000) {
            eventCount += events.size();
            events.clear();
        }
    }
    eventCount += events.size();
    state.SetItemsProcessed(int64_t(transitions));
    state.counters["events/transition"] =
        transitions ? double(eventCount) / double(transitions) : 0;
    state.counters["events/s"] =
        benchmark::Counter(double(eventCount), benchmark::Counter::kIsRate);
    state.counters["state_objects"] = double(s.objects.size());
}
BENCHMARK(BM_Transitions)->Iterations(2000000)->Unit(benchmark::kMillisecond);

// apply() alone, replaying a recorded random schedule of actions.
void BM_ApplyOnly(benchmark::State &state)
{
    const tee::sim::Simulator sim(stressScenario());
    // record 200000 actions once
    std::vector<tee::Action> schedule;
    {
        tee::State s = sim.initialState();
        std::vector<tee::Action> en;
        tee::EventList events;
        std::mt19937_64 rng(7);
        while (schedule.size() < 200000) {
            sim.engine().enabled(s, en);
            if (en.empty())
                break;
            schedule.push_back(en[rng() % en.size()]);
            sim.engine().apply(s, schedule.back(), events);
            events.clear();
        }
    }
    tee::EventList events;
    events.reserve(1 << 20);
    for (auto _ : state) {
        tee::State s = sim.initialState();
        for (const tee::Action &a : schedule) {
            sim.engine().apply(s, a, events);
            if (events.size() > 4000)
                events.clear();
        }
        benchmark::DoNotOptimize(s.step);
    }
    state.SetItemsProcessed(int64_t(state.iterations() * schedule.size()));
}
BENCHMARK(BM_ApplyOnly)->Iterations(5)->Unit(benchmark::kMillisecond);

// State::hash over states visited by a random run.
void BM_StateHash(benchmark::State &state)
{
    const tee::sim::Simulator sim(stressScenario());
    std::vector<tee::State> states;
    tee::State s = sim.initialState();
    std::vector<tee::Action> en;
    tee::EventList events;
    std::mt19937_64 rng(3);
    for (int i = 0; i < 1000; ++i) {
        sim.engine().enabled(s, en);
        if (en.empty())
            break;
        sim.engine().apply(s, en[rng() % en.size()], events);
        events.clear();
        states.push_back(s);
    }
    size_t i = 0;
    uint64_t acc = 0;
    for (auto _ : state) {
        acc ^= states[i].hash();
        if (++i == states.size())
            i = 0;
    }
    benchmark::DoNotOptimize(acc);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateHash);

// Copying a state (what exploration and stepping back pay per visited state).
void BM_StateCopy(benchmark::State &state)
{
    const tee::sim::Simulator sim(stressScenario());
    tee::State s = sim.initialState();
    std::vector<tee::Action> en;
    tee::EventList events;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 500; ++i) {
        sim.engine().enabled(s, en);
        if (en.empty())
            break;
        sim.engine().apply(s, en[rng() % en.size()], events);
        events.clear();
    }
    for (auto _ : state) {
        tee::State copy = s;
        benchmark::DoNotOptimize(copy.step);
    }
    state.SetItemsProcessed(state.iterations());
    size_t blocks = 0;
    state.counters["state_bytes"] = double(stateBytes(s, blocks));
    state.counters["heap_blocks"] = double(blocks);
}
BENCHMARK(BM_StateCopy);

} // namespace
