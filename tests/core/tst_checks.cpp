// Checks and events the review found missing or wrong (issue 7 §3): I11 after
// the id left reqs_idr, spec §9 item 6 (RETAIN/RELEASE imbalance), the errno
// a PROCESSED request carries, a dispatch_return for every dispatch, gaps
// that name what exists, and QTEE callback ids as unsigned holder ids.
#include "core/vocabulary.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QTest>

#include <climits>

using namespace tee;
using namespace tee::sim;

namespace {

// A supplicant thread (first, so the scripted order runs it as far as it
// can) and a client that invokes service 2033 op 1 with user object 1; QTEE
// calls it back (op 7, an 8-byte OB) and returns; the supplicant serves with
// REPLY.
std::string clientAndSupplicant(const std::string &reply, const std::string &serveExtra = {},
                                const std::string &qteeOp = {})
{
    const std::string op = qteeOp.empty()
                               ? R"([{"do": "callback", "target": "io:0", "op": 7, "ob": [8]},
                            {"do": "return", "result": 0}])"
                               : qteeOp;
    return R"({"name": "checks",
      "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {"1": )" +
           op + R"(}}]},
      "processes": [{"name": "app", "threads": [
        {"name": "suppl", "program": [{"do": "open", "as": "fd"},
          {"do": "serve", "fd": "fd", "count": 3)" +
           serveExtra + R"(, "replies": [)" + reply + R"(]}, {"do": "exit"}]},
        {"name": "client", "program": [
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "release", "fd": "fd", "object": "svc"},
          {"do": "exit"}]}]}]})";
}

// The printed sentence of every finding of the last runScenario, by event
// index (the vocabulary needs the scenario's names).
std::vector<std::string> g_texts;

std::string textOf(const Trace &tr, const Event *e)
{
    const size_t i = size_t(e - tr.events.data());
    return i < g_texts.size() ? g_texts[i] : std::string();
}

Trace runScenario(const std::string &json, const std::string &variant = {})
{
    std::string error;
    auto sc = loadScenarioJson(json, "test", &error);
    if (!sc)
        qFatal("%s", error.c_str());
    Variant v = sc->variant;
    // "NAME=VALUE[,NAME=VALUE...]"
    for (size_t at = 0; at < variant.size();) {
        const size_t comma = std::min(variant.find(',', at), variant.size());
        const std::string one = variant.substr(at, comma - at);
        if (!v.set(one).empty())
            qFatal("bad variant %s", one.c_str());
        at = comma + 1;
    }
    const Simulator sim(sc, v);
    RunOptions opts;
    opts.maxSteps = 500;
    const Trace tr = run(sim, opts, &error);
    if (!error.empty())
        qFatal("%s", error.c_str());
    g_texts.clear();
    for (const Event &e : tr.events)
        g_texts.push_back(vocab::eventText(sim, e));
    return tr;
}

std::vector<const Event *> ofKind(const Trace &tr, EventKind k)
{
    std::vector<const Event *> out;
    for (const Event &e : tr.events)
        if (e.kind == k)
            out.push_back(&e);
    return out;
}

// The syscall returns of one thread, in order.
std::vector<const Event *> returnsOf(const Trace &tr, ThreadId t)
{
    std::vector<const Event *> out;
    for (const Event *e : ofKind(tr, EventKind::SyscallReturn))
        if (e->thread == t)
            out.push_back(e);
    return out;
}

} // namespace

class TestChecks : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void checksNoDesignBreaks_data();
    void checksNoDesignBreaks();
    void i11AfterTheIdIsGone_data();
    void i11AfterTheIdIsGone();
    void retainReleaseImbalance_data();
    void retainReleaseImbalance();
    void primordialOutputIsUnavail();
    void nullOutputIsObjrefNull();
    void contextDataFreedAfterItsIdrs();
    void krefCountsAreNamed();
    void shortSendFindingKeepsItsOldName();
    void notificationAfterFreeIsPlacedInTheRelease();
    void processedCarriesTheClientsErrno_data();
    void processedCarriesTheClientsErrno();
    void everyDispatchReturns();
    void gapNamesWhatExists();
    void nullOutputObjref();
    void earlyNotificationSendSaysQueued();
    void writeAfterFreeStillFails();
    void marshalFailureAfterStaleSend();
    void gapTwoWhenDataFreed_data();
    void gapTwoWhenDataFreed();
    void callbackIdsAreUnsignedHolders();
    void rawIdsFromUserSpace_data();
    void rawIdsFromUserSpace();
    void releaseUnknownId_data();
    void releaseUnknownId();
    void firstSmcFailureLeavesXaIds_data();
    void firstSmcFailureLeavesXaIds();
    void obSizeOnTheDirectPath_data();
    void obSizeOnTheDirectPath();
    void rawIdsFromQtee_data();
    void rawIdsFromQtee();
    void openServiceOfNoServiceIsRefusedByQtee();
    void stuckRule_data();
    void stuckRule();
};

// I7, I8 and I15 hold in every design the model has: ureq_enqueue checks
// `released` under the reqs_lock close_context sets it under, every list
// change goes with its state and idr change under that lock, and QTEE
// sends a callback only when the last one was answered (docs/model.md).
// No scenario reaches them (a spec audit wrote one per spec §7 case), so
// their checks are shown here on a state put wrong by hand: the step after
// it reports the invariant, and the run up to that state reports nothing.
void TestChecks::checksNoDesignBreaks_data()
{
    QTest::addColumn<int>("invariant");
    QTest::newRow("I7 QUEUED on a released context") << 7;
    QTest::newRow("I8 PROCESSED on reqs_list") << 8;
    QTest::newRow("I15 callback while one is outstanding") << 15;
}

