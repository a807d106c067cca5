// A TCP proxy on 127.0.0.1 that breaks connections on purpose: cut after a (random) number of bytes
// from the upstream, black-hole (stop forwarding without closing), add latency, or reset everything.
import net from 'node:net';

export interface FaultProxyOptions {
  /** Where to forward, e.g. the Cachibot server's port. */
  targetPort: number;
  targetHost?: string;
  /** Cut a connection after this many upstream→client bytes: a number, or [min, max] picked per connection. */
  cutAfterBytes?: number | [number, number];
  /** Delay each upstream→client chunk by this many ms. */
  latencyMs?: number;
}

export interface FaultProxy {
  readonly port: number;
  /** Connections cut by the proxy so far (by byte budget, `cutAll` or black-holing ends). */
  readonly cuts: number;
  configure(options: Partial<Omit<FaultProxyOptions, 'targetPort' | 'targetHost'>>): void;
  /** Resets every open connection now. */
  cutAll(): void;
  /** Stops forwarding on every open connection without closing it: the peer sees silence. */
  blackHoleAll(): void;
  close(): Promise<void>;
}

const pick = (range: number | [number, number] | undefined): number =>
  range === undefined
    ? Number.POSITIVE_INFINITY
    : typeof range === 'number'
      ? range
      : range[0] + Math.floor(Math.random() * (range[1] - range[0] + 1));

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let settings = { cutAfterBytes: options.cutAfterBytes, latencyMs: options.latencyMs ?? 0 };
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; blackHoled: boolean }>();
  let cuts = 0;

  const server = net.createServer((client) => {
    const upstream = net.connect(options.targetPort, options.targetHost ?? '127.0.0.1');
    const pair = { client, upstream, blackHoled: false };
    pairs.add(pair);
    let budget = pick(settings.cutAfterBytes);
    const destroy = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      if (!pair.blackHoled) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (pair.blackHoled) return;
      const forward = (data: Buffer) =>
        settings.latencyMs > 0
          ? setTimeout(() => client.write(data), settings.latencyMs)
          : client.write(data);
      if (chunk.length < budget) {
        budget -= chunk.length;
        forward(chunk);
        return;
      }
      // Forward part of the chunk, then cut mid-stream (often mid-frame), like a dying network.
      forward(chunk.subarray(0, budget));
      cuts++;
      setImmediate(destroy);
    });
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', destroy);
    upstream.on('close', destroy);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    get cuts() {
      return cuts;
    },
    configure(next) {
      settings = { ...settings, ...next, latencyMs: next.latencyMs ?? settings.latencyMs };
    },
    cutAll() {
      for (const pair of [...pairs]) {
        cuts++;
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
        pairs.delete(pair);
      }
    },
    blackHoleAll() {
      for (const pair of pairs) pair.blackHoled = true;
    },
    close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
