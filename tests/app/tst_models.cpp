// The document and the item models of app/models, without a display.
//
// The important test is inspectorsMatchTheEngine: for built-in runs the
// inspector rows at a cursor step must say what the engine's State says
// after exactly that many steps of the run's schedule (replayed with
// Engine::apply step by step, and with sim::replay for a sample of steps
// visited in a jumping order). The models read only the timeline model
// (Timeline::stateAfter), so this checks the timeline against the engine,
// and the models' in-place row updates against a fresh build.
#include "app/models/contextsmodel.h"
#include "app/models/eventfiltermodel.h"
#include "app/models/eventlogmodel.h"
#include "app/models/inspectorfiltermodel.h"
#include "app/models/objectsmodel.h"
#include "app/models/requestsmodel.h"
#include "app/models/rundocument.h"
#include "app/models/threadsmodel.h"
#include "app/models/violationsmodel.h"

#include "core/vocabulary.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <random>

using tee::sim::LaneKind;
using tee::sim::ThreadState;

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

// -- what the engine's State says, one line per entity -------------------------------

ThreadState engineThreadState(const tee::Environment &env, const tee::State &s,
                              const tee::Thread &t)
{
    if (t.phase == tee::Phase::Exited)
        return ThreadState::Exited;
    if (env.waitsInUserSpace(s, t))
        return ThreadState::Blocked; // at a wait step (model version 9)
    if (s.lockAsleep(t))
        return ThreadState::Blocked;
    if (t.blocked != tee::BlockReason::None && !t.lockWait.valid())
        return ThreadState::Blocked;
    if (t.worker)
        return t.phase == tee::Phase::WorkerIdle ? ThreadState::Idle : ThreadState::InKernel;
    return t.phase == tee::Phase::User ? ThreadState::Running : ThreadState::InKernel;
}

QString threadLine(int id, ThreadState state, tee::BlockReason reason, bool killed, int request,
                   int lockCtx, int lockHolder, QList<int> locks)
{
    std::sort(locks.begin(), locks.end());
    QStringList held;
    for (const int c : locks)
        held << QString::number(c);
    return QStringLiteral("thread %1 state %2 reason %3 killed %4 request %5 lock %6 held by %7 "
                          "holds [%8]")
        .arg(id)
        .arg(int(state))
        .arg(int(reason))
        .arg(killed)
        .arg(request)
        .arg(lockCtx)
        .arg(lockHolder)
        .arg(held.join(QLatin1Char(',')));
}

// A supplicant asleep on req_c whose wake-up step found reqs_lock held
// sleeps on the lock first (a Blocked event, no Woken for req_c). The
// timeline then shows it in SUPPL_RECV once the lock wait ends, which is
// where it is; the engine keeps Thread::blocked at ReqC until the thread's
// next step emits Woken(req_c). True when that is the case at step `k`.
bool reqCWaitEndedByLockWait(const tee::EventList &ev, tee::ThreadId t, uint64_t k)
{
    const tee::Event *lastBlocked = nullptr;
    bool wokenAfter = false;
    for (const tee::Event &e : ev) {
        if (e.step > k)
            break;
        if (e.thread != t)
            continue;
        if (e.kind == tee::EventKind::Blocked) {
            lastBlocked = &e;
            wokenAfter = false;
        } else if (e.kind == tee::EventKind::Woken) {
            wokenAfter = true;
        }
    }
    return lastBlocked && lastBlocked->value == int(tee::BlockReason::Lock) && wokenAfter;
}

QStringList engineThreads(const tee::Environment &env, const tee::State &s,
                          const tee::EventList &ev)
{
    QStringList out;
    for (const tee::Thread &t : s.threads) {
        ThreadState st = engineThreadState(env, s, t);
        const bool userWait = env.waitsInUserSpace(s, t);
        if (st == ThreadState::Blocked && !t.lockWait.valid() &&
            t.blocked == tee::BlockReason::ReqC && reqCWaitEndedByLockWait(ev, t.id, s.step))
            st = ThreadState::InKernel;
        tee::BlockReason reason = tee::BlockReason::None;
        int request = -1, lockCtx = -1, lockHolder = -1;
        if (st == ThreadState::Blocked) {
            reason = userWait          ? tee::BlockReason::UserWait
                     : s.lockAsleep(t) ? tee::BlockReason::Lock
                                       : t.blocked;
            if (reason == tee::BlockReason::Completion)
                request = t.dispatchReq.v;
            if (reason == tee::BlockReason::Lock) {
                lockCtx = t.lockWait.v;
                lockHolder = s.context(t.lockWait).reqsLockOwner.v;
            }
        }
        // A thread that exited before its process was killed got no signal:
        // the killed flag is compared while the thread lives.
        const bool killed = st != ThreadState::Exited && t.process.valid() &&
                            s.processes[size_t(t.process.v)].killed;
        QList<int> locks;
        for (const tee::Context &c : s.contexts)
            if (c.reqsLockOwner == t.id)
                locks << c.id.v;
        out << threadLine(t.id.v, st, reason, killed, request, lockCtx, lockHolder, locks);
    }
    return out;
}

QStringList modelThreads(const ThreadsModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r) {
        const QModelIndex i = m.index(r, 0);
        const auto st = ThreadState(i.data(ThreadsModel::StateRole).toInt());
        const auto reason = tee::BlockReason(i.data(ThreadsModel::ReasonRole).toInt());
        QList<int> locks;
        for (const QVariant &v : i.data(ThreadsModel::LocksHeldRole).toList())
            locks << v.toInt();
        out << threadLine(
            i.data(ThreadsModel::IdRole).toInt(), st, reason,
            st != ThreadState::Exited && i.data(ThreadsModel::KilledRole).toBool(),
            reason == tee::BlockReason::Completion ? i.data(ThreadsModel::RequestRole).toInt() : -1,
            i.data(ThreadsModel::LockCtxRole).toInt(), i.data(ThreadsModel::PeerRole).toInt(),
            locks);
    }
    return out;
}

tee::sim::ContextState engineContextState(const tee::Context &c)
{
    if (c.ctxFreed)
        return tee::sim::ContextState::Released;
    return c.closed ? tee::sim::ContextState::Closed : tee::sim::ContextState::Open;
}

QString contextLine(int id, const QString &state, int pins, QList<int> pinnedBy)
{
    std::sort(pinnedBy.begin(), pinnedBy.end());
    QStringList objs;
    for (const int o : pinnedBy)
        objs << QString::number(o);
    return QStringLiteral("ctx %1 %2 pins %3 [%4]")
        .arg(id)
        .arg(state)
        .arg(pins)
        .arg(objs.join(QLatin1Char(',')));
}

