// What a bar, a marker or an arrow on the timeline means, as one small enum:
// the plottable asks the model's typed payloads for their Meaning, and the
// Palette turns a Meaning into colour and pattern. Pure (no Qt Gui), so the
// tests can say "the client's blocked interval is BlockedKillable" without
// looking at colours.
#pragma once

#include "simulator/timeline.h"

#include <cstdint>

namespace tee::render {

enum class Meaning : uint8_t {
    // thread lanes
    Running,              // user space
    InSyscall,            // in the kernel (the release worker: running a work item)
    BlockedKillable,      // completion, killable (qcomtee_user_object_dispatch)
    BlockedInterruptible, // req_c, interruptible (SUPPL_RECV)
    WaitLock,             // mutex_lock(reqs_lock) sleeps
    Srcu,                 // synchronize_srcu, tee_device_unregister: waits for others to finish
    Killed,               // the band under a killed thread's bars
    Exited,
    Idle,     // the release worker with nothing queued
    UserWait, // a program's wait step: in user space until other threads set its variables
    // request lanes
    Queued,
    Processing,
    Processed,
    Placeholder,
    // object lanes: refcount shades
    Refcount0,
    Refcount1,
    Refcount2,
    Refcount3,
    Refcount4Plus,
    // context lanes
    ContextOpen,
    ContextClosed,
    ContextFreed,
    // reqs_lock, qcomtee_wq, QTEE
    LockHeld,
    WorkPending,
    WorkRunning,
    QteeBusy,
    // a collapsed group's summary row
    GroupBusy,
    // markers
    KillMark,
    AsyncReleaseMark,
    ReleaseSmcMark,
    CallbackMark,
    SyscallMark,
    RefMark,
    ViolationMark,
    GapMark,
    NoteMark,
    // arrows
    CallbackFlow,
    DeliveryFlow,
    ReplyFlow,
    Count_
};
inline constexpr int kMeaningCount = int(Meaning::Count_);

// The hatch drawn over a bar's fill, so states differ by more than colour.
enum class Hatch : uint8_t { None, Backward, Forward, Cross, Vertical, Horizontal };

// An interval's meaning (the killed flag of a thread is drawn as a band, not
// a meaning of its own: see isKilled).
Meaning meaningOf(const sim::Interval &iv);
bool isKilled(const sim::Interval &iv);
Meaning meaningOf(sim::InstantKind k);
Meaning meaningOf(sim::FlowKind k);
Hatch hatchOf(Meaning m);
// Markers drawn whatever the zoom (kills, releases, findings); the others
// (syscall and refcount ticks, callbacks) only when there is room.
bool isMajorMarker(sim::InstantKind k);

} // namespace tee::render
