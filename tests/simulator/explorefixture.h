// Shared by the exploration tests (tst_explore, tst_explore_reference,
// tst_explore_reduction) and tst_transfer: a Simulator for a built-in or for a scenario file
// under tests/data/explore/, with variant assignments, and the replay check
// of a finding's counterexample.
#pragma once

#include "simulator/capture.h"
#include "simulator/explore.h"
#include "simulator/scenarioloader.h"

#include <QByteArray>
#include <QString>
#include <QtTest>

#include <memory>
#include <string>

namespace explorefixture {

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
    if (f.invariant == 0) {
        QCOMPARE(sim::quiescentStop(sim, t.final, nullptr), sim::StopReason::Stuck);
        return;
    }
    uint64_t firstStep = 0;
    for (const Event &e : t.events)
        if (e.kind == EventKind::Violation && e.invariant == f.invariant && !firstStep)
            firstStep = e.step;
    QCOMPARE(firstStep, uint64_t(schedule.size()));
}

} // namespace explorefixture
