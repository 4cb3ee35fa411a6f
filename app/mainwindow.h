// Placeholder main window until the real inspector lands: runs one scenario
// with its own policy, seed and step bound, and lists every event.
#pragma once

#include <QMainWindow>

class EventLogModel;
class QLabel;
class QTableView;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // A built-in scenario name or a scenario file. On failure the window is
    // left as it was and `error` names the input and the place in it.
    bool openScenario(const QString &nameOrPath, QString *error);

    EventLogModel *eventLogModel() const { return m_model; }
    // "12 steps, 85 events, 0 violations (Finished)"
    QString summary() const { return m_summary; }

private:
    void openScenarioDialog();

    EventLogModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_statusLabel = nullptr;
    QString m_summary;
};
