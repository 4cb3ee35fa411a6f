// The built-in QTEE peer and the user-space actors (spec §1), driven by a
// Scenario, and the schedulers that pick one enabled action per step.
#include "simulator.h"

#include "core/text.h"
#include "core/vocabulary.h"

#include <algorithm>
#include <random>

namespace tee::sim {

namespace {

// Thread-local registers the actors keep in Thread::regs.
enum Reg : int32_t {
    R_STAGE = 0,   // serve: 0 RECV next, 1 SEND next, 2 second SEND, 3 delay
    R_SERVED = 1,  // serve: requests answered
    R_BUF = 2,     // serve: current RECV buffer size (0 = the op's)
    R_PARAMS = 3,  // serve: current RECV capacity (0 = the op's)
    R_RETRIES = 4, // serve: -EINVAL retries so far
    R_REQID = 5,   // serve: last request id received
    R_OBJ = 6,     // serve: its user object id
    R_OP = 7,      // serve: its op
    R_REPLY = 8,   // serve: reply chosen (-1 = default)
    R_NOB = 9,     // serve: OB arguments of the request
    R_NOO = 10,    // serve: OO arguments of the request
    R_DOUBLE = 11, // serve: request id to SEND again (send_twice)
    R_FIXED = 12,  // first jump counter (one per program op)
};

constexpr int64_t kUnset = -1;
// An output objref QTEE returned as NULL: the ioctl hands back
// TEE_OBJREF_NULL (spec §3.1 step 8), which the variable holds (set, so a
// `wait` for it ends); used again it is that id: ROOT as a target, the NULL
// object as an input (spec §3.1 step 4).
constexpr int64_t kNullRef = -2;
constexpr uint64_t kBadId = 0x7FFFFFFF; // an idr id no context ever has

int64_t preg(const State &s, const Thread &t, int32_t reg)
{
    if (reg < 0)
        return kUnset;
    const auto &regs = s.processes[size_t(t.process.v)].regs;
    return size_t(reg) < regs.size() ? regs[size_t(reg)] : kUnset;
}

void setPreg(State &s, const Thread &t, int32_t reg, int64_t v)
{
    if (reg < 0)
        return;
    auto &regs = s.processes[size_t(t.process.v)].regs;
    if (size_t(reg) < regs.size())
        regs[size_t(reg)] = v;
}

uint64_t objectArg(int64_t v)
{
    return v == kNullRef ? TEE_OBJREF_NULL : v < 0 ? kBadId : uint64_t(v);
}

// An output objref as the variable keeps it: -1 (NULL) is TEE_OBJREF_NULL.
int64_t outputRef(int64_t id)
{
    return id < 0 ? kNullRef : id;
}

ObjRefParam toParam(const State &s, const Thread &t, const UserObjRef &r)
{
    ObjRefParam p;
    switch (r.kind) {
    case UserObjRef::Kind::Null:
        break;
    case UserObjRef::Kind::User:
        p.kind = ObjRefParam::Kind::User;
        p.id = r.userId;
        break;
    case UserObjRef::Kind::Tee:
        p.kind = ObjRefParam::Kind::Tee;
        p.id = r.reg < 0 ? r.userId : objectArg(preg(s, t, r.reg)); // raw "id:N", or a variable
        break;
    case UserObjRef::Kind::Mem:
        p.kind = ObjRefParam::Kind::Mem;
        p.id = objectArg(preg(s, t, r.reg));
        break;
    }
    if (r.reg >= 0 && preg(s, t, r.reg) == kNullRef)
        p = ObjRefParam{}; // a NULL output passed on: the NULL object
    // Flags given by the scenario: the driver tests USER, then TEE, then
    // MEM (spec §3.1 step 5); none of them is -EINVAL. (A NULL id stays
    // NULL whatever the flags: ObjRefParam::converted.)
    if (r.kind != UserObjRef::Kind::Null && r.flags >= 0) {
        const uint64_t f = uint64_t(r.flags);
        p.kind = f & 2   ? ObjRefParam::Kind::User
                 : f & 1 ? ObjRefParam::Kind::Tee
                 : f & 4 ? ObjRefParam::Kind::Mem
                         : ObjRefParam::Kind::Unflagged;
    }
    return p;
}

const Reply *chooseReply(const ServeSpec &sv, int64_t op, int64_t object)
{
    for (const Reply &r : sv.replies)
        if ((r.matchOp < 0 || r.matchOp == op) && (r.matchObject < 0 || r.matchObject == object))
            return &r;
    return nullptr;
}

QteeObject *qteeObject(State &s, uint32_t id)
{
    for (QteeObject &q : s.qtee.objects)
        if (q.qteeId == id)
            return &q;
    return nullptr;
}

void dropCbHeld(State &s, uint32_t id)
{
    auto it = std::find(s.qtee.cbHeld.begin(), s.qtee.cbHeld.end(), id);
    if (it != s.qtee.cbHeld.end())
        s.qtee.cbHeld.erase(it);
}

bool qteeHoldsCb(const State &s, uint32_t id)
{
    return std::find(s.qtee.cbHeld.begin(), s.qtee.cbHeld.end(), id) != s.qtee.cbHeld.end();
}

// QTEE keeps `id` under a name ("held:NAME") of one of its objects.
bool qteeKeeps(const State &s, uint32_t id)
{
    return std::any_of(s.qtee.held.begin(), s.qtee.held.end(),
                       [&](const QteeHeld &h) { return h.cbId == id; });
}

void eraseQteeObject(State &s, uint32_t id)
{
    s.qtee.objects.erase(std::remove_if(s.qtee.objects.begin(), s.qtee.objects.end(),
                                        [&](const QteeObject &o) { return o.qteeId == id; }),
                         s.qtee.objects.end());
}

} // namespace

const char *stopReasonName(StopReason r)
{
    switch (r) {
    case StopReason::Finished:
        return "finished";
    case StopReason::Stuck:
        return "stuck";
    case StopReason::MaxSteps:
        return "max-steps";
    case StopReason::ScheduleEnd:
        return "schedule-end";
    }
    return "?";
}

static const std::vector<QteeStep> kEmptyScript;

Simulator::Simulator(std::shared_ptr<const Scenario> scenario)
    : Simulator(scenario, scenario->variant)
{}

Simulator::Simulator(std::shared_ptr<const Scenario> scenario, const Variant &variant)
    : m_scenario(std::move(scenario))
    , m_engine(*this, variant, m_scenario->costs)
{
    for (size_t p = 0; p < m_scenario->processes.size(); ++p) {
        const ProcessDecl &pd = m_scenario->processes[p];
        for (size_t t = 0; t < pd.threads.size(); ++t) {
            m_threadOwner.emplace_back(int32_t(p), int32_t(t));
            m_threadNames.push_back(pd.name + "/" + pd.threads[t].name);
            for (const Op &op : pd.threads[t].program)
                m_hasWaits = m_hasWaits || op.kind == Op::Kind::Wait;
        }
    }
    // QTEE scripts are addressed by a flat index kept in QteeCall::script:
    // per service, its ops (map order), its default op, its on_release.
    for (const Service &sv : m_scenario->services) {
        for (const auto &[op, steps] : sv.ops)
            m_scripts.push_back(&steps);
        m_scripts.push_back(&sv.defaultOp);
        m_scripts.push_back(&sv.onRelease);
    }
}

State Simulator::initialState() const
{
    std::vector<int32_t> processRegs;
    for (size_t p = 0; p < m_scenario->processes.size(); ++p)
        processRegs.push_back(
            p < m_scenario->variables.size() ? int32_t(m_scenario->variables[p].size()) : 0);
    std::vector<ThreadSpec> threads;
    for (const auto &[p, t] : m_threadOwner) {
        const auto &prog = m_scenario->processes[size_t(p)].threads[size_t(t)].program;
        threads.push_back(ThreadSpec{p, R_FIXED + int32_t(prog.size())});
    }
    State s = m_engine.initialState(processRegs, threads);
    for (size_t i = 0; i < s.threads.size(); ++i) {
        if (s.threads[i].worker)
            continue;
        Thread &t = s.thread(ThreadId(int32_t(i)));
        t.regs[R_DOUBLE] = -1;
        t.regs[R_REPLY] = -1;
        t.regs[R_REQID] = kUnset; // a send before any recv sends id -1
        normalize(s, t);
    }
    return s;
}

const Op *Simulator::currentOp(const Thread &t) const
{
    if (t.worker || size_t(t.id.v) >= m_threadOwner.size())
        return nullptr;
    const auto [p, i] = m_threadOwner[size_t(t.id.v)];
    const auto &prog = m_scenario->processes[size_t(p)].threads[size_t(i)].program;
    return t.pc >= 0 && size_t(t.pc) < prog.size() ? &prog[size_t(t.pc)] : nullptr;
}

bool Simulator::nextStepUsesFds(const Thread &t) const
{
    if (t.phase != Phase::User || t.fatalPending || t.lockWait.valid())
        return false;
    const Op *op = currentOp(t);
    if (!op)
        return false;
    switch (op->kind) {
    case Op::Kind::Open:
    case Op::Kind::Close:
    case Op::Kind::OpenService:
    case Op::Kind::Invoke:
    case Op::Kind::Release:
    case Op::Kind::Recv:
    case Op::Kind::Send:
    case Op::Kind::ShmAlloc:
        return true;
    default:
        return false; // a serve may be computing its delay; jumps and waits move on first
    }
}

// A wait step is over once every variable it names holds a value (-1:
// never set, or its step failed).
bool Simulator::waitOver(const State &s, const Thread &t, const Op &wait) const
{
    return std::all_of(wait.waitRegs.begin(), wait.waitRegs.end(),
                       [&](int32_t reg) { return preg(s, t, reg) != kUnset; });
}

bool Simulator::atWait(const Thread &t) const
{
    const Op *op = currentOp(t);
    return op && op->kind == Op::Kind::Wait;
}

bool Simulator::waitsInUserSpace(const State &s, const Thread &t) const
{
    const Op *op = t.phase == Phase::User ? currentOp(t) : nullptr;
    return op && op->kind == Op::Kind::Wait && !waitOver(s, t, *op);
}

std::string Simulator::waitNames(size_t process, const Op &wait, const State *unsetIn,
                                 const Thread *t) const
{
    const auto &vars = m_scenario->variables;
    std::string names;
    for (int32_t reg : wait.waitRegs)
        if (process < vars.size() && reg >= 0 && size_t(reg) < vars[process].size() &&
            (!unsetIn || preg(*unsetIn, *t, reg) == kUnset))
            names += (names.empty() ? "" : ", ") + vars[process][size_t(reg)];
    return names;
}

std::string Simulator::userWait(const State &s, const Thread &t) const
{
    if (!waitsInUserSpace(s, t))
        return {};
    return vocab::variables(waitNames(size_t(t.process.v), *currentOp(t), &s, &t));
}

std::string Simulator::waitVariables(ThreadId t, int32_t pc) const
{
    if (!t.valid() || size_t(t.v) >= m_threadOwner.size())
        return {};
    const auto [p, i] = m_threadOwner[size_t(t.v)];
    const auto &prog = m_scenario->processes[size_t(p)].threads[size_t(i)].program;
    if (pc < 0 || size_t(pc) >= prog.size() || prog[size_t(pc)].kind != Op::Kind::Wait)
        return {};
    return waitNames(size_t(p), prog[size_t(pc)]);
}

// Follows jumps, and waits whose variables are set, so that pc names an op
// that makes a syscall, a wait still waiting, or is past the end. Bounded,
// so a loader bug cannot hang the engine.
void Simulator::normalize(const State &s, Thread &t) const
{
    for (int guard = 0; guard < 64; ++guard) {
        const Op *op = currentOp(t);
        if (op && op->kind == Op::Kind::Wait) {
            if (!waitOver(s, t, *op))
                return;
            ++t.pc;
            continue;
        }
        if (!op || op->kind != Op::Kind::Jump)
            return;
        int64_t &count = t.regs[size_t(R_FIXED + t.pc)];
        if (op->times < 0 || count < op->times) {
            ++count;
            t.pc = op->jumpTo;
        } else {
            count = 0;
            ++t.pc;
        }
    }
}

Syscall Simulator::nextSyscall(const State &s, const Thread &t) const
{
    Syscall sc;
    const Op *op = currentOp(t);
    if (op && op->kind == Op::Kind::Wait) {
        if (!waitOver(s, t, *op))
            return sc; // not runnable until another thread sets the variables
        // Set meanwhile: the step is the one after the wait (syscallReturned
        // moves pc past it the same way).
        Thread ahead = t;
        normalize(s, ahead);
        return nextSyscall(s, ahead);
    }
    if (!op) {
        sc.kind = t.worker ? SyscallKind::None : SyscallKind::Exit;
        return sc;
    }
    sc.fd = int32_t(preg(s, t, op->fdReg));
    switch (op->kind) {
    case Op::Kind::Open:
        sc.kind = SyscallKind::Open;
        break;
    case Op::Kind::Close:
        sc.kind = SyscallKind::Close;
        break;
    case Op::Kind::OpenService:
        sc.kind = SyscallKind::Invoke;
        sc.objectId = TEE_OBJREF_NULL;
        sc.op = kOpenServiceOp;
        sc.ib = {4};
        sc.ibValue = op->uid;
        sc.oo = 1;
        break;
    case Op::Kind::Invoke:
        sc.kind = SyscallKind::Invoke;
        sc.objectId = op->hasRawTarget    ? op->rawTarget
                      : op->targetReg < 0 ? TEE_OBJREF_NULL
                                          : objectArg(preg(s, t, op->targetReg));
        sc.op = op->op;
        sc.ib = op->ib;
        sc.ibValue = op->ibValue;
        sc.ob = op->ob;
        for (const UserObjRef &r : op->io)
            sc.io.push_back(toParam(s, t, r));
        sc.oo = uint32_t(op->outRegs.size());
        break;
    case Op::Kind::Release:
        sc.kind = SyscallKind::Invoke;
        sc.objectId = op->hasRawTarget ? op->rawTarget : objectArg(preg(s, t, op->targetReg));
        sc.op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
        break;
    case Op::Kind::Serve: {
        const ServeSpec &sv = op->serve;
        const int64_t stage = t.regs[R_STAGE];
        if (stage == 0) {
            sc.kind = SyscallKind::SupplRecv;
            sc.bufSize = t.regs[R_BUF] > 0 ? uint32_t(t.regs[R_BUF]) : sv.bufSize;
            sc.numParams = t.regs[R_PARAMS] > 0 ? int32_t(t.regs[R_PARAMS]) : sv.numParams;
        } else if (stage == 3) {
            const Reply *r = t.regs[R_REPLY] >= 0 ? &sv.replies[size_t(t.regs[R_REPLY])] : nullptr;
            sc.kind = SyscallKind::Compute;
            sc.computeNs = r ? r->delayNs : 0;
        } else {
            const Reply *r = t.regs[R_REPLY] >= 0 ? &sv.replies[size_t(t.regs[R_REPLY])] : nullptr;
            sc.kind = SyscallKind::SupplSend;
            sc.numParams = int32_t(t.regs[R_NOB] + t.regs[R_NOO]);
            sc.reqId = int32_t(stage == 2 ? t.regs[R_DOUBLE] : t.regs[R_REQID]);
            sc.ret = r ? r->errno_ : 0;
            if (r) {
                for (int64_t i = 0; i < t.regs[R_NOB]; ++i)
                    sc.obOut.push_back(size_t(i) < r->ob.size() ? r->ob[size_t(i)] : 0);
                for (const UserObjRef &o : r->oo)
                    sc.ooOut.push_back(toParam(s, t, o));
                sc.sendParams = r->sendParams;
            }
        }
        break;
    }
    case Op::Kind::Recv: {
        const ServeSpec &sv = op->serve;
        sc.kind = SyscallKind::SupplRecv;
        sc.bufSize = t.regs[R_BUF] > 0 ? uint32_t(t.regs[R_BUF]) : sv.bufSize;
        sc.numParams = t.regs[R_PARAMS] > 0 ? int32_t(t.regs[R_PARAMS]) : sv.numParams;
        break;
    }
    case Op::Kind::Send: {
        const Reply &r = op->reply;
        sc.kind = SyscallKind::SupplSend;
        sc.numParams = int32_t(t.regs[R_NOB] + t.regs[R_NOO]);
        sc.reqId = int32_t(t.regs[R_REQID]); // -1 when no recv got one: -EINVAL
        sc.ret = r.errno_;
        for (int64_t i = 0; i < t.regs[R_NOB]; ++i)
            sc.obOut.push_back(size_t(i) < r.ob.size() ? r.ob[size_t(i)] : 0);
        for (const UserObjRef &o : r.oo)
            sc.ooOut.push_back(toParam(s, t, o));
        sc.sendParams = r.sendParams;
        break;
    }
    case Op::Kind::Kill:
        sc.kind = SyscallKind::Kill;
        sc.process = op->process;
        break;
    case Op::Kind::ShmAlloc:
        sc.kind = SyscallKind::ShmAlloc;
        sc.bufSize = op->size;
        break;
    case Op::Kind::Compute:
        sc.kind = SyscallKind::Compute;
        sc.computeNs = op->ns;
        break;
    case Op::Kind::RemoveDevice:
        sc.kind = SyscallKind::RemoveDevice;
        break;
    case Op::Kind::Exit:
    case Op::Kind::Jump:
    case Op::Kind::Wait: // (normalize() passed every wait that is over)
        sc.kind = SyscallKind::Exit;
        break;
    }
    return sc;
}

void Simulator::syscallReturned(State &s, Thread &t, const SyscallResult &r) const
{
    normalize(s, t); // past a wait whose variables were set after it began waiting
    const Op *op = currentOp(t);
    if (!op)
        return;
    const int32_t pcBefore = t.pc;
    switch (op->kind) {
    case Op::Kind::Open:
        setPreg(s, t, op->outReg, r.errno_ == 0 ? r.fd : kUnset);
        ++t.pc;
        break;
    case Op::Kind::ShmAlloc:
        setPreg(s, t, op->outReg, r.errno_ == 0 ? r.shmId : kUnset);
        ++t.pc;
        break;
    // Output objrefs: copied back when the ioctl returned 0. When QTEE
    // refused (arg.ret != 0) they come back zeroed, id 0 (spec §9 item 10):
    // a program that does not check ret goes on with id 0, as a real one
    // would (no invented id). A failed ioctl copies nothing back.
    case Op::Kind::OpenService:
        setPreg(s, t, op->outReg,
                r.errno_ != 0           ? kUnset
                : r.ret != 0            ? 0
                : !r.outObjects.empty() ? outputRef(r.outObjects[0])
                                        : kUnset);
        ++t.pc;
        break;
    case Op::Kind::Invoke:
        for (size_t i = 0; i < op->outRegs.size(); ++i)
            setPreg(s, t, op->outRegs[i],
                    r.errno_ != 0             ? kUnset
                    : r.ret != 0              ? 0
                    : i < r.outObjects.size() ? outputRef(r.outObjects[i])
                                              : kUnset);
        ++t.pc;
        break;
    case Op::Kind::Recv: {
        const ServeSpec &sv = op->serve;
        if (r.errno_ == err::kEINVAL && sv.onEinval != ServeSpec::OnEinval::Stop &&
            ++t.regs[R_RETRIES] <= sv.maxRetries) {
            if (sv.onEinval == ServeSpec::OnEinval::Grow) {
                const int64_t buf = t.regs[R_BUF] > 0 ? t.regs[R_BUF] : sv.bufSize;
                const int64_t par = t.regs[R_PARAMS] > 0 ? t.regs[R_PARAMS] : sv.numParams;
                t.regs[R_BUF] = std::min<int64_t>(buf * 2 + 8, 4 << 20) & ~int64_t(7);
                t.regs[R_PARAMS] = std::min<int64_t>(par * 2 + 1, kMaxArgs);
            }
            break; // RECV again
        }
        t.regs[R_RETRIES] = 0;
        t.regs[R_REQID] = r.errno_ == 0 ? r.reqId : kUnset;
        t.regs[R_OBJ] = int64_t(r.objectId);
        t.regs[R_OP] = r.op;
        t.regs[R_NOB] = std::count(r.argTypes.begin(), r.argTypes.end(), ArgType::OB);
        t.regs[R_NOO] = std::count(r.argTypes.begin(), r.argTypes.end(), ArgType::OO);
        ++t.pc;
        break;
    }
    case Op::Kind::Send:
        t.regs[R_REQID] = kUnset; // the request recv kept is answered once
        ++t.pc;
        break;
    case Op::Kind::Serve: {
        const ServeSpec &sv = op->serve;
        auto finishedOne = [&] {
            t.regs[R_SERVED]++;
            t.regs[R_STAGE] = 0;
            if (sv.count >= 0 && t.regs[R_SERVED] >= sv.count) {
                t.regs[R_SERVED] = 0;
                ++t.pc;
            }
        };
        switch (t.regs[R_STAGE]) {
        case 0: // RECV returned
            if (r.errno_ == err::kEINVAL) {
                // too few params or too small a buffer: the head stays QUEUED
                t.regs[R_RETRIES]++;
                if (sv.onEinval == ServeSpec::OnEinval::Stop || t.regs[R_RETRIES] > sv.maxRetries) {
                    t.regs[R_RETRIES] = 0;
                    ++t.pc;
                } else if (sv.onEinval == ServeSpec::OnEinval::Grow) {
                    const int64_t buf = t.regs[R_BUF] > 0 ? t.regs[R_BUF] : sv.bufSize;
                    const int64_t par = t.regs[R_PARAMS] > 0 ? t.regs[R_PARAMS] : sv.numParams;
                    t.regs[R_BUF] = std::min<int64_t>(buf * 2 + 8, 4 << 20) & ~int64_t(7);
                    t.regs[R_PARAMS] = std::min<int64_t>(par * 2 + 1, kMaxArgs);
                }
                break;
            }
            if (r.errno_ != 0) {
                ++t.pc; // -ERESTARTSYS or another error: stop serving
                break;
            }
            t.regs[R_RETRIES] = 0;
            t.regs[R_REQID] = r.reqId;
            t.regs[R_OBJ] = int64_t(r.objectId);
            t.regs[R_OP] = r.op;
            t.regs[R_NOB] = std::count(r.argTypes.begin(), r.argTypes.end(), ArgType::OB);
            t.regs[R_NOO] = std::count(r.argTypes.begin(), r.argTypes.end(), ArgType::OO);
            {
                const Reply *rep = chooseReply(sv, r.op, int64_t(r.objectId));
                t.regs[R_REPLY] = rep ? int64_t(rep - sv.replies.data()) : -1;
                if (r.op == QCOMTEE_MSG_OBJECT_OP_RELEASE && !sv.answerRelease) {
                    finishedOne(); // a RELEASE notification is not answered
                } else {
                    t.regs[R_STAGE] = rep && rep->delayNs > 0 ? 3 : 1;
                }
            }
            break;
        case 3: // user-space work done
            t.regs[R_STAGE] = 1;
            break;
        case 1: { // SEND returned
            const Reply *rep =
                t.regs[R_REPLY] >= 0 ? &sv.replies[size_t(t.regs[R_REPLY])] : nullptr;
            if (rep && rep->sendTwice) {
                t.regs[R_DOUBLE] = t.regs[R_REQID];
                t.regs[R_STAGE] = 2;
            } else {
                finishedOne();
            }
            break;
        }
        case 2: // the second SEND returned
            t.regs[R_DOUBLE] = -1;
            finishedOne();
            break;
        default:
            t.regs[R_STAGE] = 0;
        }
        break;
    }
    default:
        ++t.pc;
        break;
    }
    // A buffer grown on -EINVAL is that step's: a serve keeps it for its
    // next requests, and the next recv or serve step starts from its own
    // `buffer` and `num_params` (spec §3.4 step 2 checks what it declares).
    if (t.pc != pcBefore && (op->kind == Op::Kind::Recv || op->kind == Op::Kind::Serve)) {
        t.regs[R_BUF] = 0;
        t.regs[R_PARAMS] = 0;
    }
    normalize(s, t);
}

// -- QTEE --------------------------------------------------------------------

const std::vector<QteeStep> &Simulator::script(int32_t index) const
{
    if (index < 0 || size_t(index) >= m_scripts.size())
        return kEmptyScript;
    return *m_scripts[size_t(index)];
}

int32_t Simulator::scriptFor(int32_t service, uint32_t op, bool onRelease) const
{
    if (service < 0 || size_t(service) >= m_scenario->services.size())
        return -1;
    const Service &sv = m_scenario->services[size_t(service)];
    const std::vector<QteeStep> *want = nullptr;
    if (onRelease) {
        want = &sv.onRelease;
    } else {
        auto it = sv.ops.find(op);
        want = it != sv.ops.end() ? &it->second : &sv.defaultOp;
    }
    for (size_t i = 0; i < m_scripts.size(); ++i)
        if (m_scripts[i] == want)
            return int32_t(i);
    return -1;
}

uint32_t Simulator::newQteeObject(State &s, int32_t service) const
{
    QteeObject q;
    q.qteeId = s.qtee.nextObjectId++;
    q.service = service;
    q.kernelRefs = 1; // every id QTEE hands out is one new reference
    s.qtee.objects.push_back(q);
    return q.qteeId;
}

uint32_t Simulator::resolve(State &s, Thread &t, const QteeRef &r, bool handOut) const
{
    QteeCall &call = t.oic.qtee;
    switch (r.kind) {
    case QteeRef::Kind::Null:
        return 0;
    case QteeRef::Kind::Received: {
        const uint32_t id = r.index >= 0 && size_t(r.index) < call.received.size()
                                ? call.received[size_t(r.index)]
                                : 0;
        // One of QTEE's own objects the kernel passed in, handed out again:
        // the kernel makes a new wrapper for it (spec §2.3), one more
        // reference QTEE counts, as for "self".
        if (handOut)
            if (QteeObject *q = qteeObject(s, id))
                q->kernelRefs++;
        return id;
    }
    case QteeRef::Kind::Held: {
        uint32_t any = 0;
        for (const QteeHeld &h : s.qtee.held)
            if (h.slot == r.index) {
                if (h.owner == call.target)
                    return h.cbId;
                any = h.cbId; // the newest of another object
            }
        return any;
    }
    case QteeRef::Kind::Service:
        return handOut ? newQteeObject(s, r.index) : 0;
    case QteeRef::Kind::Raw:
        return r.raw;
    case QteeRef::Kind::Self:
        if (handOut)
            if (QteeObject *q = qteeObject(s, call.target))
                q->kernelRefs++;
        return call.target;
    }
    return 0;
}

// QTEE gives a callback id back (callback RELEASE or async release).
void Simulator::forget(State &s, Thread &t, uint32_t id) const
{
    dropCbHeld(s, id);
    s.qtee.held.erase(std::remove_if(s.qtee.held.begin(), s.qtee.held.end(),
                                     [&](const QteeHeld &h) { return h.cbId == id; }),
                      s.qtee.held.end());
    (void)t;
}

// Runs the current script until it produces a message for the kernel.
void Simulator::runQtee(State &s, Thread &t) const
{
    QteeReply &reply = t.oic.reply;
    std::vector<uint32_t> async = reply.asyncRelease;
    reply = QteeReply{};
    QteeCall &call = t.oic.qtee;
    const std::vector<QteeStep> &steps = script(call.script);
    const bool releasing = t.oic.worker;
    // (steps only go forward: one pass over the list at most; the loader
    // allows up to kMaxQteeSteps of them)
    for (size_t guard = 0; guard <= steps.size(); ++guard) {
        if (size_t(call.pc) >= steps.size()) {
            QteeStep ret; // default: return 0
            ret.kind = QteeStep::Kind::Return;
            finishQtee(s, t, ret, async, releasing);
            return;
        }
        const QteeStep &st = steps[size_t(call.pc++)];
        switch (st.kind) {
        case QteeStep::Kind::Hold: {
            const uint32_t id = resolve(s, t, st.target, false);
            if (!id)
                break;
            // A name is one slot per object: keeping again replaces it. The
            // id it held is then one QTEE does not keep, given back as every
            // such id is (docs/scenario-format.md, `hold`): by the invocation
            // that received it when it returns, if it is still running (this
            // one, or one on another thread, waiting for a callback's answer
            // or not read yet); otherwise now, in this message's async area
            // (spec §2.9). (It stayed counted for ever: an invocation that
            // returned never looks at its ids again.)
            auto &held = s.qtee.held;
            std::vector<uint32_t> replaced;
            for (const QteeHeld &h : held)
                if (h.slot == st.holdSlot && h.owner == call.target && h.cbId != id)
                    replaced.push_back(h.cbId);
            held.erase(std::remove_if(held.begin(), held.end(),
                                      [&](const QteeHeld &h) {
                                          return h.slot == st.holdSlot && h.owner == call.target;
                                      }),
                       held.end());
            held.push_back(QteeHeld{st.holdSlot, id, call.target});
            const auto receivedByRunningCall = [&](uint32_t old) {
                for (const Thread &u : s.threads) {
                    // (QTEE's side of an invocation runs from its SMC to
                    // its final answer, callbacks and their answers included)
                    const bool running = u.id == t.id || (u.oic.active && !u.oic.qtee.finished);
                    if (running && std::find(u.oic.qtee.received.begin(), u.oic.qtee.received.end(),
                                             old) != u.oic.qtee.received.end())
                        return true;
                }
                return false;
            };
            for (const uint32_t old : replaced) {
                if (qteeHoldsCb(s, old) && !qteeKeeps(s, old) && !receivedByRunningCall(old)) {
                    async.push_back(old);
                    forget(s, t, old);
                }
            }
            break;
        }
        case QteeStep::Kind::AsyncRelease:
            for (const QteeRef &r : st.refs) {
                const uint32_t id = resolve(s, t, r, false);
                if (id && qteeHoldsCb(s, id)) {
                    async.push_back(id);
                    forget(s, t, id);
                }
            }
            break;
        case QteeStep::Kind::Callback:
        case QteeStep::Kind::Release:
        case QteeStep::Kind::Retain:
        case QteeStep::Kind::Map: {
            reply.kind = QteeReply::Kind::Callback;
            // (a map's target is handed out as the IO: one of QTEE's own
            // objects received, so handed out again, counts one more)
            reply.cbTarget = resolve(s, t, st.target, st.kind == QteeStep::Kind::Map);
            if (st.kind == QteeStep::Kind::Map) {
                // MAP_REGION on the primordial object: OB {paddr, len, perms},
                // IO the memory object, OO the mapping (spec §3.2)
                reply.cbIo = {reply.cbTarget};
                reply.cbTarget = QCOMTEE_OBJECT_PRIMORDIAL;
                reply.cbOp = 0;
                reply.cbOb = {20};
                reply.cbOo = 1;
            } else if (st.kind == QteeStep::Kind::Release) {
                reply.cbOp = QCOMTEE_MSG_OBJECT_OP_RELEASE;
                forget(s, t, reply.cbTarget);
            } else if (st.kind == QteeStep::Kind::Retain) {
                reply.cbOp = QCOMTEE_MSG_OBJECT_OP_RETAIN;
            } else {
                reply.cbOp = st.op;
                reply.cbIb = st.ib;
                reply.cbOb = st.ob;
                // A callback to the NULL id (a "held:NAME" given back or never
                // kept) breaks QTEE's contract (spec §8); the kernel refuses
                // it at §3.2 step 1, before it parses any IO, and makes no
                // wrapper: QTEE hands out nothing with it, so that its count
                // of kernel references (I5) stays true. (docs/scenario-format.md)
                const bool handOut = reply.cbTarget != 0;
                for (const QteeRef &r : st.io)
                    reply.cbIo.push_back(resolve(s, t, r, handOut));
                reply.cbOo = st.oo;
            }
            reply.asyncRelease = async;
            return;
        }
        case QteeStep::Kind::Return:
            finishQtee(s, t, st, async, releasing);
            return;
        }
    }
    QteeStep ret;
    finishQtee(s, t, ret, async, releasing);
}

void Simulator::finishQtee(State &s, Thread &t, const QteeStep &ret, std::vector<uint32_t> async,
                           bool releasing) const
{
    QteeReply &reply = t.oic.reply;
    QteeCall &call = t.oic.qtee;
    reply.kind = QteeReply::Kind::Final;
    reply.result = ret.result;
    call.finished = true;
    if (!releasing) {
        // QTEE writes objects into the invocation's OO slots of a successful
        // result only: the kernel reads no other (spec §3.1 step 7.3.6 parses
        // the OO ids when the result is 0), so an output past them, or with an error,
        // is not handed out and QTEE counts no reference for it (I5).
        size_t slots = 0;
        for (const Arg &a : t.oic.args)
            slots += a.type == ArgType::OO;
        if (ret.result == 0)
            for (size_t i = 0; i < ret.outputs.size() && i < slots; ++i)
                reply.outIds.push_back(resolve(s, t, ret.outputs[i], true));
        reply.outOb = ret.ob;
    }
    // Callback ids received in this invocation and not kept are given back
    // in the async area of the final message (spec §2.9).
    for (uint32_t id : call.received) {
        if (!(id & 0x80000000u) || !qteeHoldsCb(s, id))
            continue;
        if (!qteeKeeps(s, id)) {
            async.push_back(id);
            forget(s, t, id);
        }
    }
    if (releasing) {
        // the object is gone on QTEE's side: give back everything it held
        if (QteeObject *q = qteeObject(s, call.target)) {
            std::vector<uint32_t> mine;
            for (const QteeHeld &h : s.qtee.held)
                if (h.owner == q->qteeId)
                    mine.push_back(h.cbId);
            for (uint32_t id : mine) {
                if (qteeHoldsCb(s, id))
                    async.push_back(id);
                forget(s, t, id);
            }
            if (q->kernelRefs <= 0)
                eraseQteeObject(s, q->qteeId);
        }
    }
    reply.asyncRelease = std::move(async);
}

void Simulator::qteeInvoke(State &s, Thread &t) const
{
    Oic &o = t.oic;
    QteeCall &call = o.qtee;
    call = QteeCall{};
    const KObject *target = o.target.valid() ? s.object(o.target) : nullptr;
    call.target = target ? target->qteeId : QCOMTEE_MSG_OBJECT_ROOT;
    call.op = o.op;
    // The SMC fails in the transport before QTEE sees the message: the
    // first N RELEASEs (release_smc_failures: spec §2.8, §9 item 5) or
    // invocations (invoke_smc_failures: §3.1 step 7.3.4) of each object of
    // a service. QTEE receives nothing.
    if (QteeObject *q = target ? qteeObject(s, call.target) : nullptr; q && q->service >= 0) {
        const Service &svc = m_scenario->services[size_t(q->service)];
        int32_t &failed = o.worker ? q->failedReleases : q->failedInvokes;
        if (failed < (o.worker ? svc.releaseSmcFailures : svc.invokeSmcFailures)) {
            ++failed;
            o.reply = QteeReply{};
            o.reply.kind = QteeReply::Kind::SmcError;
            o.reply.result = -5; // -EIO from the SCM call
            call.finished = true;
            return;
        }
    }
    // QTEE now holds a reference for every callback id it received
    for (const Arg &a : o.args)
        if (a.type == ArgType::IO) {
            call.received.push_back(a.wireId);
            if (a.wireId & 0x80000000u)
                s.qtee.cbHeld.push_back(a.wireId);
        }
    o.reply = QteeReply{};
    if (o.worker) {
        // the kernel's RELEASE of one of QTEE's objects (spec §2.8)
        QteeObject *q = qteeObject(s, call.target);
        if (!q) {
            o.reply.kind = QteeReply::Kind::Final;
            o.reply.result = 0;
            call.finished = true;
            return;
        }
        q->kernelRefs--;
        if (q->kernelRefs > 0) {
            o.reply.kind = QteeReply::Kind::Final;
            call.finished = true;
            return;
        }
        call.script = scriptFor(q->service, 0, true);
        runQtee(s, t);
        return;
    }
    if (call.target == QCOMTEE_MSG_OBJECT_ROOT) {
        o.reply.kind = QteeReply::Kind::Final;
        call.finished = true;
        if (o.op == kOpenServiceOp) {
            const int32_t svc = m_scenario->serviceIndex(uint32_t(o.ibValue));
            if (svc < 0) {
                o.reply.result = 2; // QCOMTEE_MSG_ERROR_INVALID: no such service
            } else {
                o.reply.outIds.push_back(newQteeObject(s, svc));
            }
        } else {
            o.reply.result = qres::ERROR;
        }
        // nothing is kept from a ROOT call
        QteeStep ret;
        ret.kind = QteeStep::Kind::Return;
        std::vector<uint32_t> async;
        for (uint32_t id : call.received)
            if ((id & 0x80000000u) && qteeHoldsCb(s, id)) {
                async.push_back(id);
                forget(s, t, id);
            }
        o.reply.asyncRelease = async;
        return;
    }
    const QteeObject *q = qteeObject(s, call.target);
    call.script = scriptFor(q ? q->service : -1, o.op, false);
    runQtee(s, t);
}

void Simulator::qteeCallbackResponse(State &s, Thread &t, int32_t result) const
{
    (void)result;
    QteeCall &call = t.oic.qtee;
    // callback ids returned as OO are new references QTEE now holds; they
    // are addressed after the IOs ("io:N" continues with them)
    for (uint32_t id : call.cbOut)
        if (id & 0x80000000u) {
            s.qtee.cbHeld.push_back(id);
            call.received.push_back(id);
        }
    call.cbOut.clear();
    runQtee(s, t);
}

void Simulator::qteeCallbackUnread(State &s, Thread &t, const QteeReply &r, size_t first) const
{
    // QTEE decided the callback when its SMC returned; the kernel reads it
    // later, and the id can be gone by then (an async release of another
    // thread erased it, or a raw id was never one). Its own objects in the
    // IOs the kernel did not read got no wrapper: the counts runQtee's
    // resolve() added for them ("service:UID", "self", "io:N" of a QTEE
    // object) are taken back, and an object made for this callback
    // ("service:UID") that the kernel never saw is gone again. An object
    // that was already there stays: at 0 (its RELEASE's on_release may be
    // what runs the callback) it is the release path's to remove, with
    // what it holds. A NULL target handed nothing out.
    const QteeCall &call = t.oic.qtee;
    const std::vector<QteeStep> &steps = script(call.script);
    if (r.cbTarget == QCOMTEE_MSG_OBJECT_NULL || call.pc <= 0 || size_t(call.pc) > steps.size())
        return;
    const QteeStep &st = steps[size_t(call.pc) - 1]; // the callback (runQtee moved past it)
    if (st.kind != QteeStep::Kind::Callback)
        return;
    for (size_t i = first; i < st.io.size() && i < r.cbIo.size(); ++i) {
        const QteeRef::Kind k = st.io[i].kind;
        const uint32_t id = r.cbIo[i];
        if (k != QteeRef::Kind::Service && k != QteeRef::Kind::Self && k != QteeRef::Kind::Received)
            continue;
        QteeObject *q = qteeObject(s, id);
        if (!q)
            continue;
        --q->kernelRefs;
        if (k == QteeRef::Kind::Service && q->kernelRefs <= 0)
            eraseQteeObject(s, id);
    }
}

void Simulator::enabledFaults(const State &s, std::vector<Action> &out) const
{
    const auto &faults = m_scenario->faults;
    for (size_t i = 0; i < faults.size(); ++i) {
        const Fault &f = faults[i];
        if (s.faultsTaken.has(i))
            continue;
        if (f.process < 0 || size_t(f.process) >= s.processes.size())
            continue;
        const Process &p = s.processes[size_t(f.process)];
        if (p.killed || p.exited)
            continue;
        bool on = false;
        switch (f.when) {
        case Fault::When::Any:
            on = true;
            break;
        case Fault::When::AtStep:
            // The kill is step N itself (N - 1 steps done), or the first
            // step after it can happen (at_step 0 means the first step).
            on = s.step + 1 >= f.step;
            break;
        case Fault::When::OnState:
            // A request in that state whose client still waits in dispatch,
            // and that the process is in: its client is one of the
            // process's threads, or the process serves it (QUEUED on its
            // context; PROCESSING or PROCESSED: delivered to one of its
            // threads), so "kill the supplicant's process while PROCESSING"
            // is a fault of its own.
            for (const Request &r : s.requests) {
                if (r.notification || !r.client.valid() || r.state != f.state ||
                    s.thread(r.client).phase != Phase::DispatchWait)
                    continue;
                const bool client = s.thread(r.client).process.v == f.process;
                const bool serves =
                    r.state == ReqState::QUEUED
                        ? r.ctx.valid() && s.context(r.ctx).process.v == f.process
                        : r.deliveredTo.valid() && s.thread(r.deliveredTo).process.v == f.process;
                if (client || serves) {
                    on = true;
                    break;
                }
            }
            break;
        }
        if (!on)
            continue;
        const bool dup = std::any_of(out.begin(), out.end(), [&](const Action &a) {
            return a.kind == Action::Kind::Kill && a.index == f.process;
        });
        if (!dup)
            out.push_back(Action{Action::Kind::Kill, f.process, int32_t(i)});
    }
}

std::string Simulator::processName(ProcessId p) const
{
    if (p.v >= 0 && size_t(p.v) < m_scenario->processes.size())
        return m_scenario->processes[size_t(p.v)].name;
    return Environment::processName(p);
}

std::string Simulator::threadName(ThreadId t) const
{
    if (t.v >= 0 && size_t(t.v) < m_threadNames.size())
        return m_threadNames[size_t(t.v)];
    if (t.v >= 0 && size_t(t.v) == m_threadNames.size())
        return "qcomtee_wq";
    return Environment::threadName(t);
}

// -- scheduling --------------------------------------------------------------

size_t scriptedChoice(const Simulator &sim, const State &s, const std::vector<Action> &enabled)
{
    // Conditional faults first (they model "kill at this point"), then the
    // threads of a killed process (SIGKILL wakes them: a kill "while QUEUED"
    // shows the kill path of spec §7 case 1 whatever the declaration order),
    // then the lowest-numbered thread: each actor runs as far as it can, in
    // the order the scenario declares them.
    const auto &faults = sim.scenario().faults;
    for (size_t i = 0; i < enabled.size(); ++i) {
        const Action &a = enabled[i];
        if (a.kind == Action::Kind::Kill && a.fault >= 0 &&
            faults[size_t(a.fault)].when != Fault::When::Any)
            return i;
    }
    size_t first = enabled.size();
    for (size_t i = 0; i < enabled.size(); ++i) {
        if (enabled[i].kind != Action::Kind::Thread)
            continue;
        const Thread &t = s.thread(ThreadId(enabled[i].index));
        if (t.process.valid() && s.processes[size_t(t.process.v)].killed)
            return i;
        if (first == enabled.size())
            first = i;
    }
    return first; // enabled.size(): only "any" faults, the scripted order ends here
}

StopReason quiescentStop(const Simulator &sim, const State &s, std::string *detail)
{
    // One rule, in core: run, replay and (later) exploration share it.
    return sim.engine().stuck(s, detail) ? StopReason::Stuck : StopReason::Finished;
}

void applyToTrace(const Simulator &sim, State &s, const Action &a, Trace &tr)
{
    const vocab::ActionInfo info = sim.engine().describe(s, a);
    tr.schedule.push_back(vocab::label(sim, info));
    const size_t before = tr.events.size();
    sim.engine().apply(s, a, tr.events);
    tr.spans.push_back({s.stepStartNs.ns, s.stepEndNs.ns,
                        a.kind == Action::Kind::Thread ? ThreadId(a.index) : ThreadId(),
                        info.verb});
    for (size_t i = before; i < tr.events.size(); ++i)
        if (tr.events[i].kind == EventKind::Violation)
            tr.violations++;
}

namespace {

std::string enabledList(const Simulator &sim, const State &s, const std::vector<Action> &en)
{
    std::string out;
    for (const Action &a : en) {
        if (!out.empty())
            out += "; ";
        out += "\"" + sim.engine().label(s, a) + "\"";
    }
    return out.empty() ? "nothing" : out;
}

// Applies a label; false when it is not enabled.
bool applyLabel(const Simulator &sim, State &s, const std::string &label, Trace &tr,
                std::vector<Action> &en, std::string *error, const std::string &where)
{
    sim.engine().enabled(s, en);
    std::string ambiguous;
    const int k = sim.engine().matchLabel(s, en, label, &ambiguous);
    if (k >= 0) {
        applyToTrace(sim, s, en[size_t(k)], tr);
        return true;
    }
    if (k == -2) {
        if (error)
            *error = where + ": " + quotedText(label) + " at step " + std::to_string(s.step + 1) +
                     ": " + ambiguous;
        return false;
    }
    if (error)
        *error = where + ": " + quotedText(label) + " is not enabled at step " +
                 std::to_string(s.step + 1) + " (enabled: " + enabledList(sim, s, en) + ")";
    return false;
}

// The enabled step that can start earliest in simulated time, ties by
// thread order; a due conditional fault first, as in the scripted order.
// Each candidate's start is found by applying it to a copy of the state
// (the start depends on what the step touches).
size_t timedChoice(const Simulator &sim, const State &s, const std::vector<Action> &en)
{
    const size_t scripted = scriptedChoice(sim, s, en);
    if (scripted >= en.size() || en[scripted].kind == Action::Kind::Kill)
        return scripted;
    // A step never starts before its thread's clock: try the candidates in
    // clock order and stop once no later one can start earlier (most steps
    // apply one or two trial copies, not one per thread).
    std::vector<size_t> order;
    for (size_t i = 0; i < en.size(); ++i)
        if (en[i].kind == Action::Kind::Thread)
            order.push_back(i);
    // (and, for a step that looks its fd up, no earlier than the fd
    // table's last change: 64 threads of one process opening at once kept
    // every one of them a candidate at every step)
    auto clock = [&](size_t i) {
        const Thread &t = s.thread(ThreadId(en[i].index));
        int64_t at = t.clockNs.ns;
        if (sim.nextStepUsesFds(t) && t.process.valid())
            at = std::max(at, s.processes[size_t(t.process.v)].fdsNs.ns);
        return at;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return clock(a) < clock(b); });
    size_t best = en.size();
    int64_t bestStart = 0;
    EventList scratch;
    for (const size_t i : order) {
        if (best < en.size() &&
            (clock(i) > bestStart || (clock(i) == bestStart && en[i].index > en[best].index)))
            break; // it cannot start earlier, nor tie with a lower thread
        State trial = s;
        scratch.clear();
        sim.engine().apply(trial, en[i], scratch);
        const int64_t start = trial.stepStartNs.ns;
        if (best == en.size() || start < bestStart ||
            (start == bestStart && en[i].index < en[best].index)) {
            best = i;
            bestStart = start;
        }
    }
    return best;
}

} // namespace