// Contexts until their context data is freed. The driver's own context
// (ctx0) has a lane only when an event names it.
QStringList engineContexts(const tee::State &s, const tee::sim::Timeline &tl,
                           const tee::Environment &env)
{
    QStringList out;
    for (const tee::Context &c : s.contexts) {
        if (c.dataFreed)
            continue;
        if (c.id.v == 0 && tl.laneOf({LaneKind::Context, 0}) == tee::sim::kNone)
            continue;
        QList<int> pinnedBy;
        for (const tee::KObject &o : s.objects)
            if (o.type == tee::ObjectType::User && o.owner == c.id)
                pinnedBy << o.id.v;
        // the tee_context kref and its holders, in the order they took it
        QStringList heldBy;
        for (const tee::CtxHolder &h : c.refs)
            heldBy << (c.id.v == 0 && h.kind == tee::CtxHolderKind::File
                           ? QStringLiteral("the driver (qcomtee_probe)")
                           : QString::fromStdString(tee::vocab::ctxHolder(env, h.kind, h.a)));
        out << contextLine(c.id.v, ContextsModel::stateText(engineContextState(c)),
                           int(pinnedBy.size()), pinnedBy) +
                   QStringLiteral(" refcount %1 held by %2")
                       .arg(c.ctxFreed ? 0 : int(c.refs.size()))
                       .arg(heldBy.join(QLatin1Char(',')));
    }
    return out;
}

QStringList modelContexts(const ContextsModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r) {
        QList<int> pinnedBy;
        for (const QVariant &v : m.index(r, 0).data(ContextsModel::PinnedByRole).toList())
            pinnedBy << v.toInt();
        out << contextLine(m.index(r, 0).data(ContextsModel::IdRole).toInt(),
                           m.index(r, ContextsModel::State).data().toString(),
                           m.index(r, ContextsModel::Pins).data().toInt(), pinnedBy) +
                   QStringLiteral(" refcount %1 held by %2")
                       .arg(m.index(r, 0).data(ContextsModel::RefcountRole).toInt())
                       .arg(m.index(r, 0)
                                .data(ContextsModel::HeldByRole)
                                .toStringList()
                                .join(QLatin1Char(',')));
    }
    return out;
}

QString objectLine(const QString &name, const QString &type, const QString &what,
                   const QString &owner, int refcount, QStringList holders)
{
    holders.sort();
    return QStringLiteral("%1 %2 %3 owner %4 refcount %5 holders [%6]")
        .arg(name, type, what, owner)
        .arg(refcount)
        .arg(holders.join(QStringLiteral("; ")));
}

QStringList engineObjects(const tee::sim::Simulator &sim, const tee::State &s)
{
    QStringList out;
    for (const tee::KObject &o : s.objects) {
        QStringList holders;
        // the timeline carries a holder's kind and id, not the idr id of a
        // qtee_objects_idr entry (see the report in the commit)
        for (const tee::Holder &h : o.holders)
            holders << qs(tee::vocab::holder(sim, h.kind, h.arg()));
        out << objectLine(qs(tee::vocab::object(o.id)), qs(tee::vocab::objectKind(o.type)),
                          qs(tee::vocab::objectWhat(o.type, o.qteeId, o.userObjectId)),
                          o.owner.valid() ? qs(tee::vocab::ctx(o.owner)) : QString(), o.refcount(),
                          holders);
    }
    return out;
}

QStringList modelObjects(const ObjectsModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << objectLine(m.index(r, ObjectsModel::Object).data().toString(),
                          m.index(r, ObjectsModel::Type).data().toString(),
                          m.index(r, ObjectsModel::What).data().toString(),
                          m.index(r, ObjectsModel::Owner).data().toString(),
                          m.index(r, ObjectsModel::Refcount).data().toInt(),
                          m.index(r, 0).data(ObjectsModel::HoldersRole).toStringList());
    return out;
}

// The requests the driver still has: in reqs_list or reqs_idr (QUEUED,
// PROCESSING, the placeholder), or PROCESSED until its client's dispatch
// returns (T10). A record the engine keeps only for the I12 checks (a
// supplicant still points at freed memory) is not the driver's.
bool driverHasRequest(const tee::Request &r)
{
    switch (r.state) {
    case tee::ReqState::QUEUED:
    case tee::ReqState::PROCESSING:
    case tee::ReqState::Placeholder:
        return true;
    case tee::ReqState::PROCESSED:
        return !r.argsFreed;
    default:
        return false;
    }
}

QStringList engineRequests(const tee::State &s)
{
    QStringList out;
    for (const tee::Request &r : s.requests) {
        if (!driverHasRequest(r))
            continue;
        out << QStringLiteral("%1 %2 %3 %4 %5 %6")
                   .arg(qs(tee::vocab::request(r.id, r.ctx, r.reqId)), qs(tee::vocab::ctx(r.ctx)),
                        qs(tee::vocab::reqState(r.state)),
                        r.object.valid() ? qs(tee::vocab::object(r.object)) : QString(),
                        qs(tee::vocab::op(r.op)),
                        r.state == tee::ReqState::PROCESSED ? qs(tee::vocab::errnoText(r.errno_))
                                                            : QString());
    }
    return out;
}

QStringList modelRequests(const RequestsModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r) {
        QStringList cells;
        for (int c = 0; c < RequestsModel::ColumnCount; ++c)
            cells << m.index(r, c).data().toString();
        out << cells.join(QLatin1Char(' '));
    }
    return out;
}

// -- a run, stepped by the engine ---------------------------------------------------

class Stepper
{
public:
    explicit Stepper(const tee::sim::Simulator &sim)
        : m_sim(sim)
        , m_state(sim.initialState())
    {}
    const tee::State &state() const { return m_state; }
    bool apply(const std::string &label)
    {
        m_sim.engine().enabled(m_state, m_enabled);
        const int k = m_sim.engine().matchLabel(m_state, m_enabled, label);
        if (k < 0)
            return false;
        m_events.clear();
        m_sim.engine().apply(m_state, m_enabled[size_t(k)], m_events);
        return true;
    }

private:
    const tee::sim::Simulator &m_sim;
    tee::State m_state;
    std::vector<tee::Action> m_enabled;
    tee::EventList m_events;
};

// Every model and proxy on one document, each watched by a tester.
struct Models
{
    explicit Models(RunDocument *doc)
        : threads(doc)
        , contexts(doc)
        , objects(doc)
        , requests(doc)
        , violations(doc)
        , log(doc)
    {
        threadsProxy.setSourceModel(&threads);
        contextsProxy.setSourceModel(&contexts);
        objectsProxy.setSourceModel(&objects);
        requestsProxy.setSourceModel(&requests);
        violationsProxy.setSourceModel(&violations);
        logProxy.setSourceModel(&log);
        const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
        for (QAbstractItemModel *m : std::initializer_list<QAbstractItemModel *>{
                 &threads, &contexts, &objects, &requests, &violations, &log, &threadsProxy,
                 &contextsProxy, &objectsProxy, &requestsProxy, &violationsProxy, &logProxy})
            testers.push_back(std::make_unique<QAbstractItemModelTester>(m, mode));
        // sorted proxies re-sort on every change: the testers watch that too
        objectsProxy.sort(ObjectsModel::Refcount, Qt::DescendingOrder);
        requestsProxy.sort(RequestsModel::State);
    }
    ThreadsModel threads;
    ContextsModel contexts;
    ObjectsModel objects;
    RequestsModel requests;
    ViolationsModel violations;
    EventLogModel log;
    InspectorFilterModel threadsProxy, contextsProxy, objectsProxy, requestsProxy, violationsProxy;
    EventFilterModel logProxy;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
};

