#include "app/render/levelofdetail.h"

#include <algorithm>
#include <array>

namespace tee::render {

namespace {

// The states a busy run has seen, with the width each covers. A handful of
// states meet in one run; beyond the table's size the smallest is replaced.
class Tally
{
public:
    void reset() { m_used = 0; }
    void add(uint16_t state, uint32_t index, double weight)
    {
        for (int i = 0; i < m_used; ++i)
            if (m_entries[size_t(i)].state == state) {
                m_entries[size_t(i)].weight += weight;
                return;
            }
        if (m_used < int(m_entries.size())) {
            m_entries[size_t(m_used++)] = {state, index, weight};
            return;
        }
        auto smallest =
            std::min_element(m_entries.begin(), m_entries.end(),
                             [](const Entry &a, const Entry &b) { return a.weight < b.weight; });
        if (smallest->weight < weight)
            *smallest = {state, index, weight};
    }
    // The state covering the most; ties go to the one seen first.
    void dominant(uint16_t &state, uint32_t &index) const
    {
        int best = 0;
        for (int i = 1; i < m_used; ++i)
            if (m_entries[size_t(i)].weight > m_entries[size_t(best)].weight)
                best = i;
        state = m_entries[size_t(best)].state;
        index = m_entries[size_t(best)].index;
    }

private:
    struct Entry
    {
        uint16_t state = 0;
        uint32_t index = 0;
        double weight = 0;
    };
    std::array<Entry, 8> m_entries{};
    int m_used = 0;
};

} // namespace

void mergeSubPixel(std::span<const LodSpan> spans, const TimeMapping &map,
                   std::vector<DrawRun> &out, double minWidth)
{
    // A zero-width interval (opened and closed in one step) still counts a
    // little towards the dominant state.
    constexpr double kTiny = 1e-3;
    const double ppu = map.pixelsPerUnit();
    DrawRun pending;
    bool has = false;
    Tally tally;
    auto flush = [&] {
        if (!has)
            return;
        if (pending.count > 1)
            tally.dominant(pending.state, pending.index);
        if (pending.x1 - pending.x0 < minWidth)
            pending.x1 = pending.x0 + minWidth;
        out.push_back(pending);
        has = false;
    };
    for (const LodSpan &s : spans) {
        const double x0 = map.left + (double(s.start) - map.lower) * ppu;
        const double x1 = std::max(x0, map.left + (double(s.end) - map.lower) * ppu);
        const double w = x1 - x0;
        if (w >= minWidth) {
            flush();
            out.push_back({x0, x1, s.state, s.index, 1});
            continue;
        }
        if (has && x0 <= pending.x1 + minWidth) {
            pending.x1 = std::max(pending.x1, x1);
            ++pending.count;
            tally.add(s.state, s.index, w + kTiny);
            continue;
        }
        flush();
        pending = {x0, x1, s.state, s.index, 1};
        has = true;
        tally.reset();
        tally.add(s.state, s.index, w + kTiny);
    }
    flush();
}

} // namespace tee::render
