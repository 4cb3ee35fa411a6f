// The undoable history of a timeline's view: which axis and which range of
// it. A gesture (a wheel burst, a drag, fit, zoom to a selection, an axis
// switch) commits the view it ended on; undo and redo walk the committed
// views, as Hotspot's FilterAndZoomStack does for its zoom. Pure.
#pragma once

#include "simulator/timeline.h"

#include <cstddef>
#include <vector>

namespace tee::render {

struct ViewRange
{
    sim::Axis axis = sim::Axis::Time;
    double lower = 0;
    double upper = 1;
    bool operator==(const ViewRange &) const = default;
};

// Alike up to rounding: a range set on the axis comes back through
// QCustomPlot's arithmetic (2683.11 as 2683.1100000000006).
bool sameView(const ViewRange &a, const ViewRange &b);

class ZoomHistory
{
public:
    // Forget everything; `initial` is the only entry.
    void reset(const ViewRange &initial);
    // Record the view a gesture ended on. Drops the redo entries. False (and
    // nothing recorded) when it equals the current entry.
    bool commit(const ViewRange &view);
    bool canUndo() const { return m_index > 0; }
    bool canRedo() const { return m_index + 1 < m_entries.size(); }
    // The entry to show; call only when canUndo()/canRedo().
    const ViewRange &undo();
    const ViewRange &redo();
    const ViewRange &current() const { return m_entries[m_index]; }
    size_t size() const { return m_entries.size(); }
    size_t index() const { return m_index; }

    static constexpr size_t kLimit = 200; // the oldest entries go first

private:
    std::vector<ViewRange> m_entries{ViewRange{}};
    size_t m_index = 0;
};

} // namespace tee::render
