// What the drawing reads: the run's timeline model, the trace it was built
// from (events, for tooltips and driver references) and the simulator (the
// Environment that names threads and processes). Shared and immutable, so
// the window, its models and an export can hold the same run.
#pragma once

#include "simulator/simulator.h"
#include "simulator/timeline.h"

#include <memory>

namespace tee::render {

struct TimelineSource
{
    std::shared_ptr<const sim::Simulator> sim;
    std::shared_ptr<const sim::Trace> trace;
    std::shared_ptr<const sim::Timeline> timeline;

    bool valid() const { return sim && trace && timeline; }
    // Builds the timeline as the exports do (Timeline::threadProcesses of the
    // scenario, the release worker as the last thread).
    static TimelineSource build(std::shared_ptr<const sim::Simulator> sim,
                                std::shared_ptr<const sim::Trace> trace);
};

} // namespace tee::render
