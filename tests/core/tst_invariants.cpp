// The invariant checks of spec §8 and the gap flags of spec §9: each check
// fires in a run that breaks it (a review-thread variant or a buggy
// supplicant) and stays silent in the merged design on the same schedule.
#include "scenariorunner.h"
#include "testscenarios.h"

#include <QObject>
#include <QString>
#include <QTest>

using namespace tee;
using namespace teetest;

namespace {

// Three clients of one process call their own user objects back (op 7, one
// 16-byte IB); one supplicant thread serves them.
constexpr const char *kThreeClients = R"json({
  "name": "three-clients",
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
      {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]}]
})json";

const Labels kThreeOpen = {
    "app/c1: open /dev/tee",
    "app/c1: OBJECT_INVOKE ROOT op 32",
    "app/c1: QTEE returns 0",
};

// QTEE keeps the callback object; when the client's file is closed its
// service object is released and QTEE calls the callback once more from the
// release worker (spec §7 cases 11 and 19), then gives it back.
constexpr const char *kCallbackAfterClose = R"json({
  "name": "callback-after-close",
  "qtee": {"services": [{"uid": 2033,
      "ops": {"1": [{"do": "hold", "target": "io:0", "as": "cb"}, {"do": "return"}]},
      "on_release": [{"do": "callback", "target": "held:cb", "op": 3}, {"do": "return"}]}]},
  "processes": [{"name": "app", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
      {"do": "close", "fd": "fd"},
      {"do": "exit"}]}]}]
})json";

// The callback passes the client's own user object back to it as an IO
// object; the client is killed while that request is QUEUED (spec §9 item 2).
constexpr const char *kKilledWithIo = R"json({
  "name": "killed-with-io",
  "qtee": {"services": [{"uid": 2033, "ops": {
      "1": [{"do": "callback", "target": "io:0", "op": 7, "ib": [16], "io": ["io:0"]},
            {"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "client", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "exit"}]},
      {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]}],
  "faults": [{"kill": "app", "when_request": "QUEUED"}]
})json";

// Two supplicant threads that (wrongly) answer RELEASE notifications; each
// op 3 gives the exported user object back at once, which queues one.
constexpr const char *kAnswerRelease = R"json({
  "name": "answer-release",
  "qtee": {"services": [{"uid": 2033, "ops": {"3": [{"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "client", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 3, "io": [{"user": 1}]},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 3, "io": [{"user": 2}]},
          {"do": "exit"}]},
      {"name": "s1", "program": [{"do": "serve", "fd": "fd", "answer_release": true}]},
      {"name": "s2", "program": [{"do": "serve", "fd": "fd", "answer_release": true}]}]}]
})json";

Variant variantWith(const char *assignment)
{
    Variant v;
    const std::string err = v.set(assignment);
    if (!err.empty())
        qFatal("%s", err.c_str());
    return v;
}

} // namespace

class TstInvariants : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void i12ArgumentsAfterDispatchReturned_data();
    void i12ArgumentsAfterDispatchReturned();
    void i13MarshalFailureAfterPlaceholder_data();
    void i13MarshalFailureAfterPlaceholder();
    void i6ContextDataLifetime_data();
    void i6ContextDataLifetime();
    void i6SharedMemory_data();
    void i6SharedMemory();
    void i6KillPathLocksFreedData();
    void i9Fifo_data();
    void i9Fifo();
    void i11SendTwiceToReusedId_data();
    void i11SendTwiceToReusedId();
    void i3LeakAtQuiescence_data();
    void i3LeakAtQuiescence();
    void gap4ShortSend_data();
    void gap4ShortSend();
    void gap12AnswerRelease_data();
    void gap12AnswerRelease();
    void mergedDesignIsSilent();
};

