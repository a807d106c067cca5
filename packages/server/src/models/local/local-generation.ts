import type { ChatHistoryItem, LLamaContextualRepeatPenalty, LlamaModel, Token } from 'node-llama-cpp';
import type { LoadedLocalModel } from './local-model-loader.ts';
import { fitCompletionPrompt, type PlainConversation, splitContext } from './local-prompt.ts';

export interface LocalGenerationRequest {
  conversation: PlainConversation;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Stops generation at the next token; the generation then rejects with the signal's reason. */
  signal?: AbortSignal;
  onText(delta: string): void;
  onReasoning(delta: string): void;
}

export type LocalStopReason =
  | 'eogToken'
  | 'stopGenerationTrigger'
  | 'customStopTrigger'
  | 'functionCalls'
  | 'maxTokens'
  | 'abort';

export interface LocalGenerationResult {
  /** Tokens of the prompt as the model saw it (including its beginning-of-sequence token). */
  inputTokens: number;
  /** Tokens the model generated (answer and reasoning, not the end-of-generation token). */
  outputTokens: number;
  reasoningTokens: number;
  stopReason: LocalStopReason;
}

/** One generation on a loaded model: through its chat template when it has one, else as text completion. */
export function generateLocally(
  loaded: LoadedLocalModel,
  request: LocalGenerationRequest,
): Promise<LocalGenerationResult> {
  return loaded.file.hasChatTemplate ? generateChat(loaded, request) : generateCompletion(loaded, request);
}

/**
 * Streams the answer without its leading whitespace: a continuation often starts with a space or a
 * newline that only made sense glued to the prompt.
 */
class AnswerText {
  private started = false;
  constructor(private readonly emit: (delta: string) => void) {}

  push(delta: string): void {
    if (!this.started) {
      delta = delta.replace(/^\s+/, '');
      if (!delta) return;
      this.started = true;
    }
    this.emit(delta);
  }
}

function sampling(request: LocalGenerationRequest) {
  const penalty: LLamaContextualRepeatPenalty = {};
  if (request.presencePenalty !== undefined) penalty.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) penalty.frequencyPenalty = request.frequencyPenalty;
  return {
    signal: request.signal,
    // Unset temperature means greedy decoding (llama.cpp's default here): deterministic answers.
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    ...(request.topK !== undefined ? { topK: request.topK } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stopSequences?.length ? { customStopTriggers: request.stopSequences } : {}),
    repeatPenalty: penalty,
  };
}

/** llama.cpp may round a context up past the model's training context; we never use more than it. */
function usableContext({ sequence, file }: LoadedLocalModel): number {
  return Math.min(sequence.contextSize, file.contextWindow);
}

/** The token llama.cpp puts before a prompt (mirrors node-llama-cpp's rule, so the count is exact). */
function beginningToken(model: LlamaModel): Token | null {
  const type = String(model.vocabularyType);
  if (type === 'rwkv' || type === 'ugm') return null;
  if (type === 'wpm') return model.tokens.bos;
  return model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
}

async function generateCompletion(
  loaded: LoadedLocalModel,
  request: LocalGenerationRequest,
): Promise<LocalGenerationResult> {
  const { LlamaCompletion } = await import('node-llama-cpp');
  const { model, sequence } = loaded;
  const contextSize = usableContext(loaded);
  const leading = beginningToken(model) === null ? 0 : 1;
  const budget = splitContext(contextSize, request.maxOutputTokens).promptBudget - leading;
  const text = fitCompletionPrompt(request.conversation, budget, (piece) => model.tokenize(piece).length);
  // Tokenized here (not by the completion) so the count is the prompt the model really got.
  const promptTokens = model.tokenize(text).slice(-budget);
  const inputTokens = promptTokens.length + leading;
  const maxTokens = Math.max(1, Math.min(request.maxOutputTokens ?? contextSize, contextSize - inputTokens));

  const answer = new AnswerText(request.onText);
  const recent: Token[] = promptTokens.slice(-8);
  let outputTokens = 0;
  const completion = new LlamaCompletion({ contextSequence: sequence });
  try {
    const result = await completion.generateCompletionWithMeta(promptTokens, {
      ...sampling(request),
      maxTokens,
      disableContextShift: true, // the answer ends when the context is full, never loops on a shifted window
      onToken: (tokens) => {
        outputTokens += tokens.length;
        // Detokenized after the tokens before it: the completion's own text chunks drop the first space.
        answer.push(model.detokenize(tokens, false, recent));
        recent.push(...tokens);
        recent.splice(0, Math.max(0, recent.length - 8));
      },
    });
    return { inputTokens, outputTokens, reasoningTokens: 0, stopReason: result.metadata.stopReason };
  } finally {
    completion.dispose();
  }
}

function toChatHistory(
  conversation: PlainConversation,
  withSystem: boolean,
  fromTurn: number,
): ChatHistoryItem[] {
  const history: ChatHistoryItem[] =
    withSystem && conversation.system ? [{ type: 'system', text: conversation.system }] : [];
  for (const turn of conversation.turns.slice(fromTurn)) {
    history.push(
      turn.role === 'user' ? { type: 'user', text: turn.text } : { type: 'model', response: [turn.text] },
    );
  }
  history.push({ type: 'model', response: [] });
  return history;
}

async function generateChat(
  loaded: LoadedLocalModel,
  request: LocalGenerationRequest,
): Promise<LocalGenerationResult> {
  const { LlamaChat } = await import('node-llama-cpp');
  const { model, sequence } = loaded;
  const contextSize = usableContext(loaded);
  const chat = new LlamaChat({ contextSequence: sequence });
  const tokensOf = (history: ChatHistoryItem[]) =>
    chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer)
      .length;

  // Oldest turns go first, then the system prompt, until the templated prompt fits its budget.
  const budget = splitContext(contextSize, request.maxOutputTokens).promptBudget;
  const turns = request.conversation.turns.length;
  let history = toChatHistory(request.conversation, true, 0);
  let inputTokens = tokensOf(history);
  for (let from = 1; inputTokens > budget && from < turns; from++) {
    history = toChatHistory(request.conversation, true, from);
    inputTokens = tokensOf(history);
  }
  if (inputTokens > budget && request.conversation.system) {
    history = toChatHistory(request.conversation, false, Math.max(0, turns - 1));
    inputTokens = tokensOf(history);
  }
  const maxTokens = Math.max(1, Math.min(request.maxOutputTokens ?? contextSize, contextSize - inputTokens));

  const answer = new AnswerText(request.onText);
  let outputTokens = 0;
  let reasoningTokens = 0;
  try {
    const result = await chat.generateResponse(history, {
      ...sampling(request),
      maxTokens,
      onToken: (tokens) => {
        outputTokens += tokens.length;
      },
      onResponseChunk: (chunk) => {
        if (chunk.type === 'segment') {
          if (chunk.segmentType === 'thought') {
            reasoningTokens += chunk.tokens.length;
            if (chunk.text) request.onReasoning(chunk.text);
          }
        } else if (chunk.text) answer.push(chunk.text);
      },
    });
    return {
      inputTokens: Math.min(inputTokens, contextSize),
      outputTokens,
      reasoningTokens,
      stopReason: result.metadata.stopReason,
    };
  } finally {
    chat.dispose();
  }
}
