// JSON -> Scenario. The format is documented in docs/scenario-format.md; keep
// both in step. Every rejection names the source and the JSON location, and
// every count and number is bounded, so a hostile or truncated file gives one
// clear sentence instead of a crash, a hang or a scenario the engine cannot
// run.
#include "simulator/scenarioloader.h"

#include "simulator/fileio.h"
#include "simulator/jsonread.h"

#include "core/text.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <map>
#include <mutex>

// Q_INIT_RESOURCE must be used outside any namespace. The resources live in
// a static library, so nothing registers them unless we ask (see
// resources/CMakeLists.txt).
static void initTeescopeScenarioResources()
{
    Q_INIT_RESOURCE(teescope_scenarios);
}

namespace tee::sim {

namespace {

// Limits. They are far above anything a meaningful scenario needs and low
// enough that the loader and the engine stay fast on any input.
constexpr qint64 kMaxInputBytes = kMaxScenarioBytes;
constexpr qsizetype kMaxProcesses = 64;
constexpr qsizetype kMaxThreads = 64; // per process
constexpr qsizetype kMaxProgram = 10000;
constexpr qsizetype kMaxArgList =
    tee::kMaxArgs; // per IB/OB/IO/OO list (the driver caps at 16: I18)
constexpr int64_t kMaxBufferSize = 4 * 1024 * 1024;
constexpr size_t kMaxPerType = 16; // arguments of a type in a QTEE message (I18)
constexpr qsizetype kMaxServices = 256;
constexpr qsizetype kMaxServiceOps = 1024;
constexpr qsizetype kMaxQteeSteps = 10000;
constexpr qsizetype kMaxReplies = 1024;
constexpr qsizetype kMaxFaults = 1024;
constexpr qsizetype kMaxSchedule = 1000000;
constexpr size_t kMaxVariables = 1024; // per process
constexpr size_t kMaxHeldSlots = 1024;
constexpr int64_t kMaxMaxSteps = int64_t(kMaxStepsLimit);
constexpr int64_t kMaxNs = 1000000000000; // 1000 s of simulated time per item
constexpr int64_t kMaxCount = 1000000000; // serve counts, jump times, retries
constexpr int kMaxNameLength = 64;
constexpr int kMaxTitleLength = 200;
constexpr int kMaxDescriptionLength = 64 * 1024;
constexpr int kMaxLabelLength = 1024;

constexpr auto kI32Min = int64_t(std::numeric_limits<int32_t>::min());
constexpr auto kI32Max = int64_t(std::numeric_limits<int32_t>::max());
constexpr auto kU32Max = int64_t(std::numeric_limits<uint32_t>::max());
constexpr auto kI64Max = std::numeric_limits<int64_t>::max();

// Thrown inside the loader only and turned into the error sentence at the API
// boundary: every check is one line instead of an error-propagation ladder.
struct LoadError
{
    std::string where;
    std::string what;
};

[[noreturn]] void fail(const std::string &where, const std::string &what)
{
    throw LoadError{where, what};
}

std::string key(const std::string &parent, std::string_view name)
{
    if (parent.empty())
        return printable(name);
    return parent + '.' + printable(name);
}

std::string at(const std::string &parent, qsizetype index)
{
    return parent + '[' + std::to_string(index) + ']';
}

std::string inQuotes(const std::string &s)
{
    return '"' + printable(s) + '"';
}

[[noreturn]] void wrongType(const std::string &where, const QJsonValue &v,
                            const std::string &expected)
{
    fail(where, "expected " + expected + ", got " + jsonTypeName(v));
}

// Unknown keys are errors: they are almost always typos ("ouputs", "on_einvl")
// that would otherwise silently fall back to a default.
void checkKeys(const QJsonObject &o, const std::string &where,
               std::initializer_list<std::string_view> allowed)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        const std::string k = it.key().toStdString();
        if (k == "comment") { // allowed everywhere: JSON has no comments
            if (!it.value().isString())
                wrongType(key(where, "comment"), it.value(), "a string");
            continue;
        }
        if (std::find(allowed.begin(), allowed.end(), k) != allowed.end())
            continue;
        std::string list;
        for (std::string_view a : allowed) {
            if (!list.empty())
                list += ", ";
            list += a;
        }
        fail(key(where, k), "unknown key " + inQuotes(k) +
                                (list.empty() ? std::string(" (no keys allowed here)")
                                              : " (expected one of: " + list + ")"));
    }
}

QJsonValue required(const QJsonObject &o, const std::string &where, std::string_view name)
{
    const QJsonValue v = o.value(QLatin1String(name.data(), qsizetype(name.size())));
    if (v.isUndefined())
        fail(key(where, name), "missing required field");
    return v;
}

QJsonValue optional(const QJsonObject &o, std::string_view name)
{
    return o.value(QLatin1String(name.data(), qsizetype(name.size())));
}

int64_t toInt(const QJsonValue &v, const std::string &where, int64_t min, int64_t max)
{
    if (!v.isDouble())
        wrongType(where, v, "an integer");
    const std::optional<qint64> exact = exactInteger(v);
    if (!exact) {
        const double d = v.toDouble();
        if (std::isfinite(d) && d == std::trunc(d)) {
            // Beyond a signed 64-bit integer the number was read as a
            // double: past 2^53 its last digits may not be the file's.
            fail(where, std::string(std::fabs(d) > 9007199254740992.0 ? "about " : "") +
                            numberText(d) + " is out of range (" + std::to_string(min) + ".." +
                            std::to_string(max) + ")");
        }
        fail(where, "expected an integer, got " + numberText(d));
    }
    const qint64 a = *exact;
    if (a < min || a > max)
        fail(where, std::to_string(a) + " is out of range (" + std::to_string(min) + ".." +
                        std::to_string(max) + ")");
    return a;
}

std::string toStr(const QJsonValue &v, const std::string &where, int maxLength = kMaxLabelLength)
{
    if (!v.isString())
        wrongType(where, v, "a string");
    const QString s = v.toString();
    // characters (code points), not UTF-16 units: an emoji is one
    if (s.size() > maxLength && s.toUcs4().size() > maxLength)
        fail(where, "text is longer than " + std::to_string(maxLength) + " characters");
    return s.toStdString();
}

bool toBool(const QJsonValue &v, const std::string &where)
{
    if (!v.isBool())
        wrongType(where, v, "true or false");
    return v.toBool();
}

QJsonObject toObject(const QJsonValue &v, const std::string &where)
{
    if (!v.isObject())
        wrongType(where, v, "an object");
    return v.toObject();
}

QJsonArray toArray(const QJsonValue &v, const std::string &where, qsizetype maxCount)
{
    if (!v.isArray())
        wrongType(where, v, "an array");
    QJsonArray a = v.toArray();
    if (a.size() > maxCount)
        fail(where, std::to_string(a.size()) + " entries, more than the limit of " +
                        std::to_string(maxCount));
    return a;
}

// One line of text shown to people (a scenario's name and title): no control
// character, no character that reorders or breaks the line. A description
// may also hold newlines (one paragraph a line). The message names the first
// offending character and where it is.
std::string toText(const QJsonValue &v, const std::string &where, int maxLength,
                   bool newlines = false)
{
    const std::string s = toStr(v, where, maxLength);
    size_t line = 0;
    size_t begin = 0;
    while (begin <= s.size()) {
        size_t end = newlines ? s.find('\n', begin) : std::string::npos;
        if (end == std::string::npos)
            end = s.size();
        const std::string_view part(s.data() + begin, end - begin);
        size_t n = 0;
        if (const size_t i = firstUnprintable(part, &n); i != std::string_view::npos) {
            fail(where, "contains " + quotedText(part.substr(i, n)) + " at byte " +
                            std::to_string(begin + i) +
                            (newlines && line > 0 ? " (line " + std::to_string(line + 1) + ")"
                                                  : std::string()) +
                            (newlines ? ": a description is plain text; only newlines may "
                                        "separate its lines"
                                      : ": names and titles are one line of plain text"));
        }
        begin = end + 1;
        ++line;
    }
    return s;
}

