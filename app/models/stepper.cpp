#include "stepper.h"

#include "core/vocabulary.h"

#include <algorithm>

using tee::Action;
using tee::EventKind;
using tee::EventList;
using tee::State;
using tee::sim::Trace;

namespace {

// The first event of `events` (sorted by step) after `step`.
EventList::const_iterator eventsAfter(const EventList &events, uint64_t step)
{
    return std::partition_point(events.begin(), events.end(),
                                [step](const tee::Event &e) { return e.step <= step; });
}

template <class T>
size_t vecBytes(const std::vector<T> &v)
{
    return v.capacity() * sizeof(T);
}

// Counted as if no other State shared its elements (an upper bound).
template <class T>
size_t vecBytes(const tee::CowVector<T> &v)
{
    return v.size() * (sizeof(void *) + sizeof(T) + sizeof(uint64_t));
}

// What a State occupies (as bench_engine.cpp counts it): the struct and
// every heap block of its vectors, by capacity.
size_t stateBytes(const State &s)
{
    size_t n = sizeof(State);
    n += vecBytes(s.processes);
    for (const auto &p : s.processes)
        n += vecBytes(p.fds) + vecBytes(p.regs);
    n += vecBytes(s.threads);
    for (const auto &t : s.threads) {
        n += vecBytes(t.regs) + vecBytes(t.oic.args) + vecBytes(t.oic.u);
        n += vecBytes(t.sc.ib) + vecBytes(t.sc.ob) + vecBytes(t.sc.io);
        n += vecBytes(t.res.outObjects) + vecBytes(t.res.inObjects) + vecBytes(t.res.inUser);
    }
    n += vecBytes(s.files);
    n += vecBytes(s.contexts);
    for (const auto &c : s.contexts)
        n += vecBytes(c.refs) + vecBytes(c.dataRefs) + vecBytes(c.qteeObjectsIdr) +
             vecBytes(c.reqsIdr) + vecBytes(c.reqsList);
    n += vecBytes(s.objects);
    for (const auto &o : s.objects)
        n += vecBytes(o.holders);
    n += vecBytes(s.requests);
    for (const auto &r : s.requests)
        n += vecBytes(r.args);
    n += vecBytes(s.xaLocalObjects) + vecBytes(s.wq) + vecBytes(s.shms);
    n += vecBytes(s.qtee.objects) + vecBytes(s.qtee.held) + vecBytes(s.qtee.cbHeld);
    return n;
}

} // namespace

Stepper::Stepper(std::shared_ptr<const tee::sim::Simulator> sim, const tee::sim::RunOptions &opts,
                 uint64_t interval)
    : m_sim(std::move(sim))
    , m_opts(opts)
    , m_interval(std::max<uint64_t>(interval, 1))
    , m_initial(m_sim->initialState())
{}

std::unique_ptr<Stepper> Stepper::create(std::shared_ptr<const tee::sim::Simulator> sim,
                                         Trace trace, const tee::sim::RunOptions &opts,
                                         std::string *error, uint64_t interval)
{
    if (!sim) {
        if (error)
            *error = "no simulator";
        return nullptr;
    }
    std::unique_ptr<Stepper> st(new Stepper(std::move(sim), opts, interval));
    const tee::Engine &engine = st->m_sim->engine();
    auto root = std::make_unique<Branch>();
    root->id = st->m_nextId++;
    root->name = QStringLiteral("recorded");
    root->actions.reserve(trace.schedule.size());
    State s = st->m_initial;
    std::vector<Action> en;
    EventList scratch;
    for (size_t k = 0; k < trace.schedule.size(); ++k) {
        engine.enabled(s, en);
        // The span names the thread that took the step: one action per
        // thread, so no label needs matching unless the label disagrees
        // (a legacy label) or the step was a fault.
        int pick = -1;
        if (k < trace.spans.size() && trace.spans[k].actor.valid()) {
            const Action a{Action::Kind::Thread, trace.spans[k].actor.v, -1};
            const auto it = std::find(en.begin(), en.end(), a);
            if (it != en.end() && engine.label(s, *it) == trace.schedule[k])
                pick = int(it - en.begin());
        }
        std::string why;
        if (pick < 0)
            pick = engine.matchLabel(s, en, trace.schedule[k], &why);
        if (pick < 0) {
            if (error)
                *error = "step " + std::to_string(k + 1) + ": \"" + trace.schedule[k] +
                         "\" is not enabled" + (why.empty() ? "" : " (" + why + ")");
            return nullptr;
        }
        root->actions.push_back(en[size_t(pick)]);
        scratch.clear();
        engine.apply(s, en[size_t(pick)], scratch);
        if (s.step % st->m_interval == 0)
            st->addCheckpoint(*root, s);
    }
    root->schedule = std::move(trace.schedule);
    root->spans = std::move(trace.spans);
    root->events = std::move(trace.events);
    root->final = std::move(trace.final);
    root->stop = trace.stop;
    root->stopDetail = std::move(trace.stopDetail);
    st->m_rootViolations = trace.violations;
    st->m_branches.push_back(std::move(root));
    return st;
}

