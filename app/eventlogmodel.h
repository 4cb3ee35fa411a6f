// Every event of one run as a flat table. Qt Core only: it returns meaning
// (the event kind, the step, the thread id), never colours; the view decides.
#pragma once

#include "core/event.h"

#include <QAbstractTableModel>

#include <memory>

namespace tee::sim {
class Simulator;
}

class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns {
        Step,
        Time, // simulated nanoseconds
        Thread,
        Kind,
        Description,
        ColumnCount
    };
    enum Roles {
        KindRole = Qt::UserRole, // int(tee::EventKind)
        StepRole,                // qulonglong
        ThreadIdRole,            // int (tee::ThreadId::v; -1 = none)
    };

    explicit EventLogModel(QObject *parent = nullptr);
    ~EventLogModel() override;

    // The simulator is kept to name threads and describe events; the model
    // holds typed ids only, never pointers into a State.
    void setEvents(std::shared_ptr<const tee::sim::Simulator> sim, tee::EventList events);
    void clear();

    const tee::EventList &events() const { return m_events; }
    const tee::Event &event(int row) const { return m_events.at(size_t(row)); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QString threadText(const tee::Event &e) const;

    std::shared_ptr<const tee::sim::Simulator> m_sim;
    tee::EventList m_events;
};
