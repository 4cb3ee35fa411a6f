// The concurrency corner cases of spec §7, one test function each, named
// after the case. Each drives a scenario through the exact interleaving the
// case describes and asserts what the spec says the driver does.
#include "core/vocabulary.h"
#include "scenariorunner.h"
#include "simulator/simulator.h"
#include "testscenarios.h"

#include <QObject>
#include <QString>
#include <QTest>

using namespace tee;
using namespace teetest;

namespace {

// Applies labels (a braced list may contain commas, hence the variadic).
#define STEPS(runner, ...)                                                                         \
    do {                                                                                           \
        std::string stepError_;                                                                    \
        QVERIFY2((runner).steps(__VA_ARGS__, &stepError_), stepError_.c_str());                    \
    } while (false)

#define LOAD(var, json)                                                                            \
    std::string loadError_##var;                                                                   \
    auto var = loadScenario(json, &loadError_##var);                                               \
    QVERIFY2(var, loadError_##var.c_str())

bool hasEvent(const EventList &ev, EventKind k)
{
    return countKind(ev, k) > 0;
}

const Request *requestWithReqId(const State &s, ContextId ctx, int32_t reqId)
{
    for (const Request &r : s.requests)
        if (r.ctx == ctx && r.reqId == reqId)
            return &r;
    return nullptr;
}

const IdrEntry *reqsIdrEntry(const State &s, ContextId ctx, int32_t reqId)
{
    for (const IdrEntry &e : s.context(ctx).reqsIdr)
        if (e.id == reqId)
            return &e;
    return nullptr;
}

// kForeign's contexts: srv opened first.
const ContextId kSrvCtx(1);
const ContextId kCliCtx(2);
// kForeign's kernel objects in creation order.
const ObjectId kKeeper(0);
const ObjectId kUser5(1); // srv's exported user object, kept by QTEE

// Owner closes while QTEE keeps its callback; the service's on_release
// gives it back (spec §7 case 10), by RELEASE callback or async release.
constexpr const char *kReleaseAfterCloseCallback = R"json({
  "name": "release-after-close",
  "qtee": {"services": [{"uid": 2033,
      "ops": {"1": [{"do": "hold", "target": "io:0", "as": "cb"}, {"do": "return"}]},
      "on_release": [{"do": "release", "target": "held:cb"}, {"do": "return"}]}]},
  "processes": [{"name": "app", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
      {"do": "close", "fd": "fd"},
      {"do": "exit"}]}]}]
})json";

constexpr const char *kReleaseAfterCloseAsync = R"json({
  "name": "release-after-close-async",
  "qtee": {"services": [{"uid": 2033,
      "ops": {"1": [{"do": "hold", "target": "io:0", "as": "cb"}, {"do": "return"}]},
      "on_release": [{"do": "async_release", "targets": ["held:cb"]}, {"do": "return"}]}]},
  "processes": [{"name": "app", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
      {"do": "close", "fd": "fd"},
      {"do": "exit"}]}]}]
})json";

// QTEE calls the kept callback from the release worker after close.
constexpr const char *kInvokeAfterClose = R"json({
  "name": "invoke-after-close",
  "qtee": {"services": [{"uid": 2033,
      "ops": {"1": [{"do": "hold", "target": "io:0", "as": "cb"}, {"do": "return"}]},
      "on_release": [{"do": "callback", "target": "held:cb", "op": 3, "ib": [8]},
                     {"do": "return"}]}]},
  "processes": [{"name": "app", "threads": [
      {"name": "main", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "close", "fd": "fd"},
          {"do": "exit"}]}]}]
})json";

// Two QTEE objects in one context, then close (spec §7 case 9).
constexpr const char *kTwoObjects = R"json({
  "name": "two-objects",
  "qtee": {"services": [{"uid": 2033}, {"uid": 2034}]},
  "processes": [{"name": "app", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "a"},
      {"do": "open_service", "fd": "fd", "uid": 2034, "as": "b"},
      {"do": "close", "fd": "fd"},
      {"do": "exit"}]}]}]
})json";

// Thread a invokes the service while thread b releases it and opens a new
// one (spec §7 cases 12 and 17: the idr id is reused at once).
constexpr const char *kReleaseWhileInvoking = R"json({
  "name": "release-while-invoking",
  "qtee": {"services": [{"uid": 2033, "ops": {"5": [{"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "a", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 5},
          {"do": "exit"}]},
      {"name": "b", "program": [
          {"do": "release", "fd": "fd", "object": "svc"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc2"},
          {"do": "exit"}]}]}]
})json";

// QTEE releases the input callback object in the same message as its final
// result (spec §7 case 14).
constexpr const char *kAsyncInFinal = R"json({
  "name": "async-in-final",
  "qtee": {"services": [{"uid": 2033, "ops": {
      "3": [{"do": "async_release", "targets": ["io:0"]}, {"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 3, "io": [{"user": 1}]},
      {"do": "exit"}]}]}]
})json";

// Two clients, two supplicants with different answers (spec §7 case 16).
constexpr const char *kTwoByTwo = R"json({
  "name": "two-by-two",
  "qtee": {"services": [{"uid": 2033, "ops": {
      "1": [{"do": "callback", "target": "io:0", "op": 7, "ib": [16]}, {"do": "return"}],
      "2": [{"do": "callback", "target": "io:0", "op": 8, "ib": [16]}, {"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "c1", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "exit"}]},
      {"name": "c2", "program": [
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 2, "io": [{"user": 2}]},
          {"do": "exit"}]},
      {"name": "s1", "program": [{"do": "serve", "fd": "fd",
          "replies": [{"match_op": 7, "errno": 11}, {"match_op": 8, "errno": 12}]}]},
      {"name": "s2", "program": [{"do": "serve", "fd": "fd",
          "replies": [{"match_op": 7, "errno": 11}, {"match_op": 8, "errno": 12}]}]}]}]
})json";

// Sequential use of one context: ids (spec §7 case 17, §2.4).
constexpr const char *kIds = R"json({
  "name": "ids",
  "qtee": {"services": [{"uid": 2033, "ops": {
      "1": [{"do": "callback", "target": "io:0", "op": 7, "ib": [16]}, {"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "client", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "a"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "b"},
          {"do": "invoke", "fd": "fd", "object": "a", "op": 1, "io": [{"user": 1}]},
          {"do": "invoke", "fd": "fd", "object": "b", "op": 1, "io": [{"user": 2}]},
          {"do": "release", "fd": "fd", "object": "a"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "c"},
          {"do": "exit"}]},
      {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]}]
})json";

// A big head request and a small one; a supplicant with a small buffer and
// one with a big buffer (spec §7 case 18, §3.4 step 2).
constexpr const char *kSeveralSupplicants = R"json({
  "name": "several-supplicants",
  "qtee": {"services": [{"uid": 2033, "ops": {
      "1": [{"do": "callback", "target": "io:0", "op": 7, "ib": [64]}, {"do": "return"}],
      "2": [{"do": "callback", "target": "io:0", "op": 8, "ib": [16]}, {"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "c1", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "exit"}]},
      {"name": "c2", "program": [
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 2, "io": [{"user": 2}]},
          {"do": "exit"}]},
      {"name": "small", "program": [{"do": "serve", "fd": "fd", "buffer": 32,
          "on_einval": "retry", "max_retries": 100}]},
      {"name": "big", "program": [{"do": "serve", "fd": "fd", "buffer": 4096}]}]}]
})json";

// cli closes its file: service 300's release calls srv's kept object from
// the release worker; service 400's release waits behind it (spec §7 case 19).
constexpr const char *kReleaseCallsBack = R"json({
  "name": "release-calls-back",
  "qtee": {"services": [
      {"uid": 100, "ops": {"1": [{"do": "hold", "target": "io:0", "as": "foreign"},
                                 {"do": "return"}]}},
      {"uid": 300, "on_release": [{"do": "callback", "target": "held:foreign", "op": 20,
                                   "ib": [16]}, {"do": "return"}]},
      {"uid": 400}]},
  "processes": [
      {"name": "srv", "threads": [
          {"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 100, "as": "keeper"},
              {"do": "invoke", "fd": "fd", "object": "keeper", "op": 1, "io": [{"user": 5}]},
              {"do": "exit"}]},
          {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]},
      {"name": "cli", "threads": [{"name": "main", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 300, "as": "a"},
          {"do": "open_service", "fd": "fd", "uid": 400, "as": "b"},
          {"do": "close", "fd": "fd"},
          {"do": "exit"}]}]}],
  "faults": [{"kill": "srv", "when": "any"}]
})json";

// cli's supplicant receives a callback whose first IO is a new keeper
// object (a TEE object: added to cli's qtee_objects_idr) and whose second is
// srv's user object (another context's: marshalling fails, spec §3.4 step 5).
constexpr const char *kRecvUndo = R"json({
  "name": "recv-undo",
  "qtee": {"services": [
      {"uid": 100, "name": "keeper", "ops": {
          "1": [{"do": "hold", "target": "io:0", "as": "foreign"}, {"do": "return"}]}},
      {"uid": 200, "name": "caller", "ops": {
          "4": [{"do": "callback", "target": "io:0", "op": 9,
                 "io": ["service:100", "held:foreign"]},
                {"do": "return"}]}}]},
  "processes": [
      {"name": "srv", "threads": [
          {"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 100, "as": "keeper"},
              {"do": "invoke", "fd": "fd", "object": "keeper", "op": 1, "io": [{"user": 5}]},
              {"do": "exit"}]},
          {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]},
      {"name": "cli", "threads": [
          {"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 200, "as": "svc"},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 4, "io": [{"user": 1}]},
              {"do": "exit"}]},
          {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]}]
})json";

// cli invokes service 200 twice. Op 16 returns two output objects: a new
// keeper object (TEE: added to cli's idr) and srv's user object (another
// context's: the conversion fails, spec §3.1 step 8). Op 18 returns the
// memory object cli passed in (cli's own shm: given back as its shm id).
constexpr const char *kOutputUndo = R"json({
  "name": "output-undo",
  "qtee": {"services": [
      {"uid": 100, "name": "keeper", "ops": {
          "1": [{"do": "hold", "target": "io:0", "as": "foreign"}, {"do": "return"}]}},
      {"uid": 200, "name": "caller", "ops": {
          "16": [{"do": "return", "outputs": ["service:100", "held:foreign"]}],
          "18": [{"do": "return", "outputs": ["io:0"]}]}}]},
  "processes": [
      {"name": "srv", "threads": [
          {"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 100, "as": "keeper"},
              {"do": "invoke", "fd": "fd", "object": "keeper", "op": 1, "io": [{"user": 5}]},
              {"do": "exit"}]},
          {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]},
      {"name": "cli", "threads": [
          {"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 200, "as": "svc"},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 16, "oo": ["a", "b"]},
              {"do": "shm_alloc", "fd": "fd", "size": 4096, "as": "m"},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 18,
               "io": [{"mem": "m"}], "oo": ["x"]},
              {"do": "exit"}]}]}]
})json";

// app invokes its service with op RETAIN, passing a new user object and the
// service object itself as inputs (spec §3.1 steps 5, 6 and 8).
constexpr const char *kRetainWithInputs = R"json({
  "name": "retain-with-inputs",
  "qtee": {"services": [{"uid": 200, "name": "svc", "ops": {"1": [{"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 200, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 65534,
       "io": [{"user": 1}, {"object": "svc"}]},
      {"do": "close", "fd": "fd"},
      {"do": "exit"}]}]}]
})json";

// The supplicant answers a callback with two output objects of its own
// context, built from OUTPUTS: its keeper object (TEE, from its idr) and a
// memory object on its shm (spec §3.5 step 4, qcomtee_objref_to_arg).
constexpr const char *kSendOutputs = R"json({
  "name": "send-tee-and-mem-outputs",
  "qtee": {"services": [
      {"uid": 100, "name": "keeper", "ops": {"1": [{"do": "return"}]}},
      {"uid": 200, "name": "caller", "ops": {
          "1": [{"do": "callback", "target": "io:0", "op": 7, "oo": 2}, {"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "client", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 200, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "exit"}]},
      {"name": "suppl", "program": [
          {"do": "compute", "ns": 10000},
          {"do": "open_service", "fd": "fd", "uid": 100, "as": "k"},
          {"do": "shm_alloc", "fd": "fd", "size": 4096, "as": "m"},
          {"do": "serve", "fd": "fd", "count": 1,
           "replies": [{"match_op": 7, "oo": [OUTPUTS]}]},
          {"do": "exit"}]}]}]
})json";

// QTEE calls the primordial object back with YIELD and passes app's user
// object as an input (spec §3.2).
constexpr const char *kYieldWithInput = R"json({
  "name": "yield-with-input",
  "qtee": {"services": [{"uid": 200, "name": "svc", "ops": {
      "1": [{"do": "callback", "target": "id:0x80000000", "op": 1, "io": ["io:0"]},
            {"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 200, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
      {"do": "close", "fd": "fd"},
      {"do": "exit"}]}]}]
})json";

// A put that is the last one of a user object queues a RELEASE notification
// (spec §2.3): a new request, which may move every request in memory. Three
// paths held a request across such a put and then read and wrote where it
// had been (found by an audit, 2026-12-05: a crash, a random SEND id, a
// T6 written nowhere). In each of these scenarios QTEE gives back its own
// reference to A's user object L (async release) while a callback request
// to another context carries L as an argument, so the argument's reference
// is the last one.
constexpr const char *kLastPutServices = R"json(
  "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {
     "1": [{"do": "hold", "target": "io:0", "as": "L"}, {"do": "return", "result": 0}],
     "2": [{"do": "hold", "target": "io:0", "as": "M"}, {"do": "return", "result": 0}],
     "3": [{"do": "callback", "target": "held:M", "op": 5, "io": ["held:L"]},
           {"do": "return", "result": 0}],
     "4": [{"do": "async_release", "targets": ["held:L"]}, {"do": "return", "result": 0}]
  }}]},)json";
