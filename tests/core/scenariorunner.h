// Test helper shared by the core tests: loads an inline JSON scenario, steps
// the engine one labelled action at a time and keeps every event, so a test
// can assert on exactly what one step did.
//
// TestEnvironment wraps the Simulator (the built-in QTEE and the user
// programs) and adds what the scenario format cannot say: a supplicant
// thread that dies after RECV instead of SENDing (spec §7 case 7).
#pragma once

#include "core/engine.h"
#include "core/event.h"
#include "core/state.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace teetest {

class TestEnvironment final : public tee::Environment
{
public:
    explicit TestEnvironment(const tee::sim::Simulator &sim)
        : m_sim(sim)
    {}

    // The thread (by "process/thread" name) exits instead of its next SEND.
    void setDiesAfterRecv(const std::string &threadName) { m_dying.insert(threadName); }

    tee::Syscall nextSyscall(const tee::State &s, const tee::Thread &t) const override
    {
        tee::Syscall sc = m_sim.nextSyscall(s, t);
        if (sc.kind == tee::SyscallKind::SupplSend && m_dying.count(m_sim.threadName(t.id))) {
            tee::Syscall exit;
            exit.kind = tee::SyscallKind::Exit;
            return exit;
        }
        return sc;
    }
    void syscallReturned(tee::State &s, tee::Thread &t, const tee::SyscallResult &r) const override
    {
        m_sim.syscallReturned(s, t, r);
    }
    void qteeInvoke(tee::State &s, tee::Thread &t) const override { m_sim.qteeInvoke(s, t); }
    void qteeCallbackResponse(tee::State &s, tee::Thread &t, int32_t result) const override
    {
        m_sim.qteeCallbackResponse(s, t, result);
    }
    void enabledFaults(const tee::State &s, std::vector<tee::Action> &out) const override
    {
        m_sim.enabledFaults(s, out);
    }
    std::string processName(tee::ProcessId p) const override { return m_sim.processName(p); }
    std::string threadName(tee::ThreadId t) const override { return m_sim.threadName(t); }

private:
    const tee::sim::Simulator &m_sim;
    std::set<std::string> m_dying;
};

struct RunnerOptions
{
    std::optional<tee::Variant> variant;    // default: the scenario's own
    std::vector<std::string> diesAfterRecv; // see TestEnvironment
};

// Owns a scenario, its Simulator and (when the options ask for it) a
// TestEnvironment with its own Engine, plus the running state and events.
class ScenarioRunner
{
public:
    ScenarioRunner(std::shared_ptr<const tee::sim::Scenario> scenario,
                   const RunnerOptions &opts = {})
        : m_scenario(std::move(scenario))
    {
        const tee::Variant variant = opts.variant.value_or(m_scenario->variant);
        m_sim = std::make_unique<tee::sim::Simulator>(m_scenario, variant);
        if (!opts.diesAfterRecv.empty()) {
            m_env = std::make_unique<TestEnvironment>(*m_sim);
            for (const std::string &t : opts.diesAfterRecv)
                m_env->setDiesAfterRecv(t);
            m_engine = std::make_unique<tee::Engine>(*m_env, variant, m_scenario->costs);
        }
        state = m_sim->initialState();
    }

    const tee::Engine &engine() const { return m_engine ? *m_engine : m_sim->engine(); }
    const tee::sim::Simulator &simulator() const { return *m_sim; }
    const tee::sim::Scenario &scenario() const { return *m_scenario; }

    std::vector<std::string> enabledLabels() const
    {
        std::vector<std::string> out;
        for (const tee::Action &a : engine().enabled(state))
            out.push_back(engine().label(state, a));
        return out;
    }
    // Labels as schedules give them: today's, or those of model versions 1
    // and 2 (Engine::matchLabel), which many tests here still use.
    bool isEnabled(const std::string &label) const
    {
        return engine().matchLabel(state, engine().enabled(state), label) >= 0;
    }
    std::string enabledText() const
    {
        std::string out;
        for (const std::string &l : enabledLabels())
            out += (out.empty() ? "\"" : ", \"") + l + "\"";
        return out.empty() ? "nothing" : out;
    }

    // Applies the enabled action with this label. On failure `error` names
    // the label and what was enabled instead.
    bool step(const std::string &label, std::string *error = nullptr)
    {
        const std::vector<tee::Action> en = engine().enabled(state);
        std::string ambiguous;
        const int k = engine().matchLabel(state, en, label, &ambiguous);
        if (k >= 0) {
            apply(en[size_t(k)]);
            return true;
        }
        if (error && k == -2) {
            *error = "step " + std::to_string(state.step + 1) + ": \"" + label + "\": " + ambiguous;
            return false;
        }
        if (error)
            *error = "step " + std::to_string(state.step + 1) + ": \"" + label +
                     "\" is not enabled (enabled: " + enabledText() + ")";
        return false;
    }
    bool steps(const std::vector<std::string> &labels, std::string *error = nullptr)
    {
        for (const std::string &l : labels)
            if (!step(l, error))
                return false;
        return true;
    }