bool touchesRequest(const tee::Event &e, int id)
{
    return e.request.v == id || e.other.v == id;
}

} // namespace

class TestModels : public QObject
{
    Q_OBJECT

private:
    static void sameLines(const QStringList &model, const QStringList &engine, const QByteArray &at)
    {
        if (model != engine)
            qWarning("%s: the inspector differs from the engine", at.constData());
        QCOMPARE(model, engine);
    }

    // Compares every inspector with the engine's state `s` (after the
    // document's cursor step).
    static void compareWithEngine(const RunDocument &doc, const Models &m, const tee::State &s)
    {
        const uint64_t k = doc.cursor();
        const QByteArray at = "at step " + QByteArray::number(qulonglong(k));
        QCOMPARE(m.threads.step(), k);
        QCOMPARE(m.objects.step(), k);
        QCOMPARE(s.step, k);
        sameLines(modelThreads(m.threads), engineThreads(*doc.simulator(), s, doc.trace().events),
                  at);
        sameLines(modelContexts(m.contexts), engineContexts(s, doc.timeline(), *doc.simulator()),
                  at);
        sameLines(modelObjects(m.objects), engineObjects(*doc.simulator(), s), at);
        sameLines(modelRequests(m.requests), engineRequests(s), at);
        if (QTest::currentTestFailed())
            return;
        // the refcount column and role agree with the holders
        for (int r = 0; r < m.objects.rowCount(); ++r)
            QCOMPARE(m.objects.index(r, 0).data(ObjectsModel::RefcountRole).toInt(),
                     int(m.objects.holders(r).size()));
        // "changed": an event of the cursor step names the request
        const tee::sim::StepInfo &st = doc.timeline().step(k);
        const tee::EventList &ev = doc.trace().events;
        for (int r = 0; r < m.requests.rowCount(); ++r) {
            const int id = m.requests.idAt(r);
            bool touched = false;
            for (uint32_t i = st.eventBegin; i < st.eventEnd; ++i)
                touched = touched || touchesRequest(ev[i], id);
            QVERIFY2(m.requests.index(r, 0).data(RequestsModel::ChangedRole).toBool() == touched,
                     at.constData());
        }
        for (int r = 0; r < m.objects.rowCount(); ++r) {
            const int id = m.objects.idAt(r);
            bool touched = false;
            for (uint32_t i = st.eventBegin; i < st.eventEnd; ++i)
                touched = touched || ev[i].object.v == id;
            QVERIFY2(m.objects.index(r, 0).data(ObjectsModel::ChangedRole).toBool() == touched,
                     at.constData());
            QCOMPARE(m.objects.rowOfId(id), r);
        }
    }

    static QString builtin(const char *name) { return QString::fromLatin1(name); }

private Q_SLOTS:
    // -- the inspectors against the engine ------------------------------------------

