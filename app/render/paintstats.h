// What the last paint of a timeline drew, for tests and the benchmark: a
// frame's cost must follow the visible pixels and rows, not the data.
#pragma once

#include <cstddef>

namespace tee::render {

struct PaintStats
{
    int rows = 0;             // rows drawn (header and lane rows in view)
    int lanesQueried = 0;     // lanes whose intervals were asked for
    size_t intervals = 0;     // intervals the window queries returned
    size_t runs = 0;          // bars drawn (after merging)
    size_t mergedRuns = 0;    // of which busy runs standing for several intervals
    size_t barLabels = 0;     // state texts written on bars
    size_t markers = 0;       // instant markers drawn
    size_t flows = 0;         // arrows drawn
    bool flowsHidden = false; // too many arrows in the window: none drawn
    size_t hatchLines = 0;
    size_t seams = 0; // gaps drawn where two bars of one colour meet on a lane
};

} // namespace tee::render
