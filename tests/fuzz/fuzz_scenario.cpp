// libFuzzer target for the scenario loader and everything downstream of it.
// Input: the text of a scenario JSON file. When it loads, the scenario runs
// for at most 300 steps under the random policy, with a variant and a seed
// taken from a hash of the input; every export is written to memory, the
// capture is parsed back and its schedule replayed on a Simulator built from
// the parsed capture, and the replay must give the same events.
// When it does not load, the error must be a non-empty message.
// Built with -fsanitize=fuzzer in the fuzz preset, and with standalone.cpp as
// a regression test in every other build (tests/fuzz/CMakeLists.txt).
#include "fuzzcheck.h"

#include "simulator/capture.h"
#include "simulator/exports.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using namespace tee;
using namespace tee::sim;

namespace {

constexpr const char *kHarness = "fuzz_scenario";
constexpr uint64_t kMaxSteps = 300;

void require(bool ok, const std::string &what)
{
    fuzz::require(ok, kHarness, what);
}

// One value of every variant dimension, chosen by bits of `h`.
Variant pickVariant(uint64_t h)
{
    Variant v;
    for (const char *name : Variant::kNames) {
        std::vector<std::string> values;
        const std::string allowed = Variant::allowedValues(name); // "a, b, c"
        size_t start = 0;
        while (start <= allowed.size()) {
            const size_t comma = allowed.find(", ", start);
            const size_t end = comma == std::string::npos ? allowed.size() : comma;
            values.push_back(allowed.substr(start, end - start));
            start = end + 2;
        }
        require(!values.empty() && !values.front().empty(),
                std::string("variant dimension ") + name + " has no values");
        const std::string &value = values[h % values.size()];
        h /= values.size();
        const std::string message = v.set(std::string(name) + "=" + value);
        require(message.empty(),
                "Variant::set(" + std::string(name) + "=" + value + "): " + message);
        require(v.value(name) == value, std::string("Variant::value(") + name + ") after set");
    }
    Variant parsed;
    std::string text = v.toString();
    size_t start = 0;
    while (start < text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string message = parsed.set(std::string_view(text).substr(start, comma - start));
        require(message.empty(), "Variant::set on a part of toString(): " + message);
        start = comma + 1;
    }
    require(parsed == v, "Variant::toString() does not set back to the same variant: " + text);
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > fuzz::kMaxInputBytes)
        return 0;
    const std::string text(reinterpret_cast<const char *>(data), size);
    std::string error;
    const std::shared_ptr<Scenario> scenario = loadScenarioJson(text, "fuzz-input", &error);
    if (!scenario) {
        require(!error.empty(), "loadScenarioJson failed without a message");
        return 0;
    }

    const uint64_t h = fuzz::hashBytes(data, size);
    const Variant variant = pickVariant(h);
    RunOptions opts;
    opts.policy = Policy::Random;
    opts.seed = h ^ (h >> 17);
    opts.maxSteps = std::min<uint64_t>(scenario->maxSteps, kMaxSteps);
    // Mostly free random runs; one input in four follows the scenario's fixed
    // schedule first, when it has one (a step that is not enabled is an error).
    opts.useSchedule = (h >> 62) == 0;

    const Simulator sim(scenario, variant);
    error.clear();
    const Trace trace = run(sim, opts, &error);
    if (!error.empty()) {
        require(opts.useSchedule && !scenario->schedule.empty(),
                "run() failed without a fixed schedule: " + error);
        return 0;
    }
    require(trace.schedule.size() <= opts.maxSteps, "run() took more steps than maxSteps");

    // Every export, in memory.
    const std::string chrome = chromeTrace(sim, trace);
    require(!chrome.empty(), "chromeTrace() is empty");
    const std::string timeline = textTimeline(sim, trace, opts);
    require(!timeline.empty(), "textTimeline() is empty");
    require(!textTimeline(sim, trace).empty(), "textTimeline() without options is empty");
    for (const Event &e : trace.events)
        require(!describeEvent(sim, e).empty(), "describeEvent() is empty");
    const std::vector<Note> notes = {{trace.schedule.size() / 2, "fuzz note\nsecond line", {}}};
    const std::string captureText = captureToJson(sim, trace, opts, notes);

    // Read the capture back: the same run, the same events.
    error.clear();
    const std::unique_ptr<Capture> capture = parseCapture(captureText, "fuzz-capture", &error);
    require(capture != nullptr, "captureToJson() output does not parse: " + error);
    require(capture->scenario != nullptr, "parsed capture has no scenario");
    require(capture->variant == variant, "capture variant " + capture->variant.toString() +
                                             " != run variant " + variant.toString());
    require(capture->policy == opts.policy, "capture policy differs");
    require(capture->seed == opts.seed, "capture seed differs");
    require(capture->schedule == trace.schedule, "capture schedule differs from the run's");
    require(capture->stop == trace.stop, "capture stop differs from the run's");
    require(capture->notes == notes, "capture notes differ");
    const std::string parsedDiff = compareEvents(sim, trace.events, capture->events);
    require(parsedDiff.empty() && capture->events == trace.events,
            "capture events differ from the run's: " + parsedDiff);

    // Replay on a Simulator built from the parsed capture alone.
    const Simulator again(capture->scenario, capture->variant);
    error.clear();
    const Trace replayed = replay(again, capture->schedule, &error);
    require(error.empty(), "replay of the run's own schedule failed: " + error);
    if (replayed.events != trace.events) {
        fuzz::failed(kHarness,
                     "replay diverged: " + compareEvents(again, trace.events, replayed.events));
    }
    // A run that ended because nothing was enabled must end the same way.
    if (trace.stop == StopReason::Finished || trace.stop == StopReason::Stuck) {
        require(replayed.stop == trace.stop, std::string("replay stopped ") +
                                                 stopReasonName(replayed.stop) + ", the run " +
                                                 stopReasonName(trace.stop));
        require(replayed.stopDetail == trace.stopDetail, "replay stop detail differs");
    }
    // Same events and same ending: the same exports. (A scenario without a
    // "name" is named after its source, which differs between the input and
    // the capture, and the exports show the name.)
    if (replayed.stop == trace.stop && replayed.stopDetail == trace.stopDetail &&
        capture->scenario->name == scenario->name && capture->scenario->title == scenario->title) {
        require(textTimeline(again, replayed, opts) == timeline,
                "text timeline of the replay differs from the run's");
        require(chromeTrace(again, replayed) == chrome,
                "Chrome trace of the replay differs from the run's");
    }
    return 0;
}
