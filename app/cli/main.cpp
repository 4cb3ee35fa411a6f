// teescope-cli: runs scenarios and replays captures without a display. It is
// the golden-file driver, the smoke test and the way to reproduce a bug
// report (docs/cli.md). Exit codes: 0 clean, 1 a violation (run) or a
// divergence (replay), 2 bad input or usage.
#include "cliutil.h"
#include "explore.h"
#include "summary.h"

#include "core/text.h"

#include "simulator/capture.h"
#include "simulator/exports.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#ifdef TEESCOPE_HAVE_RENDER
#include "app/models/rundocument.h"
#include "app/render/renderer.h"

#include <QApplication>
#endif

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>

#include <unistd.h>

using namespace tee;
using namespace tee::cli;

namespace {

std::string counted(uint64_t n, const char *noun)
{
    return std::to_string(n) + ' ' + noun + (n == 1 ? "" : "s");
}

// Help of a subcommand: QCommandLineParser does not know about subcommands,
// so put the command name into its usage line.
int checkedStdout(int status);
[[noreturn]] void showCommandHelp(const QCommandLineParser &parser, const QString &command)
{
    QString text = parser.helpText();
    const QString argv0 = QCoreApplication::arguments().constFirst();
    const QString usage = QStringLiteral("Usage: ") + argv0 + QLatin1Char(' ');
    if (text.startsWith(usage))
        text.insert(usage.size(), command + QLatin1Char(' '));
    std::cout << str(text);
    std::exit(checkedStdout(kExitOk));
}

// Parses the arguments after the command name. Returns false (message
// printed) on a usage error; exits on --help.
bool parseCommand(QCommandLineParser &parser, const QString &command, const QStringList &args,
                  qsizetype positional, const char *positionalName)
{
    const QCommandLineOption help = prepareParser(parser);
    if (!parser.parse(QStringList{QCoreApplication::arguments().constFirst()} + args)) {
        // "Unknown option 'polcy'.": suggest one of the command's options.
        std::string hint;
        for (const QString &name : parser.unknownOptionNames()) {
            if (name.size() < 2)
                continue; // -x: too short to guess from
            // QCommandLineParser does not list its options: name them here.
            const std::vector<std::string> known =
                command == QLatin1String("run")
                    ? std::vector<std::string>{"--variant", "--policy", "--seed", "--max-steps",
                                               "--capture", "--chrome", "--text", "--json",
                                               "--from",    "--to",     "--lane", "--width",
                                               "--help"}
                : command == QLatin1String("render")
                    ? std::vector<std::string>{"--png",       "--svg",  "--pdf", "--width",
                                               "--height",    "--from", "--to",  "--cursor",
                                               "--step-axis", "--help"}
                : command == QLatin1String("export")
                    ? std::vector<std::string>{"--chrome", "--text",  "--from", "--to",
                                               "--lane",   "--width", "--help"}
                    : std::vector<std::string>{"--help"};
            hint = didYouMean("--" + str(name), known);
            if (!hint.empty())
                break;
        }
        fail(str(command) + ": " + printable(parserError(parser, args)) + hint);
        return false;
    }
    if (parser.isSet(help))
        showCommandHelp(parser, command);
    const std::vector<std::string> repeatable =
        command == QLatin1String("run")      ? std::vector<std::string>{"variant", "lane"}
        : command == QLatin1String("export") ? std::vector<std::string>{"lane"}
        : command == QLatin1String("render") ? std::vector<std::string>{"variant"}
                                             : std::vector<std::string>{};
    if (const std::string twice = repeatedOption(parser, str(command), repeatable);
        !twice.empty()) {
        fail(twice);
        return false;
    }
    const QStringList rest = parser.positionalArguments();
    if (rest.size() < positional) {
        fail(str(command) + ": missing " + positionalName + " (see '" + kAppName + ' ' +
             str(command) + " --help')");
        return false;
    }
    if (rest.size() > positional) {
        fail(str(command) + ": unexpected argument " + quotedText(str(rest.at(positional))));
        return false;
    }
    for (qsizetype i = 0; i < positional; ++i) {
        if (rest.at(i).isEmpty()) {
            fail(str(command) + ": the " + positionalName + " argument is empty (expected " +
                 (std::string(positionalName) == "CAPTURE" ? "a capture file"
                                                           : "a built-in name or a file") +
                 ")");
            return false;
        }
    }
    return true;
}

// Words of `text` in lines of at most `width` characters (a longer word
// gets a line of its own), each after `indent`.
std::string wrapWords(const std::string &text, size_t width, const std::string &indent)
{
    std::string out, line;
    size_t at = 0;
    while (at < text.size()) {
        const size_t space = text.find(' ', at);
        const std::string word =
            text.substr(at, space == std::string::npos ? std::string::npos : space - at);
        at = space == std::string::npos ? text.size() : space + 1;
        if (word.empty())
            continue;
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            out += indent + line + '\n';
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty())
        out += indent + line + '\n';
    return out;
}

int cmdList(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("List the built-in scenarios; with NAME, show that one's whole "
                       "description, its processes and threads, and its faults."));
    parser.addPositionalArgument(QStringLiteral("NAME"),
                                 QStringLiteral("A built-in scenario (optional)."),
                                 QStringLiteral("[NAME]"));
    // one optional NAME: the rest are options
    const bool named = !args.isEmpty() && !args.front().startsWith(QLatin1Char('-'));
    if (!parseCommand(parser, QStringLiteral("list"), named ? args.mid(1) : args, 0, ""))
        return kExitUsage;
    if (named) {
        std::string error;
        const auto sc = sim::loadBuiltin(str(args.front()), &error);
        if (!sc)
            return fail(error);
        std::cout << wrapWords(sc->name + ": " + sc->title, 78, "") << '\n'
                  << wrapWords(sc->description, 78, "") << '\n';
        for (const auto &p : sc->processes) {
            std::string threads;
            for (const auto &t : p.threads)
                threads += (threads.empty() ? "" : ", ") + t.name;
            std::cout << "process " << p.name << ": " << threads << '\n';
        }
        std::cout << "policy " << sim::policyName(sc->policy) << ", seed " << sc->seed
                  << ", max_steps " << sc->maxSteps
                  << (sc->schedule.empty() ? "" : ", a fixed schedule of ")
                  << (sc->schedule.empty() ? std::string()
                                           : std::to_string(sc->schedule.size()) + " steps")
                  << '\n';
        if (!(sc->variant == Variant{}))
            std::cout << "variant " << sc->variant.toString() << '\n';
        std::cout << "faults: " << sc->faults.size() << '\n';
        return kExitOk;
    }

