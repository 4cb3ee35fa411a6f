// Captures: the review artifact. One self-contained JSON file holding the
// scenario, variant, policy, seed, the schedule, every event, every violation
// and step-anchored reviewer notes (docs/capture-format.md).
#pragma once

#include "simulator/simulator.h"

#include <memory>
#include <string>
#include <vector>

namespace tee::sim {

inline constexpr const char *kCaptureFormat = "teescope-capture";
inline constexpr int kCaptureVersion = 1;

struct Note
{
    uint64_t step = 0;
    std::string text;
    bool operator==(const Note &) const = default;
};

struct Capture
{
    std::string teescopeVersion;
    std::shared_ptr<Scenario> scenario; // parsed from the embedded scenario
    Variant variant;
    Policy policy = Policy::Scripted;
    uint64_t seed = 1;
    uint64_t maxSteps = 0;
    std::vector<std::string> schedule;
    EventList events;
    std::vector<Note> notes;
    // Added: why the recorded run stopped ("stop", "stop_detail").
    StopReason stop = StopReason::Finished;
    std::string stopDetail;
};

// JSON document of a capture (events with names: from/to states, errno as
// number and name, holders, typed entity ids).
std::string captureToJson(const Simulator &sim, const Trace &trace, const RunOptions &opts,
                          const std::vector<Note> &notes = {});
// Atomic write (QSaveFile): on failure no file is left and `error` is set.
bool writeCapture(const std::string &path, const Simulator &sim, const Trace &trace,
                  const RunOptions &opts, std::string *error, const std::vector<Note> &notes = {});
// Reads and validates a capture; errors name the file and JSON location.
std::unique_ptr<Capture> readCapture(const std::string &path, std::string *error);
std::unique_ptr<Capture> parseCapture(const std::string &json, const std::string &sourceName,
                                      std::string *error);

// Event <-> JSON object (used by captures and by the CLI's --json summary).
std::string eventToJson(const Simulator &sim, const Event &e);

// Replay check: empty when `actual` equals `expected` (Event::operator==),
// otherwise one sentence naming the first difference ("event 12 (step 5):
// expected ..., got ..." or a count mismatch).
std::string compareEvents(const Simulator &sim, const EventList &expected, const EventList &actual);

// Writes `contents` to `path` atomically (QSaveFile).
bool writeFileAtomically(const std::string &path, const std::string &contents, std::string *error);

} // namespace tee::sim
