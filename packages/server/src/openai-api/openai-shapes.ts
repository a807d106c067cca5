import type { Message, MessageMetadata } from '@cachibot/protocol';

// The response shapes of OpenAI's Chat Completions API, as far as this server fills them.

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** What every completion and chunk of one call shares. */
export interface CompletionIdentity {
  id: string;
  created: number;
}

export const completionIdentity = (turnId: string, receivedAt: number): CompletionIdentity => ({
  id: `chatcmpl-${turnId}`,
  created: Math.floor(receivedAt / 1000),
});

/** Tokens as OpenAI counts them; an answer whose provider reported none counts zero. */
export function toOpenAIUsage(metadata: MessageMetadata): OpenAIUsage {
  const usage = metadata.usage;
  const result: OpenAIUsage = {
    prompt_tokens: usage?.inputTokens ?? 0,
    completion_tokens: usage?.outputTokens ?? 0,
    total_tokens: usage?.totalTokens ?? 0,
  };
  if (usage?.cachedInputTokens !== undefined)
    result.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  if (usage?.reasoningTokens !== undefined)
    result.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return result;
}

/** A cancelled (or otherwise cut) answer simply stopped. */
export function toOpenAIFinishReason(reason: MessageMetadata['finishReason']): OpenAIFinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'tool-calls') return 'tool_calls';
  if (reason === 'content-filter') return 'content_filter';
  return 'stop';
}

/** The model that answered (after any fallback), else the one asked for. */
export const answeringModel = (message: Message, requested: string): string =>
  message.metadata.model || requested;

/** `POST /v1/chat/completions` without `stream`. */
export function completionBody(
  identity: CompletionIdentity,
  message: Message,
  requested: string,
  reasoning: string,
) {
  return {
    ...identity,
    object: 'chat.completion' as const,
    model: answeringModel(message, requested),
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content: message.content,
          refusal: null,
          // The field OpenAI-compatible servers (DeepSeek, vLLM) use for a model's reasoning.
          ...(reasoning ? { reasoning_content: reasoning } : {}),
        },
        logprobs: null,
        finish_reason: toOpenAIFinishReason(message.metadata.finishReason),
      },
    ],
    usage: toOpenAIUsage(message.metadata),
  };
}

export type ChunkDelta = { role?: 'assistant'; content?: string; reasoning_content?: string };

/** One `chat.completion.chunk`: a delta, or (with `finishReason`) the last one of the choice. */
export function completionChunk(
  identity: CompletionIdentity,
  model: string,
  delta: ChunkDelta,
  finishReason: OpenAIFinishReason | null = null,
  includeUsage = false,
) {
  return {
    ...identity,
    object: 'chat.completion.chunk' as const,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    // With `stream_options.include_usage`, OpenAI puts `usage: null` on every chunk but the last.
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The closing chunk of `stream_options.include_usage`: no choices, the call's usage. */
export function usageChunk(identity: CompletionIdentity, model: string, metadata: MessageMetadata) {
  return {
    ...identity,
    object: 'chat.completion.chunk' as const,
    model,
    system_fingerprint: null,
    choices: [],
    usage: toOpenAIUsage(metadata),
  };
}
