// teescope: the desktop inspector. Usage: teescope [SCENARIO|CAPTURE]
// A built-in scenario name, a scenario JSON file or a capture ("default"
// when omitted). Exit code 2: the scenario could not be loaded or run, or
// there is no display to open a window on (one line says so; teescope-cli
// needs none).

#include "mainwindow.h"

#include "app/models/rundocument.h"

#include "core/text.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

#include <QByteArray>
#include <QString>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr int kExitBadInput = 2;

const char *const kNoDisplayHint =
    "run it under xvfb-run (xvfb-run teescope ...) or use teescope-cli, which needs no display";

[[noreturn]] void noDisplay(const char *why)
{
    std::fprintf(stderr, "teescope: no display: %s; %s\n", why, kNoDisplayHint);
    std::fflush(stderr);
    std::_Exit(kExitBadInput);
}

bool envSet(const char *name)
{
    const char *v = std::getenv(name);
    return v && *v;
}

// The platform Qt will try: -platform NAME on the command line, else
// QT_QPA_PLATFORM, else Qt's default (xcb on Debian unless in a Wayland
// session). Checked before QApplication, which would abort (SIGABRT) in the
// platform plugin without a display.
void checkDisplay(int argc, char **argv)
{
    QByteArray platforms = qgetenv("QT_QPA_PLATFORM");
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "-platform") == 0)
            platforms = argv[i + 1];
    if (platforms.isEmpty()) {
        if (envSet("DISPLAY") || envSet("WAYLAND_DISPLAY"))
            return;
        noDisplay("neither DISPLAY nor WAYLAND_DISPLAY is set");
    }
    // "wayland;xcb": any one that can start is enough.
    for (const QByteArray &entry : platforms.split(';')) {
        const QByteArray name = entry.split(':').constFirst().trimmed();
        if (name == "xcb") {
            if (envSet("DISPLAY"))
                return;
        } else if (name.startsWith("wayland")) {
            if (envSet("WAYLAND_DISPLAY"))
                return;
        } else if (!name.isEmpty()) {
            return; // offscreen, minimal, vnc, eglfs, linuxfb: no display server
        }
    }
    const QByteArray why = QByteArray("platform \"") + platforms +
                           QByteArray("\" needs a display server that is not set");
    noDisplay(why.constData());
}

// While QApplication starts, a platform plugin that cannot reach its display
// (DISPLAY set, but no X server answers) ends in qFatal: turn that into the
// same one line and exit status 2 instead of Qt's warnings and a SIGABRT.
QtMessageHandler g_previousHandler = nullptr;

void startupMessageHandler(QtMsgType type, const QMessageLogContext &context,
                           const QString &message)
{
    if (type == QtFatalMsg) {
        // Qt's text ("no Qt platform plugin could be initialized. Reinstalling
        // the application may fix this problem") points the wrong way.
        (void)message;
        const QByteArray display = qgetenv("DISPLAY");
        const QByteArray why =
            display.isEmpty()
                ? QByteArray("the window system could not be reached")
                : QByteArray("no X server answers on DISPLAY=") +
                      QByteArray::fromStdString(tee::printable(display.toStdString()));
        noDisplay(why.constData());
    }
    // The platform plugin's own warnings are what the fatal line sums up.
    if (context.category && std::strncmp(context.category, "qt.qpa", 6) == 0)
        return;
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

// The offscreen platform (tests, CI, the error path without a display)
// warns "This plugin does not support propagateSizeHints()" each time a
// window is shown: nothing is wrong, and it came before the one line an
// error prints (an app audit). Only that message, only offscreen.
void runningMessageHandler(QtMsgType type, const QMessageLogContext &context,
                           const QString &message)
{
    if (type == QtWarningMsg &&
        message == QLatin1String("This plugin does not support propagateSizeHints()") &&
        QGuiApplication::platformName() == QLatin1String("offscreen"))
        return;
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

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

// --help and --version print and exit: they need no display, and start Qt
// offscreen when there is none.
bool onlyPrints(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0)
            break;
        for (const char *opt : {"-h", "--help", "--help-all", "-v", "--version"})
            if (std::strcmp(argv[i], opt) == 0)
                return true;
    }
    return false;
}

} // namespace

