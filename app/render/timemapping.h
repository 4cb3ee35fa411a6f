// The x axis of a timeline view: model coordinates (steps, or simulated ns)
// to pixels and back, for a visible range drawn over a pixel width. Pure; the
// plottable, the hit test, the tests and the exports all map through it, so
// a test can ask where an interval must appear.
//
// On the step axis step k ends at x = k (step 0 is "before the first step"),
// so an interval of firstStep a and lastStep b spans [a, b]. On the time axis
// an interval spans [startNs, endNs]. Time is per thread: a lane's intervals
// may be out of order or overlap on the time axis; the mapping does not care.
#pragma once

#include "simulator/timeline.h"

#include <cstdint>
#include <utility>

namespace tee::render {

struct TimeMapping
{
    sim::Axis axis = sim::Axis::Time;
    double lower = 0; // model coordinate at the left edge
    double upper = 1; // model coordinate at the right edge
    double left = 0;  // pixel of `lower`
    double width = 1; // pixels from `lower` to `upper`

    double pixelsPerUnit() const;
    double toPixel(double x) const;
    double toModel(double px) const;
    // How many model units `px` pixels cover, rounded up (at least 0): a
    // pixel tolerance as Timeline::hitTest takes it.
    int64_t unitsFor(double px) const;
    // The closed integer window [from, to] that covers the visible range, as
    // Timeline::intervalsIn takes it.
    std::pair<int64_t, int64_t> window() const;

    // Where things are on an axis.
    static int64_t startOf(const sim::Interval &iv, sim::Axis axis);
    static int64_t endOf(const sim::Interval &iv, sim::Axis axis);
    static int64_t at(const sim::Instant &in, sim::Axis axis);
    static int64_t at(const sim::FlowEnd &end, sim::Axis axis);
    // Where the cursor stands for step k: its end (its number on the step axis).
    static int64_t stepEnd(const sim::Timeline &tl, uint64_t step, sim::Axis axis);
};

// The range [lower, upper] an axis shows for the steps [from, to] (clamped to
// the run): on the step axis [from - 1, to] (step `from` is drawn from its
// start); on the time axis from the earliest start to the latest end of those
// steps (per-thread time: a later step may start earlier). O(to - from).
std::pair<double, double> stepRangeOnAxis(const sim::Timeline &tl, uint64_t from, uint64_t to,
                                          sim::Axis axis);
// The steps [from, to] whose extent on `axis` meets [lower, upper], for
// switching the axis of a view. O(steps) on the time axis.
std::pair<uint64_t, uint64_t> stepsInRange(const sim::Timeline &tl, double lower, double upper,
                                           sim::Axis axis);

} // namespace tee::render
