// Exhaustive exploration (issue 11): every interleaving of a scenario's
// threads and of the faults Engine::enabled offers, searched breadth-first
// (shortest counterexamples) or depth-first over canonical states, with
// every invariant checked on every transition and stuck states reported as
// findings. Symmetry reduction over interchangeable threads and a
// partial-order reduction over safe user-space steps are on unless
// ExploreOptions::reduction is off (docs/model.md, "Exploration").
#pragma once

#include "simulator/simulator.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tee::sim {

// The canonical key of a state for the search: the words of everything that
// decides the state's future behaviour, without the bookkeeping that does
// not (step counter unless an at_step fault still waits on it, simulated
// times, the iteration counters of "forever" jumps and of endless serve
// loops, the registers of exited threads, the next object/request id and the
// enqueue sequence), with kernel object ids, request serials and enqueue
// sequence numbers renumbered by rank (the driver only compares them). Ids
// whose values matter are kept: idr ids (lowest free), callback ids
// (cyclic), fds, shm ids, QTEE's object ids. Two states with equal keys have
// the same enabled actions and the same future up to that renumbering.
std::vector<uint32_t> canonicalKey(const Simulator &sim, const State &s);

struct ExploreOptions
{
    enum class Strategy : uint8_t { Bfs, Dfs } strategy = Strategy::Bfs;
    uint64_t maxStates = 0;   // 0: no bound
    uint64_t maxDepth = 0;    // 0: no bound
    uint64_t memoryBytes = 0; // resident set size bound; 0: no bound
    // Keep every canonical key (exhaustive). Otherwise only a 112-bit fingerprint
    // of each key is kept (hash compaction: a state can be missed with the
    // probability ExploreResult::omissionProbability gives).
    bool exact = false;
    // Partial-order reduction (docs/model.md, "Exploration"): a thread whose
    // next step is invisible and independent of every other thread's steps
    // is expanded alone. A counterexample found with it on is confirmed
    // shortest by a search without it, bounded to the counterexample's length.
    bool reduction = true;
    // Worker threads of the breadth-first search (1 = this thread only). The
    // states found, the verdicts and the counterexamples' lengths do not
    // depend on it. Depth-first search runs on one thread.
    unsigned jobs = 1;
    // Exact mode stores a state's section numbers in 16 bits while they are
    // at most this (at most 0xFFFF), in 32 bits from the first one above
    // it. Only tests change it (to make the widening happen early).
    uint32_t narrowSectionLimit = 0xFFFF;
    const std::atomic<bool> *interrupt = nullptr; // set (e.g. by SIGINT): stop with a report
    // Called about every `progressEvery` states (states, depth, rss bytes);
    // the search looks at its clock and memory every 1024 transitions, so
    // smaller values are that coarse.
    std::function<void(uint64_t, uint64_t, uint64_t)> progress;
    uint64_t progressEvery = 65536;
};

enum class ExploreBound : uint8_t { None, States, Depth, Memory, Interrupted };
const char *exploreBoundName(ExploreBound b);

struct ExploreFinding
{
    int invariant = 0;               // 1..18; 0 for a stuck state or a gap
    int gap = 0;                     // a spec §9 gap reached: its item (1..12)
    Finding finding = Finding::None; // which way the invariant broke
    std::vector<Action> path;        // from the initial state; the last action shows it
    std::string detail;              // the violation's text, or who waits on what
    uint64_t length() const { return path.size(); }
    // With reduction on: a search without it found no shorter one (false
    // when that search hit a bound; the length is then an upper bound).
    bool shortestConfirmed = true;
};