// A exports L, B exports M (and serves it when `bServes`), C's c1 calls M
// with L while c2 has QTEE give L back.
std::string lastPutScenario(bool bServes)
{
    return std::string(R"json({"name": "last-put", "policy": "timed",)json") + kLastPutServices +
           R"json(
  "processes": [
    {"name": "A", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 7}]},
      {"do": "serve", "fd": "fd", "count": 1},
      {"do": "exit"}]}]},
    {"name": "B", "threads": [{"name": "main", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 2, "io": [{"user": 9}]},
      {"do": "compute", "ns": 100000},)json" +
           (bServes ? R"json({"do": "serve", "fd": "fd", "count": 1},)json" : "") + R"json(
      {"do": "exit"}]}]},
    {"name": "C", "threads": [
      {"name": "c1", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        {"do": "compute", "ns": 20000},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 3},
        {"do": "exit"}]},
      {"name": "c2", "program": [
        {"do": "wait", "for": ["fd", "svc"]},
        {"do": "compute", "ns": 50000},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 4},
        {"do": "exit"}]}]}
  ]
})json";
}
// The callback's argument is the serving process's own user object L: RECV
// marshals it (own object: handed over by id, and put), the last put, under
// reqs_lock (§9 item 8).
constexpr const char *kOwnLastPut = R"json({
  "name": "own-last-put", "policy": "scripted",
  "qtee": {"services": [{"uid": 2033, "name": "svc", "ops": {
     "1": [{"do": "hold", "target": "io:0", "as": "L"}, {"do": "hold", "target": "io:1", "as": "M"},
           {"do": "return", "result": 0}],
     "3": [{"do": "callback", "target": "held:M", "op": 5, "io": ["held:L"]},
           {"do": "return", "result": 0}],
     "4": [{"do": "async_release", "targets": ["held:L"]}, {"do": "return", "result": 0}]
  }}]},
  "processes": [{"name": "app", "threads": [
    {"name": "a", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}, {"user": 2}]},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 3},
      {"do": "exit"}]},
    {"name": "b", "program": [
      {"do": "wait", "for": ["fd", "svc"]},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 4},
      {"do": "exit"}]},
    {"name": "c", "program": [
      {"do": "wait", "for": ["fd", "svc"]},
      {"do": "serve", "fd": "fd", "count": 2},
      {"do": "exit"}]}
  ]}]
})json";

// QTEE calls back "held:L" before anything was kept as L: the NULL id,
// which a real QTEE never does (spec §8); the callback carries a new QTEE
// object as its IO.
constexpr const char *kNullCallbackIo = R"json({
  "name": "null-callback-io", "policy": "scripted",
  "qtee": {"services": [
    {"uid": 2033, "name": "svc", "ops": {
       "1": [{"do": "callback", "target": "held:L", "op": 5, "io": ["service:2034"]},
             {"do": "return", "result": 0}],
       "2": [{"do": "hold", "target": "io:0", "as": "L"}, {"do": "return", "result": 0}]
    }},
    {"uid": 2034, "name": "other", "ops": {}}]},
  "processes": [{"name": "app", "threads": [
    {"name": "a", "program": [
      {"do": "open", "as": "fd"},
      {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
      {"do": "invoke", "fd": "fd", "object": "svc", "op": 1},
      {"do": "exit"}]}
  ]}]
})json";

sim::Trace runWith(const std::string &json, const char *variant, std::string *error)
{
    auto sc = loadScenario(json.c_str(), error);
    if (!sc)
        return {};
    // "name=value[,name=value...]"
    for (std::string rest = variant ? variant : ""; !rest.empty() && error->empty();) {
        const size_t comma = rest.find(',');
        *error = sc->variant.set(rest.substr(0, comma));
        rest = comma == std::string::npos ? std::string() : rest.substr(comma + 1);
    }
    if (!error->empty())
        return {};
    const sim::Simulator sim(sc);
    sim::RunOptions opts;
    opts.policy = sc->policy;
    return sim::run(sim, opts, error);
}

// The RequestState events of a trace that end in `to`.
std::vector<const Event *> becomes(const sim::Trace &tr, ReqState to)
{
    std::vector<const Event *> out;
    for (const Event &e : tr.events)
        if (e.kind == EventKind::RequestState && e.to == to)
            out.push_back(&e);
    return out;
}

} // namespace

class TstCornerCases : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killWhileQueued();
    void killWhileProcessing();
    void supplicantAnswersKilledClient();
    void killBetweenCompletionAndCheck();
    void clientKeepsRunningAfterKill_data();
    void clientKeepsRunningAfterKill();
    void sameProcessClientAndSupplicant();
    void supplicantThreadDiesFileOpen();
    void supplicantProcessDies();
    void contextClosedWithQteeObjects();
    void qteeReleasesAfterOwnerClosed_data();
    void qteeReleasesAfterOwnerClosed();
    void qteeInvokesAfterOwnerClosed();
    void releaseWhileInvoking();
    void qteeReleasesWhileDispatching();
    void releaseNotificationWaitsForLock();
    void cbInputReleasedBeforeReturn();
    void releaseNotificationWhileProcessing();
    void outOfOrderCompletion();
    void idReuse();
    void staleSendCompletesAnotherSupplicantsRequest();
    void secondSendAfterPlaceholder();
    void severalSupplicants();
    void recvMarshalFailureUndoesIdr();
    void invokeOutputFailureUndoesIdr();
    void retainConvertsInputsFirst();
    void inboundMessageLimit_data();
    void inboundMessageLimit();
    void sendConvertsTeeAndMemOutputs_data();
    void sendConvertsTeeAndMemOutputs();
    void primordialKeepsItsInputs();
    void primordialAsCallbackInput();
    void qteeHandsBackReceivedObject();
    void releaseDuringCloseTriggersCallbacks();
    void deviceRemovalWhileFilesOpen();
    void deviceRemovalUserKeepsWorking();
    void recvFailureLastPutQueuesNotification();
    void recvOwnObjectLastPut_data();
    void recvOwnObjectLastPut();
    void recvOwnObjectSelfDeadlock();
    void nullCallbackHandsOutNothing();
    void refusedCallbackTakesBackItsIo_data();
    void refusedCallbackTakesBackItsIo();
    void refusedCallbackInOnReleaseKeepsTheObject();
    void qteeHandsOutOnlyWhatTheKernelReads_data();
    void qteeHandsOutOnlyWhatTheKernelReads();
    void closeContextLastPutOfQueuedArgs();
    void argParseCleanup_data();
    void argParseCleanup();
    void firstReleaseFailureIsDropped();
};

// Case 1: dispatch removes the QUEUED request and returns -ENODEV, QTEE gets
// DEFUNCT, the supplicant never sees it; the left-over req_c count causes
// one spurious wake-up.
void TstCornerCases::killWhileQueued()
{
    LOAD(sc, kForeign);
    ScenarioRunner r(sc);
    STEPS(r,
          kForeignQueued + Labels{"kill cli", "cli/main: dispatch interrupted by SIGKILL (req 0)",
                                  "cli/main: dispatch killed (req 0 QUEUED)"});
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"QUEUED->REMOVED"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::DispatchReturn).front().errno_, err::kENODEV);
    QVERIFY(r.state.context(kSrvCtx).reqsList.empty());
    QVERIFY(r.state.context(kSrvCtx).reqsIdr.empty());
    QCOMPARE(r.state.context(kSrvCtx).reqC, 1); // the enqueue's signal is left over

    STEPS(r, Labels{"cli/main: callback response -ENODEV"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SmcCallbackResponse).front().value, qres::DEFUNCT);

    // srv/suppl: RECV finds nothing, consumes the stale count, finds nothing
    // again and sleeps; it never receives the request.
    STEPS(r, Labels{"srv/suppl: SUPPL_RECV"});
    QCOMPARE(countKind(r.lastEvents(), EventKind::RequestState), 0);
    STEPS(r, Labels{"srv/suppl: SUPPL_RECV woken by req_c"});
    const EventList spurious = r.lastEvents();
    QCOMPARE(countKind(spurious, EventKind::RequestState), 0);
    QVERIFY(hasEvent(spurious, EventKind::Woken));
    QVERIFY(hasEvent(spurious, EventKind::Blocked));
    QCOMPARE(r.state.context(kSrvCtx).reqC, 0);
    QCOMPARE(r.thread("srv/suppl").phase, Phase::RecvWait);
    for (const std::string &l : r.enabledLabels())
        QVERIFY2(l.rfind("srv/suppl:", 0) != 0, l.c_str());
    QCOMPARE(countKind(r.events, EventKind::ArgAccess), 0);
}

// Case 2: the placeholder keeps the id; SEND fails with -EINVAL and frees
// it. Objects received in RECV stay the supplicant's; what it meant to
// return is never turned into kernel objects.
void TstCornerCases::killWhileProcessing()
{
    LOAD(sc, kForeign);
    ScenarioRunner r(sc);
    STEPS(r, kForeignSetup +
                 Labels{"cli/c4: OBJECT_INVOKE obj 0 op 6", "cli/c4: QTEE callback 0x80000001 op 8",
                        "srv/suppl: SUPPL_RECV", "srv/suppl: RECV marshal arg 1/3 of req 0",
                        "srv/suppl: RECV marshal arg 2/3 of req 0",
                        "srv/suppl: RECV marshal arg 3/3 of req 0"});
    // the IO (a new keeper object) went into srv's idr as id 1
    const auto added = ofKind(r.events, EventKind::IdrAdd);
    QCOMPARE(added.back().ctx, kSrvCtx);
    QCOMPARE(added.back().reqId, 1);
    const ObjectId received = added.back().object;

    STEPS(r, Labels{"kill cli", "cli/c4: dispatch interrupted by SIGKILL (req 0)",
                    "cli/c4: dispatch killed (req 0 PROCESSING)"});
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"PROCESSING->PLACEHOLDER"});
    const IdrEntry *slot = reqsIdrEntry(r.state, kSrvCtx, 0);
    QVERIFY(slot);
    QCOMPARE(slot->ref, -1); // empty_ureq
    QVERIFY(r.state.context(kSrvCtx).reqsList.empty());

    const int32_t objectsBefore = r.state.nextObject;
    STEPS(r, Labels{"srv/suppl: SUPPL_SEND req 0 ret 0"});
    const EventList send = r.lastEvents();
    QCOMPARE(transitions(send), std::vector<std::string>{"PLACEHOLDER->REMOVED"});
    QCOMPARE(ofKind(send, EventKind::SyscallReturn).front().errno_, err::kEINVAL);
    QVERIFY(!hasEvent(send, EventKind::ObjectCreated)); // user object 9 never made
    QCOMPARE(r.state.nextObject, objectsBefore);
    QVERIFY(!reqsIdrEntry(r.state, kSrvCtx, 0));
    // the received object is still srv's, in its idr
    const auto &idr = r.state.context(kSrvCtx).qteeObjectsIdr;
    QVERIFY(std::any_of(idr.begin(), idr.end(),
                        [&](const IdrEntry &e) { return e.id == 1 && e.ref == received.v; }));
    QVERIFY(r.state.object(received));
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 3: a supplicant answering a killed client gets -EINVAL; the client
// returned -ENODEV and QTEE got DEFUNCT, not the supplicant's answer. A
// client killed while QUEUED leaves nothing for the supplicant to answer.
void TstCornerCases::supplicantAnswersKilledClient()
{
    LOAD(sc, kForeign);
    setReplies(*sc, 11);
    ScenarioRunner r(sc);
    STEPS(r, kForeignProcessing + Labels{"kill cli",
                                         "cli/main: dispatch interrupted by SIGKILL (req 0)",
                                         "cli/main: dispatch killed (req 0 PROCESSING)",
                                         "cli/main: callback response -ENODEV",
                                         "srv/suppl: SUPPL_SEND req 0 ret 11"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SyscallReturn).front().errno_, err::kEINVAL);
    const auto dispatch = ofKind(r.events, EventKind::DispatchReturn);
    QCOMPARE(dispatch.size(), size_t(1));
    QCOMPARE(dispatch.front().errno_, err::kENODEV);
    const auto resp = ofKind(r.events, EventKind::SmcCallbackResponse);
    QCOMPARE(resp.size(), size_t(1));
    QCOMPARE(resp.front().value, qres::DEFUNCT);

    // killed while QUEUED: RECV never returns its id
    ScenarioRunner q(sc);
    STEPS(q,
          kForeignQueued + Labels{"kill cli", "cli/main: dispatch interrupted by SIGKILL (req 0)",
                                  "cli/main: dispatch killed (req 0 QUEUED)"});
    QVERIFY(q.runScripted());
    for (const Event &e : q.events)
        if (e.kind == EventKind::RequestState && e.request == RequestId(0))
            QVERIFY(e.to != ReqState::PROCESSING);
    QCOMPARE(countKind(q.events, EventKind::ArgAccess), 0);
}

// Case 4: the completion fired before the kill was seen: PROCESSED, so the
// supplicant's result is used and, on success, notify still runs (the OO it
// returned reaches QTEE with a callback id, the driver copy is dropped).
void TstCornerCases::killBetweenCompletionAndCheck()
{
    LOAD(sc, kForeign);
    ScenarioRunner r(sc);
    STEPS(r, kForeignSetup +
                 Labels{"cli/c4: OBJECT_INVOKE obj 0 op 6", "cli/c4: QTEE callback 0x80000001 op 8",
                        "srv/suppl: SUPPL_RECV", "srv/suppl: RECV marshal arg 1/3 of req 0",
                        "srv/suppl: RECV marshal arg 2/3 of req 0",
                        "srv/suppl: RECV marshal arg 3/3 of req 0",
                        "srv/suppl: SUPPL_SEND req 0 ret 0",
                        "srv/suppl: SEND unmarshal output of req 0"});
    const auto created = ofKind(r.events, EventKind::ObjectCreated);
    QCOMPARE(created.back().objectType, ObjectType::User);
    QCOMPARE(created.back().userObjectId, uint64_t(9));
    const ObjectId out = created.back().object;
    QCOMPARE(r.state.request(RequestId(0))->state, ReqState::PROCESSED);

    STEPS(r, Labels{"kill cli", "cli/c4: dispatch woken (req 0 PROCESSED)"});
    QCOMPARE(countKind(r.lastEvents(), EventKind::RequestState), 0); // no T7/T8
    QCOMPARE(ofKind(r.lastEvents(), EventKind::DispatchReturn).front().errno_, 0);

    STEPS(r, Labels{"cli/c4: callback response 0"});
    const EventList resp = r.lastEvents();
    QCOMPARE(ofKind(resp, EventKind::SmcCallbackResponse).front().value, qres::OK);
    const int xa = indexOf(
        resp, [&](const Event &e) { return e.kind == EventKind::XaAlloc && e.object == out; });
    const int smc =
        indexOf(resp, [](const Event &e) { return e.kind == EventKind::SmcCallbackResponse; });
    const int notifyPut = indexOf(resp, [&](const Event &e) {
        return e.kind == EventKind::RefPut && e.object == out && e.holder == HolderKind::DriverCopy;
    });
    QVERIFY(xa >= 0);
    QVERIFY(smc > xa);
    QVERIFY(notifyPut > smc);                // notify runs after the response SMC (I15)
    QVERIFY(!r.state.request(RequestId(0))); // freed by notify (T10)
    QVERIFY(r.state.object(out));            // QTEE holds it now
    QCOMPARE(r.state.object(out)->refcount(), 1);
    QCOMPARE(r.state.object(out)->holders.front().kind, HolderKind::QteeId);
}

