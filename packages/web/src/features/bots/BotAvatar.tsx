import type { Bot } from '@cachibot/protocol';
import type { CSSProperties } from 'react';

/** The bot's icon on its color; decorative (the name is always shown beside it). */
export function BotAvatar({
  bot,
  size = 'normal',
}: {
  bot: Pick<Bot, 'icon' | 'color' | 'name'>;
  size?: 'normal' | 'small' | 'large';
}) {
  const style = { '--bot-color': bot.color || 'var(--accent)' } as CSSProperties;
  return (
    <span className={`bot-avatar ${size}`} style={style} aria-hidden="true">
      {bot.icon || bot.name.slice(0, 1).toUpperCase()}
    </span>
  );
}
