// Every tee_context alive at the cursor step (until its context data is
// freed), the driver's own ctx0 included once a reference to it moved:
// open, closed (close_context ran) or tee_context freed, its kref and who
// holds it (spec §2.2: the file, each user object, each QTEE object of the
// driver context, an ioctl in flight, a tee_shm), and the live user
// objects that pin it.
#pragma once

#include "inspectormodel.h"

#include <map>

class ContextsModel : public InspectorModel
{
    Q_OBJECT
public:
    enum Columns { Context, State, Refcount, HeldBy, Pins, PinnedBy, ColumnCount };
    enum Roles {
        IdRole = ModelRoles::IdRole,           // int: ContextId.v
        StateRole = ModelRoles::StateRole,     // int: tee::sim::ContextState
        ChangedRole = ModelRoles::ChangedRole, // bool
        SortRole = ModelRoles::SortRole,
        PinsRole = ModelRoles::FirstModelRole, // int: live user objects it owns
        PinnedByRole,                          // QVariantList of int: their ObjectId.v
        RefcountRole,                          // int: the tee_context kref
        HeldByRole,                            // QStringList: its holders, in get order
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
        QStringList heldBy;            // the kref's holders at the cursor
    };
    std::vector<Row> m_rows;
    std::vector<tee::sim::CtxHolderRef> m_holders; // scratch for Timeline::contextHolders
};
