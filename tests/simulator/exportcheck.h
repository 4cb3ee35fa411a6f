// Structural checkers for the review exports, shared by the export tests and
// the golden tests over every built-in scenario. Each returns an empty string
// when the output is valid, otherwise one sentence naming the first problem
// (event index or line number), so a QVERIFY2 failure says what broke.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace exportcheck {

struct ChromeStats
{
    int slices = 0;          // X
    int asyncPairs = 0;      // b/e
    int flows = 0;           // s/f pairs
    int counters = 0;        // C
    int instants = 0;        // i
    int violations = 0;      // i with cat "violation"
    QStringList threadNames; // "M" thread_name, in file order
};

namespace detail {

inline QString where(qsizetype i, const QJsonObject &o)
{
    return QStringLiteral("traceEvents[%1] (ph %2, name \"%3\")")
        .arg(i)
        .arg(o.value(QLatin1String("ph")).toString(), o.value(QLatin1String("name")).toString());
}

inline bool isInteger(const QJsonValue &v)
{
    if (!v.isDouble())
        return false;
    const double d = v.toDouble();
    return std::isfinite(d) && std::floor(d) == d;
}

// Microseconds -> integer nanoseconds (the exporter writes exact decimals).
inline long long ns(double us)
{
    return std::llround(us * 1000.0);
}

} // namespace detail

