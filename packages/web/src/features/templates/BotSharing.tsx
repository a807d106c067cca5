import type { Bot, Template } from '@cachibot/protocol';
import { useEffect, useState } from 'react';
import { describeError } from '../../api/api-error.ts';
import { exportBot, publicationOf, publishBot, unpublishBot } from './template-actions.ts';

type Publication = { state: 'loading' } | { state: 'known'; template: Template | null };

/**
 * A saved bot's ways out, folded away until asked for: a `cachibot.bot` file (never with keys), and a
 * snapshot shared with every user of this Cachibot under "Your team" in the template gallery.
 */
export function BotSharing({ bot }: { bot: Bot }) {
  const [open, setOpen] = useState(false);
  return (
    <details
      className="bot-sharing"
      data-testid="bot-sharing"
      open={open}
      onToggle={(event) => setOpen(event.currentTarget.open)}
    >
      <summary>Share and export</summary>
      {open && <SharingActions bot={bot} />}
    </details>
  );
}

function SharingActions({ bot }: { bot: Bot }) {
  const [publication, setPublication] = useState<Publication>({ state: 'loading' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    publicationOf(bot.id, controller.signal).then(
      (template) => setPublication({ state: 'known', template }),
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setPublication({ state: 'known', template: null });
        setError(`Could not tell whether ${bot.name} is shared: ${describeError(failure)}`);
      },
    );
    return () => controller.abort();
  }, [bot.id, bot.name]);

  async function run(action: () => Promise<Template | null>) {
    setBusy(true);
    setError(null);
    try {
      setPublication({ state: 'known', template: await action() });
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  const shared = publication.state === 'known' ? publication.template : null;
  return (
    <div className="bot-sharing-body">
      <p className="muted small" aria-live="polite">
        {publication.state === 'loading'
          ? 'Checking whether this bot is shared…'
          : shared
            ? `Shared with your team since ${new Date(shared.publishedAt ?? '').toLocaleDateString()}: everyone on this Cachibot can install a copy. “Update shared copy” publishes the saved version.`
            : 'Export a file to move this bot to another Cachibot, or share a copy with everyone on this one. API keys are never included.'}
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button" data-testid="export-bot" onClick={() => void exportBot(bot)}>
          Export file
        </button>
        <button
          type="button"
          className="button"
          data-testid="publish-bot"
          disabled={busy || publication.state === 'loading'}
          onClick={() => void run(() => publishBot(bot))}
        >
          {shared ? 'Update shared copy' : 'Share with team'}
        </button>
        {shared && (
          <button
            type="button"
            className="button"
            data-testid="unpublish-bot"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await unpublishBot(bot);
                return null;
              })
            }
          >
            Stop sharing
          </button>
        )}
      </div>
    </div>
  );
}
