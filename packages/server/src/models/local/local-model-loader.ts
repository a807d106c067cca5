import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { LocalGpu } from '../../config.ts';
import type { LocalModelFile } from './local-model-files.ts';

/** A model ready to generate: one context with one sequence, used by one generation at a time. */
export interface LoadedLocalModel {
  file: LocalModelFile;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

/** How the pool gets models in and out of memory (tests substitute a fake). */
export interface LocalModelLoader<Loaded extends { file: LocalModelFile } = LoadedLocalModel> {
  load(file: LocalModelFile): Promise<Loaded>;
  unload(loaded: Loaded): Promise<void>;
  close(): Promise<void>;
}

export interface LlamaCppOptions {
  threads: number;
  gpu: LocalGpu;
  log?: { warn(object: object, message: string): void; debug(object: object, message: string): void };
}

/** llama.cpp through node-llama-cpp; the native library is loaded with the first model, not at start. */
export class LlamaCppLoader implements LocalModelLoader {
  private llama?: Promise<Llama>;

  constructor(private readonly options: LlamaCppOptions) {}

  async load(file: LocalModelFile): Promise<LoadedLocalModel> {
    try {
      const llama = await this.nativeLibrary();
      const model = await llama.loadModel({ modelPath: file.path });
      try {
        const context = await model.createContext({
          contextSize: file.contextWindow,
          threads: this.options.threads,
        });
        return { file, model, context, sequence: context.getSequence() };
      } catch (error) {
        await model.dispose();
        throw error;
      }
    } catch (error) {
      // The answer only says "the provider failed"; the operator needs the reason.
      this.options.log?.warn(
        { err: error, model: `local/${file.name}`, gpu: this.options.gpu },
        'loading a local model failed',
      );
      throw error;
    }
  }

  async unload(loaded: LoadedLocalModel): Promise<void> {
    await loaded.context.dispose();
    await loaded.model.dispose();
  }

  async close(): Promise<void> {
    const llama = this.llama;
    this.llama = undefined;
    if (llama) await (await llama.catch(() => undefined))?.dispose();
  }

  private nativeLibrary(): Promise<Llama> {
    this.llama ??= (async () => {
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
      const log = this.options.log;
      return getLlama({
        gpu: this.options.gpu === 'off' ? false : this.options.gpu,
        build: 'never', // a server never compiles llama.cpp at run time: prebuilt binaries only
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal)
            log?.warn({ llamaLevel: level }, message.trim());
          else if (level === LlamaLogLevel.warn) log?.debug({ llamaLevel: level }, message.trim());
        },
      });
    })();
    // A failed start (e.g. no binary for the requested GPU) is retried by the next generation.
    this.llama.catch(() => {
      this.llama = undefined;
    });
    return this.llama;
  }
}
