import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { HttpClient } from './http-client.ts';
import { roundSummary, type Summary, summarize } from './stats.ts';

/** Event-loop delay of the bench process itself: high values mean the client distorted the numbers. */
export class LoopDelayProbe {
  private static readonly RESOLUTION_MS = 5;
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({
    resolution: LoopDelayProbe.RESOLUTION_MS,
  });

  constructor() {
    this.histogram.enable();
  }

  /**
   * p50/p99/max of the delay in ms. The histogram records the whole interval between its timer's
   * ticks (the resolution included), so the resolution is subtracted.
   */
  stop(): { p50: number; p99: number; max: number } {
    this.histogram.disable();
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LoopDelayProbe.RESOLUTION_MS) * 100) / 100);
    return {
      p50: ms(this.histogram.percentile(50)),
      p99: ms(this.histogram.percentile(99)),
      max: ms(this.histogram.max),
    };
  }
}

/**
 * Server responsiveness under load: `GET /api/health` (no auth, no database) one at a time every
 * `intervalMs`. Its latency minus the idle latency approximates the server's event-loop delay,
 * which the server does not expose.
 */
export class HealthProbe {
  private readonly samples: number[] = [];
  private running = true;
  private readonly done: Promise<void>;
  private readonly http: HttpClient;

  constructor(baseUrl: string, intervalMs = 50) {
    this.http = new HttpClient(baseUrl, undefined, 1);
    this.done = this.loop(intervalMs);
  }

  private async loop(intervalMs: number): Promise<void> {
    while (this.running) {
      try {
        this.samples.push((await this.http.get('/api/health')).ms);
      } catch {
        // a refused probe is visible as a missing sample
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Stops probing and returns the raw latencies (ms). */
  async stop(): Promise<number[]> {
    this.running = false;
    await this.done;
    this.http.close();
    return this.samples;
  }
}

/** Idle `GET /api/health` latency: the baseline for HealthProbe numbers. */
export async function idleHealthLatency(baseUrl: string, samples = 50): Promise<Summary> {
  const http = new HttpClient(baseUrl, undefined, 1);
  const values: number[] = [];
  for (let i = 0; i < samples; i++) values.push((await http.get('/api/health')).ms);
  http.close();
  return roundSummary(summarize(values.slice(Math.min(10, samples >> 1))));
}
