// EventLogModel over a real run of the built-in "default" scenario: shape,
// contents of every column, the typed roles, and reset signals.
#include "app/eventlogmodel.h"

#include "simulator/exports.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

class TestEventLogModel : public QObject
{
    Q_OBJECT

private:
    struct Run
    {
        std::shared_ptr<const tee::sim::Simulator> sim;
        tee::sim::Trace trace;
    };

    static Run runDefault()
    {
        std::string err;
        auto scenario = tee::sim::loadScenario("default", &err);
        if (!scenario)
            qFatal("cannot load the default scenario: %s", err.c_str());
        Run r;
        r.sim = std::make_shared<const tee::sim::Simulator>(scenario);
        tee::sim::RunOptions opts;
        opts.policy = scenario->policy;
        opts.seed = scenario->seed;
        opts.maxSteps = scenario->maxSteps;
        r.trace = tee::sim::run(*r.sim, opts, &err);
        if (!err.empty())
            qFatal("cannot run the default scenario: %s", err.c_str());
        return r;
    }

private Q_SLOTS:
    void emptyModel()
    {
        EventLogModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(EventLogModel::ColumnCount));
        QCOMPARE(model.headerData(EventLogModel::Time, Qt::Horizontal).toString(),
                 QStringLiteral("Time (ns)"));
        QVERIFY(!model.data(model.index(0, 0)).isValid());
    }

    void everyEventIsARow()
    {
        const Run r = runDefault();
        QVERIFY(!r.trace.events.empty());

        EventLogModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setEvents(r.sim, r.trace.events);
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(), int(r.trace.events.size()));

        for (int row = 0; row < model.rowCount(); ++row) {
            const tee::Event &e = r.trace.events[size_t(row)];
            QCOMPARE(model.data(model.index(row, EventLogModel::Step)).toULongLong(), e.step);
            QCOMPARE(model.data(model.index(row, EventLogModel::Time)).toLongLong(), e.tNs);
            QCOMPARE(model.data(model.index(row, EventLogModel::Kind)).toString(),
                     QString::fromLatin1(tee::eventKindName(e.kind)));
            QCOMPARE(model.data(model.index(row, EventLogModel::Description)).toString(),
                     QString::fromStdString(tee::sim::describeEvent(*r.sim, e)));
            const QString thread = model.data(model.index(row, EventLogModel::Thread)).toString();
            if (e.thread.valid())
                QCOMPARE(thread, QString::fromStdString(r.sim->threadName(e.thread)));
            QCOMPARE(model.data(model.index(row, 0), EventLogModel::KindRole).toInt(), int(e.kind));
            QCOMPARE(model.data(model.index(row, 0), EventLogModel::ThreadIdRole).toInt(),
                     e.thread.v);
        }
        // Steps never go backwards: the table is in run order.
        for (int row = 1; row < model.rowCount(); ++row)
            QVERIFY(model.data(model.index(row, 0), EventLogModel::StepRole).toULongLong() >=
                    model.data(model.index(row - 1, 0), EventLogModel::StepRole).toULongLong());

        model.clear();
        QCOMPARE(resets.count(), 2);
        QCOMPARE(model.rowCount(), 0);
    }

    void noSimulatorMeansNoRows()
    {
        const Run r = runDefault();
        EventLogModel model;
        model.setEvents(nullptr, r.trace.events);
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestEventLogModel)
#include "tst_eventlogmodel.moc"
