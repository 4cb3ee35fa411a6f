// The item roles every teescope model answers, in one place so the models,
// the filter proxies, the views and the palette read the same numbers
// (../shared/style.md: one role header shared by producers and consumers).
// Each model names the ones it answers in its own nested Roles enum.
#pragma once

#include <Qt>

namespace ModelRoles {

enum : int {
    IdRole = Qt::UserRole + 1, // int: the row's typed id value (ThreadId.v, ObjectId.v...)
    StateRole,                 // int: the row's state enum value (the model says which enum)
    ChangedRole,               // bool: an event of the cursor step touched this row
    SortRole,                  // the column's value for sorting (numbers as numbers)
    StepRole,                  // qulonglong: the step the row is about
    LaneKindRole,              // int: tee::sim::LaneKind of the lane the row concerns (-1: none)
    LaneIdRole,                // int: LaneKey::id of that lane
    FirstModelRole = Qt::UserRole + 32, // a model's own roles start here
};

} // namespace ModelRoles
