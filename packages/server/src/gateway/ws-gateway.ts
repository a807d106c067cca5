import type { ClientFrame } from '@cachibot/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { AuthService } from '../auth/auth-service.ts';
import { credentialsOf } from '../auth/request-auth.ts';
import type { ChatService } from '../chats/chat-service.ts';
import { AppError, toErrorBody } from '../errors.ts';
import type { TurnEngine } from '../turns/turn-engine.ts';
import { ClientConnection } from './client-connection.ts';
import { parseClientFrame } from './frame-parser.ts';
import { TokenBucket, UserBuckets } from './token-bucket.ts';

export interface GatewayOptions {
  maxSocketsPerUser: number;
  /** Frames other than `ping`: a burst, then a sustained rate; beyond it frames get `rate_limited`. */
  frameBurst: number;
  framesPerSecond: number;
  allowedOrigins: string[];
  heartbeat: { intervalMs: number; timeoutMs: number };
  /** Per user, across sockets: resumes (each may replay a long answer) and socket upgrades. */
  resumeBurst?: number;
  resumesPerSecond?: number;
  upgradeBurst?: number;
  upgradesPerSecond?: number;
}

interface GatewayDeps {
  auth: AuthService;
  chats: ChatService;
  engine: TurnEngine;
  log: FastifyInstance['log'];
}

declare module 'fastify' {
  interface FastifyRequest {
    wsPrincipal?: { userId: string; sessionId: string };
  }
}

/** Refused frames after which a socket counts as flooding and is closed (1008). */
const FLOOD_CLOSE_AFTER = 100;

/** Same-origin, or listed in CACHIBOT_ALLOWED_ORIGINS: an exact match, scheme and port included. */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  secure: boolean,
  allowed: string[],
): boolean {
  if (!origin || origin === 'null') return false;
  if (allowed.includes(origin)) return true;
  return !!host && origin === `${secure ? 'https' : 'http'}://${host}`;
}

/** The WebSocket transport: frames in (validated), events out (per-socket, deduplicated), heartbeat. */
export class WsGateway {
  private readonly connections = new Set<ClientConnection>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;

