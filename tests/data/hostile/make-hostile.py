#!/usr/bin/env python3
# Regenerates tests/data/hostile/: scenario and capture files written to hurt
# the reader (issue 6): forged message lines, terminal escapes, bidi
# overrides, invalid UTF-8, 100 KB values, numbers past 64 bits, op keys that
# collide, schedules longer than their bound. Each must be refused with exit
# status 2 and exactly one line on stderr naming the file and the place, by
# both `teescope-cli run` and `teescope-cli replay`; tst_cli lists every file
# here with the words its message must contain. Files starting with "s-" are
# scenarios, "c-" captures (built from tests/data/captures/minimal.json).
import copy, json, os, re

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(DATA))
scenario = json.load(open(os.path.join(ROOT, 'resources/scenarios/default.json')))
capture = json.load(open(os.path.join(DATA, 'captures/minimal.json')))
out = {}
# the model version of this teescope (core/engine.h)
MODEL_VERSION = int(re.search(r'kModelVersion = (\d+);',
                              open(os.path.join(ROOT, 'core/engine.h')).read()).group(1))

def scen(name, f):
    o = copy.deepcopy(scenario); f(o)
    out['s-' + name + '.json'] = json.dumps(o, indent=1, ensure_ascii=True) + '\n'

def cap(name, f):
    o = copy.deepcopy(capture)
    o['model_version'] = MODEL_VERSION # a current capture: a schedule that does not apply is bad input
    f(o)
    out['c-' + name + '.json'] = json.dumps(o, indent=1, ensure_ascii=True) + '\n'

FORGED = '\nteescope-cli: replay identical: 0 steps, 0 events, 0 violations'
scen('title-forged-line', lambda o: o.__setitem__('title', 'One callback' + FORGED))
scen('title-ansi', lambda o: o.__setitem__('title', '\x1b[2J\x1b[31mred'))
scen('name-bidi', lambda o: o.__setitem__('name', 'txt.\u202eexe'))
scen('name-del', lambda o: o.__setitem__('name', 'a\x7fb'))
scen('description-bell', lambda o: o.__setitem__('description', 'line one\nring \x07 here'))
scen('description-c1', lambda o: o.__setitem__('description', 'next line\u0085here'))
scen('huge-key', lambda o: o.__setitem__('k' * 100000, 1))
scen('key-osc-escape', lambda o: o.__setitem__('\x1b]0;pwned\x07', 1))
scen('max-steps-past-64-bits', lambda o: o.__setitem__('max_steps', 10**20))
scen('max-steps-over-limit', lambda o: o.__setitem__('max_steps', 100000001))
scen('seed-2-63', lambda o: o.__setitem__('seed', 2**63))
scen('duplicate-op-key', lambda o: o['qtee']['services'][0].__setitem__(
    'ops', {'1': [{'do': 'return', 'result': 0}], '01': [{'do': 'return', 'result': 1}]}))
scen('schedule-label-newline', lambda o: o.__setitem__('schedule', ['app/client: open /dev/tee' + FORGED]))
# Invalid UTF-8 inside a JSON string (written as bytes below).
out['s-invalid-utf8.json'] = None

cap('format-forged-line', lambda o: o.__setitem__('format', 'teescope-capture' + FORGED))
cap('kind-ansi', lambda o: o['events'][1].__setitem__('kind', '\x1b[2Jrequest_state'))
cap('kind-huge', lambda o: o['events'][1].__setitem__('kind', 'x' * 100000))
cap('policy-bidi', lambda o: o.__setitem__('policy', 'scripted\u202e'))
cap('schedule-label-forged-line', lambda o: o['schedule'].__setitem__(0, 'app/client: open /dev/tee' + FORGED))
cap('schedule-longer-than-max-steps', lambda o: o.__setitem__('max_steps', 2))
cap('max-steps-zero', lambda o: o.__setitem__('max_steps', 0))
cap('max-steps-over-limit', lambda o: o.__setitem__('max_steps', 100000001))
cap('seed-1e30', lambda o: o.__setitem__('seed', 1e30))
cap('embedded-duplicate-op-key', lambda o: o['scenario']['qtee']['services'][0].__setitem__(
    'ops', {'7': [{'do': 'return', 'result': 0}], '007': [{'do': 'return', 'result': 1}]}))
cap('embedded-title-forged-line', lambda o: o['scenario'].__setitem__('title', 'x' + FORGED))

# A key given twice: JSON readers keep one silently, teescope refuses.
def raw(name, text):
    out[name] = text
o = copy.deepcopy(scenario)
text = json.dumps(o, indent=1)
raw('s-duplicate-key.json', text.replace('"processes": [', '"processes": [],\n "processes": [', 1))
raw('s-duplicate-key-escaped.json', text.replace('"title":', '"t\\u0069tle": "hidden",\n "title":', 1))
o = copy.deepcopy(capture)
text = json.dumps(o, indent=1)
raw('c-duplicate-key.json', text.replace('"notes": [', '"notes": [],\n "notes": [', 1))

for f in os.listdir(HERE):
    if f.endswith('.json'):
        os.remove(os.path.join(HERE, f))
for name, text in out.items():
    path = os.path.join(HERE, name)
    if text is None:
        o = copy.deepcopy(scenario); o['title'] = '@@'
        raw = json.dumps(o, indent=1).encode().replace(b'@@', b'bad \xff\xfe utf-8')
        open(path, 'wb').write(raw)
    else:
        open(path, 'w').write(text)
print('%d hostile files written' % len(out))
