// The vertical layout of a timeline: the model's lanes in their groups
// (threads, QTEE, qcomtee_wq, contexts, reqs_locks, objects, requests: the
// Timeline's lane order), each group a header row followed by its lanes, or
// only the header when collapsed (then the header is the group's summary
// row). y is in content pixels (0 = the top of the first row); a view
// scrolls by an offset and draws only the rows it returns from visibleRows,
// so thousands of lanes cost nothing while off screen. Pure; O(groups) per
// lookup.
#pragma once

#include "simulator/timeline.h"

#include <array>
#include <cstdint>
#include <span>
#include <utility>

namespace tee::render {

enum class LaneGroup : uint8_t { Threads, Qtee, Workqueue, Contexts, Locks, Objects, Requests };
inline constexpr int kLaneGroupCount = 7;
LaneGroup groupOf(sim::LaneKind kind);

struct LaneRow
{
    bool header = false; // a group header (the summary row when collapsed)
    LaneGroup group = LaneGroup::Threads;
    uint32_t lane = sim::kNone; // a lane row: its index in Timeline::lanes()
    bool valid() const { return header || lane != sim::kNone; }
};

class LaneLayout
{
public:
    // Groups with more lanes than this start collapsed (stress reaches
    // thousands of objects and requests; the small scenarios show them all).
    static constexpr uint32_t kAutoCollapse = 48;

    LaneLayout() = default;
    // The lanes in the Timeline's order (each kind contiguous). Collapsed
    // states are reset to the default.
    explicit LaneLayout(std::span<const sim::Lane> lanes);

    void setRowHeight(int px);
    void setHeaderHeight(int px);
    int rowHeight() const { return m_rowHeight; }
    int headerHeight() const { return m_headerHeight; }

    // Groups present in the run, and their lanes [begin, end).
    bool hasGroup(LaneGroup g) const { return laneCount(g) > 0; }
    uint32_t laneCount(LaneGroup g) const;
    std::pair<uint32_t, uint32_t> lanesOf(LaneGroup g) const;
    bool collapsed(LaneGroup g) const { return m_groups[size_t(g)].collapsed; }
    void setCollapsed(LaneGroup g, bool collapsed);

    int rowCount() const;
    int contentHeight() const;
    LaneRow row(int index) const;
    int rowTop(int index) const;
    int rowHeightOf(int index) const;
    // The row at content y, or -1.
    int rowAt(double y) const;
    // The row that shows `lane`: its own row, or its group's header when
    // the group is collapsed; -1 if no such lane.
    int rowOfLane(uint32_t lane) const;
    int headerRow(LaneGroup g) const;
    // Rows [first, last) meeting content y in [scrollY, scrollY + height).
    std::pair<int, int> visibleRows(double scrollY, double height) const;
    // The largest useful scroll offset for a viewport of `height` pixels.
    int maxScroll(double height) const;

private:
    struct Group
    {
        uint32_t begin = 0, end = 0; // lanes
        bool collapsed = false;
        int firstRow = 0; // header row index
        int top = 0;      // header top, content pixels
    };
    void relayout();
    int groupRows(const Group &g) const;
    int groupHeight(const Group &g) const;
    // The group (present) containing row `index`, or -1.
    int groupOfRow(int index) const;

    std::array<Group, kLaneGroupCount> m_groups{};
    int m_rowHeight = 18;
    int m_headerHeight = 18;
    int m_rows = 0;
    int m_height = 0;
};

} // namespace tee::render
