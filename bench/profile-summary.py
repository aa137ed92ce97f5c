"""Summary of an async-profiler collapsed profile (with 'threads'): for the threads whose name starts with
PREFIX, the split of CPU samples between kernel, Java and VM/native code and the top self frames.
Usage: python3 bench/profile-summary.py FILE.collapsed PREFIX [N]"""
import collections
import sys

path, prefix = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 15
kinds = collections.Counter()
frames = collections.Counter()
total = 0
for line in open(path):
    stack, _, count = line.rstrip().rpartition(' ')
    parts = stack.split(';')
    if not parts[0].lstrip('[').startswith(prefix):
        continue
    n = int(count)
    total += n
    leaf = parts[-1]
    kind = 'kernel' if leaf.endswith('_[k]') else ('java' if '/' in leaf else 'vm/native')
    kinds[kind] += n
    if kind != 'kernel':
        frames[leaf[:110]] += n
if total == 0:
    sys.exit(f"no samples of threads starting with {prefix!r} in {path}")
print(f"{path}: {total} samples of threads {prefix}*: " + ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in kinds.most_common()))
for frame, n in frames.most_common(top):
    print(f"  {100 * n / total:5.2f}%  {frame}")
