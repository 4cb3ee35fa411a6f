// teescope: the desktop inspector. Usage: teescope [SCENARIO]
// SCENARIO is a built-in scenario name or a scenario JSON file ("default"
// when omitted). Exit code 2: the scenario could not be loaded or run.

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

#include <cstdio>

namespace {

constexpr int kExitBadInput = 2;

int fail(const QString &message)
{
    std::fprintf(stderr, "teescope: %s\n", qUtf8Printable(message));
    // Without a real display a modal box would wait for ever (CI, offscreen
    // tests): stderr and the exit code are the whole answer there.
    const QString platform = QGuiApplication::platformName();
    if (platform != QLatin1String("offscreen") && platform != QLatin1String("minimal"))
        QMessageBox::critical(nullptr, QStringLiteral("teescope"), message);
    return kExitBadInput;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("teescope"));
    QApplication::setApplicationVersion(QStringLiteral(TEESCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Inspector for QCOMTEE context, object and request lifecycles."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("scenario"),
        QStringLiteral("Built-in scenario name or scenario JSON file (default: \"default\")."),
        QStringLiteral("[scenario]"));
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    if (args.size() > 1)
        return fail(QStringLiteral("expected at most one scenario, got %1").arg(args.size()));
    const QString scenario = args.isEmpty() ? QStringLiteral("default") : args.first();

    MainWindow window;
    QString error;
    if (!window.openScenario(scenario, &error))
        return fail(error);
    window.show();
    return app.exec();
}