void TestChecks::checksNoDesignBreaks()
{
    QFETCH(int, invariant);
    std::string error;
    // (its request is QUEUED while the supplicant is still busy elsewhere)
    auto sc = loadBuiltin("kill-while-queued", &error);
    QVERIFY2(sc, error.c_str());
    const Simulator sim(sc, sc->variant);
    State s = sim.initialState();
    std::vector<Action> en;
    EventList events;
    const auto violated = [&] {
        for (const Event &e : events)
            if (e.kind == EventKind::Violation && e.invariant == invariant)
                return true;
        return false;
    };
    // the first state where the invariant's precondition can be broken
    const auto ready = [&](int &thread) {
        thread = -1;
        for (const Context &c : s.contexts)
            for (int32_t rid : c.reqsList)
                if (const Request *r = s.request(RequestId(rid));
                    r && r->state == ReqState::QUEUED && invariant != 15)
                    return true;
        for (const Thread &t : s.threads)
            if (invariant == 15 && t.phase == Phase::InvokeReply &&
                t.oic.reply.kind == QteeReply::Kind::Callback) {
                thread = t.id.v;
                return true;
            }
        return false;
    };
    int thread = -1;
    for (int k = 0; k < 200 && !ready(thread); ++k) {
        sim.engine().enabled(s, en);
        QVERIFY(!en.empty());
        sim.engine().apply(s, en.front(), events);
        QVERIFY2(!violated(), "the untouched run breaks it");
    }
    QVERIFY2(ready(thread), "no state to break it in");
    switch (invariant) {
    case 7:
        for (Context &c : s.contexts)
            if (!c.reqsList.empty())
                c.released = true;
        break;
    case 8:
        for (const Context &c : s.contexts)
            for (int32_t rid : c.reqsList)
                s.request(RequestId(rid))->state = ReqState::PROCESSED;
        break;
    case 15:
        s.thread(ThreadId(thread)).oic.busy = true;
        break;
    }
    // (a step that takes the request off the list ends the breach before
    // the check: some next step keeps it)
    sim.engine().enabled(s, en);
    QVERIFY(!en.empty());
    bool reported = false;
    for (const Action &a : en) {
        if (thread >= 0 && !(a.kind == Action::Kind::Thread && a.index == thread))
            continue;
        State next = s;
        events.clear();
        sim.engine().apply(next, a, events);
        reported = reported || violated();
    }
    QVERIFY2(reported, qPrintable(QStringLiteral("I%1 not reported").arg(invariant)));
}

// Spec §8 I11: a supplicant answers only what it was given, once. The
// driver returns -EINVAL when the id is gone from reqs_idr; the supplicant
// is wrong all the same.
void TestChecks::i11AfterTheIdIsGone_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("says");
    QTest::newRow("second SEND of an answered request")
        << QString::fromStdString(clientAndSupplicant(R"({"send_twice": true})"))
        << QStringLiteral("was already answered");
    QTest::newRow("SEND for a delivered RELEASE notification")
        << QString::fromStdString(clientAndSupplicant("", R"(, "answer_release": true)"))
        << QStringLiteral("was a RELEASE notification RECV delivered");
}

void TestChecks::i11AfterTheIdIsGone()
{
    QFETCH(QString, json);
    QFETCH(QString, says);
    const Trace tr = runScenario(json.toStdString());
    const auto v = ofKind(tr, EventKind::Violation);
    QCOMPARE(v.size(), size_t(1));
    QCOMPARE(v.front()->invariant, int16_t(11));
    const std::string text = textOf(tr, v.front());
    QVERIFY2(QString::fromStdString(text).contains(says), text.c_str());
    QVERIFY(QString::fromStdString(text).contains(QLatin1String("-EINVAL")));
    // ... and that SEND returned -EINVAL
    bool einval = false;
    for (const Event &e : tr.events)
        einval |= e.step == v.front()->step && e.kind == EventKind::SyscallReturn &&
                  e.errno_ == err::kEINVAL;
    QVERIFY(einval);
}

// Spec §9 item 6: RETAIN adds a reference but no id; the first RELEASE erases
// the id, so the retained reference leaks (faithful, flagged as a gap), or
// the references balance and the object is freed (fixed).
void TestChecks::retainReleaseImbalance_data()
{
    QTest::addColumn<QString>("gaps");
    QTest::addColumn<bool>("leaks");
    QTest::newRow("faithful") << QStringLiteral("faithful") << true;
    QTest::newRow("fixed") << QStringLiteral("fixed") << false;
}

void TestChecks::retainReleaseImbalance()
{
    QFETCH(QString, gaps);
    QFETCH(bool, leaks);
    const std::string json = clientAndSupplicant("", {}, R"([
        {"do": "retain", "target": "io:0"},
        {"do": "release", "target": "io:0"},
        {"do": "release", "target": "io:0"},
        {"do": "return", "result": 0}])");
    const Trace tr = runScenario(json, "gaps=" + gaps.toStdString());
    const auto g = ofKind(tr, EventKind::Gap);
    QCOMPARE(g.size(), size_t(leaks ? 1 : 0));
    // The user object (userspace id 1) is left with its RETAIN reference,
    // or freed.
    const KObject *user = nullptr;
    for (const KObject &o : tr.final.objects)
        if (o.type == ObjectType::User && o.userObjectId == 1)
            user = &o;
    QCOMPARE(user != nullptr, leaks);
    if (leaks) {
        QCOMPARE(g.front()->gap, int16_t(6));
        QCOMPARE(g.front()->object, user->id);
        QCOMPARE(g.front()->qteeId, 0x80000001u);
        QVERIFY(QString::fromStdString(textOf(tr, g.front())).contains(QLatin1String("RETAIN")));
        QCOMPARE(user->refcount(), 1);
        QCOMPARE(user->holders.front().kind, HolderKind::Retain);
    }
}

// Spec §3.1 step 7.3.4 with SHARED clear, §9 item 3: the invocation's first
// SMC fails in the transport. The ioctl returns the SCM error (-EIO), QTEE's
// copy of the callback input is dropped, and the xa id prepare_msg gave it
// stays (faithful: flagged, and I4 once the driver copy frees the object)
// or is erased (fixed). The next invocation goes through: SHARED was never
// set on the first one, and the callback runs.
void TestChecks::firstSmcFailureLeavesXaIds_data()
{
    QTest::addColumn<QString>("gaps");
    QTest::newRow("faithful") << QStringLiteral("faithful");
    QTest::newRow("fixed") << QStringLiteral("fixed");
}

