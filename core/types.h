// Basic vocabulary of the QCOMTEE driver model: typed ids, states, errnos,
// holder kinds and variants. Names follow the kernel (spec §2) so a TEE
// reviewer recognises them.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace tee {

// ---------------------------------------------------------------------------
// Typed ids. The GUI and exports keep these, never pointers into a State.
// Every id is a stable serial number, never reused within one run, so a
// capture can name "object 7" across its whole life.
template <class Tag>
struct Id
{
    int32_t v = -1;
    constexpr Id() = default;
    constexpr explicit Id(int32_t value)
        : v(value)
    {}
    constexpr bool valid() const { return v >= 0; }
    friend constexpr bool operator==(Id a, Id b) { return a.v == b.v; }
    friend constexpr auto operator<=>(Id a, Id b) { return a.v <=> b.v; }
};
struct ProcessTag;
struct ThreadTag;
struct ContextTag;
struct ObjectTag;
struct RequestTag;
using ProcessId = Id<ProcessTag>;
using ThreadId = Id<ThreadTag>;
using ContextId = Id<ContextTag>; // a tee_context (one per open file); 0 is the driver's own
using ObjectId = Id<ObjectTag>;   // a kernel object (struct qcomtee_object)
using RequestId = Id<RequestTag>; // a qcomtee_ureq instance (serial, not the reqs_idr id)

// ---------------------------------------------------------------------------
// Wire constants (spec §2.4, §4.1).
inline constexpr uint32_t QCOMTEE_MSG_OBJECT_NULL = 0;
inline constexpr uint32_t QCOMTEE_MSG_OBJECT_ROOT = 1;
inline constexpr uint32_t QCOMTEE_OBJECT_PRIMORDIAL = 0x80000000u;
inline constexpr uint32_t QCOMTEE_CB_ID_FIRST = 0x80000001u;
inline constexpr uint32_t QCOMTEE_MSG_OBJECT_OP_RELEASE = 0xFFFF;
inline constexpr uint32_t QCOMTEE_MSG_OBJECT_OP_RETAIN = 0xFFFE;
inline constexpr uint64_t TEE_OBJREF_NULL = ~uint64_t(0);
inline constexpr int kMaxArgsPerType = 16; // spec §3.1 step 1, I18
inline constexpr int kMaxArgs = 64;
// The inbound message QTEE reads (spec §2.7, I18; shm.c MAX_INBOUND_BUFFER_SIZE).
inline constexpr uint64_t kMaxInboundBytes = uint64_t(4) << 20;

// Errnos the driver returns (negative, Linux values).
namespace err {
inline constexpr int32_t OK = 0;
inline constexpr int32_t kENOENT = -2;
inline constexpr int32_t kENOMEM = -12;
inline constexpr int32_t kEFAULT = -14;
inline constexpr int32_t kEBUSY = -16;
inline constexpr int32_t kENODEV = -19;
inline constexpr int32_t kEINVAL = -22;
inline constexpr int32_t kENOSPC = -28;
inline constexpr int32_t kERESTARTSYS = -512;
} // namespace err

// QTEE wire results (spec §6.3).
namespace qres {
inline constexpr int32_t OK = 0;
inline constexpr int32_t ERROR = 1;
inline constexpr int32_t DEFUNCT = -90;
inline constexpr int32_t UNAVAIL = -96;
inline constexpr int32_t KMEM = -97;
inline constexpr int32_t BUSY = -99;
} // namespace qres

// Simulated time (ns): a time point plus a duration, saturating at the ends
// of int64. Costs and durations are at most 10^12 ns and a run at most 10^8
// steps, which can pass INT64_MAX (about 292 years): the clock then stays at
// INT64_MAX instead of wrapping (docs/model.md). Every advance of State::tNs
// goes through here.
constexpr int64_t addNs(int64_t t, int64_t d)
{
    int64_t r = 0;
    if (__builtin_add_overflow(t, d, &r))
        return d > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
    return r;
}

// A time point of the timeline kept in the State (docs/model.md, "Time").
// It is not part of a state's identity: two states that differ only in when
// things happened are one state, so it always compares equal and is never
// hashed.
struct TimeNs
{
    int64_t ns = 0;
    bool operator==(const TimeNs &) const { return true; }
};

// Linux MAX_ERRNO: errnos are -1..-4095.
inline constexpr int32_t kMaxErrno = 4095;
// "EINVAL" for -22, "0" for 0, "E123" for an unnamed errno (-123); any other
// value (positive, or below -4095) as its number ("7", "-2147483648").
std::string errnoName(int32_t e);
// An errno as the kernel writes it: "-EINVAL", "-E123", "0", "7", "-5000".
std::string signedErrnoName(int32_t e);
// Parses "EINVAL", "-EINVAL", "-22", "22"; returns false when unknown.
bool parseErrno(std::string_view text, int32_t &out);
// qcomtee_msg_set_result (spec §6.3): dispatcher errno -> wire result.
int32_t errnoToQteeResult(int32_t errno_);
std::string qteeResultName(int32_t result);

