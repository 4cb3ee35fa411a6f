// libFuzzer target for the capture reader. Input: the text of a capture JSON
// file (docs/capture-format.md). When it parses, a Simulator is built from the
// capture's scenario and variant, its schedule is replayed, every event of
// the capture and of the replay is described, the replay is compared with the
// capture and its exports are written to memory. When it does not parse, the
// error must be a non-empty message.
// Built with -fsanitize=fuzzer in the fuzz preset, and with standalone.cpp as
// a regression test in every other build (tests/fuzz/CMakeLists.txt).
#include "fuzzcheck.h"

#include "simulator/capture.h"
#include "simulator/exports.h"
#include "simulator/simulator.h"

#include <string>

using namespace tee;
using namespace tee::sim;

namespace {

constexpr const char *kHarness = "fuzz_capture";

void require(bool ok, const std::string &what)
{
    fuzz::require(ok, kHarness, what);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > fuzz::kMaxInputBytes)
        return 0;
    const std::string text(reinterpret_cast<const char *>(data), size);
    std::string error;
    const std::unique_ptr<Capture> capture = parseCapture(text, "fuzz-input", &error);
    if (!capture) {
        require(!error.empty(), "parseCapture failed without a message");
        return 0;
    }
    require(capture->scenario != nullptr, "parsed capture has no scenario");

    const Simulator sim(capture->scenario, capture->variant);
    for (const Event &e : capture->events)
        require(!describeEvent(sim, e).empty(), "describeEvent() of a capture event is empty");

    error.clear();
    const Trace replayed = replay(sim, capture->schedule, &error);
    for (const Event &e : replayed.events)
        require(!describeEvent(sim, e).empty(), "describeEvent() of a replayed event is empty");
    const std::string diff = compareEvents(sim, capture->events, replayed.events);
    require(diff.empty() == (capture->events == replayed.events),
            "compareEvents() disagrees with Event::operator==: " + diff);

    require(!chromeTrace(sim, replayed).empty(), "chromeTrace() of the replay is empty");
    require(!textTimeline(sim, replayed).empty(), "textTimeline() of the replay is empty");
    RunOptions opts;
    opts.policy = capture->policy;
    opts.seed = capture->seed;
    opts.maxSteps = capture->maxSteps;
    require(!textTimeline(sim, replayed, opts).empty(), "textTimeline() of the replay is empty");
    return 0;
}
