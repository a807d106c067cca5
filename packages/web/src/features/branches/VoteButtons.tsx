import type { Message } from '@cachibot/protocol';
import { voteOn } from './branch-actions.ts';

/** 👍 / 👎 on a finished answer; pressing the one already given takes the vote back. */
export function VoteButtons({ message }: { message: Message }) {
  const { vote } = message;
  return (
    <span className="vote-buttons">
      <button
        type="button"
        className={`icon-button vote${vote === 1 ? ' pressed' : ''}`}
        data-testid="vote-up"
        aria-label="Good answer"
        title="Good answer"
        aria-pressed={vote === 1}
        onClick={() => void voteOn(message, vote === 1 ? 0 : 1)}
      >
        <span aria-hidden="true">👍</span>
      </button>
      <button
        type="button"
        className={`icon-button vote${vote === -1 ? ' pressed' : ''}`}
        data-testid="vote-down"
        aria-label="Bad answer"
        title="Bad answer"
        aria-pressed={vote === -1}
        onClick={() => void voteOn(message, vote === -1 ? 0 : -1)}
      >
        <span aria-hidden="true">👎</span>
      </button>
    </span>
  );
}