// "id:N" (decimal or 0x hex): a raw id given as is, for negative tests.
// Returns false when `text` is not of that form; fails on a bad number.
bool rawId(const std::string &text, const std::string &where, uint64_t max, uint64_t &out)
{
    if (text.rfind("id:", 0) != 0)
        return false;
    const std::string n = text.substr(3);
    const bool hex = n.size() > 2 && n[0] == '0' && (n[1] == 'x' || n[1] == 'X');
    const std::string digits = hex ? n.substr(2) : n;
    const bool ok = !digits.empty() && digits.size() <= (hex ? 16 : 20) &&
                    std::all_of(digits.begin(), digits.end(), [&](char c) {
                        return (c >= '0' && c <= '9') ||
                               (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
                    });
    unsigned long long v = 0;
    bool inRange = ok;
    if (ok) {
        errno = 0;
        v = std::strtoull(digits.c_str(), nullptr, hex ? 16 : 10);
        inRange = errno == 0 && v <= max;
    }
    if (!inRange)
        fail(where, "bad raw id " + inQuotes(text) + " (expected id:N or id:0xHEX, 0.." +
                        std::to_string(max) + ")");
    out = v;
    return true;
}

// Names that appear in action labels ("P1/T2: ...") and schedules: no
// separators, no spaces, so a label can be split back into its parts.
std::string toIdentifier(const QJsonValue &v, const std::string &where)
{
    const std::string s = toStr(v, where, kMaxNameLength);
    if (s.empty())
        fail(where, "name must not be empty");
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok)
            fail(where,
                 "invalid name " + inQuotes(s) + ": use ASCII letters, digits, '_', '-' and '.'");
    }
    return s;
}

// "forever" or a non-negative count; -1 encodes "forever".
int64_t toCount(const QJsonValue &v, const std::string &where)
{
    if (v.isString()) {
        if (v.toString() == QLatin1String("forever"))
            return -1;
        fail(where, "expected a count or \"forever\", got " + inQuotes(v.toString().toStdString()));
    }
    if (!v.isDouble())
        wrongType(where, v, "a count or \"forever\"");
    return toInt(v, where, 0, kMaxCount);
}

std::vector<uint32_t> toSizes(const QJsonValue &v, const std::string &where)
{
    const QJsonArray a = toArray(v, where, kMaxArgList);
    std::vector<uint32_t> out;
    out.reserve(size_t(a.size()));
    for (qsizetype i = 0; i < a.size(); ++i)
        out.push_back(uint32_t(toInt(a.at(i), at(where, i), 0, kMaxBufferSize)));
    return out;
}

// Errno written as a number (taken as is: SEND's ret is the supplicant's own
// value) or as a name ("EINVAL", "-EINVAL") through tee::parseErrno.
int32_t toErrno(const QJsonValue &v, const std::string &where)
{
    if (v.isString()) {
        const std::string s = v.toString().toStdString();
        // a numeric string is that number, in the numbers' range
        const std::string_view digits =
            s.size() > 1 && s[0] == '-' ? std::string_view(s).substr(1) : std::string_view(s);
        if (!digits.empty() && std::all_of(digits.begin(), digits.end(),
                                           [](char c) { return c >= '0' && c <= '9'; })) {
            int64_t n = 0;
            const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (ec != std::errc() || p != s.data() + s.size() || n < kI32Min || n > kU32Max)
                fail(where, "errno " + inQuotes(s) + " out of range (-2147483648..4294967295)");
            return int32_t(uint32_t(n));
        }
        int32_t e = 0;
        if (!tee::parseErrno(s, e))
            fail(where, "unknown errno " + inQuotes(s));
        return e;
    }
    if (!v.isDouble())
        wrongType(where, v, "an errno number or name");
    // a 32-bit value taken as is: -2^31..2^32-1 (SEND's ret is a u32)
    return int32_t(uint32_t(toInt(v, where, kI32Min, kU32Max)));
}

// Names written or read by the steps of one process (variables) or by the
// QTEE steps of all services (held slots). A name gets its index on first
// mention; a name that is read but never written is reported at its first
// read, once everything has been seen (threads run concurrently, so a read
// may come before the write in document order).
class NameTable
{
public:
    NameTable(size_t limit, std::string what)
        : m_limit(limit)
        , m_what(std::move(what))
    {}

    int32_t use(const std::string &name, const std::string &where, bool defines)
    {
        auto it = std::find(m_names.begin(), m_names.end(), name);
        size_t i = size_t(it - m_names.begin());
        if (it == m_names.end()) {
            if (m_names.size() >= m_limit)
                fail(where, "more than " + std::to_string(m_limit) + " " + m_what + "s");
            m_names.push_back(name);
            m_defined.push_back(false);
            m_firstUse.push_back(where);
        }
        if (defines)
            m_defined[i] = true;
        return int32_t(i);
    }

    // The first name that is used but never defined, if any.
    std::optional<size_t> undefined() const
    {
        for (size_t i = 0; i < m_names.size(); ++i) {
            if (!m_defined[i])
                return i;
        }
        return std::nullopt;
    }

    std::vector<std::string> m_names;
    std::vector<bool> m_defined;
    std::vector<std::string> m_firstUse;

private:
    size_t m_limit;
    std::string m_what;
};

class Loader
{
public:
    explicit Loader(std::string sourceName)
        : m_source(std::move(sourceName))
    {}

    void load(const QJsonObject &root, Scenario &sc);

private:
    void parseVariant(const QJsonValue &v, const std::string &where, Variant &variant);
    void parseCosts(const QJsonValue &v, const std::string &where, Costs &costs);
    void parseServices(const QJsonValue &v, const std::string &where, Scenario &sc);
    std::vector<QteeStep> parseQteeSteps(const QJsonValue &v, const std::string &where);
    QteeStep parseQteeStep(const QJsonValue &v, const std::string &where);
    QteeRef parseQteeRef(const QJsonValue &v, const std::string &where, bool allowNull);
    QteeRef parseQteeTarget(const QJsonValue &v, const std::string &where);
    std::vector<QteeRef> parseQteeRefs(const QJsonValue &v, const std::string &where,
                                       bool allowNull);
    void parseProcesses(const QJsonValue &v, const std::string &where, Scenario &sc);
    void parseProgram(const QJsonValue &v, const std::string &where, ThreadDecl &thread,
                      NameTable &vars);
    Op parseOp(const QJsonValue &v, const std::string &where, NameTable &vars);
    ServeSpec parseServe(const QJsonObject &o, const std::string &where, NameTable &vars);
    Reply parseReply(const QJsonValue &v, const std::string &where, NameTable &vars);
    UserObjRef parseUserObjRef(const QJsonValue &v, const std::string &where, NameTable &vars);
    int32_t readVar(const QJsonValue &v, const std::string &where, NameTable &vars);
    int32_t writeVar(const QJsonValue &v, const std::string &where, NameTable &vars);
    int32_t processIndex(const QJsonValue &v, const std::string &where) const;
    void parseFaults(const QJsonValue &v, const std::string &where, Scenario &sc);

    std::string m_source;
    std::vector<std::string> m_processNames;
    std::vector<uint32_t> m_serviceUids;
    NameTable m_held{kMaxHeldSlots, "held object name"};
};

