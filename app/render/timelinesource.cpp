#include "app/render/timelinesource.h"

namespace tee::render {

TimelineSource TimelineSource::build(std::shared_ptr<const sim::Simulator> sim,
                                     std::shared_ptr<const sim::Trace> trace)
{
    TimelineSource s;
    if (!sim || !trace)
        return s;
    const sim::Scenario &sc = sim->scenario();
    const std::vector<ProcessId> processOf = sim::Timeline::threadProcesses(sc);
    s.timeline = std::make_shared<const sim::Timeline>(*trace, sc.threadCount() + 1,
                                                       int32_t(sc.processes.size()), processOf);
    s.sim = std::move(sim);
    s.trace = std::move(trace);
    return s;
}

} // namespace tee::render