// Case 5: after the kill the invocation goes on: DEFUNCT reaches QTEE,
// QTEE calls back again, and that request is queued and removed at once
// (-ENODEV) - unless a supplicant woken by req_c takes it first, in which
// case the placeholder path of case 2 applies.
void TstCornerCases::clientKeepsRunningAfterKill_data()
{
    QTest::addColumn<bool>("supplicantFirst");
    QTest::newRow("removed at once") << false;
    QTest::newRow("a supplicant takes it first") << true;
}

void TstCornerCases::clientKeepsRunningAfterKill()
{
    QFETCH(bool, supplicantFirst);
    LOAD(sc, kForeign);
    ScenarioRunner r(sc);
    STEPS(r, kForeignSetup + Labels{"cli/c5: OBJECT_INVOKE obj 0 op 10",
                                    "cli/c5: QTEE callback 0x80000001 op 7", "kill cli",
                                    "cli/c5: dispatch interrupted by SIGKILL (req 0)",
                                    "cli/c5: dispatch killed (req 0 QUEUED)",
                                    "cli/c5: callback response -ENODEV",
                                    "cli/c5: QTEE callback 0x80000001 op 11"});
    // the second callback is still queued: enqueue does not look at signals
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"NEW->QUEUED"});
    const RequestId second = ofKind(r.lastEvents(), EventKind::RequestState).front().request;
    QCOMPARE(r.state.request(second)->reqId, 0); // T7 freed id 0 already
    if (!supplicantFirst) {
        // the fatal signal is pending: the wait ends at once
        STEPS(r, Labels{"cli/c5: dispatch interrupted by SIGKILL (req 0)",
                        "cli/c5: dispatch killed (req 0 QUEUED)"});
        QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"QUEUED->REMOVED"});
    } else {
        STEPS(r, Labels{"srv/suppl: SUPPL_RECV", "srv/suppl: RECV marshal arg 1/1 of req 0",
                        "cli/c5: dispatch interrupted by SIGKILL (req 0)",
                        "cli/c5: dispatch killed (req 0 PROCESSING)"});
        QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"PROCESSING->PLACEHOLDER"});
    }
    QCOMPARE(ofKind(r.lastEvents(), EventKind::DispatchReturn).front().errno_, err::kENODEV);
    STEPS(r, Labels{"cli/c5: callback response -ENODEV", "cli/c5: QTEE returns 0"});
    const auto resp = ofKind(r.events, EventKind::SmcCallbackResponse);
    QCOMPARE(resp.size(), size_t(2));
    QCOMPARE(resp[0].value, qres::DEFUNCT);
    QCOMPARE(resp[1].value, qres::DEFUNCT);
    // the ioctl itself completes (QTEE's result), then the thread dies
    const auto ret = ofKind(r.lastEvents(), EventKind::SyscallReturn);
    QCOMPARE(ret.size(), size_t(1));
    QCOMPARE(ret.front().errno_, 0);
    QVERIFY(r.isEnabled("cli/c5: exit (killed)"));
}

// Case 6: client and supplicant in one process; the process is killed while
// the client waits on a request its own supplicant holds. The killable wait
// ends, nothing deadlocks, and everything is torn down.
void TstCornerCases::sameProcessClientAndSupplicant()
{
    LOAD(sc, kLocal);
    ScenarioRunner r(sc);
    STEPS(r, kLocalInvoke + Labels{kLocalCallback} + kLocalRecv + Labels{"kill app"});
    QVERIFY(r.isEnabled("app/client: dispatch interrupted by SIGKILL (req 0)"));
    QVERIFY(r.isEnabled("app/suppl: exit (killed)"));
    QVERIFY(r.runScripted());
    QVERIFY2(r.enabledLabels().empty(), r.enabledText().c_str());
    for (const Thread &t : r.state.threads)
        QVERIFY(t.phase == Phase::Exited || t.phase == Phase::WorkerIdle);
    QVERIFY(r.state.processes[0].exited);
    QVERIFY(r.state.context(ContextId(1)).ctxFreed);
    QVERIFY(r.state.context(ContextId(1)).dataFreed);
    QCOMPARE(ofKind(r.events, EventKind::DispatchReturn).front().errno_, err::kENODEV);
    // the placeholder keeps id 0 until the context is released (idr destroyed)
    QCOMPARE(transitions(r.events, RequestId(0)),
             (std::vector<std::string>{"NEW->QUEUED", "QUEUED->PROCESSING",
                                       "PROCESSING->PLACEHOLDER", "PLACEHOLDER->REMOVED"}));
    const int removed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::RequestState && e.from == ReqState::Placeholder;
    });
    const int released = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ContextReleased && e.ctx == ContextId(1);
    });
    QVERIFY(released >= 0);
    QVERIFY(removed >= 0);
    QCOMPARE(r.events[size_t(removed)].step, r.events[size_t(released)].step);
    QVERIFY(r.state.objects.empty());
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 7: the supplicant thread dies after RECV, the file stays open. The
// request stays PROCESSING for ever: nothing times out (I14) until the
// client is killed.
void TstCornerCases::supplicantThreadDiesFileOpen()
{
    LOAD(sc, kLocal);
    RunnerOptions o;
    o.diesAfterRecv = {"app/suppl"};
    ScenarioRunner r(sc, o);
    STEPS(r, kLocalInvoke + Labels{kLocalCallback} + kLocalRecv + Labels{"app/suppl: exit"});
    QCOMPARE(r.thread("app/suppl").phase, Phase::Exited);
    QVERIFY(!r.state.processes[0].exited);
    QVERIFY(r.state.context(ContextId(1)).fileOpen);
    QVERIFY(r.runScripted());
    QVERIFY2(r.enabledLabels() == std::vector<std::string>{"kill app"}, r.enabledText().c_str());
    QCOMPARE(r.state.request(RequestId(0))->state, ReqState::PROCESSING);
    QCOMPARE(r.thread("app/client").phase, Phase::DispatchWait);
    const std::string why = r.engine().blockedWhy(r.state, r.threadId("app/client"));
    QVERIFY2(why.find("PROCESSING") != std::string::npos, why.c_str());
    // a simulated eternity later it is still waiting: no timeout exists
    QCOMPARE(countKind(r.events, EventKind::DispatchReturn), 0);

    STEPS(r, Labels{"kill app", "app/client: dispatch interrupted by SIGKILL (req 0)",
                    "app/client: dispatch killed (req 0 PROCESSING)"});
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"PROCESSING->PLACEHOLDER"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::DispatchReturn).front().errno_, err::kENODEV);
}

// Case 8: the supplicant's process dies: close_context completes QUEUED and
// PROCESSING requests with -ENODEV, drops queued RELEASE notifications,
// later dispatches fail at once, its QTEE objects are put (RELEASE queued)
// and the context data lives until QTEE released its user objects.
void TstCornerCases::supplicantProcessDies()
{
    LOAD(sc, kForeign);
    ScenarioRunner r(sc);
    STEPS(r, kForeignProcessing +
                 Labels{"cli/c2: OBJECT_INVOKE obj 0 op 2", "cli/c2: QTEE callback 0x80000001 op 7",
                        "srv/extra: OBJECT_INVOKE obj 0 op 3", "srv/extra: QTEE returns 0"});
    // req 0 PROCESSING, req 1 QUEUED, a RELEASE notification (user 6) QUEUED
    const Context &before = r.state.context(kSrvCtx);
    QCOMPARE(before.reqsList.size(), size_t(3));
    const Request *note = requestWithReqId(r.state, kSrvCtx, 2);
    QVERIFY(note && note->notification);

    STEPS(r, Labels{"kill srv", "srv/main: exit (killed)", "srv/suppl: exit (killed)",
                    "srv/suppl2: exit (killed)", "srv/extra: exit (killed)",
                    "srv/extra: exit_files", "srv/extra: close_context ctx 1"});
    const EventList close = r.lastEvents();
    QCOMPARE(transitions(close),
             (std::vector<std::string>{"PROCESSING->PROCESSED", "QUEUED->PROCESSED",
                                       "QUEUED->REMOVED"}));
    for (const Event &e : ofKind(close, EventKind::RequestState))
        if (e.to == ReqState::PROCESSED)
            QCOMPARE(e.errno_, err::kENODEV);
    QCOMPARE(countKind(close, EventKind::Woken), 2);
    QVERIFY(r.state.context(kSrvCtx).released);

    STEPS(r, Labels{"srv/extra: close_context ctx 1: put QTEE objects"});
    QVERIFY(indexOf(r.lastEvents(), [](const Event &e) {
                return e.kind == EventKind::WorkQueued && e.object == kKeeper;
            }) >= 0);
    // user object 5 is still held by QTEE: the context data stays
    QVERIFY(r.state.object(kUser5));
    QVERIFY(!r.state.context(kSrvCtx).dataFreed);
    QVERIFY(!r.state.context(kSrvCtx).ctxFreed);

    STEPS(r,
          Labels{"cli/main: dispatch woken (req 0 PROCESSED)",
                 "cli/main: callback response -ENODEV", "cli/main: QTEE returns 0",
                 "cli/main: OBJECT_INVOKE obj 0 op 2", "cli/main: QTEE callback 0x80000001 op 7"});
    QCOMPARE(countKind(r.lastEvents(), EventKind::RequestState), 0); // enqueue failed
    STEPS(r, Labels{"cli/main: callback response -ENODEV"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SmcCallbackResponse).front().value, qres::DEFUNCT);

    // c2's dispatch still holds user object 5 (oic->object) until its
    // response; then the keeper's RELEASE gives QTEE's copy back and the
    // context data goes
    STEPS(r, Labels{"cli/main: QTEE returns 0", "cli/c2: dispatch woken (req 1 PROCESSED)",
                    "cli/c2: callback response -ENODEV"});
    QVERIFY(r.state.object(kUser5));
    QCOMPARE(r.state.object(kUser5)->refcount(), 1);
    QCOMPARE(r.state.object(kUser5)->holders.front().kind, HolderKind::QteeId);
    QVERIFY(!r.state.context(kSrvCtx).dataFreed);
    STEPS(r, Labels{"qcomtee_wq: release obj 0 (QTEE 0x100)", "qcomtee_wq: QTEE returns 0"});
    QVERIFY(!r.state.object(kUser5));
    QVERIFY(r.state.context(kSrvCtx).dataFreed);
    const int freed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ObjectFreed && e.object == kUser5;
    });
    const int dataFreed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ContextDataFreed && e.ctx == kSrvCtx;
    });
    QVERIFY(freed >= 0);
    QVERIFY(dataFreed >= 0);
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 9: close puts each QTEE object of the idr exactly once; the objects
// live until the release worker has sent RELEASE to QTEE.
void TstCornerCases::contextClosedWithQteeObjects()
{
    LOAD(sc, kTwoObjects);
    ScenarioRunner r(sc);
    STEPS(r, Labels{"app/main: open /dev/tee", "app/main: OBJECT_INVOKE ROOT op 32",
                    "app/main: QTEE returns 0", "app/main: OBJECT_INVOKE ROOT op 32",
                    "app/main: QTEE returns 0", "app/main: close fd 3",
                    "app/main: close_context ctx 1",
                    "app/main: close_context ctx 1: put QTEE objects"});
    const EventList ev = r.lastEvents();
    const auto puts = ofKind(ev, EventKind::RefPut);
    QCOMPARE(puts.size(), size_t(2));
    QCOMPARE(puts[0].object, ObjectId(0));
    QCOMPARE(puts[1].object, ObjectId(1));
    for (const Event &p : puts) {
        QCOMPARE(p.holder, HolderKind::CtxIdr);
        QCOMPARE(p.refcount, 0);
    }
    QCOMPARE(countKind(ev, EventKind::WorkQueued), 2);
    QCOMPARE(r.state.wq.size(), size_t(2));
    QVERIFY(r.state.context(ContextId(1)).qteeObjectsIdr.empty());
    QVERIFY(r.state.context(ContextId(1)).ctxFreed);
    // alive until their RELEASE, each holding the driver context
    QVERIFY(r.state.object(ObjectId(0)) && r.state.object(ObjectId(1)));
    QCOMPARE(r.state.context(ContextId(0)).refs.size(), size_t(3)); // file + 2 objects
    QVERIFY(r.runScripted());
    QVERIFY(r.state.objects.empty());
    QCOMPARE(countKind(r.events, EventKind::WorkDone), 2);
    QCOMPARE(r.state.context(ContextId(0)).refs.size(), size_t(1));
    // exactly one RELEASE per object
    int releases = 0;
    for (const Event &e : r.events)
        if (e.kind == EventKind::SmcInvoke && e.op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
            ++releases;
    QCOMPARE(releases, 2);
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 10: QTEE gives a callback back after its owner closed: the last put
// finds the context released and drops the notification silently, then the
// owner reference goes and the context is freed.
void TstCornerCases::qteeReleasesAfterOwnerClosed_data()
{
    QTest::addColumn<bool>("async");
    QTest::newRow("callback RELEASE op") << false;
    QTest::newRow("async release") << true;
}

void TstCornerCases::qteeReleasesAfterOwnerClosed()
{
    QFETCH(bool, async);
    LOAD(sc, async ? kReleaseAfterCloseAsync : kReleaseAfterCloseCallback);
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    const int closed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ContextClosed && e.ctx == ContextId(1);
    });
    const int freed = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ObjectFreed && e.object == ObjectId(1);
    });
    QVERIFY(closed >= 0);
    QVERIFY(freed > closed);
    // the object's last put came from QTEE, in the release worker
    const Event &put = r.events[size_t(indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::RefPut && e.object == ObjectId(1) && e.refcount == 0;
    }))];
    QCOMPARE(put.holder, async ? HolderKind::QteeId : HolderKind::OicObject);
    QCOMPARE(put.thread, ThreadId(int32_t(r.state.threads.size() - 1)));
    // no RELEASE notification was queued
    QCOMPARE(countKind(r.events, EventKind::RequestState), 0);
    QVERIFY(indexOf(r.events, [](const Event &e) {
                return e.kind == EventKind::Note && e.object == ObjectId(1) &&
                       e.finding == Finding::NotificationDropped;
            }) >= 0);
    // then the owner reference: the context and its data go
    const int released = indexOf(r.events, [](const Event &e) {
        return e.kind == EventKind::ContextReleased && e.ctx == ContextId(1);
    });
    QVERIFY(released > closed);
    QVERIFY(r.state.context(ContextId(1)).dataFreed);
    QVERIFY(r.state.objects.empty());
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 11: QTEE invokes the callback after its owner closed: enqueue fails,
// dispatch returns -ENODEV and QTEE gets DEFUNCT.
void TstCornerCases::qteeInvokesAfterOwnerClosed()
{
    LOAD(sc, kInvokeAfterClose);
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    const auto cb = ofKind(r.events, EventKind::QteeCallback);
    QCOMPARE(cb.size(), size_t(1));
    QCOMPARE(cb.front().op, 3u);
    QVERIFY(indexOf(r.events, [](const Event &e) { return e.kind == EventKind::ContextClosed; }) <
            indexOf(r.events, [](const Event &e) { return e.kind == EventKind::QteeCallback; }));
    QCOMPARE(countKind(r.events, EventKind::RequestState), 0);
    const auto resp = ofKind(r.events, EventKind::SmcCallbackResponse);
    QCOMPARE(resp.size(), size_t(1));
    QCOMPARE(resp.front().errno_, err::kENODEV);
    QCOMPARE(resp.front().value, qres::DEFUNCT);
    QVERIFY(r.state.objects.empty());
}

