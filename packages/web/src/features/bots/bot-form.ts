import { type Bot, type CreateBotBody, CreateBotBodySchema } from '@cachibot/protocol';

/** The bot editor's fields as the inputs hold them (text), converted to a request body on save. */
export interface BotFormValues {
  name: string;
  icon: string;
  color: string;
  description: string;
  systemPrompt: string;
  defaultModel: string;
  /** One model id per line. */
  fallbackModels: string;
  temperature: string;
  maxOutputTokens: string;
  /** Conversation starters, one per line. */
  starters: string;
}

export type BotFormErrors = Partial<Record<keyof BotFormValues, string>>;

export const DEFAULT_BOT_COLOR = '#4f46e5';

export function formValuesOf(bot?: Bot): BotFormValues {
  return {
    name: bot?.name ?? '',
    icon: bot?.icon ?? '🤖',
    color: bot?.color || DEFAULT_BOT_COLOR,
    description: bot?.description ?? '',
    systemPrompt: bot?.systemPrompt ?? '',
    defaultModel: bot?.models.default ?? '',
    fallbackModels: bot?.fallbackModels.join('\n') ?? '',
    temperature: bot?.settings.temperature?.toString() ?? '',
    maxOutputTokens: bot?.settings.maxOutputTokens?.toString() ?? '',
    starters: bot?.starters.join('\n') ?? '',
  };
}

function optionalNumber(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

function fieldOf(path: PropertyKey[]): keyof BotFormValues {
  const [first, second] = path;
  if (first === 'models') return 'defaultModel';
  if (first === 'settings' && (second === 'temperature' || second === 'maxOutputTokens')) return second;
  if (first === 'fallbackModels') return 'fallbackModels';
  if (first === 'starters') return 'starters';
  return (typeof first === 'string' ? first : 'name') as keyof BotFormValues;
}

/** Validates with the server's own schema so the editor reports the same rules before saving. */
export function botBodyOf(
  values: BotFormValues,
  existing?: Bot,
): { ok: true; body: CreateBotBody } | { ok: false; errors: BotFormErrors } {
  // The editor does not show the utility model; keep it as it is.
  const utility = existing?.models.utility ? { utility: existing.models.utility } : {};
  const candidate = {
    name: values.name.trim(),
    icon: values.icon.trim(),
    color: values.color,
    description: values.description,
    systemPrompt: values.systemPrompt,
    models: { default: values.defaultModel.trim(), ...utility },
    fallbackModels: values.fallbackModels
      .split(/[\n,]/)
      .map((line) => line.trim())
      .filter(Boolean),
    settings: {
      ...(optionalNumber(values.temperature) !== undefined
        ? { temperature: optionalNumber(values.temperature) }
        : {}),
      ...(optionalNumber(values.maxOutputTokens) !== undefined
        ? { maxOutputTokens: optionalNumber(values.maxOutputTokens) }
        : {}),
    },
    starters: values.starters
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  };
  const parsed = CreateBotBodySchema.safeParse(candidate);
  if (parsed.success) return { ok: true, body: parsed.data };
  const errors: BotFormErrors = {};
  for (const issue of parsed.error.issues) {
    const field = fieldOf(issue.path);
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}
