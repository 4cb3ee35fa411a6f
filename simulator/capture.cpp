#include "simulator/capture.h"

#include "core/text.h"
#include "core/vocabulary.h"

#include "simulator/exports.h"
#include "simulator/fileio.h"
#include "simulator/jsonread.h"
#include "simulator/jsonwriter.h"
#include "simulator/scenarioloader.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <map>

#ifndef TEESCOPE_VERSION
#define TEESCOPE_VERSION "0.1.0"
#endif

namespace tee::sim {

namespace {

// ---------------------------------------------------------------------------
// Name tables. The names come from core (eventKindName and friends); the
// reverse maps are built from them so the two directions cannot drift apart.

// Enumerators are dense from 0 and every name function answers "?" past the
// last one, so a kind added in core is readable here without a change.
template <class E, class NameFn>
std::map<std::string, E> reverseNames(NameFn name)
{
    std::map<std::string, E> out;
    for (int i = 0; i < 256; ++i) {
        const std::string n = name(E(i));
        if (n == "?")
            break;
        out.emplace(n, E(i));
    }
    return out;
}

const std::map<std::string, EventKind> &eventKinds()
{
    static const auto m = reverseNames<EventKind>(eventKindName);
    return m;
}
const std::map<std::string, ReqState> &reqStates()
{
    static const auto m = reverseNames<ReqState>(reqStateName);
    return m;
}
const std::map<std::string, HolderKind> &holderKinds()
{
    static const auto m = reverseNames<HolderKind>(holderKindName);
    return m;
}
const std::map<std::string, CtxHolderKind> &ctxHolderKinds()
{
    static const auto m = reverseNames<CtxHolderKind>(ctxHolderKindName);
    return m;
}
const std::map<std::string, ObjectType> &objectTypes()
{
    static const auto m = reverseNames<ObjectType>(objectTypeName);
    return m;
}
const std::map<std::string, StopReason> &stopReasons()
{
    static const auto m = reverseNames<StopReason>(stopReasonName);
    return m;
}

// Kinds whose errno is part of the fact even when it is 0 (a syscall that
// succeeded says so explicitly).
bool carriesErrno(const Event &e)
{
    return e.kind == EventKind::SyscallReturn || e.kind == EventKind::DispatchReturn ||
           (e.kind == EventKind::RequestState && e.to == ReqState::PROCESSED);
}

bool isRef(EventKind k)
{
    return k == EventKind::RefGet || k == EventKind::RefPut;
}
bool isCtxRef(EventKind k)
{
    return k == EventKind::ContextGet || k == EventKind::ContextPut;
}
bool carriesQteeId(EventKind k)
{
    return k == EventKind::SmcInvoke || k == EventKind::QteeCallback ||
           k == EventKind::AsyncRelease || k == EventKind::XaAlloc || k == EventKind::XaErase;
}
bool carriesValue(EventKind k)
{
    return k == EventKind::Blocked || k == EventKind::Woken || k == EventKind::QteeResult ||
           k == EventKind::SmcCallbackResponse || k == EventKind::ArgAccess;
}

std::string invariantName(int n)
{
    return "I" + std::to_string(n);
}

// Entity ids of an event, shared by "events" and "violations".
void writeEntities(json::Object &o, const Simulator &sim, const Event &e)
{
    if (e.thread.valid()) {
        o.num("thread", e.thread.v);
        o.str("thread_name", sim.threadName(e.thread));
    }
    if (e.process.valid()) {
        o.num("process", e.process.v);
        o.str("process_name", sim.processName(e.process));
    }
    if (e.peer.valid()) {
        o.num("peer", e.peer.v);
        o.str("peer_name", sim.threadName(e.peer));
    }
    if (e.ctx.valid())
        o.num("context", e.ctx.v);
    if (e.object.valid())
        o.num("object", e.object.v);
    if (e.request.valid())
        o.num("request", e.request.v);
    if (e.other.valid())
        o.num("other_request", e.other.v);
    if (e.actor.valid())
        o.num("actor", e.actor.v);
}

std::string scenarioJsonText(const Scenario &sc)
{
    // Embedded verbatim (the author's key order and layout survive) when it
    // is a JSON object; otherwise the capture cannot be self-contained.
    QJsonParseError perr;
    const QByteArray bytes(sc.sourceJson.data(), qsizetype(sc.sourceJson.size()));
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        return {};
    std::string text = sc.sourceJson;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r' ||
                             text.back() == '\t'))
        text.pop_back();
    size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string::npos)
        return {};
    // A scenario without "name" is named after its file ("tiny" of
    // tiny.json): the capture keeps that name, or its exports would name the
    // capture file instead.
    if (!doc.object().contains(QLatin1String("name")) && text[start] == '{')
        text.insert(start + 1,
                    "\"name\": " + json::quote(sc.name) + (doc.object().isEmpty() ? "" : ", "));
    // Indent it under its key. Valid JSON has no raw newline inside a
    // string, so every newline here is layout.
    std::string out;
    for (size_t i = start; i < text.size(); ++i) {
        out += text[i];
        if (text[i] == '\n')
            out += "  ";
    }
    return out;
}

// ---------------------------------------------------------------------------
// Reading.

std::string joinPath(const std::string &path, const char *key)
{
    return path.empty() ? std::string(key) : path + "." + key;
}
std::string indexPath(const std::string &path, qsizetype i)
{
    return path + "[" + std::to_string(i) + "]";
}

class Reader
{
public:
    Reader(std::string source, std::string *error)
        : m_source(std::move(source))
        , m_error(error)
    {}

    bool fail(const std::string &path, const std::string &message)
    {
        if (m_error)
            *m_error =
                path.empty() ? m_source + ": " + message : m_source + ": " + path + ": " + message;
        return false;
    }
    const std::string &source() const { return m_source; }

