import type { Message } from '@cachibot/protocol';
import { memo, useId, useState } from 'react';
import type { TurnState } from '../../stores/turns-store.ts';
import { chosenModel, modelScope } from '../../stores/ui-store.ts';
import { regenerateAnswer, retryAnswer } from '../chat/turn-actions.ts';
import { MessageInfoPanel } from '../message-info/MessageInfoPanel.tsx';
import { AssistantFooter } from './AssistantFooter.tsx';
import { Markdown } from './Markdown.tsx';
import { MessageNotes } from './MessageNotes.tsx';
import { ReasoningDisclosure } from './ReasoningDisclosure.tsx';

export interface SiblingNav {
  index: number;
  count: number;
  onPrevious(): void;
  onNext(): void;
}

interface Props {
  message: Message;
  botId: string;
  /** The turn producing this answer, while this client follows it. */
  turn?: TurnState;
  siblings?: SiblingNav;
}

/** One message: the user's text as typed, or the assistant's Markdown with its record. */
export const MessageBubble = memo(function MessageBubble({ message, botId, turn, siblings }: Props) {
  const infoId = useId();
  const [infoOpen, setInfoOpen] = useState(false);
  const isAssistant = message.role === 'assistant';
  const streaming = message.status === 'streaming';
  const model = () => chosenModel(modelScope(botId, message.chatId));

  return (
    <article
      className={`message ${message.role}${streaming ? ' streaming' : ''}`}
      data-testid="message"
      data-role={message.role}
      data-message-id={message.id}
      data-status={message.status}
      aria-busy={streaming}
    >
      {isAssistant ? (
        <>
          {turn?.reasoning && (
            <ReasoningDisclosure key={message.id} text={turn.reasoning} streaming={streaming} />
          )}
          {message.content ? (
            <Markdown text={message.content} />
          ) : (
            streaming && (
              <span className="typing">
                <span className="sr-only">Answering…</span>
              </span>
            )
          )}
          <MessageNotes message={message} turn={turn} onRetry={() => retryAnswer(message, botId, model())} />
          <AssistantFooter
            message={message}
            infoOpen={infoOpen}
            infoId={infoId}
            onToggleInfo={() => setInfoOpen((open) => !open)}
            onRegenerate={() => regenerateAnswer(message, botId, model())}
            siblings={siblings}
          />
          {infoOpen && <MessageInfoPanel message={message} id={infoId} />}
        </>
      ) : (
        <p className="user-text">{message.content}</p>
      )}
    </article>
  );
});
