// Experiment, not part of `npm run bench`: preloaded into the server child to test the proposed fix
// for per-frame syscalls. The first frame a WebSocket sends in a tick goes out at once (so the first
// token is not held back); further frames in the same tick are corked and leave together in one
// writev when the tick ends.
//   npm run bench -- --only=overhead --overhead-tokens=200 --experiment=cork-ws-sends
import { createRequire } from 'node:module';

interface Corkable {
  cork(): void;
  uncork(): void;
  benchTickState?: 'sent' | 'corked';
}

const require = createRequire(import.meta.url);
const WebSocket = require('ws') as { prototype: { send(...args: unknown[]): void } };
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function corkedSend(this: { _socket?: Corkable }, ...args: unknown[]) {
  const socket = this._socket;
  if (socket && socket.benchTickState === undefined) {
    socket.benchTickState = 'sent';
    process.nextTick(() => {
      if (socket.benchTickState === 'corked') socket.uncork();
      socket.benchTickState = undefined;
    });
  } else if (socket && socket.benchTickState === 'sent') {
    socket.benchTickState = 'corked';
    socket.cork();
  }
  return send.apply(this, args);
};
