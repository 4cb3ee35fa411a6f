// Inline scenarios shared by the core tests, and the schedule prefixes that
// bring them to a known point. Labels are the engine's action labels, so a
// renamed label fails loudly in ScenarioRunner::step with what was enabled.
#pragma once

#include "simulator/scenario.h"

#include <string>
#include <vector>

namespace teetest {

// One process: `client` invokes service 2033 with user object 1; QTEE calls
// it back (op 7, one 16-byte IB and one 8-byte OB) and the `suppl` thread of
// the same process serves it (spec §3.4: user objects of its own context).
// Op 3 returns at once; the user object passed to it is given back in the
// final message, which queues a RELEASE notification.
inline constexpr const char *kLocal = R"json({
  "name": "local",
  "qtee": {"services": [{"uid": 2033, "ops": {
      "1": [{"do": "callback", "target": "io:0", "op": 7, "ib": [16], "ob": [8]}, {"do": "return"}],
      "3": [{"do": "return"}]}}]},
  "processes": [{"name": "app", "threads": [
      {"name": "client", "program": [
          {"do": "open", "as": "fd"},
          {"do": "open_service", "fd": "fd", "uid": 2033, "as": "svc"},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 1, "io": [{"user": 1}]},
          {"do": "invoke", "fd": "fd", "object": "svc", "op": 3, "io": [{"user": 2}]},
          {"do": "release", "fd": "fd", "object": "svc"},
          {"do": "exit"}]},
      {"name": "suppl", "program": [
          {"do": "serve", "fd": "fd", "replies": [{"errno": 0, "ob": [8]}]}]}]}],
  "faults": [{"kill": "app", "when": "any"}]
})json";

// Two processes. `srv` exports user object 5 to its keeper service (uid
// 100), which keeps it under "foreign"; srv/suppl and srv/suppl2 serve it.
// `cli` has its own context, and each of its threads runs one operation of
// service 200, where "held:foreign" names srv's object (a held name found
// from another QTEE object's invocation: the newest callback kept under it):
//  * op 2 (cli/main twice, cli/c2): call srv's object, op 7, IB 16 + OB 8;
//  * op 4 (cli/c3): call cli's own user object with srv's object as IO, a
//    marshalling failure in cli/suppl (spec §3.4 step 5);
//  * op 6 (cli/c4): call srv's object, op 8, with a new keeper object as IO
//    and one OO (srv/suppl answers op 8 with user object 9);
//  * op 10 (cli/c5): two callbacks in a row, ops 7 and 11;
//  * op 12 (cli/c6): QTEE releases srv's object (callback op RELEASE);
//  * op 14 (cli/c7): call srv's object, then release it.
// srv/extra passes user object 6 to keeper op 3, which gives it back at
// once: a RELEASE notification on srv's context.
inline constexpr const char *kForeign = R"json({
  "name": "foreign",
  "qtee": {"services": [
      {"uid": 100, "name": "keeper", "ops": {
          "1": [{"do": "hold", "target": "io:0", "as": "foreign"}, {"do": "return"}],
          "3": [{"do": "return"}]}},
      {"uid": 200, "name": "caller", "ops": {
          "2": [{"do": "callback", "target": "held:foreign", "op": 7, "ib": [16], "ob": [8]},
                {"do": "return"}],
          "4": [{"do": "callback", "target": "io:0", "op": 9, "ib": [8], "io": ["held:foreign"]},
                {"do": "return"}],
          "6": [{"do": "callback", "target": "held:foreign", "op": 8, "ib": [16],
                 "io": ["service:100"], "oo": 1},
                {"do": "return"}],
          "10": [{"do": "callback", "target": "held:foreign", "op": 7, "ib": [16]},
                 {"do": "callback", "target": "held:foreign", "op": 11, "ib": [16]},
                 {"do": "return"}],
          "12": [{"do": "release", "target": "held:foreign"}, {"do": "return"}],
          "14": [{"do": "callback", "target": "held:foreign", "op": 7, "ib": [16], "ob": [8]},
                 {"do": "release", "target": "held:foreign"},
                 {"do": "return"}]}}]},
  "processes": [
      {"name": "srv", "threads": [
          {"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 100, "as": "keeper"},
              {"do": "invoke", "fd": "fd", "object": "keeper", "op": 1, "io": [{"user": 5}]},
              {"do": "close", "fd": "fd"},
              {"do": "exit"}]},
          {"name": "suppl", "program": [
              {"do": "serve", "fd": "fd",
               "replies": [{"match_op": 8, "oo": [{"user": 9}]}, {"errno": 0, "ob": [8]}]}]},
          {"name": "suppl2", "program": [{"do": "serve", "fd": "fd"}]},
          {"name": "extra", "program": [
              {"do": "invoke", "fd": "fd", "object": "keeper", "op": 3, "io": [{"user": 6}]},
              {"do": "exit"}]}]},
      {"name": "cli", "threads": [
          {"name": "main", "program": [
              {"do": "open", "as": "fd"},
              {"do": "open_service", "fd": "fd", "uid": 200, "as": "svc"},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 2},
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 2},
              {"do": "exit"}]},
          {"name": "c2", "program": [
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 2}, {"do": "exit"}]},
          {"name": "c3", "program": [
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 4, "io": [{"user": 1}]},
              {"do": "exit"}]},
          {"name": "c4", "program": [
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 6}, {"do": "exit"}]},
          {"name": "c5", "program": [
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 10}, {"do": "exit"}]},
          {"name": "c6", "program": [
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 12}, {"do": "exit"}]},
          {"name": "c7", "program": [
              {"do": "invoke", "fd": "fd", "object": "svc", "op": 14}, {"do": "exit"}]},
          {"name": "suppl", "program": [{"do": "serve", "fd": "fd"}]}]}],
  "faults": [{"kill": "cli", "when": "any"}, {"kill": "srv", "when": "any"}]
})json";

