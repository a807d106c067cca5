// A flooding client in its own process, so that its CPU does not count against the server's event loop.
// Usage: node flooder.mjs <wsUrl> <token> <frames per socket> <mode,mode,…> [give up after ms, 5000]
// Prints one JSON line: per mode, the answers by type/code, the close code and when it came.
import WebSocket from 'ws';

const [wsUrl, token, countText, modesText, giveUpText] = process.argv.slice(2);
const count = Number(countText);
const giveUpMs = Number(giveUpText ?? 5000);
const makers = {
  garbage: (i) =>
    i % 3 === 0
      ? `{not json ${i}`
      : i % 3 === 1
        ? JSON.stringify({ type: `bogus-${i}`, payload: {} })
        : JSON.stringify({ type: 'cancel', payload: { turnId: i } }),
  budgeted: (i) => JSON.stringify({ type: 'cancel', payload: { turnId: `no-such-turn-${i}` } }),
  pings: (i) => JSON.stringify({ type: 'ping', payload: { ts: i } }),
};

function flood(mode) {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    const answers = {};
    let untyped = 0;
    let startedAt = 0;
    let timer;
    const finish = (close) => {
      clearTimeout(timer);
      resolve({ mode, answers, untyped, total: Object.values(answers).reduce((a, b) => a + b, 0), close });
    };
    socket.on('message', (data) => {
      let event;
      try {
        event = JSON.parse(String(data));
      } catch {
        untyped++;
        return;
      }
      const label = event.type === 'error' ? `error:${event.payload?.code}` : event.type;
      answers[label] = (answers[label] ?? 0) + 1;
    });
    socket.on('close', (code) => finish({ code, afterMs: Date.now() - startedAt }));
    socket.on('error', () => undefined);
    socket.on('open', () => {
      startedAt = Date.now();
      for (let i = 0; i < count; i++) socket.send(makers[mode](i));
      timer = setTimeout(() => {
        socket.terminate();
        finish(null);
      }, giveUpMs);
    });
  });
}

const results = await Promise.all(modesText.split(',').map(flood));
process.stdout.write(`${JSON.stringify(results)}\n`);
