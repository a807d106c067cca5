import type { PendingSend } from '../../stores/turns-store.ts';
import { discardSend, retrySend } from '../chat/turn-actions.ts';

/** A sent message the server has not acknowledged yet (or refused). */
export function PendingBubble({ send, connected }: { send: PendingSend; connected: boolean }) {
  return (
    <article
      className="message user pending"
      data-testid="message"
      data-role="user"
      data-message-id={send.clientMessageId}
      data-pending="true"
    >
      <p className="user-text">{send.text}</p>
      {send.error ? (
        <div className="message-error" role="alert">
          <span>{send.error.message}</span>
          <button
            type="button"
            className="button small"
            data-testid="retry-button"
            onClick={() => retrySend(send.clientMessageId)}
          >
            Retry
          </button>
          <button type="button" className="button small" onClick={() => discardSend(send.clientMessageId)}>
            Discard
          </button>
        </div>
      ) : (
        <p className="message-note">
          {connected ? 'Sending…' : 'Waiting for the connection — it will be sent automatically'}
          {send.kind === 'compare' && send.models && ` · to compare ${send.models.join(', ')}`}
        </p>
      )}
    </article>
  );
}
