// The level-parallel search (simulator/explore.h, docs/model.md
// "Exploration"): two jobs find what one finds, with and without reduction;
// exact mode's 16-bit section numbers widening to 32 bits.
// Its own test so that its ASan run has a timeout of its own
// (tst_explore_reduction's rows already take minutes there).
#include "explorefixture.h"

#include <QtTest>

using namespace tee;
using namespace tee::sim;
using explorefixture::checkPath;
using explorefixture::exploreWith;
using explorefixture::findings;
using explorefixture::kSanitized;
using explorefixture::kStateBound;
using explorefixture::simulator;

class TstExploreJobs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Two jobs find what one finds: the same states, transitions and
    // findings at the same lengths, with and without reduction, in both
    // stores.
    void jobs_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<QByteArray>("variant");
        // Under ASan (25-60 times slower) the rows of 10 K states and more
        // run without reduction only, and symmetric-clients (36 K states
        // with symmetry, 136 K without) not at all.
        if (!kSanitized)
            QTest::newRow("symmetric-clients")
                << QStringLiteral("symmetric-clients.json") << QByteArray();
        QTest::newRow("srcu-vs-lock none")
            << QStringLiteral("srcu-vs-lock") << QByteArray("argument=none");
        if (!kSanitized)
            QTest::newRow("release-worker-blocked")
                << QStringLiteral("release-worker-blocked") << QByteArray();
        QTest::newRow("send-after-client-killed lifetime=none")
            << QStringLiteral("send-after-client-killed") << QByteArray("lifetime=none");
    }
    void jobs()
    {
        QFETCH(QString, scenario);
        QFETCH(QByteArray, variant);
        const auto sim = simulator(scenario, variant);
        QVERIFY(sim);
        for (const bool reduction : {false, true}) {
            if (kSanitized && reduction && scenario != QLatin1String("srcu-vs-lock"))
                continue;
            for (const bool exact : {false, true}) {
                const ExploreResult one = exploreWith(*sim, exact, reduction, 1, kStateBound);
                const ExploreResult two = exploreWith(*sim, exact, reduction, 2, kStateBound);
                QVERIFY(one.complete);
                QCOMPARE(two.jobs, 2u);
                QCOMPARE(two.complete, one.complete);
                QCOMPARE(two.states, one.states);
                QCOMPARE(two.transitions, one.transitions);
                QCOMPARE(two.maxDepth, one.maxDepth);
                QCOMPARE(findings(two), findings(one));
                for (const auto &[inv, f] : two.violations)
                    checkPath(*sim, f);
            }
        }
    }

    // A deep, narrow space (one thread, a 10,000-step loop): every level is
    // one node, which one worker expands (no threads for a few chunks);
    // the path cache rebuilds each node from its parent, not from the root
    // (a 300,000-step loop took 112 s and 1.7-3.4 KB a state before).
    void deepNarrowSpace()
    {
        const auto sim = simulator("deep-loop.json", {});
        QVERIFY(sim);
        for (const unsigned jobs : {1u, 2u}) {
            const ExploreResult r = exploreWith(*sim, false, false, jobs);
            QVERIFY(r.complete);
            QCOMPARE(r.states, uint64_t(10003));
            QCOMPARE(r.transitions, uint64_t(10002));
            QCOMPARE(r.maxDepth, uint64_t(10002));
            QVERIFY(!r.found());
        }
    }

    // Exact mode stores section numbers in 16 bits until one outgrows them,
    // then widens that shard to 32 bits: with the limit lowered to make every
    // shard widen early (or at once), the same states, transitions, depth
    // and findings, with one and two jobs. (At a limit of 200 the shards
    // widen after storing vectors: a widening that lost them shows here.)
    void narrowSectionNumbersWiden()
    {
        const auto sim = simulator(QStringLiteral("send-after-client-killed"), "argument=none");
        QVERIFY(sim);
        const ExploreResult narrow = exploreWith(*sim, true, false, 1, kStateBound);
        QVERIFY(narrow.complete);
        QCOMPARE(narrow.wideShards, 0u);
        for (const uint32_t limit : {0u, 40u, 200u})
            for (const unsigned jobs : {1u, 2u}) {
                ExploreOptions o;
                o.reduction = false;
                o.exact = true;
                o.jobs = jobs;
                o.narrowSectionLimit = limit;
                const ExploreResult r = explore(*sim, o);
                QVERIFY(r.complete);
                QVERIFY2(r.wideShards > 0, qPrintable(QString::number(limit)));
                QCOMPARE(r.states, narrow.states);
                QCOMPARE(r.transitions, narrow.transitions);
                QCOMPARE(r.maxDepth, narrow.maxDepth);
                QCOMPARE(findings(r), findings(narrow));
            }
    }
};

QTEST_GUILESS_MAIN(TstExploreJobs)
#include "tst_explore_jobs.moc"
