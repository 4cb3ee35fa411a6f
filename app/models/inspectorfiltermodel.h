// The sort and filter proxy in front of an inspector table (and of the
// violations panel): a case-insensitive text filter over every column,
// optionally only the rows the cursor step changed, sorting by SortRole so
// ids and counts sort as numbers.
#pragma once

#include <QSortFilterProxyModel>

class InspectorFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit InspectorFilterModel(QObject *parent = nullptr);

    // Rows with `text` in any column (empty: every row).
    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }
    // Only the rows an event of the cursor step touched (ChangedRole).
    void setChangedOnly(bool on);
    bool changedOnly() const { return m_changedOnly; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    bool m_changedOnly = false;
};