void TestChecks::firstSmcFailureLeavesXaIds()
{
    QFETCH(QString, gaps);
    const bool faithful = gaps == QLatin1String("faithful");
    std::string json = clientAndSupplicant("");
    const std::string svc = R"("name": "svc", )";
    QVERIFY(json.find(svc) != std::string::npos);
    json.replace(json.find(svc), svc.size(), svc + R"("invoke_smc_failures": 1, )");
    const std::string invoke =
        R"({"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},)";
    QVERIFY(json.find(invoke) != std::string::npos);
    json.insert(json.find(invoke), invoke); // invoked twice
    const Trace tr = runScenario(json, "gaps=" + gaps.toStdString());

    // the client's (thread 1) syscalls: open_service, the two invocations,
    // the release
    const auto returns = returnsOf(tr, ThreadId(1));
    QCOMPARE(returns.size(), size_t(4));
    const std::vector<const Event *> invokes = {returns[1], returns[2]};
    QCOMPARE(invokes[0]->errno_, int32_t(-5)); // -EIO, the SCM error, not -ENODEV
    QCOMPARE(invokes[1]->errno_, int32_t(0));
    QCOMPARE(ofKind(tr, EventKind::SmcFailed).size(), size_t(1));
    QCOMPARE(ofKind(tr, EventKind::QteeCallback).size(), size_t(1)); // the second one's

    const auto g = ofKind(tr, EventKind::Gap);
    const auto v = ofKind(tr, EventKind::Violation);
    QCOMPARE(g.size(), size_t(faithful ? 1 : 0));
    QCOMPARE(v.size(), size_t(faithful ? 1 : 0));
    bool erased = false;
    for (const Event &e : tr.events)
        erased |=
            e.kind == EventKind::XaErase && e.qteeId == 0x80000001u && e.step == invokes[0]->step;
    QCOMPARE(erased, !faithful);
    if (faithful) {
        QCOMPARE(g.front()->gap, int16_t(3));
        QCOMPARE(g.front()->finding, Finding::XaIdLeft);
        QCOMPARE(g.front()->qteeId, 0x80000001u);
        QCOMPARE(v.front()->invariant, int16_t(4));
        QCOMPARE(v.front()->finding, Finding::XaFreedObject);
        QCOMPARE(v.front()->object, g.front()->object);
        QVERIFY(
            QString::fromStdString(textOf(tr, v.front())).contains(QLatin1String("0x80000001")));
        // the stale id is skipped: the second invocation's object gets the next
        bool next = false;
        for (const Event &e : tr.events)
            next |= e.kind == EventKind::XaAlloc && e.qteeId == 0x80000002u;
        QVERIFY(next);
    }
}

// Spec §9 item 9: qcomtee_update_args takes the OB sizes of QTEE's final
// result as given on the direct path. An OB QTEE reports larger than the
// client's buffer is flagged (faithful) or fails the parsing (fixed:
// UNAVAIL, the OO put); one that shrank or stayed is fine in both.
void TestChecks::obSizeOnTheDirectPath_data()
{
    QTest::addColumn<QString>("reported");
    QTest::addColumn<QString>("gaps");
    QTest::addColumn<bool>("flagged");
    QTest::addColumn<int>("ret");
    QTest::newRow("grew, faithful")
        << QStringLiteral("[64, 4]") << QStringLiteral("faithful") << true << 0;
    QTest::newRow("grew, fixed") << QStringLiteral("[64, 4]") << QStringLiteral("fixed") << false
                                 << int(qres::UNAVAIL);
    QTest::newRow("second grew, faithful")
        << QStringLiteral("[16, 9]") << QStringLiteral("faithful") << true << 0;
    QTest::newRow("shrank, faithful")
        << QStringLiteral("[16, 2]") << QStringLiteral("faithful") << false << 0;
    QTest::newRow("shrank, fixed")
        << QStringLiteral("[0, 8]") << QStringLiteral("fixed") << false << 0;
}

void TestChecks::obSizeOnTheDirectPath()
{
    QFETCH(QString, reported);
    QFETCH(QString, gaps);
    QFETCH(bool, flagged);
    QFETCH(int, ret);
    const std::string json = R"({"name": "ob",
      "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {"1": [
        {"do": "return", "result": 0, "ob": )" +
                             reported.toStdString() + R"(, "outputs": ["service:2033"]}]}}]},
      "processes": [{"name": "app", "threads": [{"name": "client", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "ob": [16, 8], "oo": ["out"]},
        {"do": "exit"}]}]}]})";
    const Trace tr = runScenario(json, "gaps=" + gaps.toStdString());
    const auto g = ofKind(tr, EventKind::Gap);
    QCOMPARE(g.size(), size_t(flagged ? 1 : 0));
    if (flagged) {
        QCOMPARE(g.front()->gap, int16_t(9));
        QCOMPARE(g.front()->finding, Finding::ObSizeGrew);
        const std::string text = textOf(tr, g.front());
        QVERIFY2(QString::fromStdString(text).contains(reported.startsWith(QLatin1String("[64"))
                                                           ? QLatin1String("64 bytes for 16 bytes")
                                                           : QLatin1String("9 bytes for 8 bytes")),
                 text.c_str());
    }
    // the invocation's arg.ret: 0, or UNAVAIL with its output object put
    const auto returns = returnsOf(tr, ThreadId(0));
    QCOMPARE(returns.size(), size_t(3)); // open, open_service, invoke
    QCOMPARE(returns[2]->errno_, int32_t(0));
    QCOMPARE(returns[2]->value, int32_t(ret));
    QVERIFY(ofKind(tr, EventKind::Violation).empty());
}

// T5: the PROCESSED transition carries the errno the client's dispatch will
// return, also when the output conversion (later steps) fails.
void TestChecks::processedCarriesTheClientsErrno_data()
{
    QTest::addColumn<QString>("reply");
    QTest::addColumn<QString>("variant");
    QTest::addColumn<int>("errno_");
    QTest::newRow("success") << QStringLiteral(R"({"ob": [8]})") << QString() << 0;
    QTest::newRow("the supplicant's error")
        << QStringLiteral(R"({"errno": "EIO"})") << QString() << -5;
    QTest::newRow("an OB that grew")
        << QStringLiteral(R"({"ob": [64]})") << QString() << int(err::kEINVAL);
    QTest::newRow("a short SEND, gaps=fixed") << QStringLiteral(R"({"send_params": 0})")
                                              << QStringLiteral("gaps=fixed") << int(err::kEINVAL);
    QTest::newRow("an OB that grew, argument=srcu")
        << QStringLiteral(R"({"ob": [64]})") << QStringLiteral("argument=srcu")
        << int(err::kEINVAL);
}

void TestChecks::processedCarriesTheClientsErrno()
{
    QFETCH(QString, reply);
    QFETCH(QString, variant);
    QFETCH(int, errno_);
    const Trace tr = runScenario(clientAndSupplicant(reply.toStdString()), variant.toStdString());
    const Event *processed = nullptr;
    for (const Event &e : tr.events)
        if (e.kind == EventKind::RequestState && e.to == ReqState::PROCESSED && e.op == 7)
            processed = &e;
    QVERIFY(processed);
    QCOMPARE(processed->errno_, errno_);
    const auto returns = ofKind(tr, EventKind::DispatchReturn);
    QCOMPARE(returns.size(), size_t(1));
    QCOMPARE(returns.front()->errno_, errno_);
}

