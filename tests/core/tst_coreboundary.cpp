// The layering rule: core (the driver model) links Qt Core at most, never Qt
// Gui or Widgets, so the CLI and the exploration tools can use it without a
// display. This executable links teescope_core and Qt Test only; it drives
// the engine with a hand-written environment (no simulator) and checks that
// no GUI library is linked or loaded.
#include "core/engine.h"
#include "core/event.h"
#include "core/state.h"

#include <QFile>
#include <QObject>
#include <QString>
#include <QTest>

using namespace tee;

namespace {

// One thread: open /dev/tee, close it, exit. QTEE is never called.
class OpenCloseEnvironment final : public Environment
{
public:
    Syscall nextSyscall(const State &s, const Thread &t) const override
    {
        (void)s;
        Syscall sc;
        switch (t.pc) {
        case 0:
            sc.kind = SyscallKind::Open;
            break;
        case 1:
            sc.kind = SyscallKind::Close;
            sc.fd = int32_t(t.regs[0]);
            break;
        default:
            sc.kind = SyscallKind::Exit;
            break;
        }
        return sc;
    }
    void syscallReturned(State &s, Thread &t, const SyscallResult &r) const override
    {
        (void)s;
        if (t.pc == 0)
            t.regs[0] = r.fd;
        ++t.pc;
    }
    void qteeInvoke(State &s, Thread &t) const override
    {
        (void)s;
        t.oic.reply.kind = QteeReply::Kind::Final;
    }
    void qteeCallbackResponse(State &s, Thread &t, int32_t result) const override
    {
        (void)s;
        (void)result;
        t.oic.reply.kind = QteeReply::Kind::Final;
    }
};

} // namespace

class TstCoreBoundary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void engineRunsWithoutSimulator();
    void noGuiLibraryLinked();
    void noGuiLibraryLoaded();
};

void TstCoreBoundary::engineRunsWithoutSimulator()
{
    OpenCloseEnvironment env;
    Engine engine(env);
    State s = engine.initialState({0}, {ThreadSpec{0, 1}});
    EventList events;
    for (int i = 0; i < 20; ++i) {
        const std::vector<Action> en = engine.enabled(s);
        if (en.empty())
            break;
        engine.apply(s, en.front(), events);
    }
    QVERIFY(engine.enabled(s).empty());
    QCOMPARE(s.threads[0].phase, Phase::Exited);
    QVERIFY(s.processes[0].exited);
    QCOMPARE(s.contexts.size(), size_t(2));
    QVERIFY(s.contexts[1].closed);
    QVERIFY(s.contexts[1].ctxFreed);
    QVERIFY(s.contexts[1].dataFreed);
    std::vector<EventKind> kinds;
    for (const Event &e : events)
        if (e.kind == EventKind::ContextOpened || e.kind == EventKind::ContextClosed ||
            e.kind == EventKind::ContextReleased)
            kinds.push_back(e.kind);
    QCOMPARE(kinds, (std::vector<EventKind>{EventKind::ContextOpened, EventKind::ContextClosed,
                                            EventKind::ContextReleased}));
}

// What CMake links into teescope_core (tests/core/CMakeLists.txt passes the
// target's LINK_LIBRARIES and INTERFACE_LINK_LIBRARIES joined with '|').
void TstCoreBoundary::noGuiLibraryLinked()
{
    const QString links = QStringLiteral(TEESCOPE_CORE_LINKS);
    for (const char *forbidden : {"Gui", "Widgets", "Svg", "PrintSupport", "QCustomPlot"})
        QVERIFY2(!links.contains(QLatin1String(forbidden)), qPrintable(links));
}

// What the dynamic loader actually mapped into this process.
void TstCoreBoundary::noGuiLibraryLoaded()
{
    QFile maps(QStringLiteral("/proc/self/maps"));
    if (!maps.open(QIODevice::ReadOnly))
        QSKIP("/proc/self/maps is not available on this system");
    const QByteArray text = maps.readAll();
    QVERIFY(text.contains("Qt6Core")); // the check reads the right thing
    QVERIFY(!text.contains("Qt6Gui"));
    QVERIFY(!text.contains("Qt6Widgets"));
}

QTEST_GUILESS_MAIN(TstCoreBoundary)
#include "tst_coreboundary.moc"
