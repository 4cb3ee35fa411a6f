// The real MainWindow offscreen (open, title, table, status), and the
// teescope binary's exit codes: a bad scenario gives 2 and a message naming
// it, never a modal box that would hang without a display.
#include "app/mainwindow.h"
#include "app/models/eventlogmodel.h"

#include <QLabel>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void opensDefault()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.openScenario(QStringLiteral("default"), &error), qPrintable(error));
        QVERIFY(error.isEmpty());
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("teescope — ")));
        QVERIFY(window.windowTitle().size() > QStringLiteral("teescope — ").size());

        const int rows = window.eventLogModel()->rowCount();
        QVERIFY(rows > 0);
        auto *view = window.findChild<QTableView *>();
        QVERIFY(view);
        QCOMPARE(view->model(), window.eventLogModel());

        // "N steps, M events, K violations (Reason)" with M = the table's rows.
        const QString summary = window.summary();
        QVERIFY2(summary.contains(QStringLiteral(", %1 events, ").arg(rows)), qPrintable(summary));
        bool shown = false;
        for (const QLabel *label : window.statusBar()->findChildren<QLabel *>())
            shown = shown || label->text() == summary;
        QVERIFY2(shown, "the status bar does not show the summary");

        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
    }

    void badScenarioLeavesWindowAlone()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.openScenario(QStringLiteral("default"), &error));
        const QString title = window.windowTitle();
        const int rows = window.eventLogModel()->rowCount();

        const QString missing = QStringLiteral("/nonexistent/teescope-no-such-scenario.json");
        QVERIFY(!window.openScenario(missing, &error));
        QVERIFY2(error.contains(QStringLiteral("teescope-no-such-scenario")), qPrintable(error));
        QCOMPARE(window.windowTitle(), title);
        QCOMPARE(window.eventLogModel()->rowCount(), rows);
    }

    void binaryExitCodes_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("stderrContains");

        QTest::newRow("missing file")
            << QStringList{QStringLiteral("/nonexistent/teescope-missing.json")} << 2
            << QStringLiteral("teescope-missing.json");
        QTest::newRow("unknown built-in") << QStringList{QStringLiteral("no-such-builtin")} << 2
                                          << QStringLiteral("no-such-builtin");
        QTest::newRow("two scenarios")
            << QStringList{QStringLiteral("default"), QStringLiteral("default")} << 2
            << QStringLiteral("at most one scenario");
    }

    void binaryExitCodes()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, stderrContains);

        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(TEESCOPE_GUI), args);
        QVERIFY2(process.waitForFinished(60000), "teescope hung on bad input");
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitCode(), exitCode);
        QVERIFY2(err.contains(stderrContains), qPrintable(err));
    }

    // Without a display teescope ends with one line and status 2, never in
    // Qt's platform plugin with SIGABRT (README, first command).
    void noDisplay_data()
    {
        QTest::addColumn<QStringList>("unset");
        QTest::addColumn<QStringList>("set"); // NAME=VALUE
        QTest::addColumn<QString>("says");
        const QStringList displays{QStringLiteral("DISPLAY"), QStringLiteral("WAYLAND_DISPLAY")};
        QTest::newRow("nothing set")
            << (displays + QStringList{QStringLiteral("QT_QPA_PLATFORM")}) << QStringList{}
            << QStringLiteral("neither DISPLAY nor WAYLAND_DISPLAY");
        QTest::newRow("xcb without DISPLAY")
            << displays << QStringList{QStringLiteral("QT_QPA_PLATFORM=xcb")}
            << QStringLiteral("platform \"xcb\"");
        QTest::newRow("DISPLAY with no X server")
            << QStringList{QStringLiteral("WAYLAND_DISPLAY"), QStringLiteral("QT_QPA_PLATFORM")}
            << QStringList{QStringLiteral("DISPLAY=:97")} << QStringLiteral("DISPLAY=:97");
    }

    void noDisplay()
    {
        QFETCH(QStringList, unset);
        QFETCH(QStringList, set);
        QFETCH(QString, says);
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &name : unset)
            env.remove(name);
        for (const QString &assignment : set)
            env.insert(assignment.section(QLatin1Char('='), 0, 0),
                       assignment.section(QLatin1Char('='), 1));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(TEESCOPE_GUI), {});
        QVERIFY2(process.waitForFinished(60000), "teescope hung without a display");
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 2);
        QVERIFY(process.readAllStandardOutput().isEmpty());
        QCOMPARE(err.count(QLatin1Char('\n')), 1);
        QVERIFY2(err.startsWith(QLatin1String("teescope: no display: ")), qPrintable(err));
        QVERIFY2(err.contains(says), qPrintable(err));
        QVERIFY2(err.contains(QLatin1String("xvfb-run")), qPrintable(err));
    }

    void badJsonFileIsNamed()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("broken.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"name\": \"broken\", \"processes\": [");
        file.close();

        MainWindow window;
        QString error;
        QVERIFY(!window.openScenario(path, &error));
        QVERIFY2(error.contains(QStringLiteral("broken.json")), qPrintable(error));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