    void inspectorsMatchTheEngine_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<int>("minSteps");
        QTest::addColumn<QString>("variant"); // "NAME=VALUE", or empty: the scenario's own
        QTest::newRow("kill-while-processing")
            << builtin("kill-while-processing") << 5 << QString();
        QTest::newRow("close-context-async-release")
            << builtin("close-context-async-release") << 5 << QString();
        QTest::newRow("srcu-vs-lock") << builtin("srcu-vs-lock") << 5 << QString();
        QTest::newRow("stress") << builtin("stress") << 2000 << QString();
        // and the rest of the library, for breadth
        QTest::newRow("default") << builtin("default") << 1 << QString();
        QTest::newRow("request-id-reuse") << builtin("request-id-reuse") << 1 << QString();
        QTest::newRow("kill-while-queued") << builtin("kill-while-queued") << 1 << QString();
        QTest::newRow("kill-after-processed") << builtin("kill-after-processed") << 1 << QString();
        QTest::newRow("release-notification") << builtin("release-notification") << 1 << QString();
        QTest::newRow("release-worker-blocked")
            << builtin("release-worker-blocked") << 1 << QString();
        QTest::newRow("release-retry") << builtin("release-retry") << 1 << QString();
        QTest::newRow("multiple-supplicants") << builtin("multiple-supplicants") << 1 << QString();
        QTest::newRow("send-after-client-killed")
            << builtin("send-after-client-killed") << 1 << QString();
        QTest::newRow("supplicant-exits-holding")
            << builtin("supplicant-exits-holding") << 1 << QString();
        QTest::newRow("callback-after-close") << builtin("callback-after-close") << 1 << QString();
        QTest::newRow("memory-object-map") << builtin("memory-object-map") << 1 << QString();
        QTest::newRow("same-process-client-and-supplicant")
            << builtin("same-process-client-and-supplicant") << 1 << QString();
        // the RFC's qcomtee_context_data ref_cnt is not the tee_context kref:
        // its gets and puts (events with value 1) are not counted
        QTest::newRow("close-context-async-release lifetime=kref")
            << builtin("close-context-async-release") << 5 << QStringLiteral("lifetime=kref");
        QTest::newRow("callback-after-close lifetime=kref")
            << builtin("callback-after-close") << 5 << QStringLiteral("lifetime=kref");
        QTest::newRow("callback-after-close lifetime=none")
            << builtin("callback-after-close") << 5 << QStringLiteral("lifetime=none");
    }

    void inspectorsMatchTheEngine()
    {
        QFETCH(QString, scenario);
        QFETCH(int, minSteps);
        QFETCH(QString, variant);
        RunDocument doc;
        Models m(&doc);
        QString error;
        if (variant.isEmpty()) {
            QVERIFY2(doc.openScenario(scenario, &error), qPrintable(error));
        } else {
            std::string err;
            std::shared_ptr<const tee::sim::Scenario> sc =
                tee::sim::loadScenario(scenario.toStdString(), &err);
            QVERIFY2(sc, err.c_str());
            tee::Variant v = sc->variant;
            QCOMPARE(v.set(variant.toStdString()), std::string());
            auto sim = std::make_shared<const tee::sim::Simulator>(sc, v);
            tee::sim::RunOptions opts;
            opts.policy = sc->policy;
            opts.seed = sc->seed;
            opts.maxSteps = sc->maxSteps;
            tee::sim::Trace trace = tee::sim::run(*sim, opts, &err);
            QVERIFY2(err.empty(), err.c_str());
            doc.setRun(RunDocument::makeRun(std::move(sim), std::move(trace), opts));
            QCOMPARE(doc.variantText(), QString::fromStdString(v.toString()));
        }
        const uint64_t n = doc.stepCount();
        QVERIFY(n >= uint64_t(minSteps));
        QCOMPARE(n, uint64_t(doc.trace().schedule.size()));
        QCOMPARE(doc.cursor(), uint64_t(0));

        // Forward, one step at a time: the rows are updated in place.
        Stepper stepper(*doc.simulator());
        compareWithEngine(doc, m, stepper.state());
        if (QTest::currentTestFailed())
            return;
        for (uint64_t k = 1; k <= n; ++k) {
            QVERIFY(stepper.apply(doc.trace().schedule[size_t(k - 1)]));
            doc.setCursor(k);
            compareWithEngine(doc, m, stepper.state());
            if (QTest::currentTestFailed())
                return;
        }

        // Jumps back and forth, each checked against a replay of exactly
        // that many steps of the schedule.
        std::vector<uint64_t> steps = {0, n, n / 2, 1, n - 1, n / 3, (2 * n) / 3};
        std::mt19937_64 rng(9);
        for (int i = 0; i < 8; ++i)
            steps.push_back(rng() % (n + 1));
        for (const uint64_t k : steps) {
            const std::vector<std::string> prefix(doc.trace().schedule.begin(),
                                                  doc.trace().schedule.begin() + ptrdiff_t(k));
            std::string err;
            const tee::sim::Trace replayed = tee::sim::replay(*doc.simulator(), prefix, &err);
            QVERIFY2(err.empty(), err.c_str());
            doc.setCursor(k);
            compareWithEngine(doc, m, replayed.final);
            if (QTest::currentTestFailed())
                return;
        }
    }

    // -- the document -------------------------------------------------------------------

    void cursorSignals()
    {
        RunDocument doc;
        QSignalSpy moved(&doc, &RunDocument::cursorChanged);
        QSignalSpy changed(&doc, &RunDocument::documentChanged);
        doc.setCursor(4); // nothing open: nothing to move
        QCOMPARE(moved.count(), 0);
        QString error;
        QVERIFY2(doc.openScenario(QStringLiteral("kill-while-processing"), &error),
                 qPrintable(error));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(moved.count(), 0); // a scenario opens at step 0, where the cursor was

        ObjectsModel objects(&doc);
        QSignalSpy objectResets(&objects, &QAbstractItemModel::modelReset);
        doc.setCursor(0);
        QCOMPARE(moved.count(), 0);
        doc.setCursor(5);
        QCOMPARE(moved.count(), 1);
        QCOMPARE(moved.takeFirst().at(0).value<uint64_t>(), uint64_t(5));
        doc.setCursor(5);
        QCOMPARE(moved.count(), 0);
        doc.setCursor(doc.stepCount() + 100); // clamped
        QCOMPARE(doc.cursor(), doc.stepCount());
        QCOMPARE(moved.count(), 1);
        QCOMPARE(moved.takeFirst().at(0).value<uint64_t>(), doc.stepCount());
        doc.setCursor(doc.stepCount() + 1);
        QCOMPARE(moved.count(), 0);
        // one step at a time the object rows are inserted and removed, not reset
        QSignalSpy inserted(&objects, &QAbstractItemModel::rowsInserted);
        for (uint64_t k = 0; k <= doc.stepCount(); ++k)
            doc.setCursor(k);
        QCOMPARE(objectResets.count(), 0);
        QVERIFY(inserted.count() > 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(moved.count(), int(doc.stepCount()) + 1);
        moved.clear();

        // another run: documentChanged, then cursorChanged as the step differs
        QVERIFY(doc.openScenario(QStringLiteral("default"), &error));
        QCOMPARE(changed.count(), 2);
        QCOMPARE(moved.count(), 1);
        QCOMPARE(moved.takeFirst().at(0).value<uint64_t>(), uint64_t(0));
        QCOMPARE(objectResets.count(), 1);
        doc.clear();
        QCOMPARE(changed.count(), 3);
        QCOMPARE(moved.count(), 0);
        QCOMPARE(objects.rowCount(), 0);
        doc.clear(); // already empty: nothing happens
        QCOMPARE(changed.count(), 3);
    }

    // A program's wait step (model version 9): before s1 has opened the fd
    // and the service, the 3x2 built-in's clients wait in user space for
    // both variables; once s1's open_service returned, for none.
    void threadsPanelShowsUserSpaceWaits()
    {
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY2(doc.openScenario(QStringLiteral("three-clients-two-supplicants"), &error),
                 qPrintable(error));
        const auto row = [&](const QString &name) {
            for (int r = 0; r < m.threads.rowCount(); ++r)
                if (m.threads.index(r, ThreadsModel::Name).data().toString() == name)
                    return r;
            return -1;
        };
        doc.setCursor(0);
        const int c1 = row(QStringLiteral("app/c1")), s2 = row(QStringLiteral("app/s2"));
        QVERIFY(c1 >= 0 && s2 >= 0);
        QCOMPARE(m.threads.index(c1, ThreadsModel::State).data().toString(),
                 QStringLiteral("waits in user space"));
        QCOMPARE(m.threads.index(c1, ThreadsModel::WaitsOn).data().toString(),
                 QStringLiteral("variables fd, svc"));
        QCOMPARE(m.threads.index(s2, ThreadsModel::WaitsOn).data().toString(),
                 QStringLiteral("variable fd"));
        QVERIFY(m.threads.index(c1, ThreadsModel::State)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("app/c1 waits in user space for variables fd, svc")));
        // s1's open_service (OBJECT_INVOKE ROOT op 32) returns at step 3
        doc.setCursor(3);
        QCOMPARE(m.threads.index(c1, ThreadsModel::State).data().toString(),
                 QStringLiteral("running"));
        QCOMPARE(m.threads.index(c1, ThreadsModel::WaitsOn).data().toString(), QString());
    }

    void killWhileProcessingShowsThePlaceholder()
    {
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY2(doc.openScenario(QStringLiteral("kill-while-processing"), &error),
                 qPrintable(error));
        const tee::EventList &ev = doc.trace().events;
        const auto kill = std::find_if(ev.begin(), ev.end(), [](const tee::Event &e) {
            return e.kind == tee::EventKind::Killed;
        });
        QVERIFY(kill != ev.end());
        // After the kill the client's killable wait ends by SIGKILL
        // (dispatch_signalled), then the kill path of
        // qcomtee_user_object_dispatch makes the PROCESSING request the
        // placeholder (dispatch_killed, spec §2.5 T8).
        const auto &spans = doc.trace().spans;
        QCOMPARE(spans[size_t(kill->step)].verb, tee::vocab::Verb::DispatchSignalled);
        const uint64_t after = kill->step + 2;
        QCOMPARE(spans[size_t(after - 1)].verb, tee::vocab::Verb::DispatchKilled);
        const auto states = [&] {
            QStringList l;
            for (int r = 0; r < m.requests.rowCount(); ++r)
                l << m.requests.index(r, RequestsModel::State).data().toString();
            return l;
        };
        doc.setCursor(kill->step);
        QVERIFY(states().contains(QStringLiteral("PROCESSING")));
        QVERIFY(!states().contains(QStringLiteral("PLACEHOLDER")));
        doc.setCursor(kill->step + 1);
        QVERIFY(states().contains(QStringLiteral("PROCESSING")));
        QVERIFY(!states().contains(QStringLiteral("PLACEHOLDER")));
        doc.setCursor(kill->step);
        // the killed process's threads say so
        int killed = 0;
        for (int r = 0; r < m.threads.rowCount(); ++r)
            killed += m.threads.index(r, 0).data(ThreadsModel::KilledRole).toBool();
        QVERIFY(killed >= 1);

        doc.setCursor(after);
        int row = -1;
        for (int r = 0; r < m.requests.rowCount(); ++r)
            if (m.requests.index(r, 0).data(RequestsModel::StateRole).toInt() ==
                int(tee::ReqState::Placeholder))
                row = r;
        QVERIFY(row >= 0);
        QCOMPARE(m.requests.index(row, RequestsModel::State).data().toString(),
                 qs(tee::vocab::reqState(tee::ReqState::Placeholder)));
        QCOMPARE(m.requests.index(row, RequestsModel::State).data().toString(),
                 QStringLiteral("PLACEHOLDER"));
        QVERIFY(m.requests.index(row, 0).data(RequestsModel::ChangedRole).toBool());
        // the changed-only filter keeps it
        InspectorFilterModel changedOnly;
        changedOnly.setSourceModel(&m.requests);
        changedOnly.setChangedOnly(true);
        QVERIFY(changedOnly.rowCount() >= 1);
        for (int r = 0; r < changedOnly.rowCount(); ++r)
            QVERIFY(changedOnly.index(r, 0).data(RequestsModel::ChangedRole).toBool());
    }

    void failedOpenLeavesTheDocument_data()
    {
        QTest::addColumn<bool>("capture");
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("named"); // the error names this
        const QString bad = QStringLiteral(TEESCOPE_TEST_DATA "/bad-scenarios/bad-policy.json");
        QTest::newRow("unknown built-in")
            << false << QStringLiteral("no-such-scenario") << QStringLiteral("no-such-scenario");
        QTest::newRow("missing scenario file") << false << QStringLiteral("/nonexistent/dir/x.json")
                                               << QStringLiteral("/nonexistent/dir/x.json");
        QTest::newRow("bad scenario file") << false << bad << QStringLiteral("bad-policy.json");
        QTest::newRow("missing capture")
            << true << QStringLiteral("/nonexistent/dir/c.json") << QStringLiteral("c.json");
        QTest::newRow("scenario as capture")
            << true << QStringLiteral(TEESCOPE_SOURCE_DIR "/resources/scenarios/default.json")
            << QStringLiteral("default.json");
        QTest::newRow("bad scenario as capture")
            << true << bad << QStringLiteral("bad-policy.json");
    }

    void failedOpenLeavesTheDocument()
    {
        QFETCH(bool, capture);
        QFETCH(QString, input);
        QFETCH(QString, named);
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY2(doc.openScenario(QStringLiteral("srcu-vs-lock"), &error), qPrintable(error));
        doc.setCursor(7);
        const QString title = doc.title();
        const uint64_t steps = doc.stepCount();
        const size_t events = doc.trace().events.size();
        const QStringList objects = modelObjects(m.objects);
        const int logRows = m.log.rowCount();
        QSignalSpy changed(&doc, &RunDocument::documentChanged);
        QSignalSpy moved(&doc, &RunDocument::cursorChanged);
        error.clear();
        const bool ok = capture ? doc.openCapture(input, &error) : doc.openScenario(input, &error);
        QVERIFY(!ok);
        QVERIFY2(error.contains(named), qPrintable(error));
        QCOMPARE(changed.count(), 0);
        QCOMPARE(moved.count(), 0);
        QCOMPARE(doc.title(), title);
        QCOMPARE(doc.stepCount(), steps);
        QCOMPARE(doc.trace().events.size(), events);
        QCOMPARE(doc.cursor(), uint64_t(7));
        QCOMPARE(modelObjects(m.objects), objects);
        QCOMPARE(m.log.rowCount(), logRows);
        QCOMPARE(doc.source(), RunDocument::Source::Scenario);
    }

    void captureOpensAtItsFirstViolation_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::newRow("request-id-reuse") << builtin("request-id-reuse");
        QTest::newRow("default (none)") << builtin("default");
        QTest::newRow("kill-while-processing") << builtin("kill-while-processing");
    }

    // A capture of this model version whose recording its schedule does
    // not give again is shown as recorded, and says where it differs (an
    // empty event list opened silently and drew a broken plot).
    void editedCaptureSaysItDiffers_data()
    {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no events")
            << QStringLiteral("events") << QStringLiteral("expected 0 events, got 89");
        QTest::newRow("a refcount") << QStringLiteral("refcount") << QStringLiteral("refcount");
        QTest::newRow("a span") << QStringLiteral("span") << QStringLiteral("spans[1] (step 2)");
        QTest::newRow("the stop") << QStringLiteral("stop")
                                  << QStringLiteral("stop: the capture says \"stuck\"");
    }
    void editedCaptureSaysItDiffers()
    {
        QFETCH(QString, edit);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("run.json"));
        RunDocument ran;
        QString error;
        QVERIFY2(ran.openScenario(QStringLiteral("default"), &error), qPrintable(error));
        QVERIFY2(ran.saveCapture(path, &error), qPrintable(error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        f.close();
        if (edit == QLatin1String("events")) {
            o.insert(QStringLiteral("events"), QJsonArray());
            o.remove(QStringLiteral("violations"));
        } else if (edit == QLatin1String("refcount")) {
            QJsonArray events = o.value(QLatin1String("events")).toArray();
            for (qsizetype i = 0; i < events.size(); ++i) {
                QJsonObject e = events.at(i).toObject();
                if (e.value(QLatin1String("kind")).toString() == QLatin1String("ref_get")) {
                    e.insert(QStringLiteral("refcount"),
                             e.value(QLatin1String("refcount")).toInt() + 5);
                    events.replace(i, e);
                    break;
                }
            }
            o.insert(QStringLiteral("events"), events);
        } else if (edit == QLatin1String("stop")) {
            o.insert(QStringLiteral("stop"), QStringLiteral("stuck"));
            o.insert(QStringLiteral("stop_detail"),
                     QStringLiteral("app/suppl waits for a forged thing"));
        } else {
            QJsonArray spans = o.value(QLatin1String("spans")).toArray();
            QJsonArray second = spans.at(1).toArray();
            second.replace(1, second.at(1).toInteger() + 7);
            spans.replace(1, second);
            o.insert(QStringLiteral("spans"), spans);
        }
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QJsonDocument(o).toJson());
        f.close();
        RunDocument doc;
        QVERIFY2(doc.openCapture(path, &error), qPrintable(error));
        QVERIFY2(doc.recordingDiffers().contains(expected), qPrintable(doc.recordingDiffers()));
    }

    void captureOpensAtItsFirstViolation()
    {
        QFETCH(QString, scenario);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("run.json"));

        RunDocument ran;
        QString error;
        QVERIFY2(ran.openScenario(scenario, &error), qPrintable(error));
        QVERIFY2(ran.saveCapture(path, &error), qPrintable(error));
        const std::optional<uint64_t> first = ran.firstViolationStep();
        if (scenario == QStringLiteral("request-id-reuse"))
            QVERIFY2(first && ran.violationCount() >= 1, "request-id-reuse has a violation");

        RunDocument doc;
        Models m(&doc);
        QSignalSpy moved(&doc, &RunDocument::cursorChanged);
        QVERIFY2(doc.openCapture(path, &error), qPrintable(error));
        QCOMPARE(doc.source(), RunDocument::Source::Capture);
        QCOMPARE(doc.cursor(), first.value_or(0));
        QCOMPARE(moved.count(), first.value_or(0) ? 1 : 0);
        QCOMPARE(doc.stepCount(), ran.stepCount());
        QVERIFY(doc.trace().events == ran.trace().events);
        QCOMPARE(doc.recordingDiffers(), QString()); // it replays as recorded
        QCOMPARE(doc.violationCount(), ran.violationCount());
        QCOMPARE(doc.title(), ran.title());
        QCOMPARE(doc.variantText(), ran.variantText());
        QCOMPARE(doc.policyName(), ran.policyName());
        QCOMPARE(doc.lead(), ran.lead());
        QVERIFY(!doc.lead().isEmpty());

        // at the cursor, the recorded run says what the engine says
        std::vector<std::string> prefix(doc.trace().schedule.begin(),
                                        doc.trace().schedule.begin() + ptrdiff_t(doc.cursor()));
        std::string err;
        const tee::sim::Trace replayed = tee::sim::replay(*doc.simulator(), prefix, &err);
        QVERIFY2(err.empty(), err.c_str());
        compareWithEngine(doc, m, replayed.final);

        // the violations panel lists the findings; the first violation's row
        // is at the cursor
        int findings = 0;
        for (const tee::Event &e : doc.trace().events)
            findings += e.kind == tee::EventKind::Violation || e.kind == tee::EventKind::Gap ||
                        e.kind == tee::EventKind::Note;
        QCOMPARE(m.violations.rowCount(), findings);
        if (first) {
            int row = -1;
            for (int r = 0; r < m.violations.rowCount() && row < 0; ++r)
                if (m.violations.index(r, 0).data(ViolationsModel::StateRole).toInt() ==
                    int(tee::EventKind::Violation))
                    row = r;
            QVERIFY(row >= 0);
            QCOMPARE(m.violations.index(row, 0).data(ViolationsModel::StepRole).toULongLong(),
                     doc.cursor());
        }
        // saved again, it reads back the same
        const QString again = dir.filePath(QStringLiteral("again.json"));
        QVERIFY2(doc.saveCapture(again, &error), qPrintable(error));
        RunDocument back;
        QVERIFY2(back.openCapture(again, &error), qPrintable(error));
        QVERIFY(back.trace().events == doc.trace().events);
    }

    void saveCaptureFailsCleanly()
    {
        RunDocument doc;
        QString error;
        QVERIFY(!doc.saveCapture(QStringLiteral("/nonexistent/x.json"), &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(doc.openScenario(QStringLiteral("default"), &error));
        error.clear();
        QVERIFY(!doc.saveCapture(QStringLiteral("/nonexistent/dir/x.json"), &error));
        QVERIFY2(error.contains(QStringLiteral("/nonexistent/dir/x.json")), qPrintable(error));
        QVERIFY(!QFile::exists(QStringLiteral("/nonexistent/dir/x.json")));
    }

    void olderCaptureIsShownNotRewritten_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("model 2") << QStringLiteral("model2-kill-while-processing.json");
        QTest::newRow("model 1") << QStringLiteral("model1-srcu-vs-lock.json");
        QTest::newRow("model 4") << QStringLiteral("model4-missed-wakeup.json");
    }

    void olderCaptureIsShownNotRewritten()
    {
        QFETCH(QString, file);
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY2(doc.openCapture(QStringLiteral(TEESCOPE_TEST_DATA "/captures/") + file, &error),
                 qPrintable(error));
        QVERIFY(doc.stepCount() > 0);
        for (uint64_t k = 0; k <= doc.stepCount(); ++k)
            doc.setCursor(k);
        QVERIFY(m.log.rowCount() > 0);
        QTemporaryDir tmp;
        const QString out = tmp.filePath(QStringLiteral("x.json"));
        QVERIFY(!doc.saveCapture(out, &error));
        QVERIFY2(error.contains(QStringLiteral("model version")), qPrintable(error));
        QVERIFY(!QFile::exists(out));
    }

    void documentFacts()
    {
        RunDocument doc;
        QVERIFY(doc.isEmpty());
        QCOMPARE(doc.stepCount(), uint64_t(0));
        QVERIFY(doc.title().isEmpty());
        QCOMPARE(doc.timeline().stepCount(), uint64_t(0));
        QString error;
        QVERIFY(doc.openScenario(QStringLiteral("srcu-vs-lock"), &error));
        const tee::sim::Scenario &sc = doc.simulator()->scenario();
        QCOMPARE(doc.title(), qs(sc.title.empty() ? sc.name : sc.title));
        QCOMPARE(doc.description(), qs(sc.description));
        QCOMPARE(doc.variantText(), qs(doc.simulator()->engine().variant().toString()));
        QCOMPARE(doc.policyName(), QString::fromLatin1(tee::sim::policyName(sc.policy)));
        QCOMPARE(doc.timeline().stepCount(), doc.stepCount());
        // lane names are the vocabulary's
        QCOMPARE(doc.laneName({LaneKind::Context, 1}), QStringLiteral("ctx1"));
        QCOMPARE(doc.laneName({LaneKind::Object, 5}), QStringLiteral("obj5"));
        QCOMPARE(doc.laneName({LaneKind::Request, 3}), QStringLiteral("req#3"));
        QCOMPARE(doc.laneName({LaneKind::Thread, 0}),
                 qs(doc.simulator()->threadName(tee::ThreadId(0))));
    }

    // -- the violations panel ---------------------------------------------------------

    void violationsModel()
    {
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY(doc.openScenario(QStringLiteral("request-id-reuse"), &error));
        const tee::EventList &ev = doc.trace().events;
        int row = 0;
        for (const tee::Event &e : ev) {
            if (e.kind != tee::EventKind::Violation && e.kind != tee::EventKind::Gap &&
                e.kind != tee::EventKind::Note)
                continue;
            QVERIFY(row < m.violations.rowCount());
            const auto cell = [&](int c) { return m.violations.index(row, c).data().toString(); };
            QCOMPARE(cell(ViolationsModel::Step).toULongLong(), e.step);
            QCOMPARE(cell(ViolationsModel::Explanation),
                     qs(tee::vocab::findingText(*doc.simulator(), e)));
            if (e.kind == tee::EventKind::Violation) {
                QCOMPARE(cell(ViolationsModel::Kind), QStringLiteral("violation"));
                QCOMPARE(cell(ViolationsModel::Item), QStringLiteral("I%1").arg(e.invariant));
            }
            // the lane is the one the timeline marks it on
            const int kind = m.violations.index(row, 0).data(ViolationsModel::LaneKindRole).toInt();
            if (kind >= 0) {
                const tee::sim::LaneKey key{
                    LaneKind(kind),
                    m.violations.index(row, 0).data(ViolationsModel::LaneIdRole).toInt()};
                QCOMPARE(cell(ViolationsModel::Lane), doc.laneName(key));
                if (e.request.valid())
                    QCOMPARE(key, (tee::sim::LaneKey{LaneKind::Request, e.request.v}));
            }
            ++row;
        }
        QCOMPARE(row, m.violations.rowCount());
        QVERIFY(row >= 1);
        QCOMPARE(m.violations.rowAtOrAfter(0), 0);
        QCOMPARE(m.violations.rowAtOrAfter(doc.stepCount() + 1), -1);
        // the cursor does not change the panel
        QSignalSpy resets(&m.violations, &QAbstractItemModel::modelReset);
        doc.setCursor(3);
        QCOMPARE(resets.count(), 0);
        // sorted by step through the proxy: numbers, not text
        m.violationsProxy.sort(ViolationsModel::Step, Qt::DescendingOrder);
        for (int r = 1; r < m.violationsProxy.rowCount(); ++r)
            QVERIFY(
                m.violationsProxy.index(r - 1, 0).data(ViolationsModel::StepRole).toULongLong() >=
                m.violationsProxy.index(r, 0).data(ViolationsModel::StepRole).toULongLong());
    }

    // A capture's reviewer notes are rows of the panel too, in step order
    // among the engine's findings (after those of their step), named by the
    // lane of their entity, and the panel follows the notes as they change.
    void violationsModelListsReviewerNotes()
    {
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY(doc.openScenario(QStringLiteral("request-id-reuse"), &error));
        const int findings = m.violations.rowCount();
        QVERIFY(findings >= 1);
        const uint64_t first =
            m.violations.index(0, 0).data(ViolationsModel::StepRole).toULongLong();
        QVERIFY(first > 1);
        QSignalSpy resets(&m.violations, &QAbstractItemModel::modelReset);
        doc.setNotes({{first, "the id is reused here", "req#0"}, {1, "start", ""}});
        QCOMPARE(resets.count(), 1);
        QCOMPARE(m.violations.rowCount(), findings + 2);
        // the note at step 1 comes first; the other after the findings of its step
        QCOMPARE(m.violations.index(0, 0).data(ViolationsModel::NoteRole).toInt(), 1);
        QCOMPARE(m.violations.index(0, ViolationsModel::Kind).data().toString(),
                 QStringLiteral("reviewer note"));
        QCOMPARE(m.violations.index(0, ViolationsModel::Explanation).data().toString(),
                 QStringLiteral("start"));
        QCOMPARE(m.violations.index(0, ViolationsModel::Lane).data().toString(), QString());
        int row = -1;
        for (int r = 0; r < m.violations.rowCount(); ++r) {
            const QModelIndex i = m.violations.index(r, 0);
            QVERIFY(r == 0 ||
                    m.violations.index(r - 1, 0).data(ViolationsModel::StepRole).toULongLong() <=
                        i.data(ViolationsModel::StepRole).toULongLong());
            if (i.data(ViolationsModel::NoteRole).toInt() == 0)
                row = r;
            else if (row >= 0)
                QVERIFY(i.data(ViolationsModel::StepRole).toULongLong() > first);
        }
        QVERIFY(row > 0);
        QCOMPARE(m.violations.index(row, 0).data(ViolationsModel::IdRole).toInt(), -1);
        QCOMPARE(m.violations.index(row, ViolationsModel::Lane).data().toString(),
                 QStringLiteral("req#0"));
        QCOMPARE(LaneKind(m.violations.index(row, 0).data(ViolationsModel::LaneKindRole).toInt()),
                 LaneKind::Request);
        QCOMPARE(m.violations.index(row, 0).data(ViolationsModel::LaneIdRole).toInt(), 0);
        QCOMPARE(m.violations.rowAtOrAfter(0), 0);
        doc.setNotes({});
        QCOMPARE(m.violations.rowCount(), findings);
    }

    // -- the filter proxies ------------------------------------------------------------

    void eventFilterByText()
    {
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY(doc.openScenario(QStringLiteral("kill-while-processing"), &error));
        const QString needle = QStringLiteral("PLACEHOLDER");
        m.logProxy.setFilterText(needle.toLower()); // case-insensitive
        int expected = 0;
        for (int r = 0; r < m.log.rowCount(); ++r) {
            bool hit = false;
            for (int c = 0; c < EventLogModel::ColumnCount; ++c)
                hit = hit || m.log.index(r, c).data().toString().contains(needle);
            expected += hit;
        }
        QVERIFY(expected >= 1);
        QCOMPARE(m.logProxy.rowCount(), expected);
        m.logProxy.setFilterText({});
        QCOMPARE(m.logProxy.rowCount(), m.log.rowCount());
    }

    void eventFilterByKind()
    {
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY(doc.openScenario(QStringLiteral("close-context-async-release"), &error));
        const std::vector<tee::EventKind> kinds = {tee::EventKind::RequestState,
                                                   tee::EventKind::AsyncRelease};
        m.logProxy.setKinds(kinds);
        QCOMPARE(m.logProxy.kinds(), kinds);
        const auto expected = std::count_if(
            doc.trace().events.begin(), doc.trace().events.end(), [&](const tee::Event &e) {
                return std::find(kinds.begin(), kinds.end(), e.kind) != kinds.end();
            });
        QVERIFY(expected >= 2);
        QCOMPARE(m.logProxy.rowCount(), int(expected));
        for (int r = 0; r < m.logProxy.rowCount(); ++r) {
            const auto k =
                tee::EventKind(m.logProxy.index(r, 0).data(EventLogModel::KindRole).toInt());
            QVERIFY(k == tee::EventKind::RequestState || k == tee::EventKind::AsyncRelease);
        }
        m.logProxy.setKinds({});
        QCOMPARE(m.logProxy.rowCount(), m.log.rowCount());
    }

    void eventFilterByEntity_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("id");
        QTest::newRow("req#0") << int(LaneKind::Request) << 0;
        QTest::newRow("obj1") << int(LaneKind::Object) << 1;
        QTest::newRow("ctx1") << int(LaneKind::Context) << 1;
        QTest::newRow("thread 0") << int(LaneKind::Thread) << 0;
        QTest::newRow("reqs_lock ctx") << int(LaneKind::Lock) << -1; // the first lock lane
        QTest::newRow("QTEE") << int(LaneKind::Qtee) << 0;
    }

    void eventFilterByEntity()
    {
        QFETCH(int, kind);
        QFETCH(int, id);
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY(doc.openScenario(QStringLiteral("kill-while-processing"), &error));
        const tee::EventList &ev = doc.trace().events;
        if (id < 0) {
            const auto [b, e] = doc.timeline().lanesOfKind(LaneKind(kind));
            QVERIFY(b < e);
            id = doc.timeline().lanes()[b].key.id;
        }
        const tee::sim::LaneKey key{LaneKind(kind), id};
        m.logProxy.setEntity(key);
        QCOMPARE(m.logProxy.entity(), std::optional(key));
        // an independent reading of "touches"
        const auto touches = [&](const tee::Event &e) {
            switch (key.kind) {
            case LaneKind::Request:
                return e.request.v == id || e.other.v == id;
            case LaneKind::Object:
                return e.object.v == id;
            case LaneKind::Context:
                return e.ctx.v == id;
            case LaneKind::Thread:
                return e.thread.v == id || e.actor.v == id ||
                       (e.kind == tee::EventKind::Killed &&
                        doc.simulator()->scenario().threadOwner(id).first == e.process.v);
            case LaneKind::Lock:
                return e.ctx.v == id &&
                       (e.kind == tee::EventKind::LockAcquire ||
                        e.kind == tee::EventKind::LockRelease ||
                        ((e.kind == tee::EventKind::Blocked || e.kind == tee::EventKind::Woken) &&
                         e.value == int(tee::BlockReason::Lock)));
            case LaneKind::Qtee:
                return e.kind == tee::EventKind::SmcInvoke ||
                       e.kind == tee::EventKind::SmcCallbackResponse ||
                       e.kind == tee::EventKind::QteeCallback ||
                       e.kind == tee::EventKind::QteeResult ||
                       e.kind == tee::EventKind::SmcFailed ||
                       e.kind == tee::EventKind::AsyncRelease;
            case LaneKind::Workqueue:
                break;
            }
            return false;
        };
        std::vector<int> expected;
        for (size_t i = 0; i < ev.size(); ++i)
            if (touches(ev[i]))
                expected.push_back(int(i));
        QVERIFY(!expected.empty());
        QCOMPARE(m.logProxy.rowCount(), int(expected.size()));
        for (int r = 0; r < m.logProxy.rowCount(); ++r)
            QCOMPARE(m.logProxy.mapToSource(m.logProxy.index(r, 0)).row(), expected[size_t(r)]);

        // step <-> row, for keeping the log and the timeline in sync: the
        // cursor step's rows when the filter shows some, else the last row
        // shown before it (never a later step's), none at step 0
        for (uint64_t k = 0; k <= doc.stepCount(); ++k) {
            const QModelIndex p = m.logProxy.indexForStep(k);
            const auto at = std::find_if(expected.begin(), expected.end(),
                                         [&](int i) { return ev[size_t(i)].step >= k; });
            if (k == 0) {
                QVERIFY(!p.isValid());
                continue;
            }
            if (at == expected.end() || ev[size_t(*at)].step != k) {
                if (at == expected.begin()) {
                    QVERIFY(!p.isValid());
                } else {
                    QVERIFY(p.isValid());
                    QCOMPARE(m.logProxy.mapToSource(p).row(), *(at - 1));
                    QVERIFY(*m.logProxy.stepAt(p.row()) < k);
                }
                continue;
            }
            QVERIFY(p.isValid());
            // that step's first violation shown, else its first row shown
            int want = *at;
            for (auto it = at; it != expected.end() && ev[size_t(*it)].step == k; ++it)
                if (ev[size_t(*it)].kind == tee::EventKind::Violation) {
                    want = *it;
                    break;
                }
            QCOMPARE(m.logProxy.mapToSource(p).row(), want);
            QCOMPARE(m.logProxy.stepAt(p.row()), std::optional(k));
        }
        QCOMPARE(m.logProxy.stepAt(-1), std::nullopt);
        QCOMPARE(m.logProxy.stepAt(m.logProxy.rowCount()), std::nullopt);

        // combined with a text filter, and cleared
        m.logProxy.setFilterText(QStringLiteral("no event says this"));
        QCOMPARE(m.logProxy.rowCount(), 0);
        QVERIFY(!m.logProxy.indexForStep(0).isValid());
        m.logProxy.setFilterText({});
        m.logProxy.setEntity(std::nullopt);
        QVERIFY(!m.logProxy.isFiltered());
        QCOMPARE(m.logProxy.rowCount(), m.log.rowCount());
    }

    void eventFilterWithoutDocument()
    {
        // a log fed by setEvents still filters by entity (the kill's threads
        // come from the scenario)
        RunDocument doc;
        QString error;
        QVERIFY(doc.openScenario(QStringLiteral("kill-while-processing"), &error));
        EventLogModel log;
        log.setEvents(doc.simulatorPtr(), doc.trace().events);
        EventFilterModel proxy;
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&log);
        EventLogModel withDoc(&doc);
        EventFilterModel proxyDoc;
        proxyDoc.setSourceModel(&withDoc);
        for (int t = 0; t < doc.timeline().threadCount(); ++t) {
            proxy.setEntity(tee::sim::LaneKey{LaneKind::Thread, t});
            proxyDoc.setEntity(tee::sim::LaneKey{LaneKind::Thread, t});
            QCOMPARE(proxy.rowCount(), proxyDoc.rowCount());
        }
    }

    void inspectorFilter()
    {
        RunDocument doc;
        Models m(&doc);
        QString error;
        QVERIFY(doc.openScenario(QStringLiteral("close-context-async-release"), &error));
        // the step with the most live objects
        uint64_t best = 0;
        int most = -1;
        for (uint64_t k = 0; k <= doc.stepCount(); ++k) {
            doc.setCursor(k);
            if (m.objects.rowCount() > most) {
                most = m.objects.rowCount();
                best = k;
            }
        }
        doc.setCursor(best);
        QVERIFY(most >= 2);
        // sorting by refcount (SortRole): numbers, descending
        for (int r = 1; r < m.objectsProxy.rowCount(); ++r)
            QVERIFY(m.objectsProxy.index(r - 1, 0).data(ObjectsModel::RefcountRole).toInt() >=
                    m.objectsProxy.index(r, 0).data(ObjectsModel::RefcountRole).toInt());
        // a text filter over every column
        const QString name = m.objects.index(0, ObjectsModel::Object).data().toString();
        m.objectsProxy.setFilterText(name.toUpper());
        QVERIFY(m.objectsProxy.rowCount() >= 1);
        for (int r = 0; r < m.objectsProxy.rowCount(); ++r) {
            bool hit = false;
            for (int c = 0; c < ObjectsModel::ColumnCount; ++c)
                hit = hit || m.objectsProxy.index(r, c).data().toString().contains(name);
            QVERIFY(hit);
        }
        // the filter follows the cursor
        doc.setCursor(0);
        doc.setCursor(best);
        QVERIFY(m.objectsProxy.rowCount() >= 1);
        m.objectsProxy.setFilterText({});
        QCOMPARE(m.objectsProxy.rowCount(), m.objects.rowCount());

        // threads: a thread's name finds its row
        const QString thread = m.threads.index(0, ThreadsModel::Name).data().toString();
        m.threadsProxy.setFilterText(thread);
        QVERIFY(m.threadsProxy.rowCount() >= 1);
        QCOMPARE(m.threadsProxy.index(0, ThreadsModel::Name).data().toString(), thread);
        m.threadsProxy.setFilterText(QStringLiteral("no such thread"));
        QCOMPARE(m.threadsProxy.rowCount(), 0);
    }

    void modelsWithoutADocument()
    {
        auto doc = std::make_unique<RunDocument>();
        Models m(doc.get());
        QString error;
        QVERIFY(doc->openScenario(QStringLiteral("default"), &error));
        QVERIFY(m.threads.rowCount() > 0);
        doc.reset(); // the document goes first: the tables empty, nothing dangles
        QCOMPARE(m.threads.rowCount(), 0);
        QCOMPARE(m.objects.rowCount(), 0);
        QCOMPARE(m.log.rowCount(), 0);
        QCOMPARE(m.violations.rowCount(), 0);
        ThreadsModel none(nullptr);
        QCOMPARE(none.rowCount(), 0);
        QCOMPARE(none.columnCount(), int(ThreadsModel::ColumnCount));
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
