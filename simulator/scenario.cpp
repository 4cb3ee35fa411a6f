#include "simulator/scenario.h"

namespace tee::sim {

const char *policyName(Policy p)
{
    switch (p) {
    case Policy::Scripted:
        return "scripted";
    case Policy::RoundRobin:
        return "round-robin";
    case Policy::Random:
        return "random";
    case Policy::Timed:
        return "timed";
    }
    return "?";
}

std::optional<Policy> parsePolicy(std::string_view name)
{
    for (Policy p : {Policy::Scripted, Policy::RoundRobin, Policy::Random, Policy::Timed}) {
        if (name == policyName(p))
            return p;
    }
    return std::nullopt;
}

int32_t Scenario::threadCount() const
{
    int32_t n = 0;
    for (const ProcessDecl &p : processes)
        n += static_cast<int32_t>(p.threads.size());
    return n;
}

// Global thread indices number the threads process by process, in
// declaration order (the order Simulator gives the engine).
std::pair<int32_t, int32_t> Scenario::threadOwner(int32_t globalThread) const
{
    if (globalThread < 0)
        return {-1, -1};
    int32_t first = 0;
    for (size_t p = 0; p < processes.size(); ++p) {
        const auto n = static_cast<int32_t>(processes[p].threads.size());
        if (globalThread < first + n)
            return {static_cast<int32_t>(p), globalThread - first};
        first += n;
    }
    return {-1, -1};
}

int32_t Scenario::serviceIndex(uint32_t uid) const
{
    for (size_t i = 0; i < services.size(); ++i) {
        if (services[i].uid == uid)
            return static_cast<int32_t>(i);
    }
    return -1;
}

} // namespace tee::sim