    // Each getter returns false (error set) when the value has the wrong
    // type or range; a missing optional key leaves `out` alone.
    bool present(const QJsonObject &o, const char *key, const std::string &path, bool required)
    {
        if (o.contains(QLatin1String(key)))
            return true;
        if (required)
            fail(joinPath(path, key), "missing");
        return false;
    }

    bool string(const QJsonObject &o, const char *key, const std::string &path, bool required,
                std::string &out, bool *found = nullptr)
    {
        if (found)
            *found = false;
        if (!present(o, key, path, required))
            return !required;
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isString())
            return fail(joinPath(path, key), "expected a string, found " + jsonTypeName(v));
        out = v.toString().toStdString();
        if (found)
            *found = true;
        return true;
    }

    bool integer(const QJsonValue &v, const std::string &where, int64_t min, int64_t max,
                 int64_t &out)
    {
        if (!v.isDouble())
            return fail(where, "expected an integer, found " + jsonTypeName(v));
        const std::optional<qint64> exact = exactInteger(v);
        const double d = v.toDouble();
        if (!exact && std::isfinite(d) && d == std::trunc(d) &&
            std::fabs(d) >= 9223372036854775808.0)
            // Qt reads an integer past 64 bits signed as a double: its last
            // digits may not be the file's
            return fail(where, "about " + numberText(d) +
                                   " is out of range (a value above 2^63-1 is written as a "
                                   "decimal string, \"18446744073709551615\")");
        if (!exact)
            return fail(where, "expected an integer, found " + numberText(d));
        const qint64 i = *exact;
        if (i < min || i > max)
            return fail(where, "value " + std::to_string(i) + " out of range " +
                                   std::to_string(min) + ".." + std::to_string(max));
        out = i;
        return true;
    }

    bool integer(const QJsonObject &o, const char *key, const std::string &path, bool required,
                 int64_t min, int64_t max, int64_t &out)
    {
        if (!present(o, key, path, required))
            return !required;
        return integer(o.value(QLatin1String(key)), joinPath(path, key), min, max, out);
    }

    template <class T>
    bool int32(const QJsonObject &o, const char *key, const std::string &path, bool required,
               T &out, int64_t min = std::numeric_limits<int32_t>::min(),
               int64_t max = std::numeric_limits<int32_t>::max())
    {
        int64_t v = 0;
        if (!present(o, key, path, required))
            return !required;
        if (!integer(o.value(QLatin1String(key)), joinPath(path, key), min, max, v))
            return false;
        out = T(v);
        return true;
    }

    // Unsigned 64-bit: an integer, or a decimal string for values past
    // INT64_MAX (how the writer stores them), within [lo, hi] (the message
    // names that range, whichever form the value came in).
    bool uint64(const QJsonObject &o, const char *key, const std::string &path, bool required,
                uint64_t &out, uint64_t lo = 0, uint64_t hi = std::numeric_limits<uint64_t>::max())
    {
        if (!present(o, key, path, required))
            return !required;
        const QJsonValue v = o.value(QLatin1String(key));
        const std::string where = joinPath(path, key);
        if (v.isString()) {
            const std::string s = v.toString().toStdString();
            uint64_t r = 0;
            if (s.empty() || s.size() > 20)
                return fail(where, "expected an unsigned integer, found " + quotedText(s));
            for (char c : s) {
                if (c < '0' || c > '9')
                    return fail(where, "expected an unsigned integer, found " + quotedText(s));
                const uint64_t d = uint64_t(c - '0');
                if (r > (std::numeric_limits<uint64_t>::max() - d) / 10)
                    return fail(where, "value " + quotedText(s) + " does not fit in 64 bits");
                r = r * 10 + d;
            }
            if (r < lo || r > hi)
                return fail(where, "value " + quotedText(s) + " out of range " +
                                       std::to_string(lo) + ".." + std::to_string(hi));
            out = r;
            return true;
        }
        int64_t i = 0;
        if (!integer(v, where, int64_t(std::min<uint64_t>(lo, INT64_MAX)),
                     int64_t(std::min<uint64_t>(hi, INT64_MAX)), i))
            return false;
        out = uint64_t(i);
        return true;
    }

    template <class E>
    bool name(const QJsonObject &o, const char *key, const std::string &path, bool required,
              const std::map<std::string, E> &names, const char *what, E &out)
    {
        std::string s;
        bool found = false;
        if (!string(o, key, path, required, s, &found))
            return false;
        if (!found)
            return true;
        const auto it = names.find(s);
        if (it == names.end()) {
            std::string known;
            for (const auto &[n, value] : names) {
                (void)value;
                known += known.empty() ? "\"" + n + "\"" : ", \"" + n + "\"";
            }
            // Long lists (41 event kinds) would bury the message.
            return fail(joinPath(path, key),
                        "unknown " + std::string(what) + " " + quotedText(s) +
                            (names.size() <= 12 ? " (known: " + known + ")"
                                                : " (see docs/capture-format.md)"));
        }
        out = it->second;
        return true;
    }

    bool array(const QJsonObject &o, const char *key, const std::string &path, bool required,
               QJsonArray &out)
    {
        if (!present(o, key, path, required))
            return !required;
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isArray())
            return fail(joinPath(path, key), "expected an array, found " + jsonTypeName(v));
        out = v.toArray();
        return true;
    }

    bool object(const QJsonValue &v, const std::string &where, const char *what, QJsonObject &out)
    {
        if (!v.isObject())
            return fail(where, "expected " + std::string(what) + ", found " + jsonTypeName(v));
        out = v.toObject();
        return true;
    }

    // "I12" (or a plain integer).
    bool invariant(const QJsonObject &o, const char *key, const std::string &path, bool required,
                   int16_t &out)
    {
        if (!present(o, key, path, required))
            return !required;
        const QJsonValue v = o.value(QLatin1String(key));
        const std::string where = joinPath(path, key);
        if (v.isDouble()) {
            int64_t i = 0;
            if (!integer(v, where, 1, kInvariantCount, i))
                return false;
            out = int16_t(i);
            return true;
        }
        if (!v.isString())
            return fail(where, "expected an invariant name like \"I12\", found " + jsonTypeName(v));
        const std::string s = v.toString().toStdString();
        bool ok = s.size() >= 2 && s.size() <= 3 && s[0] == 'I';
        int n = 0;
        for (size_t i = 1; ok && i < s.size(); ++i) {
            ok = s[i] >= '0' && s[i] <= '9';
            n = n * 10 + (s[i] - '0');
        }
        if (!ok)
            return fail(where, "expected an invariant name like \"I12\", found " + quotedText(s));
        if (n < 1 || n > kInvariantCount)
            return fail(where, "no invariant " + quotedText(s) + " (spec §8 has I1 to I18)");
        out = int16_t(n);
        return true;
    }

    // "0x80000001" (or a plain integer).
    bool qteeId(const QJsonObject &o, const char *key, const std::string &path, uint32_t &out)
    {
        if (!present(o, key, path, false))
            return true;
        const QJsonValue v = o.value(QLatin1String(key));
        const std::string where = joinPath(path, key);
        if (!v.isString())
            return fail(where, "expected a hex id like \"0x80000001\", found " + jsonTypeName(v));
        const std::string s = v.toString().toStdString();
        bool ok = s.size() > 2 && s.size() <= 10 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        uint32_t r = 0;
        for (size_t i = 2; ok && i < s.size(); ++i) {
            const char c = s[i];
            uint32_t d;
            if (c >= '0' && c <= '9')
                d = uint32_t(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = uint32_t(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                d = uint32_t(c - 'A' + 10);
            else {
                ok = false;
                break;
            }
            r = (r << 4) | d;
        }
        if (!ok)
            return fail(where, "expected a hex id like \"0x80000001\", found " + quotedText(s));
        out = r;
        return true;
    }

    // The ids an event names (left out when it names none: -1 is refused,
    // as the writer never writes it), shared by "events" and "violations".
    bool entities(const QJsonObject &o, const std::string &path, Event &e)
    {
        return int32(o, "thread", path, false, e.thread.v, 0) &&
               int32(o, "peer", path, false, e.peer.v, 0) &&
               int32(o, "process", path, false, e.process.v, 0) &&
               int32(o, "context", path, false, e.ctx.v, 0) &&
               int32(o, "object", path, false, e.object.v, 0) &&
               int32(o, "request", path, false, e.request.v, 0) &&
               int32(o, "other_request", path, false, e.other.v, 0) &&
               int32(o, "actor", path, false, e.actor.v, 0) &&
               int32(o, "req_id", path, false, e.reqId);
    }

    bool event(const QJsonValue &value, const std::string &path, Event &e)
    {
        QJsonObject o;
        if (!object(value, path, "an event object", o))
            return false;
        if (!uint64(o, "step", path, true, e.step))
            return false;
        if (e.step == 0)
            return fail(
                joinPath(path, "step"),
                "step 0: steps count from 1 (an event belongs to the step that emitted it)");
        int64_t t = 0;
        if (!integer(o, "t_ns", path, true, 0, std::numeric_limits<int64_t>::max(), t))
            return false;
        e.tNs = t;
        e.startNs = t; // a capture of model version 1 has no start times
        if (!integer(o, "start_ns", path, false, 0, e.tNs, e.startNs))
            return false;
        if (!name(o, "kind", path, true, eventKinds(), "event kind", e.kind))
            return false;
        if (!entities(o, path, e) || !int32(o, "count", path, false, e.count, -1) ||
            !name(o, "from", path, e.kind == EventKind::RequestState, reqStates(), "request state",
                  e.from) ||
            !name(o, "to", path, e.kind == EventKind::RequestState, reqStates(), "request state",
                  e.to) ||
            !name(o, "object_type", path, false, objectTypes(), "object type", e.objectType) ||
            !int32(o, "refcount", path, isRef(e.kind), e.refcount) ||
            !name(o, "holder", path, isRef(e.kind), holderKinds(), "holder kind", e.holder) ||
            !name(o, "ctx_holder", path, isCtxRef(e.kind), ctxHolderKinds(), "context holder kind",
                  e.ctxHolder) ||
            !integer(o, "holder_arg", path, false, std::numeric_limits<int32_t>::min(),
                     std::numeric_limits<uint32_t>::max(), e.holderArg) ||
            !qteeId(o, "qtee_id", path, e.qteeId) ||
            !int32(o, "op", path, false, e.op, 0, std::numeric_limits<uint32_t>::max()) ||
            !int32(o, "value", path, false, e.value) ||
            !uint64(o, "user_object_id", path, false, e.userObjectId) ||
            !invariant(o, "invariant", path, e.kind == EventKind::Violation, e.invariant) ||
            !int32(o, "gap", path, e.kind == EventKind::Gap, e.gap, 0, 99))
            return false;
        // Model version 3 names the finding; the sentence ("text", or
        // "detail" before) is for people and rendered again on reading.
        std::string findingToken;
        if (!string(o, "finding", path, false, findingToken))
            return false;
        if (!findingToken.empty() && !vocab::parseFinding(findingToken, e.finding))
            return fail(joinPath(path, "finding"), "unknown finding " + quotedText(findingToken));
        // A finding belongs to one invariant, gap or note: the event must be
        // that one (an I2 event with not_fifo, an I9 finding, is refused).
        if (!findingToken.empty() && (e.kind == EventKind::Violation || e.kind == EventKind::Gap ||
                                      e.kind == EventKind::Note)) {
            const auto [inv, gapItem] = vocab::findingOwner(e.finding);
            const bool fits = e.kind == EventKind::Violation ? inv != 0 && inv == e.invariant
                              : e.kind == EventKind::Gap     ? gapItem != 0 && gapItem == e.gap
                                                             : inv == 0 && gapItem == 0;
            if (!fits) {
                const std::string owner = inv       ? invariantName(inv)
                                          : gapItem ? "spec §9 gap " + std::to_string(gapItem)
                                                    : std::string("a note");
                return fail(
                    joinPath(path, "finding"),
                    quotedText(findingToken) + " is a finding of " + owner + ", not of this " +
                        (e.kind == EventKind::Violation ? invariantName(e.invariant) + " violation"
                         : e.kind == EventKind::Gap     ? "gap " + std::to_string(e.gap) + " event"
                                                        : std::string("note")));
            }
        }
        if (present(o, "errno", path, carriesErrno(e))) {
            QJsonObject eo;
            const std::string where = joinPath(path, "errno");
            if (!object(o.value(QLatin1String("errno")), where,
                        "an errno object like {\"number\": -22, \"name\": \"EINVAL\"}", eo) ||
                !int32(eo, "number", where, true, e.errno_))
                return false;
            std::string errName;
            if (!string(eo, "name", where, false, errName))
                return false;
            if (!errName.empty() && errName != errnoName(e.errno_))
                return fail(joinPath(where, "name"),
                            quotedText(errName) + " does not match number " +
                                std::to_string(e.errno_) + " (" + errnoName(e.errno_) + ")");
        } else if (carriesErrno(e)) {
            return false; // present() reported the missing errno
        }
        return true;
    }

private:
    std::string m_source;
    std::string *m_error;
};

} // namespace

