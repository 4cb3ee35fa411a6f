// Every word the timeline prints: lane and group names, the state written on
// a bar, legend entries and tooltips. Names come from the vocabulary
// (core/vocabulary.h) and state words follow the exports (simulator/
// exports.cpp), so the app, the text timeline and the Chrome trace agree.
// Pure: std::string in, std::string out.
#pragma once

#include "app/render/lanelayout.h"
#include "app/render/meaning.h"
#include "simulator/timeline.h"

#include <string>

namespace tee {
class Environment;
}

namespace tee::render {

// "app/client", "QTEE", "qcomtee_wq", "ctx1", "reqs_lock ctx1", "obj5", "req#3"
// (as exports.cpp's laneName and --lane spell them).
std::string laneName(const Environment &env, const sim::LaneKey &key);
// What a lane stands for, shown after its name when there is room:
// "USER objref 1", "ctx1 id 0 op 3", "app" (a thread's process).
std::string laneDetail(const Environment &env, const sim::Lane &lane);
// "threads", "QTEE", "qcomtee_wq", "contexts", "reqs_locks", "objects", "requests".
std::string groupName(LaneGroup g);

// The state written on a bar: the long form when it fits, else the short one.
struct BarText
{
    std::string full;  // "waits on completion (killable) for req#0"
    std::string brief; // "completion"
};
BarText barText(const Environment &env, const sim::Interval &iv);

// A legend entry: "QUEUED", "blocked: completion (killable)", "refcount 2".
std::string meaningName(Meaning m);

// Tooltips (several lines): the entity, its state, the steps and simulated
// time, and the driver function and spec section of the event that opened
// it (vocab::driverRef -> vocab::driverRefText).
std::string intervalTooltip(const Environment &env, const sim::Trace &trace,
                            const sim::Timeline &tl, uint32_t interval);
std::string instantTooltip(const Environment &env, const sim::Trace &trace, const sim::Timeline &tl,
                           uint32_t instant);
std::string flowTooltip(const Environment &env, const sim::Timeline &tl, uint32_t flow);

// Simulated time for axis labels and tooltips: "12.30 us".
std::string timeText(int64_t ns);

} // namespace tee::render