// I12: once dispatch returned nothing touches the request's args. The
// client is killed while its request is being marshalled by RECV.
void TstInvariants::i12ArgumentsAfterDispatchReturned_data()
{
    QTest::addColumn<QString>("argument");
    QTest::addColumn<bool>("killPathWaits"); // the kill path cannot run during marshalling
    QTest::addColumn<int>("expected");       // I12 violations
    // the second argument is read after T8 freed the request
    QTest::newRow("argument=none breaks I12") << QStringLiteral("none") << false << 1;
    QTest::newRow("argument=lock (merged)") << QStringLiteral("lock") << true << 0;
    QTest::newRow("argument=srcu (RFC)") << QStringLiteral("srcu") << false << 0;
}

void TstInvariants::i12ArgumentsAfterDispatchReturned()
{
    QFETCH(QString, argument);
    QFETCH(bool, killPathWaits);
    QFETCH(int, expected);
    std::string error;
    auto sc = loadScenario(kLocal, &error);
    QVERIFY2(sc, error.c_str());
    RunnerOptions opts;
    opts.variant = variantWith(("argument=" + argument.toStdString()).c_str());
    ScenarioRunner r(sc, opts);
    QVERIFY2(r.steps(kLocalInvoke + Labels{kLocalCallback, "app/suppl: SUPPL_RECV",
                                           "app/suppl: RECV marshal arg 1/2 of req 0", "kill app",
                                           "app/client: dispatch interrupted by SIGKILL (req 0)"},
                     &error),
             error.c_str());
    // spec §3.3 step 7: with reqs_lock held through marshalling the kill
    // path waits for the lock; without it the kill path runs at once.
    QCOMPARE(!r.isEnabled("app/client: dispatch killed (req 0 PROCESSING)"), killPathWaits);
    QVERIFY(r.runScripted());
    QCOMPARE(violations(r.events, 12), expected);
    if (expected) {
        // the violation names the supplicant and the request it touched
        const auto v = ofKind(r.events, EventKind::Violation);
        QCOMPARE(v.front().invariant, int16_t(12));
        QCOMPARE(v.front().thread, r.threadId("app/suppl"));
        QCOMPARE(v.front().request, RequestId(0));
    }
    if (argument == QLatin1String("srcu"))
        QCOMPARE(countKind(r.events, EventKind::SynchronizeSrcu), 1);
    // Whatever the variant the killed client ends with -ENODEV (T8).
    const auto returns = ofKind(r.events, EventKind::DispatchReturn);
    QVERIFY(!returns.empty());
    QCOMPARE(returns.front().errno_, err::kENODEV);
}

// I13: a request ends once. cli/c3's callback carries srv's object as IO,
// which cli/suppl cannot hand over (T3, spec §3.4 step 5); cli is killed
// after the first argument was marshalled. Merged (argument=lock): the kill
// path waits for reqs_lock, T3 completes the request, the kill path then
// finds it PROCESSED (T11). RFC (argument=srcu): marshalling runs outside
// the lock, so T8 replaces the request by the placeholder first and T3 then
// completes it as well: it ends twice. argument=none: the args are freed
// by then; the supplicant's read is I12, and what it read (the args as they
// were) fails as under srcu: T3 completes the placeholder's request, I13.
void TstInvariants::i13MarshalFailureAfterPlaceholder_data()
{
    QTest::addColumn<QString>("argument");
    QTest::addColumn<int>("i13");
    QTest::addColumn<int>("i12");
    QTest::newRow("argument=lock (merged)") << QStringLiteral("lock") << 0 << 0;
    QTest::newRow("argument=srcu (RFC)") << QStringLiteral("srcu") << 1 << 0;
    QTest::newRow("argument=none") << QStringLiteral("none") << 1 << 1;
}

