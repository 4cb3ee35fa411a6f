#include "app/render/hittest.h"

#include <algorithm>
#include <cmath>

namespace tee::render {

StepLocator::StepLocator(const sim::Timeline &tl)
    : m_tl(&tl)
{
    const int32_t threads = std::max(tl.threadCount(), 0);
    m_begin.assign(size_t(threads) + 1, 0);
    for (uint64_t k = 1; k <= tl.stepCount(); ++k) {
        const ThreadId a = tl.step(k).actor;
        if (a.valid() && a.v < threads)
            ++m_begin[size_t(a.v) + 1];
    }
    for (size_t t = 0; t < size_t(threads); ++t)
        m_begin[t + 1] += m_begin[t];
    m_steps.resize(m_begin.back());
    std::vector<uint32_t> fill(m_begin.begin(), m_begin.end() - 1);
    for (uint64_t k = 1; k <= tl.stepCount(); ++k) {
        const ThreadId a = tl.step(k).actor;
        if (a.valid() && a.v < threads)
            m_steps[fill[size_t(a.v)]++] = uint32_t(k);
    }
}

uint64_t StepLocator::threadStepAt(ThreadId t, int64_t ns) const
{
    if (!m_tl || !t.valid() || size_t(t.v) + 1 >= m_begin.size())
        return 0;
    const auto b = m_steps.begin() + m_begin[size_t(t.v)];
    const auto e = m_steps.begin() + m_begin[size_t(t.v) + 1];
    // a thread's steps are in its own time order
    auto it = std::upper_bound(b, e, ns,
                               [&](int64_t x, uint32_t k) { return x < m_tl->step(k).startNs; });
    return it == b ? 0 : *(it - 1);
}

PixelHit hitTestPixel(const sim::Timeline &tl, const LaneLayout &layout, const TimeMapping &map,
                      double x, double contentY, double tolerancePx, const StepLocator *steps)
{
    PixelHit r;
    r.row = layout.rowAt(contentY);
    if (r.row < 0)
        return r;
    r.laneRow = layout.row(r.row);
    const double mx = map.toModel(x);
    const uint64_t n = tl.stepCount();
    if (map.axis == sim::Axis::Step && n > 0)
        r.step = uint64_t(std::clamp(std::ceil(mx), 1.0, double(n)));
    if (r.laneRow.header || r.laneRow.lane >= tl.lanes().size())
        return r;
    // Steps are whole units, and an interval [k, k+1] is drawn from step k
    // to step k+1: a point inside it is step k (floor), where rounding sent
    // its right half, and its middle, to the interval that starts at k+1.
    const int64_t at =
        map.axis == sim::Axis::Step ? int64_t(std::floor(mx)) : int64_t(std::llround(mx));
    r.hit = tl.hitTest(r.laneRow.lane, map.axis, at, map.unitsFor(tolerancePx));
    if (r.hit.what == sim::Hit::What::Instant) {
        r.step = tl.instants()[r.hit.index].step;
        return r;
    }
    if (map.axis == sim::Axis::Step)
        return r;
    // the time axis: the step of this lane's thread, else what the hit says
    const sim::Lane &lane = tl.lanes()[r.laneRow.lane];
    if (lane.key.kind == sim::LaneKind::Thread && steps)
        r.step = steps->threadStepAt(ThreadId(lane.key.id), at);
    else if (r.hit.what == sim::Hit::What::Interval)
        r.step = tl.intervals()[r.hit.index].firstStep;
    return r;
}

} // namespace tee::render
