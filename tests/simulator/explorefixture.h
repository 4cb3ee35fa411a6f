// Shared by the exploration tests (tst_explore, tst_explore_reference,
// tst_explore_reduction, tst_explore_jobs) and tst_transfer: a Simulator for
// a built-in or for a scenario file under tests/data/explore/, with variant
// assignments; a search with given options; its findings as one line; the replay checks of a
// finding's counterexample.
#pragma once

#include "simulator/capture.h"
#include "simulator/explore.h"
#include "simulator/scenarioloader.h"

#include <QByteArray>
#include <QString>
#include <QtTest>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace explorefixture {

// Under AddressSanitizer the search runs 25-60 times slower: tests keep the
// rows that explore about 100 K states for the release build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// The scenario's variants with `assignments` ("argument=none,lifetime=kref")
// applied; a bad assignment is a warning and is skipped.
inline tee::Variant variantOf(const tee::sim::Scenario &sc, const QByteArray &assignments)
{
    tee::Variant v = sc.variant;
    for (const QByteArray &a : assignments.split(',')) {
        if (a.isEmpty())
            continue;
        const std::string err = v.set(a.toStdString());
        if (!err.empty())
            qWarning("%s", err.c_str());
    }
    return v;
}

// `name` ending in ".json": tests/data/explore/NAME; else a built-in.
// `assignments`: as variantOf (empty: the scenario's own).
inline std::shared_ptr<const tee::sim::Simulator> simulator(const std::string &name,
                                                            const QByteArray &assignments)
{
    std::string error;
    const bool file = name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0;
    std::shared_ptr<const tee::sim::Scenario> sc =
        file ? tee::sim::loadScenario(TEESCOPE_TEST_DATA "/explore/" + name, &error)
             : tee::sim::loadBuiltin(name, &error);
    if (!sc) {
        qWarning("%s", error.c_str());
        return nullptr;
    }
    return std::make_shared<tee::sim::Simulator>(sc, variantOf(*sc, assignments));
}
inline std::shared_ptr<const tee::sim::Simulator> simulator(const char *name,
                                                            const QByteArray &assignments)
{
    return simulator(std::string(name), assignments);
}
inline std::shared_ptr<const tee::sim::Simulator> simulator(const QString &name,
                                                            const QByteArray &assignments)
{
    return simulator(name.toStdString(), assignments);
}

// The finding's schedule replayed by labels: the violation of its invariant
// happens at the last step and at no earlier one; a stuck finding ends stuck.
inline void checkReplay(const tee::sim::Simulator &sim, const tee::sim::ExploreFinding &f)
{
    using namespace tee;
    const std::vector<std::string> schedule = sim::findingSchedule(sim, f);
    QCOMPARE(schedule.size(), f.path.size());
    std::string error;
    const sim::Trace t = sim::replay(sim, schedule, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(t.schedule.size(), schedule.size());
    if (f.invariant == 0 && f.gap == 0) {
        QCOMPARE(sim::quiescentStop(sim, t.final, nullptr), sim::StopReason::Stuck);
        return;
    }
    uint64_t firstStep = 0;
    for (const Event &e : t.events)
        if (!firstStep &&
            (f.gap ? e.kind == EventKind::Gap && e.gap == f.gap && e.finding == f.finding
                   : e.kind == EventKind::Violation && e.invariant == f.invariant))
            firstStep = e.step;
    QCOMPARE(firstStep, uint64_t(schedule.size()));
}

// A search with these options (0: no bound). The tests' bound on states
// (kStateBound) only stops a search that grew far past what it expects.
constexpr uint64_t kStateBound = 1'000'000;
inline tee::sim::ExploreResult exploreWith(const tee::sim::Simulator &sim, bool exact,
                                           bool reduction, unsigned jobs, uint64_t maxStates = 0,
                                           uint64_t maxDepth = 0)
{
    tee::sim::ExploreOptions o;
    o.exact = exact;
    o.reduction = reduction;
    o.jobs = jobs;
    o.maxStates = maxStates;
    o.maxDepth = maxDepth;
    return tee::sim::explore(sim, o);
}

// A search's findings: "I2:16 I12:10 stuck:7" (invariant: shortest length).
inline QString findings(const std::map<int, uint64_t> &shortest, std::optional<uint64_t> stuck)
{
    QStringList out;
    for (const auto &[inv, len] : shortest)
        out << QStringLiteral("I%1:%2").arg(inv).arg(len);
    if (stuck)
        out << QStringLiteral("stuck:%1").arg(*stuck);
    return out.join(QLatin1Char(' '));
}
// The spec §9 gaps a search reached: "gap3/xa_id_left:5" (item, finding,
// the length of the first run found).
inline QString gaps(const std::map<std::pair<int, tee::Finding>, uint64_t> &shortest)
{
    QStringList out;
    for (const auto &[kind, len] : shortest)
        out << QStringLiteral("gap%1/%2:%3")
                   .arg(kind.first)
                   .arg(QLatin1String(tee::vocab::findingName(kind.second)))
                   .arg(len);
    return out.join(QLatin1Char(' '));
}
inline QString gaps(const tee::sim::ExploreResult &r)
{
    std::map<std::pair<int, tee::Finding>, uint64_t> shortest;
    for (const auto &[kind, f] : r.gaps)
        shortest.emplace(kind, f.length());
    return gaps(shortest);
}
inline QString findings(const tee::sim::ExploreResult &r)
{
    std::map<int, uint64_t> shortest;
    for (const auto &[inv, f] : r.violations)
        shortest.emplace(inv, f.length());
    return findings(shortest, r.stuck ? std::optional<uint64_t>(r.stuck->length()) : std::nullopt);
}

// The finding's path applied action by action: every action is enabled
// where it is taken; the last one shows the violation (or leaves nothing
// enabled, for a stuck state).
inline void checkPath(const tee::sim::Simulator &sim, const tee::sim::ExploreFinding &f)
{
    using namespace tee;
    State s = sim.initialState();
    EventList events;
    for (const Action &a : f.path) {
        const std::vector<Action> enabled = sim.engine().enabled(s);
        QVERIFY(std::find(enabled.begin(), enabled.end(), a) != enabled.end());
        events.clear();
        sim.engine().apply(s, a, events);
    }
    if (f.invariant || f.gap) {
        QVERIFY(std::any_of(events.begin(), events.end(), [&](const Event &e) {
            return f.gap ? e.kind == EventKind::Gap && e.gap == f.gap && e.finding == f.finding
                         : e.kind == EventKind::Violation && e.invariant == f.invariant;
        }));
    } else {
        QVERIFY(sim.engine().enabled(s).empty());
        QVERIFY(sim.engine().stuck(s));
    }
}

} // namespace explorefixture