void TstInvariants::i13MarshalFailureAfterPlaceholder()
{
    QFETCH(QString, argument);
    QFETCH(int, i13);
    QFETCH(int, i12);
    std::string error;
    auto sc = loadScenario(kForeign, &error);
    QVERIFY2(sc, error.c_str());
    RunnerOptions opts;
    opts.variant = variantWith(("argument=" + argument.toStdString()).c_str());
    ScenarioRunner r(sc, opts);
    QVERIFY2(r.steps(kForeignSetup + Labels{"cli/c3: OBJECT_INVOKE obj 0 op 4",
                                            "cli/c3: QTEE callback 0x80000002 op 9",
                                            "cli/suppl: SUPPL_RECV",
                                            "cli/suppl: RECV marshal arg 1/2 of req 0", "kill cli",
                                            "cli/c3: dispatch interrupted by SIGKILL (req 0)"},
                     &error),
             error.c_str());
    const bool killPathWaits = argument == QLatin1String("lock");
    QCOMPARE(!r.isEnabled("cli/c3: dispatch killed (req 0 PROCESSING)"), killPathWaits);
    if (!killPathWaits)
        QVERIFY2(r.steps({"cli/c3: dispatch killed (req 0 PROCESSING)"}, &error), error.c_str());
    QVERIFY2(r.steps({"cli/suppl: RECV marshal arg 2/2 of req 0"}, &error), error.c_str());
    const size_t failedAt = r.events.size();
    QVERIFY(r.runScripted());
    QCOMPARE(violations(r.events, 13), i13);
    QCOMPARE(violations(r.events, 12), i12);
    for (const Event &v : ofKind(r.events, EventKind::Violation)) {
        if (v.invariant != 13)
            continue;
        QCOMPARE(v.finding, Finding::RequestEndedTwice);
        QCOMPARE(v.thread, r.threadId("cli/suppl"));
        QCOMPARE(v.request, RequestId(0));
        QCOMPARE(v.from, ReqState::Placeholder);
        QCOMPARE(v.to, ReqState::PROCESSED);
        QVERIFY(v.step <= r.events[failedAt - 1].step); // at the failing marshal
    }
    // The request's state changes: never out of the placeholder to PROCESSED.
    for (const Event &e : ofKind(r.events, EventKind::RequestState))
        QVERIFY(!(e.from == ReqState::Placeholder && e.to == ReqState::PROCESSED));
    // The killed client returns -ENODEV whatever the variant; with the lock
    // the supplicant's T3 came first and the client takes its -EINVAL (T11).
    const auto returns = ofKind(r.events, EventKind::DispatchReturn);
    QVERIFY(!returns.empty());
    QCOMPARE(returns.front().errno_, killPathWaits ? err::kEINVAL : err::kENODEV);
}

// I6: context data outlives every user object created in it. With
// lifetime=none it is freed at close although QTEE still holds the callback
// and calls it from the release worker.
void TstInvariants::i6ContextDataLifetime_data()
{
    QTest::addColumn<QString>("lifetime");
    QTest::addColumn<bool>("fires");
    QTest::newRow("lifetime=none breaks I6") << QStringLiteral("none") << true;
    QTest::newRow("lifetime=ctxref (merged)") << QStringLiteral("ctxref") << false;
    QTest::newRow("lifetime=kref (RFC)") << QStringLiteral("kref") << false;
}

void TstInvariants::i6ContextDataLifetime()
{
    QFETCH(QString, lifetime);
    QFETCH(bool, fires);
    std::string error;
    auto sc = loadScenario(kCallbackAfterClose, &error);
    QVERIFY2(sc, error.c_str());
    RunnerOptions opts;
    opts.variant = variantWith(("lifetime=" + lifetime.toStdString()).c_str());
    ScenarioRunner r(sc, opts);
    QVERIFY(r.runScripted());
    // the worker called the callback after close: -ENODEV, QTEE gets DEFUNCT
    const auto cb = ofKind(r.events, EventKind::QteeCallback);
    QCOMPARE(cb.size(), size_t(1));
    QCOMPARE(cb.front().thread, ThreadId(int32_t(r.state.threads.size() - 1))); // qcomtee_wq
    const auto resp = ofKind(r.events, EventKind::SmcCallbackResponse);
    QCOMPARE(resp.size(), size_t(1));
    QCOMPARE(resp.front().value, qres::DEFUNCT);

    const int i6 = violations(r.events, 6);
    if (fires) {
        QVERIFY(i6 >= 2); // freed with a live user object, then used by the dispatch
        QVERIFY(indexOf(r.events, [](const Event &e) {
                    return e.kind == EventKind::Violation && e.invariant == 6 &&
                           e.finding == Finding::DispatchAfterFree;
                }) >= 0);
        return;
    }
    QVERIFY2(i6 == 0, violationText(r.events).c_str());
    // the context data goes only after the user object (spec §2.2 step 5)
    const int userFreed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ObjectFreed && e.object == ObjectId(1);
    });
    const int dataFreed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ContextDataFreed && e.ctx == ContextId(1);
    });
    QVERIFY(userFreed >= 0);
    QVERIFY(dataFreed > userFreed);
    QVERIFY(r.state.context(ContextId(1)).dataFreed);
}