// ---------------------------------------------------------------------------

std::string eventToJson(const Simulator &sim, const Event &e)
{
    json::Object o;
    o.unum("step", e.step)
        .num("start_ns", e.startNs)
        .num("t_ns", e.tNs)
        .str("kind", eventKindName(e.kind));
    writeEntities(o, sim, e);
    const EventKind k = e.kind;
    if (e.reqId != -1 || k == EventKind::RequestState || k == EventKind::IdrAdd ||
        k == EventKind::IdrRemove)
        o.num("req_id", e.reqId);
    if (k == EventKind::RequestState || e.from != ReqState::New)
        o.str("from", reqStateName(e.from));
    if (k == EventKind::RequestState || e.to != ReqState::New)
        o.str("to", reqStateName(e.to));
    if (k == EventKind::ObjectCreated || e.objectType != ObjectType::TEE)
        o.str("object_type", objectTypeName(e.objectType));
    if (isRef(k) || e.refcount != -1)
        o.num("refcount", e.refcount);
    if (isRef(k) || e.holder != HolderKind::CtxIdr)
        o.str("holder", holderKindName(e.holder));
    if (isCtxRef(k) || e.ctxHolder != CtxHolderKind::File)
        o.str("ctx_holder", ctxHolderKindName(e.ctxHolder));
    if (isRef(k) || isCtxRef(k) || e.holderArg != -1)
        o.num("holder_arg", e.holderArg);
    if (carriesErrno(e) || e.errno_ != 0) {
        json::Object eo;
        eo.num("number", e.errno_).str("name", errnoName(e.errno_));
        o.raw("errno", eo.str());
    }
    if (carriesQteeId(k) || e.qteeId != 0)
        o.str("qtee_id", json::hex32(e.qteeId));
    if (k == EventKind::SmcInvoke || k == EventKind::QteeCallback || e.op != 0)
        o.num("op", e.op);
    if (carriesValue(k) || e.value != 0) {
        o.num("value", e.value);
        // Readable companions; the reader ignores them (value is the fact).
        if ((k == EventKind::Blocked || k == EventKind::Woken) && e.value >= 0 && e.value < 256 &&
            std::string(blockReasonName(BlockReason(e.value))) != "?")
            o.str("reason", blockReasonName(BlockReason(e.value)));
        if (k == EventKind::QteeResult || k == EventKind::SmcCallbackResponse)
            o.str("result", qteeResultName(e.value));
    }
    if (e.userObjectId != 0 || (k == EventKind::ObjectCreated && e.objectType != ObjectType::TEE))
        o.unum("user_object_id", e.userObjectId);
    if (k == EventKind::Violation || e.invariant != 0)
        o.str("invariant", invariantName(e.invariant));
    if (k == EventKind::Gap || e.gap != 0)
        o.num("gap", e.gap);
    if (e.count != -1)
        o.num("count", e.count);
    if (e.finding != Finding::None) {
        o.str("finding", vocab::findingName(e.finding));
        o.str("text", vocab::findingText(sim, e)); // for people; readers ignore it
    }
    return o.str();
}

