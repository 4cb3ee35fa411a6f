#!/usr/bin/env python3
# Regenerates tests/data/captures/minimal.json (a small, valid, hand-written
# capture) and the malformed corpus in tests/data/bad-captures/, each file
# being minimal.json with one defect. tst_capture expects every file there
# to be listed in badCaptureCases() with the message it must produce.
import json, copy, os

DATA = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(DATA))
scenario = json.load(open(os.path.join(ROOT, 'resources/scenarios/default.json')))
base = {
 "format": "teescope-capture", "version": 1, "teescope_version": "0.1.0",
 "scenario": scenario,
 "variant": {"request": "fifo", "argument": "lock", "lifetime": "ctxref", "gaps": "faithful"},
 "policy": "scripted", "seed": 1, "max_steps": 10000, "stop": "max-steps", "stop_detail": "",
 "schedule": ["app/client: open /dev/tee", "app/client: OBJECT_INVOKE ROOT op 32", "app/client: QTEE returns 0"],
 "events": [
  {"step":1,"t_ns":500,"kind":"syscall_enter","thread":0,"thread_name":"app/client","op":1,"detail":"open"},
  {"step":1,"t_ns":500,"kind":"context_opened","process":0,"process_name":"app","context":1},
  {"step":1,"t_ns":500,"kind":"syscall_return","thread":0,"thread_name":"app/client","op":1,"errno":{"number":0,"name":"0"}},
  {"step":2,"t_ns":1000,"kind":"smc_invoke","thread":0,"thread_name":"app/client","qtee_id":"0x1","op":32},
  {"step":3,"t_ns":1300,"kind":"qtee_result","thread":0,"thread_name":"app/client","value":0,"result":"OK"},
  {"step":3,"t_ns":1300,"kind":"object_created","object":0,"object_type":"TEE","qtee_id":"0x100"},
  {"step":3,"t_ns":1300,"kind":"ref_get","object":0,"refcount":1,"holder":"caller","holder_arg":0},
  {"step":3,"t_ns":1300,"kind":"request_state","thread":0,"context":1,"request":0,"req_id":0,"from":"NEW","to":"QUEUED","op":7},
  {"step":3,"t_ns":1300,"kind":"request_state","thread":0,"context":1,"request":0,"req_id":0,"from":"PROCESSING","to":"PROCESSED","errno":{"number":-22,"name":"EINVAL"}},
  {"step":3,"t_ns":1300,"kind":"violation","thread":0,"request":0,"invariant":"I12","detail":"hand-written example"}
 ],
 "violations": [{"step":3,"t_ns":1300,"invariant":"I12","text":"hand-written example","thread":0,"request":0}],
 "notes": [{"step":2,"text":"reviewer: first SMC"}]
}
def dump(obj):
    # like the writer: layout indented, one event per line
    s = json.dumps({k: v for k, v in obj.items() if k != 'events'} if isinstance(obj, dict) and isinstance(obj.get('events'), list) else obj, indent=1)
    if isinstance(obj, dict) and isinstance(obj.get('events'), list):
        ev = ",\n  ".join(json.dumps(e, separators=(',', ':')) for e in obj['events'])
        s = s[:-2] + ',\n "events": [\n  ' + ev + '\n ]\n}'
    return s + "\n"
open(os.path.join(DATA, 'captures/minimal.json'), 'w').write(dump(base))
bad = {}
def mut(name, f):
    o = copy.deepcopy(base); f(o); bad[name] = dump(o)
