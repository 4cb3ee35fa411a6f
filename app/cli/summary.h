// What a run left behind, in a form a person (toText) or a script (toJson)
// can read: the verdict, the counts and everything still alive at the end.
// Built once from a Simulator and its Trace so the CLI and the GUI print the
// same facts.
#pragma once

#include "simulator/simulator.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tee {

struct RunSummary
{
    struct HolderInfo
    {
        std::string kind; // holderKindName / ctxHolderKindName
        int64_t a = -1;   // Holder::arg(): QTEE callback ids unsigned
        int32_t b = -1;
        std::string text; // "qtee_objects_idr ctx 1 idr 0", "driver copy app/client"
    };
    struct ObjectInfo
    {
        int32_t id = -1;
        std::string type;          // objectTypeName
        uint32_t qteeId = 0;       // TEE: QTEE-hosted id
        uint64_t userObjectId = 0; // User: userspace id; Mem: shm id
        int32_t owner = -1;        // User/Mem: owner context
        int32_t refcount = 0;
        std::string what; // vocab::objectWhat: "TEE 0x100", "USER objref 1 of ctx1"
        std::vector<HolderInfo> holders;
        bool releaseQueued = false; // TEE: the last put queued its RELEASE (qcomtee_wq)
    };
    struct ContextInfo
    {
        int32_t id = -1;
        std::string process;
        bool fileOpen = false;
        bool closed = false;
        bool released = false;
        bool ctxFreed = false;
        bool dataFreed = false;
        std::vector<HolderInfo> refs;
        // lifetime=kref: the RFC's qcomtee_context_data ref_cnt holders
        // (the data outlives the tee_context while they hold it)
        std::vector<HolderInfo> dataRefs;
        bool dataRefCounted = false;
    };
    struct RequestInfo
    {
        int32_t id = -1;
        int32_t ctx = -1;
        int32_t reqId = -1;
        std::string state; // reqStateName
        bool notification = false;
        uint32_t op = 0;
    };
    // A thread that slept on a lock or in synchronize_srcu, from its
    // Blocked event to its Woken one (or to the end of the run).
    struct WaitInfo
    {
        uint64_t step = 0;      // the step it went to sleep
        uint64_t wokenStep = 0; // 0: still waiting when the run stopped
        int64_t ns = 0;         // how long, in simulated time
        std::string thread;
        std::string text; // "reqs_lock of ctx 1 held by app/suppl"
    };
    struct ViolationInfo
    {
        uint64_t step = 0;
        int32_t invariant = 0;
        std::string finding; // vocab::findingName: "send_not_delivered"
        std::string detail;
        std::string
            driver; // what the step that found it models: "qcomtee_supp_send [call.c] (spec §3.5)"
    };

    // A spec §9 gap the run reached (a note, not a finding: the merged
    // driver's behaviour under gaps=faithful).
    struct GapInfo
    {
        uint64_t step = 0;
        int32_t item = 0;    // §9 item
        std::string finding; // vocab::findingName: "ob_size_grew"
        std::string detail;
        std::string driver; // as ViolationInfo::driver
    };

    std::string scenario;
    std::string title;
    std::string description; // the scenario's first sentence: what to look for
    std::string variant;
    std::string policy;
    uint64_t seed = 0;
    uint64_t maxSteps = 0;
    uint64_t steps = 0;
    int64_t simulatedNs = 0;
    std::string stopReason;
    std::string stopDetail;
    // The scenario's faults this run did not take, each in words with why
    // ("kill P1 when any: only --policy random and explore take it"): a
    // kill that never happened is otherwise invisible.
    std::vector<std::string> faultsNotTaken;
    uint64_t eventTotal = 0;
    // Every EventKind in declaration order, zero counts included.
    std::vector<std::pair<std::string, uint64_t>> eventCounts;
    std::vector<ObjectInfo> objects;
    std::vector<ContextInfo> contexts; // the driver's own context 0 is left out
    std::vector<RequestInfo> requests;
    std::vector<WaitInfo> waits;
    std::vector<ViolationInfo> violations;
    std::vector<GapInfo> gaps;

    static RunSummary build(const sim::Simulator &sim, const sim::Trace &trace,
                            const sim::RunOptions &opts);

    bool hasViolations() const { return !violations.empty(); }
    // A finding: a violation, or a run that ended stuck (someone waits for
    // ever). `run` exits 1 on either.
    bool hasFindings() const { return hasViolations() || stopReason == "stuck"; }
    std::string toText() const;
    // One JSON object, keys documented in docs/cli.md.
    std::string toJson() const;
};

// "850 ns", "12.35 us", "3.2 ms", "1.5 s".
std::string formatDuration(int64_t ns);

// Field-by-field comparison of two events; on a difference names the first
// differing field in `field` (e.g. "refcount").
bool eventsEqual(const Event &a, const Event &b, std::string *field = nullptr);

struct EventDifference
{
    size_t index = 0;  // position in the event lists
    std::string field; // differing field, or "missing" when one list ended
};
// The first position where the two lists differ, or nothing when identical.
std::optional<EventDifference> firstDifference(const EventList &expected, const EventList &actual);

} // namespace tee