size_t PolicyChooser::choose(const Simulator &sim, const State &s, const std::vector<Action> &en)
{
    size_t pick = en.size();
    if (en.empty())
        return pick;
    switch (m_policy) {
    case Policy::Scripted:
        pick = scriptedChoice(sim, s, en);
        break;
    case Policy::RoundRobin:
        pick = scriptedChoice(sim, s, en);
        if (pick < en.size() && en[pick].kind == Action::Kind::Thread) {
            // the next thread after the last one that ran
            size_t best = en.size();
            for (size_t i = 0; i < en.size() && best == en.size(); ++i)
                if (en[i].kind == Action::Kind::Thread && en[i].index > m_lastThread)
                    best = i;
            for (size_t i = 0; i < en.size() && best == en.size(); ++i)
                if (en[i].kind == Action::Kind::Thread)
                    best = i;
            pick = best;
        }
        break;
    case Policy::Random:
        pick = size_t(m_rng() % en.size());
        break;
    case Policy::Timed:
        pick = timedChoice(sim, s, en);
        break;
    }
    if (pick < en.size() && en[pick].kind == Action::Kind::Thread)
        m_lastThread = en[pick].index;
    return pick;
}

StopReason boundStop(const Simulator &sim, const State &s, const std::vector<Action> &enabled,
                     std::string *detail)
{
    return enabled.empty() ? quiescentStop(sim, s, detail) : StopReason::MaxSteps;
}

