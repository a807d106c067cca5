import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useModelsStore } from '../../stores/models-store.ts';
import { useAutoFocus } from '../../ui/use-auto-focus.ts';
import { ModelOption } from '../model-picker/ModelOption.tsx';
import type { PickerEntry } from '../model-picker/model-list.ts';
import { useListboxKeys } from '../model-picker/use-listbox-keys.ts';
import { recentModels } from './recent-models.ts';
import { buildRegenerateList } from './regenerate-list.ts';

interface Props {
  botId: string;
  chatId: string;
  /** The model of the answer being redone (marked in the list). */
  answerModel: string | undefined;
  onPick(model: string): void;
}

/** The model the chat answers with now: its remembered model, else the bot's, else the system's. */
function useChatModel(botId: string, chatId: string): string | null {
  const remembered = useEntitiesStore((state) => state.chats[chatId]?.model ?? null);
  const botDefault = useEntitiesStore((state) => state.bots.find((bot) => bot.id === botId)?.models.default);
  const systemDefault = useModelsStore((state) => state.catalogue?.default ?? null);
  return remembered ?? (botDefault || systemDefault);
}

function Panel({
  botId,
  chatId,
  answerModel,
  onPick,
  onClose,
  placement,
}: Props & {
  onClose(): void;
  placement: 'above' | 'below';
}) {
  const baseId = useId();
  const [query, setQuery] = useState('');
  const catalogue = useModelsStore((state) => state.catalogue);
  const fallbacks = useEntitiesStore((state) => state.bots.find((bot) => bot.id === botId)?.fallbackModels);
  const chatModel = useChatModel(botId, chatId);
  const [recent] = useState(recentModels);
  const list = useMemo(
    () => buildRegenerateList(catalogue, query, { chatModel, fallbacks: fallbacks ?? [], recent }),
    [catalogue, query, chatModel, fallbacks, recent],
  );
  const pick = (entry: PickerEntry) => onPick(entry.id);
  const { activeIndex, setActive, onKeyDown } = useListboxKeys({
    items: list.flat,
    initialIndex: 0,
    resetKey: query,
    onPick: pick,
    onClose,
  });
  const optionId = (index: number) => `${baseId}-option-${index}`;
  const searchRef = useAutoFocus<HTMLInputElement>();
  const listRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    listRef.current
      ?.querySelector<HTMLElement>(`[id="${optionId(activeIndex)}"]`)
      ?.scrollIntoView?.({ block: 'nearest' });
  });
  let index = -1;

  return (
    <div className={`model-picker-panel regenerate-panel ${placement}`} data-testid="regenerate-menu">
      <p className="regenerate-title" id={`${baseId}-title`}>
        Regenerate with…
      </p>
      <input
        ref={searchRef}
        className="model-search"
        type="text"
        role="combobox"
        aria-label="Search models to regenerate with"
        aria-expanded="true"
        aria-controls={`${baseId}-listbox`}
        aria-autocomplete="list"
        aria-activedescendant={activeIndex >= 0 ? optionId(activeIndex) : undefined}
        placeholder="Search models or type provider/model"
        value={query}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div
        className="model-list"
        id={`${baseId}-listbox`}
        role="listbox"
        aria-labelledby={`${baseId}-title`}
        ref={listRef}
      >
        {list.sections.map((section, sectionIndex) => (
          // biome-ignore lint/a11y/useSemanticElements: a listbox groups its options with role=group (WAI-ARIA), not fieldset
          <div key={section.label} role="group" aria-labelledby={`${baseId}-section-${sectionIndex}`}>
            <div className="model-group-header" id={`${baseId}-section-${sectionIndex}`} role="presentation">
              {section.label}
            </div>
            {section.entries.map((entry) => {
              index += 1;
              const position = index;
              return (
                <ModelOption
                  key={`${section.label}:${entry.id}`}
                  entry={entry}
                  domId={optionId(position)}
                  active={position === activeIndex}
                  selected={entry.id === answerModel}
                  onPick={pick}
                  onHover={() => setActive(position)}
                />
              );
            })}
          </div>
        ))}
      </div>
      {list.flat.length === 0 && (
        <p className="picker-note">
          {query ? `No model matches “${query}”.` : 'No models — configure a provider.'}
        </p>
      )}
    </div>
  );
}

/**
 * "Regenerate ▾" on an answer (MODL-07): a menu of models — the chat's, the bot's fallbacks, the
 * recently used ones and a search over all — that answers the same question again as a sibling.
 */
export function RegenerateMenu(props: Props) {
  const [placement, setPlacement] = useState<'above' | 'below' | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const open = placement !== null;

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: MouseEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setPlacement(null);
    };
    document.addEventListener('mousedown', onPointerDown);
    return () => document.removeEventListener('mousedown', onPointerDown);
  }, [open]);

  function toggle() {
    if (open) return close();
    // Open towards the side of the conversation with more room, so the list is not cut off.
    const button = buttonRef.current?.getBoundingClientRect();
    const area = buttonRef.current?.closest('.message-scroller')?.getBoundingClientRect();
    const above = button && area ? button.top - area.top : 0;
    const below = button && area ? area.bottom - button.bottom : 1;
    setPlacement(above > below ? 'above' : 'below');
  }

  function close() {
    setPlacement(null);
    buttonRef.current?.focus();
  }

  return (
    <div className="regenerate-menu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="button small"
        data-testid="regenerate-button"
        aria-haspopup="listbox"
        aria-expanded={open}
        onClick={toggle}
      >
        Regenerate <span aria-hidden="true">▾</span>
      </button>
      {placement && (
        <Panel
          {...props}
          placement={placement}
          onClose={close}
          onPick={(model) => {
            close();
            props.onPick(model);
          }}
        />
      )}
    </div>
  );
}
