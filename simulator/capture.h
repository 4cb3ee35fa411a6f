// Captures: the review artifact. One self-contained JSON file holding the
// scenario, variant, policy, seed, the schedule, every event, every violation
// and step-anchored reviewer notes (docs/capture-format.md).
#pragma once

#include "simulator/fileio.h"
#include "simulator/simulator.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tee::sim {

// A capture is a review artifact, not a database: anything much larger than
// this is a mistake (or hostile), and reading it would only exhaust memory.
// The reader refuses a larger file before reading it.
inline constexpr int64_t kMaxCaptureBytes = int64_t(256) * 1024 * 1024;

inline constexpr const char *kCaptureFormat = "teescope-capture";
inline constexpr int kCaptureVersion = 1;

struct Capture
{
    std::string teescopeVersion;
    int modelVersion = 1; // tee::kModelVersion of the teescope that wrote it (absent: 1)
    std::shared_ptr<Scenario> scenario; // parsed from the embedded scenario
    Variant variant;
    Policy policy = Policy::Scripted;
    uint64_t seed = 1;
    uint64_t maxSteps = 0;
    std::vector<std::string> schedule;
    std::vector<StepSpan> spans; // one per schedule step (model version 3; empty before)
    EventList events;
    std::vector<Note> notes;
    // Added: the step the capture is about ("focus"; exploration writes the
    // violating step). The app opens the capture there.
    std::optional<uint64_t> focusStep;
    // Added: why the recorded run stopped ("stop", "stop_detail").
    StopReason stop = StopReason::Finished;
    std::string stopDetail;
};

// JSON document of a capture (events with names: from/to states, errno as
// number and name, holders, typed entity ids).
// `focus`: the step the capture is about, written as "focus" (explore's
// counterexamples name the violating step).
std::string captureToJson(const Simulator &sim, const Trace &trace, const RunOptions &opts,
                          const std::vector<Note> &notes = {},
                          std::optional<uint64_t> focus = std::nullopt);
// Atomic write (writeFileAtomically): on failure no file is left and `error` is set.
bool writeCapture(const std::string &path, const Simulator &sim, const Trace &trace,
                  const RunOptions &opts, std::string *error, const std::vector<Note> &notes = {},
                  std::optional<uint64_t> focus = std::nullopt);
// Reads and validates a capture; errors name the file and JSON location.
std::unique_ptr<Capture> readCapture(const std::string &path, std::string *error);
std::unique_ptr<Capture> parseCapture(const std::string &json, const std::string &sourceName,
                                      std::string *error);

// Event <-> JSON object (used by captures and by the CLI's --json summary).
std::string eventToJson(const Simulator &sim, const Event &e);

// The capture's "stop" and "stop_detail" checked against `replayed`, the
// replay of its schedule: a run ends at max_steps (MaxSteps), or when its
// policy takes nothing more (Finished or Stuck, with who waits on what), or a
// schedule chosen by hand ends while actions are enabled (ScheduleEnd).
// Empty when the capture agrees; otherwise one sentence "stop: ..." naming
// what it claims and what the schedule shows.
std::string checkRecordedStop(const Simulator &sim, const Capture &capture, const Trace &replayed);

// The capture's "spans" (each step's times, thread and verb, which the
// exports draw) checked against the replay's, for a capture of this model
// version: empty when they agree, else "spans[k] (step k+1): ...".
std::string checkRecordedSpans(const Simulator &sim, const Capture &capture, const Trace &replayed);

// Replay check: empty when `actual` equals `expected` (Event::operator==),
// otherwise one sentence naming the first difference ("event 12 (step 5):
// expected ..., got ..." or a count mismatch).
std::string compareEvents(const Simulator &sim, const EventList &expected, const EventList &actual);

// True when the scenario carries the JSON text a capture embeds (every
// scenario loaded from a file or a built-in does).
bool canEmbedScenario(const Scenario &scenario);

} // namespace tee::sim
