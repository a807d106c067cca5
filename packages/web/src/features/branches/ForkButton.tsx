import type { Message } from '@cachibot/protocol';
import { useState } from 'react';
import { forkFrom } from './branch-actions.ts';

/** Copies the path from the first message to this one into a new chat, and opens it (MODL-10). */
export function ForkButton({ message, botId }: { message: Message; botId: string }) {
  const [forking, setForking] = useState(false);
  return (
    <button
      type="button"
      className="button small"
      data-testid="fork-chat"
      title="A new chat with the conversation up to here"
      disabled={forking}
      onClick={() => {
        setForking(true);
        void forkFrom(message, botId).finally(() => setForking(false));
      }}
    >
      {forking ? 'Forking…' : 'Fork'}
    </button>
  );
}
