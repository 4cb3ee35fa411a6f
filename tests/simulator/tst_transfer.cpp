// The schedule-transfer rule (simulator/transfer.h): a recorded run re-run
// under another design or policy. Each row records a built-in scenario under
// one variant, transfers it to another, and checks that the new trace is a
// valid run of the target (replay gives the same events), that every
// thread's actions follow the recording except at the reported departures,
// that the departures are the expected ones, and the finding the new design
// is known for.
#include "explorefixture.h"
#include "simulator/transfer.h"

#include <QtTest>

#include <map>

using namespace tee;
using namespace tee::sim;
using explorefixture::variantOf;

namespace {

std::shared_ptr<Scenario> builtin(const char *name)
{
    std::string error;
    auto sc = loadBuiltin(name, &error);
    if (!sc)
        qWarning("%s", error.c_str());
    return sc;
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// "why@step:recordedStep", the compact form the rows use.
QByteArrayList compact(const std::vector<Departure> &ds)
{
    QByteArrayList out;
    for (const Departure &d : ds)
        out << QByteArray(departureName(d.why)) + '@' + QByteArray::number(d.step) + ':' +
                   QByteArray::number(d.recordedStep);
    return out;
}

QString dump(const TransferResult &r)
{
    QString out;
    for (const Departure &d : r.departures)
        out += q(departureText(d)) + QLatin1Char('\n');
    return out;
}

// The actor of a step: a thread index, or -(process + 1) for a kill.
int actorKey(const vocab::ActionInfo &i)
{
    return i.verb == vocab::Verb::Kill ? -(i.process.v + 1) : i.thread.v;
}

void row(const char *name, const char *scenario, const char *from, const char *to,
         const QByteArrayList &expected, const char *finding, bool sameLabels)
{
    QTest::newRow(name) << QByteArray(scenario) << QByteArray(from) << QByteArray(to) << expected
                        << QByteArray(finding) << sameLabels;
}

} // namespace

class TstTransfer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void transfer_data();
    void transfer();
    void policyTail();
    void boundAtTheEnd();
    void boundAndErrors();
    void sameActionKeys();
};

void TstTransfer::transfer_data()
{
    QTest::addColumn<QByteArray>("scenario");
    QTest::addColumn<QByteArray>("from"); // variant of the recording
    QTest::addColumn<QByteArray>("to");   // variant of the target
    QTest::addColumn<QByteArrayList>("expected");
    QTest::addColumn<QByteArray>("finding"); // a violation the new run must show; "" none
    QTest::addColumn<bool>("sameLabels");    // the new schedule is the recorded one

    // The same design: nothing departs, the run is the recording.
    row("identity srcu-vs-lock", "srcu-vs-lock", "", "", {}, "", true);
    row("identity fifo-delivery", "fifo-delivery", "", "", {}, "", true);

    // Merged reqs_lock to the RFC's SRCU: the client's `wait reqs_lock`
    // (recorded step 10) has no counterpart and is skipped; the SRCU design's
    // synchronize_srcu comes in after `dispatch killed`, before the recorded
    // callback response (recorded step 16). Every other step is the recorded
    // one, in the recorded order: no violation.
    row("srcu-vs-lock lock to srcu", "srcu-vs-lock", "", "argument=srcu",
        {"skipped@10:10", "extra@15:16"}, "", false);
    // And back: the lock wait is extra; the client then sleeps on reqs_lock,
    // so its recorded `dispatch killed` (10) is not enabled and the
    // supplicant's marshalling goes first; synchronize_srcu (15) is skipped.
    row("srcu-vs-lock srcu to lock", "srcu-vs-lock", "argument=srcu", "argument=lock",
        {"extra@10:10", "not-enabled@11:10", "skipped@16:15"}, "", false);
    // No protection: the lock wait is skipped, the client frees the
    // arguments the supplicant still reads (I12); what it reads is the args
    // as they were, so the rest of the run is the recorded one.
    row("srcu-vs-lock lock to none", "srcu-vs-lock", "", "argument=none", {"skipped@10:10"},
        "arg_read_after_free", false);

    // FIFO reqs_list to the RFC's idr scan: RECV picks the RELEASE
    // notification that reused id 0 before bob's older request (I9): a relock
    // and a restarted SUPPL_RECV come in (extra@26, 27; again at 39, 40);
    // carol's recorded wake-up (42) then waits while the supplicant serves
    // another request, so the policy fills in: bob's next step sleeps on
    // reqs_lock (49: its last put queues a RELEASE notification while the
    // supplicant marshals under the lock); relock rounds the idr order does
    // not need are skipped (48-49, 91-92).
    row("fifo-delivery fifo to idr", "fifo-delivery", "", "request=idr",
        {"extra@26:26", "extra@27:26", "extra@39:37", "extra@40:37", "not-enabled@46:42",
         "policy-choice@49:42", "skipped@50:48", "skipped@50:49", "policy-choice@50:42",
         "not-enabled@60:55", "skipped@94:91", "skipped@94:92"},
        "not_fifo", false);

    // The merged design to lifetime=none: the same interleaving (no
    // departure), now with the I6 use-after-free findings.
    row("close-context-async-release to lifetime=none", "close-context-async-release", "",
        "lifetime=none", {}, "notify_after_free", true);
    row("kill-while-processing to lifetime=none", "kill-while-processing", "", "lifetime=none", {},
        "data_freed_user_alive", true);
}

