// Every kernel object (struct qcomtee_object) alive at the cursor step: its
// type and what it stands for, the owner context, the refcount and who holds
// each reference (spec §2.3, I3: the holders explain the count).
#pragma once

#include "inspectormodel.h"

class ObjectsModel : public InspectorModel
{
    Q_OBJECT
public:
    enum Columns { Object, Type, What, Owner, Refcount, Holders, ColumnCount };
    enum Roles {
        IdRole = ModelRoles::IdRole,           // int: ObjectId.v
        StateRole = ModelRoles::StateRole,     // int: tee::sim::RefChange, the last change
        ChangedRole = ModelRoles::ChangedRole, // bool
        SortRole = ModelRoles::SortRole,
        TypeRole = ModelRoles::FirstModelRole, // int: tee::ObjectType
        OwnerRole,                             // int: ContextId.v of the owner (-1)
        RefcountRole,                          // int
        HoldersRole,                           // QStringList: vocab::holder of each reference
    };

    explicit ObjectsModel(RunDocument *document, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    int32_t idAt(int row) const override;

    // The holders of a row's object at the model's step, as the timeline
    // carries them (kind and id).
    std::vector<tee::sim::HolderRef> holders(int row) const;

protected:
    void refresh(bool reset) override;
    QStringList headers() const override;

private:
    struct Row
    {
        int32_t id = -1;
        tee::sim::ObjectSpan span;
        tee::ObjectType type = tee::ObjectType::TEE;
        tee::ContextId owner;
        uint32_t qteeId = 0;
        uint64_t userObjectId = 0;
        std::vector<tee::sim::HolderRef> holders; // its own copy: never an index into the
                                                  // document's state, which moves first
        bool changed = false;
    };
    QStringList holderTexts(const Row &r) const;

    std::vector<Row> m_rows;
};
