#include "app/render/lanelayout.h"

#include <algorithm>
#include <cmath>

namespace tee::render {

LaneGroup groupOf(sim::LaneKind kind)
{
    switch (kind) {
    case sim::LaneKind::Thread:
        return LaneGroup::Threads;
    case sim::LaneKind::Qtee:
        return LaneGroup::Qtee;
    case sim::LaneKind::Workqueue:
        return LaneGroup::Workqueue;
    case sim::LaneKind::Context:
        return LaneGroup::Contexts;
    case sim::LaneKind::Lock:
        return LaneGroup::Locks;
    case sim::LaneKind::Object:
        return LaneGroup::Objects;
    case sim::LaneKind::Request:
        return LaneGroup::Requests;
    }
    return LaneGroup::Threads;
}

LaneLayout::LaneLayout(std::span<const sim::Lane> lanes)
{
    // Lanes of one kind are contiguous and in group order (Timeline's
    // laneLess); a stray order still yields each group's first..last span.
    std::array<bool, kLaneGroupCount> seen{};
    for (uint32_t l = 0; l < uint32_t(lanes.size()); ++l) {
        Group &g = m_groups[size_t(groupOf(lanes[l].key.kind))];
        if (!seen[size_t(groupOf(lanes[l].key.kind))]) {
            seen[size_t(groupOf(lanes[l].key.kind))] = true;
            g.begin = l;
        }
        g.end = l + 1;
    }
    for (Group &g : m_groups)
        g.collapsed = g.end - g.begin > kAutoCollapse;
    relayout();
}

void LaneLayout::setRowHeight(int px)
{
    m_rowHeight = std::max(px, 4);
    relayout();
}

void LaneLayout::setHeaderHeight(int px)
{
    m_headerHeight = std::max(px, 4);
    relayout();
}

uint32_t LaneLayout::laneCount(LaneGroup g) const
{
    const Group &x = m_groups[size_t(g)];
    return x.end - x.begin;
}

std::pair<uint32_t, uint32_t> LaneLayout::lanesOf(LaneGroup g) const
{
    return {m_groups[size_t(g)].begin, m_groups[size_t(g)].end};
}

void LaneLayout::setCollapsed(LaneGroup g, bool collapsed)
{
    m_groups[size_t(g)].collapsed = collapsed;
    relayout();
}

int LaneLayout::groupRows(const Group &g) const
{
    if (g.end == g.begin)
        return 0;
    return 1 + (g.collapsed ? 0 : int(g.end - g.begin));
}

int LaneLayout::groupHeight(const Group &g) const
{
    if (g.end == g.begin)
        return 0;
    // A collapsed group's header is its summary row: as tall as a lane.
    return g.collapsed ? std::max(m_headerHeight, m_rowHeight)
                       : m_headerHeight + int(g.end - g.begin) * m_rowHeight;
}

void LaneLayout::relayout()
{
    int row = 0, y = 0;
    for (Group &g : m_groups) {
        g.firstRow = row;
        g.top = y;
        row += groupRows(g);
        y += groupHeight(g);
    }
    m_rows = row;
    m_height = y;
}

int LaneLayout::rowCount() const
{
    return m_rows;
}

int LaneLayout::contentHeight() const
{
    return m_height;
}

int LaneLayout::groupOfRow(int index) const
{
    if (index < 0 || index >= m_rows)
        return -1;
    for (int i = kLaneGroupCount - 1; i >= 0; --i) {
        const Group &g = m_groups[size_t(i)];
        if (g.end > g.begin && index >= g.firstRow)
            return i;
    }
    return -1;
}

LaneRow LaneLayout::row(int index) const
{
    const int gi = groupOfRow(index);
    if (gi < 0)
        return {};
    const Group &g = m_groups[size_t(gi)];
    LaneRow r;
    r.group = LaneGroup(gi);
    if (index == g.firstRow)
        r.header = true;
    else
        r.lane = g.begin + uint32_t(index - g.firstRow - 1);
    return r;
}

int LaneLayout::rowTop(int index) const
{
    const int gi = groupOfRow(index);
    if (gi < 0)
        return index < 0 ? 0 : m_height;
    const Group &g = m_groups[size_t(gi)];
    if (index == g.firstRow)
        return g.top;
    return g.top + m_headerHeight + (index - g.firstRow - 1) * m_rowHeight;
}

int LaneLayout::rowHeightOf(int index) const
{
    const int gi = groupOfRow(index);
    if (gi < 0)
        return 0;
    const Group &g = m_groups[size_t(gi)];
    if (index == g.firstRow)
        return g.collapsed ? std::max(m_headerHeight, m_rowHeight) : m_headerHeight;
    return m_rowHeight;
}

int LaneLayout::rowAt(double y) const
{
    if (!(y >= 0) || y >= m_height)
        return -1;
    for (int i = kLaneGroupCount - 1; i >= 0; --i) {
        const Group &g = m_groups[size_t(i)];
        if (g.end == g.begin || y < g.top)
            continue;
        const double inGroup = y - g.top;
        const int head = g.collapsed ? std::max(m_headerHeight, m_rowHeight) : m_headerHeight;
        if (inGroup < head)
            return g.firstRow;
        const int k = int(std::floor((inGroup - head) / m_rowHeight));
        return std::min(g.firstRow + 1 + k, g.firstRow + groupRows(g) - 1);
    }
    return -1;
}

int LaneLayout::rowOfLane(uint32_t lane) const
{
    for (const Group &g : m_groups)
        if (lane >= g.begin && lane < g.end)
            return g.collapsed ? g.firstRow : g.firstRow + 1 + int(lane - g.begin);
    return -1;
}

int LaneLayout::headerRow(LaneGroup g) const
{
    const Group &x = m_groups[size_t(g)];
    return x.end > x.begin ? x.firstRow : -1;
}

std::pair<int, int> LaneLayout::visibleRows(double scrollY, double height) const
{
    if (m_rows == 0 || height <= 0)
        return {0, 0};
    const double top = std::max(scrollY, 0.0);
    const double bottom = scrollY + height;
    if (top >= m_height || bottom <= 0)
        return {0, 0};
    const int first = rowAt(top);
    const int lastRow = rowAt(std::min(bottom, double(m_height)) - 1e-9);
    return {std::max(first, 0), (lastRow < 0 ? m_rows - 1 : lastRow) + 1};
}

int LaneLayout::maxScroll(double height) const
{
    return std::max(0, m_height - int(std::floor(height)));
}

} // namespace tee::render