// Trace Event Format as Perfetto and chrome://tracing need it:
// - valid JSON, {"traceEvents": [...]} with known phases only, never the
//   deprecated object events N/O/D;
// - X has a name, numeric ts/dur (dur >= 0), pid and tid;
// - b/n/e: cat, numeric integer id, pid; every e closes an open b of the same
//   (cat, id), every b is closed, n only inside an open b;
// - s/f: numeric integer id, pid, tid; one s and one f per (cat, id), f has
//   "bp":"e", f not before s, and both sit inside an X slice of their thread
//   (so the arrow binds to a slice);
// - C has an args object of numbers; i has scope g, p or t, and a tid;
// - per (pid, tid), X slices are properly nested (never partially overlap).
inline QString checkChromeTrace(const QByteArray &json, ChromeStats *stats = nullptr)
{
    using namespace detail;
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &perr);
    if (perr.error != QJsonParseError::NoError)
        return QStringLiteral("invalid JSON at offset %1: %2")
            .arg(perr.offset)
            .arg(perr.errorString());
    if (!doc.isObject())
        return QStringLiteral("top level is not an object");
    const QJsonObject root = doc.object();
    if (!root.value(QLatin1String("traceEvents")).isArray())
        return QStringLiteral("no traceEvents array");
    const QJsonArray events = root.value(QLatin1String("traceEvents")).toArray();
    ChromeStats st;

    struct XSlice
    {
        long long start, end;
        QString name;
        qsizetype index;
    };
    std::map<std::pair<long long, long long>, std::vector<XSlice>> xs; // (pid, tid)
    QHash<QString, int> openAsync;                                     // "cat/id" -> depth
    QHash<QString, long long> asyncStart;
    struct FlowEnd
    {
        long long pid = 0, tid = 0, ts = 0;
        qsizetype index = -1;
    };
    QHash<QString, FlowEnd> flowStart, flowFinish;
    const QSet<QString> known = {QStringLiteral("M"), QStringLiteral("X"), QStringLiteral("i"),
                                 QStringLiteral("b"), QStringLiteral("e"), QStringLiteral("n"),
                                 QStringLiteral("s"), QStringLiteral("f"), QStringLiteral("C")};

    // The (pid, tid) tracks events are on (slices, flows, instants, and the
    // async and counter events that carry a tid: catapult files async
    // slices under their thread), and the ones with a thread_name: every
    // used one must be named (an unnamed track shows as a bare number).
    QHash<std::pair<long long, long long>, QString> trackUse;
    QSet<std::pair<long long, long long>> namedTracks;
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (!events.at(i).isObject())
            return QStringLiteral("traceEvents[%1] is not an object").arg(i);
        const QJsonObject o = events.at(i).toObject();
        const QString ph = o.value(QLatin1String("ph")).toString();
        const QString at = where(i, o);
        if (ph == QLatin1String("N") || ph == QLatin1String("O") || ph == QLatin1String("D"))
            return at + QStringLiteral(": object events N/O/D are not allowed");
        if (!known.contains(ph))
            return at + QStringLiteral(": unknown or unexpected phase");
        if (!o.value(QLatin1String("name")).isString())
            return at + QStringLiteral(": name missing");
        if (!isInteger(o.value(QLatin1String("pid"))))
            return at + QStringLiteral(": pid missing or not an integer");
        const long long pid = o.value(QLatin1String("pid")).toInteger();
        if (ph == QLatin1String("M")) {
            if (!o.value(QLatin1String("args")).isObject())
                return at + QStringLiteral(": metadata without args");
            if (o.value(QLatin1String("name")).toString() == QLatin1String("thread_name")) {
                if (!isInteger(o.value(QLatin1String("tid"))))
                    return at + QStringLiteral(": thread_name without tid");
                namedTracks.insert({pid, o.value(QLatin1String("tid")).toInteger()});
                if (pid == 1) // (the thread tracks)
                    st.threadNames.append(o.value(QLatin1String("args"))
                                              .toObject()
                                              .value(QLatin1String("name"))
                                              .toString());
            }
            continue;
        }
        const QJsonValue tsv = o.value(QLatin1String("ts"));
        if (!tsv.isDouble() || !std::isfinite(tsv.toDouble()) || tsv.toDouble() < 0)
            return at + QStringLiteral(": ts missing, not a number or negative");
        const long long ts = ns(tsv.toDouble());
        // (every instant too, whatever its scope: the format lists tid
        // among every event's fields; teescope's were without one)
        const bool needsTid = ph == QLatin1String("X") || ph == QLatin1String("s") ||
                              ph == QLatin1String("f") || ph == QLatin1String("i");
        if (needsTid && !isInteger(o.value(QLatin1String("tid"))))
            return at + QStringLiteral(": tid missing or not an integer");
        const long long tid = o.value(QLatin1String("tid")).toInteger();
        if (isInteger(o.value(QLatin1String("tid"))) && !trackUse.contains({pid, tid}))
            trackUse.insert({pid, tid}, at);

        if (ph == QLatin1String("X")) {
            const QJsonValue dur = o.value(QLatin1String("dur"));
            if (!dur.isDouble() || !std::isfinite(dur.toDouble()) || dur.toDouble() < 0)
                return at + QStringLiteral(": X without a non-negative dur");
            xs[{pid, tid}].push_back(
                {ts, ts + ns(dur.toDouble()), o.value(QLatin1String("name")).toString(), i});
            ++st.slices;
        } else if (ph == QLatin1String("b") || ph == QLatin1String("e") ||
                   ph == QLatin1String("n")) {
            if (!o.value(QLatin1String("cat")).isString())
                return at + QStringLiteral(": async event without cat");
            if (!isInteger(o.value(QLatin1String("id"))))
                return at + QStringLiteral(": async event without a numeric id");
            const QString key = o.value(QLatin1String("cat")).toString() + QLatin1Char('/') +
                                QString::number(o.value(QLatin1String("id")).toInteger());
            if (ph == QLatin1String("b")) {
                if (openAsync.value(key) == 0)
                    asyncStart[key] = ts;
                openAsync[key] += 1;
            } else if (ph == QLatin1String("n")) {
                if (openAsync.value(key) == 0)
                    return at + QStringLiteral(": n outside any open b of ") + key;
            } else {
                if (openAsync.value(key) == 0)
                    return at + QStringLiteral(": e without an open b of ") + key;
                if (ts < asyncStart.value(key))
                    return at + QStringLiteral(": e before its b");
                openAsync[key] -= 1;
                if (openAsync[key] == 0)
                    ++st.asyncPairs;
            }
        } else if (ph == QLatin1String("s") || ph == QLatin1String("f")) {
            if (!isInteger(o.value(QLatin1String("id"))))
                return at + QStringLiteral(": flow event without a numeric id");
            const QString key = o.value(QLatin1String("cat")).toString() + QLatin1Char('/') +
                                QString::number(o.value(QLatin1String("id")).toInteger());
            auto &table = ph == QLatin1String("s") ? flowStart : flowFinish;
            if (table.contains(key))
                return at + QStringLiteral(": second %1 for flow %2").arg(ph, key);
            if (ph == QLatin1String("f") &&
                o.value(QLatin1String("bp")).toString() != QLatin1String("e"))
                return at + QStringLiteral(": flow finish without \"bp\":\"e\"");
            table.insert(key, FlowEnd{pid, tid, ts, i});
        } else if (ph == QLatin1String("C")) {
            const QJsonValue args = o.value(QLatin1String("args"));
            if (!args.isObject() || args.toObject().isEmpty())
                return at + QStringLiteral(": counter without args");
            const QJsonObject a = args.toObject();
            for (auto it = a.constBegin(); it != a.constEnd(); ++it)
                if (!it.value().isDouble())
                    return at + QStringLiteral(": counter arg %1 is not a number").arg(it.key());
            ++st.counters;
        } else if (ph == QLatin1String("i")) {
            const QString scope = o.value(QLatin1String("s")).toString();
            if (scope != QLatin1String("g") && scope != QLatin1String("p") &&
                scope != QLatin1String("t"))
                return at + QStringLiteral(": instant scope must be g, p or t");
            ++st.instants;
            if (o.value(QLatin1String("cat")).toString() == QLatin1String("violation"))
                ++st.violations;
        }
    }
    for (auto it = openAsync.constBegin(); it != openAsync.constEnd(); ++it)
        if (it.value() != 0)
            return QStringLiteral("async slice %1 opened with b but never closed").arg(it.key());
    for (auto it = trackUse.constBegin(); it != trackUse.constEnd(); ++it)
        if (!namedTracks.contains(it.key()))
            return it.value() + QStringLiteral(": on pid %1 tid %2, which has no thread_name")
                                    .arg(it.key().first)
                                    .arg(it.key().second);

    // Proper nesting per track.
    for (auto &[track, slices] : xs) {
        std::sort(slices.begin(), slices.end(), [](const XSlice &a, const XSlice &b) {
            return a.start != b.start ? a.start < b.start : a.end > b.end;
        });
        std::vector<const XSlice *> stack;
        for (const XSlice &s : slices) {
            while (!stack.empty() && stack.back()->end <= s.start)
                stack.pop_back();
            if (!stack.empty() && s.end > stack.back()->end)
                return QStringLiteral("pid %1 tid %2: slice \"%3\" [%4, %5] ns partially overlaps "
                                      "\"%6\" [%7, %8] ns")
                    .arg(track.first)
                    .arg(track.second)
                    .arg(s.name)
                    .arg(s.start)
                    .arg(s.end)
                    .arg(stack.back()->name)
                    .arg(stack.back()->start)
                    .arg(stack.back()->end);
            stack.push_back(&s);
        }
    }

    // Flows: paired, ordered, bound to a slice on their thread.
    auto inSlice = [&xs](const FlowEnd &p) {
        auto it = xs.find({p.pid, p.tid});
        if (it == xs.end())
            return false;
        return std::any_of(it->second.begin(), it->second.end(),
                           [&p](const XSlice &s) { return s.start <= p.ts && p.ts <= s.end; });
    };
    for (auto it = flowStart.constBegin(); it != flowStart.constEnd(); ++it) {
        if (!flowFinish.contains(it.key()))
            return QStringLiteral("flow %1 has an s but no f").arg(it.key());
        const FlowEnd f = flowFinish.value(it.key());
        if (f.ts < it.value().ts)
            return QStringLiteral("flow %1 finishes before it starts").arg(it.key());
        if (!inSlice(it.value()))
            return QStringLiteral("flow %1 starts outside any slice of its thread").arg(it.key());
        if (!inSlice(f))
            return QStringLiteral("flow %1 finishes outside any slice of its thread").arg(it.key());
        ++st.flows;
    }
    for (auto it = flowFinish.constBegin(); it != flowFinish.constEnd(); ++it)
        if (!flowStart.contains(it.key()))
            return QStringLiteral("flow %1 has an f but no s").arg(it.key());
    if (stats)
        *stats = st;
    return {};
}