vocab::DriverRef driverRefOf(const Trace &trace, size_t event)
{
    const Event &e = trace.events[event];
    return e.step >= 1 && e.step <= trace.spans.size()
               ? vocab::driverRef(e, trace.spans[e.step - 1].verb)
               : vocab::driverRef(e);
}

Trace run(const Simulator &sim, const RunOptions &opts, std::string *error)
{
    Trace tr;
    State s = sim.initialState();
    std::vector<Action> en;
    const auto &schedule = sim.scenario().schedule;
    if (opts.useSchedule) {
        for (size_t i = 0; i < schedule.size() && s.step < opts.maxSteps; ++i)
            if (!applyLabel(sim, s, schedule[i], tr, en, error,
                            "schedule[" + std::to_string(i) + "]")) {
                tr.final = std::move(s);
                tr.stop = StopReason::ScheduleEnd;
                return tr;
            }
    }
    PolicyChooser chooser(opts.policy, opts.seed);
    if (opts.progress)
        opts.progress->of.store(opts.maxSteps, std::memory_order_relaxed);
    for (;;) {
        if (opts.progress && s.step % 256 == 0)
            opts.progress->steps.store(s.step, std::memory_order_relaxed);
        if (s.step >= opts.maxSteps) {
            // The bound cuts a run only when there was a step left to take:
            // a run that ended (finished or stuck) on its last allowed step
            // says so, whatever the bound.
            sim.engine().enabled(s, en);
            tr.stop = boundStop(sim, s, en, &tr.stopDetail);
            break;
        }
        if (opts.cancel && opts.cancel->load(std::memory_order_relaxed)) {
            if (error)
                *error = kCancelled;
            tr.stop = StopReason::MaxSteps;
            break;
        }
        sim.engine().enabled(s, en);
        const size_t pick = chooser.choose(sim, s, en);
        if (pick >= en.size()) {
            tr.stop = quiescentStop(sim, s, &tr.stopDetail);
            break;
        }
        applyToTrace(sim, s, en[pick], tr);
    }
    if (opts.progress) {
        opts.progress->steps.store(s.step, std::memory_order_relaxed);
        opts.progress->done.store(true, std::memory_order_relaxed);
    }
    tr.final = std::move(s);
    return tr;
}