// I6's last clause: context data goes only after all its tee_shm are freed
// (each holds a tee_context reference, spec §2.2). The file is closed while
// the process still holds a shm; the merged design frees the data when the
// process exits and drops the shm, and so does the RFC's kref, whose first
// reference the context's release drops (the review thread: release() runs
// when the last reference is gone); lifetime=none frees it at close. (The
// RFC's kref dropped that reference at close_context, which the RFC did not
// have, and was charged with an I6 the RFC cannot reach: a reviewer audit.)
void TstInvariants::i6SharedMemory_data()
{
    QTest::addColumn<QString>("lifetime");
    QTest::addColumn<bool>("fires");
    QTest::newRow("lifetime=ctxref (merged)") << QStringLiteral("ctxref") << false;
    QTest::newRow("lifetime=kref (RFC)") << QStringLiteral("kref") << false;
    QTest::newRow("lifetime=none") << QStringLiteral("none") << true;
}

void TstInvariants::i6SharedMemory()
{
    QFETCH(QString, lifetime);
    QFETCH(bool, fires);
    std::string error;
    auto sc = loadScenario(R"json({
      "name": "shm-after-close",
      "qtee": {"services": []},
      "processes": [{"name": "app", "threads": [{"name": "main", "program": [
          {"do": "open", "as": "fd"},
          {"do": "shm_alloc", "fd": "fd", "size": 4096, "as": "m"},
          {"do": "close", "fd": "fd"},
          {"do": "compute", "ns": 1000},
          {"do": "exit"}]}]}]
    })json",
                           &error);
    QVERIFY2(sc, error.c_str());
    RunnerOptions opts;
    opts.variant = variantWith(("lifetime=" + lifetime.toStdString()).c_str());
    ScenarioRunner r(sc, opts);
    QVERIFY(r.runScripted());
    const int shmFreed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::Note && e.finding == Finding::ShmFreed;
    });
    const int dataFreed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ContextDataFreed && e.ctx == ContextId(1);
    });
    QVERIFY(shmFreed >= 0);
    QVERIFY(dataFreed >= 0);
    const auto v = ofKind(r.events, EventKind::Violation);
    if (!fires) {
        QVERIFY2(v.empty(), violationText(r.events).c_str());
        QVERIFY(dataFreed > shmFreed);
        return;
    }
    QVERIFY(dataFreed < shmFreed);
    QCOMPARE(v.size(), size_t(1));
    QCOMPARE(v.front().invariant, int16_t(6));
    QCOMPARE(v.front().finding, Finding::DataFreedShmAlive);
    QCOMPARE(v.front().ctx, ContextId(1));
}

