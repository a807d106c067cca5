import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** One GGUF model found on disk, with the facts read from its header. */
export interface LocalModelFile {
  /** The model id's name part: the file name without `.gguf`. */
  name: string;
  path: string;
  sizeBytes: number;
  /** The context the server gives this model: its training context, capped by configuration. */
  contextWindow: number;
  /** Chat models are prompted through their template; plain text models continue the conversation text. */
  hasChatTemplate: boolean;
}

interface GgufFacts {
  architecture?: string;
  trainContext?: number;
  hasChatTemplate: boolean;
}

const GGUF_EXTENSION = /\.gguf$/i;
/** Split models (`name-00002-of-00003.gguf`): llama.cpp loads them from the first part. */
const LATER_SPLIT_PART = /-(\d{5})-of-\d{5}\.gguf$/i;
/** Big arrays we never need for discovery: skipping them keeps a scan of large models fast. */
const IGNORED_KEYS = [
  'tokenizer.ggml.tokens',
  'tokenizer.ggml.scores',
  'tokenizer.ggml.token_type',
  'tokenizer.ggml.merges',
];

export function isModelFileName(fileName: string): boolean {
  if (!GGUF_EXTENSION.test(fileName) || fileName.startsWith('.')) return false;
  const part = LATER_SPLIT_PART.exec(fileName)?.[1];
  return part === undefined || Number(part) === 1;
}

/**
 * Finds `*.gguf` files in the configured folders (first folder wins on equal names) and reads their
 * headers once per file version. Missing or unreadable folders simply contribute nothing.
 */
export class LocalModelFiles {
  private known = new Map<string, LocalModelFile>();
  private readonly facts = new Map<string, { key: string; facts: GgufFacts }>();
  private scanning?: Promise<LocalModelFile[]>;

  constructor(
    readonly dirs: string[],
    private readonly contextCap: number,
  ) {}

  /** Rescans the folders; concurrent callers share one scan. */
  scan(): Promise<LocalModelFile[]> {
    this.scanning ??= this.scanNow().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  /** What the last scan found for a name (synchronous: used to describe models in listings). */
  describe(name: string): LocalModelFile | undefined {
    return this.known.get(name);
  }

  /** The file for a name; rescans once when it is unknown (a file dropped in since the last scan). */
  async find(name: string): Promise<LocalModelFile | undefined> {
    return this.known.get(name) ?? (await this.scan()).find((file) => file.name === name);
  }

  private async scanNow(): Promise<LocalModelFile[]> {
    const found = new Map<string, LocalModelFile>();
    for (const dir of this.dirs) {
      for (const file of await this.filesIn(dir)) if (!found.has(file.name)) found.set(file.name, file);
    }
    this.known = found;
    return [...found.values()];
  }

  private async filesIn(dir: string): Promise<LocalModelFile[]> {
    let entries: string[];
    try {
      entries = (await readdir(dir)).filter(isModelFileName).sort();
    } catch {
      return [];
    }
    const files: LocalModelFile[] = [];
    for (const entry of entries) {
      const filePath = path.join(dir, entry);
      try {
        const info = await stat(filePath); // follows symlinks
        if (!info.isFile()) continue;
        const facts = await this.factsOf(filePath, `${info.size}:${info.mtimeMs}`);
        if (facts.architecture === 'clip') continue; // a multimodal projector, not a language model
        files.push({
          name: entry.replace(GGUF_EXTENSION, ''),
          path: filePath,
          sizeBytes: info.size,
          contextWindow: Math.min(facts.trainContext ?? this.contextCap, this.contextCap),
          hasChatTemplate: facts.hasChatTemplate,
        });
      } catch {
        // Unreadable or not really GGUF: not listed.
      }
    }
    return files;
  }

  private async factsOf(filePath: string, key: string): Promise<GgufFacts> {
    const cached = this.facts.get(filePath);
    if (cached?.key === key) return cached.facts;
    const { readGgufFileInfo } = await import('node-llama-cpp');
    const info = await readGgufFileInfo(filePath, {
      readTensorInfo: false,
      ignoreKeys: IGNORED_KEYS,
      logWarnings: false,
    });
    const trainContext = Number(info.architectureMetadata?.context_length);
    const facts: GgufFacts = {
      architecture: info.metadata?.general?.architecture,
      trainContext: Number.isFinite(trainContext) && trainContext > 0 ? trainContext : undefined,
      hasChatTemplate: typeof info.metadata?.tokenizer?.chat_template === 'string',
    };
    this.facts.set(filePath, { key, facts });
    return facts;
  }
}