std::string defaultScenarioName(const std::string &sourceName)
{
    std::string name = sourceName;
    if (name.rfind("builtin:", 0) == 0)
        name = name.substr(8);
    if (auto slash = name.find_last_of('/'); slash != std::string::npos)
        name = name.substr(slash + 1);
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0)
        name.resize(name.size() - 5);
    return name.empty() ? std::string("scenario") : name;
}

void Loader::load(const QJsonObject &root, Scenario &sc)
{
    if (root.value(QLatin1String("format")).toString() == QLatin1String("teescope-capture"))
        fail("format", "this is a teescope capture, not a scenario: replay it with "
                       "'teescope-cli replay', export it with 'teescope-cli export', or open it "
                       "in the app");
    // a capture whose "format" is wrong or missing: not a scenario key,
    // and what a capture's would be (an app audit: "Its format is
    // teescope-capture" read as if this file's were)
    if (const QJsonValue f = root.value(QLatin1String("format")); !f.isUndefined())
        fail("format",
             "not a scenario key, and not a capture's format either: a teescope "
             "capture's is \"teescope-capture\", found " +
                 (f.isString() ? quotedText(f.toString().toStdString()) : jsonTypeName(f)) +
                 " (docs/capture-format.md)");
    if (root.contains(QLatin1String("events")))
        fail("events", "not a scenario key: a teescope capture? It also needs \"format\": "
                       "\"teescope-capture\" (docs/capture-format.md)");
    checkKeys(root, {},
              {"name", "title", "description", "variant", "policy", "seed", "max_steps", "costs",
               "qtee", "processes", "faults", "schedule"});

    if (const QJsonValue v = optional(root, "name"); !v.isUndefined()) {
        sc.name = toText(v, "name", kMaxTitleLength);
        if (sc.name.empty())
            fail("name", "name must not be empty");
    } else {
        sc.name = defaultScenarioName(m_source);
    }
    if (const QJsonValue v = optional(root, "title"); !v.isUndefined())
        sc.title = toText(v, "title", kMaxTitleLength);
    if (sc.title.empty())
        sc.title = sc.name;
    if (const QJsonValue v = optional(root, "description"); !v.isUndefined())
        sc.description = toText(v, "description", kMaxDescriptionLength, true);

    if (const QJsonValue v = optional(root, "variant"); !v.isUndefined())
        parseVariant(v, "variant", sc.variant);
    if (const QJsonValue v = optional(root, "policy"); !v.isUndefined()) {
        const std::string name = toStr(v, "policy");
        const auto p = parsePolicy(name);
        if (!p)
            fail("policy", "unknown policy " + inQuotes(name) +
                               " (expected scripted, round-robin, random or timed)");
        sc.policy = *p;
    }
    if (const QJsonValue v = optional(root, "seed"); !v.isUndefined())
        sc.seed = uint64_t(toInt(v, "seed", 0, kI64Max));
    if (const QJsonValue v = optional(root, "max_steps"); !v.isUndefined())
        sc.maxSteps = uint64_t(toInt(v, "max_steps", 1, kMaxMaxSteps));
    if (const QJsonValue v = optional(root, "costs"); !v.isUndefined())
        parseCosts(v, "costs", sc.costs);

    // Services before processes and processes before their programs: steps
    // refer to services by uid and to processes by name.
    if (const QJsonValue v = optional(root, "qtee"); !v.isUndefined()) {
        const QJsonObject q = toObject(v, "qtee");
        checkKeys(q, "qtee", {"services"});
        if (const QJsonValue s = optional(q, "services"); !s.isUndefined())
            parseServices(s, "qtee.services", sc);
    }
    parseProcesses(required(root, {}, "processes"), "processes", sc);
    if (const QJsonValue v = optional(root, "faults"); !v.isUndefined())
        parseFaults(v, "faults", sc);
    if (const QJsonValue v = optional(root, "schedule"); !v.isUndefined()) {
        const QJsonArray a = toArray(v, "schedule", kMaxSchedule);
        sc.schedule.reserve(size_t(a.size()));
        for (qsizetype i = 0; i < a.size(); ++i) {
            std::string label = toStr(a.at(i), at("schedule", i));
            if (label.empty())
                fail(at("schedule", i), "empty action label");
            sc.schedule.push_back(std::move(label));
        }
        // The scenario's own bound would cut its own schedule (a command
        // line's --max-steps may, on purpose).
        if (sc.schedule.size() > sc.maxSteps)
            fail("schedule", std::to_string(sc.schedule.size()) + " steps, more than max_steps " +
                                 std::to_string(sc.maxSteps) + " lets run");
    }

    if (const auto i = m_held.undefined())
        fail(m_held.m_firstUse[*i], "reference to undeclared held object " +
                                        inQuotes(m_held.m_names[*i]) +
                                        " (no \"hold\" step declares it)");
    sc.heldSlots = m_held.m_names;
}

void Loader::parseVariant(const QJsonValue &v, const std::string &where, Variant &variant)
{
    const QJsonObject o = toObject(v, where);
    checkKeys(o, where,
              {Variant::kNames[0], Variant::kNames[1], Variant::kNames[2], Variant::kNames[3]});
    for (const char *name : Variant::kNames) {
        const QJsonValue value = optional(o, name);
        if (value.isUndefined())
            continue;
        const std::string w = key(where, name);
        const std::string err = variant.set(name, toStr(value, w));
        if (!err.empty())
            fail(w, printable(err, 1000));
    }
}

void Loader::parseCosts(const QJsonValue &v, const std::string &where, Costs &costs)
{
    const QJsonObject o = toObject(v, where);
    checkKeys(o, where,
              {"syscall", "lock", "marshal", "smc", "dispatch", "wakeup", "kill", "close",
               "user_step", "release"});
    const std::pair<std::string_view, int64_t *> fields[] = {
        {"syscall", &costs.syscall}, {"lock", &costs.lock},         {"marshal", &costs.marshal},
        {"smc", &costs.smc},         {"dispatch", &costs.dispatch}, {"wakeup", &costs.wakeup},
        {"kill", &costs.kill},       {"close", &costs.close},       {"user_step", &costs.userStep},
        {"release", &costs.release},
    };
    for (const auto &[name, field] : fields) {
        if (const QJsonValue c = optional(o, name); !c.isUndefined())
            *field = toInt(c, key(where, name), 0, kMaxNs);
    }
}

