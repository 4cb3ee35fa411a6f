// What is under a pixel: the row (LaneLayout), then on that lane the
// nearest instant or the interval at x within a pixel tolerance
// (Timeline::hitTest with the tolerance in model units), and the step the
// point stands for. Pure, so tooltips and clicks are tested without a widget.
#pragma once

#include "app/render/lanelayout.h"
#include "app/render/timemapping.h"

#include <cstdint>
#include <vector>

namespace tee::render {

// Each thread's own steps in order, to say which step of a thread a time
// falls in (on the time axis a thread's steps do not interleave with each
// other, only with other threads' steps).
class StepLocator
{
public:
    StepLocator() = default;
    explicit StepLocator(const sim::Timeline &tl);
    // The thread's last step that started at or before `ns` (the step that
    // put it in the state it has at ns); 0 if none.
    uint64_t threadStepAt(ThreadId t, int64_t ns) const;

private:
    const sim::Timeline *m_tl = nullptr;
    std::vector<uint32_t> m_begin; // per thread: [m_begin[t], m_begin[t + 1]) of m_steps
    std::vector<uint32_t> m_steps;
};

struct PixelHit
{
    int row = -1;      // -1: no row under the point
    LaneRow laneRow;   // what the row is (header or lane)
    sim::Hit hit;      // on a lane row: the interval or instant
    uint64_t step = 0; // the step under the point (0: none)
    bool onItem() const { return hit.what != sim::Hit::What::None; }
};

// `x` in pixels (as map.left), `contentY` in LaneLayout content pixels
// (the widget y plus the scroll offset).
PixelHit hitTestPixel(const sim::Timeline &tl, const LaneLayout &layout, const TimeMapping &map,
                      double x, double contentY, double tolerancePx,
                      const StepLocator *steps = nullptr);

} // namespace tee::render
