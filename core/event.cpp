#include "event.h"

namespace tee {

const char *eventKindName(EventKind k)
{
    switch (k) {
    case EventKind::RequestState:
        return "request_state";
    case EventKind::RefGet:
        return "ref_get";
    case EventKind::RefPut:
        return "ref_put";
    case EventKind::ObjectCreated:
        return "object_created";
    case EventKind::ObjectFreed:
        return "object_freed";
    case EventKind::ContextOpened:
        return "context_opened";
    case EventKind::ContextClosed:
        return "close_context";
    case EventKind::ContextReleased:
        return "context_released";
    case EventKind::ContextDataFreed:
        return "context_data_freed";
    case EventKind::ContextGet:
        return "context_get";
    case EventKind::ContextPut:
        return "context_put";
    case EventKind::XaAlloc:
        return "xa_alloc";
    case EventKind::XaErase:
        return "xa_erase";
    case EventKind::IdrAdd:
        return "idr_add";
    case EventKind::IdrRemove:
        return "idr_remove";
    case EventKind::SmcInvoke:
        return "smc_invoke";
    case EventKind::SmcCallbackResponse:
        return "smc_callback_response";
    case EventKind::QteeCallback:
        return "qtee_callback";
    case EventKind::QteeResult:
        return "qtee_result";
    case EventKind::SmcFailed:
        return "smc_failed";
    case EventKind::AsyncRelease:
        return "async_release";
    case EventKind::SyscallEnter:
        return "syscall_enter";
    case EventKind::SyscallReturn:
        return "syscall_return";
    case EventKind::DispatchReturn:
        return "dispatch_return";
    case EventKind::Blocked:
        return "blocked";
    case EventKind::Woken:
        return "woken";
    case EventKind::Killed:
        return "killed";
    case EventKind::ThreadExit:
        return "thread_exit";
    case EventKind::ProcessExit:
        return "process_exit";
    case EventKind::LockAcquire:
        return "lock";
    case EventKind::LockRelease:
        return "unlock";
    case EventKind::SrcuReadLock:
        return "srcu_read_lock";
    case EventKind::SrcuReadUnlock:
        return "srcu_read_unlock";
    case EventKind::SynchronizeSrcu:
        return "synchronize_srcu";
    case EventKind::ArgAccess:
        return "arg_access";
    case EventKind::WorkQueued:
        return "work_queued";
    case EventKind::WorkStarted:
        return "work_started";
    case EventKind::WorkRequeued:
        return "work_requeued";
    case EventKind::WorkDone:
        return "work_done";
    case EventKind::Violation:
        return "violation";
    case EventKind::Gap:
        return "gap";
    case EventKind::Note:
        return "note";
    }
    return "?";
}

const char *blockReasonName(BlockReason r)
{
    switch (r) {
    case BlockReason::None:
        return "none";
    case BlockReason::Completion:
        return "completion";
    case BlockReason::ReqC:
        return "req_c";
    case BlockReason::Srcu:
        return "synchronize_srcu";
    case BlockReason::Lock:
        return "reqs_lock";
    case BlockReason::NoUsers:
        return "c_no_users";
    case BlockReason::UserWait:
        return "user_wait";
    }
    return "?";
}

} // namespace tee
