import type { ApiKey, CreatedApiKey } from '@cachibot/protocol';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { ConfirmButton } from '../../ui/ConfirmButton.tsx';
import { FormField } from '../../ui/FormField.tsx';
import { useAutoFocus } from '../../ui/use-auto-focus.ts';
import { useApiKeys } from './use-api-keys.ts';
import './api-keys.css';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

function CreatedKey({ created, onDone }: { created: CreatedApiKey; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="api-key-created" data-testid="api-key-created" role="status">
      <p>
        <strong>{created.name}</strong>: copy this key now — it is not shown again.
      </p>
      <code className="api-key-secret" data-testid="api-key-secret">
        {created.key}
      </code>
      <div className="form-actions">
        <button
          type="button"
          className="button small"
          onClick={() => void navigator.clipboard?.writeText(created.key).then(() => setCopied(true))}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button small" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function KeyRow({ apiKey, busy, onRevoke }: { apiKey: ApiKey; busy: boolean; onRevoke(): void }) {
  return (
    <li className="api-key-row" data-testid="api-key-row" data-key-id={apiKey.id}>
      <span className="api-key-name">{apiKey.name}</span>
      <code className="muted">…{apiKey.last4}</code>
      <span className="muted small">
        created {when(apiKey.createdAt)} · last used {when(apiKey.lastUsedAt)}
      </span>
      <ConfirmButton label="Revoke" confirmLabel="Revoke key" disabled={busy} onConfirm={onRevoke} />
    </li>
  );
}

/** Personal API keys for OpenAI-compatible clients: create (shown once), list, revoke. */
export function ApiKeysDialog({ onClose }: { onClose(): void }) {
  const titleId = useId();
  const { keys, created, error, busy, create, revoke, dismissCreated } = useApiKeys();
  const [name, setName] = useState('');
  const nameRef = useAutoFocus<HTMLInputElement>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    void create(name.trim()).then(() => setName(''));
  };
  // On the document: focus may be on no control at all (after Done, the button it was on is gone).
  useEffect(() => {
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      onClose();
    };
    document.addEventListener('keydown', closeOnEscape);
    return () => document.removeEventListener('keydown', closeOnEscape);
  }, [onClose]);
  return (
    <div className="api-keys-backdrop">
      <div
        className="api-keys-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="api-keys-dialog"
      >
        <header className="api-keys-header">
          <h2 id={titleId}>API keys</h2>
          <button type="button" className="icon-button" aria-label="Close API keys" onClick={onClose}>
            ×
          </button>
        </header>
        <p className="muted small">
          For OpenAI-compatible clients: base URL <code>{window.location.origin}/v1</code>; the model is a
          model id or <code>bot:&lt;botId&gt;</code> (<code>GET /v1/models</code> lists both). Every call is
          stored as a chat with its record and counts for usage and budgets.
        </p>
        {created && (
          <CreatedKey
            created={created}
            onDone={() => {
              dismissCreated();
              nameRef.current?.focus();
            }}
          />
        )}
        <form className="api-key-form" onSubmit={submit}>
          <FormField label="New key name" hint="Where it is used, e.g. “laptop script”.">
            {({ id, describedBy }) => (
              <input
                id={id}
                ref={nameRef}
                data-testid="api-key-name"
                aria-describedby={describedBy}
                maxLength={100}
                value={name}
                onChange={(event) => setName(event.target.value)}
              />
            )}
          </FormField>
          <button
            type="submit"
            className="button primary"
            data-testid="api-key-create"
            disabled={busy || !name.trim()}
          >
            Create key
          </button>
        </form>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {keys === null ? (
          <p className="muted">Loading keys…</p>
        ) : keys.length === 0 ? (
          <p className="muted">No keys yet.</p>
        ) : (
          <ul className="api-key-list" aria-label="Your API keys">
            {keys.map((apiKey) => (
              <KeyRow key={apiKey.id} apiKey={apiKey} busy={busy} onRevoke={() => void revoke(apiKey.id)} />
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
