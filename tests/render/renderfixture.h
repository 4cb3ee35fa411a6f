// Runs a built-in scenario as the CLI does (its own policy, seed and step
// bound) and wraps it for the drawing code.
#pragma once

#include "app/render/timelinesource.h"
#include "simulator/scenarioloader.h"

#include <QtGlobal>

#include <memory>
#include <string>

namespace renderfixture {

// `random`: the random policy with seed 42 (as the benchmarks run stress).
inline tee::render::TimelineSource builtin(const char *name, uint64_t maxSteps = 0,
                                           bool random = false)
{
    std::string error;
    std::shared_ptr<tee::sim::Scenario> sc = tee::sim::loadBuiltin(name, &error);
    if (!sc) {
        qWarning("%s", error.c_str());
        return {};
    }
    auto sim = std::make_shared<const tee::sim::Simulator>(sc);
    tee::sim::RunOptions opts;
    opts.policy = random ? tee::sim::Policy::Random : sc->policy;
    opts.seed = random ? 42 : sc->seed;
    opts.maxSteps = maxSteps ? maxSteps : sc->maxSteps;
    opts.useSchedule = !random;
    auto trace = std::make_shared<tee::sim::Trace>(tee::sim::run(*sim, opts, &error));
    if (!error.empty())
        qWarning("%s", error.c_str());
    return tee::render::TimelineSource::build(sim, trace);
}

// The lane of a key, or kNone.
inline uint32_t lane(const tee::render::TimelineSource &s, tee::sim::LaneKind kind, int32_t id)
{
    return s.timeline->laneOf({kind, id});
}

} // namespace renderfixture
