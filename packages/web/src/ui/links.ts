/**
 * Where a user learns to configure providers: the README, served by Cachibot itself as plain text, so
 * the link works on any self-hosted instance (see its "Configuration" section).
 */
export const README_CONFIGURATION_URL = '/README.md';
