import { type CredentialsBody, CredentialsBodySchema } from '@cachibot/protocol';
import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { useAutoFocus } from '../../ui/use-auto-focus.ts';

interface Props {
  testId: 'setup-form' | 'login-form';
  title: string;
  intro: string;
  submitLabel: string;
  /** New passwords are checked against the account rules before they reach the server. */
  validate: boolean;
  onSubmit(credentials: CredentialsBody): Promise<void>;
}

/** Username + password form shared by the first-run setup and the login screen. */
export function CredentialsForm({ testId, title, intro, submitLabel, validate, onSubmit }: Props) {
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const usernameRef = useAutoFocus<HTMLInputElement>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const parsed = CredentialsBodySchema.safeParse({ username, password });
    if (validate && !parsed.success) {
      const issue = parsed.error.issues[0];
      setError(issue ? `${String(issue.path[0] ?? 'Input')}: ${issue.message}` : 'Check the form');
      return;
    }
    setBusy(true);
    try {
      await onSubmit({ username: username.trim(), password });
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  }

  return (
    <main className="auth-screen">
      <form
        className="auth-card"
        data-testid={testId}
        onSubmit={submit}
        aria-labelledby={`${id}-title`}
        noValidate
      >
        <h1 id={`${id}-title`}>{title}</h1>
        <p className="muted">{intro}</p>
        <label htmlFor={`${id}-username`}>Username</label>
        <input
          ref={usernameRef}
          id={`${id}-username`}
          name="username"
          autoComplete="username"
          value={username}
          onChange={(event) => setUsername(event.target.value)}
          required
        />
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete={validate ? 'new-password' : 'current-password'}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          required
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Please wait…' : submitLabel}
        </button>
      </form>
    </main>
  );
}
