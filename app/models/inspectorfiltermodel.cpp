#include "inspectorfiltermodel.h"

#include "modelroles.h"

InspectorFilterModel::InspectorFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ModelRoles::SortRole);
    setDynamicSortFilter(true);
}

void InspectorFilterModel::setFilterText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
}

void InspectorFilterModel::setChangedOnly(bool on)
{
    if (on == m_changedOnly)
        return;
    m_changedOnly = on;
    invalidateFilter();
}

bool InspectorFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *src = sourceModel();
    if (!src)
        return false;
    if (m_changedOnly &&
        !src->index(sourceRow, 0, sourceParent).data(ModelRoles::ChangedRole).toBool())
        return false;
    if (m_text.isEmpty())
        return true;
    for (int c = 0; c < src->columnCount(sourceParent); ++c)
        if (src->index(sourceRow, c, sourceParent)
                .data(Qt::DisplayRole)
                .toString()
                .contains(m_text, Qt::CaseInsensitive))
            return true;
    return false;
}
