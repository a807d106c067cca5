import {
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3FinishReason,
  type LanguageModelV3GenerateResult,
  type LanguageModelV3StreamPart,
  type LanguageModelV3StreamResult,
  type LanguageModelV3Usage,
  NoSuchModelError,
  type SharedV3Warning,
} from '@ai-sdk/provider';
import { generateLocally, type LocalGenerationResult, type LocalStopReason } from './local-generation.ts';
import type { LocalModelFiles } from './local-model-files.ts';
import type { LocalModelPool } from './local-model-pool.ts';
import { toPlainConversation } from './local-prompt.ts';

export interface LocalModelDeps {
  files: LocalModelFiles;
  pool: LocalModelPool;
}

const FINISH: Record<LocalStopReason, LanguageModelV3FinishReason['unified']> = {
  eogToken: 'stop',
  stopGenerationTrigger: 'stop',
  customStopTrigger: 'stop',
  functionCalls: 'tool-calls',
  maxTokens: 'length',
  abort: 'other',
};

let responseCounter = 0;

/** An in-process GGUF model (llama.cpp through node-llama-cpp) behind the AI SDK's model interface. */
export class LocalLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'local';
  readonly supportedUrls: Record<string, RegExp[]> = {};

  constructor(
    /** The file name without `.gguf`. */
    readonly modelId: string,
    private readonly deps: LocalModelDeps,
  ) {}

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    let text = '';
    let reasoning = '';
    const timestamp = new Date();
    const { result, warnings } = await this.generate(options, options.abortSignal, {
      onText: (delta) => {
        text += delta;
      },
      onReasoning: (delta) => {
        reasoning += delta;
      },
    });
    return {
      content: [
        ...(reasoning ? [{ type: 'reasoning' as const, text: reasoning }] : []),
        ...(text ? [{ type: 'text' as const, text }] : []),
      ],
      finishReason: { unified: FINISH[result.stopReason], raw: result.stopReason },
      usage: toUsage(result),
      warnings,
      response: this.responseMetadata(timestamp),
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const cancelled = new AbortController();
    const signal = options.abortSignal
      ? AbortSignal.any([options.abortSignal, cancelled.signal])
      : cancelled.signal;
    let open = true;
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      start: (controller) => {
        const enqueue = (part: LanguageModelV3StreamPart) => {
          if (open) controller.enqueue(part);
        };
        const begun = { text: false, reasoning: false };
        const run = this.generate(options, signal, {
          onStart: (warnings) => {
            enqueue({ type: 'stream-start', warnings });
            enqueue({ type: 'response-metadata', ...this.responseMetadata(new Date()) });
          },
          onText: (delta) => {
            if (!begun.text) enqueue({ type: 'text-start', id: 'text-0' });
            begun.text = true;
            enqueue({ type: 'text-delta', id: 'text-0', delta });
          },
          onReasoning: (delta) => {
            if (!begun.reasoning) enqueue({ type: 'reasoning-start', id: 'reasoning-0' });
            begun.reasoning = true;
            enqueue({ type: 'reasoning-delta', id: 'reasoning-0', delta });
          },
        });
        run.then(
          ({ result }) => {
            if (begun.reasoning) enqueue({ type: 'reasoning-end', id: 'reasoning-0' });
            if (begun.text) enqueue({ type: 'text-end', id: 'text-0' });
            enqueue({
              type: 'finish',
              usage: toUsage(result),
              finishReason: { unified: FINISH[result.stopReason], raw: result.stopReason },
            });
            if (open) controller.close();
            open = false;
          },
          (error: unknown) => {
            // An abort ends the stream with the signal's reason, as an aborted fetch would.
            if (open) controller.error(error);
            open = false;
          },
        );
      },
      cancel: () => {
        open = false;
        cancelled.abort();
      },
    });
    return { stream };
  }

  private responseMetadata(timestamp: Date) {
    return {
      id: `local-${Date.now().toString(36)}-${++responseCounter}`,
      modelId: `local/${this.modelId}`,
      timestamp,
    };
  }

  private async generate(
    options: LanguageModelV3CallOptions,
    signal: AbortSignal | undefined,
    on: {
      onStart?(warnings: SharedV3Warning[]): void;
      onText(delta: string): void;
      onReasoning(delta: string): void;
    },
  ): Promise<{ result: LocalGenerationResult; warnings: SharedV3Warning[] }> {
    const conversation = toPlainConversation(options.prompt);
    const warnings = unsupportedSettings(options, conversation.droppedNonText);
    on.onStart?.(warnings);
    const file = await this.deps.files.find(this.modelId);
    if (!file) {
      throw new NoSuchModelError({
        modelId: `local/${this.modelId}`,
        modelType: 'languageModel',
        message: `No file ${this.modelId}.gguf in the local model folders`,
      });
    }
    const result = await this.deps.pool.use(file, signal, (loaded) =>
      generateLocally(loaded, {
        conversation,
        maxOutputTokens: options.maxOutputTokens,
        temperature: options.temperature,
        topP: options.topP,
        topK: options.topK,
        seed: options.seed,
        stopSequences: options.stopSequences,
        presencePenalty: options.presencePenalty,
        frequencyPenalty: options.frequencyPenalty,
        signal,
        onText: on.onText,
        onReasoning: on.onReasoning,
      }),
    );
    return { result, warnings };
  }
}

function toUsage(result: LocalGenerationResult): LanguageModelV3Usage {
  return {
    inputTokens: { total: result.inputTokens, noCache: result.inputTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: {
      total: result.outputTokens,
      text: result.outputTokens - result.reasoningTokens,
      reasoning: result.reasoningTokens,
    },
  };
}

function unsupportedSettings(
  options: LanguageModelV3CallOptions,
  droppedNonText: boolean,
): SharedV3Warning[] {
  const warnings: SharedV3Warning[] = [];
  if (options.tools?.length)
    warnings.push({ type: 'unsupported', feature: 'tools', details: 'local models answer with text only' });
  if (options.responseFormat?.type === 'json')
    warnings.push({ type: 'unsupported', feature: 'responseFormat', details: 'JSON mode is not enforced' });
  if (droppedNonText)
    warnings.push({
      type: 'other',
      message: 'files, tool calls and tool results were left out of the prompt',
    });
  return warnings;
}
