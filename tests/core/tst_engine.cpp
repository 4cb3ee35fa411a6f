// Properties of the engine and the simulator's scheduler that every caller
// (GUI, CLI, explorer, captures) relies on: determinism, State as a value,
// id allocation rules (spec §2.4), FIFO delivery (spec §2.5 T2, I9), every
// variant running, blocked threads having no action, unique labels.
#include "scenariorunner.h"
#include "testscenarios.h"

#include "simulator/scenarioloader.h"

#include <QObject>
#include <QString>
#include <QTest>

#include <map>
#include <random>
#include <set>

using namespace tee;
using namespace teetest;

namespace {

// Empty when equal, else where they first differ.
std::string compareEvents(const EventList &a, const EventList &b)
{
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i])
            return "event " + std::to_string(i) + " differs: " + eventsText({a[i]}) + " vs " +
                   eventsText({b[i]});
    if (a.size() != b.size())
        return "event counts differ: " + std::to_string(a.size()) + " vs " +
               std::to_string(b.size());
    return {};
}

int32_t lowestFree(const std::set<int32_t> &ids)
{
    int32_t want = 0;
    while (ids.count(want))
        ++want;
    return want;
}

// The thread can make progress in `s` by the engine's own wake-up rules.
bool waitSatisfied(const State &s, const Thread &t)
{
    if (s.lockAsleep(t))
        return false; // only the holder's mutex_unlock wakes it
    switch (t.phase) {
    case Phase::Exited:
        return false;
    case Phase::DispatchWait: {
        const Request *r = s.request(t.dispatchReq);
        return (r && r->completed) || t.fatalPending;
    }
    case Phase::DispatchSrcu: {
        // synchronize_srcu: every reader it waited for left its section
        return t.srcuWaitFor.empty();
    }
    case Phase::RecvWait:
        return s.context(s.files[size_t(t.file)].ctx).reqC > 0 || t.fatalPending;
    case Phase::WorkerIdle:
        return !s.wq.empty();
    default:
        return true;
    }
}

// Picks a random enabled action; a kill only now and then, so that walks
// get deep before a process dies.
size_t randomPick(std::mt19937_64 &rng, const std::vector<Action> &en)
{
    std::vector<size_t> threads;
    for (size_t i = 0; i < en.size(); ++i)
        if (en[i].kind == Action::Kind::Thread)
            threads.push_back(i);
    if (threads.empty() || rng() % 50 == 0)
        return size_t(rng() % en.size());
    return threads[size_t(rng() % threads.size())];
}

// The lock scenarios of tests/data/explore/ (lock-wake-up.json,
// req-c-and-reqs-lock.json).
std::shared_ptr<sim::Scenario> exploreScenario(const char *name, std::string *error)
{
    return sim::loadScenario(std::string(TEESCOPE_TEST_DATA "/explore/") + name, error);
}

// Their first five steps: app/s1 opens /dev/tee and service 2033 and
// registers user object 7 with it (QTEE holds it as the listener that op 2
// calls back).
const std::vector<std::string> kListenerSetUp = {
    "app/s1: open /dev/tee", "app/s1: OBJECT_INVOKE ROOT op 32", "app/s1: QTEE returns 0",
    "app/s1: OBJECT_INVOKE objref 0 op 1", "app/s1: QTEE returns 0"};

// A random walk; `check` runs before every step with the enabled actions.
// Stops when nothing is enabled.
template <class Check>
void randomWalk(ScenarioRunner &r, uint64_t seed, uint64_t maxSteps, Check check)
{
    std::mt19937_64 rng(seed);
    for (uint64_t i = 0; i < maxSteps; ++i) {
        const std::vector<Action> en = r.engine().enabled(r.state);
        check(r, en);
        if (QTest::currentTestFailed() || en.empty())
            return;
        r.apply(en[randomPick(rng, en)]);
    }
}

std::vector<Variant> allVariants()
{
    std::vector<Variant> out;
    for (auto req : {RequestVariant::Fifo, RequestVariant::Idr})
        for (auto arg : {ArgumentVariant::Lock, ArgumentVariant::Srcu, ArgumentVariant::None})
            for (auto life :
                 {LifetimeVariant::CtxRef, LifetimeVariant::Kref, LifetimeVariant::None})
                for (auto gaps : {GapsVariant::Faithful, GapsVariant::Fixed}) {
                    Variant v;
                    v.request = req;
                    v.argument = arg;
                    v.lifetime = life;
                    v.gaps = gaps;
                    out.push_back(v);
                }
    return out;
}

constexpr const char *kThreeQueued = R"json({
  "name": "three-queued",
  "qtee": {"services": [{"uid": 2033, "ops": {
      "1": [{"do": "callback", "target": "io:0", "op": 7, "ib": [16]}, {"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "c1", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "exit"}]},
      {"name": "c2", "program": [
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 2}]},
          {"do": "exit"}]},
      {"name": "c3", "program": [
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 3}]},
          {"do": "exit"}]},
      {"name": "suppl", "program": [{"do": "serve", "fd": "fd", "count": 3}, {"do": "exit"}]}]}],
  "faults": [{"kill": "app", "when": "any"}]
})json";

} // namespace

class TstEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sameScheduleSameEventsAndHash();
    void sameSeedSameSchedule();
    void commutingStepsReachTheSameState();
    void stateCopyEqualityHash();
    void hashCoversTheConfiguration();
    void appliedLeavesInputUnchanged();
    void copyOnWriteVector();
    void copyOnWriteThreads();
    void untimedApplyChangesTheSameState();
    void retiredIdsInIdOrder();
    void idAllocation_data();
    void idAllocation();
    void fifoDeliveryOfThreeRequests();
    void everyVariantRunsDefault();
    void blockedThreadsHaveNoAction_data();
    void blockedThreadsHaveNoAction();
    void labelsUniqueAmongEnabled_data();
    void labelsUniqueAmongEnabled();
    void quiescentAtRest();
    void lockWaiterWokenWithSigkillTakesTheLock();
    void enqueueWakesTheNextLockWaiter();
    void wokenLockWaiterSleepsAgainWhenTheLockIsTaken();
    void reqCCountTakenBeforeTheLockWait();

private:
    std::shared_ptr<const tee::sim::Scenario> m_default;
};

void TstEngine::initTestCase()
{
    std::string error;
    auto sc = tee::sim::loadBuiltin("default", &error);
    QVERIFY2(sc, error.c_str());
    m_default = sc;
}

