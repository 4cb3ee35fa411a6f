// Review exports that need no display: Chrome Trace Event JSON (Perfetto UI,
// chrome://tracing) and the 80-column plain-text timeline for mailing lists.
#pragma once

#include "simulator/simulator.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tee::sim {

// Chrome Trace Event JSON: threads as tracks with blocked intervals as
// slices, requests and object lifetimes as async slices, refcounts as counter
// events, QTEE callbacks linked to the request and to the supplicant's RECV
// with flow events (numeric ids; no N/O/D object events; properly nested).
std::string chromeTrace(const Simulator &sim, const Trace &trace);

// ASCII-only text timeline, at most 80 columns, one column per thread or actor
// that takes a step in what is shown (QTEE, qcomtee_wq included), lanes
// split into blocks when they do not fit, one line per step, and a one-line
// verdict at the end.
std::string textTimeline(const Simulator &sim, const Trace &trace);
// Added: the same with the run's policy and seed in the header (the
// two-argument form shows the scenario's defaults).
std::string textTimeline(const Simulator &sim, const Trace &trace, const RunOptions &opts);

// What part of a run an export shows, and how wide the text timeline is.
struct ExportOptions
{
    uint64_t from = 1;                        // first step shown
    uint64_t to = UINT64_MAX;                 // last step shown
    std::vector<std::string> lanes;           // vocabulary names, a union; empty: every lane
    size_t width = 80;                        // text timeline columns, 60..400
    const RunOptions *run = nullptr;          // policy and seed for the header
    const std::vector<Note> *notes = nullptr; // reviewer notes, shown at their step
};
inline constexpr size_t kMinTextWidth = 60;
inline constexpr size_t kMaxTextWidth = 400;

// The lane names a run offers to --lane: its threads ("app/client"),
// "QTEE", "qcomtee_wq", and the contexts, objects and requests it touched
// ("ctx1", "obj5", "req#3").
std::vector<std::string> laneNames(const Simulator &sim, const Trace &trace);
// Empty when the options fit the run; else one sentence naming the option
// ("--lane: no lane \"app/clinet\" in this run; did you mean ...").
std::string checkExportOptions(const Simulator &sim, const Trace &trace, const ExportOptions &o);
// --from's own check (export, run and render): a step of the run, or 1 for a
// run of no steps. The message, empty when it is one.
std::string checkFromStep(uint64_t from, uint64_t steps);
std::string textTimeline(const Simulator &sim, const Trace &trace, const ExportOptions &o);
// The Chrome trace of the steps and lanes the options name: intervals are
// clipped to the range, every lane shows its state at --from.
std::string chromeTrace(const Simulator &sim, const Trace &trace, const ExportOptions &o);

// Human-readable one-line description of an event ("req 0 (ctx 2) QUEUED ->
// PROCESSING", "obj 5 refcount 2 -> 1 (put by DriverCopy P1/T1)").
std::string describeEvent(const Simulator &sim, const Event &e);

// Who holds a reference, as the exports and summaries name it:
// "qtee_objects_idr ctx 1 idr 0", "driver copy app/client", "file".
std::string describeHolder(const Simulator &sim, const Holder &h);
std::string describeCtxHolder(const Simulator &sim, const CtxHolder &h);

} // namespace tee::sim