// Every dispatch ends with a dispatch_return: callback-after-close's second
// callback finds the owner context released and fails with -ENODEV before
// any request exists.
void TestChecks::everyDispatchReturns()
{
    std::string error;
    const auto sc = loadBuiltin("callback-after-close", &error);
    QVERIFY2(sc, error.c_str());
    const Simulator sim(sc);
    RunOptions opts;
    opts.maxSteps = sc->maxSteps;
    const Trace tr = run(sim, opts, &error);
    QVERIFY2(error.empty(), error.c_str());
    const Event *enodev = nullptr;
    for (const Event *e : ofKind(tr, EventKind::DispatchReturn))
        if (e->errno_ == err::kENODEV && !e->request.valid())
            enodev = e;
    QVERIFY(enodev);
    QVERIFY(enodev->object.valid());
    QVERIFY(enodev->ctx.valid());
}

// QTEE calls back, with a QTEE object as IO, into a context its owner has
// closed: the callback can never become a request.
constexpr const char *kIoAfterClose = R"({"name": "io-after-close",
      "qtee": {"services": [
        {"uid": 2034, "name": "leaf"},
        {"uid": 2033, "name": "logger", "ops": {"1": [
          {"do": "hold", "target": "io:0", "as": "sink"}, {"do": "return", "result": 0}]},
         "on_release": [
          {"do": "callback", "target": "held:sink", "op": 8, "io": ["service:2034"]},
          {"do": "return", "result": 0}]}]},
      "processes": [{"name": "app", "threads": [
        {"name": "main", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "logger"},
          {"do": "invoke", "fd": "fd", "object": "logger", "op": 1, "io": [{"user": 1}]},
          {"do": "close", "fd": "fd"},
          {"do": "exit"}]}]}]})";

// A gap names what exists: a callback request that could not be queued
// (its owner context is closed) has no id; its IO object leaks (§9 item 2).
void TestChecks::gapNamesWhatExists()
{
    const Trace tr = runScenario(kIoAfterClose);
    const auto g = ofKind(tr, EventKind::Gap);
    QVERIFY(!g.empty());
    for (const Event *e : g) {
        const std::string text = textOf(tr, e);
        QVERIFY2(text.find("-1") == std::string::npos && text.find('?') == std::string::npos,
                 text.c_str());
        if (e->gap == 2)
            QVERIFY2(text.find("could not be queued") != std::string::npos &&
                         text.find("obj") != std::string::npos,
                     text.c_str());
    }
}

// Gap 2 also when the owner's context data is already gone
// (lifetime=none): the dispatch fails before any request exists (I6), so
// the callback's IO object never reaches a supplicant. Faithful: flagged
// once; fixed: put, so the kernel's copy of QTEE's leaf object goes.
void TestChecks::gapTwoWhenDataFreed_data()
{
    QTest::addColumn<QString>("gaps");
    QTest::addColumn<bool>("flagged");
    QTest::newRow("faithful: the IO object leaks, flagged") << QStringLiteral("faithful") << true;
    QTest::newRow("fixed: the IO object is put") << QStringLiteral("fixed") << false;
}
void TestChecks::gapTwoWhenDataFreed()
{
    QFETCH(QString, gaps);
    QFETCH(bool, flagged);
    const Trace tr = runScenario(kIoAfterClose, "lifetime=none,gaps=" + gaps.toStdString());
    bool dispatchAfterFree = false;
    for (const Event *e : ofKind(tr, EventKind::Violation))
        dispatchAfterFree = dispatchAfterFree || e->finding == Finding::DispatchAfterFree;
    QVERIFY(dispatchAfterFree);
    std::vector<const Event *> leaks;
    for (const Event *e : ofKind(tr, EventKind::Gap))
        if (e->gap == 2)
            leaks.push_back(e);
    QCOMPARE(leaks.size(), size_t(flagged ? 1 : 0));
    // the leaf's kernel object: held by the callback's argument for ever,
    // or put with it
    size_t teeObjects = 0;
    for (const KObject &o : tr.final.objects)
        teeObjects += o.type == ObjectType::TEE;
    QCOMPARE(teeObjects, size_t(flagged ? 1 : 0));
    if (flagged) {
        QCOMPARE(leaks.front()->finding, Finding::IoObjectLeakUnqueued);
        QCOMPARE(leaks.front()->op, 8u);
        const std::string text = textOf(tr, leaks.front());
        QVERIFY2(text.find("could not be queued") != std::string::npos, text.c_str());
    }
}

// Gap 12 (spec §9 item 12) names the race that happened: a stale second
// SEND that finds a RELEASE notification by its reused id while it is still
// QUEUED is not "before RECV's second locking" (no RECV gave it out).
void TestChecks::earlyNotificationSendSaysQueued()
{
    const Trace tr = runScenario(R"({"name": "send-queued-notification",
      "qtee": {"services": [{"uid": 2033, "ops": {
        "1": [{"do": "hold", "target": "io:0", "as": "cb"},
              {"do": "callback", "target": "io:0", "op": 7}, {"do": "return", "result": 0}],
        "2": [{"do": "release", "target": "held:cb"}, {"do": "return", "result": 0}]}}]},
      "processes": [{"name": "app", "threads": [
        {"name": "c", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "compute", "ns": 20000},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 2},
          {"do": "compute", "ns": 100000},
          {"do": "exit"}]},
        {"name": "s", "program": [{"do": "wait", "for": "fd"},
          {"do": "serve", "fd": "fd", "count": 1, "replies": [{"send_twice": true}]},
          {"do": "serve", "fd": "fd", "count": 1, "answer_release": true},
          {"do": "recv", "fd": "fd"},
          {"do": "exit"}]}]}]})");
    const Event *g12 = nullptr;
    for (const Event *e : ofKind(tr, EventKind::Gap))
        if (e->gap == 12)
            g12 = e;
    QVERIFY(g12);
    const std::string text = textOf(tr, g12);
    QVERIFY2(text.find("still QUEUED") != std::string::npos &&
                 text.find("second locking") == std::string::npos,
             text.c_str());
}

