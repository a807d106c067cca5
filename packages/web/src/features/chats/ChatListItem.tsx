import type { Chat } from '@cachibot/protocol';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../ui/ConfirmButton.tsx';
import { useAutoFocus } from '../../ui/use-auto-focus.ts';
import { deleteChat, updateChat } from './chat-actions.ts';

function RenameForm({ chat, onDone }: { chat: Chat; onDone(): void }) {
  const [title, setTitle] = useState(chat.title);
  const inputRef = useAutoFocus<HTMLInputElement>();
  function rename(event: FormEvent) {
    event.preventDefault();
    const next = title.trim();
    if (next && next !== chat.title) void updateChat(chat.id, { title: next });
    onDone();
  }
  return (
    <form className="rename-form" onSubmit={rename}>
      <input
        ref={inputRef}
        aria-label="Chat title"
        value={title}
        onChange={(event) => setTitle(event.target.value)}
        onKeyDown={(event) => event.key === 'Escape' && onDone()}
      />
      <button type="submit" className="button small">
        Save
      </button>
    </form>
  );
}

interface Props {
  chat: Chat;
  selected: boolean;
  streaming: boolean;
  onSelect(): void;
}

export function ChatListItem({ chat, selected, streaming, onSelect }: Props) {
  const [mode, setMode] = useState<'view' | 'menu' | 'rename'>('view');

  if (mode === 'rename') {
    return (
      <li className="entity-row" data-testid="chat-item" data-chat-id={chat.id}>
        <RenameForm chat={chat} onDone={() => setMode('view')} />
      </li>
    );
  }

  return (
    <li
      className={`entity-row${chat.archived ? ' archived' : ''}`}
      data-testid="chat-item"
      data-chat-id={chat.id}
    >
      <button
        type="button"
        className="entity-main"
        aria-current={selected ? 'true' : undefined}
        onClick={onSelect}
      >
        {chat.pinned && (
          <span title="Pinned">
            <span aria-hidden="true">📌</span>
            <span className="sr-only">Pinned:</span>
          </span>
        )}
        <span className="entity-title">{chat.title || 'Untitled chat'}</span>
        {streaming && (
          <span className="live-dot" title="Answering">
            <span className="sr-only">answering</span>
          </span>
        )}
        {chat.archived && <span className="badge">archived</span>}
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label={`Actions for ${chat.title || 'chat'}`}
        aria-expanded={mode === 'menu'}
        onClick={() => setMode(mode === 'menu' ? 'view' : 'menu')}
      >
        ⋯
      </button>
      {mode === 'menu' && (
        <div className="row-menu">
          <button type="button" className="button small" onClick={() => setMode('rename')}>
            Rename
          </button>
          <button
            type="button"
            className="button small"
            onClick={() => {
              void updateChat(chat.id, { pinned: !chat.pinned });
              setMode('view');
            }}
          >
            {chat.pinned ? 'Unpin' : 'Pin'}
          </button>
          <button
            type="button"
            className="button small"
            onClick={() => {
              void updateChat(chat.id, { archived: !chat.archived });
              setMode('view');
            }}
          >
            {chat.archived ? 'Unarchive' : 'Archive'}
          </button>
          <ConfirmButton
            label="Delete"
            confirmLabel="Delete chat"
            onConfirm={() => void deleteChat(chat.id)}
          />
        </div>
      )}
    </li>
  );
}
