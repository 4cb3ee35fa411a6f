#include "app/render/lanetext.h"

#include "core/engine.h"
#include "core/vocabulary.h"

#include <cstdio>
#include <vector>

namespace tee::render {

std::string laneName(const Environment &env, const sim::LaneKey &k)
{
    switch (k.kind) {
    case sim::LaneKind::Thread:
        return vocab::thread(env, ThreadId(k.id));
    case sim::LaneKind::Qtee:
        return "QTEE";
    case sim::LaneKind::Workqueue:
        return "qcomtee_wq";
    case sim::LaneKind::Context:
        return vocab::ctx(ContextId(k.id));
    case sim::LaneKind::Lock:
        return "reqs_lock " + vocab::ctx(ContextId(k.id));
    case sim::LaneKind::Object:
        return vocab::object(ObjectId(k.id));
    case sim::LaneKind::Request:
        return vocab::request(RequestId(k.id));
    }
    return "?";
}

std::string laneDetail(const Environment &env, const sim::Lane &lane)
{
    const sim::LaneAttrs &a = lane.attrs;
    switch (lane.key.kind) {
    case sim::LaneKind::Object:
        return vocab::objectWhat(a.objectType, a.qteeId, a.userObjectId);
    case sim::LaneKind::Request: {
        // (a notification's reqs_idr id too: request=idr reuses it, which
        // is what a FIFO question turns on)
        const std::string where = vocab::request(RequestId(), a.ctx, a.reqId);
        std::string s = !a.notification ? where
                        : a.reqId >= 0  ? "RELEASE notification, " + where
                                        : std::string("RELEASE notification");
        if (!a.notification && a.op)
            s += " " + vocab::op(a.op);
        return s;
    }
    case sim::LaneKind::Thread:
        return a.worker ? std::string("release worker") : std::string();
    default:
        return {};
    }
    (void)env;
}

std::string groupName(LaneGroup g)
{
    switch (g) {
    case LaneGroup::Threads:
        return "threads";
    case LaneGroup::Qtee:
        return "QTEE";
    case LaneGroup::Workqueue:
        return "qcomtee_wq";
    case LaneGroup::Contexts:
        return "contexts";
    case LaneGroup::Locks:
        return "reqs_locks";
    case LaneGroup::Objects:
        return "objects";
    case LaneGroup::Requests:
        return "requests";
    }
    return "?";
}

namespace {

std::string contextWord(sim::ContextState s)
{
    // the exports' words (exports.cpp, intervalName)
    switch (s) {
    case sim::ContextState::Open:
        return "open";
    case sim::ContextState::Closed:
        return "closed (close_context ran)";
    case sim::ContextState::Released:
        return "tee_context freed";
    }
    return "?";
}

std::string userObjects(int32_t n)
{
    return std::to_string(n) + (n == 1 ? " user object" : " user objects");
}

} // namespace

BarText barText(const Environment &env, const sim::Interval &iv)
{
    BarText t;
    switch (iv.kind) {
    case sim::LaneKind::Thread: {
        const sim::ThreadSpan s = iv.thread();
        const std::string killed = s.killed ? " (killed)" : "";
        switch (s.state) {
        case sim::ThreadState::Running:
            t.full = "running" + killed;
            t.brief = "running";
            break;
        case sim::ThreadState::Idle:
            t.full = t.brief = "idle";
            break;
        case sim::ThreadState::Exited:
            t.full = t.brief = "exited";
            break;
        case sim::ThreadState::InKernel:
            t.brief = s.syscall == SyscallKind::None ? std::string("in the kernel")
                                                     : vocab::syscall(s.syscall);
            t.full = t.brief + killed;
            break;
        case sim::ThreadState::Blocked:
            if (s.reason == BlockReason::UserWait) {
                t.full = "waits in user space (its wait step)" + killed;
                t.brief = "wait step";
            } else if (s.reason == BlockReason::Lock) {
                t.full =
                    "waits for reqs_lock of " + vocab::ctx(s.ctx) +
                    (s.peer.valid() ? " held by " + vocab::thread(env, s.peer) : std::string()) +
                    killed;
                t.brief = "reqs_lock";
            } else {
                t.full = "waits on " + vocab::wait(s.reason) +
                         (s.request.valid() ? " for " + vocab::request(s.request) : std::string()) +
                         killed;
                t.brief = s.reason == BlockReason::Completion ? "completion"
                          : s.reason == BlockReason::ReqC     ? "req_c"
                                                              : vocab::wait(s.reason);
            }
            break;
        }
        break;
    }
    case sim::LaneKind::Request: {
        const sim::RequestSpan q = iv.request();
        t.brief = vocab::reqState(q.state);
        t.full = t.brief;
        if (q.state == ReqState::PROCESSED)
            t.full += " " + vocab::errnoText(q.errno_);
        if (q.actor.valid())
            t.full += " by " + vocab::thread(env, q.actor);
        break;
    }
    case sim::LaneKind::Object: {
        const sim::ObjectSpan o = iv.object();
        t.brief = std::to_string(o.refcount);
        t.full = "refcount " + t.brief;
        break;
    }
    case sim::LaneKind::Context: {
        const sim::ContextSpan c = iv.context();
        t.brief = c.state == sim::ContextState::Open     ? "open"
                  : c.state == sim::ContextState::Closed ? "closed"
                                                         : "freed";
        t.full = contextWord(c.state) + (c.pins > 0 ? ", " + userObjects(c.pins) : std::string());
        break;
    }
    case sim::LaneKind::Lock: {
        const sim::LockSpan h = iv.lock();
        t.brief = vocab::thread(env, h.holder);
        t.full = "held by " + t.brief;
        break;
    }
    case sim::LaneKind::Workqueue: {
        const sim::WorkSpan w = iv.work();
        t.brief = w.state == sim::WorkState::Pending ? "queued" : "releasing";
        t.full = (w.state == sim::WorkState::Pending ? "release queued: " : "releasing ") +
                 vocab::object(w.object);
        break;
    }
    case sim::LaneKind::Qtee: {
        const sim::QteeSpan q = iv.qtee();
        t.brief = vocab::thread(env, q.thread);
        t.full = t.brief + (q.sent == sim::QteeMessage::Invoke
                                ? ": invoke " + vocab::qteeId(q.qteeId) + " " + vocab::op(q.op)
                                : std::string(": callback response"));
        break;
    }
    }
    return t;
}

std::string meaningName(Meaning m)
{
    switch (m) {
    case Meaning::Running:
        return "running";
    case Meaning::InSyscall:
        return "in a syscall";
    case Meaning::BlockedKillable:
        return "blocked: " + vocab::wait(BlockReason::Completion);
    case Meaning::BlockedInterruptible:
        return "blocked: " + vocab::wait(BlockReason::ReqC);
    case Meaning::WaitLock:
        return "waits for " + vocab::wait(BlockReason::Lock);
    case Meaning::Srcu: // both wait, uninterruptibly, until others are done
        return "synchronize_srcu / tee_device_unregister";
    case Meaning::Killed:
        return "killed";
    case Meaning::Exited:
        return "exited";
    case Meaning::Idle:
        return "idle";
    case Meaning::UserWait:
        return "waits in user space (wait step)";
    case Meaning::Queued:
        return vocab::reqState(ReqState::QUEUED);
    case Meaning::Processing:
        return vocab::reqState(ReqState::PROCESSING);
    case Meaning::Processed:
        return vocab::reqState(ReqState::PROCESSED);
    case Meaning::Placeholder:
        return vocab::reqState(ReqState::Placeholder);
    case Meaning::Refcount0:
        return "refcount 0";
    case Meaning::Refcount1:
        return "refcount 1";
    case Meaning::Refcount2:
        return "refcount 2";
    case Meaning::Refcount3:
        return "refcount 3";
    case Meaning::Refcount4Plus:
        return "refcount 4+";
    case Meaning::ContextOpen:
        return "context open";
    case Meaning::ContextClosed:
        return "context " + contextWord(sim::ContextState::Closed);
    case Meaning::ContextFreed:
        return contextWord(sim::ContextState::Released);
    case Meaning::LockHeld:
        return "reqs_lock held";
    case Meaning::WorkPending:
        return "release queued";
    case Meaning::WorkRunning:
        return "releasing";
    case Meaning::QteeBusy:
        return "QTEE working";
    case Meaning::GroupBusy:
        return "activity (collapsed group)";
    case Meaning::KillMark:
        return "SIGKILL";
    case Meaning::AsyncReleaseMark:
        return "async release";
    case Meaning::ReleaseSmcMark:
        return "RELEASE to QTEE";
    case Meaning::CallbackMark:
        return "QTEE callback";
    case Meaning::SyscallMark:
        return "syscall enter/return";
    case Meaning::RefMark:
        return "refcount get/put";
    case Meaning::ViolationMark:
        return "violation";
    case Meaning::GapMark:
        return "gap";
    case Meaning::NoteMark:
        return "note";
    case Meaning::CallbackFlow:
        return "callback -> request";
    case Meaning::DeliveryFlow:
        return "request -> RECV";
    case Meaning::ReplyFlow:
        return "RECV -> SEND";
    case Meaning::Count_:
        break;
    }
    return "?";
}

std::string timeText(int64_t ns)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.2f us", double(ns) / 1000.0);
    return buf;
}