// argument=none: a SEND whose conversion runs after the killed client's
// dispatch returned writes where the args were (I12) and converts as it
// would have: an output that cannot be converted (an unknown TEE id) still
// fails it, and SEND returns -EINVAL (spec §3.5 step 4; it returned 0).
void TestChecks::writeAfterFreeStillFails()
{
    const Trace tr = runScenario(R"json({"name": "write-after-free",
      "qtee": {"services": [{"uid": 2033, "ops": {"1": [
        {"do": "callback", "target": "io:0", "op": 7, "ob": [8], "oo": 1},
        {"do": "return", "result": 0}]}}]},
      "processes": [{"name": "app", "threads": [
        {"name": "c", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "exit"}]},
        {"name": "s", "program": [{"do": "wait", "for": "fd"},
          {"do": "serve", "fd": "fd", "count": 1,
           "replies": [{"ob": [4], "oo": [{"object": "id:9"}]}]}]}]}],
      "faults": [{"kill": "app", "when": "any"}],
      "policy": "scripted",
      "schedule": ["app/c: open /dev/tee", "app/c: OBJECT_INVOKE ROOT op 32",
        "app/c: QTEE returns 0", "app/c: OBJECT_INVOKE objref 0 op 1",
        "app/c: QTEE callback 0x80000001 op 7", "app/s: SUPPL_RECV",
        "app/s: RECV marshal arg 0 of req#0 (2 args)",
        "app/s: RECV marshal arg 1 of req#0 (2 args)", "app/s: SUPPL_SEND id 0 ret 0",
        "kill app", "app/c: dispatch interrupted by SIGKILL (req#0)",
        "app/c: dispatch killed (req#0 PROCESSED)", "app/s: SEND unmarshal output of req#0"]})json",
                                 "argument=none");
    int writes = 0;
    for (const Event *e : ofKind(tr, EventKind::Violation))
        writes += e->finding == Finding::ArgWriteAfterFree;
    QVERIFY(writes >= 1);
    int sendReturn = 1;
    for (const Event *e : ofKind(tr, EventKind::SyscallReturn))
        if (tr.schedule[e->step - 1].find("SEND unmarshal") != std::string::npos)
            sendReturn = e->errno_;
    QCOMPARE(sendReturn, err::kEINVAL);
}

// argument=srcu: a stale SEND (s1 answers id 0 twice; the id now names
// req#1) completes the request s2 is marshalling outside reqs_lock; s2's
// next argument (the primordial object) fails: the request ends twice,
// reported once; the failure leaves reqs_list and reqs_idr alone (the
// request is off them; its id may be another's by then). It was reported
// twice (by setState and by complete) and unlinked again.
void TestChecks::marshalFailureAfterStaleSend()
{
    const Trace tr = runScenario(
        R"json({"name": "stale-send-mid-marshal", "qtee": {"services": [{"uid": 2033, "ops": {"1": [{"do": "hold", "target": "io:0", "as": "h"}, {"do": "callback", "target": "io:0", "op": 7}, {"do": "return", "result": 0}], "2": [{"do": "callback", "target": "io:0", "op": 8, "ib": [8], "io": ["id:0x80000000"]}, {"do": "return", "result": 0}]}}]}, "processes": [{"name": "app", "threads": [{"name": "c", "program": [{"do": "open", "as": "fd"}, {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"}, {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]}, {"do": "invoke", "fd": "fd", "object": "svc", "op": 2, "io": [{"user": 2}]}, {"do": "exit"}]}, {"name": "s1", "program": [{"do": "wait", "for": "fd"}, {"do": "serve", "fd": "fd", "count": 1, "replies": [{"send_twice": true}]}]}, {"name": "s2", "program": [{"do": "wait", "for": "fd"}, {"do": "serve", "fd": "fd", "count": 1}]}]}], "schedule": ["app/c: open /dev/tee", "app/c: OBJECT_INVOKE ROOT op 32", "app/c: QTEE returns 0", "app/c: OBJECT_INVOKE objref 0 op 1", "app/c: QTEE callback 0x80000001 op 7", "app/s1: SUPPL_RECV", "app/s1: SUPPL_SEND id 0 ret 0", "app/c: dispatch woken (req#0 PROCESSED)", "app/c: callback response 0", "app/c: QTEE returns 0", "app/c: OBJECT_INVOKE objref 0 op 2", "app/c: QTEE callback 0x80000002 op 8", "app/s2: SUPPL_RECV", "app/s1: SUPPL_SEND id 0 ret 0", "app/s2: RECV marshal arg 0 of req#1 (2 args)", "app/s2: RECV marshal arg 1 of req#1 (2 args)"], "policy": "scripted"})json",
        "argument=srcu");
    std::vector<const Event *> twice;
    for (const Event *e : ofKind(tr, EventKind::Violation))
        if (e->invariant == 13)
            twice.push_back(e);
    QCOMPARE(twice.size(), size_t(1));
    QCOMPARE(twice.front()->finding, Finding::RequestEndedTwice);
    QCOMPARE(twice.front()->from, ReqState::PROCESSED);
    QCOMPARE(twice.front()->step, uint64_t(16));
}

// A QTEE callback id holding a reference is shown as the unsigned id it is.
void TestChecks::callbackIdsAreUnsignedHolders()
{
    const Trace tr = runScenario(clientAndSupplicant(""));
    bool seen = false;
    for (const Event &e : tr.events)
        if ((e.kind == EventKind::RefGet || e.kind == EventKind::RefPut) &&
            e.holder == HolderKind::QteeId && e.qteeId != 0) {
            QCOMPARE(e.holderArg, int64_t(e.qteeId));
            QVERIFY(e.holderArg >= 0x80000000LL);
            seen = true;
        }
    QVERIFY(seen);
}