bad['empty.json'] = ''
full = dump(base)
bad['truncated.json'] = full[: full.index('"kind":"qtee_result"') + 12]
bad['not-json.json'] = 'teescope capture, honest\n'
bad['top-level-array.json'] = '[{"format": "teescope-capture"}]\n'
mut('wrong-format.json', lambda o: o.__setitem__('format', 'teescope-scenario'))
mut('missing-format.json', lambda o: o.pop('format'))
mut('future-version.json', lambda o: o.__setitem__('version', 2))
mut('version-string.json', lambda o: o.__setitem__('version', "1"))
mut('missing-events.json', lambda o: o.pop('events'))
mut('events-not-array.json', lambda o: o.__setitem__('events', {"0": {}}))
mut('event-not-object.json', lambda o: o['events'].__setitem__(0, 3))
mut('unknown-event-kind.json', lambda o: o['events'][1].__setitem__('kind', 'request_teleport'))
mut('event-missing-kind.json', lambda o: o['events'][2].pop('kind'))
mut('event-step-string.json', lambda o: o['events'][0].__setitem__('step', 'one'))
mut('event-fractional-time.json', lambda o: o['events'][3].__setitem__('t_ns', 1000.5))
mut('event-thread-wrong-type.json', lambda o: o['events'][3].__setitem__('thread', 'app/client'))
mut('bad-request-state.json', lambda o: o['events'][7].__setitem__('to', 'DONE'))
mut('request-state-missing-from.json', lambda o: o['events'][7].pop('from'))
mut('errno-name-mismatch.json', lambda o: o['events'][8]['errno'].__setitem__('name', 'ENOMEM'))
mut('errno-not-object.json', lambda o: o['events'][2].__setitem__('errno', -22))
mut('errno-missing.json', lambda o: o['events'][2].pop('errno'))
mut('bad-qtee-id.json', lambda o: o['events'][3].__setitem__('qtee_id', '0xZZ'))
mut('bad-holder.json', lambda o: o['events'][6].__setitem__('holder', 'somebody'))
mut('ref-missing-refcount.json', lambda o: o['events'][6].pop('refcount'))
mut('violation-bad-invariant.json', lambda o: o['events'][9].__setitem__('invariant', 'twelve'))
mut('violation-unknown-invariant.json', lambda o: o['events'][9].__setitem__('invariant', 'I99'))
mut('violation-finding-of-another.json', lambda o: o['events'][9].__setitem__('finding', 'not_fifo'))
mut('spans-empty.json', lambda o: o.__setitem__('spans', []))
mut('seed-integer-past-2p63.json', lambda o: o.__setitem__('seed', 18446744073709551615))
mut('event-negative-time.json', lambda o: o['events'][0].__setitem__('t_ns', -1))
mut('event-thread-unknown.json', lambda o: o['events'][3].__setitem__('thread', 2147483647))
mut('event-process-unknown.json', lambda o: o['events'][1].__setitem__('process', 1))
mut('steps-go-back.json', lambda o: o['events'][4].__setitem__('step', 1))
mut('negative-seed.json', lambda o: o.__setitem__('seed', -1))
mut('bad-variant-value.json', lambda o: o['variant'].__setitem__('request', 'lifo'))
mut('missing-variant-dimension.json', lambda o: o['variant'].pop('gaps'))
mut('bad-policy.json', lambda o: o.__setitem__('policy', 'chaotic'))
mut('bad-stop.json', lambda o: o.__setitem__('stop', 'exploded'))
mut('schedule-not-strings.json', lambda o: o['schedule'].__setitem__(1, 2))
mut('orphan-violation.json', lambda o: o['violations'][0].__setitem__('invariant', 'I6'))
mut('note-missing-text.json', lambda o: o['notes'][0].pop('text'))
mut('scenario-missing.json', lambda o: o.pop('scenario'))
mut('scenario-not-object.json', lambda o: o.__setitem__('scenario', 'default'))
mut('bad-embedded-scenario.json', lambda o: o['scenario']['processes'][0]['threads'][0]['program'][2].__setitem__('do', 'invok'))
# (only its own files: others in the corpus were written by hand, from a
# real capture, and tst_capture lists every file of it)
for name, text in bad.items():
    open(os.path.join(DATA, 'bad-captures', name), 'w').write(text)
print('%d malformed captures written' % len(bad))