// Case 12: userspace releases the object another thread is invoking: the
// idr entry goes at once, the object survives until the invocation's own
// put, and only then is RELEASE queued. The idr id is reused at once.
void TstCornerCases::releaseWhileInvoking()
{
    LOAD(sc, kReleaseWhileInvoking);
    ScenarioRunner r(sc);
    STEPS(r,
          Labels{"app/a: open /dev/tee", "app/a: OBJECT_INVOKE ROOT op 32", "app/a: QTEE returns 0",
                 "app/a: OBJECT_INVOKE obj 0 op 5", "app/b: OBJECT_INVOKE release obj 0"});
    EventList ev = r.lastEvents();
    QCOMPARE(countKind(ev, EventKind::IdrRemove), 1);
    const auto put = ofKind(ev, EventKind::RefPut);
    QCOMPARE(put.size(), size_t(1));
    QCOMPARE(put.front().refcount, 1); // the invocation's reference remains
    QVERIFY(!hasEvent(ev, EventKind::WorkQueued));
    QVERIFY(r.state.object(ObjectId(0)));
    QCOMPARE(ofKind(ev, EventKind::SyscallReturn).front().errno_, 0);

    // ABA: the next object gets idr id 0 again
    STEPS(r, Labels{"app/b: OBJECT_INVOKE ROOT op 32", "app/b: QTEE returns 0"});
    const auto add = ofKind(r.lastEvents(), EventKind::IdrAdd);
    QCOMPARE(add.size(), size_t(1));
    QCOMPARE(add.front().reqId, 0);
    QCOMPARE(add.front().object, ObjectId(1));

    STEPS(r, Labels{"app/a: QTEE returns 0"});
    ev = r.lastEvents();
    const int last = indexOf(ev, [](const Event &e) {
        return e.kind == EventKind::RefPut && e.object == ObjectId(0) &&
               e.holder == HolderKind::InvokeTarget && e.refcount == 0;
    });
    const int queued = indexOf(ev, [](const Event &e) {
        return e.kind == EventKind::WorkQueued && e.object == ObjectId(0);
    });
    QVERIFY(last >= 0);
    QVERIFY(queued > last);
    QCOMPARE(ofKind(ev, EventKind::SyscallReturn).front().errno_, 0);
    QVERIFY(r.runScripted());
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 13: QTEE releases the callback object (from another thread) while the
// kernel dispatches to it: oic->object's reference keeps it alive until the
// callback response; the RELEASE notification is queued only then.
void TstCornerCases::qteeReleasesWhileDispatching()
{
    LOAD(sc, kForeign);
    ScenarioRunner r(sc);
    STEPS(r, kForeignQueued + Labels{"cli/c6: OBJECT_INVOKE obj 0 op 12",
                                     "cli/c6: QTEE callback 0x80000001 op RELEASE"});
    const EventList rel = r.lastEvents();
    QCOMPARE(countKind(rel, EventKind::XaErase), 1);
    QVERIFY(!hasEvent(rel, EventKind::ObjectFreed));
    QVERIFY(r.state.object(kUser5));
    STEPS(r, Labels{"cli/c6: callback response 0", "cli/c6: QTEE returns 0"});
    QVERIFY(r.state.object(kUser5)); // cli/main's dispatch still holds it
    QCOMPARE(r.state.object(kUser5)->refcount(), 1);
    QCOMPARE(r.state.object(kUser5)->holders.front().kind, HolderKind::OicObject);

    // the supplicant serves the request normally
    STEPS(r, Labels{"srv/suppl: SUPPL_RECV", "srv/suppl: RECV marshal arg 1/2 of req 0",
                    "srv/suppl: RECV marshal arg 2/2 of req 0", "srv/suppl: SUPPL_SEND req 0 ret 0",
                    "srv/suppl: SEND unmarshal output of req 0",
                    "cli/main: dispatch woken (req 0 PROCESSED)"});
    QCOMPARE(countKind(r.events, EventKind::ObjectFreed), 0);
    QCOMPARE(transitions(r.events), (std::vector<std::string>{"NEW->QUEUED", "QUEUED->PROCESSING",
                                                              "PROCESSING->PROCESSED"}));

    STEPS(r, Labels{"cli/main: callback response 0"});
    const EventList ev = r.lastEvents();
    const int smc =
        indexOf(ev, [](const Event &e) { return e.kind == EventKind::SmcCallbackResponse; });
    const int queued = indexOf(ev, [](const Event &e) {
        return e.kind == EventKind::RequestState && e.to == ReqState::QUEUED;
    });
    const int freed = indexOf(
        ev, [](const Event &e) { return e.kind == EventKind::ObjectFreed && e.object == kUser5; });
    QVERIFY(smc >= 0);
    QVERIFY(queued > smc);
    QVERIFY(freed > queued);
    const Event &n = ev[size_t(queued)];
    QCOMPARE(n.op, QCOMTEE_MSG_OBJECT_OP_RELEASE);
    QCOMPARE(n.userObjectId, uint64_t(5));
    QCOMPARE(n.ctx, kSrvCtx);
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Spec §2.5: every change to reqs_list happens under reqs_lock, and T1
// (ureq_enqueue) is the same for a RELEASE notification. srv/extra's
// invocation returns and QTEE drops its copy of user object 6: the last put
// queues a RELEASE notification on srv's context while srv/suppl marshals
// req 0 under that context's reqs_lock. srv/extra's step is then
// mutex_lock going to sleep; the notification is queued after the
// supplicant's unlock, with nothing of the step done before.
void TstCornerCases::releaseNotificationWaitsForLock()
{
    LOAD(sc, kForeign);
    ScenarioRunner r(sc);
    STEPS(r,
          kForeignQueued + Labels{"srv/extra: OBJECT_INVOKE obj 0 op 3", "srv/suppl: SUPPL_RECV"});
    const ThreadId suppl = r.threadId("srv/suppl");
    const ThreadId extra = r.threadId("srv/extra");
    QCOMPARE(r.state.context(kSrvCtx).reqsLockOwner, suppl);
    const std::vector<int32_t> listBefore = r.state.context(kSrvCtx).reqsList;
    const size_t objectsBefore = r.state.objects.size();

    STEPS(r, Labels{"srv/extra: wait reqs_lock of ctx1 (held by srv/suppl)"});
    const EventList wait = r.lastEvents();
    QCOMPARE(countKind(wait, EventKind::Blocked), 1);
    QCOMPARE(ofKind(wait, EventKind::Blocked).front().peer, suppl);
    QCOMPARE(countKind(wait, EventKind::RefPut), 0); // nothing of the step ran
    QCOMPARE(countKind(wait, EventKind::RequestState), 0);
    QCOMPARE(r.state.context(kSrvCtx).reqsList, listBefore);
    QCOMPARE(r.state.objects.size(), objectsBefore);
    QCOMPARE(r.state.thread(extra).lockWait, kSrvCtx);
    QVERIFY(!r.isEnabled("srv/extra: QTEE returns 0"));

    // The supplicant's unlock (after the last argument) wakes srv/extra,
    // whose step then runs whole: the put, then T1 under the free lock.
    STEPS(r, Labels{"srv/suppl: RECV marshal arg 0 of req#0 (2 args)",
                    "srv/suppl: RECV marshal arg 1 of req#0 (2 args)"});
    QVERIFY(!r.state.context(kSrvCtx).reqsLockOwner.valid());
    STEPS(r, Labels{"srv/extra: QTEE returns 0"});
    const EventList ret = r.lastEvents();
    const auto queued = ofKind(ret, EventKind::RequestState);
    QCOMPARE(queued.size(), size_t(1));
    QCOMPARE(queued.front().to, ReqState::QUEUED);
    QCOMPARE(queued.front().op, QCOMTEE_MSG_OBJECT_OP_RELEASE);
    QCOMPARE(queued.front().userObjectId, uint64_t(6));
    QCOMPARE(ofKind(ret, EventKind::LockAcquire).front().thread, extra);
    QVERIFY(!r.state.thread(extra).lockWait.valid());
    QVERIFY(r.state.context(kSrvCtx).lockWaiters.empty());
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 14: an IO callback object released by QTEE in the final message stays
// valid through the driver's temporary copy until the invocation drops it.
void TstCornerCases::cbInputReleasedBeforeReturn()
{
    LOAD(sc, kAsyncInFinal);
    ScenarioRunner r(sc);
    STEPS(r, Labels{"app/main: open /dev/tee", "app/main: OBJECT_INVOKE ROOT op 32",
                    "app/main: QTEE returns 0", "app/main: OBJECT_INVOKE obj 0 op 3",
                    "app/main: QTEE returns 0"});
    const EventList ev = r.lastEvents();
    const ObjectId user(1);
    const int async = indexOf(ev, [](const Event &e) { return e.kind == EventKind::AsyncRelease; });
    const int qteePut = indexOf(ev, [&](const Event &e) {
        return e.kind == EventKind::RefPut && e.object == user && e.holder == HolderKind::QteeId;
    });
    const int copyPut = indexOf(ev, [&](const Event &e) {
        return e.kind == EventKind::RefPut && e.object == user &&
               e.holder == HolderKind::DriverCopy;
    });
    const int freed = indexOf(
        ev, [&](const Event &e) { return e.kind == EventKind::ObjectFreed && e.object == user; });
    QVERIFY(async >= 0);
    QVERIFY(qteePut > async);
    QCOMPARE(ev[size_t(qteePut)].refcount, 1); // still alive: the driver copy
    QVERIFY(copyPut > qteePut);
    QCOMPARE(ev[size_t(copyPut)].refcount, 0);
    QVERIFY(freed > copyPut);
    QCOMPARE(ofKind(ev, EventKind::SyscallReturn).front().errno_, 0);
    QCOMPARE(ofKind(ev, EventKind::SyscallReturn).front().value, 0);
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 15: after a kill the orphaned request stays PROCESSING (placeholder),
// QTEE releases the object, and a supplicant receives RELEASE for an object
// whose request is still being served.
void TstCornerCases::releaseNotificationWhileProcessing()
{
    LOAD(sc, kForeign);
    ScenarioRunner r(sc);
    STEPS(r,
          kForeignSetup +
              Labels{"cli/c7: OBJECT_INVOKE obj 0 op 14", "cli/c7: QTEE callback 0x80000001 op 7",
                     "srv/suppl: SUPPL_RECV", "srv/suppl: RECV marshal arg 1/2 of req 0",
                     "srv/suppl: RECV marshal arg 2/2 of req 0", "kill cli",
                     "cli/c7: dispatch interrupted by SIGKILL (req 0)",
                     "cli/c7: dispatch killed (req 0 PROCESSING)",
                     "cli/c7: callback response -ENODEV",
                     "cli/c7: QTEE callback 0x80000001 op RELEASE", "cli/c7: callback response 0"});
    // the last reference went: a RELEASE notification, with a new id since
    // the placeholder still reserves id 0
    const auto n = ofKind(r.lastEvents(), EventKind::RequestState);
    QCOMPARE(n.size(), size_t(1));
    QCOMPARE(n.front().to, ReqState::QUEUED);
    QCOMPARE(n.front().op, QCOMTEE_MSG_OBJECT_OP_RELEASE);
    QCOMPARE(n.front().reqId, 1);
    QVERIFY(!r.state.object(kUser5));
    QCOMPARE(reqsIdrEntry(r.state, kSrvCtx, 0)->ref, -1);

    STEPS(r, Labels{"srv/suppl2: SUPPL_RECV",
                    "srv/suppl2: RECV relock: free RELEASE notification req 1"});
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"PROCESSING->REMOVED"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::RequestState).front().userObjectId, uint64_t(5));
    // srv/suppl is still "serving" object 5's request; its answer fails (T9)
    STEPS(r, Labels{"srv/suppl: SUPPL_SEND req 0 ret 0"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SyscallReturn).front().errno_, err::kEINVAL);
    QVERIFY(r.state.context(kSrvCtx).reqsIdr.empty());
}

// Case 16: FIFO hand-out, any-order answers; each client has one request.
void TstCornerCases::outOfOrderCompletion()
{
    LOAD(sc, kTwoByTwo);
    ScenarioRunner r(sc);
    STEPS(r, Labels{"app/c1: open /dev/tee", "app/c1: OBJECT_INVOKE ROOT op 32",
                    "app/c1: QTEE returns 0", "app/c1: OBJECT_INVOKE obj 0 op 1",
                    "app/c1: QTEE callback 0x80000001 op 7", "app/c2: OBJECT_INVOKE obj 0 op 2",
                    "app/c2: QTEE callback 0x80000002 op 8", "app/s1: SUPPL_RECV",
                    "app/s1: RECV marshal arg 1/1 of req 0", "app/s2: SUPPL_RECV",
                    "app/s2: RECV marshal arg 1/1 of req 1"});
    QCOMPARE(r.state.request(RequestId(0))->deliveredTo, r.threadId("app/s1"));
    QCOMPARE(r.state.request(RequestId(1))->deliveredTo, r.threadId("app/s2"));
    // each client thread waits on exactly its own request
    QCOMPARE(r.thread("app/c1").dispatchReq, RequestId(0));
    QCOMPARE(r.thread("app/c2").dispatchReq, RequestId(1));

    STEPS(r, Labels{"app/s2: SUPPL_SEND req 1 ret 12"});
    QVERIFY(r.isEnabled("app/c2: dispatch woken (req 1 PROCESSED)"));
    QVERIFY(!r.isEnabled("app/c1: dispatch woken (req 0 PROCESSED)"));
    QCOMPARE(r.state.request(RequestId(0))->state, ReqState::PROCESSING);
    STEPS(r, Labels{"app/c2: dispatch woken (req 1 PROCESSED)", "app/s1: SUPPL_SEND req 0 ret 11",
                    "app/c1: dispatch woken (req 0 PROCESSED)"});
    const auto ret = ofKind(r.events, EventKind::DispatchReturn);
    QCOMPARE(ret.size(), size_t(2));
    QCOMPARE(ret[0].thread, r.threadId("app/c2"));
    QCOMPARE(ret[0].errno_, 12);
    QCOMPARE(ret[1].thread, r.threadId("app/c1"));
    QCOMPARE(ret[1].errno_, 11);
}

// Case 17: request ids and userspace object ids are the lowest free number;
// a RELEASE notification's id is free before RECV returns; callback ids are
// cyclic and not reused.
void TstCornerCases::idReuse()
{
    LOAD(sc, kIds);
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    // the lowest free id each time: req 0 (a's callback), freed by SEND, so
    // the notification for user object 1 gets 0 again; b's callback comes
    // while that notification still holds 0, so 1; the last notification 0
    std::vector<int32_t> reqIds;
    for (const Event &e : ofKind(r.events, EventKind::RequestState))
        if (e.to == ReqState::QUEUED)
            reqIds.push_back(e.reqId);
    QCOMPARE(reqIds, (std::vector<int32_t>{0, 0, 1, 0}));
    // userspace QTEE-object ids: a=0, b=1, then c reuses a's 0 (ABA)
    std::vector<int32_t> idrIds;
    std::vector<int32_t> objects;
    for (const Event &e : ofKind(r.events, EventKind::IdrAdd)) {
        idrIds.push_back(e.reqId);
        objects.push_back(e.object.v);
    }
    QCOMPARE(idrIds, (std::vector<int32_t>{0, 1, 0}));
    QVERIFY(objects[2] != objects[0]);
    // callback ids 0x80000001, 0x80000002: the erased first one is not reused
    std::vector<uint32_t> cb;
    for (const Event &e : ofKind(r.events, EventKind::XaAlloc))
        cb.push_back(e.qteeId);
    QCOMPARE(cb, (std::vector<uint32_t>{0x80000001u, 0x80000002u}));
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

// Case 18: the lock serialises supplicants; a head request too big for one
// caller blocks it (-EINVAL, the request stays QUEUED, later ones are not
// looked at) while a caller with a bigger buffer takes it.
// Case 17 with two supplicant threads: suppl answers alice's req#0 twice;
// by the second SEND the id 0 belongs to bob's req#1, which RECV gave to
// suppl2. The stale SEND completes it: I11 names suppl (not the thread that
// was given the request), and suppl2's own answer afterwards (-EINVAL, the
// id is gone) is not a second violation.
void TstCornerCases::staleSendCompletesAnotherSupplicantsRequest()
{
    LOAD(sc, R"json({
      "name": "stale-send",
      "qtee": {"services": [{"uid": 2033, "ops": {"1": [
          {"do": "hold", "target": "io:0", "as": "owner"},
          {"do": "callback", "target": "io:0", "op": 3}, {"do": "return"}]}}]},
      "processes": [{"name": "app", "threads": [
          {"name": "alice", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc_a"},
              {"do": "invoke", "fd": "fd", "object": "svc_a", "op": 1, "io": [{"user": 1}]},
              {"do": "exit"}]},
          {"name": "bob", "program": [
              {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc_b"},
              {"do": "invoke", "fd": "fd", "object": "svc_b", "op": 1, "io": [{"user": 2}]},
              {"do": "exit"}]},
          {"name": "suppl", "program": [
              {"do": "serve", "fd": "fd", "count": 1, "replies": [{"send_twice": true}]}]},
          {"name": "suppl2", "program": [{"do": "serve", "fd": "fd", "count": 1}]}]}]
    })json");
    ScenarioRunner r(sc);
    STEPS(r, Labels{"app/alice: open /dev/tee", "app/alice: OBJECT_INVOKE ROOT op 32",
                    "app/alice: QTEE returns 0", "app/alice: OBJECT_INVOKE objref 0 op 1",
                    "app/alice: QTEE callback 0x80000001 op 3", "app/suppl: SUPPL_RECV",
                    "app/suppl: SUPPL_SEND id 0 ret 0",
                    "app/alice: dispatch woken (req#0 PROCESSED)", "app/alice: callback response 0",
                    "app/alice: QTEE returns 0", "app/bob: OBJECT_INVOKE ROOT op 32",
                    "app/bob: QTEE returns 0", "app/bob: OBJECT_INVOKE objref 1 op 1",
                    "app/bob: QTEE callback 0x80000002 op 3", "app/suppl2: SUPPL_RECV"});
    QCOMPARE(countKind(r.events, EventKind::Violation), 0);
    const ThreadId suppl = r.threadId("app/suppl");
    const ThreadId suppl2 = r.threadId("app/suppl2");

    STEPS(r, Labels{"app/suppl: SUPPL_SEND id 0 ret 0"});
    const auto v = ofKind(r.lastEvents(), EventKind::Violation);
    QCOMPARE(v.size(), size_t(1));
    QCOMPARE(v.front().invariant, int16_t(11));
    QCOMPARE(v.front().finding, Finding::SendNotGiven);
    QCOMPARE(v.front().thread, suppl);
    QCOMPARE(v.front().peer, suppl2);
    QCOMPARE(v.front().reqId, 0);
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SyscallReturn).front().errno_, 0); // it "works"

    STEPS(r, Labels{"app/suppl2: SUPPL_SEND id 0 ret 0"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SyscallReturn).front().errno_, err::kEINVAL);
    QCOMPARE(countKind(r.lastEvents(), EventKind::Violation), 0);
    QCOMPARE(countKind(r.events, EventKind::Violation), 1);
}

