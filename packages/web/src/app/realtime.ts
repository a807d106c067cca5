import type { Chat, ClientFrame } from '@cachibot/protocol';
import { authApi } from '../api/endpoints.ts';
import { SocketClient, type SocketClientOptions } from '../api/socket.ts';
import { sameOriginSocketUrl } from '../api/socket-environment.ts';
import { setTransport } from '../api/transport.ts';
import { endSession } from '../features/auth/auth-actions.ts';
import { resumeChat, retrySend, retryTurn } from '../features/chat/turn-actions.ts';
import { refreshChat } from '../features/chats/chat-actions.ts';
import { handleServerEvent, type ServerEventEffects } from '../stores/server-events.ts';
import { useTurnsStore } from '../stores/turns-store.ts';
import { useUiStore } from '../stores/ui-store.ts';
import { ResumeCheck } from './resume-check.ts';

/** After a reconnect: pick up every running turn where it was left, and chats waiting for theirs. */
export function resumeFramesFor(state = useTurnsStore.getState()): ClientFrame[] {
  const frames: ClientFrame[] = [];
  const resumedChats = new Set<string>();
  for (const turn of Object.values(state.turns)) {
    if (turn.status !== 'running') continue;
    resumedChats.add(turn.chatId);
    frames.push({
      type: 'resume',
      payload: { chatId: turn.chatId, turnId: turn.turnId, afterSeq: turn.lastSeq },
    });
  }
  for (const chatId of Object.keys(state.watchedChats)) {
    if (!resumedChats.has(chatId)) frames.push({ type: 'resume', payload: { chatId } });
  }
  return frames;
}

/** Repeated refused upgrades may mean the session ended (logout elsewhere): then show the login. */
async function checkSessionStillValid(): Promise<void> {
  const status = await authApi.status().catch(() => null);
  if (status && !status.user) endSession();
}

/** A first message sent from a bot's draft created this chat: show it if the draft is still on screen. */
function openCreatedChat(chat: Chat): void {
  const ui = useUiStore.getState();
  if (ui.mainView.kind === 'chat' && ui.selectedBotId === chat.botId && ui.selectedChatId === null) {
    ui.selectChat(chat.botId, chat.id);
  }
}

/** Starts the app's WebSocket and routes its events into the stores; returns the stop function. */
export function startRealtime(overrides: Partial<SocketClientOptions> = {}): () => void {
  let client: SocketClient | undefined;
  const effects: ServerEventEffects = {
    requestResume: ({ chatId, turnId, afterSeq }) => resumeChat(chatId, turnId, afterSeq),
    acknowledgeSend: (clientMessageId) => client?.ack(clientMessageId),
    chatCreated: openCreatedChat,
    turnEnded: (chatId) => void refreshChat(chatId),
    retrySend,
    retryTurn,
  };
  const resumeCheck = new ResumeCheck({
    timers: overrides.timers,
    turnEnded: (chatId) => void refreshChat(chatId),
  });
  client = new SocketClient({
    url: () => sameOriginSocketUrl(),
    onEvent: (event) => handleServerEvent(event, effects),
    onStateChange: (state) => {
      if (state !== 'connected') resumeCheck.cancel();
      useUiStore.getState().setConnection(state);
    },
    resumeFrames: () => {
      const frames = resumeFramesFor();
      resumeCheck.afterResume(frames);
      return frames;
    },
    onConnectFailure: (count) => {
      if (count % 3 === 0) void checkSessionStillValid();
    },
    ...overrides,
  });
  const socket = client;
  setTransport({
    send: (frame) => socket.send(frame),
    sendTracked: (key, frame) => socket.sendTracked(key, frame),
    ack: (key) => socket.ack(key),
  });
  socket.start();
  useUiStore.getState().setConnection(socket.connectionState);
  return () => {
    resumeCheck.cancel();
    socket.stop();
    setTransport(null);
  };
}
