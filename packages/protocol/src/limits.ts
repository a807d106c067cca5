/** Size limits shared by the server (enforcement) and the web app (early feedback). */
export const LIMITS = {
  messageChars: 100_000,
  frameBytes: 1024 * 1024,
  bodyBytes: 1024 * 1024,
  nameChars: 100,
  descriptionChars: 2_000,
  systemPromptChars: 50_000,
  titleChars: 200,
  modelIdChars: 200,
  fallbackModels: 5,
  usernameChars: 64,
  passwordMinChars: 8,
  passwordMaxChars: 256,
  clientMessageIdChars: 100,
  messagesPageMax: 200,
  /** Conversation starters per bot, and the length of one. */
  startersPerBot: 6,
  starterChars: 500,
} as const;
