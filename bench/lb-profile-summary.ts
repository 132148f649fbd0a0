/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, top N — used to say
 * what bounds the data path in docs/benchmarks.md. Usage: node dist/bench/lb-profile-summary.js FILE [N]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const [file, top = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: lb-profile-summary FILE.cpuprofile [N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
const byName = new Map<string, number>();
let total = 0;
for (const n of profile.nodes) {
  const url = n.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|dist\/src\/[^/]+\/|node:)/, '$1');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
  byName.set(key, (byName.get(key) ?? 0) + n.hitCount);
  total += n.hitCount;
}
const idle = [...byName].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
const busy = total - idle;
console.log(`samples ${total}, busy ${((busy / total) * 100).toFixed(1)}%`);
for (const [k, v] of [...byName]
  .filter(([k]) => !k.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(top))) {
  console.log(`${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
}