// Cases 2 and 17: cli/main is killed while srv/suppl works on its request
// (T8, the placeholder). srv/suppl's SEND removes the placeholder (T9,
// -EINVAL): that is its one answer. Its second SEND for the same id, still
// free, gets -EINVAL again and is I11 (spec §8: at most one SEND per
// delivered request), though it does no harm this time.
void TstCornerCases::secondSendAfterPlaceholder()
{
    LOAD(sc, R"json({
      "name": "second-send-after-placeholder",
      "qtee": {"services": [
          {"uid": 100, "ops": {"1": [{"do": "hold", "target": "io:0", "as": "srvobj"},
                                     {"do": "return"}]}},
          {"uid": 200, "ops": {"2": [{"do": "callback", "target": "held:srvobj", "op": 7},
                                     {"do": "return"}]}}]},
      "processes": [
          {"name": "srv", "threads": [
              {"name": "main", "program": [
                  {"do": "open", "as": "fd"},
                  {"do": "open_service", "fd": "fd", "uid": 100, "as": "keeper"},
                  {"do": "invoke", "fd": "fd", "object": "keeper", "op": 1, "io": [{"user": 5}]},
                  {"do": "exit"}]},
              {"name": "suppl", "program": [
                  {"do": "serve", "fd": "fd", "count": 1, "replies": [{"send_twice": true}]}]}]},
          {"name": "cli", "threads": [
              {"name": "main", "program": [
                  {"do": "open", "as": "fd"},
                  {"do": "open_service", "fd": "fd", "uid": 200, "as": "svc"},
                  {"do": "invoke", "fd": "fd", "object": "svc", "op": 2},
                  {"do": "exit"}]}]}],
      "faults": [{"kill": "cli", "when": "any"}]
    })json");
    ScenarioRunner r(sc);
    STEPS(r, Labels{"srv/main: open /dev/tee", "srv/main: OBJECT_INVOKE ROOT op 32",
                    "srv/main: QTEE returns 0", "srv/main: OBJECT_INVOKE objref 0 op 1",
                    "srv/main: QTEE returns 0", "cli/main: open /dev/tee",
                    "cli/main: OBJECT_INVOKE ROOT op 32", "cli/main: QTEE returns 0",
                    "cli/main: OBJECT_INVOKE objref 0 op 2",
                    "cli/main: QTEE callback 0x80000001 op 7", "srv/suppl: SUPPL_RECV", "kill cli",
                    "cli/main: dispatch interrupted by SIGKILL (req#0)",
                    "cli/main: dispatch killed (req#0 PROCESSING)"});
    QCOMPARE(countKind(r.events, EventKind::Violation), 0);

    STEPS(r, Labels{"srv/suppl: SUPPL_SEND id 0 ret 0"}); // T9
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SyscallReturn).front().errno_, err::kEINVAL);
    QCOMPARE(countKind(r.lastEvents(), EventKind::Violation), 0);

    STEPS(r, Labels{"srv/suppl: SUPPL_SEND id 0 ret 0"}); // the second
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SyscallReturn).front().errno_, err::kEINVAL);
    const auto v = ofKind(r.lastEvents(), EventKind::Violation);
    QCOMPARE(v.size(), size_t(1));
    QCOMPARE(v.front().invariant, int16_t(11));
    QCOMPARE(v.front().finding, Finding::SendRetiredAnswered);
    QCOMPARE(v.front().thread, r.threadId("srv/suppl"));
    QCOMPARE(v.front().reqId, 0);
}

void TstCornerCases::severalSupplicants()
{
    LOAD(sc, kSeveralSupplicants);
    ScenarioRunner r(sc);
    STEPS(r, Labels{"app/c1: open /dev/tee", "app/c1: OBJECT_INVOKE ROOT op 32",
                    "app/c1: QTEE returns 0", "app/c1: OBJECT_INVOKE obj 0 op 1",
                    "app/c1: QTEE callback 0x80000001 op 7", "app/c2: OBJECT_INVOKE obj 0 op 2",
                    "app/c2: QTEE callback 0x80000002 op 8"});
    for (int attempt = 0; attempt < 2; ++attempt) {
        STEPS(r, Labels{"app/small: SUPPL_RECV"});
        QCOMPARE(countKind(r.lastEvents(), EventKind::RequestState), 0);
        QCOMPARE(ofKind(r.lastEvents(), EventKind::SyscallReturn).front().errno_, err::kEINVAL);
        // the head blocks: the small request behind it was not taken either
        QCOMPARE(r.state.request(RequestId(0))->state, ReqState::QUEUED);
        QCOMPARE(r.state.request(RequestId(1))->state, ReqState::QUEUED);
    }
    STEPS(r, Labels{"app/big: SUPPL_RECV"});
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"QUEUED->PROCESSING"});
    QCOMPARE(r.state.request(RequestId(0))->deliveredTo, r.threadId("app/big"));
    // big holds reqs_lock while it marshals: small cannot even select
    QVERIFY2(!r.isEnabled("app/small: SUPPL_RECV"), r.enabledText().c_str());
    // ... and says why (the inspector shows this text)
    const std::string why = r.engine().blockedWhy(r.state, r.threadId("app/small"));
    QVERIFY2(why.find("reqs_lock") != std::string::npos, why.c_str());
    STEPS(r, Labels{"app/big: RECV marshal arg 1/1 of req 0", "app/small: SUPPL_RECV"});
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"QUEUED->PROCESSING"});
    QCOMPARE(r.state.request(RequestId(1))->deliveredTo, r.threadId("app/small"));
}

// Spec §3.4 step 5: when marshalling fails, RECV undoes the idr insertions
// it made (qcomtee_context_del_qtee_object) and puts the IOs not processed:
// the TEE object handed over as arg 0 leaves cli's qtee_objects_idr at once
// and, its last reference gone, is released to QTEE by the worker; the
// supplicant never learnt its id.
void TstCornerCases::recvMarshalFailureUndoesIdr()
{
    LOAD(sc, kRecvUndo);
    ScenarioRunner r(sc);
    STEPS(r,
          Labels{"srv/main: open /dev/tee", "srv/main: OBJECT_INVOKE ROOT op 32",
                 "srv/main: QTEE returns 0", "srv/main: OBJECT_INVOKE objref 0 op 1",
                 "srv/main: QTEE returns 0", "cli/main: open /dev/tee",
                 "cli/main: OBJECT_INVOKE ROOT op 32", "cli/main: QTEE returns 0",
                 "cli/main: OBJECT_INVOKE objref 0 op 4", "cli/main: QTEE callback 0x80000002 op 9",
                 "cli/suppl: SUPPL_RECV", "cli/suppl: RECV marshal arg 0 of req#0 (2 args)"});
    const ContextId cli(2);
    QCOMPARE(r.state.context(cli).qteeObjectsIdr.size(), size_t(2)); // svc, and arg 0's object
    const ObjectId handed(r.state.context(cli).qteeObjectsIdr.back().ref);
    STEPS(r, Labels{"cli/suppl: RECV marshal arg 1 of req#0 (2 args)"});
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"PROCESSING->PROCESSED"});
    const EventList removed = ofKind(r.lastEvents(), EventKind::IdrRemove);
    QCOMPARE(removed.size(), size_t(1));
    QCOMPARE(removed.front().object, handed);
    QCOMPARE(r.state.context(cli).qteeObjectsIdr.size(), size_t(1)); // svc only
    QCOMPARE(r.state.context(cli).qteeObjectsIdr.front().id, 0);
    // no reference is left but the release worker's: RELEASE goes to QTEE
    QVERIFY(r.runScripted());
    bool released = false;
    for (const Event &e : r.events)
        released |= e.kind == EventKind::ObjectFreed && e.object == handed;
    QVERIFY(released);
}

// Spec §3.1 step 8 (qcomtee_params_from_args): when an output object cannot
// be converted, the idr insertions made for the outputs before it are
// undone and the result is UNAVAIL; a memory object of the caller's own
// context converts (its shm id).
void TstCornerCases::invokeOutputFailureUndoesIdr()
{
    LOAD(sc, kOutputUndo);
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    const ThreadId cli = r.threadId("cli/main");
    std::vector<int32_t> rets;
    ObjectId handed;
    for (const Event &e : r.events) {
        if (e.kind == EventKind::SyscallReturn && e.thread == cli)
            rets.push_back(e.value);
        if (e.kind == EventKind::IdrRemove && e.thread == cli) {
            QVERIFY(!handed.valid());
            handed = e.object;
            QCOMPARE(e.reqId, 1); // the id arg 0 was given (svc has 0)
        }
    }
    // open, open_service, op 16 (UNAVAIL), shm_alloc, op 18 (the shm back)
    QCOMPARE(rets, (std::vector<int32_t>{0, 0, qres::UNAVAIL, 0, 0}));
    QVERIFY(handed.valid());
    bool released = false;
    for (const Event &e : r.events)
        released |= e.kind == EventKind::ObjectFreed && e.object == handed;
    QVERIFY(released);
    QCOMPARE(violationText(r.events), std::string("none"));
}