void Loader::parseServices(const QJsonValue &v, const std::string &where, Scenario &sc)
{
    const QJsonArray a = toArray(v, where, kMaxServices);
    // First pass: the uids, so that "service:UID" may name a later service.
    for (qsizetype i = 0; i < a.size(); ++i) {
        const std::string w = at(where, i);
        const QJsonObject o = toObject(a.at(i), w);
        checkKeys(
            o, w,
            {"uid", "name", "ops", "on_release", "release_smc_failures", "invoke_smc_failures"});
        Service s;
        s.uid = uint32_t(toInt(required(o, w, "uid"), key(w, "uid"), 0, kU32Max));
        if (std::find(m_serviceUids.begin(), m_serviceUids.end(), s.uid) != m_serviceUids.end())
            fail(key(w, "uid"), "duplicate service uid " + std::to_string(s.uid));
        m_serviceUids.push_back(s.uid);
        if (const QJsonValue n = optional(o, "name"); !n.isUndefined())
            s.name = toIdentifier(n, key(w, "name"));
        else
            s.name = "service-" + std::to_string(s.uid);
        sc.services.push_back(std::move(s));
    }
    for (qsizetype i = 0; i < a.size(); ++i) {
        const std::string w = at(where, i);
        const QJsonObject o = a.at(i).toObject();
        Service &s = sc.services[size_t(i)];
        if (const QJsonValue ops = optional(o, "ops"); !ops.isUndefined()) {
            const std::string wo = key(w, "ops");
            const QJsonObject opsObj = toObject(ops, wo);
            if (opsObj.size() > kMaxServiceOps)
                fail(wo, "more than " + std::to_string(kMaxServiceOps) + " ops");
            std::map<uint32_t, std::string> keyOfOp; // "1" and "01" are one op
            for (auto it = opsObj.begin(); it != opsObj.end(); ++it) {
                const std::string name = it.key().toStdString();
                const std::string wk = key(wo, name);
                if (name == "comment") {
                    if (!it.value().isString())
                        wrongType(wk, it.value(), "a string");
                    continue;
                }
                if (name == "default") {
                    s.defaultOp = parseQteeSteps(it.value(), wk);
                    continue;
                }
                // Decimal only: "010" must not quietly mean 8.
                bool digits = !name.empty() && name.size() <= 10 &&
                              std::all_of(name.begin(), name.end(),
                                          [](char c) { return c >= '0' && c <= '9'; });
                const unsigned long long op = digits ? std::stoull(name) : 0;
                if (!digits || op > uint64_t(kU32Max))
                    fail(wk, "op key " + inQuotes(name) +
                                 " is neither \"default\" nor a decimal op number (0..4294967295)");
                if (const auto [prev, fresh] = keyOfOp.emplace(uint32_t(op), name); !fresh)
                    fail(wk, "op key " + inQuotes(name) + " is op " + std::to_string(op) +
                                 ", already given as " + inQuotes(prev->second) +
                                 " (one list of steps per op)");
                s.ops[uint32_t(op)] = parseQteeSteps(it.value(), wk);
            }
        }
        if (const QJsonValue r = optional(o, "on_release"); !r.isUndefined())
            s.onRelease = parseQteeSteps(r, key(w, "on_release"));
        if (const QJsonValue r = optional(o, "release_smc_failures"); !r.isUndefined())
            s.releaseSmcFailures = int32_t(toInt(r, key(w, "release_smc_failures"), 0, 1000));
        if (const QJsonValue r = optional(o, "invoke_smc_failures"); !r.isUndefined())
            s.invokeSmcFailures = int32_t(toInt(r, key(w, "invoke_smc_failures"), 0, 1000));
    }
}

std::vector<QteeStep> Loader::parseQteeSteps(const QJsonValue &v, const std::string &where)
{
    const QJsonArray a = toArray(v, where, kMaxQteeSteps);
    std::vector<QteeStep> steps;
    steps.reserve(size_t(a.size()));
    for (qsizetype i = 0; i < a.size(); ++i) {
        const std::string w = at(where, i);
        steps.push_back(parseQteeStep(a.at(i), w));
        if (steps.back().kind == QteeStep::Kind::Return && i + 1 < a.size())
            fail(at(where, i + 1), "step after \"return\" is never reached");
    }
    return steps;
}

QteeStep Loader::parseQteeStep(const QJsonValue &v, const std::string &where)
{
    const QJsonObject o = toObject(v, where);
    const std::string kind = toStr(required(o, where, "do"), key(where, "do"));
    QteeStep step;
    step.path = where;
    if (kind == "callback") {
        checkKeys(o, where, {"do", "target", "op", "ib", "ob", "io", "oo"});
        step.kind = QteeStep::Kind::Callback;
        step.target = parseQteeTarget(required(o, where, "target"), key(where, "target"));
        step.op = uint32_t(toInt(required(o, where, "op"), key(where, "op"), 0, kU32Max));
        if (const QJsonValue x = optional(o, "ib"); !x.isUndefined())
            step.ib = toSizes(x, key(where, "ib"));
        if (const QJsonValue x = optional(o, "ob"); !x.isUndefined())
            step.ob = toSizes(x, key(where, "ob"));
        if (const QJsonValue x = optional(o, "io"); !x.isUndefined())
            step.io = parseQteeRefs(x, key(where, "io"), true);
        if (const QJsonValue x = optional(o, "oo"); !x.isUndefined())
            step.oo = uint32_t(toInt(x, key(where, "oo"), 0, kMaxArgList));
        // What QTEE can send: at most 16 arguments of a type (spec §8 I18;
        // the kernel's oic->u has room for 64 in all). User programs may ask
        // for more: their ioctl refuses it (-EINVAL), which is the point.
        for (const auto &[name, n] : {std::pair{"ib", step.ib.size()},
                                      {"ob", step.ob.size()},
                                      {"io", step.io.size()},
                                      {"oo", size_t(step.oo)}})
            if (n > kMaxPerType)
                fail(key(where, name), std::to_string(n) + " arguments, more than the " +
                                           std::to_string(kMaxPerType) +
                                           " of a type QTEE can send (spec §8 I18)");
    } else if (kind == "release" || kind == "retain") {
        checkKeys(o, where, {"do", "target"});
        step.kind = kind == "release" ? QteeStep::Kind::Release : QteeStep::Kind::Retain;
        step.op = kind == "release" ? QCOMTEE_MSG_OBJECT_OP_RELEASE : QCOMTEE_MSG_OBJECT_OP_RETAIN;
        step.target = parseQteeTarget(required(o, where, "target"), key(where, "target"));
    } else if (kind == "map") {
        // primordial MAP_REGION of a received memory object (spec §3.2)
        checkKeys(o, where, {"do", "target"});
        step.kind = QteeStep::Kind::Map;
        // a callback object (the memory object's id), as for a callback
        step.target = parseQteeTarget(required(o, where, "target"), key(where, "target"));
    } else if (kind == "async_release") {
        checkKeys(o, where, {"do", "targets"});
        step.kind = QteeStep::Kind::AsyncRelease;
        const std::string w = key(where, "targets");
        step.refs = parseQteeRefs(required(o, where, "targets"), w, false);
        if (step.refs.empty())
            fail(w, "at least one target is needed");
        // an async release gives back callback ids QTEE holds (spec §2.9):
        // a QTEE object of its own is not one (it did nothing, silently)
        const QJsonArray targets = required(o, where, "targets").toArray();
        for (qsizetype i = 0; i < targets.size() && i < qsizetype(step.refs.size()); ++i)
            if (step.refs[size_t(i)].kind == QteeRef::Kind::Service ||
                step.refs[size_t(i)].kind == QteeRef::Kind::Self)
                fail(w + "[" + std::to_string(i) + "]",
                     inQuotes(targets[i].toString().toStdString()) +
                         " is a QTEE object, not a callback id: an async release gives back "
                         "callback ids QTEE received (\"io:N\", \"held:NAME\"; \"id:0xHEX\" for "
                         "a raw id)");
    } else if (kind == "hold") {
        checkKeys(o, where, {"do", "target", "as"});
        step.kind = QteeStep::Kind::Hold;
        const std::string w = key(where, "target");
        step.target = parseQteeRef(required(o, where, "target"), w, false);
        if (step.target.kind != QteeRef::Kind::Received)
            fail(w, "only a received callback (\"io:N\") can be held");
        const std::string wa = key(where, "as");
        step.holdSlot = m_held.use(toIdentifier(required(o, where, "as"), wa), wa, true);
    } else if (kind == "return") {
        checkKeys(o, where, {"do", "result", "outputs", "ob"});
        step.kind = QteeStep::Kind::Return;
        if (const QJsonValue x = optional(o, "ob"); !x.isUndefined())
            step.ob = toSizes(x, key(where, "ob"));
        if (const QJsonValue x = optional(o, "result"); !x.isUndefined())
            step.result = int32_t(toInt(x, key(where, "result"), kI32Min, kI32Max));
        if (const QJsonValue x = optional(o, "outputs"); !x.isUndefined())
            step.outputs = parseQteeRefs(x, key(where, "outputs"), true);
    } else {
        fail(key(where, "do"),
             "unknown QTEE step " + inQuotes(kind) +
                 " (expected callback, release, retain, map, async_release, hold or return)");
    }
    return step;
}