// -- branches -------------------------------------------------------------------

const Stepper::Branch *Stepper::find(int id) const
{
    for (const auto &b : m_branches)
        if (b->id == id)
            return b.get();
    return nullptr;
}

Stepper::Branch *Stepper::find(int id)
{
    return const_cast<Branch *>(std::as_const(*this).find(id));
}

Stepper::BranchInfo Stepper::infoOf(const Branch &b) const
{
    BranchInfo i;
    i.id = b.id;
    i.name = b.name;
    i.parent = b.parent;
    i.forkStep = b.fork;
    i.steps = b.end();
    if (b.parent >= 0 && !b.schedule.empty())
        i.forkLabel = b.schedule.front();
    i.stop = b.stop;
    i.stepByStep = b.stepByStep;
    return i;
}

std::vector<Stepper::BranchInfo> Stepper::branches() const
{
    std::vector<BranchInfo> out;
    out.reserve(m_branches.size());
    for (const auto &b : m_branches)
        out.push_back(infoOf(*b));
    return out;
}

std::optional<Stepper::BranchInfo> Stepper::info(int branch) const
{
    const Branch *b = find(branch);
    if (!b)
        return std::nullopt;
    return infoOf(*b);
}

uint64_t Stepper::stepCount(int branch) const
{
    const Branch *b = find(branch);
    return b ? b->end() : 0;
}

bool Stepper::rename(int branch, const QString &name)
{
    Branch *b = find(branch);
    if (!b)
        return false;
    b->name = name;
    return true;
}

std::vector<int> Stepper::discard(int branch)
{
    std::vector<int> gone;
    if (branch == rootId() || !find(branch))
        return gone;
    gone.push_back(branch);
    // Children are created after their parents: one pass in creation order
    // finds every descendant.
    for (const auto &b : m_branches)
        if (std::find(gone.begin(), gone.end(), b->parent) != gone.end())
            gone.push_back(b->id);
    std::erase_if(m_branches, [&](const std::unique_ptr<Branch> &b) {
        return std::find(gone.begin(), gone.end(), b->id) != gone.end();
    });
    return gone;
}

Trace Stepper::trace(int branch) const
{
    Trace t;
    const Branch *b = find(branch);
    if (!b)
        return t;
    // The chain root .. b; each ancestor contributes its steps up to the
    // fork of the next branch on the chain.
    std::vector<const Branch *> chain;
    for (const Branch *c = b; c; c = c->parent >= 0 ? find(c->parent) : nullptr)
        chain.push_back(c);
    std::reverse(chain.begin(), chain.end());
    t.schedule.reserve(b->end());
    t.spans.reserve(b->end());
    for (size_t i = 0; i < chain.size(); ++i) {
        const Branch &c = *chain[i];
        const uint64_t upTo = i + 1 < chain.size() ? chain[i + 1]->fork : c.end();
        const size_t n = size_t(upTo - c.fork);
        t.schedule.insert(t.schedule.end(), c.schedule.begin(), c.schedule.begin() + ptrdiff_t(n));
        t.spans.insert(t.spans.end(), c.spans.begin(),
                       c.spans.begin() + ptrdiff_t(std::min(n, c.spans.size())));
        t.events.insert(t.events.end(), c.events.begin(), eventsAfter(c.events, upTo));
    }
    t.final = b->final;
    t.stop = b->stop;
    t.stopDetail = b->stopDetail;
    if (b->parent < 0) {
        t.violations = m_rootViolations;
    } else {
        for (const tee::Event &e : t.events)
            if (e.kind == EventKind::Violation)
                t.violations++;
    }
    return t;
}

