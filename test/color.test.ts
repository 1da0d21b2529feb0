// The one colour rule (src/color.ts), as the console and the client verbs both apply it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColorAssigner, PALETTE, colorLevel, colorOfName } from '../src/color.js';

test('NO_COLOR always wins; FORCE_COLOR decides next; else a terminal gets colour and a pipe none', () => {
  assert.equal(colorLevel(true, {}), 1);
  assert.equal(colorLevel(false, {}), 0);
  assert.equal(colorLevel(true, { NO_COLOR: '1' }), 0);
  assert.equal(colorLevel(false, { NO_COLOR: '1', FORCE_COLOR: '1' }), 0);
  assert.equal(colorLevel(false, { FORCE_COLOR: '1' }), 1);
  assert.equal(colorLevel(false, { FORCE_COLOR: '3' }), 3);
  assert.equal(colorLevel(true, { FORCE_COLOR: '0' }), 0);
  assert.equal(colorLevel(true, { FORCE_COLOR: 'false' }), 0);
  assert.equal(colorLevel(true, { NO_COLOR: '' }), 1, 'an empty NO_COLOR does not count');
  assert.equal(colorLevel(true, { TERM: 'dumb' }), 0);
  assert.equal(colorLevel(true, {}, 2), 2, "chalk's detected depth is kept");
});

test('the terminal may be asked lazily: only when the environment leaves the answer open', () => {
  let asked = 0;
  const tty = (answer: boolean) => () => (asked++, answer);
  assert.equal(colorLevel(tty(true), { NO_COLOR: '1' }), 0);
  assert.equal(colorLevel(tty(false), { FORCE_COLOR: '1' }), 1);
  assert.equal(colorLevel(tty(true), { TERM: 'dumb' }), 0);
  assert.equal(asked, 0);
  assert.equal(colorLevel(tty(true), {}), 1);
  assert.equal(colorLevel(tty(false), {}), 0);
  assert.equal(asked, 2);
});

test('a service name gets the same colour from `dinit logs` as its first one in the console', () => {
  for (const name of ['web', 'db', 'worker', 'a-much-longer-service-name']) {
    assert.equal(new ColorAssigner().colorOf(name), colorOfName(name));
    assert.ok(PALETTE.includes(colorOfName(name)));
  }
});
