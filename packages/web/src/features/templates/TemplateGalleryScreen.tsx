import { lazy, Suspense } from 'react';
import { useUiStore } from '../../stores/ui-store.ts';
import { ErrorBoundary } from '../../ui/ErrorBoundary.tsx';
import { NewBotChoices, type NewBotMode } from './NewBotChoices.tsx';

// The gallery and its preview load when first opened, not with the app.
const TemplateGallery = lazy(() => import('./TemplateGallery.tsx'));

/** "New bot" with "Browse templates" chosen: the gallery in place of the blank form. */
export function TemplateGalleryScreen({ onMode }: { onMode(mode: NewBotMode): void }) {
  const closeEditor = useUiStore((state) => state.closeEditor);
  return (
    <section className="editor gallery-screen" aria-labelledby="bot-editor-title">
      <div className="gallery-screen-head">
        <h1 id="bot-editor-title">New bot</h1>
        <button type="button" className="button small" onClick={closeEditor}>
          Cancel
        </button>
      </div>
      <NewBotChoices mode="templates" onMode={onMode} />
      <ErrorBoundary scope="template gallery">
        <Suspense fallback={<p className="muted center">Loading templates…</p>}>
          <TemplateGallery />
        </Suspense>
      </ErrorBoundary>
    </section>
  );
}
