/**
 * The tables. Portable on SQLite and PostgreSQL: booleans are integers 0/1, times are ISO-8601 text
 * (sorts correctly), JSON is text parsed by the repositories.
 */
export interface UserTable {
  id: string;
  username: string;
  password_hash: string;
  role: 'admin' | 'user';
  created_at: string;
}

export interface SessionTable {
  id: string; // sha256 of the token; the token itself is never stored
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface BotTable {
  id: string;
  user_id: string;
  name: string;
  description: string;
  icon: string;
  color: string;
  system_prompt: string;
  default_model: string;
  utility_model: string | null;
  fallback_models: string; // JSON string[]
  settings: string; // JSON object
  starters: string; // JSON string[]
  is_default: number;
  created_at: string;
  updated_at: string;
}

export interface ChatTable {
  id: string;
  user_id: string;
  bot_id: string;
  title: string;
  pinned: number;
  archived: number;
  model: string | null;
  created_at: string;
  updated_at: string;
  /** Running totals, updated in the same transactions that store messages and finished answers. */
  message_count: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  unpriced_answers: number;
  /** The leaf of the branch the chat shows; a new question continues from it. */
  current_message_id: string | null;
}

export interface MessageTable {
  id: string;
  chat_id: string;
  user_id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status: 'complete' | 'streaming' | 'cancelled' | 'error';
  parent_id: string | null;
  client_message_id: string | null;
  turn_id: string | null;
  metadata: string; // JSON MessageMetadata
  /** The owner's vote on an answer: 1, -1, or null. */
  vote?: number | null;
  created_at: string;
  updated_at: string;
}

export interface TurnTable {
  id: string;
  user_id: string;
  chat_id: string;
  bot_id: string;
  user_message_id: string;
  assistant_message_id: string;
  status: 'running' | 'complete' | 'cancelled' | 'error';
  last_seq: number;
  /** The process running the turn (`host:pid:random`), and until when (ms epoch) it holds it. */
  owner: string | null;
  lease_until: number | null;
  created_at: string;
  updated_at: string;
}

export interface TurnEventTable {
  turn_id: string;
  /** The event's seq; for a `text_run` row, the first seq it holds. */
  seq: number;
  /** The last seq the row holds: equal to `seq` for one event, more for a `text_run`. */
  end_seq: number;
  /** An event type, or `text_run`: consecutive text_delta events stored as one row. */
  type: string;
  payload: string; // JSON
  created_at: string;
}

export interface BotProviderSettingsTable {
  bot_id: string;
  provider: string;
  api_key_sealed: string | null; // AES-256-GCM, see secrets/secret-box.ts
  api_key_last4: string | null;
  base_url: string | null;
  updated_at: string;
}

/** A bot published to the instance's marketplace: a snapshot of its fields, never its keys. */
export interface TeamTemplateTable {
  id: string;
  /** The bot it was taken from (one snapshot per bot); deleting the bot unpublishes it. */
  bot_id: string;
  user_id: string;
  name: string;
  description: string;
  icon: string;
  color: string;
  system_prompt: string;
  default_model: string;
  utility_model: string | null;
  fallback_models: string; // JSON string[]
  settings: string; // JSON object
  starters: string; // JSON string[]
  tags: string; // JSON string[]
  published_at: string;
}

/**
 * One row per finished answer (every sibling, cancelled and failed ones too): the figures of its
 * `metadata`, denormalised so that usage and budgets aggregate in SQL. Written in the transaction that
 * stores the finished answer (db/answer-usage.ts). Not tied to the message row: deleting a chat does
 * not take back what its answers cost; deleting the user does.
 */
export interface AnswerUsageTable {
  message_id: string;
  user_id: string;
  bot_id: string;
  chat_id: string;
  /** The model that answered (`metadata.model`). */
  model: string;
  /** UTC day of the answer's creation, `YYYY-MM-DD`. */
  day: string;
  created_at: string;
  status: string;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
  /** Integer micro-dollars; null when the price was unknown (or nothing was used). */
  cost_micros: number | null;
  /** 1 when the answer used tokens at an unknown price. */
  unpriced: number;
  ttft_ms: number | null;
  tokens_per_second: number | null;
  /** Log-spaced histogram buckets of the two figures (see db/answer-usage.ts). */
  ttft_bucket: number | null;
  tps_bucket: number | null;
}

/**
 * `answer_usage` summed per user, day, bot and model, kept in the same transaction (db/answer-usage.ts):
 * what usage pages and budgets read, so that their cost follows days × bots × models, not answers.
 */
export interface UsageDailyTable {
  user_id: string;
  day: string;
  bot_id: string;
  model: string;
  answers: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
  /** Priced answers only, integer micro-dollars. */
  cost_micros: number;
  unpriced_answers: number;
  /** The costliest answer (budget estimates); never lowered. */
  max_cost_micros: number;
}

/** The TTFT (`ttft`) and tokens/s (`tps`) histograms of `usage_daily`'s groups: answers per bucket. */
export interface UsageBucketTable {
  user_id: string;
  day: string;
  bot_id: string;
  model: string;
  figure: 'ttft' | 'tps';
  bucket: number;
  answers: number;
}

/** A monthly spending limit on a bot (set by its owner) or a user (set by an admin). */
export interface BudgetTable {
  scope: 'bot' | 'user';
  subject_id: string;
  monthly_micros: number;
  action: 'block' | 'warn' | 'downgrade';
  downgrade_model: string | null;
  updated_at: string;
}

/** At most one row: present once the first-run setup created the admin. */
export interface SetupGuardTable {
  id: string;
  created_at: string;
}

export interface Database {
  bot_provider_settings: BotProviderSettingsTable;
  setup_guard: SetupGuardTable;
  users: UserTable;
  sessions: SessionTable;
  bots: BotTable;
  chats: ChatTable;
  messages: MessageTable;
  turns: TurnTable;
  turn_events: TurnEventTable;
  answer_usage: AnswerUsageTable;
  budgets: BudgetTable;
  usage_daily: UsageDailyTable;
  usage_buckets: UsageBucketTable;
  team_templates: TeamTemplateTable;
}
