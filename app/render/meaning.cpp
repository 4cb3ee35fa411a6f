#include "app/render/meaning.h"

#include <algorithm>

namespace tee::render {

Meaning meaningOf(const sim::Interval &iv)
{
    switch (iv.kind) {
    case sim::LaneKind::Thread: {
        const sim::ThreadSpan t = iv.thread();
        switch (t.state) {
        case sim::ThreadState::Running:
            return Meaning::Running;
        case sim::ThreadState::InKernel:
            return Meaning::InSyscall;
        case sim::ThreadState::Exited:
            return Meaning::Exited;
        case sim::ThreadState::Idle:
            return Meaning::Idle;
        case sim::ThreadState::Blocked:
            switch (t.reason) {
            case BlockReason::ReqC:
                return Meaning::BlockedInterruptible;
            case BlockReason::Lock:
                return Meaning::WaitLock;
            case BlockReason::Srcu:
            case BlockReason::NoUsers: // both wait, uninterruptibly, for others to finish
                return Meaning::Srcu;
            case BlockReason::UserWait:
                return Meaning::UserWait;
            case BlockReason::Completion:
            case BlockReason::None:
                return Meaning::BlockedKillable;
            }
        }
        return Meaning::Running;
    }
    case sim::LaneKind::Request:
        switch (iv.request().state) {
        case ReqState::PROCESSING:
            return Meaning::Processing;
        case ReqState::PROCESSED:
            return Meaning::Processed;
        case ReqState::Placeholder:
            return Meaning::Placeholder;
        default:
            return Meaning::Queued;
        }
    case sim::LaneKind::Object: {
        const int32_t r = iv.object().refcount;
        return r <= 0   ? Meaning::Refcount0
               : r == 1 ? Meaning::Refcount1
               : r == 2 ? Meaning::Refcount2
               : r == 3 ? Meaning::Refcount3
                        : Meaning::Refcount4Plus;
    }
    case sim::LaneKind::Context:
        switch (iv.context().state) {
        case sim::ContextState::Open:
            return Meaning::ContextOpen;
        case sim::ContextState::Closed:
            return Meaning::ContextClosed;
        case sim::ContextState::Released:
            return Meaning::ContextFreed;
        }
        return Meaning::ContextOpen;
    case sim::LaneKind::Lock:
        return Meaning::LockHeld;
    case sim::LaneKind::Workqueue:
        return iv.work().state == sim::WorkState::Pending ? Meaning::WorkPending
                                                          : Meaning::WorkRunning;
    case sim::LaneKind::Qtee:
        return Meaning::QteeBusy;
    }
    return Meaning::GroupBusy;
}

bool isKilled(const sim::Interval &iv)
{
    if (iv.kind != sim::LaneKind::Thread)
        return false;
    const sim::ThreadSpan t = iv.thread();
    return t.killed && t.state != sim::ThreadState::Exited;
}

Meaning meaningOf(sim::InstantKind k)
{
    switch (k) {
    case sim::InstantKind::Kill:
        return Meaning::KillMark;
    case sim::InstantKind::AsyncRelease:
        return Meaning::AsyncReleaseMark;
    case sim::InstantKind::ReleaseSmc:
        return Meaning::ReleaseSmcMark;
    case sim::InstantKind::QteeCallback:
        return Meaning::CallbackMark;
    case sim::InstantKind::SyscallEnter:
    case sim::InstantKind::SyscallReturn:
        return Meaning::SyscallMark;
    case sim::InstantKind::Violation:
        return Meaning::ViolationMark;
    case sim::InstantKind::Gap:
        return Meaning::GapMark;
    case sim::InstantKind::Note:
        return Meaning::NoteMark;
    case sim::InstantKind::RefGet:
    case sim::InstantKind::RefPut:
        return Meaning::RefMark;
    }
    return Meaning::NoteMark;
}

Meaning meaningOf(sim::FlowKind k)
{
    switch (k) {
    case sim::FlowKind::Callback:
        return Meaning::CallbackFlow;
    case sim::FlowKind::Delivery:
        return Meaning::DeliveryFlow;
    case sim::FlowKind::Reply:
        return Meaning::ReplyFlow;
    }
    return Meaning::CallbackFlow;
}

Hatch hatchOf(Meaning m)
{
    switch (m) {
    case Meaning::BlockedKillable:
        return Hatch::Backward;
    case Meaning::BlockedInterruptible:
        return Hatch::Forward;
    case Meaning::WaitLock:
        return Hatch::Cross;
    case Meaning::Srcu:
        return Hatch::Horizontal;
    case Meaning::Placeholder:
        return Hatch::Vertical;
    case Meaning::WorkPending:
        return Hatch::Forward;
    default:
        return Hatch::None;
    }
}

bool isMajorMarker(sim::InstantKind k)
{
    switch (k) {
    case sim::InstantKind::Kill:
    case sim::InstantKind::AsyncRelease:
    case sim::InstantKind::ReleaseSmc:
    case sim::InstantKind::Violation:
    case sim::InstantKind::Gap:
    case sim::InstantKind::Note:
        return true;
    default:
        return false;
    }
}

} // namespace tee::render
