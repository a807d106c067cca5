import { useEntitiesStore } from '../../stores/entities-store.ts';
import { useUiStore } from '../../stores/ui-store.ts';
import { ShowMoreButton } from '../../ui/ShowMoreButton.tsx';
import { BotAvatar } from './BotAvatar.tsx';
import { loadMoreBots } from './bot-actions.ts';

export function BotList() {
  const bots = useEntitiesStore((state) => state.bots);
  const loaded = useEntitiesStore((state) => state.botsLoaded);
  const hasMore = useEntitiesStore((state) => state.botsNextCursor !== null);
  const selectedBotId = useUiStore((state) => state.selectedBotId);
  const selectBot = useUiStore((state) => state.selectBot);
  const editBot = useUiStore((state) => state.editBot);

  return (
    <section className="sidebar-section" aria-labelledby="bots-heading">
      <div className="section-header">
        <h2 id="bots-heading">Bots</h2>
        <button
          type="button"
          className="button small"
          data-testid="new-bot-button"
          onClick={() => editBot(null)}
        >
          + New bot
        </button>
      </div>
      <ul className="entity-list" data-testid="bot-list">
        {!loaded && <li className="muted list-note">Loading…</li>}
        {loaded && bots.length === 0 && <li className="muted list-note">No bots yet.</li>}
        {bots.map((bot) => (
          <li key={bot.id} className="entity-row" data-testid="bot-item" data-bot-id={bot.id}>
            <button
              type="button"
              className="entity-main"
              aria-current={bot.id === selectedBotId ? 'true' : undefined}
              onClick={() => selectBot(bot.id)}
            >
              <BotAvatar bot={bot} size="small" />
              <span className="entity-title">{bot.name}</span>
            </button>
            <button
              type="button"
              className="icon-button"
              aria-label={`Edit bot ${bot.name}`}
              title="Edit bot"
              onClick={() => editBot(bot.id)}
            >
              ✎
            </button>
          </li>
        ))}
        {loaded && hasMore && (
          <li className="list-more">
            <ShowMoreButton label="Show more bots" testId="more-bots" onMore={loadMoreBots} />
          </li>
        )}
      </ul>
    </section>
  );
}
