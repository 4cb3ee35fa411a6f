#include "app/render/groupsummary.h"

#include "app/render/meaning.h"

#include <algorithm>

namespace tee::render {

namespace {

bool busy(const sim::Interval &iv)
{
    if (iv.kind != sim::LaneKind::Thread)
        return true;
    const sim::ThreadState s = iv.thread().state;
    return s == sim::ThreadState::InKernel || s == sim::ThreadState::Blocked;
}

size_t axisIndex(sim::Axis a)
{
    return a == sim::Axis::Step ? 0 : 1;
}

} // namespace

GroupSummary::GroupSummary(const sim::Timeline &tl, const LaneLayout &layout)
    : m_tl(&tl)
{
    std::vector<std::pair<int64_t, int64_t>> raw;
    for (int gi = 0; gi < kLaneGroupCount; ++gi) {
        const auto [lb, le] = layout.lanesOf(LaneGroup(gi));
        if (lb == le)
            continue;
        const uint32_t ib = tl.lanes()[lb].intervalBegin, ie = tl.lanes()[le - 1].intervalEnd;
        const uint32_t nb = tl.lanes()[lb].instantBegin, ne = tl.lanes()[le - 1].instantEnd;
        for (const sim::Axis axis : {sim::Axis::Step, sim::Axis::Time}) {
            raw.clear();
            for (uint32_t i = ib; i < ie; ++i) {
                const sim::Interval &iv = tl.intervals()[i];
                if (busy(iv))
                    raw.emplace_back(TimeMapping::startOf(iv, axis), TimeMapping::endOf(iv, axis));
            }
            std::sort(raw.begin(), raw.end());
            std::vector<Span> &out = m_spans[size_t(gi)][axisIndex(axis)];
            for (const auto &[s, e] : raw) {
                if (!out.empty() && s <= out.back().end) {
                    out.back().end = std::max(out.back().end, e);
                    ++out.back().count;
                } else {
                    out.push_back({s, e, 1});
                }
            }
            out.shrink_to_fit();
            std::vector<uint32_t> &marks = m_markers[size_t(gi)][axisIndex(axis)];
            for (uint32_t i = nb; i < ne; ++i)
                if (isMajorMarker(tl.instants()[i].kind))
                    marks.push_back(i);
            std::sort(marks.begin(), marks.end(), [&](uint32_t a, uint32_t b) {
                return TimeMapping::at(tl.instants()[a], axis) <
                       TimeMapping::at(tl.instants()[b], axis);
            });
        }
    }
}

const std::vector<GroupSummary::Span> &GroupSummary::spans(LaneGroup g, sim::Axis axis) const
{
    return m_spans[size_t(g)][axisIndex(axis)];
}

void GroupSummary::spansIn(LaneGroup g, sim::Axis axis, int64_t from, int64_t to,
                           std::vector<LodSpan> &out) const
{
    const std::vector<Span> &v = spans(g, axis);
    // disjoint and sorted: the ends are sorted too
    auto it = std::lower_bound(v.begin(), v.end(), from,
                               [](const Span &s, int64_t x) { return s.end < x; });
    for (; it != v.end() && it->start <= to; ++it)
        out.push_back({it->start, it->end, uint16_t(Meaning::GroupBusy), uint32_t(it - v.begin())});
}

void GroupSummary::markersIn(LaneGroup g, sim::Axis axis, int64_t from, int64_t to,
                             std::vector<uint32_t> &out) const
{
    if (!m_tl)
        return;
    const std::vector<uint32_t> &v = m_markers[size_t(g)][axisIndex(axis)];
    auto pos = [&](uint32_t i) { return TimeMapping::at(m_tl->instants()[i], axis); };
    auto it = std::lower_bound(v.begin(), v.end(), from,
                               [&](uint32_t i, int64_t x) { return pos(i) < x; });
    for (; it != v.end() && pos(*it) <= to; ++it)
        out.push_back(*it);
}

} // namespace tee::render