// User space passing an object id as a raw number (issue 7 §4): what the
// driver does with it comes from spec §3.1 and §6.1.
void TestChecks::rawIdsFromUserSpace_data()
{
    QTest::addColumn<QString>("step"); // the program step under test
    QTest::addColumn<int>("errno_");   // its syscall's return
    QTest::addColumn<bool>("reachesQtee");
    QTest::addColumn<bool>("refsMove");
    QTest::newRow("invoke an id never allocated: -EINVAL (§3.1 step 4)")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "id:5", "op": 1})")
        << int(err::kEINVAL) << false << false;
    QTest::newRow("invoke an id above INT_MAX: -EINVAL")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "id:0x80000000", "op": 1})")
        << int(err::kEINVAL) << false << false;
    QTest::newRow("release an id never allocated: 0 (§3.1 step 2, §9 item 11)")
        << QStringLiteral(R"({"do": "release", "fd": "fd", "object": "id:5"})") << 0 << false
        << false;
    QTest::newRow("release an id above INT_MAX: 0 (§9 item 11)")
        << QStringLiteral(R"({"do": "release", "fd": "fd", "object": "id:0x80000000"})") << 0
        << false << false;
    QTest::newRow("an IO of an unknown id: -EINVAL, the user object undone (§3.1 step 5)")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "svc", "op": 1,
                             "io": [{"user": 4}, {"object": "id:5"}]})")
        << int(err::kEINVAL) << false << true;
    QTest::newRow("invoke the raw id of a live object: QTEE is reached")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "id:0", "op": 1})") << 0 << true
        << true;
    // The objref's flags (spec §3.1 step 5): USER, then TEE, then MEM; no
    // recognised flag is -EINVAL (§6.1 "IO objref: ... no flag")
    QTest::newRow("an IO with no flag: -EINVAL, the user object before it undone (§6.1)")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "svc", "op": 1,
                             "io": [{"user": 4}, {"object": "svc", "flags": 0}]})")
        << int(err::kEINVAL) << false << true;
    QTest::newRow("an IO with only an unknown flag bit: -EINVAL")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "svc", "op": 1,
                             "io": [{"user": 5, "flags": 8}]})")
        << int(err::kEINVAL) << false << true; // (the target's get and put)
    QTest::newRow("TEE and an unknown bit: the TEE object")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "svc", "op": 1,
                             "io": [{"object": "svc", "flags": 9}]})")
        << 0 << true << true;
    // TEE_OBJREF_NULL is tested before any flag (spec §2.4)
    QTest::newRow("an IO of id TEE_OBJREF_NULL flagged TEE: the NULL object (§2.4, §3.1 step 5)")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "svc", "op": 1,
                             "io": [{"object": "id:18446744073709551615"}]})")
        << 0 << true << true;
    QTest::newRow("ROOT op 5 with a credential of id TEE_OBJREF_NULL: -EINVAL (§3.1 step 4)")
        << QStringLiteral(R"({"do": "invoke", "fd": "fd", "object": "root", "op": 5,
                             "io": [{"object": "id:0xffffffffffffffff"}], "oo": ["env"]})")
        << int(err::kEINVAL) << false << false;
}

// A supplicant's output objref of id TEE_OBJREF_NULL, whatever its flag, is
// the NULL object (spec §2.4, §3.5 step 4): SEND succeeds and QTEE gets OK
// with a NULL OO.
void TestChecks::nullOutputObjref()
{
    const Trace tr = runScenario(R"({"name": "null-oo",
      "qtee": {"services": [{"uid": 2033, "ops": {"1": [
        {"do": "callback", "target": "io:0", "op": 7, "oo": 1}, {"do": "return", "result": 0}]}}]},
      "processes": [{"name": "app", "threads": [
        {"name": "c", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "exit"}]},
        {"name": "s", "program": [{"do": "wait", "for": "fd"},
          {"do": "serve", "fd": "fd", "count": 1,
           "replies": [{"oo": [{"object": "id:18446744073709551615"}]}]}]}]}]})");
    const auto responses = ofKind(tr, EventKind::SmcCallbackResponse);
    QCOMPARE(responses.size(), size_t(1));
    QCOMPARE(responses.front()->errno_, 0);
    QCOMPARE(responses.front()->value, 0);
    bool sendOk = false;
    for (const Event *e : ofKind(tr, EventKind::SyscallReturn))
        sendOk = sendOk || (tr.schedule[e->step - 1].find("SEND unmarshal") != std::string::npos &&
                            e->errno_ == 0);
    QVERIFY(sendOk);
    QVERIFY(ofKind(tr, EventKind::Violation).empty());
}

void TestChecks::rawIdsFromUserSpace()
{
    QFETCH(QString, step);
    QFETCH(int, errno_);
    QFETCH(bool, reachesQtee);
    QFETCH(bool, refsMove);
    const std::string json = R"({"name": "raw",
      "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {"1": [{"do": "return"}]}}]},
      "processes": [{"name": "app", "threads": [{"name": "t", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        )" + step.toStdString() +
                             R"(,
        {"do": "exit"}]}]}]})";
    const Trace tr = runScenario(json);
    const uint64_t k = 4; // open, open_service (SMC + QTEE's answer), then the step
    QVERIFY(tr.schedule.size() >= k);
    int returned = 1;
    bool smc = false;
    int refs = 0;
    for (const Event &e : tr.events) {
        if (e.step != k && !(reachesQtee && e.step == k + 1))
            continue;
        if (e.kind == EventKind::SyscallReturn)
            returned = e.errno_;
        smc |= e.kind == EventKind::SmcInvoke;
        refs += e.kind == EventKind::RefGet || e.kind == EventKind::RefPut;
    }
    QCOMPARE(smc, reachesQtee);
    QCOMPARE(refs > 0, refsMove);
    QCOMPARE(returned, errno_);
    QVERIFY(ofKind(tr, EventKind::Violation).empty());
}

// Spec §3.1 step 2 and §9 item 11: OBJECT_INVOKE with op 0xFFFF returns 0
// even for an id that is not in the context's idr. gaps=faithful does so and
// flags it (gap 11, naming the thread, the context and the id); gaps=fixed
// refuses it (-EINVAL). A known id is released either way, unflagged.
void TestChecks::releaseUnknownId_data()
{
    QTest::addColumn<QString>("object");
    QTest::addColumn<QString>("gaps");
    QTest::addColumn<int>("errno_");
    QTest::addColumn<int>("flaggedId"); // the id gap 11 names; INT_MIN: no gap
    QTest::newRow("never allocated, faithful")
        << QStringLiteral("id:5") << QStringLiteral("faithful") << 0 << 5;
    QTest::newRow("never allocated, fixed")
        << QStringLiteral("id:5") << QStringLiteral("fixed") << int(err::kEINVAL) << INT_MIN;
    QTest::newRow("above INT_MAX, faithful")
        << QStringLiteral("id:0x80000000") << QStringLiteral("faithful") << 0 << -1;
    QTest::newRow("released twice, faithful")
        << QStringLiteral("svc") << QStringLiteral("faithful") << 0 << 0;
    QTest::newRow("released twice, fixed")
        << QStringLiteral("svc") << QStringLiteral("fixed") << int(err::kEINVAL) << INT_MIN;
}

