// A scenario: who opens what, who invokes what, what QTEE answers and who
// gets killed when. Loaded from JSON (scenarioloader.h) or built in code.
// Names given by the author (processes, threads, variables, held objects)
// are resolved to indices once, at load time.
#pragma once

#include "core/engine.h"
#include "core/types.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tee::sim {

// Simulator shortcut for "REG_WITH_CREDENTIALS then CLIENT_ENV_OPEN": ROOT op
// 0x20 with one IB holding the uid returns the service object (one OO). It
// keeps scenarios short; see docs/scenario-format.md.
inline constexpr uint32_t kOpenServiceOp = 0x20;

// An object reference written in a user program.
struct UserObjRef
{
    enum class Kind : uint8_t { Null, User, Tee, Mem } kind = Kind::Null;
    uint64_t userId = 0; // User: the userspace object id; Tee with reg -1: a raw id ("id:N")
    int32_t reg = -1;    // Tee: register holding the idr id; Mem: holding the shm id
    // The objref's flag bits when the scenario gives them ("flags"): -1 is
    // the kind's own (USER 2, TEE 1, MEM 4, spec §5 'Objref flags').
    int64_t flags = -1;
    bool operator==(const UserObjRef &) const = default;
};

// How a supplicant answers one request.
struct Reply
{
    int64_t matchOp = -1;       // -1: any op
    int64_t matchObject = -1;   // -1: any user object id
    int32_t errno_ = 0;         // SEND ret (0 = success)
    std::vector<UserObjRef> oo; // OO objrefs returned (USER ids)
    std::vector<uint32_t> ob;   // OB sizes written (default: 0 each)
    int64_t delayNs = 0;        // user-space work before SEND
    bool sendTwice = false;     // buggy supplicant: SEND the same id again later (I11)
    int32_t sendParams = -1;    // buggy supplicant: pass fewer params than RECV gave (§9 item 4)
    bool operator==(const Reply &) const = default;
};

struct ServeSpec
{
    int64_t count = -1;      // requests to serve; -1 = for ever
    uint32_t bufSize = 4096; // RECV scratch buffer
    int32_t numParams = 8;   // RECV capacity (params after the meta one)
    enum class OnEinval : uint8_t { Grow, Retry, Stop } onEinval = OnEinval::Grow;
    int32_t maxRetries = 3;     // Retry: attempts before giving up
    bool answerRelease = false; // buggy: SEND for RELEASE notifications too (I11, §9 item 12)
    std::vector<Reply> replies; // first match wins; default: success, no outputs
    bool operator==(const ServeSpec &) const = default;
};

struct Op
{
    enum class Kind : uint8_t {
        Open,         // open /dev/tee -> fd register
        Close,        // close(fd)
        OpenService,  // ROOT op 0x20 with the uid -> object register
        Invoke,       // OBJECT_INVOKE on an object register (or ROOT)
        Release,      // OBJECT_INVOKE op 0xFFFF on an object register
        Serve,        // RECV/SEND loop
        Recv,         // one SUPPL_RECV (serve's RECV half); the request is kept for Send
        Send,         // one SUPPL_SEND for the request the last Recv got
        Kill,         // kill(pid of a process, SIGKILL)
        Compute,      // user-space work
        Exit,         // thread exits now
        Jump,         // go to op `target`, `times` times (-1 = for ever)
        ShmAlloc,     // TEE_IOC_SHM_ALLOC of `size` bytes -> shm id register
        RemoveDevice, // unbind the driver: qcomtee_remove (spec §2.8, §7 case 20)
        Wait,         // user space: wait until another thread set variables (waitRegs)
    } kind = Kind::Exit;
    std::string path; // JSON location, for messages
    int32_t fdReg = -1;
    int32_t targetReg = -1; // -1 = ROOT (unless rawTarget)
    bool hasRawTarget = false;
    uint64_t rawTarget = 0; // "object": "id:N": this objref id as is, never allocated
    uint32_t op = 0;
    uint32_t uid = 0;
    std::vector<uint32_t> ib, ob;
    uint64_t ibValue = 0;
    std::vector<UserObjRef> io;
    std::vector<int32_t> outRegs; // OO results (register per OO, -1 = discard)
    int32_t outReg = -1;          // Open, OpenService, ShmAlloc
    uint32_t size = 0;            // ShmAlloc
    ServeSpec serve;              // Serve, Recv (buffer, num_params, on_einval, max_retries)
    Reply reply;                  // Send
    int32_t process = -1;         // Kill
    int64_t ns = 0;               // Compute
    int32_t jumpTo = 0;
    int64_t times = -1;
    std::vector<int32_t> waitRegs; // Wait: the process variables waited for
    bool operator==(const Op &) const = default;
};