// Spec §3.1: the parameters are converted (step 5) before
// qcomtee_object_do_invoke refuses RETAIN or op bits above 16 (step 6), and
// the ret != 0 path of step 8 puts each input once, the driver's copy. The
// TEE input is back to its references; the new user object keeps QTEE's
// copy, which QTEE never got: it leaks and keeps its context alive after
// the file is closed.
void TstCornerCases::retainConvertsInputsFirst()
{
    LOAD(sc, kRetainWithInputs);
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    const ThreadId app = r.threadId("app/main");
    std::vector<int32_t> errnos;
    for (const Event &e : r.events)
        if (e.kind == EventKind::SyscallReturn && e.thread == app)
            errnos.push_back(e.errno_);
    // open, open_service, the RETAIN, close
    QCOMPARE(errnos, (std::vector<int32_t>{0, 0, err::kEINVAL, 0}));
    QVERIFY(hasEvent(r.events, EventKind::ObjectCreated));
    QCOMPARE(r.state.objects.size(), size_t(1));
    const KObject &leaked = r.state.objects.front();
    QCOMPARE(leaked.type, ObjectType::User);
    QCOMPARE(leaked.userObjectId, uint64_t(1));
    QCOMPARE(leaked.holders.size(), size_t(1));
    QCOMPARE(leaked.holders.front().kind, HolderKind::QteeId);
    QVERIFY(!leaked.notify);
    QVERIFY(!r.state.context(leaked.owner).dataFreed);
    // I3 (spec §8): QTEE's copy was never given a callback id; reported by
    // the refused invocation's own step, which returns to a quiescent system
    const auto v = ofKind(r.events, EventKind::Violation);
    QCOMPARE(v.size(), size_t(1));
    QCOMPARE(v.front().invariant, int16_t(3));
    QCOMPARE(v.front().finding, Finding::CallbackRefLeak);
    QCOMPARE(v.front().object, leaked.id);
    size_t retain = 0;
    for (size_t i = 0; i < r.schedule.size(); ++i)
        if (r.schedule[i].find("op RETAIN") != std::string::npos)
            retain = i + 1;
    QVERIFY(retain > 0);
    QCOMPARE(v.front().step, uint64_t(retain));
}

// SEND converts a TEE output (an id of the supplicant's idr: +1, put by
// notify) and a memory output (a new memory object on its own shm: QTEE's
// copy and the driver's) as the driver does; an id that is not in the idr
// fails the conversion: the OOs converted so far are rolled back, SEND and
// the client get -EINVAL, QTEE UNAVAIL.
// Spec §2.7 and §6.1 (I18): the inbound message is a 12-byte header and 8
// bytes per argument (aligned to 8), then each IB and OB payload aligned to
// 8, at most 4 MiB. Three arguments make a 40-byte start; an 8-byte OB; the
// IB fills the rest exactly, or one byte more (aligned up: 8 more). Over the
// limit OBJECT_INVOKE fails with -EINVAL after the conversion, QTEE's copy
// of the user input is dropped and the driver copy put with notify cleared:
// the object is freed, nothing is queued, nothing leaks.
void TstCornerCases::inboundMessageLimit_data()
{
    QTest::addColumn<qint64>("ib");
    QTest::addColumn<int>("errno_");
    QTest::newRow("exactly 4 MiB") << qint64((4 << 20) - 48) << 0;
    QTest::newRow("one byte over") << qint64((4 << 20) - 47) << int(err::kEINVAL);
}

void TstCornerCases::inboundMessageLimit()
{
    QFETCH(qint64, ib);
    QFETCH(int, errno_);
    const std::string json = R"json({
      "name": "inbound-limit",
      "qtee": {"services": [{"uid": 2033, "ops": {"1": [{"do": "return"}]}}]},
      "processes": [{"name": "app", "threads": [{"name": "main", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "ib": [)json" +
                             std::to_string(ib) + R"json(], "ob": [8], "io": [{"user": 1}]},
          {"do": "exit"}]}]}]
    })json";
    LOAD(sc, json.c_str());
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    const ThreadId app = r.threadId("app/main");
    std::vector<int32_t> errnos;
    for (const Event &e : r.events)
        if (e.kind == EventKind::SyscallReturn && e.thread == app)
            errnos.push_back(e.errno_);
    QCOMPARE(errnos, (std::vector<int32_t>{0, 0, errno_}));
    // open_service, the invocation unless refused, the worker's RELEASE
    QCOMPARE(countKind(r.events, EventKind::SmcInvoke), errno_ ? 2 : 3);
    if (errno_) // no RELEASE notification for the freed input
        QCOMPARE(countKind(r.events, EventKind::RequestState), 0);
    QVERIFY(r.state.objects.empty());
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
}

void TstCornerCases::sendConvertsTeeAndMemOutputs_data()
{
    QTest::addColumn<QString>("outputs");
    QTest::addColumn<int>("errno_");
    QTest::newRow("TEE and MEM") << QStringLiteral(R"([{"object": "k"}, {"mem": "m"}])") << 0;
    QTest::newRow("MEM, then an unknown TEE id")
        << QStringLiteral(R"([{"mem": "m"}, {"object": "id:9"}])") << int(err::kEINVAL);
}

void TstCornerCases::sendConvertsTeeAndMemOutputs()
{
    QFETCH(QString, outputs);
    QFETCH(int, errno_);
    std::string json = kSendOutputs;
    json.replace(json.find("OUTPUTS"), 7, outputs.mid(1, outputs.size() - 2).toStdString());
    LOAD(sc, json.c_str());
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    const ThreadId suppl = r.threadId("app/suppl"), client = r.threadId("app/client");
    int sends = 0, dispatches = 0;
    ObjectId mem;
    for (const Event &e : r.events) {
        if (e.kind == EventKind::SyscallReturn && e.thread == suppl &&
            e.op == uint32_t(SyscallKind::SupplSend)) {
            QCOMPARE(e.errno_, errno_);
            ++sends;
        }
        if (e.kind == EventKind::DispatchReturn && e.thread == client) {
            QCOMPARE(e.errno_, errno_);
            ++dispatches;
        }
        if (e.kind == EventKind::ObjectCreated && e.objectType == ObjectType::Mem)
            mem = e.object;
    }
    QCOMPARE(sends, 1);
    QCOMPARE(dispatches, 1);
    QVERIFY(mem.valid()); // converted (and, on failure, rolled back)
    // every reference accounted for: nothing is left once all is closed
    QVERIFY2(r.state.objects.empty(), r.enabledText().c_str());
    QCOMPARE(violationText(r.events), std::string("none"));
}

// Spec §3.2: parsing a callback's IO takes a reference (CB +1), and the
// primordial dispatcher drops one only for the memory object of a
// MAP_REGION; YIELD puts nothing. The user object passed to YIELD keeps
// that reference after everything is closed, and I3 reports it.
void TstCornerCases::primordialKeepsItsInputs()
{
    LOAD(sc, kYieldWithInput);
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    QCOMPARE(r.state.objects.size(), size_t(1));
    const KObject &kept = r.state.objects.front();
    QCOMPARE(kept.type, ObjectType::User);
    QCOMPARE(kept.holders.size(), size_t(1));
    QCOMPARE(kept.holders.front().kind, HolderKind::CallbackArg);
    const EventList v = ofKind(r.events, EventKind::Violation);
    QCOMPARE(v.size(), size_t(1));
    QCOMPARE(v.front().invariant, 3);
    QCOMPARE(v.front().object, kept.id);
}

// Spec §3.2 step 2: a callback IO of 0x80000000 is the primordial object
// (local_object_get, no reference taken), so parsing succeeds: no gap 1.
// Passed to a user object, the request is queued and RECV cannot convert
// it in the supplicant's context (§3.4 step 4): T3, the client gets
// -EINVAL, QTEE UNAVAIL. Passed to MAP_REGION it is not a memory object:
// -EINVAL. Nothing is counted, nothing leaks.
void TstCornerCases::primordialAsCallbackInput()
{
    LOAD(sc, R"json({
      "name": "primordial-as-input",
      "qtee": {"services": [{"uid": 2033, "ops": {
          "1": [{"do": "hold", "target": "io:0", "as": "listener"}, {"do": "return"}],
          "2": [{"do": "callback", "target": "held:listener", "op": 7,
                 "io": ["id:0x80000000"]},
                {"do": "callback", "target": "id:0x80000000", "op": 0, "ob": [20],
                 "io": ["id:0x80000000"], "oo": 1},
                {"do": "return"}]}}]},
      "processes": [{"name": "app", "threads": [
          {"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 2},
              {"do": "close", "fd": "fd"},
              {"do": "exit"}]},
          {"name": "suppl", "program": [{"do": "serve", "fd": "fd", "count": 1}]}]}]
    })json");
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    QCOMPARE(countKind(r.events, EventKind::Gap), 0);
    // the user object's request: queued, then T3
    std::vector<std::string> transitions;
    for (const Event &e : ofKind(r.events, EventKind::RequestState))
        if (!e.userObjectId || e.op == 7)
            transitions.push_back(vocab::reqState(e.from) + "->" + vocab::reqState(e.to) + " " +
                                  std::to_string(e.errno_));
    QCOMPARE(transitions,
             (std::vector<std::string>{"NEW->QUEUED 0", "QUEUED->PROCESSING 0",
                                       "PROCESSING->PROCESSED " + std::to_string(err::kEINVAL)}));
    // both callbacks answered -EINVAL (UNAVAIL on the wire)
    std::vector<int32_t> responses;
    for (const Event &e : ofKind(r.events, EventKind::SmcCallbackResponse))
        responses.push_back(e.errno_);
    QCOMPARE(responses, (std::vector<int32_t>{err::kEINVAL, err::kEINVAL}));
    QCOMPARE(violationText(r.events), std::string("none"));
    // no reference was taken or left for the primordial: the service's
    // wrapper (in the idr) and QTEE's hold on the listener are all there is
    // (the supplicant still waits in RECV, so the file stays open)
    QCOMPARE(r.state.objects.size(), size_t(2));
    for (const KObject &k : r.state.objects) {
        QCOMPARE(k.holders.size(), size_t(1));
        QCOMPARE(k.holders.front().kind,
                 k.type == ObjectType::TEE ? HolderKind::CtxIdr : HolderKind::QteeId);
    }
}

// Case 19: closing a context releases its QTEE objects through the ordered
// worker; one release makes QTEE call a user object whose supplicant is
// slow, so the worker waits and every later release waits behind it. The
// worker gets no fatal signal, only the completion ends its wait.
// The built-in QTEE's side of the contract (spec §8, I5): an object of its
// own that the kernel passed in and QTEE returns as an OO is a new wrapper
// in the kernel (spec §2.3), so QTEE counts one more reference, as for
// "self". Both wrappers are released and QTEE's count ends at 0.
void TstCornerCases::qteeHandsBackReceivedObject()
{
    LOAD(sc, R"json({
      "name": "echo-tee-object",
      "qtee": {"services": [{"uid": 2033, "ops": {
          "1": [{"do": "return", "outputs": ["io:0"]}]}}]},
      "processes": [{"name": "app", "threads": [{"name": "main", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "other"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1,
           "io": [{"object": "other"}], "oo": ["echo"]},
          {"do": "release", "fd": "fd", "object": "echo"},
          {"do": "exit"}]}]}]
    })json");
    ScenarioRunner r(sc);
    QVERIFY(r.runScripted());
    QVERIFY2(countKind(r.events, EventKind::Violation) == 0, violationText(r.events).c_str());
    // the echoed object got a wrapper of its own, and QTEE saw every
    // wrapper's RELEASE
    const auto created = ofKind(r.events, EventKind::ObjectCreated);
    QCOMPARE(created.size(), size_t(3));
    QCOMPARE(created[2].qteeId, created[1].qteeId);
    QVERIFY(r.state.objects.empty());
    for (const QteeObject &q : r.state.qtee.objects)
        QCOMPARE(q.kernelRefs, 0);
}

void TstCornerCases::releaseDuringCloseTriggersCallbacks()
{
    LOAD(sc, kReleaseCallsBack);
    ScenarioRunner r(sc);
    STEPS(r, Labels{"srv/main: open /dev/tee", "srv/main: OBJECT_INVOKE ROOT op 32",
                    "srv/main: QTEE returns 0", "srv/main: OBJECT_INVOKE obj 0 op 1",
                    "srv/main: QTEE returns 0", "cli/main: open /dev/tee",
                    "cli/main: OBJECT_INVOKE ROOT op 32", "cli/main: QTEE returns 0",
                    "cli/main: OBJECT_INVOKE ROOT op 32", "cli/main: QTEE returns 0",
                    "cli/main: close fd 3", "cli/main: close_context ctx 2",
                    "cli/main: close_context ctx 2: put QTEE objects"});
    const ObjectId a(2), b(3);
    QCOMPARE(r.state.wq.size(), size_t(2));
    QCOMPARE(r.state.wq[0].object, a);
    QCOMPARE(r.state.wq[1].object, b);
    STEPS(r, Labels{"qcomtee_wq: release obj 2 (QTEE 0x101)",
                    "qcomtee_wq: QTEE callback 0x80000001 op 20"});
    const ThreadId worker(int32_t(r.state.threads.size() - 1));
    QCOMPARE(r.state.thread(worker).phase, Phase::DispatchWait);
    QCOMPARE(transitions(r.lastEvents()), std::vector<std::string>{"NEW->QUEUED"});

    // everything else runs; the worker and b's release stay stuck
    STEPS(r, Labels{"cli/main: exit"}); // no file left: do_exit ends at once
    QVERIFY(r.state.processes[1].exited);
    for (const std::string &l : r.enabledLabels())
        QVERIFY2(l.rfind("qcomtee_wq:", 0) != 0, l.c_str());
    QCOMPARE(r.state.wq.size(), size_t(1));
    QVERIFY(indexOf(r.events, [&](const Event &e) {
                return e.kind == EventKind::WorkStarted && e.object == b;
            }) < 0);
    QVERIFY(!r.state.thread(worker).fatalPending);

    // the slow supplicant answers at last: the worker goes on, then b
    STEPS(r, Labels{"srv/suppl: SUPPL_RECV", "srv/suppl: RECV marshal arg 1/1 of req 0",
                    "srv/suppl: SUPPL_SEND req 0 ret 0",
                    "qcomtee_wq: dispatch woken (req 0 PROCESSED)",
                    "qcomtee_wq: callback response 0", "qcomtee_wq: QTEE returns 0"});
    QVERIFY(indexOf(r.lastEvents(), [&](const Event &e) {
                return e.kind == EventKind::WorkDone && e.object == a;
            }) >= 0);
    STEPS(r, Labels{"qcomtee_wq: release obj 3 (QTEE 0x102)"});
    QVERIFY(indexOf(r.lastEvents(), [&](const Event &e) {
                return e.kind == EventKind::WorkStarted && e.object == b;
            }) >= 0);
    // a killed supplicant process ends the worker's wait through close_context
    // (T6), never through a signal to the worker: covered by case 8.
}