void TestChecks::releaseUnknownId()
{
    QFETCH(QString, object);
    QFETCH(QString, gaps);
    QFETCH(int, errno_);
    QFETCH(int, flaggedId);
    // "svc" is released once (known: 0, no gap), then a second time
    const std::string first =
        object == QLatin1String("svc") ? R"({"do": "release", "fd": "fd", "object": "svc"},)" : "";
    const std::string json = R"({"name": "raw",
      "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {"1": [{"do": "return"}]}}]},
      "processes": [{"name": "app", "threads": [{"name": "t", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        )" + first + R"({"do": "release", "fd": "fd", "object": ")" +
                             object.toStdString() + R"("},
        {"do": "exit"}]}]}]})";
    const Trace tr = runScenario(json, "gaps=" + gaps.toStdString());
    std::vector<int32_t> releases; // the errno of each release
    for (const Event &e : tr.events)
        if (e.kind == EventKind::SyscallReturn && e.step > 3)
            releases.push_back(e.errno_);
    QVERIFY(!releases.empty());
    QCOMPARE(releases.back(), errno_);
    if (object == QLatin1String("svc"))
        QCOMPARE(releases.front(), 0);
    const auto gapEvents = ofKind(tr, EventKind::Gap);
    QCOMPARE(gapEvents.size(), size_t(flaggedId == INT_MIN ? 0 : 1));
    if (flaggedId != INT_MIN) {
        const Event *g = gapEvents.front();
        QCOMPARE(g->gap, int16_t(11));
        QCOMPARE(g->finding, Finding::ReleaseUnknownId);
        QCOMPARE(g->value, flaggedId);
        QVERIFY(g->thread.valid());
        QVERIFY(g->ctx.valid());
        QVERIFY2(textOf(tr, g).find("returns 0 all the same") != std::string::npos,
                 textOf(tr, g).c_str());
    }
    QVERIFY(ofKind(tr, EventKind::Violation).empty());
}

// QTEE naming a raw wire id as a callback target (a negative test): the
// kernel refuses an id it does not know; the NULL id is reported, since a
// real QTEE never calls it back (spec §8).
void TestChecks::rawIdsFromQtee_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<bool>("noted");
    QTest::newRow("a callback id never allocated") << QStringLiteral("id:0x8000ffff") << false;
    QTest::newRow("the NULL id") << QStringLiteral("id:0x0") << true;
    QTest::newRow("a QTEE object id") << QStringLiteral("id:0x100") << true;
}

void TestChecks::rawIdsFromQtee()
{
    QFETCH(QString, target);
    QFETCH(bool, noted);
    const std::string op = R"([{"do": "callback", "target": ")" + target.toStdString() +
                           R"(", "op": 7}, {"do": "return", "result": 0}])";
    const Trace tr = runScenario(clientAndSupplicant("", {}, op));
    // The callback fails in the kernel (no request is queued) and QTEE hears
    // of it in the callback response; the invocation still completes.
    for (const Event *e : ofKind(tr, EventKind::RequestState))
        QVERIFY(e->op != 7);
    const auto responses = ofKind(tr, EventKind::SmcCallbackResponse);
    QCOMPARE(responses.size(), size_t(1));
    QVERIFY(responses.front()->value != 0);
    bool note = false;
    for (const Event *e : ofKind(tr, EventKind::Note))
        note |= textOf(tr, e).find("a real QTEE never does") != std::string::npos;
    QCOMPARE(note, noted);
    QVERIFY(ofKind(tr, EventKind::Violation).empty());
}

// open_service of a uid no service declares: QTEE refuses it with its real
// result (QCOMTEE_MSG_ERROR_INVALID, 2), the output objref comes back zeroed
// (spec §9 item 10), and a program that goes on uses id 0: no invented id
// appears anywhere.
void TestChecks::openServiceOfNoServiceIsRefusedByQtee()
{
    std::string error;
    auto sc = loadScenarioJson(R"({"name": "no-service",
      "processes": [{"name": "app", "threads": [{"name": "t", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 9999, "as": "svc"},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 1},
        {"do": "exit"}]}]}]})",
                               "test", &error);
    QVERIFY2(sc, error.c_str());
    const Simulator sim(sc);
    RunOptions opts;
    const Trace tr = run(sim, opts, &error);
    QVERIFY2(error.empty(), error.c_str());
    bool refused = false;
    for (const Event &e : tr.events) {
        refused |= e.kind == EventKind::QteeResult && e.value == 2;
        QVERIFY(e.object.v != 2147483647);
    }
    QVERIFY(refused);
    for (const std::string &label : tr.schedule)
        QVERIFY2(label.find("2147483647") == std::string::npos, label.c_str());
    QVERIFY(std::find(tr.schedule.begin(), tr.schedule.end(),
                      "app/t: OBJECT_INVOKE objref 0 op 1") != tr.schedule.end());
}

// The stuck rule (Engine::stuck): someone waits for ever, as opposed to
// idle threads (a supplicant asleep in RECV with nothing queued).
void TestChecks::stuckRule_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<bool>("stuck");
    QTest::addColumn<QString>("who");
    const QString idle = QStringLiteral(R"({"name": "idle", "processes": [{"name": "app",
      "threads": [{"name": "s", "program": [{"do": "open", "as": "fd"},
                                             {"do": "serve", "fd": "fd"}]}]}]})");
    QTest::newRow("a supplicant asleep in RECV is idle") << idle << false << QString();
    const auto client = [](const char *suppl) {
        return QString::fromStdString(std::string(R"({"name": "stuck",
          "qtee": {"services": [{"uid": 2033, "ops": {"1": [
            {"do": "callback", "target": "io:0", "op": 7}, {"do": "return"}]}}]},
          "processes": [{"name": "app", "threads": [
            {"name": "client", "program": [{"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
              {"do": "exit"}]},
            {"name": "suppl", "program": )") +
                                      suppl + "}]}]}");
    };
    QTest::newRow("a client whose request nobody serves")
        << client(R"([{"do": "exit"}])") << true
        << QStringLiteral("app/client waits (killable) for req#0 (ctx1 id 0) (QUEUED)");
    QTest::newRow("a supplicant that exits holding the request")
        << client(R"([{"do": "recv", "fd": "fd"}, {"do": "exit"}])") << true
        << QStringLiteral("(PROCESSING)");
    QTest::newRow("a supplicant that serves it")
        << client(R"([{"do": "serve", "fd": "fd"}])") << false << QString();
}

void TestChecks::stuckRule()
{
    QFETCH(QString, json);
    QFETCH(bool, stuck);
    QFETCH(QString, who);
    const Trace tr = runScenario(json.toStdString());
    QCOMPARE(tr.stop == StopReason::Stuck, stuck);
    QVERIFY2(QString::fromStdString(tr.stopDetail).contains(who), tr.stopDetail.c_str());
}

// QTEE returning the primordial object (a static CB object, spec §2.3) as
// an output: neither a user nor a memory object, "ROOT or an unknown CB
// type gives -EINVAL" (spec §3.1 step 8): the conversion fails, the idr
// insertion of the TEE output before it is undone, and arg.ret is UNAVAIL.
// It was taken as NULL and the invocation succeeded (two audits).
void TestChecks::primordialOutputIsUnavail()
{
    const Trace tr = runScenario(R"({"name": "primordial-out",
      "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {"1": [
        {"do": "return", "result": 0, "outputs": ["service:2033", "id:0x80000000"]}]}}]},
      "processes": [{"name": "app", "threads": [{"name": "client", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "oo": ["a", "b"]},
        {"do": "exit"}]}]}]})");
    const auto returns = returnsOf(tr, ThreadId(0));
    QCOMPARE(returns.size(), size_t(3));
    QCOMPARE(returns[2]->errno_, int32_t(0));
    QCOMPARE(returns[2]->value, int32_t(qres::UNAVAIL));
    // the TEE output got an idr id and lost it again
    const auto added = ofKind(tr, EventKind::IdrAdd);
    const auto removed = ofKind(tr, EventKind::IdrRemove);
    QCOMPARE(added.size(), size_t(2)); // svc, then output a
    QVERIFY(!removed.empty());
    QCOMPARE(removed.front()->step, added.back()->step);
    QVERIFY(ofKind(tr, EventKind::Violation).empty());
}

