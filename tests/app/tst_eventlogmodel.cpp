// EventLogModel over a real run of the built-in "default" scenario: shape,
// contents of every column (vocabulary texts), the typed roles, and reset
// signals, both from a plain event list and from a RunDocument.
#include "app/models/eventlogmodel.h"
#include "app/models/rundocument.h"

#include "core/vocabulary.h"
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

    // `trace`: the document's (its steps' verbs name a request transition's
    // function); null for events set alone.
    static void checkRows(const EventLogModel &model, const tee::sim::Simulator &sim,
                          const tee::EventList &events, const tee::sim::Trace *trace = nullptr)
    {
        QCOMPARE(model.rowCount(), int(events.size()));
        for (int row = 0; row < model.rowCount(); ++row) {
            const tee::Event &e = events[size_t(row)];
            QCOMPARE(model.data(model.index(row, EventLogModel::Step)).toULongLong(), e.step);
            QCOMPARE(model.data(model.index(row, EventLogModel::Time)).toString(),
                     QString::number(double(e.tNs) / 1000.0, 'f', 3));
            QCOMPARE(model.data(model.index(row, 0), EventLogModel::TimeNsRole).toLongLong(),
                     e.tNs);
            QCOMPARE(model.data(model.index(row, EventLogModel::Kind)).toString(),
                     QString::fromLatin1(tee::eventKindName(e.kind)));
            QCOMPARE(model.data(model.index(row, EventLogModel::Text)).toString(),
                     QString::fromStdString(tee::vocab::eventText(sim, e)));
            QCOMPARE(model.data(model.index(row, EventLogModel::Driver)).toString(),
                     QString::fromStdString(tee::vocab::driverRefText(
                         trace ? tee::sim::driverRefOf(*trace, size_t(row))
                               : tee::vocab::driverRef(e))));
            const QString actor = model.data(model.index(row, EventLogModel::Actor)).toString();
            if (e.actor.valid())
                QCOMPARE(actor, QString::fromStdString(sim.threadName(e.actor)));
            QCOMPARE(model.data(model.index(row, 0), EventLogModel::KindRole).toInt(), int(e.kind));
            QCOMPARE(model.data(model.index(row, 0), EventLogModel::ThreadIdRole).toInt(),
                     e.thread.v);
            QCOMPARE(model.data(model.index(row, 0), EventLogModel::ActorIdRole).toInt(),
                     e.actor.v);
            QCOMPARE(model.data(model.index(row, 0), EventLogModel::IdRole).toInt(), row);
        }
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
                 QStringLiteral("Time (us)"));
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

        checkRows(model, *r.sim, r.trace.events);
        // Steps never go backwards: the table is in run order.
        for (int row = 1; row < model.rowCount(); ++row)
            QVERIFY(model.data(model.index(row, 0), EventLogModel::StepRole).toULongLong() >=
                    model.data(model.index(row - 1, 0), EventLogModel::StepRole).toULongLong());

        model.clear();
        QCOMPARE(resets.count(), 2);
        QCOMPARE(model.rowCount(), 0);
    }

    void followsTheDocument()
    {
        RunDocument doc;
        EventLogModel model(&doc);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QCOMPARE(model.rowCount(), 0);
        QString error;
        QVERIFY2(doc.openScenario(QStringLiteral("default"), &error), qPrintable(error));
        QCOMPARE(resets.count(), 1);
        checkRows(model, *doc.simulator(), doc.trace().events, &doc.trace());
        // a RELEASE notification's T1 is qcomtee_user_object_release's, its
        // T4 RECV's (qcomtee_user_object_select), not the client's dispatch
        int notifications = 0;
        for (int row = 0; row < model.rowCount(); ++row) {
            const tee::Event &e = doc.trace().events[size_t(row)];
            if (e.kind != tee::EventKind::RequestState ||
                e.op != tee::QCOMTEE_MSG_OBJECT_OP_RELEASE)
                continue;
            ++notifications;
            QVERIFY(model.data(model.index(row, EventLogModel::Driver))
                        .toString()
                        .startsWith(e.to == tee::ReqState::QUEUED
                                        ? QLatin1String("qcomtee_user_object_release")
                                        : QLatin1String("qcomtee_user_object_select")));
        }
        QCOMPARE(notifications, 3); // QUEUED, PROCESSING, removed (T4)
        // the first row of a step, or of the next step with events
        const tee::EventList &ev = doc.trace().events;
        QCOMPARE(model.firstRowAtOrAfterStep(0), 0);
        QCOMPARE(model.firstRowAtOrAfterStep(ev.back().step + 1), model.rowCount());
        const int row = model.firstRowAtOrAfterStep(ev.back().step);
        QCOMPARE(ev[size_t(row)].step, ev.back().step);
        QVERIFY(row == 0 || ev[size_t(row - 1)].step < ev.back().step);
        // the cursor does not touch the log
        doc.setCursor(3);
        QCOMPARE(resets.count(), 1);
        doc.clear();
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