    // Runs with the scripted policy (conditional faults first, then the
    // lowest thread) until nothing is enabled or `maxSteps` more steps ran.
    // Returns false when the bound was hit.
    bool runScripted(uint64_t maxSteps = 2000)
    {
        for (uint64_t i = 0; i < maxSteps; ++i) {
            const std::vector<tee::Action> en = engine().enabled(state);
            const size_t pick = tee::sim::scriptedChoice(*m_sim, state, en);
            if (pick >= en.size())
                return true;
            apply(en[pick]);
        }
        return false;
    }

    void apply(const tee::Action &a)
    {
        schedule.push_back(engine().label(state, a));
        stepBegin.push_back(events.size());
        engine().apply(state, a, events);
    }

    // Events of the last applied step.
    tee::EventList lastEvents() const
    {
        if (stepBegin.empty())
            return {};
        return tee::EventList(events.begin() + std::ptrdiff_t(stepBegin.back()), events.end());
    }
    // Events since the event index `from`.
    tee::EventList eventsSince(size_t from) const
    {
        return tee::EventList(events.begin() + std::ptrdiff_t(std::min(from, events.size())),
                              events.end());
    }

    tee::ThreadId threadId(const std::string &name) const
    {
        for (const tee::Thread &t : state.threads)
            if (engine().environment().threadName(t.id) == name)
                return t.id;
        return {};
    }
    tee::ProcessId processId(const std::string &name) const
    {
        for (const tee::Process &p : state.processes)
            if (engine().environment().processName(p.id) == name)
                return p.id;
        return {};
    }
    const tee::Thread &thread(const std::string &name) const
    {
        return state.thread(threadId(name));
    }

    tee::State state;
    tee::EventList events;
    std::vector<std::string> schedule;
    std::vector<size_t> stepBegin; // index in `events` where each step's events begin

private:
    std::shared_ptr<const tee::sim::Scenario> m_scenario;
    std::unique_ptr<tee::sim::Simulator> m_sim;
    std::unique_ptr<TestEnvironment> m_env;
    std::unique_ptr<tee::Engine> m_engine;
};

// Loads an inline scenario; nullptr and `error` on failure.
inline std::shared_ptr<tee::sim::Scenario> loadScenario(const char *json, std::string *error)
{
    return tee::sim::loadScenarioJson(json, "inline", error);
}

// -- event queries ----------------------------------------------------------

inline std::vector<tee::Event> ofKind(const tee::EventList &events, tee::EventKind kind)
{
    std::vector<tee::Event> out;
    for (const tee::Event &e : events)
        if (e.kind == kind)
            out.push_back(e);
    return out;
}

inline int countKind(const tee::EventList &events, tee::EventKind kind)
{
    return int(std::count_if(events.begin(), events.end(),
                             [&](const tee::Event &e) { return e.kind == kind; }));
}

inline int violations(const tee::EventList &events, int invariant)
{
    return int(std::count_if(events.begin(), events.end(), [&](const tee::Event &e) {
        return e.kind == tee::EventKind::Violation && e.invariant == invariant;
    }));
}

inline int gaps(const tee::EventList &events, int item)
{
    return int(std::count_if(events.begin(), events.end(), [&](const tee::Event &e) {
        return e.kind == tee::EventKind::Gap && e.gap == item;
    }));
}

// Every violation as "I<n>: detail" lines, for failure messages.
inline std::string violationText(const tee::EventList &events)
{
    std::string out;
    for (const tee::Event &e : events)
        if (e.kind == tee::EventKind::Violation)
            out += "I" + std::to_string(e.invariant) + ": " + tee::vocab::findingName(e.finding) +
                   "\n";
    return out.empty() ? "none" : out;
}

// The request-state transitions in order, e.g. "QUEUED->PROCESSING".
inline std::vector<std::string> transitions(const tee::EventList &events, tee::RequestId id = {})
{
    std::vector<std::string> out;
    for (const tee::Event &e : events)
        if (e.kind == tee::EventKind::RequestState && (!id.valid() || e.request == id))
            out.push_back(std::string(tee::reqStateName(e.from)) + "->" + tee::reqStateName(e.to));
    return out;
}

// Index of the first event matching `pred` at or after `from`; -1 if none.
inline int indexOf(const tee::EventList &events,
                   const std::function<bool(const tee::Event &)> &pred, size_t from = 0)
{
    for (size_t i = from; i < events.size(); ++i)
        if (pred(events[i]))
            return int(i);
    return -1;
}

inline std::string eventsText(const tee::EventList &events)
{
    std::string out;
    for (const tee::Event &e : events) {
        out += std::to_string(e.step) + " " + tee::eventKindName(e.kind);
        if (e.kind == tee::EventKind::RequestState)
            out += std::string(" ") + tee::reqStateName(e.from) + "->" + tee::reqStateName(e.to) +
                   " reqId " + std::to_string(e.reqId) + " errno " + std::to_string(e.errno_);
        if (e.object.valid())
            out += " obj " + std::to_string(e.object.v);
        if (e.errno_ && e.kind != tee::EventKind::RequestState)
            out += " errno " + std::to_string(e.errno_);
        if (e.finding != tee::Finding::None)
            out += std::string(" ") + tee::vocab::findingName(e.finding);
        out += "\n";
    }
    return out;
}

} // namespace teetest
