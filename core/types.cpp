#include "types.h"

#include "text.h"

#include <charconv>
#include <cstring>

namespace tee {

namespace {
struct ErrnoName
{
    int32_t value;
    const char *name;
};
// The errnos the model produces or a supplicant may send (Linux values).
constexpr ErrnoName kErrnos[] = {
    {-1, "EPERM"},         {-2, "ENOENT"},  {-4, "EINTR"},       {-5, "EIO"},
    {-9, "EBADF"},         {-11, "EAGAIN"}, {-12, "ENOMEM"},     {-13, "EACCES"},
    {-14, "EFAULT"},       {-16, "EBUSY"},  {-19, "ENODEV"},     {-22, "EINVAL"},
    {-28, "ENOSPC"},       {-38, "ENOSYS"}, {-95, "EOPNOTSUPP"}, {-110, "ETIMEDOUT"},
    {-512, "ERESTARTSYS"},
};
} // namespace

std::string errnoName(int32_t e)
{
    if (e == 0)
        return "0";
    for (const auto &n : kErrnos)
        if (n.value == e)
            return n.name;
    // A negative value outside the kernel's errno range (MAX_ERRNO) is not an
    // errno: print the number, so INT32_MIN is never negated.
    if (e < 0 && e >= -kMaxErrno)
        return std::string("E").append(std::to_string(-e));
    return std::to_string(e);
}

std::string signedErrnoName(int32_t e)
{
    const std::string name = errnoName(e);
    return e < 0 && name.front() == 'E' ? "-" + name : name;
}

bool parseErrno(std::string_view text, int32_t &out)
{
    if (text.empty())
        return false;
    std::string_view t = text;
    bool neg = false;
    if (t.front() == '-') {
        neg = true;
        t.remove_prefix(1);
    }
    if (!t.empty() && t.front() >= '0' && t.front() <= '9') {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (ec != std::errc() || p != t.data() + t.size() || v > 4096)
            return false;
        out = int32_t(neg ? -v : v);
        return true;
    }
    for (const auto &n : kErrnos)
        if (t == n.name) {
            out = n.value; // a name always means the negative errno
            return true;
        }
    return false;
}

int32_t errnoToQteeResult(int32_t e)
{
    // qcomtee_msg_set_result (spec §6.3)
    if (e == 0)
        return qres::OK;
    if (e > 0)
        return e; // user-defined supplicant error, passed through
    switch (e) {
    case err::kENOMEM:
        return qres::KMEM;
    case err::kENODEV:
        return qres::DEFUNCT;
    case err::kENOSPC:
    case err::kEBUSY:
        return qres::BUSY;
    case err::kEINVAL:
    case -9: // EBADF
        return qres::UNAVAIL;
    default:
        return qres::ERROR;
    }
}

std::string qteeResultName(int32_t r)
{
    switch (r) {
    case 0:
        return "OK";
    case 1:
        return "ERROR";
    case 2:
        return "INVALID";
    case 3:
        return "SIZE_IN";
    case 4:
        return "SIZE_OUT";
    case -90:
        return "DEFUNCT";
    case -91:
        return "ABORT";
    case -92:
        return "BADOBJ";
    case -93:
        return "NOSLOTS";
    case -94:
        return "MAXARGS";
    case -95:
        return "MAXDATA";
    case -96:
        return "UNAVAIL";
    case -97:
        return "KMEM";
    case -98:
        return "REMOTE";
    case -99:
        return "BUSY";
    case -103:
        return "TIMEOUT";
    default:
        return std::to_string(r);
    }
}

const char *reqStateName(ReqState s)
{
    switch (s) {
    case ReqState::New:
        return "NEW";
    case ReqState::QUEUED:
        return "QUEUED";
    case ReqState::PROCESSING:
        return "PROCESSING";
    case ReqState::PROCESSED:
        return "PROCESSED";
    case ReqState::Placeholder:
        return "PLACEHOLDER";
    case ReqState::Removed:
        return "REMOVED";
    }
    return "?";
}

const char *objectTypeName(ObjectType t)
{
    switch (t) {
    case ObjectType::TEE:
        return "TEE";
    case ObjectType::User:
        return "USER";
    case ObjectType::Mem:
        return "MEM";
    }
    return "?";
}

const char *holderKindName(HolderKind k)
{
    switch (k) {
    case HolderKind::CtxIdr:
        return "qtee_objects_idr";
    case HolderKind::QteeId:
        return "QTEE callback id";
    case HolderKind::DriverCopy:
        return "driver copy";
    case HolderKind::InvokeTarget:
        return "invoke target";
    case HolderKind::OicObject:
        return "oic->object";
    case HolderKind::CallbackArg:
        return "callback IO";
    case HolderKind::Retain:
        return "RETAIN";
    case HolderKind::Caller:
        return "caller";
    case HolderKind::SupplRecv:
        return "supplicant RECV";
    }
    return "?";
}

const char *ctxHolderKindName(CtxHolderKind k)
{
    switch (k) {
    case CtxHolderKind::File:
        return "file";
    case CtxHolderKind::UserObject:
        return "user object";
    case CtxHolderKind::QteeObject:
        return "QTEE object";
    case CtxHolderKind::Ioctl:
        return "ioctl";
    case CtxHolderKind::Shm:
        return "tee_shm";
    case CtxHolderKind::Context:
        return "context";
    }
    return "?";
}

const char *const Variant::kNames[4] = {"request", "argument", "lifetime", "gaps"};

std::string Variant::allowedValues(std::string_view name)
{
    if (name == "request")
        return "fifo, idr";
    if (name == "argument")
        return "lock, srcu, none";
    if (name == "lifetime")
        return "ctxref, kref, none";
    if (name == "gaps")
        return "faithful, fixed";
    return {};
}

std::string Variant::value(std::string_view name) const
{
    if (name == "request")
        return request == RequestVariant::Fifo ? "fifo" : "idr";
    if (name == "argument")
        return argument == ArgumentVariant::Lock   ? "lock"
               : argument == ArgumentVariant::Srcu ? "srcu"
                                                   : "none";
    if (name == "lifetime")
        return lifetime == LifetimeVariant::CtxRef ? "ctxref"
               : lifetime == LifetimeVariant::Kref ? "kref"
                                                   : "none";
    if (name == "gaps")
        return gaps == GapsVariant::Faithful ? "faithful" : "fixed";
    return {};
}

std::string Variant::toString() const
{
    std::string s;
    for (const char *n : kNames) {
        if (!s.empty())
            s += ',';
        s += n;
        s += '=';
        s += value(n);
    }
    return s;
}

std::string Variant::set(std::string_view name, std::string_view v)
{
    auto bad = [&] {
        // "lock, srcu, none" -> the candidates of a "did you mean"
        std::vector<std::string> values;
        const std::string allowed = allowedValues(name);
        for (size_t at = 0; at < allowed.size();) {
            const size_t comma = allowed.find(", ", at);
            values.push_back(
                allowed.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
            at = comma == std::string::npos ? allowed.size() : comma + 2;
        }
        return "unknown value " + quotedText(v) + " for variant " + printable(name) +
               didYouMean(v, values) + " (allowed: " + allowed + ")";
    };
    if (name == "request") {
        if (v == "fifo")
            request = RequestVariant::Fifo;
        else if (v == "idr")
            request = RequestVariant::Idr;
        else
            return bad();
    } else if (name == "argument") {
        if (v == "lock")
            argument = ArgumentVariant::Lock;
        else if (v == "srcu")
            argument = ArgumentVariant::Srcu;
        else if (v == "none")
            argument = ArgumentVariant::None;
        else
            return bad();
    } else if (name == "lifetime") {
        if (v == "ctxref")
            lifetime = LifetimeVariant::CtxRef;
        else if (v == "kref")
            lifetime = LifetimeVariant::Kref;
        else if (v == "none")
            lifetime = LifetimeVariant::None;
        else
            return bad();
    } else if (name == "gaps") {
        if (v == "faithful")
            gaps = GapsVariant::Faithful;
        else if (v == "fixed")
            gaps = GapsVariant::Fixed;
        else
            return bad();
    } else {
        return "unknown variant " + quotedText(name) +
               didYouMean(name, {"request", "argument", "lifetime", "gaps"}) +
               " (known: request, argument, lifetime, gaps)";
    }
    return {};
}

std::string Variant::apply(const std::vector<std::string> &assignments)
{
    std::vector<std::pair<std::string, std::string>> given;
    for (const std::string &assignment : assignments) {
        if (std::string message = set(assignment); !message.empty())
            return message; // (it quotes the assignment)
        const size_t eq = assignment.find('=');
        const std::string name = assignment.substr(0, eq), v = assignment.substr(eq + 1);
        for (const auto &[n, earlier] : given)
            if (n == name && earlier != v)
                return name + " is given twice, as \"" + earlier + "\" and \"" + v + "\"";
        given.emplace_back(name, v);
    }
    return {};
}

std::string Variant::set(std::string_view assignment)
{
    const auto eq = assignment.find('=');
    if (eq == std::string_view::npos)
        return "variant " + quotedText(assignment) + " is not NAME=VALUE";
    return set(assignment.substr(0, eq), assignment.substr(eq + 1));
}

} // namespace tee