// Case 20 (spec §2.8 Remove): admin/unbind runs qcomtee_remove while
// app/client holds /dev/tee with a QTEE object in its idr and a callback
// object QTEE keeps. teedev_close_context drops the driver context's own
// reference, and tee_device_unregister waits (uninterruptible) until every
// context released its device reference: app's only after its file is
// closed and its user object gone, the driver's only after every QTEE
// wrapper was released by the worker. Meanwhile /dev/tee is gone: a new
// open fails with -ENOENT. A second unbind has no driver to remove.
static constexpr const char *kDeviceRemoval = R"json({
  "name": "device-removal",
  "qtee": {"services": [{"uid": 2033, "ops": {
      "1": [{"do": "hold", "target": "io:0", "as": "listener"}, {"do": "return"}]}}]},
  "processes": [
    {"name": "app", "threads": [
      {"name": "client", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "close", "fd": "fd"},
          {"do": "exit"}]}]},
    {"name": "admin", "threads": [
      {"name": "unbind", "program": [{"do": "remove_device"}, {"do": "remove_device"},
                                     {"do": "exit"}]},
      {"name": "late", "program": [{"do": "open", "as": "fd2"}, {"do": "exit"}]}]}]
})json";

void TstCornerCases::deviceRemovalWhileFilesOpen()
{
    LOAD(sc, kDeviceRemoval);
    ScenarioRunner r(sc);
    STEPS(r, Labels{"app/client: open /dev/tee", "app/client: OBJECT_INVOKE ROOT op 32",
                    "app/client: QTEE returns 0", "app/client: OBJECT_INVOKE objref 0 op 1",
                    "app/client: QTEE returns 0", "admin/unbind: remove device (qcomtee_remove)"});
    // the driver context is closed and its probe-time reference dropped; it
    // lives on: the service's wrapper holds it
    const EventList removal = r.lastEvents();
    const int closed = indexOf(removal, [](const Event &e) {
        return e.kind == EventKind::ContextClosed && e.ctx == ContextId(0);
    });
    QVERIFY(closed >= 0);
    // under the driver context's reqs_lock, as close_context sets released
    // for any context (spec §3.7 step 1; model version 14)
    const int locked = indexOf(removal, [](const Event &e) {
        return e.kind == EventKind::LockAcquire && e.ctx == ContextId(0);
    });
    const int unlocked = indexOf(removal, [](const Event &e) {
        return e.kind == EventKind::LockRelease && e.ctx == ContextId(0);
    });
    QVERIFY(locked >= 0 && locked < closed && closed < unlocked);
    QVERIFY(!r.state.context(ContextId(0)).reqsLockOwner.valid());
    QVERIFY(indexOf(removal, [](const Event &e) {
                return e.kind == EventKind::Blocked && e.value == int32_t(BlockReason::NoUsers);
            }) >= 0);
    QVERIFY(!r.state.context(ContextId(0)).ctxFreed);
    QVERIFY(!r.isEnabled("admin/unbind: tee_device_unregister returns"));
    QVERIFY(
        r.engine().blockedWhy(r.state, r.threadId("admin/unbind")).find("tee_device_unregister") !=
        std::string::npos);

    STEPS(r, Labels{"admin/late: open /dev/tee"});
    QCOMPARE(ofKind(r.lastEvents(), EventKind::SyscallReturn).front().errno_, err::kENOENT);
    QCOMPARE(r.state.contexts.size(), size_t(2)); // no context was opened

    // The client closes: close_context puts the wrapper, the worker releases
    // it, QTEE drops the callback it held (async release), app's context
    // and then the driver's are released: the unbind returns.
    STEPS(r, Labels{"app/client: close fd 3", "app/client: close_context ctx1",
                    "app/client: close_context ctx1: put QTEE objects"});
    QVERIFY(!r.isEnabled("admin/unbind: tee_device_unregister returns"));
    QVERIFY(r.runScripted());
    for (const Context &c : r.state.contexts)
        QVERIFY(c.ctxFreed);
    const ThreadId unbind = r.threadId("admin/unbind");
    std::vector<int32_t> returns;
    for (const Event &e : ofKind(r.events, EventKind::SyscallReturn))
        if (e.thread == unbind)
            returns.push_back(e.errno_);
    QCOMPARE(returns, (std::vector<int32_t>{0, err::kENODEV})); // the second: nothing to unbind
    // destroy_workqueue: the release worker ended with the unbind
    QCOMPARE(r.state.worker().phase, Phase::Exited);
    QVERIFY(indexOf(r.events, [&](const Event &e) {
                return e.kind == EventKind::ThreadExit && e.thread == r.state.worker().id;
            }) >= 0);
    // it returned after the last context release, in simulated time too
    const int64_t released = ofKind(r.events, EventKind::ContextReleased).back().tNs;
    for (const Event &e : ofKind(r.events, EventKind::SyscallReturn))
        if (e.thread == unbind && e.errno_ == 0)
            QVERIFY(e.startNs >= released);
    QCOMPARE(violationText(r.events), std::string("none"));
    QVERIFY(r.state.objects.empty());
}

// Case 20, a user that never lets go: the unbind waits for ever (the stuck
// rule names it); and a user that keeps working after the driver context was
// released (no QTEE wrapper held it) makes a new wrapper, which takes a
// reference on that released context: teedev_ctx_get after its kref reached
// 0, a use after free (I1 ctx_get_freed).
void TstCornerCases::deviceRemovalUserKeepsWorking()
{
    LOAD(sc, R"json({
      "name": "device-removal-stuck",
      "qtee": {"services": [{"uid": 2033, "ops": {"1": [{"do": "return"}]}}]},
      "processes": [
        {"name": "app", "threads": [
          {"name": "client", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
              {"do": "exit"}]},
          {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]},
        {"name": "admin", "threads": [
          {"name": "unbind", "program": [{"do": "compute", "ns": 5000}, {"do": "remove_device"},
                                         {"do": "exit"}]}]}]
    })json");
    ScenarioRunner r(sc);
    STEPS(r, Labels{"app/client: open /dev/tee", "admin/unbind: compute 5000 ns",
                    "admin/unbind: remove device (qcomtee_remove)"});
    QVERIFY(r.state.context(ContextId(0)).ctxFreed); // no wrapper held it
    QCOMPARE(countKind(r.events, EventKind::Violation), 0);
    STEPS(r, Labels{"app/client: OBJECT_INVOKE ROOT op 32", "app/client: QTEE returns 0"});
    const auto v = ofKind(r.lastEvents(), EventKind::Violation);
    QCOMPARE(v.size(), size_t(1));
    QCOMPARE(v.front().invariant, int16_t(1));
    QCOMPARE(v.front().finding, Finding::CtxGetFreed);
    QCOMPARE(v.front().ctx, ContextId(0));
    QCOMPARE(v.front().ctxHolder, CtxHolderKind::QteeObject);
    // after the release in simulated time too (the kref reached zero first),
    // though the client's own clock is behind the unbind's
    const EventList released = ofKind(r.events, EventKind::ContextReleased);
    QCOMPARE(released.front().ctx, ContextId(0));
    QVERIFY(released.front().tNs > 5000);
    QVERIFY(v.front().startNs >= released.front().tNs);
    // the supplicant keeps the file open, waiting in RECV: the unbind never
    // returns
    QVERIFY(r.runScripted());
    std::string who;
    QVERIFY(r.engine().stuck(r.state, &who));
    QVERIFY2(who.find("admin/unbind") != std::string::npos, who.c_str());
    QVERIFY2(who.find("tee_device_unregister") != std::string::npos, who.c_str());
}

// T3 (spec §3.4 step 5): B's RECV cannot marshal A's user object L (not its
// own): it puts the IOs not processed, which is L's last reference, so a
// RELEASE notification is queued on A's context (§2.3), and completes the
// callback request with -EINVAL; A's supplicant then gets the notification
// (T4). Before the fix the run crashed.
void TstCornerCases::recvFailureLastPutQueuesNotification()
{
    std::string error;
    const sim::Trace tr = runWith(lastPutScenario(true), nullptr, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(tr.stop, sim::StopReason::Finished);
    QCOMPARE(tr.violations, uint64_t(0));
    const auto processed = becomes(tr, ReqState::PROCESSED);
    QCOMPARE(processed.size(), size_t(1));
    QCOMPARE(processed[0]->errno_, err::kEINVAL);
    QCOMPARE(processed[0]->op, 5u);
    // the notification: queued in the T3 step, removed by A's RECV (T4)
    const Event *queued = nullptr;
    for (const Event *e : becomes(tr, ReqState::QUEUED))
        if (e->op == QCOMTEE_MSG_OBJECT_OP_RELEASE)
            queued = e;
    QVERIFY(queued);
    QCOMPARE(queued->step, processed[0]->step);
    QVERIFY(queued->ctx != processed[0]->ctx);
    const auto removed = becomes(tr, ReqState::Removed);
    QCOMPARE(removed.size(), size_t(1));
    QCOMPARE(removed[0]->request, queued->request);
    QVERIFY(tr.final.requests.empty());
}

void TstCornerCases::recvOwnObjectLastPut_data()
{
    QTest::addColumn<QString>("variant");
    QTest::newRow("lock, gaps=fixed") << QStringLiteral("argument=lock,gaps=fixed");
    QTest::newRow("srcu") << QStringLiteral("argument=srcu");
    QTest::newRow("none") << QStringLiteral("argument=none");
}

// RECV marshals the supplicant's own user object (handed over by id, and
// put: §3.4 step 4), the last reference: the RELEASE notification is queued
// (with argument=lock and gaps=fixed as if after RECV's own reqs_lock is
// dropped, §9 item 8) and RECV still returns the invocation request, which
// the supplicant answers by its id (0); the notification comes next and RECV
// frees it (T4). Before the fix RECV took the invocation for the
// notification, freed it, and SENT a random id; the client waited for ever.
void TstCornerCases::recvOwnObjectLastPut()
{
    QFETCH(QString, variant);
    std::string error;
    const sim::Trace tr = runWith(kOwnLastPut, qPrintable(variant), &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(tr.stop, sim::StopReason::Finished);
    QCOMPARE(tr.violations, uint64_t(0));
    for (const Event &e : tr.events)
        QVERIFY(e.kind != EventKind::Gap);
    QVERIFY(std::find(tr.schedule.begin(), tr.schedule.end(), "app/c: SUPPL_SEND id 0 ret 0") !=
            tr.schedule.end());
    const auto processed = becomes(tr, ReqState::PROCESSED);
    QCOMPARE(processed.size(), size_t(1));
    QCOMPARE(processed[0]->errno_, 0);
    QCOMPARE(processed[0]->op, 5u);
    const auto removed = becomes(tr, ReqState::Removed);
    QCOMPARE(removed.size(), size_t(1));
    QCOMPARE(removed[0]->op, QCOMTEE_MSG_OBJECT_OP_RELEASE);
    QVERIFY(tr.final.requests.empty());
}

// The kernel refuses a callback to the NULL id before it parses any IO
// (spec §3.2 step 1), so no wrapper is made for the IO; QTEE hands nothing
// out with it either, and its count of kernel references stays true (I5).
// Before, QTEE counted a reference for a new object the kernel never saw,
// and I5 was reported against the merged driver.
void TstCornerCases::nullCallbackHandsOutNothing()
{
    std::string error;
    const sim::Trace tr = runWith(kNullCallbackIo, nullptr, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(tr.stop, sim::StopReason::Finished);
    QCOMPARE(tr.violations, uint64_t(0));
    bool refused = false;
    for (const Event &e : tr.events)
        refused |= e.kind == EventKind::QteeCallback && e.qteeId == 0;
    QVERIFY(refused);
    for (const QteeObject &q : tr.final.qtee.objects)
        QCOMPARE(q.service, 0); // only svc itself, from open_service
}

// A callback the kernel refuses before it reads any argument (spec §3.2
// steps 1-2: an unknown callback id, or a QTEE object's id, which is no
// callback id) makes no wrapper for its IOs: QTEE takes back the references
// it counted for them, so I5 holds (it broke: QTEE counted one for an
// object the kernel never saw). The client's invocation still returns 0;
// QTEE's return does not depend on the callback's result.
void TstCornerCases::refusedCallbackTakesBackItsIo_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<int>("op");
    QTest::addColumn<QString>("io");      // the callback's io list
    QTest::addColumn<QString>("variant"); // empty: the merged design
    QTest::addColumn<int>("result");      // the callback response's errno
    QTest::newRow("unknown id, a new object")
        << "id:0x8000ffff" << 3 << R"("service:2034")" << QString() << err::kEINVAL;
    QTest::newRow("unknown id, itself")
        << "id:0x8000ffff" << 3 << R"("self")" << QString() << err::kEINVAL;
    QTest::newRow("a QTEE object's id, a new object")
        << "id:0x100" << 3 << R"("service:2034")" << QString() << err::kEINVAL;
    // A RELEASE or RETAIN reads no argument (spec §3.2), the primordial
    // object's neither (a code review found these three)
    QTest::newRow("RELEASE of a held id")
        << "held:L" << 0xFFFF << R"("service:2034")" << QString() << 0;
    QTest::newRow("RETAIN of the primordial object")
        << "id:0x80000000" << 0xFFFE << R"("service:2034")" << QString() << 0;
    // The parse stops at the unknown id: the object after it is not read
    // (gaps=fixed puts those before it; faithful keeps them, §9 item 1)
    QTest::newRow("parse fails before it") << "held:L" << 3 << R"("id:0x8000ffff", "service:2034")"
                                           << QStringLiteral("gaps=fixed") << err::kEINVAL;
}

void TstCornerCases::refusedCallbackTakesBackItsIo()
{
    QFETCH(QString, target);
    QFETCH(int, op);
    QFETCH(QString, io);
    QFETCH(QString, variant);
    QFETCH(int, result);
    const std::string json = R"({"name": "refused", "policy": "scripted",
      "qtee": {"services": [{"uid": 2033, "ops": {
        "1": [{"do": "hold", "target": "io:0", "as": "L"}, {"do": "return", "result": 0}],
        "2": [{"do": "callback", "target": ")" +
                             target.toStdString() + R"(", "op": )" + std::to_string(op) +
                             R"(, "io": [)" + io.toStdString() + R"(]},
        {"do": "return", "result": 0}]}}, {"uid": 2034}]},
      "processes": [{"name": "client", "threads": [{"name": "m", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 7}]},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 2},
        {"do": "compute", "ns": 100}]}]}]})";
    std::string error;
    const std::string v = variant.toStdString();
    const sim::Trace tr = runWith(json, v.empty() ? nullptr : v.c_str(), &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(tr.stop, sim::StopReason::Finished);
    QCOMPARE(tr.violations, uint64_t(0));
    bool answered = false;
    for (const Event &e : tr.events)
        answered |= e.kind == EventKind::SmcCallbackResponse && e.errno_ == result;
    QVERIFY(answered);
    // The process exited: its svc wrapper was released, and QTEE holds no
    // object the kernel would still owe a RELEASE for.
    QCOMPARE(int(tr.final.qtee.objects.size()), 0);
}