    const auto scenarios = sim::builtinScenarios();
    size_t width = 0;
    for (const auto &s : scenarios)
        width = std::max(width, s.name.size());
    for (const auto &s : scenarios) {
        std::cout << s.name << std::string(width - s.name.size() + 2, ' ') << s.title << '\n';
        // What to look for: the description's first sentence, indented.
        if (const std::string d = leadSentence(s.description); !d.empty() && d != s.title)
            std::cout << std::string(width + 2, ' ') << d << '\n';
    }
    return kExitOk;
}

// --from, --to, --lane and --width: the part of a run the text timeline
// and the Chrome trace show (docs/cli.md, "Exports").
struct ExportOpts
{
    QCommandLineOption from{QStringLiteral("from"),
                            QStringLiteral("Exports start at step N (default 1)."),
                            QStringLiteral("N")};
    QCommandLineOption to{QStringLiteral("to"),
                          QStringLiteral("Exports end at step N (default: the last)."),
                          QStringLiteral("N")};
    QCommandLineOption lane{
        QStringLiteral("lane"),
        QStringLiteral(
            "Only this lane in the text timeline and the Chrome trace: a thread (app/client), "
            "QTEE, "
            "qcomtee_wq, or the steps touching ctxN, objN, req#N; repeatable (a union)."),
        QStringLiteral("NAME")};
    QCommandLineOption width{QStringLiteral("width"),
                             QStringLiteral("Text timeline width, 60 to 400 (default 80; 72 "
                                            "survives two levels of '> ' quoting)."),
                             QStringLiteral("N")};
    void addTo(QCommandLineParser &p) const { p.addOptions({from, to, lane, width}); }

    // Reads the options; an error sentence, or empty.
    std::string read(const QCommandLineParser &p, sim::ExportOptions &o) const
    {
        const auto number = [&](const QCommandLineOption &opt, const char *name, uint64_t min,
                                uint64_t max, uint64_t &out) -> std::string {
            if (!p.isSet(opt))
                return {};
            const auto v = parseCount(p.value(opt));
            if (!v || *v < min || *v > max)
                return std::string(name) + ": " + quotedText(str(p.value(opt))) +
                       " is not a whole number from " + std::to_string(min) + " to " +
                       std::to_string(max);
            out = *v;
            return {};
        };
        uint64_t w = o.width;
        std::string e = number(from, "--from", 1, UINT64_MAX, o.from);
        if (e.empty())
            e = number(to, "--to", 1, UINT64_MAX, o.to);
        if (e.empty())
            e = number(width, "--width", sim::kMinTextWidth, sim::kMaxTextWidth, w);
        o.width = size_t(w);
        for (const QString &l : p.values(lane)) {
            if (l.isEmpty())
                return "--lane: the lane name is empty";
            o.lanes.push_back(str(l));
        }
        return e;
    }
    // --width shapes the text timeline only: with --chrome alone it would be
    // ignored. The message, or empty.
    std::string widthNeedsText(const QCommandLineParser &p, bool text) const
    {
        if (text || !p.isSet(width))
            return {};
        return "--width sets the text timeline's width: give --text FILE with it (the Chrome "
               "trace has no width)";
    }
};