// The 80-column review timeline: ASCII only (printable plus newline), every
// line at most 80 characters, no trailing blanks, and a last line that is the
// verdict ("verdict: invariants held (N steps)" or
// "verdict: VIOLATED I12 (step 14), I6 (step 30)").
inline QString checkTextTimeline(const std::string &text)
{
    if (text.empty())
        return QStringLiteral("empty timeline");
    if (text.back() != '\n')
        return QStringLiteral("does not end with a newline");
    int line = 1;
    size_t col = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            if (i > 0 && text[i - 1] == ' ')
                return QStringLiteral("line %1 has trailing blanks").arg(line);
            ++line;
            col = 0;
            continue;
        }
        if (c < 0x20 || c >= 0x7f)
            return QStringLiteral("line %1, column %2: byte 0x%3 is not printable ASCII")
                .arg(line)
                .arg(col + 1)
                .arg(c, 2, 16, QLatin1Char('0'));
        if (++col > 80)
            return QStringLiteral("line %1 is longer than 80 characters").arg(line);
    }
    const std::string body = text.substr(0, text.size() - 1);
    const std::string last =
        body.substr(body.rfind('\n') == std::string::npos ? 0 : body.rfind('\n') + 1);
    static const QRegularExpression verdict(
        QStringLiteral("^verdict: (invariants held \\(\\d+ steps?\\)|VIOLATED I\\d+ \\(step \\d+\\)"
                       "(, I\\d+ \\(step \\d+\\))*(, \\+\\d+ more)?)$"));
    if (!verdict.match(QString::fromStdString(last)).hasMatch())
        return QStringLiteral("last line is not a verdict: \"%1\"")
            .arg(QString::fromStdString(last));
    // No cell runs into the next column ("obj 1854TEE"): every table row has
    // its separators where the rule under the header has its '+'.
    std::vector<size_t> plus;
    int row = 0;
    size_t start = 0;
    while (start < body.size()) {
        size_t end = body.find('\n', start);
        if (end == std::string::npos)
            end = body.size();
        const std::string l = body.substr(start, end - start);
        start = end + 1;
        ++row;
        if (l.empty()) {
            plus.clear();
            continue;
        }
        if (l.find_first_not_of("-+") == std::string::npos) {
            plus.clear();
            for (size_t i = 0; i < l.size(); ++i)
                if (l[i] == '+')
                    plus.push_back(i);
            continue;
        }
        if (plus.empty() || l.size() <= plus.front() || l[plus.front()] != '|')
            continue; // not a table row (a note, a violation, a header)
        for (size_t p : plus)
            if (p < l.size() && l[p] != '|')
                return QStringLiteral("line %1: a cell runs over column %2: \"%3\"")
                    .arg(row)
                    .arg(p + 1)
                    .arg(QString::fromStdString(l));
    }
    return {};
}

