// teescope-cli explore SCENARIO: every interleaving of the scenario's
// threads and faults, every invariant on every transition, stuck states as
// findings, shortest (BFS) counterexamples written as replayable captures.
#include "explore.h"
#include "cliutil.h"

#include "core/text.h"
#include "core/vocabulary.h"

#include "simulator/capture.h"
#include "simulator/explore.h"
#include "simulator/scenarioloader.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <unistd.h>

using namespace tee;
using namespace tee::cli;

namespace {

// I10, I14, I16, I17 and I18 hold by construction in the engine (ids come
// from a sorted idr, one release worker serves a FIFO...): no step checks
// them, so "holds" would claim more than the search saw (docs/model.md).
bool byConstruction(int invariant)
{
    return invariant == 10 || invariant == 14 || invariant == 16 || invariant == 17 ||
           invariant == 18;
}

std::atomic<bool> g_interrupted{false};

// Ctrl+C (SIGINT) and SIGTERM (timeout(1), a CI job's limit) stop the
// search with the report of what it found so far, as a bound does.
extern "C" void onStopSignal(int)
{
    g_interrupted.store(true, std::memory_order_relaxed);
}

std::string fixed(double v, int decimals)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string mib(uint64_t bytes)
{
    return fixed(double(bytes) / (1024.0 * 1024.0), 1) + " MiB";
}

} // namespace

