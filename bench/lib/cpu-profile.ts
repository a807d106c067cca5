import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  owner: string;
  ms: number;
  /** Share of busy (non-idle) time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time that was not idle, ms. */
  busyMs: number;
  topSelf: ProfileEntry[];
  owners: ProfileEntry[];
  /** Inclusive time of our own server functions (everything they called included). */
  topInclusiveOurs: ProfileEntry[];
}

const META = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** Who a frame belongs to: our packages, a dependency (by package name), node itself or V8. */
export function ownerOf(frame: CallFrame): string {
  if (META.has(frame.functionName)) return frame.functionName;
  const { url } = frame;
  const ours = /\/packages\/([^/]+)\/src\//.exec(url);
  if (ours) return `cachibot/${ours[1]}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? 'unknown');
  }
  if (url.startsWith('node:')) return 'node internals';
  return url ? url : 'v8 builtins';
}

function shortUrl(url: string): string {
  const ours = url.indexOf('/packages/');
  if (ours >= 0) return url.slice(ours + 1);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  return url.replace(/^file:\/\//, '');
}

/** tsx compiles each TypeScript file onto one line: there the column is what tells functions apart. */
const positionOf = (frame: CallFrame) =>
  frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ` col ${frame.columnNumber}`;

const keyOf = (frame: CallFrame) =>
  META.has(frame.functionName) || !frame.url
    ? frame.functionName || '(anonymous)'
    : `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${positionOf(frame)}`;

function top(map: Map<string, { owner: string; ms: number }>, busyMs: number, count: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, count)
    .map(([name, { owner, ms }]) => ({
      name,
      owner,
      ms: Math.round(ms),
      share: Math.round((ms / busyMs) * 1000) / 1000,
    }));
}

/**
 * Self and inclusive time per function from a V8 `.cpuprofile` (as written by `--cpu-prof`), counting
 * only samples inside `windows` (monotonic µs, the profile's own clock) when some are given.
 */
export function summarizeCpuProfile(
  file: string,
  windows: { startUs: number; endUs: number }[] = [],
  count = 20,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, { owner: string; ms: number }>();
  const owners = new Map<string, { owner: string; ms: number }>();
  const inclusive = new Map<string, { owner: string; ms: number }>();
  let busyMs = 0;
  let sampleAt = profile.startTime;
  const inWindow = (us: number) =>
    windows.length === 0 || windows.some((w) => us >= w.startUs && us <= w.endUs);
  const add = (map: Map<string, { owner: string; ms: number }>, key: string, owner: string, ms: number) => {
    const entry = map.get(key) ?? { owner, ms: 0 };
    entry.ms += ms;
    map.set(key, entry);
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    sampleAt += profile.timeDeltas[i] ?? 0;
    // timeDeltas[i + 1] is the time until the next sample: the time this sample stands for.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (!node || node.callFrame.functionName === '(idle)' || !inWindow(sampleAt)) continue;
    busyMs += ms;
    const owner = ownerOf(node.callFrame);
    add(self, keyOf(node.callFrame), owner, ms);
    add(owners, owner, owner, ms);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = (byId.get(id) as ProfileNode).callFrame;
      const frameOwner = ownerOf(frame);
      if (!frameOwner.startsWith('cachibot/')) continue;
      const key = keyOf(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, frameOwner, ms);
    }
  }
  return {
    file,
    busyMs: Math.round(busyMs),
    topSelf: top(self, busyMs, count),
    owners: top(owners, busyMs, count),
    topInclusiveOurs: top(inclusive, busyMs, count),
  };
}