struct ExploreResult
{
    uint64_t states = 0;      // distinct canonical states
    uint64_t transitions = 0; // actions applied
    uint64_t maxDepth = 0;
    double seconds = 0;
    uint64_t rssBefore = 0, peakRss = 0; // bytes
    bool exact = false;
    // Exact mode: of the visited set's 64 shards, those whose section
    // numbers outgrew 16 bits (ExploreOptions::narrowSectionLimit).
    unsigned wideShards = 0;
    bool reduction = false; // reduction was on
    // A depth bound turned the partial-order reduction off (symmetry stays):
    // a safe step taken alone can make a state's path longer than its
    // shortest, and the bound would cut states within it.
    bool porOffForDepth = false;
    // Symmetry reduction: the groups of interchangeable threads (indices in
    // State::threads), empty when no two threads are alike.
    std::vector<std::vector<int32_t>> symmetricThreads;
    // Partial-order reduction: states expanded with one safe step only.
    uint64_t reducedStates = 0;
    // The search without reduction that confirmed the counterexamples'
    // lengths (0 states: none was needed).
    uint64_t confirmStates = 0;
    double confirmSeconds = 0;
    // That search ran to the findings' depth (not stopped by another bound):
    // every length it did not find shorter is the shortest.
    bool confirmComplete = true;
    // What stopped that search short (Interrupted: the search was, before
    // it or during it; lengths it had not reached stay unconfirmed).
    ExploreBound confirmBound = ExploreBound::None;
    unsigned jobs = 1;
    bool complete = true; // false: a bound was hit (or interrupted) before the end
    ExploreBound bound = ExploreBound::None;
    std::map<int, ExploreFinding> violations; // by invariant: the first (BFS: a shortest) one
    // Every way an invariant broke (a finding kind: a harmless double SEND
    // and a SEND that completes another client's request are both I11),
    // each with its first (BFS: a shortest) counterexample.
    std::map<std::pair<int, Finding>, ExploreFinding> byFinding;
    std::optional<ExploreFinding> stuck;
    // The spec §9 gaps the search reached, by item and finding kind, each
    // with its first (BFS: a shortest) run. Reported, as `run` does, but not
    // findings: they are the merged driver's behaviour (gaps=faithful), and
    // do not change found() nor the exit status.
    std::map<std::pair<int, Finding>, ExploreFinding> gaps;
    double statesPerSecond() const { return seconds > 0 ? double(states) / seconds : 0; }
    // (peak RSS - RSS before) / states: everything the search kept.
    double bytesPerState() const
    {
        return states ? double(peakRss > rssBefore ? peakRss - rssBefore : 0) / double(states) : 0;
    }
    // Hash compaction: the probability that some state was missed (0 when exact).
    double omissionProbability() const;
    bool found() const { return !violations.empty() || stuck.has_value(); }
};

ExploreResult explore(const Simulator &sim, const ExploreOptions &opts);

// The labels of a finding's path, taken state by state from the initial state.
std::vector<std::string> findingSchedule(const Simulator &sim, const ExploreFinding &f);

// Writes a finding as a capture that `replay` reproduces: policy scripted,
// the path as its schedule, the last step as its focus, a note there naming
// the invariant (or the stuck threads).
bool writeCounterexample(const std::string &path, const Simulator &sim, const ExploreFinding &f,
                         std::string *error);
// The same capture as JSON text; empty, with `error` set, when the path does
// not replay.
std::string counterexampleCapture(const Simulator &sim, const ExploreFinding &f,
                                  std::string *error);
// What that capture holds: the finding's path replayed (timed, with every
// event), the options that replay it, the note at its last step and that
// step (the focus). Nothing, with `error` set, when the path does not replay.
struct FindingRun
{
    Trace trace;
    RunOptions options;
    Note note;
    uint64_t focus = 0;
};
std::optional<FindingRun> findingRun(const Simulator &sim, const ExploreFinding &f,
                                     std::string *error);
// Reading that note back (a capture keeps only its text): whether a note is
// the one explore wrote, and the invariant it names (0: a gap or a stuck
// state, or not explore's).
bool isExploreNote(const std::string &text);
int exploreNoteInvariant(const std::string &text);
// An explore note without its fixed phrase, for a short label: "explore:
// I12: ..." for "explore: the shortest path found to a violation of I12:
// ...", "explore: spec §9 gap 9: ..." for a gap; other text as it is.
std::string exploreNoteShort(const std::string &text);

// The finding a counterexample shows: the shortest violation, else the
// stuck state; nullptr when there is none.
const ExploreFinding *shortestFinding(const ExploreResult &r);
// The shortest run to a spec §9 gap (the lowest item among equals); nullptr
// when none was reached.
const ExploreFinding *shortestGap(const ExploreResult &r);
// The verdict in one line: what was found (each invariant and its shortest
// length), how much was searched, whether it is a proof, and the gaps
// reached. "no violation and no stuck state in all 118 reachable states"
// (exact), "... in the 118 states reached (hash compaction, not
// exhaustive: ...)".
std::string exploreVerdict(const ExploreResult &r);

// Resident set size of this process in bytes (/proc/self/statm), 0 if unknown.
uint64_t residentBytes();
// Half of the machine's RAM in bytes (the default --memory), 0 if unknown.
uint64_t defaultMemoryBound();

} // namespace tee::sim