std::string captureToJson(const Simulator &sim, const Trace &trace, const RunOptions &opts,
                          const std::vector<Note> &notes, std::optional<uint64_t> focus)
{
    std::string out;
    out.reserve(256 + trace.events.size() * 160);
    out += "{\n";
    out += "  \"format\": " + json::quote(kCaptureFormat) + ",\n";
    out += "  \"version\": " + std::to_string(kCaptureVersion) + ",\n";
    out += "  \"teescope_version\": " + json::quote(TEESCOPE_VERSION) + ",\n";
    out += "  \"model_version\": " + std::to_string(kModelVersion) + ",\n";
    const std::string scenario = scenarioJsonText(sim.scenario());
    out += "  \"scenario\": " + (scenario.empty() ? std::string("null") : scenario) + ",\n";

    json::Object variant;
    for (const char *name : Variant::kNames)
        variant.str(name, sim.engine().variant().value(name));
    out += "  \"variant\": " + variant.str() + ",\n";
    out += "  \"policy\": " + json::quote(policyName(opts.policy)) + ",\n";
    out += "  \"seed\": " + json::unsignedValue(opts.seed) + ",\n";
    out += "  \"max_steps\": " + json::unsignedValue(opts.maxSteps) + ",\n";
    out += "  \"stop\": " + json::quote(stopReasonName(trace.stop)) + ",\n";
    out += "  \"stop_detail\": " + json::quote(trace.stopDetail) + ",\n";

    // One element per line keeps captures diffable.
    auto list = [&out](const char *key, const auto &items, auto &&toJson, bool last) {
        out += "  " + json::quote(key) + ": [";
        bool first = true;
        for (const auto &item : items) {
            std::string s = toJson(item);
            if (s.empty())
                continue;
            out += first ? "\n    " : ",\n    ";
            out += s;
            first = false;
        }
        out += first ? "]" : "\n  ]";
        out += last ? "\n" : ",\n";
    };
    list(
        "schedule", trace.schedule, [](const std::string &s) { return json::quote(s); }, false);
    // When each step ran and who took it (steps without events included);
    // one per step or none (readers then replay the schedule for them).
    if (trace.spans.size() == trace.schedule.size())
        list(
            "spans", trace.spans,
            [](const StepSpan &sp) {
                return "[" + std::to_string(sp.startNs) + ", " + std::to_string(sp.endNs) + ", " +
                       std::to_string(sp.actor.v) + ", " + json::quote(vocab::verbName(sp.verb)) +
                       "]";
            },
            false);
    list(
        "events", trace.events, [&sim](const Event &e) { return eventToJson(sim, e); }, false);
    list(
        "violations", trace.events,
        [&sim](const Event &e) {
            if (e.kind != EventKind::Violation)
                return std::string();
            json::Object o;
            o.unum("step", e.step).num("t_ns", e.tNs).str("invariant", invariantName(e.invariant));
            o.str("text", vocab::findingText(sim, e));
            writeEntities(o, sim, e);
            if (e.reqId != -1)
                o.num("req_id", e.reqId);
            return o.str();
        },
        false);
    if (focus)
        out += "  \"focus\": " + json::unsignedValue(*focus) + ",\n";
    list(
        "notes", notes,
        [](const Note &n) {
            json::Object o;
            o.unum("step", n.step).str("text", n.text);
            if (!n.entity.empty())
                o.str("entity", n.entity);
            return o.str();
        },
        true);
    out += "}\n";
    return out;
}

