// Stepper (app/models/stepper.h) without a display: the checkpointed
// stateAt() against replays from scratch, branching by choosing another
// enabled action (issue 10's kill-while-processing scenario), step-by-step
// branches, branch management, and every branch's trace against sim::replay.
#include "app/models/rundocument.h"
#include "app/models/stepper.h"

#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <random>

namespace {

using tee::EventKind;
using tee::State;
using tee::sim::Trace;

struct Fixture
{
    std::shared_ptr<const tee::sim::Simulator> sim;
    tee::sim::RunOptions opts;
    Trace trace;
};

Fixture load(const QString &name, uint64_t maxSteps = 0)
{
    Fixture f;
    std::string err;
    auto sc = tee::sim::loadBuiltin(name.toStdString(), &err);
    if (!sc)
        qFatal("%s", err.c_str());
    f.sim = std::make_shared<const tee::sim::Simulator>(sc);
    f.opts = {sc->policy, sc->seed, maxSteps ? maxSteps : sc->maxSteps, true};
    f.trace = tee::sim::run(*f.sim, f.opts, &err);
    if (!err.empty())
        qFatal("%s", err.c_str());
    return f;
}

std::unique_ptr<Stepper> stepperFor(const Fixture &f, uint64_t interval)
{
    std::string err;
    auto st = Stepper::create(f.sim, f.trace, f.opts, &err, interval);
    if (!st)
        qFatal("%s", err.c_str());
    return st;
}

// The index in `choices` of the first label containing `text`; -1 if none.
int indexOf(const std::vector<Stepper::Choice> &choices, const std::string &text)
{
    for (size_t i = 0; i < choices.size(); ++i)
        if (choices[i].label.find(text) != std::string::npos)
            return int(i);
    return -1;
}

int nextIndex(const std::vector<Stepper::Choice> &choices)
{
    for (size_t i = 0; i < choices.size(); ++i)
        if (choices[i].next)
            return int(i);
    return -1;
}

// The events of one trace, field by field (operator== names no field).
bool sameTrace(const Trace &a, const Trace &b)
{
    return a.schedule == b.schedule && a.spans == b.spans && a.events == b.events &&
           a.final == b.final && a.violations == b.violations;
}

std::vector<std::string> prefix(const Trace &t, uint64_t steps)
{
    return {t.schedule.begin(), t.schedule.begin() + ptrdiff_t(steps)};
}

} // namespace

