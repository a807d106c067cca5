import { z } from 'zod';

// Zod compiles object parsers with `new Function` when it may, and probes for that once, when the first
// schema is built. Under the server's CSP (no 'unsafe-eval') the probe is refused and reported as a
// `securitypolicyviolation` (and a console error) on every load. Jitless parsing needs no eval at all.
// This module must be imported before anything that defines schemas (main.tsx imports it first).
z.config({ jitless: true });