bool writeCapture(const std::string &path, const Simulator &sim, const Trace &trace,
                  const RunOptions &opts, std::string *error, const std::vector<Note> &notes,
                  std::optional<uint64_t> focus)
{
    if (scenarioJsonText(sim.scenario()).empty()) {
        if (error)
            *error = path + ": cannot write capture: scenario \"" + sim.scenario().name +
                     "\" has no JSON source to embed (captures must be self-contained)";
        return false;
    }
    return writeFileAtomically(path, captureToJson(sim, trace, opts, notes, focus), error);
}

bool canEmbedScenario(const Scenario &scenario)
{
    return !scenarioJsonText(scenario).empty();
}

std::unique_ptr<Capture> readCapture(const std::string &path, std::string *error)
{
    std::string text;
    if (!readRegularFile(path, kMaxCaptureBytes, "capture", text, error))
        return nullptr;
    return parseCapture(text, printable(path, 160), error);
}

std::unique_ptr<Capture> parseCapture(const std::string &text, const std::string &sourceName,
                                      std::string *error)
{
    Reader r(sourceName, error);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        r.fail({}, "empty file (expected a teescope capture JSON object)");
        return nullptr;
    }
    if (qint64(text.size()) > kMaxCaptureBytes) {
        r.fail({}, "capture too large (" + std::to_string(text.size()) + " bytes)");
        return nullptr;
    }
    QJsonParseError perr;
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray(text.data(), qsizetype(text.size())), &perr);
    if (perr.error != QJsonParseError::NoError) {
        if (const std::string what = topLevelScalar(text); !what.empty()) {
            r.fail("(root)", "expected a JSON object, got " + what);
            return nullptr;
        }
        const JsonSyntaxError e =
            describeJsonError(text, perr.error, size_t(std::max(0, perr.offset)));
        r.fail(lineColumn(text, e.offset), e.message);
        return nullptr;
    }
    if (!doc.isObject()) {
        r.fail("(root)", "expected a JSON object, got an array");
        return nullptr;
    }
    if (const auto bad = findNonRfcJson(text)) {
        r.fail(lineColumn(text, bad->offset), bad->message);
        return nullptr;
    }
    if (const auto dup = findDuplicateKey(text)) {
        r.fail(lineColumn(text, dup->second),
               "duplicate key " + quotedText(dup->key) + " (first given at " +
                   lineColumn(text, dup->first) + "; JSON readers would keep only one of them)");
        return nullptr;
    }
    const QJsonObject root = doc.object();
    auto cap = std::make_unique<Capture>();

    std::string format;
    if (!root.contains(QLatin1String("format")) && root.contains(QLatin1String("processes"))) {
        r.fail("format", "missing: this is a scenario, not a capture (run it with 'teescope-cli "
                         "run', or record a capture with run --capture)");
        return nullptr;
    }
    if (!r.string(root, "format", {}, true, format))
        return nullptr;
    if (format != kCaptureFormat) {
        r.fail("format", "expected \"" + std::string(kCaptureFormat) + "\", found " +
                             quotedText(format) + " (not a teescope capture)");
        return nullptr;
    }
    int64_t version = 0;
    if (!r.integer(root, "version", {}, true, std::numeric_limits<int32_t>::min(),
                   std::numeric_limits<int32_t>::max(), version))
        return nullptr;
    if (version != kCaptureVersion) {
        r.fail("version", "unsupported capture version " + std::to_string(version) +
                              " (this teescope reads version " + std::to_string(kCaptureVersion) +
                              ")");
        return nullptr;
    }
    if (!r.string(root, "teescope_version", {}, true, cap->teescopeVersion))
        return nullptr;
    int64_t model = 1;
    if (!r.integer(root, "model_version", {}, false, 1, std::numeric_limits<int32_t>::max(), model))
        return nullptr;
    cap->modelVersion = int(model);

    // Variant: all four dimensions, each a known value.
    QJsonObject variant;
    if (!r.present(root, "variant", {}, true) ||
        !r.object(root.value(QLatin1String("variant")), "variant",
                  "an object like {\"request\": \"fifo\", ...}", variant))
        return nullptr;
    for (auto it = variant.constBegin(); it != variant.constEnd(); ++it) {
        const std::string key = it.key().toStdString();
        const std::string where = "variant." + key;
        if (!it.value().isString()) {
            r.fail(where, "expected a string, found " + jsonTypeName(it.value()));
            return nullptr;
        }
        const std::string why = cap->variant.set(key, it.value().toString().toStdString());
        if (!why.empty()) {
            r.fail(where, why);
            return nullptr;
        }
    }
    for (const char *name : Variant::kNames) {
        if (!r.present(variant, name, "variant", true))
            return nullptr;
    }

    std::string policy;
    if (!r.string(root, "policy", {}, true, policy))
        return nullptr;
    const auto p = parsePolicy(policy);
    if (!p) {
        r.fail("policy", "unknown policy " + quotedText(policy) + " (known: \"" +
                             policyName(Policy::Scripted) + "\", \"" +
                             policyName(Policy::RoundRobin) + "\", \"" +
                             policyName(Policy::Random) + "\", \"" + policyName(Policy::Timed) +
                             "\")");
        return nullptr;
    }
    cap->policy = *p;
    if (!r.uint64(root, "seed", {}, true, cap->seed) ||
        !r.uint64(root, "max_steps", {}, true, cap->maxSteps, 1, kMaxStepsLimit) ||
        !r.name(root, "stop", {}, true, stopReasons(), "stop reason", cap->stop) ||
        !r.string(root, "stop_detail", {}, false, cap->stopDetail))
        return nullptr;

    QJsonArray schedule;
    if (!r.array(root, "schedule", {}, true, schedule))
        return nullptr;
    cap->schedule.reserve(size_t(schedule.size()));
    for (qsizetype i = 0; i < schedule.size(); ++i) {
        const QJsonValue v = schedule.at(i);
        if (!v.isString()) {
            r.fail(indexPath("schedule", i),
                   "expected an action label string, found " + jsonTypeName(v));
            return nullptr;
        }
        cap->schedule.push_back(v.toString().toStdString());
    }
    if (cap->schedule.size() > cap->maxSteps) {
        r.fail("schedule", std::to_string(cap->schedule.size()) +
                               " steps, more than the capture's max_steps (" +
                               std::to_string(cap->maxSteps) + "): no run could have taken them");
        return nullptr;
    }

    // Spans: [start_ns, end_ns, actor, verb] per step (model version 3; absent before).
    QJsonArray spans;
    if (!r.array(root, "spans", {}, false, spans))
        return nullptr;
    const bool spansGiven = root.contains(QLatin1String("spans"));
    if (spansGiven && spans.size() != qsizetype(cap->schedule.size())) {
        r.fail("spans", std::to_string(spans.size()) + (spans.size() == 1 ? " span" : " spans") +
                            " for a schedule of " + vocab::steps(cap->schedule.size()) +
                            ": there is one per step");
        return nullptr;
    }
    cap->spans.reserve(size_t(spans.size()));
    for (qsizetype i = 0; i < spans.size(); ++i) {
        const std::string where = indexPath("spans", i);
        const QJsonValue v = spans.at(i);
        const QJsonArray a = v.toArray();
        if (!v.isArray() || a.size() != 4 || !a.at(0).isDouble() || !a.at(1).isDouble() ||
            !a.at(2).isDouble() || !a.at(3).isString()) {
            r.fail(where,
                   "expected [start_ns, end_ns, actor, \"verb\"], found " +
                       (v.isArray() ? "an array of " + std::to_string(a.size()) : jsonTypeName(v)));
            return nullptr;
        }
        StepSpan sp;
        int64_t actor = -1;
        if (!r.integer(a.at(0), where + "[0]", 0, std::numeric_limits<int64_t>::max(),
                       sp.startNs) ||
            !r.integer(a.at(1), where + "[1]", sp.startNs, std::numeric_limits<int64_t>::max(),
                       sp.endNs) ||
            !r.integer(a.at(2), where + "[2]", -1, std::numeric_limits<int32_t>::max(), actor))
            return nullptr;
        sp.actor = ThreadId(int32_t(actor));
        const std::string verb = a.at(3).toString().toStdString();
        if (!vocab::parseVerb(verb, sp.verb)) {
            r.fail(where + "[3]", "unknown step verb " + quotedText(verb));
            return nullptr;
        }
        cap->spans.push_back(sp);
    }

    QJsonArray events;
    if (!r.array(root, "events", {}, true, events))
        return nullptr;
    cap->events.reserve(size_t(events.size()));
    for (qsizetype i = 0; i < events.size(); ++i) {
        Event e;
        const std::string where = indexPath("events", i);
        if (!r.event(events.at(i), where, e))
            return nullptr;
        // A QTEE callback id as a holder is unsigned (0x80000003); model
        // version 1 wrote its bits as a negative int32.
        if (e.holderArg < -1 && e.holder == HolderKind::QteeId && cap->modelVersion < 2 &&
            (isRef(e.kind) || e.kind == EventKind::Violation))
            e.holderArg = int64_t(uint32_t(int32_t(e.holderArg)));
        else if (e.holderArg < -1) {
            r.fail(where + ".holder_arg",
                   "value " + std::to_string(e.holderArg) + " out of range -1..4294967295");
            return nullptr;
        }
        if (e.step > cap->schedule.size()) {
            r.fail(where + ".step", "step " + std::to_string(e.step) + " is past the schedule's " +
                                        vocab::steps(cap->schedule.size()));
            return nullptr;
        }
        if (!cap->events.empty() && e.step < cap->events.back().step) {
            r.fail(where + ".step", "step " + std::to_string(e.step) +
                                        " goes back in time (previous event is at step " +
                                        std::to_string(cap->events.back().step) + ")");
            return nullptr;
        }
        cap->events.push_back(std::move(e));
    }

    // Violations repeat Violation events for quick reading; a list that
    // disagrees with the events means the file was edited or corrupted.
    QJsonArray violations;
    if (!r.array(root, "violations", {}, false, violations))
        return nullptr;
    // Each entry is one violation event (its step, invariant and ids), each
    // event at most once; a list that is there lists them all. Matched
    // through maps: a capture may hold any number of both (linear, where a
    // search per entry was quadratic).
    using Key = std::array<int64_t, 11>;
    const auto keyOf = [](const Event &e) {
        return Key{int64_t(e.step), e.invariant, e.thread.v, e.peer.v,  e.process.v, e.ctx.v,
                   e.object.v,      e.request.v, e.other.v,  e.actor.v, e.reqId};
    };
    std::map<Key, std::deque<size_t>> unlisted;            // events not listed yet, in order
    std::map<std::pair<uint64_t, int16_t>, size_t> byStep; // violation events per step, invariant
    size_t violationEvents = 0;
    for (size_t k = 0; k < cap->events.size(); ++k)
        if (const Event &e = cap->events[k]; e.kind == EventKind::Violation) {
            unlisted[keyOf(e)].push_back(k);
            ++byStep[{e.step, e.invariant}];
            ++violationEvents;
        }
    for (qsizetype i = 0; i < violations.size(); ++i) {
        const std::string where = indexPath("violations", i);
        QJsonObject vo;
        Event v;
        std::string textField;
        if (!r.object(violations.at(i), where, "a violation object", vo) ||
            !r.uint64(vo, "step", where, true, v.step) ||
            !r.invariant(vo, "invariant", where, true, v.invariant) ||
            !r.string(vo, "text", where, false, textField) || !r.entities(vo, where, v))
            return nullptr;
        const auto it = unlisted.find(keyOf(v));
        if (it == unlisted.end() || it->second.empty()) {
            const std::string what =
                invariantName(v.invariant) + " at step " + std::to_string(v.step);
            r.fail(where, !byStep.count({v.step, v.invariant})
                              ? "no violation event of " + what + " in \"events\""
                          : it != unlisted.end()
                              ? "the violation event of " + what + " is listed twice"
                              : "the violation event of " + what +
                                    " names other ids (thread, context, object, request...)");
            return nullptr;
        }
        it->second.pop_front();
    }
    if (r.present(root, "violations", {}, false) && size_t(violations.size()) < violationEvents) {
        size_t first = SIZE_MAX;
        for (const auto &[key, left] : unlisted)
            if (!left.empty())
                first = std::min(first, left.front());
        const Event &e = cap->events[first];
        const size_t total = violationEvents;
        r.fail("violations", "lists " + std::to_string(violations.size()) + " of " +
                                 std::to_string(total) +
                                 (total == 1 ? " violation event: " : " violation events: ") +
                                 invariantName(e.invariant) + " at step " + std::to_string(e.step) +
                                 " (events[" + std::to_string(first) + "]) is missing");
        return nullptr;
    }

    if (r.present(root, "focus", {}, false)) {
        uint64_t focus = 0;
        if (!r.uint64(root, "focus", {}, true, focus))
            return nullptr;
        if (focus > cap->schedule.size()) {
            r.fail("focus", "step " + std::to_string(focus) + " is past the schedule's " +
                                vocab::steps(cap->schedule.size()));
            return nullptr;
        }
        cap->focusStep = focus;
    }

    QJsonArray notes;
    if (!r.array(root, "notes", {}, false, notes))
        return nullptr;
    for (qsizetype i = 0; i < notes.size(); ++i) {
        const std::string where = indexPath("notes", i);
        QJsonObject no;
        Note n;
        if (!r.object(notes.at(i), where, "a note object like {\"step\": 3, \"text\": \"...\"}",
                      no) ||
            !r.uint64(no, "step", where, true, n.step) ||
            !r.string(no, "text", where, true, n.text) ||
            !r.string(no, "entity", where, false, n.entity))
            return nullptr;
        if (n.step > cap->schedule.size()) {
            r.fail(where + ".step", "step " + std::to_string(n.step) + " is past the schedule's " +
                                        vocab::steps(cap->schedule.size()));
            return nullptr;
        }
        if (!isPrintable(n.entity) || n.entity.size() > 200) {
            r.fail(where + ".entity",
                   "expected a lane name like \"req#3\", found " + quotedText(n.entity));
            return nullptr;
        }
        cap->notes.push_back(std::move(n));
    }

    // The embedded scenario last: it is the expensive part and its errors
    // come from the scenario loader ("FILE: scenario: processes[1]...").
    QJsonObject scenario;
    if (!r.present(root, "scenario", {}, true) ||
        !r.object(root.value(QLatin1String("scenario")), "scenario", "the embedded scenario object",
                  scenario))
        return nullptr;
    const QByteArray scenarioText = QJsonDocument(scenario).toJson(QJsonDocument::Compact);
    std::string why;
    cap->scenario = loadScenarioJson(scenarioText.toStdString(), sourceName + ": scenario", &why);
    if (!cap->scenario) {
        if (error)
            *error = why.empty() ? sourceName + ": scenario: cannot be loaded" : why;
        return nullptr;
    }
    // Thread and process ids name the embedded scenario's (the release worker
    // is the last thread): names, exports and replay index by them.
    const int32_t threads = cap->scenario->threadCount() + 1;
    const int32_t processes = int32_t(cap->scenario->processes.size());
    for (size_t i = 0; i < cap->events.size(); ++i) {
        const Event &e = cap->events[i];
        const std::string where = indexPath("events", qsizetype(i));
        // Events of a thread's own doing name it (the app draws them on its
        // lane; a replay divergence in `thread` alone printed two equal lines).
        const bool ownsThread =
            e.kind == EventKind::SyscallEnter || e.kind == EventKind::SyscallReturn ||
            e.kind == EventKind::DispatchReturn || e.kind == EventKind::ThreadExit ||
            e.kind == EventKind::LockAcquire || e.kind == EventKind::LockRelease ||
            e.kind == EventKind::ArgAccess || e.kind == EventKind::Blocked ||
            e.kind == EventKind::Woken;
        if (ownsThread && !e.thread.valid()) {
            r.fail(where + ".thread", std::string("a ") + eventKindName(e.kind) +
                                          " event names its thread (ids 0.." +
                                          std::to_string(threads - 1) + ")");
            return nullptr;
        }
        if (e.thread.v >= threads) {
            r.fail(where + ".thread", "no thread " + std::to_string(e.thread.v) +
                                          " in the embedded scenario (ids 0.." +
                                          std::to_string(threads - 1) + "; " +
                                          std::to_string(threads - 1) + " is the release worker)");
            return nullptr;
        }
        if (e.actor.v >= threads) {
            r.fail(where + ".actor", "no thread " + std::to_string(e.actor.v) +
                                         " in the embedded scenario (ids 0.." +
                                         std::to_string(threads - 1) + ")");
            return nullptr;
        }
        if (e.peer.v >= threads) {
            r.fail(where + ".peer", "no thread " + std::to_string(e.peer.v) +
                                        " in the embedded scenario (ids 0.." +
                                        std::to_string(threads - 1) + ")");
            return nullptr;
        }
        if (e.process.v >= processes) {
            r.fail(where + ".process", "no process " + std::to_string(e.process.v) +
                                           " in the embedded scenario (ids 0.." +
                                           std::to_string(processes - 1) + ")");
            return nullptr;
        }
    }
    for (size_t i = 0; i < cap->spans.size(); ++i)
        if (cap->spans[i].actor.v >= threads) {
            r.fail(indexPath("spans", qsizetype(i)) + "[2]",
                   "no thread " + std::to_string(cap->spans[i].actor.v) +
                       " in the embedded scenario (ids 0.." + std::to_string(threads - 1) + ")");
            return nullptr;
        }
    // A capture from before model version 3 has no spans: the exports need
    // each step's actor and verb, so they come from replaying its schedule
    // (when it replays; otherwise the steps stay without one).
    if (!spansGiven && !cap->schedule.empty()) {
        std::string replayError;
        const Simulator sim(cap->scenario, cap->variant);
        Trace t = replay(sim, cap->schedule, &replayError);
        if (replayError.empty() && t.spans.size() == cap->schedule.size())
            cap->spans = std::move(t.spans);
    }
    return cap;
}

