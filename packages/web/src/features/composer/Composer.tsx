import { LIMITS } from '@cachibot/protocol';
import { type FormEvent, type KeyboardEvent, useState } from 'react';
import { useModelsStore } from '../../stores/models-store.ts';
import { runningTurnOf, useTurnsStore } from '../../stores/turns-store.ts';
import { cancelTurn, sendChatMessage } from '../chat/turn-actions.ts';
import { updateChat } from '../chats/chat-actions.ts';
import { ModelPicker } from '../model-picker/ModelPicker.tsx';
import { useModelChoice } from './use-model-choice.ts';

/** Where the user writes: Enter sends, Shift+Enter breaks the line; Stop while the answer streams. */
export function Composer({ botId, chatId }: { botId: string; chatId: string | null }) {
  const [text, setText] = useState('');
  const catalogue = useModelsStore((state) => state.catalogue);
  const runningTurnId = useTurnsStore((state) => runningTurnOf(state.turns, chatId)?.turnId);
  const { model, remembered, defaultModel, choose } = useModelChoice(botId, chatId);
  const tooLong = text.length > LIMITS.messageChars;
  const canSend = text.trim().length > 0 && !tooLong && !runningTurnId;

  async function send() {
    if (!canSend) return;
    const message = text;
    setText('');
    // "Bot default" in a chat that remembers a model: forget it first, or the server would use it.
    if (chatId && model === null && remembered !== null) await updateChat(chatId, { model: null });
    sendChatMessage({ botId, chatId, text: message, model });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    void send();
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void send();
  }

  return (
    <form className="composer" onSubmit={onSubmit} aria-label="Write a message">
      <textarea
        className="composer-input"
        data-testid="message-input"
        aria-label="Message"
        placeholder="Message (Enter to send, Shift+Enter for a new line)"
        rows={3}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        aria-invalid={tooLong}
      />
      <div className="composer-bar">
        <ModelPicker catalogue={catalogue} value={model} defaultModel={defaultModel} onChange={choose} />
        {tooLong && (
          <span className="field-error" role="alert">
            {text.length.toLocaleString('en-US')} / {LIMITS.messageChars.toLocaleString('en-US')} characters
          </span>
        )}
        {runningTurnId ? (
          <button
            type="button"
            className="button danger"
            data-testid="cancel-button"
            onClick={() => cancelTurn(runningTurnId)}
          >
            ■ Stop
          </button>
        ) : (
          <button type="submit" className="button primary" data-testid="send-button" disabled={!canSend}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}
