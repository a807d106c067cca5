import type { Message } from '@cachibot/protocol';
import { memo, useEffect, useId, useRef, useState } from 'react';
import type { SiblingSlots } from '../../stores/message-tree.ts';
import { runningTurnOf, type TurnState, useTurnsStore } from '../../stores/turns-store.ts';
import { chosenModel, modelScope } from '../../stores/ui-store.ts';
import { ForkButton } from '../branches/ForkButton.tsx';
import { MessageEditor } from '../branches/MessageEditor.tsx';
import { regenerateAnswer, retryAnswer, sendEditedQuestion } from '../chat/turn-actions.ts';
import { MessageInfoPanel } from '../message-info/MessageInfoPanel.tsx';
import { SiblingNav } from '../messages/SiblingNav.tsx';
import { AssistantFooter } from './AssistantFooter.tsx';
import { Markdown } from './Markdown.tsx';
import { MessageNotes } from './MessageNotes.tsx';
import { ReasoningDisclosure } from './ReasoningDisclosure.tsx';

interface Props {
  message: Message;
  botId: string;
  /** The turn producing this answer, while this client follows it. */
  turn?: TurnState;
  /** The other versions at this place of the conversation (regenerated answers, edited questions). */
  siblings?: SiblingSlots;
  /** Shows the branch ending in this leaf (a sibling picked with ‹ ›). */
  onSelectBranch?(leafId: string): void;
}

/** A sent question: its text as typed, with Edit (a sibling question), Fork and its versions. */
function UserMessage({ message, botId, siblings, onSelectBranch }: Props) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const refocusEdit = useRef(false);
  const busy = useTurnsStore((state) => runningTurnOf(state.turns, message.chatId) !== undefined);
  // A cancelled edit gives the focus back to its Edit button.
  useEffect(() => {
    if (editing || !refocusEdit.current) return;
    refocusEdit.current = false;
    editButton.current?.focus();
  }, [editing]);
  if (editing) {
    return (
      <MessageEditor
        initialText={message.content}
        busy={busy}
        onCancel={() => {
          refocusEdit.current = true;
          setEditing(false);
        }}
        onSave={(text) => {
          setEditing(false);
          sendEditedQuestion(message, botId, text, chosenModel(modelScope(botId, message.chatId)));
          // The edit now goes on below: the conversation continues in the composer.
          document.querySelector<HTMLElement>('[data-testid="message-input"]')?.focus();
        }}
      />
    );
  }
  return (
    <>
      <p className="user-text">{message.content}</p>
      <footer className="user-actions">
        {siblings && onSelectBranch && (
          <SiblingNav slots={siblings} noun="question" onSelect={onSelectBranch} />
        )}
        <span className="user-action-buttons">
          <button
            ref={editButton}
            type="button"
            className="button small"
            data-testid="edit-message"
            aria-label="Edit message"
            onClick={() => setEditing(true)}
          >
            Edit
          </button>
          <ForkButton message={message} botId={botId} />
        </span>
      </footer>
    </>
  );
}

/** One message: the user's text as typed, or the assistant's Markdown with its record. */
export const MessageBubble = memo(function MessageBubble(props: Props) {
  const { message, botId, turn, siblings, onSelectBranch } = props;
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
            botId={botId}
            infoOpen={infoOpen}
            infoId={infoId}
            onToggleInfo={() => setInfoOpen((open) => !open)}
            onRegenerate={(picked) => regenerateAnswer(message, botId, picked)}
            siblings={
              siblings &&
              onSelectBranch && <SiblingNav slots={siblings} noun="answer" onSelect={onSelectBranch} />
            }
          />
          {infoOpen && <MessageInfoPanel message={message} id={infoId} />}
        </>
      ) : (
        <UserMessage {...props} />
      )}
    </article>
  );
});
