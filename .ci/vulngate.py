# Reads govulncheck -format json on stdin. Prints every vulnerability the code
# calls; exits 1 when one of them is in a required module (fixable by go get),
# and reports standard-library ones (fixed by a newer Go toolchain) without failing.
import json, sys
dec = json.JSONDecoder(); s = sys.stdin.read(); i = 0
called = {}
while i < len(s):
    while i < len(s) and s[i].isspace(): i += 1
    if i >= len(s): break
    o, i = dec.raw_decode(s, i)
    f = o.get('finding')
    if f and f['trace'][0].get('function'):
        t = f['trace'][0]
        called[f['osv']] = (t.get('module'), t.get('version'), f.get('fixed_version', ''))
bad = 0
for osv, (mod, ver, fixed) in sorted(called.items()):
    print(f"{osv}: {mod}@{ver} (fixed in {fixed or 'no release yet'})")
    if mod != 'stdlib': bad += 1
std = sum(1 for m in called.values() if m[0] == 'stdlib')
print(f"govulncheck: {len(called)} called vulnerabilities: {bad} in required modules, {std} in the standard library (fixed by a newer Go toolchain)")
sys.exit(1 if bad else 0)
