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

/** The JSON payloads of an OpenAI-style stream, without the closing `[DONE]`. */
export function jsonChunks(events: SseEvent[]): Array<Record<string, any>> {
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
