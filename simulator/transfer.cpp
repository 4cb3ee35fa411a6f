// The schedule-transfer rule (transfer.h describes it).
#include "transfer.h"

#include "core/text.h"

#include <algorithm>
#include <deque>
#include <random>

namespace tee::sim {

namespace {

using vocab::Verb;

// An actor: a thread (by index) or, for a scenario kill, a process.
struct Actor
{
    bool kill = false;
    int32_t index = -1;
};

Actor actorOf(const Action &a)
{
    return Actor{a.kind == Action::Kind::Kill, a.index};
}

// The enabled action of an actor, or en.size().
size_t enabledOf(const std::vector<Action> &en, Actor who)
{
    for (size_t i = 0; i < en.size(); ++i)
        if ((en[i].kind == Action::Kind::Kill) == who.kill && en[i].index == who.index)
            return i;
    return en.size();
}

} // namespace

std::vector<RecordedStep>
recordedSteps(const Simulator &sim, const std::vector<std::string> &schedule, std::string *error)
{
    std::vector<RecordedStep> out;
    out.reserve(schedule.size());
    State s = sim.initialState();
    std::vector<Action> en;
    EventList events;
    for (size_t i = 0; i < schedule.size(); ++i) {
        sim.engine().enabled(s, en);
        std::string why;
        const int k = sim.engine().matchLabel(s, en, schedule[i], &why);
        if (k < 0) {
            if (error)
                *error = "schedule[" + std::to_string(i) + "]: " + quotedText(schedule[i]) +
                         (k == -2 ? " at step " + std::to_string(i + 1) + ": " + why
                                  : " is not enabled at step " + std::to_string(i + 1));
            return out;
        }
        const Action a = en[size_t(k)];
        out.push_back({schedule[i], a, sim.engine().describe(s, a)});
        events.clear();
        sim.engine().apply(s, a, events);
    }
    return out;
}

bool sameAction(const vocab::ActionInfo &r, const vocab::ActionInfo &n)
{
    if (r.verb != n.verb || r.thread != n.thread)
        return false;
    switch (r.verb) {
    case Verb::Kill:
    case Verb::KillSyscall:
        return r.process == n.process;
    case Verb::Invoke:
    case Verb::InvokeRelease:
        return r.userId == n.userId && r.op == n.op;
    case Verb::QteeCallback:
        return r.op == n.op;
    case Verb::RecvMarshal:
        return r.value == n.value;
    case Verb::Close:
        return r.fd == n.fd;
    case Verb::ShmAlloc:
    case Verb::Compute:
        return r.amount == n.amount;
    case Verb::SupplSend:
        return r.errno_ == n.errno_;
    default:
        return true;
    }
}

const char *departureName(Departure::Why why)
{
    switch (why) {
    case Departure::Why::Skipped:
        return "skipped";
    case Departure::Why::Extra:
        return "extra";
    case Departure::Why::NotEnabled:
        return "not-enabled";
    case Departure::Why::PolicyChoice:
        return "policy-choice";
    case Departure::Why::Tail:
        return "tail";
    case Departure::Why::Unreached:
        return "unreached";
    }
    return "?";
}

std::string departureText(const Departure &d)
{
    // (an unreached step is past the new run's end: it is named by the end,
    // "step 24" of a 23-step run read as a step of it)
    std::string out = d.why == Departure::Why::Unreached
                          ? "after step " + std::to_string(d.step - 1) +
                                " (the new run's end): " + departureName(d.why) + ":"
                          : "step " + std::to_string(d.step) + ": " + departureName(d.why) + ":";
    const std::string rec = d.recordedStep ? "recorded step " + std::to_string(d.recordedStep) +
                                                 " " + quotedText(d.recorded)
                                           : std::string();
    switch (d.why) {
    case Departure::Why::Skipped:
    case Departure::Why::Unreached:
        return out + " " + rec;
    case Departure::Why::Extra:
        return out + " " + d.taken + (rec.empty() ? "" : " (before " + rec + ")");
    case Departure::Why::NotEnabled:
        return out + " " + rec + "; " + d.taken + " went first";
    case Departure::Why::PolicyChoice:
        return out + " " + d.taken + (rec.empty() ? "" : " (" + rec + " not enabled)");
    case Departure::Why::Tail:
        return out + " the policy goes on with " + d.taken;
    }
    return out;
}

TransferResult transferSchedule(const Simulator &source, const std::vector<std::string> &recorded,
                                const Simulator &target, const RunOptions &opts)
{
    TransferResult res;
    const std::vector<RecordedStep> rec = recordedSteps(source, recorded, &res.error);
    if (!res.error.empty())
        return res;

    // One queue per actor, in recorded order.
    std::vector<std::deque<size_t>> threadQ, killQ;
    auto queueOf = [&](Actor who) -> std::deque<size_t> & {
        auto &qs = who.kill ? killQ : threadQ;
        if (size_t(who.index) >= qs.size())
            qs.resize(size_t(who.index) + 1);
        return qs[size_t(who.index)];
    };
    for (size_t i = 0; i < rec.size(); ++i)
        queueOf(actorOf(rec[i].action)).push_back(i);
    std::vector<bool> used(rec.size(), false), reported(rec.size(), false);
    size_t due = 0;

    Trace &tr = res.trace;
    State s = target.initialState();
    std::vector<Action> en;
    PolicyChooser chooser(opts.policy, opts.seed);
    bool tailReported = false;

    auto actorIds = [](Departure &d, const vocab::ActionInfo &i) {
        d.thread = i.thread;
        if (i.verb == Verb::Kill)
            d.process = i.process;
    };
    auto take = [&](const Action &a, uint64_t origin) {
        applyToTrace(target, s, a, tr);
        res.origin.push_back(origin);
    };
    // Uses the entry of `q` that `info` matches (head, or within the skip
    // window: the entries before it reported Skipped). 0 when none.
    auto consume = [&](std::deque<size_t> &q, const vocab::ActionInfo &info) -> uint64_t {
        for (size_t j = 0; j < q.size() && j <= kSkipWindow; ++j) {
            if (!sameAction(rec[q[j]].info, info))
                continue;
            for (size_t k = 0; k < j; ++k) {
                Departure d;
                d.step = tr.schedule.size() + 1;
                d.why = Departure::Why::Skipped;
                d.recordedStep = q[k] + 1;
                actorIds(d, rec[q[k]].info);
                d.recorded = rec[q[k]].label;
                res.departures.push_back(std::move(d));
                used[q[k]] = true;
            }
            const size_t r = q[j];
            used[r] = true;
            q.erase(q.begin(), q.begin() + std::ptrdiff_t(j + 1));
            return r + 1;
        }
        return 0;
    };
    auto depart = [&](Departure::Why why, size_t dueStep, bool hasDue, const Action &a) {
        Departure d;
        d.step = tr.schedule.size() + 1;
        d.why = why;
        const vocab::ActionInfo info = target.engine().describe(s, a);
        actorIds(d, info);
        d.taken = vocab::label(target, info);
        if (hasDue) {
            d.recordedStep = dueStep + 1;
            d.recorded = rec[dueStep].label;
        }
        res.departures.push_back(std::move(d));
    };

    for (;;) {
        target.engine().enabled(s, en);
        if (tr.schedule.size() >= opts.maxSteps) {
            // (as run(): the bound cuts only a run with a step left)
            tr.stop = boundStop(target, s, en, &tr.stopDetail);
            break;
        }
        while (due < rec.size() && used[due])
            ++due;

        // 1. the tail
        if (due == rec.size()) {
            const size_t pick = chooser.choose(target, s, en);
            if (pick >= en.size()) {
                tr.stop = quiescentStop(target, s, &tr.stopDetail);
                break;
            }
            if (!tailReported) {
                tailReported = true;
                depart(Departure::Why::Tail, 0, false, en[pick]);
            }
            take(en[pick], 0);
            continue;
        }
        if (en.empty()) {
            tr.stop = quiescentStop(target, s, &tr.stopDetail);
            break;
        }

        // 2. the due actor's next recorded step
        const Actor who = actorOf(rec[due].action);
        std::deque<size_t> &dueQ = queueOf(who);
        if (const size_t i = enabledOf(en, who); i < en.size()) {
            const Action a = en[i];
            const vocab::ActionInfo info = target.engine().describe(s, a);
            if (const uint64_t origin = consume(dueQ, info)) {
                take(a, origin);
            } else {
                depart(Departure::Why::Extra, due, true, a);
                take(a, 0);
            }
            continue;
        }

        // 3. not enabled: the other heads, in recorded order
        std::vector<size_t> heads;
        for (const auto *qs : {&threadQ, &killQ})
            for (const auto &q : *qs)
                if (!q.empty() && q.front() != due)
                    heads.push_back(q.front());
        std::sort(heads.begin(), heads.end());
        bool took = false;
        for (const size_t h : heads) {
            const size_t i = enabledOf(en, actorOf(rec[h].action));
            if (i >= en.size())
                continue;
            const Action a = en[i];
            if (!sameAction(rec[h].info, target.engine().describe(s, a)))
                continue;
            if (!reported[due]) {
                reported[due] = true;
                depart(Departure::Why::NotEnabled, due, true, a);
            }
            queueOf(actorOf(a)).pop_front();
            used[h] = true;
            take(a, h + 1);
            took = true;
            break;
        }
        if (took)
            continue;

        // 4. the policy
        const size_t pick = chooser.choose(target, s, en);
        if (pick >= en.size()) {
            tr.stop = quiescentStop(target, s, &tr.stopDetail);
            break;
        }
        const Action a = en[pick];
        const uint64_t origin = consume(queueOf(actorOf(a)), target.engine().describe(s, a));
        depart(Departure::Why::PolicyChoice, due, true, a);
        take(a, origin);
    }

    for (size_t i = 0; i < rec.size(); ++i)
        if (!used[i]) {
            Departure d;
            d.step = tr.schedule.size() + 1;
            d.why = Departure::Why::Unreached;
            d.recordedStep = i + 1;
            actorIds(d, rec[i].info);
            d.recorded = rec[i].label;
            res.departures.push_back(std::move(d));
        }
    tr.final = std::move(s);
    return res;
}

} // namespace tee::sim
