import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDataDir, restrictFile } from '../db/database.ts';

const KEY_FILE = 'secret.key';
const VERSION = 'v1';

/**
 * AES-256-GCM for secrets at rest (provider API keys). The key comes from CACHIBOT_SECRET_KEY
 * (32 bytes, base64 or hex) or from `<data dir>/secret.key`, created on first start with mode 0600.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('The secret key must be exactly 32 bytes');
    return new SecretBox(key);
  }

  /**
   * The configured key, or the one in `<data dir>/secret.key`; undefined when neither exists yet.
   * Called before the database opens, so that a malformed key stops the start first.
   */
  static loadExisting(dataDir: string, configured?: string): SecretBox | undefined {
    if (configured) return SecretBox.fromKey(decodeKey(configured));
    const file = path.join(dataDir, KEY_FILE);
    if (!existsSync(file)) return undefined;
    restrictFile(file);
    return SecretBox.fromKey(decodeKey(readFileSync(file, 'utf8').trim()));
  }

  /**
   * First start: creates `secret.key` — unless the database already holds keys sealed with one. Then
   * the key file was lost (or the data directory only half restored): a new key could never open
   * them, so the start stops and says what to do instead of silently making things worse.
   */
  static async createKeyFile(dataDir: string, countSealedKeys: () => Promise<number>): Promise<SecretBox> {
    const file = path.join(dataDir, KEY_FILE);
    const sealed = await countSealedKeys();
    if (sealed > 0) throw new MissingSecretKeyError(file, sealed);
    ensureDataDir(dataDir);
    // 'wx': never overwrite a key another process just wrote; losing the key loses every secret.
    try {
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    restrictFile(file);
    return SecretBox.fromKey(decodeKey(readFileSync(file, 'utf8').trim()));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('Unreadable secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

export class MissingSecretKeyError extends Error {
  constructor(file: string, sealed: number) {
    super(
      `${file} is missing, but the database holds ${sealed} provider API key(s) sealed with it. ` +
        'Restore secret.key from the backup of this data directory (or set CACHIBOT_SECRET_KEY to the same key) and start again. ' +
        'If the key is lost for good, clear the saved keys (UPDATE bot_provider_settings SET api_key_sealed = NULL, api_key_last4 = NULL), ' +
        'start, and enter the keys again in each bot’s settings.',
    );
    this.name = 'MissingSecretKeyError';
  }
}

function decodeKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw new Error('CACHIBOT_SECRET_KEY / secret.key must hold 32 bytes (base64 or hex)');
  return key;
}