std::vector<std::string> Stepper::pathSchedule(const Branch &b) const
{
    std::vector<const Branch *> chain;
    for (const Branch *c = &b; c; c = c->parent >= 0 ? find(c->parent) : nullptr)
        chain.push_back(c);
    std::reverse(chain.begin(), chain.end());
    std::vector<std::string> out;
    out.reserve(b.end());
    for (size_t i = 0; i < chain.size(); ++i) {
        const Branch &c = *chain[i];
        const uint64_t upTo = i + 1 < chain.size() ? chain[i + 1]->fork : c.end();
        out.insert(out.end(), c.schedule.begin(), c.schedule.begin() + ptrdiff_t(upTo - c.fork));
    }
    return out;
}

// -- stepping -------------------------------------------------------------------

uint64_t Stepper::firstCheckpoint(const Branch &b) const
{
    return (b.fork / m_interval + 1) * m_interval;
}

const Action &Stepper::actionAt(const Branch &b, uint64_t step) const
{
    const Branch *c = &b;
    while (step <= c->fork)
        c = find(c->parent);
    return c->actions[size_t(step - c->fork - 1)];
}

void Stepper::addCheckpoint(Branch &b, const State &s)
{
    // Called for every multiple of the interval in (fork, end], in order.
    b.checkpoints.push_back(s);
}

std::optional<State> Stepper::stateAt(int branch, uint64_t step) const
{
    const Branch *b = find(branch);
    if (!b || step > b->end())
        return std::nullopt;
    // The nearest multiple of the interval at or before `step` lies on the
    // branch's path; the deepest branch of the chain with fork < m holds it.
    const uint64_t m = step / m_interval * m_interval;
    State s;
    if (m == 0) {
        s = m_initial;
    } else {
        const Branch *c = b;
        while (m <= c->fork)
            c = find(c->parent);
        s = c->checkpoints[size_t((m - firstCheckpoint(*c)) / m_interval)];
    }
    EventList scratch;
    const tee::Engine &engine = m_sim->engine();
    // Re-apply the path's Actions, walking the chain segment by segment.
    for (uint64_t k = m + 1; k <= step;) {
        const Branch *c = b;
        while (k <= c->fork)
            c = find(c->parent);
        // c holds steps k.. up to the fork of its child on the chain (or its end).
        uint64_t last = step;
        for (const Branch *d = b; d != c; d = find(d->parent))
            last = std::min(last, d->fork);
        for (; k <= last; ++k) {
            scratch.clear();
            engine.apply(s, c->actions[size_t(k - c->fork - 1)], scratch);
        }
    }
    return s;
}

std::vector<Stepper::Choice> Stepper::enabledAt(int branch, uint64_t step) const
{
    std::vector<Choice> out;
    const Branch *b = find(branch);
    const std::optional<State> s = stateAt(branch, step);
    if (!b || !s)
        return out;
    const tee::Engine &engine = m_sim->engine();
    const std::vector<Action> en = engine.enabled(*s);
    const bool hasNext = step < b->end();
    const Action next = hasNext ? actionAt(*b, step + 1) : Action{};
    out.reserve(en.size());
    for (const Action &a : en)
        out.push_back({a, engine.label(*s, a), hasNext && next == a});
    return out;
}

void Stepper::append(Branch &b, State &s, const Action &a)
{
    // What sim::run records for a step: the label, the span (the step's
    // simulated start and end, its thread, its verb) and the events.
    const tee::Engine &engine = m_sim->engine();
    const tee::vocab::ActionInfo info = engine.describe(s, a);
    b.schedule.push_back(tee::vocab::label(*m_sim, info));
    engine.apply(s, a, b.events);
    b.spans.push_back({s.stepStartNs.ns, s.stepEndNs.ns,
                       a.kind == Action::Kind::Thread ? tee::ThreadId(a.index) : tee::ThreadId(),
                       info.verb});
    b.actions.push_back(a);
    if (s.step % m_interval == 0)
        addCheckpoint(b, s);
}

void Stepper::finishStepByStep(Branch &b, const State &s)
{
    // As sim::replay ends a schedule: finished or stuck when nothing is
    // enabled, else the schedule simply ended here.
    b.stopDetail.clear();
    b.stop = m_sim->engine().enabled(s).empty() ? tee::sim::quiescentStop(*m_sim, s, &b.stopDetail)
                                                : tee::sim::StopReason::ScheduleEnd;
    b.final = s;
}