struct ThreadDecl
{
    std::string name;
    std::vector<Op> program;
    bool operator==(const ThreadDecl &) const = default;
};

struct ProcessDecl
{
    std::string name;
    std::vector<ThreadDecl> threads;
    bool operator==(const ProcessDecl &) const = default;
};

// What QTEE names: a callback id it received in this invocation ("io:N"), one
// it holds by name ("held:NAME"), a new object of a service ("service:UID"),
// the invoked object itself ("self"), or NULL.
struct QteeRef
{
    enum class Kind : uint8_t { Null, Received, Held, Service, Self, Raw } kind = Kind::Null;
    int32_t index = 0; // Received: io index; Held: slot; Service: service index
    uint32_t raw = 0;  // Raw ("id:0x8000ffff"): this wire id as is, for negative tests
    bool operator==(const QteeRef &) const = default;
};

struct QteeStep
{
    enum class Kind : uint8_t {
        Callback,     // invoke a callback object (any op)
        Release,      // callback with op RELEASE: give a callback id back
        Retain,       // callback with op RETAIN
        AsyncRelease, // release callback ids in the next message's async area
        Hold,         // keep a received callback id beyond this invocation
        Return,       // final result
        Map,          // primordial MAP_REGION of a memory object (target)
    } kind = Kind::Return;
    std::string path;
    QteeRef target;               // Callback/Release/Retain/Hold
    uint32_t op = 0;              // Callback
    std::vector<uint32_t> ib, ob; // Callback; Return: ob, the OB sizes reported
    std::vector<QteeRef> io;      // Callback
    uint32_t oo = 0;              // Callback
    std::vector<QteeRef> refs;    // AsyncRelease
    int32_t holdSlot = -1;        // Hold: slot name index
    int32_t result = 0;           // Return
    std::vector<QteeRef> outputs; // Return: OO
    bool operator==(const QteeStep &) const = default;
};

struct Service
{
    uint32_t uid = 0;
    std::string name;
    std::map<uint32_t, std::vector<QteeStep>> ops; // per op
    std::vector<QteeStep> defaultOp;               // any other op
    std::vector<QteeStep> onRelease;               // when the kernel releases the last reference
    // The first N RELEASE SMCs the release worker makes for each object of
    // this service fail (-EIO) before QTEE sees them (spec §2.8 retry, §9 item 5).
    int32_t releaseSmcFailures = 0;
    // The first N invocations of each object of this service fail in the
    // transport (-EIO): the first SMC, before QTEE sees the message (spec
    // §3.1 step 7.3.4 with SHARED clear, §9 item 3).
    int32_t invokeSmcFailures = 0;
    bool operator==(const Service &) const = default;
};

struct Fault
{
    int32_t process = -1;
    enum class When : uint8_t {
        Any,     // available at every step (exploration, random policy)
        AtStep,  // fires at step `step` (or as soon after as it can)
        OnState, // fires when a request of `process`'s client threads is in `state`
    } when = When::Any;
    uint64_t step = 0;
    ReqState state = ReqState::QUEUED;
    bool operator==(const Fault &) const = default;
};

// How a run picks the next step among the enabled ones (docs/cli.md,
// "Policies"): Scripted, the lowest-numbered thread (a killed process's
// threads first); RoundRobin, the next
// thread after the last one that ran; Random, uniformly with a seed; Timed,
// the step that can start earliest in simulated time (ties by thread order).
// Every policy takes a due conditional fault (at_step, when_request) first,
// and only Random takes "when": "any" faults.
enum class Policy : uint8_t { Scripted, RoundRobin, Random, Timed };
const char *policyName(Policy p);
std::optional<Policy> parsePolicy(std::string_view name);

struct Scenario
{
    std::string name;
    std::string title;
    std::string description;
    std::vector<ProcessDecl> processes;
    // Variables are per process (threads of one process share fds and
    // objects): variables[p] names the registers of process p (Process::regs).
    std::vector<std::vector<std::string>> variables;
    std::vector<std::string> heldSlots; // QTEE "held:NAME" slot names
    std::vector<Service> services;
    std::vector<Fault> faults;
    Variant variant;
    Costs costs;
    std::vector<std::string> schedule; // fixed schedule (labels), may be empty
    Policy policy = Policy::Scripted;
    uint64_t seed = 1;
    uint64_t maxSteps = 10000;
    std::string sourceJson; // the JSON text it was loaded from (embedded in captures)
    bool operator==(const Scenario &) const = default;

    int32_t threadCount() const;
    // Global thread index -> (process, thread) names.
    std::pair<int32_t, int32_t> threadOwner(int32_t globalThread) const;
    int32_t serviceIndex(uint32_t uid) const;
};

} // namespace tee::sim