// The target of a callback, RELEASE or RETAIN: a callback object QTEE
// received or holds. A QTEE object ("service:UID", "self") is never one
// (spec §8, contract for QTEE); "id:0x..." is taken as given.
QteeRef Loader::parseQteeTarget(const QJsonValue &v, const std::string &where)
{
    const QteeRef ref = parseQteeRef(v, where, false);
    if (ref.kind == QteeRef::Kind::Service || ref.kind == QteeRef::Kind::Self)
        fail(where, inQuotes(v.toString().toStdString()) +
                        " is a QTEE object, not a callback: QTEE calls back only objects it "
                        "received (\"io:N\", \"held:NAME\"; \"id:0xHEX\" for a raw id)");
    return ref;
}

QteeRef Loader::parseQteeRef(const QJsonValue &v, const std::string &where, bool allowNull)
{
    QteeRef ref;
    if (v.isNull()) {
        if (!allowNull)
            fail(where, "null is not allowed here");
        return ref;
    }
    const std::string s = toStr(v, where);
    auto number = [&](const std::string &digits, int64_t max) -> int64_t {
        const bool ok =
            !digits.empty() && digits.size() <= 10 &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
        const unsigned long long n = ok ? std::stoull(digits) : 0;
        if (!ok || int64_t(n) > max)
            fail(where,
                 "bad number in " + inQuotes(s) + " (expected 0.." + std::to_string(max) + ")");
        return int64_t(n);
    };
    uint64_t raw = 0;
    if (rawId(s, where, kU32Max, raw)) {
        ref.kind = QteeRef::Kind::Raw;
        ref.raw = uint32_t(raw);
    } else if (s == "self") {
        ref.kind = QteeRef::Kind::Self;
    } else if (s.rfind("io:", 0) == 0) {
        ref.kind = QteeRef::Kind::Received;
        ref.index = int32_t(number(s.substr(3), kMaxArgList - 1));
    } else if (s.rfind("held:", 0) == 0) {
        ref.kind = QteeRef::Kind::Held;
        ref.index = m_held.use(toIdentifier(QJsonValue(QString::fromStdString(s.substr(5))), where),
                               where, false);
    } else if (s.rfind("service:", 0) == 0) {
        const auto uid = uint32_t(number(s.substr(8), kU32Max));
        const auto it = std::find(m_serviceUids.begin(), m_serviceUids.end(), uid);
        if (it == m_serviceUids.end())
            fail(where, "reference to undeclared service " + std::to_string(uid));
        ref.kind = QteeRef::Kind::Service;
        ref.index = int32_t(it - m_serviceUids.begin());
    } else {
        fail(where, "unknown object reference " + inQuotes(s) +
                        " (expected \"io:N\", \"held:NAME\", \"service:UID\", \"self\", "
                        "\"id:0xHEX\" or null)");
    }
    return ref;
}

std::vector<QteeRef> Loader::parseQteeRefs(const QJsonValue &v, const std::string &where,
                                           bool allowNull)
{
    const QJsonArray a = toArray(v, where, kMaxArgList);
    std::vector<QteeRef> refs;
    for (qsizetype i = 0; i < a.size(); ++i)
        refs.push_back(parseQteeRef(a.at(i), at(where, i), allowNull));
    return refs;
}

void Loader::parseProcesses(const QJsonValue &v, const std::string &where, Scenario &sc)
{
    const QJsonArray a = toArray(v, where, kMaxProcesses);
    if (a.isEmpty())
        fail(where, "at least one process is needed");
    // First pass: the names, so that a "kill" may name a later process.
    for (qsizetype i = 0; i < a.size(); ++i) {
        const std::string w = at(where, i);
        const QJsonObject o = toObject(a.at(i), w);
        checkKeys(o, w, {"name", "threads"});
        std::string name = "P" + std::to_string(i + 1);
        if (const QJsonValue n = optional(o, "name"); !n.isUndefined())
            name = toIdentifier(n, key(w, "name"));
        if (std::find(m_processNames.begin(), m_processNames.end(), name) != m_processNames.end())
            fail(key(w, "name"), "duplicate process name " + inQuotes(name));
        m_processNames.push_back(name);
    }
    for (qsizetype i = 0; i < a.size(); ++i) {
        const std::string w = at(where, i);
        const QJsonObject o = a.at(i).toObject();
        ProcessDecl p;
        p.name = m_processNames[size_t(i)];
        NameTable vars(kMaxVariables, "variable");
        const std::string wt = key(w, "threads");
        const QJsonArray threads = toArray(required(o, w, "threads"), wt, kMaxThreads);
        if (threads.isEmpty())
            fail(wt, "at least one thread is needed");
        for (qsizetype j = 0; j < threads.size(); ++j) {
            const std::string wj = at(wt, j);
            const QJsonObject to = toObject(threads.at(j), wj);
            checkKeys(to, wj, {"name", "program"});
            ThreadDecl t;
            t.name = "T" + std::to_string(j + 1);
            if (const QJsonValue n = optional(to, "name"); !n.isUndefined())
                t.name = toIdentifier(n, key(wj, "name"));
            for (const ThreadDecl &other : p.threads) {
                if (other.name == t.name)
                    fail(key(wj, "name"), "duplicate thread name " + inQuotes(t.name) +
                                              " in process " + inQuotes(p.name));
            }
            parseProgram(required(to, wj, "program"), key(wj, "program"), t, vars);
            p.threads.push_back(std::move(t));
        }
        if (const auto u = vars.undefined())
            fail(vars.m_firstUse[*u], "reference to undeclared variable " +
                                          inQuotes(vars.m_names[*u]) + " (no step of process " +
                                          inQuotes(p.name) + " sets it with \"as\" or \"oo\")");
        sc.variables.push_back(vars.m_names);
        sc.processes.push_back(std::move(p));
    }
}

void Loader::parseProgram(const QJsonValue &v, const std::string &where, ThreadDecl &thread,
                          NameTable &vars)
{
    const QJsonArray a = toArray(v, where, kMaxProgram);
    thread.program.reserve(size_t(a.size()));
    for (qsizetype i = 0; i < a.size(); ++i)
        thread.program.push_back(parseOp(a.at(i), at(where, i), vars));

    // Jump targets are only known once the whole program is read. A loop
    // made of jumps alone would spin in user space without ever reaching the
    // engine, so it is refused (every cycle must contain a real step).
    const auto n = int32_t(thread.program.size());
    for (int32_t i = 0; i < n; ++i) {
        const Op &op = thread.program[size_t(i)];
        if (op.kind == Op::Kind::Jump && op.jumpTo >= n)
            fail(key(op.path, "to"), "jump target " + std::to_string(op.jumpTo) +
                                         " is past the end of the program (" + std::to_string(n) +
                                         " steps)");
    }
    // Each jump has at most two successors (its target, and the next step
    // once its count runs out), a wait one (the next step, once its
    // variables are set); look for a cycle through jumps and waits only.
    const auto noStep = [&](int32_t i) {
        const Op::Kind k = thread.program[size_t(i)].kind;
        return k == Op::Kind::Jump || k == Op::Kind::Wait;
    };
    std::vector<uint8_t> color(size_t(n), 0); // 0 new, 1 on the stack, 2 done
    for (int32_t start = 0; start < n; ++start) {
        if (!noStep(start) || color[size_t(start)])
            continue;
        std::vector<std::pair<int32_t, int>> stack{{start, 0}};
        color[size_t(start)] = 1;
        while (!stack.empty()) {
            auto &[node, edge] = stack.back();
            const Op &op = thread.program[size_t(node)];
            int32_t next = -1;
            if (op.kind == Op::Kind::Wait)
                next = edge == 0 ? node + 1 : -1;
            else if (edge == 0)
                next = op.jumpTo;
            else if (edge == 1 && op.times >= 0)
                next = node + 1;
            if (edge >= 2) {
                color[size_t(node)] = 2;
                stack.pop_back();
                continue;
            }
            ++edge;
            if (next < 0 || next >= n || !noStep(next))
                continue;
            if (color[size_t(next)] == 1) {
                const bool waits = std::any_of(stack.begin(), stack.end(), [&](const auto &e) {
                    return thread.program[size_t(e.first)].kind == Op::Kind::Wait;
                });
                fail(op.kind == Op::Kind::Jump ? key(op.path, "to") : op.path,
                     waits ? "this loop has only jumps and waits (the thread would spin "
                             "without taking a step once the variables are set)"
                           : "this jump loops over jumps only (the thread would spin without "
                             "taking a step)");
            }
            if (color[size_t(next)] == 0) {
                color[size_t(next)] = 1;
                stack.emplace_back(next, 0);
            }
        }
    }
}