// The tables of a text timeline, read back: for golden tests that want to
// ask "what does lane app/suppl say at step 6" without depending on where
// the layout wrapped. Lane names and cells are joined across their wrapped
// lines (names without a blank, since they wrap after '/'; cells with one).
struct TimelineBlock
{
    QStringList lanes;
    std::map<int, QStringList> cells; // step -> text per lane
};

inline std::vector<TimelineBlock> parseTimeline(const std::string &text)
{
    const QStringList lines = QString::fromStdString(text).split(QLatin1Char('\n'));
    std::vector<TimelineBlock> blocks;
    for (qsizetype r = 1; r < lines.size(); ++r) {
        const QString &rule = lines[r];
        if (!rule.contains(QLatin1Char('+')) || !rule.startsWith(QLatin1Char('-')) ||
            rule.contains(QRegularExpression(QStringLiteral("[^-+]"))))
            continue;
        std::vector<qsizetype> plus;
        for (qsizetype i = 0; i < rule.size(); ++i)
            if (rule[i] == QLatin1Char('+'))
                plus.push_back(i);
        const qsizetype stepWidth = plus.front() - 1;
        auto cell = [&](const QString &line, size_t lane) {
            const qsizetype start = plus[lane] + 2;
            const qsizetype end = lane + 1 < plus.size() ? plus[lane + 1] - 1 : line.size();
            return start < line.size() ? line.mid(start, end - start).trimmed() : QString();
        };
        TimelineBlock b;
        qsizetype h = r - 1;
        while (h > 0 && !lines[h].startsWith(QLatin1String("step")))
            --h;
        for (size_t lane = 0; lane < plus.size(); ++lane) {
            QString name;
            for (qsizetype i = h; i < r; ++i)
                name += cell(lines[i], lane);
            b.lanes.append(name);
        }
        int step = -1;
        for (qsizetype i = r + 1; i < lines.size() && !lines[i].isEmpty(); ++i) {
            const QString &line = lines[i];
            if (line.size() <= stepWidth + 1 || line.mid(stepWidth, 2) != QLatin1String(" |"))
                continue; // a full-width violation, gap or note line
            bool ok = false;
            // "  12  8.45": the step, then its simulated time in us.
            const int n = line.left(stepWidth)
                              .trimmed()
                              .section(QLatin1Char(' '), 0, 0, QString::SectionSkipEmpty)
                              .toInt(&ok);
            if (ok) {
                step = n;
                b.cells[step] = QStringList();
                for (size_t lane = 0; lane < plus.size(); ++lane)
                    b.cells[step].append(QString());
            }
            if (step < 0)
                continue;
            for (size_t lane = 0; lane < plus.size(); ++lane) {
                const QString c = cell(line, lane);
                QString &into = b.cells[step][qsizetype(lane)];
                if (!c.isEmpty())
                    into += (into.isEmpty() ? QString() : QStringLiteral(" ")) + c;
            }
        }
        blocks.push_back(b);
    }
    return blocks;
}