  private readonly resumes: UserBuckets;
  private readonly upgrades: UserBuckets;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly options: GatewayOptions,
  ) {
    const resumes = options.resumesPerSecond ?? 20;
    const upgrades = options.upgradesPerSecond ?? 20;
    this.resumes = new UserBuckets(options.resumeBurst ?? resumes * 5, resumes);
    this.upgrades = new UserBuckets(options.upgradeBurst ?? upgrades * 5, upgrades);
  }

  register(app: FastifyInstance): void {
    app.get(
      '/ws',
      { websocket: true, preValidation: (request, reply) => this.authorizeUpgrade(request, reply) },
      (socket, request) => {
        const principal = request.wsPrincipal;
        if (principal) this.accept(socket, principal.userId, principal.sessionId);
        else socket.close(1008, 'unauthorized');
      },
    );
    this.stopListening = this.deps.auth.onSessionsEnded((ended) => {
      for (const connection of this.connections) {
        if (connection.userId !== ended.userId) continue;
        const listed = ended.sessionIds?.includes(connection.sessionId);
        const allBut = ended.allExcept !== undefined && connection.sessionId !== ended.allExcept;
        if (listed || allBut) connection.socket.close(1008, 'session ended');
      }
    });
    this.heartbeatTimer = setInterval(() => {
      for (const connection of this.connections) connection.ping(this.options.heartbeat.timeoutMs);
    }, this.options.heartbeat.intervalMs);
    this.heartbeatTimer.unref();
  }

  close(): void {
    clearInterval(this.heartbeatTimer);
    this.stopListening?.();
    for (const connection of this.connections) connection.socket.close(1001, 'server shutting down');
  }

  /** WebSockets open on this process. */
  openSockets(): number {
    return this.connections.size;
  }

  socketCount(userId: string): number {
    let count = 0;
    for (const connection of this.connections) if (connection.userId === userId) count++;
    return count;
  }

  private async authorizeUpgrade(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const credentials = credentialsOf(request);
    const principal = await this.deps.auth.authenticate(credentials.token);
    if (!principal) {
      reply.code(401).send(toErrorBody(new AppError('unauthorized', 'Log in first')).body);
      return;
    }
    if (credentials.via === 'cookie') {
      const secure = request.protocol === 'https';
      if (
        !isAllowedOrigin(request.headers.origin, request.headers.host, secure, this.options.allowedOrigins)
      ) {
        reply.code(403).send(toErrorBody(new AppError('forbidden', 'Origin not allowed')).body);
        return;
      }
    }
    if (!this.upgrades.take(principal.user.id)) {
      reply.header('retry-after', '1');
      reply
        .code(429)
        .send(toErrorBody(new AppError('rate_limited', 'Reconnecting too often; wait a moment')).body);
      return;
    }
    if (this.socketCount(principal.user.id) >= this.options.maxSocketsPerUser) {
      reply.code(429).send(toErrorBody(new AppError('rate_limited', 'Too many open connections')).body);
      return;
    }
    request.wsPrincipal = { userId: principal.user.id, sessionId: principal.sessionId };
  }

  private accept(socket: WebSocket, userId: string, sessionId: string): void {
    const connection = new ClientConnection(socket, userId, sessionId);
    this.connections.add(connection);
    const frames = new TokenBucket(this.options.frameBurst, this.options.framesPerSecond);
    // Pings are exempt from the frame budget but not unlimited: a ping flood is still a flood.
    const anyFrames = new TokenBucket(this.options.frameBurst * 4, this.options.framesPerSecond * 25);
    let refused = 0;
    socket.on('pong', () => connection.pong());
    const closeFlooder = () => {
      socket.close(1008, 'too many frames');
      socket.pause(); // stop reading: what it already sent is not worth parsing
      setTimeout(() => socket.terminate(), 500).unref();
    };
    socket.on('message', (data, isBinary) => {
      if (socket.readyState !== socket.OPEN) return;
      const receivedAt = Date.now();
      let frame: ClientFrame;
      try {
        frame = parseClientFrame(data as Buffer, isBinary);
      } catch (error) {
        if (!anyFrames.take() && ++refused > FLOOD_CLOSE_AFTER) return closeFlooder();
        this.sendError(connection, error);
        return;
      }
      const withinBudget = frame.type === 'ping' ? anyFrames.take() : frames.take() && anyFrames.take();
      if (!withinBudget) {
        if (++refused > FLOOD_CLOSE_AFTER) return closeFlooder();
        this.sendError(connection, new AppError('rate_limited', 'Too many frames; slow down'), frame);
        return;
      }
      this.handle(connection, frame, receivedAt).catch((error) => this.sendError(connection, error, frame));
    });
    socket.on('close', () => {
      // Disconnecting is not cancelling: the turns run on; only this socket's subscriptions end.
      connection.close();
      this.connections.delete(connection);
    });
    socket.on('error', (error) => this.deps.log.debug({ err: error, userId }, 'socket error'));
  }

  private async handle(connection: ClientConnection, frame: ClientFrame, receivedAt: number): Promise<void> {
    switch (frame.type) {
      case 'ping':
        connection.send({
          type: 'pong',
          payload: frame.payload.ts === undefined ? {} : { ts: frame.payload.ts },
        });
        return;
      case 'chat': {
        const handle = await this.deps.engine.startChatTurn(connection.userId, frame.payload, receivedAt);
        await this.deps.engine.follow(connection, handle.chatId, handle.turnId, 0);
        return;
      }
      case 'cancel':
        await this.deps.engine.cancel(connection.userId, frame.payload.turnId);
        return;
      case 'resume': {
        if (!this.resumes.take(connection.userId))
          throw new AppError('rate_limited', 'Too many resumes; wait a moment', undefined, 1);
        // Every resume re-checks the session: a socket must not outlive a revoked login.
        if (!(await this.deps.auth.isSessionValid(connection.sessionId))) {
          connection.socket.close(1008, 'session ended');
          return;
        }
        const chat = await this.deps.chats.getOwnedRow(connection.userId, frame.payload.chatId);
        await this.deps.engine.follow(connection, chat.id, frame.payload.turnId, frame.payload.afterSeq ?? 0);
        return;
      }
      case 'compare': {
        const handles = await this.deps.engine.startCompareTurns(
          connection.userId,
          frame.payload,
          receivedAt,
        );
        for (const handle of handles)
          await this.deps.engine.follow(connection, handle.chatId, handle.turnId, 0);
        return;
      }
      case 'regenerate': {
        const handle = await this.deps.engine.startRegenerateTurn(
          connection.userId,
          frame.payload,
          receivedAt,
        );
        await this.deps.engine.follow(connection, handle.chatId, handle.turnId, 0);
        return;
      }
      default: {
        const unreachable: never = frame;
        throw new AppError('bad_request', `Unhandled frame ${(unreachable as { type: string }).type}`);
      }
    }
  }

  private sendError(connection: ClientConnection, error: unknown, frame?: ClientFrame): void {
    if (!AppError.isInstance(error))
      this.deps.log.error({ err: error, userId: connection.userId }, 'frame handling failed');
    const { body } = toErrorBody(error);
    const clientMessageId =
      frame?.type === 'chat' || frame?.type === 'regenerate' || frame?.type === 'compare'
        ? frame.payload.clientMessageId
        : (error as { clientMessageId?: string }).clientMessageId;
    connection.send({
      type: 'error',
      payload: { ...body.error, ...(clientMessageId ? { clientMessageId } : {}) },
    });
  }
}