// The same in the RELEASE of the object itself: its on_release runs with
// its count already at 0, and a refused callback naming it ("self") gives
// back the reference it counted without removing it; the release path
// does, and gives back the callback ids it held (the hook removed it, and
// user object 7 and ctx1 stayed alive for ever; a code review).
void TstCornerCases::refusedCallbackInOnReleaseKeepsTheObject()
{
    const char *json = R"({"name": "onrel", "policy": "scripted",
      "qtee": {"services": [{"uid": 2033,
        "ops": {"1": [{"do": "hold", "target": "io:0", "as": "l"}, {"do": "return", "result": 0}]},
        "on_release": [{"do": "callback", "target": "id:0x8000ffff", "op": 3, "io": ["self"]},
                       {"do": "return"}]}]},
      "processes": [{"name": "client", "threads": [{"name": "m", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 7}]},
        {"do": "release", "fd": "fd", "object": "svc"},
        {"do": "compute", "ns": 100},
        {"do": "close", "fd": "fd"},
        {"do": "exit"}]}]}]})";
    std::string error;
    const sim::Trace tr = runWith(json, nullptr, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(tr.stop, sim::StopReason::Finished);
    QCOMPARE(tr.violations, uint64_t(0));
    QVERIFY(tr.final.objects.empty());
    QVERIFY(tr.final.qtee.objects.empty());
    QVERIFY(tr.final.qtee.held.empty());
}

// QTEE's final result names objects only for the invocation's OO slots,
// and only with result 0 (the kernel parses OO ids then, spec §3.1 step
// 7.3.6): a script's `outputs` beyond them are not handed out, so QTEE
// counts no reference the kernel never took (before: a false I5). A QTEE
// list longer than 4095 steps runs to its end (it returned 0 there).
void TstCornerCases::qteeHandsOutOnlyWhatTheKernelReads_data()
{
    QTest::addColumn<QString>("ret");
    QTest::addColumn<int>("oo");
    QTest::addColumn<int>("steps");   // hold steps before the return
    QTest::addColumn<int>("result");  // arg.ret the client sees
    QTest::addColumn<int>("objects"); // TEE wrappers made (svc is one)
    QTest::newRow("no OO slot") << QStringLiteral(R"("outputs": ["service:2034"])") << 0 << 0 << 0
                                << 1;
    QTest::newRow("two outputs, one slot")
        << QStringLiteral(R"("outputs": ["service:2034", "service:2034"])") << 1 << 0 << 0 << 2;
    QTest::newRow("error result") << QStringLiteral(R"("result": 7, "outputs": ["service:2034"])")
                                  << 1 << 0 << 7 << 1;
    QTest::newRow("4096 steps first") << QStringLiteral(R"("result": 5)") << 0 << 4096 << 5 << 1;
}

void TstCornerCases::qteeHandsOutOnlyWhatTheKernelReads()
{
    QFETCH(QString, ret);
    QFETCH(int, oo);
    QFETCH(int, steps);
    QFETCH(int, result);
    QFETCH(int, objects);
    std::string ops;
    for (int i = 0; i < steps; ++i)
        ops += R"({"do": "async_release", "targets": ["io:0"]}, )"; // (nothing received: none)
    ops += "{\"do\": \"return\", " + ret.toStdString() + "}";
    std::string outs = "[";
    for (int i = 0; i < oo; ++i)
        outs += std::string(i ? ", " : "") + "null";
    outs += "]";
    const std::string json = R"({"name": "outputs", "policy": "scripted",
      "qtee": {"services": [{"uid": 2033, "ops": {"1": [)" +
                             ops + R"(]}}, {"uid": 2034}]},
      "processes": [{"name": "app", "threads": [{"name": "a", "program": [
        {"do": "open", "as": "fd"},
        {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
        {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "oo": )" +
                             outs + R"(},
        {"do": "exit"}]}]}]})";
    std::string error;
    const sim::Trace tr = runWith(json, nullptr, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(tr.stop, sim::StopReason::Finished);
    QCOMPARE(tr.violations, uint64_t(0));
    // QTEE's results: open_service's, then op 1's
    std::vector<int> results;
    int wrappers = 0;
    for (const Event &e : tr.events) {
        if (e.kind == EventKind::QteeResult)
            results.push_back(e.value);
        wrappers += e.kind == EventKind::ObjectCreated && e.objectType == ObjectType::TEE;
    }
    QVERIFY(results.size() >= 2);
    QCOMPARE(results[1], result);
    QCOMPARE(wrappers, objects);
}

// The same with the merged driver as it is (argument=lock, gaps=faithful):
// the last put runs in RECV marshalling under the supplicant's own
// reqs_lock, and the RELEASE notification's ureq_enqueue takes that mutex
// again (spec §9 item 8). The model reports gap 8 and the supplicant sleeps
// on its own mutex for ever: the step goes no further (the request stays
// PROCESSING, the object keeps its reference, no notification is queued),
// nothing ever unlocks, and the client waits in dispatch. The run ends
// stuck, naming the supplicant asleep on its own lock.
void TstCornerCases::recvOwnObjectSelfDeadlock()
{
    std::string error;
    const sim::Trace tr = runWith(kOwnLastPut, nullptr, &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(tr.stop, sim::StopReason::Stuck);
    QCOMPARE(tr.violations, uint64_t(0));
    const Event *g = nullptr;
    for (const Event &e : tr.events)
        if (e.kind == EventKind::Gap) {
            QVERIFY2(!g, "gap 8 reported twice");
            g = &e;
        }
    QVERIFY(g);
    QCOMPARE(g->gap, int16_t(8));
    QCOMPARE(g->finding, Finding::NotifySelfDeadlock);
    QVERIFY(g->object.valid());
    // the supplicant is asleep on the lock it holds, for good
    const Thread &c = tr.final.thread(g->thread);
    QCOMPARE(c.phase, Phase::RecvMarshal);
    QCOMPARE(c.lockWait, g->ctx);
    QCOMPARE(tr.final.context(g->ctx).reqsLockOwner, g->thread);
    QVERIFY(tr.final.object(g->object)); // its last put never finished
    QVERIFY(becomes(tr, ReqState::PROCESSED).empty());
    bool notified = false;
    for (const Event *e : becomes(tr, ReqState::QUEUED))
        notified |= e->op == QCOMTEE_MSG_OBJECT_OP_RELEASE;
    QVERIFY(!notified);
    QVERIFY2(tr.stopDetail.find("reqs_lock") != std::string::npos, tr.stopDetail.c_str());
}

// B exits without serving: close_context (spec §3.7 step 2) finds C's
// callback request QUEUED. With gaps=fixed it puts the request's IO objects
// first (L: the last put, a RELEASE notification to A), then T6 makes it
// PROCESSED with -ENODEV and C's dispatch returns. Before the fix T6 was
// written to where the request had been: it stayed QUEUED on a released
// context and C waited for ever.
void TstCornerCases::closeContextLastPutOfQueuedArgs()
{
    std::string error;
    const sim::Trace tr = runWith(lastPutScenario(false), "gaps=fixed", &error);
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(tr.stop, sim::StopReason::Finished);
    QCOMPARE(tr.violations, uint64_t(0));
    const auto processed = becomes(tr, ReqState::PROCESSED);
    QCOMPARE(processed.size(), size_t(1));
    QCOMPARE(processed[0]->errno_, err::kENODEV);
    QCOMPARE(processed[0]->from, ReqState::QUEUED);
    bool notified = false;
    for (const Event *e : becomes(tr, ReqState::QUEUED))
        notified |= e->op == QCOMTEE_MSG_OBJECT_OP_RELEASE && e->step == processed[0]->step;
    QVERIFY(notified);
    QVERIFY(tr.final.requests.empty());
}

QTEST_GUILESS_MAIN(TstCornerCases)

// §9 item 1: when a callback's IO does not parse, qcomtee_cb_object_invoke's
// cleanup walks the input buffers instead of the objects. What it leaks is
// the IO objects resolved before the failing one; with none resolved and no
// IB it does nothing, and the gap is not reported (audit: it was, with
// "the resolved IO objects leak" and nothing alive). gaps=fixed puts them.
void TstCornerCases::argParseCleanup_data()
{
    QTest::addColumn<QString>("io");
    QTest::addColumn<QString>("ib");
    QTest::addColumn<int>("gaps");      // gap 1 events
    QTest::addColumn<int>("resolved");  // value: objects left with a reference
    QTest::addColumn<int>("leftAlive"); // TEE wrappers alive at the end besides svc
    QTest::newRow("stale id alone")
        << QStringLiteral(R"(["id:0x8000ffff"])") << QString() << 0 << 0 << 0;
    QTest::newRow("stale id with an IB") << QStringLiteral(R"(["id:0x8000ffff"])")
                                         << QStringLiteral(R"(, "ib": [8])") << 1 << 0 << 0;
    QTest::newRow("a service resolved first")
        << QStringLiteral(R"(["service:2034", "id:0x8000ffff"])") << QString() << 1 << 1 << 1;
}

void TstCornerCases::argParseCleanup()
{
    QFETCH(QString, io);
    QFETCH(QString, ib);
    QFETCH(int, gaps);
    QFETCH(int, resolved);
    QFETCH(int, leftAlive);
    const std::string json = R"({
      "name": "arg-parse-cleanup",
      "qtee": {"services": [{"uid": 2033, "ops": {"1": [
          {"do": "callback", "target": "io:0", "op": 7, "io": )" +
                             io.toStdString() + ib.toStdString() + R"(},
          {"do": "return", "result": 0}]}}, {"uid": 2034}]},
      "processes": [{"name": "app", "threads": [{"name": "main", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "release", "fd": "fd", "object": "svc"},
          {"do": "exit"}]}]}]
    })";
    for (const char *variant : {"gaps=faithful", "gaps=fixed"}) {
        std::string error;
        const sim::Trace tr = runWith(json, variant, &error);
        QVERIFY2(error.empty(), error.c_str());
        const bool faithful = std::string(variant) == "gaps=faithful";
        int found = 0;
        for (const Event &e : tr.events)
            if (e.kind == EventKind::Gap && e.gap == 1) {
                ++found;
                QCOMPARE(e.value, resolved);
            }
        QCOMPARE(found, faithful ? gaps : 0);
        size_t tee = 0;
        for (const KObject &k : tr.final.objects)
            tee += k.type == ObjectType::TEE;
        QCOMPARE(tee, size_t(faithful ? leftAlive : 0));
    }
}

// Probe's version query (spec §3.8 step 6) released its two objects through
// the worker's shared oic before user space could open the device, so
// SHARED is already set (§2.7): the first RELEASE SMC that fails in a run
// is -ENODEV, dropped (gap 5) and QTEE keeps a reference no wrapper stands
// for (I5). Before, the model retried it (audit: no finding at all).
// gaps=fixed clears SHARED per item: retried, nothing leaks. Also: a
// compute step records no syscall_return, and syscall events name their
// own entry point (open is not tee_ioctl).
void TstCornerCases::firstReleaseFailureIsDropped()
{
    const std::string json = R"({
      "name": "first-release-fails",
      "qtee": {"services": [{"uid": 3002, "release_smc_failures": 1}]},
      "processes": [{"name": "app", "threads": [{"name": "main", "program": [
          {"do": "open", "as": "fd"},
          {"do": "compute", "ns": 10},
          {"do": "open_service", "fd": "fd", "uid": 3002, "as": "svc"},
          {"do": "release", "fd": "fd", "object": "svc"},
          {"do": "exit"}]}]}]
    })";
    std::string error;
    const sim::Trace merged = runWith(json, nullptr, &error);
    QVERIFY2(error.empty(), error.c_str());
    int gap5 = 0, i5 = 0, requeued = 0, computeReturns = 0;
    bool openNamed = false;
    for (const Event &e : merged.events) {
        gap5 += e.kind == EventKind::Gap && e.gap == 5;
        i5 += e.kind == EventKind::Violation && e.invariant == 5;
        requeued += e.kind == EventKind::WorkRequeued;
        computeReturns +=
            e.kind == EventKind::SyscallReturn && SyscallKind(e.op) == SyscallKind::Compute;
        if (e.kind == EventKind::SyscallEnter && SyscallKind(e.op) == SyscallKind::Open)
            openNamed = vocab::driverRef(e).function == std::string("qcomtee_open");
    }
    QCOMPARE(gap5, 1);
    QVERIFY(i5 >= 1);
    QCOMPARE(requeued, 0);
    QCOMPARE(computeReturns, 0);
    QVERIFY(openNamed);

    const sim::Trace fixed = runWith(json, "gaps=fixed", &error);
    QVERIFY2(error.empty(), error.c_str());
    gap5 = i5 = requeued = 0;
    for (const Event &e : fixed.events) {
        gap5 += e.kind == EventKind::Gap && e.gap == 5;
        i5 += e.kind == EventKind::Violation && e.invariant == 5;
        requeued += e.kind == EventKind::WorkRequeued;
    }
    QCOMPARE(gap5, 0);
    QCOMPARE(i5, 0);
    QCOMPARE(requeued, 1);
}

#include "tst_cornercases.moc"
