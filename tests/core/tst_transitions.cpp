// The request transitions T1..T11 of spec §2.5, one data row each: a
// scenario brought to a start situation by a schedule prefix, one action,
// and what that action must do (request state from -> to, errno, events),
// plus what the client and QTEE see afterwards.
#include "scenariorunner.h"
#include "testscenarios.h"

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTest>

#include <climits>

using namespace tee;
using namespace teetest;

namespace {

QStringList toQt(const Labels &l)
{
    QStringList out;
    for (const std::string &s : l)
        out << QString::fromStdString(s);
    return out;
}

Labels fromQt(const QStringList &l)
{
    Labels out;
    for (const QString &s : l)
        out.push_back(s.toStdString());
    return out;
}

constexpr int kAny = INT_MIN; // "not checked" in an int column

} // namespace

class TstTransitions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void transition_data();
    void transition();
};

void TstTransitions::transition_data()
{
    QTest::addColumn<QString>("scenario");   // "local" or "foreign"
    QTest::addColumn<int>("replyErrno");     // every supplicant answers with this
    QTest::addColumn<QStringList>("prefix"); // schedule to the start situation
    QTest::addColumn<QString>("action");
    QTest::addColumn<QStringList>("transitions"); // exact RequestState list of the action
    QTest::addColumn<QList<int>>("reqErrnos");    // errno of each of them
    QTest::addColumn<QStringList>("kinds");       // event kinds, in this order (subsequence)
    QTest::addColumn<QStringList>("noKinds");     // event kinds the action must not emit
    QTest::addColumn<int>("watch");        // RequestId to check (-1: the first transitioned one)
    QTest::addColumn<int>("live");         // that request still has a record afterwards (1/0, kAny)
    QTest::addColumn<int>("idInIdr");      // its id is still in reqs_idr afterwards (1/0, kAny)
    QTest::addColumn<QStringList>("then"); // labels applied after the action
    QTest::addColumn<QString>("errnoKind"); // first such event (action + then) ...
    QTest::addColumn<int>("errnoValue");    // ... carries this errno
    QTest::addColumn<int>("wire");          // result of the first callback response (kAny)

    const QString local = QStringLiteral("local");
    const QString foreign = QStringLiteral("foreign");
    const QString cb = QString::fromStdString(kLocalCallback);
    const QString dispatchReturn = QStringLiteral("dispatch_return");
    const QString syscallReturn = QStringLiteral("syscall_return");
    const Labels localSent =
        kLocalInvoke + Labels{kLocalCallback} + kLocalRecv +
        Labels{"app/suppl: SUPPL_SEND req 0 ret 0", "app/suppl: SEND unmarshal output of req 0",
               "app/client: dispatch woken (req 0 PROCESSED)", "app/client: callback response 0"};
    const Labels foreignClosing =
        kForeignQueued + Labels{"cli/c2: OBJECT_INVOKE obj 0 op 2",
                                "cli/c2: QTEE callback 0x80000001 op 7",
                                "srv/suppl: SUPPL_RECV",
                                "srv/suppl: RECV marshal arg 1/2 of req 0",
                                "srv/suppl: RECV marshal arg 2/2 of req 0",
                                "srv/main: close fd 3"};
    const Labels foreignKilled = kForeignProcessing + Labels{"kill cli"};

    QTest::newRow("T1 enqueue: QTEE invokes a user object")
        << local << 0 << toQt(kLocalInvoke) << cb << QStringList{QStringLiteral("NEW->QUEUED")}
        << QList<int>{0}
        << QStringList{QStringLiteral("qtee_callback"), QStringLiteral("ref_get"),
                       QStringLiteral("request_state"), QStringLiteral("blocked")}
        << QStringList{QStringLiteral("syscall_return")} << -1 << 1 << 1 << QStringList{}
        << QString() << 0 << kAny;

    QTest::newRow("T1 enqueue: RELEASE notification on the last put")
        << local << 0 << toQt(localSent) << QStringLiteral("app/client: QTEE returns 0")
        << QStringList{QStringLiteral("NEW->QUEUED")} << QList<int>{0}
        << QStringList{QStringLiteral("async_release"), QStringLiteral("xa_erase"),
                       QStringLiteral("ref_put"),       QStringLiteral("request_state"),
                       QStringLiteral("object_freed"),  QStringLiteral("syscall_return")}
        << QStringList{QStringLiteral("blocked")} << -1 << 1 << 1 << QStringList{} << QString() << 0
        << kAny;

    // T1 fails once the owner context is released: -ENODEV, QTEE gets DEFUNCT.
    QTest::newRow("T1 fails with -ENODEV after close_context")
        << foreign << 0
        << toQt(foreignClosing + Labels{"srv/main: close_context ctx 1",
                                        "srv/main: close_context ctx 1: put QTEE objects",
                                        "cli/main: dispatch woken (req 0 PROCESSED)",
                                        "cli/main: callback response -ENODEV",
                                        "cli/main: QTEE returns 0",
                                        "cli/main: OBJECT_INVOKE obj 0 op 2"})
        << QStringLiteral("cli/main: QTEE callback 0x80000001 op 7") << QStringList{}
        << QList<int>{} << QStringList{QStringLiteral("qtee_callback")}
        << QStringList{QStringLiteral("request_state"), QStringLiteral("blocked")} << -1 << kAny
        << kAny << QStringList{QStringLiteral("cli/main: callback response -ENODEV")}
        << QStringLiteral("smc_callback_response") << int(err::kENODEV) << int(qres::DEFUNCT);

    QTest::newRow("T2 RECV selects the queued request")
        << local << 0 << toQt(kLocalInvoke + Labels{kLocalCallback})
        << QStringLiteral("app/suppl: SUPPL_RECV")
        << QStringList{QStringLiteral("QUEUED->PROCESSING")} << QList<int>{0}
        << QStringList{QStringLiteral("syscall_enter"), QStringLiteral("lock"),
                       QStringLiteral("request_state")}
        << QStringList{QStringLiteral("syscall_return"), QStringLiteral("blocked")} << -1 << 1 << 1
        << QStringList{} << QString() << 0 << kAny;

    QTest::newRow("T2 RECV woken by req_c selects it")
        << local << 0
        << toQt(Labels{"app/client: open /dev/tee", "app/suppl: SUPPL_RECV",
                       "app/client: OBJECT_INVOKE ROOT op 32", "app/client: QTEE returns 0",
                       "app/client: OBJECT_INVOKE obj 0 op 1", kLocalCallback})
        << QStringLiteral("app/suppl: SUPPL_RECV woken by req_c")
        << QStringList{QStringLiteral("QUEUED->PROCESSING")} << QList<int>{0}
        << QStringList{QStringLiteral("woken"), QStringLiteral("lock"),
                       QStringLiteral("request_state")}
        << QStringList{QStringLiteral("blocked")} << -1 << 1 << 1 << QStringList{} << QString() << 0
        << kAny;

    // T3: srv's object arrives as IO of a request on cli's context: RECV
    // cannot hand it over, completes the request with -EINVAL and goes on,
    // taking reqs_lock again for the loop's next pass (spec §3.4 step 5).
    QTest::newRow("T3 marshalling failure: IO object of another context")
        << foreign << 0
        << toQt(kForeignSetup +
                Labels{"cli/c3: OBJECT_INVOKE obj 0 op 4", "cli/c3: QTEE callback 0x80000002 op 9",
                       "cli/suppl: SUPPL_RECV", "cli/suppl: RECV marshal arg 1/2 of req 0"})
        << QStringLiteral("cli/suppl: RECV marshal arg 2/2 of req 0")
        << QStringList{QStringLiteral("PROCESSING->PROCESSED")} << QList<int>{int(err::kEINVAL)}
        << QStringList{QStringLiteral("arg_access"), QStringLiteral("ref_put"),
                       QStringLiteral("request_state"), QStringLiteral("woken"),
                       QStringLiteral("unlock")} // the loop's pass ends: reqs_lock dropped
        << QStringList{QStringLiteral("syscall_return")} << -1 << 1 << 0
        << QStringList{QStringLiteral("cli/c3: dispatch woken (req 0 PROCESSED)"),
                       QStringLiteral("cli/c3: callback response -EINVAL")}
        << dispatchReturn << int(err::kEINVAL) << int(qres::UNAVAIL);

    QTest::newRow("T4 RELEASE notification freed before RECV returns")
        << local << 0
        << toQt(localSent + Labels{"app/client: QTEE returns 0", "app/suppl: SUPPL_RECV"})
        << QStringLiteral("app/suppl: RECV relock: free RELEASE notification req 0")
        << QStringList{QStringLiteral("PROCESSING->REMOVED")} << QList<int>{0}
        << QStringList{QStringLiteral("lock"), QStringLiteral("request_state"),
                       QStringLiteral("unlock"), QStringLiteral("syscall_return")}
        << QStringList{} << -1 << 0 << 0 << QStringList{} << syscallReturn << 0 << kAny;

    QTest::newRow("T5 SEND success")
        << local << 0 << toQt(kLocalInvoke + Labels{kLocalCallback} + kLocalRecv)
        << QStringLiteral("app/suppl: SUPPL_SEND req 0 ret 0")
        << QStringList{QStringLiteral("PROCESSING->PROCESSED")} << QList<int>{0}
        << QStringList{QStringLiteral("syscall_enter"), QStringLiteral("lock"),
                       QStringLiteral("request_state")}
        << QStringList{} << -1 << 1 << 0
        << QStringList{QStringLiteral("app/suppl: SEND unmarshal output of req 0"),
                       QStringLiteral("app/client: dispatch woken (req 0 PROCESSED)"),
                       QStringLiteral("app/client: callback response 0")}
        << dispatchReturn << 0 << int(qres::OK);

    QTest::newRow("T5 SEND with the supplicant's error")
        << local << 11 << toQt(kLocalInvoke + Labels{kLocalCallback} + kLocalRecv)
        << QStringLiteral("app/suppl: SUPPL_SEND req 0 ret 11")
        << QStringList{QStringLiteral("PROCESSING->PROCESSED")} << QList<int>{11}
        << QStringList{QStringLiteral("request_state"), QStringLiteral("woken"),
                       QStringLiteral("syscall_return")}
        << QStringList{} << -1 << 1 << 0
        << QStringList{QStringLiteral("app/client: dispatch woken (req 0 PROCESSED)"),
                       QStringLiteral("app/client: callback response 11")}
        << dispatchReturn << 11 << 11;

    // T6: srv closes its file while req 0 is PROCESSING and req 1 QUEUED.
    QTest::newRow("T6 close_context with PROCESSING and QUEUED requests")
        << foreign << 0 << toQt(foreignClosing) << QStringLiteral("srv/main: close_context ctx 1")
        << QStringList{QStringLiteral("PROCESSING->PROCESSED"), QStringLiteral("QUEUED->PROCESSED")}
        << QList<int>{int(err::kENODEV), int(err::kENODEV)}
        << QStringList{QStringLiteral("lock"),          QStringLiteral("close_context"),
                       QStringLiteral("request_state"), QStringLiteral("woken"),
                       QStringLiteral("request_state"), QStringLiteral("woken"),
                       QStringLiteral("unlock")}
        << QStringList{} << -1 << 1 << 0
        << QStringList{QStringLiteral("cli/main: dispatch woken (req 0 PROCESSED)"),
                       QStringLiteral("cli/main: callback response -ENODEV")}
        << dispatchReturn << int(err::kENODEV) << int(qres::DEFUNCT);

    QTest::newRow("T7 kill while QUEUED")
        << local << 0
        << toQt(kLocalInvoke + Labels{kLocalCallback, "kill app",
                                      "app/client: dispatch interrupted by SIGKILL (req 0)"})
        << QStringLiteral("app/client: dispatch killed (req 0 QUEUED)")
        << QStringList{QStringLiteral("QUEUED->REMOVED")} << QList<int>{0}
        << QStringList{QStringLiteral("lock"), QStringLiteral("request_state"),
                       QStringLiteral("unlock"), QStringLiteral("dispatch_return")}
        << QStringList{} << -1 << 0 << 0
        << QStringList{QStringLiteral("app/client: callback response -ENODEV")} << dispatchReturn
        << int(err::kENODEV) << int(qres::DEFUNCT);

    QTest::newRow("T8 kill while PROCESSING: the placeholder keeps the id")
        << foreign << 0
        << toQt(foreignKilled + Labels{"cli/main: dispatch interrupted by SIGKILL (req 0)"})
        << QStringLiteral("cli/main: dispatch killed (req 0 PROCESSING)")
        << QStringList{QStringLiteral("PROCESSING->PLACEHOLDER")} << QList<int>{0}
        << QStringList{QStringLiteral("lock"), QStringLiteral("request_state"),
                       QStringLiteral("unlock"), QStringLiteral("dispatch_return")}
        << QStringList{} << -1 << kAny << 1
        << QStringList{QStringLiteral("cli/main: callback response -ENODEV")} << dispatchReturn
        << int(err::kENODEV) << int(qres::DEFUNCT);

    QTest::newRow("T9 SEND to the placeholder: -EINVAL, id freed")
        << foreign << 0
        << toQt(foreignKilled + Labels{"cli/main: dispatch interrupted by SIGKILL (req 0)",
                                       "cli/main: dispatch killed (req 0 PROCESSING)"})
        << QStringLiteral("srv/suppl: SUPPL_SEND req 0 ret 0")
        << QStringList{QStringLiteral("PLACEHOLDER->REMOVED")} << QList<int>{0}
        << QStringList{QStringLiteral("lock"), QStringLiteral("request_state"),
                       QStringLiteral("unlock"), QStringLiteral("syscall_return")}
        << QStringList{QStringLiteral("woken")} << -1 << 0 << 0 << QStringList{} << syscallReturn
        << int(err::kEINVAL) << kAny;

    QTest::newRow("T10 freed by notify after the response reached QTEE")
        << local << 0
        << toQt(kLocalInvoke + Labels{kLocalCallback} + kLocalRecv +
                Labels{"app/suppl: SUPPL_SEND req 0 ret 0",
                       "app/suppl: SEND unmarshal output of req 0",
                       "app/client: dispatch woken (req 0 PROCESSED)"})
        << QStringLiteral("app/client: callback response 0") << QStringList{} << QList<int>{}
        << QStringList{QStringLiteral("smc_callback_response"), QStringLiteral("ref_put")}
        << QStringList{QStringLiteral("request_state")} << 0 << 0 << kAny << QStringList{}
        << QString() << 0 << int(qres::OK);

    QTest::newRow("T10 freed when dispatch returns an error")
        << local << 11
        << toQt(kLocalInvoke + Labels{kLocalCallback} + kLocalRecv +
                Labels{"app/suppl: SUPPL_SEND req 0 ret 11"})
        << QStringLiteral("app/client: dispatch woken (req 0 PROCESSED)") << QStringList{}
        << QList<int>{} << QStringList{QStringLiteral("dispatch_return")}
        << QStringList{QStringLiteral("request_state")} << 0 << 0 << kAny << QStringList{}
        << dispatchReturn << 11 << kAny;

    // The real T11: the signal ends the wait, the SEND completes the request
    // before the kill path gets reqs_lock; the kill path finds PROCESSED and
    // keeps the supplicant's result (spec §3.3 step 6, §7 case 4).
    QTest::newRow("T11 PROCESSED seen in the kill path keeps the supplicant's result")
        << foreign << 11
        << toQt(kForeignProcessing + Labels{"kill cli",
                                            "cli/main: dispatch interrupted by SIGKILL (req 0)",
                                            "srv/suppl: SUPPL_SEND req 0 ret 11"})
        << QStringLiteral("cli/main: dispatch killed (req 0 PROCESSED)") << QStringList{}
        << QList<int>{}
        << QStringList{QStringLiteral("lock"), QStringLiteral("unlock"),
                       QStringLiteral("dispatch_return")}
        << QStringList{QStringLiteral("request_state")} << 0 << 0 << kAny
        << QStringList{QStringLiteral("cli/main: callback response 11")} << dispatchReturn << 11
        << 11;

    QTest::newRow("kill after completion: woken normally, keeps the supplicant's error")
        << foreign << 11
        << toQt(kForeignProcessing + Labels{"srv/suppl: SUPPL_SEND req 0 ret 11", "kill cli"})
        << QStringLiteral("cli/main: dispatch woken (req 0 PROCESSED)") << QStringList{}
        << QList<int>{} << QStringList{QStringLiteral("dispatch_return")}
        << QStringList{QStringLiteral("request_state")} << 0 << 0 << kAny
        << QStringList{QStringLiteral("cli/main: callback response 11")} << dispatchReturn << 11
        << 11;

    QTest::newRow("kill after completion: woken normally, keeps the supplicant's success")
        << foreign << 0
        << toQt(kForeignProcessing + Labels{"srv/suppl: SUPPL_SEND req 0 ret 0",
                                            "srv/suppl: SEND unmarshal output of req 0",
                                            "kill cli"})
        << QStringLiteral("cli/main: dispatch woken (req 0 PROCESSED)") << QStringList{}
        << QList<int>{} << QStringList{QStringLiteral("dispatch_return")}
        << QStringList{QStringLiteral("request_state")} << 0 << 1 << kAny
        << QStringList{QStringLiteral("cli/main: callback response 0")} << dispatchReturn << 0
        << int(qres::OK);
}