// lifetime=none frees the server's context data at close while the client's
// request to its callback is still being dispatched: the client, killed,
// takes reqs_lock of that freed data in its kill path (spec §3.3 step 7).
void TstInvariants::i6KillPathLocksFreedData()
{
    std::string error;
    auto sc = loadScenario(R"json({
      "name": "kill-path-after-free",
      "qtee": {"services": [{"uid": 2033, "ops": {
          "1": [{"do": "hold", "target": "io:0", "as": "sink"}, {"do": "return"}],
          "2": [{"do": "callback", "target": "held:sink", "op": 3}, {"do": "return"}]}}]},
      "processes": [
          {"name": "server", "threads": [{"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
              {"do": "close", "fd": "fd"},
              {"do": "exit"}]}]},
          {"name": "client", "threads": [{"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 2},
              {"do": "exit"}]}]}],
      "faults": [{"kill": "client", "when": "any"}]
    })json",
                           &error);
    QVERIFY2(sc, error.c_str());
    const Labels path = {"server/main: open /dev/tee",
                         "server/main: OBJECT_INVOKE ROOT op 32",
                         "server/main: QTEE returns 0",
                         "server/main: OBJECT_INVOKE objref 0 op 1",
                         "server/main: QTEE returns 0",
                         "client/main: open /dev/tee",
                         "client/main: OBJECT_INVOKE ROOT op 32",
                         "client/main: QTEE returns 0",
                         "client/main: OBJECT_INVOKE objref 0 op 2",
                         "client/main: QTEE callback 0x80000001 op 3",
                         "kill client",
                         "client/main: dispatch interrupted by SIGKILL (req#0)",
                         "server/main: close fd 3",
                         "server/main: close_context ctx1",
                         "server/main: close_context ctx1: put QTEE objects"};
    for (const char *lifetime : {"none", "ctxref"}) {
        RunnerOptions opts;
        opts.variant = variantWith((std::string("lifetime=") + lifetime).c_str());
        ScenarioRunner r(sc, opts);
        QVERIFY2(r.steps(path, &error), error.c_str());
        QVERIFY2(r.steps({"client/main: dispatch killed (req#0 PROCESSED)"}, &error),
                 error.c_str());
        const auto v = ofKind(r.lastEvents(), EventKind::Violation);
        if (std::string(lifetime) == "ctxref") {
            QVERIFY2(v.empty(), violationText(r.events).c_str());
            continue;
        }
        QCOMPARE(v.size(), size_t(1));
        QCOMPARE(v.front().invariant, int16_t(6));
        QCOMPARE(v.front().finding, Finding::LockAfterFree);
        QCOMPARE(v.front().thread, r.threadId("client/main"));
        QCOMPARE(v.front().ctx, ContextId(1));
    }
}

// I9: RECV returns the oldest QUEUED request. Req 0 of c1 is answered, so
// c3's new request reuses id 0 while c2's req 1 (older) is still QUEUED.
void TstInvariants::i9Fifo_data()
{
    QTest::addColumn<QString>("request");
    QTest::addColumn<int>("expected");
    QTest::addColumn<QString>("deliveredTo"); // whose request RECV hands out
    QTest::newRow("request=idr breaks I9")
        << QStringLiteral("idr") << 1 << QStringLiteral("app/c3");
    QTest::newRow("request=fifo (merged)")
        << QStringLiteral("fifo") << 0 << QStringLiteral("app/c2");
}

void TstInvariants::i9Fifo()
{
    QFETCH(QString, request);
    QFETCH(int, expected);
    QFETCH(QString, deliveredTo);
    std::string error;
    auto sc = loadScenario(kThreeClients, &error);
    QVERIFY2(sc, error.c_str());
    RunnerOptions opts;
    opts.variant = variantWith(("request=" + request.toStdString()).c_str());
    ScenarioRunner r(sc, opts);
    QVERIFY2(
        r.steps(
            kThreeOpen +
                Labels{"app/c1: OBJECT_INVOKE obj 0 op 1", "app/c1: QTEE callback 0x80000001 op 7",
                       "app/c2: OBJECT_INVOKE obj 0 op 1", "app/c2: QTEE callback 0x80000002 op 7",
                       "app/suppl: SUPPL_RECV", "app/suppl: RECV marshal arg 1/1 of req 0",
                       "app/suppl: SUPPL_SEND req 0 ret 0", "app/c3: OBJECT_INVOKE obj 0 op 1",
                       "app/c3: QTEE callback 0x80000003 op 7"},
            &error),
        error.c_str());
    // c3's request reused the lowest free id (spec §2.4)
    const Request *c3 = r.state.request(RequestId(2));
    QVERIFY(c3);
    QCOMPARE(c3->reqId, 0);
    QCOMPARE(r.state.request(RequestId(1))->reqId, 1);
    QVERIFY2(r.step("app/suppl: SUPPL_RECV", &error), error.c_str());
    QCOMPARE(violations(r.events, 9), expected);
    // the finding names the older request and its reqs_idr id (model
    // version 14): c2's req 1, id 1, above the id 0 the idr scan took
    for (const Event &e : ofKind(r.lastEvents(), EventKind::Violation)) {
        QCOMPARE(e.other, RequestId(1));
        QCOMPARE(e.count, 1);
    }
    const auto moved = ofKind(r.lastEvents(), EventKind::RequestState);
    QCOMPARE(moved.size(), size_t(1));
    QCOMPARE(moved.front().to, ReqState::PROCESSING);
    QCOMPARE(r.state.request(moved.front().request)->client, r.threadId(deliveredTo.toStdString()));
}

