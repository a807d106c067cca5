import {
  BOT_FILE_FORMAT,
  BOT_FILE_VERSION,
  type Bot,
  type BotExport,
  BotFileSchema,
  type CachiBotExport,
  CachiBotExportSchema,
  type CreateBotBody,
} from '@cachibot/protocol';
import { badRequest } from '../errors.ts';
import { nowIso } from '../ids.ts';
import { parseInput } from '../validation.ts';

/** A bot as a `cachibot.bot` file: every field, never a key (provider keys live elsewhere). */
export function toBotExport(bot: Bot, exportedAt = nowIso()): BotExport {
  return {
    format: BOT_FILE_FORMAT,
    version: BOT_FILE_VERSION,
    exportedAt,
    bot: {
      name: bot.name,
      description: bot.description,
      icon: bot.icon,
      color: bot.color,
      systemPrompt: bot.systemPrompt,
      models: bot.models,
      fallbackModels: bot.fallbackModels,
      settings: bot.settings,
      starters: bot.starters,
      // Bots have no tools yet; the field is part of the format so that files stay stable when they do.
      tools: {},
    },
  };
}

const fieldError = (path: string, message: string, code: string) =>
  badRequest(`Invalid bot file: ${path ? `${path}: ` : ''}${message}`, [{ path, message, code }]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The bot a file describes, validated whole before anything is stored: a `cachibot.bot` file of
 * version 1, or a CachiBot platform export (`version: "1.0"`). Anything else is a `400` whose
 * details name the field.
 */
export function parseBotImport(input: unknown): CreateBotBody {
  if (!isRecord(input)) throw fieldError('', 'must be a JSON object', 'invalid_type');
  if (input.format === undefined && typeof input.version === 'string') {
    return fromCachiBot(parseInput(CachiBotExportSchema, input, 'CachiBot export'));
  }
  // A newer file may be shaped differently: say it is the version, not whatever field differs.
  if (input.format === BOT_FILE_FORMAT && input.version !== BOT_FILE_VERSION) {
    throw fieldError(
      'version',
      `unknown version ${JSON.stringify(input.version) ?? 'undefined'}; this server reads version ${BOT_FILE_VERSION}`,
      'unknown_version',
    );
  }
  const { tools: _tools, ...bot } = parseInput(BotFileSchema, input, 'bot file').bot;
  return bot;
}

/** CachiBot names its icons (lucide names); the closest emoji, or the default bot face. */
const CACHIBOT_ICONS: Record<string, string> = {
  bot: '🤖',
  brain: '🧠',
  code: '💻',
  terminal: '🖥️',
  shield: '🛡️',
  sparkles: '✨',
  zap: '⚡',
  rocket: '🚀',
  book: '📘',
  pen: '✍️',
  'pen-tool': '✍️',
  'bar-chart': '📊',
  chart: '📊',
  globe: '🌐',
  heart: '❤️',
  star: '⭐',
  music: '🎵',
  camera: '📷',
  flask: '🧪',
  database: '🗄️',
  message: '💬',
  'message-circle': '💬',
  search: '🔍',
  wrench: '🔧',
  lightbulb: '💡',
  'graduation-cap': '🎓',
  briefcase: '💼',
  palette: '🎨',
  calculator: '🧮',
  coffee: '☕',
  gamepad: '🎮',
  cpu: '🧠',
};

function iconOf(icon: string | null | undefined): string {
  if (!icon) return '🤖';
  if (/^[a-z0-9-]+$/.test(icon)) return CACHIBOT_ICONS[icon] ?? '🤖';
  // Already an emoji or a letter: keep it when it fits the bot's icon field.
  return icon.length <= 32 ? icon : '🤖';
}

function fromCachiBot(file: CachiBotExport): CreateBotBody {
  const { bot } = file;
  return {
    name: bot.name,
    description: bot.description ?? '',
    icon: iconOf(bot.icon),
    color: bot.color ?? '#6366f1',
    systemPrompt: bot.systemPrompt,
    models: { default: bot.model },
  };
}