int cmdExplore(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Explore every interleaving of a scenario's threads and of its faults (\"when\": "
        "\"any\" kills at every step; at_step and when_request kills at every step from when "
        "they are due), check every invariant on every transition, report stuck states as findings "
        "and the spec §9 gaps reached as notes. "
        "Symmetric threads and safe user-space steps are reduced (--no-reduction turns it off); "
        "breadth-first counterexamples are shortest either way.\n"
        "Exit status: 0 the search completed and found nothing, 1 a violation or a stuck "
        "state, 2 bad input, 3 a bound (or Ctrl+C) stopped the search first: not a proof."));
    parser.addPositionalArgument(QStringLiteral("SCENARIO"),
                                 QStringLiteral("Built-in scenario name or JSON file."));
    const QCommandLineOption variantOpt(QStringLiteral("variant"),
                                        QStringLiteral("Override one design variant; repeatable "
                                                       "(see 'run --help')."),
                                        QStringLiteral("NAME=VALUE"));
    const QCommandLineOption maxStatesOpt(QStringLiteral("max-states"),
                                          QStringLiteral("Stop after N distinct states."),
                                          QStringLiteral("N"));
    const QCommandLineOption maxDepthOpt(QStringLiteral("max-depth"),
                                         QStringLiteral("Do not go deeper than N steps."),
                                         QStringLiteral("N"));
    const QCommandLineOption memoryOpt(
        QStringLiteral("memory"),
        QStringLiteral("Stop when the resident memory passes MB mebibytes (default: half of "
                       "the machine's RAM)."),
        QStringLiteral("MB"));
    const QCommandLineOption strategyOpt(
        QStringLiteral("strategy"),
        QStringLiteral("bfs (default: shortest counterexamples) or dfs."),
        QStringLiteral("STRATEGY"));
    const QCommandLineOption exactOpt(
        QStringLiteral("exact"),
        QStringLiteral("Keep every state's canonical key (exhaustive). Without it only a "
                       "112-bit fingerprint of each is kept (hash compaction)."));
    const QCommandLineOption cexOpt(
        QStringLiteral("counterexample"),
        QStringLiteral("Write the shortest finding's counterexample as a capture to FILE."),
        QStringLiteral("FILE"));
    const QCommandLineOption ofOpt(
        QStringLiteral("of"),
        QStringLiteral("What --counterexample writes: I1 to I18 (that invariant's shortest "
                       "violation) or stuck (default: the shortest finding)."),
        QStringLiteral("FINDING"));
    const QCommandLineOption gapRunOpt(
        QStringLiteral("gap-run"),
        QStringLiteral("Write the run to the spec §9 gap reached first (the lowest item of the "
                       "shortest) as a capture to FILE."),
        QStringLiteral("FILE"));
    const QCommandLineOption jobsOpt(
        QStringLiteral("jobs"),
        QStringLiteral("Search with N threads (bfs only; default 1). The states, verdicts and "
                       "counterexample lengths do not depend on N."),
        QStringLiteral("N"));
    const QCommandLineOption noReductionOpt(
        QStringLiteral("no-reduction"),
        QStringLiteral("Turn off symmetry and partial-order reduction (every state is "
                       "stored; counterexamples are shortest either way)."));
    const QCommandLineOption jsonOpt(QStringLiteral("json"),
                                     QStringLiteral("Print the report as one JSON object."));
    parser.addOptions({variantOpt, maxStatesOpt, maxDepthOpt, memoryOpt, jobsOpt, strategyOpt,
                       exactOpt, noReductionOpt, cexOpt, ofOpt, gapRunOpt, jsonOpt});
    const QCommandLineOption help = prepareParser(parser);
    if (!parser.parse(QStringList{QCoreApplication::arguments().constFirst()} + args)) {
        std::string hint;
        for (const QString &name : parser.unknownOptionNames())
            if (hint.empty())
                hint = didYouMean("--" + str(name),
                                  {"--variant", "--max-states", "--max-depth", "--memory", "--jobs",
                                   "--strategy", "--no-reduction", "--exact", "--counterexample",
                                   "--gap-run", "--json", "--help"});
        return fail("explore: " + printable(parserError(parser, args)) + hint);
    }
    if (parser.isSet(help)) {
        QString text = parser.helpText();
        const QString usage = QStringLiteral("Usage: ") +
                              QCoreApplication::arguments().constFirst() + QLatin1Char(' ');
        if (text.startsWith(usage))
            text.insert(usage.size(), QStringLiteral("explore "));
        std::cout << str(text);
        return kExitOk;
    }
    if (const std::string twice = repeatedOption(parser, "explore", {"variant"}); !twice.empty())
        return fail(twice);
    const QStringList rest = parser.positionalArguments();
    if (rest.isEmpty())
        return fail("explore: missing SCENARIO (see 'teescope-cli explore --help')");
    if (rest.size() > 1)
        return fail("explore: unexpected argument " + quotedText(str(rest.at(1))));
    if (rest.at(0).isEmpty())
        return fail("explore: the SCENARIO argument is empty (expected a built-in name or a "
                    "file)");

    sim::ExploreOptions opts;
    constexpr uint64_t kMost = uint64_t(1) << 40, kMostJobs = 256;
    const auto number = [&](const QCommandLineOption &opt, const char *name, uint64_t &out,
                            uint64_t most) {
        if (!parser.isSet(opt))
            return std::string();
        const auto v = parseCount(parser.value(opt));
        if (!v || *v == 0 || *v > most)
            return std::string(name) + ": " + quotedText(str(parser.value(opt))) +
                   " is not a whole number from 1 to " + std::to_string(most);
        out = *v;
        return std::string();
    };
    uint64_t memoryMb = 0, jobs = 1;
    for (const std::string &why : {number(maxStatesOpt, "--max-states", opts.maxStates, kMost),
                                   number(maxDepthOpt, "--max-depth", opts.maxDepth, kMost),
                                   number(memoryOpt, "--memory", memoryMb, kMost),
                                   number(jobsOpt, "--jobs", jobs, kMostJobs)})
        if (!why.empty())
            return fail(why);
    opts.jobs = unsigned(jobs);
    opts.memoryBytes = memoryMb ? memoryMb * 1024 * 1024 : sim::defaultMemoryBound();
    if (parser.isSet(strategyOpt)) {
        const QString s = parser.value(strategyOpt);
        if (s == QLatin1String("bfs"))
            opts.strategy = sim::ExploreOptions::Strategy::Bfs;
        else if (s == QLatin1String("dfs"))
            opts.strategy = sim::ExploreOptions::Strategy::Dfs;
        else
            return fail("--strategy: unknown strategy " + quotedText(str(s)) +
                        " (allowed: bfs, dfs)");
    }
    if (opts.jobs > 1 && opts.strategy == sim::ExploreOptions::Strategy::Dfs)
        return fail("--jobs: the depth-first search runs on one thread (use --strategy bfs)");
    // --of: 0 = the shortest finding, 1..18 an invariant, -1 a stuck state
    int of = 0;
    if (parser.isSet(ofOpt)) {
        const QString v = parser.value(ofOpt).trimmed();
        if (!parser.isSet(cexOpt))
            return fail("--of: it chooses what --counterexample writes: give --counterexample "
                        "FILE too");
        if (v.compare(QLatin1String("stuck"), Qt::CaseInsensitive) == 0) {
            of = -1;
        } else {
            const QString digits =
                v.startsWith(QLatin1Char('I'), Qt::CaseInsensitive) ? v.mid(1) : v;
            const auto n = parseCount(digits);
            if (!n || *n < 1 || *n > uint64_t(kInvariantCount))
                return fail("--of: " + quotedText(str(parser.value(ofOpt))) +
                            " is not a finding (expected I1 to I" +
                            std::to_string(kInvariantCount) + ", or stuck)");
            of = int(*n);
            if (byConstruction(of))
                return fail("--of: I" + std::to_string(of) +
                            " holds by construction: no step checks it, so no search can find "
                            "a violation of it (docs/model.md, \"Invariants checked\")");
        }
    }
    opts.exact = parser.isSet(exactOpt);
    opts.reduction = !parser.isSet(noReductionOpt);
    const bool asJson = parser.isSet(jsonOpt);

    const std::string source = str(rest.constFirst());
    std::string error;
    const std::shared_ptr<const sim::Scenario> scenario = sim::loadScenario(source, &error);
    if (!scenario)
        return fail(error.empty() ? source + ": cannot load scenario" : error);
    Variant variant = scenario->variant;
    if (const std::string message = applyVariants(parser.values(variantOpt), variant);
        !message.empty())
        return fail(message);
    for (const QCommandLineOption *o : {&cexOpt, &gapRunOpt})
        if (parser.isSet(*o) && !sim::canEmbedScenario(*scenario))
            return fail("--" + str(o->names().constFirst()) + ": scenario " +
                        quotedText(scenario->name) +
                        " has no JSON source to embed (captures must be self-contained)");
    // The captures are checked before the search (a bad path costs no
    // search) and written after it, all or none (docs/cli.md, "Files").
    {
        sim::OutputFiles outputs;
        if (parser.isSet(cexOpt))
            outputs.add("--counterexample", str(parser.value(cexOpt)));
        if (parser.isSet(gapRunOpt))
            outputs.add("--gap-run", str(parser.value(gapRunOpt)));
        if (!outputs.check({source}, &error))
            return fail(error);
    }
    const sim::Simulator sim(scenario, variant);

    g_interrupted.store(false);
    opts.interrupt = &g_interrupted;
    const auto previousInt = std::signal(SIGINT, onStopSignal);
    const auto previousTerm = std::signal(SIGTERM, onStopSignal);
    const bool tty = !asJson && isatty(STDERR_FILENO);
    const auto started = std::chrono::steady_clock::now();
    if (tty)
        opts.progress = [started](uint64_t states, uint64_t depth, uint64_t rss) {
            const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            std::cerr << "\rexplore: " << states << " states, depth " << depth << ", "
                      << fixed(s > 0 ? double(states) / s : 0, 0) << " states/s, " << mib(rss)
                      << "   " << std::flush;
        };
    const sim::ExploreResult r = sim::explore(sim, opts);
    std::signal(SIGINT, previousInt);
    std::signal(SIGTERM, previousTerm);
    if (tty)
        std::cerr << "\r" << std::string(79, ' ') << "\r" << std::flush;

    // The counterexample (the shortest violation, else a stuck state: an
    // invariant broken is the question explore answers first) and
    // the gap run (the shortest run to a gap, the lowest item among equals).
    const sim::ExploreFinding *first = sim::shortestFinding(r);
    std::string noCex = "no counterexample to write: nothing was found";
    if (of != 0) {
        const auto it = r.violations.find(of);
        first = of < 0                     ? (r.stuck ? &*r.stuck : nullptr)
                : it != r.violations.end() ? &it->second
                                           : nullptr;
        noCex = "no counterexample to write: " +
                (of < 0 ? std::string("no stuck state was found")
                        : "I" + std::to_string(of) + " was not violated") +
                (r.complete ? "" : " in the states searched");
    }
    const sim::ExploreFinding *gapRun = sim::shortestGap(r);
    sim::OutputFiles outputs;
    std::string cexNote, gapNote;
    QJsonObject cexJson, gapJson; // --json: {"note", and when written "path", "steps"}
    struct CaptureOutput
    {
        const QCommandLineOption &opt;
        const char *option;
        const sim::ExploreFinding *finding;
        std::string what; // "counterexample", "gap 9 run"
        std::string none; // the note when there is nothing to write
        std::string &note;
        QJsonObject &json;
    };
    const CaptureOutput captures[] = {
        {cexOpt, "--counterexample", first, "counterexample", noCex, cexNote, cexJson},
        {gapRunOpt, "--gap-run", gapRun,
         gapRun ? "gap " + std::to_string(gapRun->gap) + " run" : std::string(),
         "no gap run to write: no spec §9 gap was reached", gapNote, gapJson},
    };
    for (const CaptureOutput &c : captures) {
        if (!parser.isSet(c.opt))
            continue;
        if (!c.finding) {
            c.note = c.none;
            c.json.insert(QStringLiteral("note"), QString::fromStdString(c.note));
            continue;
        }
        const std::string path = str(parser.value(c.opt));
        const std::string json = sim::counterexampleCapture(sim, *c.finding, &error);
        if (json.empty())
            return fail(std::string(c.option) + ": " + path + ": " + error);
        outputs.set(outputs.add(c.option, path), json);
        c.note = c.what + " written to " +
                 (path == "-" ? std::string("standard output") : quotedText(path)) + " (" +
                 tee::vocab::steps(c.finding->length()) + ")";
        c.json.insert(QStringLiteral("path"), QString::fromStdString(path));
        c.json.insert(QStringLiteral("steps"), qint64(c.finding->length()));
        c.json.insert(QStringLiteral("note"), QString::fromStdString(c.note));
    }
    if (!outputs.commit(&error))
        return fail(error);
    // A capture to "-" owns standard output: the report goes to stderr,
    // also when there was nothing to write (stdout then stays empty).
    bool stdoutAsked = false;
    for (const CaptureOutput &c : captures)
        stdoutAsked =
            stdoutAsked || (parser.isSet(c.opt) && parser.value(c.opt) == QLatin1String("-"));
    std::ostream &out = stdoutAsked ? std::cerr : std::cout;
    if (outputs.hasStdout()) {
        writeStdout(outputs.stdoutContents());
        // A capture to "-" that did not get through is not reported as
        // written: main says why standard output failed, and nothing else.
        if (!std::cout)
            return kExitUsage;
    }

    const bool found = r.found();
    const int status = found ? kExitFound : r.complete ? kExitOk : kExitIncomplete;
    const char *strategy = opts.strategy == sim::ExploreOptions::Strategy::Bfs ? "bfs" : "dfs";
    const std::string verdict = sim::exploreVerdict(r);

    if (asJson) {
        // A finding's run as the step labels a schedule uses.
        const auto schedule = [&](const sim::ExploreFinding &f) {
            QJsonArray labels;
            for (const std::string &l : sim::findingSchedule(sim, f))
                labels.append(QString::fromStdString(l));
            return labels;
        };
        QJsonObject inv;
        for (int i = 1; i <= kInvariantCount; ++i) {
            const auto it = r.violations.find(i);
            // holds: true only when the search was complete (or the
            // invariant holds by construction); null when a bound stopped it
            // before anything was found: not a proof, as the text says
            const bool violated = it != r.violations.end();
            const QJsonValue holds = violated ? QJsonValue(false)
                                     : r.complete || byConstruction(i)
                                         ? QJsonValue(true)
                                         : QJsonValue(QJsonValue::Null);
            QJsonObject o{{QStringLiteral("holds"), holds},
                          {QStringLiteral("violated"), violated},
                          {QStringLiteral("checked"), !byConstruction(i)}};
            if (it != r.violations.end()) {
                o.insert(QStringLiteral("length"), qint64(it->second.length()));
                o.insert(QStringLiteral("shortestConfirmed"), it->second.shortestConfirmed);
                QJsonArray kinds;
                for (const auto &[kind, f] : r.byFinding)
                    if (kind.first == i)
                        kinds.append(
                            QJsonObject{{QStringLiteral("finding"),
                                         QString::fromLatin1(vocab::findingName(kind.second))},
                                        {QStringLiteral("length"), qint64(f.length())},
                                        {QStringLiteral("shortestConfirmed"), f.shortestConfirmed},
                                        {QStringLiteral("text"), QString::fromStdString(f.detail)},
                                        {QStringLiteral("schedule"), schedule(f)}});
                o.insert(QStringLiteral("findings"), kinds);
                o.insert(QStringLiteral("text"), QString::fromStdString(it->second.detail));
                o.insert(QStringLiteral("schedule"), schedule(it->second));
            }
            inv.insert(QStringLiteral("I%1").arg(i), o);
        }
        QJsonObject stuck{{QStringLiteral("found"), r.stuck.has_value()}};
        if (r.stuck) {
            stuck.insert(QStringLiteral("length"), qint64(r.stuck->length()));
            stuck.insert(QStringLiteral("shortestConfirmed"), r.stuck->shortestConfirmed);
            stuck.insert(QStringLiteral("detail"), QString::fromStdString(r.stuck->detail));
            stuck.insert(QStringLiteral("schedule"), schedule(*r.stuck));
        }
        QJsonArray gaps;
        for (const auto &[kind, f] : r.gaps)
            gaps.append(QJsonObject{
                {QStringLiteral("item"), kind.first},
                {QStringLiteral("finding"), QString::fromLatin1(vocab::findingName(kind.second))},
                {QStringLiteral("length"), qint64(f.length())},
                {QStringLiteral("shortestConfirmed"), f.shortestConfirmed},
                {QStringLiteral("text"), QString::fromStdString(f.detail)},
                {QStringLiteral("schedule"), schedule(f)}});
        QJsonObject root{
            {QStringLiteral("scenario"), QString::fromStdString(scenario->name)},
            {QStringLiteral("variant"), QString::fromStdString(variant.toString())},
            {QStringLiteral("strategy"), QString::fromLatin1(strategy)},
            {QStringLiteral("exact"), r.exact},
            {QStringLiteral("omissionProbability"), r.omissionProbability()},
            {QStringLiteral("reduction"), r.reduction},
            {QStringLiteral("porOffForDepth"), r.porOffForDepth},
            {QStringLiteral("symmetricThreadGroups"), qint64(r.symmetricThreads.size())},
            {QStringLiteral("reducedStates"), qint64(r.reducedStates)},
            {QStringLiteral("confirmStates"), qint64(r.confirmStates)},
            {QStringLiteral("confirmComplete"), r.confirmComplete},
            {QStringLiteral("confirmBound"),
             QString::fromLatin1(sim::exploreBoundName(r.confirmBound))},
            {QStringLiteral("jobs"), int(r.jobs)},
            {QStringLiteral("complete"), r.complete},
            {QStringLiteral("bound"), QString::fromLatin1(sim::exploreBoundName(r.bound))},
            {QStringLiteral("states"), qint64(r.states)},
            {QStringLiteral("transitions"), qint64(r.transitions)},
            {QStringLiteral("maxDepth"), qint64(r.maxDepth)},
            {QStringLiteral("seconds"), r.seconds},
            {QStringLiteral("statesPerSecond"), r.statesPerSecond()},
            {QStringLiteral("bytesPerState"), r.bytesPerState()},
            {QStringLiteral("peakRssBytes"), qint64(r.peakRss)},
            {QStringLiteral("invariants"), inv},
            {QStringLiteral("stuck"), stuck},
            {QStringLiteral("gaps"), gaps},
            {QStringLiteral("verdict"), QString::fromStdString(verdict)},
        };
        if (!cexJson.isEmpty())
            root.insert(QStringLiteral("counterexample"), cexJson);
        if (!gapJson.isEmpty())
            root.insert(QStringLiteral("gapRun"), gapJson);
        out << QJsonDocument(root).toJson(QJsonDocument::Indented).toStdString();
        return status;
    }

    out << "scenario: " << printable(scenario->name) << " (" << variant.toString() << ")\n";
    out << "search: " << strategy << ", "
        << (!r.reduction       ? "no reduction, "
            : r.porOffForDepth ? "symmetry reduction (no partial-order reduction under "
                                 "--max-depth: it lengthens paths), "
                               : "symmetry and partial-order reduction, ")
        << (r.jobs > 1 ? std::to_string(r.jobs) + " jobs, " : std::string())
        << (r.exact ? std::string("exact (every key kept)")
                    : "hash compaction (112-bit; probability of a missed state <= " +
                          [&] {
                              char b[32];
                              std::snprintf(b, sizeof b, "%.1e", r.omissionProbability());
                              return std::string(b);
                          }() +
                          ")")
        << '\n';
    out << "states: " << r.states << " distinct, " << r.transitions << " transitions, max depth "
        << r.maxDepth << '\n';
    if (r.reduction) {
        std::string groups;
        for (const auto &g : r.symmetricThreads) {
            groups += groups.empty() ? "" : ", ";
            for (size_t i = 0; i < g.size(); ++i)
                groups += (i ? "=" : "") + sim.threadName(ThreadId(g[i]));
        }
        out << "reduction: "
            << (groups.empty() ? std::string("no interchangeable threads")
                               : "interchangeable threads " + groups)
            << "; " << r.reducedStates << " states expanded with one safe step\n";
    }
    if (r.confirmStates && r.confirmComplete)
        out << "shortest: confirmed by a search without reduction (" << r.confirmStates
            << " states, " << fixed(r.confirmSeconds, 2) << " s)\n";
    else if (r.confirmBound == tee::sim::ExploreBound::Interrupted && r.confirmStates <= 1)
        out << "shortest: not confirmed: interrupted before a search without reduction could "
               "check the lengths found (those marked \"maybe not the shortest\")\n";
    else if (r.confirmBound == tee::sim::ExploreBound::Interrupted)
        out << "shortest: a search without reduction was interrupted after " << r.confirmStates
            << " states; lengths marked \"maybe not the shortest\" are not confirmed\n";
    else if (r.confirmStates) // a bound stopped it: some lengths stay unconfirmed
        out << "shortest: a search without reduction stopped at a bound (" << r.confirmStates
            << " states, " << fixed(r.confirmSeconds, 2)
            << " s); lengths marked \"maybe not the shortest\" are not confirmed\n";
    out << "time: " << fixed(r.seconds, 2) << " s, " << fixed(r.statesPerSecond(), 0)
        << " states/s\n";
    out << "memory: " << fixed(r.bytesPerState(), 0) << " bytes per stored state, peak "
        << mib(r.peakRss)
        << (r.states < 100000 ? " (a small search: the search's own fixed memory dominates the "
                                "bytes per state)"
                              : "")
        << '\n';
    for (int i = 1; i <= kInvariantCount; ++i) {
        const auto it = r.violations.find(i);
        out << "  I" << i << (i < 10 ? " " : "") << "  ";
        if (it == r.violations.end() && byConstruction(i))
            out << "holds by construction (not checked; docs/model.md)\n";
        else if (it == r.violations.end())
            out << (r.complete ? "holds" : "no violation found") << '\n';
        else {
            out << "VIOLATED (counterexample: " << tee::vocab::steps(it->second.length())
                << (it->second.shortestConfirmed ? "" : ", maybe not the shortest") << ") "
                << printable(it->second.detail, 0) << '\n';
            // The other ways the same invariant broke.
            for (const auto &[kind, f] : r.byFinding)
                if (kind.first == i && kind.second != it->second.finding)
                    out << "       also (counterexample: " << tee::vocab::steps(f.length())
                        << (f.shortestConfirmed ? "" : ", maybe not the shortest") << ") "
                        << printable(f.detail, 0) << '\n';
        }
    }
    out << "  stuck ";
    if (r.stuck)
        out << "FOUND (" << tee::vocab::steps(r.stuck->length())
            << (r.stuck->shortestConfirmed ? "" : ", maybe not the shortest") << ") "
            << printable(r.stuck->detail, 0) << '\n';
    else
        // (a state where nothing can happen; a thread left waiting while
        // another loops for ever is a cycle, which is not searched for)
        out << (r.complete ? "none (no state where nothing can happen; cycles not searched)"
                           : "none found")
            << '\n';
    // Spec §9 gaps: the merged driver's own behaviour under gaps=faithful,
    // flagged wherever they trigger (as in `run`), not findings.
    out << "gaps (spec §9, reported, not findings): "
        << (!r.gaps.empty() ? std::to_string(r.gaps.size()) +
                                  (r.gaps.size() == 1 ? " kind reached" : " kinds reached")
            : r.complete ? std::string("none reached")
                         : std::string("none reached so far"))
        << '\n';
    for (const auto &[kind, f] : r.gaps)
        out << "  gap " << kind.first << (kind.first < 10 ? " " : "") << " reached ("
            << tee::vocab::steps(f.length())
            << (f.shortestConfirmed ? "" : ", maybe not the shortest") << ") "
            << printable(f.detail, 0) << '\n';
    out << "verdict: " << verdict << '\n';
    if (!cexNote.empty())
        out << cexNote << '\n';
    if (!gapNote.empty())
        out << gapNote << '\n';
    return status;
}