namespace {

std::string stepsText(uint32_t a, uint32_t b)
{
    return a == b ? "step " + std::to_string(a)
                  : "steps " + std::to_string(a) + " to " + std::to_string(b);
}

std::string driverLine(const sim::Trace &trace, uint32_t event)
{
    if (event == sim::kNone || event >= trace.events.size())
        return {};
    const vocab::DriverRef r = sim::driverRefOf(trace, event);
    if (!*r.function)
        return {};
    return "\n" + vocab::driverRefText(r);
}

} // namespace

std::string intervalTooltip(const Environment &env, const sim::Trace &trace,
                            const sim::Timeline &tl, uint32_t index)
{
    if (index >= tl.intervals().size())
        return {};
    const sim::Interval &iv = tl.intervals()[index];
    const sim::Lane &lane = tl.lanes()[iv.lane];
    std::string s = laneName(env, lane.key);
    const std::string detail = laneDetail(env, lane);
    if (!detail.empty())
        s += " (" + detail + ")";
    s += ": " + barText(env, iv).full;
    s += "\n" + stepsText(iv.firstStep, iv.lastStep) + ", " + timeText(iv.startNs) + " to " +
         timeText(iv.endNs);
    if (iv.openAtEnd())
        s += " (still open when the run ended)";
    if (iv.flags & sim::Interval::kClamped)
        s += " (closed earlier in simulated time: drawn with no length)";
    if (iv.kind == sim::LaneKind::Object) {
        const sim::ObjectSpan o = iv.object();
        const char *change =
            o.change == sim::RefChange::Get || o.change == sim::RefChange::Put
                ? vocab::objectRefChange(o.change == sim::RefChange::Get, o.refcount)
            : o.change == sim::RefChange::Named ? "named "
                                                : "created, ";
        s += "\n" + std::string(change) + vocab::holder(env, o.changedKind, o.changed().arg());
        std::vector<sim::HolderRef> hs;
        tl.holders(index, hs);
        std::string list;
        for (const sim::HolderRef &h : hs)
            list += (list.empty() ? "" : "; ") + vocab::holder(env, h.kind, h.arg());
        s += "\nholders: " + (list.empty() ? std::string("none") : list);
    } else if (iv.kind == sim::LaneKind::Request && lane.attrs.client.valid()) {
        s += "\nclient: " + vocab::thread(env, lane.attrs.client);
    }
    s += driverLine(trace, iv.event);
    return s;
}