int cmdRun(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Run a scenario and print what it left behind. SCENARIO is a built-in "
                       "name (see 'list') or a scenario JSON file.\n"
                       "Exit status: 0 nothing found, 1 an invariant was violated or the run "
                       "ended stuck (someone waits for ever), 2 bad input."));
    parser.addPositionalArgument(QStringLiteral("SCENARIO"),
                                 QStringLiteral("Built-in scenario name or JSON file."));
    const QCommandLineOption variantOpt(
        QStringLiteral("variant"),
        QString::fromStdString("Override one design variant; repeatable. " +
                               [] {
                                   std::string v;
                                   for (const char *name : Variant::kNames) {
                                       Variant d;
                                       v += std::string(v.empty() ? "" : "; ") + name + "=" +
                                            Variant::allowedValues(name) +
                                            " (merged: " + d.value(name) + ")";
                                   }
                                   return v;
                               }() +
                               ". docs/model.md, \"Variants\", says what each value means."),
        QStringLiteral("NAME=VALUE"));
    const QCommandLineOption policyOpt(
        QStringLiteral("policy"),
        QStringLiteral("Scheduling policy: scripted, round-robin, random or timed (ignores the "
                       "scenario's fixed schedule)."),
        QStringLiteral("POLICY"));
    const QCommandLineOption seedOpt(
        QStringLiteral("seed"), QStringLiteral("Seed of the random policy."), QStringLiteral("N"));
    const QCommandLineOption maxStepsOpt(
        QStringLiteral("max-steps"),
        QStringLiteral("Stop after N steps (1 to 100000000; default: the scenario's max_steps)."),
        QStringLiteral("N"));
    const QCommandLineOption captureOpt(QStringLiteral("capture"),
                                        QStringLiteral("Write a capture (replayable) to FILE."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption chromeOpt(QStringLiteral("chrome"),
                                       QStringLiteral("Write a Chrome Trace Event JSON to FILE."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption textOpt(QStringLiteral("text"),
                                     QStringLiteral("Write the 80-column text timeline to FILE."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption jsonOpt(QStringLiteral("json"),
                                     QStringLiteral("Print the summary as one JSON object."));
    parser.addOptions(
        {variantOpt, policyOpt, seedOpt, maxStepsOpt, captureOpt, chromeOpt, textOpt, jsonOpt});
    const ExportOpts exportOpts;
    exportOpts.addTo(parser);
    if (!parseCommand(parser, QStringLiteral("run"), args, 1, "SCENARIO"))
        return kExitUsage;
    sim::ExportOptions range;
    if (const std::string why = exportOpts.read(parser, range); !why.empty())
        return fail(why);

    // Check every option before loading anything, so usage errors come first.
    std::optional<sim::Policy> policy;
    if (parser.isSet(policyOpt)) {
        policy = sim::parsePolicy(str(parser.value(policyOpt)));
        if (!policy)
            return fail("--policy: unknown policy " + quotedText(str(parser.value(policyOpt))) +
                        didYouMean(str(parser.value(policyOpt)),
                                   {"scripted", "round-robin", "random", "timed"}) +
                        " (allowed: scripted, round-robin, random, timed)");
    }
    std::optional<uint64_t> seed, maxSteps;
    if (parser.isSet(seedOpt)) {
        seed = parseCount(parser.value(seedOpt));
        if (!seed)
            return fail("--seed: " + quotedText(str(parser.value(seedOpt))) +
                        " is not a whole number from 0 to 18446744073709551615");
    }
    if (parser.isSet(maxStepsOpt)) {
        maxSteps = parseCount(parser.value(maxStepsOpt));
        if (!maxSteps || *maxSteps == 0 || *maxSteps > sim::kMaxStepsLimit)
            return fail("--max-steps: " + quotedText(str(parser.value(maxStepsOpt))) +
                        " is not a whole number from 1 to " + std::to_string(sim::kMaxStepsLimit));
    }

    const std::string source = str(parser.positionalArguments().constFirst());
    std::string error;
    const std::shared_ptr<const sim::Scenario> scenario = sim::loadScenario(source, &error);
    if (!scenario)
        return fail(error.empty() ? source + ": cannot load scenario" : error);

    Variant variant = scenario->variant;
    if (const std::string message = applyVariants(parser.values(variantOpt), variant);
        !message.empty())
        return fail(message);

    // Every output is checked before the run and written after it, all or
    // none: a bad path costs nothing, and a failure leaves no file behind
    // and every existing file as it was.
    sim::OutputFiles outputs;
    const auto addOutput = [&](const QCommandLineOption &opt, const char *name) {
        return parser.isSet(opt) ? std::optional<size_t>(outputs.add(name, str(parser.value(opt))))
                                 : std::nullopt;
    };
    const std::optional<size_t> captureOut = addOutput(captureOpt, "--capture");
    const std::optional<size_t> chromeOut = addOutput(chromeOpt, "--chrome");
    const std::optional<size_t> textOut = addOutput(textOpt, "--text");
    // --from, --to, --lane and --width shape the exports: without one they
    // would be ignored (and their values never checked against the run).
    if (!textOut && !chromeOut)
        for (const QCommandLineOption *o :
             {&exportOpts.from, &exportOpts.to, &exportOpts.lane, &exportOpts.width})
            if (parser.isSet(*o))
                return fail("--" + str(o->names().constFirst()) +
                            " shapes the text timeline and the Chrome trace: give --text FILE "
                            "or --chrome FILE with it");
    if (const std::string why = exportOpts.widthNeedsText(parser, bool(textOut)); !why.empty())
        return fail(why);
    if (!outputs.check({source}, &error))
        return fail(error);
    if (captureOut && !sim::canEmbedScenario(*scenario))
        return fail("--capture: scenario " + quotedText(scenario->name) +
                    " has no JSON source to embed (captures must be self-contained)");

    sim::RunOptions opts;
    opts.policy = policy.value_or(scenario->policy);
    opts.seed = seed.value_or(scenario->seed);
    opts.maxSteps = maxSteps.value_or(scenario->maxSteps);
    // An explicit --policy asks for that policy, not for the scenario's script.
    opts.useSchedule = !policy.has_value();

    const sim::Simulator simulator(scenario, variant);
    const sim::Trace trace = sim::run(simulator, opts, &error);
    if (!error.empty())
        return fail(printable(source, 160) + ": " + error);

    range.run = &opts;
    if (textOut || chromeOut) {
        if (const std::string why = sim::checkExportOptions(simulator, trace, range); !why.empty())
            return fail(why);
    }
    if (captureOut)
        outputs.set(*captureOut, sim::captureToJson(simulator, trace, opts));
    if (chromeOut)
        outputs.set(*chromeOut, sim::chromeTrace(simulator, trace, range));
    if (textOut)
        outputs.set(*textOut, sim::textTimeline(simulator, trace, range));
    if (!outputs.commit(&error))
        return fail(error);

    const RunSummary summary = RunSummary::build(simulator, trace, opts);
    // An output to "-" owns standard output: the summary goes to stderr.
    const std::string summaryText = parser.isSet(jsonOpt) ? summary.toJson() : summary.toText();
    if (outputs.hasStdout()) {
        writeStdout(outputs.stdoutContents());
        std::cerr << summaryText;
    } else {
        std::cout << summaryText;
    }
    return summary.hasFindings() ? kExitFound : kExitOk;
}

int cmdReplay(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Replay a capture's schedule and check that every event is reproduced.\n"
                       "Exit status: 0 identical, 1 diverged, 2 unreadable capture."));
    parser.addPositionalArgument(QStringLiteral("CAPTURE"),
                                 QStringLiteral("Capture file written by 'run --capture'."));
    if (!parseCommand(parser, QStringLiteral("replay"), args, 1, "CAPTURE"))
        return kExitUsage;

    const std::string rawPath = str(parser.positionalArguments().constFirst());
    const std::string path = printable(rawPath, 160);
    std::string error;
    const std::unique_ptr<sim::Capture> capture = sim::readCapture(rawPath, &error);
    if (!capture || !capture->scenario)
        return fail(error.empty() ? path + ": cannot read capture" : error);

    const sim::Simulator simulator(capture->scenario, capture->variant);
    const sim::Trace trace = sim::replay(simulator, capture->schedule, &error);
    // A capture of another model version: its schedule is re-run where it
    // still applies, and a difference is the model's, not the file's.
    const bool otherModel = capture->modelVersion != kModelVersion;
    const std::string modelChange =
        "model changed: the capture was recorded with model version " +
        std::to_string(capture->modelVersion) + ", this teescope has model version " +
        std::to_string(kModelVersion) + " (docs/model.md, \"Model versions\")";
    if (!error.empty()) {
        if (!otherModel)
            return fail(path + ": " + error);
        std::cout << path << ": " << modelChange << "\n  the schedule applies for "
                  << counted(trace.schedule.size(), "step") << " of " << capture->schedule.size()
                  << "; then " << printable(error, 400) << '\n';
        return kExitFound;
    }

    // Model version 1 had no start times: compare the rest.
    EventList replayed = trace.events;
    if (capture->modelVersion < 2)
        for (Event &e : replayed)
            e.startNs = e.tNs;
    // Before model version 3 events had no actor, findings were sentences
    // (not read back) with fewer ids, and a wait ended by SIGKILL recorded
    // no errno: compare what both versions record.
    EventList recorded = capture->events;
    if (capture->modelVersion < 3) {
        const auto older = [](Event &e) {
            e.actor = {};
            if (e.kind == EventKind::Violation || e.kind == EventKind::Gap ||
                e.kind == EventKind::Note) {
                Event kept;
                kept.step = e.step;
                kept.tNs = e.tNs;
                kept.startNs = e.startNs;
                kept.kind = e.kind;
                kept.invariant = e.invariant;
                kept.gap = e.gap;
                e = kept;
            }
            if (e.kind == EventKind::Woken && e.errno_ == err::kERESTARTSYS)
                e.errno_ = 0;
        };
        for (Event &e : replayed)
            older(e);
        for (Event &e : recorded)
            older(e);
    }
    // Before model version 4 ureq_enqueue (T1) did not show reqs_lock: drop
    // its acquire and release (the lock events that name a request).
    if (capture->modelVersion < 4)
        std::erase_if(replayed, [](const Event &e) {
            return (e.kind == EventKind::LockAcquire || e.kind == EventKind::LockRelease) &&
                   e.request.valid();
        });
    // Before model version 5 a req_c wait named no context: drop it.
    if (capture->modelVersion < 5)
        for (Event &e : replayed)
            if ((e.kind == EventKind::Blocked || e.kind == EventKind::Woken) &&
                e.value == int32_t(BlockReason::ReqC))
                e.ctx = {};
    // Before model version 13 a user-space compute step recorded a
    // syscall_return (of op compute) though it entered no kernel: drop it.
    if (capture->modelVersion < 13)
        std::erase_if(recorded, [](const Event &e) {
            return e.kind == EventKind::SyscallReturn && SyscallKind(e.op) == SyscallKind::Compute;
        });
    // Before model version 14 qcomtee_remove closed the driver context
    // without its reqs_lock, and an I9 violation did not name the older
    // request's reqs_idr id: drop both from the replay.
    if (capture->modelVersion < 14) {
        std::erase_if(replayed, [](const Event &e) {
            return (e.kind == EventKind::LockAcquire || e.kind == EventKind::LockRelease) &&
                   e.ctx == ContextId(0);
        });
        for (Event &e : replayed)
            if (e.kind == EventKind::Violation && e.finding == Finding::NotFifo)
                e.count = -1;
    }
    const auto diff = tee::firstDifference(recorded, replayed);
    // Same events, but a header that claims another ending: the file was
    // edited (the events and the schedule are the facts; "stop" is derived).
    // Of another model version, the same disagreement may be the model's: a
    // model change (status 1), never "replay identical" (a capture of
    // version 14 claiming "stuck" for a run that finished passed).
    if (!diff) {
        std::string why = sim::checkRecordedStop(simulator, *capture, trace);
        if (why.empty())
            why = sim::checkRecordedSpans(simulator, *capture, trace);
        if (!why.empty() && !otherModel)
            return fail(path + ": " + why);
        if (!why.empty()) {
            std::cout << path << ": " << modelChange << "\n  the events agree; " << why << '\n';
            return kExitFound;
        }
    }
    if (!diff) {
        uint64_t violations = 0;
        for (const Event &e : trace.events)
            violations += e.kind == EventKind::Violation;
        std::cout << path << ": replay identical: " << counted(trace.schedule.size(), "step")
                  << ", " << counted(trace.events.size(), "event") << ", "
                  << counted(violations, "violation")
                  << (otherModel ? " (recorded with model version " +
                                       std::to_string(capture->modelVersion) +
                                       (capture->modelVersion > kModelVersion
                                            ? ", newer than this teescope's " +
                                                  std::to_string(kModelVersion)
                                            : std::string()) +
                                       ")"
                                 : std::string())
                  << '\n';
        return kExitOk;
    }

    // Name the step the replay reached: the capture's own step field may be
    // the very thing that was edited.
    const auto describe = [&](const EventList &events) {
        if (diff->index >= events.size())
            return std::string("(no event: the list ended)");
        const Event &e = events[diff->index];
        // Event texts come from the file: one line each, bounded.
        const bool time = diff->field == "start_ns" || diff->field == "t_ns";
        return "step " + std::to_string(e.step) + ": " +
               printable(sim::describeEvent(simulator, e), 240) +
               (time ? " (" + std::to_string(e.startNs) + ".." + std::to_string(e.tNs) + " ns)"
                     : std::string());
    };
    // (the lists compared: an older model's capture is compared without the
    // events it did not record, so an index of the raw lists names another
    // event, as "step 19: app/suppl exits" against "step 17: ctx1 ...")
    const EventList &anchor = diff->index < replayed.size() ? replayed : recorded;
    const std::string what = diff->field == "missing"
                                 ? "the capture has " + std::to_string(capture->events.size()) +
                                       " events, the replay " + std::to_string(trace.events.size())
                                 : diff->field + " differs";
    if (otherModel)
        std::cout << path << ": " << modelChange << '\n';
    std::string capLine = describe(recorded), repLine = describe(replayed);
    // When the sentence does not show the field that differs (an event's
    // thread, say), both lines would read the same: add the field's values.
    if (capLine == repLine && diff->index < recorded.size() && diff->index < replayed.size()) {
        const auto field = [&](const Event &e) {
            const QJsonObject o =
                QJsonDocument::fromJson(QByteArray::fromStdString(sim::eventToJson(simulator, e)))
                    .object();
            const QJsonValue v = o.value(QString::fromStdString(diff->field));
            if (v.isUndefined())
                return std::string("absent");
            if (v.isString())
                return printable(v.toString().toStdString(), 80);
            return QString::number(v.toDouble(), 'g', 17).toStdString();
        };
        capLine += " [" + diff->field + " " + field(recorded[diff->index]) + "]";
        repLine += " [" + diff->field + " " + field(replayed[diff->index]) + "]";
    }
    std::cout << path << ": replay diverged at step " << anchor[diff->index].step << " (event "
              << diff->index << ": " << what << ")\n"
              << "  capture: " << capLine << '\n'
              << "  replay:  " << repLine << '\n';
    return kExitFound;
}

// Exports from a capture, without re-running anything: the capture's own
// schedule, spans and events are the run.
int cmdExport(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Write the text timeline or the Chrome trace of a capture, as recorded "
                       "(nothing is re-run).\nExit status: 0 written, 2 bad input."));
    parser.addPositionalArgument(QStringLiteral("CAPTURE"),
                                 QStringLiteral("Capture file written by 'run --capture'."));
    const QCommandLineOption chromeOpt(QStringLiteral("chrome"),
                                       QStringLiteral("Write a Chrome Trace Event JSON to FILE."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption textOpt(QStringLiteral("text"),
                                     QStringLiteral("Write the text timeline to FILE."),
                                     QStringLiteral("FILE"));
    parser.addOptions({chromeOpt, textOpt});
    const ExportOpts exportOpts;
    exportOpts.addTo(parser);
    if (!parseCommand(parser, QStringLiteral("export"), args, 1, "CAPTURE"))
        return kExitUsage;
    sim::ExportOptions range;
    if (const std::string why = exportOpts.read(parser, range); !why.empty())
        return fail(why);
    if (!parser.isSet(chromeOpt) && !parser.isSet(textOpt))
        return fail("export: nothing to write (give --text FILE and/or --chrome FILE; - is "
                    "standard output)");
    if (const std::string why = exportOpts.widthNeedsText(parser, parser.isSet(textOpt));
        !why.empty())
        return fail(why);

    const std::string rawPath = str(parser.positionalArguments().constFirst());
    sim::OutputFiles outputs;
    constexpr size_t kNone = SIZE_MAX; // (std::optional here trips GCC 12's maybe-uninitialized)
    const size_t chromeOut =
        parser.isSet(chromeOpt) ? outputs.add("--chrome", str(parser.value(chromeOpt))) : kNone;
    const size_t textOut =
        parser.isSet(textOpt) ? outputs.add("--text", str(parser.value(textOpt))) : kNone;
    std::string error;
    if (!outputs.check({rawPath}, &error))
        return fail(error);
    const std::unique_ptr<sim::Capture> capture = sim::readCapture(rawPath, &error);
    if (!capture || !capture->scenario)
        return fail(error.empty() ? printable(rawPath, 160) + ": cannot read capture" : error);

    const sim::Simulator simulator(capture->scenario, capture->variant);
    sim::Trace trace;
    trace.schedule = capture->schedule;
    trace.spans = capture->spans;
    trace.events = capture->events;
    trace.stop = capture->stop;
    trace.stopDetail = capture->stopDetail;
    for (const Event &e : trace.events)
        trace.violations += e.kind == EventKind::Violation;
    sim::RunOptions opts;
    opts.policy = capture->policy;
    opts.seed = capture->seed;
    opts.maxSteps = capture->maxSteps;
    range.run = &opts;
    range.notes = &capture->notes; // the capture's reviewer notes go with its exports
    if (const std::string why = sim::checkExportOptions(simulator, trace, range); !why.empty())
        return fail(why);
    if (chromeOut != kNone)
        outputs.set(chromeOut, sim::chromeTrace(simulator, trace, range));
    if (textOut != kNone)
        outputs.set(textOut, sim::textTimeline(simulator, trace, range));
    if (!outputs.commit(&error))
        return fail(error);
    if (outputs.hasStdout())
        writeStdout(outputs.stdoutContents());
    return kExitOk;
}

#ifdef TEESCOPE_HAVE_RENDER
// Pictures without a window: the same drawing (app/render) as the app's
// export, on Qt's offscreen platform, so it runs on a machine without a
// display. A capture shows its recorded run; a scenario is run first.
int cmdRender(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Draw the timeline (and the refcount plot) of a capture or a scenario as PNG, SVG or "
        "PDF, in the print palette, as the app's File > Export does.\nExit status: 0 written, 2 "
        "bad input."));
    parser.addPositionalArgument(
        QStringLiteral("INPUT"),
        QStringLiteral("A capture, a scenario file or a built-in scenario name."),
        QStringLiteral("INPUT"));
    const QCommandLineOption pngOpt(QStringLiteral("png"), QStringLiteral("Write a PNG to FILE."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption svgOpt(QStringLiteral("svg"), QStringLiteral("Write an SVG to FILE."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption pdfOpt(QStringLiteral("pdf"), QStringLiteral("Write a PDF to FILE."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption widthOpt(
        QStringLiteral("width"), QStringLiteral("Width in pixels, 400 to 8000 (default 1600)."),
        QStringLiteral("W"));
    const QCommandLineOption heightOpt(
        QStringLiteral("height"), QStringLiteral("Height in pixels, 300 to 8000 (default 1000)."),
        QStringLiteral("H"));
    const QCommandLineOption fromOpt(QStringLiteral("from"),
                                     QStringLiteral("First step shown (default 1)."),
                                     QStringLiteral("STEP"));
    const QCommandLineOption toOpt(QStringLiteral("to"),
                                   QStringLiteral("Last step shown (default: the last)."),
                                   QStringLiteral("STEP"));
    const QCommandLineOption cursorOpt(
        QStringLiteral("cursor"),
        QStringLiteral("Mark this step as the app's cursor does (the app's picture marks its "
                       "cursor step)."),
        QStringLiteral("STEP"));
    const QCommandLineOption stepAxisOpt(
        QStringLiteral("step-axis"),
        QStringLiteral("Draw steps at equal widths, as the app's View > Step axis (default: "
                       "simulated time)."));
    const QCommandLineOption variantOpt(
        QStringLiteral("variant"),
        QStringLiteral("Run a scenario under this design: override one variant; repeatable (see "
                       "'run --help'). A capture keeps the design it was recorded with."),
        QStringLiteral("NAME=VALUE"));
    parser.addOptions({pngOpt, svgOpt, pdfOpt, widthOpt, heightOpt, fromOpt, toOpt, cursorOpt,
                       stepAxisOpt, variantOpt});
    if (!parseCommand(parser, QStringLiteral("render"), args, 1, "CAPTURE|SCENARIO"))
        return kExitUsage;
    if (!parser.isSet(pngOpt) && !parser.isSet(svgOpt) && !parser.isSet(pdfOpt))
        return fail("render: nothing to write (give --png, --svg and/or --pdf FILE)");
    render::RenderOptions o;
    const auto number = [&](const QCommandLineOption &opt, const char *name, uint64_t min,
                            uint64_t max, uint64_t &out) -> std::string {
        if (!parser.isSet(opt))
            return {};
        const auto v = parseCount(parser.value(opt));
        if (!v || *v < min || *v > max)
            return std::string(name) + ": " + quotedText(str(parser.value(opt))) +
                   " is not a whole number from " + std::to_string(min) + " to " +
                   std::to_string(max);
        out = *v;
        return {};
    };
    uint64_t w = uint64_t(o.width), h = uint64_t(o.height);
    for (const std::string &why :
         {number(widthOpt, "--width", 400, 8000, w), number(heightOpt, "--height", 300, 8000, h),
          number(fromOpt, "--from", 1, UINT64_MAX, o.from),
          number(toOpt, "--to", 1, UINT64_MAX, o.to),
          number(cursorOpt, "--cursor", 1, UINT64_MAX, o.cursorStep)})
        if (!why.empty())
            return fail(why);
    o.width = int(w);
    o.height = int(h);
    if (parser.isSet(stepAxisOpt))
        o.axis = sim::Axis::Step;
    if (o.to < o.from)
        return fail("--to: step " + std::to_string(o.to) + " comes before --from " +
                    std::to_string(o.from));

    const std::string source = str(parser.positionalArguments().constFirst());
    sim::OutputFiles outputs;
    std::vector<std::pair<size_t, render::RenderFormat>> wanted;
    for (const auto &[opt, name, format] :
         {std::tuple{&pngOpt, "--png", render::RenderFormat::Png},
          std::tuple{&svgOpt, "--svg", render::RenderFormat::Svg},
          std::tuple{&pdfOpt, "--pdf", render::RenderFormat::Pdf}})
        if (parser.isSet(*opt)) {
            // A name that ends in another format's extension (--svg pic.png)
            // would hold a file its name lies about; other names are taken.
            const std::string file = str(parser.value(*opt));
            const std::string own = std::string(name).substr(2);
            for (const char *ext : {"png", "svg", "pdf"}) {
                const QString suffix = QStringLiteral(".") + QLatin1String(ext);
                if (ext != own &&
                    QString::fromStdString(file).endsWith(suffix, Qt::CaseInsensitive))
                    return fail(std::string(name) + ": " + quotedText(file) + " ends in ." + ext +
                                " but " + name + " writes " + own + " (use --" + ext +
                                " for that, or name the file ." + own + ")");
            }
            wanted.emplace_back(outputs.add(name, file), format);
        }
    std::string error;
    if (!outputs.check({source}, &error))
        return fail(error);

    QString why;
    const QString path = QString::fromStdString(source);
    std::vector<std::string> variants;
    for (const QString &v : parser.values(variantOpt))
        variants.push_back(str(v));
    std::unique_ptr<RunDocument::Run> run =
        RunDocument::load(path, &why, nullptr, nullptr, variants);
    if (!run)
        return fail(why.toStdString());
    if (const std::string e = sim::checkFromStep(o.from, run->timeline.stepCount()); !e.empty())
        return fail(e);
    if (o.cursorStep > run->timeline.stepCount())
        return fail("--cursor: step " + std::to_string(o.cursorStep) +
                    " is not in the run (steps 1.." + std::to_string(run->timeline.stepCount()) +
                    ")");
    o.notes = run->notes; // a capture's reviewer notes, drawn as the app draws them
    const std::shared_ptr<RunDocument::Run> shared = std::move(run);
    render::TimelineSource src;
    src.sim = shared->simulator;
    src.trace = std::shared_ptr<const sim::Trace>(shared, &shared->trace);
    src.timeline = std::shared_ptr<const sim::Timeline>(shared, &shared->timeline);
    const render::Renderer renderer(src);
    for (const auto &[index, format] : wanted) {
        const QByteArray bytes = renderer.encode(format, o, &why);
        if (bytes.isEmpty())
            return fail(why.isEmpty() ? std::string("render: the picture could not be drawn")
                                      : why.toStdString());
        outputs.set(index, bytes.toStdString());
    }
    if (!outputs.commit(&error))
        return fail(error);
    if (outputs.hasStdout())
        writeStdout(outputs.stdoutContents());
    return kExitOk;
}
#endif

} // namespace

// A run keeps every event of every step (about 230 bytes a step), and
// outputs are written only once the run is over: running out of memory
// leaves no file behind, and says so instead of aborting.
namespace {
int outOfMemory()
{
    return fail("out of memory (a run keeps every step's events, about 230 bytes a step: "
                "lower --max-steps or the scenario's max_steps; explore: lower --memory)");
}
// Standard output is written last (an output to "-", a summary, a
// report): a write that fails there (a full disk, a file size limit, a
// closed pipe with SIGPIPE ignored) fails the command, where it used to end
// with status 0 and a cut file. What reached it cannot be taken back.
int checkedStdout(int status)
{
    // (the reason is the errno StdoutBuffer kept from the first failed
    // write: a stream already failed does not write again here)
    errno = 0;
    std::cout.flush();
    const bool failed = !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout);
    if (!failed)
        return status;
    const int e = stdoutErrno() ? stdoutErrno() : errno;
    return fail(std::string("standard output: cannot write") +
                (e ? std::string(": ") + std::strerror(e) : std::string()) +
                " (what was written before the failure stays)");
}

int runCli(int argc, char **argv)
{
    // Arguments reach the commands as text: a file name that is not valid
    // UTF-8 would come out changed (each invalid byte as U+FFFD) and name
    // another file, or write one under another name.
    for (int i = 1; i < argc; ++i) {
        if (!isUtf8(argv[i]))
            return fail("argument " + std::to_string(i) + " " + quotedText(argv[i]) +
                        " is not valid UTF-8: teescope-cli reads its arguments, file names "
                        "included, as UTF-8");
    }
    // Qt takes its own options out of argv (-platform, -style, -reverse,
    // --qmljsdebugger=...): a typo would be accepted silently, and
    // `render -platform xcb` aborted in QApplication without a display.
    // Qt gets the program name only; the arguments are ours to parse.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromUtf8(argv[i]));
    static int qtArgc = 1;
#ifdef TEESCOPE_HAVE_RENDER
    // render draws through Qt Gui: it picks the offscreen platform itself,
    // so it needs no display; every other command stays Qt Core only and
    // never loads a platform plugin.
    if (argc > 1 && std::strcmp(argv[1], "render") == 0) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        // Qt's startup chatter ("QStandardPaths: XDG_RUNTIME_DIR not set")
        // is not ours to print: a message is one line of teescope-cli's.
        qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &m) {
            if (type == QtFatalMsg || type == QtCriticalMsg)
                std::cerr << kAppName << ": " << printable(m.toStdString(), 0) << '\n';
        });
        QApplication app(qtArgc, argv);
        QCoreApplication::setApplicationName(QString::fromLatin1(kAppName));
        QStringList args = arguments.mid(2);
        try {
            return cmdRender(args);
        } catch (const std::bad_alloc &) {
            return outOfMemory();
        }
    }
#endif
    QCoreApplication app(qtArgc, argv);
    QCoreApplication::setApplicationName(QString::fromLatin1(kAppName));
    QCoreApplication::setApplicationVersion(QStringLiteral(TEESCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Simulates the QCOMTEE driver's contexts, objects and requests without a display.\n"
        "\n"
        "Commands:\n"
        "  list              List the built-in scenarios.\n"
        "  run SCENARIO      Run a scenario and print a summary.\n"
        "  replay CAPTURE    Replay a capture and check it reproduces.\n"
        "  export CAPTURE    Write a capture's text timeline or Chrome trace.\n"
        "  render CAPTURE|SCENARIO\n"
        "                    Draw the timeline as PNG, SVG or PDF (no display needed).\n"
        "  explore SCENARIO  Explore every interleaving; check every invariant.\n"
        "\n"
        "Run 'teescope-cli COMMAND --help' for the options of a command."));
    parser.addPositionalArgument(QStringLiteral("COMMAND"),
                                 QStringLiteral("list, run, replay, export, render or explore."),
                                 QStringLiteral("COMMAND [ARGS...]"));
    // Everything after the command belongs to the command's own parser.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    const QCommandLineOption help = prepareParser(parser);
    const QCommandLineOption version = parser.addVersionOption();
    if (!parser.parse(arguments))
        return fail(printable(parserError(parser, arguments)));
    if (parser.isSet(version)) {
        if (!parser.positionalArguments().isEmpty())
            return fail("--version takes no argument (got " +
                        quotedText(str(parser.positionalArguments().first())) + ")");
        // (as QCommandLineParser::showVersion, which exits past the check
        // of standard output)
        std::cout << str(QCoreApplication::applicationName()) << ' '
                  << str(QCoreApplication::applicationVersion()) << '\n';
        return kExitOk;
    }
    if (parser.isSet(help)) {
        std::cout << str(parser.helpText());
        return kExitOk;
    }

    QStringList args = parser.positionalArguments();
    if (args.isEmpty()) {
        std::cerr << str(parser.helpText());
        return kExitUsage;
    }
    const QString command = args.takeFirst();
    try {
        if (command == QLatin1String("list"))
            return cmdList(args);
        if (command == QLatin1String("run"))
            return cmdRun(args);
        if (command == QLatin1String("replay"))
            return cmdReplay(args);
        if (command == QLatin1String("export"))
            return cmdExport(args);
        if (command == QLatin1String("explore"))
            return cmdExplore(args);
    } catch (const std::bad_alloc &) {
        return outOfMemory();
    }
    return fail("unknown command " + quotedText(str(command)) +
                didYouMean(str(command), {"list", "run", "replay", "export", "render", "explore"}) +
                " (commands: list, run, replay, export, render, explore)");
}
} // namespace

// std::cout's buffer: the same 64 KiB buffering, but a write(2) that fails
// keeps its errno for checkedStdout (with the libstdc++ buffer the reason of
// a failed `list` or help text was lost: "cannot write" with none).
class StdoutBuffer : public std::streambuf
{
public:
    StdoutBuffer() { setp(m_buf, m_buf + sizeof m_buf); }

protected:
    int_type overflow(int_type c) override
    {
        if (sync() != 0)
            return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override
    {
        const char *p = pbase();
        while (p < pptr()) {
            const ssize_t n = ::write(STDOUT_FILENO, p, size_t(pptr() - p));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                if (stdoutErrno() == 0)
                    stdoutErrno() = n < 0 ? errno : EIO;
                setp(m_buf, m_buf + sizeof m_buf); // (dropped: the command fails)
                return -1;
            }
            p += n;
        }
        setp(m_buf, m_buf + sizeof m_buf);
        return 0;
    }

private:
    char m_buf[65536];
};

int main(int argc, char **argv)
{
    // (never destroyed: std::cout is flushed at exit, after locals go)
    static StdoutBuffer *const stdoutBuffer = new StdoutBuffer;
    std::cout.rdbuf(stdoutBuffer);
    // A file size limit (ulimit -f) makes a write past it fail with EFBIG,
    // which every output reports as any failed write (status 2, the target
    // kept, no temporary file), instead of SIGXFSZ killing the process
    // half-way through a file.
    std::signal(SIGXFSZ, SIG_IGN);
    return checkedStdout(runCli(argc, argv));
}