// ---------------------------------------------------------------------------
// Request states (spec §2.5). Placeholder is the static empty_ureq that keeps
// a killed client's PROCESSING id reserved (T8). Removed/Freed are terminal
// states of our record, not kernel states.
enum class ReqState : uint8_t {
    New = 0,
    QUEUED = 1,
    PROCESSING = 2,
    PROCESSED = 3,
    Placeholder = 4, // empty_ureq in reqs_idr
    Removed = 5,     // off every structure (T4, T6 for notifications, T7, T9)
};
const char *reqStateName(ReqState s);

// Why a thread sleeps.
enum class BlockReason : uint8_t {
    None,
    Completion, // killable wait on the request's completion (spec §3.3 step 4)
    ReqC,       // interruptible wait on req_c in RECV (spec §2.6)
    Srcu,       // synchronize_srcu (argument=srcu)
    Lock,       // waiting for reqs_lock
    NoUsers,    // tee_device_unregister: wait_for_completion(c_no_users) (spec §2.8 Remove)
    // The program waits in user space (its `wait` step) for variables other
    // threads of its process set: events only (Thread::blocked never says
    // it; Environment::userWait does), model version 9.
    UserWait,
};
const char *blockReasonName(BlockReason r);

enum class ObjectType : uint8_t {
    TEE = 0,  // QTEE-hosted wrapper (QCOMTEE_OBJECT_TYPE_TEE)
    User = 1, // CB: user (callback) object hosted by a supplicant
    Mem = 2,  // CB: memory object
};
const char *objectTypeName(ObjectType t);

// Who holds one reference of a kernel object (spec §2.3, I3). A refcount is
// the number of holders, so every count can be explained.
enum class HolderKind : uint8_t {
    CtxIdr,       // entry in a context's qtee_objects_idr (a = context, b = idr id)
    QteeId,       // QTEE holds a callback id in xa_local_objects (a = cb id)
    DriverCopy,   // driver temporary copy of an IO/OO in flight (a = thread)
    InvokeTarget, // the target of a direct invocation (a = thread)
    OicObject,    // oic->object while a callback is serviced (a = thread)
    CallbackArg,  // IO object of a callback request, in oic->u (a = thread)
    Retain,       // unmatched RETAIN from QTEE
    Caller,       // kernel-internal caller of a freshly received wrapper (a = thread)
    SupplRecv,    // handed to a supplicant by RECV, not yet in an idr (a = thread)
};
const char *holderKindName(HolderKind k);

// Reference on a tee_context or on its context data.
enum class CtxHolderKind : uint8_t {
    File,       // the open file
    UserObject, // a user object created in this context (a = object)
    QteeObject, // driver context only: a live QTEE wrapper (a = object)
    Ioctl,      // an ioctl in flight holds the file (a = thread)
    Shm,        // a tee_shm allocated in this context (a = shm id)
    Context,    // lifetime=kref: the context's own reference on its data
                // (ref_cnt), taken at open, dropped by qcomtee_release
};
const char *ctxHolderKindName(CtxHolderKind k);

// ---------------------------------------------------------------------------
// Variants: the review thread's alternative designs (spec §5). The merged
// design is the default of each.
enum class RequestVariant : uint8_t { Fifo, Idr };
enum class ArgumentVariant : uint8_t { Lock, Srcu, None };
enum class LifetimeVariant : uint8_t { CtxRef, Kref, None };
enum class GapsVariant : uint8_t { Faithful, Fixed };

struct Variant
{
    RequestVariant request = RequestVariant::Fifo;
    ArgumentVariant argument = ArgumentVariant::Lock;
    LifetimeVariant lifetime = LifetimeVariant::CtxRef;
    GapsVariant gaps = GapsVariant::Faithful;
    bool operator==(const Variant &) const = default;

    // "request=fifo,argument=lock,lifetime=ctxref,gaps=faithful"
    std::string toString() const;
    // Applies one "NAME=VALUE"; returns an error sentence or empty.
    std::string set(std::string_view assignment);
    std::string set(std::string_view name, std::string_view value);
    // Applies "NAME=VALUE" overrides in order (a command's --variant
    // options); one name given twice with two values is an error too.
    // Returns the first error sentence, or empty.
    std::string apply(const std::vector<std::string> &assignments);
    std::string value(std::string_view name) const;
    static const char *const kNames[4];
    // Allowed values of a variant dimension, in documentation order.
    static std::string allowedValues(std::string_view name);
};

} // namespace tee

template <class Tag>
struct std::hash<tee::Id<Tag>>
{
    size_t operator()(tee::Id<Tag> id) const noexcept { return std::hash<int32_t>()(id.v); }
};