std::string instantTooltip(const Environment &env, const sim::Trace &trace, const sim::Timeline &tl,
                           uint32_t index)
{
    if (index >= tl.instants().size())
        return {};
    const sim::Instant &in = tl.instants()[index];
    std::string s;
    if (in.lane != sim::kNone && in.lane < tl.lanes().size())
        s = laneName(env, tl.lanes()[in.lane].key) + ": ";
    s += meaningName(meaningOf(in.kind));
    if (in.event != sim::kNone && in.event < trace.events.size()) {
        const Event &e = trace.events[in.event];
        const bool finding =
            e.kind == EventKind::Violation || e.kind == EventKind::Gap || e.kind == EventKind::Note;
        s += "\n" + (finding ? vocab::findingText(env, e) : vocab::eventText(env, e));
    }
    s += "\nstep " + std::to_string(in.step) + ", " + timeText(in.tNs);
    s += driverLine(trace, in.event);
    return s;
}

std::string flowTooltip(const Environment &env, const sim::Timeline &tl, uint32_t index)
{
    if (index >= tl.flows().size())
        return {};
    const sim::Flow &f = tl.flows()[index];
    auto end = [&](const sim::FlowEnd &e) {
        std::string s = e.lane < tl.lanes().size() ? laneName(env, tl.lanes()[e.lane].key) : "?";
        return s + " at step " + std::to_string(e.step);
    };
    return meaningName(meaningOf(f.kind)) + ": " + vocab::request(f.request) + "\n" + end(f.from) +
           " -> " + end(f.to);
}

} // namespace tee::render
