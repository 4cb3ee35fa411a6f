// Every tee_context alive at the cursor step (until its context data is
// freed): open, closed (close_context ran) or tee_context freed, and the
// live user objects that pin it.
#pragma once

#include "inspectormodel.h"

class ContextsModel : public InspectorModel
{
    Q_OBJECT
public:
    enum Columns { Context, State, Pins, PinnedBy, ColumnCount };
    enum Roles {
        IdRole = ModelRoles::IdRole,           // int: ContextId.v
        StateRole = ModelRoles::StateRole,     // int: tee::sim::ContextState
        ChangedRole = ModelRoles::ChangedRole, // bool
        SortRole = ModelRoles::SortRole,
        PinsRole = ModelRoles::FirstModelRole, // int: live user objects it owns
        PinnedByRole,                          // QVariantList of int: their ObjectId.v
    };

    explicit ContextsModel(RunDocument *document, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    int32_t idAt(int row) const override;

    // "open", "closed (close_context ran)", "tee_context freed"
    static QString stateText(tee::sim::ContextState s);

protected:
    void refresh(bool reset) override;
    QStringList headers() const override;

private:
    struct Row
    {
        int32_t id = -1;
        tee::sim::ContextSpan span;
        bool changed = false;
        std::vector<int32_t> pinnedBy; // user objects owned by the context
    };
    std::vector<Row> m_rows;
};
