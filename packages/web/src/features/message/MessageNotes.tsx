import type { Message } from '@cachibot/protocol';
import type { TurnState } from '../../stores/turns-store.ts';

/** Fallbacks during the turn, "stopped", or the error of a failed answer with its Retry. */
export function MessageNotes({
  message,
  turn,
  onRetry,
}: {
  message: Message;
  turn?: TurnState;
  onRetry(): void;
}) {
  const fallbacks = turn?.fallbacks ?? [];
  const error = message.metadata.error ?? (message.status === 'error' ? turn?.error : undefined);
  return (
    <>
      {fallbacks.map((fallback) => (
        <p key={`${fallback.from}-${fallback.to}`} className="message-note">
          Switched from {fallback.from} to {fallback.to}: {fallback.reason}
        </p>
      ))}
      {message.status === 'cancelled' && (
        <p className="message-note" data-testid="message-stopped">
          stopped
        </p>
      )}
      {message.status === 'error' && (
        <div className="message-error" role="alert" data-testid="message-error">
          <span>{error?.message ?? 'The answer failed.'}</span>
          <button type="button" className="button small" data-testid="retry-button" onClick={onRetry}>
            Retry
          </button>
        </div>
      )}
    </>
  );
}