void TstTransitions::transition()
{
    QFETCH(QString, scenario);
    QFETCH(int, replyErrno);
    QFETCH(QStringList, prefix);
    QFETCH(QString, action);
    QFETCH(QStringList, transitions);
    QFETCH(QList<int>, reqErrnos);
    QFETCH(QStringList, kinds);
    QFETCH(QStringList, noKinds);
    QFETCH(int, watch);
    QFETCH(int, live);
    QFETCH(int, idInIdr);
    QFETCH(QStringList, then);
    QFETCH(QString, errnoKind);
    QFETCH(int, errnoValue);
    QFETCH(int, wire);

    std::string error;
    const bool isForeign = scenario == QLatin1String("foreign");
    auto sc = loadScenario(isForeign ? kForeign : kLocal, &error);
    QVERIFY2(sc, error.c_str());
    if (replyErrno != 0)
        setReplies(*sc, replyErrno);
    ScenarioRunner r(sc);

    QVERIFY2(r.steps(fromQt(prefix), &error), error.c_str());
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
    if (watch >= 0)
        QVERIFY2(r.state.request(RequestId(watch)),
                 "the watched request must exist before the action");

    const size_t mark = r.events.size();
    QVERIFY2(r.step(action.toStdString(), &error), error.c_str());
    const EventList ev = r.lastEvents();

    // The request transitions of this one step, exactly.
    QStringList got;
    QList<int> gotErrnos;
    for (const Event &e : ev)
        if (e.kind == EventKind::RequestState) {
            got << QString::fromStdString(std::string(reqStateName(e.from)) + "->" +
                                          reqStateName(e.to));
            gotErrnos << e.errno_;
        }
    QCOMPARE(got, transitions);
    QCOMPARE(gotErrnos, reqErrnos);

    // The expected event kinds appear in this order.
    size_t from = 0;
    for (const QString &k : kinds) {
        const int i = indexOf(
            ev, [&](const Event &e) { return QLatin1String(eventKindName(e.kind)) == k; }, from);
        QVERIFY2(i >= 0,
                 qPrintable(QStringLiteral("missing (in order) event ") + k +
                            QStringLiteral(" in:\n") + QString::fromStdString(eventsText(ev))));
        from = size_t(i) + 1;
    }
    for (const QString &k : noKinds)
        QVERIFY2(
            indexOf(ev, [&](const Event &e) { return QLatin1String(eventKindName(e.kind)) == k; }) <
                0,
            qPrintable(QStringLiteral("unexpected event ") + k));

    // The request's record and its reqs_idr slot afterwards.
    const Event *first = nullptr;
    for (const Event &e : ev)
        if (e.kind == EventKind::RequestState) {
            first = &e;
            break;
        }
    const RequestId rid = watch >= 0 ? RequestId(watch) : first ? first->request : RequestId();
    if (live != kAny) {
        QVERIFY(rid.valid());
        QCOMPARE(r.state.request(rid) != nullptr, live == 1);
    }
    if (idInIdr != kAny) {
        QVERIFY(first);
        const Context &c = r.state.context(first->ctx);
        const bool present = std::any_of(c.reqsIdr.begin(), c.reqsIdr.end(),
                                         [&](const IdrEntry &en) { return en.id == first->reqId; });
        QCOMPARE(present, idInIdr == 1);
        // I8: only QUEUED and PROCESSING requests are on reqs_list
        for (int32_t id : c.reqsList) {
            const Request *q = r.state.request(RequestId(id));
            QVERIFY(q);
            QVERIFY(q->state == ReqState::QUEUED || q->state == ReqState::PROCESSING);
        }
    }

    // What the client and QTEE see afterwards.
    QVERIFY2(r.steps(fromQt(then), &error), error.c_str());
    const EventList after = r.eventsSince(mark);
    if (!errnoKind.isEmpty()) {
        const int i = indexOf(after, [&](const Event &e) {
            return QLatin1String(eventKindName(e.kind)) == errnoKind;
        });
        QVERIFY2(i >= 0, qPrintable(QStringLiteral("no ") + errnoKind));
        QCOMPARE(after[size_t(i)].errno_, errnoValue);
    }
    if (wire != kAny) {
        const auto responses = ofKind(after, EventKind::SmcCallbackResponse);
        QVERIFY(!responses.empty());
        QCOMPARE(responses.front().value, wire);
    }
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

QTEST_GUILESS_MAIN(TstTransitions)
#include "tst_transitions.moc"
