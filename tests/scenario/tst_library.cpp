// The built-in scenario library (resources/scenarios): every built-in runs
// under every variant value and every policy without crashing or hanging,
// violates only the invariants its variant is known to break, and shows what
// its description claims (request transitions, errnos, kills, violations).
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QRegularExpression>
#include <QStringList>
#include <QTest>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

using namespace tee;
using namespace tee::sim;

namespace {

constexpr uint64_t kMaxSteps = 20000;

// Every built-in this test knows a claim for. A new scenario file must get a
// claim here (everyBuiltinHasAClaim).
const char *const kScenarios[] = {
    "callback-after-close",
    "close-context-async-release",
    "default",
    "device-removal",
    "fifo-delivery",
    "fifo-delivery-two-clients",
    "first-smc-fails",
    "kill-after-processed",
    "kill-while-processing",
    "kill-while-queued",
    "memory-object-map",
    "missed-wakeup",
    "multiple-supplicants",
    "out-of-order-completion",
    "release-notification",
    "release-retry",
    "release-worker-blocked",
    "request-id-reuse",
    "same-process-client-and-supplicant",
    "send-after-client-killed",
    "srcu-vs-lock",
    "stress",
    "supplicant-buffer-too-small",
    "supplicant-exits-holding",
    "three-clients-two-supplicants",
};

// Each variant value once with the rest merged, plus a few combinations.
const char *const kVariants[] = {
    "",
    "request=fifo",
    "request=idr",
    "argument=lock",
    "argument=srcu",
    "argument=none",
    "lifetime=ctxref",
    "lifetime=kref",
    "lifetime=none",
    "gaps=faithful",
    "gaps=fixed",
    "argument=srcu,lifetime=kref,gaps=fixed",
    "request=idr,argument=none,lifetime=none,gaps=fixed",
};

// "own": the scenario's policy and fixed schedule, as `teescope-cli run NAME`
// does. An explicit policy ignores the schedule, as `--policy` does.
const char *const kPolicies[] = {"own", "scripted", "round-robin", "random", "timed"};

Variant parseVariant(const std::string &list, const Variant &base)
{
    Variant v = base;
    size_t at = 0;
    while (at < list.size()) {
        const size_t comma = list.find(',', at);
        const std::string one =
            list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        const std::string error = v.set(one);
        if (!error.empty())
            qFatal("bad variant in the test table: %s", error.c_str());
        if (comma == std::string::npos)
            break;
        at = comma + 1;
    }
    return v;
}

// One finished run. The Simulator is the trace's Environment (names), so it
// lives as long as the trace is read.
struct Run
{
    std::shared_ptr<const Scenario> scenario;
    std::unique_ptr<Simulator> sim;
    Variant variant;
    Trace trace;
    std::string error;

    ThreadId thread(const std::string &name) const
    {
        for (int32_t i = 0; i < scenario->threadCount(); ++i)
            if (sim->threadName(ThreadId(i)) == name)
                return ThreadId(i);
        qFatal("no thread %s in %s", name.c_str(), scenario->name.c_str());
    }
    ThreadId worker() const { return ThreadId(scenario->threadCount()); }
    ProcessId process(const std::string &name) const
    {
        for (size_t i = 0; i < scenario->processes.size(); ++i)
            if (scenario->processes[i].name == name)
                return ProcessId(int32_t(i));
        qFatal("no process %s in %s", name.c_str(), scenario->name.c_str());
    }

    std::vector<const Event *> events(EventKind kind) const
    {
        std::vector<const Event *> out;
        for (const Event &e : trace.events)
            if (e.kind == kind)
                out.push_back(&e);
        return out;
    }
    std::vector<const Event *> events(EventKind kind, ThreadId t) const
    {
        std::vector<const Event *> out;
        for (const Event &e : trace.events)
            if (e.kind == kind && e.thread == t)
                out.push_back(&e);
        return out;
    }
    // The first event of a kind matching a predicate, or nullptr.
    template <class Pred>
    const Event *first(EventKind kind, Pred pred) const
    {
        for (const Event &e : trace.events)
            if (e.kind == kind && pred(e))
                return &e;
        return nullptr;
    }

    // Invariant -> number of violations.
    std::map<int, int> violations() const
    {
        std::map<int, int> out;
        for (const Event &e : trace.events)
            if (e.kind == EventKind::Violation)
                out[e.invariant]++;
        return out;
    }
    QString violationList() const
    {
        QStringList out;
        for (const auto &[inv, count] : violations())
            out << QStringLiteral("I%1 x%2").arg(inv).arg(count);
        return out.join(QStringLiteral(", "));
    }

    // Each request's life as "QUEUED>PROCESSING>PROCESSED(0)", in the order
    // the requests were created, for those whose enqueue (T1) matches.
    template <class Pred>
    QStringList paths(Pred pred) const
    {
        std::vector<RequestId> order;
        std::map<int32_t, QString> path;
        for (const Event &e : trace.events) {
            if (e.kind != EventKind::RequestState)
                continue;
            if (e.from == ReqState::New) {
                if (!pred(e))
                    continue;
                order.push_back(e.request);
                path[e.request.v] = QString::fromLatin1(reqStateName(e.to));
                continue;
            }
            auto it = path.find(e.request.v);
            if (it == path.end())
                continue;
            it->second += QLatin1Char('>') + QString::fromLatin1(reqStateName(e.to));
            if (e.to == ReqState::PROCESSED)
                it->second += QLatin1Char('(') + QString::fromStdString(errnoName(e.errno_)) +
                              QLatin1Char(')');
        }
        QStringList out;
        for (RequestId r : order)
            out << path[r.v];
        return out;
    }
    QStringList pathsOfOp(uint32_t op) const
    {
        return paths([op](const Event &e) { return e.op == op; });
    }

