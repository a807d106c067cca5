import { TEAM_CATEGORY, type Template } from '@cachibot/protocol';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useAutoFocus } from '../../ui/use-auto-focus.ts';
import { BotAvatar } from '../bots/BotAvatar.tsx';
import { TemplatePreview } from './TemplatePreview.tsx';
import { useTemplates } from './use-templates.ts';

const ALL = 'all';

/**
 * The marketplace beside "Blank" and "Import": search, categories with counts, cards, and a preview of
 * the chosen template (full prompt, suggested model, starters) with one button that installs it.
 * Loaded lazily: it is not part of the first load.
 */
export default function TemplateGallery() {
  const [q, setQ] = useState('');
  const [category, setCategory] = useState(ALL);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const templates = useTemplates(q);
  const searchRef = useAutoFocus<HTMLInputElement>();
  const data = templates.data;
  const shown = useMemo(
    () => (data?.templates ?? []).filter((template) => category === ALL || template.category === category),
    [data, category],
  );
  const selected = data?.templates.find((template) => template.id === selectedId) ?? null;
  const categoryName = (id: string) => data?.categories.find((item) => item.id === id)?.name ?? id;

  return (
    <div className={`template-gallery${selected ? ' has-selection' : ''}`} data-testid="template-gallery">
      <div className="gallery-browse">
        <div className="gallery-search">
          <input
            ref={searchRef}
            type="search"
            value={q}
            onChange={(event) => setQ(event.target.value)}
            placeholder="Search by name, purpose or tag"
            aria-label="Search templates"
            maxLength={200}
          />
        </div>
        {data && (
          <fieldset className="category-chips">
            <legend className="sr-only">Category</legend>
            <CategoryChip
              label="All"
              count={data.templates.length}
              pressed={category === ALL}
              onClick={() => setCategory(ALL)}
            />
            {data.categories
              // While searching, only where the matches are (and the chosen one).
              .filter((item) => !q.trim() || item.count > 0 || item.id === category)
              .map((item) => (
                <CategoryChip
                  key={item.id}
                  label={item.name}
                  count={item.count}
                  pressed={category === item.id}
                  onClick={() => setCategory(item.id)}
                />
              ))}
          </fieldset>
        )}
        <GalleryNotice
          status={templates.status}
          error={templates.status === 'error' ? templates.error : undefined}
          loaded={Boolean(data)}
          empty={shown.length === 0}
          teamEmpty={category === TEAM_CATEGORY.id}
          query={q.trim()}
          elsewhere={category === ALL ? 0 : (data?.templates.length ?? 0)}
          categoryName={categoryName(category)}
          onRetry={templates.reload}
          onClear={() => setQ('')}
          onAllCategories={() => setCategory(ALL)}
        />
        <ul className="template-grid" aria-label="Templates" aria-busy={templates.status === 'loading'}>
          {shown.map((template) => (
            <li key={template.id}>
              <TemplateCard
                template={template}
                categoryName={categoryName(template.category)}
                selected={template.id === selectedId}
                onSelect={() => setSelectedId(template.id)}
              />
            </li>
          ))}
        </ul>
      </div>
      {selected && (
        <TemplatePreview
          key={selected.id}
          template={selected}
          categoryName={categoryName(selected.category)}
          onClose={() => setSelectedId(null)}
        />
      )}
    </div>
  );
}

function CategoryChip(props: { label: string; count: number; pressed: boolean; onClick(): void }) {
  return (
    <button
      type="button"
      className="chip"
      aria-pressed={props.pressed}
      onClick={props.onClick}
      disabled={props.count === 0 && !props.pressed && props.label !== TEAM_CATEGORY.name}
    >
      {props.label} <span className="chip-count">{props.count}</span>
    </button>
  );
}

function TemplateCard(props: {
  template: Template;
  categoryName: string;
  selected: boolean;
  onSelect(): void;
}) {
  const { template } = props;
  const ref = useRef<HTMLButtonElement>(null);
  // Opening the preview narrows the list: keep the chosen card in view.
  useEffect(() => {
    if (props.selected) ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [props.selected]);
  return (
    <button
      ref={ref}
      type="button"
      className="template-card"
      data-testid="template-card"
      data-template-id={template.id}
      data-template-name={template.name}
      aria-pressed={props.selected}
      onClick={props.onSelect}
    >
      <BotAvatar bot={template} />
      <span className="template-card-text">
        <span className="template-card-name">{template.name}</span>
        <span className="template-card-description">{template.description}</span>
        <span className="template-card-meta">
          {template.source === 'team' ? `Shared by ${template.publisher}` : props.categoryName}
        </span>
      </span>
    </button>
  );
}

function GalleryNotice(props: {
  status: 'loading' | 'ready' | 'error';
  error?: string;
  loaded: boolean;
  empty: boolean;
  teamEmpty: boolean;
  query: string;
  /** Matches in other categories than the chosen one. */
  elsewhere: number;
  categoryName: string;
  onRetry(): void;
  onClear(): void;
  onAllCategories(): void;
}) {
  if (props.status === 'error') {
    return (
      <div className="gallery-notice" role="alert">
        <p>Could not load the templates: {props.error}</p>
        <button type="button" className="button small" onClick={props.onRetry}>
          Try again
        </button>
      </div>
    );
  }
  if (!props.loaded) return <p className="gallery-notice muted">Loading templates…</p>;
  if (!props.empty) return null;
  if (props.status === 'loading') return <p className="gallery-notice muted">Searching…</p>;
  if (props.teamEmpty && !props.query) {
    return (
      <p className="gallery-notice muted">
        Nobody has shared a bot with the team yet: open one of your bots, then “Share and export” → “Share
        with team”.
      </p>
    );
  }
  if (props.elsewhere > 0) {
    return (
      <div className="gallery-notice">
        <p className="muted">
          No {props.categoryName} templates{props.query ? ` match “${props.query}”` : ''}; {props.elsewhere}{' '}
          in other categories do.
        </p>
        <button type="button" className="button small" onClick={props.onAllCategories}>
          Show all categories
        </button>
      </div>
    );
  }
  if (props.query) {
    return (
      <div className="gallery-notice">
        <p className="muted">No templates match “{props.query}”.</p>
        <button type="button" className="button small" onClick={props.onClear}>
          Clear the search
        </button>
      </div>
    );
  }
  return <p className="gallery-notice muted">No templates here.</p>;
}