// I11: a supplicant SENDs at most once per delivered request. The second
// SEND of a send_twice supplicant lands on a reused id: another client's
// request, which it completes although it never received it.
void TstInvariants::i11SendTwiceToReusedId_data()
{
    QTest::addColumn<bool>("sendTwice");
    QTest::newRow("send_twice breaks I11") << true;
    QTest::newRow("a correct supplicant") << false;
}

void TstInvariants::i11SendTwiceToReusedId()
{
    QFETCH(bool, sendTwice);
    std::string error;
    auto sc = loadScenario(kThreeClients, &error);
    QVERIFY2(sc, error.c_str());
    tee::sim::Reply reply;
    reply.sendTwice = sendTwice;
    sc->processes[0].threads[3].program[0].serve.replies = {reply};
    ScenarioRunner r(sc);
    QVERIFY2(r.steps(kThreeOpen + Labels{"app/c1: OBJECT_INVOKE obj 0 op 1",
                                         "app/c1: QTEE callback 0x80000001 op 7",
                                         "app/suppl: SUPPL_RECV",
                                         "app/suppl: RECV marshal arg 1/1 of req 0",
                                         "app/suppl: SUPPL_SEND req 0 ret 0",
                                         "app/c2: OBJECT_INVOKE obj 0 op 1",
                                         "app/c2: QTEE callback 0x80000002 op 7"},
                     &error),
             error.c_str());
    QCOMPARE(r.state.request(RequestId(1))->reqId, 0); // id 0 reused at once
    if (!sendTwice) {
        // the supplicant's next step is a RECV, which hands c2's request out
        QVERIFY2(r.step("app/suppl: SUPPL_RECV", &error), error.c_str());
        QVERIFY(r.runScripted());
        QCOMPARE(violations(r.events, 11), 0);
        return;
    }
    QVERIFY2(r.step("app/suppl: SUPPL_SEND req 0 ret 0", &error), error.c_str());
    const EventList ev = r.lastEvents();
    QCOMPARE(violations(ev, 11), 1);
    QCOMPARE(ofKind(ev, EventKind::Violation).front().request, RequestId(1));
    // ... and c2's request is completed by a SEND meant for c1's
    QCOMPARE(transitions(ev, RequestId(1)), std::vector<std::string>{"QUEUED->PROCESSED"});
    const auto woken = ofKind(ev, EventKind::Woken);
    QCOMPARE(woken.size(), size_t(1));
    QCOMPARE(woken.front().thread, r.threadId("app/c2"));
}

// I3 at quiescence and §9 item 2: the IO object of a callback request whose
// client was killed while QUEUED is never put in the faithful model.
void TstInvariants::i3LeakAtQuiescence_data()
{
    QTest::addColumn<QString>("gaps");
    QTest::addColumn<bool>("leaks");
    QTest::newRow("gaps=faithful leaks (§9 item 2)") << QStringLiteral("faithful") << true;
    QTest::newRow("gaps=fixed") << QStringLiteral("fixed") << false;
}