using Labels = std::vector<std::string>;

inline Labels operator+(Labels a, const Labels &b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// kLocal: app/client opened the service and invoked op 1 (SMC made).
inline const Labels kLocalInvoke = {
    "app/client: open /dev/tee",
    "app/client: OBJECT_INVOKE ROOT op 32",
    "app/client: QTEE returns 0",
    "app/client: OBJECT_INVOKE obj 0 op 1",
};
inline const std::string kLocalCallback = "app/client: QTEE callback 0x80000001 op 7";
// app/suppl takes req 0 and copies its two arguments out.
inline const Labels kLocalRecv = {
    "app/suppl: SUPPL_RECV",
    "app/suppl: RECV marshal arg 1/2 of req 0",
    "app/suppl: RECV marshal arg 2/2 of req 0",
};

// kForeign: srv exported user object 5 (QTEE keeps it as callback id
// 0x80000001) and cli opened its service.
inline const Labels kForeignSetup = {
    "srv/main: open /dev/tee",
    "srv/main: OBJECT_INVOKE ROOT op 32",
    "srv/main: QTEE returns 0",
    "srv/main: OBJECT_INVOKE obj 0 op 1",
    "srv/main: QTEE returns 0",
    "cli/main: open /dev/tee",
    "cli/main: OBJECT_INVOKE ROOT op 32",
    "cli/main: QTEE returns 0",
};
// cli/main's callback to srv's object is queued as req 0 of srv's context.
inline const Labels kForeignQueued = kForeignSetup + Labels{
                                                         "cli/main: OBJECT_INVOKE obj 0 op 2",
                                                         "cli/main: QTEE callback 0x80000001 op 7",
                                                     };
// ... and srv/suppl received it (PROCESSING, RECV returned).
inline const Labels kForeignProcessing =
    kForeignQueued + Labels{
                         "srv/suppl: SUPPL_RECV",
                         "srv/suppl: RECV marshal arg 1/2 of req 0",
                         "srv/suppl: RECV marshal arg 2/2 of req 0",
                     };

// Every supplicant of the scenario answers with `errno_` (and one 8-byte OB).
inline void setReplies(tee::sim::Scenario &sc, int32_t errno_)
{
    for (auto &p : sc.processes)
        for (auto &t : p.threads)
            for (auto &op : t.program)
                if (op.kind == tee::sim::Op::Kind::Serve) {
                    tee::sim::Reply r;
                    r.errno_ = errno_;
                    r.ob = {8};
                    op.serve.replies = {r};
                }
}

} // namespace teetest
