export * from './common.ts';
export * from './entities.ts';
export * from './limits.ts';
export * from './openai-api.ts';
export * from './rest.ts';
export * from './templates.ts';
export * from './usage.ts';
export * from './ws.ts';