void TstInvariants::i3LeakAtQuiescence()
{
    QFETCH(QString, gaps);
    QFETCH(bool, leaks);
    std::string error;
    auto sc = loadScenario(kKilledWithIo, &error);
    QVERIFY2(sc, error.c_str());
    RunnerOptions opts;
    opts.variant = variantWith(("gaps=" + gaps.toStdString()).c_str());
    ScenarioRunner r(sc, opts);
    QVERIFY(r.runScripted());
    // the kill hit the QUEUED request: T7
    QCOMPARE(transitions(r.events, RequestId(0)),
             (std::vector<std::string>{"NEW->QUEUED", "QUEUED->REMOVED"}));
    QVERIFY(Engine::quiescent(r.state));
    QCOMPARE(teetest::gaps(r.events, 2), leaks ? 1 : 0);
    // checked each time the system becomes quiescent, so at least once
    QCOMPARE(violations(r.events, 3) > 0, leaks);
    const KObject *user = r.state.object(ObjectId(1));
    if (leaks) {
        QVERIFY(user);
        QCOMPARE(user->refcount(), 1);
        QCOMPARE(user->holders.front().kind, HolderKind::CallbackArg);
        const auto v = ofKind(r.events, EventKind::Violation);
        QCOMPARE(v.front().object, ObjectId(1));
        QCOMPARE(v.front().holder, HolderKind::CallbackArg);
    } else {
        QVERIFY(!user); // every reference went, the object is freed
        QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
    }
}

// §9 item 4: SEND with fewer parameters than RECV gave. The driver never
// compares the counts: faithful, the conversion reads past the array and
// fails there, -EINVAL to both ("A simulator should treat it as -EINVAL");
// it returned 0 to both before model version 16. Fixed refuses it at once,
// without reading an argument.
void TstInvariants::gap4ShortSend_data()
{
    QTest::addColumn<QString>("gaps");
    QTest::addColumn<bool>("flagged");
    QTest::addColumn<int>("sendErrno");
    QTest::addColumn<int>("clientErrno");
    QTest::addColumn<bool>("readsPast");
    QTest::newRow("gaps=faithful")
        << QStringLiteral("faithful") << true << int(err::kEINVAL) << int(err::kEINVAL) << true;
    QTest::newRow("gaps=fixed") << QStringLiteral("fixed") << false << int(err::kEINVAL)
                                << int(err::kEINVAL) << false;
}

void TstInvariants::gap4ShortSend()
{
    QFETCH(QString, gaps);
    QFETCH(bool, flagged);
    QFETCH(int, sendErrno);
    QFETCH(int, clientErrno);
    QFETCH(bool, readsPast);
    std::string error;
    auto sc = loadScenario(kLocal, &error);
    QVERIFY2(sc, error.c_str());
    sc->processes[0].threads[1].program[0].serve.replies[0].sendParams = 1; // the request has 2
    RunnerOptions opts;
    opts.variant = variantWith(("gaps=" + gaps.toStdString()).c_str());
    ScenarioRunner r(sc, opts);
    QVERIFY2(r.steps(kLocalInvoke + Labels{kLocalCallback} + kLocalRecv +
                         Labels{"app/suppl: SUPPL_SEND req 0 ret 0"},
                     &error),
             error.c_str());
    QCOMPARE(teetest::gaps(r.lastEvents(), 4), flagged ? 1 : 0);
    QVERIFY(r.runScripted());
    QCOMPARE(teetest::gaps(r.events, 4), flagged ? 1 : 0);
    const int sendReturn = indexOf(r.events, [&](const Event &e) {
        return e.kind == EventKind::SyscallReturn && e.thread == r.threadId("app/suppl") &&
               e.op == uint32_t(SyscallKind::SupplSend);
    });
    QVERIFY(sendReturn >= 0);
    QCOMPARE(r.events[size_t(sendReturn)].errno_, sendErrno);
    // an argument read between SEND's entry and its return: the unmarshal
    const int sendEnter = indexOf(r.events, [&](const Event &e) {
        return e.kind == EventKind::SyscallEnter && e.thread == r.threadId("app/suppl") &&
               e.op == uint32_t(SyscallKind::SupplSend);
    });
    QVERIFY(sendEnter >= 0 && sendEnter < sendReturn);
    const bool unmarshalled =
        std::any_of(r.events.begin() + sendEnter, r.events.begin() + sendReturn,
                    [](const Event &e) { return e.kind == EventKind::ArgAccess; });
    QCOMPARE(unmarshalled, readsPast);
    const auto dispatch = ofKind(r.events, EventKind::DispatchReturn);
    QVERIFY(!dispatch.empty());
    QCOMPARE(dispatch.front().errno_, clientErrno);
}