std::string checkRecordedSpans(const Simulator &sim, const Capture &capture, const Trace &replayed)
{
    const auto text = [&sim](const StepSpan &sp) {
        return "[" + std::to_string(sp.startNs) + ", " + std::to_string(sp.endNs) + ", " +
               (sp.actor.valid() ? sim.threadName(sp.actor) : std::string("no thread")) + ", " +
               vocab::verbName(sp.verb) + "]";
    };
    for (size_t k = 0; k < capture.spans.size() && k < replayed.spans.size(); ++k)
        if (!(capture.spans[k] == replayed.spans[k]))
            return "spans[" + std::to_string(k) + "] (step " + std::to_string(k + 1) +
                   "): the file says " + text(capture.spans[k]) + ", its schedule gives " +
                   text(replayed.spans[k]) +
                   " (start ns, end ns, thread, verb): the file was edited";
    return {};
}

std::string checkRecordedStop(const Simulator &sim, const Capture &capture, const Trace &replayed)
{
    std::string detail;
    StopReason derived = StopReason::MaxSteps;
    bool scheduleEndPossible = false;
    std::vector<Action> en;
    sim.engine().enabled(replayed.final, en);
    if (replayed.schedule.size() >= capture.maxSteps) {
        derived = boundStop(sim, replayed.final, en, &detail); // as run() stops
    } else {
        if (en.empty() || scriptedChoice(sim, replayed.final, en) >= en.size()) {
            // Nothing, or only faults a policy may decline ("when": "any").
            derived = quiescentStop(sim, replayed.final, &detail);
            scheduleEndPossible = !en.empty();
        } else {
            derived = StopReason::ScheduleEnd;
        }
    }
    const std::string steps = std::to_string(replayed.schedule.size()) + " step" +
                              (replayed.schedule.size() == 1 ? "" : "s");
    if (capture.stop == StopReason::ScheduleEnd && scheduleEndPossible &&
        capture.stopDetail.empty())
        return {};
    if (capture.stop != derived) {
        std::string shows;
        switch (derived) {
        case StopReason::MaxSteps:
            shows = "reaches max_steps (" + std::to_string(capture.maxSteps) + ")";
            break;
        case StopReason::ScheduleEnd:
            shows = "ends with actions still enabled (\"schedule-end\")";
            break;
        default:
            shows = "ends " + quotedText(stopReasonName(derived));
        }
        return "stop: the capture says " + quotedText(stopReasonName(capture.stop)) +
               " but its schedule (" + steps + ") " + shows;
    }
    if (capture.stopDetail != detail)
        return "stop_detail: the capture says " + quotedText(capture.stopDetail) +
               " but the replay of its schedule (" + steps + ") says " + quotedText(detail);
    return {};
}

std::string compareEvents(const Simulator &sim, const EventList &expected, const EventList &actual)
{
    const size_t n = std::min(expected.size(), actual.size());
    for (size_t i = 0; i < n; ++i) {
        if (expected[i] != actual[i]) {
            return "event " + std::to_string(i) + " (step " + std::to_string(expected[i].step) +
                   "): expected " + eventToJson(sim, expected[i]) + ", got " +
                   eventToJson(sim, actual[i]);
        }
    }
    if (expected.size() != actual.size()) {
        const bool fewer = actual.size() < expected.size();
        const Event &first = fewer ? expected[n] : actual[n];
        return "expected " + std::to_string(expected.size()) + " events, got " +
               std::to_string(actual.size()) + "; first " + (fewer ? "missing" : "extra") +
               " event: " + describeEvent(sim, first) + " (step " + std::to_string(first.step) +
               ")";
    }
    return {};
}

} // namespace tee::sim
