// The exhaustive search (simulator/explore.h) checked against a plain
// reference search written here (issue 11) on every built-in small enough
// for it, under the review's designs; known answers counted from the spec
// (srcu-vs-lock, callback-after-close, fifo-delivery); and the verdict every
// built-in is expected to give under its own variants. tst_explore.cpp
// tests the search's own features.
#include "../exceptmain.h"
#include "explorefixture.h"

#include "core/vocabulary.h"

#include <QtTest>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

using namespace tee;
using namespace tee::sim;
using explorefixture::checkReplay;
using explorefixture::exploreWith;
using explorefixture::findings;
using explorefixture::gaps;
using explorefixture::simulator;

namespace {

// -- The plain reference search (issue 11) ------------------------------------
//
// Breadth-first, one level at a time, every state kept as a whole State in
// the level being expanded and its whole canonicalKey in an ordered map: no
// hashing, no compaction, no reduction, no node tricks, nothing of
// simulator/explore.cpp but canonicalKey (the definition of "the same
// state") and the engine. It also checks what canonicalKey promises, one
// step ahead: a state whose key was seen already has the same enabled
// actions as the first state with that key, each violating the same
// invariants and leading to states with equal keys (and is stuck alike).
struct Reference
{
    uint64_t states = 0;      // distinct canonical states
    uint64_t transitions = 0; // actions applied (from every expanded state)
    uint64_t maxDepth = 0;    // the deepest level reached
    bool complete = true;     // false: maxStates or maxDepth stopped it
    // The shortest counterexample's length per invariant violated; the
    // shortest path to a stuck state (0: the initial state is stuck).
    std::map<int, uint64_t> shortest;
    std::optional<uint64_t> stuck;
    // The spec §9 gaps reached: the shortest run to each (item, finding).
    std::map<std::pair<int, Finding>, uint64_t> gaps;
    std::string unsound; // two states with one key but another next step
};

Reference referenceSearch(const Simulator &sim, uint64_t maxStates, uint64_t maxDepth = 0)
{
    const Engine &engine = sim.engine();
    // One enabled action: the invariants it violates, the key it leads to.
    struct Step
    {
        Action action;
        std::vector<int> violated;
        std::vector<uint32_t> next;
        bool operator==(const Step &) const = default;
    };
    struct Next
    {
        std::vector<Step> steps;
        bool stuck = false;
        bool operator==(const Next &) const = default;
    };
    const auto nextOf = [&](const State &s) {
        Next n;
        EventList ev;
        for (const Action &a : engine.enabled(s)) {
            State t = s;
            ev.clear();
            engine.apply(t, a, ev);
            Step st{a, {}, canonicalKey(sim, t)};
            for (const Event &e : ev)
                if (e.kind == EventKind::Violation)
                    st.violated.push_back(e.invariant);
            std::sort(st.violated.begin(), st.violated.end());
            st.violated.erase(std::unique(st.violated.begin(), st.violated.end()),
                              st.violated.end());
            n.steps.push_back(std::move(st));
        }
        n.stuck = n.steps.empty() && engine.stuck(s);
        return n;
    };
    // The first state of each key, and its next steps once another state
    // with that key has come.
    struct Seen
    {
        State first;
        std::optional<Next> next;
    };
    Reference r;
    std::map<std::vector<uint32_t>, Seen> seen;
    std::vector<State> level{sim.initialState()};
    seen.emplace(canonicalKey(sim, level.front()), Seen{level.front(), {}});
    r.states = 1;
    EventList events;
    for (uint64_t depth = 0; !level.empty(); ++depth) {
        std::vector<State> next;
        for (const State &s : level) {
            const std::vector<Action> enabled = engine.enabled(s);
            if (enabled.empty()) {
                if (!r.stuck && engine.stuck(s))
                    r.stuck = depth;
                continue;
            }
            if (maxDepth && depth >= maxDepth) {
                r.complete = false;
                continue;
            }
            for (const Action &a : enabled) {
                State t = s;
                events.clear();
                engine.apply(t, a, events);
                ++r.transitions;
                // Levels go in order, so the first length kept is the shortest.
                for (const Event &e : events)
                    if (e.kind == EventKind::Violation)
                        r.shortest.emplace(e.invariant, depth + 1);
                    else if (e.kind == EventKind::Gap)
                        r.gaps.emplace(std::make_pair(int(e.gap), e.finding), depth + 1);
                const auto [it, fresh] = seen.try_emplace(canonicalKey(sim, t), Seen{t, {}});
                if (!fresh) {
                    if (r.unsound.empty()) {
                        Seen &first = it->second;
                        if (!first.next)
                            first.next = nextOf(first.first);
                        if (!(nextOf(t) == *first.next))
                            r.unsound = "two states with one canonical key at depth " +
                                        std::to_string(depth + 1) + " differ in their next steps";
                    }
                    continue;
                }
                if (maxStates && r.states >= maxStates) {
                    r.complete = false;
                    return r;
                }
                ++r.states;
                r.maxDepth = depth + 1;
                next.push_back(std::move(t));
            }
        }
        level = std::move(next);
    }
    return r;
}

QString findings(const Reference &r)
{
    return explorefixture::findings(r.shortest, r.stuck);
}

// A reduced search's findings were confirmed shortest by a search without
// reduction (ExploreFinding::shortestConfirmed).
bool allConfirmed(const ExploreResult &r)
{
    for (const auto &[inv, f] : r.violations)
        if (!f.shortestConfirmed)
            return false;
    for (const auto &[kind, f] : r.byFinding)
        if (!f.shortestConfirmed)
            return false;
    return !r.stuck || r.stuck->shortestConfirmed;
}

// The (item, finding) kinds of the gaps reached, without their lengths.
template <class Map>
QStringList gapKinds(const Map &gaps)
{
    QStringList out;
    for (const auto &[kind, f] : gaps)
        out << QStringLiteral("gap%1/%2")
                   .arg(kind.first)
                   .arg(QLatin1String(vocab::findingName(kind.second)));
    return out;
}

QStringList qlist(const std::vector<std::string> &labels)
{
    QStringList out;
    for (const std::string &l : labels)
        out << QString::fromStdString(l);
    return out;
}
QString text(const std::vector<std::string> &labels)
{
    return qlist(labels).join(QLatin1Char('\n'));
}

// The known counterexamples (knownAnswers, fifoDeliveryIdr): the schedule a
// breadth-first search without reduction finds first, i.e. the first
// shortest path in the order of Engine::enabled (threads by index, then
// faults).
const std::vector<std::string> kSrcuVsLockNoneI12 = {
    "app/client: open /dev/tee",
    "app/client: OBJECT_INVOKE ROOT op 32",
    "app/client: QTEE returns 0",
    "app/client: OBJECT_INVOKE objref 0 op 1",
    "app/client: QTEE callback 0x80000001 op 5",
    "app/suppl: SUPPL_RECV",
    "kill app",
    "app/client: dispatch interrupted by SIGKILL (req#0)",
    "app/client: dispatch killed (req#0 PROCESSING)",
    "app/suppl: RECV marshal arg 0 of req#0 (5 args)",
};
// tests/data/explore/two-release-notifications-answered.json: the SEND
// for a notification RECV has just freed.
const std::vector<std::string> kAnsweredNotificationI11 = {
    "app/opener: open /dev/tee",
    "app/client1: OBJECT_INVOKE ROOT op 32",
    "app/client1: QTEE returns 0",
    "app/client1: OBJECT_INVOKE objref 0 op 3",
    "app/client1: QTEE returns 0",
    "app/suppl: SUPPL_RECV",
    "app/suppl: RECV relock: free RELEASE notification req#0",
    "app/suppl: SUPPL_SEND id 0 ret 0",
};
const std::vector<std::string> kCallbackAfterCloseNoneI6 = {
    "app/suppl: open /dev/tee",
    "app/main: OBJECT_INVOKE ROOT op 32",
    "app/main: QTEE returns 0",
    "app/main: OBJECT_INVOKE objref 0 op 1",
    "app/main: QTEE callback 0x80000001 op 7",
    "app/suppl: SUPPL_RECV",
    "app/suppl: SUPPL_SEND id 0 ret 0",
    "app/main: dispatch woken (req#0 PROCESSED)",
    "app/main: callback response 0",
    "app/main: QTEE returns 0",
    "app/main: close fd 3",
    "app/main: close_context ctx1",
    "app/main: close_context ctx1: put QTEE objects",
};
const std::vector<std::string> kFifoDeliveryIdrI9 = {
    "app/alice: open /dev/tee",
    "app/alice: OBJECT_INVOKE ROOT op 32",
    "app/alice: QTEE returns 0",
    "app/alice: OBJECT_INVOKE objref 0 op 1",
    "app/alice: QTEE callback 0x80000001 op 7",
    "app/bob: OBJECT_INVOKE ROOT op 32",
    "app/bob: QTEE returns 0",
    "app/bob: OBJECT_INVOKE objref 1 op 1",
    "app/bob: QTEE callback 0x80000002 op 7",
    "app/suppl: SUPPL_RECV",
    "app/suppl: RECV marshal arg 0 of req#0 (2 args)",
    "app/suppl: RECV marshal arg 1 of req#0 (2 args)",
    "app/suppl: compute 100000 ns",
    "app/suppl: SUPPL_SEND id 0 ret 0",
    "app/suppl: SEND unmarshal output of req#0",
    "app/alice: dispatch woken (req#0 PROCESSED)",
    "app/alice: callback response 0",
    "app/alice: QTEE returns 0",
    "app/suppl: SUPPL_RECV",
};

// Every built-in under its own (default) variants: what the search finds
// within a bound (builtinVerdicts). Bounded rows keep the test fast (about
// 1 ms a state under ASan); their "no violation" only covers the levels the
// bound reaches (5 K states: levels 7 to 17 reached).
struct BuiltinVerdict
{
    const char *name;
    const char *expected; // findings(): invariant:shortest length, "stuck:N"
    uint64_t bound;       // max states (hash compaction)
    bool complete;        // the search ends within the bound
};
const BuiltinVerdict kBuiltinVerdicts[] = {
    {"callback-after-close", "", 200'000, true},
    {"close-context-async-release", "", 200'000, true},
    {"default", "", 200'000, true},
    // Millions of states: fifoDeliveryIdr and fifoDeliveryMerged go further.
    {"fifo-delivery", "", 5'000, false},
    // 2.5 M states, none with a finding (I9 in 19 steps with request=idr):
    // tst_explore_reduction pins the complete search in release builds.
    {"fifo-delivery-two-clients", "", 5'000, false},
    {"kill-after-processed", "", 200'000, true},
    {"kill-while-processing", "", 200'000, true},
    // I2 (§8: every kernel object reaches its last put exactly once): the
    // 2034 wrapper the QUEUED request carried as IO is never put (§7 case 1,
    // §9 item 2, reproduced with gaps=faithful; gaps=fixed gives none),
    // reported once nothing is in flight: the callback QUEUED (5 steps), the
    // kill, the two dispatch steps, the callback response, QTEE's return.
    // The merged driver really leaks it: the kill path only dequeues (§3.3
    // step 6) and qcomtee_cb_object_invoke puts its IO objects only when
    // prepare_args fails (§3.2); §9 asks for the gap to be flagged, and I2
    // names its effect (the gap event names its cause).
    {"kill-while-queued", "I2:10", 200'000, true},
    {"memory-object-map", "", 200'000, true},
    // The missed req_c wake-up (§2.6, §3.4 step 2, §7 case 18): both
    // supplicants asleep on req_c (open, open_service and QTEE's return, two
    // SUPPL_RECV: 5), c1's compute, invoke and QTEE's callback (3), small
    // woken takes the one count and fails the 64-byte head (1), retries and
    // fails three times (3), exits (1): 13, with c1 and big waiting for ever.
    {"missed-wakeup", "stuck:13", 200'000, true},
    // Over 300 K states by depth 11. A stuck state is reachable: the missed
    // req_c wake-up of the scenario's description (random runs: 7 seeds of
    // 200, the first after 42 steps), beyond this bound and beyond a
    // depth-first search of 1 M states when this was written: it is stuck
    // only once every other thread is done. missed-wakeup is the same
    // hazard with c1 and the two supplicants alone: stuck in 13 steps.
    {"multiple-supplicants", "", 5'000, false},
    // 5.0 M states, none with a finding (a minute with --jobs 2 in a release
    // build, when this was written): bounded here.
    {"out-of-order-completion", "", 5'000, false},
    {"release-notification", "", 200'000, true},
    // I1 (§8: get never brings a count back from 0): the unbind runs before
    // the client's open_service, nothing holds the driver context, so it is
    // released; the service's wrapper then takes a reference on it (open,
    // the unbind's compute and remove_device, OBJECT_INVOKE, QTEE's return).
    {"device-removal", "I1:5", 200'000, true},
    // I5 (§8: live wrappers of a QTEE id = QTEE's count of kernel
    // references): the worker's second RELEASE fails after SHARED was set,
    // is not retried, and the wrapper is freed (§9 item 5, gaps=faithful;
    // gaps=fixed gives none): open, two open_service (2 steps each), the two
    // releases, the worker's first RELEASE and QTEE's return, the second
    // RELEASE and its failed SMC (1 + 4 + 2 + 2 + 2).
    {"release-retry", "I5:11", 200'000, true},
    // I4 (§8: an xa id names a live object): the invocation's first SMC
    // fails, the callback id stays (§9 item 3, gaps=faithful; gaps=fixed
    // gives none) and the driver copy frees the object: the supplicant's
    // open, open_service (2 steps), the invocation and its failed SMC.
    {"first-smc-fails", "I4:5", 200'000, true},
    // 95 K states without reduction (no finding when this was written,
    // 3 s in a release build, 100 s under ASan): bounded for now.
    {"release-worker-blocked", "", 5'000, false},
    // The buggy supplicant (send_twice): I11 (§8: at most one SEND per
    // delivered request). The shortest is the plain second SEND after
    // alice's request was answered (-EINVAL): alice's callback QUEUED (5),
    // RECV, SEND, SEND again. The id-reuse case the scenario shows (the
    // second SEND completes bob's request) is longer; the search keeps one
    // finding per invariant.
    {"request-id-reuse", "I11:8", 200'000, true},
    {"same-process-client-and-supplicant", "", 200'000, true},
    {"send-after-client-killed", "", 200'000, true},
    {"srcu-vs-lock", "", 200'000, true},
    // Endless client loops: over 300 K states by depth 14.
    {"stress", "", 5'000, false},
    {"supplicant-buffer-too-small", "", 200'000, true},
    // The reaper's kill ends the client's wait: not stuck.
    {"supplicant-exits-holding", "", 200'000, true},
    // 7.7 M states (1.4 M with reduction), none with a finding:
    // tst_explore_reduction pins the complete search in release builds.
    {"three-clients-two-supplicants", "", 5'000, false},
};

} // namespace

class TstExploreReference : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The fast search against the plain reference search, on every built-in
    // small enough for it, under the designs of the review: the merged
    // default and each of argument=srcu/none, lifetime=kref/none,
    // request=idr, gaps=fixed that changes the built-in's state space or
    // verdict. Without reduction, hash compaction or not: the same states,
    // transitions, depth, verdicts and shortest counterexample lengths. With
    // reduction: the same verdicts and lengths (confirmed shortest) in no
    // more states. With two worker threads: what one thread finds.
    void referenceAgreement_data()
    {
        QTest::addColumn<QByteArray>("scenario");
        QTest::addColumn<QByteArray>("variant");
        // Too large for the reference search and the five searches of a row
        // here (about 1 ms a state each under ASan): builtinVerdicts has
        // them, bounded or complete. States of a search without reduction:
        const std::set<std::string> tooLarge = {
            "fifo-delivery",                      // millions
            "fifo-delivery-two-clients",          // 2.5 M
            "multiple-supplicants",               // over 300 K by depth 11
            "out-of-order-completion",            // over 300 K by depth 26
            "release-worker-blocked",             // 95 K
            "request-id-reuse",                   // 15 K
            "same-process-client-and-supplicant", // 4.5 K (argument=srcu 5.6 K)
            "send-after-client-killed",           // 11 K (I12 with argument=none, I6 lifetime=none)
            "stress",                             // endless loops: over 300 K by depth 14
            "three-clients-two-supplicants",      // 7.7 M
        };
        // The variants that change each built-in's state space or verdict
        // (measured: the others give the default's states and findings). A
        // built-in not listed is checked under all of them.
        const QByteArrayList all = {"argument=srcu", "argument=none", "lifetime=kref",
                                    "lifetime=none", "request=idr",   "gaps=fixed"};
        const std::map<std::string, QByteArrayList> changing = {
            {"callback-after-close", {"lifetime=none"}},
            {"close-context-async-release", {"lifetime=none"}},
            {"default", {}},
            {"kill-after-processed", {"argument=srcu", "argument=none"}},
            {"kill-while-processing", {"argument=srcu", "lifetime=none"}},
            {"kill-while-queued",
             {"argument=srcu", "argument=none", "lifetime=none", "gaps=fixed"}},
            {"memory-object-map", {}},
            {"missed-wakeup", {"argument=srcu", "argument=none"}},
            {"release-notification", {}},
            {"release-retry", {"gaps=fixed"}},
            {"first-smc-fails", {"gaps=fixed"}},
            {"srcu-vs-lock", {"argument=srcu", "argument=none"}},
            {"supplicant-buffer-too-small", {}},
            {"supplicant-exits-holding", {"argument=srcu", "argument=none"}},
        };
        for (const BuiltinInfo &b : builtinScenarios()) {
            if (tooLarge.count(b.name))
                continue;
            QTest::newRow(b.name.c_str()) << QByteArray(b.name.c_str()) << QByteArray();
            const auto it = changing.find(b.name);
            for (const QByteArray &v : it != changing.end() ? it->second : all)
                QTest::newRow((b.name + " " + v.toStdString()).c_str())
                    << QByteArray(b.name.c_str()) << v;
        }
    }
    void referenceAgreement()
    {
        QFETCH(QByteArray, scenario);
        QFETCH(QByteArray, variant);
        agree(scenario, variant);
    }

    // The same on scenarios written from the spec for this test
    // (tests/data/explore), a ctest entry of their own (main() below).
    void ownScenarioAgreement_data()
    {
        QTest::addColumn<QByteArray>("scenario");
        QTest::addColumn<QByteArray>("variant");
        // Written from the spec, not a built-in: one thread's oic active in
        // two invocations and idle between them, the release worker's shared
        // oic in between, the process killed at any step (3,400 states; with
        // argument=none the kill during RECV marshalling gives I12).
        QTest::newRow("invoke-twice-with-callbacks")
            << QByteArray("invoke-twice-with-callbacks.json") << QByteArray();
        QTest::newRow("invoke-twice-with-callbacks argument=none")
            << QByteArray("invoke-twice-with-callbacks.json") << QByteArray("argument=none");
        // Mine too (spec §3.2-3.4, §5, §7): two client threads of one process
        // wait on callbacks while the supplicant thread marshals, the kill
        // reaching every thread at once; with SRCU both clients can wait in
        // synchronize_srcu and the read unlock wakes both (20,579 states,
        // every invariant holds). Written for the copy-on-write threads, where
        // the kill and the SRCU wake-up write threads other than the actor.
        QTest::newRow("srcu-two-waiters argument=srcu")
            << QByteArray("srcu-two-waiters.json") << QByteArray("argument=srcu");
        // Mine for the key's renumbering (spec §2.3, §3.2-3.4, §7): an opener
        // makes and releases service objects, so freed kernel and QTEE ids
        // leave gaps below live ones, renumbered by rank, while a caller
        // waits on a callback and a kill can come at any step (14,355
        // states; argument=none finds I12 in 10 steps).
        QTest::newRow("object-churn") << QByteArray("object-churn.json") << QByteArray();
        // Mine for the gaps (spec §3.1, §9 item 9): QTEE reports an OB larger
        // than one client's buffer, the process may be killed at any step;
        // gap 9 is reached (5 steps) and no invariant breaks; gaps=fixed
        // reaches none (4,233 states).
        QTest::newRow("ob-size-grew") << QByteArray("ob-size-grew.json") << QByteArray();
        QTest::newRow("ob-size-grew gaps=fixed")
            << QByteArray("ob-size-grew.json") << QByteArray("gaps=fixed");
    }
    void ownScenarioAgreement()
    {
        QFETCH(QByteArray, scenario);
        QFETCH(QByteArray, variant);
        agree(scenario, variant);
    }

private:
    // One row of the agreement tests: the reference search, then the fast
    // search without reduction (exact and hash compaction), with reduction,
    // and with two workers.
    void agree(const QByteArray &scenario, const QByteArray &variant)
    {
        const auto sim = simulator(scenario.constData(), variant);
        QVERIFY(sim);
        QElapsedTimer timer;
        timer.start();
        // A built-in that grew past this belongs in the tooLarge list.
        const Reference ref = referenceSearch(*sim, 200'000);
        QVERIFY2(ref.complete, "the reference search hit its bound: too large for this test");
        QVERIFY2(ref.unsound.empty(), ref.unsound.c_str());
        const qint64 refMs = timer.elapsed();

        std::optional<ExploreResult> hashed; // without reduction, hash compaction
        for (const bool exact : {true, false}) {
            const ExploreResult r = exploreWith(*sim, exact, false, 1);
            if (!exact)
                hashed = r;
            QVERIFY2(r.complete, exploreBoundName(r.bound));
            QCOMPARE(r.states, ref.states);
            QCOMPARE(r.transitions, ref.transitions);
            QCOMPARE(r.maxDepth, ref.maxDepth);
            QCOMPARE(findings(r), findings(ref));
            QCOMPARE(gaps(r), gaps(ref.gaps));
            for (const auto &[inv, f] : r.violations)
                checkReplay(*sim, f);
            if (r.stuck)
                checkReplay(*sim, *r.stuck);
            for (const auto &[kind, f] : r.gaps) {
                QVERIFY(f.shortestConfirmed);
                checkReplay(*sim, f);
            }
        }

        // Partial-order reduction: the same verdicts, each counterexample as
        // short as the reference's (the search confirms it shortest), and no
        // more states.
        const ExploreResult reduced = exploreWith(*sim, false, true, 1);
        QVERIFY2(reduced.complete, exploreBoundName(reduced.bound));
        QVERIFY(reduced.states <= ref.states);
        QCOMPARE(findings(reduced), findings(ref));
        QVERIFY(allConfirmed(reduced));
        for (const auto &[inv, f] : reduced.violations)
            checkReplay(*sim, f);
        if (reduced.stuck)
            checkReplay(*sim, *reduced.stuck);
        // Every gap the reference reaches, reached; a length not confirmed
        // by a search without reduction may be longer, never shorter.
        QCOMPARE(gapKinds(reduced.gaps), gapKinds(ref.gaps));
        for (const auto &[kind, f] : reduced.gaps) {
            const uint64_t shortest = ref.gaps.at(kind);
            if (f.shortestConfirmed)
                QCOMPARE(f.length(), shortest);
            else
                QVERIFY(f.length() >= shortest);
            checkReplay(*sim, f);
        }

        // Two worker threads: the states, levels, verdicts and lengths of one.
        for (const bool reduction : {false, true}) {
            const ExploreResult &one = reduction ? reduced : *hashed;
            const ExploreResult two = exploreWith(*sim, false, reduction, 2);
            QVERIFY2(two.complete, exploreBoundName(two.bound));
            QCOMPARE(two.states, one.states);
            QCOMPARE(two.maxDepth, one.maxDepth);
            QCOMPARE(findings(two), findings(one));
            QCOMPARE(gaps(two), gaps(one));
            QVERIFY(allConfirmed(two));
            for (const auto &[inv, f] : two.violations)
                checkReplay(*sim, f);
            if (two.stuck)
                checkReplay(*sim, *two.stuck);
        }
        qInfo("%llu states, %llu transitions, depth %llu, %s; reference %lld ms, row %lld ms",
              (unsigned long long)ref.states, (unsigned long long)ref.transitions,
              (unsigned long long)ref.maxDepth,
              ref.shortest.empty() && !ref.stuck ? "no finding" : qPrintable(findings(ref)), refMs,
              (long long)timer.elapsed());
    }

private Q_SLOTS:
    // Known answers, each justified from the spec and the scenario: the
    // shortest counterexample is counted step by step below, pinned (the
    // schedule of a search without reduction, else its length and last step),
    // and the reference search finds the same length.
    void knownAnswers_data()
    {
        QTest::addColumn<QByteArray>("scenario");
        QTest::addColumn<QByteArray>("variant");
        QTest::addColumn<QString>("expected");   // findings(): invariant:shortest length
        QTest::addColumn<int>("invariant");      // the one whose counterexample is pinned; 0: none
        QTest::addColumn<QStringList>("labels"); // its schedule

        // I12 (§8: once qcomtee_user_object_dispatch has returned, nothing
        // touches the request or its args) in 10 steps, the fewest possible:
        // the client needs 5 to get its callback request QUEUED (open
        // /dev/tee; open_service, i.e. ROOT op 0x20, and QTEE's return;
        // OBJECT_INVOKE op 1; QTEE's callback, which dispatch queues: §3.1,
        // §3.3 steps 1-3); SUPPL_RECV takes it (QUEUED -> PROCESSING, §3.4
        // step 1); the fault fires only on PROCESSING ("kill app"); only the
        // signal ends the client's wait (§3.3 step 4, I14), then the kill path
        // puts the placeholder and dispatch returns -ENODEV (§2.5 T8, §5 'Kill
        // handling'): 2 steps; with argument=none neither reqs_lock (held while
        // marshalling, merged) nor synchronize_srcu (RFC) makes it wait for
        // the supplicant (§5 'Locks'), whose next step reads freed args.
        // Nothing else: what the supplicant reads is the args as they were,
        // so the 2034 object passed as IO is handed over as under the lock
        // (it was reported as an I2 leak while reads after free were skipped).
        QTest::newRow("srcu-vs-lock argument=none")
            << QByteArray("srcu-vs-lock") << QByteArray("argument=none") << QStringLiteral("I12:10")
            << 12 << qlist(kSrcuVsLockNoneI12);
        // The merged design (reqs_lock held while marshalling, §5 'Locks';
        // the kill path takes it before it frees, I12) and the RFC's SRCU:
        // every invariant holds on every interleaving.
        QTest::newRow("srcu-vs-lock merged")
            << QByteArray("srcu-vs-lock") << QByteArray() << QString() << 0 << QStringList();
        // I5 (§8: live wrappers per QTEE id = QTEE's count of kernel
        // references) holds when the kernel refuses a callback before it
        // reads its IOs (§3.2 steps 1-2, an id another thread's release gave
        // back): no wrapper is made, and QTEE counts none (it counted one
        // for the new 2034 object, and I5 broke in every variant). The
        // merged design's I2 is §9 item 2 (the callback reaches the
        // listener after the server's context closed, and nothing puts the
        // IO object of the request that cannot be queued; the reference
        // search gives 17 steps); gaps=fixed has none.
        QTest::newRow("stale-callback-io merged")
            << QByteArray("stale-callback-io.json") << QByteArray() << QStringLiteral("I2:17") << 0
            << QStringList();
        QTest::newRow("stale-callback-io gaps=fixed")
            << QByteArray("stale-callback-io.json") << QByteArray("gaps=fixed") << QString() << 0
            << QStringList();
        QTest::newRow("srcu-vs-lock argument=srcu")
            << QByteArray("srcu-vs-lock") << QByteArray("argument=srcu") << QString() << 0
            << QStringList();

        // I6 (§8: context data freed only after the file is closed and every
        // user object of the context released) in 13 steps, the fewest
        // possible: user object 1 must reach QTEE, which keeps it (suppl opens
        // the fd; main's open_service and QTEE's return; OBJECT_INVOKE op 1:
        // 4 steps); main closes the fd only after that invocation returns,
        // which needs the callback op 7 served (QTEE's callback queues it,
        // SUPPL_RECV, SUPPL_SEND, dispatch woken on PROCESSED, the callback
        // response, QTEE's return: 6 steps; no fault here, and nothing times
        // out, I14); then close(fd) and close_context (§3.7: released set and
        // the requests dropped; then the QTEE objects put and the file's
        // context reference dropped: 3 steps). With lifetime=none the last
        // one frees the context data while QTEE still holds user object 1
        // (§2.2; ctxref and kref keep it for the user object, §5 'Lifetime
        // of the context data').
        QTest::newRow("callback-after-close lifetime=none")
            << QByteArray("callback-after-close") << QByteArray("lifetime=none")
            << QStringLiteral("I6:13") << 6 << qlist(kCallbackAfterCloseNoneI6);
        // Merged (ctxref) and RFC (kref): the user object's reference keeps
        // the context until QTEE gives it back (§7 case 10); the callback
        // after close fails to enqueue (-ENODEV, I7). No violation.
        QTest::newRow("callback-after-close merged")
            << QByteArray("callback-after-close") << QByteArray() << QString() << 0
            << QStringList();
        QTest::newRow("callback-after-close lifetime=kref")
            << QByteArray("callback-after-close") << QByteArray("lifetime=kref") << QString() << 0
            << QStringList();
        // I11 (§8: a supplicant never SENDs for a RELEASE notification) in
        // 8 steps, the fewest possible: a notification needs a user object
        // QTEE gives back (open; open_service and QTEE's return; OBJECT_INVOKE
        // op 3 exporting it; QTEE's return, whose async release makes the
        // last put that queues it, §2.3, §2.9: 5 steps); SUPPL_RECV delivers
        // it and, taking reqs_lock again, frees it and its id (§2.5 T4, §3.4
        // step 6: 2 steps); the buggy supplicant (answer_release, §9 item 12)
        // SENDs for that id (-EINVAL, the id left reqs_idr). With a correct
        // supplicant the two notifications, retired in either order, break
        // nothing.
        QTest::newRow("two-release-notifications-answered")
            << QByteArray("two-release-notifications-answered.json") << QByteArray()
            << QStringLiteral("I11:8") << 11 << qlist(kAnsweredNotificationI11);
        QTest::newRow("two-release-notifications")
            << QByteArray("two-release-notifications.json") << QByteArray() << QString() << 0
            << QStringList();
        // Mine (spec §2.6, §3.4 step 2): narrow's num_params 1 is too few for
        // the three IBs of the head request; if it takes the one req_c count
        // (open, its SUPPL_RECV, wide's SUPPL_RECV, open_service and QTEE's
        // return, invoke, QTEE's callback: 7; woken, -EINVAL: 1; exit: 1),
        // wide sleeps with the request QUEUED and the client waits: stuck in 9.
        QTest::newRow("too-few-params") << QByteArray("too-few-params.json") << QByteArray()
                                        << QStringLiteral("stuck:9") << 0 << QStringList();
        // fifo-delivery: fifoDeliveryIdr and fifoDeliveryMerged.
    }
    void knownAnswers()
    {
        QFETCH(QByteArray, scenario);
        QFETCH(QByteArray, variant);
        QFETCH(QString, expected);
        QFETCH(int, invariant);
        QFETCH(QStringList, labels);
        const auto sim = simulator(scenario.constData(), variant);
        QVERIFY(sim);
        // The reference search: the lengths counted above.
        const Reference ref = referenceSearch(*sim, 200'000);
        QVERIFY(ref.complete);
        QCOMPARE(findings(ref), expected);
        // The default options (hash compaction, reduction as it comes).
        ExploreOptions o;
        o.maxStates = 200'000;
        const ExploreResult r = explore(*sim, o);
        QVERIFY2(r.complete, exploreBoundName(r.bound));
        QCOMPARE(findings(r), expected);
        QVERIFY(allConfirmed(r));
        for (const auto &[inv, f] : r.violations)
            checkReplay(*sim, f);
        if (!invariant)
            return;
        const std::vector<std::string> schedule = findingSchedule(*sim, r.violations.at(invariant));
        QCOMPARE(schedule.size(), size_t(labels.size()));
        QCOMPARE(QString::fromStdString(schedule.back()), labels.back());
        // The exact schedule: that of a search without reduction.
        const ExploreResult plain = exploreWith(*sim, false, false, 1);
        QCOMPARE(text(findingSchedule(*sim, plain.violations.at(invariant))),
                 labels.join(QLatin1Char('\n')));
    }

    // fifo-delivery, request=idr: I9 (§8: RECV returns the oldest QUEUED
    // request) in 19 steps. The RFC's scan takes the lowest QUEUED id (§5
    // 'Finding the next request') and ids are the lowest free number (§2.4,
    // §7 case 17), so a request must take a freed lower id while an older
    // one with a higher id waits. Alice's callback takes id 0 (open,
    // open_service and QTEE's return, invoke, callback: 5 steps), bob's id 1
    // (he shares the fd: 4); the supplicant serves id 0 (SUPPL_RECV, two
    // marshal steps, its 100 us compute, SUPPL_SEND, the unmarshal: 6);
    // alice's invocation ends (dispatch woken, callback response, QTEE's
    // return, which gives user object 1 back: 3) and the RELEASE
    // notification it queues takes the freed id 0 (§2.3, §2.9); the next
    // SUPPL_RECV picks it before bob's 1. Nothing frees an id sooner: there
    // is no fault, each client has one request at a time (§7 case 16), and a
    // notification needs an invocation to return; carol's callback after the
    // SEND instead of alice's return also makes 19.
    //
    // Without reduction a search of the whole scenario finds it only after
    // about 282 K states (3 minutes under ASan), so the searches run on a
    // copy without carol and with one invocation per client (the count above
    // needs neither), over every path of up to 19 steps: the reference
    // search confirms 19 as the shortest, the fast search agrees and finds
    // the schedule below, and that schedule violates I9 at its last step in
    // the whole scenario too. (The whole scenario up to level 19, 368 741
    // states, gave the reference search I9:19 as well when this was
    // written.) With reduction, a search of the whole scenario should do.
    void fifoDeliveryIdr()
    {
        std::string error;
        std::shared_ptr<Scenario> sc = loadBuiltin("fifo-delivery", &error);
        QVERIFY2(sc, error.c_str());
        QCOMPARE(sc->processes.size(), size_t(1));
        std::vector<ThreadDecl> &threads = sc->processes[0].threads;
        const auto carol = std::find_if(threads.begin(), threads.end(),
                                        [](const ThreadDecl &t) { return t.name == "carol"; });
        QVERIFY(carol != threads.end());
        threads.erase(carol);
        int jumps = 0;
        for (ThreadDecl &t : threads)
            for (Op &op : t.program)
                if (op.kind == Op::Kind::Jump && op.times > 0) {
                    op.times = 0;
                    ++jumps;
                }
        QCOMPARE(jumps, 2); // alice's and bob's second invocation
        Variant idr = sc->variant;
        QCOMPARE(idr.set("request=idr"), std::string());
        const Simulator small(sc, idr);

        // Every path of up to 19 steps (the searches stop at level 19).
        const Reference ref = referenceSearch(small, 200'000, 19);
        QVERIFY(ref.states < 200'000);
        QCOMPARE(ref.maxDepth, uint64_t(19));
        QVERIFY2(ref.unsound.empty(), ref.unsound.c_str());
        QCOMPARE(findings(ref), QStringLiteral("I9:19"));
        const ExploreResult plain = exploreWith(small, true, false, 1, 0, 19);
        QCOMPARE(plain.bound, ExploreBound::Depth);
        QCOMPARE(plain.states, ref.states);
        QCOMPARE(plain.transitions, ref.transitions);
        QCOMPARE(findings(plain), findings(ref));
        const std::vector<std::string> schedule = findingSchedule(small, plain.violations.at(9));
        QCOMPARE(text(schedule), text(kFifoDeliveryIdrI9));
        checkReplay(small, plain.violations.at(9));
        // The default options (hash compaction, reduction as it comes).
        ExploreOptions o;
        o.maxDepth = 19;
        const ExploreResult r = explore(small, o);
        QCOMPARE(findings(r), findings(ref));
        QVERIFY(allConfirmed(r));
        QCOMPARE(findingSchedule(small, r.violations.at(9)).back(), kFifoDeliveryIdrI9.back());

        // The same steps in the whole scenario (labels name threads, not
        // indices): I9 at the last one and not before.
        const auto whole = simulator("fifo-delivery", "request=idr");
        QVERIFY(whole);
        const Trace t = replay(*whole, kFifoDeliveryIdrI9, &error);
        QVERIFY2(error.empty(), error.c_str());
        QCOMPARE(t.schedule.size(), kFifoDeliveryIdrI9.size());
        uint64_t firstI9 = 0;
        for (const Event &e : t.events)
            if (e.kind == EventKind::Violation && e.invariant == 9 && !firstI9)
                firstI9 = e.step;
        QCOMPARE(firstI9, uint64_t(19));
    }

    // fifo-delivery under the merged FIFO (reqs_list, §2.5 T1/T2): the idr
    // counterexample's steps are all taken and violate nothing (the last
    // SUPPL_RECV takes bob's older request), and a bounded search of the
    // whole scenario finds nothing (20 K states: every path of up to 11
    // steps). The complete answer needs partial-order reduction (millions of
    // states without it; every path of up to 19 steps, 368 669 states, was
    // checked when this was written: no violation).
    void fifoDeliveryMerged()
    {
        const auto sim = simulator("fifo-delivery", QByteArray());
        QVERIFY(sim);
        std::string error;
        const Trace t = replay(*sim, kFifoDeliveryIdrI9, &error);
        QVERIFY2(error.empty(), error.c_str());
        QCOMPARE(t.schedule.size(), kFifoDeliveryIdrI9.size());
        QCOMPARE(t.violations, uint64_t(0));
        // The default options (hash compaction, reduction as it comes).
        ExploreOptions o;
        o.maxStates = 20'000;
        const ExploreResult r = explore(*sim, o);
        QVERIFY(!r.complete);
        QCOMPARE(r.bound, ExploreBound::States);
        QCOMPARE(findings(r), QString());
        QVERIFY(r.maxDepth >= 12);
    }

    // Every built-in under its defaults (the merged design, gaps=faithful):
    // only those that model a bug violate an invariant (kBuiltinVerdicts).
    void builtinVerdicts_data()
    {
        QTest::addColumn<QByteArray>("scenario");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<qulonglong>("bound");
        QTest::addColumn<bool>("complete");
        for (const BuiltinVerdict &v : kBuiltinVerdicts)
            QTest::newRow(v.name) << QByteArray(v.name) << QString::fromUtf8(v.expected)
                                  << qulonglong(v.bound) << v.complete;
    }
    void builtinVerdicts()
    {
        QFETCH(QByteArray, scenario);
        QFETCH(QString, expected);
        QFETCH(qulonglong, bound);
        QFETCH(bool, complete);
        const auto sim = simulator(scenario.constData(), QByteArray());
        QVERIFY(sim);
        ExploreOptions o;
        o.maxStates = bound;
        const ExploreResult r = explore(*sim, o);
        QCOMPARE(findings(r), expected);
        QVERIFY(allConfirmed(r));
        for (const auto &[inv, f] : r.violations)
            checkReplay(*sim, f);
        if (r.stuck)
            checkReplay(*sim, *r.stuck);
        if (complete)
            QVERIFY2(r.complete, exploreBoundName(r.bound));
        else if (r.complete) // reduction may finish it: then the row wants the complete answer
            qWarning("%s completes within %llu states: update kBuiltinVerdicts",
                     scenario.constData(), (unsigned long long)bound);
        qInfo("%llu states, depth %llu, %s, %.2f s", (unsigned long long)r.states,
              (unsigned long long)r.maxDepth, r.complete ? "complete" : "bounded", r.seconds);
    }
    // The table names every built-in, once.
    void builtinVerdictsCoverEveryBuiltin()
    {
        QStringList table, builtins;
        for (const BuiltinVerdict &v : kBuiltinVerdicts)
            table << QString::fromUtf8(v.name);
        for (const BuiltinInfo &b : builtinScenarios())
            builtins << QString::fromStdString(b.name);
        table.sort();
        builtins.sort();
        QCOMPARE(table, builtins);
    }
};

// ctest runs this binary three times so that no part nears its timeout under
// ASan on 2 cores (tests/simulator/CMakeLists.txt): with
// `referenceAgreement`, with `ownScenarioAgreement`, and with `--except` each
// of those two (tests/exceptmain.h).
int main(int argc, char **argv)
{
    return qExecExcept<TstExploreReference>(argc, argv);
}
#include "tst_explore_reference.moc"
