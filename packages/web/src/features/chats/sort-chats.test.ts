import { describe, expect, it } from 'vitest';
import { makeChat } from '../../test/fixtures.ts';
import { visibleChats } from './sort-chats.ts';

describe('visibleChats', () => {
  const chats = [
    makeChat({ id: 'old', updatedAt: '2025-01-01T00:00:00Z' }),
    makeChat({ id: 'new', updatedAt: '2025-03-01T00:00:00Z' }),
    makeChat({ id: 'pinned-old', pinned: true, updatedAt: '2024-01-01T00:00:00Z' }),
    makeChat({ id: 'archived', archived: true, updatedAt: '2025-04-01T00:00:00Z' }),
    makeChat({ id: 'other-bot', botId: 'bot-2' }),
  ];

  it('lists pinned chats first, then by newest activity, without archived ones', () => {
    expect(visibleChats(chats, 'bot-1', false).map((chat) => chat.id)).toEqual(['pinned-old', 'new', 'old']);
  });

  it('includes archived chats when asked', () => {
    expect(visibleChats(chats, 'bot-1', true).map((chat) => chat.id)).toEqual([
      'pinned-old',
      'archived',
      'new',
      'old',
    ]);
  });
});
