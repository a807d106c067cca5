import http from 'node:http';
import { countWords } from './stats.ts';

/** What one streamed answer looked like from the client's side (performance.now() times, ms). */
export interface StreamTiming {
  sentAt: number;
  /** First text token received (NaN if none). */
  firstTokenAt: number;
  lastTokenAt: number;
  /** End of the answer: the HTTP response end (direct) or the `done` event (via the server). */
  endAt: number;
  tokens: number;
  /** turn_started received (server only). */
  startedAt?: number;
  error?: string;
}

/** Latency views of one timing. */
export const ttftOf = (t: StreamTiming) => t.firstTokenAt - t.sentAt;
export const endOf = (t: StreamTiming) => t.endAt - t.sentAt;
export const lastTokenOf = (t: StreamTiming) => t.lastTokenAt - t.sentAt;

export interface DirectRequest {
  model: string;
  system: string;
  message: string;
}

/**
 * Calls the provider double directly with the Chat Completions request the server would send (same
 * model, system prompt and user message, streaming with usage): the zero-overhead baseline.
 */
export class DirectClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  private readonly host: string;
  private readonly port: number;
  private readonly basePath: string;

  constructor(doubleUrl: string) {
    const url = new URL(doubleUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.basePath = url.pathname.replace(/\/$/, '');
  }

  stream(request: DirectRequest): Promise<StreamTiming> {
    const body = JSON.stringify({
      model: request.model,
      messages: [
        { role: 'system', content: request.system },
        { role: 'user', content: request.message },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    return new Promise((resolve, reject) => {
      const timing: StreamTiming = {
        sentAt: performance.now(),
        firstTokenAt: Number.NaN,
        lastTokenAt: Number.NaN,
        endAt: Number.NaN,
        tokens: 0,
      };
      let text = '';
      let buffered = '';
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          method: 'POST',
          path: `${this.basePath}/chat/completions`,
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            authorization: 'Bearer bench',
          },
        },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const now = performance.now();
            buffered += chunk;
            let boundary = buffered.indexOf('\n\n');
            while (boundary >= 0) {
              const event = buffered.slice(0, boundary);
              buffered = buffered.slice(boundary + 2);
              boundary = buffered.indexOf('\n\n');
              if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
              const parsed = JSON.parse(event.slice(6)) as { choices?: { delta?: { content?: string } }[] };
              const content = parsed.choices?.[0]?.delta?.content;
              if (!content) continue;
              if (Number.isNaN(timing.firstTokenAt)) timing.firstTokenAt = now;
              timing.lastTokenAt = now;
              text += content;
            }
          });
          res.on('end', () => {
            timing.endAt = performance.now();
            timing.tokens = countWords(text);
            if (res.statusCode !== 200) timing.error = `HTTP ${res.statusCode}`;
            resolve(timing);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