// A NULL output objref is TEE_OBJREF_NULL in user space (spec §3.1 step 8):
// a program that invokes it reaches ROOT (step 4: that id means ROOT), as a
// real one would. The variable held nothing, which passed an invalid id
// (-EINVAL) instead.
void TestChecks::nullOutputIsObjrefNull()
{
    const Trace tr = runScenario(R"({"name": "null-out",
      "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {"1": [
        {"do": "return", "result": 0, "outputs": [null]}]}}]},
      "processes": [{"name": "app", "threads": [{"name": "client", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "oo": ["n"]},
        {"do": "invoke", "fd": "fd", "object": "n", "op": 32, "ib": [4], "ib_value": 2033,
         "oo": ["again"]},
        {"do": "exit"}]}]}]})");
    const auto returns = returnsOf(tr, ThreadId(0));
    QCOMPARE(returns.size(), size_t(4));
    QCOMPARE(returns[2]->errno_, int32_t(0));
    QCOMPARE(returns[2]->value, int32_t(0));
    // ROOT op 0x20 opened the service again
    QCOMPARE(returns[3]->errno_, int32_t(0));
    QCOMPARE(returns[3]->value, int32_t(0));
    QCOMPARE(ofKind(tr, EventKind::IdrAdd).size(), size_t(2));
}

// qcomtee_release destroys both idrs, then frees the context data (spec
// §2.2 step 4): a placeholder leaves reqs_idr before context_data_freed.
void TestChecks::contextDataFreedAfterItsIdrs()
{
    std::string error;
    auto sc = loadBuiltin("kill-while-processing", &error);
    QVERIFY2(sc, error.c_str());
    const Simulator simulator(sc);
    const Trace tr = run(simulator, RunOptions{}, &error);
    QVERIFY2(error.empty(), error.c_str());
    int64_t removedAt = -1, freedAt = -1;
    for (size_t i = 0; i < tr.events.size(); ++i) {
        const Event &e = tr.events[i];
        if (e.kind == EventKind::RequestState && e.from == ReqState::Placeholder &&
            e.to == ReqState::Removed)
            removedAt = int64_t(i);
        if (e.kind == EventKind::ContextDataFreed && e.ctx == ContextId(1))
            freedAt = int64_t(i);
    }
    QVERIFY(removedAt >= 0);
    QVERIFY(freedAt > removedAt);
}

// lifetime=kref has two counts on a context: the tee_context's and the
// RFC's ref_cnt of its data. Their events said "ctx1 refcount 1 -> 0" alike
// (a reviewer could not tell which went to zero); the data's say so. Under
// the merged design there is one count, named as before.
void TestChecks::krefCountsAreNamed()
{
    const auto texts = [](const char *variant) {
        std::string error;
        auto sc = loadBuiltin("callback-after-close", &error);
        Variant v = sc->variant;
        if (!v.set(variant).empty())
            qFatal("bad variant %s", variant);
        const Simulator sim(sc, v);
        const Trace tr = run(sim, RunOptions{}, &error);
        std::vector<std::string> out;
        for (const Event &e : tr.events)
            if (e.kind == EventKind::ContextPut && e.ctx == ContextId(1))
                out.push_back(vocab::eventText(sim, e));
        return out;
    };
    const std::vector<std::string> kref = texts("lifetime=kref");
    // (the data's first reference is the context's own, dropped by
    // qcomtee_release: it was named after the file, closed long before)
    QVERIFY(std::any_of(kref.begin(), kref.end(), [](const std::string &t) {
        return t == "ctx1 data ref_cnt 2 -> 1 (put by the context)";
    }));
    QVERIFY(std::any_of(kref.begin(), kref.end(), [](const std::string &t) {
        return t.rfind("ctx1 data ref_cnt 1 -> 0 (put by user obj", 0) == 0;
    }));
    QVERIFY(std::any_of(kref.begin(), kref.end(),
                        [](const std::string &t) { return t.rfind("ctx1 refcount ", 0) == 0; }));
    for (const std::string &t : texts("lifetime=ctxref"))
        QVERIFY2(t.rfind("ctx1 refcount ", 0) == 0, t.c_str());
}

// Gap 4's finding was named send_too_many_params before model version 16
// (the SEND has too few): captures that say so still read.
void TestChecks::shortSendFindingKeepsItsOldName()
{
    Finding f = Finding::None;
    QVERIFY(vocab::parseFinding("send_too_few_params", f));
    QCOMPARE(f, Finding::SendTooFewParams);
    f = Finding::None;
    QVERIFY(vocab::parseFinding("send_too_many_params", f));
    QCOMPARE(f, Finding::SendTooFewParams);
    QCOMPARE(std::string(vocab::findingName(f)), std::string("send_too_few_params"));
}

// An I6 RELEASE notification attempt is made by qcomtee_user_object_release
// whichever step's put was the last (QTEE's answer, close_context...): the
// summary said "at qcomtee_object_do_invoke_internal [core.c] (spec §3.2)"
// for one and "(spec §3.1)" for the next (a reviewer's reading).
void TestChecks::notificationAfterFreeIsPlacedInTheRelease()
{
    Event e;
    e.kind = EventKind::Violation;
    e.invariant = 6;
    e.finding = Finding::NotifyAfterFree;
    for (const vocab::Verb v :
         {vocab::Verb::QteeReturns, vocab::Verb::QteeCallback, vocab::Verb::CloseObjects}) {
        const std::string where = vocab::driverRefText(vocab::findingWhere(e, v));
        QVERIFY2(where.find("qcomtee_user_object_release [user_obj.c]") != std::string::npos,
                 where.c_str());
    }
}

QTEST_GUILESS_MAIN(TestChecks)
#include "tst_checks.moc"
