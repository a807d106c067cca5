// Regenerates the tables of docs/api.md that the code defines, between marker comments, so that the
// document cannot drift from the schemas: the environment (packages/server/src/config.ts), the error
// codes (packages/protocol/src/common.ts), the client frames and the server events (…/ws.ts).
//
//   node --import tsx scripts/gen-api-docs.ts          rewrites docs/api.md
//   node --import tsx scripts/gen-api-docs.ts --check  exits 1 when docs/api.md is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  ATTEMPT_ERROR_CODES,
  ChatSchema,
  ClientFrameSchema,
  ERROR_CODES,
  MessageMetadataSchema,
  MessageSchema,
  PongPayloadSchema,
  RequestErrorPayloadSchema,
  ResyncPayloadSchema,
  TURN_ONLY_ERROR_CODES,
  TurnEventPayloadSchemas,
  TurnFieldsSchema,
} from '../packages/protocol/src/index.ts';
import { ENV_VARIABLES } from '../packages/server/src/config.ts';

export const API_DOC_PATH = fileURLToPath(new URL('../docs/api.md', import.meta.url));

// ---- rendering schemas as the doc's `{ field, optional?, named: Type }` notation ---------------

/** Schemas shown by name (the doc describes them in its own section), not expanded. */
const NAMED = new Map<z.ZodType, string>([
  [MessageSchema, 'Message'],
  [ChatSchema, 'Chat'],
  [MessageMetadataSchema, 'MessageMetadata'],
]);

function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean } {
  let inner = schema;
  let optional = false;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) {
    optional = true;
    inner = inner.def.innerType as z.ZodType;
  }
  return { inner, optional };
}

/** The type annotation of a field; plain strings, numbers and booleans go without one, as in the doc. */
function typeOf(schema: z.ZodType): string | undefined {
  const named = NAMED.get(schema);
  if (named) return named;
  if (schema instanceof z.ZodEnum) return schema.options.map((option) => JSON.stringify(option)).join(' | ');
  if (schema instanceof z.ZodLiteral) return JSON.stringify(schema.value);
  if (schema instanceof z.ZodArray) return `${typeOf(schema.element as z.ZodType) ?? 'string'}[]`;
  if (schema instanceof z.ZodObject) return shapeOf(schema);
  return undefined;
}

export function shapeOf(schema: z.ZodType): string {
  const { inner } = unwrap(schema);
  if (!(inner instanceof z.ZodObject)) throw new Error('expected an object schema');
  const fields = Object.entries(inner.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { inner: fieldType, optional } = unwrap(field);
    const annotation = typeOf(fieldType);
    return `${name}${optional ? '?' : ''}${annotation ? `: ${annotation}` : ''}`;
  });
  return fields.length ? `{ ${fields.join(', ')} }` : '{}';
}

/** The schema's description, followed by those of its fields that have one (`field`: …). */
function describe(schema: z.ZodType, what: string): string {
  if (!schema.description) throw new Error(`${what} has no description: add .describe() to its schema`);
  const { inner } = unwrap(schema);
  const shape = inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : {};
  const notes = Object.entries(shape)
    .map(([name, field]) => ({ name, text: field.description ?? unwrap(field).inner.description }))
    .filter((note) => note.text)
    .map((note) => ` \`${note.name}\`: ${note.text}`);
  return schema.description + notes.join('');
}

// ---- Markdown tables, aligned like Prettier does ----------------------------------------------

const code = (text: string) => `\`${text}\``;
const width = (text: string) => [...text].length;

export function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => width(row[column] ?? ''))));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - width(cell))).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head ?? []), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

// ---- the generated sections --------------------------------------------------------------------

function envSection(): string {
  return table(
    ['variable', 'default', 'meaning'],
    ENV_VARIABLES.map((variable) => [code(variable.name), variable.default, variable.meaning]),
  );
}

