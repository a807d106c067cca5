import type { Message } from '@cachibot/protocol';
import { describeAttempt, infoRows } from './info-rows.ts';

/** Everything recorded about one answer (META-02), identical before and after a reload. */
export function MessageInfoPanel({ message, id }: { message: Message; id: string }) {
  const attempts = message.metadata.attempts ?? [];
  return (
    <section
      id={id}
      className="message-info-panel"
      data-testid="message-info-panel"
      aria-label="Answer details"
    >
      <dl>
        {infoRows(message).map((row) => (
          <div key={row.label} className="info-row">
            <dt>{row.label}</dt>
            <dd>{row.value}</dd>
          </div>
        ))}
      </dl>
      {attempts.length > 0 && (
        <>
          <h3 className="info-subtitle">Attempts</h3>
          <ol className="attempts">
            {attempts.map((attempt) => (
              <li
                key={`${attempt.model}@${attempt.startedAt}`}
                className={attempt.error ? 'failed' : undefined}
              >
                {describeAttempt(attempt)}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
