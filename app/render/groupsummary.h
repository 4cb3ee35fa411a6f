// What a collapsed group's summary row shows: the union of its lanes' busy
// intervals (threads: anything but running, idle or exited; other groups:
// every interval), with how many intervals each union span stands for, and
// the group's kills and findings. Built once per timeline (O(I log I)); a
// window is then O(log n + k) over disjoint sorted spans, so a collapsed
// group of thousands of lanes costs one row.
#pragma once

#include "app/render/lanelayout.h"
#include "app/render/levelofdetail.h"

#include <array>
#include <cstdint>
#include <vector>

namespace tee::render {

class GroupSummary
{
public:
    struct Span
    {
        int64_t start = 0;
        int64_t end = 0;
        uint32_t count = 0; // intervals merged into it
    };

    GroupSummary() = default;
    GroupSummary(const sim::Timeline &tl, const LaneLayout &layout);

    // Disjoint spans sorted by start.
    const std::vector<Span> &spans(LaneGroup g, sim::Axis axis) const;
    // Spans meeting [from, to] as LodSpans (state = Meaning::GroupBusy,
    // index = the span's index), appended to `out`.
    void spansIn(LaneGroup g, sim::Axis axis, int64_t from, int64_t to,
                 std::vector<LodSpan> &out) const;
    // The group's major instants (isMajorMarker) in [from, to], indices in
    // Timeline::instants(), appended to `out`.
    void markersIn(LaneGroup g, sim::Axis axis, int64_t from, int64_t to,
                   std::vector<uint32_t> &out) const;

private:
    const sim::Timeline *m_tl = nullptr;
    std::array<std::array<std::vector<Span>, 2>, kLaneGroupCount> m_spans;
    std::array<std::array<std::vector<uint32_t>, 2>, kLaneGroupCount> m_markers; // by position
};

} // namespace tee::render
