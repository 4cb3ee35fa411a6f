#include "app/render/zoomhistory.h"

#include <algorithm>
#include <cmath>

namespace tee::render {

void ZoomHistory::reset(const ViewRange &initial)
{
    m_entries.assign(1, initial);
    m_index = 0;
}

// (a second Back committed a rounded range as a new view, cutting the
// history, so it went nowhere)
bool sameView(const ViewRange &a, const ViewRange &b)
{
    const double tol = 1e-9 * std::max(1.0, std::abs(b.upper - b.lower));
    return a.axis == b.axis && std::abs(a.lower - b.lower) <= tol &&
           std::abs(a.upper - b.upper) <= tol;
}

bool ZoomHistory::commit(const ViewRange &view)
{
    if (sameView(view, m_entries[m_index]))
        return false;
    m_entries.resize(m_index + 1);
    m_entries.push_back(view);
    if (m_entries.size() > kLimit)
        m_entries.erase(m_entries.begin());
    m_index = m_entries.size() - 1;
    return true;
}

const ViewRange &ZoomHistory::undo()
{
    if (m_index > 0)
        --m_index;
    return m_entries[m_index];
}

const ViewRange &ZoomHistory::redo()
{
    if (m_index + 1 < m_entries.size())
        ++m_index;
    return m_entries[m_index];
}

} // namespace tee::render
