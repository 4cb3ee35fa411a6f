// Review exports that need no display: Chrome Trace Event JSON (Perfetto UI,
// chrome://tracing) and the 80-column plain-text timeline for mailing lists.
#pragma once

#include "simulator/simulator.h"

#include <string>

namespace tee::sim {

// Chrome Trace Event JSON: threads as tracks with blocked intervals as
// slices, requests and object lifetimes as async slices, refcounts as counter
// events, QTEE callbacks linked to the request and to the supplicant's RECV
// with flow events (numeric ids; no N/O/D object events; properly nested).
std::string chromeTrace(const Simulator &sim, const Trace &trace);

// ASCII-only text timeline, at most 80 columns, one column per thread or actor
// (QTEE and qcomtee_wq included), lanes split into blocks when they do not
// fit, one line per step, and a one-line verdict at the end.
std::string textTimeline(const Simulator &sim, const Trace &trace);
// Added: the same with the run's policy and seed in the header (the
// two-argument form shows the scenario's defaults).
std::string textTimeline(const Simulator &sim, const Trace &trace, const RunOptions &opts);

// Human-readable one-line description of an event ("req 0 (ctx 2) QUEUED ->
// PROCESSING", "obj 5 refcount 2 -> 1 (put by DriverCopy P1/T1)").
std::string describeEvent(const Simulator &sim, const Event &e);

// Who holds a reference, as the exports and summaries name it:
// "qtee_objects_idr ctx 1 idr 0", "driver copy app/client", "file".
std::string describeHolder(const Simulator &sim, const Holder &h);
std::string describeCtxHolder(const Simulator &sim, const CtxHolder &h);

} // namespace tee::sim
