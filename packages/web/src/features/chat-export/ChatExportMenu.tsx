import type { Chat } from '@cachibot/protocol';
import { useEffect, useId, useRef, useState } from 'react';
import { exportChat } from '../templates/template-actions.ts';

const FORMATS = [
  { format: 'md', label: 'Export as Markdown', hint: 'Readable, with each answer’s model' },
  { format: 'json', label: 'Export as JSON', hint: 'Every record, for scripts and backups' },
] as const;

/** The chat header's menu: save the branch on screen as a Markdown or JSON file. */
export function ChatExportMenu({ chat }: { chat: Chat }) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  // Escape or a click elsewhere closes it; Escape gives the focus back to the button.
  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLButtonElement>('[role=menuitem]')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        const items = [...(root.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? [])];
        const at = items.indexOf(document.activeElement as HTMLButtonElement);
        const next = (at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        items[next]?.focus();
        event.preventDefault();
      }
      if (event.key !== 'Escape') return;
      setOpen(false);
      trigger.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <div className="header-menu" ref={root}>
      <button
        ref={trigger}
        type="button"
        className="icon-button"
        data-testid="chat-menu"
        aria-label="Chat menu"
        title="Chat menu"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && (
        <div className="menu" role="menu" id={menuId} aria-label="Chat menu">
          {FORMATS.map(({ format, label, hint }) => (
            <button
              key={format}
              type="button"
              role="menuitem"
              className="menu-item"
              data-testid={`export-chat-${format}`}
              onClick={() => {
                setOpen(false);
                trigger.current?.focus();
                void exportChat(chat.id, chat.title, format);
              }}
            >
              <span>{label}</span>
              <span className="muted small">{hint}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
