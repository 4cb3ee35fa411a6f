// Loading scenarios from JSON (docs/scenario-format.md) and the built-in
// library compiled into the program from resources/scenarios/.
#pragma once

#include "simulator/scenario.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tee::sim {

// The most steps one run may take: a scenario's "max_steps", a capture's
// "max_steps" and the CLI's --max-steps all stop here. 10^8 steps is minutes
// of engine time and gigabytes of events; nothing meaningful needs more.
inline constexpr uint64_t kMaxStepsLimit = 100000000;
// The largest scenario file the loader reads (checked before reading).
inline constexpr int64_t kMaxScenarioBytes = 16 * 1024 * 1024;

// On failure returns nullptr and sets `error` to one sentence naming the
// source, the JSON location and what is wrong, e.g.
//   "my.json: processes[1].threads[0].program[3].op: unknown op \"invok\""
// `sourceName` is what the message calls the input (a file path or
// "builtin:NAME"). Never crashes or hangs on any input (size and depth are
// bounded).
std::shared_ptr<Scenario> loadScenarioJson(const std::string &json, const std::string &sourceName,
                                           std::string *error);
std::shared_ptr<Scenario> loadScenarioFile(const std::string &path, std::string *error);

struct BuiltinInfo
{
    std::string name;
    std::string title;
    std::string description;
};
// Every built-in scenario, sorted by name ("default" included).
std::vector<BuiltinInfo> builtinScenarios();
// A built-in by name; nullptr and an error when unknown.
std::shared_ptr<Scenario> loadBuiltin(const std::string &name, std::string *error);
// A built-in name, or else a file path.
std::shared_ptr<Scenario> loadScenario(const std::string &nameOrPath, std::string *error);

} // namespace tee::sim