Trace replay(const Simulator &sim, const std::vector<std::string> &schedule, std::string *error,
             const std::atomic<bool> *cancel, RunProgress *progress)
{
    Trace tr;
    State s = sim.initialState();
    std::vector<Action> en;
    if (progress)
        progress->of.store(schedule.size(), std::memory_order_relaxed);
    for (size_t i = 0; i < schedule.size(); ++i) {
        if (progress && i % 256 == 0)
            progress->steps.store(i, std::memory_order_relaxed);
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            if (error)
                *error = kCancelled;
            tr.final = std::move(s);
            tr.stop = StopReason::ScheduleEnd;
            return tr;
        }
        if (!applyLabel(sim, s, schedule[i], tr, en, error,
                        "schedule[" + std::to_string(i) + "]")) {
            tr.final = std::move(s);
            tr.stop = StopReason::ScheduleEnd;
            return tr;
        }
    }
    sim.engine().enabled(s, en);
    tr.stop = en.empty() ? quiescentStop(sim, s, &tr.stopDetail) : StopReason::ScheduleEnd;
    if (progress) {
        progress->steps.store(schedule.size(), std::memory_order_relaxed);
        progress->done.store(true, std::memory_order_relaxed);
    }
    tr.final = std::move(s);
    return tr;
}

} // namespace tee::sim