int32_t Loader::readVar(const QJsonValue &v, const std::string &where, NameTable &vars)
{
    const std::string name = toIdentifier(v, where);
    if (name == "root")
        fail(where, "\"root\" is not a variable here");
    return vars.use(name, where, false);
}

int32_t Loader::writeVar(const QJsonValue &v, const std::string &where, NameTable &vars)
{
    const std::string name = toIdentifier(v, where);
    if (name == "root")
        fail(where, "\"root\" is reserved for the root object and cannot be assigned");
    return vars.use(name, where, true);
}

int32_t Loader::processIndex(const QJsonValue &v, const std::string &where) const
{
    const std::string name = toStr(v, where);
    const auto it = std::find(m_processNames.begin(), m_processNames.end(), name);
    if (it == m_processNames.end())
        fail(where, "unknown process " + inQuotes(name));
    return int32_t(it - m_processNames.begin());
}

UserObjRef Loader::parseUserObjRef(const QJsonValue &v, const std::string &where, NameTable &vars)
{
    UserObjRef ref;
    if (v.isNull())
        return ref;
    if (!v.isObject())
        wrongType(where, v, "{\"user\": ID}, {\"object\": VARIABLE}, {\"mem\": VARIABLE} or null");
    const QJsonObject o = v.toObject();
    checkKeys(o, where, {"user", "object", "mem", "flags"});
    if (const QJsonValue flags = optional(o, "flags"); !flags.isUndefined())
        ref.flags = toInt(flags, key(where, "flags"), 0, kU32Max);
    const QJsonValue user = optional(o, "user");
    const QJsonValue object = optional(o, "object");
    const QJsonValue mem = optional(o, "mem");
    if (int(!user.isUndefined()) + int(!object.isUndefined()) + int(!mem.isUndefined()) != 1)
        fail(where, "give exactly one of \"user\", \"object\" and \"mem\"");
    if (!user.isUndefined()) {
        ref.kind = UserObjRef::Kind::User;
        // any u64 but TEE_OBJREF_NULL (spec §2.4); past 2^63-1 as "id:N"
        // or "id:0xHEX" (JSON numbers that large are not exact)
        if (!(user.isString() && rawId(user.toString().toStdString(), key(where, "user"),
                                       TEE_OBJREF_NULL - 1, ref.userId)))
            ref.userId = uint64_t(toInt(user, key(where, "user"), 0, kI64Max));
    } else if (!object.isUndefined()) {
        ref.kind = UserObjRef::Kind::Tee;
        if (!(object.isString() && rawId(object.toString().toStdString(), key(where, "object"),
                                         std::numeric_limits<uint64_t>::max(), ref.userId)))
            ref.reg = readVar(object, key(where, "object"), vars);
    } else {
        ref.kind = UserObjRef::Kind::Mem; // a memory object built from a tee_shm
        ref.reg = readVar(mem, key(where, "mem"), vars);
    }
    return ref;
}

Op Loader::parseOp(const QJsonValue &v, const std::string &where, NameTable &vars)
{
    const QJsonObject o = toObject(v, where);
    const std::string kind = toStr(required(o, where, "do"), key(where, "do"));
    Op op;
    op.path = where;
    auto req = [&](std::string_view name) { return required(o, where, name); };
    auto opt = [&](std::string_view name) { return optional(o, name); };
    auto w = [&](std::string_view name) { return key(where, name); };

    if (kind == "open") {
        checkKeys(o, where, {"do", "as"});
        op.kind = Op::Kind::Open;
        op.outReg = writeVar(req("as"), w("as"), vars);
    } else if (kind == "close") {
        checkKeys(o, where, {"do", "fd"});
        op.kind = Op::Kind::Close;
        op.fdReg = readVar(req("fd"), w("fd"), vars);
    } else if (kind == "open_service") {
        checkKeys(o, where, {"do", "fd", "uid", "as"});
        op.kind = Op::Kind::OpenService;
        op.fdReg = readVar(req("fd"), w("fd"), vars);
        op.op = kOpenServiceOp;
        op.uid = uint32_t(toInt(req("uid"), w("uid"), 0, kU32Max));
        op.outReg = writeVar(req("as"), w("as"), vars);
    } else if (kind == "shm_alloc") {
        checkKeys(o, where, {"do", "fd", "size", "as"});
        op.kind = Op::Kind::ShmAlloc;
        op.fdReg = readVar(req("fd"), w("fd"), vars);
        op.size = uint32_t(toInt(req("size"), w("size"), 1, kMaxBufferSize));
        op.outReg = writeVar(req("as"), w("as"), vars);
    } else if (kind == "invoke") {
        checkKeys(o, where, {"do", "fd", "object", "op", "ib", "ib_value", "ob", "io", "oo"});
        op.kind = Op::Kind::Invoke;
        op.fdReg = readVar(req("fd"), w("fd"), vars);
        const QJsonValue target = req("object");
        if (target.isString() && target.toString() == QLatin1String("root"))
            op.targetReg = -1;
        else if (target.isString() && rawId(target.toString().toStdString(), w("object"),
                                            std::numeric_limits<uint64_t>::max(), op.rawTarget))
            op.hasRawTarget = true;
        else
            op.targetReg = readVar(target, w("object"), vars);
        op.op = uint32_t(toInt(req("op"), w("op"), 0, kU32Max));
        if (const QJsonValue x = opt("ib"); !x.isUndefined())
            op.ib = toSizes(x, w("ib"));
        if (const QJsonValue x = opt("ib_value"); !x.isUndefined())
            op.ibValue = uint64_t(toInt(x, w("ib_value"), 0, kI64Max));
        if (const QJsonValue x = opt("ob"); !x.isUndefined())
            op.ob = toSizes(x, w("ob"));
        if (const QJsonValue x = opt("io"); !x.isUndefined()) {
            const QJsonArray a = toArray(x, w("io"), kMaxArgList);
            for (qsizetype i = 0; i < a.size(); ++i)
                op.io.push_back(parseUserObjRef(a.at(i), at(w("io"), i), vars));
        }
        if (const QJsonValue x = opt("oo"); !x.isUndefined()) {
            const QJsonArray a = toArray(x, w("oo"), kMaxArgList);
            for (qsizetype i = 0; i < a.size(); ++i) {
                const QJsonValue e = a.at(i);
                op.outRegs.push_back(e.isNull() ? -1 : writeVar(e, at(w("oo"), i), vars));
            }
        }
    } else if (kind == "release") {
        checkKeys(o, where, {"do", "fd", "object"});
        op.kind = Op::Kind::Release;
        op.op = QCOMTEE_MSG_OBJECT_OP_RELEASE;
        op.fdReg = readVar(req("fd"), w("fd"), vars);
        if (const QJsonValue target = req("object");
            target.isString() && rawId(target.toString().toStdString(), w("object"),
                                       std::numeric_limits<uint64_t>::max(), op.rawTarget))
            op.hasRawTarget = true;
        else
            op.targetReg = readVar(target, w("object"), vars);
    } else if (kind == "serve") {
        checkKeys(o, where,
                  {"do", "fd", "count", "buffer", "num_params", "on_einval", "max_retries",
                   "answer_release", "replies"});
        op.kind = Op::Kind::Serve;
        op.fdReg = readVar(req("fd"), w("fd"), vars);
        op.serve = parseServe(o, where, vars);
    } else if (kind == "recv") {
        // serve's two halves, so a thread can exit, compute or be killed
        // while it holds a request (spec §7 case 7)
        checkKeys(o, where, {"do", "fd", "buffer", "num_params", "on_einval", "max_retries"});
        op.kind = Op::Kind::Recv;
        op.fdReg = readVar(req("fd"), w("fd"), vars);
        op.serve = parseServe(o, where, vars);
    } else if (kind == "send") {
        checkKeys(o, where, {"do", "fd", "errno", "oo", "ob", "send_params"});
        op.kind = Op::Kind::Send;
        op.fdReg = readVar(req("fd"), w("fd"), vars);
        QJsonObject reply = o;
        reply.remove(QLatin1String("do"));
        reply.remove(QLatin1String("fd"));
        op.reply = parseReply(reply, where, vars);
    } else if (kind == "kill") {
        checkKeys(o, where, {"do", "process"});
        op.kind = Op::Kind::Kill;
        op.process = processIndex(req("process"), w("process"));
    } else if (kind == "compute") {
        checkKeys(o, where, {"do", "ns"});
        op.kind = Op::Kind::Compute;
        op.ns = toInt(req("ns"), w("ns"), 0, kMaxNs);
    } else if (kind == "exit") {
        checkKeys(o, where, {"do"});
        op.kind = Op::Kind::Exit;
    } else if (kind == "remove_device") {
        checkKeys(o, where, {"do"});
        op.kind = Op::Kind::RemoveDevice;
    } else if (kind == "wait") {
        // Threads of a process hand each other fds and objects through
        // variables; a thread that needs one another thread sets waits for
        // it in user space (a condition variable, a join), as real programs
        // do, instead of passing an fd or id it does not have yet.
        checkKeys(o, where, {"do", "for"});
        op.kind = Op::Kind::Wait;
        const QJsonValue f = req("for");
        if (f.isArray()) {
            const QJsonArray a = toArray(f, w("for"), kMaxArgList);
            if (a.isEmpty())
                fail(w("for"), "name at least one variable");
            for (qsizetype i = 0; i < a.size(); ++i)
                op.waitRegs.push_back(readVar(a.at(i), at(w("for"), i), vars));
        } else {
            op.waitRegs.push_back(readVar(f, w("for"), vars));
        }
    } else if (kind == "jump") {
        checkKeys(o, where, {"do", "to", "times"});
        op.kind = Op::Kind::Jump;
        op.jumpTo =
            int32_t(toInt(req("to"), w("to"), 0, kMaxProgram - 1)); // upper bound checked later
        if (const QJsonValue x = opt("times"); !x.isUndefined())
            op.times = toCount(x, w("times"));
    } else {
        fail(w("do"),
             "unknown step " + inQuotes(kind) +
                 " (expected open, close, open_service, shm_alloc, invoke, release, serve, recv, "
                 "send, kill, compute, exit, jump, wait or remove_device)");
    }
    return op;
}