    // The errnos a thread's dispatches returned, in order.
    QStringList dispatchErrnos(ThreadId t) const
    {
        QStringList out;
        for (const Event *e : events(EventKind::DispatchReturn, t))
            out << QString::fromStdString(errnoName(e->errno_));
        return out;
    }
    // The wire results a thread sent back to QTEE, in order.
    QStringList callbackResults(ThreadId t) const
    {
        QStringList out;
        for (const Event *e : events(EventKind::SmcCallbackResponse, t))
            out << QString::fromStdString(qteeResultName(e->value));
        return out;
    }
    // Errnos a thread's syscalls of one kind returned, in order.
    QStringList syscallErrnos(ThreadId t, SyscallKind kind) const
    {
        QStringList out;
        for (const Event *e : events(EventKind::SyscallReturn, t))
            if (e->op == uint32_t(kind))
                out << QString::fromStdString(errnoName(e->errno_));
        return out;
    }
    int syscalls(ThreadId t, SyscallKind kind) const
    {
        int n = 0;
        for (const Event *e : events(EventKind::SyscallEnter, t))
            n += e->op == uint32_t(kind);
        return n;
    }
};

std::unique_ptr<Run> runBuiltin(const std::string &name, const std::string &variant,
                                const std::string &policy, uint64_t maxSteps = kMaxSteps)
{
    auto r = std::make_unique<Run>();
    std::string error;
    r->scenario = loadBuiltin(name, &error);
    if (!r->scenario)
        qFatal("cannot load built-in %s: %s", name.c_str(), error.c_str());
    r->variant = parseVariant(variant, r->scenario->variant);
    r->sim = std::make_unique<Simulator>(r->scenario, r->variant);
    RunOptions opts;
    // The timed policy tries each step on a copy of the state: keep its
    // endless runs (stress) short enough for the sanitizer suite.
    opts.maxSteps = policy == "timed" ? std::min<uint64_t>(maxSteps, 2000) : maxSteps;
    opts.seed = r->scenario->seed;
    if (policy == "own") {
        opts.policy = r->scenario->policy;
    } else {
        opts.policy = *parsePolicy(policy);
        opts.useSchedule = false;
    }
    r->trace = run(*r->sim, opts, &r->error);
    return r;
}

// Invariants a variant is known to break (spec §5): the RFC's idr scan is
// not FIFO (I9); no argument protection lets a killed client free what a
// supplicant reads (I12), and an IO object whose marshalling is skipped then
// leaks (I2); freeing the context data at close breaks I6.
std::set<int> unsafeInvariants(const Variant &v)
{
    std::set<int> out;
    if (v.request == RequestVariant::Idr)
        out.insert(9);
    if (v.argument == ArgumentVariant::None)
        out.insert(12);
    if (v.lifetime == LifetimeVariant::None)
        out.insert(6);
    return out;
}

// Violations a scenario provokes on purpose: request-id-reuse's double SEND
// (I11, every variant); kill-while-queued's callback IO object that no one
// puts (§9 item 2) unless the gap is fixed (I2); release-retry's dropped
// RELEASE (§9 item 5) unless the gap is fixed (I5).
std::set<int> intendedInvariants(const std::string &name, const Variant &v)
{
    if (name == "request-id-reuse")
        return {11};
    // an unbind before the client's open_service: the new wrapper takes a
    // reference on the released driver context (I1 ctx_get_freed)
    if (name == "device-removal")
        return {1};
    if (name == "kill-while-queued" && v.gaps == GapsVariant::Faithful)
        return {2};
    // first-smc-fails' callback id left behind by a failed first SMC (§9
    // item 3) names the freed object (I4)
    if (name == "first-smc-fails" && v.gaps == GapsVariant::Faithful)
        return {4};
    // release-retry's RELEASE lost to §9 item 5: QTEE keeps a reference (I5)
    if (name == "release-retry" && v.gaps == GapsVariant::Faithful)
        return {5};
    return {};
}

// Scenarios whose description documents that a run may end stuck or at the
// step bound, and under which policies.
bool mayBeStuck(const std::string &name, const std::string &policy)
{
    return (name == "multiple-supplicants" && policy == "random") || name == "missed-wakeup";
}
bool endless(const std::string &name, const std::string &policy)
{
    (void)policy;
    return name == "stress";
}

} // namespace

class TestLibrary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyBuiltinHasAClaim();
    void descriptions();
    void runsCleanly_data();
    void runsCleanly();
    void claims_data();
    void claims();
    void stressHasBoundedState();
    void recvBufferOfAnySize_data();
    void recvBufferOfAnySize();
    void grownBufferIsTheStepsOwn();
};

void TestLibrary::everyBuiltinHasAClaim()
{
    std::set<std::string> known(std::begin(kScenarios), std::end(kScenarios));
    std::set<std::string> builtins;
    for (const BuiltinInfo &info : builtinScenarios())
        builtins.insert(info.name);
    for (const std::string &name : builtins)
        QVERIFY2(known.count(name), ("no claim in tst_library for built-in " + name).c_str());
    for (const std::string &name : known)
        QVERIFY2(builtins.count(name), ("built-in scenario missing: " + name).c_str());
}

// A TEE reviewer must be able to tell from the description what happens,
// which spec section it shows and what to look for.
void TestLibrary::descriptions()
{
    static const QRegularExpression specRef(QStringLiteral("spec §\\d"),
                                            QRegularExpression::CaseInsensitiveOption);
    for (const BuiltinInfo &info : builtinScenarios()) {
        const QString d = QString::fromStdString(info.description);
        const QByteArray name = QByteArray::fromStdString(info.name);
        QVERIFY2(d.size() > 200, name.constData());
        QVERIFY2(info.title.size() <= 200, name.constData());
        QVERIFY2(specRef.match(d).hasMatch(), name.constData());
        if (info.name != "default" && info.name != "stress")
            QVERIFY2(d.contains(QLatin1String("What to look for")), name.constData());
        // A built-in that can end stuck says so (mayBeStuck).
        if (mayBeStuck(info.name, "random"))
            QVERIFY2(d.contains(QLatin1String("stuck")), name.constData());
    }
}

void TestLibrary::runsCleanly_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("policy");
    for (const char *name : kScenarios)
        for (const char *variant : kVariants)
            for (const char *policy : kPolicies)
                QTest::addRow("%s %s %s", name, *variant ? variant : "merged", policy)
                    << QString::fromLatin1(name) << QString::fromLatin1(variant)
                    << QString::fromLatin1(policy);
}

// No crash, a legitimate stop, and only the violations the variant (or the
// scenario, on purpose) is known to cause.
void TestLibrary::runsCleanly()
{
    QFETCH(QString, name);
    QFETCH(QString, variant);
    QFETCH(QString, policy);
    const auto r = runBuiltin(name.toStdString(), variant.toStdString(), policy.toStdString());
    QVERIFY2(r->error.empty(), r->error.c_str()); // the fixed schedule applies in every variant
    const StopReason stop = r->trace.stop;
    if (stop == StopReason::Stuck)
        QVERIFY2(mayBeStuck(name.toStdString(), policy.toStdString()), r->trace.stopDetail.c_str());
    QVERIFY2(stop != StopReason::ScheduleEnd, stopReasonName(stop));
    if (stop == StopReason::MaxSteps)
        QVERIFY2(endless(name.toStdString(), policy.toStdString()), "did not finish");
    if (endless(name.toStdString(), policy.toStdString()) && name == QLatin1String("stress"))
        QCOMPARE(stop, StopReason::MaxSteps);
    QCOMPARE(uint64_t(r->trace.schedule.size()), r->trace.final.step);
    QVERIFY(r->trace.final.step <= kMaxSteps);

    std::set<int> allowed = unsafeInvariants(r->variant);
    const std::set<int> intended = intendedInvariants(name.toStdString(), r->variant);
    allowed.insert(intended.begin(), intended.end());
    uint64_t count = 0;
    for (const auto &[inv, n] : r->violations()) {
        QVERIFY2(allowed.count(inv),
                 qPrintable(QStringLiteral("unexpected violations: ") + r->violationList()));
        count += uint64_t(n);
    }
    QCOMPARE(r->trace.violations, count);
    for (const Event *e : r->events(EventKind::Violation))
        QVERIFY(e->finding != Finding::None);
    // Steps only move forward; each thread's time too (threads have their
    // own clocks: tst_concurrency checks the rest of the time model).
    std::map<int32_t, int64_t> clock;
    for (size_t i = 1; i < r->trace.events.size(); ++i)
        QVERIFY(r->trace.events[i].step >= r->trace.events[i - 1].step);
    for (const StepSpan &s : r->trace.spans) {
        QVERIFY(s.endNs >= s.startNs);
        if (s.actor.valid()) {
            QVERIFY(s.startNs >= clock[s.actor.v]);
            clock[s.actor.v] = s.endNs;
        }
    }
}

void TestLibrary::claims_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("variant");
    for (const char *name : kScenarios)
        for (const char *variant : kVariants)
            QTest::addRow("%s %s", name, *variant ? variant : "merged")
                << QString::fromLatin1(name) << QString::fromLatin1(variant);
}