void TstTransfer::transfer()
{
    QFETCH(QByteArray, scenario);
    QFETCH(QByteArray, from);
    QFETCH(QByteArray, to);
    QFETCH(QByteArrayList, expected);
    QFETCH(QByteArray, finding);
    QFETCH(bool, sameLabels);

    const auto sc = builtin(scenario.constData());
    QVERIFY(sc);
    const Simulator source(sc, variantOf(*sc, from));
    const Simulator target(sc, variantOf(*sc, to));
    std::string error;
    const Trace recorded = run(source, RunOptions{}, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(recorded.stop, StopReason::Finished);

    const TransferResult r = transferSchedule(source, recorded, target, RunOptions{});
    QVERIFY2(r.error.empty(), r.error.c_str());
    const QString text = dump(r);

    // The departures, where expected.
    QVERIFY2(compact(r.departures) == expected,
             qPrintable(text + QLatin1String(compact(r.departures).join(' '))));

    // A valid run of the target: replaying its schedule gives the same events.
    const Trace again = replay(target, r.trace.schedule, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(again.events.size(), r.trace.events.size());
    QVERIFY(again.events == r.trace.events);
    QCOMPARE(again.spans, r.trace.spans);
    QCOMPARE(r.trace.stop, again.stop);
    QCOMPARE(r.origin.size(), r.trace.schedule.size());

    // Per thread, the recording minus the skipped and unreached steps is the
    // new run minus its extra and policy steps, action by action.
    const std::vector<RecordedStep> was = recordedSteps(source, recorded.schedule, &error);
    const std::vector<RecordedStep> now = recordedSteps(target, r.trace.schedule, &error);
    QVERIFY2(error.empty(), error.c_str());
    std::vector<int> accounted(was.size(), 0);
    std::map<uint64_t, QStringList> byStep; // departures at each new step
    for (const Departure &d : r.departures) {
        byStep[d.step] << QLatin1String(departureName(d.why));
        if (d.why == Departure::Why::Skipped || d.why == Departure::Why::Unreached) {
            QVERIFY(d.recordedStep >= 1 && d.recordedStep <= was.size());
            QCOMPARE(q(d.recorded), q(was[d.recordedStep - 1].label));
            accounted[d.recordedStep - 1]++;
        }
    }
    std::map<int, std::vector<size_t>> recordedPerActor, newPerActor;
    for (size_t i = 0; i < was.size(); ++i)
        if (!accounted[i])
            recordedPerActor[actorKey(was[i].info)].push_back(i);
    for (size_t i = 0; i < now.size(); ++i) {
        if (r.origin[i] == 0) {
            // a step the recording does not have is a reported departure
            QVERIFY2(byStep.count(i + 1) &&
                         (byStep[i + 1].contains(QLatin1String("extra")) ||
                          byStep[i + 1].contains(QLatin1String("policy-choice"))),
                     qPrintable(QStringLiteral("step %1 unreported\n").arg(i + 1) + text));
            continue;
        }
        const size_t o = size_t(r.origin[i] - 1);
        QVERIFY(o < was.size());
        accounted[o]++;
        QVERIFY2(sameAction(was[o].info, now[i].info),
                 qPrintable(q(was[o].label) + QLatin1String(" vs ") + q(now[i].label)));
        newPerActor[actorKey(now[i].info)].push_back(o);
    }
    for (size_t i = 0; i < was.size(); ++i)
        QVERIFY2(
            accounted[i] == 1,
            qPrintable(
                QStringLiteral("recorded step %1 used %2 times").arg(i + 1).arg(accounted[i])));
    QVERIFY(recordedPerActor == newPerActor);

    // The finding the target design is known for.
    bool found = false;
    for (const Event &e : r.trace.events)
        if (e.kind == EventKind::Violation && QByteArray(vocab::findingName(e.finding)) == finding)
            found = true;
    if (finding.isEmpty())
        QCOMPARE(r.trace.violations, uint64_t(0));
    else
        QVERIFY2(found, finding.constData());

    if (sameLabels) {
        QVERIFY(r.trace.schedule == recorded.schedule);
        if (from == to)
            QVERIFY(r.trace.events == recorded.events);
    } else {
        QVERIFY(r.trace.schedule != recorded.schedule);
    }

    // Deterministic.
    const TransferResult r2 = transferSchedule(source, recorded, target, RunOptions{});
    QVERIFY(r2.departures == r.departures);
    QVERIFY(r2.trace.schedule == r.trace.schedule);
    QVERIFY(r2.origin == r.origin);
}

// A policy change: the first 8 steps of srcu-vs-lock (up to the kill) under
// round-robin. The recording is used up at step 9, reported once; the tail
// is exactly what run() does after a fixed schedule equal to the prefix, and
// differs from the scripted continuation.
void TstTransfer::policyTail()
{
    const auto sc = builtin("srcu-vs-lock");
    QVERIFY(sc);
    const Simulator sim(sc);
    const Trace recorded = run(sim, RunOptions{});
    const std::vector<std::string> prefix(recorded.schedule.begin(), recorded.schedule.begin() + 8);
    RunOptions rr;
    rr.policy = Policy::RoundRobin;
    const TransferResult r = transferSchedule(sim, prefix, sim, rr);
    QVERIFY2(r.error.empty(), r.error.c_str());
    QCOMPARE(compact(r.departures), QByteArrayList{"tail@9:0"});
    QCOMPARE(r.departures[0].thread, ThreadId(0));
    QVERIFY(std::vector<std::string>(r.trace.schedule.begin(), r.trace.schedule.begin() + 8) ==
            prefix);

    auto fixed = std::make_shared<Scenario>(*sc);
    fixed->schedule = prefix;
    const Simulator withPrefix(fixed);
    const Trace expected = run(withPrefix, rr);
    QVERIFY(r.trace.schedule == expected.schedule);
    QVERIFY(r.trace.events == expected.events);
    QCOMPARE(r.trace.stop, expected.stop);

    // The scripted tail from the same prefix is the recording itself.
    const TransferResult scripted = transferSchedule(sim, prefix, sim, RunOptions{});
    QVERIFY(scripted.trace.schedule == recorded.schedule);
    QCOMPARE(compact(scripted.departures), QByteArrayList{"tail@9:0"});
    QVERIFY(r.trace.schedule != recorded.schedule);
    QCOMPARE(q(r.trace.schedule[9]),
             QStringLiteral("app/suppl: RECV marshal arg 1 of req#0 (5 args)"));
}

// A step bound equal to a run's length does not cut it: the run says how
// it ended (finished, or stuck: a finding), as it would with any larger
// bound; one step less is a cut run (max-steps).
void TstTransfer::boundAtTheEnd()
{
    for (const char *name : {"default", "missed-wakeup"}) {
        const auto sc = builtin(name);
        QVERIFY(sc);
        const Simulator sim(sc);
        RunOptions own; // the scenario's own policy, as `run` takes it
        own.policy = sc->policy;
        const Trace whole = run(sim, own);
        QCOMPARE(whole.stop,
                 std::string(name) == "default" ? StopReason::Finished : StopReason::Stuck);
        RunOptions exact = own;
        exact.maxSteps = whole.schedule.size();
        const Trace bounded = run(sim, exact);
        QCOMPARE(bounded.stop, whole.stop);
        QCOMPARE(bounded.stopDetail, whole.stopDetail);
        QCOMPARE(transferSchedule(sim, whole, sim, exact).trace.stop, whole.stop);
        RunOptions less = own;
        less.maxSteps = whole.schedule.size() - 1;
        QCOMPARE(run(sim, less).stop, StopReason::MaxSteps);
        QCOMPARE(transferSchedule(sim, whole, sim, less).trace.stop, StopReason::MaxSteps);
    }
}

// The step bound holds; a recording that does not replay is an error.
void TstTransfer::boundAndErrors()
{
    const auto sc = builtin("srcu-vs-lock");
    QVERIFY(sc);
    const Simulator lock(sc);
    const Simulator srcu(sc, variantOf(*sc, "argument=srcu"));
    const Trace recorded = run(lock, RunOptions{});
    RunOptions five;
    five.maxSteps = 5;
    const TransferResult r = transferSchedule(lock, recorded, srcu, five);
    QCOMPARE(r.trace.schedule.size(), size_t(5));
    QCOMPARE(r.trace.stop, StopReason::MaxSteps);
    QCOMPARE(r.departures.size(), recorded.schedule.size() - 5);
    for (const Departure &d : r.departures) {
        QCOMPARE(d.why, Departure::Why::Unreached);
        QCOMPARE(d.step, uint64_t(6));
    }

    std::vector<std::string> bad = recorded.schedule;
    bad[3] = "app/client: no such step";
    const TransferResult e = transferSchedule(lock, bad, srcu, RunOptions{});
    QVERIFY(!e.error.empty());
    QVERIFY(e.error.find("schedule[3]") != std::string::npos);
    QVERIFY(e.trace.schedule.empty());
}

// Matching: actor, verb and the fields the program chooses; not the ids the
// driver hands out.
void TstTransfer::sameActionKeys()
{
    vocab::ActionInfo a;
    a.verb = vocab::Verb::Invoke;
    a.thread = ThreadId(1);
    a.userId = 0;
    a.op = 1;
    a.request = RequestId(3);
    vocab::ActionInfo b = a;
    b.request = RequestId(7);
    b.reqId = 2;
    b.object = ObjectId(9);
    QVERIFY(sameAction(a, b));
    b.op = 2;
    QVERIFY(!sameAction(a, b));
    b = a;
    b.userId = 1;
    QVERIFY(!sameAction(a, b));
    b = a;
    b.thread = ThreadId(2);
    QVERIFY(!sameAction(a, b));
    b = a;
    b.verb = vocab::Verb::InvokeRelease;
    QVERIFY(!sameAction(a, b));

    a = vocab::ActionInfo{};
    a.verb = vocab::Verb::RecvMarshal;
    a.thread = ThreadId(1);
    a.value = 1;
    a.argc = 5;
    b = a;
    b.request = RequestId(4);
    QVERIFY(sameAction(a, b));
    b.value = 2;
    QVERIFY(!sameAction(a, b));

    a = vocab::ActionInfo{};
    a.verb = vocab::Verb::Kill;
    a.process = ProcessId(0);
    b = a;
    QVERIFY(sameAction(a, b));
    b.process = ProcessId(1);
    QVERIFY(!sameAction(a, b));

    a = vocab::ActionInfo{};
    a.verb = vocab::Verb::LockWait;
    a.thread = ThreadId(0);
    b = a;
    b.peer = ThreadId(1);
    b.ctx = ContextId(1);
    QVERIFY(sameAction(a, b));
}

QTEST_GUILESS_MAIN(TstTransfer)
#include "tst_transfer.moc"