// §9 item 12: s2 answers the RELEASE notification it received (id 0). The
// id was reused by the next notification, which s1 has selected but not yet
// freed (T4's second locking): the SEND completes a notification.
void TstInvariants::gap12AnswerRelease_data()
{
    QTest::addColumn<QString>("gaps");
    QTest::addColumn<bool>("flagged");
    QTest::newRow("gaps=faithful") << QStringLiteral("faithful") << true;
    QTest::newRow("gaps=fixed") << QStringLiteral("fixed") << false;
}

void TstInvariants::gap12AnswerRelease()
{
    QFETCH(QString, gaps);
    QFETCH(bool, flagged);
    std::string error;
    auto sc = loadScenario(kAnswerRelease, &error);
    QVERIFY2(sc, error.c_str());
    RunnerOptions opts;
    opts.variant = variantWith(("gaps=" + gaps.toStdString()).c_str());
    ScenarioRunner r(sc, opts);
    QVERIFY2(r.steps(Labels{"app/client: open /dev/tee", "app/client: OBJECT_INVOKE ROOT op 32",
                            "app/client: QTEE returns 0", "app/client: OBJECT_INVOKE obj 0 op 3",
                            "app/client: QTEE returns 0", "app/s2: SUPPL_RECV",
                            "app/s2: RECV relock: free RELEASE notification req 0",
                            "app/client: OBJECT_INVOKE obj 0 op 3", "app/client: QTEE returns 0",
                            "app/s1: SUPPL_RECV"},
                     &error),
             error.c_str());
    QVERIFY2(r.step("app/s2: SUPPL_SEND req 0 ret 0", &error), error.c_str());
    const EventList ev = r.lastEvents();
    QCOMPARE(teetest::gaps(ev, 12), flagged ? 1 : 0);
    const auto ret = ofKind(ev, EventKind::SyscallReturn);
    QCOMPARE(ret.size(), size_t(1));
    if (flagged) {
        QCOMPARE(ret.front().errno_, 0);
        QCOMPARE(violations(ev, 11), 1); // and a supplicant bug
    } else {
        QCOMPARE(ret.front().errno_, err::kEINVAL);
        QCOMPARE(countKind(ev, EventKind::RequestState), 0);
    }
    // either way s1's RECV still returns the notification, and nothing is left
    QVERIFY(r.runScripted());
    QVERIFY(r.state.requests.empty());
    QCOMPARE(teetest::gaps(r.events, 12), flagged ? 1 : 0);
}

// The scenarios above, run to the end with the scripted policy in the merged
// design, raise no violation and no gap except the ones they are built for.
void TstInvariants::mergedDesignIsSilent()
{
    for (const char *json : {kLocal, kThreeClients, kCallbackAfterClose, kAnswerRelease}) {
        std::string error;
        auto sc = loadScenario(json, &error);
        QVERIFY2(sc, error.c_str());
        for (auto &p : sc->processes)
            for (auto &t : p.threads)
                for (auto &op : t.program)
                    op.serve.answerRelease = false;
        ScenarioRunner r(sc);
        QVERIFY(r.runScripted());
        QVERIFY2(countKind(r.events, EventKind::Violation) == 0,
                 (sc->name + ": " + violationText(r.events)).c_str());
        QVERIFY2(countKind(r.events, EventKind::Gap) == 0, sc->name.c_str());
    }
}

QTEST_GUILESS_MAIN(TstInvariants)
#include "tst_invariants.moc"
