// Every request (struct qcomtee_ureq) live at the cursor step: QUEUED,
// PROCESSING, PROCESSED or the placeholder that keeps a killed client's id
// reserved (spec §2.5), with its context, target object, op and the errno
// a PROCESSED request stores.
#pragma once

#include "inspectormodel.h"

class RequestsModel : public InspectorModel
{
    Q_OBJECT
public:
    enum Columns { Request, Context, State, Object, Op, Errno, ColumnCount };
    enum Roles {
        IdRole = ModelRoles::IdRole,           // int: RequestId.v (the serial)
        StateRole = ModelRoles::StateRole,     // int: tee::ReqState
        ChangedRole = ModelRoles::ChangedRole, // bool
        SortRole = ModelRoles::SortRole,
        ContextRole = ModelRoles::FirstModelRole, // int: ContextId.v
        ReqIdRole,                                // int: its reqs_idr id
        ObjectRole,                               // int: ObjectId.v of the target user object
        OpRole,                                   // uint: the op
        ErrnoRole,                                // int: the stored errno (PROCESSED), else 0
        ClientRole,       // int: ThreadId.v of the thread waiting in dispatch (-1)
        NotificationRole, // bool: a RELEASE notification (nobody waits)
    };

    explicit RequestsModel(RunDocument *document, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    int32_t idAt(int row) const override;

protected:
    void refresh(bool reset) override;
    QStringList headers() const override;

private:
    struct Row
    {
        int32_t id = -1;
        tee::sim::RequestSpan span;
        tee::sim::LaneAttrs attrs;
        bool changed = false;
    };
    std::vector<Row> m_rows;
};