// Replaying a run's labels gives the same events, state and hash.
void TstEngine::sameScheduleSameEventsAndHash()
{
    std::string error;
    auto sc = loadScenario(kForeign, &error);
    QVERIFY2(sc, error.c_str());
    tee::sim::Simulator sim(sc);
    tee::sim::RunOptions opts;
    opts.policy = tee::sim::Policy::Random;
    opts.seed = 11;
    const tee::sim::Trace first = tee::sim::run(sim, opts, &error);
    QVERIFY2(error.empty(), error.c_str());
    QVERIFY(first.schedule.size() > 20);
    const tee::sim::Trace again = tee::sim::replay(sim, first.schedule, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(again.schedule, first.schedule);
    const std::string diff = compareEvents(first.events, again.events);
    QVERIFY2(diff.empty(), diff.c_str());
    QVERIFY(again.final == first.final);
    QCOMPARE(again.final.hash(), first.final.hash());

    // stepping the engine by hand through the same labels agrees too
    ScenarioRunner r(sc);
    QVERIFY2(r.steps(first.schedule, &error), error.c_str());
    QVERIFY(r.state == first.final);
    const std::string diff2 = compareEvents(first.events, r.events);
    QVERIFY2(diff2.empty(), diff2.c_str());
}

void TstEngine::sameSeedSameSchedule()
{
    std::string error;
    auto sc = loadScenario(kThreeQueued, &error);
    QVERIFY2(sc, error.c_str());
    tee::sim::Simulator sim(sc);
    std::set<std::vector<std::string>> distinct;
    for (uint64_t seed = 1; seed <= 5; ++seed) {
        tee::sim::RunOptions opts;
        opts.policy = tee::sim::Policy::Random;
        opts.seed = seed;
        const tee::sim::Trace a = tee::sim::run(sim, opts);
        const tee::sim::Trace b = tee::sim::run(sim, opts);
        QCOMPARE(a.schedule, b.schedule);
        QCOMPARE(a.final.hash(), b.final.hash());
        const std::string diff = compareEvents(a.events, b.events);
        QVERIFY2(diff.empty(), diff.c_str());
        distinct.insert(a.schedule);
    }
    // the seed matters (otherwise the check above proves nothing)
    QVERIFY(distinct.size() > 1);
}

// Two independent steps in either order give the same State (hence hash):
// the hash identifies configurations, not paths.
void TstEngine::commutingStepsReachTheSameState()
{
    std::string error;
    auto sc = loadScenario(kForeign, &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner a(sc, RunnerOptions{});
    ScenarioRunner b(sc, RunnerOptions{});
    const Labels setup(kForeignSetup.begin(), kForeignSetup.begin() + 5); // srv ready
    QVERIFY2(a.steps(setup + Labels{"srv/suppl: SUPPL_RECV", "cli/main: open /dev/tee"}, &error),
             error.c_str());
    QVERIFY2(b.steps(setup + Labels{"cli/main: open /dev/tee", "srv/suppl: SUPPL_RECV"}, &error),
             error.c_str());
    QVERIFY(a.state == b.state);
    QCOMPARE(a.state.hash(), b.state.hash());
    // ... while the events record the two different orders
    QVERIFY(!compareEvents(a.events, b.events).empty());
}

void TstEngine::stateCopyEqualityHash()
{
    ScenarioRunner r(m_default);
    std::string error;
    QVERIFY2(r.steps({"app/client: open /dev/tee", "app/client: OBJECT_INVOKE ROOT op 32",
                      "app/client: QTEE returns 0", "app/client: OBJECT_INVOKE obj 0 op 1",
                      "app/client: QTEE callback 0x80000001 op 7"},
                     &error),
             error.c_str());
    const State copy = r.state;
    QVERIFY(copy == r.state);
    QCOMPARE(copy.hash(), r.state.hash());
    QCOMPARE(copy.requests.size(), size_t(1));

    State next = copy;
    EventList ev;
    const std::vector<Action> en = r.engine().enabled(next);
    QVERIFY(!en.empty());
    r.engine().apply(next, en.front(), ev);
    QVERIFY(!ev.empty());
    QVERIFY(!(next == copy));
    QVERIFY(next.hash() != copy.hash());
    QVERIFY(copy == r.state); // the copy is independent of what we applied
}

// Changing any one part of the configuration changes the hash.
void TstEngine::hashCoversTheConfiguration()
{
    ScenarioRunner r(m_default);
    std::string error;
    QVERIFY2(r.steps({"app/client: open /dev/tee", "app/client: OBJECT_INVOKE ROOT op 32",
                      "app/client: QTEE returns 0", "app/client: OBJECT_INVOKE obj 0 op 1",
                      "app/client: QTEE callback 0x80000001 op 7", "app/suppl: SUPPL_RECV"},
                     &error),
             error.c_str());
    const State base = r.state;
    const uint64_t h = base.hash();
    QVERIFY(!base.requests.empty() && !base.objects.empty() && !base.xaLocalObjects.empty());
    const std::vector<std::pair<const char *, std::function<void(State &)>>> edits = {
        {"request state", [](State &s) { s.requests[0].state = ReqState::QUEUED; }},
        {"request errno", [](State &s) { s.requests[0].errno_ = -5; }},
        {"object holder", [](State &s) { s.objects[1].holders[0].kind = HolderKind::Retain; }},
        {"object refcount", [](State &s) { s.objects[1].holders.push_back({}); }},
        {"reqs_idr", [](State &s) { s.contexts[1].reqsIdr[0].id = 3; }},
        {"qtee_objects_idr", [](State &s) { s.contexts[1].qteeObjectsIdr[0].id = 2; }},
        {"released", [](State &s) { s.contexts[1].released = true; }},
        {"req_c", [](State &s) { s.contexts[1].reqC++; }},
        {"reqs_lock owner", [](State &s) { s.contexts[1].reqsLockOwner = ThreadId(0); }},
        {"xa_local_objects", [](State &s) { s.xaLocalObjects[0].id++; }},
        {"thread phase", [](State &s) { s.threads.mut(0).phase = Phase::CbRespond; }},
        {"fatal signal", [](State &s) { s.threads.mut(0).fatalPending = true; }},
        {"QTEE holds", [](State &s) { s.qtee.cbHeld.push_back(0x80000009u); }},
        {"process registers", [](State &s) { s.processes[0].regs[0] = 42; }},
        {"release queue", [](State &s) { s.wq.push_back(WorkItem{ObjectId(0)}); }},
        {"fault taken", [](State &s) { s.faultsTaken.add(0); }},
        {"fault past the 64th taken", [](State &s) { s.faultsTaken.add(100); }},
    };
    for (const auto &[what, edit] : edits) {
        State s = base;
        edit(s);
        QVERIFY2(!(s == base), what);
        QVERIFY2(s.hash() != h, what);
    }
    // step and time are not part of the configuration
    State later = base;
    later.step += 3;
    later.tNs += 1000;
    QCOMPARE(later.hash(), h);
}

void TstEngine::appliedLeavesInputUnchanged()
{
    std::string error;
    auto sc = loadScenario(kLocal, &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    int checked = 0;
    randomWalk(r, 5, 400, [&](ScenarioRunner &run, const std::vector<Action> &en) {
        for (const Action &a : en) {
            const State before = run.state;
            EventList viaApplied;
            const State out = run.engine().applied(run.state, a, viaApplied);
            QVERIFY(run.state == before);
            State inPlace = before;
            EventList viaApply;
            run.engine().apply(inPlace, a, viaApply);
            QVERIFY(out == inPlace);
            const std::string diff = compareEvents(viaApplied, viaApply);
            QVERIFY2(diff.empty(), diff.c_str());
            ++checked;
        }
    });
    QVERIFY(checked > 50);
}

// core/cowvector.h: copies share elements until one is written; a held
// element keeps its identity and value after every vector let it go.
void TstEngine::copyOnWriteVector()
{
    CowVector<std::vector<int>> a;
    a.push_back({1, 2});
    a.push_back({3});
    CowVector<std::vector<int>> b = a;
    QCOMPARE(b.identity(0), a.identity(0));
    QVERIFY(b == a);
    b.mut(1).push_back(4); // shared: b gets its own copy
    QVERIFY(b.identity(1) != a.identity(1));
    QCOMPARE(a[1], std::vector<int>({3}));
    QCOMPARE(b[1], std::vector<int>({3, 4}));
    QCOMPARE(b.identity(0), a.identity(0));
    QVERIFY(!(b == a));
    const void *own = b.identity(1);
    b.mut(1).push_back(5); // not shared: written in place
    QCOMPARE(b.identity(1), own);
    // equal values under different identities compare equal
    CowVector<std::vector<int>> c;
    c.push_back({1, 2});
    c.push_back({3});
    QVERIFY(c == a);
    QVERIFY(c.identity(0) != a.identity(0));
    // a held element survives its vectors and is not written through them
    auto held = a.hold(0);
    const void *id = a.identity(0);
    a.clear();
    b.clear();
    QCOMPARE(held.identity(), id);
    QCOMPARE(held.value(), std::vector<int>({1, 2}));
    CowVector<std::vector<int>> d;
    d.push_back({7});
    auto keep = d.hold(0);
    d.mut(0).push_back(8); // held elsewhere: copied, the held value stays
    QCOMPARE(keep.value(), std::vector<int>({7}));
    QCOMPARE(d[0], std::vector<int>({7, 8}));
}

// State's threads are copy-on-write: a step on a copy writes its own
// copies of the threads it changes, never a thread it shares with the
// State it was copied from; a thread that kept its identity kept its value
// (what the explorer's thread cache relies on).
void TstEngine::copyOnWriteThreads()
{
    std::string error;
    auto sc = loadScenario(kLocal, &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    int checked = 0, kept = 0, written = 0;
    randomWalk(r, 5, 400, [&](ScenarioRunner &run, const std::vector<Action> &en) {
        for (const Action &a : en) {
            const State before = run.state; // shares every thread with run.state
            const std::vector<Thread> deep(before.threads.begin(), before.threads.end());
            State next = before;
            EventList events;
            run.engine().apply(next, a, events);
            for (size_t i = 0; i < deep.size(); ++i) {
                QVERIFY(before.threads[i] == deep[i]);
                QVERIFY(run.state.threads[i] == deep[i]);
                if (next.threads.identity(i) == before.threads.identity(i)) {
                    QVERIFY(next.threads[i] == deep[i]);
                    ++kept;
                } else {
                    ++written;
                }
            }
            ++checked;
        }
    });
    QVERIFY(checked > 50);
    QVERIFY(kept > written); // most steps write one thread
    QVERIFY(written > 0);
}

// Exploration applies steps with applyUntimed (only violations and gaps, no
// clock): the same state as apply() but for the times (State::hash leaves
// them out and covers the rest: hashCoversTheConfiguration), and the same
// violations and gaps. On walks of built-ins with the designs that break
// I6, I9 and I12, so that violations do occur, and of request-id-reuse,
// whose supplicant answers notifications, first-smc-fails and release-retry
// (gaps 3 and 5).
void TstEngine::untimedApplyChangesTheSameState()
{
    struct Case
    {
        const char *scenario;
        Variant variant;
    };
    Variant noLifetime, idr, noArgument;
    noLifetime.lifetime = LifetimeVariant::None;
    idr.request = RequestVariant::Idr;
    noArgument.argument = ArgumentVariant::None;
    const Case cases[] = {{"callback-after-close", noLifetime}, {"fifo-delivery", idr},
                          {"srcu-vs-lock", noArgument},         {"request-id-reuse", Variant{}},
                          {"kill-while-queued", Variant{}},     {"stress", Variant{}},
                          {"first-smc-fails", Variant{}},       {"release-retry", Variant{}}};
    int checked = 0, violations = 0, gaps = 0;
    for (const Case &c : cases) {
        std::string error;
        auto sc = tee::sim::loadBuiltin(c.scenario, &error);
        QVERIFY2(sc, error.c_str());
        RunnerOptions o;
        o.variant = c.variant;
        for (uint64_t seed = 1; seed <= 8; ++seed) {
            // Two walks side by side, one timed and one untimed all along:
            // stale clocks must not change what comes next either.
            ScenarioRunner r(sc, o);
            const Engine &engine = r.engine();
            State timed = r.state, untimed = r.state;
            std::mt19937_64 rng(seed);
            for (int i = 0; i < 300; ++i) {
                const std::vector<Action> en = engine.enabled(timed);
                QCOMPARE(engine.enabled(untimed), en);
                if (en.empty())
                    break;
                const Action a = en[randomPick(rng, en)];
                EventList all, found;
                engine.apply(timed, a, all);
                engine.applyUntimed(untimed, a, found);
                QCOMPARE(untimed.hash(), timed.hash());
                QCOMPARE(untimed.step, timed.step);
                EventList expected;
                for (const Event &e : all)
                    if (e.kind == EventKind::Violation || e.kind == EventKind::Gap)
                        expected.push_back(e);
                // the times are the only fields untimed leaves out
                for (size_t k = 0; k < found.size() && k < expected.size(); ++k) {
                    found[k].tNs = expected[k].tNs;
                    found[k].startNs = expected[k].startNs;
                }
                const std::string diff = compareEvents(expected, found);
                QVERIFY2(diff.empty(), (std::string(c.scenario) + ": " + diff).c_str());
                for (const Event &e : found)
                    (e.kind == EventKind::Gap ? gaps : violations)++;
                ++checked;
            }
            QCOMPARE(engine.stuck(untimed), engine.stuck(timed));
        }
    }
    QVERIFY(checked > 1000);
    QVERIFY(violations > 0);
    QVERIFY(gaps > 0);
}

// I11's memory of retired request ids (Context::retiredIds) is a set kept in
// id order whatever order the ids retire in, so two runs that retired the
// same ids in another order reach equal States (and one canonical key).
// Random walks over scenarios whose ids are reused and retired out of order.
void TstEngine::retiredIdsInIdOrder()
{
    int outOfOrder = 0, retired = 0;
    for (const char *name : {"stress", "multiple-supplicants", "release-notification"}) {
        std::string error;
        auto sc = tee::sim::loadBuiltin(name, &error);
        QVERIFY2(sc, error.c_str());
        for (uint64_t seed = 1; seed <= 8; ++seed) {
            ScenarioRunner r(sc);
            const Engine &engine = r.engine();
            State s = r.state;
            std::mt19937_64 rng(seed);
            for (int i = 0; i < 500; ++i) {
                const std::vector<Action> en = engine.enabled(s);
                if (en.empty())
                    break;
                const State before = s;
                EventList events;
                engine.apply(s, en[randomPick(rng, en)], events);
                for (size_t c = 0; c < s.contexts.size(); ++c) {
                    const std::vector<RetiredId> &now = s.contexts[c].retiredIds;
                    for (size_t k = 1; k < now.size(); ++k)
                        QVERIFY2(now[k - 1].id < now[k].id, name);
                    if (c >= before.contexts.size())
                        continue;
                    const std::vector<RetiredId> &was = before.contexts[c].retiredIds;
                    for (size_t k = 0; k < now.size(); ++k) {
                        if (std::find(was.begin(), was.end(), now[k]) != was.end())
                            continue;
                        ++retired;
                        if (k + 1 < now.size())
                            ++outOfOrder; // retired after a higher id
                    }
                }
            }
        }
    }
    QVERIFY(retired > 50);
    QVERIFY(outOfOrder > 0);
}

// spec §2.4: request ids and userspace QTEE-object ids are the lowest free
// number at each allocation; callback ids are cyclic from 0x80000001 and
// not reused. Checked on every step of random walks.
void TstEngine::idAllocation_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<quint64>("seed");
    for (quint64 seed : {1, 2, 3, 4})
        QTest::addRow("local %llu", seed) << QStringLiteral("local") << seed;
    for (quint64 seed : {1, 2, 3, 4})
        QTest::addRow("foreign %llu", seed) << QStringLiteral("foreign") << seed;
    for (quint64 seed : {1, 2, 3, 4})
        QTest::addRow("three-queued %llu", seed) << QStringLiteral("three") << seed;
}

void TstEngine::idAllocation()
{
    QFETCH(QString, scenario);
    QFETCH(quint64, seed);
    std::string error;
    const char *json = scenario == QLatin1String("local")     ? kLocal
                       : scenario == QLatin1String("foreign") ? kForeign
                                                              : kThreeQueued;
    auto sc = loadScenario(json, &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    // foreign starts with srv's object exported, so that cli's calls reach it
    const Labels forced = scenario == QLatin1String("foreign") ? kForeignSetup : Labels{};
    std::vector<uint32_t> cbIds;
    int requestAllocs = 0;
    int idrAllocs = 0;
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 3000; ++i) {
        const std::vector<Action> en = r.engine().enabled(r.state);
        if (en.empty())
            break;
        // the tables just before the step
        std::map<int32_t, std::set<int32_t>> reqIds, objIds;
        for (const Context &c : r.state.contexts) {
            for (const IdrEntry &e : c.reqsIdr)
                reqIds[c.id.v].insert(e.id);
            for (const IdrEntry &e : c.qteeObjectsIdr)
                objIds[c.id.v].insert(e.id);
        }
        if (size_t(i) < forced.size())
            QVERIFY2(r.step(forced[size_t(i)], &error), error.c_str());
        else
            r.apply(en[randomPick(rng, en)]);
        for (const Event &e : r.lastEvents()) {
            if (e.kind == EventKind::RequestState && e.from == ReqState::New &&
                e.to == ReqState::QUEUED) {
                QCOMPARE(e.reqId, lowestFree(reqIds[e.ctx.v]));
                reqIds[e.ctx.v].insert(e.reqId);
                ++requestAllocs;
            } else if (e.kind == EventKind::IdrRemove) {
                objIds[e.ctx.v].erase(e.reqId);
            } else if (e.kind == EventKind::IdrAdd) {
                QCOMPARE(e.reqId, lowestFree(objIds[e.ctx.v]));
                objIds[e.ctx.v].insert(e.reqId);
                ++idrAllocs;
            } else if (e.kind == EventKind::XaAlloc) {
                cbIds.push_back(e.qteeId);
            }
        }
    }
    QVERIFY(requestAllocs > 0);
    QVERIFY(idrAllocs > 0);
    QVERIFY(!cbIds.empty());
    QCOMPARE(cbIds.front(), QCOMTEE_CB_ID_FIRST);
    for (size_t i = 1; i < cbIds.size(); ++i)
        QCOMPARE(cbIds[i], cbIds[i - 1] + 1); // cyclic: never an erased one again
}

// RECV hands out the QUEUED requests of a context in enqueue order.
void TstEngine::fifoDeliveryOfThreeRequests()
{
    std::string error;
    auto sc = loadScenario(kThreeQueued, &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    // queue in the order c3, c1, c2 (ids 0, 1, 2 in that order too)
    QVERIFY2(
        r.steps({"app/c1: open /dev/tee", "app/c1: OBJECT_INVOKE ROOT op 32",
                 "app/c1: QTEE returns 0", "app/c3: OBJECT_INVOKE obj 0 op 1",
                 "app/c1: OBJECT_INVOKE obj 0 op 1", "app/c2: OBJECT_INVOKE obj 0 op 1",
                 "app/c3: QTEE callback 0x80000001 op 7", "app/c1: QTEE callback 0x80000002 op 7",
                 "app/c2: QTEE callback 0x80000003 op 7"},
                &error),
        error.c_str());
    QCOMPARE(r.state.context(ContextId(1)).reqsList.size(), size_t(3));
    QVERIFY(r.runScripted());
    std::vector<ThreadId> order;
    for (const Event &e : ofKind(r.events, EventKind::RequestState))
        if (e.to == ReqState::PROCESSING)
            order.push_back(ThreadId(e.holderArg)); // the waiting client
    QCOMPARE(order, (std::vector<ThreadId>{r.threadId("app/c3"), r.threadId("app/c1"),
                                           r.threadId("app/c2")}));
    QCOMPARE(violations(r.events, 9), 0);
    QCOMPARE(countKind(r.events, EventKind::DispatchReturn), 3);
}

// All 36 combinations of the review-thread variants run the default
// scenario (scripted and random, with and without kills) to the end.
void TstEngine::everyVariantRunsDefault()
{
    for (const Variant &v : allVariants()) {
        tee::sim::Simulator sim(m_default, v);
        const std::string name = v.toString();
        tee::sim::RunOptions scripted;
        const tee::sim::Trace t = tee::sim::run(sim, scripted);
        QVERIFY2(t.stop == tee::sim::StopReason::Finished, (name + ": " + t.stopDetail).c_str());
        // the client's invocation returned 0 and the final state is at rest
        QVERIFY2(Engine::quiescent(t.final), name.c_str());
        QVERIFY2(t.final.objects.empty(), name.c_str());
        if (v == Variant{})
            QVERIFY2(t.violations == 0, violationText(t.events).c_str());
        for (uint64_t seed = 1; seed <= 3; ++seed) {
            tee::sim::RunOptions random;
            random.policy = tee::sim::Policy::Random;
            random.seed = seed;
            const tee::sim::Trace rt = tee::sim::run(sim, random);
            QVERIFY2(rt.stop != tee::sim::StopReason::MaxSteps, name.c_str());
        }
        // with kills at random points (the kLocal scenario has a kill fault)
        std::string error;
        auto local = loadScenario(kLocal, &error);
        QVERIFY2(local, error.c_str());
        tee::sim::Simulator killing(local, v);
        for (uint64_t seed = 1; seed <= 3; ++seed) {
            tee::sim::RunOptions random;
            random.policy = tee::sim::Policy::Random;
            random.seed = seed;
            const tee::sim::Trace rt = tee::sim::run(killing, random);
            QVERIFY2(rt.stop != tee::sim::StopReason::MaxSteps, name.c_str());
        }
    }
}

// A thread waiting (on a completion, req_c, srcu, an empty work queue) has
// no enabled action unless what it waits for happened; exited threads have
// none; and every thread without an action can say why.
void TstEngine::blockedThreadsHaveNoAction_data()
{
    QTest::addColumn<QString>("variant");
    QTest::addColumn<quint64>("seed");
    for (const QString &v : {QStringLiteral("argument=lock"), QStringLiteral("argument=srcu"),
                             QStringLiteral("argument=none"), QStringLiteral("lifetime=kref")})
        for (quint64 seed : {1, 2, 3})
            QTest::addRow("%s %llu", qPrintable(v), seed) << v << seed;
}

void TstEngine::blockedThreadsHaveNoAction()
{
    QFETCH(QString, variant);
    QFETCH(quint64, seed);
    std::string error;
    auto sc = loadScenario(kForeign, &error);
    QVERIFY2(sc, error.c_str());
    Variant v;
    QVERIFY(v.set(variant.toStdString()).empty());
    ScenarioRunner r(sc, RunnerOptions{v, {}});
    int waits = 0;
    randomWalk(r, seed, 3000, [&](ScenarioRunner &run, const std::vector<Action> &en) {
        std::set<int32_t> acting;
        for (const Action &a : en)
            if (a.kind == Action::Kind::Thread)
                acting.insert(a.index);
        for (const Thread &t : run.state.threads) {
            const bool has = acting.count(t.id.v) > 0;
            if (!waitSatisfied(run.state, t)) {
                QVERIFY2(!has, (run.engine().environment().threadName(t.id) + " in " +
                                phaseName(t.phase) + " has an action")
                                   .c_str());
                if (t.phase != Phase::Exited)
                    ++waits;
            }
            if (!has)
                QVERIFY(!run.engine().blockedWhy(run.state, t.id).empty());
        }
        // No lost wake-up: a free reqs_lock with waiters has its first
        // waiter awake (model version 4).
        for (const Context &c : run.state.contexts)
            QVERIFY2(c.reqsLockOwner.valid() || c.lockWaiters.empty() || c.lockWoken,
                     ("ctx" + std::to_string(c.id.v) + ": free reqs_lock, waiters asleep").c_str());
    });
    QVERIFY(waits > 0);
}

void TstEngine::labelsUniqueAmongEnabled_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<quint64>("seed");
    for (quint64 seed : {1, 2, 3, 4, 5})
        QTest::addRow("foreign %llu", seed) << QStringLiteral("foreign") << seed;
    for (quint64 seed : {1, 2, 3, 4, 5})
        QTest::addRow("three-queued %llu", seed) << QStringLiteral("three") << seed;
}

void TstEngine::labelsUniqueAmongEnabled()
{
    QFETCH(QString, scenario);
    QFETCH(quint64, seed);
    std::string error;
    auto sc = loadScenario(scenario == QLatin1String("foreign") ? kForeign : kThreeQueued, &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    size_t maxEnabled = 0;
    randomWalk(r, seed, 3000, [&](ScenarioRunner &run, const std::vector<Action> &en) {
        std::set<std::string> seen;
        for (const Action &a : en) {
            const std::string l = run.engine().label(run.state, a);
            QVERIFY2(!l.empty(), "empty label");
            QVERIFY2(seen.insert(l).second, ("duplicate label \"" + l + "\"").c_str());
        }
        maxEnabled = std::max(maxEnabled, en.size());
    });
    QVERIFY(maxEnabled >= 3); // the check saw real choices
    QVERIFY(r.schedule.size() > 20);
}

// quiescent(): nothing in flight. True at boot and after the default run,
// false while an invocation waits for its supplicant.
void TstEngine::quiescentAtRest()
{
    ScenarioRunner r(m_default);
    QVERIFY(Engine::quiescent(r.state));
    std::string error;
    QVERIFY2(r.steps({"app/client: open /dev/tee", "app/client: OBJECT_INVOKE ROOT op 32",
                      "app/client: QTEE returns 0", "app/client: OBJECT_INVOKE obj 0 op 1",
                      "app/client: QTEE callback 0x80000001 op 7"},
                     &error),
             error.c_str());
    QVERIFY(!Engine::quiescent(r.state));
    QVERIFY(r.runScripted());
    QVERIFY(Engine::quiescent(r.state));
}

QTEST_GUILESS_MAIN(TstEngine)
// Model version 3 lost a wake-up here (benchmarks/spin/README.md, "A lost
// wake-up"): s2, asleep on reqs_lock behind s1's RECV marshalling, was woken
// with SIGKILL pending and exited without the lock, and c1's kill path, asleep
// behind it, slept for ever on a free lock. mutex_lock is not killable: s2
// takes the lock, its RECV sees the signal at its interruptible wait, and its
// unlock wakes c1.
void TstEngine::lockWaiterWokenWithSigkillTakesTheLock()
{
    std::string error;
    const auto sc = exploreScenario("lock-wake-up.json", &error);
    QVERIFY2(sc, error.c_str());
    const std::vector<std::string> prefix = {"app/c1: OBJECT_INVOKE objref 0 op 2",
                                             "app/c1: QTEE callback 0x80000001 op 3",
                                             "app/s1: SUPPL_RECV",
                                             "app/s2: wait reqs_lock of ctx1 (held by app/s1)",
                                             "kill app",
                                             "app/c1: dispatch interrupted by SIGKILL (req#0)",
                                             "app/c1: wait reqs_lock of ctx1 (held by app/s1)"};
    ScenarioRunner r(sc);
    QVERIFY2(r.steps(kListenerSetUp, &error) && r.steps(prefix, &error), error.c_str());
    const ThreadId s2 = r.threadId("app/s2"), c1 = r.threadId("app/c1");
    const ContextId ctx1(1);
    QCOMPARE(r.state.context(ctx1).lockWaiters, (std::vector<int32_t>{s2.v, c1.v}));
    QVERIFY(!r.isEnabled("app/s2: exit (killed)"));
    QVERIFY2(r.step("app/s1: RECV marshal arg 0 of req#0 (1 arg)", &error), error.c_str());
    // s1's unlock woke s2, the first waiter; c1 sleeps on
    QVERIFY(r.state.context(ctx1).lockWoken);
    QVERIFY(!r.state.lockAsleep(r.state.thread(s2)));
    QVERIFY(r.state.lockAsleep(r.state.thread(c1)));
    QVERIFY2(r.isEnabled("app/s2: SUPPL_RECV"), r.enabledText().c_str());
    QVERIFY(!r.isEnabled("app/s2: exit (killed)"));
    QVERIFY2(r.step("app/s2: SUPPL_RECV", &error), error.c_str());
    QVERIFY(r.runScripted());
    std::string who;
    QVERIFY2(!r.engine().stuck(r.state, &who), who.c_str());
    for (const Thread &t : r.state.threads)
        QVERIFY(t.worker || t.phase == Phase::Exited);
}

// T1 (ureq_enqueue) takes and drops reqs_lock (spec §2.5): a callback that
// waited for the lock wakes the next waiter when it queues its request.
// Model version 3 queued without the lock and woke nobody.
void TstEngine::enqueueWakesTheNextLockWaiter()
{
    std::string error;
    const auto sc = exploreScenario("lock-wake-up.json", &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    QVERIFY2(
        r.steps(kListenerSetUp, &error) &&
            r.steps({"app/c1: OBJECT_INVOKE objref 0 op 2", "app/c1: QTEE callback 0x80000001 op 3",
                     "app/s1: SUPPL_RECV", "app/c2: OBJECT_INVOKE objref 0 op 2",
                     "app/c2: wait reqs_lock of ctx1 (held by app/s1)",
                     "app/s2: wait reqs_lock of ctx1 (held by app/s1)",
                     "app/s1: RECV marshal arg 0 of req#0 (1 arg)"},
                    &error),
        error.c_str());
    const ThreadId c2 = r.threadId("app/c2"), s2 = r.threadId("app/s2");
    const ContextId ctx1(1);
    QCOMPARE(r.state.context(ctx1).lockWaiters, (std::vector<int32_t>{c2.v, s2.v}));
    QVERIFY2(r.step("app/c2: QTEE callback 0x80000001 op 3", &error), error.c_str());
    const Context &c = r.state.context(ctx1);
    QVERIFY(!c.reqsLockOwner.valid());
    QCOMPARE(c.lockWaiters, (std::vector<int32_t>{s2.v}));
    QVERIFY(c.lockWoken);
    bool locked = false, unlocked = false, woke = false;
    for (const Event &e : r.events)
        if (e.step == r.state.step) {
            locked |= e.kind == EventKind::LockAcquire && e.thread == c2;
            unlocked |= e.kind == EventKind::LockRelease && e.thread == c2;
            woke |= e.kind == EventKind::Woken && e.thread == s2 && e.peer == c2;
        }
    QVERIFY(locked && unlocked && woke);
    QVERIFY(r.runScripted());
    std::string who;
    QVERIFY2(!r.engine().stuck(r.state, &who), who.c_str());
}

// A thread that never slept may take reqs_lock before the woken waiter
// retries (the kernel's mutex lets it): the waiter's step is then to sleep
// again, still first on the wait list, and the thief's unlock wakes it.
void TstEngine::wokenLockWaiterSleepsAgainWhenTheLockIsTaken()
{
    std::string error;
    const auto sc = exploreScenario("lock-wake-up.json", &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    QVERIFY2(
        r.steps(kListenerSetUp, &error) &&
            r.steps({"app/c1: OBJECT_INVOKE objref 0 op 2", "app/c1: QTEE callback 0x80000001 op 3",
                     "app/c2: OBJECT_INVOKE objref 0 op 2", "app/c2: QTEE callback 0x80000001 op 3",
                     "app/s1: SUPPL_RECV", "app/s2: wait reqs_lock of ctx1 (held by app/s1)",
                     "app/s1: RECV marshal arg 0 of req#0 (1 arg)"},
                    &error),
        error.c_str());
    const ThreadId s1 = r.threadId("app/s1"), s2 = r.threadId("app/s2");
    const ContextId ctx1(1);
    const Context &c = r.state.context(ctx1);
    QCOMPARE(c.lockWaiters, (std::vector<int32_t>{s2.v}));
    QVERIFY(c.lockWoken);
    // s1 answers and takes req#1 before s2 retries: it holds the lock to
    // marshal req#1's argument
    QVERIFY2(r.steps({"app/s1: SUPPL_SEND id 0 ret 0", "app/s1: SUPPL_RECV"}, &error),
             error.c_str());
    QVERIFY(r.state.context(ctx1).reqsLockOwner == s1);
    QVERIFY(r.state.context(ctx1).lockWoken);
    QVERIFY2(r.step("app/s2: wait reqs_lock of ctx1 (held by app/s1)", &error), error.c_str());
    QCOMPARE(r.state.context(ctx1).lockWaiters, (std::vector<int32_t>{s2.v}));
    QVERIFY(!r.state.context(ctx1).lockWoken);
    QVERIFY(r.state.lockAsleep(r.state.thread(s2)));
    QVERIFY(!r.isEnabled("app/s2: wait reqs_lock of ctx1 (held by app/s1)"));
    // the thief's unlock wakes it again
    QVERIFY2(r.step("app/s1: RECV marshal arg 0 of req#1 (1 arg)", &error), error.c_str());
    QVERIFY(r.state.context(ctx1).lockWoken);
    QVERIFY(r.runScripted());
    std::string who;
    QVERIFY2(!r.engine().stuck(r.state, &who), who.c_str());
}

// RECV's interruptible wait on req_c returns, taking one count, before
// mutex_lock (spec §3.4): a supplicant asleep on reqs_lock has its count,
// and a third supplicant cannot take it. Model version 3 took it after the
// lock: s3 took s2's count, and s2's RECV returned -ERESTARTSYS unsignalled.
void TstEngine::reqCCountTakenBeforeTheLockWait()
{
    std::string error;
    const auto sc = exploreScenario("req-c-and-reqs-lock.json", &error);
    QVERIFY2(sc, error.c_str());
    ScenarioRunner r(sc);
    QVERIFY2(
        r.steps(kListenerSetUp, &error) &&
            r.steps({"app/s1: SUPPL_RECV", "app/s2: SUPPL_RECV", "app/s3: SUPPL_RECV",
                     "app/c1: OBJECT_INVOKE objref 0 op 2", "app/c1: QTEE callback 0x80000001 op 3",
                     "app/c2: OBJECT_INVOKE objref 0 op 2", "app/c2: QTEE callback 0x80000001 op 3",
                     "app/s1: SUPPL_RECV woken by req_c"},
                    &error),
        error.c_str());
    const ContextId ctx1(1);
    const ThreadId s2 = r.threadId("app/s2"), s3 = r.threadId("app/s3");
    QCOMPARE(r.state.context(ctx1).reqC, 1);
    QVERIFY2(r.step("app/s2: wait reqs_lock of ctx1 (held by app/s1)", &error), error.c_str());
    QCOMPARE(r.state.context(ctx1).reqC, 0);
    QCOMPARE(r.state.context(ctx1).lockWaiters, std::vector<int32_t>{s2.v});
    bool woken = false;
    for (const Event &e : r.events)
        woken |= e.step == r.state.step && e.kind == EventKind::Woken && e.thread == s2 &&
                 e.value == int32_t(BlockReason::ReqC);
    QVERIFY(woken);
    QVERIFY2(!r.isEnabled("app/s3: SUPPL_RECV woken by req_c"), r.enabledText().c_str());
    QVERIFY2(r.steps({"app/s1: RECV marshal arg 0 of req#0 (1 arg)",
                      "app/s2: SUPPL_RECV woken by req_c"},
                     &error),
             error.c_str());
    // s2 took req#1 under the lock; s3 still sleeps on req_c
    const Thread &t2 = r.state.thread(s2);
    QVERIFY(t2.recvReq.valid());
    QCOMPARE(r.state.request(t2.recvReq)->state, ReqState::PROCESSING);
    QCOMPARE(r.state.thread(s3).phase, Phase::RecvWait);
    QVERIFY(r.runScripted());
    for (const Event &e : r.events)
        QVERIFY2(!(e.kind == EventKind::SyscallReturn && e.errno_ == err::kERESTARTSYS),
                 "a RECV returned -ERESTARTSYS without a signal");
}

#include "tst_engine.moc"
