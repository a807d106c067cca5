// Provider doubles: real loopback HTTP servers speaking the OpenAI Chat Completions, Anthropic
// Messages and Ollama chat wire protocols, with knobs for latency, length, failures and cut streams.
export { type AnthropicDouble, DEFAULT_ANTHROPIC_MODELS, startAnthropicDouble } from './anthropic-double.ts';
export type { DoubleOptions, DoubleRequest, ProviderDouble } from './double-server.ts';
export { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.ts';
export {
  DEFAULT_TOKENS,
  DirectiveError,
  type DoubleKnobs,
  defaultTokens,
  expectedText,
  type FinishReason,
  parseDirective,
  splitIntoTokens,
} from './knobs.ts';
export { DEFAULT_OLLAMA_MODELS, type OllamaDouble, startOllamaDouble } from './ollama-double.ts';
export { DEFAULT_OPENAI_MODELS, type OpenAIDouble, startOpenAIDouble } from './openai-double.ts';