// The text of one lane at one step, whichever block holds the lane.
// A lane that several blocks show (each block has a QTEE column of its own
// threads' messages) gives the first non-empty cell.
inline QString timelineCell(const std::string &text, const QString &lane, int step)
{
    for (const TimelineBlock &b : parseTimeline(text)) {
        const qsizetype i = b.lanes.indexOf(lane);
        if (i < 0)
            continue;
        auto it = b.cells.find(step);
        if (it != b.cells.end() && !it->second.value(i).isEmpty())
            return it->second.value(i);
    }
    return {};
}

// Review rule: wrapping never separates a word from its number ("ROOT op" /
// "32"). Returns the first place where a cell line ends in op, ctx, obj, req,
// fd, ret, arg or id and the same cell's next line starts with a number (or
// RELEASE/RETAIN), or an empty string.
inline QString checkUnsplitPairs(const std::string &text)
{
    static const QRegularExpression key(QStringLiteral("(^|[ (])(op|ctx|obj|req|fd|ret|arg|id)$"));
    static const QRegularExpression number(QStringLiteral("^[(-]?([0-9?]|RELEASE|RETAIN)"));
    const QStringList lines = QString::fromStdString(text).split(QLatin1Char('\n'));
    std::vector<qsizetype> plus;
    for (qsizetype r = 0; r + 1 < lines.size(); ++r) {
        const QString &line = lines[r];
        if (line.startsWith(QLatin1Char('-')) && line.contains(QLatin1Char('+')) &&
            !line.contains(QRegularExpression(QStringLiteral("[^-+]")))) {
            plus.clear();
            for (qsizetype i = 0; i < line.size(); ++i)
                if (line[i] == QLatin1Char('+'))
                    plus.push_back(i);
            continue;
        }
        if (plus.empty() || line.isEmpty()) {
            if (line.isEmpty())
                plus.clear();
            continue;
        }
        const QString &next = lines[r + 1];
        const qsizetype stepWidth = plus.front() - 1;
        if (next.size() <= stepWidth || !next.left(stepWidth).trimmed().isEmpty() ||
            next.mid(stepWidth, 2) != QLatin1String(" |"))
            continue; // the next line starts another step (or is a note)
        for (size_t lane = 0; lane < plus.size(); ++lane) {
            auto cell = [&](const QString &l) {
                const qsizetype start = plus[lane] + 2;
                const qsizetype end = lane + 1 < plus.size() ? plus[lane + 1] - 1 : l.size();
                return start < l.size() ? l.mid(start, end - start).trimmed() : QString();
            };
            if (cell(line).contains(key) && cell(next).contains(number))
                return QStringLiteral("line %1 splits \"%2\" from \"%3\"")
                    .arg(r + 1)
                    .arg(cell(line), cell(next));
        }
    }
    return {};
}

} // namespace exportcheck