bool Stepper::continueByPolicy(Branch &b, State &s, std::string *error)
{
    // sim::run on the scenario with the branch's path as its fixed schedule:
    // the policy picks every step after it exactly as it does after a
    // scenario's own schedule (a random policy starts from the run's seed at
    // the end of the path).
    auto scenario = std::make_shared<tee::sim::Scenario>(m_sim->scenario());
    scenario->schedule = pathSchedule(b);
    const tee::sim::Simulator sim2(scenario, m_sim->engine().variant());
    tee::sim::RunOptions o = m_opts;
    o.useSchedule = true;
    o.maxSteps = std::max<uint64_t>(o.maxSteps, b.end());
    std::string err;
    const Trace t = tee::sim::run(sim2, o, &err);
    if (!err.empty() || t.schedule.size() < b.end()) {
        if (error)
            *error = "continuing by the policy: " + (err.empty() ? "the path did not replay" : err);
        return false;
    }
    const tee::Engine &engine = m_sim->engine();
    std::vector<Action> en;
    for (size_t k = size_t(b.end()); k < t.schedule.size(); ++k) {
        engine.enabled(s, en);
        int pick = -1;
        if (t.spans[k].actor.valid()) {
            const auto it = std::find(en.begin(), en.end(),
                                      Action{Action::Kind::Thread, t.spans[k].actor.v, -1});
            if (it != en.end())
                pick = int(it - en.begin());
        } else {
            pick = engine.matchLabel(s, en, t.schedule[k]);
        }
        if (pick < 0) {
            if (error)
                *error = "continuing by the policy: step " + std::to_string(k + 1) + " not found";
            return false;
        }
        append(b, s, en[size_t(pick)]);
    }
    b.stop = t.stop;
    b.stopDetail = t.stopDetail;
    b.final = s;
    return true;
}

std::optional<Stepper::ChooseResult> Stepper::choose(int branch, uint64_t step, size_t actionIndex,
                                                     Continuation continuation, std::string *error)
{
    auto fail = [&](std::string why) -> std::optional<ChooseResult> {
        if (error)
            *error = std::move(why);
        return std::nullopt;
    };
    Branch *b = find(branch);
    if (!b)
        return fail("no branch " + std::to_string(branch));
    std::optional<State> s = stateAt(branch, step);
    if (!s)
        return fail("step " + std::to_string(step) + " is past the end of the branch");
    const std::vector<Action> en = m_sim->engine().enabled(*s);
    if (actionIndex >= en.size())
        return fail("no enabled action " + std::to_string(actionIndex) + " after step " +
                    std::to_string(step));
    const Action a = en[actionIndex];
    if (step < b->end() && actionAt(*b, step + 1) == a)
        return ChooseResult{branch, step + 1, false};

    Branch *target = b;
    bool created = false;
    if (step < b->end() || b->parent < 0) {
        auto nb = std::make_unique<Branch>();
        nb->id = m_nextId++;
        nb->name = QStringLiteral("branch %1").arg(nb->id);
        nb->parent = b->id;
        nb->fork = step;
        target = nb.get();
        m_branches.push_back(std::move(nb));
        created = true;
    }
    const uint64_t oldEnd = target->end();
    const bool oldStepByStep = target->stepByStep;
    target->stepByStep = continuation == Continuation::StepByStep;
    append(*target, *s, a);
    if (continuation == Continuation::Policy) {
        if (!continueByPolicy(*target, *s, error)) {
            if (created) {
                m_branches.pop_back();
                --m_nextId; // the next branch takes its number
            } else {
                truncate(*target, oldEnd);
                target->stepByStep = oldStepByStep;
            }
            return std::nullopt;
        }
    } else {
        finishStepByStep(*target, *s);
    }
    return ChooseResult{target->id, step + 1, created};
}

void Stepper::truncate(Branch &b, uint64_t end)
{
    // Back to `end` steps (a failed extension); final and stop are unchanged
    // since they were only written on success.
    const size_t n = size_t(end - b.fork);
    b.actions.resize(n);
    b.schedule.resize(n);
    b.spans.resize(std::min(n, b.spans.size()));
    b.events.erase(eventsAfter(b.events, end), b.events.end());
    const uint64_t first = firstCheckpoint(b);
    b.checkpoints.resize(end >= first ? size_t((end - first) / m_interval + 1) : 0);
}

// -- figures --------------------------------------------------------------------

size_t Stepper::checkpointCount() const
{
    size_t n = 0;
    for (const auto &b : m_branches)
        n += b->checkpoints.size();
    return n;
}

size_t Stepper::checkpointBytes() const
{
    size_t n = 0;
    for (const auto &b : m_branches)
        for (const State &s : b->checkpoints)
            n += stateBytes(s);
    return n;
}

size_t Stepper::actionBytes() const
{
    size_t n = 0;
    for (const auto &b : m_branches)
        n += vecBytes(b->actions);
    return n;
}
