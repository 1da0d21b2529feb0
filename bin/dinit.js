#!/usr/bin/env node
// Entry point installed as `dinit` (package.json bin). The TypeScript build lives in dist/.
import '../dist/src/bin/dinit.js';
