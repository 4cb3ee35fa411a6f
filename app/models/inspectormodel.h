// The base of the inspector tables (threads, contexts, objects, requests):
// rows at the document's cursor step, built from Timeline::stateAfter (never
// a replay), one row per entity sorted by its typed id. A cursor move
// updates the rows in place (rows that appear or go are inserted or removed,
// the rest get dataChanged) so a view keeps its selection and scroll; a new
// document resets. Qt Core only: the rows return meaning (ids, state enums,
// vocabulary text, "changed at the cursor step"), never colours.
#pragma once

#include "modelroles.h"
#include "rundocument.h"

#include <QAbstractTableModel>
#include <QPointer>

#include <algorithm>
#include <cstdint>
#include <vector>

class InspectorModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    // The roles every inspector answers (each model's Roles enum repeats them).
    enum Roles {
        IdRole = ModelRoles::IdRole,           // int: the entity's typed id value
        StateRole = ModelRoles::StateRole,     // int: the entity's state enum value
        ChangedRole = ModelRoles::ChangedRole, // bool: an event of the cursor step touched it
        SortRole = ModelRoles::SortRole,       // the column's value for sorting
    };

    InspectorModel(RunDocument *document, int columns, QObject *parent = nullptr);
    ~InspectorModel() override;

    RunDocument *document() const { return m_document; }
    // The step the rows show (the document's cursor once the model has
    // followed it).
    uint64_t step() const { return m_step; }
    // The row of an entity (its id value), or -1 when it is not live.
    int rowOfId(int32_t id) const;
    // The id value of a row's entity (-1 out of range).
    virtual int32_t idAt(int row) const = 0;

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

protected:
    // Rebuilds the rows for the document's cursor; `reset`: a new document.
    virtual void refresh(bool reset) = 0;
    virtual QStringList headers() const = 0;

    // Brings `rows` (sorted by id) to `next` (sorted by id) with the fewest
    // signals: dataChanged when the same entities are live, else removals and
    // insertions, or one reset when the change is scattered.
    template <class Row>
    void syncRows(std::vector<Row> &rows, std::vector<Row> next, bool reset);

    // Shared cell text.
    static QString qs(const std::string &s) { return QString::fromStdString(s); }

    uint64_t m_step = 0;

private:
    void follow(bool reset);

    QPointer<RunDocument> m_document;
    int m_columns = 0;
};

template <class Row>
void InspectorModel::syncRows(std::vector<Row> &rows, std::vector<Row> next, bool reset)
{
    const auto sameIds = [&] {
        return rows.size() == next.size() &&
               std::equal(rows.begin(), rows.end(), next.begin(),
                          [](const Row &a, const Row &b) { return a.id == b.id; });
    };
    if (!reset && !sameIds()) {
        // which old rows stay (both lists are sorted by id)
        std::vector<char> keep(rows.size(), 0);
        size_t ranges = 0;
        {
            size_t i = 0, j = 0;
            bool inRemove = false, inInsert = false;
            while (i < rows.size() || j < next.size()) {
                if (j == next.size() || (i < rows.size() && rows[i].id < next[j].id)) {
                    ranges += !inRemove;
                    inRemove = true;
                    inInsert = false;
                    ++i;
                } else if (i == rows.size() || next[j].id < rows[i].id) {
                    ranges += !inInsert;
                    inInsert = true;
                    inRemove = false;
                    ++j;
                } else {
                    keep[i] = 1;
                    inRemove = inInsert = false;
                    ++i;
                    ++j;
                }
            }
        }
        // Many scattered changes (a jump across the run): one reset is
        // cheaper for a view than hundreds of row signals.
        constexpr size_t kMaxRanges = 32;
        if (ranges > kMaxRanges) {
            reset = true;
        } else {
            for (size_t end = rows.size(); end > 0;) {
                if (keep[end - 1]) {
                    --end;
                    continue;
                }
                size_t begin = end - 1;
                while (begin > 0 && !keep[begin - 1])
                    --begin;
                beginRemoveRows({}, int(begin), int(end - 1));
                rows.erase(rows.begin() + ptrdiff_t(begin), rows.begin() + ptrdiff_t(end));
                endRemoveRows();
                end = begin;
            }
            for (size_t i = 0, j = 0; j < next.size();) {
                if (i < rows.size() && rows[i].id == next[j].id) {
                    ++i;
                    ++j;
                    continue;
                }
                size_t n = 0;
                while (j + n < next.size() && (i == rows.size() || next[j + n].id != rows[i].id))
                    ++n;
                beginInsertRows({}, int(i), int(i + n - 1));
                rows.insert(rows.begin() + ptrdiff_t(i), next.begin() + ptrdiff_t(j),
                            next.begin() + ptrdiff_t(j + n));
                endInsertRows();
                i += n;
                j += n;
            }
        }
    }
    if (reset) {
        beginResetModel();
        rows = std::move(next);
        endResetModel();
        return;
    }
    rows = std::move(next);
    if (!rows.empty())
        Q_EMIT dataChanged(index(0, 0), index(int(rows.size()) - 1, columnCount() - 1));
}
