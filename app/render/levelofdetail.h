// Level of detail for one lane: what to draw for the intervals of a window
// at the current zoom. Intervals at least a pixel wide are drawn as they
// are; consecutive ones narrower than a pixel (within a pixel of each other)
// become one "busy" run that keeps the dominant state (the one covering the
// most of the run) and the count it stands for. As KernelShark and Perfetto
// do, the cost of a frame is then bounded by the pixels, not by the data.
#pragma once

#include "app/render/timemapping.h"

#include <cstdint>
#include <span>
#include <vector>

namespace tee::render {

// One interval as the merge sees it: its extent on the axis, a state key
// (the plottable uses Meaning, plus a flag bit for killed threads) and its
// index in Timeline::intervals().
struct LodSpan
{
    int64_t start = 0;
    int64_t end = 0;
    uint16_t state = 0;
    uint32_t index = 0;
};

struct DrawRun
{
    double x0 = 0; // pixels, x0 <= x1
    double x1 = 0;
    uint16_t state = 0; // a merged run: the dominant state
    uint32_t index = 0; // a merged run: the first interval of the dominant state
    uint32_t count = 1; // intervals the run stands for (more than 1: a busy run)
    bool merged() const { return count > 1; }
};

// `spans` sorted by start (ties in any order; overlaps allowed). Appends to
// `out`. A run narrower than `minWidth` pixels is widened to `minWidth` so
// that it shows. O(n).
void mergeSubPixel(std::span<const LodSpan> spans, const TimeMapping &map,
                   std::vector<DrawRun> &out, double minWidth = 1.0);

} // namespace tee::render
