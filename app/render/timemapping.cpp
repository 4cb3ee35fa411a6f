#include "app/render/timemapping.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tee::render {

double TimeMapping::pixelsPerUnit() const
{
    const double span = upper - lower;
    return span > 0 ? width / span : 0;
}

double TimeMapping::toPixel(double x) const
{
    return left + (x - lower) * pixelsPerUnit();
}

double TimeMapping::toModel(double px) const
{
    const double ppu = pixelsPerUnit();
    return ppu > 0 ? lower + (px - left) / ppu : lower;
}

int64_t TimeMapping::unitsFor(double px) const
{
    const double ppu = pixelsPerUnit();
    if (ppu <= 0 || px <= 0)
        return 0;
    const double u = std::ceil(px / ppu);
    return u >= 9.0e18 ? std::numeric_limits<int64_t>::max() : int64_t(u);
}

std::pair<int64_t, int64_t> TimeMapping::window() const
{
    auto clampTo = [](double v) {
        if (v <= -9.0e18)
            return std::numeric_limits<int64_t>::min();
        if (v >= 9.0e18)
            return std::numeric_limits<int64_t>::max();
        return int64_t(v);
    };
    return {clampTo(std::floor(std::min(lower, upper))),
            clampTo(std::ceil(std::max(lower, upper)))};
}

int64_t TimeMapping::startOf(const sim::Interval &iv, sim::Axis axis)
{
    return axis == sim::Axis::Step ? int64_t(iv.firstStep) : iv.startNs;
}

int64_t TimeMapping::endOf(const sim::Interval &iv, sim::Axis axis)
{
    return axis == sim::Axis::Step ? int64_t(iv.lastStep) : iv.endNs;
}

int64_t TimeMapping::at(const sim::Instant &in, sim::Axis axis)
{
    return axis == sim::Axis::Step ? int64_t(in.step) : in.tNs;
}

int64_t TimeMapping::at(const sim::FlowEnd &end, sim::Axis axis)
{
    return axis == sim::Axis::Step ? int64_t(end.step) : end.tNs;
}

int64_t TimeMapping::stepEnd(const sim::Timeline &tl, uint64_t step, sim::Axis axis)
{
    step = std::min(step, tl.stepCount());
    return axis == sim::Axis::Step ? int64_t(step) : tl.step(step).endNs;
}

std::pair<double, double> stepRangeOnAxis(const sim::Timeline &tl, uint64_t from, uint64_t to,
                                          sim::Axis axis)
{
    const uint64_t n = tl.stepCount();
    from = std::clamp<uint64_t>(from, 1, std::max<uint64_t>(n, 1));
    to = std::clamp<uint64_t>(to, from, std::max<uint64_t>(n, 1));
    if (n == 0)
        return {0.0, 1.0};
    if (axis == sim::Axis::Step)
        return {double(from - 1), double(to)};
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    for (uint64_t k = from; k <= to; ++k) {
        lo = std::min(lo, tl.step(k).startNs);
        hi = std::max(hi, tl.step(k).endNs);
    }
    if (hi <= lo)
        hi = lo + 1;
    return {double(lo), double(hi)};
}

std::pair<uint64_t, uint64_t> stepsInRange(const sim::Timeline &tl, double lower, double upper,
                                           sim::Axis axis)
{
    const uint64_t n = tl.stepCount();
    if (n == 0)
        return {0, 0};
    if (axis == sim::Axis::Step) {
        const double a = std::clamp(std::floor(lower) + 1, 1.0, double(n));
        const double b = std::clamp(std::ceil(upper), a, double(n));
        return {uint64_t(a), uint64_t(b)};
    }
    uint64_t first = 0, last = 0;
    for (uint64_t k = 1; k <= n; ++k) {
        const sim::StepInfo &s = tl.step(k);
        if (double(s.endNs) < lower || double(s.startNs) > upper)
            continue;
        if (first == 0)
            first = k;
        last = k;
    }
    if (first == 0)
        return {1, n};
    return {first, last};
}

} // namespace tee::render