int main(int argc, char **argv)
{
    // A write past a file size limit fails with EFBIG (the save reports it)
    // instead of SIGXFSZ killing the app (teescope-cli does the same).
    std::signal(SIGXFSZ, SIG_IGN);
    if (onlyPrints(argc, argv) && !envSet("DISPLAY") && !envSet("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    checkDisplay(argc, argv);
    g_previousHandler = qInstallMessageHandler(startupMessageHandler);
    QApplication app(argc, argv);
    qInstallMessageHandler(runningMessageHandler);
    QApplication::setApplicationName(QStringLiteral("teescope"));
    // Settings in ~/.config/teescope/teescope.conf (without an organisation
    // Qt names the folder "Unknown Organization").
    QApplication::setOrganizationName(QStringLiteral("teescope"));
    QApplication::setApplicationVersion(QStringLiteral(TEESCOPE_VERSION));
    // Qt decodes the arguments as UTF-8: a file name that is not would name
    // another file (each invalid byte as U+FFFD). Refused by name, as
    // teescope-cli does.
    for (int i = 1; i < argc; ++i) {
        if (!tee::isUtf8(argv[i]))
            return fail(QStringLiteral("argument %1 %2 is not valid UTF-8: teescope reads its "
                                       "arguments, file names included, as UTF-8")
                            .arg(i)
                            .arg(QString::fromStdString(tee::quotedText(argv[i]))));
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Inspector for QCOMTEE context, object and request lifecycles."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("scenario"),
        QStringLiteral("Built-in scenario name, scenario JSON file or capture (default: "
                       "\"default\")."),
        QStringLiteral("[scenario]"));
    const QCommandLineOption stepOpt(QStringLiteral("step"),
                                     QStringLiteral("Put the cursor at step N (0 to the last)."),
                                     QStringLiteral("N"));
    parser.addOption(stepOpt);
    const QCommandLineOption variantOpt(
        QStringLiteral("variant"),
        QStringLiteral("Run the scenario under this design: override one variant (request, "
                       "argument, lifetime, gaps; docs/model.md, \"Variants\"); repeatable. "
                       "A capture keeps its own."),
        QStringLiteral("NAME=VALUE"));
    parser.addOption(variantOpt);
    // (parse, not process: Qt's process() ends a usage error such as
    // "--step" without its N, or an unknown option, with status 1 and no
    // dialog; every other bad input is status 2 with one)
    if (!parser.parse(QCoreApplication::arguments()))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all")))
        parser.showHelp(0);

    const QStringList args = parser.positionalArguments();
    if (args.size() > 1)
        return fail(QStringLiteral("expected at most one scenario, got %1").arg(args.size()));
    const QString scenario = args.isEmpty() ? QStringLiteral("default") : args.first();

    // One cursor: the last of two --step values would win in silence (the
    // CLI refuses any single-value option given twice, too).
    if (parser.values(stepOpt).size() > 1)
        return fail(QStringLiteral("--step is given twice"));
    bool stepOk = true;
    const qulonglong step = parser.isSet(stepOpt) ? parser.value(stepOpt).toULongLong(&stepOk) : 0;
    if (!stepOk)
        return fail(QStringLiteral("--step: \"%1\" is not a step number")
                        .arg(parser.value(stepOpt).left(60)));

    // The window first, the run on a worker thread with a progress bar and
    // Cancel (a long scenario showed nothing for as long as it ran); a run
    // that cannot be opened is still exit status 2, after its message.
    std::vector<std::string> variants;
    for (const QString &v : parser.values(variantOpt))
        variants.push_back(v.toStdString());
    MainWindow window;
    window.show();
    const bool stepSet = parser.isSet(stepOpt);
    window.openPathInBackground(
        scenario,
        [&window, stepSet, step](const QString &error) {
            if (!error.isEmpty()) {
                QCoreApplication::exit(fail(error));
                return;
            }
            if (!stepSet)
                return;
            if (step > window.document()->stepCount()) {
                QCoreApplication::exit(
                    fail(QStringLiteral("--step: %1 is past the run's last step, %2")
                             .arg(step)
                             .arg(window.document()->stepCount())));
                return;
            }
            window.document()->setCursor(step);
        },
        variants);
    return app.exec();
}