ServeSpec Loader::parseServe(const QJsonObject &o, const std::string &where, NameTable &vars)
{
    ServeSpec s;
    auto w = [&](std::string_view name) { return key(where, name); };
    if (const QJsonValue x = optional(o, "count"); !x.isUndefined())
        s.count = toCount(x, w("count"));
    if (const QJsonValue x = optional(o, "buffer"); !x.isUndefined())
        s.bufSize = uint32_t(toInt(x, w("buffer"), 0, kMaxBufferSize));
    if (const QJsonValue x = optional(o, "num_params"); !x.isUndefined())
        s.numParams = int32_t(toInt(x, w("num_params"), 0, kMaxArgList));
    if (const QJsonValue x = optional(o, "on_einval"); !x.isUndefined()) {
        const std::string mode = toStr(x, w("on_einval"));
        if (mode == "grow")
            s.onEinval = ServeSpec::OnEinval::Grow;
        else if (mode == "retry")
            s.onEinval = ServeSpec::OnEinval::Retry;
        else if (mode == "stop")
            s.onEinval = ServeSpec::OnEinval::Stop;
        else
            fail(w("on_einval"),
                 "unknown mode " + inQuotes(mode) + " (expected grow, retry or stop)");
    }
    if (const QJsonValue x = optional(o, "max_retries"); !x.isUndefined())
        s.maxRetries = int32_t(toInt(x, w("max_retries"), 0, 10000));
    if (const QJsonValue x = optional(o, "answer_release"); !x.isUndefined())
        s.answerRelease = toBool(x, w("answer_release"));
    if (const QJsonValue x = optional(o, "replies"); !x.isUndefined()) {
        const QJsonArray a = toArray(x, w("replies"), kMaxReplies);
        for (qsizetype i = 0; i < a.size(); ++i)
            s.replies.push_back(parseReply(a.at(i), at(w("replies"), i), vars));
    }
    return s;
}

Reply Loader::parseReply(const QJsonValue &v, const std::string &where, NameTable &vars)
{
    const QJsonObject o = toObject(v, where);
    checkKeys(
        o, where,
        {"match_op", "match_object", "errno", "oo", "ob", "delay_ns", "send_twice", "send_params"});
    Reply r;
    auto w = [&](std::string_view name) { return key(where, name); };
    if (const QJsonValue x = optional(o, "match_op"); !x.isUndefined())
        r.matchOp = toInt(x, w("match_op"), 0, kU32Max);
    if (const QJsonValue x = optional(o, "match_object"); !x.isUndefined())
        r.matchObject = toInt(x, w("match_object"), 0, kI64Max);
    if (const QJsonValue x = optional(o, "errno"); !x.isUndefined())
        r.errno_ = toErrno(x, w("errno"));
    if (const QJsonValue x = optional(o, "oo"); !x.isUndefined()) {
        const QJsonArray a = toArray(x, w("oo"), kMaxArgList);
        for (qsizetype i = 0; i < a.size(); ++i)
            r.oo.push_back(parseUserObjRef(a.at(i), at(w("oo"), i), vars));
    }
    if (const QJsonValue x = optional(o, "ob"); !x.isUndefined())
        r.ob = toSizes(x, w("ob"));
    if (const QJsonValue x = optional(o, "delay_ns"); !x.isUndefined())
        r.delayNs = toInt(x, w("delay_ns"), 0, kMaxNs);
    if (const QJsonValue x = optional(o, "send_twice"); !x.isUndefined())
        r.sendTwice = toBool(x, w("send_twice"));
    if (const QJsonValue x = optional(o, "send_params"); !x.isUndefined())
        r.sendParams = int32_t(toInt(x, w("send_params"), 0, kMaxArgList));
    return r;
}

