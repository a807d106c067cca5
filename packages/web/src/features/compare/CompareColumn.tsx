import type { Message } from '@cachibot/protocol';
import { useId, useState } from 'react';
import type { TurnState } from '../../stores/turns-store.ts';
import { VoteButtons } from '../branches/VoteButtons.tsx';
import { cancelTurn } from '../chat/turn-actions.ts';
import { Markdown } from '../message/Markdown.tsx';
import { MessageInfoPanel } from '../message-info/MessageInfoPanel.tsx';

interface Props {
  answer: Message;
  /** The model's name, or "Model A"… while a blind compare hides it. */
  label: string;
  hidden: boolean;
  /** The branch goes on from this answer. */
  current: boolean;
  turn?: TurnState;
  onUse(): void;
}

function statusText(answer: Message): string | null {
  if (answer.status === 'streaming') return 'answering…';
  if (answer.status === 'cancelled') return 'stopped';
  if (answer.status === 'error') return 'failed';
  return null;
}

/** One answer of a compare: it streams, stops and fails on its own; "Continue with this answer". */
export function CompareColumn({ answer, label, hidden, current, turn, onUse }: Props) {
  const infoId = useId();
  const [infoOpen, setInfoOpen] = useState(false);
  const streaming = answer.status === 'streaming';
  const status = statusText(answer);
  const error = answer.metadata.error ?? (answer.status === 'error' ? turn?.error : undefined);
  return (
    <article
      className={`compare-column${current ? ' current' : ''}${streaming ? ' streaming' : ''}`}
      data-testid="compare-column"
      data-model-id={answer.metadata.modelRequested ?? answer.metadata.model ?? ''}
      data-message-id={answer.id}
      data-status={answer.status}
      aria-busy={streaming}
      aria-label={`Answer of ${label}`}
    >
      <header className="compare-column-header">
        <span className="model-label" data-testid="compare-model">
          {label}
        </span>
        {status && <span className={`compare-status ${answer.status}`}>{status}</span>}
        {streaming && turn?.status === 'running' && (
          <button
            type="button"
            className="button small danger compare-stop"
            data-testid="compare-stop"
            aria-label={`Stop ${label}`}
            onClick={() => cancelTurn(turn.turnId)}
          >
            ■ Stop
          </button>
        )}
      </header>
      <div className="compare-column-body">
        {answer.content ? (
          <Markdown text={answer.content} />
        ) : (
          streaming && (
            <span className="typing">
              <span className="sr-only">Answering…</span>
            </span>
          )
        )}
        {answer.status === 'error' && (
          <p className="message-error" role="alert">
            {error?.message ?? 'The answer failed.'}
          </p>
        )}
      </div>
      <footer className="compare-column-footer">
        {!streaming && <VoteButtons message={answer} />}
        {!hidden && (
          <button
            type="button"
            className="button small"
            data-testid="message-info"
            aria-expanded={infoOpen}
            aria-controls={infoId}
            onClick={() => setInfoOpen((open) => !open)}
          >
            Info
          </button>
        )}
        <button
          type="button"
          className={`button small use-answer${current ? ' current' : ' primary'}`}
          data-testid="use-answer"
          aria-pressed={current}
          title={current ? 'The conversation continues with this answer' : undefined}
          onClick={onUse}
        >
          {current ? '✓ Continuing with this answer' : 'Continue with this answer'}
        </button>
      </footer>
      {infoOpen && !hidden && <MessageInfoPanel message={answer} id={infoId} />}
    </article>
  );
}