namespace {

const QString kENODEV = QStringLiteral("ENODEV");
const QString kOK = QStringLiteral("OK");
const QString kDEFUNCT = QStringLiteral("DEFUNCT");
constexpr uint32_t kRelease = QCOMTEE_MSG_OBJECT_OP_RELEASE;

// Only the listed invariants are violated (each at least once), or none.
void expectViolations(const Run &r, std::set<int> expected)
{
    std::set<int> got;
    for (const auto &[inv, n] : r.violations())
        got.insert(inv);
    QVERIFY2(got == expected, qPrintable(QStringLiteral("violations: ") + r.violationList()));
}

std::set<int> onlyIf(bool cond, int inv)
{
    return cond ? std::set<int>{inv} : std::set<int>{};
}

void claimDefault(const Run &r)
{
    const ThreadId client = r.thread("app/client");
    QCOMPARE(r.pathsOfOp(7), QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    QCOMPARE(r.pathsOfOp(kRelease), QStringList{QStringLiteral("QUEUED>PROCESSING>REMOVED")});
    QCOMPARE(r.dispatchErrnos(client), QStringList{QStringLiteral("0")});
    QCOMPARE(r.callbackResults(client), QStringList{kOK});
    QCOMPARE(r.syscalls(r.thread("app/suppl"), SyscallKind::SupplSend), 1);
    QCOMPARE(r.events(EventKind::WorkDone).size(), size_t(1));
    expectViolations(r, {});
}

void claimKillWhileQueued(const Run &r)
{
    const ThreadId client = r.thread("app/client");
    const ThreadId suppl = r.thread("app/suppl");
    QCOMPARE(r.events(EventKind::Killed).size(), size_t(1));
    // T7: the client removes its own request; the supplicant never sees it.
    QCOMPARE(r.pathsOfOp(2), QStringList{QStringLiteral("QUEUED>REMOVED")});
    QCOMPARE(r.dispatchErrnos(client), QStringList{kENODEV});
    QCOMPARE(r.callbackResults(client), QStringList{kDEFUNCT});
    QVERIFY(!r.first(EventKind::RequestState,
                     [&](const Event &e) { return e.thread == suppl && e.op == 2; }));
    // The supplicant was waiting in RECV: a spurious wake-up, then -ERESTARTSYS.
    QVERIFY(r.first(EventKind::Woken, [&](const Event &e) {
        return e.thread == suppl && e.value == int32_t(BlockReason::ReqC);
    }));
    QCOMPARE(r.syscallErrnos(suppl, SyscallKind::SupplRecv),
             QStringList{QStringLiteral("ERESTARTSYS")});
    // §9 item 2: the request's IO object leaks unless the gap is fixed.
    const bool faithful = r.variant.gaps == GapsVariant::Faithful;
    QCOMPARE(bool(r.first(EventKind::Gap, [](const Event &e) { return e.gap == 2; })), faithful);
    size_t liveTee = 0;
    for (const KObject &o : r.trace.final.objects)
        liveTee += o.type == ObjectType::TEE;
    QCOMPARE(liveTee, size_t(faithful ? 1 : 0));
    QVERIFY(r.first(EventKind::ContextClosed, [](const Event &) { return true; }));
    std::set<int> expected = onlyIf(r.variant.lifetime == LifetimeVariant::None, 6);
    if (faithful) {
        // The leaked wrapper never reaches its last put: I2, reported once.
        const Event *leak =
            r.first(EventKind::Violation, [](const Event &e) { return e.invariant == 2; });
        QVERIFY(leak);
        QCOMPARE(r.violations().at(2), 1);
        QCOMPARE(leak->holder, HolderKind::CallbackArg);
        expected.insert(2);
    }
    expectViolations(r, expected);
}

// §7 case 7: the supplicant exits after RECV, the request stays PROCESSING
// and the client waits until the reaper kills it (T8, -ENODEV).
void claimSupplicantExitsHolding(const Run &r)
{
    const ThreadId client = r.thread("app/client");
    const ThreadId suppl = r.thread("app/suppl");
    QCOMPARE(r.syscalls(suppl, SyscallKind::SupplSend), 0);
    QCOMPARE(r.pathsOfOp(7), QStringList{QStringLiteral("QUEUED>PROCESSING>PLACEHOLDER>REMOVED")});
    // The client is still waiting when the supplicant is gone...
    const Event *exited =
        r.first(EventKind::ThreadExit, [&](const Event &e) { return e.thread == suppl; });
    const Event *killed = r.first(EventKind::Killed, [](const Event &) { return true; });
    QVERIFY(exited && killed);
    QVERIFY(exited->step < killed->step);
    // ... and only the kill ends its wait.
    QCOMPARE(r.dispatchErrnos(client), QStringList{kENODEV});
    QCOMPARE(r.callbackResults(client), QStringList{kDEFUNCT});
    // No callback reaches the object after its context went (lifetime=none
    // makes no difference here).
    expectViolations(r, {});
}

void claimKillWhileProcessing(const Run &r)
{
    const ThreadId client = r.thread("app/client");
    const ThreadId suppl = r.thread("app/suppl");
    // T8: the placeholder keeps id 0; the next callback gets id 1 (I10) and T7.
    QCOMPARE(r.pathsOfOp(3), QStringList{QStringLiteral("QUEUED>PROCESSING>PLACEHOLDER>REMOVED")});
    QCOMPARE(r.pathsOfOp(4), QStringList{QStringLiteral("QUEUED>REMOVED")});
    const Event *second = r.first(EventKind::RequestState, [](const Event &e) {
        return e.op == 4 && e.to == ReqState::QUEUED;
    });
    QVERIFY(second);
    QCOMPARE(second->reqId, 1);
    QCOMPARE(r.dispatchErrnos(client), (QStringList{kENODEV, kENODEV}));
    QCOMPARE(r.callbackResults(client), (QStringList{kDEFUNCT, kDEFUNCT}));
    QCOMPARE(r.syscalls(suppl, SyscallKind::SupplSend), 0);
    // The placeholder is not on reqs_list: close_context leaves it, and it
    // goes only when the context data is freed (qcomtee_release).
    const Event *closed =
        r.first(EventKind::ContextClosed, [](const Event &e) { return e.ctx == ContextId(1); });
    const Event *freed =
        r.first(EventKind::ContextDataFreed, [](const Event &e) { return e.ctx == ContextId(1); });
    const Event *gone = r.first(EventKind::RequestState,
                                [](const Event &e) { return e.from == ReqState::Placeholder; });
    QVERIFY(closed && freed && gone);
    QCOMPARE(gone->to, ReqState::Removed);
    QVERIFY(gone->step >= freed->step);
    if (r.variant.lifetime != LifetimeVariant::None)
        QVERIFY(gone->step > closed->step);
    expectViolations(r, onlyIf(r.variant.lifetime == LifetimeVariant::None, 6));
}

// Client and supplicant in different processes: T8 then T9, SEND -EINVAL.
void claimSendAfterClientKilled(const Run &r)
{
    const ThreadId client = r.thread("client/main");
    const ThreadId server = r.thread("server/main");
    QCOMPARE(r.pathsOfOp(3), QStringList{QStringLiteral("QUEUED>PROCESSING>PLACEHOLDER>REMOVED")});
    QCOMPARE(r.dispatchErrnos(client), QStringList{kENODEV});
    QCOMPARE(r.callbackResults(client), QStringList{kDEFUNCT});
    // the server's SEND finds the placeholder: -EINVAL, and the id is freed
    QCOMPARE(r.syscallErrnos(server, SyscallKind::SupplSend),
             QStringList{QStringLiteral("EINVAL")});
    const Event *t9 = r.first(EventKind::RequestState,
                              [](const Event &e) { return e.from == ReqState::Placeholder; });
    QVERIFY(t9);
    QCOMPARE(t9->thread, server);
    // the request lives on the server's context, not on the caller's
    const Event *queued =
        r.first(EventKind::RequestState, [](const Event &e) { return e.to == ReqState::QUEUED; });
    QVERIFY(queued);
    QCOMPARE(queued->ctx, ContextId(1));
    expectViolations(r, onlyIf(r.variant.lifetime == LifetimeVariant::None, 6));
}

// A MEM objref becomes a memory object; MAP_REGION adds the mapping
// reference with its own callback id; everything is given back.
void claimMemoryObjectMap(const Run &r)
{
    const Event *created = r.first(EventKind::ObjectCreated,
                                   [](const Event &e) { return e.objectType == ObjectType::Mem; });
    QVERIFY(created);
    const ObjectId mem = created->object;
    int peak = 0;
    std::set<uint32_t> ids;
    for (const Event &e : r.trace.events) {
        if ((e.kind == EventKind::RefGet || e.kind == EventKind::RefPut) && e.object == mem)
            peak = std::max(peak, e.refcount);
        if (e.kind == EventKind::XaAlloc && e.object == mem)
            ids.insert(e.qteeId);
    }
    QCOMPARE(peak, 4);            // QTEE copy + driver copy + callback IO + mapping
    QCOMPARE(int(ids.size()), 2); // the object and its mapping, one id each
    const Event *map = r.first(EventKind::QteeCallback, [](const Event &e) {
        return e.qteeId == QCOMTEE_OBJECT_PRIMORDIAL;
    });
    QVERIFY(map);
    QCOMPARE(map->op, 0u); // MAP_REGION
    QVERIFY(r.first(EventKind::ObjectFreed, [&](const Event &e) { return e.object == mem; }));
    QVERIFY(r.trace.final.objects.empty());
    QVERIFY(r.trace.final.shms.empty());
    // lifetime=none frees the context data at close, before the process
    // exit frees the tee_shm (I6's last clause); the RFC's kref drops the
    // data's first reference in the context's release, after it, as the
    // merged design frees the data there
    expectViolations(r, onlyIf(r.variant.lifetime == LifetimeVariant::None, 6));
}

// A failed RELEASE SMC after SHARED: dropped (gap 5, I5 leak); fixed: retried.
void claimReleaseRetry(const Run &r)
{
    const bool fixed = r.variant.gaps == GapsVariant::Fixed;
    QCOMPARE(int(r.events(EventKind::WorkRequeued).size()), fixed ? 1 : 0);
    QCOMPARE(int(r.events(EventKind::Gap).size()), fixed ? 0 : 1);
    // every wrapper is freed either way; only QTEE's count tells the leak
    QCOMPARE(int(r.events(EventKind::WorkDone).size()), 2);
    QVERIFY(r.trace.final.objects.empty());
    expectViolations(r, onlyIf(!fixed, 5));
}

void claimFirstSmcFails(const Run &r)
{
    const bool fixed = r.variant.gaps == GapsVariant::Fixed;
    const ThreadId client = r.thread("app/client");
    // open_service, the failed invocation (the SCM error, not -ENODEV), the
    // second one, the release
    QCOMPARE(r.syscallErrnos(client, SyscallKind::Invoke),
             (QStringList{QStringLiteral("0"), QStringLiteral("EIO"), QStringLiteral("0"),
                          QStringLiteral("0")}));
    QCOMPARE(int(r.events(EventKind::SmcFailed).size()), 1);
    // QTEE saw only the second invocation: one callback, answered OK
    QCOMPARE(r.callbackResults(client), QStringList{kOK});
    const auto gaps = r.events(EventKind::Gap);
    QCOMPARE(int(gaps.size()), fixed ? 0 : 1);
    if (!fixed) {
        QCOMPARE(gaps.front()->finding, Finding::XaIdLeft);
        QCOMPARE(gaps.front()->qteeId, 0x80000001u);
    }
    // the id is erased with the copy only when the gap is fixed; the second
    // invocation's object gets the next id either way
    const Event *failed = r.first(EventKind::SmcFailed, [](const Event &) { return true; });
    QVERIFY(failed);
    const Event *erased = r.first(EventKind::XaErase, [&](const Event &e) {
        return e.qteeId == 0x80000001u && e.step == failed->step;
    });
    QCOMPARE(erased != nullptr, fixed);
    QVERIFY(r.first(EventKind::XaAlloc, [](const Event &e) { return e.qteeId == 0x80000002u; }));
    QVERIFY(r.trace.final.objects.empty());
    expectViolations(r, onlyIf(!fixed, 4));
}

void claimKillAfterProcessed(const Run &r)
{
    const ThreadId client = r.thread("app/client");
    // The supplicant's answer is kept: 0, not -ENODEV; the next callback is T7.
    QCOMPARE(r.pathsOfOp(3), QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    QCOMPARE(r.pathsOfOp(4), QStringList{QStringLiteral("QUEUED>REMOVED")});
    QCOMPARE(r.dispatchErrnos(client), (QStringList{QStringLiteral("0"), kENODEV}));
    QCOMPARE(r.callbackResults(client), (QStringList{kOK, kDEFUNCT}));
    const Event *killed = r.first(EventKind::Killed, [](const Event &) { return true; });
    const Event *processed = r.first(EventKind::RequestState, [](const Event &e) {
        return e.op == 3 && e.to == ReqState::PROCESSED;
    });
    QVERIFY(killed && processed);
    QVERIFY(killed->step > processed->step);
    // srcu makes the killed client wait for the supplicant's SEND.
    QCOMPARE(!r.events(EventKind::SynchronizeSrcu).empty(),
             r.variant.argument == ArgumentVariant::Srcu);
    expectViolations(r, onlyIf(r.variant.argument == ArgumentVariant::None, 12));
}

void claimSameProcess(const Run &r)
{
    const ThreadId client = r.thread("app/client");
    const ThreadId server = r.thread("app/server");
    // Both threads wait for a supplicant of their own context: only the kill ends it.
    QCOMPARE(r.pathsOfOp(5), QStringList{QStringLiteral("QUEUED>REMOVED")});
    QCOMPARE(r.pathsOfOp(6), QStringList{QStringLiteral("QUEUED>REMOVED")});
    const Event *killed = r.first(EventKind::Killed, [](const Event &) { return true; });
    QVERIFY(killed);
    QCOMPARE(killed->process, r.process("app"));
    QCOMPARE(killed->thread, r.thread("admin/shell")); // a kill(2) from user space
    for (ThreadId t : {client, server}) {
        QCOMPARE(r.dispatchErrnos(t), QStringList{kENODEV});
        QCOMPARE(r.callbackResults(t), QStringList{kDEFUNCT});
        const Event *ret = r.events(EventKind::DispatchReturn, t).front();
        QVERIFY(ret->step > killed->step);
    }
    QVERIFY(r.first(EventKind::ProcessExit,
                    [&](const Event &e) { return e.process == r.process("app"); }));
    QVERIFY(r.trace.final.contexts.at(1).dataFreed);
    expectViolations(r, {});
}

void claimBufferTooSmall(const Run &r)
{
    const ThreadId suppl = r.thread("app/suppl");
    const ThreadId client = r.thread("app/client");
    // One -EINVAL per callback (alignment, then parameter count); the
    // requests never leave QUEUED until the retry takes them.
    const QStringList recv = r.syscallErrnos(suppl, SyscallKind::SupplRecv);
    QCOMPARE(recv.count(QStringLiteral("EINVAL")), 2);
    QCOMPARE(recv.first(), QStringLiteral("EINVAL"));
    QCOMPARE(r.pathsOfOp(7), QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    QCOMPARE(r.pathsOfOp(8), QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    QCOMPARE(r.dispatchErrnos(client), (QStringList{QStringLiteral("0"), QStringLiteral("0")}));
    for (const Event *e : r.events(EventKind::SyscallReturn, client))
        QCOMPARE(e->errno_, 0);
    expectViolations(r, {});
}

// Every request is delivered, a reused id is queued after a higher one, and
// deliveries follow the enqueue order exactly when RECV takes reqs_list's
// first entry: `requests` invocations and notifications in all, and
// `idrViolations` I9 findings under request=idr (the counts the
// description quotes).
void claimFifo(const Run &r, size_t requests, int idrViolations)
{
    // Enqueue order vs delivery order of every request of app's context.
    std::vector<int32_t> queued, delivered;
    for (const Event &e : r.trace.events) {
        if (e.kind != EventKind::RequestState)
            continue;
        if (e.to == ReqState::QUEUED)
            queued.push_back(e.request.v);
        if (e.to == ReqState::PROCESSING)
            delivered.push_back(e.request.v);
    }
    QCOMPARE(queued.size(), delivered.size()); // every request is delivered
    QCOMPARE(queued.size(), requests);         // invocations + their notifications
    // A reused id was queued after a higher one.
    bool reuse = false;
    for (size_t i = 0; i < queued.size() && !reuse; ++i)
        for (size_t j = i + 1; j < queued.size(); ++j) {
            const Event *a = r.first(EventKind::RequestState, [&](const Event &e) {
                return e.request.v == queued[i] && e.to == ReqState::QUEUED;
            });
            const Event *b = r.first(EventKind::RequestState, [&](const Event &e) {
                return e.request.v == queued[j] && e.to == ReqState::QUEUED;
            });
            if (b->reqId < a->reqId && b->step > a->step) {
                reuse = true;
                break;
            }
        }
    QVERIFY(reuse);
    const bool idr = r.variant.request == RequestVariant::Idr;
    QCOMPARE(queued == delivered, !idr);
    if (idr)
        QCOMPARE(r.violations().at(9), idrViolations);
    expectViolations(r, onlyIf(idr, 9));
}

// Three clients invoking twice: 6 invocations + 6 notifications, 7 I9
// findings with request=idr.
void claimFifoDelivery(const Run &r)
{
    claimFifo(r, 12, 7);
}

// The same without carol: 4 + 4, and 4 I9 findings with request=idr.
void claimFifoDeliveryTwoClients(const Run &r)
{
    claimFifo(r, 8, 4);
}

void claimCloseContext(const Run &r)
{
    const Event *closed =
        r.first(EventKind::ContextClosed, [](const Event &e) { return e.ctx == ContextId(1); });
    const Event *freed =
        r.first(EventKind::ContextDataFreed, [](const Event &e) { return e.ctx == ContextId(1); });
    QVERIFY(closed && freed);
    // The queued notification is dropped by close_context, undelivered.
    QCOMPARE(r.pathsOfOp(kRelease), QStringList{QStringLiteral("QUEUED>REMOVED")});
    // QTEE gives the kept callbacks back from the release worker: by a
    // callback RELEASE and by the async area; their notifications are dropped.
    const ThreadId wq = r.worker();
    QVERIFY(r.first(EventKind::QteeCallback,
                    [&](const Event &e) { return e.thread == wq && e.op == kRelease; }));
    QVERIFY(r.first(EventKind::AsyncRelease, [&](const Event &e) { return e.thread == wq; }));
    int dropped = 0;
    for (const Event *e : r.events(EventKind::Note))
        dropped += e->finding == Finding::NotificationDropped && e->ctx == ContextId(1);
    // lifetime=none: the data is already gone, the notification is not even tried.
    QCOMPARE(dropped, r.variant.lifetime == LifetimeVariant::None ? 0 : 3);
    QCOMPARE(r.events(EventKind::WorkDone).size(), size_t(3));
    const Event *firstWork = r.first(EventKind::WorkStarted, [](const Event &) { return true; });
    QVERIFY(firstWork);
    if (r.variant.lifetime == LifetimeVariant::None) {
        QVERIFY(freed->step < firstWork->step); // freed at close, too early
    } else {
        // The context outlives its file until QTEE released every user object.
        QVERIFY(freed->step > firstWork->step);
        for (const KObject &o : r.trace.final.objects)
            QVERIFY(o.type != ObjectType::User);
    }
    expectViolations(r, onlyIf(r.variant.lifetime == LifetimeVariant::None, 6));
}

void claimCallbackAfterClose(const Run &r)
{
    const ThreadId wq = r.worker();
    const Event *closed =
        r.first(EventKind::ContextClosed, [](const Event &e) { return e.ctx == ContextId(1); });
    QVERIFY(closed);
    // While open, the callback is served.
    QCOMPARE(r.pathsOfOp(7), QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    // After close, QTEE's callback from the release worker fails: nothing is
    // queued (I7), -ENODEV, DEFUNCT.
    QVERIFY(r.pathsOfOp(8).isEmpty());
    const Event *cb = r.first(EventKind::QteeCallback,
                              [&](const Event &e) { return e.thread == wq && e.op == 8; });
    QVERIFY(cb);
    QVERIFY(cb->step > closed->step);
    const auto resp = r.events(EventKind::SmcCallbackResponse, wq);
    QCOMPARE(resp.size(), size_t(1));
    QCOMPARE(resp.front()->errno_, err::kENODEV);
    QCOMPARE(resp.front()->value, qres::DEFUNCT);
    const Event *freed =
        r.first(EventKind::ContextDataFreed, [](const Event &e) { return e.ctx == ContextId(1); });
    QVERIFY(freed);
    if (r.variant.lifetime == LifetimeVariant::None)
        QVERIFY(freed->step < cb->step);
    else
        QVERIFY(freed->step > cb->step);
    expectViolations(r, onlyIf(r.variant.lifetime == LifetimeVariant::None, 6));
}

void claimReleaseNotification(const Run &r)
{
    const ThreadId client = r.thread("app/client");
    const ThreadId suppl = r.thread("app/suppl");
    // Three exports, two reached QTEE: two notifications, received, freed
    // (T4) and never answered.
    size_t exports = 0;
    for (const Event *e : r.events(EventKind::ObjectCreated))
        exports += e->objectType == ObjectType::User && e->userObjectId == 1;
    QCOMPARE(exports, size_t(3));
    QCOMPARE(r.pathsOfOp(kRelease), (QStringList{QStringLiteral("QUEUED>PROCESSING>REMOVED"),
                                                 QStringLiteral("QUEUED>PROCESSING>REMOVED")}));
    QCOMPARE(r.syscalls(suppl, SyscallKind::SupplSend), 0);
    QCOMPARE(r.syscallErrnos(client, SyscallKind::Invoke).count(QStringLiteral("EINVAL")), 1);
    // One notification after the async release, one after the callback RELEASE.
    QVERIFY(r.first(EventKind::AsyncRelease, [&](const Event &e) { return e.thread == client; }));
    QVERIFY(r.first(EventKind::QteeCallback,
                    [&](const Event &e) { return e.thread == client && e.op == kRelease; }));
    QVERIFY(r.trace.final.objects.empty());
    expectViolations(r, {});
}

// small takes the one req_c count c1's request signalled, fails the 64-byte
// head four times (-EINVAL, the request stays QUEUED) and exits; big sleeps
// on req_c with nothing left to wake it, so the run ends stuck and the stuck
// report names big beside c1 (spec §2.6, §3.4 step 2, §7 case 18).
void claimMissedWakeup(const Run &r)
{
    QCOMPARE(r.trace.stop, StopReason::Stuck);
    const ThreadId big = r.thread("app/big"), small = r.thread("app/small");
    const QString einval = QStringLiteral("EINVAL");
    QCOMPARE(r.syscallErrnos(small, SyscallKind::SupplRecv),
             (QStringList{einval, einval, einval, einval}));
    QCOMPARE(r.events(EventKind::ThreadExit, small).size(), size_t(1));
    QCOMPARE(r.syscalls(big, SyscallKind::SupplRecv), 1);
    QVERIFY(r.syscallErrnos(big, SyscallKind::SupplRecv).isEmpty()); // never returns
    QStringList path;
    for (const Event *e : r.events(EventKind::RequestState))
        path << QString::fromLatin1(reqStateName(e->to));
    QCOMPARE(path, QStringList{QStringLiteral("QUEUED")});
    const std::string &who = r.trace.stopDetail;
    QVERIFY2(who.find("app/c1 waits (killable) for req#0 (ctx1 id 0) (QUEUED)") !=
                 std::string::npos,
             who.c_str());
    QVERIFY2(who.find("app/big waits in SUPPL_RECV on req_c of ctx1 with no count left while "
                      "req#0 (ctx1 id 0) is QUEUED") != std::string::npos,
             who.c_str());
    expectViolations(r, {});
}

void claimMultipleSupplicants(const Run &r)
{
    const ThreadId big = r.thread("app/big");
    const ThreadId small = r.thread("app/small");
    auto deliveredBy = [&](ThreadId t) {
        int n = 0;
        for (const Event *e : r.events(EventKind::RequestState, t))
            n += e->to == ReqState::PROCESSING && e->op != kRelease;
        return n;
    };
    QVERIFY(deliveredBy(big) >= 1);
    QVERIFY(deliveredBy(small) >= 1);
    // The 64-byte head request: small gets -EINVAL, big takes it.
    QVERIFY(r.syscallErrnos(small, SyscallKind::SupplRecv).contains(QStringLiteral("EINVAL")));
    const Event *head = r.first(EventKind::RequestState, [](const Event &e) {
        return e.op == 11 && e.to == ReqState::PROCESSING;
    });
    QVERIFY(head);
    QCOMPARE(head->thread, big);
    // Completion order is free: on app's context, small (5 us of work)
    // answers before big (20 us), though big took a request first.
    const Event *first = r.first(EventKind::RequestState, [](const Event &e) {
        return e.to == ReqState::PROCESSED && e.ctx == ContextId(1);
    });
    QVERIFY(first);
    QCOMPARE(first->thread, small);
    // One queue per context: other's request on its own context, with id 0.
    const Event *other = r.first(EventKind::RequestState, [&](const Event &e) {
        return e.to == ReqState::QUEUED && e.thread == r.thread("other/client");
    });
    QVERIFY(other);
    QVERIFY(other->ctx != ContextId(1));
    QCOMPARE(other->reqId, 0);
    QCOMPARE(r.pathsOfOp(11), QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    // The RFC's idr scan takes the lowest id, and ids are reused: a later
    // request can overtake an older one (I9, see fifo-delivery).
    expectViolations(r, onlyIf(r.variant.request == RequestVariant::Idr, 9));
}

void claimOutOfOrder(const Run &r)
{
    const Event *done0 = r.first(EventKind::RequestState, [](const Event &e) {
        return e.op == 7 && e.reqId == 0 && e.to == ReqState::PROCESSED;
    });
    const Event *done1 = r.first(EventKind::RequestState, [](const Event &e) {
        return e.op == 7 && e.reqId == 1 && e.to == ReqState::PROCESSED;
    });
    const Event *take0 = r.first(EventKind::RequestState, [](const Event &e) {
        return e.op == 7 && e.reqId == 0 && e.to == ReqState::PROCESSING;
    });
    const Event *take1 = r.first(EventKind::RequestState, [](const Event &e) {
        return e.op == 7 && e.reqId == 1 && e.to == ReqState::PROCESSING;
    });
    QVERIFY(done0 && done1 && take0 && take1);
    QVERIFY(take0->step < take1->step); // handed out in FIFO order
    QVERIFY(done1->step < done0->step); // answered the other way round
    QCOMPARE(take0->thread, r.thread("app/slow"));
    QCOMPARE(done1->thread, r.thread("app/fast"));
    const auto c1 = r.events(EventKind::DispatchReturn, r.thread("app/c1"));
    const auto c2 = r.events(EventKind::DispatchReturn, r.thread("app/c2"));
    QVERIFY(!c1.empty() && !c2.empty());
    QVERIFY(c2.front()->step < c1.front()->step);
    QCOMPARE(c1.front()->errno_, 0);
    QCOMPARE(c2.front()->errno_, 0);
    expectViolations(r, onlyIf(r.variant.request == RequestVariant::Idr, 9));
}

void claimRequestIdReuse(const Run &r)
{
    const ThreadId bob = r.thread("app/bob");
    // Bob's request reuses id 0 and is completed by the second SEND of
    // alice's answer, never delivered: I11 in every variant.
    const QStringList bobs = r.paths([&](const Event &e) { return e.thread == bob; });
    QCOMPARE(bobs, QStringList{QStringLiteral("QUEUED>PROCESSED(0)")});
    const Event *q = r.first(EventKind::RequestState, [&](const Event &e) {
        return e.thread == bob && e.to == ReqState::QUEUED;
    });
    QVERIFY(q);
    QCOMPARE(q->reqId, 0);
    QCOMPARE(r.dispatchErrnos(bob), QStringList{QStringLiteral("0")});
    QCOMPARE(r.violations().at(11), 1);
    expectViolations(r, {11});
}

void claimReleaseWorkerBlocked(const Run &r)
{
    const ThreadId wq = r.worker();
    // The worker's own callback request, on app's context.
    QCOMPARE(r.paths([&](const Event &e) { return e.thread == wq && e.op == 4; }),
             QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    const Event *answered = r.first(EventKind::RequestState, [](const Event &e) {
        return e.op == 4 && e.to == ReqState::PROCESSED;
    });
    QVERIFY(answered);
    const auto started = r.events(EventKind::WorkStarted);
    const auto queued = r.events(EventKind::WorkQueued);
    QCOMPARE(started.size(), size_t(4));
    QCOMPARE(queued.size(), size_t(4));
    // FIFO, and every later item waits for the slow supplicant (>= 5 ms).
    for (size_t i = 0; i < 4; ++i)
        QCOMPARE(started[i]->object, queued[i]->object);
    for (size_t i = 1; i < 4; ++i) {
        QVERIFY(started[i]->step > answered->step);
        QVERIFY(started[i]->tNs - queued[i]->tNs >= 5000000);
    }
    QCOMPARE(r.dispatchErrnos(wq), QStringList{QStringLiteral("0")});
    expectViolations(r, {});
}

void claimDeviceRemoval(const Run &r)
{
    const ThreadId unbind = r.thread("admin/unbind");
    // the driver context closed and the unbind asleep in tee_device_unregister
    const Event *closed = r.first(EventKind::ContextClosed, [&](const Event &e) {
        return e.thread == unbind && e.ctx == ContextId(0);
    });
    QVERIFY(closed);
    const Event *blocked = r.first(EventKind::Blocked, [&](const Event &e) {
        return e.thread == unbind && e.value == int32_t(BlockReason::NoUsers);
    });
    QVERIFY(blocked);
    QCOMPARE(blocked->step, closed->step);
    // /dev/tee is gone for other/late
    const auto lateReturns = r.events(EventKind::SyscallReturn, r.thread("other/late"));
    QCOMPARE(lateReturns.size(), size_t(1)); // open (its compute entered no kernel)
    QCOMPARE(lateReturns.back()->errno_, err::kENOENT);
    QVERIFY(lateReturns.back()->step > blocked->step);
    // every context released (app's, then the driver's, on the worker's
    // RELEASE), and only then the unbind returns 0, later in time too
    const auto released = r.events(EventKind::ContextReleased);
    QCOMPARE(released.size(), size_t(2));
    QCOMPARE(released.back()->ctx, ContextId(0));
    QCOMPARE(released.back()->thread, r.worker());
    const auto returns = r.events(EventKind::SyscallReturn, unbind);
    QCOMPARE(returns.size(), size_t(1)); // remove_device (its compute entered no kernel)
    QCOMPARE(returns.back()->errno_, 0);
    QVERIFY(returns.back()->step > released.back()->step);
    QVERIFY(returns.back()->startNs >= released.back()->tNs);
    // QTEE dropped the listener when its service object was released
    QVERIFY(r.first(EventKind::AsyncRelease, [](const Event &) { return true; }));
    QVERIFY(r.trace.final.objects.empty());
    // lifetime=none frees app's context data at close, with QTEE's listener
    // still alive (I6)
    expectViolations(r, onlyIf(r.variant.lifetime == LifetimeVariant::None, 6));
}

void claimSrcuVsLock(const Run &r)
{
    const ThreadId client = r.thread("app/client");
    const ThreadId suppl = r.thread("app/suppl");
    // T8, and the placeholder goes with the context data. (argument=none: the
    // supplicant drops the request record when RECV ends, so that last
    // transition is not reported.)
    const QStringList paths = r.pathsOfOp(5);
    QCOMPARE(paths.size(), 1);
    if (r.variant.argument == ArgumentVariant::None)
        QVERIFY2(paths.front().startsWith(QLatin1String("QUEUED>PROCESSING>PLACEHOLDER")),
                 qPrintable(paths.front()));
    else
        QCOMPARE(paths.front(), QStringLiteral("QUEUED>PROCESSING>PLACEHOLDER>REMOVED"));
    QCOMPARE(r.dispatchErrnos(client), QStringList{kENODEV});
    const Event *killed = r.first(EventKind::Killed, [](const Event &) { return true; });
    QVERIFY(killed);
    const auto access = r.events(EventKind::ArgAccess, suppl);
    QCOMPARE(access.size(), size_t(5)); // all five arguments are marshalled
    size_t before = 0;
    for (const Event *e : access)
        before += e->step < killed->step;
    QCOMPARE(before, size_t(1)); // the kill lands after the first argument
    const Event *ret = r.events(EventKind::DispatchReturn, client).front();
    switch (r.variant.argument) {
    case ArgumentVariant::Lock:
    case ArgumentVariant::Srcu:
        // The client's dispatch returns only after the last argument was read.
        QVERIFY(ret->step > access.back()->step);
        QCOMPARE(!r.events(EventKind::SynchronizeSrcu).empty(),
                 r.variant.argument == ArgumentVariant::Srcu);
        expectViolations(r, {});
        break;
    case ArgumentVariant::None:
        QVERIFY(ret->step < access[1]->step);
        QCOMPARE(r.violations().at(12), 4);
        // What it reads is the args as they were: the IO object is handed
        // over as under the lock, no leak (docs/model.md, version 19).
        expectViolations(r, {12});
        break;
    }
}

void claimStress(const Run &r)
{
    QCOMPARE(r.trace.stop, StopReason::MaxSteps);
    // Every kind of traffic happens.
    for (EventKind k : {EventKind::SmcInvoke, EventKind::QteeCallback, EventKind::AsyncRelease,
                        EventKind::WorkDone, EventKind::ArgAccess})
        QVERIFY2(!r.events(k).empty(), eventKindName(k));
    QVERIFY(!r.pathsOfOp(kRelease).isEmpty());
    QVERIFY(!r.pathsOfOp(9).isEmpty());
    expectViolations(r, onlyIf(r.variant.request == RequestVariant::Idr, 9));
}

// Issue 11's exploration benchmark, its fixed schedule: two supplicants
// take the first two requests in FIFO order (T2), the third reuses id 0
// (§7 case 17), and the kill lands while the three clients wait: c3 finds
// QUEUED (T7), c2 PROCESSING (T8, the placeholder keeps id 1 until the
// context data goes), c1 PROCESSED (T11: s1's answer is kept).
void claimThreeClientsTwoSupplicants(const Run &r)
{
    const ThreadId s1 = r.thread("app/s1"), s2 = r.thread("app/s2");
    const ThreadId c1 = r.thread("app/c1"), c2 = r.thread("app/c2"), c3 = r.thread("app/c3");
    QCOMPARE(r.pathsOfOp(3), (QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)"),
                                          QStringLiteral("QUEUED>PROCESSING>PLACEHOLDER>REMOVED"),
                                          QStringLiteral("QUEUED>REMOVED")}));
    const auto queued = [&](ThreadId client) {
        return r.first(EventKind::RequestState, [&](const Event &e) {
            return e.to == ReqState::QUEUED && e.thread == client;
        });
    };
    const auto taken = [&](ThreadId suppl) {
        return r.first(EventKind::RequestState, [&](const Event &e) {
            return e.to == ReqState::PROCESSING && e.thread == suppl;
        });
    };
    QVERIFY(queued(c1) && queued(c2) && queued(c3) && taken(s1) && taken(s2));
    QCOMPARE(queued(c1)->reqId, 0);
    QCOMPARE(queued(c2)->reqId, 1);
    QCOMPARE(queued(c3)->reqId, 0); // id 0 answered and freed: reused
    QCOMPARE(taken(s1)->request, queued(c1)->request);
    QCOMPARE(taken(s2)->request, queued(c2)->request);
    QVERIFY(!r.events(EventKind::Killed).empty());
    QVERIFY(r.events(EventKind::Killed).front()->step > queued(c3)->step);
    QCOMPARE(r.dispatchErrnos(c1), QStringList{QStringLiteral("0")});
    QCOMPARE(r.callbackResults(c1), QStringList{kOK});
    QCOMPARE(r.dispatchErrnos(c2), QStringList{kENODEV});
    QCOMPARE(r.dispatchErrnos(c3), QStringList{kENODEV});
    QCOMPARE(r.syscalls(s2, SyscallKind::SupplSend), 0);
    // user object 7's RELEASE notification comes after close_context: dropped
    const Event *closed =
        r.first(EventKind::ContextClosed, [](const Event &e) { return e.ctx == ContextId(1); });
    const Event *dropped = r.first(
        EventKind::Note, [](const Event &e) { return e.finding == Finding::NotificationDropped; });
    QVERIFY(closed);
    if (r.variant.lifetime != LifetimeVariant::None) {
        QVERIFY(dropped);
        QVERIFY(dropped->step > closed->step);
    }
    expectViolations(r, onlyIf(r.variant.lifetime == LifetimeVariant::None, 6));
}

using Claim = void (*)(const Run &);
const std::map<std::string, Claim> &claimTable()
{
    static const std::map<std::string, Claim> table = {
        {"callback-after-close", claimCallbackAfterClose},
        {"close-context-async-release", claimCloseContext},
        {"default", claimDefault},
        {"fifo-delivery", claimFifoDelivery},
        {"fifo-delivery-two-clients", claimFifoDeliveryTwoClients},
        {"kill-after-processed", claimKillAfterProcessed},
        {"kill-while-processing", claimKillWhileProcessing},
        {"kill-while-queued", claimKillWhileQueued},
        {"memory-object-map", claimMemoryObjectMap},
        {"missed-wakeup", claimMissedWakeup},
        {"multiple-supplicants", claimMultipleSupplicants},
        {"supplicant-exits-holding", claimSupplicantExitsHolding},
        {"out-of-order-completion", claimOutOfOrder},
        {"release-notification", claimReleaseNotification},
        {"release-retry", claimReleaseRetry},
        {"first-smc-fails", claimFirstSmcFails},
        {"release-worker-blocked", claimReleaseWorkerBlocked},
        {"device-removal", claimDeviceRemoval},
        {"request-id-reuse", claimRequestIdReuse},
        {"same-process-client-and-supplicant", claimSameProcess},
        {"send-after-client-killed", claimSendAfterClientKilled},
        {"srcu-vs-lock", claimSrcuVsLock},
        {"stress", claimStress},
        {"supplicant-buffer-too-small", claimBufferTooSmall},
        {"three-clients-two-supplicants", claimThreeClientsTwoSupplicants},
    };
    return table;
}

} // namespace

// What each description claims, checked on the run the description talks
// about: the scenario's own policy and fixed schedule.
void TestLibrary::claims()
{
    QFETCH(QString, name);
    QFETCH(QString, variant);
    const auto r = runBuiltin(name.toStdString(), variant.toStdString(), "own");
    QVERIFY2(r->error.empty(), r->error.c_str());
    if (name != QLatin1String("stress") && name != QLatin1String("missed-wakeup"))
        QVERIFY2(r->trace.stop == StopReason::Finished, r->trace.stopDetail.c_str());
    const auto it = claimTable().find(name.toStdString());
    QVERIFY(it != claimTable().end());
    it->second(*r);
}

// The merged design under the fair policies keeps the state small for ever
// (every export is given back, every QTEE object released): the stress
// scenario is usable for long runs and benchmarks.
void TestLibrary::stressHasBoundedState()
{
    for (const char *policy : {"round-robin", "random"}) {
        const auto r = runBuiltin("stress", "", policy);
        QCOMPARE(r->trace.stop, StopReason::MaxSteps);
        QVERIFY2(r->trace.final.objects.size() < 64, policy);
        QVERIFY2(r->trace.final.requests.size() < 16, policy);
        QVERIFY2(r->trace.final.wq.size() < 16, policy);
        QCOMPARE(r->trace.violations, uint64_t(0));
    }
}

// RECV's scratch buffer may have any size (spec §3.4 Input: the *address*
// must be 8-byte aligned, and the model's buffers have none); only the IB
// placement from the top down, each slot rounded down to 8 bytes, and the
// parameter count refuse a request. supplicant-buffer-too-small with other
// first buffers: op 1's IBs are 13, 13 and 5 bytes, op 2 has 18 arguments
// (more than 8 parameters: one -EINVAL whatever the buffer).
void TestLibrary::recvBufferOfAnySize_data()
{
    // SUPPL_RECV's results in order: op 1's request, its RELEASE
    // notification's turn, op 2's (two -EINVAL: 8, then 17 parameters,
    // before 35 hold its 18 arguments), and the rest
    const QString e = QStringLiteral("EINVAL"), ok = QStringLiteral("0");
    QTest::addColumn<uint>("buffer");
    QTest::addColumn<QStringList>("recv");
    // 100: 100-13=87 -> 80, 80-13=67 -> 64, 64-5=59 -> 56: op 1 fits at once
    QTest::newRow("100 bytes") << 100u << QStringList{ok, ok, e, e, ok, ok};
    // 44: 44-13=31 -> 24, 24-13=11 -> 8, 8-5=3 -> 0: fits
    QTest::newRow("44 bytes") << 44u << QStringList{ok, ok, e, e, ok, ok};
    // 36: 36-13=23 -> 16, 16-13=3 -> 0, 0-5 underflows: -EINVAL, then 80 fits
    QTest::newRow("36 bytes") << 36u << QStringList{e, ok, ok, e, ok, ok};
    QTest::newRow("32 bytes (the built-in)") << 32u << QStringList{e, ok, ok, e, ok, ok};
}

void TestLibrary::recvBufferOfAnySize()
{
    QFETCH(uint, buffer);
    QFETCH(QStringList, recv);
    std::string error;
    auto sc = std::make_shared<Scenario>(*loadBuiltin("supplicant-buffer-too-small", &error));
    bool set = false;
    for (ProcessDecl &p : sc->processes)
        for (ThreadDecl &t : p.threads)
            for (Op &op : t.program)
                if (op.kind == Op::Kind::Serve) {
                    op.serve.bufSize = buffer;
                    set = true;
                }
    QVERIFY(set);
    Run r;
    r.scenario = sc;
    r.variant = sc->variant;
    r.sim = std::make_unique<Simulator>(r.scenario, r.variant);
    RunOptions opts;
    opts.policy = sc->policy;
    opts.useSchedule = false;
    r.trace = run(*r.sim, opts, &r.error);
    QVERIFY2(r.error.empty(), r.error.c_str());
    QCOMPARE(r.syscallErrnos(r.thread("app/suppl"), SyscallKind::SupplRecv), recv);
    QCOMPARE(r.pathsOfOp(7), QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    QCOMPARE(r.pathsOfOp(8), QStringList{QStringLiteral("QUEUED>PROCESSING>PROCESSED(0)")});
    QCOMPARE(r.trace.violations, uint64_t(0));
}

// A buffer grown on -EINVAL belongs to its step: the next recv step is
// checked with its own `buffer` (spec §3.4 step 2). The second recv's 15
// bytes cannot hold IBs of 8 and 8 (15-8=7 -> 0, 0-8 underflows): -EINVAL,
// then grown to 32 it fits. Before, it inherited the first step's grown
// buffer and never saw the -EINVAL.
void TestLibrary::grownBufferIsTheStepsOwn()
{
    const char *json = R"json({
      "name": "recv-grow-per-step",
      "qtee": {"services": [{"uid": 2033, "ops": {"1": [
        {"do": "callback", "target": "io:0", "op": 5, "ib": [8, 1]},
        {"do": "callback", "target": "io:0", "op": 6, "ib": [8, 8]},
        {"do": "return", "result": 0}]}}]},
      "processes": [{"name": "app", "threads": [
        {"name": "client", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "exit"}]},
        {"name": "suppl", "program": [
          {"do": "wait", "for": "fd"},
          {"do": "recv", "fd": "fd", "buffer": 9, "num_params": 2, "on_einval": "grow",
           "max_retries": 1},
          {"do": "send", "fd": "fd"},
          {"do": "recv", "fd": "fd", "buffer": 15, "num_params": 2, "on_einval": "grow",
           "max_retries": 1},
          {"do": "send", "fd": "fd"},
          {"do": "exit"}]}]}]
    })json";
    Run r;
    r.scenario = loadScenarioJson(json, "recv-grow-per-step.json", &r.error);
    QVERIFY2(r.scenario, r.error.c_str());
    r.variant = r.scenario->variant;
    r.sim = std::make_unique<Simulator>(r.scenario, r.variant);
    RunOptions opts;
    opts.policy = r.scenario->policy;
    r.trace = run(*r.sim, opts, &r.error);
    QVERIFY2(r.error.empty(), r.error.c_str());
    const QString e = QStringLiteral("EINVAL"), ok = QStringLiteral("0");
    QCOMPARE(r.syscallErrnos(r.thread("app/suppl"), SyscallKind::SupplRecv),
             (QStringList{e, ok, e, ok}));
    QCOMPARE(r.trace.stop, StopReason::Finished);
}

QTEST_GUILESS_MAIN(TestLibrary)
#include "tst_library.moc"
