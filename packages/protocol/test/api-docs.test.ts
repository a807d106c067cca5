import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOC_PATH, renderApiDocs } from '../../../scripts/gen-api-docs.ts';
import { ENV_VARIABLES } from '../../server/src/config.ts';
import {
  ClientFrameSchema,
  ERROR_CODES,
  ErrorCodeSchema,
  ServerEventSchema,
  TURN_EVENT_TYPES,
  TurnErrorCodeSchema,
  TurnEventPayloadSchemas,
} from '../src/index.ts';

const CONFIG_PATH = new URL('../../server/src/config.ts', import.meta.url);

/** The environment variables config.ts reads: EnvSchema's keys and every `env.NAME` / `process.env.NAME`. */
function variablesReadByConfig(): Set<string> {
  const source = readFileSync(CONFIG_PATH, 'utf8');
  const start = source.indexOf('const EnvSchema = z.object({');
  const end = source.indexOf('\n});', start);
  expect(start, 'config.ts declares `const EnvSchema = z.object({`').toBeGreaterThan(-1);
  const names = new Set<string>();
  for (const match of source.slice(start, end).matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm))
    names.add(match[1] ?? '');
  for (const match of source.matchAll(/\b(?:env|process\.env|source)\.([A-Z][A-Z0-9_]*)\b/g))
    names.add(match[1] ?? '');
  for (const match of source.matchAll(/\b(?:env|process\.env|source)\[['"]([A-Z][A-Z0-9_]*)['"]\]/g))
    names.add(match[1] ?? '');
  return names;
}

describe('docs/api.md', () => {
  it('is exactly what `npm run docs:api` generates from the schemas and the config', () => {
    const current = readFileSync(API_DOC_PATH, 'utf8');
    expect(renderApiDocs(current), 'docs/api.md is out of date: run `npm run docs:api`').toBe(current);
  });

  it('lists every environment variable config.ts reads, and no other', () => {
    const read = [...variablesReadByConfig()].sort();
    const documented = ENV_VARIABLES.map((variable) => variable.name).sort();
    expect(read.length).toBeGreaterThan(30);
    expect(documented).toEqual(read);
  });

  it('gives every environment variable a default and a meaning', () => {
    for (const variable of ENV_VARIABLES) {
      expect(variable.default, variable.name).not.toBe('');
      expect(variable.meaning.length, variable.name).toBeGreaterThan(5);
    }
  });

  it('documents only the events and frames the schemas define', () => {
    const current = readFileSync(API_DOC_PATH, 'utf8');
    const events = current.slice(current.indexOf('<!-- generated:server-events'));
    for (const type of TURN_EVENT_TYPES) expect(events).toContain(`| \`${type}\``);
    expect(current).not.toContain('tool_start');
    expect(current).not.toContain('tool_end');
    for (const frame of ClientFrameSchema.options) expect(frame.description).toBeTruthy();
    for (const payload of Object.values(TurnEventPayloadSchemas)) expect(payload.description).toBeTruthy();
  });
});

describe('error codes', () => {
  it('include `unavailable`, each with its HTTP status', () => {
    expect(ErrorCodeSchema.options).toContain('unavailable');
    expect(ERROR_CODES.unavailable.status).toBe(503);
    expect(TurnErrorCodeSchema.options).toEqual(expect.arrayContaining(['interrupted', 'timeout']));
  });
});

const fields = { turnId: 't1', chatId: 'c1', botId: 'b1', seq: 3 };

describe('server event schemas', () => {
  it('accept a turn error with a turn code and a lone error with a request code', () => {
    const turnError = { type: 'error', payload: { ...fields, code: 'provider_auth', message: 'No' } };
    const lone = {
      type: 'error',
      payload: { code: 'not_found', message: 'Bot not found', clientMessageId: 'x' },
    };
    expect(ServerEventSchema.parse(turnError)).toEqual(turnError);
    expect(ServerEventSchema.parse(lone)).toEqual(lone);
  });

  it('reject codes, fields and events that are not documented', () => {
    const undocumented = [
      { type: 'error', payload: { code: 'provider_auth', message: 'a turn code without turn fields' } },
      { type: 'error', payload: { ...fields, code: 'made_up', message: 'x' } },
      { type: 'text_delta', payload: { ...fields, messageId: 'm', delta: 'x', extra: true } },
      { type: 'text_delta', payload: { messageId: 'm', delta: 'x' } },
      { type: 'tool_start', payload: { ...fields, messageId: 'm', toolCallId: 'c', tool: 't', args: {} } },
      { type: 'pong', payload: { ts: 'not a number' } },
    ];
    for (const event of undocumented) {
      expect(ServerEventSchema.safeParse(event).success, JSON.stringify(event)).toBe(false);
    }
  });
});
