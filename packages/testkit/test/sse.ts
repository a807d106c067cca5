// Test helper: reads a whole SSE response into its events, the way an SSE client would.

export interface SseEvent {
  event?: string;
  data: string;
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event.event = line.slice('event: '.length);
        if (line.startsWith('data: ')) event.data += line.slice('data: '.length);
      }
      return event;
    });
}

/** The parts of an OpenAI chunk the tests look at. */
export interface OpenAIChunk {
  id?: string;
  object?: string;
  model?: string;
  choices: Array<{
    index: number;
    delta?: { role?: string; content?: string };
    finish_reason: string | null;
  }>;
  usage?: Record<string, unknown> | null;
}

/** The JSON payloads of an OpenAI-style stream, without the closing `[DONE]`. */
export function jsonChunks(events: SseEvent[]): OpenAIChunk[] {
  return events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data));
}

export async function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    body: JSON.stringify(body),
  });
}

/** The JSON payload of one SSE event (`{}` when the event is missing). */
export function eventJson(event: SseEvent | undefined): Record<string, unknown> {
  return event ? JSON.parse(event.data) : {};
}

/** Reads a body the double cuts: resolves with what arrived, rejects if it ended cleanly instead. */
export async function readUntilCut(res: Response): Promise<string> {
  if (!res.body) throw new Error('response has no body');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let received = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
  } catch {
    return received;
  }
  throw new Error(`stream ended cleanly instead of being cut: ${received}`);
}