function errorsSection(): string {
  const requestRows = Object.entries(ERROR_CODES).map(([name, info]) => [
    code(name),
    String(info.status),
    info.meaning,
  ]);
  const turnRows = [
    ...Object.entries(ATTEMPT_ERROR_CODES).map(([name, meaning]) => [code(name), 'attempt, turn', meaning]),
    ...Object.entries(TURN_ONLY_ERROR_CODES).map(([name, meaning]) => [code(name), 'turn', meaning]),
  ];
  return [
    'Request errors: the REST body `{ "error": { "code", "message", "details"? } }` with its HTTP status, and',
    'the WebSocket `error` event that belongs to no turn (same codes, no status).',
    '',
    table(['code', 'HTTP', 'meaning'], requestRows),
    '',
    "Turn and attempt errors: a failed turn's `error` event and `metadata.error` carry its last attempt's",
    'code or a turn code; each failed model call is recorded in `metadata.attempts[].error`, and',
    '`model_fallback.reason` is an attempt code. A request code raised by the provider layer is passed',
    'through unchanged.',
    '',
    table(['code', 'where', 'meaning'], turnRows),
  ].join('\n');
}

function clientFramesSection(): string {
  const rows = ClientFrameSchema.options.map((frame) => [
    code(frame.shape.type.value),
    code(shapeOf(frame.shape.payload as z.ZodType)),
    describe(frame, `client frame ${frame.shape.type.value}`),
  ]);
  return table(['type', 'payload', 'effect'], rows);
}

function serverEventsSection(): string {
  const fields = Object.keys(TurnFieldsSchema.shape).join(', ');
  const turnRows = Object.entries(TurnEventPayloadSchemas).map(([type, payload]) => [
    code(type),
    code(shapeOf(payload)),
    describe(payload, `turn event ${type}`),
  ]);
  const otherRows = [
    [code('error'), RequestErrorPayloadSchema],
    [code('resync'), ResyncPayloadSchema],
    [code('pong'), PongPayloadSchema],
  ].map(([type, payload]) => [
    type as string,
    code(shapeOf(payload as z.ZodType)),
    describe(payload as z.ZodType, `event ${type}`),
  ]);
  return [
    `Turn events: every payload carries \`{ ${fields} }\` besides the fields listed;`,
    '`seq` counts from 1 within a turn with no gaps.',
    '',
    table(['type', 'payload (besides the common fields)', 'meaning'], turnRows),
    '',
    'Events outside a turn:',
    '',
    table(['type', 'payload', 'meaning'], otherRows),
  ].join('\n');
}

/** Section name → its source (named in the marker) and its content. */
export const SECTIONS: Record<string, { source: string; render: () => string }> = {
  env: { source: 'packages/server/src/config.ts', render: envSection },
  errors: { source: 'packages/protocol/src/common.ts', render: errorsSection },
  'client-frames': { source: 'packages/protocol/src/ws.ts', render: clientFramesSection },
  'server-events': { source: 'packages/protocol/src/ws.ts', render: serverEventsSection },
};

/** docs/api.md with every generated section rewritten; the text around the markers stays. */
export function renderApiDocs(markdown: string): string {
  let result = markdown;
  for (const [name, section] of Object.entries(SECTIONS)) {
    const pattern = new RegExp(`<!-- generated:${name}\\b[^>]*-->[\\s\\S]*?<!-- /generated:${name} -->`);
    if (!pattern.test(result)) throw new Error(`docs/api.md has no <!-- generated:${name} --> section`);
    const open = `<!-- generated:${name} from ${section.source} by \`npm run docs:api\`; do not edit -->`;
    const block = `${open}\n\n${section.render()}\n\n<!-- /generated:${name} -->`;
    result = result.replace(pattern, () => block);
  }
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const current = readFileSync(API_DOC_PATH, 'utf8');
  const next = renderApiDocs(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('docs/api.md is out of date: run `npm run docs:api`');
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(API_DOC_PATH, next);
    console.log('docs/api.md updated');
  } else {
    console.log('docs/api.md is up to date');
  }
}