class TestStepper : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // -- stateAt against the engine ----------------------------------------------

    void stateAtMatchesReplay_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<int>("maxSteps");
        QTest::addColumn<int>("interval");
        QTest::newRow("kill-while-processing K=1") << "kill-while-processing" << 0 << 1;
        QTest::newRow("kill-while-processing K=3") << "kill-while-processing" << 0 << 3;
        QTest::newRow("kill-while-processing K=1024") << "kill-while-processing" << 0 << 1024;
        QTest::newRow("close-context-async-release K=4") << "close-context-async-release" << 0 << 4;
        QTest::newRow("srcu-vs-lock K=5") << "srcu-vs-lock" << 0 << 5;
        QTest::newRow("stress 2000 K=64") << "stress" << 2000 << 64;
        QTest::newRow("stress 2000 K=7") << "stress" << 2000 << 7;
    }
    void stateAtMatchesReplay()
    {
        QFETCH(QString, scenario);
        QFETCH(int, maxSteps);
        QFETCH(int, interval);
        const Fixture f = load(scenario, uint64_t(maxSteps));
        const auto st = stepperFor(f, uint64_t(interval));
        const uint64_t n = f.trace.schedule.size();
        QCOMPARE(st->stepCount(st->rootId()), n);
        if (maxSteps)
            QCOMPARE(n, uint64_t(maxSteps));
        QVERIFY(st->checkpointCount() == n / uint64_t(interval));

        // Every step: the labels re-matched from scratch, one at a time.
        const tee::Engine &engine = f.sim->engine();
        State s = f.sim->initialState();
        tee::EventList scratch;
        for (uint64_t k = 0; k <= n; ++k) {
            const auto at = st->stateAt(st->rootId(), k);
            QVERIFY(at);
            if (!(*at == s) || at->hash() != s.hash())
                QFAIL(qPrintable(QStringLiteral("state differs after step %1").arg(k)));
            if (k == n)
                break;
            const auto en = engine.enabled(s);
            const int m = engine.matchLabel(s, en, f.trace.schedule[k]);
            QVERIFY(m >= 0);
            engine.apply(s, en[size_t(m)], scratch);
        }
        QVERIFY(!st->stateAt(st->rootId(), n + 1));

        // A jumping order against sim::replay of the first `step` labels.
        std::mt19937_64 rng(7);
        for (int i = 0; i < 25; ++i) {
            const uint64_t k = rng() % (n + 1);
            const Trace r = tee::sim::replay(*f.sim, prefix(f.trace, k));
            QCOMPARE(st->stateAt(st->rootId(), k)->hash(), r.final.hash());
            QVERIFY(*st->stateAt(st->rootId(), k) == r.final);
        }
        // The root's trace is the recorded one.
        QVERIFY(sameTrace(st->trace(st->rootId()), f.trace));
        QCOMPARE(st->trace(st->rootId()).stop, f.trace.stop);
    }

    // A branch's states: checkpoints of the parent before the fork, its own after.
    void stateAtOnBranches_data()
    {
        QTest::addColumn<int>("interval");
        QTest::addColumn<int>("fork");
        QTest::newRow("K=16 fork 100") << 16 << 100;
        QTest::newRow("K=16 fork 96 (on a checkpoint)") << 16 << 96;
        QTest::newRow("K=5 fork 1001") << 5 << 1001;
        QTest::newRow("K=1024 fork 700") << 1024 << 700;
    }
    void stateAtOnBranches()
    {
        QFETCH(int, interval);
        QFETCH(int, fork);
        const Fixture f = load(QStringLiteral("stress"), 2000);
        const auto st = stepperFor(f, uint64_t(interval));
        // Take the first enabled action that is not the recorded one, then
        // fork again from the branch, by the (random) policy each time.
        int branch = st->rootId();
        uint64_t at = uint64_t(fork);
        for (int depth = 0; depth < 3; ++depth) {
            const auto choices = st->enabledAt(branch, at);
            QVERIFY(!choices.empty());
            size_t pick = 0;
            while (pick < choices.size() && choices[pick].next)
                ++pick;
            if (pick == choices.size())
                QSKIP("only one action enabled at the fork");
            std::string err;
            const auto r = st->choose(branch, at, pick, Stepper::Continuation::Policy, &err);
            QVERIFY2(r, err.c_str());
            QVERIFY(r->created);
            QCOMPARE(r->step, at + 1);
            QCOMPARE(st->info(r->branch)->parent, branch);
            QCOMPARE(st->info(r->branch)->forkStep, at);
            branch = r->branch;
            const Trace t = st->trace(branch);
            QCOMPARE(t.schedule.size(), size_t(2000)); // maxSteps bounds the branch
            QCOMPARE(t.stop, tee::sim::StopReason::MaxSteps);
            QCOMPARE(t.schedule[at], choices[pick].label);
            for (uint64_t k : {uint64_t(0), at - 1, at, at + 1, at + 2, uint64_t(1500),
                               uint64_t(1999), uint64_t(2000)}) {
                const Trace rep = tee::sim::replay(*f.sim, prefix(t, k));
                QVERIFY2(*st->stateAt(branch, k) == rep.final, qPrintable(QString::number(k)));
            }
            const Trace full = tee::sim::replay(*f.sim, t.schedule);
            QVERIFY(sameTrace(full, t));
            at += 137;
        }
        QCOMPARE(st->branches().size(), size_t(4));
        // The recorded run did not move.
        QVERIFY(sameTrace(st->trace(st->rootId()), f.trace));
    }

    // -- the scenario ---------------------------------------------------------

    void supplicantAnswersBeforeTheKill()
    {
        const Fixture f = load(QStringLiteral("kill-while-processing"));
        const auto st = stepperFor(f, 2);
        const int root = st->rootId();
        // The kill step, and the client's dispatch result in the recorded run.
        const auto kill = std::find(f.trace.schedule.begin(), f.trace.schedule.end(), "kill app");
        QVERIFY(kill != f.trace.schedule.end());
        const uint64_t killStep = uint64_t(kill - f.trace.schedule.begin()) + 1;
        auto clientDispatch = [](const Trace &t) {
            std::vector<int32_t> out;
            for (const tee::Event &e : t.events)
                if (e.kind == EventKind::DispatchReturn && e.thread == tee::ThreadId(0))
                    out.push_back(e.errno_);
            return out;
        };
        QCOMPARE(clientDispatch(f.trace), (std::vector<int32_t>{-ENODEV, -ENODEV}));

        // At the kill step, back two steps: the supplicant's RECV is next (the
        // recorded one: no branch), then the kill is next, marked.
        uint64_t cursor = killStep - 2;
        auto choices = st->enabledAt(root, cursor);
        QCOMPARE(choices[size_t(nextIndex(choices))].label, std::string("app/suppl: SUPPL_RECV"));
        auto r =
            st->choose(root, cursor, size_t(nextIndex(choices)), Stepper::Continuation::Policy);
        QVERIFY(r && !r->created && r->branch == root);
        cursor = r->step;
        choices = st->enabledAt(root, cursor);
        QCOMPARE(choices[size_t(nextIndex(choices))].label, std::string("kill app"));
        // The supplicant's work before the kill, step by step: a branch.
        const int work = indexOf(choices, "app/suppl: compute");
        QVERIFY(work >= 0);
        r = st->choose(root, cursor, size_t(work), Stepper::Continuation::StepByStep);
        QVERIFY(r && r->created && r->branch != root);
        const int branch = r->branch;
        QCOMPARE(st->info(branch)->forkStep, killStep - 1);
        QCOMPARE(st->stepCount(branch), killStep);
        cursor = r->step;
        // Then its SEND (the kill still pending), continued by the policy:
        // the step-by-step branch grows in place.
        choices = st->enabledAt(branch, cursor);
        QCOMPARE(nextIndex(choices), -1); // the branch ends here
        QVERIFY(indexOf(choices, "kill app") >= 0);
        const int send = indexOf(choices, "app/suppl: SUPPL_SEND");
        QVERIFY2(send >= 0, choices.empty() ? "nothing" : choices[0].label.c_str());
        r = st->choose(branch, cursor, size_t(send), Stepper::Continuation::Policy);
        QVERIFY(r && !r->created && r->branch == branch);
        QCOMPARE(st->branches().size(), size_t(2));

        // T11: the client's dispatch returns the supplicant's result (0), not -ENODEV.
        const Trace t = st->trace(branch);
        QVERIFY(t.stop == tee::sim::StopReason::Finished || t.stop == tee::sim::StopReason::Stuck);
        const auto results = clientDispatch(t);
        QVERIFY(!results.empty());
        QCOMPARE(results.front(), 0);
        bool processed = false;
        for (const tee::Event &e : t.events)
            if (e.kind == EventKind::RequestState && e.to == tee::ReqState::PROCESSED)
                processed = true;
        QVERIFY(processed);
        QVERIFY(sameTrace(tee::sim::replay(*f.sim, t.schedule), t));

        // The recorded run is unchanged; switching back shows it.
        QVERIFY(sameTrace(st->trace(root), f.trace));
        QCOMPARE(clientDispatch(st->trace(root)), (std::vector<int32_t>{-ENODEV, -ENODEV}));
        QVERIFY(*st->stateAt(root, killStep) ==
                tee::sim::replay(*f.sim, prefix(f.trace, killStep)).final);
        choices = st->enabledAt(root, killStep - 1);
        QCOMPARE(choices[size_t(nextIndex(choices))].label, std::string("kill app"));
    }

    // -- choosing -----------------------------------------------------------------------

    // The window's loader owns the cancel flag and frees it when the load
    // is over: the run must not keep it. A branch continued by the policy
    // ran with it and said "cancelled" (File > Open Built-in, then a branch
    // with "then continue by the policy").
    void loadedRunDropsTheCancelFlag()
    {
        auto flag = std::make_unique<std::atomic<bool>>(false);
        QString error;
        std::unique_ptr<RunDocument::Run> run =
            RunDocument::load(QStringLiteral("kill-while-processing"), &error, flag.get());
        QVERIFY2(run, qPrintable(error));
        QVERIFY(run->options.cancel == nullptr);
        flag->store(true); // what a freed flag may read as
        std::string err;
        const auto st = Stepper::create(run->simulator, run->trace, run->options, &err);
        QVERIFY2(st, err.c_str());
        const auto choices = st->enabledAt(st->rootId(), 3);
        size_t pick = 0;
        while (pick < choices.size() && choices[pick].next)
            ++pick;
        QVERIFY(pick < choices.size());
        const auto r = st->choose(st->rootId(), 3, pick, Stepper::Continuation::Policy, &err);
        QVERIFY2(r, err.c_str());
        QVERIFY(r->created);
        QVERIFY(st->stepCount(r->branch) > 4);
    }

    // Opening a capture replays it (the recording is checked): the loader's
    // Cancel stops that replay too.
    void captureLoadCanBeCancelled()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.json"));
        RunDocument ran;
        QString error;
        QVERIFY2(ran.openScenario(QStringLiteral("default"), &error), qPrintable(error));
        QVERIFY2(ran.saveCapture(path, &error), qPrintable(error));
        std::atomic<bool> cancel{true};
        QVERIFY(!RunDocument::load(path, &error, &cancel));
        QCOMPARE(error, QStringLiteral("cancelled"));
        cancel = false;
        QVERIFY2(RunDocument::load(path, &error, &cancel), qPrintable(error));
    }

    void choosingTheNextActionMakesNoBranch()
    {
        const Fixture f = load(QStringLiteral("stress"), 500);
        const auto st = stepperFor(f, 32);
        for (uint64_t k : {uint64_t(0), uint64_t(31), uint64_t(32), uint64_t(250), uint64_t(499)}) {
            const auto choices = st->enabledAt(st->rootId(), k);
            const int next = nextIndex(choices);
            QVERIFY(next >= 0);
            QCOMPARE(std::count_if(choices.begin(), choices.end(),
                                   [](const Stepper::Choice &c) { return c.next; }),
                     ptrdiff_t(1));
            QCOMPARE(choices[size_t(next)].label, f.trace.schedule[k]);
            const auto r = st->choose(st->rootId(), k, size_t(next), Stepper::Continuation::Policy);
            QVERIFY(r && !r->created && r->branch == st->rootId() && r->step == k + 1);
        }
        QCOMPARE(st->branches().size(), size_t(1));
        // Bad arguments.
        std::string err;
        QVERIFY(!st->choose(st->rootId(), 501, 0, Stepper::Continuation::Policy, &err));
        QVERIFY(!err.empty());
        QVERIFY(!st->choose(st->rootId(), 10, 99, Stepper::Continuation::Policy, &err));
        QVERIFY(!st->choose(42, 10, 0, Stepper::Continuation::Policy, &err));
        QVERIFY(st->enabledAt(st->rootId(), 501).empty());
    }

    void stepByStepExtendsInPlace()
    {
        const Fixture f = load(QStringLiteral("stress"), 300);
        const auto st = stepperFor(f, 8);
        // Fork at 100 with a non-recorded action, then ten more steps, each
        // the last enabled action, on the branch's last step.
        auto choices = st->enabledAt(st->rootId(), 100);
        size_t pick = 0;
        while (choices[pick].next)
            ++pick;
        auto r = st->choose(st->rootId(), 100, pick, Stepper::Continuation::StepByStep);
        QVERIFY(r && r->created);
        const int branch = r->branch;
        QCOMPARE(st->stepCount(branch), uint64_t(101));
        QVERIFY(st->info(branch)->stepByStep);
        QCOMPARE(st->trace(branch).stop, tee::sim::StopReason::ScheduleEnd);
        for (uint64_t k = 101; k < 111; ++k) {
            choices = st->enabledAt(branch, k);
            QVERIFY(!choices.empty());
            QCOMPARE(nextIndex(choices), -1);
            r = st->choose(branch, k, choices.size() - 1, Stepper::Continuation::StepByStep);
            QVERIFY(r && !r->created && r->branch == branch && r->step == k + 1);
            QCOMPARE(st->stepCount(branch), k + 1);
            QCOMPARE(st->trace(branch).schedule.back(), choices.back().label);
        }
        QCOMPARE(st->branches().size(), size_t(2));
        const Trace t = st->trace(branch);
        QCOMPARE(t.schedule.size(), size_t(111));
        QVERIFY(sameTrace(tee::sim::replay(*f.sim, t.schedule), t));
        for (uint64_t k = 0; k <= 111; k += 3)
            QVERIFY(*st->stateAt(branch, k) == tee::sim::replay(*f.sim, prefix(t, k)).final);
        // Going back inside the step-by-step branch and choosing another
        // action forks a child of it.
        choices = st->enabledAt(branch, 105);
        pick = 0;
        while (choices[pick].next)
            ++pick;
        r = st->choose(branch, 105, pick, Stepper::Continuation::StepByStep);
        QVERIFY(r && r->created);
        QCOMPARE(st->info(r->branch)->parent, branch);
        QCOMPARE(st->stepCount(branch), uint64_t(111)); // the parent kept its future
        // Then by the policy from the end of that child: extended to maxSteps.
        choices = st->enabledAt(r->branch, 106);
        const int child = r->branch;
        r = st->choose(child, 106, 0, Stepper::Continuation::Policy);
        QVERIFY(r && !r->created && r->branch == child);
        QCOMPARE(st->stepCount(child), uint64_t(300));
        QVERIFY(!st->info(child)->stepByStep);
        const Trace c = st->trace(child);
        QVERIFY(sameTrace(tee::sim::replay(*f.sim, c.schedule), c));
        // Choosing at the end of the recorded run forks (the root never grows).
        const Fixture k = load(QStringLiteral("kill-while-processing"));
        const auto ks = stepperFor(k, 4);
        const uint64_t end = ks->stepCount(ks->rootId());
        QVERIFY(ks->enabledAt(ks->rootId(), end).empty()); // finished: nothing left
    }

    // -- branch management ------------------------------------------------------------

    void renameAndDiscard()
    {
        const Fixture f = load(QStringLiteral("stress"), 400);
        const auto st = stepperFor(f, 16);
        auto forkAt = [&](int branch, uint64_t step) {
            const auto choices = st->enabledAt(branch, step);
            size_t pick = 0;
            while (choices[pick].next)
                ++pick;
            return st->choose(branch, step, pick, Stepper::Continuation::Policy)->branch;
        };
        const int a = forkAt(st->rootId(), 50);
        const int b = forkAt(a, 120);
        const int c = forkAt(b, 200);
        const int d = forkAt(st->rootId(), 300);
        QCOMPARE(st->branches().size(), size_t(5));
        QCOMPARE(st->info(st->rootId())->name, QStringLiteral("recorded"));
        QVERIFY(st->rename(b, QStringLiteral("late kill")));
        QCOMPARE(st->info(b)->name, QStringLiteral("late kill"));
        QVERIFY(!st->rename(99, QStringLiteral("x")));
        // The root stays.
        QVERIFY(st->discard(st->rootId()).empty());
        // Discarding b takes c with it; a and d stay, and still replay.
        const Trace before = st->trace(a);
        std::vector<int> gone = st->discard(b);
        std::sort(gone.begin(), gone.end());
        QCOMPARE(gone, (std::vector<int>{b, c}));
        QVERIFY(!st->contains(b) && !st->contains(c));
        QVERIFY(st->contains(a) && st->contains(d));
        QCOMPARE(st->branches().size(), size_t(3));
        QVERIFY(sameTrace(st->trace(a), before));
        QVERIFY(st->stateAt(a, 400)->hash() == before.final.hash());
        QVERIFY(!st->stateAt(b, 10));
        QVERIFY(st->discard(b).empty());
        // Ids are not reused.
        const int e = forkAt(a, 60);
        QVERIFY(e != b && e != c && e > d);
        QVERIFY(sameTrace(st->trace(st->rootId()), f.trace));
    }

    // -- traces replay -------------------------------------------------------------------

    void branchTraceReplays_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<int>("maxSteps");
        QTest::addColumn<int>("fork");
        QTest::newRow("kill-while-processing") << "kill-while-processing" << 0 << 3;
        QTest::newRow("close-context-async-release") << "close-context-async-release" << 0 << 4;
        QTest::newRow("srcu-vs-lock") << "srcu-vs-lock" << 0 << 6;
        QTest::newRow("stress (random)") << "stress" << 3000 << 1234;
    }
    void branchTraceReplays()
    {
        QFETCH(QString, scenario);
        QFETCH(int, maxSteps);
        QFETCH(int, fork);
        const Fixture f = load(scenario, uint64_t(maxSteps));
        const auto st = stepperFor(f, 3);
        // The first step from `fork` on with a choice; every other action
        // enabled there, by the policy.
        while (size_t(fork) < f.trace.schedule.size() &&
               st->enabledAt(st->rootId(), uint64_t(fork)).size() < 2)
            ++fork;
        const auto choices = st->enabledAt(st->rootId(), uint64_t(fork));
        int made = 0;
        for (size_t i = 0; i < choices.size(); ++i) {
            if (choices[i].next)
                continue;
            std::string err;
            const auto r =
                st->choose(st->rootId(), uint64_t(fork), i, Stepper::Continuation::Policy, &err);
            QVERIFY2(r && r->created, err.c_str());
            const Trace t = st->trace(r->branch);
            QCOMPARE(t.schedule[size_t(fork)], choices[i].label);
            QVERIFY(std::equal(t.schedule.begin(), t.schedule.begin() + fork,
                               f.trace.schedule.begin()));
            std::string rerr;
            const Trace rep = tee::sim::replay(*f.sim, t.schedule, &rerr);
            QVERIFY2(rerr.empty(), rerr.c_str());
            QVERIFY(sameTrace(rep, t));
            if (t.stop != tee::sim::StopReason::MaxSteps)
                QCOMPARE(rep.stop, t.stop);
            // Deterministic: the same choice again gives the same trace.
            const auto again =
                st->choose(st->rootId(), uint64_t(fork), i, Stepper::Continuation::Policy);
            QVERIFY(again && again->created && again->branch != r->branch);
            QVERIFY(sameTrace(st->trace(again->branch), t));
            ++made;
        }
        QVERIFY(made > 0);
        QVERIFY(sameTrace(st->trace(st->rootId()), f.trace));
    }
};

QTEST_GUILESS_MAIN(TestStepper)
#include "tst_stepper.moc"
