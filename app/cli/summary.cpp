#include "summary.h"

#include "core/event.h"
#include "core/state.h"
#include "core/text.h"
#include "core/types.h"
#include "core/vocabulary.h"
#include "simulator/exports.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <map>

namespace tee {

namespace {

std::string pad(std::string s, size_t width)
{
    if (s.size() < width)
        s.append(width - s.size(), ' ');
    return s;
}

// A column's width: `least`, or the widest cell and a space ("req#1883"
// ran into its state in a long run's table).
template <class Rows, class Cell>
size_t widthOf(const Rows &rows, Cell cell, size_t least)
{
    size_t w = least;
    for (const auto &r : rows)
        w = std::max(w, std::string(cell(r)).size() + 1);
    return w;
}

RunSummary::HolderInfo holderInfo(const sim::Simulator &sim, const Holder &h)
{
    return {holderKindName(h.kind), h.arg(), h.b, sim::describeHolder(sim, h)};
}

RunSummary::HolderInfo ctxHolderInfo(const sim::Simulator &sim, const CtxHolder &h)
{
    return {ctxHolderKindName(h.kind), h.a, -1, sim::describeCtxHolder(sim, h)};
}

std::string joinHolders(const std::vector<RunSummary::HolderInfo> &holders)
{
    std::string out;
    for (const auto &h : holders) {
        if (!out.empty())
            out += ", ";
        out += h.text;
    }
    return out.empty() ? std::string("none") : out;
}

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

QJsonArray holdersToJson(const std::vector<RunSummary::HolderInfo> &holders)
{
    QJsonArray out;
    for (const auto &h : holders) {
        out.append(QJsonObject{{QStringLiteral("kind"), qs(h.kind)},
                               {QStringLiteral("a"), qint64(h.a)},
                               {QStringLiteral("b"), h.b},
                               {QStringLiteral("text"), qs(h.text)}});
    }
    return out;
}

template <class T>
bool same(const T &a, const T &b, const char *name, std::string *field)
{
    if (a == b)
        return true;
    if (field)
        *field = name;
    return false;
}

} // namespace

std::string formatDuration(int64_t ns)
{
    if (ns < 0)
        return "-" + formatDuration(-ns);
    if (ns < 1000)
        return std::to_string(ns) + " ns";
    static const char *const units[] = {"us", "ms", "s"};
    double value = double(ns);
    for (size_t i = 0; i < std::size(units); ++i) {
        value /= 1000.0;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", value);
        // 999999 ns rounds to "1000.00 us": say "1 ms" instead.
        if (std::string(buf).size() > 6 && i + 1 < std::size(units))
            continue;
        std::string text = buf;
        while (text.back() == '0')
            text.pop_back();
        if (text.back() == '.')
            text.pop_back();
        return text + ' ' + units[i];
    }
    return {}; // not reached: the loop returns in seconds
}

RunSummary RunSummary::build(const sim::Simulator &sim, const sim::Trace &trace,
                             const sim::RunOptions &opts)
{
    const sim::Scenario &scenario = sim.scenario();
    RunSummary s;
    s.scenario = scenario.name;
    s.title = scenario.title;
    s.description = leadSentence(scenario.description);
    s.variant = sim.engine().variant().toString();
    s.policy = sim::policyName(opts.policy);
    s.seed = opts.seed;
    s.maxSteps = opts.maxSteps;
    s.steps = trace.schedule.size();
    s.simulatedNs = trace.final.tNs;
    s.stopReason = sim::stopReasonName(trace.stop);
    s.stopDetail = trace.stopDetail;
    for (size_t i = 0; i < scenario.faults.size(); ++i) {
        if (trace.final.faultsTaken.has(i))
            continue;
        const sim::Fault &f = scenario.faults[i];
        const std::string who = "kill " + sim.processName(ProcessId(f.process));
        // A process is killed once: a fault due after another killed it is
        // dropped whatever its kind (a review: "no request of it was in that
        // state" was printed for a process another fault had killed).
        const Process *proc = size_t(f.process) < trace.final.processes.size()
                                  ? &trace.final.processes[size_t(f.process)]
                                  : nullptr;
        const std::string kind = f.when == sim::Fault::When::Any ? " when any"
                                 : f.when == sim::Fault::When::AtStep
                                     ? " at_step " + std::to_string(f.step)
                                     : std::string(" when_request ") + reqStateName(f.state);
        std::string why;
        if (proc && proc->killed)
            why = "the process was killed otherwise first";
        else if (f.when == sim::Fault::When::Any)
            why = opts.policy == sim::Policy::Random ? "the random schedule did not pick it"
                                                     : "only --policy random and explore take it";
        else if (f.when == sim::Fault::When::OnState)
            why = "no request of it was in that state while its client waited";
        else if (f.step > s.steps)
            why = "the run ended before that step";
        else
            why = proc && proc->exited ? "the process had exited by then"
                                       : "the process could not be killed from then on";
        s.faultsNotTaken.push_back(who + kind + ": " + why);
    }
    s.eventTotal = trace.events.size();

    std::vector<uint64_t> counts(size_t(EventKind::Note) + 1, 0);
    for (const Event &e : trace.events) {
        if (size_t(e.kind) < counts.size())
            ++counts[size_t(e.kind)];
        if (e.kind != EventKind::Violation && e.kind != EventKind::Gap)
            continue;
        // The driver code of the step that found it.
        std::string where;
        if (e.step >= 1 && e.step <= trace.spans.size())
            where = vocab::driverRefText(vocab::findingWhere(e, trace.spans[e.step - 1].verb));
        if (e.kind == EventKind::Gap)
            s.gaps.push_back(
                {e.step, e.gap, vocab::findingName(e.finding), vocab::findingText(sim, e), where});
        else
            s.violations.push_back({e.step, e.invariant, vocab::findingName(e.finding),
                                    vocab::findingText(sim, e), where});
    }
    for (size_t k = 0; k < counts.size(); ++k)
        s.eventCounts.emplace_back(eventKindName(EventKind(k)), counts[k]);

    // Lock and SRCU waits: what the merged design and the RFC make a thread
    // wait for (spec §5), and device removal's wait for every context (§2.8),
    // each from its Blocked to its Woken event.
    std::map<int32_t, size_t> open; // thread -> index in s.waits
    for (const Event &e : trace.events) {
        const auto why = BlockReason(e.value);
        if (e.kind == EventKind::Blocked &&
            (why == BlockReason::Lock || why == BlockReason::Srcu || why == BlockReason::NoUsers)) {
            WaitInfo w;
            w.step = e.step;
            w.ns = -e.tNs;
            w.thread = sim.threadName(e.thread);
            w.text = why == BlockReason::Lock
                         ? "reqs_lock of " + vocab::ctx(e.ctx) +
                               (e.peer.valid() ? " held by " + sim.threadName(e.peer) : "")
                     : why == BlockReason::Srcu
                         ? std::string("synchronize_srcu (a supplicant still reads or writes the "
                                       "arguments under req_srcu)")
                         : std::string("tee_device_unregister (every context released)");
            open[e.thread.v] = s.waits.size();
            s.waits.push_back(std::move(w));
        } else if (e.kind == EventKind::Woken && open.count(e.thread.v)) {
            WaitInfo &w = s.waits[open[e.thread.v]];
            w.wokenStep = e.step;
            w.ns += e.tNs; // runnable again when the waking step ended
            open.erase(e.thread.v);
        }
    }
    for (const auto &[thread, index] : open) {
        (void)thread;
        s.waits[index].ns += trace.final.tNs;
    }

    const State &st = trace.final;
    for (const KObject &o : st.objects) {
        ObjectInfo info;
        info.what = vocab::objectWhat(o.type, o.qteeId, o.userObjectId) +
                    (o.type != ObjectType::TEE && o.owner.valid() ? " of " + vocab::ctx(o.owner)
                                                                  : std::string());
        info.id = o.id.v;
        info.type = objectTypeName(o.type);
        info.qteeId = o.qteeId;
        info.userObjectId = o.userObjectId;
        info.owner = o.owner.v;
        info.refcount = o.refcount();
        for (const Holder &h : o.holders)
            info.holders.push_back(holderInfo(sim, h));
        info.releaseQueued = o.type == ObjectType::TEE && o.releaseQueued;
        s.objects.push_back(std::move(info));
    }
    // Context 0 is the driver's own: it lives as long as the driver, so
    // listing it as "still alive" would say nothing about the scenario.
    for (const Context &c : st.contexts) {
        if (c.id.v == 0 || (c.ctxFreed && c.dataFreed))
            continue;
        ContextInfo info;
        info.id = c.id.v;
        info.process = c.process.valid() ? sim.processName(c.process) : std::string("driver");
        info.fileOpen = c.fileOpen;
        info.closed = c.closed;
        info.released = c.released;
        info.ctxFreed = c.ctxFreed;
        info.dataFreed = c.dataFreed;
        for (const CtxHolder &h : c.refs)
            info.refs.push_back(ctxHolderInfo(sim, h));
        info.dataRefCounted = sim.engine().variant().lifetime == LifetimeVariant::Kref;
        for (const CtxHolder &h : c.dataRefs)
            info.dataRefs.push_back(ctxHolderInfo(sim, h));
        s.contexts.push_back(std::move(info));
    }
    for (const Request &r : st.requests) {
        if (r.state == ReqState::Removed)
            continue;
        s.requests.push_back(
            {r.id.v, r.ctx.v, r.reqId, reqStateName(r.state), r.notification, r.op});
    }
    return s;
}

std::string RunSummary::toText() const
{
    std::string out;
    auto line = [&out](const std::string &label, const std::string &value) {
        out += pad(label, 11) + value + '\n';
    };
    line("scenario", title.empty() ? scenario : scenario + ": " + title);
    if (!description.empty())
        line("", description);
    line("variant", variant);
    line("policy",
         policy + ", seed " + std::to_string(seed) + ", max steps " + std::to_string(maxSteps));
    line("steps", std::to_string(steps));
    line("time", formatDuration(simulatedNs) + " simulated");
    line("stop", stopReason);
    if (!stopDetail.empty()) {
        // Trace::stopDetail may span lines ("P1/T1 waits on ... \n P2/T1 ...").
        size_t start = 0;
        while (start < stopDetail.size()) {
            size_t end = stopDetail.find('\n', start);
            if (end == std::string::npos)
                end = stopDetail.size();
            if (end > start)
                line("", stopDetail.substr(start, end - start));
            start = end + 1;
        }
    }

    for (size_t i = 0; i < faultsNotTaken.size(); ++i)
        line(i == 0 ? "not taken" : "", faultsNotTaken[i]);
    line("events", std::to_string(eventTotal));
    size_t kindWidth = 0;
    for (const auto &[kind, count] : eventCounts)
        kindWidth = std::max(kindWidth, count ? kind.size() : 0);
    for (const auto &[kind, count] : eventCounts) {
        if (count)
            out += "  " + pad(kind, kindWidth + 2) + std::to_string(count) + '\n';
    }

    out += "\nobjects alive: " +
           (objects.empty() ? std::string("none") : std::to_string(objects.size())) + '\n';
    const auto objName = [](const ObjectInfo &o) { return vocab::object(ObjectId(o.id)); };
    const size_t objW = widthOf(objects, objName, 8);
    const size_t whatW = widthOf(
        objects, [](const ObjectInfo &o) { return o.what; }, 22);
    for (const ObjectInfo &o : objects) {
        out += "  " + pad(objName(o), objW) + pad(o.what, whatW) + "refcount " +
               std::to_string(o.refcount) + ": " + joinHolders(o.holders) +
               (o.releaseQueued ? " (last put done: its RELEASE is queued on qcomtee_wq)" : "") +
               '\n';
    }

    out += "contexts alive: " +
           (contexts.empty() ? std::string("none") : std::to_string(contexts.size())) + '\n';
    const size_t ctxW = widthOf(
        contexts, [](const ContextInfo &c) { return vocab::ctx(ContextId(c.id)); }, 8);
    const size_t procW = widthOf(
        contexts, [](const ContextInfo &c) { return c.process; }, 8);
    for (const ContextInfo &c : contexts) {
        std::string flags = c.fileOpen ? "file open" : "file closed";
        if (c.closed || c.released)
            flags += ", close_context ran";
        if (c.ctxFreed)
            flags += ", tee_context freed";
        if (c.dataFreed)
            flags += ", data freed";
        out += "  " + pad(vocab::ctx(ContextId(c.id)), ctxW) + pad(c.process, procW) + flags +
               "; refs: " + joinHolders(c.refs) +
               (c.dataRefCounted ? "; data ref_cnt: " + joinHolders(c.dataRefs) : "") + '\n';
    }

    out += "requests left: " +
           (requests.empty() ? std::string("none") : std::to_string(requests.size())) + '\n';
    const size_t reqW = widthOf(
        requests, [](const RequestInfo &r) { return vocab::request(RequestId(r.id)); }, 8);
    const size_t stateW = widthOf(
        requests, [](const RequestInfo &r) { return r.state; }, 12);
    const size_t reqCtxW = widthOf(
        requests, [](const RequestInfo &r) { return vocab::ctx(ContextId(r.ctx)); }, 6);
    for (const RequestInfo &r : requests) {
        out += "  " + pad(vocab::request(RequestId(r.id)), reqW) + pad(r.state, stateW) +
               pad(vocab::ctx(ContextId(r.ctx)), reqCtxW) +
               (r.reqId >= 0 ? "id " + std::to_string(r.reqId) : std::string("no id")) +
               (r.notification ? " (RELEASE notification)" : "") + '\n';
    }

    if (!waits.empty()) {
        out += "waits: " + std::to_string(waits.size()) + '\n';
        for (const WaitInfo &w : waits) {
            out += "  step " + pad(std::to_string(w.step) + ' ', 6) + w.thread + " waits for " +
                   w.text +
                   (w.wokenStep ? ", woken at step " + std::to_string(w.wokenStep) + " (" +
                                      formatDuration(w.ns) + ")"
                                : std::string(", still waiting")) +
                   '\n';
        }
    }
    out += "violations: " +
           (violations.empty() ? std::string("none") : std::to_string(violations.size())) + '\n';
    for (const ViolationInfo &v : violations) {
        out += "  step " + pad(std::to_string(v.step) + ' ', 6) +
               pad('I' + std::to_string(v.invariant), 5) + v.detail + '\n';
        if (!v.driver.empty())
            out += "  " + pad("", 11) + "at " + v.driver + '\n';
    }
    // Spec §9 asks for its gaps to be flagged whenever they trigger.
    out += "gaps: " +
           (gaps.empty() ? std::string("none")
                         : std::to_string(gaps.size()) + " (spec §9; notes, not findings)") +
           '\n';
    for (const GapInfo &g : gaps) {
        out += "  step " + pad(std::to_string(g.step) + ' ', 6) +
               pad("gap " + std::to_string(g.item), 7) + g.detail + '\n';
        if (!g.driver.empty())
            out += "  " + pad("", 11) + "at " + g.driver + '\n';
    }
    return out;
}

std::string RunSummary::toJson() const
{
    QJsonObject counts;
    for (const auto &[kind, count] : eventCounts)
        counts.insert(qs(kind), qint64(count));
    QJsonArray notTaken;
    for (const std::string &f : faultsNotTaken)
        notTaken.append(qs(f));

    QJsonArray objs;
    for (const ObjectInfo &o : objects) {
        objs.append(QJsonObject{{QStringLiteral("id"), o.id},
                                {QStringLiteral("type"), qs(o.type)},
                                {QStringLiteral("qteeId"), qint64(o.qteeId)},
                                {QStringLiteral("userObjectId"), qint64(o.userObjectId)},
                                {QStringLiteral("owner"), o.owner},
                                {QStringLiteral("refcount"), o.refcount},
                                {QStringLiteral("releaseQueued"), o.releaseQueued},
                                {QStringLiteral("holders"), holdersToJson(o.holders)}});
    }
    QJsonArray ctxs;
    for (const ContextInfo &c : contexts) {
        QJsonObject co{{QStringLiteral("id"), c.id},
                       {QStringLiteral("process"), qs(c.process)},
                       {QStringLiteral("fileOpen"), c.fileOpen},
                       {QStringLiteral("closed"), c.closed},
                       {QStringLiteral("released"), c.released},
                       {QStringLiteral("ctxFreed"), c.ctxFreed},
                       {QStringLiteral("dataFreed"), c.dataFreed},
                       {QStringLiteral("refs"), holdersToJson(c.refs)}};
        if (c.dataRefCounted) // lifetime=kref only
            co.insert(QStringLiteral("dataRefs"), holdersToJson(c.dataRefs));
        ctxs.append(co);
    }
    QJsonArray reqs;
    for (const RequestInfo &r : requests) {
        reqs.append(QJsonObject{{QStringLiteral("id"), r.id},
                                {QStringLiteral("ctx"), r.ctx},
                                {QStringLiteral("reqId"), r.reqId},
                                {QStringLiteral("state"), qs(r.state)},
                                {QStringLiteral("notification"), r.notification},
                                {QStringLiteral("op"), qint64(r.op)}});
    }
    QJsonArray waitList;
    for (const WaitInfo &w : waits) {
        waitList.append(QJsonObject{{QStringLiteral("step"), qint64(w.step)},
                                    {QStringLiteral("wokenStep"), qint64(w.wokenStep)},
                                    {QStringLiteral("ns"), qint64(w.ns)},
                                    {QStringLiteral("thread"), qs(w.thread)},
                                    {QStringLiteral("text"), qs(w.text)}});
    }
    QJsonArray viols;
    for (const ViolationInfo &v : violations) {
        viols.append(QJsonObject{{QStringLiteral("step"), qint64(v.step)},
                                 {QStringLiteral("invariant"), v.invariant},
                                 {QStringLiteral("finding"), qs(v.finding)},
                                 {QStringLiteral("detail"), qs(v.detail)}});
    }

    QJsonArray gapList;
    for (const GapInfo &g : gaps)
        gapList.append(QJsonObject{{QStringLiteral("step"), qint64(g.step)},
                                   {QStringLiteral("item"), g.item},
                                   {QStringLiteral("finding"), qs(g.finding)},
                                   {QStringLiteral("detail"), qs(g.detail)}});

    const QJsonObject root{
        {QStringLiteral("scenario"), qs(scenario)},
        {QStringLiteral("title"), qs(title)},
        {QStringLiteral("variant"), qs(variant)},
        {QStringLiteral("policy"), qs(policy)},
        // past 2^63-1 a string, as captures write it (a qint64 went negative)
        {QStringLiteral("seed"), seed > uint64_t(std::numeric_limits<qint64>::max())
                                     ? QJsonValue(QString::number(seed))
                                     : QJsonValue(qint64(seed))},
        {QStringLiteral("maxSteps"), qint64(maxSteps)},
        {QStringLiteral("steps"), qint64(steps)},
        {QStringLiteral("simulatedNs"), qint64(simulatedNs)},
        {QStringLiteral("simulatedTime"), qs(formatDuration(simulatedNs))},
        {QStringLiteral("stopReason"), qs(stopReason)},
        {QStringLiteral("stopDetail"), qs(stopDetail)},
        {QStringLiteral("faultsNotTaken"), notTaken},
        {QStringLiteral("eventTotal"), qint64(eventTotal)},
        {QStringLiteral("eventCounts"), counts},
        {QStringLiteral("objects"), objs},
        {QStringLiteral("contexts"), ctxs},
        {QStringLiteral("requests"), reqs},
        {QStringLiteral("waits"), waitList},
        {QStringLiteral("violations"), viols},
        {QStringLiteral("gaps"), gapList},
        {QStringLiteral("ok"), !hasFindings()},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented).toStdString();
}

bool eventsEqual(const Event &a, const Event &b, std::string *field)
{
    // (what the event is before when it happened: two different events
    // at different times are a kind difference, not a time difference)
    return same(a.step, b.step, "step", field) && same(a.kind, b.kind, "kind", field) &&
           same(a.tNs, b.tNs, "t_ns", field) && same(a.startNs, b.startNs, "start_ns", field) &&
           same(a.from, b.from, "from", field) && same(a.to, b.to, "to", field) &&
           same(a.objectType, b.objectType, "object_type", field) &&
           same(a.holder, b.holder, "holder", field) &&
           same(a.ctxHolder, b.ctxHolder, "ctx_holder", field) &&
           same(a.invariant, b.invariant, "invariant", field) && same(a.gap, b.gap, "gap", field) &&
           same(a.process, b.process, "process", field) &&
           same(a.thread, b.thread, "thread", field) && same(a.peer, b.peer, "peer", field) &&
           same(a.ctx, b.ctx, "context", field) && same(a.object, b.object, "object", field) &&
           same(a.request, b.request, "request", field) &&
           same(a.reqId, b.reqId, "req_id", field) &&
           same(a.refcount, b.refcount, "refcount", field) &&
           same(a.holderArg, b.holderArg, "holder_arg", field) &&
           same(a.errno_, b.errno_, "errno", field) && same(a.value, b.value, "value", field) &&
           same(a.qteeId, b.qteeId, "qtee_id", field) && same(a.op, b.op, "op", field) &&
           same(a.userObjectId, b.userObjectId, "user_object_id", field) &&
           same(a.actor, b.actor, "actor", field) &&
           same(a.other, b.other, "other_request", field) &&
           same(a.finding, b.finding, "finding", field) && same(a.count, b.count, "count", field);
}

std::optional<EventDifference> firstDifference(const EventList &expected, const EventList &actual)
{
    const size_t common = std::min(expected.size(), actual.size());
    for (size_t i = 0; i < common; ++i) {
        std::string field;
        if (!eventsEqual(expected[i], actual[i], &field))
            return EventDifference{i, field};
    }
    if (expected.size() != actual.size())
        return EventDifference{common, "missing"};
    return std::nullopt;
}

} // namespace tee
