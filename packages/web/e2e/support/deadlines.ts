// The server tests' deadlines that scale with the machine, for the browser tests too: one figure per run.
export { scaled, TIME_SCALE, waitUntil } from '../../../server/test/support/deadlines.ts';