void Loader::parseFaults(const QJsonValue &v, const std::string &where, Scenario &sc)
{
    const QJsonArray a = toArray(v, where, kMaxFaults);
    for (qsizetype i = 0; i < a.size(); ++i) {
        const std::string w = at(where, i);
        const QJsonObject o = toObject(a.at(i), w);
        checkKeys(o, w, {"kill", "when", "at_step", "when_request"});
        Fault f;
        f.process = processIndex(required(o, w, "kill"), key(w, "kill"));
        const QJsonValue when = optional(o, "when");
        const QJsonValue step = optional(o, "at_step");
        const QJsonValue state = optional(o, "when_request");
        const int given =
            int(!when.isUndefined()) + int(!step.isUndefined()) + int(!state.isUndefined());
        if (given != 1)
            fail(w, "give exactly one of \"when\": \"any\", \"at_step\" and \"when_request\"");
        if (!when.isUndefined()) {
            const std::string s = toStr(when, key(w, "when"));
            if (s != "any")
                fail(key(w, "when"), "unknown value " + inQuotes(s) +
                                         " (expected \"any\"; use \"at_step\" or \"when_request\" "
                                         "for the other kinds)");
            f.when = Fault::When::Any;
        } else if (!step.isUndefined()) {
            f.when = Fault::When::AtStep;
            f.step = uint64_t(toInt(step, key(w, "at_step"), 1, kMaxMaxSteps)); // steps from 1
        } else {
            f.when = Fault::When::OnState;
            const std::string s = QString::fromStdString(toStr(state, key(w, "when_request")))
                                      .toUpper()
                                      .toStdString();
            if (s == "QUEUED")
                f.state = ReqState::QUEUED;
            else if (s == "PROCESSING")
                f.state = ReqState::PROCESSING;
            else if (s == "PROCESSED")
                f.state = ReqState::PROCESSED;
            else
                fail(key(w, "when_request"), "unknown request state " + inQuotes(s) +
                                                 " (expected QUEUED, PROCESSING or PROCESSED)");
        }
        sc.faults.push_back(f);
    }
}

std::shared_ptr<Scenario> setError(std::string *error, std::string message)
{
    if (error)
        *error = std::move(message);
    return nullptr;
}

// Reads at most kMaxInputBytes: the compiled-in built-ins through Qt's
// resource system, everything else through the one bounded reader (regular
// files only, size checked before reading).
bool readBounded(const QString &path, const std::string &sourceName, std::string &out,
                 std::string *error)
{
    if (!path.startsWith(QLatin1String(":/")))
        return readRegularFile(path.toStdString(), kMaxInputBytes, "scenario", out, error);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        setError(error, sourceName + ": cannot read: " + file.errorString().toStdString());
        return false;
    }
    const QByteArray data = file.read(kMaxInputBytes + 1);
    if (data.size() > kMaxInputBytes) {
        setError(error, sourceName + ": file is larger than the 16 MiB limit");
        return false;
    }
    out.assign(data.constData(), size_t(data.size()));
    return true;
}

void initResources()
{
    static std::once_flag once;
    std::call_once(once, [] { initTeescopeScenarioResources(); });
}

QString builtinPath(const std::string &name)
{
    return QStringLiteral(":/scenarios/") + QString::fromStdString(name) + QStringLiteral(".json");
}

bool isBuiltinName(const std::string &name)
{
    return !name.empty() && name.find('/') == std::string::npos &&
           !(name.size() >= 5 && name.compare(name.size() - 5, 5, ".json") == 0);
}

} // namespace

std::shared_ptr<Scenario> loadScenarioJson(const std::string &json, const std::string &sourceName,
                                           std::string *error)
{
    if (qint64(json.size()) > kMaxInputBytes)
        return setError(error, sourceName + ": input is " + std::to_string(json.size()) +
                                   " bytes, larger than the 16 MiB limit");
    if (std::all_of(json.begin(), json.end(),
                    [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }))
        return setError(error, sourceName + ": empty file (expected a JSON object)");

    // QJsonDocument bounds the nesting depth itself (DeepNesting), and the
    // loader below never recurses on the document's shape.
    QJsonParseError parseError;
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray(json.data(), qsizetype(json.size())), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (const std::string what = topLevelScalar(json); !what.empty())
            return setError(error, sourceName + ": (root): expected a JSON object, got " + what);
        const JsonSyntaxError e =
            describeJsonError(json, parseError.error, size_t(std::max(0, parseError.offset)));
        return setError(error, sourceName + ": " + lineColumn(json, e.offset) + ": " + e.message);
    }
    if (!doc.isObject())
        return setError(error, sourceName + ": (root): expected a JSON object, got " +
                                   (doc.isArray() ? "an array" : "something else"));
    if (const auto bad = findNonRfcJson(json))
        return setError(error,
                        sourceName + ": " + lineColumn(json, bad->offset) + ": " + bad->message);
    if (const auto dup = findDuplicateKey(json))
        return setError(error, sourceName + ": " + lineColumn(json, dup->second) +
                                   ": duplicate key " + quotedText(dup->key) + " (first given at " +
                                   lineColumn(json, dup->first) +
                                   "; JSON readers would keep only one of them)");

    auto sc = std::make_shared<Scenario>();
    try {
        Loader(sourceName).load(doc.object(), *sc);
    } catch (const LoadError &e) {
        return setError(error,
                        sourceName + ": " + (e.where.empty() ? "(root)" : e.where) + ": " + e.what);
    }
    sc->sourceJson = json;
    return sc;
}

std::shared_ptr<Scenario> loadScenarioFile(const std::string &path, std::string *error)
{
    std::string text;
    if (!readBounded(QString::fromStdString(path), path, text, error))
        return nullptr;
    return loadScenarioJson(text, printable(path, 160), error);
}

std::vector<BuiltinInfo> builtinScenarios()
{
    initResources();
    std::vector<BuiltinInfo> list;
    const QDir dir(QStringLiteral(":/scenarios"));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString &file : files) {
        BuiltinInfo info;
        info.name = file.chopped(5).toStdString();
        // Only the texts for the list; loadBuiltin() validates the rest.
        std::string text;
        if (readBounded(dir.filePath(file), info.name, text, nullptr)) {
            const QJsonObject o =
                QJsonDocument::fromJson(QByteArray(text.data(), qsizetype(text.size()))).object();
            info.title = o.value(QLatin1String("title")).toString().toStdString();
            info.description = o.value(QLatin1String("description")).toString().toStdString();
        }
        list.push_back(std::move(info));
    }
    std::sort(list.begin(), list.end(),
              [](const BuiltinInfo &a, const BuiltinInfo &b) { return a.name < b.name; });
    return list;
}

std::shared_ptr<Scenario> loadBuiltin(const std::string &name, std::string *error)
{
    initResources();
    const std::string source = "builtin:" + name;
    if (!isBuiltinName(name) || !QFileInfo::exists(builtinPath(name))) {
        // (named as given, with a suggestion, as loadScenario names it:
        // "list kill-while-queud" said "builtin:kill-while-queud" and listed
        // all 25)
        std::vector<std::string> names;
        for (const BuiltinInfo &b : builtinScenarios())
            names.push_back(b.name);
        return setError(error, printable(name, 160) + ": no built-in scenario of that name" +
                                   didYouMean(name, names) + " (see 'teescope-cli list')");
    }
    std::string text;
    if (!readBounded(builtinPath(name), source, text, error))
        return nullptr;
    return loadScenarioJson(text, source, error);
}

std::shared_ptr<Scenario> loadScenario(const std::string &nameOrPath, std::string *error)
{
    initResources();
    if (isBuiltinName(nameOrPath) && QFileInfo::exists(builtinPath(nameOrPath)))
        return loadBuiltin(nameOrPath, error);
    if (isBuiltinName(nameOrPath) && !QFileInfo::exists(QString::fromStdString(nameOrPath))) {
        std::vector<std::string> names;
        for (const BuiltinInfo &b : builtinScenarios())
            names.push_back(b.name);
        return setError(error, printable(nameOrPath, 160) +
                                   ": no built-in scenario and no file of that name" +
                                   didYouMean(nameOrPath, names) + " (see 'teescope-cli list')");
    }
    return loadScenarioFile(nameOrPath, error);
}

} // namespace tee::sim
